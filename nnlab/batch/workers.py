"""The batch grader's workers: each sanitizes a submitted notebook as nbgrader would, grades it in the
sandbox and runs the steps of nbgrader's second pass that change only the notebook, ahead of the
single process that writes the gradebook, which then only records it (nbgrader_adapter.Prepared).

Workers are forked from the grading process once nbgrader's configuration is loaded, so each
uses the course's own sanitizing preprocessors and SandboxedExecute settings. Each keeps one
warm zygote (see nnlab.runner.zygote) for its whole life.
"""
from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.util import Finalize

import nbformat

from nnlab.batch.nbgrader_adapter import Prepared, captured_log, finisher, sanitizer, worker_steps
from nnlab.digest import file_digest
from nnlab.graders.budgets import SolutionTimes
from nnlab.graders.carry import ModelAnswers
from nnlab.graders.notebook import NotebookGrade, grade_notebook_node
from nnlab.graders.settings import Grading, stop_launchers
from nnlab.notebook_format import cells_digest


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    notebook: str
    path: str          # the submitted notebook
    budgets: SolutionTimes | None = None   # the model solution's cell times, when budgets are on
    answers: ModelAnswers | None = None    # the model solution's answer cells, when carried forward


@dataclass
class JobResult:
    job: Job
    grade: NotebookGrade | None = None
    prepared: Prepared | None = None    # what nbgrader's autograde would write, for the writer to record
    error: str = ""
    lost: bool = False      # the grading cluster went away before it was graded: not to be graded here


class Worker:
    """One worker process's own state: nbgrader's application, inherited at fork (the course's
    configuration, a read-only gradebook), and its share of nbgrader's two passes, made at its first job."""

    def __init__(self, app):
        self.app = app
        self._sanitize = self._finish = None
        self._steps = worker_steps(app.config)

    def sanitized(self, job: Job) -> str:
        """The notebook (JSON) as nbgrader's sanitizing step leaves it (course config, read-only gradebook)."""
        if self._sanitize is None:
            self._sanitize = sanitizer(self.app)
        return self._sanitize(job.path)

    def grade(self, job: Job) -> JobResult:
        """Sanitize and grade one notebook, then prepare what nbgrader's autograde writes of it."""
        try:
            source, sanitized, log = self._read(job)
            notebook = nbformat.reads(sanitized, as_version=4)
            pristine = nbformat.from_dict(notebook)   # grading changes `notebook`; the writer's steps start from this
        except Exception as exc:  # the gradebook writer meets the same problem and reports it
            return JobResult(job, error=error_text(exc))
        try:
            grade = grade_notebook_node(notebook, job.student, job.assignment, job.notebook,
                                        Grading(config=self.app.config), budgets=job.budgets,
                                        answers=job.answers)
        except Exception as exc:
            return JobResult(job, error=error_text(exc))
        return JobResult(job, grade, self.prepare(job, source, sanitized, pristine, log, grade))

    def finish(self, result: JobResult) -> JobResult:
        """`result` of a notebook graded elsewhere (a Dask cluster), with what nbgrader's autograde writes of it
        prepared here, when the notebook is still the one graded."""
        if result.grade is None or not self._steps:
            return result
        try:
            source, sanitized, log = self._read(result.job)
        except Exception:   # the writer meets the same problem and reports it
            return result
        notebook = nbformat.reads(sanitized, as_version=4)
        if cells_digest(notebook) != result.grade.digest:
            return result
        return replace(result, prepared=self.prepare(result.job, source, sanitized, notebook, log, result.grade))

    def _read(self, job: Job) -> tuple[str, str, list]:
        """(the submitted file's digest, its notebook (JSON) after nbgrader's first pass, what that pass logged)."""
        source = file_digest(job.path)
        with captured_log(self.app) as log:
            sanitized = self.sanitized(job)
        return source, sanitized, log

    def prepare(self, job: Job, source: str, sanitized: str, notebook, sanitize_log: list, grade: NotebookGrade
                ) -> Prepared | None:
        """The notebook as nbgrader's two passes leave it before the writer's steps (`notebook`: the first pass's,
        not yet graded), None when the
        course's steps leave it all to the writer or the file changed while it was read."""
        if not self._steps:
            return None
        if self._finish is None:
            self._finish = finisher(self.app, self._steps)
        try:
            with captured_log(self.app) as finish_log:
                finished, written = self._finish(job.student, job.assignment, job.notebook, notebook, grade)
            if file_digest(job.path) != source:
                return None
        except Exception:   # the writer runs every step itself and reports what goes wrong
            return None
        return Prepared(source, sanitized, finished, sanitize_log, finish_log, written)


# The Worker of this process: set by the pool's initializer in each worker process only (never in the
# grading process, whose Graders each hand their own application to their own pool).
_worker: Worker | None = None


def sanitized(job: Job) -> str:
    """This worker's sanitized notebook of `job` (runs in a worker)."""
    return _worker.sanitized(job)


def grade_job(job: Job) -> JobResult:
    """Sanitize and grade one notebook (runs in a worker)."""
    return _worker.grade(job)


def finish_job(result: JobResult) -> JobResult:
    """A notebook graded elsewhere, prepared for the writer (runs in a worker)."""
    return _worker.finish(result)


def error_text(exc: BaseException) -> str:
    """An exception as the one line a run record keeps of it."""
    return f"{type(exc).__name__}: {exc}"[:500]


def _start_worker(app) -> None:
    global _worker
    _worker = Worker(app)
    # the grading process's own handlers (a service's "stop after this turn") are not the worker's: the pool's
    # shutdown and a terminal's Ctrl-C end a worker as they end any process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
