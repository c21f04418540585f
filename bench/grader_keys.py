"""Do the hidden graders give the same verdicts under every student's key?

Each student's hidden inputs are drawn from their own key, and CI makes a new course secret on
every run, so a grader whose random cases can miss a mistake fails now and then, for some
student. This grades the model solution, every documented mistake set (nnlab/demo/mistakes/) and
every cheat (nnlab/demo/cheats.py) as N different students, in the production path (the engine,
forked from the warm zygote), and prints each student whose scores differ from what is expected:
everything for the solution, the mistake set's documented scores, nothing for a cheat.

    .venv/bin/python bench/grader_keys.py [--students N] [--workers W] [--kinds solution,mistakes,cheat] [ASSIGNMENT ...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import nbformat
from traitlets.config import Config

from nnlab.course import PROJECT_ROOT, Course
from nnlab.demo import submissions
from nnlab.demo.cheats import CHEATS
from nnlab.demo.mistakes import mistake_sets
from nnlab.graders.carry import answers_in
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading

LIMITS = {"cell_timeout": 20.0, "call_timeout": 20.0, "notebook_timeout": 300.0}


KINDS = ("solution", "mistakes", "cheat")


@lru_cache(maxsize=None)   # made once a process: every job of the sweep grades one of them
def hand_ins(assignment: str) -> list[tuple[str, object, dict[str, float]]]:
    """(name, notebook, expected {cell: score}) of the solution, each mistake set and each cheat;
    a name starts with its kind (KINDS)."""
    source, release = submissions.course_notebook(assignment), submissions.course_notebook(assignment, "release")
    full = submissions.autograded_points(source)
    found = [("solution", submissions.correct(release, source), full)]
    found += [(f"mistakes: {m.name}", submissions.with_mistakes(release, source, m.answers), m.expected)
              for m in mistake_sets(assignment)]
    found += [(f"cheat: {name}", make(release, source, assignment), dict.fromkeys(full, 0.0))
              for name, make in CHEATS.items()]
    return found


def grade(args: tuple[str, str, int, str, str]) -> tuple[str, str, str, dict[str, tuple[float, float]]]:
    """Grade one hand-in as one student; the cells whose score differs: {cell: (score, expected)}."""
    assignment, name, index, student, secret = args
    _, nb, expected = hand_ins(assignment)[index]
    grading = Grading(config=Config({"Grading": LIMITS}), secret_path=secret)
    answers = answers_in(submissions.course_notebook(assignment))   # carried forward, as the course grades
    report = grade_notebook_node(nbformat.from_dict(nb), student, assignment, assignment, grading,
                                 answers=answers).report
    scores = {cell: result["score"] for cell, result in report["cells"].items()}
    wrong = {cell: (scores.get(cell, 0.0), want) for cell, want in expected.items()
             if abs(scores.get(cell, 0.0) - want) > 1e-9}
    return assignment, name, student, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    parser.add_argument("--students", type=int, default=20, help="students (keys) per hand-in")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once")
    parser.add_argument("--kinds", default=",".join(KINDS), help="the hand-ins to grade, of " + ", ".join(KINDS))
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    if not set(kinds) <= set(KINDS):
        parser.error(f"--kinds: {args.kinds!r} is not a list of {', '.join(KINDS)}")
    assignments = args.assignments or Course.open(PROJECT_ROOT).assignments
    secret = str(Path(tempfile.mkdtemp(prefix="nnlab-keys-")) / "course-secret")   # a new course, as in CI
    Grading(secret_path=secret).student_key("first")   # made once here, not raced by the workers
    jobs = [(a, name, i, f"student-{k:03d}", secret) for a in assignments
            for i, (name, _, _) in enumerate(hand_ins(a)) if name.startswith(kinds) for k in range(args.students)]
    began, differ = time.monotonic(), Counter()
    print(f"{len(jobs)} notebooks: {args.students} students x the hand-ins of {', '.join(assignments)}", flush=True)
    with ProcessPoolExecutor(args.workers) as pool:
        for assignment, name, student, wrong in pool.map(grade, jobs):
            if wrong:
                differ[(assignment, name)] += 1
                cells = ", ".join(f"{cell} {got:g} (expected {want:g})" for cell, (got, want) in wrong.items())
                print(f"DIFFERS  {assignment} / {name} / {student}: {cells}", flush=True)
    for (assignment, name), count in sorted(differ.items()):
        print(f"{assignment} / {name}: {count} of {args.students} students differ")
    print(f"{len(jobs)} notebooks in {time.monotonic() - began:.0f} s; "
          f"{sum(differ.values())} differ from the expected scores")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
