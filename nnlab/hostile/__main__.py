"""`python -m nnlab.hostile [--keep DIR] [--only NAME...] [--skip NAME...] [--list]`: grade the hostile corpus in a
temporary course and say, per case, whether the outcome is the expected one.

Prints one line per case (`ok` or `UNEXPECTED`, its name, a short reason) and finally
`N tried, M as expected, K batch stops, F files changed`. Exit 0 only when every case is as
expected, no grading run stopped the batch and no file under submitted/ changed.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from nnlab.hostile.corpus import CASES, by_name
from nnlab.hostile.run import CorpusResult, run_corpus


class _Refused(Exception):
    """The command line asks for something that cannot run (exit 2)."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for case in CASES:
            print(f"{case.name:28} {case.about}")
        return 0
    try:
        cases = _chosen_cases(args.only, args.skip)
        workdir = _workdir(args.keep)
    except _Refused as exc:
        print(f"python -m nnlab.hostile: {exc}", file=sys.stderr)
        return 2
    try:
        result = run_corpus(workdir, cases)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    _print_result(result, kept=workdir if args.keep else None)
    return 0 if result.passed else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nnlab.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="build the course in DIR (new or empty) and keep it afterwards")
    parser.add_argument("--only", metavar="NAME", nargs="+", help="run only these cases")
    parser.add_argument("--skip", metavar="NAME", nargs="+", default=[], help="leave these cases out")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    return parser


def _chosen_cases(only: list[str] | None, skip: list[str]) -> list:
    """The cases `--only` names (all without it) less those `--skip` names."""
    try:
        cases = by_name(only)
        skipped = {c.name for c in by_name(skip)} if skip else set()
    except KeyError as exc:
        raise _Refused(exc.args[0]) from None
    cases = [c for c in cases if c.name not in skipped]
    if not cases:
        raise _Refused("no case left to run")
    return cases


def _workdir(keep: Path | None) -> Path:
    """`--keep`'s folder (new or empty), else a fresh temporary one."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="nnlab-hostile-"))
    workdir = keep.expanduser().resolve()
    if workdir.exists() and any(workdir.iterdir()):
        raise _Refused(f"{workdir} is not empty: --keep needs a new or empty folder")
    return workdir


def _print_result(result: CorpusResult, kept: Path | None) -> None:
    """One line per case, the batch stops and changed files, and the figures last."""
    width = max(len(r.name) for r in result.results)
    for r in result.results:
        if r.ok:
            print(f"ok          {r.name:{width}}  {r.summary}")
        else:
            print(f"UNEXPECTED  {r.name:{width}}  {r.reason}")
    for a, run in result.runs.items():
        if run.stopped:
            print(f"batch stop: nnlab grade {a}: {run.stopped}")
    for line in result.changed_files:
        print(f"file changed under submitted/: {line}")
    if kept:
        print(f"kept in {kept} (the course: course/, the grading logs: grade-<assignment>.log)")
    print(f"({result.seconds:.0f} s)", file=sys.stderr)
    print(result.figures())


if __name__ == "__main__":
    sys.exit(main())
