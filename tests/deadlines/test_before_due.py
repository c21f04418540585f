"""What a student's feedback shows before their due date (with their extension), from the gradebook and
the time the page is written: `hints` (default), `score` or `none`; written answers "to be marked"; the
full feedback after the due date. Plain `nbgrader generate_feedback`, `nnlab feedback` and the
formgrader's button write the same page; the deadline box escapes what it shows."""
from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta, timezone

import nbformat
import pytest
from cli_run import nnlab
from course import A, days, hand_in, make_course, nbgrader
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from nnlab.course import Course
from nnlab.deadlines.final import feedback_is_final, final_at, provisional_pages
from nnlab.deadlines.steps import DeadlineFeedback
from nnlab.deadlines.view import report_before_due
from nnlab.graders.feedback import feedback_outputs

NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)
FUTURE, PAST = NOW + days(2), NOW - days(2)


@pytest.fixture(scope="module")
def course(tmp_path_factory, fast_config):
    """cara and dan hand in with mistakes an hour ago; the due date is in two days."""
    folder = make_course(tmp_path_factory.mktemp("before-due") / "course", ["cara", "dan"], fast_config)
    assert nnlab("due", A, FUTURE.isoformat(), "--course", folder).code == 0
    for student in ("cara", "dan"):
        hand_in(folder, student, "mistakes", NOW - timedelta(hours=1))
    nbgrader(folder, "autograde", A)
    return folder


def page(folder, student: str = "cara", *options: str) -> str:
    nbgrader(folder, "generate_feedback", A, "--force", f"--student={student}", *options)
    return (folder / "feedback" / student / A / f"{A}.html").read_text()


def record(folder, student: str = "cara") -> dict:
    return json.loads((folder / "feedback" / student / A / f"{A}.deadline.json").read_text())


def set_due(folder, when: datetime) -> None:
    run = nnlab("due", A, when.isoformat(), "--course", folder)
    assert run.code == 0, run.err


def test_before_the_due_date_hints_show_points_and_the_failed_tests_hints_only(course):
    set_due(course, FUTURE)
    shown = page(course)
    assert "Hidden tests: " in shown and "  FAIL  " in shown, "points per question and the failed tests' hints"
    assert "PASS" not in shown and " pt " not in shown, "no passed test, no points per hidden test"
    assert "Written response</a> (to be marked / 3.0)" in shown
    assert "Before the due date this page shows points per question and the hints of the hidden tests failed" in shown
    assert record(course) == {"final": False, "view": "hints"}
    assert not feedback_is_final(Course.open(course), A, "cara")


def test_score_shows_the_points_only(course):
    set_due(course, FUTURE)
    shown = page(course, "cara", "--Deadlines.before_due=score")
    assert "Hidden tests: " in shown and "FAIL" not in shown and "PASS" not in shown
    assert "(Score: " in shown


def test_none_says_received_and_shows_no_score(course):
    set_due(course, FUTURE)
    shown = page(course, "cara", '--Deadlines.before_due_of={"perceptron": "none"}')
    assert "received: graded after the due date" in shown
    assert "Score:" not in shown and "Hidden tests" not in shown
    assert "only that your hand-in was received: it is graded after the due date" in shown


def test_after_the_due_date_the_page_is_full_and_provisional_pages_are_named(course):
    set_due(course, FUTURE)
    page(course)
    opened = Course.open(course)
    assert provisional_pages(opened, A) == {}
    set_due(course, PAST)
    assert provisional_pages(opened, A).keys() == {"cara"}, "written before the due date, which has passed"
    assert feedback_is_final(opened, A, "cara") and final_at(opened, A, "cara") == PAST
    shown = page(course)
    assert "PASS" in shown and "FAIL" in shown and " pt " in shown, "every hidden test, its points and hint"
    assert "Before the due date" not in shown
    assert record(course) == {"final": True, "view": "all"}
    assert provisional_pages(opened, A) == {}


def test_an_extension_keeps_the_page_before_the_due_date(course):
    set_due(course, PAST)
    assert nnlab("extend", "dan", A, "--until", FUTURE.isoformat(), "--course", course).code == 0
    shown = page(course, "dan")
    assert "PASS" not in shown and "  FAIL  " in shown
    assert "with your extension of 4 days" in shown
    assert final_at(Course.open(course), A, "dan") == FUTURE
    assert nnlab("extend", "dan", A, "--clear", "--course", course).code == 0


def test_nbgrader_nnlab_and_the_formgraders_button_write_the_same_page(course):
    from nbgrader.apps import NbGraderAPI

    set_due(course, FUTURE)
    plain = page(course)
    assert nnlab("feedback", A, "--force", "--course", course).code == 0
    assert (course / "feedback" / "cara" / A / f"{A}.html").read_text() == plain
    opened = Course.open(course)
    api = NbGraderAPI(coursedir=opened, config=opened.config)
    assert api.generate_feedback(A, "cara")["success"]
    assert (course / "feedback" / "cara" / A / f"{A}.html").read_text() == plain


def test_the_report_cut_follows_the_graders_format():
    """report_before_due reads what nnlab/graders/feedback.py writes: a format change fails here."""
    cell = nbformat.v4.new_code_cell(metadata={"nbgrader": {"points": 2, "grade": True, "grade_id": "t"}})
    result = {"points": 2.0, "score": 1.0, "tests": [
        {"passed": True, "points": 1.0, "hint": "step(0) fires", "reason": ""},
        {"passed": False, "points": 1.0, "hint": "works on arrays", "reason": "TypeError"}]}
    text = feedback_outputs(cell, result, {})[0]["text"]
    assert "PASS" in text and "[TypeError]" in text
    assert report_before_due(text, "hints") == "Hidden tests: 1 of 2 points\n  FAIL  works on arrays\n"
    assert report_before_due(text, "score") == "Hidden tests: 1 of 2 points\n"


HOSTILE = '<img src=x onerror="alert(1)">'


def test_the_deadline_box_escapes_what_comes_from_the_gradebook(tmp_path):
    """A student id with markup (student content is hostile) is text on the page, never markup."""
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(db) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.add_student(HOSTILE)
        gb.add_assignment(A, duedate=PAST.replace(tzinfo=None))
        gb.add_notebook(A, A)
        gb.add_submission(A, HOSTILE, timestamp=NOW.replace(tzinfo=None))
    nb = nbformat.v4.new_notebook()
    resources = {"nbgrader": {"db_url": db, "assignment": A, "student": HOSTILE, "notebook": A, "late_penalty": 0}}
    DeadlineFeedback().preprocess(nb, resources)
    html = str(resources["deadline"]["html"])
    assert "Handed in by &lt;img src=x onerror=&quot;alert(1)&quot;&gt; at" in html
    assert "<img" not in html


def test_nnlab_feedback_rewrites_the_pages_written_before_a_due_date_that_has_passed(course):
    set_due(course, FUTURE)
    page(course)
    set_due(course, PAST)
    run = nnlab("feedback", A, "--course", course)
    assert run.code == 0, run.err
    assert "cara: " in run.out and "written before the due date" in run.out
    assert record(course) == {"final": True, "view": "all"}
    assert provisional_pages(Course.open(course), A) == {}
    again = nnlab("feedback", A, "--course", course)
    assert "written before the due date" not in again.out        # the page is final now: kept as it is
