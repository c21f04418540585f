"""The course's post-convert hook (nnlab.autograde.hooks): nbgrader gives it the assignment, the student
and the notebooks only; it finds the course's layout from the running nbgrader application."""
from __future__ import annotations

from pathlib import Path

from nnlab.autograde.hooks import drop_linked_files
from nnlab.batch.nbgrader_adapter import autograde_app, finish_app
from nnlab.course import Course

CONFIG = """c = get_config()
c.CourseDirectory.course_id = "hooks"
c.CourseDirectory.directory_structure = "{nbgrader_step}/{assignment_id}/{student_id}"
"""


def linked_submission(tmp_path: Path) -> tuple[Path, Path]:
    """A course (assignment folders above student folders) where ada handed in a link to a secret,
    and autograde copied the secret itself next to her notebook: (course folder, her autograded folder)."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(CONFIG)
    secret = tmp_path / "secret.txt"
    secret.write_text("the gradebook, say")
    submitted, autograded = course / "submitted" / "hw" / "ada", course / "autograded" / "hw" / "ada"
    for folder in (submitted, autograded):
        folder.mkdir(parents=True)
        (folder / "hw.ipynb").write_text("{}")
    (submitted / "notes.txt").symlink_to(secret)
    (autograded / "notes.txt").write_text(secret.read_text())
    return course, autograded


def hook(course: Path) -> list[Path]:
    # as nbgrader calls it: `student` is its --student filter, "*" when the whole class is graded
    return drop_linked_files(assignment="hw", student="*", notebooks=[str(course / "submitted/hw/ada/hw.ipynb")])


def test_the_hook_finds_the_course_of_the_running_application(tmp_path):
    course, autograded = linked_submission(tmp_path)
    app = autograde_app(Course.open(course), tmp_path / "nbgrader.log")
    try:
        removed = hook(course)
    finally:
        finish_app(app)
    assert removed == [autograded / "notes.txt"]
    assert not (autograded / "notes.txt").exists() and (autograded / "hw.ipynb").exists()


def test_without_an_application_the_hook_reads_the_course_in_the_current_folder(tmp_path, monkeypatch):
    course, autograded = linked_submission(tmp_path)
    monkeypatch.chdir(course)
    assert hook(course) == [autograded / "notes.txt"]
