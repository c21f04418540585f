"""`nnlab grade --scheduler`: a real Dask scheduler and `dask worker` processes on this machine
grade a small class. The gradebook is the one the local workers give; a worker killed mid-class
costs nothing; a worker with other course code grades nothing; a scheduler that goes away stops
the run, which keeps what it recorded, and the next run grades only the rest."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from distributed import Client
from test_batch import ASSIGNMENT, batch, grades, make_course, put, scores

from nnlab.batch.grader import Grader
from nnlab.batch.local_cluster import LocalCluster
from nnlab.batch.run import last_run
from nnlab.course import PROJECT_ROOT, Course, nbgrader_environment
from nnlab.demo import submissions

SLOW = 1.5   # seconds a slow hand-in sleeps in a cell of its own: well inside every budget and timeout


def slow_hand_in() -> bytes:
    """A correct notebook that takes a while (a student who added a cell that waits)."""
    release = nbformat.read(PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    source = nbformat.read(PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    notebook = submissions.correct(release, source)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(f"import time\ntime.sleep({SLOW})"))
    return submissions.to_bytes(notebook)


def slow_class(folder: Path, fast_config: str, students: int) -> Path:
    course = make_course(folder, fast_config)
    shutil.rmtree(course / "submitted")
    for number in range(students):
        put(course, f"s{number:02d}", slow_hand_in())
    return course


def start(course: Path, scheduler: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnlab.cli", "grade", ASSIGNMENT, "--workers", "1", "--course",
                             str(course), "--scheduler", scheduler], cwd=course.parent, env=nbgrader_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def statuses(course: Path) -> dict[str, str]:
    return {n["student"]: n["status"] for n in json.loads(last_run(Course.open(course)).read_text())["notebooks"]}


def graded_on(client: Client, since: float) -> dict[str, str]:
    """Which worker (by name) finished each grading task since `since` (time.time()), from the
    scheduler's task stream (`client.get_task_stream()` once before starts it)."""
    names = {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}
    return {task["key"]: names.get(task["worker"], task["worker"]) for task in client.get_task_stream(start=since)
            if str(task["key"]).startswith("grade-")}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LocalCluster(tmp_path_factory.mktemp("dask"), workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def twins(tmp_path_factory, fast_config, cluster):
    root = tmp_path_factory.mktemp("twins")
    here, there = make_course(root / "here", fast_config), make_course(root / "there", fast_config)
    with Client(cluster.address, set_as_default=False) as client:
        client.get_task_stream()   # the scheduler keeps a task stream from now on
        since = time.time()
        return here, batch(here), there, batch(there, "--scheduler", cluster.address), graded_on(client, since)


def test_the_cluster_fills_the_gradebook_as_the_local_workers_do(twins):
    here, local, there, remote, workers = twins
    assert remote.returncode == local.returncode == 1, remote.stderr[-2000:]   # finn's notebook is not JSON
    assert grades(there) == grades(here)
    total = scores(grades(there))
    assert total["ada"] == pytest.approx(12.0) and total["ben"] == 0.0
    assert statuses(there) == {"ada": "graded", "ben": "graded", "cara": "graded", "finn": "failed"}
    assert "not graded: finn, perceptron/perceptron" in remote.stderr and "Traceback" not in remote.stderr
    assert json.loads(last_run(Course.open(there)).read_text())["scheduler"].startswith("tcp://")
    assert len(workers) == 3 and set(workers.values()) <= {"w1", "w2"}   # ada, ben and cara, graded there


def test_the_cluster_gives_the_same_autograded_notebooks_and_feedback(twins):
    here, _, there, _, _ = twins
    for student in ("ada", "ben", "cara"):
        a, b = (nbformat.read(c / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4) for c in (here, there))
        assert [c.get("outputs") for c in a.cells if c.cell_type == "code"] == \
               [c.get("outputs") for c in b.cells if c.cell_type == "code"]


def test_a_worker_with_a_changed_grader_is_refused_and_grades_nothing(tmp_path, fast_config, cluster):
    # a copy of the package whose perceptron grader differs: a worker started from it is stale
    copy = tmp_path / "stale"
    shutil.copytree(PROJECT_ROOT / "nnlab", copy / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    grader = copy / "nnlab" / "graders" / ASSIGNMENT / f"test_{ASSIGNMENT}.py"
    grader.write_text(grader.read_text() + "\n# a fix the instructor has not made\n")
    stale = {"PYTHONPATH": str(copy)}
    course = make_course(tmp_path / "course", fast_config)
    with LocalCluster(tmp_path / "alone", workers=0) as alone:
        alone.add_worker("stale", environment=stale)
        alone.wait_for_workers(1)
        refused = batch(course, "--scheduler", alone.address)
    assert refused.returncode == 1
    assert "none of the 1 worker(s)" in refused.stderr and "course code differs from the instructor's in " \
           "engine, graders" in refused.stderr, refused.stderr[-2000:]
    assert not (course / "autograded").exists() or not any((course / "autograded").iterdir())
    # beside a good worker, the stale one is named and given nothing
    cluster.add_worker("stale", environment=stale)
    cluster.wait_for_workers(3)
    with Client(cluster.address, set_as_default=False) as client:
        client.get_task_stream()
        since = time.time()
        done = batch(course, "--scheduler", cluster.address)
        workers = graded_on(client, since)
    assert "refuses to grade" in done.stderr and "given no notebook" in done.stderr, done.stderr[-2000:]
    assert len(workers) == 3 and "stale" not in workers.values()
    assert scores(grades(course))["ada"] == pytest.approx(12.0)
    # a service hands the cluster as many notebooks as it grades at once: the good workers' threads only
    opened = Course.open(course)
    opened.config.BatchGrading.scheduler = cluster.address
    opened.config.BaseConverter.force = True
    with Grader(opened, progress=False) as grader:
        run = grader.grade([ASSIGNMENT], ["ada"])
        assert [n.status for n in run.notebooks] == ["graded"]
        assert grader.slots() == 2   # w1 and w2, one thread each; the stale worker is connected but refused


def test_a_worker_killed_mid_class_costs_no_notebook(tmp_path, fast_config):
    course = slow_class(tmp_path / "course", fast_config, students=6)
    with LocalCluster(tmp_path / "dask", workers=2) as cluster, Client(cluster.address, set_as_default=False) as client:
        client.get_task_stream()
        since = time.time()
        w2 = next(a for a, info in client.scheduler_info()["workers"].items() if info["name"] == "w2")
        run = start(course, cluster.address)
        deadline, killed = time.monotonic() + 120, []
        while not killed and time.monotonic() < deadline and run.poll() is None:
            killed = [key for key in client.processing().get(w2, ()) if str(key).startswith("grade-")]
            time.sleep(0.05)
        assert killed, "w2 never took a notebook"
        cluster.kill("w2")
        out, err = run.communicate(timeout=300)
        workers = graded_on(client, since)
    assert run.returncode == 0, err[-3000:]
    assert workers.get(killed[0]) == "w1", "the killed worker's notebook was graded on the other one"
    assert statuses(course) == {f"s{n:02d}": "graded" for n in range(6)}
    assert scores(grades(course)) == {f"s{n:02d}": pytest.approx(12.0) for n in range(6)}
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        assert sorted(s.student_id for s in gb.find_assignment(ASSIGNMENT).submissions) == \
               [f"s{n:02d}" for n in range(6)], "each submission once"


def test_when_the_scheduler_goes_away_the_run_keeps_what_it_recorded_and_a_rerun_grades_the_rest(tmp_path, fast_config):
    students = [f"s{n:02d}" for n in range(5)]
    course = slow_class(tmp_path / "course", fast_config, students=len(students))
    with LocalCluster(tmp_path / "dask", workers=1) as cluster:
        run = start(course, cluster.address)
        reports = Course.open(course).grader_reports
        deadline = time.monotonic() + 120
        # the first notebook is graded there and in nbgrader's hands here (its report kept): then the head node dies
        while time.monotonic() < deadline and run.poll() is None and not list(reports.glob("*/*/*.json")):
            time.sleep(0.05)
        cluster.stop_scheduler()
        out, err = run.communicate(timeout=300)
    assert run.returncode == 1
    assert f"grading stopped: the Dask scheduler at {cluster.address} went away" in err, err[-3000:]
    assert "run `nnlab grade` again" in err and "Traceback" not in err
    first = statuses(course)
    kept = [s for s in students if first[s] == "graded"]
    assert 1 <= len(kept) < len(students), first
    assert re.search(r"graded \d/5  lost [1-4]  recorded", err), "the progress line counts them lost, not graded"
    assert all(first[s] == "failed" for s in students if s not in kept)
    # the rest, here (no scheduler): the kept ones are not graded again
    again = batch(course)
    assert again.returncode == 0, again.stderr[-3000:]
    second = statuses(course)
    assert {s for s in students if second[s] == "skipped"} == set(kept)
    assert {s for s in students if second[s] == "graded"} == set(students) - set(kept)
    assert scores(grades(course)) == {s: pytest.approx(12.0) for s in students}


def test_budgets_from_the_solution_stop_a_loop_on_the_workers_as_here(tmp_path, fast_config, cluster):
    # cells may run 20 s, but a cell's budget is 10 x the solution's time, at least 1 s: `step` gets 1 s
    config = fast_config + "c.Grading.cell_timeout = 20.0\nc.Grading.budget_floor = 1.0\n"
    release = nbformat.read(PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    source = nbformat.read(PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    looping = submissions.correct(release, source)
    step = next(c for c in looping.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "step")
    step.source = "while True:   # before the answer: it never gets defined\n    pass\n" + step.source
    runs = {}
    for where in ("here", "there"):
        course = make_course(tmp_path / where, config)
        shutil.copytree(PROJECT_ROOT / "budgets", course / "budgets")   # the course's times, as `nnlab release` made them
        shutil.rmtree(course / "submitted")
        put(course, "lena", submissions.to_bytes(looping))
        put(course, "ada", slow_hand_in())   # an honest cell of its own that waits 1.5 s: the notebook's largest budget
        done = batch(course, *(["--scheduler", cluster.address] if where == "there" else []))
        assert done.returncode == 0, done.stderr[-2000:]
        record = {n["student"]: n for n in json.loads(last_run(Course.open(course)).read_text())["notebooks"]}
        runs[where] = course, record
        assert record["lena"]["cell_seconds"] < 10, "the loop ran past its budget"
        autograded = nbformat.read(course / "autograded" / "lena" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
        assert "budget" in json.dumps([c.get("outputs") for c in autograded.cells if c.cell_type == "code"])
    assert grades(runs["there"][0]) == grades(runs["here"][0])
    total = scores(grades(runs["there"][0]))
    assert total["ada"] == pytest.approx(12.0), "the honest slow cell kept its points"
    assert 0 < total["lena"] < 12.0


def test_workers_that_join_after_the_run_started_are_set_up_and_grade(tmp_path, fast_config):
    # a batch system starts workers when it can: the run waits for them, and each is set up as it joins
    course = slow_class(tmp_path / "course", fast_config, students=2)
    with LocalCluster(tmp_path / "dask", workers=0) as cluster:
        run = start(course, cluster.address)
        said = []
        for line in run.stderr:         # the worker joins once the run has found none (however slow its start)
            said.append(line)
            if "has no workers yet" in line or len(said) > 200:
                break
        cluster.add_worker("late")
        out, err = run.communicate(timeout=300)
    err = "".join(said) + err
    assert run.returncode == 0, err[-3000:]
    assert "has no workers yet: the notebooks wait for workers to join" in err
    assert statuses(course) == {"s00": "graded", "s01": "graded"}
    assert scores(grades(course)) == {"s00": pytest.approx(12.0), "s01": pytest.approx(12.0)}


def test_no_scheduler_at_the_address_is_one_clear_line_and_nothing_graded(tmp_path, fast_config):
    course = make_course(tmp_path / "course", fast_config)
    done = batch(course, "--scheduler", "tcp://127.0.0.1:9")   # nothing listens on the discard port
    assert done.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert not (course / "autograded").exists() or not any((course / "autograded").iterdir())
