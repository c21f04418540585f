"""`nnlab due` and `nnlab extend` keep dates where nbgrader keeps them, with explicit zones; an extension
given before the student hands in waits for their submission; `nnlab status` shows both."""
from __future__ import annotations

import shutil
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from cli_run import nnlab
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from nnlab.course import Course, copy_course
from nnlab.deadlines.extensions import deadline_of, extensions_of, kept_path, move_kept_extension

A = "perceptron"
DUE = datetime(2025, 3, 14, 22, 59, tzinfo=timezone.utc)   # 23:59 in Berlin


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A course with ada and ben in the gradebook; ben has handed in (a submission in the gradebook)."""
    folder = copy_course(tmp_path_factory.mktemp("deadlines") / "course", include_release=False)
    opened = Course.open(folder)
    with Gradebook(opened.db_url, opened.course_id) as gb, warnings.catch_warnings():
        # sqlalchemy warns that the assignment has no notebooks for the submission to mirror: none needed here
        warnings.simplefilter("ignore", SAWarning)
        for student in ("ada", "ben"):
            gb.add_student(student)
        gb.add_assignment(A)
        gb.add_submission(A, "ben", timestamp=DUE.replace(tzinfo=None) + timedelta(hours=30))
    return folder


@pytest.fixture
def course(made, tmp_path):
    """A fresh copy of the course for each test (making a gradebook takes seconds)."""
    return shutil.copytree(made, tmp_path / "course")


def gradebook_of(folder):
    opened = Course.open(folder)
    return Gradebook(opened.db_url, opened.course_id)


def test_the_due_date_goes_into_the_gradebook_read_in_the_zone_typed(course):
    run = nnlab("due", A, "2025-03-14 23:59 Europe/Berlin", "--course", course)
    assert run.code == 0, run.err
    assert f"{A}: due 2025-03-14 22:59 UTC" in run.out
    with gradebook_of(course) as gb:
        assert gb.find_assignment(A).duedate == DUE.replace(tzinfo=None)   # nbgrader's naive UTC
        assert gb.find_submission(A, "ben").total_seconds_late == 30 * 3600
    shown = nnlab("due", A, "--course", course)
    assert shown.code == 0 and f"{A}: due 2025-03-14 22:59 UTC" in shown.out
    cleared = nnlab("due", A, "--clear", "--course", course)
    assert cleared.code == 0 and f"{A}: no due date" in cleared.out
    with gradebook_of(course) as gb:
        assert gb.find_assignment(A).duedate is None


def test_a_date_without_a_zone_is_refused_with_what_to_type(course):
    run = nnlab("due", A, "2025-03-14 23:59", "--course", course)
    assert run.code == 2
    assert "has no time zone: add one (e.g. 2025-03-14 23:59 Europe/Berlin" in run.err
    assert "c.Deadlines.timezone" in run.err
    with gradebook_of(course) as gb:
        assert gb.find_assignment(A).duedate is None


def test_the_course_zone_reads_a_date_without_one_and_says_so(course):
    with open(course / "course_config.py", "a") as config:
        config.write('\nc.Deadlines.timezone = "Europe/Berlin"\n')
    run = nnlab("due", A, "2025-03-14 23:59", "--course", course)
    assert run.code == 0, run.err
    assert "read in the course's time zone, c.Deadlines.timezone = 'Europe/Berlin'" in run.out
    assert f"{A}: due 2025-03-14 23:59 CET (UTC+01:00)" in run.out
    with gradebook_of(course) as gb:
        assert gb.find_assignment(A).duedate == DUE.replace(tzinfo=None)


def test_an_extension_after_the_hand_in_is_nbgraders_own(course):
    assert nnlab("due", A, "2025-03-14T23:59+01:00", "--course", course).code == 0
    run = nnlab("extend", "ben", A, "--by", "2d", "--course", course)
    assert run.code == 0, run.err
    assert "ben: perceptron due 2025-03-16 22:59 UTC (the due date 2025-03-14 22:59 UTC and an extension of 2 days)" \
        in run.out
    with gradebook_of(course) as gb:
        submission = gb.find_submission(A, "ben")
        assert submission.extension == timedelta(days=2)
        assert submission.total_seconds_late == 0      # nbgrader's own computation counts it
    until = nnlab("extend", "ben", A, "--until", "2025-03-15 12:00 UTC", "--course", course)
    assert until.code == 0, until.err
    with gradebook_of(course) as gb:
        assert gb.find_submission(A, "ben").extension == datetime(2025, 3, 15, 12) - DUE.replace(tzinfo=None)
        handed_in, until = DUE + timedelta(hours=30), datetime(2025, 3, 15, 12, tzinfo=timezone.utc)
        assert gb.find_submission(A, "ben").total_seconds_late == (handed_in - until).total_seconds()
    assert nnlab("extend", "ben", A, "--clear", "--course", course).code == 0
    with gradebook_of(course) as gb:
        assert gb.find_submission(A, "ben").extension is None


def test_an_extension_before_the_hand_in_waits_for_the_submission(course):
    assert nnlab("due", A, "2025-03-14 22:59 UTC", "--course", course).code == 0
    run = nnlab("extend", "ada", A, "--by", "3d", "--course", course)
    assert run.code == 0, run.err
    assert "(kept until ada hands in)" in run.out
    with gradebook_of(course) as gb:
        assert deadline_of(gb, course, A, "ada").due_for_student == DUE + timedelta(days=3)
        assert extensions_of(gb, course, A) == {"ada": (timedelta(days=3), False)}
        # ada hands in two days late; the autograde step puts the kept extension on the new submission
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            submission = gb.add_submission(A, "ada", timestamp=DUE.replace(tzinfo=None) + timedelta(days=2))
        assert submission.total_seconds_late == 2 * 86400            # what nbgrader would count without it
        assert move_kept_extension(gb, course, submission) == timedelta(days=3)
        assert gb.find_submission(A, "ada").total_seconds_late == 0
        assert extensions_of(gb, course, A) == {"ada": (timedelta(days=3), True)}
    assert "ada" not in kept_path(course).read_text()


def test_status_shows_the_due_date_and_each_extension(course):
    assert nnlab("due", A, "2025-03-14 23:59 Europe/Berlin", "--course", course).code == 0
    assert nnlab("extend", "ada", A, "--by", "1d12h", "--course", course).code == 0
    assert nnlab("extend", "ben", A, "--by", "3d", "--course", course).code == 0
    run = nnlab("status", "--course", course)
    assert run.code == 0, run.err
    assert f"  {A}: 2025-03-14 22:59 UTC" in run.out
    assert "    ada: extension of 1 day 12 h, due 2025-03-16 10:59 UTC (kept until they hand in)" in run.out
    assert "    ben: extension of 3 days, due 2025-03-17 22:59 UTC\n" in run.out


@pytest.mark.parametrize("argv, why", [
    (["extend", "zed", A, "--by", "1d"], "unknown student 'zed'"),
    (["extend", "ada", A, "--by", "1d"], "perceptron has no due date to extend: set one first"),
    (["extend", "ada", A, "--by", "soon"], "--by: 'soon' is not a length of time"),
    (["extend", "ada", A, "--by", "1d", "--until", "2025-03-20 12:00 UTC"], "not allowed with argument"),
    (["due", "nope", "2025-03-14 23:59 UTC"], "unknown assignment 'nope'"),
    (["due", A, "2025-03-14 23:59 UTC", "--clear"], "give a DATETIME or --clear, not both"),
    (["due", A, "2025-03-14"], "has no time of day"),
])
def test_bad_input_is_a_usage_error_naming_the_problem(course, argv, why):
    run = nnlab(*argv, "--course", course)
    assert run.code == 2, run
    assert why in run.err


def test_an_extension_cannot_end_before_the_due_date(course):
    assert nnlab("due", A, "2025-03-14 22:59 UTC", "--course", course).code == 0
    run = nnlab("extend", "ada", A, "--until", "2025-03-14 20:00 UTC", "--course", course)
    assert run.code == 2 and "is not after the due date of perceptron, 2025-03-14 22:59 UTC" in run.err


def test_the_dry_run_changes_nothing(course):
    run = nnlab("due", A, "2025-03-14 22:59 UTC", "--dry-run", "--course", course)
    assert run.code == 0 and "the due date of perceptron would be 2025-03-14 22:59 UTC" in run.out
    with gradebook_of(course) as gb:
        assert gb.find_assignment(A).duedate is None
