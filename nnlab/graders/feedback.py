"""The feedback of the hidden graders: what replaces a test cell's output, and the full report
kept for the instructor.

A test cell's new outputs list its hidden tests (pass/fail, points, a hint, a safe reason) and
end with an `execute_result` holding the score: nbgrader's own partial-credit rule then records
exactly that score in the gradebook.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from nnlab.files import write_atomic
from nnlab.notebook_format import grade_id
from nnlab.runner.student_process import OUT_OF_BUDGET

MAX_NOTES = 5


def save_report(report: dict, path: Path) -> None:
    """Keep the hidden graders' full report of one notebook at `path` (`Course.grader_report`)."""
    write_atomic(path, json.dumps(report, indent=1))


def feedback_outputs(cell: NotebookNode, result: dict, report: dict) -> list:
    """The test cell's new outputs: the hidden tests as text, then the score for nbgrader."""
    cell_points = float(cell.metadata["nbgrader"].get("points", 0))
    grader_points = result["points"] or 1.0
    score = round(cell_points * result["score"] / grader_points, 4)
    lines = [f"Hidden tests: {score:g} of {cell_points:g} points"]
    for test in result["tests"]:
        mark = "PASS" if test["passed"] else "FAIL"
        share = cell_points * test["points"] / grader_points
        line = f"  {mark}  {share:g} pt  {test['hint']}"
        if test["reason"]:
            line += f"  [{test['reason']}]"
        lines.append(line)
    carried = (report.get("carried_forward") or {}).get(grade_id(cell)) or {}
    if carried.get("taken"):
        lines.append(carried_note(carried, round(cell_points * carried["own"] / grader_points, 4)))
    failed = any(not test["passed"] for test in result["tests"])
    if report.get("error"):
        lines.append(f"Your notebook could not be graded: {report['error']}")
    elif failed and report.get("notebook_errors"):
        lines.append("While running your notebook:")
        # a cell stopped by its budget first: what it left undone is often why the tests failed
        errors = sorted(report["notebook_errors"], key=lambda e: not _out_of_budget(e["error"]))
        lines += [f"  cell {e['cell']}: {notebook_error(e['error'])}" for e in errors[:MAX_NOTES]]
    return [
        nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(score)},
                               execution_count=cell.get("execution_count")),
    ]


def carried_note(carried: dict, own: float) -> str:
    """What the feedback says of a question scored with earlier answers carried forward (nnlab.graders.carry);
    `own`: its score judged with the student's own earlier answers, in the cell's points."""
    names = ", ".join(f"`{name}`" for name in carried["names"]) or "model answers"
    one = len(carried["answers"]) == 1
    questions = ", ".join(carried["answers"])
    return (f"  Error carried forward: judged with a working {names} in place of yours, which lost "
            f"{'its' if one else 'their'} points in the {questions} question{'' if one else 's'} "
            f"({own:g} points with your own earlier answers).")


def _out_of_budget(error: str) -> bool:
    return error.startswith(OUT_OF_BUDGET + ":")


def notebook_error(error: str) -> str:
    """An error of the notebook's cells as the feedback says it: a cell stopped by its budget says so."""
    if _out_of_budget(error):
        return "ran out of its budget: " + error[len(OUT_OF_BUDGET) + 1:].strip()
    return error
