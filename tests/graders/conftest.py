"""Fixtures for the grader tests: grade a notebook with the real hidden graders."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnlab.demo import submissions
from nnlab.graders.run import GraderLimits, cell_scores, grade_notebook, graders_for

FAST = GraderLimits(call_timeout=20.0, cell_timeout=20.0, notebook_timeout=120.0, grading_timeout=400.0)


@pytest.fixture(scope="session")
def course_secret_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("secret") / "course-secret"


@pytest.fixture
def grade(tmp_path, course_secret_file):
    """grade(assignment, notebook or bytes, student=...) -> (cell scores, full report)."""
    def run(assignment: str, nb, student: str = "student-1") -> tuple[dict[str, float], dict]:
        path = tmp_path / f"{student}-{assignment}.ipynb"
        path.write_bytes(nb if isinstance(nb, bytes) else submissions.to_bytes(nb))
        report, _ = grade_notebook(graders_for(assignment, assignment), path, student, str(course_secret_file), FAST)
        return cell_scores(report), report
    return run
