"""The one engine that grades a notebook: run its cells in the student's process, stopping at each
test cell to run that cell's hidden tests (nnlab.graders.walk), and collect a GradeReport.

Hidden tests are the `@pytest.mark.grade(cell, points=N)` functions of a grader module. The engine
imports each module once (again when its file changes) and calls its tests itself, with the fixtures a grader may ask for:
`student` (the student's process as the notebook stands at the test's cell) and `rng` (random inputs
keyed by the student's key and the test: nnlab.graders.keys). Every grading path goes through
`grade`: nbgrader's autograde (SandboxedExecute), the batch workers of `nnlab grade`, and
`pytest nnlab/graders/<a> --submission` (the pytest plugin only reports what the engine found).
"""
from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from nnlab.digest import file_digest
from nnlab.graders.checks import AnswerTypeError
from nnlab.graders.keys import student_rng
from nnlab.graders.results import GradeReport, TestResult
from nnlab.graders.walk import NotebookWalk, stretches
from nnlab.notebook_format import CodeCell, SubmissionError
from nnlab.runner.student_process import StartError, StudentCodeError, StudentProcess

FIXTURES = ("student", "rng")
# what a failing hidden test may raise: anything, and pytest's own fail()/skip() outcomes
FAILURES = (Exception, pytest.fail.Exception, pytest.skip.Exception)


class GraderModuleError(Exception):
    """A grader module the engine cannot run (the instructor's mistake, not the student's)."""


@dataclass(frozen=True)
class HiddenTest:
    name: str
    function: Callable
    cell: str           # the grade_id of the test cell it scores
    points: float
    hint: str
    fixtures: tuple[str, ...]


def grade_marker(function) -> tuple[str, float] | None:
    """(grade_id, points) of `@pytest.mark.grade(grade_id, points=N)`, None when unmarked."""
    marks = [m for m in getattr(function, "pytestmark", []) if m.name == "grade"]
    return (str(marks[0].args[0]), float(marks[0].kwargs.get("points", 1))) if marks else None


def hint(function, name: str) -> str:
    """What a test checks, as the student reads it: its docstring's first line."""
    doc = (function.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else name.replace("_", " ")


# {grader module's path: (digest of its file, its hidden tests)}: a module is imported again only
# when its file changed, so a long-lived grading process picks up a fixed grader at its next notebook
_modules: dict[Path, tuple[str, list[HiddenTest]]] = {}


def hidden_tests(path: Path) -> list[HiddenTest]:
    """The hidden tests of the grader module at `path` in file order (imported again when the file
    changes); [] if absent."""
    path = Path(path).resolve()
    if not path.is_file():
        return []
    digest = file_digest(path)
    if path not in _modules or _modules[path][0] != digest:
        name = "nnlab_graders_" + "_".join(path.with_suffix("").parts[-2:])
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _modules[path] = (digest, _collect(module, path))
    return _modules[path][1]


def _collect(module, path: Path) -> list[HiddenTest]:
    tests = []
    for name, function in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(function)):
            continue
        marker = grade_marker(function)
        if marker is None:
            raise GraderModuleError(f"{path}: {name} has no @pytest.mark.grade(cell, points=...)")
        fixtures = tuple(inspect.signature(function).parameters)
        unknown = [f for f in fixtures if f not in FIXTURES]
        if unknown:
            raise GraderModuleError(f"{path}: {name} asks for {', '.join(unknown)}; graders may use only "
                                    + ", ".join(FIXTURES))
        tests.append(HiddenTest(name, function, *marker, hint(function, name), fixtures))
    return tests


def safe_reason(error: BaseException) -> str:
    """Why a hidden test failed, in words safe for the student (never expected values)."""
    if isinstance(error, (StudentCodeError, AnswerTypeError)):
        return str(error)
    if isinstance(error, SubmissionError):
        return "the notebook could not be read"
    return "wrong result"


def run_test(test: HiddenTest, student: StudentProcess, key: bytes) -> TestResult:
    """Call one hidden test against the student's process; it passes when it returns. `key`: the
    student's key (nnlab.graders.keys.student_key)."""
    given = {"student": student}
    if "rng" in test.fixtures:
        given["rng"] = student_rng(key, test.name)
    try:
        test.function(**{name: given[name] for name in test.fixtures})
    except FAILURES as exc:
        return TestResult(test.name, test.cell, test.points, False, test.hint, safe_reason(exc))
    return TestResult(test.name, test.cell, test.points, True, test.hint)


@dataclass
class Graded:
    """A graded notebook: the report, and what its cells printed (for the autograded notebook)."""
    report: GradeReport
    outputs: dict[int, tuple] = field(default_factory=dict)   # cell index -> (count, outputs) with capture
    skipped: list[int] = field(default_factory=list)          # cells dropped after they killed the process
    cell_seconds: float = 0.0                                 # the notebook's own cells
    call_seconds: float = 0.0                                 # the hidden tests' calls into the student's code
    carried_seconds: float = 0.0                              # a second judgement with earlier answers carried forward


def unreadable(tests: list[HiddenTest], student_id: str, why: str) -> GradeReport:
    """The report of a notebook that could not be read: every test fails with the reason."""
    return GradeReport(student_id, error=why, tests=[
        TestResult(t.name, t.cell, t.points, False, t.hint, why) for t in tests])


def grade(cells: list[CodeCell], student_id: str, tests: list[HiddenTest], process: StudentProcess,
          key: bytes, rest: bool = True) -> Graded:
    """Walk `process` (made with no cells) through `cells`, running each test cell's hidden tests
    where the cell stands; tests of a cell the notebook lacks run at its end. `key`: the student's
    key (keys.student_key), never the course secret. `rest`: also run the cells after the last test
    cell (their outputs go into the autograded notebook); they cannot change a judgement, so a
    judgement kept for its report alone leaves them out. Closes `process`. StartError when the
    student's process could not start at all."""
    walk = NotebookWalk(process, stretches(cells, {test.cell for test in tests}))
    report, calls = GradeReport(student_id), 0.0
    try:
        for stop in [*walk.stops, None]:
            here = [t for t in tests if t.cell == stop or (stop is None and t.cell not in walk.stops)]
            if stop is None and not here and not rest:
                break
            if not report.error:
                try:
                    walk.to(stop)
                except StartError:
                    raise   # no student code ran: the notebook is not graded (not a zero), and a rerun grades it
                except StudentCodeError as exc:
                    report.error, report.failure = str(exc), exc.kind
            called = time.monotonic()
            for test in here:
                report.tests.append(
                    TestResult(test.name, test.cell, test.points, False, test.hint, report.error) if report.error
                    else run_test(test, walk.process, key))
            calls += time.monotonic() - called
    finally:
        walk.process.close()
    report.notebook_errors = walk.cell_errors()
    return Graded(report, dict(walk.outputs), list(walk.process.skipped), walk.seconds, calls)
