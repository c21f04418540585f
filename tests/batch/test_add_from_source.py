"""What the gradebook lacks of an assignment nbgrader never generated, and adding it from source/:
a gradebook without the assignment, one that has it without notebooks (and the empty submissions a
grading run left), one that lacks a notebook added later, and an assignment without a source."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from nnlab.batch.nbgrader_adapter import gradebook_warnings
from nnlab.batch.unreleased import add_from_source, unreleased
from nnlab.course import Course, copy_course, nbgrader_environment

A = "perceptron"


@pytest.fixture
def course(tmp_path, monkeypatch) -> Course:
    """A copy of the course, its release/ made without the gradebook, and no gradebook."""
    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])   # a new gradebook runs `alembic`
    folder = copy_course(tmp_path / "course", include_release=True)
    return Course.open(folder)


def gradebook(course: Course) -> Gradebook:
    return Gradebook(course.db_url, course.course_id)


def test_an_assignment_never_generated_is_found_and_the_gradebook_is_only_read(course):
    found = unreleased(course, A)
    assert (found.missing, found.known, found.whole, found.from_source) == ([A], None, True, True)
    assert found.said() == "not in the gradebook (never released with nbgrader)"
    assert not course.has_gradebook(), "looking made no gradebook"
    assert add_from_source(course, found) == ""
    assert unreleased(course, A) is None
    with gradebook(course) as gb:
        assert [n.name for n in gb.find_assignment(A).notebooks] == [A]


def test_its_empty_submissions_and_due_date_are_kept_while_its_notebooks_are_added(course):
    due, handed_in, extension = datetime(2024, 5, 2, 8), datetime(2024, 5, 2, 9), timedelta(days=1)
    with gradebook(course) as gb, gradebook_warnings():
        gb.add_student("zoe")
        gb.add_assignment(A, duedate="2024-05-02 08:00:00 UTC")   # `nbgrader db assignment add` does this
        # as a grading run leaves it when nbgrader fails for want of notebooks
        gb.add_submission(A, "zoe", timestamp=handed_in, extension=extension)
    found = unreleased(course, A)
    assert found.known == [] and found.said() == "in the gradebook without its notebooks (never released with nbgrader)"
    assert add_from_source(course, found) == ""
    with gradebook(course) as gb:
        assignment = gb.find_assignment(A)
        assert [n.name for n in assignment.notebooks] == [A] and assignment.duedate == due
        zoe = gb.find_submission(A, "zoe")
        assert (zoe.timestamp, zoe.extension) == (handed_in, extension)
        assert [n.name for n in zoe.notebooks] == [A] and len(zoe.notebooks[0].grades) > 0


def test_a_notebook_added_after_grading_began_is_refused_as_nbgrader_refuses_it(course):
    assert add_from_source(course, unreleased(course, A)) == ""
    with gradebook(course) as gb, gradebook_warnings():
        gb.add_student("zoe")
        gb.add_submission(A, "zoe")
    shutil.copy(course.source(A) / f"{A}.ipynb", course.source(A) / "extra.ipynb")
    found = unreleased(course, A)
    assert (found.missing, found.whole, found.said()) == (["extra"], False, "extra.ipynb not in the gradebook")
    reason = add_from_source(course, found)
    assert "Cannot modify existing assignment" in reason and "submissions" in reason and "\n" not in reason
    with gradebook(course) as gb:
        assert [n.name for n in gb.find_assignment(A).notebooks] == [A]
        assert [n.name for n in gb.find_submission(A, "zoe").notebooks] == [A], "zoe's submission as it was"


def test_without_a_source_notebook_it_says_what_to_do(course):
    release = Path(course.release(A))
    shutil.copytree(release, release.with_name("ghost"))
    (release.with_name("ghost") / f"{A}.ipynb").rename(release.with_name("ghost") / "ghost.ipynb")
    found = unreleased(course, "ghost")
    assert (found.missing, found.from_source) == (["ghost"], False)
    assert add_from_source(course, found) == ("there is no notebook in source/ghost/ to add it from: put the "
                                             "instructor's version there, then run `nnlab grade ghost` again")
    assert not course.has_gradebook()
