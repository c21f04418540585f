"""Error carried forward on the demo class: the scores with and without it, and what it costs.

Every hand-in of the demo term's class (nnlab.demo.term.CLASS), and a perceptron notebook whose
`step` uses `np.int` (removed from NumPy), is graded twice in the production path (the engine,
forked from the warm zygote): with `Grading.carry_forward` on (the default) and off. Printed: each
question whose score differs, both scores, the totals, how many notebooks needed the sealed second
run, and the grading time of both passes (their ratio is the cost; one run, same machine).

    .venv/bin/python bench/carry_forward.py [--workers 2] [ASSIGNMENT ...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from traitlets.config import Config

from nnlab.course import available_assignments
from nnlab.demo import submissions
from nnlab.demo.term import CLASS
from nnlab.graders.carry import answers_in
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading

LIMITS = {"cell_timeout": 20.0, "call_timeout": 20.0, "notebook_timeout": 300.0}
NP_INT_STEP = "def step(z):\n    return np.asarray(np.asarray(z) >= 0, dtype=np.int)\n"


def hand_ins(assignments: list[str]) -> list[tuple[str, str, str]]:
    """(who, assignment, notebook JSON) of the class's notebooks (files that are no notebook left out)."""
    found = []
    for a in assignments:
        release, source = submissions.course_notebook(a, "release"), submissions.course_notebook(a)
        for student in CLASS:
            nb = student.answer(a, release, source)
            nb = getattr(nb, "notebook", nb)
            if not isinstance(nb, bytes):
                found.append((student.id, a, nbformat.writes(nb)))
        if a == "perceptron":
            found.append(("np.int step", a, nbformat.writes(submissions.with_mistakes(release, source,
                                                                                      {"step": NP_INT_STEP}))))
    return found


def grade(job: tuple[str, str, str, bool, str]) -> tuple[str, str, bool, dict[str, float], float, float]:
    who, assignment, text, carry, secret = job
    grading = Grading(config=Config({"Grading": {**LIMITS, "carry_forward": carry}}), secret_path=secret)
    answers = answers_in(submissions.course_notebook(assignment))
    began = time.monotonic()
    graded = grade_notebook_node(nbformat.reads(text, as_version=4), who, assignment, assignment, grading,
                                 answers=answers)
    scores = {cell: result["score"] for cell, result in (graded.report or {}).get("cells", {}).items()}
    return who, assignment, carry, scores, time.monotonic() - began, graded.carried_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once (default 2)")
    args = parser.parse_args(argv)
    assignments = args.assignments or available_assignments()
    jobs = hand_ins(assignments)
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(args.workers) as pool:
        secret = str(Path(folder) / "secret")
        Grading(secret_path=secret).secret()   # made once, before the workers race to make it
        wall = {}
        results = {}
        # untimed: each worker imports the graders and starts its zygote before either pass is timed
        list(pool.map(grade, [(*jobs[0], False, secret)] * args.workers))
        for carry in (False, True):   # one pass after the other, so each pass's wall time is its own
            began = time.monotonic()
            for who, a, c, scores, seconds, carried in pool.map(grade, [(*job, carry, secret) for job in jobs]):
                results[(who, a, c)] = (scores, seconds, carried)
            wall[carry] = time.monotonic() - began
    differing = second_runs = 0
    print(f"{'hand-in':<24} {'question':<28} {'alone':>6} {'carried':>8}")
    for who, a, _ in jobs:
        alone, carried = results[(who, a, False)][0], results[(who, a, True)][0]
        second_runs += results[(who, a, True)][2] > 0
        for cell in carried:
            if abs(carried[cell] - alone.get(cell, 0.0)) > 1e-9:
                differing += 1
                print(f"{who + ', ' + a:<24} {cell:<28} {alone.get(cell, 0.0):>6g} {carried[cell]:>8g}")
        print(f"{who + ', ' + a:<24} {'total':<28} {sum(alone.values()):>6g} {sum(carried.values()):>8g}")
    cost = sum(r[2] for (who, a, c), r in results.items() if c)
    print(f"\n{len(jobs)} notebooks; {second_runs} needed the sealed second run; {differing} question scores raised")
    print(f"grading time: {wall[False]:.1f} s alone, {wall[True]:.1f} s with carry-forward "
          f"(x{wall[True] / wall[False]:.2f}); the second runs took {cost:.1f} s of notebook time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
