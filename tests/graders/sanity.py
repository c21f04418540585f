"""The three sides of every grader, shared by the per-assignment grader tests:
the instructor's solution earns every point, the untouched release earns none, and each
set of typical mistakes earns exactly the scores its MistakeSet documents."""
from __future__ import annotations

import nbformat
import pytest

from nnlab.course import PROJECT_ROOT
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets


def source_notebook(assignment: str):
    return nbformat.read(PROJECT_ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def release_notebook(assignment: str):
    return nbformat.read(PROJECT_ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def auto_graded_cells(nb) -> dict[str, float]:
    """{test cell grade_id: points} of a notebook."""
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"]) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")}


def check_solution_earns_everything(grade, assignment: str) -> None:
    source = source_notebook(assignment)
    scores, report = grade(assignment, submissions.correct(release_notebook(assignment), source))
    assert scores == pytest.approx(auto_graded_cells(source)), report


def check_release_earns_nothing(grade, assignment: str) -> None:
    cells = auto_graded_cells(source_notebook(assignment))
    scores, report = grade(assignment, release_notebook(assignment))
    assert scores == pytest.approx({cell: 0.0 for cell in cells}), report


def check_mistakes(grade, assignment: str, index: int) -> None:
    mistakes = mistake_sets(assignment)[index]
    source = source_notebook(assignment)
    assert set(mistakes.expected) == set(auto_graded_cells(source)), "a mistake set must state every cell's score"
    nb = submissions.with_mistakes(release_notebook(assignment), source, mistakes.answers)
    scores, report = grade(assignment, nb)
    assert scores == pytest.approx(mistakes.expected), (mistakes.name, report)
    lost = {cell for cell, score in mistakes.expected.items() if score < auto_graded_cells(source)[cell]}
    assert lost, f"mistake set {mistakes.name!r} should cost points somewhere"
