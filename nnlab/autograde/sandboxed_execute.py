"""SandboxedExecute: the autograde preprocessor that runs the student's notebook in the sandbox.

It takes the place of nbgrader's `Execute` (and of the separate hidden-graders step): no
Jupyter kernel runs as the instructor. A warm zygote in bubblewrap forks a fresh student
process for each notebook (see nnlab.runner.zygote); the cells run there as in a kernel, with
outputs kept; the hidden graders then score the test cells from this process (see
notebook_grading). A notebook can also arrive already graded by a batch worker
(`nnlab grade`): `SandboxedExecute.prefetched` then hands over the result.
"""
from __future__ import annotations

import atexit
from pathlib import Path
from typing import Callable

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from nnlab.autograde.feedback import save_report
from nnlab.autograde.notebook_grading import (
    GradingLimits, NotebookGrade, apply_grade, cells_digest, grade_notebook_node,
)
from nnlab.graders.keys import load_or_create_secret, secret_path_from_environment
from nnlab.graders.run import GRADERS_DIR, graders_for
from nnlab.runner.launch import ZygoteLauncher
from nnlab.runner.sandbox import Limits, Sandbox

_launchers: dict[tuple, ZygoteLauncher] = {}


def shared_launcher(limits: Limits, isolate: bool) -> ZygoteLauncher:
    """One warm zygote a process and setting, stopped when the process ends."""
    key = (limits, isolate)
    if key not in _launchers:
        sandbox = Sandbox(limits, isolate=isolate)
        # as in nbgrader's own kernel: a notebook can tell it is being autograded
        _launchers[key] = ZygoteLauncher(sandbox, environment={"NBGRADER_EXECUTION": "autograde"})
    return _launchers[key]


@atexit.register
def _stop_launchers() -> None:
    for launcher in _launchers.values():
        launcher.stop()
    _launchers.clear()


class SubmissionLinkError(Exception):
    """The submitted notebook is a symbolic link (to another student's work, or any file)."""


def is_linked(submitted: Path) -> bool:
    """Whether submitted/<student>/<assignment>/<notebook>.ipynb, or a folder above it, is a link."""
    return any(path.is_symlink() for path in (submitted, submitted.parent, submitted.parent.parent))


class SandboxedExecute(NbGraderPreprocessor):
    timeout = Float(60.0, help="Seconds for one cell of the student's notebook").tag(config=True)
    call_timeout = Float(30.0, help="Seconds for one call of a hidden grader into the student's code").tag(config=True)
    notebook_timeout = Float(300.0, help="Seconds to run the whole notebook (restarts included)").tag(config=True)
    memory_mb = Integer(3072, help="Address-space limit of the student's process, in MiB").tag(config=True)
    processes = Integer(64, help="Most processes the student's code may run at once").tag(config=True)
    cpu_seconds = Integer(600, help="CPU seconds of one student process").tag(config=True)
    open_files = Integer(256, help="Files one student process may have open").tag(config=True)
    file_size_mb = Integer(64, help="Largest file the student's code may write, in MiB").tag(config=True)
    sandbox = Bool(True, help="Isolate the student's process with bubblewrap where it is installed").tag(config=True)
    graders_dir = Unicode(str(GRADERS_DIR), help="Folder of the grader packages, one per assignment").tag(config=True)
    secret_path = Unicode(str(secret_path_from_environment()), help="The course secret file").tag(config=True)

    # Set by the batch grader: (student, assignment, notebook, digest) -> a grade made by a worker, or None.
    prefetched: Callable[[str, str, str, str], NotebookGrade | None] | None = None

    @property
    def limits(self) -> GradingLimits:
        return GradingLimits(self.timeout, self.call_timeout, self.notebook_timeout)

    def launcher(self) -> ZygoteLauncher:
        limits = Limits(cpu_seconds=self.cpu_seconds, memory_bytes=self.memory_mb * 2**20,
                        open_files=self.open_files, file_size_bytes=self.file_size_mb * 2**20,
                        processes=self.processes)
        return shared_launcher(limits, self.sandbox)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        student, assignment, notebook = str(info["student"]), info["assignment"], info["notebook"]
        submitted = Path.cwd() / "submitted" / student / assignment / f"{notebook}.ipynb"
        if is_linked(submitted):
            # nbgrader read the link's target: it may be another student's notebook or any file
            raise SubmissionLinkError(f"submitted/{student}/{assignment}/{notebook}.ipynb is a link, not the "
                                      "student's own file: not graded")
        grade = None
        if SandboxedExecute.prefetched is not None:
            grade = SandboxedExecute.prefetched(student, assignment, notebook, cells_digest(nb))
        if grade is None:
            graders = graders_for(assignment, notebook, Path(self.graders_dir))
            secret = load_or_create_secret(Path(self.secret_path))
            grade = grade_notebook_node(nb, student, graders, self.launcher(), self.limits, secret)
        apply_grade(nb, grade)
        if grade.report is not None:
            report = dict(grade.report, submission=f"{assignment}/{notebook}.ipynb")
            save_report(report, Path.cwd(), assignment, student, notebook)
        self.log.info("Graded %s/%s of %s in %.2f s (student's code %.2f s)", assignment, notebook, student,
                      grade.seconds, grade.student_seconds)
        return nb, resources
