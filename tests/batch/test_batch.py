"""`python -m nnlab.batch` (what `nnlab grade` runs) against plain `nbgrader autograde` on twin
courses: the same gradebook, and a rerun grades only what changed."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nnlab.course import PROJECT_ROOT, copy_course, nbgrader_environment, run_nbgrader
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets

ASSIGNMENT = "perceptron"


def hand_ins() -> dict[str, bytes]:
    release = nbformat.read(PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    source = nbformat.read(PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    wrong = mistake_sets(ASSIGNMENT)[0].answers
    return {"ada": submissions.to_bytes(submissions.correct(release, source)),
            "ben": submissions.to_bytes(release),
            "cara": submissions.to_bytes(submissions.with_mistakes(release, source, wrong)),
            "finn": b'{"cells": [ not JSON'}


def make_course(folder: Path, fast_config: str, db_url: str | None = None) -> Path:
    course = copy_course(folder, include_release=False)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Autograde.create_student = True\n" + fast_config + (f"c.CourseDirectory.db_url = {db_url!r}\n" if db_url else ""))
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student, data in hand_ins().items():
        put(course, student, data)
    return course


def put(course: Path, student: str, data: bytes, when: str = "2026-11-20 10:00:00.000000 UTC") -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(data)
    (folder / "timestamp.txt").write_text(when)


def batch(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.batch", ASSIGNMENT, "--workers", "2", *args], cwd=course,
                          env=nbgrader_environment(), capture_output=True, text=True, timeout=600)


def grades(course: Path, db_url: str | None = None) -> dict[tuple[str, str], tuple]:
    with Gradebook(db_url or "sqlite:///" + str(course / "gradebook.db")) as gb:
        found = {}
        for submission in gb.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    found[(submission.student_id, grade.name)] = (grade.auto_score, grade.needs_manual_grade)
                found[(submission.student_id, "late")] = (submission.total_seconds_late,)
        return found


@pytest.fixture(scope="module")
def twins(tmp_path_factory, fast_config):
    root = tmp_path_factory.mktemp("twins")
    plain, fast = make_course(root / "plain", fast_config), make_course(root / "fast", fast_config)
    run_nbgrader(plain, "autograde", ASSIGNMENT, check=False)
    first = batch(fast)
    return plain, fast, first


def test_the_batch_fills_the_gradebook_as_nbgrader_autograde_does(twins):
    plain, fast, _ = twins
    assert grades(fast) == grades(plain)
    scores = {student: sum(v[0] or 0 for (s, name), v in grades(fast).items() if s == student and name != "late")
              for student in ("ada", "ben", "cara")}
    assert scores["ada"] == pytest.approx(12.0) and scores["ben"] == 0.0 and 0 < scores["cara"] < 12


def test_the_autograded_notebooks_are_the_same(twins):
    plain, fast, _ = twins
    for student in ("ada", "ben", "cara"):
        a, b = (nbformat.read(c / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
                for c in (plain, fast))
        assert [c.get("outputs") for c in a.cells if c.cell_type == "code" and "Hidden tests" in str(c.outputs)] \
            == [c.get("outputs") for c in b.cells if c.cell_type == "code" and "Hidden tests" in str(c.outputs)]


def test_a_broken_submission_is_named_and_the_rest_is_graded(twins):
    _, fast, first = twins
    assert first.returncode == 1
    assert "not graded: finn, perceptron/perceptron" in first.stderr
    record = json.loads((fast / ".nnlab" / "grade-runs" / "last.json").read_text())
    status = {n["student"]: n["status"] for n in record["notebooks"]}
    assert status == {"ada": "graded", "ben": "graded", "cara": "graded", "finn": "failed"}
    graded = [n for n in record["notebooks"] if n["status"] == "graded"]
    assert all(0 < n["cell_seconds"] < n["student_seconds"] for n in graded), "the graders' calls take time too"


def test_a_rerun_grades_only_the_submission_that_changed(twins):
    _, fast, _ = twins
    before = grades(fast)
    put(fast, "ben", hand_ins()["ada"], when="2026-11-20 11:00:00.000000 UTC")   # ben hands in again
    again = batch(fast)
    record = json.loads((fast / ".nnlab" / "grade-runs" / "last.json").read_text())
    status = {n["student"]: n["status"] for n in record["notebooks"]}
    assert status == {"ada": "skipped", "ben": "graded", "cara": "skipped", "finn": "failed"}, again.stderr
    after = grades(fast)
    assert {k: v for k, v in after.items() if k[0] != "ben"} == {k: v for k, v in before.items() if k[0] != "ben"}
    ben = sum(v[0] or 0 for (s, name), v in after.items() if s == "ben" and name != "late")
    assert ben == pytest.approx(12.0)
    with Gradebook("sqlite:///" + str(fast / "gradebook.db")) as gb:
        assert len(gb.find_assignment(ASSIGNMENT).submissions) == 4, "one submission a student, still"


# -- the gradebook on a PostgreSQL server ---------------------------------------------------
SERVER_BINARIES = ("initdb", "postgres", "pg_ctl")


def _binaries() -> dict[str, str] | None:
    found = {}
    for name in SERVER_BINARIES:
        path = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
        if path is None:
            return None
        found[name] = path
    return found


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    if os.getuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@pytest.fixture(scope="module")
def postgres_url():
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (.ci/run installs Debian's postgresql as root)")
    # not under pytest's temporary root, which only root may enter
    folder = Path(tempfile.mkdtemp(prefix="nnlab-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.getuid() == 0:
        os.chmod(folder, 0o777)
        os.chmod(sockets, 0o777)
    subprocess.run(_as_server_user([binaries["initdb"], "-D", str(data), "-U", "nnlab", "--auth=trust"]),
                   check=True, capture_output=True)
    port = "54329"
    server = subprocess.Popen(_as_server_user([binaries["postgres"], "-D", str(data), "-k", str(sockets), "-p", port,
                                               "-c", "listen_addresses="]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = sockets / f".s.PGSQL.{port}"
    deadline = time.monotonic() + 60
    while not socket.exists() and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.1)
    assert socket.exists(), "the PostgreSQL server did not start"
    time.sleep(0.5)
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user="nnlab", host=str(sockets), port=port)
    connection.autocommit = True
    connection.cursor().execute("CREATE DATABASE gradebook")
    connection.close()
    yield f"postgresql+psycopg2://nnlab@/gradebook?host={sockets}&port={port}"
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_gradebook_on_postgresql_gets_the_same_grades_as_on_sqlite(tmp_path, postgres_url, twins, fast_config):
    on_sqlite = twins[0]   # graded by plain nbgrader autograde, never changed afterwards
    on_postgres = make_course(tmp_path / "postgres", fast_config, db_url=postgres_url)
    done = batch(on_postgres)
    assert "not graded: finn" in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    expected = grades(on_sqlite)
    assert grades(on_postgres, postgres_url) == expected
    assert sum(v[0] or 0 for (s, name), v in expected.items() if s == "ada" and name != "late") == pytest.approx(12.0)
    again = batch(on_postgres)
    row = next(line.split() for line in again.stdout.splitlines() if line.startswith(ASSIGNMENT))
    assert row[:4] == [ASSIGNMENT, "0", "1", "3"], "a rerun grades nothing new (finn's stays broken)"
