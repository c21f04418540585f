"""Grade a whole class: parallel workers ahead, nbgrader's autograde as the one gradebook writer.

Workers (see workers.py) sanitize and grade every notebook still to grade, in the order nbgrader
will ask for them. Meanwhile this process runs plain `nbgrader autograde` for each assignment,
in-process, on the course's configuration: its SandboxedExecute takes each notebook's result from
the workers instead of running it (the same code made it; the cells are checked to be the ones
nbgrader sanitized), and nbgrader does everything else as always: the submission's timestamp, the
files, the scores in the gradebook, late penalties. Only this process writes the gradebook, so
SQLite is safe; a database server works the same way. What nbgrader offers only as internals is
taken through nbgrader_adapter.py.
"""
from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from traitlets import Integer, Unicode, default
from traitlets.config import Configurable

from nnlab.autograde.sandboxed_execute import is_linked
from nnlab.batch import state
from nnlab.batch.nbgrader_adapter import autograde, autograde_app, finish_app, forced, speedups
from nnlab.batch.progress import Progress
from nnlab.batch.workers import Job, JobResult, grade_job, sanitized, worker_pool
from nnlab.course import Course
from nnlab.graders.budgets import solution_times
from nnlab.graders.settings import Grading
from nnlab.table import text_table


class BatchGrading(Configurable):
    """`nnlab grade`'s own settings (`c.BatchGrading.workers = 4` in course_config.py; its options override them)."""
    workers = Integer(help="Notebooks graded at once by `nnlab grade`, each worker in its own process "
                           "(default: the number of cores)").tag(config=True)

    scheduler = Unicode("", help="The Dask scheduler whose workers grade the notebooks (e.g. tcp://host:8786); "
                                 "empty: the local workers do. The workers then only sanitize the notebooks here, "
                                 "where the gradebook is (see README, Grading on a cluster)").tag(config=True)

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


@dataclass
class Plan:
    """What a run grades: per assignment, who and the digest of their submitted folders."""
    to_grade: dict[str, tuple[list[str], list[str], dict[str, str]]]   # state.to_grade per assignment
    jobs: list[Job] = field(default_factory=list)                      # notebooks for the workers
    links: dict[tuple[str, str, str], str] = field(default_factory=dict)   # notebooks never graded: why


class Prefetched:
    """SandboxedExecute's source of results made by the workers."""

    def __init__(self, futures: dict[tuple, Future]):
        self.futures = futures
        self.used: dict[tuple, JobResult] = {}

    def __deepcopy__(self, memo) -> "Prefetched":
        return self   # nbconvert deep-copies each notebook's resources; this is a service, not data

    def __call__(self, student: str, assignment: str, notebook: str, digest: str):
        future = self.futures.get((student, assignment, notebook))
        if future is None:
            return None
        result: JobResult = future.result()
        self.used[(student, assignment, notebook)] = result
        if result.lost:
            raise GradingStopped(result.error)   # nbgrader records it as failed; the next run grades it
        if result.grade is None or result.grade.digest != digest:
            return None   # nbgrader's own sanitizing saw other cells: grade them here
        return result.grade


def log_file(course: Course) -> Path:
    """nbgrader's log of the last run."""
    return course.grade_runs / "nbgrader.log"


def grade_class(course: Course, assignments: list[str], verbose: bool = False) -> BatchRun:
    """Grade the collected submissions of `assignments` with `c.BatchGrading.workers` workers; already
    graded, unchanged ones are skipped unless nbgrader's `BaseConverter.force` is set."""
    began = time.monotonic()
    settings = BatchGrading(config=course.config)
    run = BatchRun(settings.workers, settings.scheduler)
    course.grade_runs.mkdir(parents=True, exist_ok=True)
    log_file(course).write_text("")
    plan = plan_run(course, assignments, forced(course.config), run)
    if plan.jobs or plan.links:
        with speedups():
            used = grade_ahead(course, assignments, plan, run, verbose)
        record_results(course, plan, used, run)
    run.wall_seconds = time.monotonic() - began
    if plan.jobs or plan.links:
        save_run(course, run)
    return run


def plan_run(course: Course, assignments: list[str], force: bool, run: BatchRun) -> Plan:
    """Who is graded: a job a notebook still to grade; unchanged submissions are recorded as skipped."""
    plan = Plan({a: state.to_grade(course, a, force) for a in assignments})
    budgets = Grading(config=course.config).budgets
    for a, (todo, unchanged, _) in plan.to_grade.items():
        notebooks = course.notebooks(a)
        times = {notebook: solution_times(course, a, notebook) if budgets and todo else None for notebook in notebooks}
        for student in unchanged:
            run.notebooks += [NotebookRecord(student, a, notebook, Status.SKIPPED) for notebook in notebooks]
        for student in todo:
            for notebook in notebooks:
                path = course.submitted(student, a) / f"{notebook}.ipynb"
                if is_linked(path):
                    plan.links[(student, a, notebook)] = "the notebook is a link, not the student's own file"
                elif path.is_file():
                    plan.jobs.append(Job(student, a, notebook, str(path), times[notebook]))
    return plan


def grade_ahead(course: Course, assignments: list[str], plan: Plan, run: BatchRun,
                verbose: bool) -> dict[tuple, JobResult]:
    """The workers grade the plan's jobs while nbgrader's autograde, here, writes the gradebook;
    returns the workers' results nbgrader used."""
    logging.getLogger("traitlets").setLevel(logging.INFO if verbose else logging.WARNING)
    progress = Progress(len(plan.jobs))
    app = autograde_app(course, log_file(course), verbose)
    pool = worker_pool(app, run.workers)
    try:
        cluster = _cluster(run.scheduler, course) if run.scheduler else None
    except BaseException:
        pool.shutdown(cancel_futures=True)
        finish_app(app)
        raise
    prefetched, recorded = Prefetched(_submit(plan.jobs, pool, cluster, progress)), _recorder(plan.jobs, progress)
    began = time.thread_time()   # this thread's CPU time: nbgrader's own work, not its waiting
    try:
        for a in assignments:
            if cluster and cluster.lost:
                break
            if plan.to_grade[a][0] and not autograde(app, a, prefetched, recorded):
                run.failed_assignments.append(a)   # some submissions failed: the others are graded
        run.writer_seconds = time.thread_time() - began
    finally:
        if cluster:
            run.stopped = cluster.stopped
            cluster.close()
        pool.shutdown(wait=True, cancel_futures=True)
        progress.finish()
        finish_app(app)
    return prefetched.used


def _submit(jobs: list[Job], pool, cluster, progress: Progress) -> dict[tuple, Future]:
    """Every job to the workers: graded by the local pool, or sanitized there and graded by the cluster."""
    futures = {}
    for j in jobs:
        future = cluster.grade(j, pool.submit(sanitized, j)) if cluster else pool.submit(grade_job, j)
        futures[(j.student, j.assignment, j.notebook)] = future
        future.add_done_callback(lambda f, j=j: progress.grade(f"{j.assignment}/{j.student}", lost=_lost(f)))
    return futures


def _lost(future: Future) -> bool:
    return not future.cancelled() and future.exception() is None and future.result().lost


def _recorder(jobs: list[Job], progress: Progress):
    """The function nbgrader calls when it is done with a notebook: one more recorded, when it is one of `jobs`."""
    paths = {os.path.realpath(j.path): j for j in jobs}

    def recorded(path: str) -> None:
        job = paths.pop(os.path.realpath(path), None)
        if job is not None:
            progress.record(f"{job.assignment}/{job.student}")
    return recorded


def _cluster(address: str, course: Course):
    from nnlab.batch.cluster import Cluster  # Dask is imported only when a scheduler grades

    return Cluster(address, Grading(config=course.config), log_file(course))


def record_results(course: Course, plan: Plan, used: dict[tuple, JobResult], run: BatchRun) -> None:
    """Each notebook's outcome in `run`, and the digest of each graded submission for the next run."""
    for (student, a, notebook), why in plan.links.items():
        run.notebooks.append(NotebookRecord(student, a, notebook, Status.FAILED, error=why))
    for job in plan.jobs:
        result = used.get((job.student, job.assignment, job.notebook))
        graded = (course.autograded(job.student, job.assignment) / f"{job.notebook}.ipynb").exists()
        grade = result.grade if result else None
        run.notebooks.append(NotebookRecord(
            job.student, job.assignment, job.notebook, Status.GRADED if graded else Status.FAILED,
            grade.seconds if grade else 0.0, grade.student_seconds if grade else 0.0,
            grade.cell_seconds if grade else 0.0, (result.error if result else "") if not graded else ""))
    for a, (todo, _, digests) in plan.to_grade.items():
        for student in todo:
            if course.autograded(student, a).exists():
                state.record(course, a, student, digests[student])


def last_run(course: Course) -> Path:
    """Where the record of the course's last grading run is kept (JSON of its BatchRun)."""
    return course.grade_runs / "last.json"


def save_run(course: Course, run: BatchRun) -> Path:
    path = last_run(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(run), indent=1))
    return path


def summary_table(run: BatchRun, assignments: list[str]) -> str:
    rows = [("assignment", "graded", "failed", "unchanged", "student code s")]
    for a in assignments:
        seconds = sum(n.student_seconds for n in run.notebooks if n.assignment == a)
        rows.append((a, *(run.count(a, status) for status in Status), f"{seconds:.1f}"))
    graded = len(run.graded())
    rate = graded / run.wall_seconds if run.wall_seconds else 0.0
    return (text_table(rows) + f"\n{graded} notebook(s) graded in {run.wall_seconds:.1f} s ({rate:.2f}/s) "
            f"with {run.workers} worker(s)")
