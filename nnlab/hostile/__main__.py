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
from nnlab.hostile.run import run_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlab.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="build the course in DIR (new or empty) and keep it afterwards")
    parser.add_argument("--only", metavar="NAME", nargs="+", help="run only these cases")
    parser.add_argument("--skip", metavar="NAME", nargs="+", default=[], help="leave these cases out")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.list:
        for case in CASES:
            print(f"{case.name:28} {case.about}")
        return 0
    try:
        cases = by_name(args.only)
        skipped = {c.name for c in by_name(args.skip)} if args.skip else set()
        cases = [c for c in cases if c.name not in skipped]
    except KeyError as exc:
        print(f"python -m nnlab.hostile: {exc.args[0]}", file=sys.stderr)
        return 2
    if not cases:
        print("python -m nnlab.hostile: no case left to run", file=sys.stderr)
        return 2
    if args.keep:
        workdir = args.keep.expanduser().resolve()
        if workdir.exists() and any(workdir.iterdir()):
            print(f"python -m nnlab.hostile: {workdir} is not empty: --keep needs a new or empty folder",
                  file=sys.stderr)
            return 2
    else:
        workdir = Path(tempfile.mkdtemp(prefix="nnlab-hostile-"))
    try:
        result = run_corpus(workdir, cases)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
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
    if args.keep:
        print(f"kept in {workdir} (the course: course/, the grading logs: grade-<assignment>.log)")
    print(f"({result.seconds:.0f} s)", file=sys.stderr)
    print(result.figures())
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
