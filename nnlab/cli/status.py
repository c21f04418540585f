"""`nnlab status`: where each assignment of the course stands, read from the course folder,
the exchange and the gradebook (it changes nothing)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from nnlab.cli.context import Course, environment_note
from nnlab.deadlines.settings import Deadlines
from nnlab.deadlines.times import TimeError, from_gradebook, show_length, show_time
from nnlab.gradebook import GradebookError, Snapshot, read_gradebook
from nnlab.resume import unfinished_autogrades
from nnlab.table import text_table


@dataclass
class Late:
    student: str
    seconds: float


@dataclass
class AssignmentStatus:
    name: str
    in_release: bool          # release/<assignment>/ holds the student version
    in_exchange: bool         # released: the exchange's outbound/<assignment>/ exists
    handed_in: int            # students with a hand-in waiting in the exchange's inbound/
    collected: int            # students with submitted/<student>/<assignment>/
    autograded: int           # students with a complete autograded/<student>/<assignment>/
    in_gradebook: int         # submissions the gradebook records
    feedback: int             # students with feedback/<student>/<assignment>/*.html
    late: list[Late] | None   # None: the assignment has no due date in the gradebook
    half_graded: list[str] = field(default_factory=list)  # a grading run stopped midway
    due: datetime | None = None                           # the gradebook's due date (aware, UTC)
    # {student: (extension, on their submission or kept until they hand in)}
    extensions: dict[str, tuple[timedelta, bool]] = field(default_factory=dict)


@dataclass
class CourseStatus:
    course: Course
    gradebook: Snapshot | None
    assignments: list[AssignmentStatus]
    problems: list[str]
    zone: tzinfo | None = None   # the course's time zone (c.Deadlines.timezone), None: UTC


def gradebook_of(course: Course) -> Snapshot | None:
    """What the gradebook knows, or None before the first nbgrader command made it
    (opening a missing sqlite gradebook would create it: status must change nothing)."""
    if not course.has_gradebook():
        return None
    return read_gradebook(course.db_url, course.course_id)


def handed_in(course: Course, assignment: str) -> int:
    """Students with a hand-in in the exchange (`<student>+<assignment>+<time>+<random>` folders)."""
    folders = course.inbound().glob(f"*+{assignment}+*") if course.inbound().is_dir() else []
    return len({p.name.rsplit("+", 3)[0] for p in folders if len(p.name.rsplit("+", 3)) == 4})


def submitted_time(course: Course, student: str, assignment: str):
    """The hand-in time nbgrader recorded (submitted/<student>/<assignment>/timestamp.txt), as naive UTC."""
    from nbgrader.utils import parse_utc

    stamp = course.submitted_stamp(student, assignment)
    if not stamp:
        return None
    try:
        return parse_utc(stamp)
    except (ValueError, OverflowError):
        path = course.submitted(student, assignment) / "timestamp.txt"
        raise ValueError(f"{course.show(path)}: not a timestamp: {stamp[:40]!r}") from None


def extensions(course: Course, assignment: str) -> dict[str, tuple[timedelta, bool]]:
    """The students' extensions of `assignment`: on their submissions in the gradebook, or kept by nnlab
    until they hand in (nnlab.deadlines.extensions)."""
    from nbgrader.api import Gradebook

    from nnlab.deadlines.extensions import extensions_of

    if not course.has_gradebook():
        return {}
    with Gradebook(course.db_url, course.course_id) as gb:
        return extensions_of(gb, course.root, assignment)


def late_submissions(course: Course, assignment: str, collected: list[str], gradebook: Snapshot | None,
                     problems: list[str], extended: dict[str, tuple[timedelta, bool]] | None = None) -> list[Late] | None:
    """Late collected submissions. A graded one counts as the gradebook says (extensions included);
    one not graded yet compares its hand-in time with the assignment's due date and the student's extension."""
    duedate = gradebook.assignments[assignment].duedate if gradebook and assignment in gradebook.assignments else None
    if duedate is None:
        return None
    late = []
    for student in collected:
        graded = gradebook.submission(student, assignment)
        seconds = graded.seconds_late if graded else None
        if seconds is None:
            try:
                handed = submitted_time(course, student, assignment)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            extension = (extended or {}).get(student, (timedelta(), False))[0]
            seconds = max(0.0, (handed - duedate - extension).total_seconds()) if handed else 0.0
        if seconds > 0:
            late.append(Late(student, seconds))
    return late


def assignment_status(course: Course, assignment: str, gradebook: Snapshot | None,
                      problems: list[str]) -> AssignmentStatus:
    collected = course.students_in(course.submitted_directory, assignment)
    half = unfinished_autogrades(course, assignment, course.notebooks(assignment))
    feedback = [s for s in course.students_in(course.feedback_directory, assignment)
                if any(course.feedback(s, assignment).glob("*.html"))]
    due = gradebook.assignments[assignment].duedate if gradebook and assignment in gradebook.assignments else None
    try:
        extended = extensions(course, assignment) if gradebook else {}
    except (OSError, ValueError) as exc:   # nnlab's record of extensions unreadable: say so, show the rest
        problems.append(f"cannot read the extensions of {assignment}: {exc}")
        extended = {}
    return AssignmentStatus(
        name=assignment,
        in_release=any(course.release(assignment).glob("*.ipynb")),
        in_exchange=course.outbound(assignment).is_dir(),
        handed_in=handed_in(course, assignment),
        collected=len(collected),
        autograded=len(course.students_in(course.autograded_directory, assignment)) - len(half),
        in_gradebook=sum(1 for _, a in (gradebook.submissions if gradebook else {}) if a == assignment),
        feedback=len(feedback),
        late=late_submissions(course, assignment, collected, gradebook, problems, extended),
        half_graded=list(half),
        due=from_gradebook(due),
        extensions=extended,
    )


def course_status(course: Course) -> CourseStatus:
    problems: list[str] = []
    try:
        gradebook = gradebook_of(course)
    except GradebookError as exc:  # a damaged or foreign database: say so, show the rest
        cause = exc.__cause__ or exc
        problems.append(f"cannot read the gradebook {course.db_url}: {type(cause).__name__}: {cause}")
        gradebook = None
    names = course.source_assignments()
    names += [a for a in course.assignments_in(course.release_directory) if a not in names]
    assignments = [assignment_status(course, a, gradebook, problems) for a in names]
    for status in assignments:
        problems += [f"{course.show(course.autograded(s, status.name))} is half-written (a grading run stopped "
                     f"midway): `nnlab grade {status.name}` grades {s} again" for s in status.half_graded]
    try:
        zone = Deadlines(config=course.config).zone()
    except TimeError as exc:
        problems.append(f"{exc}: dates are shown in UTC")
        zone = None
    return CourseStatus(course, gradebook, assignments, problems, zone)


COLUMNS = ["assignment", "release/", "exchange", "handed in", "collected", "autograded", "gradebook",
           "feedback", "late"]


def row(status: AssignmentStatus) -> list[str]:
    yes = lambda flag: "yes" if flag else "no"  # noqa: E731
    late = "-" if status.late is None else str(len(status.late))
    return [status.name, yes(status.in_release), yes(status.in_exchange), str(status.handed_in),
            str(status.collected), str(status.autograded), str(status.in_gradebook), str(status.feedback), late]


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{seconds:.0f} s"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} d {hours % 24} h"


def format_status(status: CourseStatus) -> str:
    course = status.course
    out = [f"Course '{course.course_id}' in {course.root}",
           f"Exchange: {course.exchange}{environment_note()}"]
    if status.gradebook is None:
        out.append("Gradebook: none yet (the first nbgrader command creates it)")
    else:
        out.append(f"Gradebook: {course.db_url} ({len(status.gradebook.students)} students)")
    out += ["", text_table([COLUMNS, *(row(a) for a in status.assignments)]),
            "(handed in: students with a hand-in in the exchange; collected: in submitted/;\n"
            " autograded: complete autograded/ folders; gradebook: graded submissions it records;\n"
            " late '-': the assignment has no due date in the gradebook)"]
    out += due_dates(status)
    late = [(a.name, x) for a in status.assignments for x in (a.late or [])]
    if late:
        out += ["", "Late submissions:"]
        out += [f"  {name}: {x.student} ({duration(x.seconds)} late)" for name, x in late]
    if status.problems:
        out += ["", "Problems:"] + [f"  {p}" for p in status.problems]
    return "\n".join(out)


def due_dates(status: CourseStatus) -> list[str]:
    """The due dates of the assignments that have one, each with its students' extensions."""
    dated = [a for a in status.assignments if a.due is not None or a.extensions]
    if not dated:
        return []
    out = ["", "Due dates (`nnlab due A`; extensions: `nnlab extend STUDENT A`):"]
    for a in dated:
        out.append(f"  {a.name}: {'no due date' if a.due is None else show_time(a.due, status.zone)}")
        for student, (extension, on_submission) in a.extensions.items():
            until = f", due {show_time(a.due + extension, status.zone)}" if a.due is not None else ""
            kept = "" if on_submission else " (kept until they hand in)"
            out.append(f"    {student}: extension of {show_length(extension)}{until}{kept}")
    return out
