"""Each cheat of nnlab.demo.cheats, autograded by nbgrader twice: with nbgrader's own scoring
(the hidden graders switched off) and with the hidden graders. Prints the scores side by side.

    .venv/bin/python bench/cheats_vs_stock.py [ASSIGNMENT]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from nnlab.demo.cheats import CHEATS
from nnlab.demo.term import Student, Term


def scores(term: Term, assignment: str) -> dict[str, float]:
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        return {s.id: gb.find_submission(assignment, s.id).code_score for s in term.students}


# nbgrader's own autograde pipeline: a Jupyter kernel, and the notebook's test cells decide the score.
STOCK_PIPELINE = """
from nbgrader.preprocessors import Execute
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
"""


def main(assignment: str = "perceptron") -> None:
    students = [Student(f"cheat{i}", "Cheat", str(i), name, lambda a, r, s, f=fn: f(r, s, a))
                for i, (name, fn) in enumerate(CHEATS.items(), 1)]
    results = {}
    for label, extra in [("stock nbgrader", STOCK_PIPELINE), ("nnlab", "")]:
        began = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            limits = "\nc.Grading.cell_timeout = 20\nc.Execute.timeout = 20"
            term = Term(Path(tmp), [assignment], students, extra_config=extra + limits)
            term.set_up()
            term.release()
            term.hand_in()
            term.collect()
            term.autograde()
            results[label] = scores(term, assignment)
            with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
                possible = gb.find_assignment(assignment).max_code_score
        print(f"{label}: graded in {time.monotonic() - began:.0f} s", file=sys.stderr)
    print(f"Cheats on {assignment} (auto-graded points out of {possible:g})")
    print(f"{'cheat':<58} {'stock':>6} {'nnlab':>6}")
    for student in students:
        print(f"{student.about:<58} {results['stock nbgrader'][student.id]:>6g} {results['nnlab'][student.id]:>6g}")


if __name__ == "__main__":
    main(*sys.argv[1:])
