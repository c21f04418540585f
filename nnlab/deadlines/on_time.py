"""The scores of each graded hand-in, kept for the `feedback_only` late policy ("late hand-ins get
feedback, the grade stays with the last hand-in on time"). nbgrader keeps one hand-in per student: a
late one replaces the on-time one in the gradebook, so nnlab keeps what each hand-in scored when it was
graded, in `.nnlab/deadlines/hand-ins/<assignment>.json`. Every graded hand-in is kept, not only those
on time, so that a due date or an extension changed later picks the right one: the last whose time is
not after the student's due date then.

Only automatic scores are kept: a written answer is marked later, by hand, on the hand-in the
gradebook holds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import SubmittedNotebook

from nnlab.deadlines import records
from nnlab.deadlines.times import from_gradebook


@dataclass(frozen=True)
class HandIn:
    """What one notebook of one hand-in scored when it was graded."""
    handed_in: datetime                 # aware, UTC
    scores: dict[str, float]            # grade cell -> automatic score


def kept_path(root: Path | str, assignment: str) -> Path:
    """{student: {notebook: [{"handed_in": ISO time, "scores": {cell: points}}, ...]}}"""
    return records.records_folder(root) / "hand-ins" / f"{assignment}.json"


def remember(root: Path | str, notebook: SubmittedNotebook) -> None:
    """Keep the automatic scores of a just graded notebook, under its hand-in's time (a regrade of the
    same hand-in replaces its entry)."""
    submission = notebook.assignment
    if submission.timestamp is None:
        return
    handed_in = from_gradebook(submission.timestamp).isoformat()
    scores = {g.name: float(g.auto_score) for g in notebook.grades if g.auto_score is not None}

    def add(record: dict) -> None:
        kept = record.setdefault(submission.student.id, {}).setdefault(notebook.name, [])
        kept[:] = [h for h in kept if h["handed_in"] != handed_in] + [{"handed_in": handed_in, "scores": scores}]
        kept.sort(key=lambda h: h["handed_in"])
    records.change(kept_path(root, submission.assignment.name), add)


def last_on_time(root: Path | str, assignment: str, student: str, notebook: str, due: datetime) -> HandIn | None:
    """The last graded hand-in of the student's notebook that arrived by `due`; None when none did."""
    kept = records.read(kept_path(root, assignment)).get(student, {}).get(notebook, [])
    on_time = [HandIn(datetime.fromisoformat(h["handed_in"]), h["scores"]) for h in kept
               if datetime.fromisoformat(h["handed_in"]) <= due]
    return max(on_time, key=lambda h: h.handed_in, default=None)
