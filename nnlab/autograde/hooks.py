"""nbgrader hooks of the course."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from nnlab.course import Course

log = logging.getLogger(__name__)


def running_course() -> Course:
    """The course of the running nbgrader application (`nbgrader autograde`, or `nnlab grade`'s, which
    makes its own the process's application): its configuration and course folder. nbgrader calls a
    hook with the assignment, the student and the notebooks only. Without an application, the course
    in the current folder, as nbgrader would read it."""
    from traitlets.config import Application

    if not Application.initialized():
        return Course.open(Path.cwd())
    app = Application.instance()
    coursedir = getattr(app, "coursedir", None)
    return Course(config=app.config, **({"root": coursedir.root} if coursedir is not None else {}))


def drop_linked_files(assignment: str, student: str, notebooks: list[str], **_) -> list[Path]:
    """Autograde's post-convert hook: remove from autograded/ the copies of symbolic links.

    nbgrader copies every other file of a submission into autograded/ (and feedback/ from there)
    following links, so a link to the gradebook or to /etc/passwd would come back to the student
    as the file itself."""
    course = running_course()
    # nbgrader passes its --student filter (often "*"), not the student: the notebooks' paths say who
    found = {course.submission_of(notebook) for notebook in notebooks} - {None}
    removed = []
    for student, assignment in sorted(found):
        removed += _drop_copies_of_links(course.submitted(student, assignment), course.autograded(student, assignment))
    return removed


def _drop_copies_of_links(source: Path, dest: Path) -> list[Path]:
    """Remove from `dest` the copy of every symbolic link under `source`."""
    removed = []
    for root, dirs, files in os.walk(source, followlinks=False):
        for name in files + dirs:
            path = Path(root) / name
            if path.is_symlink():
                copy = dest / path.relative_to(source)
                if copy.is_file() and not copy.is_symlink():
                    copy.unlink()
                    removed.append(copy)
                    log.warning("%s is a link in the submission: its target is not copied to autograded/", path)
    return removed
