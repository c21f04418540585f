"""One long-lived `Grader` grades two different subsets of a class, then grades again after a hidden
grader was changed on disk: its workers read the changed grader at the next notebook, with no restart."""
from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook
from test_batch import ASSIGNMENT, make_course

from nnlab.batch.grader import Grader, Plan, longest_first
from nnlab.batch.run import Status, log_file
from nnlab.batch.state import Todo
from nnlab.batch.workers import Job
from nnlab.course import PROJECT_ROOT, Course
from nnlab.graders.budgets import SolutionTimes


def scores(course: Course) -> dict[str, float]:
    with Gradebook(course.db_url, course.course_id) as gb:
        return {s.student.id: s.code_score for s in gb.find_assignment(ASSIGNMENT).submissions}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_config):
    """A class of four (ada right, ben the release, cara a typical mistake, finn not JSON) whose hidden
    graders live in a copy the test may change; one Grader grades ada and ben, then cara, then ada
    again after a grader of hers changed."""
    folder = tmp_path_factory.mktemp("grader")
    graders = folder / "graders"
    shutil.copytree(PROJECT_ROOT / "nnlab" / "graders" / ASSIGNMENT, graders / ASSIGNMENT)
    course_folder = make_course(folder / "course", fast_config + f"c.Grading.graders_dir = {str(graders)!r}\n")
    course = Course.open(course_folder)
    found = {}
    with Grader(course, keep_log=True) as grader:
        found["first"] = grader.grade([ASSIGNMENT], students=["ada", "ben"])
        found["after first"] = scores(course)
        app, pool = grader.application, grader.workers
        found["second"] = grader.grade([ASSIGNMENT], students=["cara"])
        found["after second"] = scores(course)
        found["same workers"] = grader.application is app and grader.workers is pool
        module = graders / ASSIGNMENT / f"test_{ASSIGNMENT}.py"
        module.write_text(module.read_text() + _FAILING_STEP_TEST)
        shutil.rmtree(course.autograded("ada", ASSIGNMENT))   # ada's hand-in is graded afresh
        found["third"] = grader.grade([ASSIGNMENT], students=["ada"])
        found["after third"] = scores(course)
    found["log"] = log_file(course).read_text()
    with Grader(course) as grader:   # as `nnlab grade` does: the log of this run only
        grader.grade([ASSIGNMENT], students=["finn"])
    found["fresh log"] = log_file(course).read_text()
    return found


# A hidden test added to the step question that no answer passes: after the change, ada loses its points.
_FAILING_STEP_TEST = '''


@pytest.mark.grade("test_step", points=1)
def test_added_later_that_no_answer_passes(student):
    """a hidden test added after the first grading"""
    assert False
'''


def test_each_run_grades_its_subset_only(graded):
    first = {(n.student, n.status) for n in graded["first"].notebooks}
    assert first == {("ada", Status.GRADED), ("ben", Status.GRADED)}
    assert set(graded["after first"]) == {"ada", "ben"}
    assert graded["after first"]["ada"] > graded["after first"]["ben"] == 0
    second = {(n.student, n.status) for n in graded["second"].notebooks}
    assert second == {("cara", Status.GRADED)}
    assert set(graded["after second"]) == {"ada", "ben", "cara"}
    assert {s: graded["after second"][s] for s in ("ada", "ben")} == graded["after first"]


def test_a_kept_log_holds_every_run_and_a_fresh_one_the_last(graded):
    runs = [line for line in graded["log"].splitlines() if line.startswith("== grading")]
    assert [run.split(" at ")[0] for run in runs] == [f"== grading {ASSIGNMENT} of ada, ben", f"== grading {ASSIGNMENT} of cara",
                                                      f"== grading {ASSIGNMENT} of ada"]
    assert "cara" in graded["log"] and "ben" in graded["log"]
    assert graded["fresh log"].startswith(f"== grading {ASSIGNMENT} of finn") and "cara" not in graded["fresh log"]


def test_the_same_application_and_workers_serve_every_run(graded):
    assert graded["same workers"]


def test_a_grader_changed_on_disk_is_read_at_the_next_grading(graded):
    [ada] = graded["third"].notebooks
    assert ada.status is Status.GRADED
    assert graded["after third"]["ada"] < graded["after first"]["ada"]
    assert {s: graded["after third"][s] for s in ("ben", "cara")} == {s: graded["after second"][s] for s in ("ben", "cara")}


def _catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has a handler of its own for `signum` (/proc's SigCgt mask)."""
    with open(f"/proc/{pid}/status") as status:
        mask = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
    return bool(mask >> (signum - 1) & 1)


def _until_broken(pool, seconds: float = 30.0) -> None:
    """Wait until the pool has noticed that it lost a process (its own thread reaps it)."""
    import time
    from concurrent.futures.process import BrokenProcessPool

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pool.submit(int).result()
        except BrokenProcessPool:
            return
        time.sleep(0.1)
    raise AssertionError("the pool never noticed its killed worker")


def test_a_worker_killed_between_runs_is_replaced_and_workers_end_on_sigterm(tmp_path, fast_config):
    import os
    import signal

    course = Course.open(make_course(tmp_path / "course", fast_config))
    course.config.BaseConverter.force = True
    before = signal.signal(signal.SIGTERM, lambda *_: None)   # a service's own "stop after this turn"
    try:
        with Grader(course) as grader:
            first = grader.grade([ASSIGNMENT], students=["ada"])
            pool = grader.workers
            pids = list(pool._processes)
            assert pids and not any(_catches(pid, signal.SIGTERM) for pid in pids)   # the default: SIGTERM ends it
            os.kill(pids[0], signal.SIGKILL)
            _until_broken(pool)
            second = grader.grade([ASSIGNMENT], students=["ada"])
            assert grader.workers is not pool                     # a pool that lost a process is made again
    finally:
        signal.signal(signal.SIGTERM, before)
    assert [(n.student, n.status) for n in first.notebooks] == [("ada", Status.GRADED)]
    assert [(n.student, n.status) for n in second.notebooks] == [("ada", Status.GRADED)]
    assert scores(course)["ada"] > 0


def test_the_slowest_assignment_is_graded_first_and_reported_in_the_order_asked():
    quick, slow = SolutionTimes({"a": 0.2, "b": 0.3}), SolutionTimes({"train": 9.0, "test_train": 1.0})
    jobs = [Job(s, a, a, f"/{s}/{a}.ipynb", times) for a, times in (("perceptron", quick), ("pytorch", slow),
                                                                   ("untimed", None)) for s in ("ada", "ben")]
    plan = longest_first(Plan({a: Todo() for a in ("perceptron", "pytorch", "untimed")}, list(jobs)))
    assert list(plan.todo) == ["pytorch", "perceptron", "untimed"]       # the writer records in this order too
    assert [(j.assignment, j.student) for j in plan.jobs] == [
        ("pytorch", "ada"), ("pytorch", "ben"), ("perceptron", "ada"), ("perceptron", "ben"),
        ("untimed", "ada"), ("untimed", "ben")]
