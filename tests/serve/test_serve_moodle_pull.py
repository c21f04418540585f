"""`nnlab serve` pulling from Moodle (c.Moodle.url, c.Moodle.poll_seconds): a notebook handed in on the Moodle
assignment is pulled into submitted/, graded and its grade pushed back without `nnlab sync-lms`; a second
hand-in there replaces the first and is graded once; a Moodle that cannot be reached holds up no grading of
the exchange's hand-ins and is pulled from once it answers; a restart grades nothing twice and loses nothing
pulled (even a notebook placed in submitted/ that no journal knows). A real service process, a real
exchange, the web-service stand-in of tests/lms."""
from __future__ import annotations

import sys
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from classroom import ASSIGNMENT, ServiceProcess, answer, events, hand_in, make_term, states, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lms"))
from moodle_ws import Site, Submission, serve  # noqa: E402

from nnlab.demo import submissions  # noqa: E402
from nnlab.lms.sync import sync_moodle  # noqa: E402
from nnlab.lms.webservice import MoodleService  # noqa: E402
from nnlab.report.classdata import read_class  # noqa: E402

TOKEN = "00112233445566778899aabbccddeeff"
ADA, BEN, CY, DAN, GRACE = 201, 202, 203, 204, 205
MAXIMUM = 20
DAY = 86400


def _moodle_names(term, student: str = "") -> list[str]:
    return list(dict.fromkeys(e["handin"] for e in events(term) if e["handin"].startswith(f"moodle/{student}")))


def _released(term, student: str, count: int = 1) -> bool:
    names = _moodle_names(term, student)
    return len(names) >= count and states(term).get(names[count - 1]) == "released"


def _expected(term, student: str) -> float:
    results = read_class(term.course, ASSIGNMENT)
    [result] = [r for r in results.results if r.student == student]
    return round(result.total / results.max_score * MAXIMUM, 5)


def _saves(site: Site) -> list[dict]:
    return [params for function, params in site.calls if function == "mod_assign_save_grades"]


class Moodle:
    """The stand-in on a port of its own, which can stop answering (its port closed) and answer again."""

    def __init__(self, site: Site):
        self.site = site
        self.server, self.url = serve(site)
        self.port = self.server.server_address[1]

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.server.RequestHandlerClass)
        Thread(target=self.server.serve_forever, daemon=True).start()

    def hand_in(self, userid: int, notebook) -> None:
        """The student's submission on Moodle (a newer one replaces their file there, as Moodle's does)."""
        before = self.site.submissions.get(userid)
        modified = max(int(time.time()), before.timemodified + 1 if before else 0)
        self.site.submissions[userid] = Submission({f"{ASSIGNMENT}.ipynb": submissions.to_bytes(notebook)}, modified)


@pytest.fixture(scope="module")
def pulled(tmp_path_factory, fast_config):
    due = int(time.time()) + 7 * DAY
    site = Site(token=TOKEN, course_id=7, assignment={
        "id": 5, "cmid": 42, "course": 7, "name": ASSIGNMENT, "duedate": due, "cutoffdate": 0, "grade": MAXIMUM,
        "blindmarking": 0, "revealidentities": 0, "teamsubmission": 0},
        users={ADA: {"fullname": "Ada Lovelace", "email": "ada@students.example.org", "participant": 31},
               BEN: {"fullname": "Ben Okafor", "email": "ben@students.example.org", "participant": 32},
               CY: {"fullname": "Cy Example", "email": "cy@students.example.org", "participant": 33},
               DAN: {"fullname": "Dan Example", "email": "dan@students.example.org", "participant": 34},
               GRACE: {"fullname": "Grace Hopper", "email": "grace@elsewhere.example.org", "participant": 35}},
        extensions={CY: due + DAY})
    moodle = Moodle(site)
    workdir = tmp_path_factory.mktemp("serve-moodle-pull")
    token_file = workdir.parent / f"{workdir.name}-token"
    token_file.write_text(TOKEN + "\n")
    config = (f"c.Moodle.url = {moodle.url!r}\nc.Moodle.course_id = 7\nc.Moodle.token_path = {str(token_file)!r}\n"
              "c.Moodle.poll_seconds = 0.5\nc.Moodle.retry_seconds = 0.5\nc.Moodle.partial = True\n")
    term = make_term(workdir, ["ada", "ben", "cy", "dan"], fast_config + config)
    found: dict = {"term": term, "site": site, "due": due}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
            _run(term, moodle, found)
    finally:
        moodle.down()
    return found


def _run(term, moodle: Moodle, found: dict) -> None:
    site = moodle.site
    moodle.hand_in(ADA, answer(term, "right"))
    moodle.hand_in(GRACE, answer(term, "right"))   # no student of the course: left out, named
    service = ServiceProcess(term)
    try:
        # 1. ada's hand-in on Moodle: pulled, graded, its grade pushed back
        wait_for(lambda: _released(term, "ada") and ADA in site.grades, 300, "ada's Moodle hand-in graded, pushed", service)
        found["first"], found["first expected"] = dict(site.grades[ADA]), _expected(term, "ada")
        # 2. ada hands in again on Moodle: it replaces the first in submitted/, is graded once, pushed again
        saves = len(_saves(site))
        moodle.hand_in(ADA, answer(term, "release"))
        wait_for(lambda: _released(term, "ada", 2) and len(_saves(site)) > saves, 300,
                 "ada's second Moodle hand-in graded, pushed", service)
        found["second"], found["second expected"] = dict(site.grades[ADA]), _expected(term, "ada")
        saves, names = len(_saves(site)), _moodle_names(term)
        time.sleep(2)   # four polls at least: nothing new
        found["idle"] = (len(_saves(site)) - saves, _moodle_names(term) == names)
        # 3. Moodle stops answering: ben's exchange hand-in is graded all the same; cy's Moodle one waits
        moodle.down()
        moodle.hand_in(CY, answer(term, "right"))
        ben = hand_in(term, "ben", answer(term, "right"))
        wait_for(lambda: states(term).get(ben) == "released" and "cannot pull the hand-ins" in service.output(), 300,
                 "ben graded while Moodle is down", service)
        time.sleep(1.5)   # more polls: logged once all the same
        found["cy while down"] = _moodle_names(term, "cy")
        moodle.up()
        wait_for(lambda: _released(term, "cy") and CY in site.grades and BEN in site.grades, 300,
                 "cy pulled and graded, ben's grade pushed, once Moodle answers", service)
        found["cy"], found["cy expected"] = dict(site.grades[CY]), _expected(term, "cy")
        found["stopped"] = service.stop()
    finally:
        service.end_session()
    found["log"] = service.output()
    found["saves before restart"] = len(_saves(site))
    # 4. while the service is stopped, dan hands in on Moodle and a pull places it in submitted/ that no
    # journal records (as one the service made just before it was killed): the next start grades it, once
    moodle.hand_in(DAN, answer(term, "right"))
    sync_moodle(term.course, ASSIGNMENT, MoodleService(moodle.url, TOKEN), push=False)
    restarted = ServiceProcess(term, log=term.workdir / "restart.log")
    try:
        wait_for(lambda: _released(term, "dan") and DAN in site.grades, 300, "dan's pulled notebook graded", restarted)
        time.sleep(2)   # four polls at least
        found["restart stopped"] = restarted.stop()
    finally:
        restarted.end_session()
    found["restart log"] = restarted.output()
    found["dan"], found["dan expected"] = dict(site.grades[DAN]), _expected(term, "dan")
    found["saves after restart"] = [int(g["userid"]) for s in _saves(site)[found["saves before restart"]:]
                                    for g in s["grades"]]


def _steps(term, name: str) -> list[str]:
    return [e["event"] for e in events(term) if e["handin"] == name]


def test_a_notebook_handed_in_on_moodle_is_pulled_graded_and_its_grade_pushed(pulled):
    term, log = pulled["term"], pulled["log"]
    [first, _second] = _moodle_names(term, "ada")
    assert first.startswith("moodle/ada+perceptron+")
    seen = next(e for e in events(term) if e["handin"] == first)
    assert seen["source"] == "moodle"
    # the right notebook earns its points, in the gradebook and in Moodle
    assert pulled["first expected"] > 0
    assert pulled["first"]["grade"] == pytest.approx(pulled["first expected"], abs=1e-4)
    assert list(pulled["first"]["files"]) == [f"{ASSIGNMENT}.html"]
    assert "Moodle: perceptron: ada's hand-in pulled into submitted/" in log
    assert f"{first}: graded, feedback made for moodle" in log
    # Moodle's due date reached the gradebook; grace, no student of the course, is left out and named once
    assert "Moodle: perceptron: due date:" in log and "extension of cy: until" in log
    assert log.count("participant 35 left out: unmatched: no student named 'Grace Hopper'") == 1
    assert TOKEN not in log + pulled["restart log"]


def test_a_second_moodle_hand_in_replaces_the_first_and_is_graded_once(pulled):
    term = pulled["term"]
    first, second = _moodle_names(term, "ada")
    assert _steps(term, first) == _steps(term, second) == ["seen", "collected", "graded", "released"]
    # the untouched release earns less than the right answers, in Moodle too
    assert pulled["second"]["grade"] == pytest.approx(pulled["second expected"], abs=1e-4)
    assert pulled["second"]["grade"] < pulled["first"]["grade"]
    assert "ada's changed hand-in pulled into submitted/ (the previous kept under" in pulled["log"]
    assert pulled["idle"] == (0, True)   # polls went by: nothing journaled, graded or pushed again


def test_an_unreachable_moodle_holds_up_no_grading_and_is_pulled_from_later(pulled):
    term, log = pulled["term"], pulled["log"]
    assert pulled["cy while down"] == []
    assert log.count("Moodle: cannot pull the hand-ins") == 1, log[-3000:]
    assert "Moodle answers again: the hand-ins of every assignment are pulled" in log
    [cy] = _moodle_names(term, "cy")
    assert _steps(term, cy) == ["seen", "collected", "graded", "released"]
    assert pulled["cy"]["grade"] == pytest.approx(pulled["cy expected"], abs=1e-4) and pulled["cy expected"] > 0
    assert pulled["stopped"] == 0


def test_a_restart_grades_nothing_twice_and_loses_nothing_pulled(pulled):
    term = pulled["term"]
    graded = [e["handin"] for e in events(term) if e["event"] == "graded"]
    assert len(graded) == len(set(graded)) == 5   # ada twice, cy and dan on Moodle, ben in the exchange
    assert len(_moodle_names(term)) == 4
    [dan] = _moodle_names(term, "dan")
    assert _steps(term, dan) == ["seen", "collected", "graded", "released"]
    assert pulled["dan"]["grade"] == pytest.approx(pulled["dan expected"], abs=1e-4) and pulled["dan expected"] > 0
    assert pulled["saves after restart"] == [DAN]   # no grade of before the restart sent again
    assert pulled["restart stopped"] == 0
