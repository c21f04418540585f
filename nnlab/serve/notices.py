"""The page a student fetches for a hand-in that is not graded, or not yet: over the attempt limit
(when it will be), replaced by a newer hand-in, or not graded and why. Released through the exchange
like feedback, filed under the hand-in's own secret, so the student's `nbgrader fetch_feedback` gets it
beside that hand-in; a later grading of the same hand-in replaces it with the feedback."""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from nnlab.course import Course, work_folder
from nnlab.files import write_atomic
from nnlab.html_pages import pages
from nnlab.serve.exchange import CourseExchange


@dataclass(frozen=True)
class Notice:
    headline: str
    message: str
    advice: str = ""


def not_graded(why: str) -> Notice:
    return Notice("not graded", f"Not graded: {why}.",
                  "Fix it and hand in again: your next hand-in is graded as it arrives.")


def held(due: str, limit: str) -> Notice:
    return Notice("received, graded later",
                  f"You have used your graded attempts ({limit}): this hand-in will be graded at {due}, "
                  "when your next attempt is due.",
                  "Hand in again before then and only the newer hand-in is graded, at that time.")


def superseded(by: str) -> Notice:
    return Notice("replaced by a newer hand-in",
                  f"Not graded: your hand-in of {by} replaced it before it was graded (only your latest hand-in is graded).")


def release_notice(course: Course, exchange: CourseExchange, student: str, assignment: str, notebooks: list[str],
                   received: str, secret: str, timestamp: str, notice: Notice) -> None:
    """The notice's page, one per notebook of the hand-in, into the exchange for `student`: written into a
    folder of its own laid out as the course's feedback/ (nbgrader's release reads it from there)."""
    staging = work_folder(course.root, "serve") / "notices" / hashlib.sha256(
        f"{student}+{assignment}+{timestamp}".encode()).hexdigest()[:20]
    folder = Path(exchange.coursedir(root=str(staging)).format_path(course.feedback_directory, student, assignment))
    template = pages().get_template("serve_notice.html.j2")
    for notebook in notebooks:
        write_atomic(folder / f"{notebook}.html", template.render(
            assignment=assignment, notebook=notebook, received=received, headline=notice.headline,
            message=notice.message, advice=notice.advice))
    write_atomic(folder / "timestamp.txt", timestamp)
    write_atomic(folder / "submission_secret.txt", secret)
    try:
        exchange.release_feedback(student, assignment, root=staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
