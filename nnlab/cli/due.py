"""`nnlab due A [DATETIME | --clear]`: an assignment's due date in nbgrader's gradebook, set, shown or
cleared; the late penalties of the hand-ins already graded follow it."""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from datetime import datetime, tzinfo

from nnlab.cli.context import Course, Nbgrader, UsageError, check_assignment
from nnlab.deadlines.extensions import extensions_of
from nnlab.deadlines.policy import Change, LatePolicy, reassess
from nnlab.deadlines.settings import Deadlines
from nnlab.deadlines.times import TimeError, from_gradebook, parse_time, show_length, show_time, to_gradebook

SUMMARY = "set, show or clear the due date of an assignment"
DESCRIPTION = """\
  nnlab due A                  the due date and the students' extensions
  nnlab due A DATETIME         sets it, e.g. '2025-03-14 23:59 Europe/Berlin' or 2025-03-14T23:59+01:00;
                               a date and time without a zone is read in the course's zone when
                               course_config.py names one (c.Deadlines.timezone), and refused otherwise
  nnlab due A --clear          no due date: no hand-in is late
The due date is the assignment's in nbgrader's gradebook (the formgrader and nbgrader export read it),
as `nbgrader db assignment add A --duedate='2025-03-14 23:59:00 +0100'` sets it. nbgrader computes late
penalties only when it autogrades: here those of the hand-ins already graded are computed again with the
course's late policy (c.LatePolicy), and each one that changes is printed. Extensions: `nnlab extend`."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="A")
    parser.add_argument("when", metavar="DATETIME", nargs="?", help="the due date, with its time zone")
    parser.add_argument("--clear", action="store_true", help="remove the due date")


def course_zone(course: Course) -> tzinfo | None:
    try:
        return Deadlines(config=course.config).zone()
    except TimeError as exc:
        raise UsageError(str(exc)) from None


def read_time(course: Course, text: str, what: str) -> datetime:
    """`text` as an aware time, or a usage error naming `what` was wrong with it. A time read in the
    course's zone (it named none) says so."""
    try:
        try:
            return parse_time(text)
        except TimeError:
            zone = course_zone(course)
            if zone is None:
                raise
            found = parse_time(text, zone)
            print(f"({what} {text!r} read in the course's time zone, c.Deadlines.timezone = {str(zone)!r})")
            return found
    except TimeError as exc:
        raise UsageError(f"{what}: {exc}") from None


@contextmanager
def gradebook(course: Course):
    """nbgrader's Gradebook of the course (made, as nbgrader makes it, when there is none yet)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as opened:
        yield opened


def policy_of(course: Course) -> LatePolicy:
    return LatePolicy(config=course.config)


def pipeline_notes(course: Course) -> list[str]:
    """What keeps the course's nbgrader from applying its deadlines as nnlab does, in words."""
    plugin = str(course.config.AssignLatePenalties.get("plugin_class", ""))
    steps = [str(getattr(step, "__name__", step)).rsplit(".", 1)[-1]
             for step in course.config.Autograde.get("autograde_preprocessors", [])]
    notes = []
    if not plugin.endswith("LatePolicy"):
        notes.append("note: c.AssignLatePenalties.plugin_class is not nnlab.deadlines.policy.LatePolicy: nbgrader's "
                     "autograde does not apply the course's late policy")
    if steps and "ApplyDeadlines" not in steps:
        notes.append("note: the course's autograde pipeline has no nnlab.deadlines.steps.ApplyDeadlines: an extension "
                     "given before a hand-in does not reach the submission")
    return notes


def print_changes(changes: list[Change], policy: LatePolicy) -> None:
    if not changes:
        return
    show = lambda value: "none" if value is None else f"{value:g} points"  # noqa: E731
    print(f"late penalties computed again (c.LatePolicy.policy = {policy.policy!r}):")
    for change in changes:
        print(f"  {change.student}, {change.notebook}: late penalty {show(change.before)} -> {show(change.after)}")


def describe(course: Course, gb, assignment: str, zone: tzinfo | None) -> list[str]:
    """The assignment's due date and its students' extensions, in lines."""
    from nbgrader.api import MissingEntry

    try:
        due = from_gradebook(gb.find_assignment(assignment).duedate)
    except MissingEntry:
        due = None
    if due is None:
        return [f"{assignment}: no due date"]
    lines = [f"{assignment}: due {show_time(due, zone)}"]
    for student, (extension, on_submission) in extensions_of(gb, course.root, assignment).items():
        where = "" if on_submission else f" (kept until {student} hands in)"
        lines.append(f"  {student}: extension of {show_length(extension)}, due {show_time(due + extension, zone)}{where}")
    return lines


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    assignment = check_assignment(course, args.assignment)
    zone = course_zone(course)
    if args.clear and args.when:
        raise UsageError("give a DATETIME or --clear, not both")
    if not args.clear and not args.when:
        if not course.has_gradebook():
            print(f"{assignment}: no due date (no gradebook yet)")
            return 0
        with gradebook(course) as gb:
            print("\n".join(describe(course, gb, assignment, zone)))
        return 0
    due = None if args.clear else read_time(course, args.when, "DATETIME")
    shown = "none" if due is None else show_time(due, zone)
    if runner.dry_run:
        print(f"# dry run: nothing is changed; the due date of {assignment} would be {shown}")
        return 0
    policy = policy_of(course)
    with gradebook(course) as gb:
        gb.update_or_create_assignment(assignment, duedate=None if due is None else to_gradebook(due))
        changes = reassess(policy, gb, course.root, assignment)
        print("\n".join(describe(course, gb, assignment, zone)))
    print_changes(changes, policy)
    for note in pipeline_notes(course):
        print(note)
    return 0
