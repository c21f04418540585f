"""Hand-ins from Moodle for `nnlab serve`: every c.Moodle.poll_seconds, each of the course's assignments
that Moodle has is pulled as `nnlab sync-lms A --pull-only` pulls it (nnlab.lms.moodle_pull: each notebook
handed in goes into submitted/, an unchanged one is left as it is, a changed one replaces it with the
previous kept aside; Moodle's due date and extensions go into the gradebook), so a notebook handed in on
Moodle is graded on arrival.

The service knows nothing of Moodle: nnlab/cli/serve.py hands it a `ServePull`, whose `poll` it calls each
turn. `poll` returns every Moodle hand-in whose notebook in submitted/ is Moodle's own (its timestamp.txt
holds Moodle's time of the submission), not only those this pull placed: the service journals the ones it
has not seen, so a notebook placed just before the service was killed (or by `nnlab sync-lms`) is still
graded, and one already journaled is never graded again. Moodle unreachable or refusing (a wrong token, a
missing capability) is logged once per failure (nnlab.lms.outages); grading goes on and the pull is tried again at the next
interval.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from nnlab.course import Course
from nnlab.lms.moodle_pull import (
    Pulled,
    User,
    is_blind,
    match_users,
    pull_submissions,
    submission_time,
    take_deadlines,
)
from nnlab.lms.outages import ANY, Outages
from nnlab.lms.roster import LmsImportError, id_problem
from nnlab.lms.settings import Moodle
from nnlab.lms.sync import moodle_assignment
from nnlab.lms.webservice import MoodleService, MoodleUnreachable

SOURCE = "moodle"   # the service names each hand-in pulled from here moodle/<student>+<assignment>+<time>


@dataclass(frozen=True)
class Arrival:
    """A notebook handed in on Moodle, now in submitted/<student>/<assignment>/ (nnlab.serve's `Arrival`)."""
    student: str
    assignment: str
    handed_in: str          # Moodle's time of the submission, as submitted/.../timestamp.txt holds it
    source: str = SOURCE


class _OnePoll:
    """The Moodle service, answering each question once a poll: the course's assignments (asked once for
    all of them) and each assignment's submissions (the pull places them; the poll reads their times)."""

    def __init__(self, service: MoodleService):
        self._service = service
        self._answers: dict[tuple, object] = {}

    def _once(self, key: tuple, ask):
        if key not in self._answers:
            self._answers[key] = ask()
        return self._answers[key]

    def assignments(self, course_id: int) -> list[dict]:
        return self._once(("assignments", course_id), lambda: self._service.assignments(course_id))

    def submissions(self, moodle_id: int) -> list[dict]:
        return self._once(("submissions", moodle_id), lambda: self._service.submissions(moodle_id))

    def __getattr__(self, name: str):
        return getattr(self._service, name)


class ServePull:
    """The pulls of `nnlab serve` from the course's Moodle."""

    def __init__(self, course: Course, log: logging.Logger):
        self.course, self.log = course, log
        self.settings = Moodle(config=course.config)
        self.next_at = 0.0                    # monotonic: no pull before
        self.outages = Outages()
        self.told: set[tuple[str, ...]] = set()   # what was left out (and why), named once a run

    @classmethod
    def of(cls, course: Course, log: logging.Logger) -> "ServePull | None":
        """The course's pulls when it is configured for Moodle web services (c.Moodle.url) and
        c.Moodle.poll_seconds is not 0, else None."""
        settings = Moodle(config=course.config)
        if not settings.url or settings.poll_seconds <= 0:
            return None
        log.info("Moodle: the hand-ins and deadlines of each assignment pulled from %s (course %s) every %g s",
                 settings.url, settings.course_id, settings.poll_seconds)
        return cls(course, log)

    # -- what the service calls ---------------------------------------------------------------------
    def poll(self, busy: set[tuple[str, str]] = frozenset()) -> list[Arrival]:
        """Once the interval is up, pull every assignment Moodle has and return its hand-ins now in submitted/
        (none before the interval is up); never raises. An assignment Moodle refuses holds up no other; a
        Moodle that cannot be reached holds all. A (student, assignment) in `busy` is not placed: the service
        is grading its submitted/ folder (a student who hands in both ways); the next poll places it."""
        if time.monotonic() < self.next_at:
            return []
        self.next_at = time.monotonic() + self.settings.poll_seconds
        try:
            service = _OnePoll(MoodleService(self.settings.url, self.settings.token(),
                                             timeout=self.settings.serve_timeout))
            found = self._in_moodle(service)
        except Exception as exc:  # an unforeseen failure too: named once, tried again later, never the end of grading
            self._failed(ANY, exc, f"Moodle: cannot pull the hand-ins: {_said(exc)}")
            return []
        self._answers_again(ANY, "every assignment")
        arrivals: list[Arrival] = []
        for assignment, moodle in found.items():
            try:
                arrivals += self._pull(service, assignment, moodle,
                                       frozenset(student for student, a in busy if a == assignment))
            except MoodleUnreachable as exc:   # the same for every assignment: tried again later, all of them
                self._failed(ANY, exc, f"Moodle: cannot pull the hand-ins: {_said(exc)}")
                break
            except Exception as exc:  # refused (LmsImportError) or unforeseen: this assignment only
                self._failed(assignment, exc, f"Moodle: the pull of {assignment} did not go through: {_said(exc)}")
                continue
            self._answers_again(assignment, assignment)
        return arrivals

    # -- pulling ------------------------------------------------------------------------------------
    def _in_moodle(self, service: _OnePoll) -> dict[str, dict]:
        """Each of the course's assignments that Moodle has, with its Moodle record (sync-lms's rule:
        c.Moodle.assignments names its id, else the same name); one it has not is named once."""
        if not self.settings.course_id:
            raise LmsImportError("c.Moodle.course_id is not set (the id= of the course's page in Moodle)")
        service.assignments(self.settings.course_id)   # asked here, so that a refusal is not taken for "not in Moodle"
        found, absent = {}, []
        for assignment in sorted(self.course.source_assignments()):
            try:
                found[assignment] = moodle_assignment(service, self.settings, assignment)
            except LmsImportError:
                absent.append(assignment)
        if absent and ("absent", *absent) not in self.told:   # a course may hand out some assignments elsewhere
            self.told.add(("absent", *absent))
            self.log.info("Moodle: not pulled, no Moodle assignment of the same name (or of the id "
                          "c.Moodle.assignments gives) in course %s: %s", self.settings.course_id, ", ".join(absent))
        return found

    def _pull(self, service: _OnePoll, assignment: str, moodle: dict, hold: frozenset[str]) -> list[Arrival]:
        """`nnlab sync-lms A --pull-only` for one assignment; its Moodle hand-ins now in submitted/."""
        moodle_id = int(moodle["id"])
        users = match_users(self.course, assignment, service.participants(moodle_id),
                            service.participant_numbers(moodle_id), is_blind(moodle), None)
        flags = service.user_flags(moodle_id)   # asked before anything is placed: a refusal changes nothing
        pulled = Pulled()
        pull_submissions(self.course, assignment, service, moodle_id, users, pulled, hold)
        take_deadlines(self.course, assignment, moodle, flags, users, pulled)
        self._report(assignment, pulled)
        return self._in_submitted(assignment, users, service.submissions(moodle_id))

    def _in_submitted(self, assignment: str, users: list[User], submissions: list[dict]) -> list[Arrival]:
        """The submissions whose notebook in submitted/ is Moodle's (its timestamp.txt says Moodle's time)."""
        student_of = {u.userid: u.student for u in users if u.student and not id_problem(u.student)}
        arrivals = []
        for submission in submissions:
            student = student_of.get(int(submission.get("userid", 0)))
            modified = int(submission.get("timemodified") or 0)
            if submission.get("status") != "submitted" or not student or not modified:
                continue
            if self.course.submitted_stamp(student, assignment) == submission_time(modified):
                arrivals.append(Arrival(student, assignment, submission_time(modified)))
        return arrivals

    def _report(self, assignment: str, pulled: Pulled) -> None:
        for student in pulled.placed:
            self.log.info("Moodle: %s: %s's hand-in pulled into submitted/", assignment, student)
        for student in pulled.replaced:
            self.log.info("Moodle: %s: %s's changed hand-in pulled into submitted/ (the previous kept under %s)",
                          assignment, student, self.course.show(self.course.lms_import / assignment))
        for student in pulled.held:
            self.log.info("Moodle: %s: %s's hand-in pulled at the next poll: the service is grading the one in "
                          "submitted/", assignment, student)
        for line in pulled.deadlines:
            self.log.info("Moodle: %s: %s", assignment, line)
        for who, why in pulled.left_out:
            self._tell_once((assignment, who, why), f"Moodle: {assignment}: {who} left out: {why}")

    # -- failures -----------------------------------------------------------------------------------
    def _tell_once(self, key: tuple[str, ...], message: str) -> None:
        if key not in self.told:   # a poll a minute would say it every minute
            self.told.add(key)
            self.log.warning("%s", message)

    def _failed(self, key: str, exc: Exception, why: str) -> None:
        if self.outages.failed(key, exc, why):
            self.log.error("%s; grading goes on, pulled again every %g s", why, self.settings.poll_seconds)

    def _answers_again(self, key: str, what: str) -> None:
        if self.outages.answered(key):
            self.log.info("Moodle answers again: the hand-ins of %s are pulled", what)


def _said(exc: Exception) -> str:
    """A failure in one line: the refusal's own message, the type of an unforeseen one; a Moodle that cannot be
    reached without the call it failed at (whichever call of a pull meets it, it is logged once)."""
    if isinstance(exc, MoodleUnreachable):
        return str(exc).split(": ", 1)[-1]
    return str(exc) if isinstance(exc, LmsImportError) else f"{type(exc).__name__}: {exc}"
