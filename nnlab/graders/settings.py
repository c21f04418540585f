"""Grading: every setting of grading one notebook, declared once (a trait with its default and help).

The course sets what it changes in course_config.py (`c.Grading.cell_timeout = 20`); `nnlab grade`
options and `pytest nnlab/graders/<a> --submission` read the same traits. The runner's own values
(`Limits`, `Timeouts`) are the traits' defaults and are built from them here, never written a second time.
"""
from __future__ import annotations

import atexit
from pathlib import Path

from traitlets import Bool, Float, Integer, Unicode
from traitlets.config import Configurable

from nnlab.graders.keys import load_or_create_secret, secret_path_from_environment, student_key
from nnlab.runner.launch import ZygoteLauncher
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.runner.student_process import StudentProcess, Timeouts

GRADERS_DIR = Path(__file__).resolve().parent
MiB = 2**20
_launchers: dict[tuple, ZygoteLauncher] = {}


class Grading(Configurable):
    cell_timeout = Float(Timeouts.cell, help="Seconds for one cell of the student's notebook").tag(config=True)
    call_timeout = Float(Timeouts.call, help="Seconds for one call of a hidden grader into the student's code").tag(config=True)
    notebook_timeout = Float(Timeouts.notebook, help="Seconds to run the whole notebook, restarts included").tag(config=True)
    memory_mb = Integer(Limits.memory_bytes // MiB, help="Address-space limit of the student's process, in MiB"
                        ).tag(config=True)
    processes = Integer(Limits.processes, help="Most processes the student's code may run at once (pids cgroup)"
                        ).tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds of one student process").tag(config=True)
    open_files = Integer(Limits.open_files, help="Files one student process may have open").tag(config=True)
    file_size_mb = Integer(Limits.file_size_bytes // MiB, help="Largest file the student's code may write, in MiB"
                           ).tag(config=True)
    sandbox = Bool(True, help="Isolate the student's process with bubblewrap where it is installed; "
                              "without it the limits still apply (and a warning says so)").tag(config=True)
    budgets = Bool(True, help="Stop each cell of the student's notebook at its budget, a generous multiple of the "
                              "model solution's time for that cell (timed when the assignment is generated: "
                              "budgets/<assignment>/<notebook>.json), instead of at the cell timeout").tag(config=True)
    budget_factor = Float(10.0, help="A cell's budget: this many times the model solution's time for it "
                                     "(at least budget_floor, at most cell_timeout)").tag(config=True)
    budget_floor = Float(5.0, help="The least budget of a cell, in seconds").tag(config=True)
    carry_forward = Bool(True, help="Error carried forward: a question that lost points because it builds on an "
                                    "earlier wrong answer is judged again with the model solution's answer in "
                                    "place of the earlier one, in a sealed run, and keeps the better score"
                         ).tag(config=True)
    graders_dir = Unicode(str(GRADERS_DIR), help="Folder of the hidden graders: <assignment>/test_<notebook>.py"
                          ).tag(config=True)
    secret_path = Unicode(str(secret_path_from_environment()),
                          help="The course secret (keys each student's random test inputs); made on first use, "
                               "kept outside the course and release/").tag(config=True)

    def limits(self) -> Limits:
        """The resource limits of one student process."""
        return Limits(cpu_seconds=self.cpu_seconds, memory_bytes=self.memory_mb * MiB, open_files=self.open_files,
                      file_size_bytes=self.file_size_mb * MiB, processes=self.processes)

    def box(self) -> Sandbox:
        """The sandbox every student process of this setting runs in."""
        return Sandbox(self.limits(), isolate=self.sandbox)

    def graders(self, assignment: str, notebook: str) -> Path:
        """The hidden-grader module of one notebook (it may not exist: then nothing is scored)."""
        return Path(self.graders_dir) / assignment / f"test_{notebook}.py"

    def secret(self) -> bytes:
        return load_or_create_secret(Path(self.secret_path))

    def student_key(self, student: str) -> bytes:
        """The key of `student`'s hidden inputs under the course secret (what the engine is given)."""
        return student_key(self.secret(), student)

    def launcher(self) -> ZygoteLauncher:
        """The warm zygote of this process for these limits (one a setting, stopped at exit)."""
        key = (self.limits(), self.sandbox)
        if key not in _launchers:
            # as in nbgrader's own kernel: a notebook can tell it is being autograded
            _launchers[key] = ZygoteLauncher(self.box(), environment={"NBGRADER_EXECUTION": "autograde"})
        return _launchers[key]

    def budget(self, solution_seconds: float) -> float:
        """The budget of a cell the model solution ran in `solution_seconds`: budget_factor times
        that, at least budget_floor, at most cell_timeout."""
        return min(self.cell_timeout, max(self.budget_floor, self.budget_factor * solution_seconds))

    def student_process(self, capture: bool = True,
                        cell_budgets: dict[int, tuple[float, str]] | None = None) -> StudentProcess:
        """A student process (no cells yet) with this setting's timeouts, forked from `launcher()`.
        `capture`: keep the cells' outputs as a kernel would, for the autograded notebook.
        `cell_budgets`: {cell index: (seconds, why)} of the cells stopped before the cell timeout
        (nnlab.graders.budgets.cell_budgets)."""
        return StudentProcess([], launcher=self.launcher(), capture=capture, call_timeout=self.call_timeout,
                              cell_timeout=self.cell_timeout, notebook_timeout=self.notebook_timeout,
                              cell_budgets=cell_budgets)


@atexit.register
def stop_launchers() -> None:
    """Stop every zygote this process started (a pool worker calls it on its own way out)."""
    for launcher in _launchers.values():
        launcher.stop()
    _launchers.clear()
