"""A question is judged on the notebook as it stood at its test cell: a scratch cell further down
that rebinds a graded function (wrongly) cannot take points away, and a fix made only further down
does not earn them. Checked through plain `nbgrader autograde` and `nnlab grade`'s batch on the same hand-ins (the
pytest entry reports the same engine: tests/autograde/test_notebook_grading.py)."""
from __future__ import annotations

import nbformat
import pytest
from nbgrader.api import Gradebook

from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets
from nnlab.demo.term import COURSE_ID, Student, Term

ASSIGNMENT = "perceptron"
WRONG_LATER = ("# scratch work after the exercises\n"
               "def step(z):\n    return 0.0\n\n"
               "def perceptron_output(w, x):\n    return 0.0\n\n"
               "def xor_two_layer(x):\n    return 0.0\n")
STRICT_STEP = "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0) if np.ndim(z) else float(z > 0)\n"
RIGHT_STEP = "def step(z):\n    return np.where(np.asarray(z) >= 0, 1.0, 0.0) if np.ndim(z) else float(z >= 0)\n"


def with_last_cell(nb, code: str):
    nb = nbformat.from_dict(nb)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def rebinds_later(a, release, source):
    """Right answers; a last cell redefines three graded functions wrongly."""
    return with_last_cell(submissions.correct(release, source), WRONG_LATER)


def fixes_later(a, release, source):
    """`step` wrong (> instead of >=) where it is asked; put right only in a last cell."""
    nb = submissions.with_mistakes(release, source, {"step": STRICT_STEP})
    return with_last_cell(nb, RIGHT_STEP)


STUDENTS = [Student("rebinder", "Rhea", "Binder", "rebinds graded functions later", rebinds_later),
            Student("fixer", "Felix", "Later", "fixes step only at the end", fixes_later)]


def full_marks() -> dict[str, float]:
    return submissions.autograded_points(submissions.course_notebook(ASSIGNMENT))


def check(scores: dict[str, dict[str, float]]) -> None:
    full = full_marks()
    assert scores["rebinder"] == pytest.approx(full), "a later cell took points from earlier questions"
    assert scores["fixer"]["test_step"] < full["test_step"], "a fix made only further down earned the question"
    # the strict threshold is wrong only at 0: it scores what mistake set 1 documents for test_step
    assert scores["fixer"]["test_step"] == pytest.approx(mistake_sets(ASSIGNMENT)[0].expected["test_step"])


@pytest.mark.parametrize("workers", [0, 1], ids=["nbgrader-autograde", "nnlab-grade"])
def test_a_later_cell_changes_no_earlier_score(tmp_path, workers, fast_config):
    term = Term(tmp_path / "term", [ASSIGNMENT], STUDENTS, extra_config=fast_config, workers=workers)
    for step in (term.set_up, term.release, term.hand_in, term.collect, term.autograde):
        term.step(step.__name__, step)
    assert term.problems == []
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), COURSE_ID) as gb:
        scores = {s.id: {g.name: g.auto_score for g in gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s.id).grades
                         if g.name in full_marks()} for s in STUDENTS}
    check(scores)
