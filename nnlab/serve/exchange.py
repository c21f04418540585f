"""nbgrader's exchange as the service uses it, always through the course's `ExchangeFactory`, so the
default filesystem exchange, the course's link-safe collect and any other exchange (e.g. ngshare) work."""
from __future__ import annotations

import glob
import logging
from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.exchange.default import ExchangeList as FolderList

from nnlab.course import Course
from nnlab.serve.handins import Listed


class ExchangeFailed(Exception):
    """An exchange step failed: the message says which, for whom."""


def quiet_child(log: logging.Logger, name: str) -> logging.Logger:
    """A logger for nbgrader's steps under `log`: their errors only (every step's INFO lines with --verbose);
    the service says itself what each step did."""
    child = log.getChild(name)
    child.setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.ERROR)
    return child


class CourseExchange:
    def __init__(self, course: Course, log: logging.Logger):
        self.course = course
        self.log = quiet_child(log, "exchange")
        self.factory = ExchangeFactory(config=course.config)
        self.authenticator = Authenticator(config=course.config)

    def coursedir(self, **traits) -> CourseDirectory:
        return CourseDirectory(config=self.course.config, **traits)

    def inbound(self, student: str = "", assignment: str = "") -> list[Listed]:
        """Every hand-in in the inbound (of `student` and `assignment` when given), oldest first."""
        lister = self.factory.List(coursedir=self.coursedir(student_id=glob.escape(student), assignment_id=assignment),
                                   authenticator=self.authenticator, inbound=True, log=self.log)
        try:
            infos = _names_only(lister) if isinstance(lister, FolderList) else [
                info for group in lister.start() for info in group["submissions"]]
        except ExchangeError as exc:
            raise ExchangeFailed(f"cannot list the exchange's inbound: {exc}") from None
        found = []
        for info in infos:
            path = info.get("path", "")
            found.append(Listed(info["student_id"], info["assignment_id"], info["timestamp"],
                                info.get("random_string") or "", path if isinstance(path, str) else ""))
        return found

    def collect(self, student: str, assignment: str) -> None:
        """`nbgrader collect --update --student STUDENT ASSIGNMENT`: the student's newest hand-in into submitted/."""
        collect = self.factory.Collect(coursedir=self.coursedir(student_id=glob.escape(student), assignment_id=assignment),
                                       authenticator=self.authenticator, update=True, log=self.log)
        try:
            collect.start()
        except (ExchangeError, RuntimeError, OSError) as exc:
            raise ExchangeFailed(f"cannot collect {student}'s hand-in of {assignment}: {exc}") from None

    def release_feedback(self, student: str, assignment: str, root: Path | None = None) -> None:
        """`nbgrader release_feedback --student STUDENT ASSIGNMENT`: the pages in feedback/STUDENT/ASSIGNMENT
        (of the course, or of the course folder at `root`) into the exchange, where that student fetches them."""
        traits = {"student_id": student, "assignment_id": assignment}
        if root is not None:
            traits["root"] = str(root)
        release = self.factory.ReleaseFeedback(coursedir=self.coursedir(**traits), authenticator=self.authenticator,
                                               log=self.log)
        try:
            release.start()
        except (ExchangeError, OSError) as exc:
            raise ExchangeFailed(f"cannot release {student}'s feedback of {assignment}: {exc}") from None


def _names_only(lister: FolderList) -> list[dict]:
    """The filesystem exchange's inbound, by the names of its folders: its `start()` also reads every released
    feedback page of every hand-in (an MD5 of each, for `nbgrader list`), which a service polling every few
    seconds during a rush cannot afford."""
    lister.init_src()
    lister.init_dest()   # the glob of the inbound's hand-in folders
    found = []
    for path in lister.assignments:
        try:
            info = lister.parse_assignment(path)
        except RuntimeError:   # a folder whose name is no hand-in's: nothing to grade
            continue
        info["path"] = path
        found.append(info)
    return found
