"""The pytorch graders give full marks to the solution, 0 to the release, and the
documented partial marks to typical mistakes."""
import pytest

from nnlab.demo.mistakes import mistake_sets
from sanity import check_mistakes, check_release_earns_nothing, check_solution_earns_everything

ASSIGNMENT = "pytorch"


def test_solution_earns_every_point(grade):
    check_solution_earns_everything(grade, ASSIGNMENT)


def test_untouched_release_earns_nothing(grade):
    check_release_earns_nothing(grade, ASSIGNMENT)


@pytest.mark.parametrize("index", range(len(mistake_sets(ASSIGNMENT))))
def test_typical_mistakes_cost_their_questions_only(grade, index):
    check_mistakes(grade, ASSIGNMENT, index)
