"""The one API to grade a notebook: run it in a sandboxed student process, as a kernel would,
score its test cells with the hidden graders, and put the outputs and the feedback into it.

Every way of grading calls `grade_notebook_node`: the `SandboxedExecute` preprocessor (plain
`nbgrader autograde`), `nnlab grade`'s local and Dask workers, and the benchmarks, so all give
the same notebooks and the same scores.

Order inside the student's process: the notebook's code cells in order (outputs kept), stopping
before each test cell that has hidden graders to run them there (nnlab.graders.walk): a test cell's
graders see the notebook as it stood at that cell. A test cell runs right after its graders.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import nbformat
from nbformat.notebooknode import NotebookNode

from nnlab.graders import engine
from nnlab.graders.budgets import SolutionTimes, cell_budgets
from nnlab.graders.feedback import feedback_outputs
from nnlab.graders.settings import Grading
from nnlab.notebook_format import cells_digest, code_cells, grade_id, is_test_cell

SKIPPED_NOTE = ("the Python process stopped, ran out of memory or ignored the interrupt while running this cell; "
                "the notebook ran again without it")


@dataclass
class NotebookGrade:
    """What grading one notebook produced; plain data, so a worker process can hand it over."""
    digest: str
    outputs: dict[int, tuple[int, list]] = field(default_factory=dict)   # cell index -> (count, outputs)
    report: dict | None = None          # the hidden graders' report (GradeReport.to_json()), None without graders
    student_seconds: float = 0.0        # running the student's cells and answering the graders' calls
    cell_seconds: float = 0.0           # of which running the notebook's own cells (as a kernel would)
    seconds: float = 0.0


def grade_notebook_node(nb: NotebookNode, student_id: str, assignment: str, notebook: str,
                        grading: Grading, key: bytes | None = None, budgets: SolutionTimes | None = None
                        ) -> NotebookGrade:
    """Run and grade `nb` (as nbgrader sanitized it) with the engine; its outputs and feedback go into `nb`.
    `key`: the student's key (nnlab.graders.keys.student_key), made from the course secret when not given
    (a grading worker on another machine is given it, never the secret). `budgets`: the model solution's
    cell times of this notebook (nnlab.graders.budgets.solution_times): each cell then stops at its
    budget (see `Grading.budgets`); None: every cell may run to the cell timeout."""
    began = time.monotonic()
    digest = cells_digest(nb)
    tests = engine.hidden_tests(grading.graders(assignment, notebook))
    process = grading.student_process(cell_budgets=cell_budgets(grading, nb, budgets))
    graded = engine.grade(code_cells(nb), student_id, tests, process,
                          key if key is not None else grading.student_key(student_id))
    report = graded.report.to_json() if tests else None
    # the feedback is made here, where the work is (a batch worker), not in the gradebook writer
    _put_outputs(nb, graded, report)
    outputs = {i: (c.execution_count, list(c.outputs)) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"}
    return NotebookGrade(digest, outputs, report, graded.cell_seconds + graded.call_seconds, graded.cell_seconds,
                         time.monotonic() - began)


def _error_output(ename: str, evalue: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


def _put_outputs(nb: NotebookNode, graded: engine.Graded, report: dict | None) -> None:
    """The outputs and execution counts a kernel would leave, a note on each skipped cell, and the
    hidden graders' feedback in place of each scored test cell's output."""
    scored = (report or {}).get("cells", {})
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        count, items = graded.outputs.get(index, (None, []))
        outputs = [nbformat.from_dict(item) for item in items]
        for output in outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
        if index in graded.skipped:
            outputs.append(nbformat.from_dict(_error_output("DeadKernelError", SKIPPED_NOTE)))
        cell.outputs, cell.execution_count = outputs, count
        if is_test_cell(cell) and grade_id(cell) in scored:
            cell.outputs = feedback_outputs(cell, scored[grade_id(cell)], report)


def apply_grade(nb: NotebookNode, grade: NotebookGrade) -> NotebookNode:
    """Put a grade's outputs (feedback included) into `nb`, as nbgrader sanitized it."""
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") == "code":
            cell.execution_count, cell.outputs = grade.outputs.get(index, (None, []))
    return nb
