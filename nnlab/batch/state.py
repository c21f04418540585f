"""What the last grading run saw of each submission, so a rerun regrades only what changed.

For every graded (student, assignment) the digest of the submitted folder is kept in
`<course>/.nnlab/grade-state/<assignment>/<student>.json` (`Course.grade_state`). A submission whose folder no longer
matches (the student handed in again and it was collected) has its autograded folder removed right
before grading, so nbgrader grades it afresh; everything else already graded is left alone.
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


def recorded_digest(course: Course, assignment: str, student: str) -> str | None:
    try:
        return json.loads(state_path(course, assignment, student).read_text())["submitted"]
    except (OSError, ValueError, KeyError):
        return None


def record(course: Course, assignment: str, student: str, digest: str) -> None:
    write_atomic(state_path(course, assignment, student), json.dumps({"submitted": digest}))


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
            if recorded_digest(course, assignment, student) in (None, todo.digests[student]):
                todo.unchanged.append(student)
                continue
            todo.changed.append(student)
        todo.students.append(student)
    return todo


def clear_changed(course: Course, assignment: str, todo: Todo) -> None:
    """Remove the autograded folders of the submissions handed in again, so that nbgrader grades them
    afresh (it skips a student whose folder exists): the step right before grading, never planning."""
    for student in todo.changed:
        shutil.rmtree(course.autograded(student, assignment), ignore_errors=True)
