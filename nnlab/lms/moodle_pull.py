"""From the Moodle assignment into the course, over web services: whose each Moodle user is, their
notebooks into submitted/ as the zip import places them, and the due date and extensions into
nbgrader's gradebook (so that one due date rules both)."""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nnlab.course import Course
from nnlab.files import write_atomic
from nnlab.lms.identify import blind_id
from nnlab.lms.participants import read_participants, record_participants
from nnlab.lms.roster import LmsImportError, Roster, id_problem, read_students
from nnlab.lms.webservice import MoodleError, MoodleService, MoodleUnreachable


@dataclass(frozen=True)
class User:
    """A Moodle participant of the assignment and the course's student for it ("" when none)."""
    userid: int
    participant: str
    name: str          # "Participant N" under blind marking
    student: str
    how: str           # how the student was found, or why none was

    @property
    def who(self) -> str:
        """How a report names them: Moodle's participant number (never a name: blind marking), the student."""
        shown = f"participant {self.participant}" if self.participant else f"Moodle user {self.userid}"
        named = self.student and not (self.participant and self.student == blind_id(self.participant))
        return shown + (f" ({self.student})" if named else "")


@dataclass
class Pulled:
    placed: list[str] = field(default_factory=list)       # student ids, new in submitted/
    replaced: list[str] = field(default_factory=list)     # a changed hand-in; the previous one kept aside
    unchanged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)         # not placed now: submitted/ is being graded
    left_out: list[tuple[str, str]] = field(default_factory=list)   # (who, why)
    deadlines: list[str] = field(default_factory=list)    # what changed in the gradebook


def submission_time(modified: int) -> str:
    """Moodle's time of a submission (`timemodified`) as the pull writes it into timestamp.txt: the format
    nbgrader's zip_collect writes, read by nbgrader with its zone."""
    return datetime.fromtimestamp(modified, timezone.utc).isoformat(" ")


def is_blind(assignment: dict) -> bool:
    return bool(assignment.get("blindmarking")) and not assignment.get("revealidentities")


def match_users(course: Course, assignment: str, participants: list[dict], numbers: dict[int, str], blind: bool,
                students_csv: Path | None) -> list[User]:
    """Each participant's student: the number an earlier import recorded, the participant number
    itself under blind marking, then the class list's single student with their e-mail, then by name."""
    known = read_participants(course, assignment)
    csv_path = Path(students_csv) if students_csv else course.folder / "students.csv"
    roster = Roster(read_students(csv_path), csv_path) if csv_path.is_file() else None
    emails: dict[str, list[str]] = {}
    for student in roster.students if roster else []:
        if student.email:
            emails.setdefault(student.email.casefold(), []).append(student.id)
    users = []
    for p in participants:
        name, email = str(p.get("fullname", "")), str(p.get("email") or "")
        number = numbers.get(int(p["id"]), "")
        found = emails.get(email.casefold(), []) if email else []
        if number and number in known:
            student, how = known[number]["student"], "participant number (recorded earlier)"
        elif blind and number:
            student, how = blind_id(number), "blind marking: graded as the participant number"
        elif len(found) == 1:
            student, how = found[0], f"e-mail {email}"
        elif roster is None:
            student, how = "", f"no class list ({csv_path}) to find {name!r} in"
        else:
            matched, why = roster.match(name)
            student, how = (matched.id, "name") if matched else ("", why)
        users.append(User(int(p["id"]), number, name, student, how))
    return users


def pull_submissions(course: Course, assignment: str, service: MoodleService, moodle_id: int,
                     users: list[User], pulled: Pulled, hold: frozenset[str] = frozenset()) -> None:
    """Each submitted notebook into submitted/<student>/<assignment>/; one that did not change is
    left as it is, a changed one replaces it, the previous kept under .nnlab/lms-import/. The students
    in `hold` are left as they are (`nnlab serve` is grading their submitted/ folder)."""
    by_id = {u.userid: u for u in users}
    found: dict[str, dict] = {}
    aside = course.lms_import / assignment / f"sync-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}"
    for submission in service.submissions(moodle_id):
        user = by_id.get(int(submission.get("userid", 0)))
        who = user.who if user else f"Moodle user {submission.get('userid')}"
        if submission.get("status") != "submitted":
            if submission.get("status") == "draft":
                pulled.left_out.append((who, "a draft, not submitted for grading in Moodle"))
            continue
        if user is None or not user.student:
            pulled.left_out.append((who, f"unmatched: {user.how if user else 'not a participant of the assignment'}"))
            continue
        notebook, why = _notebook(submission, assignment)
        if notebook is None:
            pulled.left_out.append((who, why))
            continue
        try:
            data = service.download(notebook["fileurl"])
        except MoodleUnreachable:
            raise
        except MoodleError as exc:   # this file only (gone since the listing, refused): the others are pulled
            pulled.left_out.append((who, f"its notebook could not be downloaded: {exc}"))
            continue
        if user.participant:
            found[user.participant] = {"student": user.student, "name": user.name}
        _place(course, assignment, user.student, data, int(submission.get("timemodified") or 0), aside, pulled,
               user.student in hold)
    if found:
        record_participants(course, assignment, found)


def _notebook(submission: dict, assignment: str) -> tuple[dict | None, str]:
    """The submission's notebook file (named for the assignment, else its only notebook)."""
    files = [f for plugin in submission.get("plugins", []) if plugin.get("type") == "file"
             for area in plugin.get("fileareas", []) if area.get("area") == "submission_files"
             for f in area.get("files", [])]
    notebooks = [f for f in files if str(f.get("filename", "")).lower().endswith(".ipynb")]
    exact = [f for f in notebooks if f.get("filename") == f"{assignment}.ipynb"]
    if len(exact) == 1 or len(notebooks) == 1:
        return (exact or notebooks)[0], ""
    if not notebooks:
        return None, f"no notebook among the files handed in ({len(files)} file(s))"
    return None, f"{len(notebooks)} notebooks handed in, none named {assignment}.ipynb"


def _place(course: Course, assignment: str, student: str, data: bytes, modified: int, aside: Path,
           pulled: Pulled, hold: bool) -> None:
    problem = id_problem(student)
    if problem:   # an id from a record someone edited: never a path out of submitted/
        raise LmsImportError(f"student id {student!r} from the participants record: {problem}")
    folder = course.submitted(student, assignment)
    path = folder / f"{assignment}.ipynb"
    if path.is_file() and hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest():
        pulled.unchanged.append(student)
        return
    if hold:
        pulled.held.append(student)
        return
    if path.exists():
        (aside / student).mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, aside / student / assignment)
        pulled.replaced.append(student)
    else:
        pulled.placed.append(student)
    write_atomic(path, data)
    if modified:
        write_atomic(folder / "timestamp.txt", submission_time(modified))


def take_deadlines(course: Course, assignment: str, moodle: dict, flags: list[dict], users: list[User],
                   pulled: Pulled) -> None:
    """Moodle's due date and each matched student's extension into the gradebook, where they differ."""
    from nbgrader.api import Gradebook

    from nnlab.deadlines.extensions import deadline_of, set_extension
    from nnlab.deadlines.policy import LatePolicy, reassess
    from nnlab.deadlines.times import from_gradebook, show_time, to_gradebook

    due_at = int(moodle.get("duedate") or 0)
    due = datetime.fromtimestamp(due_at, timezone.utc) if due_at else None
    # every matched student's extension is Moodle's: one withdrawn there (its flag's extensionduedate 0,
    # or no flag) is withdrawn here too
    until_of = {int(flag.get("userid", 0)): int(flag.get("extensionduedate") or 0) for flag in flags}
    changed = False
    with Gradebook(course.db_url, course.course_id) as gb:
        row = gb.update_or_create_assignment(assignment)
        if from_gradebook(row.duedate) != due:
            gb.update_or_create_assignment(assignment, duedate=None if due is None else to_gradebook(due))
            pulled.deadlines.append(f"due date: {show_time(due) if due else 'none'} (from Moodle)")
            changed = True
        for user in users:
            student, until = user.student, until_of.get(user.userid, 0)
            if not student or not due:
                continue
            extension = timedelta(seconds=until - due_at) if until > due_at else None
            if deadline_of(gb, course.root, assignment, student).extension != extension:
                set_extension(gb, course.root, assignment, student, extension)
                shown = show_time(datetime.fromtimestamp(until, timezone.utc)) if extension else "none"
                pulled.deadlines.append(f"extension of {student}: until {shown} (from Moodle)")
                changed = True
        if changed:
            reassess(LatePolicy(config=course.config), gb, course.root, assignment)
