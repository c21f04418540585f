"""Fixtures for the grader tests: grade a notebook with the real hidden graders, through the path
production uses (the engine in a process forked from the warm zygote, as `nnlab grade` does)."""
from __future__ import annotations

import nbformat
import pytest

from nnlab.demo import submissions
from nnlab.graders.carry import answers_in
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading


@pytest.fixture(scope="session")
def grading(tmp_path_factory, fast_grading) -> Grading:
    return Grading(config=fast_grading, secret_path=str(tmp_path_factory.mktemp("secret") / "course-secret"))


@pytest.fixture
def grade(grading):
    """grade(assignment, notebook or its bytes, student=...) -> (cell scores, full report), earlier answers
    carried forward from the assignment's source notebook as in the course (`carry=False`: judged as one program)."""
    def run(assignment: str, nb, student: str = "student-1", carry: bool = True) -> tuple[dict[str, float], dict]:
        node = nbformat.reads(nb.decode(), as_version=4) if isinstance(nb, bytes) else nbformat.from_dict(nb)
        answers = answers_in(submissions.course_notebook(assignment)) if carry else None
        report = grade_notebook_node(node, student, assignment, assignment, grading, answers=answers).report
        return {cell: result["score"] for cell, result in report["cells"].items()}, report
    return run
