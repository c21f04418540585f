"""The three sides of every grader, shared by the per-assignment grader tests:
the instructor's solution earns every point, the untouched release earns none, and each
set of typical mistakes earns exactly the scores its MistakeSet documents (with error carried forward,
as the course grades; tests/graders/test_carry.py checks them judged as one program too)."""
from __future__ import annotations

import pytest

from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets


def source_notebook(assignment: str):
    return submissions.course_notebook(assignment, "source")


def release_notebook(assignment: str):
    return submissions.course_notebook(assignment, "release")


def check_solution_earns_everything(grade, assignment: str) -> None:
    source = source_notebook(assignment)
    scores, report = grade(assignment, submissions.correct(release_notebook(assignment), source))
    assert scores == pytest.approx(submissions.autograded_points(source)), report


def check_release_earns_nothing(grade, assignment: str) -> None:
    cells = submissions.autograded_points(source_notebook(assignment))
    scores, report = grade(assignment, release_notebook(assignment))
    assert scores == pytest.approx({cell: 0.0 for cell in cells}), report


def check_mistakes(grade, assignment: str, index: int) -> None:
    mistakes = mistake_sets(assignment)[index]
    source = source_notebook(assignment)
    assert set(mistakes.expected) == set(submissions.autograded_points(source)), "a mistake set must state every cell's score"
    nb = submissions.with_mistakes(release_notebook(assignment), source, mistakes.answers)
    scores, report = grade(assignment, nb)
    assert scores == pytest.approx(mistakes.expected), (mistakes.name, report)
    lost = {cell for cell, score in mistakes.expected.items() if score < submissions.autograded_points(source)[cell]}
    assert lost, f"mistake set {mistakes.name!r} should cost points somewhere"
