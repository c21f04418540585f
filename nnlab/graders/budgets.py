"""Cell budgets taken from the model solution: a cell of the student's notebook may run a generous
multiple of what the same cell of the solution took, not the whole cell timeout.

When an assignment is generated (`nnlab release`, `nnlab new-assignment`), `time_assignment` runs
each source notebook (the model solution) in the student's process, as grading runs it, twice,
and keeps the slower time of each code cell in `Course.solution_times` (budgets/<assignment>/
<notebook>.json). A cell is keyed by its nbgrader grade_id, else by a hash of its source text.

Grading needs no course folder: the instructor's side loads the figures (`solution_times`) and
hands the plain `SolutionTimes` to `grade_notebook_node(..., budgets=...)`, wherever it runs;
`cell_budgets` then gives each cell of the student's notebook its budget (the `Grading` traits
`budgets`, `budget_factor`, `budget_floor`, capped by `cell_timeout`). A cell the solution does not
have (the student added it) gets the largest budget of the notebook.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from nnlab.course import Course
from nnlab.files import write_atomic
from nnlab.graders.settings import Grading
from nnlab.notebook_format import cell_source, code_cells, grade_id, read_notebook

RUNS = 2   # the solution is timed this often; a cell keeps its slowest run (a noisy machine sets no tight budget)


class BudgetFileError(Exception):
    """A file of solution times that cannot be read; the message names the file."""


@dataclass(frozen=True)
class SolutionTimes:
    """The model solution's seconds for each code cell of one notebook: {cell key: seconds}
    (`cell_key`). Plain data: it travels to a grading worker as it is, or as JSON."""
    seconds: dict[str, float] = field(default_factory=dict)

    def largest(self) -> float:
        return max(self.seconds.values(), default=0.0)

    def total(self) -> float:
        """The seconds the whole notebook took the model solution."""
        return sum(self.seconds.values())

    def of(self, cell: dict) -> float | None:
        """The solution's seconds for the student's `cell` (an nbformat cell): matched by grade_id,
        else by its exact source; None when the solution has no such cell."""
        gid = grade_id(cell)
        if gid is not None and gid in self.seconds:
            return self.seconds[gid]
        return self.seconds.get(source_key(cell_source(cell)))

    def to_json(self) -> dict:
        return {"seconds": dict(sorted(self.seconds.items()))}

    @classmethod
    def from_json(cls, data) -> "SolutionTimes":
        """The times in `data` (as `to_json` makes them); ValueError saying what is wrong."""
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if not isinstance(seconds, dict):
            raise ValueError('expected an object with "seconds": {cell key: seconds}')
        for key, value in seconds.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"cell {key!r}: {value!r} is not a number of seconds")
        return cls({str(key): float(value) for key, value in seconds.items()})

    def save(self, path: Path, about: dict | None = None) -> None:
        """Write the times to `path` (folders as needed), with `about` (what was timed) beside them."""
        write_atomic(path, json.dumps({**(about or {}), **self.to_json()}, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "SolutionTimes":
        """The times kept at `path`; BudgetFileError naming the file when it cannot be read."""
        try:
            return cls.from_json(json.loads(Path(path).read_text()))
        except OSError as exc:
            raise BudgetFileError(f"{path}: the model solution's cell times cannot be read ({exc.strerror})") from None
        except ValueError as exc:  # invalid JSON (JSONDecodeError), or not times; UnicodeDecodeError too
            raise BudgetFileError(f"{path}: not the model solution's cell times ({exc}); "
                                  "`nnlab release --generate-only ASSIGNMENT` writes them again") from None


def source_key(source: str) -> str:
    """The key of a cell without a grade_id: a hash of its exact source text."""
    return "source:" + hashlib.sha256(source.encode()).hexdigest()[:16]


def cell_key(cell: dict) -> str:
    """The key of an nbformat code cell in `SolutionTimes`: its grade_id, else `source_key`."""
    return grade_id(cell) or source_key(cell_source(cell))


def solution_times(course: Course, assignment: str, notebook: str) -> SolutionTimes | None:
    """The model solution's cell times of one notebook of `course` (None when it has none: that
    notebook is graded without budgets); BudgetFileError naming the file when it is broken."""
    path = course.solution_times(assignment, notebook)
    return SolutionTimes.load(path) if path.exists() else None


def budget_note(grading: Grading) -> str:
    """Where a matched cell's budget comes from, as the feedback says it."""
    return (f"this cell's budget ({grading.budget_factor:g} x the model solution's time, "
            f"at least {grading.budget_floor:g} s)")


ADDED_NOTE = "the largest cell budget of this notebook (the model solution has no such cell)"


def cell_budgets(grading: Grading, notebook: dict, times: SolutionTimes | None) -> dict[int, tuple[float, str]]:
    """{cell index: (seconds, why)} for the code cells of the student's `notebook` whose budget is
    under the cell timeout; {} when budgets are off or there are no times."""
    if not grading.budgets or times is None or not times.seconds:
        return {}
    largest = grading.budget(times.largest())
    budgets = {}
    for index, cell in enumerate(notebook.get("cells") or []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        seconds = times.of(cell)
        budget = (grading.budget(seconds), budget_note(grading)) if seconds is not None else (largest, ADDED_NOTE)
        if budget[0] < grading.cell_timeout:
            budgets[index] = budget
    return budgets


@dataclass
class Timing:
    """The model solution of one notebook timed: its times, and what went wrong in its cells."""
    times: SolutionTimes
    errors: list[str] = field(default_factory=list)   # "cell N: error" (the times of the rest still count)


def time_notebook(grading: Grading, notebook: dict, runs: int = RUNS) -> Timing:
    """Run every code cell of `notebook` (the source notebook: the model solution, test cells
    included) `runs` times in a fresh student process, as grading runs it (sandboxed, outputs
    kept); each cell keeps its slowest run."""
    cells = code_cells(notebook)
    keys = {index: cell_key(notebook["cells"][index]) for index in (c.index for c in cells)}
    seconds: dict[str, float] = {}
    errors: dict[int, str] = {}
    for _ in range(runs):
        with grading.student_process(capture=True) as process:
            process.cells = [(cell.index, cell.source) for cell in cells]
            run = process.start()
        errors.update({error["cell"]: error["error"] for error in run.cell_errors})
        for index, took in run.cell_seconds.items():
            key = keys[index]
            seconds[key] = round(max(seconds.get(key, 0.0), took), 4)
    return Timing(SolutionTimes(seconds), [f"cell {index}: {error}" for index, error in sorted(errors.items())])


def time_assignment(course: Course, assignment: str, grading: Grading | None = None) -> dict[Path, Timing]:
    """Time every source notebook of `assignment` and write its `Course.solution_times` file
    (the course's `Grading` settings unless `grading` is given): {file written: its timing}."""
    grading = grading or Grading(config=course.config)
    written = {}
    for path in sorted(course.source(assignment).glob("*.ipynb")):
        timing = time_notebook(grading, read_notebook(path))
        target = course.solution_times(assignment, path.stem)
        timing.times.save(target, about={
            "about": f"seconds each code cell of the model solution ({course.show(path)}) ran in the student's "
                     f"process, the slowest of {RUNS} runs; a cell's key is its grade_id, else a hash of its source",
        })
        written[target] = timing
    return written
