"""The parser of the `nnlab` command line and its entry point."""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from nnlab.cli import commands, due, export_lms, extend, new_assignment, release_feedback, serve, similarity, sync_lms
from nnlab.cli.context import Nbgrader, Problem, UsageError, open_course

DESCRIPTION = """\
Course chores over nbgrader, which it never hides: every command prints the plain nbgrader
commands it runs (its --help names them; --dry-run prints them without running anything).

exit codes: 0 ok, 1 a problem found (a broken submission, a failed nbgrader command),
            2 a usage error (a bad option, an unknown assignment, a missing course folder or file)
"""

COURSE_HELP = ("the course folder (default: the current directory if it holds nbgrader_config.py, "
               "else the project root)")


def common_options() -> argparse.ArgumentParser:
    """Options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", metavar="DIR", type=Path, help=COURSE_HELP)
    common.add_argument("--dry-run", action="store_true",
                        help="print the nbgrader commands without running them (nothing is changed)")
    common.add_argument("-v", "--verbose", action="store_true",
                        help="print nbgrader's own output, and the traceback of an unexpected error")
    return common


# (name, one-line help, description naming the nbgrader commands, handler)
COMMANDS = {
    "status": ("where each assignment stands: released, collected, graded, feedback, late", """\
A table per assignment: the student version in release/ and in the exchange, hand-ins waiting
in the exchange, submissions collected into submitted/, graded (autograded/ and the gradebook),
feedback generated, late submissions (against the due date in the gradebook). It changes nothing.
Runs no nbgrader command; nbgrader shows the same with:
  nbgrader list --inbound; nbgrader db assignment list; nbgrader db student list""", commands.status),
    "due": (due.SUMMARY, due.DESCRIPTION, due.run),
    "extend": (extend.SUMMARY, extend.DESCRIPTION, extend.run),
    "release": ("make the student versions and release them to the students", """\
For each assignment (default: every assignment with a source notebook):
  nbgrader generate_assignment A --force    source/A -> release/A
  nbgrader release_assignment A             release/A -> the exchange, where students fetch it
An assignment already in the exchange is left as it is unless --force is given
(then: nbgrader release_assignment A --force; students who fetched it keep their copy).""", commands.release),
    "collect": ("collect the students' submissions of an assignment", """\
Runs:
  nbgrader collect A     the exchange -> submitted/<student>/A/
A submission collected before is left as it is (nothing in submitted/ is replaced or lost).""", commands.collect),
    "grade": ("autograde an assignment (or all) with the hidden graders; print the grade table", """\
For each assignment (all: every assignment with collected submissions):
  1. a line per submission that cannot be graded in full (not a notebook, missing notebook);
  2. a half-written autograded/<student>/A/ (a grading run killed midway) is removed, so that
     nbgrader grades that student again (submitted/ is never touched);
  3. nbgrader autograde A [--force], in this process, which alone writes the gradebook, while
     --workers processes run and grade the notebooks ahead of it, each in a fresh sandboxed
     process. Already graded, unchanged submissions are skipped (a submission collected again
     is regraded); --force grades everyone again. Plain `nbgrader autograde A` gives the same
     result, one notebook after another.
then a summary, and the grade table from the gradebook.""", commands.grade),
    "feedback": ("generate the students' feedback for an assignment (or all)", """\
For each assignment (all: every assignment with autograded submissions):
  nbgrader generate_feedback A     autograded/ -> feedback/<student>/A/*.html
A page that still shows the gradebook's grades is kept; a student whose grades changed since their
page was written (a regrade, a mark or comment changed in the formgrader) gets a new one, in one run:
  nbgrader generate_feedback A --force --CourseDirectory.student_id_exclude=<students whose pages are current>
--force writes every page again (nbgrader generate_feedback A --force).""", commands.feedback),
    "release-feedback": (release_feedback.SUMMARY, release_feedback.DESCRIPTION, release_feedback.run),
    "serve": (serve.SUMMARY, serve.DESCRIPTION, serve.run),
    "export": ("export the gradebook to a CSV file", """\
Runs:
  nbgrader export --to FILE     (default FILE: grades.csv in the course folder)""", commands.export),
    "report": ("write the class report of an assignment", """\
Runs no nbgrader command: from the gradebook and the hidden graders' full reports kept under
.nnlab/grader-reports/A/ (written during nbgrader autograde A) it writes the class report,
reports/A/index.html and reports/A/questions.csv (nnlab.report.write_report).""", commands.report),
    "import-lms": ("import the submissions of an assignment downloaded from Moodle", """\
Runs no nbgrader command: places each student's notebook from Moodle's "download all
submissions" ZIP at submitted/<student>/A/ with its timestamp.txt, where nbgrader collect puts
submissions; every other file of the ZIP is kept under .nnlab/lms-import/A/ (nnlab.lms). A
submission the ZIP did not change is left as it is; a changed one is replaced (the previous kept).
Folders are matched by Moodle's participant number (an earlier import, then the grading worksheet's
e-mail with --worksheet), then by name as Moodle cleans it; blind-marked folders are graded as
participant-<N>. With --worksheet the ZIP's dates are checked against its "Last modified
(submission)" column (or their time zone inferred from it). Then `nnlab grade A`.""", commands.import_lms),
    "reveal-lms": ("give blind-marked hand-ins their students once Moodle reveals identities", """\
Runs no nbgrader command: reads the grading worksheet downloaded after "Reveal student identities"
(the same participant numbers, now with names and e-mail addresses), finds each participant's
student in the class list (by e-mail, then name), and moves participant-<N>'s submission of A, in
the gradebook and in submitted/, autograded/, feedback/ and the graders' reports, to that student:
grades, comments and feedback stay as they are, nothing is graded again.""", commands.reveal_lms),
    "export-lms": (export_lms.SUMMARY, export_lms.DESCRIPTION, export_lms.run),
    "sync-lms": (sync_lms.SUMMARY, sync_lms.DESCRIPTION, sync_lms.run),
    "similarity": (similarity.SUMMARY, similarity.DESCRIPTION, similarity.run),
    "new-assignment": (new_assignment.SUMMARY, new_assignment.DESCRIPTION, new_assignment.run),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnlab", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options()
    for name, (summary, description, handler) in COMMANDS.items():
        cmd = subparsers.add_parser(name, help=summary, description=f"{summary}.\n\n{description}",
                                    parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.set_defaults(run=handler)
        _arguments(name, cmd)
    return parser


def _arguments(name: str, cmd: argparse.ArgumentParser) -> None:
    if name == "release":
        cmd.add_argument("assignments", nargs="*", metavar="A", help="default: every assignment of the course")
        cmd.add_argument("--force", action="store_true", help="release again an assignment already in the exchange")
        cmd.add_argument("--generate-only", action="store_true",
                         help="only regenerate release/ (nbgrader generate_assignment), do not touch the exchange")
    elif name == "collect":
        cmd.add_argument("assignment", metavar="A")
    elif name in ("grade", "feedback"):
        cmd.add_argument("assignment", metavar="A|all", help="an assignment, or all")
        again = "grade every submission again" if name == "grade" else "regenerate existing feedback"
        cmd.add_argument("--force", action="store_true", help=f"{again} (nbgrader's --force)")
        if name == "grade":
            cmd.add_argument("--workers", type=int, metavar="N",
                             help="notebooks graded at once, over the course's c.BatchGrading.workers "
                                  "(default: the number of cores)")
            cmd.add_argument("--scheduler", metavar="ADDRESS",
                             help="grade on the workers of this Dask scheduler (tcp://host:8786), over the "
                                  "course's c.BatchGrading.scheduler; '' grades here")
    elif name == "export":
        cmd.add_argument("--to", metavar="FILE", help="the CSV file (default: grades.csv in the course folder)")
    elif name == "report":
        cmd.add_argument("assignment", metavar="A")
        cmd.add_argument("--out", metavar="DIR", help="folder for the report (default: reports/A in the course folder)")
    elif name == "new-assignment":
        new_assignment.add_arguments(cmd)
    elif name == "release-feedback":
        release_feedback.add_arguments(cmd)
    elif name == "serve":
        serve.add_arguments(cmd)
    elif name == "export-lms":
        export_lms.add_arguments(cmd)
    elif name == "sync-lms":
        sync_lms.add_arguments(cmd)
    elif name == "similarity":
        similarity.add_arguments(cmd)
    elif name in ("due", "extend"):
        {"due": due, "extend": extend}[name].add_arguments(cmd)
    elif name == "import-lms":
        cmd.add_argument("assignment", metavar="A")
        cmd.add_argument("zip", metavar="ZIP", help="the 'Download all submissions' archive from Moodle")
        cmd.add_argument("--students", metavar="CSV", help="the class list, id,first_name,last_name,email, that "
                         "maps Moodle's names to student ids (default: students.csv in the course folder)")
        cmd.add_argument("--force", action="store_true",
                         help="replace submissions already in submitted/ even where the zip holds the same notebook "
                              "(the previous ones are kept aside)")
        cmd.add_argument("--worksheet", metavar="FILE.csv",
                         help="the assignment's grading worksheet from Moodle: participants matched by its e-mail "
                              "addresses, the zip's dates checked against its 'Last modified (submission)'")
        cmd.add_argument("--zip-timezone", metavar="ZONE",
                         help="the Moodle server's time zone for the dates in the zip, e.g. Europe/Berlin "
                              "(default: inferred from --worksheet, else this machine's)")
        cmd.add_argument("--worksheet-timezone", metavar="ZONE",
                         help="the time zone of the worksheet's dates: your Moodle profile's "
                              "(default: --zip-timezone, else this machine's)")
    elif name == "reveal-lms":
        cmd.add_argument("assignment", metavar="A")
        cmd.add_argument("--worksheet", metavar="FILE.csv", required=True,
                         help="the grading worksheet downloaded after Moodle revealed the identities")
        cmd.add_argument("--students", metavar="CSV", help="the class list, id,first_name,last_name,email "
                         "(default: students.csv in the course folder)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error argparse has already explained (2)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    name = f"nnlab {args.command}"
    try:
        course = open_course(args.course)
        return args.run(args, course, Nbgrader(course, dry_run=args.dry_run, verbose=args.verbose))
    except UsageError as exc:
        print(f"{name}: error: {exc}\n(see `{name} --help`)", file=sys.stderr)
        return 2
    except Problem as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen state: one line, the traceback on request
        if args.verbose:
            traceback.print_exc()
        print(f"{name}: unexpected error: {type(exc).__name__}: {exc}"
              f"{'' if args.verbose else ' (--verbose shows the traceback)'}", file=sys.stderr)
        return 1
