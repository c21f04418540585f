"""Make student submissions from the released notebooks: the answers a class really hands in.

A submission starts from the student's copy of the release and fills solution cells: with
the instructor's solution (a student who got it right), with a typical mistake
(`mistakes.py`), with a cheat, or not at all. Cells are found by their nbgrader grade_id.
"""
from __future__ import annotations

import copy
import re

import nbformat

from nnlab.course import PROJECT_ROOT
from nnlab.notebook_format import grade_id, is_test_cell

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def course_notebook(assignment: str, folder: str = "source"):
    """The project's notebook of `assignment` in `folder` ("source" or "release")."""
    return nbformat.read(PROJECT_ROOT / folder / assignment / f"{assignment}.ipynb", as_version=4)


def autograded_points(nb) -> dict[str, float]:
    """{test cell grade_id: points} of a notebook: the cells the hidden graders score, in order."""
    return {grade_id(c): float(c.metadata.nbgrader["points"]) for c in nb.cells if is_test_cell(c)}


def solutions(source_nb, code_only: bool = False) -> dict[str, str]:
    """The instructor's answer of every solution cell, as a student would type it."""
    answers = {}
    for cell in source_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and (cell.cell_type == "code" or not code_only):
            answers[meta["grade_id"]] = SOLUTION_MARKERS.sub("", cell.source)
    return answers


def fill(release_nb, answers: dict[str, str]):
    """A copy of the release with the given solution cells answered."""
    nb = copy.deepcopy(release_nb)
    unknown = set(answers) - {grade_id(c) for c in nb.cells}
    if unknown:
        raise KeyError(f"no cells with grade_id {sorted(unknown)} in the release")
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def correct(release_nb, source_nb):
    return fill(release_nb, solutions(source_nb))


def with_mistakes(release_nb, source_nb, wrong: dict[str, str]):
    """The right answers everywhere except the cells in `wrong`."""
    return fill(release_nb, {**solutions(source_nb), **wrong})


def append_to_cell(nb, cell_id: str, code: str):
    """Add code at the end of one answer (e.g. a cheat hidden in a solution cell)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            cell.source = cell.source.rstrip("\n") + "\n\n" + code
            return nb
    raise KeyError(cell_id)


def to_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")
