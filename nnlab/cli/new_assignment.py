"""`nnlab new-assignment NAME`: next week's assignment in one step (nnlab.scaffold does the work)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnlab.cli.commands import time_solutions
from nnlab.cli.context import Course, Nbgrader, UsageError, error_lines
from nnlab.scaffold import PACKAGE_ROOT, ROLES, ScaffoldError, scaffold

SUMMARY = "scaffold a new assignment: notebook, hidden graders, reference, mistakes; list it in the course"
DESCRIPTION = """\
Writes, with one small example exercise (weighted_sum) that already grades end to end:
  source/NAME/NAME.ipynb                the notebook: a solution cell, a graded test cell with visible
                                        checks, a written answer graded by hand
  <graders_dir>/NAME/test_NAME.py       its hidden graders (c.Grading.graders_dir, default nnlab/graders)
  nnlab/reference/NAME.py               the reference solution the graders compare with
  nnlab/demo/mistakes/NAME.py           typical wrong answers and the scores they must get
adds NAME to c.Course.assignments in the course's course_config.py, then runs:
  nbgrader generate_assignment NAME --force    source/NAME -> release/NAME
and times the model solution's cells into budgets/NAME/ (each cell's budget while grading).
NAME must be a Python identifier that no assignment, file or list entry uses yet; otherwise
nothing is written. Next: replace the example with the week's exercises (docs/adding-an-assignment.md)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the assignment's name, e.g. week7_convolutions")
    parser.add_argument("--package", metavar="DIR", type=Path,
                        help=f"the package that gets the reference module and the mistake sets "
                             f"(default: {PACKAGE_ROOT})")


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    package_root = args.package.expanduser().resolve() if args.package else PACKAGE_ROOT
    try:
        plan = scaffold(course.root, args.name, package_root=package_root, write=not runner.dry_run)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    name = args.name
    runner.start()
    width = max(len(course.show(path)) for path in plan.files)
    runner.note(f"{'would write' if runner.dry_run else 'wrote'} the assignment {name}:")
    for path, role in zip(plan.files, ROLES):
        runner.note(f"  {course.show(path):<{width}}  {role}")
    runner.note(f"  {course.show(plan.config_path):<{width}}  '{name}' added to c.Course.assignments")
    done = runner.run("generate_assignment", name, "--force")
    if done is not None and done.returncode != 0:
        print(f"nbgrader generate_assignment {name} failed (exit {done.returncode}):", file=sys.stderr)
        for line in error_lines(done):
            print(f"  {line}", file=sys.stderr)
        return 1
    runner.done(f"{name}: release/{name} generated from source/{name}")
    time_solutions(course, name, runner)
    runner.done(f"next: write the week's exercises in place of the example (docs/adding-an-assignment.md), "
                f"then `nnlab release --generate-only {name}` and `pytest tests/graders`")
    return 0
