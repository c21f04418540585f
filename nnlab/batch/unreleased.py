"""Assignments the gradebook lacks because nbgrader never generated them (handed out through an LMS).

nbgrader's autograde grades only the assignments and notebooks that `nbgrader generate_assignment`
put in the gradebook; without them it fails every student. `nnlab grade` first puts what is missing
there from source/, as generate_assignment does, leaving release/ as it is
(`nbgrader_adapter.generate_into_gradebook`).
"""
from __future__ import annotations

from dataclasses import dataclass

from nnlab.batch.nbgrader_adapter import generate_into_gradebook, gradebook_warnings
from nnlab.course import Course


@dataclass(frozen=True)
class Unreleased:
    """An assignment whose notebooks are not all in the gradebook."""
    assignment: str
    notebooks: list[str]          # its notebooks: those in source/, else the names course.notebooks gives
    known: list[str] | None       # its notebooks in the gradebook; None: the assignment is not there
    from_source: bool             # source/ holds its notebooks, to add them from

    @property
    def missing(self) -> list[str]:
        return [n for n in self.notebooks if n not in (self.known or [])]

    @property
    def whole(self) -> bool:
        """None of its notebooks is in the gradebook: nothing of it can be graded as it stands."""
        return self.missing == self.notebooks

    def said(self) -> str:
        """What is missing, as the instructor reads it."""
        if self.known is None:
            return "not in the gradebook (never released with nbgrader)"
        if not self.known:
            return "in the gradebook without its notebooks (never released with nbgrader)"
        return f"{', '.join(n + '.ipynb' for n in self.missing)} not in the gradebook"


def gradebook_notebooks(course: Course, assignment: str) -> list[str] | None:
    """The names of `assignment`'s notebooks in the gradebook; None when the assignment is not in it.
    The gradebook is only read: a missing one is not made, an empty database gets no tables."""
    from nbgrader.api import Assignment
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.orm import Session

    if not course.has_gradebook():
        return None
    engine = create_engine(course.db_url)
    try:
        if "assignment" not in inspect(engine).get_table_names():
            return None
        with Session(engine) as session:
            # by name alone, as nbgrader's Gradebook.find_assignment looks it up
            found = session.query(Assignment).filter_by(name=assignment).one_or_none()
            return None if found is None else sorted(n.name for n in found.notebooks)
    finally:
        engine.dispose()


def unreleased(course: Course, assignment: str) -> Unreleased | None:
    """What the gradebook lacks of `assignment` to grade all its notebooks; None when nothing."""
    sources = sorted(p.stem for p in course.source(assignment).glob("*.ipynb"))
    found = Unreleased(assignment, sources or course.notebooks(assignment), gradebook_notebooks(course, assignment),
                       bool(sources))
    return found if found.missing else None


def add_from_source(course: Course, found: Unreleased) -> str:
    """Put `found`'s assignment into the gradebook from source/ as `nbgrader generate_assignment` does,
    release/ left as it is; "" when done, else why not, with what to do (one line)."""
    a = found.assignment
    if not found.from_source:
        return (f"there is no notebook in {course.show(course.source(a))}/ to add it from: put the instructor's "
                f"version there, then run `nnlab grade {a}` again")
    # Its submissions without notebooks (a grading run before the notebooks were in the gradebook) hold
    # no grade, but nbgrader changes no assignment that has submissions: they are set aside meanwhile,
    # then made again, now with the notebooks, keeping their timestamp and extension.
    empty = _take_out_submissions(course, a) if found.known == [] else {}
    try:
        return generate_into_gradebook(course, a)
    finally:
        _put_back_submissions(course, a, empty)


def _take_out_submissions(course: Course, assignment: str) -> dict[str, dict]:
    """Remove the assignment's submissions from the gradebook: {student: their timestamp and extension}."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        kept = {s.student.id: {"timestamp": s.timestamp, "extension": s.extension}
                for s in gb.find_assignment(assignment).submissions}
        for student in kept:
            gb.remove_submission(assignment, student)
    return kept


def _put_back_submissions(course: Course, assignment: str, kept: dict[str, dict]) -> None:
    """Make the submissions `_take_out_submissions` removed again, with the notebooks the assignment has now."""
    from nbgrader.api import Gradebook

    if not kept:
        return
    with Gradebook(course.db_url, course.course_id) as gb, gradebook_warnings():
        for student, fields in kept.items():
            gb.add_submission(assignment, student, **{k: v for k, v in fields.items() if v is not None})
