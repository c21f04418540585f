"""Error carried forward: a mistake costs points once, in the question where it is made.

Later questions call the student's earlier functions, so one wrong answer would fail every
question built on it. When a question lost points, each later question that lost points too is
judged a second time, with the answer cells of every earlier question that lost points replaced
by the model solution's, and keeps the better of its two judgements: carrying forward can only
raise a score.

One second run judges every such question: a question is judged on the student's own answer
(the earlier ones carried forward), then the model's answer cells of that question run right
after its test cell, so the questions after it see a working version too.

The second run is sealed. It is a fresh sandboxed student process whose outputs are not kept;
only whether each hidden test passed comes back, as plain data (the reason a test failed is not
taken from it: the student's code could write anything there). So no model answer reaches the
student's notebook, feedback or score beyond the points of the question that used it.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from typing import Callable

import nbformat
from nbgrader.utils import compute_checksum

from nnlab.course import Course
from nnlab.graders.results import GradeReport, TestResult
from nnlab.notebook_format import SubmissionError, cell_source, grade_id, is_answer_cell, is_test_cell, read_notebook

# a failed test of the second judgement: its own reason is the student's code's to write, never shown
CARRIED_REASON = "fails also with the earlier answers carried forward"


@dataclass(frozen=True)
class ModelAnswers:
    """The model solution's answer cells of one notebook: {grade_id: source}. Plain data: it travels
    to a grading worker as it is."""
    cells: dict[str, str] = field(default_factory=dict)


def model_answers(course: Course, assignment: str, notebook: str) -> ModelAnswers | None:
    """The answer cells of the source notebook (the model solution), None when the course has no
    readable source notebook of that name (then nothing is carried forward)."""
    try:
        return answers_in(read_notebook(course.source(assignment) / f"{notebook}.ipynb"))
    except SubmissionError:
        return None


def answers_in(source: dict) -> ModelAnswers:
    """The code answer cells of a source notebook (nbformat JSON), by grade_id."""
    return ModelAnswers({grade_id(cell): cell_source(cell) for cell in source["cells"]
                         if isinstance(cell, dict) and is_answer_cell(cell) and cell.get("cell_type") == "code"
                         and grade_id(cell) is not None})


@dataclass(frozen=True)
class Question:
    """A graded test cell (`test`, its grade_id) and the answer cells since the graded test cell before it."""
    test: str
    answers: tuple[str, ...]     # the grade_ids of its code answer cells
    answered: bool = True        # the student changed at least one of them from the release


def changed(cell: dict) -> bool:
    """Whether the student changed answer cell `cell` from the release (nbgrader's checksum of the
    released cell, which it keeps in the cell's metadata; a cell without one counts as changed)."""
    checksum = cell.get("metadata", {}).get("nbgrader", {}).get("checksum")
    try:
        return checksum is None or compute_checksum(nbformat.from_dict(cell)) != checksum
    except (KeyError, TypeError, ValueError, AttributeError):   # metadata nbgrader itself could not read
        return True


def questions(nb: dict, graded: set[str]) -> list[Question]:
    """The notebook's questions in order: one per test cell whose grade_id is in `graded`."""
    found, pending, answered, seen = [], [], False, set()
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        gid = grade_id(cell)
        if is_answer_cell(cell) and gid is not None:
            pending.append(gid)
            answered = answered or changed(cell)
        elif is_test_cell(cell) and gid in graded and gid not in seen:
            seen.add(gid)
            found.append(Question(gid, tuple(pending), answered or not pending))
            pending, answered = [], False
    return found


@dataclass(frozen=True)
class Plan:
    """What the second judgement does: the questions whose model answers run after their test cell,
    and each question judged again with the carried questions before it."""
    carried: list[Question]
    again: list[tuple[Question, list[Question]]]


def plan(nb: dict, report: GradeReport, answers: ModelAnswers) -> Plan | None:
    """The second judgement `report` calls for, None when no later question can gain (nothing lost,
    or only the first questions to lose points, no model answer for what lost points, or the later
    questions that lost points left as released: an answer never written is not judged again)."""
    cells = report.cells()
    lost = {test for test, cell in cells.items() if cell["score"] < cell["points"]}
    carried, again = [], []
    for question in questions(nb, set(cells)):
        if question.test not in lost:
            continue
        if carried and question.answered:
            again.append((question, list(carried)))
        if question.answers and all(a in answers.cells for a in question.answers):
            carried.append(question)
    return Plan(carried, again) if again else None


def sealed_notebook(nb: dict, plan: Plan, answers: ModelAnswers, skipped: list[int]) -> dict:
    """`nb` with the model's answer cells of each carried question placed right after its test cell;
    the cells the first run had to skip (they stopped the process) are left empty, as it left them out."""
    sealed = copy.deepcopy(dict(nb))
    carried = {q.test: q for q in plan.carried}
    cells = []
    for index, cell in enumerate(nb["cells"]):
        cell = copy.deepcopy(cell)
        if index in skipped:
            cell["source"] = ""
        cells.append(cell)
        question = carried.get(grade_id(cell)) if is_test_cell(cell) else None
        for answer in question.answers if question else ():
            cells.append(nbformat.v4.new_code_cell(answers.cells[answer], metadata={
                "nbgrader": {"grade_id": answer, "solution": True, "grade": False, "locked": False}}))
    sealed["cells"] = cells
    return sealed


def names(sources: list[str]) -> list[str]:
    """The functions and classes that model answer cells define, in order (what the feedback names)."""
    found = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        found += [node.name for node in tree.body
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name not in found]
    return found


def merge(report: GradeReport, second: GradeReport, plan: Plan, answers: ModelAnswers) -> None:
    """Each question judged again keeps the better judgement; `report.carried` records both."""
    passed = {test.name: test.passed for test in second.tests if not second.error}
    for question, before in plan.again:
        own = [t for t in report.tests if t.cell == question.test]
        again = [TestResult(t.name, t.cell, t.points, passed.get(t.name, False), t.hint,
                            "" if passed.get(t.name, False) else CARRIED_REASON) for t in own]
        own_score, again_score = _score(own), _score(again)
        taken = again_score > own_score
        report.carried[question.test] = {
            "with": [q.test for q in before],
            "answers": [a for q in before for a in q.answers],
            "names": names([answers.cells[a] for q in before for a in q.answers]),
            "own": own_score, "carried": again_score, "taken": taken,
            "tests": [{"name": t.name, "own": o.passed, "carried": t.passed} for t, o in zip(again, own)]}
        if taken:
            report.tests = [again[own.index(t)] if t in own else t for t in report.tests]


def _score(tests: list[TestResult]) -> float:
    return sum(test.points for test in tests if test.passed)


def carry_forward(nb: dict, report: GradeReport, answers: ModelAnswers | None, skipped: list[int],
                  judge: Callable[[dict, set[str]], GradeReport | None]) -> bool:
    """Judge again the later questions of `report` (of notebook `nb`) that can gain; `judge(sealed
    notebook, test cells)` runs the sealed notebook and gives its report (None when it could not
    start). Returns whether a second judgement ran."""
    if answers is None or report.error:
        return False
    second = plan(nb, report, answers)
    if second is None:
        return False
    judged = judge(sealed_notebook(nb, second, answers, skipped), {q.test for q, _ in second.again})
    if judged is not None:
        merge(report, judged, second, answers)
    return True
