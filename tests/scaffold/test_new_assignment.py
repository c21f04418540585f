"""`nnlab new-assignment NAME` (nnlab.scaffold): a new assignment in one step.

In a temporary course with a temporary package (the repository is never touched): the scaffold
is released, handed in by four students and autograded through real nbgrader with its own hidden
graders, found through the course's `c.Grading.graders_dir`. The right answer earns the test
cell's points, the untouched release earns none, and each scaffolded typical mistake earns exactly
its documented score. Then the refusals: a bad name, a name already taken, a wrong course folder.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from nnlab.cli import new_assignment
from nnlab.cli.context import Course, Nbgrader, UsageError
from nnlab.course import copy_course
from nnlab.demo import submissions
from nnlab.demo.term import Student, Term
from nnlab.scaffold import ScaffoldError, register, registered, scaffold

NAME = "week_seven"
PACKAGE = "coursepkg"   # the temporary package: tmp/coursepkg/{graders,reference,demo/mistakes}


def graders_dir_line(package_root: Path) -> str:
    return f"c.Grading.graders_dir = {str(package_root / 'graders')!r}\n"


def load_mistakes(package_root: Path, name: str) -> list:
    path = package_root / "demo" / "mistakes" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"scaffolded_mistakes_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MISTAKE_SETS


def assignments_of(course: Path) -> list[str]:
    """c.Course.assignments as nbgrader reads the course's configuration."""
    return list(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config().Course.assignments)


# -- release and autograde through real nbgrader ------------------------------------------------
class ScaffoldTerm(Term):
    """A term whose nbgrader also imports the temporary package (the graders' reference module)."""

    def env(self) -> dict:
        path = os.pathsep.join(p for p in [str(self.workdir), os.environ.get("PYTHONPATH", "")] if p)
        return {**super().env(), "PYTHONPATH": path}


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config) -> ScaffoldTerm:
    workdir = tmp_path_factory.mktemp("scaffold-term")
    package_root = workdir / PACKAGE
    mistakes: list = []   # the scaffold's typical mistakes, read once it is written

    def with_mistake(index: int):
        return lambda a, release, source: submissions.with_mistakes(release, source, mistakes[index].answers)

    students = [
        Student("right", "Rita", "Right", "the scaffold's own solution", lambda a, r, s: submissions.correct(r, s)),
        Student("untouched", "Ulf", "Untouched", "hands in the release", lambda a, r, s: r),
        Student("wrong", "Wanda", "Wrong", "the products never added up", with_mistake(0)),
        Student("inplace", "Ian", "Inplace", "overwrites the weights", with_mistake(1)),
    ]
    term = ScaffoldTerm(workdir, [NAME], students, extra_config=fast_config + graders_dir_line(package_root))
    term.set_up()
    scaffold(term.course, NAME, package_root=package_root)
    mistakes += load_mistakes(package_root, NAME)
    term.mistakes = mistakes
    term.release()
    term.hand_in()
    term.collect()
    term.nbgrader("autograde", NAME)   # plain nbgrader; it fails the fixture, with its output, on any error
    return term


def test_cells(course: Path) -> dict[str, float]:
    return submissions.autograded_points(nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4))


test_cells.__test__ = False  # a helper, not a test


def recorded(term: Term, student: str) -> dict[str, tuple[float | None, bool]]:
    """{grade_id: (auto score, needs a manual grade)} of the student's notebook in the gradebook."""
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        notebook = gb.find_submission_notebook(NAME, NAME, student)
        return {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades}


def auto_scores(term: Term, student: str) -> dict[str, float]:
    cells = test_cells(term.course)
    return {cell: score or 0.0 for cell, (score, _) in recorded(term, student).items() if cell in cells}


def test_the_scaffold_is_released_without_its_solution(term):
    release = (term.course / "release" / NAME / f"{NAME}.ipynb").read_text()
    assert "raise NotImplementedError()" in release and "YOUR ANSWER HERE" in release
    assert "BEGIN SOLUTION" not in release and "np.dot" not in release and "Model answer" not in release


def test_right_answer_earns_the_test_cells_points(term):
    assert test_cells(term.course) == {"test_weighted_sum": 2.0}
    assert auto_scores(term, "right") == pytest.approx(test_cells(term.course))


def test_untouched_release_earns_nothing(term):
    assert auto_scores(term, "untouched") == {"test_weighted_sum": 0.0}


@pytest.mark.parametrize("student, index", [("wrong", 0), ("inplace", 1)])
def test_each_scaffolded_mistake_earns_its_documented_score(term, student, index):
    mistakes = term.mistakes[index]
    assert auto_scores(term, student) == pytest.approx(mistakes.expected), mistakes.name
    assert mistakes.expected["test_weighted_sum"] < test_cells(term.course)["test_weighted_sum"]


def test_written_answer_waits_for_the_instructor(term):
    assert recorded(term, "right")["written_answer"][1] is True


# -- what is written, and the one list -----------------------------------------------------------
@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the course whose hidden graders are read from tmp/coursepkg/graders."""
    course = copy_course(tmp_path / "course", include_release=False)
    with open(course / "course_config.py", "a") as config:
        config.write("\n" + graders_dir_line(tmp_path / PACKAGE))
    return course


def written(tmp_path: Path) -> set[Path]:
    return {p for p in tmp_path.rglob("*") if p.is_file()}


def test_scaffold_writes_four_files_and_one_list_entry(course, tmp_path):
    before, config_before = written(tmp_path), (course / "course_config.py").read_text()
    plan = scaffold(course, NAME, package_root=tmp_path / PACKAGE)
    package = tmp_path / PACKAGE
    assert list(plan.files) == [course / "source" / NAME / f"{NAME}.ipynb",
                                package / "graders" / NAME / f"test_{NAME}.py",
                                package / "reference" / f"{NAME}.py", package / "demo" / "mistakes" / f"{NAME}.py"]
    assert written(tmp_path) - before == set(plan.files)
    assert assignments_of(course)[-1] == NAME
    assert assignments_of(course)[:-1] == registered(config_before, course / "course_config.py")
    config_after = (course / "course_config.py").read_text()
    assert config_after.replace(f', "{NAME}"]', "]", 1) == config_before   # nothing else changed
    grader = (package / "graders" / NAME / f"test_{NAME}.py").read_text()
    assert f"from {PACKAGE}.reference import {NAME} as ref" in grader


def test_scaffolded_notebook_follows_the_course_conventions(course, tmp_path):
    scaffold(course, NAME, package_root=tmp_path / PACKAGE)
    nb = nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    nbformat.validate(nb)
    graded = {c.metadata.nbgrader["grade_id"]: (c.cell_type, c.metadata.nbgrader) for c in nb.cells
              if "nbgrader" in c.metadata}
    assert graded["weighted_sum"] == ("code", {"grade": False, "grade_id": "weighted_sum", "locked": False,
                                               "schema_version": 3, "solution": True})
    assert graded["test_weighted_sum"] == ("code", {"grade": True, "grade_id": "test_weighted_sum", "locked": True,
                                                    "points": 2, "schema_version": 3, "solution": False})
    assert graded["written_answer"] == ("markdown", {"grade": True, "grade_id": "written_answer", "locked": False,
                                                     "points": 1, "schema_version": 3, "solution": True})
    solution = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "weighted_sum")
    assert "### BEGIN SOLUTION" in solution and "### END SOLUTION" in solution
    assert nb.cells[0].source.startswith("# Week seven")
    assert len({c.id for c in nb.cells}) == len(nb.cells)


LISTS = [
    ('c.Course.assignments = ["a", "b"]  # in order\n', 'c.Course.assignments = ["a", "b", "new"]  # in order\n'),
    ("c.Course.assignments = ['a']\n", "c.Course.assignments = ['a', 'new']\n"),
    ("c.Course.assignments = []\n", 'c.Course.assignments = ["new"]\n'),
    ('c.Course.assignments = [\n    "a",\n    "b",  # week 3\n]\nx = 1\n',
     'c.Course.assignments = [\n    "a",\n    "b",  # week 3\n    "new",\n]\nx = 1\n'),
    ('c.Course.assignments = ["a",\n                        "b"]\n',
     'c.Course.assignments = ["a",\n                        "b", "new"]\n'),
    ('c.Course.assignments = [\n    "a",\n    "b"\n]\n',
     'c.Course.assignments = [\n    "a",\n    "b",\n    "new"\n]\n'),
    ('if True:\n    c.Course.assignments = [\n        "a",\n    ]\n',
     'if True:\n    c.Course.assignments = [\n        "a",\n        "new",\n    ]\n'),
]


@pytest.mark.parametrize("before, after", LISTS)
def test_register_adds_the_name_and_keeps_the_layout(before, after):
    assert register(before, "new", Path("course_config.py")) == after


# -- refusals -------------------------------------------------------------------------------------
def assert_refused(course: Path, tmp_path: Path, name: str, match: str) -> None:
    before = {p: p.read_bytes() for p in written(tmp_path)}
    with pytest.raises(ScaffoldError, match=match) as refused:
        scaffold(course, name, package_root=tmp_path / PACKAGE)
    assert "\n" not in str(refused.value)
    assert {p: p.read_bytes() for p in written(tmp_path)} == before, "a refusal writes nothing"


@pytest.mark.parametrize("name", ["7weeks", "week-7", "week 7", "class", "wëek", "", "../x"])
def test_a_name_that_is_no_identifier_is_refused(course, tmp_path, name):
    assert_refused(course, tmp_path, name, "is not a valid assignment name")


@pytest.mark.parametrize("where", ["source", "release", "graders", "reference", "mistakes"])
def test_a_name_taken_by_any_file_is_refused(course, tmp_path, where):
    package = tmp_path / PACKAGE
    taken = {"source": course / "source" / NAME / f"{NAME}.ipynb",
             "release": course / "release" / NAME / "x.ipynb",
             "graders": package / "graders" / NAME / f"test_{NAME}.py",
             "reference": package / "reference" / f"{NAME}.py",
             "mistakes": package / "demo" / "mistakes" / f"{NAME}.py"}[where]
    taken.parent.mkdir(parents=True, exist_ok=True)
    taken.write_text("")
    assert_refused(course, tmp_path, NAME, f"assignment '{NAME}' already exists: .*{where}")


def test_a_name_already_in_the_list_or_the_course_is_refused(course, tmp_path):
    assert_refused(course, tmp_path, "perceptron", r"already exists: source/perceptron, .*c\.Course\.assignments")
    config = course / "course_config.py"
    config.write_text(register(config.read_text(), "planned", config))
    assert_refused(course, tmp_path, "planned", r"already exists: c\.Course\.assignments in course_config\.py")


def test_a_second_scaffold_of_the_same_name_is_refused(course, tmp_path):
    scaffold(course, NAME, package_root=tmp_path / PACKAGE)
    assert_refused(course, tmp_path, NAME, "already exists")


def test_a_wrong_course_folder_is_refused(course, tmp_path):
    assert_refused(tmp_path / "nowhere", tmp_path, NAME, "no course folder at")
    (tmp_path / "empty").mkdir()
    assert_refused(tmp_path / "empty", tmp_path, NAME, "is not a course folder: it has no course_config.py")
    config = course / "course_config.py"
    config.write_text(config.read_text().replace("c.Course.assignments = [", "ASSIGNMENTS = ["))
    assert_refused(course, tmp_path, NAME, r"has no `c\.Course\.assignments = \[\.\.\.\]` line")
    config.write_text(config.read_text() + "c.Course.assignments = ASSIGNMENTS\n")
    assert_refused(course, tmp_path, NAME, "is not a plain list of names")


# -- the command ------------------------------------------------------------------------------------
def command(course: Path, *argv: str, dry_run: bool = False) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    new_assignment.add_arguments(parser)
    opened = Course.open(course)
    out = io.StringIO()
    with redirect_stdout(out):
        code = new_assignment.run(parser.parse_args(argv), opened, Nbgrader(opened, dry_run=dry_run))
    return code, out.getvalue()


def test_command_scaffolds_and_generates_the_release(course, tmp_path):
    code, out = command(course, NAME, "--package", str(tmp_path / PACKAGE))
    assert code == 0, out
    assert f"$ nbgrader generate_assignment {NAME} --force" in out
    assert f"source/{NAME}/{NAME}.ipynb" in out and f"'{NAME}' added to c.Course.assignments" in out
    assert (course / "release" / NAME / f"{NAME}.ipynb").is_file()


def test_command_dry_run_writes_nothing(course, tmp_path):
    before = {p: p.read_bytes() for p in written(tmp_path)}
    code, out = command(course, NAME, "--package", str(tmp_path / PACKAGE), dry_run=True)
    assert code == 0
    assert "# would write the assignment" in out and f"nbgrader generate_assignment {NAME} --force" in out
    assert {p: p.read_bytes() for p in written(tmp_path)} == before


def test_command_refusal_is_a_usage_error(course, tmp_path):
    with pytest.raises(UsageError, match="'week-7' is not a valid assignment name"):
        command(course, "week-7", "--package", str(tmp_path / PACKAGE))


def test_command_line_exit_code_2_with_one_line(course, tmp_path, capsys):
    from nnlab.cli.app import COMMANDS, main

    if "new-assignment" not in COMMANDS:
        pytest.skip("nnlab/cli/app.py does not list new-assignment yet")
    assert main(["new-assignment", "perceptron", "--course", str(course), "--package", str(tmp_path / PACKAGE)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("nnlab new-assignment: error: assignment 'perceptron' already exists: source/perceptron")
