"""The notebook format as nnlab reads it: nbformat 4 JSON, its code cells, nbgrader's test cells and
grade ids. Below every grading layer, so the student's process, the graders, the budgets and the
import all read a notebook one way."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


class SubmissionError(Exception):
    """The submission cannot be read as a notebook."""


def is_test_cell(cell: dict) -> bool:
    """An nbgrader 'autograder tests' cell: graded, not a solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell: dict) -> bool:
    """An nbgrader autograded answer cell: a solution, not graded itself (its test cell is)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution")) and not meta.get("grade")


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def student_cells(notebook: dict) -> list[tuple[int, str]]:
    """The code cells a kernel would run for the student's code, in order, without test cells."""
    return [(cell.index, cell.source) for cell in code_cells(notebook) if not cell.test]


@dataclass(frozen=True)
class CodeCell:
    index: int               # its place among all the notebook's cells
    source: str
    test: bool               # an nbgrader test cell
    grade_id: str | None     # of a test cell, else None


def code_cells(notebook: dict) -> list[CodeCell]:
    """Every code cell of the notebook, in order, with the grade_id of the test cells."""
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("has no list of cells (is it an nbformat 4 notebook?)")
    return [CodeCell(index, cell_source(cell), is_test_cell(cell), grade_id(cell) if is_test_cell(cell) else None)
            for index, cell in enumerate(cells) if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def grade_id(cell: dict) -> str | None:
    """The nbgrader grade_id of a cell, if it has one."""
    value = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return str(value) if value is not None else None


def read_notebook(path: Path) -> dict:
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SubmissionError(f"{path}: no such notebook") from None
    except OSError as exc:  # a directory, no permission, ...
        raise SubmissionError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SubmissionError(f"{path}: is not UTF-8 text") from None
    try:
        notebook = json.loads(text)
    except ValueError as exc:
        raise SubmissionError(f"{path}: is not a notebook (invalid JSON: {exc})") from None
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        raise SubmissionError(f"{path}: is not an nbformat 4 notebook")
    if not isinstance(notebook.get("cells"), list):
        raise SubmissionError(f"{path}: has no list of cells")
    return notebook


def cells_digest(notebook: dict) -> str:
    """Identifies what gets executed: the type and source of every cell, in order."""
    cells = [[c.get("cell_type"), c.get("source"), c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]
             for c in notebook["cells"]]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()
