"""The scores of each graded hand-in, kept for the `feedback_only` late policy ("late hand-ins get
feedback, the grade stays with the last hand-in on time"). nbgrader keeps one hand-in per student: a
late one replaces the on-time one in the gradebook, so nnlab keeps what each hand-in scored when it was
graded, in `.nnlab/deadlines/hand-ins/<assignment>/<student>.json` (a file a student, so that recording a
notebook costs the same in a class of ten and of a thousand). Every graded hand-in is kept, not only those
on time, so that a due date or an extension changed later picks the right one: the last whose time is
not after the student's due date then. A record from before (one `<assignment>.json` for the class) is
still read, and a student's part of it moves into their own file at their next graded hand-in.

Only automatic scores are kept: a written answer is marked later, by hand, on the hand-in the
gradebook holds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import BaseCell, Grade, SubmittedNotebook
from sqlalchemy.orm import object_session

from nnlab.deadlines import records
from nnlab.deadlines.times import from_gradebook


@dataclass(frozen=True)
class HandIn:
    """What one notebook of one hand-in scored when it was graded."""
    handed_in: datetime                 # aware, UTC
    scores: dict[str, float]            # grade cell -> automatic score


def kept_path(root: Path | str, assignment: str, student: str) -> Path:
    """{notebook: [{"handed_in": ISO time, "scores": {cell: points}}, ...]} (`student`: a folder name under
    submitted/, never a path)"""
    return records.records_folder(root) / "hand-ins" / assignment / f"{student}.json"


def _class_path(root: Path | str, assignment: str) -> Path:
    """The record of a whole class, as nnlab kept it before: {student: {notebook: [...]}}."""
    return records.records_folder(root) / "hand-ins" / f"{assignment}.json"


def _kept(root: Path | str, assignment: str, student: str) -> dict:
    own = records.read(kept_path(root, assignment, student))
    return own or records.read(_class_path(root, assignment)).get(student, {})


def remember(root: Path | str, notebook: SubmittedNotebook) -> None:
    """Keep the automatic scores of a just graded notebook, under its hand-in's time (a regrade of the
    same hand-in replaces its entry)."""
    submission = notebook.assignment
    if submission.timestamp is None:
        return
    handed_in = from_gradebook(submission.timestamp).isoformat()
    assignment, student = submission.assignment.name, submission.student.id
    # one query for the notebook's scores (its `grades` would load each grade's cell name on its own)
    rows = object_session(notebook).query(BaseCell.name, Grade.auto_score).join(Grade, Grade.cell_id == BaseCell.id)\
        .filter(Grade.notebook_id == notebook.id, Grade.auto_score.isnot(None)).all()
    scores = {name: float(score) for name, score in rows}

    def add(record: dict) -> None:
        if not record:   # the student's part of a class record from before, if any
            record.update(records.read(_class_path(root, assignment)).get(student, {}))
        kept = record.setdefault(notebook.name, [])
        kept[:] = [h for h in kept if h["handed_in"] != handed_in] + [{"handed_in": handed_in, "scores": scores}]
        kept.sort(key=lambda h: h["handed_in"])
    records.change(kept_path(root, assignment, student), add)


def last_on_time(root: Path | str, assignment: str, student: str, notebook: str, due: datetime) -> HandIn | None:
    """The last graded hand-in of the student's notebook that arrived by `due`; None when none did."""
    kept = _kept(root, assignment, student).get(notebook, [])
    on_time = [HandIn(datetime.fromisoformat(h["handed_in"]), h["scores"]) for h in kept
               if datetime.fromisoformat(h["handed_in"]) <= due]
    return max(on_time, key=lambda h: h.handed_in, default=None)
