"""`nnlab sync-lms A`: the assignment both ways with the course's Moodle over web services
(nnlab.lms.sync does the work)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nnlab.cli.context import Course, Nbgrader, Problem, UsageError, check_assignment

SUMMARY = "pull an assignment's hand-ins and due dates from Moodle, push grades and feedback back"
DESCRIPTION = """\
Runs no nbgrader command. Over Moodle's web services, with the course's token (the file
c.Moodle.token_path names, outside the repository; never printed), for the Moodle assignment
c.Moodle.assignments names (else the one of the same name in course c.Moodle.course_id):
  1. pulls each submitted notebook (mod_assign_get_submissions, the file by its token address)
     into submitted/<student>/A/ as `nnlab import-lms` places them: one that did not change is left
     as it is; students are matched by participant number, e-mail, then name; blind-marked hand-ins
     are graded as participant-<N>;
  2. takes the due date and each student's extension (mod_assign_get_assignments,
     mod_assign_get_user_flags) into nbgrader's gradebook;
  3. pushes, with the rules of `nnlab export-lms`, each graded student's grade, feedback comment and
     feedback pages (mod_assign_save_grades, the pages through a draft file area), only what changed
     since the last push; a grade still waiting for marks by hand (unless --partial) or locked in
     Moodle is left out and named. A feedback page older than the gradebook's grades stops the push.
Then `nnlab grade A` and `nnlab feedback A` grade what arrived, and the next sync sends it.
While `nnlab serve` runs for the course, the hand-ins are not pulled (the service grades the folders
of submitted/, and pulls from Moodle itself every c.Moodle.poll_seconds): the deadlines are taken and
the grades pushed, and the summary says so; --pull-only is refused."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="A")
    parser.add_argument("--pull-only", action="store_true", help="pull hand-ins and deadlines, send nothing")
    parser.add_argument("--partial", action="store_true",
                        help="also send grades with answers still to grade by hand (counted 0, as nbgrader does; "
                             "c.Moodle.partial = True makes it the default)")
    parser.add_argument("--students", metavar="CSV",
                        help="the class list id,first_name,last_name,email (default: students.csv in the course folder)")


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    students = Path(args.students).expanduser().resolve() if args.students else None
    if students is not None and not students.is_file():
        raise UsageError(f"no such file: {students}")
    from nnlab.lms.roster import LmsImportError
    from nnlab.lms.settings import Moodle
    from nnlab.lms.sync import sync_moodle
    from nnlab.lms.webservice import MoodleService
    from nnlab.serve.lock import SUBMITTED, refuse_while_serving, running_service

    settings = Moodle(config=course.config)
    if not settings.url:
        raise UsageError("c.Moodle.url is not set in nbgrader_config.py (the Moodle site's address)")
    serving = running_service(course)
    if serving and args.pull_only:
        raise Problem(refuse_while_serving(course, SUBMITTED, "pull"))
    if runner.dry_run:
        print(f"# sync-lms runs no nbgrader command: it would pull {a}'s hand-ins and deadlines from "
              f"{settings.url} and push the grades that changed")
        return 0
    not_pulled = f"{serving}; it pulls and grades the hand-ins itself" if serving else ""
    try:
        service = MoodleService(settings.url, settings.token())
        result = sync_moodle(course, a, service, push=not args.pull_only, partial=args.partial or settings.partial,
                             students_csv=students, not_pulled=not_pulled)
    except LmsImportError as exc:   # a refused call, a missing token: one line, nothing more changed
        raise Problem(str(exc)) from None
    print(result.summary())
    return 0
