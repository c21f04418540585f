"""`nnlab release-feedback A|all`: the students' feedback into the exchange, where each student fetches
their own (`nbgrader fetch_feedback`)."""
from __future__ import annotations

import argparse
import sys

from nnlab.cli.context import Course, Nbgrader, Problem, assignments_named, nbgrader_failed

SUMMARY = "release the students' feedback of an assignment (or all) into the exchange"
DESCRIPTION = """\
For each assignment (all: every assignment with generated feedback):
  nbgrader release_feedback A     feedback/<student>/A/*.html -> the exchange's feedback folder
Each page is filed under a hash of the student's own submission (its submission_secret.txt), so a
student fetches only their own, with nbgrader fetch_feedback A --course COURSE (or the Assignments
tab of JupyterLab), into A/feedback/<timestamp>/ beside their work. Releasing again replaces the
pages in the exchange: after a regrade, `nnlab feedback A` (it rewrites the pages whose grades
changed), then release again.
A submission that did not come through the exchange (e.g. imported from Moodle) has no secret and
cannot be fetched: such students are named and left out
(nbgrader release_feedback A --CourseDirectory.student_id_exclude=ID,...)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="A|all", help="an assignment, or all")


def with_feedback(course: Course, assignment: str) -> list[str]:
    """The students with a feedback page of `assignment` in feedback/."""
    return [s for s in course.students_in(course.feedback_directory, assignment)
            if any(course.feedback(s, assignment).glob("*.html"))]


def unreachable(course: Course, assignment: str) -> list[str]:
    """Students with feedback of `assignment` that the exchange cannot hand back to them: their
    submission has no secret (nbgrader's submit writes one; a Moodle import does not)."""
    return [s for s in with_feedback(course, assignment)
            if not (course.feedback(s, assignment) / "submission_secret.txt").is_file()]


def release_one(course: Course, assignment: str, runner: Nbgrader) -> bool:
    """`nbgrader release_feedback ASSIGNMENT`, leaving out who cannot fetch it; False when it failed, or
    when a page no longer shows the gradebook's grades (a student must never fetch a stale page)."""
    from nnlab.feedback_state import stale_feedback

    stale = stale_feedback(course, assignment)
    if stale:
        named = "; ".join(f"{student} ({why})" for student, why in stale.items())
        print(f"{assignment}: feedback not released: the pages of {named} no longer show the gradebook's grades; "
              f"run `nnlab feedback {assignment}` first", file=sys.stderr)
        return False
    left_out = unreachable(course, assignment)
    if left_out:
        runner.note(f"{assignment}: not handed in through the exchange (no submission_secret.txt), so no "
                    f"feedback to fetch for: {', '.join(left_out)}")
    exclude = [f"--CourseDirectory.student_id_exclude={','.join(left_out)}"] if left_out else []
    if nbgrader_failed(runner.run("release_feedback", assignment, *exclude), f"release_feedback {assignment}"):
        return False
    count = len(with_feedback(course, assignment)) - len(left_out)
    runner.done(f"{assignment}: feedback of {count} student(s) released into the exchange "
                f"({course.exchange / course.course_id / 'feedback'})")
    return True


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    assignments = [a for a in assignments_named(course, args.assignment, course.feedback_directory) if with_feedback(course, a)]
    if not assignments:
        which = "any assignment" if args.assignment == "all" else args.assignment
        raise Problem(f"no feedback generated for {which} ({course.feedback_directory}/ holds none): "
                      "`nnlab feedback ASSIGNMENT` first")
    runner.start()
    failed = [a for a in assignments if not release_one(course, a, runner)]
    if failed:
        print(f"feedback not released: {', '.join(failed)}", file=sys.stderr)
        return 1
    runner.done(f"students fetch it with: nbgrader fetch_feedback ASSIGNMENT --course {course.course_id}")
    return 0
