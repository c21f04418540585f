"""The class report of one assignment (`nnlab report <assignment>` calls `write_report`).

From the course's gradebook and the hidden graders' saved reports it writes one
self-contained HTML page (figures inline as base64 PNG) and a per-question CSV:

    <course>/reports/<assignment>/index.html
    <course>/reports/<assignment>/questions.csv

The page shows the score distribution, each question's mean score and pass rate, the hidden
tests failed most often with their hints (never the graders' inputs or expected values), and
how well each question separates strong from weak students (see `nnlab.report.stats`).
"""
from __future__ import annotations

import csv
from pathlib import Path

from nnlab.course import Course
from nnlab.files import atomic_open, write_atomic
from nnlab.report.classdata import ClassResults, HiddenTest, ReportError, as_course, read_class
from nnlab.report.figures import data_uri, question_bars, score_histogram
from nnlab.report.page import render
from nnlab.report.stats import QuestionStats, question_stats, summary

__all__ = ["ReportError", "write_report", "class_statistics", "most_failed"]

TOP_FAILED = 10
CSV_COLUMNS = ["question", "notebook", "points", "graded", "mean_score", "pass_rate", "discrimination"]


def class_statistics(data: ClassResults) -> list[QuestionStats]:
    """The statistics of every question, in notebook order."""
    rows = data.score_rows()
    return [question_stats(q.grade_id, q.notebook, q.points, q.key, rows) for q in data.questions]


def most_failed(tests: list[HiddenTest], top: int = TOP_FAILED) -> list[HiddenTest]:
    """The hidden tests failed by the most students (ties: in notebook order), failed ones only; a test
    passed only with earlier answers carried forward counts as failed here (the student's own work failed it)."""
    failed = [t for t in tests if t.failed or t.carried]
    return sorted(failed, key=lambda t: -(t.failed + t.carried))[:max(top, 0)]  # stable: ties keep notebook order


def _cell(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{round(value, digits):g}"


def write_csv(path: Path, stats: list[QuestionStats]) -> None:
    with atomic_open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for s in stats:
            writer.writerow([s.grade_id, s.notebook, f"{s.points:g}", s.graded, _cell(s.mean),
                             _cell(s.pass_rate), _cell(s.discrimination)])


def write_report(course: Course | Path, assignment: str, out_dir: Path | None = None, top: int = TOP_FAILED) -> Path:
    """Write the class report of `assignment` in `course` (a Course, or a course folder: its configuration
    says where the gradebook is); returns the path of its HTML page.

    Raises ReportError (naming the file and the problem) when the gradebook cannot be read
    or does not know the assignment."""
    course = as_course(course)
    data = read_class(course, assignment)
    out_dir = Path(out_dir) if out_dir is not None else course.folder / "reports" / assignment
    stats = class_statistics(data)
    totals = [r.total for r in data.results]
    histogram = data_uri(score_histogram(totals, data.max_score, assignment)) if totals else None
    bars = data_uri(question_bars(stats, [q.key for q in data.questions], len(totals))) if totals and stats else None
    html = render(data, stats, histogram, bars, most_failed(data.hidden_tests, top), summary(totals))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_csv(out_dir / "questions.csv", stats)
        page = out_dir / "index.html"
        write_atomic(page, html)
    except OSError as exc:
        raise ReportError(f"{out_dir}: cannot write the report ({exc.strerror or exc})") from exc
    return page
