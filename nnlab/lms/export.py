"""`export_moodle`: grades and feedback from the nbgrader gradebook back into the Moodle assignment.

Moodle's own route back is the assignment's offline grading worksheet: the instructor downloads
it, nnlab writes a filled copy beside it (the grade of every graded student, scaled to the row's
maximum grade, and a short feedback comment), the instructor uploads the copy ("Upload grading
worksheet"); grades stay editable in the assignment. The feedback pages go as a zip for
"Upload multiple feedback files in a zip" (nnlab.lms.feedback_zip): a page that no longer shows
the gradebook's grades (a mark changed in the formgrader after `nnlab feedback`) stops the export,
and a row whose grade is locked in Moodle gets neither grade nor page.

Each row is matched to a student by the participant number the zip import recorded
(nnlab.lms.participants), else by the e-mail address in the class list. The comment names each
question with its points and the hints of the failed hidden tests, never their inputs or
expected values (the graders' reports keep those out already; nothing else of them is used).
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from nnlab.course import Course
from nnlab.feedback_state import feedback_pages, stale_feedback
from nnlab.lms.feedback_zip import moodle_prefix, write_feedback_zip
from nnlab.lms.participants import participants_file, read_participants
from nnlab.lms.roster import LmsImportError, read_students
from nnlab.lms.worksheet import format_number, parse_number, read_worksheet, write_worksheet

MAX_HINTS = 4     # failed hidden tests named per question
MAX_ERROR = 200   # characters of a "could not be run" message


@dataclass(frozen=True)
class Filled:
    line: int            # the row's line in the worksheet
    participant: str
    student: str
    grade: str           # as written (the row's decimal mark)
    previous: str        # the grade the downloaded worksheet held
    comment: str


@dataclass(frozen=True)
class Unfilled:
    line: int
    participant: str
    name: str
    student: str         # "" when unmatched
    reason: str


@dataclass
class MoodleExport:
    assignment: str
    worksheet: Path
    written: Path
    feedback_zip: Path | None
    filled: list[Filled] = field(default_factory=list)
    unfilled: list[Unfilled] = field(default_factory=list)
    feedback_files: list[str] = field(default_factory=list)   # names in the zip
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Moodle export of {self.assignment}: {len(self.filled)} row(s) of {self.worksheet.name} filled, "
                 f"{len(self.unfilled)} left as they were.",
                 f"  filled worksheet: {self.written} (upload it: the assignment's 'Upload grading worksheet')"]
        if self.feedback_zip:
            lines.append(f"  feedback zip: {self.feedback_zip} ({len(self.feedback_files)} file(s); upload it: "
                         "'Upload multiple feedback files in a zip')")
        changed = [f for f in self.filled if f.previous not in ("", "-") and parse_number(f.previous) != parse_number(f.grade)]
        if changed:
            lines += ["", "Grades already in Moodle, replaced in the filled worksheet:",
                      *(f"  line {f.line}, participant {f.participant} ({f.student}): {f.previous} -> {f.grade}"
                        for f in changed)]
        if self.unfilled:
            lines += ["", "Rows left unfilled:", *(
                f"  line {u.line}, participant {u.participant} ({u.name or 'no name'}"
                f"{', ' + u.student if u.student else ''}): {u.reason}" for u in self.unfilled)]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines)


def export_moodle(course: Course | Path, assignment: str, worksheet: Path, *, out: Path | None = None,
                  feedback_zip: Path | bool = True, students_csv: Path | None = None, partial: bool = False,
                  columns: dict[str, str] | None = None) -> MoodleExport:
    """Write the filled copy of the downloaded `worksheet` (default `<name>-nnlab.csv` beside it)
    and the feedback zip (True: `<name>-feedback.zip` beside it; False: none). Writes nothing when
    a page it would zip no longer shows the gradebook's grades (`nnlab feedback` regenerates it).

    A student with answers still to grade by hand is left unfilled unless `partial` (then those
    answers count 0, as in nbgrader's total). `students_csv` (default: the course's
    students.csv, if there is one) gives the e-mail addresses. `columns` names a role's column
    where nnlab cannot find it (nnlab.lms.worksheet.KNOWN_NAMES). Bad input raises LmsImportError.
    """
    from nnlab.report.classdata import ReportError, read_class

    course = Course.of(course)
    worksheet = Path(worksheet)
    sheet = read_worksheet(worksheet, columns)
    out = Path(out) if out else worksheet.with_name(f"{worksheet.stem}-nnlab.csv")
    if feedback_zip is True:
        feedback_zip = worksheet.with_name(f"{worksheet.stem}-feedback.zip")
    try:
        results = read_class(course, assignment)
    except ReportError as exc:
        raise LmsImportError(str(exc)) from None
    export = MoodleExport(assignment, worksheet, out, Path(feedback_zip) if feedback_zip else None)
    match = _Matcher(course, assignment, students_csv, export.notes)
    scored = {r.student: r for r in results.results}
    rows = [list(row) for row in sheet.rows]
    feedback: list[tuple[str, Path]] = []
    zipped: set[str] = set()   # the students whose pages go into the zip
    seen: set[str] = set()
    for line, row in sheet.data_rows():
        participant, name = sheet.participant(row), sheet.cell(row, "name")
        student, why = match(participant, sheet.cell(row, "email"))
        if not student:
            export.unfilled.append(Unfilled(line, participant, name, "", why if sheet.handed_in(row) else "no submission"))
            continue
        seen.add(student)
        result = scored.get(student)
        reason = why_not_gradable(course, assignment, student, result, results.not_graded, partial)
        maximum = parse_number(sheet.cell(row, "maximum"))
        if not reason and (maximum is None or maximum <= 0):
            reason = f"no maximum grade in the row ({sheet.cell(row, 'maximum') or 'empty'}): a scale, not points?"
        locked = not sheet.changeable(row)
        if not reason and locked:
            reason = "the grade cannot be changed in Moodle (locked or overridden in Moodle's gradebook)"
        # a locked grade was set in Moodle: a page with nnlab's score would contradict it
        if result is not None and not _awaiting(result, partial) and not locked:
            for page in feedback_pages(course, assignment, student):
                feedback.append((moodle_prefix(name or f"Participant {participant}", participant), page))
                zipped.add(student)
        if reason:
            export.unfilled.append(Unfilled(line, participant, name, student, reason))
            continue
        total = results.max_score or 1.0
        grade = format_number(result.total / total * maximum, sheet.cell(row, "maximum"))
        comment = feedback_comment(course, results, result)
        _set(rows[line - 2], sheet.columns["grade"], grade)
        if "comments" in sheet.columns:
            _set(rows[line - 2], sheet.columns["comments"], comment)
        export.filled.append(Filled(line, participant, student, grade, sheet.cell(row, "grade"), comment))
    if "comments" not in sheet.columns:
        export.notes.append(f"{worksheet.name} has no feedback comments column (enable 'Feedback comments' in the "
                            "assignment's feedback types): grades only")
    missing = sorted(set(scored) - seen)
    if missing:
        export.notes.append(f"graded, but in no row of {worksheet.name}: {', '.join(missing)}")
    if export.feedback_zip and feedback:
        _refuse_stale_feedback(course, assignment, zipped)
    write_worksheet(sheet, rows, out)
    if export.feedback_zip:
        if feedback:
            export.feedback_files = write_feedback_zip(export.feedback_zip, feedback)
        else:
            export.notes.append(f"no feedback pages of {assignment} for the rows matched (`nnlab feedback "
                                f"{assignment}` writes them): no feedback zip written")
            export.feedback_zip = None
    return export


class _Matcher:
    """The student of a worksheet row: by the participant number the import recorded, then by e-mail."""

    def __init__(self, course: Course, assignment: str, students_csv: Path | None, notes: list[str]):
        self.participants = read_participants(course, assignment)
        self.record = course.show(participants_file(course, assignment))
        self.assignment = assignment
        students_csv = Path(students_csv) if students_csv else course.folder / "students.csv"
        self.emails: dict[str, list[str]] = {}
        if students_csv.is_file():
            for s in read_students(students_csv):
                if s.email:
                    self.emails.setdefault(s.email.casefold(), []).append(s.id)
        else:
            notes.append(f"no class list at {students_csv}: rows are matched by participant number only")
        if not self.participants:
            notes.append(f"no Moodle import of {assignment} recorded participant numbers ({self.record}): "
                         "rows are matched by e-mail only")

    def __call__(self, participant: str, email: str) -> tuple[str, str]:
        known = self.participants.get(participant)
        if known:
            return known["student"], ""
        found = self.emails.get(email.casefold(), []) if email else []
        if len(found) == 1:
            return found[0], ""
        if found:
            return "", f"unmatched: {len(found)} students of the class list have the e-mail {email} ({', '.join(found)})"
        return "", (f"unmatched: participant {participant} is in no Moodle import of {self.assignment} ({self.record})"
                    + (f" and no student of the class list has the e-mail {email}" if email else
                       " and the row has no e-mail address"))


def _awaiting(result, partial: bool) -> bool:
    return bool(result.awaiting_manual) and not partial


def why_not_gradable(course: Course, assignment: str, student: str, result, not_graded: list[str],
                  partial: bool) -> str:
    """Why a matched student's row gets no grade ("" when it does)."""
    if result is not None:
        if _awaiting(result, partial):
            return (f"not graded: {result.awaiting_manual} answer(s) still to grade by hand in the formgrader "
                    "(or export with --partial)")
        return ""
    submitted = course.submitted(student, assignment)
    if submitted.exists():
        from nnlab.diagnose import diagnose_submission

        problems = diagnose_submission(submitted, assignment, course.notebooks(assignment))
        if problems:   # grading rejects it: say why, as `nnlab grade` does
            return f"not graded: {'; '.join(problems)}"
    if student in not_graded or submitted.exists():
        return f"not graded: submitted, but not graded yet (`nnlab grade {assignment}`)"
    return "no submission"


def _set(row: list[str], index: int, value: str) -> None:
    row.extend([""] * (index + 1 - len(row)))
    row[index] = value


def feedback_comment(course: Course, results, result) -> str:
    """The feedback comment, as the HTML Moodle's comments editor keeps: the total, then each
    question's points and the hints of its failed hidden tests."""
    failed, errors = _failed_hints(course, results.assignment, result.student, {q.notebook for q in results.questions})
    items = []
    for q in results.questions:
        score = result.scores.get(q.key)
        points = "to be graded by hand" if score is None else f"{score:g} of {q.points:g} points"
        hints = failed.get((q.notebook, q.grade_id), [])
        text = f"{q.key}: {points}"
        if hints:
            more = f" (and {len(hints) - MAX_HINTS} more)" if len(hints) > MAX_HINTS else ""
            text += ". Failed: " + "; ".join(hints[:MAX_HINTS]) + more
        items.append(f"<li>{html.escape(text)}</li>")
    head = f"{results.assignment}: {result.total:g} of {results.max_score:g} points."
    tail = "".join(f"<p>{html.escape(e)}</p>" for e in errors)
    return f"<p>{html.escape(head)}</p><ul>{''.join(items)}</ul>{tail}"


def _failed_hints(course: Course, assignment: str, student: str,
                  notebooks: set[str]) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    """{(notebook, grade_id): hints of its failed hidden tests} from the graders' reports, and a
    line per notebook that could not be run (the graders' own student-safe message)."""
    failed: dict[tuple[str, str], list[str]] = {}
    errors = []
    for notebook in sorted(notebooks):
        try:
            report = json.loads(course.grader_report(assignment, student, notebook).read_text())
            cells = report.get("cells", {})
            for grade_id, cell in cells.items():
                hints = [str(t["hint"]).strip() for t in cell.get("tests", []) if not t.get("passed")]
                failed[(notebook, grade_id)] = list(dict.fromkeys(h for h in hints if h))
            if report.get("error"):
                error = str(report["error"]).splitlines()[0][:MAX_ERROR]
                errors.append(f"{notebook}: your notebook could not be run in full: {error}")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # no report (graded without the hidden graders): points only
    return failed, errors


def _refuse_stale_feedback(course: Course, assignment: str, students: set[str]) -> None:
    """LmsImportError naming the students whose pages no longer show the gradebook's grades."""
    stale = stale_feedback(course, assignment, sorted(students))
    if stale:
        named = ", ".join(f"{student} ({why})" for student, why in stale.items())
        raise LmsImportError(f"the feedback of {assignment} no longer shows the gradebook's grades for {named}: "
                             f"run `nnlab feedback {assignment}`, then export again (nothing written)")
