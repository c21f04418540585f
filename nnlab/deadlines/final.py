"""When a student's feedback page is final: written at or after their due date (with their extension),
or for an assignment without one. A page written before is provisional (it shows what the assignment's
`c.Deadlines.before_due` allows) and must be written again once the due date has passed: these are the
calls for that, for `nnlab serve` (which writes each page on arrival) and `nnlab feedback`."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from nbgrader.api import Gradebook

from nnlab.course import Course
from nnlab.deadlines import records
from nnlab.deadlines.extensions import deadline_of
from nnlab.deadlines.times import UTC
from nnlab.deadlines.view import RECORD_SUFFIX


@contextmanager
def _gradebook(course: Course):
    if not course.has_gradebook():   # opening a missing SQLite gradebook would create it
        yield None
        return
    with Gradebook(course.db_url, course.course_id) as gradebook:
        yield gradebook


def final_at(course: Course, assignment: str, student: str) -> datetime | None:
    """When the student's page of `assignment` becomes final: their due date with their extension (aware,
    UTC); None when the assignment has no due date (every page is final)."""
    with _gradebook(course) as gradebook:
        return None if gradebook is None else deadline_of(gradebook, course.root, assignment, student).due_for_student


def feedback_is_final(course: Course, assignment: str, student: str, now: datetime | None = None) -> bool:
    """Whether a page of the student's `assignment` written at `now` (default: now) shows the full feedback."""
    due = final_at(course, assignment, student)
    return due is None or (now or datetime.now(UTC)) >= due


def page_is_provisional(course: Course, assignment: str, student: str) -> bool:
    """Whether one of the student's pages of `assignment` was written before their due date."""
    return any(records.read(path).get("final") is False
               for path in course.feedback(student, assignment).glob(f"*{RECORD_SUFFIX}"))


def provisional_pages(course: Course, assignment: str, now: datetime | None = None) -> dict[str, str]:
    """{student: why} for each student whose page of `assignment` was written before their due date, which
    has passed at `now` (default: now): that page must be written again (`nbgrader generate_feedback
    --force` for them) to show the full feedback."""
    now = now or datetime.now(UTC)
    found = {}
    with _gradebook(course) as gradebook:
        for student in course.students_in(course.feedback_directory, assignment):
            if gradebook is None or not page_is_provisional(course, assignment, student):
                continue
            due = deadline_of(gradebook, course.root, assignment, student).due_for_student
            if due is None or now >= due:
                found[student] = f"written before the due date ({due.isoformat() if due else 'since removed'})"
    return found
