"""`pytest nnlab/graders/<assignment> --submission PATH.ipynb`: the engine, reported by pytest.

pytest collects the grader module; the engine (nnlab.graders.engine) grades the submission with it,
as nbgrader's autograde does, and each collected test passes or fails as the engine found. The
settings are the course's (`c.Grading.*` in the nbgrader_config.py of --course, default: the
current folder when it holds one); --secret overrides Grading.secret_path. Earlier answers are
carried forward from that course's source notebook, as in every grading path (nnlab.graders.carry).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnlab.course import Course, load_configuration
from nnlab.files import write_atomic
from nnlab.graders import engine
from nnlab.graders.carry import model_answers
from nnlab.graders.notebook import judge
from nnlab.graders.results import GradeReport
from nnlab.graders.settings import Grading
from nnlab.notebook_format import SubmissionError, code_cells, read_notebook

SETTINGS = pytest.StashKey[Grading]()
REPORTS = pytest.StashKey[dict]()      # grader module path -> the engine's GradeReport


def pytest_addoption(parser):
    group = parser.getgroup("nnlab", "nnlab hidden graders")
    group.addoption("--submission", help="the student's notebook to grade (.ipynb)")
    group.addoption("--student", default="anonymous", help="student id (keys the hidden random inputs)")
    group.addoption("--secret", default=None, help="course secret file (overrides Grading.secret_path)")
    group.addoption("--grade-report", default=None, help="write the per-cell scores as JSON here")
    group.addoption("--course", default=None, help="the course folder whose settings apply (default: this folder "
                                                   "if it holds nbgrader_config.py)")


def course_settings(folder: Path | None) -> Grading:
    """The course's grading settings, read from its nbgrader_config.py as nbgrader reads it (none: defaults)."""
    return Grading(config=load_configuration(Path(folder) if folder else Path.cwd()))


def pytest_configure(config):
    config.addinivalue_line("markers", "grade(cell, points): the nbgrader grade_id this test scores, and its points")
    if not config.getoption("--submission"):
        raise pytest.UsageError("the hidden graders need --submission PATH.ipynb (the notebook to grade)")
    settings = course_settings(config.getoption("--course"))
    if config.getoption("--secret"):
        settings.secret_path = config.getoption("--secret")
    config.stash[SETTINGS], config.stash[REPORTS] = settings, {}


def _graded(config, module: Path) -> GradeReport:
    """The engine's report for the submission against the grader module `module` (graded once)."""
    reports = config.stash[REPORTS]
    if module not in reports:
        settings, student = config.stash[SETTINGS], config.getoption("--student")
        tests = engine.hidden_tests(module)
        try:
            nb = read_notebook(Path(config.getoption("--submission")))
            code_cells(nb)
        except SubmissionError as exc:
            reports[module] = engine.unreadable(tests, student, str(exc))
        else:
            course = Course.open(Path(config.getoption("--course") or Path.cwd()))
            assignment, notebook = module.parent.name, module.stem.removeprefix("test_")
            answers = model_answers(course, assignment, notebook) if settings.carry_forward else None
            reports[module] = judge(nb, student, tests, settings, settings.student_key(student), answers=answers,
                                    capture=False).report
        reports[module].submission = str(config.getoption("--submission"))
    return reports[module]


def pytest_collection_modifyitems(session, config, items):
    unmarked = [item.nodeid for item in items if item.get_closest_marker("grade") is None]
    if unmarked:
        raise pytest.UsageError("grader tests without @pytest.mark.grade(cell, points=...): " + ", ".join(unmarked))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """The test's outcome is the engine's: the function already ran there, at its cell."""
    report = _graded(pyfuncitem.config, Path(pyfuncitem.path).resolve())
    result = next(t for t in report.tests if t.name == pyfuncitem.originalname)
    if not result.passed:
        pytest.fail(failure_text(result.hint, result.reason), pytrace=False)
    return True


def failure_text(hint: str, reason: str) -> str:
    """What a failed test says, as the feedback page says it: the hint (the rule the test checks), then
    the safe reason in brackets."""
    return f"{hint}  [{reason}]" if reason else hint


# The engine hands each test these (see nnlab.graders.engine); pytest only needs them declared.
@pytest.fixture
def student():
    """The student's process as the notebook stands at this test's cell."""


@pytest.fixture
def rng():
    """Random inputs for this test, keyed by (course secret, student id, test name)."""


def _reports(config) -> list[GradeReport]:
    return list(config.stash.get(REPORTS, {}).values())


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--grade-report", None)
    reports = _reports(session.config)
    if path and reports:
        first = reports[0]
        merged = GradeReport(first.student, first.submission, first.notebook_errors, first.error, first.failure,
                             tests=[t for r in reports for t in r.tests])
        write_atomic(path, json.dumps(merged.to_json(), indent=1))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write = terminalreporter.write_line
    for report in _reports(config):
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
                write(f"    {mark} {test['points']:g}  {test['name']}: {failure_text(test['hint'], test['reason'])}")
            total += cell["score"]
            possible += cell["points"]
        write(f"{'total':<32} {total:g} / {possible:g}")
