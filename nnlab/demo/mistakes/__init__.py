"""Typical wrong answers, one module per assignment, each a list of MistakeSet.

A mistake set replaces some solution cells (by grade_id) with what a student typically
writes, and states the score every auto-graded test cell must then get: with error carried
forward (`Grading.carry_forward`, the course's default; nnlab.graders.carry), and, where a
later question builds on an earlier mistake, what it would get judged as one program. The
demo's student who makes mistakes hands in the first set; the grader tests check every set.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class MistakeSet:
    name: str
    answers: dict[str, str]      # solution cell grade_id -> the student's code
    expected: dict[str, float]   # test cell grade_id -> score with these answers (all auto-graded cells)
    # the cells scored otherwise without carry-forward (each notebook judged as one program): {grade_id: score}
    alone: dict[str, float] | None = None

    def scores(self, carry_forward: bool = True) -> dict[str, float]:
        """Every auto-graded cell's score, with or without error carried forward."""
        return self.expected if carry_forward else {**self.expected, **(self.alone or {})}


def edited(right: str, *changes: tuple[str, str]) -> str:
    """A right answer with a few (old, new) edits; each old text must occur exactly once."""
    for old, new in changes:
        if right.count(old) != 1:
            raise ValueError(f"the line to change must occur exactly once: {old!r}")
        right = right.replace(old, new)
    return right


def mistake_sets(assignment: str) -> list[MistakeSet]:
    try:
        module = importlib.import_module(f"nnlab.demo.mistakes.{assignment}")
    except ModuleNotFoundError:
        return []
    return list(module.MISTAKE_SETS)
