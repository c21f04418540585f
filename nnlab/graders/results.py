"""What grading one notebook gives, shared by every grading path: plain dataclasses that cross
process boundaries (a batch worker hands them to the gradebook writer) and turn into the JSON
report the feedback and the class report read."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nnlab.runner.student_process import Failure


@dataclass
class TestResult:
    name: str
    cell: str                # the nbgrader grade_id of the test cell this test scores
    points: float
    passed: bool
    hint: str                # the first line of the test's docstring: what it checks
    reason: str = ""         # why it failed, safe for the student: never expected values or hidden inputs


@dataclass
class GradeReport:
    student: str
    submission: str = "notebook"
    notebook_errors: list[dict] = field(default_factory=list)   # {"cell": index, "error": text}
    error: str = ""          # the notebook could not be run at all (every later test fails with this)
    failure: Failure | None = None   # why, when it could not: the process could not start, timed out, ...
    tests: list[TestResult] = field(default_factory=list)
    # {test cell: both judgements} of each question judged again with earlier answers carried
    # forward (nnlab.graders.carry); `tests` holds the better one
    carried: dict[str, dict] = field(default_factory=dict)

    def cells(self) -> dict[str, dict]:
        """{grade_id: {"score", "points", "tests"}} in the order the tests ran."""
        cells: dict[str, dict] = {}
        for test in self.tests:
            cell = cells.setdefault(test.cell, {"score": 0.0, "points": 0.0, "tests": []})
            cell["points"] += test.points
            cell["score"] += test.points if test.passed else 0.0
            cell["tests"].append(asdict(test))
        return cells

    def scores(self) -> dict[str, float]:
        """{grade_id: score}."""
        return {cell: result["score"] for cell, result in self.cells().items()}

    def to_json(self) -> dict:
        return {"submission": self.submission, "student": self.student, "error": self.error,
                "failure": self.failure.value if self.failure else "", "notebook_errors": self.notebook_errors,
                "cells": self.cells(), "carried_forward": self.carried}
