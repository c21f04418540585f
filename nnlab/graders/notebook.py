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

from nnlab.graders import carry, engine
from nnlab.graders.budgets import SolutionTimes, cell_budgets
from nnlab.graders.carry import ModelAnswers
from nnlab.graders.feedback import feedback_outputs
from nnlab.graders.settings import Grading
from nnlab.notebook_format import cells_digest, code_cells, grade_id, is_test_cell
from nnlab.runner.student_process import StartError

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
    carried_seconds: float = 0.0        # of which the sealed second judgement (nnlab.graders.carry), when one ran


def grade_notebook_node(nb: NotebookNode, student_id: str, assignment: str, notebook: str,
                        grading: Grading, key: bytes | None = None, budgets: SolutionTimes | None = None,
                        answers: ModelAnswers | None = None) -> NotebookGrade:
    """Run and grade `nb` (as nbgrader sanitized it) with the engine; its outputs and feedback go into `nb`.
    `key`: the student's key (nnlab.graders.keys.student_key), made from the course secret when not given
    (a grading worker on another machine is given it, never the secret). `budgets`: the model solution's
    cell times of this notebook (nnlab.graders.budgets.solution_times): each cell then stops at its
    budget (see `Grading.budgets`); None: every cell may run to the cell timeout. `answers`: the model
    solution's answer cells (nnlab.graders.carry.model_answers), carried forward where an earlier
    answer lost points (`Grading.carry_forward`); None: each notebook is judged as one program."""
    began = time.monotonic()
    digest = cells_digest(nb)
    tests = engine.hidden_tests(grading.graders(assignment, notebook))
    key = key if key is not None else grading.student_key(student_id)
    graded = judge(nb, student_id, tests, grading, key, budgets, answers)
    report = graded.report.to_json() if tests else None
    # the feedback is made here, where the work is (a batch worker), not in the gradebook writer
    _put_outputs(nb, graded, report)
    outputs = {i: (c.execution_count, list(c.outputs)) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"}
    return NotebookGrade(digest, outputs, report, graded.cell_seconds + graded.call_seconds, graded.cell_seconds,
                         time.monotonic() - began, graded.carried_seconds)


def judge(nb: dict, student_id: str, tests: list[engine.HiddenTest], grading: Grading, key: bytes,
          budgets: SolutionTimes | None = None, answers: ModelAnswers | None = None,
          capture: bool = True) -> engine.Graded:
    """The engine's judgement of notebook `nb` (nbformat JSON) in a student process of `grading`, with
    earlier answers carried forward where that can raise a later question's score (`answers`, see
    grade_notebook_node). `capture`: keep the cells' outputs (for the autograded notebook)."""
    process = grading.student_process(capture=capture, cell_budgets=cell_budgets(grading, nb, budgets))
    graded = engine.grade(code_cells(nb), student_id, tests, process, key)

    def again(sealed: dict, cells: set[str]):
        """The sealed second judgement: its cells run as in the first up to its last question, its outputs
        are dropped here, and only its report goes on."""
        process = grading.student_process(capture=capture, cell_budgets=cell_budgets(grading, sealed, budgets))
        try:
            return engine.grade(code_cells(sealed), student_id, [t for t in tests if t.cell in cells], process,
                                key, rest=False).report
        except StartError:
            return None

    began = time.monotonic()
    if tests and grading.carry_forward and carry.carry_forward(nb, graded.report, answers, graded.skipped, again):
        graded.carried_seconds = time.monotonic() - began
    return graded


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
