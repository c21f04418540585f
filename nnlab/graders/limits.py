"""How long the student's code may run while one notebook is graded (both grading paths)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradingLimits:
    cell_timeout: float = 60.0       # one cell of the notebook
    call_timeout: float = 30.0       # one call of a hidden grader into the student's code
    notebook_timeout: float = 300.0  # the whole notebook, restarts included
