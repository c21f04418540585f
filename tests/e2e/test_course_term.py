"""A term of the course driven through real nbgrader commands on a temporary course:
release, fetch and submit through the exchange, collect, autograde with the hidden graders,
feedback, export. One term is run for the module; the tests read what it left on disk."""
from __future__ import annotations

import csv

import pytest
from nbgrader.api import Gradebook

from nnlab.course import available_assignments
from nnlab.demo import submissions
from nnlab.demo.cheats import patched_builtins
from nnlab.demo.mistakes import mistake_sets
from nnlab.demo.term import CLASS, Student, Term
from nnlab.graders.engine import hidden_tests
from nnlab.graders.settings import Grading

GRADED = [a for a in available_assignments() if Grading().graders(a, a).exists()]
FIRST = GRADED[0]
BY_ID = {s.id: s for s in CLASS}


def only_first(student: Student) -> Student:
    """The student hands in the first assignment only (keeps the term short)."""
    answer = student.answer
    return Student(student.id, student.first_name, student.last_name, student.about,
                   lambda a, release, source: answer(a, release, source) if a == FIRST else None)


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config) -> Term:
    # this term's cheater patches the builtins the kernel itself uses (the demo's patches numpy)
    eve = Student("eve", "Eve", "Moreau", "patches builtins", lambda a, release, source: patched_builtins(release, source, a))
    students = [BY_ID["ada"], BY_ID["ben"], BY_ID["cara"], *map(only_first, [BY_ID["dan"], eve, BY_ID["finn"]])]
    term = Term(tmp_path_factory.mktemp("term"), GRADED, students, extra_config=fast_config)
    term.set_up()
    term.release()
    term.hand_in()
    term.collect()
    term.digest_before = term.submitted_digest()
    term.autograde()
    term.feedback()
    term.export()
    return term


def test_cells(assignment: str) -> dict[str, float]:
    return submissions.autograded_points(submissions.course_notebook(assignment))


def scores(term: Term, assignment: str, student: str) -> dict[str, float]:
    """{test cell: auto score} recorded in the gradebook."""
    cells = test_cells(assignment)
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.auto_score or 0.0) for g in notebook.grades if g.name in cells}


test_cells.__test__ = False  # a helper, not a test


@pytest.mark.parametrize("assignment", GRADED)
def test_solution_gets_full_marks(term, assignment):
    assert scores(term, assignment, "ada") == pytest.approx(test_cells(assignment))


@pytest.mark.parametrize("assignment", GRADED)
def test_untouched_release_gets_zero(term, assignment):
    assert scores(term, assignment, "ben") == pytest.approx({cell: 0.0 for cell in test_cells(assignment)})


@pytest.mark.parametrize("assignment", GRADED)
def test_typical_mistakes_get_documented_marks(term, assignment):
    expected = mistake_sets(assignment)[0].expected
    assert scores(term, assignment, "cara") == pytest.approx(expected)


def test_cheats_score_nothing_and_still_get_feedback(term):
    # the cheat patches the builtins the kernel itself uses, so the kernel stops answering:
    # the notebook is still graded to its end, and the student gets feedback.
    assert (term.course / "autograded" / "eve" / FIRST / f"{FIRST}.ipynb").exists()
    assert (term.course / "feedback" / "eve" / FIRST / f"{FIRST}.html").exists()
    assert sum(scores(term, FIRST, "eve").values()) == 0.0


def test_endless_loop_and_crash_cost_only_their_questions(term):
    got = scores(term, FIRST, "dan")
    # the loop sits in the first answer cell after its function: interrupted, the function stays;
    # the crash ends the last answer cell: only that question is lost.
    lost = [cell for cell, score in got.items() if score < test_cells(FIRST)[cell]]
    assert lost == [list(test_cells(FIRST))[-1]], got


def test_broken_submission_is_named_and_the_class_still_graded(term):
    assert any(p.startswith(f"finn, {FIRST}: {FIRST}.ipynb is not a notebook") for p in term.problems), term.problems
    assert scores(term, FIRST, "ada") == pytest.approx(test_cells(FIRST))


def test_grading_never_changes_submitted_files(term):
    assert term.submitted_digest() == term.digest_before


def test_feedback_lists_hidden_tests_without_answers(term):
    html = (term.course / "feedback" / "cara" / FIRST / f"{FIRST}.html").read_text()
    assert "Hidden tests:" in html and "PASS" in html and "FAIL" in html
    for secret in ["BEGIN HIDDEN TESTS", "_expected", "nnlab.reference", "checks.close", "pytest.mark.grade"]:
        assert secret not in html, secret
    # the hints are the hidden tests' own (their docstrings' first lines), not the grader module's helpers'
    hints = [test.hint for test in hidden_tests(Grading().graders(FIRST, FIRST))]
    import html as html_lib
    text = html_lib.unescape(html)
    assert len(hints) > 10
    assert [hint for hint in hints if hint not in text] == [], "every hidden test's hint appears in the feedback"


def test_export_has_every_student_and_assignment(term):
    rows = list(csv.DictReader(open(term.workdir / "grades.csv")))
    pairs = {(r["student_id"], r["assignment"]) for r in rows}
    assert {("ada", a) for a in GRADED} <= pairs
    ada_first = next(r for r in rows if r["student_id"] == "ada" and r["assignment"] == FIRST)
    assert float(ada_first["raw_score"]) == pytest.approx(sum(test_cells(FIRST).values()))
