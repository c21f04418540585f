"""The `nnlab` command line: course chores over nbgrader, which it never hides."""
from __future__ import annotations

import argparse
import sys

from nnlab.course import PROJECT_ROOT, available_assignments, run_nbgrader


def release(args: argparse.Namespace) -> int:
    """`nbgrader generate_assignment A --force` for each assignment: source/ -> release/."""
    for assignment in args.assignments or available_assignments():
        run_nbgrader(PROJECT_ROOT, "generate_assignment", assignment, "--force")
        print(f"release/{assignment} regenerated from source/{assignment}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nnlab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("release", help=release.__doc__)
    cmd.add_argument("assignments", nargs="*", help="default: every assignment with a source notebook")
    cmd.set_defaults(run=release)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except RuntimeError as exc:
        print(f"nnlab {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
