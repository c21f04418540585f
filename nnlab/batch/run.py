"""What a grading run is told and what it did: `nnlab grade`'s settings, the record of each notebook
(kept in `.nnlab/grade-runs/last.json`), the errors that stop a run, and the run's summary table.
One model for every way a class is graded (the local workers, a Dask cluster, the service)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from traitlets import Integer, Unicode, default, validate
from traitlets.config import Configurable

from nnlab.course import Course
from nnlab.files import write_atomic
from nnlab.table import text_table


class BatchGrading(Configurable):
    """`nnlab grade`'s own settings (`c.BatchGrading.workers = 4` in course_config.py; its options override them)."""
    workers = Integer(help="Notebooks graded at once by `nnlab grade`, each worker in its own process "
                           "(default: the number of cores)").tag(config=True)

    scheduler = Unicode("", help="The Dask scheduler whose workers grade the notebooks (e.g. tcp://host:8786); "
                                 "empty: the local workers do. The workers then only sanitize the notebooks here, "
                                 "where the gradebook is (see README, Grading on a cluster)").tag(config=True)

    def __init__(self, **options):
        super().__init__(**options)
        self.workers = self.workers   # traitlets skips validators for values loaded from the config

    @validate("workers")
    def _at_least_one(self, proposal) -> int:
        return max(1, proposal["value"])

    @default("workers")
    def _one_a_core(self) -> int:
        return os.cpu_count() or 1


class ClusterError(Exception):
    """The cluster cannot grade: no scheduler there, or no worker that runs the instructor's code."""


class GradingStopped(Exception):
    """The grading cluster went away: the notebooks not yet graded are left for the next run."""


class Status(str, Enum):
    """What a grading run did with one submitted notebook (kept in `grade-runs/last.json` by value)."""
    GRADED = "graded"
    FAILED = "failed"         # not graded: its error says why
    SKIPPED = "skipped"       # graded before and unchanged since


@dataclass
class NotebookRecord:
    student: str
    assignment: str
    notebook: str
    status: Status
    seconds: float = 0.0
    student_seconds: float = 0.0    # the student's code: the notebook's cells and the graders' calls
    cell_seconds: float = 0.0       # the notebook's own cells only
    error: str = ""


@dataclass
class BatchRun:
    workers: int
    scheduler: str = ""             # the Dask scheduler that graded, "" for the local workers
    stopped: str = ""               # why the run stopped before grading everything (the cluster went away)
    wall_seconds: float = 0.0
    writer_seconds: float = 0.0     # CPU seconds of nbgrader's autograde here (waiting for the workers aside): the serial part
    notebooks: list[NotebookRecord] = field(default_factory=list)
    failed_assignments: list[str] = field(default_factory=list)

    def count(self, assignment: str, status: Status) -> int:
        return sum(1 for n in self.notebooks if n.assignment == assignment and n.status == status)

    def failed(self) -> list[NotebookRecord]:
        return [n for n in self.notebooks if n.status is Status.FAILED]

    def graded(self) -> list[NotebookRecord]:
        return [n for n in self.notebooks if n.status is Status.GRADED]


def log_file(course: Course) -> Path:
    """nbgrader's log of the last run."""
    return course.grade_runs / "nbgrader.log"


def last_run(course: Course) -> Path:
    """Where the record of the course's last grading run is kept (JSON of its BatchRun)."""
    return course.grade_runs / "last.json"


def save_run(course: Course, run: BatchRun) -> Path:
    return write_atomic(last_run(course), json.dumps(asdict(run), indent=1))


def summary_table(run: BatchRun, assignments: list[str]) -> str:
    rows = [("assignment", "graded", "failed", "unchanged", "student code s")]
    for a in assignments:
        seconds = sum(n.student_seconds for n in run.notebooks if n.assignment == a)
        rows.append((a, *(run.count(a, status) for status in Status), f"{seconds:.1f}"))
    graded = len(run.graded())
    rate = graded / run.wall_seconds if run.wall_seconds else 0.0
    return (text_table(rows) + f"\n{graded} notebook(s) graded in {run.wall_seconds:.1f} s ({rate:.2f}/s) "
            f"with {run.workers} worker(s)")
