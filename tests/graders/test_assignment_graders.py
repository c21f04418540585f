"""Every assignment's hidden graders give full marks to the instructor's solution, 0 to the
untouched release, and exactly the documented marks to each set of typical mistakes."""
import pytest
from sanity import check_mistakes, check_release_earns_nothing, check_solution_earns_everything

from nnlab.course import available_assignments
from nnlab.demo.mistakes import mistake_sets

ASSIGNMENTS = available_assignments()
MISTAKES = [(a, i) for a in ASSIGNMENTS for i in range(len(mistake_sets(a)))]


def test_every_assignment_documents_at_least_two_mistake_sets():
    assert all(len(mistake_sets(a)) >= 2 for a in ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_every_point(grade, assignment):
    check_solution_earns_everything(grade, assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_earns_nothing(grade, assignment):
    check_release_earns_nothing(grade, assignment)


@pytest.mark.parametrize("assignment, index", MISTAKES, ids=[f"{a}-{i + 1}" for a, i in MISTAKES])
def test_typical_mistakes_cost_their_questions_only(grade, assignment, index):
    check_mistakes(grade, assignment, index)
