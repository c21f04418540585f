"""Run a grader module's tests in this process, without a pytest session per notebook.

The graders are ordinary pytest modules (`pytest nnlab/graders/<a> --submission ...` runs
them one notebook at a time). A batch grader calls them here instead: the module is imported
once, and each `@pytest.mark.grade` test is called with the fixtures the plugin would give it
(`student`, `rng`, `course_secret`). The report is the plugin's `GradeReport`, with the same
hints and the same student-safe reasons, so both ways give the same scores.
"""
from __future__ import annotations

import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from nnlab.graders.keys import student_rng
from nnlab.graders.plugin import GradeReport, TestResult, safe_reason

FIXTURES = ("student", "rng", "course_secret")


class GraderModuleError(Exception):
    """A grader module the batch grader cannot run (an instructor's mistake, not the student's)."""


@dataclass(frozen=True)
class GraderTest:
    name: str
    function: Callable
    cell: str
    points: float
    hint: str
    fixtures: tuple[str, ...]


_modules: dict[Path, list[GraderTest]] = {}


def grader_tests(path: Path) -> list[GraderTest]:
    """The grade-marked tests of the grader module at `path`, in file order (imported once)."""
    path = Path(path).resolve()
    if path not in _modules:
        name = "nnlab_graders_" + "_".join(path.with_suffix("").parts[-2:])
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _modules[path] = _collect(module, path)
    return _modules[path]


def _collect(module, path: Path) -> list[GraderTest]:
    tests = []
    for name, function in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(function)):
            continue
        marks = [m for m in getattr(function, "pytestmark", []) if m.name == "grade"]
        if not marks:
            raise GraderModuleError(f"{path}: {name} has no @pytest.mark.grade(cell, points=...)")
        fixtures = tuple(inspect.signature(function).parameters)
        unknown = [f for f in fixtures if f not in FIXTURES]
        if unknown:
            raise GraderModuleError(f"{path}: {name} asks for {', '.join(unknown)}; graders may use only "
                                    + ", ".join(FIXTURES))
        doc = (function.__doc__ or "").strip()
        hint = doc.splitlines()[0] if doc else name.replace("_", " ")
        tests.append(GraderTest(name, function, str(marks[0].args[0]), float(marks[0].kwargs.get("points", 1)),
                                hint, fixtures))
    return tests


def run_grader_tests(tests: list[GraderTest], student, student_id: str, secret: bytes,
                     report: GradeReport) -> GradeReport:
    """Call every test against `student` (a running StudentProcess); results go into `report`.

    When `report.error` is set (the notebook could not be run) every test fails with it, as
    the plugin's fixture does."""
    for test in tests:
        if report.error:
            report.tests.append(TestResult(test.name, test.cell, test.points, False, test.hint, report.error))
            continue
        given = {"student": student, "course_secret": secret}
        if "rng" in test.fixtures:
            given["rng"] = student_rng(secret, student_id, test.name)
        try:
            test.function(**{name: given[name] for name in test.fixtures})
        except (Exception, pytest.fail.Exception, pytest.skip.Exception) as exc:  # the test fails
            report.tests.append(TestResult(test.name, test.cell, test.points, False, test.hint, safe_reason(exc)))
        else:
            report.tests.append(TestResult(test.name, test.cell, test.points, True, test.hint, ""))
    return report
