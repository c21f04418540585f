"""One reader of nbgrader's gradebook: the grade table, `nnlab status`, the class report (and the LMS
export on it) and the hostile corpus all read `read_gradebook`'s snapshot, taken in one session of
nbgrader's own `Gradebook`, so each shows the gradebook the same way (nbgrader's scoring rules: a
manual score over the automatic one, extra credit added; a question not graded yet is None)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class GradebookError(RuntimeError):
    """The gradebook cannot be read: the message names it and the problem."""


@dataclass(frozen=True)
class Question:
    """A graded cell (grade cell or task) of an assignment's notebook."""
    notebook: str
    name: str
    max_score: float


@dataclass
class Assignment:
    name: str
    max_score: float
    duedate: datetime | None          # naive UTC, as nbgrader keeps it
    questions: list[Question] = field(default_factory=list)


@dataclass
class Submission:
    student: str
    assignment: str
    score: float                      # nbgrader's total (a question not graded yet counts 0)
    max_score: float
    needs_manual: bool                # answers still to grade by hand
    seconds_late: float
    scores: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (notebook, cell) -> score
    awaiting: int = 0                 # questions still to grade by hand
    autograded: bool = True           # False: handed in, but grading never got to its tests (not a notebook, ...)


@dataclass
class Snapshot:
    students: list[str]                                # sorted
    assignments: dict[str, Assignment]                 # in the gradebook's order
    submissions: dict[tuple[str, str], Submission]     # (student, assignment) -> its grades

    def submission(self, student: str, assignment: str) -> Submission | None:
        return self.submissions.get((student, assignment))


def describe(db_url: str) -> str:
    """The gradebook as messages name it: its file, or the database server's URL."""
    return db_url[len("sqlite:///"):] if db_url.startswith("sqlite:///") else db_url


def read_gradebook(db_url: str, course_id: str = "default") -> Snapshot:
    """Everything the gradebook at `db_url` records; a missing or empty SQLite file (which opening
    would fill with empty tables) or an unreadable database raises GradebookError."""
    from nbgrader.api import Gradebook  # slow to import: only commands that read grades pay for it

    if db_url.startswith("sqlite:///"):
        path = Path(describe(db_url))
        if not path.is_file():
            raise GradebookError(f"{path}: no gradebook (run `nbgrader autograde` in the course first)")
        if path.stat().st_size == 0:
            raise GradebookError(f"{path}: empty file, not a gradebook")
    try:
        with Gradebook(db_url, course_id) as gb:
            return _snapshot(gb)
    except Exception as exc:  # sqlalchemy's errors are many; the instructor needs one line
        raise GradebookError(f"{describe(db_url)}: not a readable nbgrader gradebook ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from exc


def _snapshot(gb) -> Snapshot:
    snapshot = Snapshot(sorted(s.id for s in gb.students), {}, {})
    for found in gb.assignments:
        record = Assignment(found.name, float(found.max_score or 0.0), found.duedate)
        tests = set()   # (notebook, cell) of the autograded test cells
        for nb in sorted(found.notebooks, key=lambda n: n.name):
            record.questions += [Question(nb.name, c.name, float(c.max_score or 0.0))
                                 for c in [*nb.grade_cells, *nb.task_cells]]
            tests |= {(nb.name, c.name) for c in nb.grade_cells if c.cell_type == "code"}
        snapshot.assignments[found.name] = record
        for sub in found.submissions:
            grades = Submission(sub.student.id, found.name, float(sub.score or 0.0), float(sub.max_score or 0.0),
                                bool(sub.needs_manual_grade), float(sub.total_seconds_late or 0.0))
            for snb in sub.notebooks:
                for grade in snb.grades:
                    graded = grade.manual_score is not None or grade.auto_score is not None
                    grades.scores[snb.name, grade.name] = float(grade.score) if graded else None
                    grades.awaiting += int(not graded and bool(grade.needs_manual_grade))
            scored = [grades.scores[key] is not None for key in tests if key in grades.scores]
            grades.autograded = any(scored) or not scored
            snapshot.submissions[grades.student, found.name] = grades
    return snapshot
