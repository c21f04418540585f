"""`Grader`: one course's grader that stays up. It owns nbgrader's autograde application (the one
gradebook writer), the local workers forked from it (or the client of a Dask cluster) and their warm
sandboxes, and grades any subset (one student's hand-in, an assignment, a class) as often as asked,
in one process: `nnlab grade` makes one for a run, a service keeps one.

Each run: the workers sanitize and grade every notebook still to grade, in the order nbgrader will
ask for them, while nbgrader's own autograde, in this process, records each (its SandboxedExecute
takes the workers' result, the cells checked to be the ones nbgrader sanitized): the submission's
timestamp, the files, the scores in the gradebook, late penalties. Each notebook is in the gradebook
as soon as nbgrader is done with it, and a student's grading state as soon as their last notebook is:
a run killed at any moment loses at most the notebooks in hand, and the next grades exactly those.
"""
from __future__ import annotations

import io
import logging
import os
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nnlab.autograde.sandboxed_execute import is_linked
from nnlab.batch import state
from nnlab.batch.nbgrader_adapter import autograde, autograde_app, finish_app, forced, speedups, worker_steps
from nnlab.batch.progress import Progress
from nnlab.batch.run import BatchGrading, BatchRun, GradingStopped, NotebookRecord, Status, log_file, save_run
from nnlab.batch.workers import Job, JobResult, finish_job, grade_job, sanitized, worker_pool
from nnlab.course import Course
from nnlab.diagnose import diagnose_assignment
from nnlab.digest import file_digest
from nnlab.graders.budgets import solution_times
from nnlab.graders.carry import model_answers
from nnlab.graders.settings import Grading
from nnlab.resume import clear_unfinished_autogrades, unfinished_autogrades


@dataclass
class Check:
    """What is wrong before an assignment is graded, and the grading runs it finishes."""
    collected: int                                                    # collected submissions
    problems: dict[str, list[str]] = field(default_factory=dict)      # student -> what cannot be graded
    unfinished: dict[str, Path] = field(default_factory=dict)         # student -> half-written autograded/


def check(course: Course, assignment: str, dry_run: bool = False) -> Check:
    """Diagnose the collected submissions of `assignment` and, unless `dry_run`, remove the half-written
    autograded folders a killed run left (nbgrader would skip those students), so they are graded again."""
    notebooks = course.notebooks(assignment)
    found = Check(len(course.students_in(course.submitted_directory, assignment)),
                  diagnose_assignment(course, assignment, notebooks))
    if dry_run:
        found.unfinished = unfinished_autogrades(course, assignment, notebooks)
    else:
        found.unfinished = {s: course.autograded(s, assignment)
                            for s in clear_unfinished_autogrades(course, assignment, notebooks)}
    return found


@dataclass
class Plan:
    """What a run grades: per assignment, who (state.Todo), and a job a notebook for the workers."""
    todo: dict[str, state.Todo]      # in the order the workers take them and the writer records them
    jobs: list[Job] = field(default_factory=list)
    links: dict[tuple[str, str, str], str] = field(default_factory=dict)   # notebooks never graded: why


class Prefetched:
    """The workers' results, as nbgrader's autograde here asks for them: a notebook's grade for
    SandboxedExecute (called), or the notebook the worker prepared for the writer to record (`prepared`)."""

    def __init__(self, futures: dict[tuple, Future], jobs: list[Job]):
        self.futures = futures
        self.jobs = {(j.student, j.assignment, j.notebook): j for j in jobs}
        self.paths = {os.path.realpath(j.path): key for key, j in self.jobs.items()}
        self.used: dict[tuple, JobResult] = {}

    def __deepcopy__(self, memo) -> "Prefetched":
        return self   # nbconvert deep-copies each notebook's resources; this is a service, not data

    def result(self, key: tuple) -> JobResult | None:
        """The workers' result of (student, assignment, notebook), once they have it; None when not theirs."""
        future = self.futures.get(key)
        if future is None:
            return None
        try:
            result: JobResult = future.result()
        except BrokenProcessPool as exc:   # a worker process died (killed, out of memory): the pool is gone
            result = JobResult(self.jobs[key], lost=True,
                               error=f"a grading worker process died ({exc}): graded at the next run")
        self.used[key] = result
        if result.lost:
            raise GradingStopped(result.error)   # nbgrader records it as failed; the next run grades it
        return result

    def __call__(self, student: str, assignment: str, notebook: str, digest: str):
        result = self.result((student, assignment, notebook))
        if result is None or result.grade is None or result.grade.digest != digest:
            return None   # nbgrader's own sanitizing saw other cells: grade them here
        return result.grade

    def prepared(self, path: str):
        """The notebook a worker prepared from the submitted notebook at `path`, when the file is still the
        one the worker read; else None (nbgrader then runs every step here)."""
        key = self.paths.get(os.path.realpath(path))
        result = self.result(key) if key else None
        if result is None or result.prepared is None or file_digest(path) != result.prepared.source:
            return None
        return result.prepared


@dataclass
class Started:
    """A run whose notebooks the workers have (`Grader.start`), for `Grader.finish` to record."""
    plan: Plan
    run: BatchRun
    assignments: list[str]
    students: list[str] | None
    began: float                                # time.monotonic() at the start
    prefetched: Prefetched | None = None        # None: nothing to grade (everything unchanged)
    progress: Progress | None = None
    cluster: object | None = None               # the Dask cluster's client that grades, None for the local workers

    def ready(self) -> bool:
        """Whether the workers are done with every notebook: `finish` then records without waiting."""
        return self.prefetched is None or all(f.done() for f in self.prefetched.futures.values())


class Grader:
    """A course's grader for many runs in one process (see the module); `close()` (or `with`) ends it."""

    def __init__(self, course: Course, verbose: bool = False, keep_log: bool = False, progress: bool = True):
        """`keep_log`: each run adds to nbgrader's log (a service grading hand-in after hand-in) instead of
        starting it afresh (`nnlab grade`: the log of its last run); `progress`: each run's progress line on
        stderr (a service logs a line a hand-in instead)."""
        self.course, self.verbose, self.keep_log, self.progress = course, verbose, keep_log, progress
        self.settings = BatchGrading(config=course.config)
        self._stack = ExitStack()
        self._app = self._pool = self._cluster = None

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def application(self):
        """nbgrader's autograde application of this grader (None before its first run)."""
        return self._app

    @property
    def workers(self):
        """The pool of worker processes of this grader (None before its first run)."""
        return self._pool

    def close(self) -> None:
        """Stop the workers and the cluster's client, and end nbgrader's application."""
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        self._stack.close()
        self._app = self._pool = None

    def grade(self, assignments: list[str], students: list[str] | None = None) -> BatchRun:
        """Grade the collected submissions of `assignments` (of `students` only, when given); already
        graded, unchanged ones are skipped unless nbgrader's `BaseConverter.force` is set."""
        return self.finish(self.start(assignments, students))

    def start(self, assignments: list[str], students: list[str] | None = None) -> Started:
        """The first half of `grade`: the run planned and its notebooks handed to the workers, nothing recorded
        yet; `finish` records them. A service starts the next hand-in while it records the last one."""
        began = time.monotonic()
        course = self.course
        course.grade_runs.mkdir(parents=True, exist_ok=True)
        with open(log_file(course), "a" if self.keep_log else "w") as log:
            log.write(f"== grading {', '.join(assignments)} of {', '.join(students) if students else 'every student'}"
                      f" at {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC ==\n")
        run = BatchRun(self.settings.workers, self.settings.scheduler)
        started = Started(self.plan(assignments, students, run), run, assignments, students, began)
        if started.plan.jobs or started.plan.links:
            for a, todo in started.plan.todo.items():
                state.clear_changed(course, a, todo)
            _, pool = self._started()
            started.cluster = self._cluster_now()
            started.progress = Progress(len(started.plan.jobs), stream=None if self.progress else io.StringIO())
            started.prefetched = Prefetched(_submit(started.plan.jobs, pool, started.cluster, started.progress),
                                            started.plan.jobs)
        return started

    def finish(self, started: Started) -> BatchRun:
        """The second half of `grade`: nbgrader's autograde, here, records what `start` handed to the workers,
        waiting for each notebook it records that they have not finished."""
        plan, run = started.plan, started.run
        if started.prefetched is not None:
            used = self._record(started)
            _record_results(self.course, plan, used, run)
            asked = {a: i for i, a in enumerate(started.assignments)}   # reported in the order asked, whatever the order graded
            run.notebooks.sort(key=lambda n: asked.get(n.assignment, len(asked)))
            run.failed_assignments.sort(key=lambda a: asked.get(a, len(asked)))
        run.wall_seconds = time.monotonic() - started.began
        if started.prefetched is not None:
            save_run(self.course, run)
        return run

    def slots(self) -> int:
        """Notebooks graded at once: the Dask workers' threads when a cluster grades, else the local workers."""
        if self._cluster is not None and not self._cluster.lost:
            return max(1, self._cluster.slots())
        return self.settings.workers

    def broken(self) -> str:
        """Why this grader's workers cannot grade any more (one of them died: the OOM killer, an administrator),
        "" when they can, or have not started."""
        return _broken(self._pool) if self._pool is not None else ""

    def plan(self, assignments: list[str], students: list[str] | None, run: BatchRun) -> Plan:
        """Who is graded: a job a notebook still to grade; unchanged submissions are recorded as skipped.
        Nothing on disk changes."""
        course = self.course
        plan = Plan({a: state.to_grade(course, a, forced(course.config), students) for a in assignments})
        grading = Grading(config=course.config)
        for a, todo in plan.todo.items():
            notebooks = course.notebooks(a)
            times = {nb: solution_times(course, a, nb) if grading.budgets and todo.students else None
                     for nb in notebooks}
            answers = {nb: model_answers(course, a, nb) if grading.carry_forward and todo.students else None
                       for nb in notebooks}
            for student in todo.unchanged:
                run.notebooks += [NotebookRecord(student, a, notebook, Status.SKIPPED) for notebook in notebooks]
            for student in todo.students:
                for notebook in notebooks:
                    path = course.submitted(student, a) / f"{notebook}.ipynb"
                    if is_linked(path):
                        plan.links[(student, a, notebook)] = "the notebook is a link, not the student's own file"
                    elif path.is_file():
                        plan.jobs.append(Job(student, a, notebook, str(path), times[notebook], answers[notebook]))
        return longest_first(plan)

    # -- what the grader keeps between runs -----------------------------------------------------
    def _started(self):
        """nbgrader's application and the workers forked from it, made at the first run; the workers made
        again when one of them died (a pool that lost a process takes no more work)."""
        if self._app is None:
            logging.getLogger("traitlets").setLevel(logging.INFO if self.verbose else logging.WARNING)
            self._stack.enter_context(speedups())
            self._app = autograde_app(self.course, log_file(self.course), self.verbose)
            self._stack.callback(finish_app, self._app)
        if self._pool is None or _broken(self._pool):
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = worker_pool(self._app, self.settings.workers)
            self._stack.callback(self._pool.shutdown, wait=True, cancel_futures=True)
        return self._app, self._pool

    def _cluster_now(self):
        """The Dask cluster's client, made again when the last one lost its scheduler; None without one."""
        if not self.settings.scheduler:
            return None
        if self._cluster is not None and self._cluster.lost:
            self._cluster.close()
            self._cluster = None
        if self._cluster is None:
            from nnlab.batch.cluster import Cluster  # Dask is imported only when a scheduler grades

            self._cluster = Cluster(self.settings.scheduler, Grading(config=self.course.config), log_file(self.course))
        return self._cluster

    # -- one run ----------------------------------------------------------------------------------
    def _record(self, started: Started) -> dict[tuple, JobResult]:
        """nbgrader's autograde, here, writes the gradebook from the workers' results; returns those it used."""
        plan, run, cluster, prefetched, progress = (started.plan, started.run, started.cluster, started.prefetched,
                                                    started.progress)
        app = self._app   # not `_started()`: a pool that lost a worker since `start` must stay seen as broken
        recorded = _recorder(self.course, plan, progress)
        began = time.thread_time()   # this thread's CPU time: nbgrader's own work, not its waiting
        try:
            for a in plan.todo:
                if cluster and cluster.lost:
                    break
                if plan.todo[a].students and not self._autograde(app, a, started.students, prefetched, recorded):
                    run.failed_assignments.append(a)   # some submissions failed: the others are graded
            run.writer_seconds = time.thread_time() - began
        finally:
            if cluster:
                run.stopped = cluster.stopped
            for future in prefetched.futures.values():
                future.cancel()
            progress.finish()
        return prefetched.used

    def _autograde(self, app, assignment: str, students: list[str] | None, prefetched, recorded) -> bool:
        """nbgrader's autograde of `assignment`, of `students` only when given (nbgrader's own
        `student_id_exclude`, naming every other student collected)."""
        collected = self.course.students_in(self.course.submitted_directory, assignment)
        others = [s for s in collected if s not in students] if students is not None else []
        return autograde(app, assignment, prefetched, recorded, exclude=others, steps=worker_steps(app.config))


def longest_first(plan: Plan) -> Plan:
    """`plan` with the assignments whose notebooks took the model solution longest first, for the workers
    and the writer alike (the writer records in the order the workers finish): a slow notebook started last
    would leave the other workers idle at the end of a run. Without solution times the order stays."""
    cost = {a: 0.0 for a in plan.todo}
    for job in plan.jobs:
        cost[job.assignment] = max(cost[job.assignment], job.budgets.total() if job.budgets else 0.0)
    order = sorted(plan.todo, key=lambda a: -cost[a])   # stable: equal costs keep the order asked for
    plan.todo = {a: plan.todo[a] for a in order}
    plan.jobs.sort(key=lambda job: order.index(job.assignment))
    return plan


def grade_class(course: Course, assignments: list[str], verbose: bool = False) -> BatchRun:
    """One run of a `Grader` over `assignments` (what `nnlab grade` does)."""
    with Grader(course, verbose) as grader:
        return grader.grade(assignments)


def _submit(jobs: list[Job], pool, cluster, progress: Progress) -> dict[tuple, Future]:
    """Every job to the workers: graded by the local pool, or sanitized there, graded by the cluster and
    prepared for the writer there again."""
    futures = {}
    for j in jobs:
        future = (_then(cluster.grade(j, pool.submit(sanitized, j)), pool, finish_job) if cluster
                  else pool.submit(grade_job, j))
        futures[(j.student, j.assignment, j.notebook)] = future
        future.add_done_callback(lambda f, j=j: progress.grade(f"{j.assignment}/{j.student}", lost=_lost(f)))
    return futures


def _broken(pool) -> str:
    """Why the pool cannot take work (it lost a worker process: it then refuses every job), "" when it can.
    Asked without waiting for a worker: the pool's queue may hold a service's next notebooks."""
    try:
        pool.submit(int).cancel()
    except BrokenProcessPool as exc:
        return f"a worker died: {exc}"
    except RuntimeError as exc:   # shut down
        return str(exc)
    return ""


def _then(graded: Future, pool, step) -> Future:
    """A future of `step(result)` run by the pool once `graded` has a result with a grade; of the result as
    it is otherwise, or when the pool cannot take the step (the run is stopping)."""
    out: Future = Future()

    def settle(result: JobResult) -> None:
        if out.set_running_or_notify_cancel():   # False: the run cancelled it
            out.set_result(result)

    def chain(done: Future) -> None:
        if done.cancelled():
            out.cancel()
            return
        result = done.result()
        if result.grade is None or result.lost:
            return settle(result)
        try:
            stepped = pool.submit(step, result)
        except RuntimeError:   # the pool is shut down
            return settle(result)
        stepped.add_done_callback(lambda f: settle(result if f.cancelled() or f.exception() else f.result()))
    graded.add_done_callback(chain)
    return out


def _lost(future: Future) -> bool:
    return not future.cancelled() and future.exception() is None and future.result().lost


def _recorder(course: Course, plan: Plan, progress: Progress):
    """The function nbgrader calls when it is done with a notebook: one more recorded, when it is one of
    the plan's jobs; once a student's last notebook is, their grading state (the submission's digest)."""
    paths = {os.path.realpath(j.path): j for j in plan.jobs}
    left: dict[tuple[str, str], int] = {}
    for j in plan.jobs:
        left[j.student, j.assignment] = left.get((j.student, j.assignment), 0) + 1

    def recorded(path: str) -> None:
        job = paths.pop(os.path.realpath(path), None)
        if job is None:
            return
        progress.record(f"{job.assignment}/{job.student}")
        left[job.student, job.assignment] -= 1
        if not left[job.student, job.assignment] and course.autograded(job.student, job.assignment).exists():
            state.record(course, job.assignment, job.student, plan.todo[job.assignment].digests[job.student])
    return recorded


def _record_results(course: Course, plan: Plan, used: dict[tuple, JobResult], run: BatchRun) -> None:
    """Each notebook's outcome in `run`."""
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
