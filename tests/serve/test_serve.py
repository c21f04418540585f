"""`nnlab serve` as a real process on a real exchange: students hand in through nbgrader's submit (or forge
a folder in the inbound), the service grades each hand-in on arrival and releases its feedback, which the
student fetches with `nbgrader fetch_feedback`. A hand-in that cannot be graded gets a page that says why.
While it runs it is the course's one gradebook writer; stopped, it resumes from its journal."""
from __future__ import annotations

import os
import re

import pytest
from classroom import (
    ServiceProcess,
    answer,
    course_of,
    events,
    fetch_feedback,
    forge,
    hand_in,
    inbound,
    make_term,
    settled,
    states,
    wait_for,
)
from cli_run import nnlab

from nnlab.serve.lock import GRADES, refuse_while_serving

MAX_KB = 300   # c.CourseDirectory.max_dir_size of the course: the perceptron notebook is about 32 kB


def _link(target):
    def make(path):
        os.symlink(target, path)
    return make


@pytest.fixture(scope="module")
def served(tmp_path_factory, fast_config):
    term = make_term(tmp_path_factory.mktemp("serve"), ["ada", "ben", "finn", "gus", "hal", "ivy", "jon"],
                     fast_config + f"c.CourseDirectory.max_dir_size = {MAX_KB}\n")
    found = {"term": term}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        service = ServiceProcess(term)
        try:
            _serve(term, service, found)
        finally:
            service.end_session()
        # stopped, ada hands in again; the restarted service grades that one only
        found["ada again"] = hand_in(term, "ada", answer(term, "release"))
        service = ServiceProcess(term, log=term.workdir / "restart.log")
        try:
            wait_for(lambda: states(term).get(found["ada again"]) == "released", 300, "ada's second hand-in released",
                     service)
            found["restart stopped"] = service.stop()
        finally:
            service.end_session()
        found["ada pages"] = fetch_feedback(term, "ada")
    found["events"] = events(term)
    return found


def _serve(term, service, found) -> None:
    """Every kind of hand-in to the running service; what it did, and what else tried to write meanwhile."""
    names = {
        "ada": hand_in(term, "ada", answer(term, "right")),
        "ben": hand_in(term, "ben", answer(term, "release")),
        "finn": hand_in(term, "finn", b'{"cells": [ this is not JSON'),
        "gus": forge(term, "gus", {"perceptron.ipynb": _link("/etc/passwd")}),
        "hal": forge(term, "hal", {"perceptron.ipynb": submit_bytes(term), "data.bin": os.urandom(2 * MAX_KB * 1000)}),
        "ivy": forge(term, "ivy", {"perceptron.ipynb": submit_bytes(term)}, timestamp="2099-01-01 00:00:00.000000 UTC"),
        "jon": forge(term, "jon", {"perceptron.ipynb": submit_bytes(term)}, timestamp="yesterday noon"),
    }
    found["names"] = names
    wait_for(lambda: settled(term, names.values()), 300,
             "every hand-in released or not graded", service)
    found["grade while serving"] = nnlab("grade", "perceptron", "--course", term.course)
    second = ServiceProcess(term, log=term.workdir / "second.log")
    try:
        found["second service"] = (second.process.wait(120), second.output())
    finally:
        second.end_session()
    found["inbound after"] = sorted(p.name for p in inbound(term).iterdir())
    found["stopped"] = service.stop()
    found["first run"] = service.output()
    found["writer after stop"] = refuse_while_serving(course_of(term), GRADES, "grade")
    found["pages"] = {student: fetch_feedback(term, student) for student in names}


def submit_bytes(term) -> bytes:
    from nnlab.demo import submissions

    return submissions.to_bytes(answer(term, "right"))


def _timestamp(name: str) -> str:
    return name.split("+")[2]


def test_each_hand_in_is_seen_collected_graded_and_released_in_order(served):
    for student in ("ada", "ben"):
        name = served["names"][student]
        steps = [e["event"] for e in served["events"] if e["handin"] == name]
        assert steps == ["seen", "collected", "graded", "released"], (student, steps)


def test_each_student_fetches_the_feedback_of_their_hand_in(served):
    for student, score in (("ada", "12"), ("ben", "0")):
        page = served["pages"][student][_timestamp(served["names"][student])]
        assert re.search(rf"Score: {score}(\.0)? / ", page), student


@pytest.mark.parametrize("student, why", [
    ("finn", "Not graded: perceptron.ipynb is not a notebook"),
    ("gus", "Not graded: it holds links (perceptron.ipynb)"),
    ("hal", f"MB, over the course&#x27;s limit of {MAX_KB / 1000:.1f} MB"),
    ("ivy", "Not graded: its time 2099-01-01 00:00:00.000000 UTC is later than it arrived"),
    ("jon", "Not graded: its time &#x27;yesterday noon&#x27; is not a time"),
])
def test_a_hand_in_that_cannot_be_graded_gets_a_page_that_says_why(served, student, why):
    name = served["names"][student]
    assert [e["event"] for e in served["events"] if e["handin"] == name] == ["seen", "not graded", "notified"]
    page = served["pages"][student][_timestamp(name)]
    assert why in page, page[-1500:]
    assert "Score:" not in page


def test_a_hand_in_not_graded_leaves_the_inbound_and_the_gradebook_has_none_of_it(served):
    kept = {n for n in served["inbound after"]}
    for student in ("finn", "gus", "hal", "ivy", "jon"):
        assert served["names"][student] not in kept
        assert (served["term"].course / ".nnlab" / "serve" / "set-aside" / served["names"][student]).is_dir()
    assert served["names"]["ada"] in kept and served["names"]["ben"] in kept
    from nbgrader.api import Gradebook

    course = course_of(served["term"])
    with Gradebook(course.db_url, course.course_id) as gb:
        graded = {s.student.id for s in gb.find_assignment("perceptron").submissions}
    assert graded == {"ada", "ben"}


def test_nnlab_grade_refuses_to_write_the_gradebook_while_the_service_runs(served):
    run = served["grade while serving"]
    assert run.code == 1, run
    assert "`nnlab serve` is running for this course (pid" in run.err
    assert "it alone writes this course's gradebook" in run.err
    assert "nbgrader autograde" not in run.out
    assert served["writer after stop"] is None


def test_a_second_service_of_the_course_stops_and_says_which_runs(served):
    code, output = served["second service"]
    assert code == 1, output
    assert "nnlab serve: `nnlab serve` is running for this course (pid" in output


def test_sigterm_stops_the_service_cleanly(served):
    assert served["stopped"] == 0, served["first run"][-2000:]
    assert "SIGTERM: stopping after the step in hand" in served["first run"]


def test_after_a_restart_only_the_new_hand_in_is_graded(served):
    assert served["restart stopped"] == 0
    graded = [e["handin"] for e in served["events"] if e["event"] == "graded"]
    assert sorted(graded) == sorted([served["names"]["ada"], served["names"]["ben"], served["ada again"]])
    pages = served["ada pages"]
    assert re.search(r"Score: 12(\.0)? / ", pages[_timestamp(served["names"]["ada"])])
    assert re.search(r"Score: 0(\.0)? / ", pages[_timestamp(served["ada again"])])
