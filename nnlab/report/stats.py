"""The class statistics of the report, on plain numbers (no gradebook, no files).

Discrimination is the item-rest correlation: the Pearson correlation, across the students
graded on a question, between the question's score and the student's total on the OTHER
questions of the assignment. For an all-or-nothing question this is the point-biserial
correlation. The question itself is left out of the total so that it does not correlate
with itself (which inflates the index most on a short assignment).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Fewer students than this and a correlation says nothing (two points always lie on a line).
MIN_STUDENTS_FOR_DISCRIMINATION = 3
# Scores are sums of fractional test points: compare with a tolerance, not exactly.
FULL_MARKS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class QuestionStats:
    grade_id: str
    notebook: str
    points: float
    graded: int                     # students with a score for this question
    mean: float | None              # None: nobody graded on it yet
    pass_rate: float | None         # share of graded students with full marks, 0..1
    discrimination: float | None    # item-rest correlation, None when undefined
    why_no_discrimination: str = ""  # what made it undefined, for the page


def mean(values: Sequence[float]) -> float | None:
    """The mean, None for no values."""
    return float(np.mean(values)) if len(values) else None


def pass_rate(values: Sequence[float], points: float) -> float | None:
    """The share of scores at full marks (None for no scores)."""
    if not len(values):
        return None
    return sum(v >= points - FULL_MARKS_TOLERANCE for v in values) / len(values)


def item_rest_correlation(item: Sequence[float], rest: Sequence[float]) -> tuple[float | None, str]:
    """(Pearson correlation of `item` with `rest`, why it is undefined or "")."""
    if len(item) != len(rest):
        raise ValueError(f"{len(item)} question scores against {len(rest)} rest totals")
    if len(item) < MIN_STUDENTS_FOR_DISCRIMINATION:
        return None, f"needs at least {MIN_STUDENTS_FOR_DISCRIMINATION} graded students"
    x, y = np.asarray(item, dtype=float), np.asarray(rest, dtype=float)
    dx, dy = x - x.mean(), y - y.mean()
    sx, sy = math.sqrt(float(dx @ dx)), math.sqrt(float(dy @ dy))
    # A constant column has no correlation: everyone scored the same on it.
    if sx <= 1e-12:
        return None, "every student scored the same on this question"
    if sy <= 1e-12:
        return None, "every student scored the same on the other questions"
    return float(np.clip((dx @ dy) / (sx * sy), -1.0, 1.0)), ""


def rest_totals(scores: Sequence[dict[str, float | None]], question: str) -> list[float]:
    """Each student's total over the questions other than `question` (ungraded counts 0)."""
    return [sum(v or 0.0 for k, v in row.items() if k != question) for row in scores]


def question_stats(grade_id: str, notebook: str, points: float, key: str,
                   scores: Sequence[dict[str, float | None]]) -> QuestionStats:
    """The statistics of one question (`key` in every student's {question key: score or None})."""
    graded = [row for row in scores if row.get(key) is not None]
    values = [row[key] for row in graded]
    r, why = item_rest_correlation(values, rest_totals(graded, key)) if graded else (None, "nobody graded on it yet")
    return QuestionStats(grade_id, notebook, points, len(values), mean(values), pass_rate(values, points), r, why)


def describe_discrimination(r: float | None) -> str:
    """A rule-of-thumb reading of the index (Ebel's bands, used for item analysis)."""
    if r is None:
        return "n/a"
    if r < 0:
        return "negative: weaker students do better; check the question and its graders"
    if r < 0.2:
        return "poor"
    if r < 0.3:
        return "fair"
    if r < 0.4:
        return "good"
    return "very good"


def histogram_edges(max_score: float) -> np.ndarray:
    """Bin edges over [0, max_score]: whole points for short assignments, 10 bins otherwise."""
    if max_score <= 0:
        return np.array([0.0, 1.0])
    if max_score <= 20 and float(max_score).is_integer():
        return np.arange(0.0, max_score + 1.0, 1.0)
    return np.linspace(0.0, max_score, 11)


def summary(totals: Sequence[float]) -> dict[str, float]:
    """mean, median, min and max of the totals ({} for none)."""
    if not len(totals):
        return {}
    t = np.asarray(totals, dtype=float)
    return {"mean": float(t.mean()), "median": float(np.median(t)), "min": float(t.min()), "max": float(t.max())}
