"""A Dask worker's side of grading a class on a cluster (`nnlab grade --scheduler ADDRESS`).

The instructor's `nnlab grade` registers `CourseWorker` with the scheduler, which installs it
on every worker, those that join later included. On a worker whose course code (graders,
engine, reference, runner, the libraries' versions: nnlab.batch.course_code) is the
instructor's, it starts the warm zygote once and offers the worker for grading through a Dask
resource named after that code; a worker with other code offers nothing and logs why, so the
scheduler never gives it a notebook. `grade_submission` grades one notebook there.

What a worker gets is plain data: the notebook as nbgrader's sanitizing pass left it on the
instructor's side, the student id, the assignment, and the student's key (never the course
secret). What it gives back is a NotebookGrade. It never sees the gradebook or the course folder.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import nbformat
from distributed.core import Status
from distributed.diagnostics.plugin import WorkerPlugin
from traitlets.config import Config

from nnlab.batch.course_code import CourseCode, course_code
from nnlab.graders.budgets import SolutionTimes
from nnlab.graders.carry import ModelAnswers
from nnlab.graders.notebook import NotebookGrade, grade_notebook_node
from nnlab.graders.settings import GRADERS_DIR, Grading, stop_launchers

logger = logging.getLogger("nnlab.cluster")
PLUGIN = "nnlab-course"


class CourseCodeDiffers(RuntimeError):
    """This worker's course code is not the instructor's: it grades nothing."""


@dataclass(frozen=True)
class Submission:
    """One notebook to grade, as sent to a worker."""
    student: str
    assignment: str
    notebook: str
    cells: str          # the notebook (JSON) as nbgrader's sanitizing pass left it
    key: bytes          # the student's key (nnlab.graders.keys.student_key)
    budgets: SolutionTimes | None = None   # the model solution's cell times, when budgets are on
    answers: ModelAnswers | None = None    # the model solution's answer cells, when carried forward


def resource(code: CourseCode) -> str:
    """The Dask resource a worker with this course code offers: one notebook at a time."""
    return f"nnlab-course-{code.digest[:16]}"


def grading_settings(grading: Grading) -> dict:
    """The instructor's Grading settings a worker grades with: all but where the secret is, and but the
    graders' folder when it is the package's own (the worker then grades with its own package's graders,
    which its course code covers)."""
    return {name: getattr(grading, name) for name in grading.trait_names(config=True)
            if name != "secret_path" and not (name == "graders_dir" and grading.graders_dir == str(GRADERS_DIR))}


# what this worker process grades with, by the digest of the course code it was given
_ready: dict[str, Grading] = {}
_refusals: dict[str, str] = {}


class CourseWorker(WorkerPlugin):
    """Installed on every worker by the instructor's run: checks the course code, warms the zygote."""
    name = PLUGIN

    def __init__(self, code: CourseCode, settings: dict):
        self.code, self.settings = code, settings

    async def setup(self, worker) -> None:
        grading = Grading(config=Config({"Grading": self.settings}))
        mine = await asyncio.to_thread(course_code, grading.graders_dir)
        differs = self.code.differences(mine)
        if differs:
            _refusals[self.code.digest] = why = (
                f"the Dask worker {worker.address} refuses to grade: its course code differs from the "
                f"instructor's in {', '.join(differs)} (run the workers from the instructor's commit and "
                "environment)")
            logger.error(why)
            return
        await asyncio.to_thread(_warm, grading)
        _ready[self.code.digest] = grading
        # one notebook at a time per worker process: it has one zygote, which forks one student at a time
        await worker.set_resources(**{resource(self.code): 1})
        # notebooks already waiting for a worker that offers this (a worker that joined after the run
        # started) are looked at again by the scheduler only when a worker turns to running: it does
        if worker.status == Status.running:
            worker.status = Status.paused
            worker.status = Status.running

    def teardown(self, worker) -> None:
        _ready.pop(self.code.digest, None)
        stop_launchers()


def _warm(grading: Grading) -> None:
    launcher = grading.launcher()
    if not launcher.alive():
        launcher.start()


def refusal(digest: str) -> str | None:
    """Why this worker refuses work of the course code `digest`, None when it takes it
    (run on each worker by the instructor's side, with `Client.run`)."""
    if digest in _ready:
        return None
    return _refusals.get(digest, "the worker has not set up the course (no nnlab plugin ran there)")


def grade_submission(submission: Submission, digest: str) -> NotebookGrade:
    """Grade one notebook on this worker (a Dask task)."""
    grading = _ready.get(digest)
    if grading is None:   # the scheduler's resources keep this from happening; a second wall
        raise CourseCodeDiffers(refusal(digest))
    notebook = nbformat.reads(submission.cells, as_version=4)
    return grade_notebook_node(notebook, submission.student, submission.assignment, submission.notebook, grading,
                               key=submission.key, budgets=submission.budgets, answers=submission.answers)
