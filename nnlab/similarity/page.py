"""The similarity page and CSV. The page comes from nnlab/html_templates/nnlab/similarity.html.j2 with
autoescape on: every string that comes from a submission (student ids are folder names, notebook names,
code) is escaped; the page has no script at all, and its Content-Security-Policy allows none, so hostile
code shows as text."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
from jinja2 import Environment
from markupsafe import Markup

from nnlab.files import atomic_open, write_atomic
from nnlab.html_pages import pages
from nnlab.similarity.code import Submission
from nnlab.similarity.compare import Pair
from nnlab.similarity.defaults import TOP


def percent(x: float) -> str:
    """A share of 1 as a whole percentage."""
    return f"{100 * x:.0f}%"


@cache
def _templates() -> Environment:
    """The page's templates, found inside the package wherever the command runs."""
    return pages(percent=percent)


def matched_stretches(code: str, slices: np.ndarray) -> list[tuple[str, bool]]:
    """`code` cut into stretches in order, each with whether it is matched (an overlapped character once)."""
    stretches, at = [], 0
    spans = sorted((max(0, int(s)), min(len(code), int(e))) for s, e in zip(*slices)) if slices.size else []
    for start, end in spans:
        if end <= at:
            continue
        start = max(start, at)
        stretches += [(code[at:start], False), (code[start:end], True)]
        at = end
    stretches.append((code[at:], False))
    return stretches


def highlighted(code: str, slices: np.ndarray) -> Markup:
    """`code` escaped for a <pre>, the matched stretches in <mark>."""
    macros = _templates().get_template("highlighted_code.html.j2").module
    return macros.highlighted(matched_stretches(code, slices))


def write_page(path: Path, assignment: str, pairs: list[Pair], submissions: list[Submission], threshold: float,
               top: int = TOP, settings: str = "") -> Path:
    """The page: what it is (leads, not verdicts), the most similar pairs, each pair at or above the
    threshold with both codes side by side, and every notebook left out with the reason."""
    shown = pairs[:top]
    students = [s for s in submissions if not s.reference]
    page = _templates().get_template("similarity.html.j2").render(
        assignment=assignment, pairs=pairs, shown=shown, top=top, threshold=threshold, settings=settings,
        students=len(students), references=len(submissions) - len(students),
        above=len([p for p in shown if p.similarity >= threshold]),
        empty=[s.name for s in students if not s.code.strip() and s.notebooks],
        skipped=[(s.name, nb, why) for s in submissions for nb, why in s.skipped], highlighted=highlighted)
    return write_atomic(path, page)


def write_csv(path: Path, pairs: list[Pair]) -> Path:
    """One row a pair, most similar first."""
    path = Path(path)
    with atomic_open(path, "w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["a", "b", "similarity_a", "similarity_b", "matched_tokens", "b_is_reference"])
        for p in pairs:
            rows.writerow([_cell(p.a.name), _cell(p.b.name), f"{p.similarity_a:.4f}", f"{p.similarity_b:.4f}",
                           p.matched_tokens, "yes" if p.b.reference else "no"])
    return path


def _cell(text: str) -> str:
    """A name for a spreadsheet: one starting with = + - @ would be run there as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
