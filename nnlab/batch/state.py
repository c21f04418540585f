"""What the last grading run saw of each submission, so a rerun regrades only what changed.

For every graded (student, assignment) the digest of the submitted folder is kept in
`<course>/.nnlab/grade-state/<assignment>/<student>.json` (`Course.grade_state`). A submission whose folder no longer
matches (the student handed in again and it was collected) has its autograded folder removed right
before grading, so nbgrader grades it afresh; everything else already graded is left alone.

Right before grading starts, the record says so (`started`): a run killed between nbgrader's two
passes leaves an autograded notebook without scores and a record that was never finished, which the
next run grades again. A submission with an autograded folder and no record at all was graded by
plain `nbgrader autograde`, and is left alone.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nnlab.course import Course
from nnlab.digest import folder_digest
from nnlab.files import write_atomic


def state_path(course: Course, assignment: str, student: str) -> Path:
    return course.grade_state / assignment / f"{student}.json"


def _recorded(course: Course, assignment: str, student: str) -> dict | None:
    try:
        found = json.loads(state_path(course, assignment, student).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else {}


def recorded_digest(course: Course, assignment: str, student: str) -> str | None:
    """The digest of the submission as last graded in full, None without one."""
    return (_recorded(course, assignment, student) or {}).get("submitted")


def record(course: Course, assignment: str, student: str, digest: str) -> None:
    """The submission with this digest is graded in full."""
    write_atomic(state_path(course, assignment, student), json.dumps({"submitted": digest}))


def record_started(course: Course, assignment: str, student: str, digest: str) -> None:
    """Grading of the submission with this digest starts (until `record`, it is not graded in full)."""
    write_atomic(state_path(course, assignment, student), json.dumps({"started": digest}))


@dataclass
class Todo:
    """Who of an assignment a run grades (a plan: finding it changes nothing on disk)."""
    students: list[str] = field(default_factory=list)       # to grade
    unchanged: list[str] = field(default_factory=list)      # graded before, the same submission since
    digests: dict[str, str] = field(default_factory=dict)   # student -> digest of the submitted folder now
    changed: list[str] = field(default_factory=list)        # of `students`: graded before, handed in again


def to_grade(course: Course, assignment: str, force: bool, students: list[str] | None = None) -> Todo:
    """The plan for the collected submissions of `assignment` (of `students` only, when given)."""
    todo = Todo()
    for student in course.students_in(course.submitted_directory, assignment):
        if students is not None and student not in students:
            continue
        todo.digests[student] = folder_digest(course.submitted(student, assignment))
        if course.autograded(student, assignment).exists() and not force:
            recorded = _recorded(course, assignment, student)
            if recorded is None or recorded.get("submitted") == todo.digests[student]:
                todo.unchanged.append(student)
                continue
            todo.changed.append(student)    # handed in again, or its grading never finished
        todo.students.append(student)
    return todo


def clear_changed(course: Course, assignment: str, todo: Todo) -> None:
    """Remove the autograded folders of the submissions handed in again (or whose grading never finished), so
    that nbgrader grades them afresh (it skips a student whose folder exists), and record that the grading of
    each submission to grade starts: the step right before grading, never planning."""
    for student in todo.changed:
        shutil.rmtree(course.autograded(student, assignment), ignore_errors=True)
    for student in todo.students:
        record_started(course, assignment, student, todo.digests[student])
