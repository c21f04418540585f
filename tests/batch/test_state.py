"""What a rerun grades again: a submission handed in again, or one whose grading was started and never
finished (a run killed between nbgrader's two passes leaves an autograded notebook without scores); a
submission graded in full, or graded by plain `nbgrader autograde` (no record of nnlab's), is left alone."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_batch import ASSIGNMENT, make_course, put

from nnlab.batch import state
from nnlab.course import Course


@pytest.fixture
def course(tmp_path, fast_config) -> Course:
    opened = Course.open(make_course(tmp_path / "course", fast_config))
    put(Path(opened.root), "dan", b'{"cells": []}')
    for student in ("ada", "ben", "cara", "dan"):      # each as if graded (an autograded folder)
        folder = opened.autograded(student, ASSIGNMENT)
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text("{}")
    return opened


def test_a_grading_started_and_never_finished_is_graded_again(course):
    planned = state.to_grade(course, ASSIGNMENT, force=False)
    state.record(course, ASSIGNMENT, "ada", planned.digests["ada"])            # graded in full
    state.record_started(course, ASSIGNMENT, "ben", planned.digests["ben"])    # killed between the passes
    state.record(course, ASSIGNMENT, "cara", planned.digests["cara"])
    put(Path(course.root), "cara", b'{"cells": [], "handed in": "again"}')   # handed in again
    # dan: no record, an autograded folder: graded by plain nbgrader autograde
    todo = state.to_grade(course, ASSIGNMENT, force=False)
    assert sorted(todo.students) == ["ben", "cara", "finn"]    # finn: never graded (no autograded folder)
    assert sorted(todo.changed) == ["ben", "cara"]
    assert sorted(todo.unchanged) == ["ada", "dan"]


def test_clearing_before_grading_removes_the_unfinished_folders_and_marks_the_start(course):
    planned = state.to_grade(course, ASSIGNMENT, force=False)
    state.record_started(course, ASSIGNMENT, "ben", planned.digests["ben"])
    todo = state.to_grade(course, ASSIGNMENT, force=False)
    assert course.autograded("ben", ASSIGNMENT).exists()          # planning changes nothing on disk
    state.clear_changed(course, ASSIGNMENT, todo)
    assert not course.autograded("ben", ASSIGNMENT).exists()
    assert course.autograded("ada", ASSIGNMENT).exists()
    for student in todo.students:      # until the grading of each ends, a kill leaves it to grade again
        assert state.recorded_digest(course, ASSIGNMENT, student) is None
    state.record(course, ASSIGNMENT, "ben", todo.digests["ben"])
    assert state.recorded_digest(course, ASSIGNMENT, "ben") == todo.digests["ben"]
