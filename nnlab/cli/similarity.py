"""`nnlab similarity A`: leads for a person to judge, of students' code that is alike (nnlab.similarity does the work)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nnlab.cli.context import Course, Nbgrader, UsageError, check_assignment
from nnlab.similarity.defaults import GUARANTEE_THRESHOLD, NOISE_THRESHOLD, THRESHOLD, TOP

SUMMARY = "compare the students' own code of an assignment: the most similar pairs, as leads to judge"
DESCRIPTION = """\
Runs no nbgrader command. Takes the code cells of every notebook under submitted/<student>/A/, less the
cells and the code of the released template (release/A/), and compares every pair of students with
copydetect: winnowing over tokens, as MOSS does, on this machine (no code leaves it), with names,
strings and comments set aside, so renamed variables and rewritten comments do not hide a copy.
Writes, in reports/A/ of the course folder (or --out DIR):
  similarity.html   the most similar pairs, the matching code side by side and highlighted
  similarity.csv    every pair: the share of each one's code found in the other, matched tokens
--reference DIR (repeatable) adds earlier years' submissions: each folder under DIR that holds
notebooks is one submission (only those with A in their path, if any are), compared with every
student but not with each other. A notebook that cannot be read is listed as left out, with the
reason. The figures are leads for a person to judge, not verdicts."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="A")
    parser.add_argument("--reference", metavar="DIR", type=Path, action="append", default=[],
                        help="a folder of earlier submissions (notebooks) to compare with; repeatable")
    parser.add_argument("--out", metavar="DIR", type=Path,
                        help="folder for similarity.html and similarity.csv (default: reports/A in the course folder)")
    parser.add_argument("--threshold", metavar="SHARE", type=float, default=THRESHOLD,
                        help=f"pairs with this share of either one's code matched (0-1) are marked and shown "
                             f"side by side (default: {THRESHOLD})")
    parser.add_argument("--top", metavar="N", type=int, default=TOP, help=f"pairs listed on the page (default: {TOP})")
    parser.add_argument("--noise-threshold", metavar="N", type=int, default=NOISE_THRESHOLD,
                        help=f"copydetect's shortest match counted, in filtered characters (default: {NOISE_THRESHOLD})")
    parser.add_argument("--guarantee-threshold", metavar="N", type=int, default=GUARANTEE_THRESHOLD,
                        help=f"copydetect's match length always found (default: {GUARANTEE_THRESHOLD})")


def run(args: argparse.Namespace, course: Course, runner: Nbgrader) -> int:
    assignment = check_assignment(course, args.assignment)
    for folder in args.reference:
        if not folder.expanduser().is_dir():
            raise UsageError(f"--reference {folder}: no such folder")
    if not 0.0 <= args.threshold <= 1.0:
        raise UsageError(f"--threshold {args.threshold}: a share between 0 and 1")
    if args.top < 1:
        raise UsageError(f"--top {args.top}: at least 1")
    if not 1 <= args.noise_threshold <= args.guarantee_threshold:
        raise UsageError("--noise-threshold must be at least 1 and at most --guarantee-threshold")
    out = args.out.expanduser().resolve() if args.out else course.folder / "reports" / assignment
    if runner.dry_run:
        runner.note(f"would compare the submissions of {assignment} and write {course.show(out)}/similarity.html, .csv")
        return 0
    from nnlab.similarity.code import printable
    from nnlab.similarity.report import similarity_report  # here: it imports copydetect (and matplotlib.pyplot)

    result = similarity_report(course, assignment, [f.expanduser().resolve() for f in args.reference], out=out,
                               threshold=args.threshold, top=args.top, noise=args.noise_threshold,
                               guarantee=args.guarantee_threshold)
    students = sum(not s.reference for s in result.submissions)
    refs = len(result.submissions) - students
    empty = sum(not s.reference and not s.code.strip() for s in result.submissions)
    runner.done(f"{assignment}: {students} submission(s) ({empty} with no code beyond the template) and {refs} "
                f"reference(s) compared, {len(result.pairs)} pair(s); "
                f"{len(result.above)} at or above {result.threshold:.0%} (leads to judge, not verdicts)")
    for pair in result.above[:5]:
        runner.done(f"  {printable(pair.a.name)} / {printable(pair.b.name)}: {pair.similarity_a:.0%} / {pair.similarity_b:.0%}, "
                    f"{pair.matched_tokens} matched tokens")
    for name, notebook, why in result.skipped:
        runner.done(f"  left out: {printable(name)}: {printable(notebook)}: {printable(why)}")
    runner.done(f"wrote {course.show(result.page)} and {course.show(result.csv)}")
    return 0
