"""`reveal_identities`: blind-marked hand-ins (`participant-<N>`) given to their students once Moodle
reveals who each participant is, without grading anything again.

Moodle keeps an assignment's participant numbers when it reveals identities, and the worksheet
downloaded after that names each one (full name, e-mail address). Each participant's student is
found in the class list (e-mail first, then the name as Moodle cleans it), and the submission moves
to that student: in nbgrader's gradebook (the submission's student changes; its grades and
comments stay), and in submitted/, autograded/, feedback/, the graders' reports and the grading
state. A participant whose student already has a submission of the assignment, or who matches no
single student, is left as they are and listed with the reason. Running it again finishes whatever
an interrupted run left.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from nnlab.batch.state import state_path
from nnlab.course import Course
from nnlab.lms.identify import BLIND_PREFIX, Identify, blind_id
from nnlab.lms.participants import read_participants, record_participants
from nnlab.lms.roster import LmsImportError, Roster, Student, read_students
from nnlab.lms.worksheet import read_worksheet


@dataclass(frozen=True)
class Revealed:
    participant: str
    student: str
    how: str


@dataclass(frozen=True)
class Left:
    participant: str
    reason: str


@dataclass
class Reveal:
    assignment: str
    worksheet: Path
    revealed: list[Revealed] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Identities of {self.assignment} from {self.worksheet.name}: {len(self.revealed)} participant(s) "
                 f"given to their students, {len(self.left)} left as they were."]
        lines += [f"  {blind_id(r.participant)} -> {r.student}: found by {r.how}" for r in self.revealed]
        if self.left:
            lines += ["", "Left as they were:", *(f"  {blind_id(u.participant)}: {u.reason}" for u in self.left)]
        return "\n".join(lines)


def reveal_identities(course: Course | Path, assignment: str, worksheet: Path, students_csv: Path) -> Reveal:
    """Move each blind-marked submission of `assignment` to the student the revealed `worksheet` names."""
    course = Course.of(course)
    sheet = read_worksheet(Path(worksheet))
    if "name" not in sheet.columns and "email" not in sheet.columns:
        raise LmsImportError(f"{worksheet}: the worksheet names no one (no full name or e-mail column): download it "
                             "again after Moodle's 'Reveal student identities'")
    roster = Roster(read_students(students_csv), students_csv)
    identify = Identify(roster, sheet, {})
    result = Reveal(assignment, Path(worksheet))
    record = read_participants(course, assignment)
    for number in _blind_participants(course, assignment, record):
        match = identify.in_worksheet(number)
        if match.student is None:
            result.left.append(Left(number, match.how))
            continue
        student = next(s for s in roster.students if s.id == match.student)
        problem = _move(course, assignment, blind_id(number), student)
        if problem:
            result.left.append(Left(number, problem))
            continue
        record[number] = {"student": student.id, "name": sheet.cell(identify.rows[number], "name"),
                          "blind": blind_id(number)}
        result.revealed.append(Revealed(number, student.id, match.how))
    record_participants(course, assignment, record)
    return result


def _blind_participants(course: Course, assignment: str, record: dict[str, dict]) -> list[str]:
    """The participant numbers still graded as participant-<N>: in submitted/ or in the record."""
    found = {s[len(BLIND_PREFIX):] for s in course.students_in(course.submitted_directory, assignment)
             if s.startswith(BLIND_PREFIX) and s[len(BLIND_PREFIX):].isdigit()}
    found |= {n for n, known in record.items() if known.get("student") == blind_id(n)}
    return sorted(found, key=int)


def _folders(course: Course, assignment: str, student: str) -> list[Path]:
    """Everything of one student's `assignment` that nnlab and nbgrader keep under the student's id."""
    return [course.submitted(student, assignment), course.autograded(student, assignment),
            course.feedback(student, assignment), course.grader_reports / assignment / student,
            state_path(course, assignment, student)]


def _move(course: Course, assignment: str, blind: str, student: Student) -> str:
    """Give `blind`'s submission to `student` ("" when done, else why not). Folders first, each by a rename;
    then the gradebook, in one transaction."""
    pairs = list(zip(_folders(course, assignment, blind), _folders(course, assignment, student.id)))
    with Gradebook(course.db_url, course.course_id) as gb:
        graded, theirs = _submission(gb, assignment, blind), _submission(gb, assignment, student.id)
        if theirs is not None and (graded is not None or any(source.exists() for source, _ in pairs)):
            return f"{student.id} already has a submission of {assignment} in the gradebook"
        taken = [course.show(target) for source, target in pairs if source.exists() and target.exists()]
        if taken:
            return f"{student.id} already has {', '.join(taken)}"
        for source, target in pairs:
            if source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(source, target)
                _remove_if_empty(source.parent)
        if graded is not None:
            graded.student = gb.update_or_create_student(student.id, first_name=student.first_name,
                                                         last_name=student.last_name, email=student.email or None)
            gb.db.commit()
            if not gb.find_student(blind).submissions:
                gb.remove_student(blind)
    return ""


def _submission(gb: Gradebook, assignment: str, student: str):
    try:
        return gb.find_submission(assignment, student)
    except MissingEntry:
        return None


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
