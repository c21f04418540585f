"""A graded course for the deadline tests: hand-ins placed in submitted/ with the times nbgrader reads
(timestamp.txt, as `nbgrader collect` and `nnlab import-lms` leave them), graded by plain nbgrader."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat

from nnlab.course import Course, copy_course, run_nbgrader
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets

A = "perceptron"
DUE = datetime(2025, 3, 14, 22, 59, tzinfo=timezone.utc)


def make_course(folder: Path, students: list[str], extra_config: str) -> Path:
    """The course with `students` in the gradebook and `A` generated; `extra_config` appended."""
    copy_course(folder)
    with open(folder / "course_config.py", "a") as config:
        config.write("\n" + extra_config + "\n")
    rows = ["id,first_name,last_name,email"] + [f"{s},{s.title()},Student,{s}@students.example.org" for s in students]
    (folder / "students.csv").write_text("\n".join(rows) + "\n")
    run_nbgrader(folder, "db", "student", "import", "students.csv")
    run_nbgrader(folder, "generate_assignment", A, "--force")
    return folder


def notebook(folder: Path, work: str):
    """The student's notebook: `correct` answers, or the first documented set of `mistakes`."""
    release = nbformat.read(folder / "release" / A / f"{A}.ipynb", as_version=4)
    source = nbformat.read(folder / "source" / A / f"{A}.ipynb", as_version=4)
    if work == "correct":
        return submissions.correct(release, source)
    return submissions.with_mistakes(release, source, mistake_sets(A)[0].answers)


def hand_in(folder: Path, student: str, work: str, at: datetime) -> None:
    """The student's hand-in of `work` at `at`, where nbgrader autogrades it (replacing an earlier one)."""
    place = Course.open(folder).submitted(student, A)
    place.mkdir(parents=True, exist_ok=True)
    (place / f"{A}.ipynb").write_bytes(submissions.to_bytes(notebook(folder, work)))
    (place / "timestamp.txt").write_text(at.isoformat(" "))


def nbgrader(folder: Path, *args: str):
    done = run_nbgrader(folder, *args, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def export(folder: Path) -> dict[str, dict]:
    """`nbgrader export`'s rows, by student."""
    nbgrader(folder, "export", "--to", "grades.csv")
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO((folder / "grades.csv").read_text()))}


def days(n: float) -> timedelta:
    return timedelta(days=n)
