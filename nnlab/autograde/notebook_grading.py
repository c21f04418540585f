"""Grade one (sanitized) notebook: run it in a sandboxed student process, as a kernel would,
score its test cells with the hidden graders, and put the outputs and the feedback into it.

Used by the `SandboxedExecute` preprocessor (plain `nbgrader autograde`) and by the batch
grader's workers (`nnlab grade`), so both give the same notebooks and the same scores.

Order inside the student's process: the notebook's code cells in order (outputs kept), stopping
before each test cell that has hidden graders to run them there (nnlab.graders.walk): a test cell's
graders see the notebook as it stood at that cell. A test cell runs right after its graders.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from nnlab.autograde.feedback import feedback_outputs
from nnlab.graders.inprocess import grader_tests, run_grader_tests
from nnlab.graders.limits import GradingLimits
from nnlab.graders.plugin import GradeReport
from nnlab.graders.walk import NotebookWalk, stretches
from nnlab.runner.student_process import StudentCodeError, StudentProcess, code_cells, grade_id, is_test_cell

SKIPPED_NOTE = ("the Python process stopped, ran out of memory or ignored the interrupt while running this cell; "
                "the notebook ran again without it")


@dataclass
class NotebookGrade:
    """What grading one notebook produced; plain data, so a worker process can hand it over."""
    digest: str
    outputs: dict[int, tuple[int, list]] = field(default_factory=dict)   # cell index -> (count, outputs)
    skipped: list[int] = field(default_factory=list)
    report: dict | None = None          # the hidden graders' report, None without graders
    student_seconds: float = 0.0        # running the student's cells and answering the graders' calls
    cell_seconds: float = 0.0           # of which running the notebook's own cells (as a kernel would)
    seconds: float = 0.0
    final: bool = False                 # outputs already hold the feedback and the notes on skipped cells


def cells_digest(nb: NotebookNode) -> str:
    """Identifies what gets executed: the type and source of every cell, in order."""
    cells = [[c.get("cell_type"), c.get("source"), c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]
             for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def grade_notebook_node(nb: NotebookNode, student_id: str, graders: Path | None, launcher,
                        limits: GradingLimits, secret: bytes) -> NotebookGrade:
    """Run and grade `nb` in a process from `launcher` (see nnlab.runner.launch)."""
    began = time.monotonic()
    tests = grader_tests(graders) if graders is not None and graders.exists() else []
    cells = code_cells(nb)
    walk = NotebookWalk(StudentProcess([], launcher=launcher, capture=True, call_timeout=limits.call_timeout,
                                       cell_timeout=limits.cell_timeout, notebook_timeout=limits.notebook_timeout),
                        stretches(cells, {test.cell for test in tests}))
    result = NotebookGrade(cells_digest(nb))
    report = GradeReport(submission="notebook", student=student_id)
    calls, stops = 0.0, walk.stops
    try:
        for stop in [*stops, None]:
            try:
                process = walk.to(stop) if not report.error else walk.process
            except StudentCodeError as exc:
                report.error, process = str(exc), walk.process
            called = time.monotonic()
            # graders of a cell the notebook does not have run at its end (None)
            run_grader_tests([t for t in tests if t.cell == stop or (stop is None and t.cell not in stops)],
                             process, student_id, secret, report)
            calls += time.monotonic() - called
    finally:
        walk.process.close()
    result.outputs, result.skipped = dict(walk.outputs), list(walk.process.skipped)
    report.notebook_errors = walk.cell_errors()
    result.cell_seconds = walk.seconds
    result.student_seconds = walk.seconds + calls
    if tests:
        result.report = report.to_json()
    # the feedback is made here, where the work is (a batch worker), not in the gradebook writer
    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    apply_grade(nb, result)
    result.outputs = {i: (c.execution_count, list(c.outputs)) for i, c in code}
    result.skipped, result.final = [], True
    result.seconds = time.monotonic() - began
    return result


def _error_output(ename: str, evalue: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


def apply_grade(nb: NotebookNode, grade: NotebookGrade) -> NotebookNode:
    """Put the outputs, execution counts and the hidden graders' feedback into `nb`."""
    if grade.final:
        for index, cell in enumerate(nb.cells):
            if cell.get("cell_type") == "code":
                cell.execution_count, cell.outputs = grade.outputs.get(index, (None, []))
        return nb
    scored = (grade.report or {}).get("cells", {})
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        count, items = grade.outputs.get(index, (None, []))
        outputs = [nbformat.from_dict(item) for item in items]
        for output in outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
        if index in grade.skipped:
            outputs.append(nbformat.from_dict(_error_output("DeadKernelError", SKIPPED_NOTE)))
        cell.outputs = outputs
        cell.execution_count = count
        if is_test_cell(cell) and grade_id(cell) in scored:
            cell.outputs = feedback_outputs(cell, scored[grade_id(cell)], grade.report)
    return nb
