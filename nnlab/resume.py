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


def unfinished_autogrades(course: Path, assignment: str, notebooks: list[str]) -> list[Path]:
    """Autograded folders of `assignment` that lack one of the submitted notebooks."""
    unfinished = []
    for folder in sorted((Path(course) / "autograded").glob(f"*/{assignment}")):
        submitted = Path(course) / "submitted" / folder.parent.name / assignment
        expected = [n for n in notebooks if (submitted / f"{n}.ipynb").exists()]
        if any(not (folder / f"{n}.ipynb").exists() for n in expected):
            unfinished.append(folder)
    return unfinished


def clear_unfinished_autogrades(course: Path, assignment: str, notebooks: list[str]) -> list[str]:
    """Remove half-written autograded folders; returns the students who will be graded again."""
    students = []
    for folder in unfinished_autogrades(course, assignment, notebooks):
        shutil.rmtree(folder)
        students.append(folder.parent.name)
    return students
