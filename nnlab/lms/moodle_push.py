"""From the gradebook back into the Moodle assignment, over web services: each graded student's grade,
feedback comment and feedback pages (through a draft file area) in one mod_assign_save_grades call, by
the rules of `export-lms` (nnlab.lms.export), and only what changed since the last push (a record of
what each student was last sent, under the course's .nnlab/lms-sync/)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from nnlab.course import Course, work_folder
from nnlab.feedback_state import feedback_pages, stale_feedback
from nnlab.files import write_atomic
from nnlab.lms.export import feedback_comment, why_not_gradable
from nnlab.lms.moodle_pull import User
from nnlab.lms.roster import LmsImportError
from nnlab.lms.webservice import FileRefused, MoodleService

FEEDBACK_FORMAT_HTML = 1   # Moodle's FORMAT_HTML, the format of the comment's text


@dataclass
class Pushed:
    sent: list[tuple[str, str, int]] = field(default_factory=list)   # (student, grade, feedback files)
    unchanged: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)    # (who, why)


def record_path(course: Course, assignment: str) -> Path:
    return work_folder(course.root, "lms-sync") / f"{assignment}.json"


def _read_record(path: Path) -> dict[str, str]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}   # unreadable: everything is sent again, which Moodle takes as the same grades
    return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}


def points_maximum(moodle: dict) -> float:
    """The Moodle assignment's maximum grade in points. Moodle's assign.grade is that maximum when positive,
    minus a scale's id when the assignment is graded on a scale, 0 when it takes no grade: nnlab's points do
    not map to a scale's items, so those are refused, naming the assignment."""
    maximum = float(moodle.get("grade") or 0)
    if maximum > 0:
        return maximum
    how = (f"it is graded on a scale (Moodle scale id {-int(maximum)}), not in points" if maximum < 0
           else "it takes no grade (Grade > Type: None)")
    raise LmsImportError(f"Moodle assignment {moodle.get('name')!r} (id {moodle.get('id')}): {how}; nnlab sends "
                         "points: set its Grade > Type to Point in Moodle's settings of the assignment (nothing sent)")


def push_grades(course: Course, assignment: str, service: MoodleService, moodle: dict, course_id: int,
                users: list[User], pushed: Pushed, partial: bool = False, only: set[str] | None = None) -> None:
    """Send what changed; names every participant left out, with the reason. A feedback page that no
    longer shows the gradebook's grades stops the push before anything is sent. `only`: these students
    alone (`nnlab serve` pushes the hand-ins it graded); one not among Moodle's participants is named."""
    from nnlab.report.classdata import ReportError, read_class

    maximum = points_maximum(moodle)
    try:
        results = read_class(course, assignment)
    except ReportError as exc:
        raise LmsImportError(str(exc)) from None
    if only is not None:
        found = {u.student for u in users}
        pushed.left_out += [(student, "not a participant of the Moodle assignment") for student in sorted(only - found)]
        users = [u for u in users if u.student in only]
    scored = {r.student: r for r in results.results}
    locked = service.locked_grades(course_id, int(moodle["id"]))
    record = _read_record(record_path(course, assignment))
    outgoing: list[tuple[User, float, str, list[Path], str]] = []
    for user in users:
        who = user.who
        if not user.student:
            pushed.left_out.append((who, f"unmatched: {user.how}"))
            continue
        result = scored.get(user.student)
        reason = why_not_gradable(course, assignment, user.student, result, results.not_graded, partial)
        if not reason and user.userid in locked:
            reason = "the grade is locked or overridden in Moodle's gradebook (Moodle would keep its own)"
        if reason:   # export-lms's words, this command's option
            pushed.left_out.append((who, reason.replace("export with --partial", "sync with --partial")))
            continue
        grade = round(result.total / (results.max_score or 1.0) * maximum, 5)
        comment = feedback_comment(course, results, result)
        pages = feedback_pages(course, assignment, user.student)
        digest = hashlib.sha256(json.dumps([grade, comment, [(p.name, hashlib.sha256(p.read_bytes()).hexdigest())
                                                             for p in pages]]).encode()).hexdigest()
        if record.get(user.student) == digest:
            pushed.unchanged.append(user.student)
            continue
        outgoing.append((user, grade, comment, pages, digest))
    stale = stale_feedback(course, assignment, sorted({u.student for u, _, _, pages, _ in outgoing if pages}))
    if stale:
        named = ", ".join(f"{student} ({why})" for student, why in stale.items())
        raise LmsImportError(f"the feedback of {assignment} no longer shows the gradebook's grades for {named}: "
                             f"run `nnlab feedback {assignment}`, then sync again (nothing sent)")
    grades, sent = [], {}
    for user, grade, comment, pages, digest in outgoing:
        plugindata: dict = {"assignfeedbackcomments_editor": {"text": comment, "format": FEEDBACK_FORMAT_HTML}}
        if pages:
            try:
                plugindata["files_filemanager"] = service.upload_draft([(p.name, p.read_bytes()) for p in pages])
            except FileRefused as exc:   # the grade waits with its page: sent once Moodle takes both
                pushed.left_out.append((user.who, f"Moodle refused its feedback page ({exc}): grade not sent"))
                continue
        grades.append({"userid": user.userid, "grade": grade, "attemptnumber": -1, "addattempt": False,
                       "workflowstate": "", "plugindata": plugindata})
        pushed.sent.append((user.student, f"{grade:g} / {maximum:g}", len(pages)))
        sent[user.student] = digest
    if grades:
        service.save_grades(int(moodle["id"]), grades)
        record.update(sent)
        write_atomic(record_path(course, assignment), json.dumps(record, indent=1, sort_keys=True) + "\n")
