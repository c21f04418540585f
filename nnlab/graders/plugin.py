"""The pytest plugin behind the hidden graders.

Every grader test carries `@pytest.mark.grade("<grade_id>", points=N)`: it belongs to one
nbgrader test cell and earns N points when it passes. A cell scores the sum of its passing
tests. The student's notebook runs in a separate process (`student` fixture); random inputs
come from `rng`, keyed per student and test.

Options: --submission PATH.ipynb (required), --student ID, --secret PATH, --grade-report PATH.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pytest

from nnlab.graders.checks import AnswerTypeError
from nnlab.graders.keys import load_or_create_secret, secret_path_from_environment, student_rng
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.graders.walk import NotebookWalk, stretches
from nnlab.runner.student_process import (StudentCodeError, StudentProcess, SubmissionError, code_cells,
                                          read_notebook)


WALK = pytest.StashKey["NotebookWalk | None"]()
# the submission's code cells (or why it cannot be read) and the grade_ids that have hidden tests
NOTEBOOK = pytest.StashKey[tuple]()


@dataclass
class TestResult:
    name: str
    cell: str
    points: float
    passed: bool
    hint: str
    reason: str = ""  # safe for the student: never expected values or hidden inputs


@dataclass
class GradeReport:
    submission: str
    student: str
    notebook_errors: list = field(default_factory=list)
    error: str = ""
    tests: list[TestResult] = field(default_factory=list)

    def cells(self) -> dict[str, dict]:
        cells: dict[str, dict] = {}
        for test in self.tests:
            cell = cells.setdefault(test.cell, {"score": 0.0, "points": 0.0, "tests": []})
            cell["points"] += test.points
            cell["score"] += test.points if test.passed else 0.0
            cell["tests"].append(asdict(test))
        return cells

    def to_json(self) -> dict:
        return {"submission": self.submission, "student": self.student, "error": self.error,
                "notebook_errors": self.notebook_errors, "cells": self.cells()}


def pytest_addoption(parser):
    group = parser.getgroup("nnlab", "nnlab hidden graders")
    group.addoption("--submission", help="the student's notebook to grade (.ipynb)")
    group.addoption("--student", default="anonymous", help="student id (keys the hidden random inputs)")
    group.addoption("--secret", default=None, help="course secret file (default: $NNLAB_SECRET or ~/.nnlab/...)")
    group.addoption("--grade-report", default=None, help="write the per-cell scores as JSON here")
    group.addoption("--call-timeout", type=float, default=30.0, help="seconds for one call into the student's code")
    group.addoption("--cell-timeout", type=float, default=60.0, help="seconds for one cell of the student's notebook")
    group.addoption("--memory-mb", type=int, default=3072, help="address-space limit of the student's process")
    group.addoption("--no-sandbox", action="store_true", help="do not isolate the student's process (limits stay)")
    group.addoption("--notebook-timeout", type=float, default=300.0, help="seconds to run the student's notebook")


def pytest_configure(config):
    config.addinivalue_line("markers", "grade(cell, points): the nbgrader grade_id this test scores, and its points")
    submission = config.getoption("--submission")
    if not submission:
        raise pytest.UsageError("the hidden graders need --submission PATH.ipynb (the notebook to grade)")
    config._nnlab_report = GradeReport(submission=str(submission), student=config.getoption("--student"))


def pytest_collection_modifyitems(session, config, items):
    unmarked = [item.nodeid for item in items if item.get_closest_marker("grade") is None]
    if unmarked:
        raise pytest.UsageError("grader tests without @pytest.mark.grade(cell, points=...): " + ", ".join(unmarked))
    # in the notebook's order of their cells: the student's process only walks forward
    try:
        cells = code_cells(read_notebook(Path(config.getoption("--submission"))))
    except SubmissionError as exc:
        cells = exc   # told by each test's student fixture
    position = {cell.grade_id: cell.index for cell in cells if cell.grade_id is not None} if isinstance(cells, list) else {}
    items.sort(key=lambda item: position.get(_grade_marker(item)[0], float("inf")))
    config.stash[NOTEBOOK] = (cells, {_grade_marker(item)[0] for item in items})


def _grade_marker(item) -> tuple[str, float]:
    marker = item.get_closest_marker("grade")
    return str(marker.args[0]), float(marker.kwargs.get("points", 1))


def _hint(item) -> str:
    doc = (getattr(item, "function", None).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else item.name.replace("_", " ")


def safe_reason(error: BaseException | None) -> str:
    """Why a grader test failed, in words safe for the student (never expected values)."""
    if error is None:
        return ""
    if isinstance(error, (StudentCodeError, AnswerTypeError)):
        return str(error)
    if isinstance(error, SubmissionError):
        return "the notebook could not be read"
    return "wrong result"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if item.get_closest_marker("grade") is None:
        return
    results = item.config._nnlab_report.tests
    cell, points = _grade_marker(item)
    if report.when == "setup" and report.failed:
        reason = item.config._nnlab_report.error or "the grader could not start this test"
        results.append(TestResult(item.name, cell, points, False, _hint(item), reason))
    elif report.when == "call":
        reason = "" if report.passed or call.excinfo is None else safe_reason(call.excinfo.value)
        results.append(TestResult(item.name, cell, points, report.passed, _hint(item), reason))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    report: GradeReport = config._nnlab_report
    path = config.getoption("--grade-report")
    if path:
        Path(path).write_text(json.dumps(report.to_json(), indent=1))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report: GradeReport = config._nnlab_report
    write = terminalreporter.write_line
    terminalreporter.section(f"nnlab scores for {report.student}: {report.submission}")
    if report.error:
        write(f"could not grade: {report.error}")
    for error in report.notebook_errors:
        write(f"note: notebook cell {error['cell']}: {error['error']}")
    total = possible = 0.0
    for cell_id, cell in report.cells().items():
        write(f"{cell_id:<32} {cell['score']:g} / {cell['points']:g}")
        for test in cell["tests"]:
            mark = "PASS" if test["passed"] else "FAIL"
            write(f"    {mark} {test['points']:g}  {test['name']}" + (f"  ({test['reason']})" if test["reason"] else ""))
        total += cell["score"]
        possible += cell["points"]
    write(f"{'total':<32} {total:g} / {possible:g}")


# -- fixtures --------------------------------------------------------------------------
def _walk_for(config) -> NotebookWalk:
    """The student's process, to be walked through the notebook (made once for the session)."""
    if config.stash.get(WALK, None) is None:
        cells, graded = config.stash[NOTEBOOK]
        if isinstance(cells, SubmissionError):
            raise cells
        process = StudentProcess(
            [], call_timeout=config.getoption("--call-timeout"), notebook_timeout=config.getoption("--notebook-timeout"),
            cell_timeout=config.getoption("--cell-timeout"),
            sandbox=Sandbox(Limits(memory_bytes=config.getoption("--memory-mb") * 2**20),
                            isolate=not config.getoption("--no-sandbox")))
        config.stash[WALK] = NotebookWalk(process, stretches(cells, graded))
    return config.stash[WALK]


@pytest.fixture(scope="session")
def notebook_walk(request):
    """Closes the student's process at the end of the session."""
    yield
    walk = request.config.stash.get(WALK, None)
    if walk is not None:
        walk.process.close()


@pytest.fixture
def student(request, notebook_walk):
    """The student's process as the notebook stands at this test's cell (nnlab.graders.walk):
    the cells above it have run, those below it have not."""
    config = request.config
    report: GradeReport = config._nnlab_report
    if report.error:
        pytest.fail(report.error, pytrace=False)
    try:
        walk = _walk_for(config)
        process = walk.to(_grade_marker(request.node)[0])
    except (SubmissionError, StudentCodeError) as exc:
        report.error = str(exc)
        pytest.fail(report.error, pytrace=False)
    report.notebook_errors = walk.cell_errors()
    return process


@pytest.fixture(scope="session")
def course_secret(request) -> bytes:
    path = request.config.getoption("--secret") or secret_path_from_environment()
    return load_or_create_secret(Path(path))


@pytest.fixture
def rng(request, course_secret) -> np.random.Generator:
    """Random inputs for this test, keyed by (course secret, student id, test name)."""
    return student_rng(course_secret, request.config.getoption("--student"), request.node.name)
