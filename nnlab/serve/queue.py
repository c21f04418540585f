"""Attempt limits and the fair queue.

A student's hand-ins of an assignment are graded at most `attempts_per_day` in any 24 hours, and at
least `minutes_between_attempts` apart (an attempt counts from when its grading began); a hand-in over
the limit is held until the next attempt is due. Of the hand-ins ready to grade, those of students with
fewer graded hand-ins of that assignment come first, then the earliest: a student's second hand-in never
waits ahead of another student's first.
"""
from __future__ import annotations

from nnlab.serve.journal import COLLECTED, HELD, SEEN, HandIn, Journal
from nnlab.serve.settings import Serve

DAY = 24 * 3600.0


def attempts(journal: Journal, student: str, assignment: str, leaving_out: HandIn | None = None) -> list[float]:
    """When each graded attempt of the student's at the assignment began, oldest first."""
    return sorted(h.times[COLLECTED] for h in journal.of_student(student, assignment)
                  if COLLECTED in h.times and h is not leaving_out)


def next_attempt(journal: Journal, settings: Serve, handin: HandIn, now: float) -> float:
    """When `handin` may be graded: 0 when now, else the time its student's next attempt is due."""
    per_day, minutes = settings.limit_of(handin.assignment)
    began = attempts(journal, handin.student, handin.assignment, leaving_out=handin)
    due = 0.0
    if per_day:
        recent = [t for t in began if t > now - DAY]
        if len(recent) >= per_day:
            due = recent[-per_day] + DAY
    if minutes and began:
        due = max(due, began[-1] + minutes * 60)
    return due if due > now else 0.0


def limit_text(settings: Serve, assignment: str) -> str:
    """The assignment's limit as the student reads it."""
    per_day, minutes = settings.limit_of(assignment)
    said = []
    if per_day:
        said.append(f"{per_day} graded hand-in{'s' if per_day != 1 else ''} in any 24 hours")
    if minutes:
        said.append(f"one graded hand-in every {minutes:g} minutes")
    return " and ".join(said)


def ready(journal: Journal, now: float) -> list[HandIn]:
    """The hand-ins to grade now, in the fair order."""
    waiting = [h for h in journal.waiting() if h.state in (SEEN, COLLECTED) or (h.state == HELD and h.due <= now)]
    return sorted(waiting, key=lambda h: (len(attempts(journal, h.student, h.assignment, leaving_out=h)), h.seen, h.name))


def next_up(journal: Journal, now: float, busy: set[tuple[str, str]]) -> HandIn | None:
    """The first ready hand-in in the fair order whose (student, assignment) is not `busy` (being graded: the
    grader grades a student's submitted folder of an assignment once at a time); None when there is none."""
    return next((h for h in ready(journal, now) if (h.student, h.assignment) not in busy), None)
