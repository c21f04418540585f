"""Grades back to Moodle from `nnlab serve`, hand-in by hand-in: after the service releases a graded
hand-in's feedback, that student's grade, comment and feedback pages go to the Moodle assignment by the
rules of `nnlab sync-lms` (nnlab.lms.moodle_push: only what changed since the last push, never a grade
still waiting for marks by hand unless c.Moodle.partial, never a locked one, each row left out named).

The service knows nothing of Moodle: nnlab/cli/serve.py hands it a `ServePush`, which it calls with the
students whose feedback it releases (`queue`, a durable note made before the release is journaled) and
at each turn (`push`). What is queued is kept in `.nnlab/lms-sync/serve-pending.json` until Moodle takes
it: Moodle unreachable or refusing (a wrong token, a missing capability) is logged once, grading goes on,
and the push is tried again every c.Moodle.retry_seconds, after a restart too.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from nnlab.course import Course, work_folder
from nnlab.files import write_atomic
from nnlab.lms.moodle_pull import is_blind, match_users
from nnlab.lms.moodle_push import Pushed, push_grades
from nnlab.lms.outages import ANY, Outages
from nnlab.lms.roster import LmsImportError
from nnlab.lms.settings import Moodle
from nnlab.lms.sync import moodle_assignment
from nnlab.lms.webservice import MoodleService, MoodleUnreachable


def pending_path(course: Course) -> Path:
    return work_folder(course.root, "lms-sync") / "serve-pending.json"


class ServePush:
    """The pushes `nnlab serve` owes Moodle, and the pushing."""

    def __init__(self, course: Course, log: logging.Logger):
        self.course, self.log = course, log
        self.settings = Moodle(config=course.config)
        self.path = pending_path(course)
        self.pending: dict[str, list[str]] = self._read()
        self.retry_at = 0.0          # monotonic: no try before
        self.outages = Outages()

    @classmethod
    def of(cls, course: Course, log: logging.Logger) -> "ServePush | None":
        """The course's pushes when it is configured for Moodle web services (c.Moodle.url), else None."""
        settings = Moodle(config=course.config)
        if not settings.url or not settings.serve_push:
            return None
        push = cls(course, log)
        log.info("Moodle: each graded hand-in's grade and feedback go to %s (course %s)%s", settings.url,
                 settings.course_id, f"; {push.waiting()} push(es) still owed" if push.pending else "")
        return push

    def waiting(self) -> int:
        return sum(len(students) for students in self.pending.values())

    def _read(self) -> dict[str, list[str]]:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.log.error("Moodle: %s is unreadable (%s): the pushes it held are lost; `nnlab sync-lms A` "
                           "sends every grade that changed", self.path, exc)
            return {}
        return {str(a): [str(s) for s in students] for a, students in found.items()
                if isinstance(students, list)} if isinstance(found, dict) else {}

    def _write(self) -> None:
        write_atomic(self.path, json.dumps({a: s for a, s in sorted(self.pending.items()) if s},
                                           indent=1, sort_keys=True) + "\n")

    # -- what the service calls ---------------------------------------------------------------------
    def queue(self, assignment: str, students: list[str]) -> None:
        """Note durably that these students' grades of `assignment` are to be pushed."""
        owed = self.pending.setdefault(assignment, [])
        new = [s for s in students if s not in owed]
        if new:
            owed += new
            try:
                self._write()
            except OSError as exc:   # kept in memory: pushed by this run, lost only if it stops first
                self.log.error("Moodle: cannot note the pushes owed in %s (%s)", self.path, exc)

    def push(self) -> None:
        """Push what is owed, unless a failed try was too recent; never raises (the service goes on). An
        assignment Moodle refuses does not hold the others up; a Moodle that cannot be reached holds all."""
        if not self.pending or time.monotonic() < self.retry_at:
            return
        failed = False
        for assignment in sorted(self.pending):
            students = list(self.pending[assignment])
            try:
                self._push(assignment, students)
            except MoodleUnreachable as exc:   # the same for every assignment: tried again later, all of them
                self._failed(ANY, exc, f"Moodle: the pushes owed did not go through: {exc}")
                failed = True
                break
            except LmsImportError as exc:
                self._failed(assignment, exc, f"Moodle: the push of {assignment} did not go through: {exc}")
                failed = True
                continue
            except Exception as exc:  # an unforeseen failure: named once, tried again later, never the end of grading
                self._failed(assignment, exc, f"Moodle: the push of {assignment} failed: {type(exc).__name__}: {exc}")
                failed = True
                continue
            self._done(assignment, students)
            if self.outages.answered(assignment, ANY):
                self.log.info("Moodle answers again: the pushes owed of %s have gone through", assignment)
        if failed:
            self.retry_at = time.monotonic() + self.settings.retry_seconds

    def _done(self, assignment: str, students: list[str]) -> None:
        self.pending[assignment] = [s for s in self.pending[assignment] if s not in set(students)]
        if not self.pending[assignment]:
            del self.pending[assignment]
        try:
            self._write()
        except OSError as exc:   # pushed again at the next start: Moodle takes the same grade twice
            self.log.error("Moodle: cannot note the pushes done in %s (%s)", self.path, exc)

    def _failed(self, key: str, exc: Exception, why: str) -> None:
        if self.outages.failed(key, exc, why):
            self.log.error("%s; kept (%d push(es) owed: %s), tried again every %g s while the service grades on",
                           why, self.waiting(), ", ".join(f"{a}/{s}" for a, owed in sorted(self.pending.items())
                                                        for s in owed), self.settings.retry_seconds)

    def _push(self, assignment: str, students: list[str]) -> None:
        settings = self.settings
        service = MoodleService(settings.url, settings.token(), timeout=settings.serve_timeout)
        moodle = moodle_assignment(service, settings, assignment)
        moodle_id = int(moodle["id"])
        users = match_users(self.course, assignment, service.participants(moodle_id),
                            service.participant_numbers(moodle_id), is_blind(moodle), None)
        pushed = Pushed()
        push_grades(self.course, assignment, service, moodle, settings.course_id, users, pushed,
                    partial=settings.partial, only=set(students))
        for student, grade, files in pushed.sent:
            self.log.info("Moodle: %s: %s's grade %s, comment and %d feedback file(s) pushed", assignment, student,
                          grade, files)
        for student in pushed.unchanged:
            self.log.info("Moodle: %s: %s's grade and feedback unchanged since the last push: not sent again",
                          assignment, student)
        for who, why in pushed.left_out:   # the service's setting, not sync-lms's option
            self.log.warning("Moodle: %s: %s left out: %s", assignment, who,
                             why.replace("or sync with --partial", "or c.Moodle.partial = True"))
