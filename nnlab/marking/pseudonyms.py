"""Stable pseudonyms: each student of an assignment is "Script N", N drawn at random the first time
the student's hand-in is seen and kept (so the numbers say nothing of names or hand-in order, and
never change). Names are shown only after a recorded switch (who, when, on or off)."""
from __future__ import annotations

import secrets


def assign(numbers: dict[str, int], students: list[str]) -> dict[str, int]:
    """`numbers` with every student of `students` numbered: the ones already numbered keep theirs,
    the new ones get the next numbers in a random order."""
    numbers = dict(numbers)
    new = [s for s in students if s not in numbers]
    order = sorted(new, key=lambda _: secrets.randbits(64))
    start = max(numbers.values(), default=0) + 1
    for offset, student in enumerate(order):
        numbers[student] = start + offset
    return numbers


def label(number: int) -> str:
    return f"Script {number}"


def revealed(events: list[dict]) -> bool:
    """Whether names are shown: the last recorded switch, off when none was ever made."""
    return bool(events[-1]["on"]) if events else False
