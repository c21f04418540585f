"""The gradebook writer records what the workers prepared (nbgrader_adapter.Prepared): the same files,
grades, comments and log as when it runs every step of nbgrader's two passes itself. A course whose
own step is not known to change only the notebook gets the writer's full passes, as before."""
from __future__ import annotations

import re
from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from test_batch import ASSIGNMENT, grades, make_course

from nnlab.batch.grader import Grader, Prefetched
from nnlab.batch.nbgrader_adapter import Prepared, worker_steps, worker_writes
from nnlab.batch.run import log_file
from nnlab.batch.workers import Job, JobResult
from nnlab.course import Course
from nnlab.digest import file_digest

# A course's own first step of the second pass, one nnlab does not know: everything from it on, and so
# every step, runs in the writer. It changes nothing, so both courses must end alike.
OWN_STEP = """
from nbgrader.preprocessors import NbGraderPreprocessor as _Step


class CourseOwnStep(_Step):
    def preprocess(self, nb, resources):
        return nb, resources


c.Autograde.autograde_preprocessors = [CourseOwnStep] + list(c.Autograde.autograde_preprocessors)
"""


# A course's own last step that changes the notebook: the workers still run the steps before SaveAutoGrades,
# but the writer must write the notebook this step leaves, not the worker's text.
OWN_LAST_STEP = """
from nbgrader.preprocessors import NbGraderPreprocessor as _Step


class MarkGraded(_Step):
    def preprocess(self, nb, resources):
        nb.metadata["graded_by_course_step"] = resources["nbgrader"]["student"]
        return nb, resources


c.Autograde.autograde_preprocessors = list(c.Autograde.autograde_preprocessors) + [MarkGraded]
"""


def comments(course: Course) -> dict[tuple[str, str], str | None]:
    with Gradebook(course.db_url, course.course_id) as gb:
        return {(s.student_id, comment.name): comment.auto_comment
                for s in gb.find_assignment(ASSIGNMENT).submissions
                for notebook in s.notebooks for comment in notebook.comments}


def log_lines(course: Course) -> list[str]:
    """The writer's log, its times and paths left out."""
    text = log_file(course).read_text()
    text = text.replace(str(course.root), "COURSE")
    return [re.sub(r"\d+\.\d+ s", "T s", line) for line in text.splitlines()
            if "Applying preprocessor" not in line]


@pytest.fixture(scope="module")
def twins(tmp_path_factory, fast_config):
    """The same class graded by a course whose workers prepare the notebooks and by one whose writer runs
    every step (its own step first)."""
    folder = tmp_path_factory.mktemp("writer")
    prepared = Course.open(make_course(folder / "prepared", fast_config))
    full = Course.open(make_course(folder / "full", fast_config + OWN_STEP))
    runs = {}
    for name, course in (("prepared", prepared), ("full", full)):
        with Grader(course) as grader:
            runs[name] = grader.grade([ASSIGNMENT])
    return prepared, full, runs


def test_the_workers_prepare_only_where_the_course_steps_are_known(twins):
    prepared, full, _ = twins
    assert worker_steps(prepared.config) == 5     # SandboxedExecute .. LimitOutput; SaveAutoGrades is the writer's
    assert worker_steps(full.config) == 0
    assert worker_writes(prepared.config)         # SaveAutoGrades, AssignLatePenalties, CheckCellMetadata only read
    assert not worker_writes(full.config)


def test_a_course_step_after_the_recording_steps_writes_its_own_notebook(tmp_path, fast_config):
    course = Course.open(make_course(tmp_path / "own-last", fast_config + OWN_LAST_STEP))
    assert worker_steps(course.config) == 5 and not worker_writes(course.config)
    with Grader(course) as grader:
        run = grader.grade([ASSIGNMENT])
    graded = {n.student for n in run.notebooks if n.status.value == "graded"}
    assert graded == {"ada", "ben", "cara"}
    for student in graded:
        notebook = nbformat.read(course.autograded(student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb", as_version=4)
        assert notebook.metadata.get("graded_by_course_step") == student


def test_recording_the_workers_notebooks_writes_what_nbgrader_writes_itself(twins):
    prepared, full, runs = twins
    graded = {n.student for n in runs["prepared"].notebooks if n.status.value == "graded"}
    assert graded == {"ada", "ben", "cara"}
    assert graded == {n.student for n in runs["full"].notebooks if n.status.value == "graded"}
    for student in graded:
        mine = prepared.autograded(student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
        theirs = full.autograded(student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
        assert mine.read_bytes() == theirs.read_bytes(), student
    assert grades(Path(prepared.root)) == grades(Path(full.root))
    assert comments(prepared) == comments(full)
    ada = grades(Path(prepared.root))
    assert sum(v[0] or 0 for (s, n), v in ada.items() if s == "ada" and n != "late") > 0   # not all zeros


def test_what_the_workers_steps_log_is_in_the_writers_log_once(twins):
    prepared, full, _ = twins
    mine, theirs = log_lines(prepared), log_lines(full)
    graded = [line for line in mine if line.startswith("[AutogradeApp | INFO] Graded ")]
    assert len(graded) == 3                        # one per graded notebook, none twice
    warnings = [line for line in mine if "| WARNING]" in line]
    assert any("has changed!" in line for line in warnings)   # OverwriteCells, in the workers' first pass
    assert sorted(graded) == sorted(line for line in theirs if line.startswith("[AutogradeApp | INFO] Graded "))
    assert sorted(warnings) == sorted(line for line in theirs if "| WARNING]" in line)


def test_a_notebook_changed_after_the_worker_read_it_is_not_taken(tmp_path):
    submitted = tmp_path / "perceptron.ipynb"
    submitted.write_text(nbformat.writes(nbformat.v4.new_notebook()))
    job = Job("ada", ASSIGNMENT, ASSIGNMENT, str(submitted))
    notebook = nbformat.v4.new_notebook()
    result = JobResult(job, prepared=Prepared(file_digest(submitted), nbformat.writes(notebook), notebook))
    done: Future = Future()
    done.set_result(result)
    prefetched = Prefetched({("ada", ASSIGNMENT, ASSIGNMENT): done}, [job])
    assert prefetched.prepared(str(submitted)) is result.prepared
    submitted.write_text(nbformat.writes(nbformat.v4.new_notebook(metadata={"changed": True})))
    assert prefetched.prepared(str(submitted)) is None           # the writer runs every step on the new file
    assert prefetched.prepared(str(tmp_path / "other.ipynb")) is None
