"""The one gradebook reader against a gradebook made with nbgrader's own API: nbgrader's scoring
rules (manual over automatic, extra credit, not graded yet), late seconds with an extension, and
missing or broken gradebooks named in one line without creating anything."""
from __future__ import annotations

import warnings
from datetime import datetime

import pytest
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from nnlab.gradebook import GradebookError, read_gradebook
from nnlab.gradetable import read_grades


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        gb.add_assignment("perceptron", duedate=datetime(2026, 12, 7, 12, 0))
        gb.add_notebook("perceptron", "perceptron")
        gb.add_grade_cell("test_step", "perceptron", "perceptron", max_score=2, cell_type="code")
        gb.add_grade_cell("why", "perceptron", "perceptron", max_score=1, cell_type="markdown")
        gb.add_assignment("backprop")
        for student in ("ada", "ben", "cy", "dan"):
            gb.add_student(student)
        # dan's hand-in was never autograded (not a notebook: nbgrader made the submission, then failed)
        for student, handed in (("ada", datetime(2026, 12, 7, 11, 0)), ("ben", datetime(2026, 12, 7, 13, 0)),
                                ("dan", datetime(2026, 12, 7, 10, 0))):
            with warnings.catch_warnings():  # nbgrader's add_submission trips an autoflush warning of SQLAlchemy 2
                warnings.simplefilter("ignore", SAWarning)
                gb.add_submission("perceptron", student, timestamp=handed)
        ada = {g.name: g for g in gb.find_submission_notebook("perceptron", "perceptron", "ada").grades}
        ada["test_step"].auto_score = 1.5
        ada["test_step"].manual_score = 2.0        # the instructor's mark wins
        ada["why"].manual_score = 0.5
        ada["why"].extra_credit = 0.25
        for grade in ada.values():                 # as the formgrader clears it when it saves a mark
            grade.needs_manual_grade = False
        ben = {g.name: g for g in gb.find_submission_notebook("perceptron", "perceptron", "ben").grades}
        ben["test_step"].auto_score = 1.0          # "why" waits for the instructor
        gb.db.commit()
    return url


def test_the_snapshot_follows_nbgraders_scoring_rules(db_url):
    book = read_gradebook(db_url, "course")
    assert book.students == ["ada", "ben", "cy", "dan"]
    assert list(book.assignments) == ["backprop", "perceptron"]   # nbgrader's order: by due date, then name
    perceptron = book.assignments["perceptron"]
    assert perceptron.max_score == 3 and perceptron.duedate == datetime(2026, 12, 7, 12, 0)
    # the gradebook keeps no order of cells (the report takes the source notebook's)
    assert sorted((q.notebook, q.name, q.max_score) for q in perceptron.questions) == [
        ("perceptron", "test_step", 2.0), ("perceptron", "why", 1.0)]
    ada, ben = book.submission("ada", "perceptron"), book.submission("ben", "perceptron")
    assert ada.scores == {("perceptron", "test_step"): 2.0, ("perceptron", "why"): 0.75}
    assert ada.score == pytest.approx(2.75) and not ada.needs_manual and ada.awaiting == 0
    assert ben.scores == {("perceptron", "test_step"): 1.0, ("perceptron", "why"): None}
    assert ben.score == 1.0 and ben.needs_manual and ben.awaiting == 1
    assert (ada.seconds_late, ben.seconds_late) == (0.0, 3600.0)
    assert ada.autograded and ben.autograded and not book.submission("dan", "perceptron").autograded
    assert book.submission("cy", "perceptron") is None and book.submission("ada", "backprop") is None


def test_the_grade_table_reads_the_same_snapshot(db_url):
    students, assignments, grades = read_grades(db_url, "course")
    assert (students, assignments) == (["ada", "ben", "cy", "dan"], ["backprop", "perceptron"])
    assert grades["ada", "perceptron"].text() == "2.75/3"
    assert grades["ben", "perceptron"].text() == "1/3*"
    assert grades["cy", "perceptron"].text() == "-"
    assert grades["dan", "perceptron"].text() == "0/3?"     # handed in, never graded: not "answers to mark"


def test_a_missing_or_broken_gradebook_is_one_line_and_nothing_is_created(tmp_path):
    missing = tmp_path / "none.db"
    with pytest.raises(GradebookError, match=f"{missing}: no gradebook"):
        read_gradebook(f"sqlite:///{missing}")
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(GradebookError, match="empty file, not a gradebook"):
        read_gradebook(f"sqlite:///{empty}")
    assert empty.read_bytes() == b""
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(GradebookError, match=r"broken\.db: not a readable nbgrader gradebook \(DatabaseError"):
        read_gradebook(f"sqlite:///{broken}")
