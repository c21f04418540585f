"""Say what is wrong with each collected submission before grading, in one line a student.

nbgrader grades what it can and logs a traceback for the rest; the instructor wants a line
per student that names the notebook and the problem.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from nnlab.course import Course
from nnlab.notebook_format import SubmissionError, read_notebook


def diagnose_submission(folder: Path, assignment: str, notebooks: list[str]) -> list[str]:
    """Problems of one student's submitted folder (empty when every notebook can be graded)."""
    problems = []
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            hint = f" (found: {', '.join(others)})" if others else ""
            problems.append(f"no {name}.ipynb in the submission{hint}")
            continue
        try:
            read_notebook(path)
        except SubmissionError as exc:
            if not upgraded_by_nbgrader(path):
                problems.append(f"{name}.ipynb {str(exc).split(': ', 1)[-1]}")
    return problems


def upgraded_by_nbgrader(path: Path) -> bool:
    """An nbformat 3 notebook that nbformat upgrades to 4, as nbgrader does when it reads one: it is graded."""
    try:
        if json.loads(path.read_bytes().decode("utf-8")).get("nbformat") != 3:
            return False
        return isinstance(nbformat.read(path, as_version=4).get("cells"), list)
    except Exception:  # anything nbformat cannot read is the student's problem, named by read_notebook
        return False


def diagnose_assignment(course: Course | Path, assignment: str, notebooks: list[str]) -> dict[str, list[str]]:
    """{student: problems} for every collected submission of `assignment` in `course` (or its folder)."""
    course = Course.of(course)
    found = {}
    for student in course.students_in(course.submitted_directory, assignment):
        problems = diagnose_submission(course.submitted(student, assignment), assignment, notebooks)
        if problems:
            found[student] = problems
    return found
