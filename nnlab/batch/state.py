"""What the last grading run saw of each submission, so a rerun regrades only what changed.

For every graded (student, assignment) the digest of the submitted folder is kept in
`<course>/.nnlab/grade-state/<assignment>/<student>.json` (`Course.grade_state`). A submission whose folder no longer
matches (the student handed in again and it was collected) has its autograded folder removed,
so nbgrader grades it afresh; everything else already graded is left alone.
"""
from __future__ import annotations

import json
import shutil
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


def to_grade(course: Course, assignment: str, force: bool) -> tuple[list[str], list[str], dict[str, str]]:
    """(students to grade, students already graded and unchanged, {student: digest now}).

    Autograded folders of changed submissions are removed here, so that nbgrader grades them."""
    todo, unchanged, digests = [], [], {}
    for student in course.students_in(course.submitted_directory, assignment):
        digests[student] = folder_digest(course.submitted(student, assignment))
        graded = course.autograded(student, assignment)
        if graded.exists() and not force:
            if recorded_digest(course, assignment, student) in (None, digests[student]):
                unchanged.append(student)
                continue
            shutil.rmtree(graded)
        todo.append(student)
    return todo, unchanged, digests
