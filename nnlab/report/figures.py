"""The report's figures, drawn with matplotlib's Agg renderer and returned as PNG bytes.

Figures are made with `matplotlib.figure.Figure` rather than pyplot: no global figure state,
no GUI backend to select, nothing left open after a report.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlab.report.stats import QuestionStats, histogram_edges


def png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def data_uri(image: bytes) -> str:
    """The PNG as a `data:` URI, so the page carries its images inside it."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def score_histogram(totals: Sequence[float], max_score: float, assignment: str) -> bytes:
    """How many students got each total score."""
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.add_subplot()
    edges = histogram_edges(max_score)
    counts, _ = np.histogram(np.clip(totals, edges[0], edges[-1]), bins=edges)
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0", edgecolor="white")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel(f"total score (of {max_score:g} points)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{assignment}: score distribution ({len(totals)} graded)")
    return png(fig)


def question_bars(stats: Sequence[QuestionStats], labels: Sequence[str], class_size: int) -> bytes:
    """Per question: mean score (% of its points) and pass rate (% at full marks) of the
    `class_size` graded students; a question not everyone is graded on yet says so."""
    fig = Figure(figsize=(max(6.0, 1.1 * len(stats) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(stats))
    means = [100 * s.mean / s.points if s.mean is not None and s.points else np.nan for s in stats]
    passes = [100 * s.pass_rate if s.pass_rate is not None else np.nan for s in stats]
    ax.bar(x - 0.2, means, width=0.4, label="mean score (% of points)", color="#4c72b0")
    ax.bar(x + 0.2, passes, width=0.4, label="pass rate (% at full marks)", color="#dd8452")
    for i, s in enumerate(stats):
        # a missing or partial bar must not read as "everyone scored 0": say how many were graded
        if s.graded < class_size:
            note = "not graded yet" if s.mean is None else f"{s.graded} of {class_size} graded"
            ax.text(i, 2, note, ha="center", va="bottom", rotation=90, fontsize=8, color="gray")
    ax.set_xlim(-0.6, len(stats) - 0.4)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    ax.set_title("per question")
    return png(fig)
