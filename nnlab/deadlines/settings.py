"""The settings of due dates and of the feedback before them: `c.Deadlines.*` in course_config.py,
each with its default and help here. The late policy's settings are the traits of its plugin
(`c.LatePolicy.*`, nnlab/deadlines/policy.py)."""
from __future__ import annotations

from datetime import tzinfo

from traitlets import Dict, Enum, Unicode
from traitlets.config import Configurable

from nnlab.deadlines.times import TimeError, zone_named

# What a feedback page shows while the student's due date (with their extension) has not passed.
VIEWS = {
    "hints": "points per question and the hints of the hidden tests failed",
    "score": "points per question only",
    "none": "only that your hand-in was received: it is graded after the due date",
}


class Deadlines(Configurable):
    """Due dates as the course reads and shows them, and what feedback shows before them."""
    timezone = Unicode("", help="The course's time zone, e.g. Europe/Berlin: due dates and extensions typed "
                                "without a zone (`nnlab due A '2025-03-14 23:59'`) are read in it, and every date "
                                "nnlab shows (status, feedback pages) is shown in it. Empty: a date without a zone is "
                                "refused, and dates are shown in UTC").tag(config=True)
    before_due = Enum(list(VIEWS), default_value="hints",
                      help="What a student's feedback page shows before their due date (with their extension): "
                           + "; ".join(f"'{name}': {what}" for name, what in VIEWS.items())
                           + ". Written answers are always 'to be marked' until marked; after the due date the "
                             "page shows everything").tag(config=True)
    before_due_of = Dict(key_trait=Unicode(), value_trait=Enum(list(VIEWS)), default_value={},
                         help="`before_due` for single assignments, e.g. {'pytorch': 'none'}").tag(config=True)

    def zone(self) -> tzinfo | None:
        """The course's time zone; None when it names none (an unknown name: a TimeError naming the setting)."""
        try:
            return zone_named(self.timezone) if self.timezone else None
        except TimeError as exc:
            raise TimeError(f"c.Deadlines.timezone: {exc}") from None

    def view_before_due(self, assignment: str) -> str:
        """What the assignment's pages show before the due date (a key of VIEWS)."""
        return self.before_due_of.get(assignment, self.before_due)
