"""The pushes `nnlab serve` owes Moodle (nnlab.lms.serve_push), without a service: a Moodle that cannot be
reached is logged once however often it is tried, what is owed is kept on disk for the next start, and an
assignment Moodle refuses does not hold up another's push."""
from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

from moodle_ws import Site, serve
from nbgrader.api import Gradebook

from nnlab.course import Course
from nnlab.lms.serve_push import ServePush, pending_path

TOKEN = "0123456789abcdef0123456789abcdef"


def _course(tmp_path: Path, url: str) -> Course:
    course = tmp_path / "course"
    for a in ("perceptron", "backprop"):
        (course / "source" / a).mkdir(parents=True)
        (course / "source" / a / f"{a}.ipynb").write_text("{}")
    (tmp_path / "token").write_text(TOKEN)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Moodle.url = {url!r}\nc.Moodle.course_id = 7\n"
        f"c.Moodle.token_path = {str(tmp_path / 'token')!r}\nc.Moodle.retry_seconds = 0\n")
    return Course.open(course)


def test_an_unreachable_moodle_is_logged_once_and_what_is_owed_survives_a_restart(tmp_path, caplog):
    course = _course(tmp_path, "http://127.0.0.1:9")   # the discard port: nothing answers
    silent = socket.create_server(("127.0.0.1", 0))      # connects, never answers: the same outage, timed out
    log = logging.getLogger("test-serve-push")
    with caplog.at_level(logging.INFO, logger="test-serve-push"):
        pushes = ServePush.of(course, log)
        pushes.settings.serve_timeout = 1
        pushes.queue("perceptron", ["ada", "ben"])
        pushes.queue("perceptron", ["ada"])
        for url in ("http://127.0.0.1:9", f"http://127.0.0.1:{silent.getsockname()[1]}", "http://127.0.0.1:9"):
            pushes.settings.url = url
            pushes.push()
    silent.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, errors
    assert "cannot reach http://127.0.0.1:9" in errors[0] and "perceptron/ada, perceptron/ben" in errors[0]
    assert json.loads(pending_path(course).read_text()) == {"perceptron": ["ada", "ben"]}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="test-serve-push"):
        again = ServePush.of(course, log)
    assert again.pending == {"perceptron": ["ada", "ben"]}
    assert "2 push(es) still owed" in caplog.text


def test_an_assignment_moodle_does_not_have_does_not_hold_up_the_others(tmp_path, caplog):
    site = Site(token=TOKEN, course_id=7, assignment={
        "id": 5, "cmid": 42, "course": 7, "name": "perceptron", "duedate": 0, "cutoffdate": 0, "grade": 10,
        "blindmarking": 0, "revealidentities": 0, "teamsubmission": 0},
        users={201: {"fullname": "Ada Lovelace", "email": "ada@students.example.org", "participant": 31}})
    server, url = serve(site)
    course = _course(tmp_path, url)
    with Gradebook(course.db_url, course.course_id) as gb:   # perceptron in the gradebook, nobody graded
        gb.update_or_create_assignment("perceptron")
    try:
        with caplog.at_level(logging.INFO, logger="test-serve-push"):
            pushes = ServePush.of(course, logging.getLogger("test-serve-push"))
            pushes.queue("backprop", ["ada"])      # not an assignment of the Moodle course
            pushes.queue("perceptron", ["gus"])    # not a participant of the Moodle assignment
            pushes.push()
            pushes.push()
    finally:
        server.shutdown()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "the push of backprop did not go through: no single Moodle assignment" in errors[0]
    assert "Moodle: perceptron: gus left out: not a participant of the Moodle assignment" in caplog.text
    assert json.loads(pending_path(course).read_text()) == {"backprop": ["ada"]}
