"""Second marking: the moderation sample and the agreement of the two markers.

The sample is `percent` of the marked answers, at least `minimum` (all of them when fewer are
marked), spread over the mark range: the answers are ordered by their first mark and cut into as
many equal bands as the sample has answers, and one answer is drawn from each band. The second
marker marks them blind to the first marks; the report compares the two."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field


def draw(marks: dict[str, float], percent: float, minimum: int, seed: int | None = None) -> list[str]:
    """The sample's students, drawn from `marks` (student: first mark)."""
    if not 0 <= percent <= 100 or minimum < 0:
        raise ValueError("the sample is a percentage (0-100) and a minimum of at least 0")
    ordered = sorted(marks, key=lambda s: (marks[s], s))
    size = min(len(ordered), max(int(minimum), math.ceil(len(ordered) * percent / 100)))
    rng = random.Random(seed)
    chosen = []
    for band in range(size):
        low, high = band * len(ordered) // size, (band + 1) * len(ordered) // size
        chosen.append(ordered[rng.randrange(low, high)])
    return chosen


@dataclass
class Agreement:
    """How far the second marks are from the first over the sample's answers marked twice."""
    compared: int
    pending: int                    # sampled answers not yet second-marked
    mean_difference: float          # mean of (second - first)
    mean_absolute_difference: float
    largest_difference: float       # largest |second - first|
    margin: float
    apart: list[dict] = field(default_factory=list)       # answers more than `margin` apart
    items: list[dict] = field(default_factory=list)       # each item: answers given it by one marker only

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def agreement(first: dict[str, dict], second: dict[str, dict], sample: list[str], items: dict,
              labels: dict[str, str], margin: float) -> Agreement:
    """Compare the first and second marks (student: {"score", "items"}) of the sample's answers;
    `labels` names each student as the report may show them (a pseudonym)."""
    both = [s for s in sample if s in first and s in second]
    differences = {s: second[s]["score"] - first[s]["score"] for s in both}
    apart = [{"script": labels[s], "first": first[s]["score"], "second": second[s]["score"],
              "difference": round(differences[s], 3)}
             for s in both if abs(differences[s]) > margin + 1e-9]
    disagreeing = []
    for item_id, item in items.items():
        only_first = [labels[s] for s in both if item_id in first[s]["items"] and item_id not in second[s]["items"]]
        only_second = [labels[s] for s in both if item_id in second[s]["items"] and item_id not in first[s]["items"]]
        if only_first or only_second:
            disagreeing.append({"item": item_id, "key": item["key"], "comment": item["comment"],
                                "first_only": only_first, "second_only": only_second})
    n = len(both)
    return Agreement(
        compared=n, pending=len([s for s in sample if s not in second]),
        mean_difference=round(sum(differences.values()) / n, 3) if n else 0.0,
        mean_absolute_difference=round(sum(abs(d) for d in differences.values()) / n, 3) if n else 0.0,
        largest_difference=round(max((abs(d) for d in differences.values()), default=0.0), 3),
        margin=margin, apart=apart, items=disagreeing)


def report_text(found: Agreement) -> str:
    """The agreement as lines of text (the closing note, a log)."""
    lines = [f"answers compared: {found.compared} (not yet second-marked: {found.pending})",
             f"mean difference (second - first): {found.mean_difference:+g}",
             f"mean absolute difference: {found.mean_absolute_difference:g}",
             f"largest difference: {found.largest_difference:g}",
             f"more than {found.margin:g} apart: " + (", ".join(
                 f"{a['script']} ({a['first']:g} vs {a['second']:g})" for a in found.apart) or "none")]
    for item in found.items:
        lines.append(f"item {item['key'] or item['item']} ({item['comment'][:50]}): first marker only "
                     f"{', '.join(item['first_only']) or '-'}; second marker only {', '.join(item['second_only']) or '-'}")
    return "\n".join(lines)
