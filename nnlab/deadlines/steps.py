"""The course's steps in nbgrader's pipelines (course_config.py lists them), so that plain `nbgrader
autograde` and `generate_feedback`, the formgrader's buttons, `nnlab grade`, `nnlab feedback` and
`nnlab serve` all apply the same deadlines.

- `ApplyDeadlines` (autograde, after SaveAutoGrades, before nbgrader's AssignLatePenalties): an
  extension kept for a student who had not handed in goes onto their submission, so nbgrader's late
  computation counts it; the notebook's scores are kept for the `feedback_only` policy.
- `ReassessLatePenalty` (feedback, first): the late penalty recomputed from the gradebook as it is now
  (a mark given by hand since autograding, a due date or extension changed), before the page records
  and shows it.
- `DeadlineFeedback` (feedback, after GetGrades): the deadline box on the page, and before the due date
  only what the assignment's `c.Deadlines.before_due` shows."""
from __future__ import annotations

import json
from datetime import datetime

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from nnlab.deadlines.extensions import deadline_of, move_kept_extension
from nnlab.deadlines.on_time import remember
from nnlab.deadlines.page import Box, deadline_box
from nnlab.deadlines.policy import LatePolicy, reassess
from nnlab.deadlines.settings import Deadlines
from nnlab.deadlines.times import UTC
from nnlab.deadlines.view import is_marked_by_hand, page_record_name, show_before_due, to_be_marked


class _DeadlineStep(NbGraderPreprocessor):
    def course_root(self) -> str:
        """The course folder, as nbgrader's own CourseDirectory reads it from the configuration."""
        return CourseDirectory(config=self.config).root


class ApplyDeadlines(_DeadlineStep):
    """Autograde step: a kept extension onto the new submission; the notebook's scores kept."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        with Gradebook(ids["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(ids["notebook"], ids["assignment"], ids["student"])
            moved = move_kept_extension(gradebook, self.course_root(), notebook.assignment)
            if moved is not None:
                self.log.info("%s: the extension given before the hand-in (%s) is now on the submission",
                              ids["student"], moved)
            remember(self.course_root(), notebook)
        return nb, resources


class ReassessLatePenalty(_DeadlineStep):
    """Feedback step, before RecordFeedbackGrades: the notebook's late penalty as the policy gives it now."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        with Gradebook(ids["db_url"]) as gradebook:
            for change in reassess(LatePolicy(parent=self), gradebook, self.course_root(), ids["assignment"],
                                   [ids["student"]]):
                self.log.info("%s, %s: late penalty %s -> %s", change.student, change.notebook, change.before,
                              change.after)
        return nb, resources


class DeadlineFeedback(_DeadlineStep):
    """Feedback step, after GetGrades: the deadline box, and before the due date what the assignment shows."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        settings = Deadlines(parent=self)
        root = self.course_root()
        with Gradebook(ids["db_url"]) as gradebook:
            deadline = deadline_of(gradebook, root, ids["assignment"], ids["student"])
            notebook = gradebook.find_submission_notebook(ids["notebook"], ids["assignment"], ids["student"])
            deduction = LatePolicy(parent=self).deduction(notebook, deadline.seconds_late, root, settings.zone())
            unmarked = {g.name for g in notebook.grades if g.auto_score is None and g.manual_score is None}
        to_be_marked(nb, unmarked)
        final = deadline.passed(datetime.now(UTC))
        view = settings.view_before_due(ids["assignment"])
        if not final:
            show_before_due(nb, view)
        box = Box(ids["student"], deadline, float(resources["nbgrader"].get("late_penalty") or 0.0), deduction,
                  final, view, any(is_marked_by_hand(cell) for cell in nb.cells))
        resources["deadline"] = {"html": deadline_box(box, settings.zone()), "withheld": not final and view == "none"}
        outputs = resources.setdefault("outputs", {})
        outputs[page_record_name(ids["notebook"])] = json.dumps(
            {"final": final, "view": "all" if final else view}, indent=1).encode("utf-8")
        return nb, resources
