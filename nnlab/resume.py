"""Make an interrupted autograde safe to run again.

nbgrader autograde creates `autograded/<student>/<assignment>/` before it grades the
notebooks in it, and a later run skips any student whose folder exists. A run killed in the
middle of a student (SIGKILL, a power cut) therefore leaves that student never graded. The
folder holds only grader output (never the student's submission), so a half-written one is
removed and that student is graded again.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from nnlab.course import Course


def unfinished_autogrades(course: Course | Path, assignment: str, notebooks: list[str]) -> dict[str, Path]:
    """{student: autograded folder} of the folders of `assignment` in `course` (or its folder) that lack
    one of the submitted notebooks."""
    course = Course.of(course)
    unfinished = {}
    for student in course.students_in(course.autograded_directory, assignment):
        folder, submitted = course.autograded(student, assignment), course.submitted(student, assignment)
        expected = [n for n in notebooks if (submitted / f"{n}.ipynb").exists()]
        if any(not (folder / f"{n}.ipynb").exists() for n in expected):
            unfinished[student] = folder
    return unfinished


def clear_unfinished_autogrades(course: Course | Path, assignment: str, notebooks: list[str]) -> list[str]:
    """Remove half-written autograded folders; returns the students who will be graded again."""
    unfinished = unfinished_autogrades(course, assignment, notebooks)
    for folder in unfinished.values():
        shutil.rmtree(folder)
    return list(unfinished)
