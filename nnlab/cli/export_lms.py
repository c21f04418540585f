"""`nnlab export-lms A --worksheet FILE.csv`: grades and feedback back into the Moodle assignment
(nnlab.lms.export does the work)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nnlab.cli.context import Course, Nbgrader, Problem, UsageError, check_assignment

SUMMARY = "fill Moodle's grading worksheet of an assignment and zip the feedback for Moodle"
DESCRIPTION = """\
Runs no nbgrader command: reads the grading worksheet downloaded from the Moodle assignment
("Download grading worksheet", a CSV in any of Moodle's languages) and writes a filled copy
beside it (FILE-nnlab.csv; the downloaded file is never changed): for every graded student the
grade (the gradebook's total, scaled to the row's maximum grade) and a feedback comment (points
per question, the hints of the failed hidden tests). Rows are matched to students by the
participant number `nnlab import-lms A` recorded, then by e-mail (the class list). Every row left
unfilled is listed with the reason. The feedback pages (feedback/<student>/A/*.html, from
`nnlab feedback A` = nbgrader generate_feedback A) go into FILE-feedback.zip, named for Moodle's
"Upload multiple feedback files in a zip"; a row whose grade is locked in Moodle gets no page
either. A page that no longer shows the gradebook's grades (a mark changed in the formgrader
after the feedback was written) stops the export, naming the students: `nnlab feedback A`
regenerates those pages. Upload the copy with "Upload grading worksheet"."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="A")
    parser.add_argument("--worksheet", metavar="FILE.csv", required=True,
                        help="the grading worksheet downloaded from the Moodle assignment")
    parser.add_argument("--out", metavar="FILE.csv",
                        help="the filled worksheet (default: FILE-nnlab.csv beside the worksheet; replaced if it exists)")
    parser.add_argument("--feedback-zip", metavar="FILE.zip",
                        help="the zip of feedback pages (default: FILE-feedback.zip beside the worksheet)")
    parser.add_argument("--no-feedback-zip", action="store_true", help="write the worksheet only")
    parser.add_argument("--students", metavar="CSV",
                        help="the class list id,first_name,last_name,email, for matching by e-mail "
                             "(default: students.csv in the course folder)")
    parser.add_argument("--partial", action="store_true",
                        help="also fill students with answers still to grade by hand (counted 0, as nbgrader does)")
    parser.add_argument("--column", metavar="ROLE=NAME", action="append", default=[],
                        help="the worksheet's column for a role nnlab cannot find by itself (roles: identifier, "
                             "name, email, grade, maximum, changeable, modified_grade, comments)")


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    worksheet = _path(args.worksheet)
    if not worksheet.is_file():
        raise UsageError(f"no such file: {worksheet}")
    students = _path(args.students)
    if students is not None and not students.is_file():
        raise UsageError(f"no such file: {students}")
    from nnlab.lms.worksheet import KNOWN_NAMES

    columns = {}
    for given in args.column:
        role, sep, name = given.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise UsageError(f"--column {given!r}: give it as ROLE=NAME, e.g. comments='Feedback comments'")
        if role.strip() not in KNOWN_NAMES:
            raise UsageError(f"--column {given!r}: unknown role {role.strip()!r} (roles: {', '.join(KNOWN_NAMES)})")
        columns[role.strip()] = name.strip()
    out = _path(args.out)
    zip_path = False if args.no_feedback_zip else (_path(args.feedback_zip) or True)
    for target in (out, zip_path if isinstance(zip_path, Path) else None):
        if target is not None and not target.parent.is_dir():
            raise UsageError(f"cannot write {target}: the folder {target.parent} does not exist")
    if runner.dry_run:
        print(f"# export-lms runs no nbgrader command: it would fill a copy of {worksheet} from the gradebook "
              f"and the graders' reports, and zip feedback/<student>/{a}/*.html for Moodle")
        return 0
    from nnlab.lms import LmsImportError
    from nnlab.lms.export import export_moodle

    try:
        result = export_moodle(course, a, worksheet, out=out, feedback_zip=zip_path, students_csv=students,
                               partial=args.partial, columns=columns)
    except LmsImportError as exc:  # not a worksheet, no gradebook, ...: one line naming the file
        raise Problem(str(exc)) from None
    print(result.summary())
    return 0
