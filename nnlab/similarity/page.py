"""The similarity page and CSV. Every string that comes from a submission (student ids are folder
names, notebook names, code) is escaped with html.escape; the page has no script at all, and its
Content-Security-Policy allows none, so hostile code shows as text."""
from __future__ import annotations

import csv
import html
from pathlib import Path

import numpy as np

from nnlab.files import atomic_open, write_atomic
from nnlab.similarity.code import Submission
from nnlab.similarity.compare import Pair
from nnlab.similarity.defaults import TOP

STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
.lead { border-left: 4px solid #b58900; background: #fdf6e3; padding: .6em 1em; max-width: 60em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.above td { background: #fff3cd; }
.side { display: flex; gap: 1em; align-items: flex-start; }
.side > div { flex: 1; min-width: 0; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: .5em; overflow-x: auto; font-size: 85%; }
mark { background: #ffd54f; }
"""


def percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def highlighted(code: str, slices: np.ndarray) -> str:
    """`code` escaped for a <pre>, the matched stretches in <mark>."""
    out, at = [], 0
    spans = sorted((max(0, int(s)), min(len(code), int(e))) for s, e in zip(*slices)) if slices.size else []
    for start, end in spans:
        if end <= at:
            continue
        start = max(start, at)
        out.append(html.escape(code[at:start]))
        out.append(f"<mark>{html.escape(code[start:end])}</mark>")
        at = end
    out.append(html.escape(code[at:]))
    return "".join(out)


def write_page(path: Path, assignment: str, pairs: list[Pair], submissions: list[Submission], threshold: float,
               top: int = TOP, settings: str = "") -> Path:
    """The page: what it is (leads, not verdicts), the most similar pairs, each pair at or above the
    threshold with both codes side by side, and every notebook left out with the reason."""
    e = html.escape
    shown = pairs[:top]
    above = [p for p in shown if p.similarity >= threshold]
    students = [s for s in submissions if not s.reference]
    refs = [s for s in submissions if s.reference]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Similarity: {e(assignment)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Code similarity: {e(assignment)}</h1>",
        '<p class="lead"><strong>These are leads for a person to judge, not verdicts.</strong> A high figure '
        "says that two submissions share long stretches of code after names, comments and the released "
        "template are set aside; it does not say who wrote it or why. Short exercises, hints from the lecture "
        "and the same worked example lead to similar code honestly. Read both codes before you act.</p>",
        f"<p>{len(students)} submission(s) compared, {len(refs)} reference submission(s) from earlier years; "
        f"{len(pairs)} pair(s). Similarity of A: the share of A's code found in B (and the other way round). "
        f"{len(above)} pair(s) at or above {percent(threshold)}, marked and shown side by side. {e(settings)}</p>",
    ]
    empty = [s.name for s in students if not s.code.strip() and s.notebooks]
    if empty:
        parts.append(f"<p>No code beyond the template (in no pair): {e(', '.join(empty))}.</p>")
    parts.append("<h2>Most similar pairs</h2>")
    if shown:
        parts.append("<table><tr><th>#</th><th>A</th><th>B</th><th>similarity of A</th><th>similarity of B</th>"
                     "<th>matched tokens</th></tr>")
        for n, p in enumerate(shown, start=1):
            mark = ' class="above"' if p.similarity >= threshold else ""
            name = f'<a href="#pair-{n}">{n}</a>' if p.similarity >= threshold else str(n)
            parts.append(f"<tr{mark}><td>{name}</td><td>{e(p.a.name)}</td><td>{e(p.b.name)}</td>"
                         f'<td class="num">{percent(p.similarity_a)}</td><td class="num">{percent(p.similarity_b)}</td>'
                         f'<td class="num">{p.matched_tokens}</td></tr>')
        parts.append("</table>")
        if len(pairs) > top:
            parts.append(f"<p>{len(pairs) - top} less similar pair(s) are in the CSV only.</p>")
    else:
        parts.append("<p>No pairs: fewer than two submissions with code of their own.</p>")
    skipped = [(s.name, nb, why) for s in submissions for nb, why in s.skipped]
    if skipped:
        parts.append("<h2>Left out</h2><ul>")
        parts += [f"<li>{e(name)}: {e(nb)}: {e(why)}</li>" for name, nb, why in skipped]
        parts.append("</ul>")
    for n, p in enumerate(shown, start=1):
        if p.similarity < threshold:
            continue
        parts.append(f'<h2 id="pair-{n}">{n}. {e(p.a.name)} and {e(p.b.name)}</h2>'
                     f"<p>{percent(p.similarity_a)} of {e(p.a.name)}'s code is matched, {percent(p.similarity_b)} "
                     f"of {e(p.b.name)}'s; {p.matched_tokens} matched tokens.</p>")
        parts.append('<div class="side">')
        for sub, slices in ((p.a, p.slices_a), (p.b, p.slices_b)):
            parts.append(f"<div><h3>{e(sub.name)}</h3><pre>{highlighted(sub.code, slices)}</pre></div>")
        parts.append("</div>")
    parts.append("</body></html>")
    return write_atomic(path, "\n".join(parts) + "\n")


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
