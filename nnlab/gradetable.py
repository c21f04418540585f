"""The grade table: every student against every assignment, read from the nbgrader gradebook."""
from __future__ import annotations

from dataclasses import dataclass

from nnlab.gradebook import read_gradebook
from nnlab.table import text_table


@dataclass
class Cell:
    score: float | None   # None: no submission
    max_score: float
    needs_manual: bool = False
    autograded: bool = True

    def text(self) -> str:
        if self.score is None:
            return "-"
        mark = "?" if not self.autograded else "*" if self.needs_manual else ""
        return f"{self.score:g}/{self.max_score:g}{mark}"


def read_grades(db_url: str, course_id: str) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """(students, assignments, {(student, assignment): Cell})."""
    book = read_gradebook(db_url, course_id)
    grades = {}
    for student in book.students:
        for name, assignment in book.assignments.items():
            sub = book.submission(student, name)
            grades[student, name] = (Cell(None, assignment.max_score) if sub is None else
                                     Cell(sub.score, sub.max_score, sub.needs_manual, sub.autograded))
    return book.students, list(book.assignments), grades


def format_table(students: list[str], assignments: list[str], grades: dict) -> str:
    header = ["student", *assignments, "total"]
    rows = []
    for student in students:
        cells = [grades[student, a] for a in assignments]
        total = sum(c.score or 0.0 for c in cells)
        possible = sum(c.max_score for c in cells)
        rows.append([student, *(c.text() for c in cells), f"{total:g}/{possible:g}"])
    out = [text_table([header, *rows])]
    out.append("(* = has manually graded answers still to mark; '-' = nothing submitted; "
               "? = handed in, not graded: `nnlab grade` says why)")
    return "\n".join(out)
