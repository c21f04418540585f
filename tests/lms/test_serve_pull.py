"""The pulls `nnlab serve` makes from Moodle (nnlab.lms.serve_pull), without a service: what is handed in on
Moodle goes into submitted/ and is returned while submitted/ holds Moodle's notebook (a student's other
hand-in there is not), every poll_seconds only; Moodle's due date and extensions reach the gradebook; a
student left out is named once; a Moodle that cannot be reached is logged once and the next interval
pulls."""
from __future__ import annotations

import logging
import socket
import struct
import threading
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from moodle_ws import Site, Submission, serve
from nbgrader.api import Gradebook

from nnlab.course import Course
from nnlab.deadlines.extensions import deadline_of
from nnlab.lms.serve_pull import Arrival, ServePull

TOKEN = "0123456789abcdef0123456789abcdef"
ADA, BEN, GRACE = 201, 202, 203
MODIFIED = 1_796_000_000                      # Moodle's time of ada's submission
DUE = 1_797_000_000
STAMP = datetime.fromtimestamp(MODIFIED, timezone.utc).isoformat(" ")
NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook()).encode()


def _course(tmp_path: Path, url: str, poll_seconds: float = 60) -> Course:
    course = tmp_path / "course"
    (course / "source" / "perceptron").mkdir(parents=True)
    (course / "source" / "perceptron" / "perceptron.ipynb").write_text("{}")
    (course / "students.csv").write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@students.example.org\n"
                                         "ben,Ben,Okafor,ben@students.example.org\n")
    (tmp_path / "token").write_text(TOKEN)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Moodle.url = {url!r}\nc.Moodle.course_id = 7\n"
        f"c.Moodle.token_path = {str(tmp_path / 'token')!r}\nc.Moodle.poll_seconds = {poll_seconds!r}\n")
    found = Course.open(course)
    with Gradebook(found.db_url, found.course_id) as gb:
        gb.update_or_create_assignment("perceptron")
        for student in ("ada", "ben"):
            gb.update_or_create_student(student)
    return found


@pytest.fixture
def site():
    found = Site(token=TOKEN, course_id=7, assignment={
        "id": 5, "cmid": 42, "course": 7, "name": "perceptron", "duedate": DUE, "cutoffdate": 0, "grade": 10,
        "blindmarking": 0, "revealidentities": 0, "teamsubmission": 0},
        users={ADA: {"fullname": "Ada Lovelace", "email": "ada@students.example.org", "participant": 31},
               BEN: {"fullname": "Ben Okafor", "email": "ben@students.example.org", "participant": 32},
               GRACE: {"fullname": "Grace Hopper", "email": "grace@elsewhere.example.org", "participant": 33}},
        submissions={ADA: Submission({"perceptron.ipynb": NOTEBOOK}, MODIFIED),
                     GRACE: Submission({"perceptron.ipynb": NOTEBOOK}, MODIFIED)},
        extensions={ADA: DUE + 86400})
    server, url = serve(found)
    found.url = url
    yield found
    server.shutdown()


def _pulls(site: Site) -> int:
    return sum(function == "mod_assign_get_submissions" for function, _ in site.calls)


def test_a_moodle_hand_in_is_pulled_with_its_deadline_and_returned_while_submitted_holds_it(tmp_path, site, caplog):
    course = _course(tmp_path, site.url)
    log = logging.getLogger("test-serve-pull")
    with caplog.at_level(logging.INFO, logger="test-serve-pull"):
        pull = ServePull.of(course, log)
        first = pull.poll()
        again_too_soon = pull.poll()
        pull.next_at = 0          # the interval is up
        again = pull.poll()
    assert first == [Arrival("ada", "perceptron", STAMP)] == again   # the service takes it once: its journal knows it
    assert again_too_soon == [] and _pulls(site) == 2
    submitted = course.submitted("ada", "perceptron")
    assert (submitted / "perceptron.ipynb").read_bytes() == NOTEBOOK
    assert (submitted / "timestamp.txt").read_text() == STAMP
    with Gradebook(course.db_url, course.course_id) as gb:
        assert gb.find_assignment("perceptron").duedate == datetime.fromtimestamp(DUE, timezone.utc).replace(tzinfo=None)
        assert deadline_of(gb, course.root, "perceptron", "ada").extension.total_seconds() == 86400
    assert caplog.text.count("Moodle: perceptron: ada's hand-in pulled into submitted/") == 1
    # grace is no student of the course: named once, with the reason, however often the pull runs
    assert caplog.text.count("Moodle: perceptron: participant 33 left out: unmatched") == 1
    assert "extension of ada: until" in caplog.text


def test_a_hand_in_of_the_exchange_in_submitted_is_not_taken_for_moodles(tmp_path, site):
    course = _course(tmp_path, site.url)
    pull = ServePull(course, logging.getLogger("test-serve-pull"))
    assert pull.poll() == [Arrival("ada", "perceptron", STAMP)]
    # ada's hand-in through the exchange, the same notebook, collected later: the pull leaves it, and returns nothing
    (course.submitted("ada", "perceptron") / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
    pull.next_at = 0
    assert pull.poll() == []
    # ada hands in a changed notebook on Moodle: it replaces the exchange's, and is returned
    site.submissions[ADA] = Submission({"perceptron.ipynb": NOTEBOOK + b" "}, MODIFIED + 60)
    pull.next_at = 0
    assert pull.poll() == [Arrival("ada", "perceptron", datetime.fromtimestamp(MODIFIED + 60, timezone.utc).isoformat(" "))]


def test_an_unreachable_moodle_is_logged_once_and_pulled_again_at_the_next_interval(tmp_path, site, caplog):
    course = _course(tmp_path, "http://127.0.0.1:9", poll_seconds=0.01)   # the discard port: nothing answers
    log = logging.getLogger("test-serve-pull")
    with caplog.at_level(logging.INFO, logger="test-serve-pull"):
        pull = ServePull.of(course, log)
        for _ in range(3):
            pull.next_at = 0
            assert pull.poll() == []
        pull.settings.url = site.url   # Moodle answers again
        pull.next_at = 0
        found = pull.poll()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, errors
    assert "Moodle: cannot pull the hand-ins: cannot reach http://127.0.0.1:9 (" in errors[0]
    assert "grading goes on" in errors[0]
    assert "Moodle answers again" in caplog.text
    assert found == [Arrival("ada", "perceptron", STAMP)]


def test_a_folder_the_service_is_grading_is_left_as_it_is_until_the_next_poll(tmp_path, site, caplog):
    course = _course(tmp_path, site.url)
    pull = ServePull(course, logging.getLogger("test-serve-pull"))
    submitted = course.submitted("ada", "perceptron")
    with caplog.at_level(logging.INFO, logger="test-serve-pull"):
        assert pull.poll() == [Arrival("ada", "perceptron", STAMP)]
        # the service grades ada's hand-in: an unchanged Moodle notebook is simply there, nothing is held
        pull.next_at = 0
        assert pull.poll({("ada", "perceptron")}) == [Arrival("ada", "perceptron", STAMP)]
        assert "pulled at the next poll" not in caplog.text
        # ada hands in again on Moodle while hers is graded: the folder the workers read is not replaced
        site.submissions[ADA] = Submission({"perceptron.ipynb": NOTEBOOK + b" "}, MODIFIED + 60)
        pull.next_at = 0
        assert pull.poll({("ada", "perceptron"), ("ben", "perceptron")}) == []
        assert (submitted / "perceptron.ipynb").read_bytes() == NOTEBOOK
        assert (submitted / "timestamp.txt").read_text() == STAMP
        assert caplog.text.count("Moodle: perceptron: ada's hand-in pulled at the next poll") == 1
        # graded and recorded: the next poll places the new one, and the service takes it
        pull.next_at = 0
        later = datetime.fromtimestamp(MODIFIED + 60, timezone.utc).isoformat(" ")
        assert pull.poll(set()) == [Arrival("ada", "perceptron", later)]
    assert (submitted / "perceptron.ipynb").read_bytes() == NOTEBOOK + b" "


def _resetting() -> tuple[socket.socket, str]:
    """A listener that takes each connection and resets it (as a Moodle going down does)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def reset():
        for _ in range(2):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
    threading.Thread(target=reset, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_one_outage_is_logged_once_however_its_calls_fail_and_a_refusal_after_it_is_told(tmp_path, site, caplog):
    course = _course(tmp_path, "http://127.0.0.1:9", poll_seconds=0.01)
    silent = socket.create_server(("127.0.0.1", 0))   # connects, never answers: a time-out
    resetting, reset_url = _resetting()
    with caplog.at_level(logging.INFO, logger="test-serve-pull"):
        pull = ServePull.of(course, logging.getLogger("test-serve-pull"))
        pull.settings.serve_timeout = 1
        for url in (reset_url, "http://127.0.0.1:9", f"http://127.0.0.1:{silent.getsockname()[1]}", reset_url):
            pull.settings.url, pull.next_at = url, 0
            assert pull.poll() == []
        site.token = "revoked"   # Moodle answers, and refuses the token: another failure, told
        pull.settings.url, pull.next_at = site.url, 0
        assert pull.poll() == []
    silent.close()
    resetting.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"Moodle: cannot pull the hand-ins: cannot reach {reset_url} (")
    assert "invalidtoken" in errors[1]


def test_a_refused_token_is_named_once_and_never_raises(tmp_path, site, caplog):
    course = _course(tmp_path, site.url)
    site.token = "revoked"
    with caplog.at_level(logging.INFO, logger="test-serve-pull"):
        pull = ServePull(course, logging.getLogger("test-serve-pull"))
        for _ in range(2):
            pull.next_at = 0
            assert pull.poll() == []
    assert caplog.text.count("invalidtoken") == 1
    assert not course.submitted("ada", "perceptron").exists()


def test_no_pulls_without_a_poll_interval(tmp_path, site):
    assert ServePull.of(_course(tmp_path, site.url, poll_seconds=0), logging.getLogger("test-serve-pull")) is None
