"""The batch grader's workers: each sanitizes a submitted notebook as nbgrader would and grades
it in the sandbox, ahead of the single process that writes the gradebook.

Workers are forked from the grading process once nbgrader's configuration is loaded, so each
uses the course's own sanitizing preprocessors and SandboxedExecute settings. Each keeps one
warm zygote (see nnlab.runner.zygote) for its whole life.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.util import Finalize

import nbformat

from nnlab.batch.nbgrader_adapter import sanitizer
from nnlab.graders.budgets import SolutionTimes
from nnlab.graders.notebook import NotebookGrade, grade_notebook_node
from nnlab.graders.settings import Grading, stop_launchers


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    notebook: str
    path: str          # the submitted notebook
    budgets: SolutionTimes | None = None   # the model solution's cell times, when budgets are on


@dataclass
class JobResult:
    job: Job
    grade: NotebookGrade | None = None
    error: str = ""
    lost: bool = False      # the grading cluster went away before it was graded: not to be graded here


class Worker:
    """One worker process's own state: nbgrader's application, inherited at fork (the course's
    configuration, a read-only gradebook), and its sanitizing pass, made at its first job."""

    def __init__(self, app):
        self.app = app
        self._sanitize = None

    def sanitized(self, job: Job) -> str:
        """The notebook (JSON) as nbgrader's sanitizing step leaves it (course config, read-only gradebook)."""
        if self._sanitize is None:
            self._sanitize = sanitizer(self.app)
        return self._sanitize(job.path)

    def grade(self, job: Job) -> JobResult:
        """Sanitize and grade one notebook."""
        try:
            notebook = nbformat.reads(self.sanitized(job), as_version=4)
        except Exception as exc:  # the gradebook writer meets the same problem and reports it
            return JobResult(job, error=error_text(exc))
        try:
            grade = grade_notebook_node(notebook, job.student, job.assignment, job.notebook,
                                        Grading(config=self.app.config), budgets=job.budgets)
        except Exception as exc:
            return JobResult(job, error=error_text(exc))
        return JobResult(job, grade)


# The Worker of this process: set by the pool's initializer in each worker process only (never in the
# grading process, whose Graders each hand their own application to their own pool).
_worker: Worker | None = None


def sanitized(job: Job) -> str:
    """This worker's sanitized notebook of `job` (runs in a worker)."""
    return _worker.sanitized(job)


def grade_job(job: Job) -> JobResult:
    """Sanitize and grade one notebook (runs in a worker)."""
    return _worker.grade(job)


def error_text(exc: BaseException) -> str:
    """An exception as the one line a run record keeps of it."""
    return f"{type(exc).__name__}: {exc}"[:500]


def _start_worker(app) -> None:
    global _worker
    _worker = Worker(app)
    # a worker ends through multiprocessing's exit path, which skips atexit: stop the zygote there
    Finalize(None, stop_launchers, exitpriority=10)


def worker_pool(app, workers: int) -> ProcessPoolExecutor:
    """`workers` processes forked from this one, each with nbgrader's `app` (no gradebook open); fork
    hands the application over as it is, never pickled."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(app,))
    # every worker forks now, while this process has no other threads (a Dask client starts some)
    pool.submit(int).result()
    return pool
