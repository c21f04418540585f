"""The scores each graded hand-in is kept with (nnlab.deadlines.on_time), for the `feedback_only` policy:
a file a student, the last hand-in on time found after a later one, and a class record from before read."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from nbgrader.api import Gradebook

from nnlab.batch.nbgrader_adapter import gradebook_warnings
from nnlab.deadlines import on_time
from nnlab.deadlines.times import to_gradebook

A = "perceptron"
DUE = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def course(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        for cell in ("test_step", "test_update"):
            gb.add_grade_cell(cell, A, A, max_score=2, cell_type="code")
        for student in ("ada", "ben"):
            gb.add_student(student)
    return tmp_path, url


def grade(url: str, root, student: str, at: datetime, scores: dict[str, float]) -> None:
    """A hand-in of `student` at `at`, graded with `scores`, remembered as the grader does."""
    with Gradebook(url) as gb, gradebook_warnings():
        gb.update_or_create_submission(A, student, timestamp=to_gradebook(at))
        for cell, score in scores.items():
            gb.find_grade(cell, A, A, student).auto_score = score
        gb.db.commit()
        on_time.remember(root, gb.find_submission_notebook(A, A, student))


def test_each_student_has_their_own_record_and_the_last_hand_in_on_time_is_found(course):
    root, url = course
    grade(url, root, "ada", DUE - timedelta(hours=1), {"test_step": 2.0, "test_update": 0.0})
    grade(url, root, "ada", DUE + timedelta(hours=3), {"test_step": 2.0, "test_update": 2.0})
    grade(url, root, "ben", DUE - timedelta(days=1), {"test_step": 1.0, "test_update": 1.0})
    kept = on_time.last_on_time(root, A, "ada", A, DUE)
    assert kept.handed_in == DUE - timedelta(hours=1)
    assert kept.scores == {"test_step": 2.0, "test_update": 0.0}          # not the late hand-in's 4 points
    assert on_time.last_on_time(root, A, "ada", A, DUE + timedelta(days=1)).scores["test_update"] == 2.0
    assert on_time.last_on_time(root, A, "ben", A, DUE).scores == {"test_step": 1.0, "test_update": 1.0}
    assert on_time.last_on_time(root, A, "ben", A, DUE - timedelta(days=2)) is None
    ada = json.loads(on_time.kept_path(root, A, "ada").read_text())
    assert "ben" not in json.dumps(ada) and len(ada[A]) == 2                # ada's file holds ada's hand-ins only
    grade(url, root, "ada", DUE - timedelta(hours=1), {"test_step": 1.0, "test_update": 0.0})   # a regrade
    assert len(json.loads(on_time.kept_path(root, A, "ada").read_text())[A]) == 2   # replaces, never adds


def test_a_class_record_from_before_is_read_and_moves_into_the_students_file(course):
    root, url = course
    before = {"ada": {A: [{"handed_in": (DUE - timedelta(days=1)).isoformat(), "scores": {"test_step": 2.0}}]},
              "ben": {A: [{"handed_in": (DUE - timedelta(days=2)).isoformat(), "scores": {"test_update": 1.0}}]}}
    old = on_time.kept_path(root, A, "ada").parent.with_name(f"{A}.json")
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text(json.dumps(before))
    assert on_time.last_on_time(root, A, "ben", A, DUE).scores == {"test_update": 1.0}
    grade(url, root, "ada", DUE + timedelta(hours=1), {"test_step": 2.0, "test_update": 2.0})   # late
    kept = json.loads(on_time.kept_path(root, A, "ada").read_text())[A]
    assert [h["handed_in"] for h in kept] == [(DUE - timedelta(days=1)).isoformat(), (DUE + timedelta(hours=1)).isoformat()]
    assert on_time.last_on_time(root, A, "ada", A, DUE).scores == {"test_step": 2.0}   # the one from before
