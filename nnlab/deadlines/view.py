"""What a feedback page shows before the student's due date (with their extension), as the assignment's
setting says (`c.Deadlines.before_due`, `before_due_of`): `hints` (points per question and the hints of
the hidden tests failed), `score` (points only) or `none` (received, graded after the due date). Written
answers say "to be marked" until the due date. After it, the page shows everything.

A page written before the due date is provisional: its record beside it (`<notebook>.deadline.json`)
says so (nnlab/deadlines/final.py tells when it must be written again)."""
from __future__ import annotations

import re

from nbformat import NotebookNode

# The report the hidden graders write into a test cell's output (nnlab/graders/feedback.py): a first line
# with the points, then a line per hidden test, then what went wrong in the student's own cells.
REPORT_START = "Hidden tests: "
TEST_LINE = re.compile(r"^  (PASS|FAIL)  \S+ pt  (?P<hint>.*?)(  \[.*\])?$")
RECORD_SUFFIX = ".deadline.json"


def page_record_name(notebook: str) -> str:
    """The record beside the page `<notebook>.html`: whether it is final, and when it becomes final."""
    return f"{notebook}{RECORD_SUFFIX}"


def is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_marked_by_hand(cell: NotebookNode) -> bool:
    """A written answer or a task: a question a grader marks by hand."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("task") or (meta.get("grade") and meta.get("solution")))


def report_before_due(text: str, view: str) -> str:
    """A hidden graders' report as `view` shows it before the due date: the points line, and for `hints`
    the hint of each hidden test failed (no passed test, no points or reason per test) and what went
    wrong in the student's own cells."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith(REPORT_START):
        return text
    kept = lines[:1]
    if view == "hints":
        for line in lines[1:]:
            test = TEST_LINE.match(line)
            if test is None:
                kept.append(line)
            elif test[1] == "FAIL":
                kept.append(f"  FAIL  {test['hint']}")
    return "\n".join(kept) + "\n"


def to_be_marked(nb: NotebookNode, unmarked: set[str]) -> None:
    """The questions in `unmarked` (grade ids) show "to be marked", not nbgrader's score of 0 for them."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") in unmarked and "score" in meta:
            meta["score"] = None


def show_before_due(nb: NotebookNode, view: str) -> NotebookNode:
    """`nb` (the feedback's copy of the autograded notebook) as `view` shows it before the due date:
    test cells' reports cut down (`none`: no report, no score) and written answers still to be marked."""
    to_be_marked(nb, {cell.metadata.nbgrader.get("grade_id") for cell in nb.cells if is_marked_by_hand(cell)})
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        if view == "none":
            cell.outputs = []
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = report_before_due(output.get("text", ""), view)
    return nb


