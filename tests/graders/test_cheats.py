"""Cheats that fool stock nbgrader earn nothing from the hidden graders."""
import pytest
from sanity import release_notebook, source_notebook

from nnlab.course import available_assignments
from nnlab.demo.cheats import CHEATS

ASSIGNMENT = "perceptron"


@pytest.mark.parametrize("cheat", list(CHEATS), ids=lambda name: name.split(" ")[0] + "-" + name.split(" ")[-1])
def test_cheat_scores_nothing(grade, cheat):
    nb = CHEATS[cheat](release_notebook(ASSIGNMENT), source_notebook(ASSIGNMENT), ASSIGNMENT)
    scores, report = grade(ASSIGNMENT, nb)
    assert scores and sum(scores.values()) == 0.0, (cheat, scores)


@pytest.mark.parametrize("assignment", [a for a in available_assignments() if a != ASSIGNMENT])
def test_patched_comparisons_score_nothing_in_every_assignment(grade, assignment):
    """The demo's cheater: numpy's and math's comparisons patched, answers replaced."""
    cheat = CHEATS["numpy.allclose/isclose/testing and math.isclose patched"]
    scores, _ = grade(assignment, cheat(release_notebook(assignment), source_notebook(assignment), assignment))
    assert scores and sum(scores.values()) == 0.0, (assignment, scores)


def test_deleted_visible_tests_do_not_matter_to_honest_answers(grade):
    """The hidden graders never run the notebook's test cells: emptying them changes nothing."""
    from nnlab.demo import submissions
    nb = submissions.correct(release_notebook(ASSIGNMENT), source_notebook(ASSIGNMENT))
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = "raise SystemExit('the visible tests were replaced')"
    scores, _ = grade(ASSIGNMENT, nb)
    assert sum(scores.values()) == 12.0
