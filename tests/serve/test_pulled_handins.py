"""Hand-ins that come into submitted/ another way than the exchange (the course's Moodle: nnlab.lms.serve_pull),
on a real Service object without grading: each is journaled once under a name no exchange hand-in has,
goes through the same checks, attempt limits and replacing as the exchange's, is collected only while
submitted/ still holds it, and its student, who has no hand-in in the exchange, is not sent a page (the log
says what the page would have said)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from nnlab.course import Course
from nnlab.serve.journal import COLLECTED, HELD, NOT_GRADED, NOTIFIED, SEEN, SUPERSEDED, Journal
from nnlab.serve.service import Service

NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook()).encode()


@dataclass(frozen=True)
class Pulled:
    student: str
    assignment: str
    handed_in: str
    source: str = "moodle"


def _course(tmp_path: Path, config: str = "") -> Course:
    course = tmp_path / "course"
    (course / "source" / "perceptron").mkdir(parents=True, exist_ok=True)
    (course / "source" / "perceptron" / "perceptron.ipynb").write_text("{}")
    (course / "nbgrader_config.py").write_text(f"c = get_config()\n{config}")
    return Course.open(course)


def _place(course: Course, student: str, handed_in: str, notebook: bytes = NOTEBOOK) -> Pulled:
    """What the pull does: the notebook and Moodle's time into submitted/."""
    folder = course.submitted(student, "perceptron")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "perceptron.ipynb").write_bytes(notebook)
    (folder / "timestamp.txt").write_text(handed_in)
    return Pulled(student, "perceptron", handed_in)


@pytest.fixture
def service(tmp_path):
    def make(config: str = "") -> Service:
        found = Service(_course(tmp_path, config), logging.getLogger("test-pulled"))
        found.journal = Journal.of(found.course)
        made.append(found)
        return found
    made: list[Service] = []
    yield make
    for found in made:
        found.journal.close()


def _states(service: Service) -> dict[str, str]:
    return {name: h.state for name, h in service.journal.handins.items()}


def test_a_pulled_hand_in_is_journaled_once_and_collected_from_submitted(service):
    serving = service()
    pulled = _place(serving.course, "ada", "2026-12-07 09:00:00+00:00")
    serving.take([pulled])
    serving.take([pulled])   # the pull returns it at every poll: journaled once
    assert _states(serving) == {"moodle/ada+perceptron+2026-12-07 09:00:00+00:00": SEEN}
    handin = serving.journal.handins["moodle/ada+perceptron+2026-12-07 09:00:00+00:00"]
    assert handin.pulled and handin.source == "moodle"
    assert serving._collect(handin) is handin and handin.state == COLLECTED   # no exchange asked
    again = service()   # a restart: the journal knows it, the pull's answer adds nothing
    again.take([pulled])
    assert list(again.journal.handins) == [handin.name] and again.journal.handins[handin.name].source == "moodle"


def test_a_broken_notebook_from_moodle_is_not_graded_and_the_log_says_why(service, caplog):
    serving = service()
    pulled = _place(serving.course, "ben", "2026-12-07 09:00:00+00:00", b"{not json")
    with caplog.at_level(logging.INFO, logger="test-pulled"):
        serving.take([pulled])
    handin = serving.journal.handins["moodle/ben+perceptron+2026-12-07 09:00:00+00:00"]
    assert handin.state == NOT_GRADED and "perceptron.ipynb" in handin.why and handin.notified
    assert "not graded: perceptron.ipynb" in caplog.text
    assert "handed in on moodle: its student is not sent this page (Not graded: perceptron.ipynb" in caplog.text
    assert not (serving.course.folder / ".nnlab" / "serve" / "set-aside").exists()   # submitted/ is not the inbound


def test_attempt_limits_hold_a_pulled_hand_in_and_a_newer_one_replaces_it(service, caplog):
    serving = service("c.Serve.minutes_between_attempts = {'*': 30}\n")
    first = _place(serving.course, "cy", "2026-12-07 09:00:00+00:00")
    serving.take([first])
    serving._collect(serving.journal.handins["moodle/cy+perceptron+2026-12-07 09:00:00+00:00"])   # graded now
    with caplog.at_level(logging.INFO, logger="test-pulled"):
        serving.take([_place(serving.course, "cy", "2026-12-07 09:05:00+00:00")])
        held = serving.journal.handins["moodle/cy+perceptron+2026-12-07 09:05:00+00:00"]
        assert held.state == HELD and held.due > time.time() + 29 * 60
        serving.take([_place(serving.course, "cy", "2026-12-07 09:06:00+00:00")])
    assert held.state == SUPERSEDED and held.why == "2026-12-07 09:06:00+00:00"
    assert serving.journal.handins["moodle/cy+perceptron+2026-12-07 09:06:00+00:00"].state == HELD
    assert "its student is not sent this page (You have used your graded attempts" in caplog.text
    assert "its student is not sent this page (Not graded: your hand-in of 2026-12-07 09:06:00+00:00 replaced it" \
        in caplog.text


def test_a_pulled_hand_in_whose_place_in_submitted_was_taken_is_not_graded(service, caplog):
    serving = service()
    serving.take([_place(serving.course, "dan", "2026-12-07 09:00:00+00:00")])
    handin = serving.journal.handins["moodle/dan+perceptron+2026-12-07 09:00:00+00:00"]
    # dan's hand-in through the exchange collected into submitted/ before this one was graded
    (serving.course.submitted("dan", "perceptron") / "timestamp.txt").write_text("2026-12-07 09:30:00.000000 UTC")
    with caplog.at_level(logging.INFO, logger="test-pulled"):
        assert serving._collect(handin) is None
    assert handin.state == SUPERSEDED and handin.why == "2026-12-07 09:30:00.000000 UTC"
    assert [e for e in handin.times] == [SEEN, SUPERSEDED, NOTIFIED]
    assert "your hand-in of 2026-12-07 09:30:00.000000 UTC took its place before it was graded" in caplog.text


def test_the_pull_is_told_which_submitted_folders_are_being_graded(service, tmp_path):
    polled = []

    class Recorder:
        def poll(self, busy):
            polled.append(set(busy))
            return []
    serving = service(f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    serving.arrivals = Recorder()
    pulled = _place(serving.course, "ada", "2026-12-07 09:00:00+00:00")
    serving.take([pulled])
    handin = serving.journal.handins["moodle/ada+perceptron+2026-12-07 09:00:00+00:00"]
    class Grading:   # the workers grade ada's submitted/perceptron
        def ready(self):
            return False
    serving.in_hand[handin.name] = (handin, Grading())
    serving.stopping = True   # nothing more is started: no workers in this test
    serving.turn()
    serving.in_hand.clear()
    assert polled[0] == {("ada", "perceptron")}
