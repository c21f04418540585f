"""The instructor's side of grading a class on a Dask cluster (`nnlab grade --scheduler ADDRESS`).

Each notebook is sanitized here, by the local workers, as nbgrader's first pass would (that needs
the gradebook, which stays here), then sent to the cluster with its student id, assignment and
the student's key; the result comes back as plain data and nbgrader's autograde, in this process,
writes it to the gradebook as it does for the local workers. The cluster's side is
nnlab.batch.cluster_worker.

Faults: a worker that dies mid-task has its notebooks rescheduled by Dask on the others (each is
still recorded once, here). When the scheduler goes away, every notebook not yet back is marked
lost: the run stops grading, keeps what was recorded, and the next run grades only the rest.
"""
from __future__ import annotations

import logging
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Callable
from uuid import uuid4

from nnlab.batch.cluster_worker import PLUGIN, CourseWorker, Submission, grade_submission, grading_settings, refusal, resource
from nnlab.batch.course_code import course_code
from nnlab.batch.run import ClusterError
from nnlab.batch.workers import Job, JobResult, error_text
from nnlab.graders.keys import student_key
from nnlab.graders.settings import Grading

logger = logging.getLogger("nnlab.cluster")
CONNECT_SECONDS = 20


class Cluster:
    """A connection to the scheduler at `address`, its workers set up for this course."""

    def __init__(self, address: str, grading: Grading, log: Path):
        """`log`: the file Dask's own messages go to (its reconnection tracebacks are not the instructor's
        business on the terminal; `nnlab grade` says what happened in one line)."""
        from distributed import Client

        self.address, self.secret = address, grading.secret()   # the secret stays here: workers get keys
        self._logs = _dask_logs_to(log)
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            self._logs()
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.code = course_code(grading.graders_dir)
        self.resource = resource(self.code)
        self.lost = False
        self.refused: dict[str, str] = {}
        try:
            self.client.register_plugin(CourseWorker(self.code, grading_settings(grading)), name=PLUGIN)
            self._check_workers()
        except BaseException:
            self.close()
            raise

    def _check_workers(self) -> None:
        """Name the workers that refuse (other course code); none of those that are there takes the
        work: an error. No worker yet (a batch system still starting them): the work waits for them."""
        if not self.client.scheduler_info()["workers"]:
            print(f"the Dask scheduler at {self.address} has no workers yet: the notebooks wait for workers to join",
                  file=sys.stderr, flush=True)
            return
        answers = self.client.run(refusal, self.code.digest)
        self.refused = {worker: why for worker, why in answers.items() if why}
        for why in self.refused.values():
            print(f"warning: {why}; it is given no notebook", file=sys.stderr, flush=True)
        if answers and len(self.refused) == len(answers):
            raise ClusterError(f"none of the {len(answers)} worker(s) of the Dask scheduler at {self.address} "
                               "grades with the instructor's course code: "
                               + "; ".join(sorted(set(self.refused.values()))))

    def grade(self, job: Job, sanitizing: Future) -> Future:
        """A future of the JobResult of `job`, once the local workers have sanitized it (`sanitizing`,
        a future of the notebook's JSON) and a worker of the cluster has graded it."""
        out: Future = Future()
        sanitizing.add_done_callback(lambda done: self._send(job, done, out))
        return out

    def _send(self, job: Job, sanitizing: Future, out: Future) -> None:
        if sanitizing.cancelled():   # the run is stopping
            out.set_result(self._lost(job))
            return
        error = sanitizing.exception()
        if error is not None:   # nbgrader's own sanitizing meets the same problem and reports it
            out.set_result(JobResult(job, error=error_text(error)))
            return
        if self.lost:
            out.set_result(self._lost(job))
            return
        submission = Submission(job.student, job.assignment, job.notebook, sanitizing.result(),
                                student_key(self.secret, job.student), job.budgets, job.answers)
        try:
            remote = self.client.submit(grade_submission, submission, self.code.digest, pure=False,
                                        key=f"grade-{job.assignment}-{job.notebook}-{job.student}-{uuid4().hex[:8]}",
                                        resources={self.resource: 1})
        except Exception:   # the client is closing: the scheduler went away
            self.lost = True
            out.set_result(self._lost(job))
            return
        remote.add_done_callback(lambda done: out.set_result(self._result(job, done)))

    def _result(self, job: Job, remote) -> JobResult:
        try:
            if remote.status == "cancelled":   # nothing here cancels: the client lost the scheduler
                self.lost = True
                return self._lost(job)
            error = remote.exception()
            if error is not None:
                return JobResult(job, error=error_text(error))
            return JobResult(job, grade=remote.result())
        except Exception as exc:   # the result could not be fetched: the scheduler or its worker is gone
            self.lost = not self.client.status == "running"
            return self._lost(job) if self.lost else JobResult(job, error=error_text(exc))
        finally:
            remote.release()

    def slots(self) -> int:
        """The threads of the scheduler's workers that grade for this course (the client's last view of them)."""
        workers = self.client.scheduler_info().get("workers", {})
        return sum(w.get("nthreads", 1) for address, w in workers.items() if address not in self.refused)

    @property
    def stopped(self) -> str:
        """Why the cluster stopped grading, "" while it grades."""
        return f"the Dask scheduler at {self.address} went away" if self.lost else ""

    def _lost(self, job: Job) -> JobResult:
        return JobResult(job, lost=True, error=f"the Dask scheduler at {self.address} went away before this "
                                               "notebook was graded: run `nnlab grade` again for the rest")

    def close(self) -> None:
        """Stop the workers' zygotes (the plugin's teardown) and disconnect."""
        if self.client.status == "running":
            try:
                self.client.unregister_worker_plugin(PLUGIN)
            except Exception as exc:   # the scheduler is gone: its workers stop their zygotes as they end
                logger.info("the course's worker plugin was not removed: %s", exc)
        self.client.close()
        self._logs()


def _dask_logs_to(path: Path) -> Callable[[], None]:
    """Send the records of Dask's loggers (`distributed` and those of its modules that have handlers of
    their own) to `path` only; returns the function that undoes it."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    loggers = [logging.getLogger(name) for name in ["distributed", *logging.root.manager.loggerDict]
               if name.startswith("distributed.") and logging.getLogger(name).handlers or name == "distributed"]
    before = [(dask.handlers, dask.propagate) for dask in loggers]
    for dask in loggers:
        dask.handlers, dask.propagate = [handler], False

    def undo() -> None:
        for dask, (handlers, propagate) in zip(loggers, before):
            dask.handlers, dask.propagate = handlers, propagate
        handler.close()
    return undo
