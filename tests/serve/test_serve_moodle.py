"""`nnlab serve` with the course configured for Moodle web services (c.Moodle.url): each graded hand-in's
grade, comment and feedback page go to the Moodle assignment once its feedback is released, by the rules
of `nnlab sync-lms` (a locked grade left out and named; nothing sent twice), and a Moodle that refuses
(a revoked token) is logged once while grading goes on, the push kept until Moodle takes it, across a
restart too. A real service process, a real exchange, the web-service stand-in of tests/lms."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from classroom import ASSIGNMENT, ServiceProcess, answer, hand_in, make_term, states, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lms"))
from moodle_ws import Site, serve  # noqa: E402

from nnlab.report.classdata import read_class  # noqa: E402

TOKEN = "fedcba9876543210fedcba9876543210"
ADA, BEN = 201, 202
MAXIMUM = 20


def _saves(site: Site) -> list[dict]:
    return [params for function, params in site.calls if function == "mod_assign_save_grades"]


def _expected(term, student: str) -> float:
    results = read_class(term.course, ASSIGNMENT)
    [result] = [r for r in results.results if r.student == student]
    return round(result.total / results.max_score * MAXIMUM, 5)


def _released(term, name: str) -> bool:
    return states(term).get(name) == "released"


@pytest.fixture(scope="module")
def moodle_served(tmp_path_factory, fast_config):
    site = Site(token=TOKEN, course_id=7, assignment={
        "id": 5, "cmid": 42, "course": 7, "name": ASSIGNMENT, "duedate": 0, "cutoffdate": 0, "grade": MAXIMUM,
        "blindmarking": 0, "revealidentities": 0, "teamsubmission": 0},
        users={ADA: {"fullname": "Ada Lovelace", "email": "ada@students.example.org", "participant": 31},
               BEN: {"fullname": "Ben Okafor", "email": "ben@students.example.org", "participant": 32}},
        locked={BEN})
    server, url = serve(site)
    workdir = tmp_path_factory.mktemp("serve-moodle")
    token_file = workdir.parent / f"{workdir.name}-token"
    token_file.write_text(TOKEN + "\n")
    moodle_config = (f"c.Moodle.url = {url!r}\nc.Moodle.course_id = 7\nc.Moodle.token_path = {str(token_file)!r}\n"
                     "c.Moodle.retry_seconds = 1\nc.Moodle.partial = True\n"
                     # the pushes alone (the pulls: test_serve_moodle_pull.py): a pull while the token is revoked
                     # would log one more refusal than the pushes make
                     "c.Moodle.poll_seconds = 0\n")
    term = make_term(workdir, ["ada", "ben"], fast_config + moodle_config)
    found: dict = {"term": term, "site": site}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
            _run(term, site, found)
    finally:
        server.shutdown()
    return found


def _run(term, site: Site, found: dict) -> None:
    service = ServiceProcess(term)
    try:
        # 1. each student's first hand-in: ada's grade goes to Moodle, ben's is locked there
        first = [hand_in(term, "ada", answer(term, "right")), hand_in(term, "ben", answer(term, "right"))]
        wait_for(lambda: all(_released(term, n) for n in first) and ADA in site.grades, 300,
                 "both graded, ada's grade pushed", service)
        found["first"] = dict(site.grades[ADA])
        found["first expected"] = _expected(term, "ada")
        found["first saves"] = list(_saves(site))
        # 2. ada hands in again (the release untouched): pushed again, with the new grade
        again = hand_in(term, "ada", answer(term, "release"))
        wait_for(lambda: _released(term, again) and len(_saves(site)) > len(found["first saves"]), 300,
                 "ada's second grade pushed", service)
        found["second"] = dict(site.grades[ADA])
        found["second expected"] = _expected(term, "ada")
        # 3. nothing changed: turns go by, nothing is sent
        saves = len(_saves(site))
        time.sleep(2)   # several poll intervals
        found["saves while idle"] = len(_saves(site)) - saves
        # 4. Moodle refuses the token: logged once, grading goes on, pushed once Moodle answers again
        site.token = "revoked"
        refused = hand_in(term, "ada", answer(term, "right"))
        wait_for(lambda: _released(term, refused) and "did not go through" in service.output(), 300,
                 "ada graded, the push refused", service)
        later = hand_in(term, "ben", answer(term, "release"))   # handed in after the refusal: graded all the same
        wait_for(lambda: _released(term, later), 300, "ben graded while Moodle refuses", service)
        time.sleep(2)   # two retries at least (c.Moodle.retry_seconds = 1)
        found["refused grade"] = dict(site.grades[ADA])
        found["owed while refused"] = json.loads(_pending(term).read_text())
        site.token = TOKEN
        wait_for(lambda: site.grades[ADA]["grade"] != found["second"]["grade"], 60, "the owed push sent", service)
        found["after refusal"] = dict(site.grades[ADA])
        found["after refusal expected"] = _expected(term, "ada")
        # 5. refused again, then the service stops: the next start pushes what is owed
        site.token = "revoked"
        last = hand_in(term, "ada", answer(term, "release"))
        wait_for(lambda: _released(term, last) and "ada" in _pending(term).read_text(), 300,
                 "graded, its push owed", service)
        found["stopped"] = service.stop()
    finally:
        service.end_session()
    found["log"] = service.output()
    site.token = TOKEN
    restarted = ServiceProcess(term, log=term.workdir / "restart.log")
    try:
        wait_for(lambda: site.grades[ADA]["grade"] != found["after refusal"]["grade"], 60,
                 "the push owed before the stop sent by the next start", restarted)
        found["after restart"] = dict(site.grades[ADA])
        found["after restart expected"] = _expected(term, "ada")
        found["restart stopped"] = restarted.stop()
    finally:
        restarted.end_session()
    found["restart log"] = restarted.output()
    found["owed at the end"] = json.loads(_pending(term).read_text())


def _pending(term) -> Path:
    return term.course / ".nnlab" / "lms-sync" / "serve-pending.json"


def test_a_graded_hand_in_goes_to_moodle_with_its_grade_comment_and_page(moodle_served):
    found = moodle_served
    term = found["term"]
    assert found["first"]["grade"] == pytest.approx(found["first expected"], abs=1e-4)
    assert found["first expected"] > 0
    assert "points" in found["first"]["comment"]
    assert list(found["first"]["files"]) == [f"{ASSIGNMENT}.html"]
    # one save_grades call for ada alone; ben's locked grade is never sent, and the log says why
    [save] = found["first saves"]
    assert [int(g["userid"]) for g in save["grades"]] == [ADA]
    assert all(int(g["userid"]) != BEN for s in _saves(found["site"]) for g in s["grades"])
    assert ("Moodle: perceptron: participant 32 (ben) left out: the grade is locked or overridden in Moodle's "
            "gradebook") in found["log"]
    assert "Moodle: perceptron: ada's grade" in found["log"]
    assert TOKEN not in found["log"] + found["restart log"]
    assert (term.course / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()


def test_a_second_hand_in_is_pushed_again_and_nothing_twice_when_unchanged(moodle_served):
    found = moodle_served
    assert found["second"]["grade"] == pytest.approx(found["second expected"], abs=1e-4)
    assert found["second"]["grade"] < found["first"]["grade"]   # the release untouched scores less
    assert found["saves while idle"] == 0


def test_a_refusing_moodle_is_logged_once_grading_goes_on_and_the_push_follows(moodle_served):
    found = moodle_served
    log = found["log"]
    assert log.count("invalidtoken") == 2, log[-3000:]   # once per refusal, not once per try
    assert "did not go through: Moodle mod_assign_get_assignments failed (invalidtoken" in log
    assert found["refused grade"] == found["second"]             # nothing reached Moodle meanwhile
    assert {a: sorted(s) for a, s in found["owed while refused"].items()} == {"perceptron": ["ada", "ben"]}
    assert "Moodle answers again" in log
    assert found["after refusal"]["grade"] == pytest.approx(found["after refusal expected"], abs=1e-4)
    assert found["stopped"] == 0


def test_a_push_owed_when_the_service_stopped_is_sent_by_the_next_start(moodle_served):
    found = moodle_served
    assert "1 push(es) still owed" in found["restart log"]
    assert found["after restart"]["grade"] == pytest.approx(found["after restart expected"], abs=1e-4)
    assert found["after restart"]["grade"] < found["after refusal"]["grade"]
    assert found["owed at the end"] == {}
    assert found["restart stopped"] == 0
