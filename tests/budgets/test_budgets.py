"""Cell budgets from the model solution (nnlab.graders.budgets): real student processes forked
from the warm zygote, real notebooks with hidden graders of their own, short cells.

A looping cell stops at its budget, well before the cell timeout, and the autograded notebook and
the feedback say so; a slow but honest cell stays within its budget and keeps its points; with
budgets off the loop runs to the cell timeout; a cell the student added gets the notebook's
largest budget. The figures are read back as they were written; a broken file is an error naming
it; the course's own are up to date, and its model solutions lose nothing to their budgets.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from nnlab.course import Course, copy_course
from nnlab.graders.budgets import ADDED_NOTE, BudgetFileError, SolutionTimes, cell_budgets, cell_key, solution_times, source_key
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading

ASSIGNMENT = "budgeted"
GRADERS = '''
import pytest


@pytest.mark.grade("test_answer", points=2)
def test_answer_gives_seven(student):
    """answer() gives 7"""
    assert student.call("answer") == 7
'''
CELL_TIMEOUT = 20.0
# a budget of 1 s for a cell the solution runs in 0.1 s or less: 10 x its time, at least 1 s
LIMITS = {"cell_timeout": CELL_TIMEOUT, "call_timeout": 10.0, "notebook_timeout": 120.0,
          "budget_factor": 10.0, "budget_floor": 1.0}
SETUP = "import time\nstarted = time.monotonic()"
SOLUTION = "def answer():\n    return 7"
TEST_CELL = "assert answer() == 7"
LOOP = "\nwhile True:\n    pass"


@pytest.fixture(scope="module")
def graders_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("graders")
    (folder / ASSIGNMENT).mkdir()
    (folder / ASSIGNMENT / f"test_{ASSIGNMENT}.py").write_text(GRADERS)
    return folder


def settings(graders_dir: Path, secret: Path, **changes) -> Grading:
    return Grading(config=Config({"Grading": {**LIMITS, **changes}}), graders_dir=str(graders_dir),
                   secret_path=str(secret))


@pytest.fixture(scope="module")
def grading(graders_dir, tmp_path_factory) -> Grading:
    """The settings of these tests, their zygote warm (its start is no cell's time)."""
    grading = settings(graders_dir, tmp_path_factory.mktemp("secret") / "secret")
    with grading.student_process(capture=False) as warm:
        warm.cells = [(0, "pass")]
        warm.start()
    return grading


def notebook(answer: str, *extra: str) -> nbformat.NotebookNode:
    """A plain setup cell, the answer cell (grade_id "answer"), any `extra` cells, the test cell."""
    nb = nbformat.v4.new_notebook()
    setup, solution = nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(answer)
    solution.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "answer", "locked": False,
                                     "schema_version": 3}
    test = nbformat.v4.new_code_cell(TEST_CELL)
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_answer", "points": 2,
                                 "locked": True, "schema_version": 3}
    nb.cells = [setup, solution, *(nbformat.v4.new_code_cell(src) for src in extra), test]
    return nb


# the model solution's times: the answer cell took 0.1 s (a budget of 1 s), the rest next to nothing
TIMES = SolutionTimes({source_key(SETUP): 0.001, "answer": 0.1, "test_answer": 0.002})


def grade(nb, grading: Grading, budgets: SolutionTimes | None = TIMES):
    """(the grade, seconds it took)."""
    began = time.monotonic()
    graded = grade_notebook_node(nb, "s1", ASSIGNMENT, ASSIGNMENT, grading, budgets=budgets)
    return graded, time.monotonic() - began


def error_of(cell) -> dict:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, cell.outputs
    return errors[0]


def feedback(nb) -> str:
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs)


def test_a_looping_cell_stops_at_its_budget_and_the_feedback_names_it(grading):
    nb = notebook(SOLUTION + LOOP)
    graded, seconds = grade(nb, grading)
    assert seconds < CELL_TIMEOUT / 2, f"stopped after {seconds:.1f} s, not at its 1 s budget"
    error = error_of(nb.cells[1])
    why = "this cell's budget (10 x the model solution's time, at least 1 s)"
    assert error.ename == "OutOfBudget" and error.evalue == f"stopped after 1.0 s, {why}"
    assert graded.report["notebook_errors"] == [{"cell": 1, "error": f"OutOfBudget: stopped after 1.0 s, {why}"}]
    # the function was defined before the loop: its test still passes, and the feedback does not list the loop
    assert graded.report["cells"]["test_answer"]["score"] == 2


def test_a_cell_stopped_before_its_answer_costs_the_points_and_says_why(grading):
    nb = notebook("while True:\n    pass\n" + SOLUTION)
    graded, seconds = grade(nb, grading)
    assert seconds < CELL_TIMEOUT / 2
    assert graded.report["cells"]["test_answer"]["score"] == 0
    text = feedback(nb)
    assert "Hidden tests: 0 of 2 points" in text
    assert ("cell 1: ran out of its budget: stopped after 1.0 s, this cell's budget "
            "(10 x the model solution's time, at least 1 s)") in text, text
    assert "CellTimeout" not in text


def test_a_slow_but_honest_cell_is_within_its_budget_and_keeps_its_points(grading):
    # three times the solution's 0.1 s and then some: well within 10 x, at least 1 s
    nb = notebook("time.sleep(0.4)\n" + SOLUTION)
    graded, _ = grade(nb, grading)
    assert graded.report["cells"]["test_answer"]["score"] == 2
    assert graded.report["notebook_errors"] == []
    assert not [o for c in nb.cells[:-1] for o in c.outputs if o.output_type == "error"]


def test_with_budgets_off_the_loop_runs_to_the_cell_timeout(graders_dir, tmp_path):
    timeout = 3.0
    off = settings(graders_dir, tmp_path / "secret", budgets=False, cell_timeout=timeout)
    assert cell_budgets(off, notebook(SOLUTION), TIMES) == {}
    nb = notebook(SOLUTION + LOOP)
    graded, seconds = grade(nb, off)
    assert seconds >= timeout
    assert error_of(nb.cells[1]).ename == "CellTimeout"
    assert graded.report["cells"]["test_answer"]["score"] == 2


def test_a_cell_the_student_added_gets_the_largest_budget_of_the_notebook(grading):
    times = SolutionTimes({**TIMES.seconds, "answer": 0.2})   # the largest: 10 x 0.2 s = 2 s
    nb = notebook(SOLUTION, "x = 1", "while True:\n    pass")
    assert cell_budgets(grading, nb, times) == {
        0: (1.0, "this cell's budget (10 x the model solution's time, at least 1 s)"),
        1: (2.0, "this cell's budget (10 x the model solution's time, at least 1 s)"),
        2: (2.0, ADDED_NOTE), 3: (2.0, ADDED_NOTE),   # not in the solution: the largest
        4: (1.0, "this cell's budget (10 x the model solution's time, at least 1 s)")}
    graded, seconds = grade(nb, grading, times)
    assert 2.0 <= seconds < CELL_TIMEOUT / 2
    assert error_of(nb.cells[3]).evalue == f"stopped after 2.0 s, {ADDED_NOTE}"
    assert graded.report["cells"]["test_answer"]["score"] == 2


def test_a_budget_is_a_multiple_with_a_floor_capped_by_the_cell_timeout(grading):
    assert grading.budget(0.01) == 1.0
    assert grading.budget(0.5) == 5.0
    assert grading.budget(10.0) == CELL_TIMEOUT
    # a cell whose budget is the cell timeout needs none of its own
    assert cell_budgets(grading, notebook(SOLUTION), SolutionTimes({"answer": 5.0})) == {}


def test_defaults_are_generous():
    defaults = Grading()
    assert defaults.budgets is True
    assert (defaults.budget_factor, defaults.budget_floor) == (10.0, 5.0)


def test_cells_are_keyed_by_grade_id_else_by_their_exact_source():
    nb = notebook(SOLUTION)
    assert [cell_key(c) for c in nb.cells] == [source_key(SETUP), "answer", "test_answer"]
    assert source_key(SETUP) != source_key(SETUP + " ")
    assert TIMES.of(nbformat.v4.new_code_cell(SETUP)) == 0.001
    assert TIMES.of(nbformat.v4.new_code_cell(SETUP + "\n")) is None


# -- the files --------------------------------------------------------------------------------------
def test_solution_times_round_trip_through_json(tmp_path):
    path = tmp_path / "budgets" / "a" / "a.json"
    TIMES.save(path, about={"about": "what was timed"})
    assert SolutionTimes.load(path) == TIMES
    assert SolutionTimes.from_json(json.loads(json.dumps(TIMES.to_json()))) == TIMES
    assert json.loads(path.read_text())["about"] == "what was timed"


@pytest.mark.parametrize("text", ["{not json", '{"seconds": [1, 2]}', '{"seconds": {"answer": "slow"}}',
                                  '{"seconds": {"answer": -1}}', "[]"])
def test_a_broken_times_file_is_an_error_naming_it(tmp_path, text):
    course = copy_course(tmp_path / "course", include_release=False)
    path = course / "budgets" / "perceptron" / "perceptron.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(BudgetFileError, match=str(path)):
        solution_times(Course.open(course), "perceptron", "perceptron")


def test_a_notebook_without_times_is_graded_without_budgets(tmp_path):
    course = Course.open(copy_course(tmp_path / "course", include_release=False))
    assert solution_times(course, "perceptron", "no_such_notebook") is None
    assert cell_budgets(Grading(), notebook(SOLUTION), None) == {}


def test_the_course_assignments_have_their_times(tmp_path):
    """Committed with the course: a fresh clone grades with budgets."""
    course = Course.open()
    for assignment in course.assignments:
        for name in course.notebooks(assignment):
            times = solution_times(course, assignment, name)
            assert times is not None and times.seconds, f"budgets/{assignment}/{name}.json"
            source = nbformat.read(course.source(assignment) / f"{name}.ipynb", as_version=4)
            keys = {cell_key(c) for c in source.cells if c.cell_type == "code"}
            assert keys == set(times.seconds), f"budgets/{assignment}/{name}.json is out of date: `make release`"
            # every cell of the student's version finds its solution cell: none gets the largest budget
            release = nbformat.read(course.release(assignment) / f"{name}.ipynb", as_version=4)
            assert [i for i, c in enumerate(release.cells) if c.cell_type == "code" and times.of(c) is None] == []


def test_a_loop_that_ignores_the_interrupt_is_killed_at_its_budget(grading):
    """The grader's side waits for a cell about its budget, not the cell timeout: a loop that swallows
    the interrupt is killed then, and the notebook runs again without it."""
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
    cells = [(0, "x = 1"), (1, stubborn), (2, "y = x + 1")]
    began = time.monotonic()
    with grading.student_process(capture=False, cell_budgets={1: (1.0, "a test budget")}) as student:
        student.cells = cells
        run = student.start()
        assert student.get("y") == 2
    assert time.monotonic() - began < CELL_TIMEOUT / 2
    assert run.skipped_cells == [1]
    assert set(run.cell_seconds) == {0, 2}, "each cell that ran has its time"


@pytest.mark.parametrize("assignment", Course.open().assignments)
def test_the_model_solution_earns_every_point_within_its_budgets(assignment, tmp_path):
    """With the course's defaults (10 x, at least 5 s, at most the 60 s cell timeout) and its
    committed times, the solution of each assignment loses nothing to a budget."""
    from nnlab.demo import submissions

    course = Course.open()
    source = nbformat.read(course.source(assignment) / f"{assignment}.ipynb", as_version=4)
    release = nbformat.read(course.release(assignment) / f"{assignment}.ipynb", as_version=4)
    defaults = Grading(secret_path=str(tmp_path / "secret"))
    times = solution_times(course, assignment, assignment)
    assert cell_budgets(defaults, source, times), "some cell has a budget under the cell timeout"
    nb = nbformat.from_dict(submissions.correct(release, source))
    report = grade_notebook_node(nb, "s1", assignment, assignment, defaults, budgets=times).report
    assert report["notebook_errors"] == []
    assert all(cell["score"] == cell["points"] for cell in report["cells"].values()), report


# -- plain nbgrader autograde: SandboxedExecute loads the course's times -----------------------------
def autograde_in(course: Course, nb) -> tuple:
    """SandboxedExecute on `nb` as one student's perceptron notebook of `course`: (nb, seconds)."""
    from nnlab.autograde.sandboxed_execute import SandboxedExecute

    step = SandboxedExecute(config=course.config)
    resources = {"nbgrader": {"student": "s1", "assignment": "perceptron", "notebook": "perceptron"}}
    began = time.monotonic()
    nb, _ = step.preprocess(nb, resources)
    return nb, time.monotonic() - began


@pytest.fixture
def looping_perceptron():
    from nnlab.demo import submissions

    course = Course.open()
    source = nbformat.read(course.source("perceptron") / "perceptron.ipynb", as_version=4)
    release = nbformat.read(course.release("perceptron") / "perceptron.ipynb", as_version=4)
    return nbformat.from_dict(submissions.append_to_cell(submissions.correct(release, source), "step", LOOP))


def test_sandboxed_execute_stops_a_loop_at_the_budget_the_course_keeps(tmp_path, looping_perceptron):
    root = copy_course(tmp_path / "course")   # with release/ and budgets/
    with open(root / "course_config.py", "a") as config:
        config.write(f"\nc.Grading.cell_timeout = 30.0\nc.Grading.secret_path = {str(tmp_path / 'secret')!r}\n")
    nb, seconds = autograde_in(Course.open(root), looping_perceptron)
    assert seconds < 25, "the loop stopped at its 5 s budget, not the 30 s cell timeout"
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "step")
    assert error_of(cell).evalue == ("stopped after 5.0 s, this cell's budget "
                                     "(10 x the model solution's time, at least 5 s)")


def test_sandboxed_execute_names_a_broken_times_file(tmp_path, looping_perceptron):
    root = copy_course(tmp_path / "course")
    (root / "budgets" / "perceptron" / "perceptron.json").write_text("{")
    with pytest.raises(BudgetFileError, match="budgets/perceptron/perceptron.json"):
        autograde_in(Course.open(root), looping_perceptron)
