"""`sync_moodle`: one assignment both ways with the course's Moodle over web services (pull the
hand-ins and the deadlines: nnlab.lms.moodle_pull; push grades and feedback: nnlab.lms.moodle_push)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nnlab.course import Course
from nnlab.lms.moodle_pull import Pulled, User, is_blind, match_users, pull_submissions, take_deadlines
from nnlab.lms.moodle_push import Pushed, points_maximum, push_grades
from nnlab.lms.roster import LmsImportError
from nnlab.lms.settings import Moodle
from nnlab.lms.webservice import MoodleService


@dataclass
class Synced:
    assignment: str
    moodle_name: str
    blind: bool
    users: list[User] = field(default_factory=list)
    pulled: Pulled = field(default_factory=Pulled)
    pushed: Pushed | None = None       # None: pulled only
    not_pulled: str = ""               # why the hand-ins were not pulled ("": they were)

    def summary(self) -> str:
        p, q = self.pulled, self.pushed or Pushed()
        lines = [f"Moodle sync of {self.assignment} (Moodle assignment {self.moodle_name!r}"
                 f"{', blind marking: students are their participant numbers' if self.blind else ''}):",
                 f"  not pulled: {self.not_pulled}" if self.not_pulled else
                 f"  pulled: {len(p.placed)} new, {len(p.replaced)} changed"
                 f"{' (the previous kept under .nnlab/lms-import/)' if p.replaced else ''}, {len(p.unchanged)} unchanged"]
        lines += [f"    new: {', '.join(p.placed)}"] if p.placed else []
        lines += [f"    changed: {', '.join(p.replaced)}"] if p.replaced else []
        lines += [f"  {line}" for line in p.deadlines]
        if self.pushed is not None:
            lines += [f"  pushed: {len(q.sent)} grade(s), {len(q.unchanged)} unchanged since the last push"]
            lines += [f"    {student}: {grade}, comment and {files} feedback file(s)" for student, grade, files in q.sent]
        left = p.left_out + q.left_out
        if left:
            lines += ["  left out:", *(f"    {who}: {why}" for who, why in left)]
        return "\n".join(lines)


def moodle_assignment(service: MoodleService, settings: Moodle, assignment: str) -> dict:
    """The Moodle assignment of `assignment`: c.Moodle.assignments names its id, else its name is the same."""
    if not settings.course_id:
        raise LmsImportError("c.Moodle.course_id is not set (the id= of the course's page in Moodle)")
    found = service.assignments(settings.course_id)
    wanted = settings.assignments.get(assignment)
    chosen = [a for a in found if (int(a["id"]) == wanted if wanted else a.get("name") == assignment)]
    if len(chosen) != 1:
        names = ", ".join(f"{a.get('name')!r} (id {a['id']})" for a in found) or "none the token can see"
        how = f"id {wanted}" if wanted else f"the name {assignment!r}"
        raise LmsImportError(f"no single Moodle assignment with {how} in course {settings.course_id} "
                             f"(its assignments: {names}); name it in c.Moodle.assignments = {{{assignment!r}: ID}}")
    return chosen[0]


def sync_moodle(course: Course | Path, assignment: str, service: MoodleService, *, push: bool = True,
                partial: bool = False, students_csv: Path | None = None, not_pulled: str = "") -> Synced:
    """Pull the hand-ins and deadlines of `assignment` from Moodle, then push what changed of its grades;
    `not_pulled` (why) leaves submitted/ as it is. Bad input or a refused call raises LmsImportError
    (MoodleError) before anything is changed by it."""
    course = Course.of(course)
    settings = Moodle(config=course.config)
    moodle = moodle_assignment(service, settings, assignment)
    if push:   # a scale-graded assignment is refused before anything is pulled
        try:
            points_maximum(moodle)
        except LmsImportError as exc:
            raise LmsImportError(f"{exc}; `--pull-only` pulls its hand-ins and deadlines") from None
    blind = is_blind(moodle)
    users = match_users(course, assignment, service.participants(int(moodle["id"])),
                        service.participant_numbers(int(moodle["id"])), blind, students_csv)
    flags = service.user_flags(int(moodle["id"]))
    synced = Synced(assignment, str(moodle.get("name", "")), blind, users, not_pulled=not_pulled)
    if not not_pulled:
        pull_submissions(course, assignment, service, int(moodle["id"]), users, synced.pulled)
    take_deadlines(course, assignment, moodle, flags, users, synced.pulled)
    if push:
        synced.pushed = Pushed()
        push_grades(course, assignment, service, moodle, settings.course_id, users, synced.pushed, partial)
    return synced
