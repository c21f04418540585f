"""The course's late policy, applied as nbgrader applies late penalties: `LatePolicy` is nbgrader's
late-submission plugin (`c.AssignLatePenalties.plugin_class`), so the penalty of each late notebook is in
the gradebook, and the formgrader, `nbgrader export`, the feedback and nnlab all show the same number.
Its settings are its traits (`c.LatePolicy.*`)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from nbgrader.api import SubmittedNotebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import BasePlugin
from traitlets import Enum, Float

from nnlab.deadlines.on_time import last_on_time
from nnlab.deadlines.times import from_gradebook, show_time

DAY = 24 * 3600

POLICIES = {
    "none": "a late hand-in is graded as one on time",
    "per_day": "per_day of the notebook's maximum score is taken off for each day late (a part of a day "
               "counts as a day), at most cap of it",
    "feedback_only": "a late hand-in gets its feedback, but the grade stays with the student's last hand-in on "
                     "time: what it scores above that hand-in, question by question, is taken off (nothing "
                     "on time: all of it). Written answers are marked on the hand-in the gradebook holds",
}


@dataclass(frozen=True)
class Deduction:
    """What a late notebook loses, and why, in words for the student."""
    points: float
    why: str


class LatePolicy(BasePlugin):
    """The late policy of the course: nbgrader's late-submission plugin, with the policy's settings."""
    policy = Enum(list(POLICIES), default_value="none",
                  help="What a late hand-in costs (late: after the due date with the student's extension): "
                       + "; ".join(f"'{name}': {what}" for name, what in POLICIES.items())).tag(config=True)
    per_day = Float(0.1, min=0.0, max=1.0,
                    help="For 'per_day': the share of a notebook's maximum score taken off for each day late, "
                         "or part of a day (0.1: 10%)").tag(config=True)
    cap = Float(0.5, min=0.0, max=1.0,
                help="For 'per_day': the most taken off a notebook, as a share of its maximum score (0.5: half; "
                     "1: all of it)").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        """nbgrader's call, for a late notebook. nbgrader passes the score only; the notebook's maximum and
        question scores are read from the gradebook its AssignLatePenalties step has open (the parent)."""
        if self.policy == "none":
            return None
        step = self.parent
        notebook = step.gradebook.find_submission_notebook(step.notebook_id, step.assignment_id, student_id)
        return self.deduction(notebook, total_seconds_late, CourseDirectory(config=self.config).root).points

    def deduction(self, notebook: SubmittedNotebook, seconds_late: float, root: Path | str,
                  zone: tzinfo | None = None) -> Deduction:
        """What `notebook`, handed in `seconds_late` after the student's due date, loses."""
        score, maximum = float(notebook.score or 0.0), float(notebook.max_score or 0.0)
        if seconds_late <= 0 or self.policy == "none":
            return Deduction(0.0, "")
        if self.policy == "per_day":
            days = math.ceil(seconds_late / DAY)
            share = min(self.cap, days * self.per_day)
            why = f"{days} day{'s' if days != 1 else ''} late: {days} x {self.per_day:.0%}"
            why += f", at most {self.cap:.0%}" if days * self.per_day > self.cap else ""
            points = min(score, round(share * maximum, 4))
            why += f" of {maximum:g} points"
            return Deduction(points, why + (f", no more than the score ({score:g})" if points < share * maximum else ""))
        submission = notebook.assignment   # its duedate: the assignment's with the student's extension
        kept = last_on_time(root, submission.assignment.name, submission.student.id, notebook.name,
                            from_gradebook(submission.duedate))
        if kept is None:
            return Deduction(score, "no hand-in on time: a late hand-in gets feedback, not points")
        now = {g.name: float(g.score or 0.0) for g in notebook.grades}
        gained = sum(max(0.0, now.get(cell, 0.0) - then) for cell, then in kept.scores.items())
        points = min(score, round(gained, 4))
        last = show_time(kept.handed_in, zone, seconds=True)
        return Deduction(points, f"the grade stays with your last hand-in on time ({last}): "
                                 f"{points:g} points gained since are not counted")


@dataclass(frozen=True)
class Change:
    """A late penalty in the gradebook that the policy changed."""
    student: str
    notebook: str
    before: float | None
    after: float | None


def penalty(policy: LatePolicy, notebook: SubmittedNotebook, root: Path | str) -> float | None:
    """The late penalty nbgrader's AssignLatePenalties would record for `notebook` now: None on time or
    under no policy, else the deduction, kept between 0 and the score as nbgrader keeps it."""
    late = notebook.assignment.total_seconds_late
    if late <= 0 or policy.policy == "none":
        return None
    return max(0.0, min(policy.deduction(notebook, late, root).points, float(notebook.score or 0.0)))


def reassess(policy: LatePolicy, gradebook, root: Path | str, assignment: str,
             students: list[str] | None = None) -> list[Change]:
    """Recompute the late penalties of `assignment`'s submissions (of `students`, default all) after what
    they depend on changed (a due date, an extension, a mark given by hand): nbgrader computes them only
    when it autogrades. Returns what changed, written to the gradebook."""
    changes = []
    for submission in gradebook.find_assignment(assignment).submissions:
        if students is not None and submission.student.id not in students:
            continue
        for notebook in submission.notebooks:
            before, after = notebook.late_submission_penalty, penalty(policy, notebook, root)
            if before != after:
                notebook.late_submission_penalty = after
                changes.append(Change(submission.student.id, notebook.name, before, after))
    gradebook.db.commit()
    return sorted(changes, key=lambda c: (c.student, c.notebook))
