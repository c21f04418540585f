"""The service SIGKILLed at random moments during a rush of hand-ins, and started again each time: every
hand-in is graded exactly once, every feedback released, and the gradebook holds each student's newest
hand-in. (The benchmark kills it ten times; three kills keep this test short.)"""
from __future__ import annotations

import random
import re
import threading
import time

import pytest
from classroom import ServiceProcess, answer, course_of, events, fetch_feedback, hand_in, make_term, settled, wait_for
from nbgrader.api import Gradebook

STUDENTS = [f"s{i:02d}" for i in range(1, 7)]
TWICE = STUDENTS[:2]          # hand in right answers, then the release untouched
KILLS = 3


@pytest.fixture(scope="module")
def rush(tmp_path_factory, fast_config):
    term = make_term(tmp_path_factory.mktemp("kills"), STUDENTS, fast_config)
    chance = random.Random(23)
    right, release = answer(term, "right"), answer(term, "release")
    names: dict[str, list[str]] = {s: [] for s in STUDENTS}

    def students_hand_in():
        for student in STUDENTS + TWICE:
            time.sleep(chance.uniform(0.5, 2.5))
            names[student].append(hand_in(term, student, release if names[student] else right))

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        arrivals = threading.Thread(target=students_hand_in)
        arrivals.start()
        service = ServiceProcess(term)
        killed_at = []
        try:
            for _ in range(KILLS):
                time.sleep(chance.uniform(2.0, 9.0))
                service.kill()
                killed_at.append([e["event"] for e in events(term)][-1:])
                service = ServiceProcess(term)
            arrivals.join()
            every = [n for theirs in names.values() for n in theirs]
            wait_for(lambda: settled(term, every), 400, "every hand-in released after the kills", service)
            stopped = service.stop()
        finally:
            service.end_session()
        pages = {s: fetch_feedback(term, s) for s in STUDENTS}
    return {"term": term, "names": names, "stopped": stopped, "pages": pages, "events": events(term),
            "killed at": killed_at, "log": service.output()}


def test_the_service_was_killed_and_restarted_as_planned(rush):
    assert len(rush["killed at"]) == KILLS
    assert rush["stopped"] == 0
    assert rush["log"].count("==== nnlab serve") == KILLS + 1


def test_every_hand_in_is_graded_exactly_once(rush):
    graded = {}
    for line in rush["events"]:
        if line["event"] == "graded":
            graded[line["handin"]] = graded.get(line["handin"], 0) + 1
    assert all(count == 1 for count in graded.values()), graded
    for student, names in rush["names"].items():
        newest = names[-1]
        assert graded.get(newest) == 1, (student, newest)
        for older in names[:-1]:   # graded before the newer one came, or replaced by it before grading
            last = [e["event"] for e in rush["events"] if e["handin"] == older]
            assert graded.get(older, 0) == 1 or "superseded" in last, (older, last)


def test_every_feedback_is_released_and_the_student_fetches_it(rush):
    for student, names in rush["names"].items():
        newest = names[-1]
        steps = [e["event"] for e in rush["events"] if e["handin"] == newest]
        assert steps[-1] == "released", (student, steps)
        score = "0" if student in TWICE else "12"
        page = rush["pages"][student][newest.split("+")[2]]
        assert re.search(rf"Score: {score}(\.0)? / ", page), student


def test_the_gradebook_holds_each_students_newest_hand_in(rush):
    course = course_of(rush["term"])
    with Gradebook(course.db_url, course.course_id) as gb:
        found = {s.student.id: (s.timestamp, s.score) for s in gb.find_assignment("perceptron").submissions}
    assert set(found) == set(STUDENTS)
    for student, names in rush["names"].items():
        timestamp, score = found[student]
        assert timestamp.strftime("%Y-%m-%d %H:%M:%S.%f") == names[-1].split("+")[2].removesuffix(" UTC")
        assert (score == 0) == (student in TWICE), (student, score)
