"""The report as one self-contained HTML page (images inline, no outside files), from the template
nnlab/html_templates/nnlab/class_report.html.j2."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

from jinja2 import Template
from markupsafe import Markup

from nnlab.html_pages import pages
from nnlab.report.classdata import ClassResults, HiddenTest
from nnlab.report.stats import MIN_STUDENTS_FOR_DISCRIMINATION, QuestionStats, describe_discrimination

# HTML on purpose (<b>, <em>, &ndash;): marked safe here, so the template shows it as markup
DISCRIMINATION_METHOD = Markup(
    "Discrimination index: the <b>item-rest correlation</b>, the Pearson correlation, across the "
    "students graded on a question, between the question's score and the student's total on the "
    "<em>other</em> questions of the assignment (the point-biserial correlation when a question is "
    "all-or-nothing). Near 1: students who do well elsewhere do well here; near 0: the question does "
    "not separate strong from weak students; negative: weaker students do better, so check the question "
    "and its graders. Reading (Ebel's bands): below 0.2 poor, 0.2&ndash;0.3 fair, 0.3&ndash;0.4 good, "
    f"0.4 and above very good. It is undefined with fewer than {MIN_STUDENTS_FOR_DISCRIMINATION} graded "
    "students or when every student scored the same; answers still to grade by hand count 0 in the "
    "other questions' total."
)
NO_VALUE = Markup("&ndash;")


def _number(value: float) -> str:
    """A number as short as it goes: 3, 2.5."""
    return f"{value:g}"


def _decimals(value: float | None) -> str:
    """Two decimals, a dash for no value."""
    return NO_VALUE if value is None else f"{value:.2f}"


def _percent(value: float | None) -> str:
    """A share of 1 as a whole percentage, a dash for no value."""
    return NO_VALUE if value is None else f"{100 * value:.0f}%"


def _names(students: Sequence[str]) -> str:
    """Students listed on one line, or "none"."""
    return ", ".join(students) if students else "none"


@cache
def _template() -> Template:
    """The page's template, found inside the package wherever the command runs."""
    return pages(number=_number, decimals=_decimals, percent=_percent, names=_names).get_template(
        "class_report.html.j2")


def render(data: ClassResults, stats: Sequence[QuestionStats], histogram_uri: str | None,
           questions_uri: str | None, top_failed: Sequence[HiddenTest], total_summary: dict[str, float]) -> str:
    """The page: the class, the score distribution, the questions and the hidden tests failed most often."""
    return _template().render(
        data=data, made=dt.datetime.now().isoformat(timespec="minutes"),
        waiting=[r.student for r in data.results if r.awaiting_manual], total_summary=total_summary,
        histogram_uri=histogram_uri, questions_uri=questions_uri, question_rows=_question_rows(data, stats),
        discrimination_method=DISCRIMINATION_METHOD, top_failed=top_failed)


def _question_rows(data: ClassResults, stats: Sequence[QuestionStats]) -> list[tuple[QuestionStats, str, str]]:
    """Each question's statistics with its label and the reading of its discrimination."""
    one_notebook = len({q.notebook for q in data.questions}) == 1
    rows = []
    for s in stats:
        reading = describe_discrimination(s.discrimination)
        if s.discrimination is None:
            reading = f"n/a: {s.why_no_discrimination}"
        if 0 < s.graded < len(data.results):
            reading += f" ({len(data.results) - s.graded} still to grade by hand)"
        rows.append((s, s.grade_id if one_notebook else f"{s.notebook}/{s.grade_id}", reading))
    return rows
