"""`nnlab extend STUDENT A --until DATETIME | --by LENGTH | --clear`: a student's extension of an
assignment's due date, kept where nbgrader keeps it (on their submission), or until they hand in."""
from __future__ import annotations

import argparse
from datetime import timedelta

from nnlab.cli.context import Course, Nbgrader, UsageError, check_assignment
from nnlab.cli.due import course_zone, gradebook, pipeline_notes, policy_of, print_changes, read_time
from nnlab.deadlines.extensions import deadline_of, set_extension
from nnlab.deadlines.policy import reassess
from nnlab.deadlines.times import TimeError, parse_length, show_length, show_time

SUMMARY = "give a student more time for an assignment (or show or clear their extension)"
DESCRIPTION = """\
  nnlab extend STUDENT A                     the student's due date and extension
  nnlab extend STUDENT A --until DATETIME    due then, e.g. '2025-03-17 23:59 Europe/Berlin' (a time without
                                             a zone: in the course's zone, c.Deadlines.timezone, if it has one)
  nnlab extend STUDENT A --by 3d             due 3 days after the assignment (w, d, h, m: 1d12h, 90m)
  nnlab extend STUDENT A --clear             due with everyone
nbgrader keeps an extension on the student's submission (its `extension`, a length of time past the due
date: moving the due date moves the extended one with it) and counts it in every late computation, the
formgrader and nbgrader export included; it has no command for it (its API: Gradebook.grant_extension).
An extension given before the student has handed in is kept by nnlab (.nnlab/deadlines/extensions.json)
and put on the submission when nbgrader autogrades it (the ApplyDeadlines step of course_config.py).
A hand-in already graded gets its late penalty computed again with the course's late policy."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("student", metavar="STUDENT")
    parser.add_argument("assignment", metavar="A")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--until", metavar="DATETIME", help="the student's new due date, with its time zone")
    given.add_argument("--by", metavar="LENGTH", help="how much later than the assignment's due date (e.g. 3d, 36h)")
    given.add_argument("--clear", action="store_true", help="take the extension away")


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    from nbgrader.api import MissingEntry

    assignment = check_assignment(course, args.assignment)
    zone = course_zone(course)
    until = read_time(course, args.until, "--until") if args.until else None
    try:
        length = parse_length(args.by) if args.by else None
    except TimeError as exc:
        raise UsageError(f"--by: {exc}") from None
    if not course.has_gradebook():
        raise UsageError(f"no gradebook yet, so no student '{args.student}' and no due date of {assignment}: "
                         f"`nbgrader db student import students.csv`, then `nnlab due {assignment} DATETIME`")
    with gradebook(course) as gb:
        try:
            gb.find_student(args.student)
        except MissingEntry:
            raise UsageError(f"unknown student '{args.student}': the gradebook has no such student "
                             f"(add one with `nbgrader db student add {args.student}`)") from None
        deadline = deadline_of(gb, course.root, assignment, args.student)
        if deadline.due is None and not args.clear and (until or length):
            raise UsageError(f"{assignment} has no due date to extend: set one first with `nnlab due {assignment} DATETIME`")
        if until is not None:
            length = until - deadline.due
            if length <= timedelta():
                raise UsageError(f"--until {show_time(until, zone)} is not after the due date of {assignment}, "
                                 f"{show_time(deadline.due, zone)}: an extension gives more time")
        if until is None and length is None and not args.clear:
            print(describe(args.student, assignment, deadline, zone))
            return 0
        if runner.dry_run:
            print(f"# dry run: nothing is changed; {args.student} would have "
                  f"{'no extension' if args.clear else 'an extension of ' + show_length(length)} for {assignment}")
            return 0
        on_submission = set_extension(gb, course.root, assignment, args.student, None if args.clear else length)
        changes = reassess(policy_of(course), gb, course.root, assignment, [args.student]) if on_submission else []
        deadline = deadline_of(gb, course.root, assignment, args.student)
    print(describe(args.student, assignment, deadline, zone)
          + ("" if on_submission or args.clear else f" (kept until {args.student} hands in)"))
    print_changes(changes, policy_of(course))
    for note in pipeline_notes(course) if not on_submission else []:
        print(note)
    return 0


def describe(student: str, assignment: str, deadline, zone) -> str:
    if deadline.due is None:
        return f"{student}: {assignment} has no due date"
    if not deadline.extension:
        return f"{student}: {assignment} due {show_time(deadline.due, zone)} (no extension)"
    return (f"{student}: {assignment} due {show_time(deadline.due_for_student, zone)} (the due date "
            f"{show_time(deadline.due, zone)} and an extension of {show_length(deadline.extension)})")


