"""`nnlab grade`'s batch against plain `nbgrader autograde` on twin courses: the same gradebook,
and a rerun grades only what changed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nnlab.batch.run import last_run
from nnlab.course import PROJECT_ROOT, Course, copy_course, nbgrader_environment, run_nbgrader
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
        config.write("\nc.Autograde.create_student = True\n" + fast_config
                     + (f"c.CourseDirectory.db_url = {db_url!r}\n" if db_url else ""))
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
    """`nnlab grade` run from another folder: the course's configuration comes from --course alone."""
    return subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", ASSIGNMENT, "--workers", "2", "--course",
                           str(course), *args], cwd=course.parent, env=nbgrader_environment(), capture_output=True,
                          text=True, timeout=600)


def summary_row(out: str) -> list[str]:
    """The assignment's row of the batch's summary table."""
    lines = out[out.index("assignment  graded"):].splitlines()
    return next(line.split() for line in lines[2:] if line.startswith(ASSIGNMENT + " "))


def grades(course: Path, db_url: str | None = None) -> dict[tuple[str, str], tuple]:
    with Gradebook(db_url or "sqlite:///" + str(course / "gradebook.db")) as gb:
        found = {}
        for submission in gb.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    found[(submission.student_id, grade.name)] = (grade.auto_score, grade.needs_manual_grade)
                for comment in notebook.comments:
                    found[(submission.student_id, "comment " + comment.name)] = (comment.auto_comment,)
                found[(submission.student_id, "late")] = (submission.total_seconds_late,)
        return found


def scores(found: dict[tuple[str, str], tuple]) -> dict[str, float]:
    """{student: total auto score} of `grades(...)`."""
    totals: dict[str, float] = {}
    for (student, name), value in found.items():
        if name != "late" and not name.startswith("comment "):
            totals[student] = totals.get(student, 0.0) + (value[0] or 0.0)
    return totals


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
    total = scores(grades(fast))
    assert total["ada"] == pytest.approx(12.0) and total["ben"] == 0.0 and 0 < total["cara"] < 12


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
    record = json.loads(last_run(Course.open(fast)).read_text())
    status = {n["student"]: n["status"] for n in record["notebooks"]}
    assert status == {"ada": "graded", "ben": "graded", "cara": "graded", "finn": "failed"}
    graded = [n for n in record["notebooks"] if n["status"] == "graded"]
    assert all(0 < n["cell_seconds"] < n["student_seconds"] for n in graded), "the graders' calls take time too"


def test_a_rerun_grades_only_the_submission_that_changed(twins):
    _, fast, _ = twins
    before = grades(fast)
    put(fast, "ben", hand_ins()["ada"], when="2026-11-20 11:00:00.000000 UTC")   # ben hands in again
    again = batch(fast)
    record = json.loads(last_run(Course.open(fast)).read_text())
    status = {n["student"]: n["status"] for n in record["notebooks"]}
    assert status == {"ada": "skipped", "ben": "graded", "cara": "skipped", "finn": "failed"}, again.stderr
    after = grades(fast)
    assert {k: v for k, v in after.items() if k[0] != "ben"} == {k: v for k, v in before.items() if k[0] != "ben"}
    assert scores(after)["ben"] == pytest.approx(12.0)
    with Gradebook("sqlite:///" + str(fast / "gradebook.db")) as gb:
        assert len(gb.find_assignment(ASSIGNMENT).submissions) == 4, "one submission a student, still"


# -- the gradebook on a PostgreSQL server (the postgres_url fixture: tests/postgres.py) ------------
def test_the_gradebook_on_postgresql_gets_the_same_grades_as_on_sqlite(tmp_path, postgres_url, twins, fast_config):
    on_sqlite = twins[0]   # graded by plain nbgrader autograde, never changed afterwards
    on_postgres = make_course(tmp_path / "postgres", fast_config, db_url=postgres_url)
    done = batch(on_postgres)
    assert "not graded: finn" in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    expected = grades(on_sqlite)
    assert grades(on_postgres, postgres_url) == expected
    assert scores(expected)["ada"] == pytest.approx(12.0)
    again = batch(on_postgres)
    assert summary_row(again.stdout)[:4] == [ASSIGNMENT, "0", "1", "3"], \
        "a rerun grades nothing new (finn's stays broken)"
