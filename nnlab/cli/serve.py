"""`nnlab serve`: grade every hand-in as it arrives (nnlab.serve does the work)."""
from __future__ import annotations

import argparse
import os
import shutil

from nnlab.cli.context import Course, Nbgrader, Problem
from nnlab.course import nbgrader_environment

SUMMARY = "grade each hand-in as it arrives and release its feedback, until stopped"
DESCRIPTION = """\
Runs in the foreground until SIGTERM or SIGINT (the step in hand is finished first), one process per
course (a second one, or `nnlab grade` while it runs, stops with a message). Every poll interval it
lists the exchange's inbound (nbgrader list --inbound) and, for each new hand-in, in a fair order
(a student's second hand-in never ahead of another student's first):
  nbgrader collect --update --student S A        the student's newest hand-in -> submitted/S/A/
  nbgrader autograde A --student S               in this process, with warm workers ahead of it
  nbgrader generate_feedback A --student S --force
  nbgrader release_feedback A --student S        the student fetches it: nbgrader fetch_feedback A
A hand-in that is not a notebook, is over c.CourseDirectory.max_dir_size, holds links or carries an
impossible time is not graded: it is moved to .nnlab/serve/set-aside/ and its student gets a page that
says why. Over the attempt limit (c.Serve.attempts_per_day, c.Serve.minutes_between_attempts), a
hand-in is kept, acknowledged, and graded when the next attempt is due; a newer one replaces it.
Every step is journaled in .nnlab/serve/journal.jsonl: a restart resumes, nothing lost or graded twice.
With c.Moodle.url set (as for `nnlab sync-lms`), every c.Moodle.poll_seconds (default 60; 0: never) it
also pulls each assignment's hand-ins and deadlines from Moodle as `nnlab sync-lms A --pull-only` does:
a notebook handed in on Moodle goes into submitted/ and is graded like the exchange's hand-ins (journaled
as moodle/S+A+TIME; its feedback is not released to the exchange, and a student whose hand-in is held,
replaced or not graded is told in the log only). Each graded hand-in's grade, comment and feedback pages
are pushed to the Moodle assignment by sync-lms's rules. A pull or push Moodle refuses or does not answer
is logged once and tried again (pushes are kept in .nnlab/lms-sync/serve-pending.json and tried every
c.Moodle.retry_seconds); grading goes on."""

# option -> the trait it sets over course_config.py (as commands.OVERRIDES does for `nnlab grade`)
OVERRIDES = {
    "poll_interval": "Serve.poll_interval",
    "attempts_per_day": "Serve.attempts_per_day",
    "minutes_between_attempts": "Serve.minutes_between_attempts",
    "workers": "BatchGrading.workers",
    "scheduler": "BatchGrading.scheduler",
}
EVERY_ASSIGNMENT_OPTIONS = {"attempts_per_day", "minutes_between_attempts"}   # given for every assignment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--poll-interval", type=float, metavar="SECONDS",
                        help="seconds between two looks at the inbound, over c.Serve.poll_interval (default 5)")
    parser.add_argument("--attempts-per-day", type=int, metavar="N",
                        help="at most N graded hand-ins per student and assignment in any 24 hours "
                             "(every assignment; c.Serve.attempts_per_day sets it per assignment)")
    parser.add_argument("--minutes-between-attempts", type=float, metavar="M",
                        help="at least M minutes between two graded hand-ins of a student at an assignment "
                             "(every assignment; c.Serve.minutes_between_attempts sets it per assignment)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="notebooks graded at once, over c.BatchGrading.workers (default: the number of cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the workers of this Dask scheduler, over c.BatchGrading.scheduler "
                             "(when it is lost, the service grades here)")


def apply_overrides(course: Course, args: argparse.Namespace) -> None:
    from traitlets.config import Config

    overrides = Config()
    for option, trait in OVERRIDES.items():
        value = getattr(args, option, None)
        if value is not None:
            section, name = trait.split(".")
            overrides[section][name] = {"*": value} if option in EVERY_ASSIGNMENT_OPTIONS else value
    course.update_config(overrides)


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    from nnlab.serve.lock import ServiceRunning
    from nnlab.serve.service import Service, ServiceStopped, service_log

    apply_overrides(course, args)
    if runner.dry_run:
        runner.note(f"serve runs until stopped: it would watch {course.inbound()} every "
                    f"{Service(course).settings.poll_interval:g} s and grade each new hand-in")
        return 0
    # nbgrader, here in this process, runs `alembic` by name when it makes a gradebook
    if shutil.which("alembic") is None:
        os.environ["PATH"] = nbgrader_environment()["PATH"]
    log = service_log(args.verbose)
    from nnlab.lms.serve_pull import ServePull
    from nnlab.lms.serve_push import ServePush

    # with c.Moodle.url set, hand-ins come from Moodle too and grades go back to it (the service knows no LMS)
    service = Service(course, log, verbose=args.verbose, released=ServePush.of(course, log),
                      arrivals=ServePull.of(course, log))
    log.info("serving %s: the inbound %s every %g s (journal .nnlab/serve/journal.jsonl)", course.folder,
             course.inbound(), service.settings.poll_interval)
    try:
        service.run()
    except (ServiceRunning, ServiceStopped) as exc:
        raise Problem(str(exc)) from None
    return 0
