"""The written questions of an assignment, as its source notebook sets them: markdown cells that
nbgrader grades by hand (`solution: true, grade: true`). The source cell holds the model answer;
the markdown cells right above it are the question; lines of the model answer such as
`- 1 point: the boundary is a line` seed the question's rubric."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# "- 1 point: ...", "* 0.5 points: ...", "- 2 pts - ..." (a bullet of the model answer's rubric)
RUBRIC_LINE = re.compile(r"^\s*[-*]\s+(?P<points>\d+(?:\.\d+)?)\s*(?:points?|pts?)\s*[:\-\u2013]\s*(?P<text>.+)$", re.I)


@dataclass(frozen=True)
class SeedItem:
    points: float
    comment: str


@dataclass(frozen=True)
class Question:
    assignment: str
    notebook: str
    grade_id: str
    points: float
    prompt: str          # markdown
    model_answer: str    # markdown
    seed_rubric: tuple[SeedItem, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.grade_id}"


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def seed_rubric(model_answer: str) -> tuple[SeedItem, ...]:
    """The rubric's bullets of a model answer (a bullet's continuation lines joined to it)."""
    items: list[list] = []
    for line in model_answer.splitlines():
        found = RUBRIC_LINE.match(line)
        if found:
            items.append([float(found["points"]), found["text"].strip()])
        elif items and line.startswith("  ") and line.strip():
            items[-1][1] += " " + line.strip()
        elif items and not line.strip():
            continue
        elif items and not line.startswith((" ", "-", "*")):
            break
    return tuple(SeedItem(points, text) for points, text in items)


def written_questions(source_folder: Path, assignment: str) -> list[Question]:
    """Every manually graded markdown cell of the assignment's source notebooks, in notebook order."""
    questions = []
    for path in sorted(Path(source_folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        prompt: list[str] = []
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                model = _text(cell.source)
                questions.append(Question(assignment, path.stem, meta["grade_id"], float(meta.get("points", 0)),
                                          "\n\n".join(prompt), model, seed_rubric(model)))
                prompt = []
            elif cell.cell_type == "markdown" and not meta.get("grade"):
                prompt = [*prompt, _text(cell.source)][-2:]  # the two cells above the answer at most
            else:
                prompt = []
    return questions


def answer_of(notebook: Path, grade_id: str) -> tuple[str, dict] | None:
    """(markdown source, attachments) of the cell `grade_id` of a student's notebook, or None."""
    if not notebook.is_file():
        return None
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id and cell.cell_type == "markdown":
            attachments = cell.get("attachments") or {}
            return _text(cell.source), dict(attachments) if isinstance(attachments, dict) else {}
    return None
