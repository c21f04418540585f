"""Each student's due date: the assignment's due date in nbgrader's gradebook and the student's
extension. nbgrader keeps an extension on the student's submission (`SubmittedAssignment.extension`,
a length of time past the due date), which exists only once they have handed in. An extension given
before that is kept in `.nnlab/deadlines/extensions.json` and moved onto the submission when the
hand-in is graded (`steps.ApplyDeadlines`, in the autograde pipeline before nbgrader's late penalty),
so nbgrader's own `total_seconds_late`, the formgrader and `nbgrader export` count it. An extension
is in one place at a time: on the submission, or kept until there is one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry, SubmittedAssignment

from nnlab.deadlines import records
from nnlab.deadlines.times import from_gradebook


@dataclass(frozen=True)
class Deadline:
    """One student's due date for one assignment, and their hand-in (times aware, in UTC)."""
    due: datetime | None              # the assignment's; None: it has no due date
    extension: timedelta | None       # the student's; None: none
    handed_in: datetime | None        # when the graded hand-in arrived; None: nothing graded yet

    @property
    def due_for_student(self) -> datetime | None:
        """The due date with the student's extension (nbgrader's `SubmittedAssignment.duedate`)."""
        return None if self.due is None else self.due + (self.extension or timedelta())

    @property
    def seconds_late(self) -> float:
        """As nbgrader's `total_seconds_late`: 0 on time, without a due date or without a hand-in."""
        if self.handed_in is None or self.due is None:
            return 0.0
        return max(0.0, (self.handed_in - self.due_for_student).total_seconds())

    def passed(self, now: datetime) -> bool:
        """Whether the student's due date has passed at `now` (always, when there is none)."""
        return self.due is None or now >= self.due_for_student


def kept_path(root: Path | str) -> Path:
    """The extensions given before the student handed in: {assignment: {student: seconds}}."""
    return records.records_folder(root) / "extensions.json"


def _kept(root: Path | str, assignment: str, student: str) -> timedelta | None:
    seconds = records.read(kept_path(root)).get(assignment, {}).get(student)
    return None if seconds is None else timedelta(seconds=seconds)


def _forget(record: dict, assignment: str, student: str) -> float | None:
    """Remove a kept extension from `record`; its seconds, None when there was none."""
    seconds = record.get(assignment, {}).pop(student, None)
    if assignment in record and not record[assignment]:
        del record[assignment]
    return seconds


def find_submission(gradebook: Gradebook, assignment: str, student: str) -> SubmittedAssignment | None:
    try:
        return gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None


def deadline_of(gradebook: Gradebook, root: Path | str, assignment: str, student: str) -> Deadline:
    """The student's due date for `assignment` as the gradebook and the kept extensions hold it."""
    try:
        due = from_gradebook(gradebook.find_assignment(assignment).duedate)
    except MissingEntry:
        due = None
    submission = find_submission(gradebook, assignment, student)
    if submission is None:
        return Deadline(due, _kept(root, assignment, student), None)
    return Deadline(due, submission.extension, from_gradebook(submission.timestamp))


def set_extension(gradebook: Gradebook, root: Path | str, assignment: str, student: str,
                  extension: timedelta | None) -> bool:
    """Give the student `extension` past the due date (None: take it away). True when it is on their
    submission, False when it is kept until they hand in."""
    submission = find_submission(gradebook, assignment, student)
    if submission is None:
        def keep(record: dict) -> None:
            _forget(record, assignment, student)
            if extension is not None:
                record.setdefault(assignment, {})[student] = extension.total_seconds()
        records.change(kept_path(root), keep)
        return False
    submission.extension = extension
    gradebook.db.commit()
    records.change(kept_path(root), lambda record: _forget(record, assignment, student))
    return True


def move_kept_extension(gradebook: Gradebook, root: Path | str, submission: SubmittedAssignment) -> timedelta | None:
    """A kept extension of the submission's student onto the submission (the hand-in has arrived); the
    extension moved, None when none was kept. On the submission first, then forgotten: a run killed
    between the two moves it again at the next grading, never loses it."""
    assignment, student = submission.assignment.name, submission.student.id
    extension = _kept(root, assignment, student)
    if extension is None:
        return None
    submission.extension = extension
    gradebook.db.commit()

    def forget_if_unchanged(record: dict) -> None:   # an extension changed meanwhile stays for the next run
        if record.get(assignment, {}).get(student) == extension.total_seconds():
            _forget(record, assignment, student)
    records.change(kept_path(root), forget_if_unchanged)
    return extension


def extensions_of(gradebook: Gradebook, root: Path | str, assignment: str) -> dict[str, tuple[timedelta, bool]]:
    """{student: (extension, on their submission or kept until they hand in)} for `assignment`."""
    found = {student: (timedelta(seconds=seconds), False)
             for student, seconds in records.read(kept_path(root)).get(assignment, {}).items()}
    try:
        submissions = gradebook.find_assignment(assignment).submissions
    except MissingEntry:
        submissions = []
    found.update({s.student.id: (s.extension, True) for s in submissions if s.extension})
    return dict(sorted(found.items()))
