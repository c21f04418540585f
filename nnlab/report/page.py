"""The report as one self-contained HTML page (images inline, no outside files)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from nnlab.report.classdata import ClassResults, HiddenTest
from nnlab.report.stats import MIN_STUDENTS_FOR_DISCRIMINATION, QuestionStats, describe_discrimination

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.92em; }
"""

DISCRIMINATION_METHOD = (
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


def _num(value: float | None, digits: int = 2) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "&ndash;" if value is None else f"{100 * value:.0f}%"


def _names(students: Sequence[str]) -> str:
    return escape(", ".join(students)) if students else "none"


def render(data: ClassResults, stats: Sequence[QuestionStats], histogram_uri: str | None,
           questions_uri: str | None, top_failed: Sequence[HiddenTest], total_summary: dict[str, float]) -> str:
    a = escape(data.assignment)
    parts = ["<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
             f"<title>{a}: class report</title><style>{STYLE}</style></head><body>",
             f"<h1>{a}: class report</h1>",
             f"<p class='note'>Course folder {escape(str(data.course))}; made "
             f"{dt.datetime.now().isoformat(timespec='minutes')} from the gradebook and the hidden graders' reports.</p>"]
    parts += _the_class(data, total_summary)
    if not data.results:
        parts.append("<p><b>Nobody's submission has been graded yet: no statistics to show.</b></p>")
    if histogram_uri:
        parts += ["<h2>Score distribution</h2>",
                  f"<img alt='histogram of the total scores' src='{histogram_uri}'>"]
    parts += _questions(data, stats, questions_uri)
    parts += _hidden_tests_failed(data, top_failed)
    if data.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in data.notes) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _the_class(data: ClassResults, total_summary: dict[str, float]) -> list[str]:
    """Who submitted, who was graded, who waits for grading by hand, and the totals."""
    parts = ["<h2>The class</h2><ul>",
             f"<li>{data.enrolled} students enrolled; <b>{len(data.results)}</b> submitted and were graded "
             f"(out of {data.max_score:g} points).</li>",
             f"<li>Submitted nothing: {len(data.not_submitted)} ({_names(data.not_submitted)}).</li>"]
    if data.not_graded:
        parts.append(f"<li>Submitted, but no score recorded (see <code>nbgrader autograde</code>'s log): "
                     f"{len(data.not_graded)} ({_names(data.not_graded)}).</li>")
    waiting = [r.student for r in data.results if r.awaiting_manual]
    if waiting:
        parts.append(f"<li>Answers still to grade by hand (counted 0 in the totals until graded): "
                     f"{len(waiting)} students ({_names(waiting)}).</li>")
    if total_summary:
        parts.append("<li>Total score: mean {mean:.2f}, median {median:.2f}, lowest {min:g}, highest {max:g}.</li>"
                     .format(**total_summary))
    parts.append("</ul>")
    return parts


def _questions(data: ClassResults, stats: Sequence[QuestionStats], questions_uri: str | None) -> list[str]:
    """The per-question figure and table: points, mean score, pass rate and discrimination."""
    parts = ["<h2>Questions</h2>"]
    if questions_uri:
        parts.append(f"<img alt='mean score and pass rate per question' src='{questions_uri}'>")
    parts.append("<table><tr><th>question</th><th class='num'>points</th><th class='num'>graded</th>"
                 "<th class='num'>mean score</th><th class='num'>pass rate</th>"
                 "<th class='num'>discrimination</th><th>reading</th></tr>")
    for s in stats:
        reading = describe_discrimination(s.discrimination)
        if s.discrimination is None:
            reading = f"n/a: {s.why_no_discrimination}"
        if 0 < s.graded < len(data.results):
            reading += f" ({len(data.results) - s.graded} still to grade by hand)"
        label = s.grade_id if len({q.notebook for q in data.questions}) == 1 else f"{s.notebook}/{s.grade_id}"
        parts.append(f"<tr><td><code>{escape(label)}</code></td><td class='num'>{s.points:g}</td>"
                     f"<td class='num'>{s.graded} of {len(data.results)}</td><td class='num'>{_num(s.mean)}</td>"
                     f"<td class='num'>{_pct(s.pass_rate)}</td><td class='num'>{_num(s.discrimination)}</td>"
                     f"<td>{escape(reading)}</td></tr>")
    parts.append("</table>")
    parts.append("<p class='note'>Pass rate: the share of graded students with full marks on the question. "
                 f"{DISCRIMINATION_METHOD}</p>")
    return parts


def _hidden_tests_failed(data: ClassResults, top_failed: Sequence[HiddenTest]) -> list[str]:
    """The hidden tests failed most often, with their hints and how many failed each."""
    parts = ["<h2>Hidden tests failed most often</h2>"]
    if top_failed:
        parts.append("<table><tr><th>#</th><th>question</th><th>hidden test</th><th>hint</th>"
                     "<th class='num'>points</th><th class='num'>failed by</th></tr>")
        for rank, t in enumerate(top_failed, 1):
            parts.append(f"<tr><td class='num'>{rank}</td><td><code>{escape(t.question)}</code></td>"
                         f"<td><code>{escape(t.name)}</code></td><td>{escape(t.hint)}</td>"
                         f"<td class='num'>{t.points:g}</td>"
                         f"<td class='num'>{t.failed} of {t.graded} ({100 * t.failed / t.graded:.0f}%)</td></tr>")
        parts.append("</table>")
    elif data.hidden_tests:
        parts.append("<p>Every graded student passed every hidden test.</p>")
    else:
        parts.append("<p>No hidden-grader reports to read.</p>")
    return parts
