"""The `nnlab` commands. Each one runs plain nbgrader commands in the course folder (printed
before they run) and adds what nbgrader leaves to the instructor: a line per broken submission,
the grade table, a summary of what changed. Each returns the exit code: 0 ok, 1 a problem found."""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
from pathlib import Path

from nnlab.cli.context import Course, Nbgrader, Problem, UsageError, assignments_named, check_assignment, nbgrader_failed
from nnlab.cli.status import course_status, format_status
from nnlab.course import nbgrader_environment
from nnlab.serve.lock import GRADES, SUBMITTED, refuse_while_serving

Args = argparse.Namespace


# -- status ---------------------------------------------------------------------------
def status(args: Args, course: Course, runner: Nbgrader) -> int:
    if args.dry_run:
        print("# status runs no nbgrader command: it only reads release/, submitted/, autograded/, feedback/,\n"
              "# the exchange and the gradebook. The same from nbgrader:\n"
              "nbgrader list --inbound\nnbgrader db assignment list\nnbgrader db student list")
        return 0
    found = course_status(course)
    print(format_status(found))
    return 1 if found.problems else 0


# -- release --------------------------------------------------------------------------
def time_solutions(course: Course, a: str, runner: Nbgrader) -> None:
    """Time each code cell of `a`'s model solution (source/) in the student's process, twice, and keep
    the figures in budgets/<a>/: each cell's budget while grading (nnlab.graders.budgets)."""
    from nnlab.graders.budgets import time_assignment
    from nnlab.runner.student_process import StudentCodeError

    if runner.dry_run:   # the dry run's script is nbgrader's commands
        return
    try:
        timed = time_assignment(course, a)
    except StudentCodeError as exc:
        print(f"{a}: the model solution's cells could not be timed ({exc}): budgets/{a}/ is not updated",
              file=sys.stderr)
        return
    for path, timing in timed.items():
        slowest = max(timing.times.seconds.values(), default=0.0)
        runner.done(f"{a}: the model solution's cell times in {course.show(path)} (slowest cell {slowest:.2f} s)")
        for error in timing.errors:
            runner.note(f"  the model solution failed in {error}")


def release(args: Args, course: Course, runner: Nbgrader) -> int:
    assignments = [check_assignment(course, a) for a in args.assignments] or course.source_assignments()
    if not assignments:
        raise Problem(f"nothing to release: {course.folder / course.source_directory} holds no assignment")
    runner.start()
    failures = 0
    for a in assignments:
        if nbgrader_failed(runner.run("generate_assignment", a, "--force"), f"generate_assignment {a}"):
            failures += 1
            continue
        runner.done(f"{a}: {course.show(course.release(a))} regenerated from {course.show(course.source(a))}")
        time_solutions(course, a, runner)
        if args.generate_only:
            continue
        released = course.outbound(a).is_dir()
        if released and not args.force:
            runner.note(f"{a}: already in the exchange, left as it is (--force releases it again)")
            continue
        if nbgrader_failed(runner.run("release_assignment", a, *(["--force"] if released else [])), f"release_assignment {a}"):
            failures += 1
            continue
        runner.done(f"{a}: released into the exchange ({course.outbound(a)})")
    return 1 if failures else 0


# -- collect --------------------------------------------------------------------------
def collect(args: Args, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    before = set(course.students_in(course.submitted_directory, a))
    runner.start()
    done = runner.run("collect", a)
    if done is None:
        return 0
    if nbgrader_failed(done, f"collect {a}"):
        return 1
    after = set(course.students_in(course.submitted_directory, a))
    new = sorted(after - before)
    print(f"{a}: {len(new)} new submission(s) in {course.submitted_directory}/{': ' + ', '.join(new) if new else ''}")
    if before:
        print(f"  already collected before (left as they are): {', '.join(sorted(before))}")
    return 0


# -- grade ----------------------------------------------------------------------------
def _check(course: Course, a: str, runner: Nbgrader) -> int:
    """Print what is wrong with each collected submission before nbgrader grades it, and finish what a
    killed run left half-written (the grader's own check); the number of students with a problem."""
    from nnlab.batch.grader import check

    found = check(course, a, dry_run=runner.dry_run)
    if not found.problems:
        runner.note(f"{a}: all {found.collected} collected submission(s) can be read")
    else:
        runner.note(f"{a}: submissions that cannot be graded in full (the rest of the class is graded):")
        for student, problems in found.problems.items():
            for problem in problems:
                runner.note(f"  {student}: {problem}")
    for folder in found.unfinished.values():
        runner.note(f"{a}: would remove the half-written {course.show(folder)} so that its student is graded again"
                    if runner.dry_run else
                    f"{a}: {course.show(folder)} was half-written (a grading run stopped midway): graded again")
    return len(found.problems)


def _into_gradebook(course: Course, a: str, runner: Nbgrader):
    """An assignment nbgrader never generated (handed out through an LMS) is put into the gradebook from
    source/ as `nbgrader generate_assignment` does, release/ left as it is; returns what the gradebook
    still lacks of it (an `Unreleased`), None when nothing (or, in a dry run, what would be added)."""
    from nnlab.batch.unreleased import add_from_source, unreleased

    found = unreleased(course, a)
    if found is None:
        return None
    source = course.show(course.source(a))
    if runner.dry_run:
        runner.note(f"{a}: {found.said()}: it would be added from {source}, release/ left as it is")
        return None
    reason = add_from_source(course, found)
    if not reason:
        runner.done(f"{a}: {found.said()}: added from {source}")
        return None
    left = "not graded" if found.whole else "those notebooks are not graded"
    print(f"{a}: {found.said()}, and it could not be added: {reason} ({left})", file=sys.stderr, flush=True)
    return found


# The command line's options that override a setting of the course: option -> the trait it sets (as
# nbgrader's aliases map its flags onto traits). A setting keeps its one home, its default and its help
# in its trait; an option given on the command line wins over course_config.py for that run.
OVERRIDES = {
    "workers": "BatchGrading.workers",      # nnlab.batch.run.BatchGrading
    "scheduler": "BatchGrading.scheduler",
    "force": "BaseConverter.force",         # what `nbgrader autograde --force` sets
}


def apply_overrides(course: Course, args: Args) -> None:
    """Every option of OVERRIDES given on the command line, over the course's configuration."""
    from traitlets.config import Config

    overrides = Config()
    for option, trait in OVERRIDES.items():
        value = getattr(args, option, None)
        if value is not None and value is not False:
            section, name = trait.split(".")
            overrides[section][name] = value
    course.update_config(overrides)


def _report_run(course: Course, run, assignments: list[str]) -> bool:
    """The run's summary on stdout, a line per notebook not graded on stderr; True when some failed."""
    from nnlab.batch.run import log_file, summary_table

    print(summary_table(run, assignments), flush=True)
    # the notebooks a stopped run left are one line, not a line each
    left = [n for n in run.failed() if run.stopped and n.error.startswith(run.stopped)]
    for n in run.failed():
        if n not in left:
            print(f"not graded: {n.student}, {n.assignment}/{n.notebook}" + (f": {n.error}" if n.error else ""),
                  file=sys.stderr)
    if run.stopped:
        print(f"grading stopped: {run.stopped}. {len(run.graded())} notebook(s) graded and kept; run `nnlab grade` again "
              f"to grade the other {len(left)}", file=sys.stderr)
    if run.failed() or run.failed_assignments:
        print(f"nbgrader's log of this run: {log_file(course)}", file=sys.stderr)
        return True
    return False


def grade(args: Args, course: Course, runner: Nbgrader) -> int:
    from nnlab.batch.grader import grade_class
    from nnlab.batch.run import BatchGrading, ClusterError
    from nnlab.graders.budgets import BudgetFileError

    if (serving := refuse_while_serving(course, GRADES, "grade")) is not None:   # one gradebook writer: the service
        raise Problem(serving)
    assignments = assignments_named(course, args.assignment, course.submitted_directory)
    if not any(course.students_in(course.submitted_directory, a) for a in assignments):
        which = args.assignment if args.assignment != "all" else "any assignment"
        raise Problem(f"nothing collected for {which} ({course.submitted_directory}/ is empty): "
                      "`nnlab collect ASSIGNMENT` first")
    apply_overrides(course, args)
    # nbgrader, here in this process, runs `alembic` by name when it makes a gradebook
    if shutil.which("alembic") is None:
        os.environ["PATH"] = nbgrader_environment()["PATH"]
    runner.start()
    problems = 0
    for a in list(assignments):
        runner.note(f"== {a}")
        problems += _check(course, a, runner)
        lacking = _into_gradebook(course, a, runner)
        problems += lacking is not None
        if lacking is not None and lacking.whole:
            assignments.remove(a)   # nbgrader would fail every student of it
    for a in assignments:
        print(f"{'' if runner.dry_run else '$ '}nbgrader autograde {a}{' --force' if args.force else ''}", flush=True)
    settings = BatchGrading(config=course.config)
    runner.note(f"(in this process; the Dask workers of {settings.scheduler} grade the notebooks ahead of it, "
                f"{settings.workers} local worker(s) sanitize them)" if settings.scheduler else
                f"(in this process; {settings.workers} worker(s) grade the notebooks ahead of it)")
    if runner.dry_run:
        return 1 if problems else 0
    # progress goes to stderr; the summary and the grade table to stdout
    try:
        run = grade_class(course, assignments, verbose=runner.verbose)
    except (ClusterError, BudgetFileError) as exc:
        raise Problem(str(exc)) from None
    if _report_run(course, run, assignments):
        problems += 1
    from nnlab.gradetable import format_table, read_grades

    students, names, grades = read_grades(course.db_url, course.course_id)
    print("\nGrade table")
    print(format_table(students, names, grades))
    return 1 if problems else 0


# -- feedback -------------------------------------------------------------------------
def _regenerate_stale(course: Course, a: str, runner: Nbgrader) -> list[str]:
    """generate_feedback's options for the pages that no longer show the gradebook's grades (nbgrader
    keeps a page it wrote before): --force, excluding every student whose pages are current, so that
    one run regenerates exactly the others; none when every page is current."""
    from nnlab.feedback_state import feedback_pages, pipeline_records, stale_feedback

    if not pipeline_records(course):
        runner.note(f"{a}: the course's feedback pipeline records no grades, so no page can be known current "
                    "(add nnlab.feedback_state.RecordFeedbackGrades first to c.GenerateFeedback.preprocessors)")
    stale = stale_feedback(course, a)
    if not stale:
        return []
    runner.note(f"{a}: feedback to regenerate ({len(stale)} student(s)), as it no longer shows the gradebook's grades:")
    for student, why in stale.items():
        runner.note(f"  {student}: {why}")
    current = [s for s in course.students_in(course.feedback_directory, a)
               if s not in stale and feedback_pages(course, a, s)]
    return ["--force", *([f"--CourseDirectory.student_id_exclude={','.join(current)}"] if current else [])]


def feedback(args: Args, course: Course, runner: Nbgrader) -> int:
    assignments = assignments_named(course, args.assignment, course.autograded_directory)
    if not any(course.students_in(course.autograded_directory, a) for a in assignments):
        which = args.assignment if args.assignment != "all" else "any assignment"
        raise Problem(f"nothing graded for {which} ({course.autograded_directory}/ is empty): "
                      "`nnlab grade ASSIGNMENT` first")
    runner.start()
    failures = 0
    for a in assignments:
        options = ["--force"] if args.force else _regenerate_stale(course, a, runner)
        if nbgrader_failed(runner.run("generate_feedback", a, *options), f"generate_feedback {a}"):
            failures += 1
        elif not runner.dry_run:
            from nnlab.feedback_state import feedback_pages

            students = [s for s in course.students_in(course.feedback_directory, a) if feedback_pages(course, a, s)]
            print(f"{a}: feedback for {len(students)} student(s) in {course.feedback_directory}/<student>/{a}/")
    return 1 if failures else 0


# -- export ---------------------------------------------------------------------------
def export(args: Args, course: Course, runner: Nbgrader) -> int:
    target = Path(args.to).expanduser().resolve() if args.to else course.folder / "grades.csv"
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {target.parent} does not exist")
    if not course.has_gradebook():
        raise Problem(f"no gradebook yet ({course.gradebook_file()}): nothing to export")
    runner.start()
    done = runner.run("export", "--to", str(target))
    if done is None:
        return 0
    if nbgrader_failed(done, "export"):
        return 1
    with open(target, newline="") as table:
        rows = sum(1 for _ in csv.DictReader(table))
    print(f"grades written to {target} ({rows} rows: one per student and assignment)")
    return 0


# -- the class report and the LMS import ------------------------------------------------
def report(args: Args, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    out_dir = Path(args.out).expanduser().resolve() if args.out else None
    if runner.dry_run:
        print(f"# report runs no nbgrader command: from the gradebook and {course.show(course.grader_reports / a)}/ "
              f"it would write the class report into {out_dir or course.folder / 'reports' / a}")
        return 0
    from nnlab.report import write_report  # matplotlib: imported when a report is written

    try:
        path = write_report(course, a, out_dir=out_dir)
    except Exception as exc:  # the report names what it could not read; no traceback wall
        raise Problem(_reason(exc, f"cannot write the class report of {a}")) from None
    print(f"class report of {a}: {path}")
    return 0


def _zone(name: str, option: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{option}: unknown time zone {name!r} (e.g. Europe/Berlin)") from None


def import_lms(args: Args, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    zip_path = Path(args.zip).expanduser().resolve()
    if not zip_path.is_file():
        raise UsageError(f"no such file: {zip_path}")
    students = Path(args.students).expanduser().resolve() if args.students else course.folder / "students.csv"
    if args.students and not students.is_file():
        raise UsageError(f"no such file: {students}")
    options: dict = {"force": args.force}
    if args.worksheet:
        options["worksheet"] = Path(args.worksheet).expanduser().resolve()
        if not options["worksheet"].is_file():
            raise UsageError(f"no such file: {options['worksheet']}")
    for option, key in (("--zip-timezone", "zip_timezone"), ("--worksheet-timezone", "worksheet_timezone")):
        if getattr(args, key):
            options[key] = _zone(getattr(args, key), option)
    if (serving := refuse_while_serving(course, SUBMITTED, "import")) is not None:
        raise Problem(serving)
    if runner.dry_run:
        print(f"# import-lms runs no nbgrader command: it would place the notebooks of {zip_path} in "
              f"{course.submitted_directory}/<student>/{a}/ (where `nbgrader collect` puts them), matching "
              f"participants{' with ' + str(options['worksheet']) if args.worksheet else ''} and names with "
              f"{students};\n# then `nnlab grade {a}` runs nbgrader autograde {a}")
        return 0
    from nnlab.lms import import_moodle_zip

    try:
        result = import_moodle_zip(course.folder, a, zip_path, students if students.is_file() else None, **options)
    except Exception as exc:  # a bad archive or class list: one line naming it
        raise Problem(_reason(exc, f"cannot import {zip_path}")) from None
    print(result.summary())
    # entries the import refused (unsafe paths in the zip) are a problem for the instructor to look at
    return 1 if getattr(result, "rejected", None) else 0


def reveal_lms(args: Args, course: Course, runner: Nbgrader) -> int:
    a = check_assignment(course, args.assignment)
    worksheet = Path(args.worksheet).expanduser().resolve()
    students = Path(args.students).expanduser().resolve() if args.students else course.folder / "students.csv"
    for path in (worksheet, students):
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
    if (serving := refuse_while_serving(course, SUBMITTED, "reveal")) is not None:
        raise Problem(serving)
    if runner.dry_run:
        print(f"# reveal-lms runs no nbgrader command: it would give each participant-<N> of {a} the student of "
              f"{students} that {worksheet} names for participant N, in the gradebook and the course folders")
        return 0
    from nnlab.lms.reveal import reveal_identities

    try:
        result = reveal_identities(course, a, worksheet, students)
    except Exception as exc:  # a bad worksheet or class list: one line naming it
        raise Problem(_reason(exc, f"cannot reveal the participants of {a}")) from None
    print(result.summary())
    return 1 if result.left else 0


def _reason(exc: Exception, doing: str) -> str:
    """One line for an error of the report or the import. Their own errors are RuntimeErrors whose
    message already names the file and the problem; anything else gets what was being done and its type."""
    return str(exc) if isinstance(exc, RuntimeError) else f"{doing}: {type(exc).__name__}: {exc}"
