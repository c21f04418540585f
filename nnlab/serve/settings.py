"""The service's settings: one home each, with its default and help (`c.Serve.poll_interval = 2` in
course_config.py; `nnlab serve`'s options override them)."""
from __future__ import annotations

from traitlets import Dict, Float, Integer
from traitlets.config import Configurable

EVERY_ASSIGNMENT = "*"


class Serve(Configurable):
    """`nnlab serve`'s settings."""
    poll_interval = Float(5.0, help="Seconds between two looks at the exchange's inbound for new hand-ins "
                                    "(a network filesystem or a remote exchange is polled, never watched)").tag(config=True)

    attempts_per_day = Dict(value_trait=Integer(), default_value={}, help=(
        "At most this many graded hand-ins per student in any 24 hours, per assignment "
        "({'perceptron': 3}; the key '*' for every assignment not named). A hand-in over the limit is kept, "
        "acknowledged, and graded when the student's next attempt is due; no limit when unset")).tag(config=True)

    minutes_between_attempts = Dict(value_trait=Float(), default_value={}, help=(
        "At least this many minutes between two graded hand-ins of a student, per assignment "
        "({'backprop': 30}; the key '*' for every assignment not named); no limit when unset")).tag(config=True)

    ahead = Integer(1, min=0, help="Notebooks handed to the workers beyond those they grade at once, so that none waits "
                            "while the service records a hand-in and makes its feedback (a hand-in handed to the "
                            "workers is graded even when a newer one of its student comes meanwhile)").tag(config=True)

    clock_skew_minutes = Float(10.0, help="How far a hand-in's own time (written by the student's nbgrader submit) "
                                          "may lie ahead of the time the service first saw it, or before its "
                                          "folder was made, before it is an impossible time").tag(config=True)

    grader_restarts = Integer(5, help="Times the grader may fail outright (a worker or the gradebook writer "
                                      "crashed) and be started again before the service stops").tag(config=True)

    def limit_of(self, assignment: str) -> tuple[int, float]:
        """(attempts a day, minutes between attempts) of `assignment`; 0 where there is no limit."""
        def pick(table):
            return table.get(assignment, table.get(EVERY_ASSIGNMENT, 0)) or 0
        return int(pick(self.attempts_per_day)), float(pick(self.minutes_between_attempts))
