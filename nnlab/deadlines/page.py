"""The deadline box of a feedback page: when the hand-in arrived, the due date with the student's
extension, any late deduction, and, before the due date, what the page leaves out. Made from nnlab's
own template (nnlab/html_templates/nnlab/deadline.html.j2, autoescaped): every value, the student's id
included, is text in it, never markup."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo

from markupsafe import Markup

from nnlab.deadlines.extensions import Deadline
from nnlab.deadlines.policy import Deduction
from nnlab.deadlines.settings import VIEWS
from nnlab.deadlines.times import show_length, show_time
from nnlab.html_pages import pages


@dataclass(frozen=True)
class Box:
    student: str
    deadline: Deadline
    deducted: float            # the penalty the gradebook holds for the notebook
    deduction: Deduction       # the policy's account of it
    final: bool
    view: str                  # what the page shows before the due date (a key of VIEWS)
    to_mark: bool              # the notebook has answers marked by hand


def deadline_box(box: Box, zone: tzinfo | None) -> Markup:
    """The box's HTML."""
    d = box.deadline
    due = d.due_for_student
    return Markup(pages().get_template("deadline.html.j2").render(
        student=box.student,
        handed_in=show_time(d.handed_in, zone, seconds=True) if d.handed_in else "",
        due=show_time(d.due, zone) if d.due else "",
        extension=show_length(d.extension) if d.extension else "",
        due_for_student=show_time(due, zone) if due else "",
        late=show_length(timedelta(seconds=d.seconds_late)) if d.seconds_late > 0 else "",
        deducted=f"{box.deducted:g}" if box.deducted > 0 else "",
        why=box.deduction.why,
        final=box.final,
        shown=VIEWS[box.view],
        to_mark=box.to_mark,
    ))

