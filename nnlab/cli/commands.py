"""The `nnlab` commands. Each one runs plain nbgrader commands in the course folder (printed
before they run) and adds what nbgrader leaves to the instructor: a line per broken submission,
the grade table, a summary of what changed. Each returns the exit code: 0 ok, 1 a problem found."""
from __future__ import annotations

import argparse
import csv
import shlex
import subprocess
import sys
from pathlib import Path

from nnlab.cli.context import Course, Nbgrader, Problem, UsageError, error_lines
from nnlab.cli.status import course_status, format_status
from nnlab.course import nbgrader_environment

Args = argparse.Namespace


def _failed(nb: Nbgrader, done, what: str) -> bool:
    """Report a failed nbgrader run on stderr; True when it failed."""
    if done is None or done.returncode == 0:
        return False
    print(f"nbgrader {what} failed (exit {done.returncode}):", file=sys.stderr)
    for line in error_lines(done):
        print(f"  {line}", file=sys.stderr)
    return True


def _chosen(course: Course, name: str, folder: str) -> list[str]:
    """`all`: the course's assignments with something in `folder`; otherwise the one named."""
    if name != "all":
        return [course.check_assignment(name)]
    return [a for a in course.assignments() if course.students_in(folder, a)]


# -- status ---------------------------------------------------------------------------
def status(args: Args, course: Course, nb: Nbgrader) -> int:
    if args.dry_run:
        print("# status runs no nbgrader command: it only reads release/, submitted/, autograded/, feedback/,\n"
              "# the exchange and the gradebook. The same from nbgrader:\n"
              "nbgrader list --inbound\nnbgrader db assignment list\nnbgrader db student list")
        return 0
    found = course_status(course)
    print(format_status(found))
    return 1 if found.problems else 0


# -- release --------------------------------------------------------------------------
def release(args: Args, course: Course, nb: Nbgrader) -> int:
    assignments = [course.check_assignment(a) for a in args.assignments] or course.assignments()
    if not assignments:
        raise Problem(f"nothing to release: {course.root / 'source'} holds no assignment")
    nb.start()
    failures = 0
    for a in assignments:
        if _failed(nb, nb.run("generate_assignment", a, "--force"), f"generate_assignment {a}"):
            failures += 1
            continue
        nb.done(f"{a}: release/{a} regenerated from source/{a}")
        if args.generate_only:
            continue
        released = course.outbound(a).is_dir()
        if released and not args.force:
            nb.note(f"{a}: already in the exchange, left as it is (--force releases it again)")
            continue
        if _failed(nb, nb.run("release_assignment", a, *(["--force"] if released else [])), f"release_assignment {a}"):
            failures += 1
            continue
        nb.done(f"{a}: released into the exchange ({course.outbound(a)})")
    return 1 if failures else 0


# -- collect --------------------------------------------------------------------------
def collect(args: Args, course: Course, nb: Nbgrader) -> int:
    a = course.check_assignment(args.assignment)
    before = set(course.students_in("submitted", a))
    nb.start()
    done = nb.run("collect", a)
    if done is None:
        return 0
    if _failed(nb, done, f"collect {a}"):
        return 1
    after = set(course.students_in("submitted", a))
    new = sorted(after - before)
    print(f"{a}: {len(new)} new submission(s) in submitted/{': ' + ', '.join(new) if new else ''}")
    if before:
        print(f"  already collected before (left as they are): {', '.join(sorted(before))}")
    return 0


# -- grade ----------------------------------------------------------------------------
def _diagnose(course: Course, a: str, nb: Nbgrader) -> int:
    """Print what is wrong with each collected submission before nbgrader grades it."""
    from nnlab.diagnose import diagnose_assignment

    found = diagnose_assignment(course.root, a, course.notebooks(a))
    collected = course.students_in("submitted", a)
    if not found:
        nb.note(f"{a}: all {len(collected)} collected submission(s) can be read")
    else:
        nb.note(f"{a}: submissions that cannot be graded in full (the rest of the class is graded):")
        for student, problems in found.items():
            for problem in problems:
                nb.note(f"  {student}: {problem}")
    return len(found)


def _resume(course: Course, a: str, nb: Nbgrader) -> None:
    """A grading run killed midway leaves a half-written autograded/ folder that nbgrader would skip."""
    from nnlab.resume import clear_unfinished_autogrades, unfinished_autogrades

    notebooks = course.notebooks(a)
    if nb.dry_run:
        for folder in unfinished_autogrades(course.root, a, notebooks):
            nb.note(f"{a}: would remove the half-written {course.show(folder)} so that its student is graded again")
        return
    for student in clear_unfinished_autogrades(course.root, a, notebooks):
        nb.note(f"{a}: autograded/{student}/{a} was half-written (a grading run stopped midway): graded again")


def grade(args: Args, course: Course, nb: Nbgrader) -> int:
    assignments = _chosen(course, args.assignment, "submitted")
    if not any(course.students_in("submitted", a) for a in assignments):
        which = args.assignment if args.assignment != "all" else "any assignment"
        raise Problem(f"nothing collected for {which} (submitted/ is empty): `nnlab collect ASSIGNMENT` first")
    nb.start()
    problems = 0
    for a in assignments:
        nb.note(f"== {a}")
        problems += _diagnose(course, a, nb)
        _resume(course, a, nb)
    batch = ["-m", "nnlab.batch", *assignments, "--workers", str(max(1, args.workers)),
             *(["--force"] if args.force else []), *(["--verbose"] if nb.verbose else [])]
    print(f"{'' if nb.dry_run else '$ '}python {shlex.join(batch)}", flush=True)
    if nb.dry_run:
        return 1 if problems else 0
    # progress goes straight to the terminal (stderr); the summary comes back through this process
    done = subprocess.run([sys.executable, *batch], cwd=str(course.root), env=nbgrader_environment(),
                          stdout=subprocess.PIPE, text=True)
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        problems += 1
    from nnlab.gradetable import format_table, read_grades

    students, names, grades = read_grades(course.db_url, course.course_id)
    print("\nGrade table")
    print(format_table(students, names, grades))
    return 1 if problems else 0


# -- feedback -------------------------------------------------------------------------
def feedback(args: Args, course: Course, nb: Nbgrader) -> int:
    assignments = _chosen(course, args.assignment, "autograded")
    if not any(course.students_in("autograded", a) for a in assignments):
        which = args.assignment if args.assignment != "all" else "any assignment"
        raise Problem(f"nothing graded for {which} (autograded/ is empty): `nnlab grade ASSIGNMENT` first")
    nb.start()
    failures = 0
    for a in assignments:
        if _failed(nb, nb.run("generate_feedback", a, *(["--force"] if args.force else [])), f"generate_feedback {a}"):
            failures += 1
        elif not nb.dry_run:
            students = [s for s in course.students_in("feedback", a)
                        if any((course.root / "feedback" / s / a).glob("*.html"))]
            print(f"{a}: feedback for {len(students)} student(s) in feedback/<student>/{a}/")
    return 1 if failures else 0


# -- export ---------------------------------------------------------------------------
def export(args: Args, course: Course, nb: Nbgrader) -> int:
    target = Path(args.to).expanduser().resolve() if args.to else course.root / "grades.csv"
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {target.parent} does not exist")
    if not course.has_gradebook():
        raise Problem(f"no gradebook yet ({course.gradebook_file()}): nothing to export")
    nb.start()
    done = nb.run("export", "--to", str(target))
    if done is None:
        return 0
    if _failed(nb, done, "export"):
        return 1
    with open(target, newline="") as table:
        rows = sum(1 for _ in csv.DictReader(table))
    print(f"grades written to {target} ({rows} rows: one per student and assignment)")
    return 0


# -- the class report and the LMS import (modules written alongside this one) ----------
def _lazy(module: str, name: str, what: str):
    """`module.name`, imported only when the command runs; a clear message if it is not there yet."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise Problem(f"{what} is not available in this version of nnlab ({module} is missing)") from None
    except AttributeError:
        raise Problem(f"{what} is not available in this version of nnlab ({module}.{name} is missing)") from None


def report(args: Args, course: Course, nb: Nbgrader) -> int:
    a = course.check_assignment(args.assignment)
    out_dir = Path(args.out).expanduser().resolve() if args.out else None
    if nb.dry_run:
        print(f"# report runs no nbgrader command: from the gradebook and .nnlab/grader-reports/{a}/ it would "
              f"write the class report into {out_dir or course.root / 'reports' / a}")
        return 0
    write_report = _lazy("nnlab.report", "write_report", "the class report")
    try:
        path = write_report(course.root, a, out_dir=out_dir)
    except Exception as exc:  # the report names what it could not read; no traceback wall
        raise Problem(_reason(exc, f"cannot write the class report of {a}")) from None
    print(f"class report of {a}: {path}")
    return 0


def import_lms(args: Args, course: Course, nb: Nbgrader) -> int:
    a = course.check_assignment(args.assignment)
    zip_path = Path(args.zip).expanduser().resolve()
    if not zip_path.is_file():
        raise UsageError(f"no such file: {zip_path}")
    students = Path(args.students).expanduser().resolve() if args.students else course.root / "students.csv"
    if not students.is_file():
        raise UsageError(f"no such file: {students}" + ("" if args.students else
                         " (the class list, id,first_name,last_name,email: give it with --students CSV)"))
    options: dict = {"force": args.force}
    if args.zip_timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            options["zip_timezone"] = ZoneInfo(args.zip_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {args.zip_timezone!r} (e.g. Europe/Berlin)") from None
    if nb.dry_run:
        print(f"# import-lms runs no nbgrader command: it would place the notebooks of {zip_path} in "
              f"submitted/<student>/{a}/ (where `nbgrader collect` puts them), matching names with {students};\n"
              f"# then `nnlab grade {a}` runs nbgrader autograde {a}")
        return 0
    import_moodle_zip = _lazy("nnlab.lms", "import_moodle_zip", "the LMS import")
    try:
        result = import_moodle_zip(course.root, a, zip_path, students, **options)
    except Exception as exc:  # a bad archive or class list: one line naming it
        raise Problem(_reason(exc, f"cannot import {zip_path}")) from None
    print(result.summary())
    # entries the import refused (unsafe paths in the zip) are a problem for the instructor to look at
    return 1 if getattr(result, "rejected", None) else 0


def _reason(exc: Exception, doing: str) -> str:
    """One line for an error of the report or the import. Their own errors are RuntimeErrors whose
    message already names the file and the problem; anything else gets what was being done and its type."""
    return str(exc) if isinstance(exc, RuntimeError) else f"{doing}: {type(exc).__name__}: {exc}"
