"""The grader's side of the student's process.

`StudentProcess` starts the student's process (a new interpreter or a fork of a warm zygote:
see `launch`), sends it the notebook's first code cells, then forwards calls, and runs the next
cells when asked (`advance`): the graders see the process as the notebook left it at their cell.
Only plain data comes back (see `wire`). A cell that hangs or kills the interpreter is skipped
and the notebook is run again without it; a call that hangs or crashes fails that call only, and
the next call gets a fresh process. Every request is one message, {"op": ..., **fields}, made
in one place (`_send`); why the student's code could not answer is a `Failure`.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from nnlab.notebook_format import read_notebook, student_cells

from . import wire
from .launch import LaunchError, SpawnLauncher
from .sandbox import Sandbox

# A cell interrupted once for running too long gets only this long when the notebook is rerun
# after a crash, so one endless loop is not paid for again at every restart.
SLOW_CELL_TIMEOUT = 2.0
# The exception (child.OutOfBudget) a cell stopped by its budget ends with: its error reads
# "OutOfBudget: stopped after <seconds> s, <why>".
OUT_OF_BUDGET = "OutOfBudget"


@dataclass(frozen=True)
class Timeouts:
    """The seconds the student's process gets by default (`Grading`'s traits start from these)."""
    call: float = 30.0        # one call of a hidden grader into the student's code
    cell: float = 60.0        # one cell of the notebook
    notebook: float = 180.0   # the whole notebook, restarts included


class Failure(str, Enum):
    """Why the student's code could not answer: the `kind` of a StudentCodeError.

    The student's process names it with the plain string (its value); `Failure.of` reads that."""
    MISSING = "missing"    # the notebook defines no such name
    RAISED = "raised"      # the student's code raised an exception
    TYPE = "type"          # it returned something that is not plain data
    TIMEOUT = "timeout"    # it did not answer in time
    CRASHED = "crashed"    # it stopped the Python process
    START = "start"        # the process could not start at all (see StartError)
    PROTOCOL = "protocol"  # a message neither side understands

    @classmethod
    def of(cls, name) -> "Failure":
        """The failure the student's process named; PROTOCOL for a name it has no business sending."""
        try:
            return cls(name)
        except (ValueError, TypeError):
            return cls.PROTOCOL


class StudentCodeError(Exception):
    """The student's code could not answer (`kind` says why). The message is safe to show the student."""

    def __init__(self, kind: Failure, message: str):
        super().__init__(message)
        self.kind = kind


class StartError(StudentCodeError):
    """The student's process could not start (no student code ran); the message says why."""

    def __init__(self, reason: str):
        super().__init__(Failure.START, f"the student's process could not start: {reason}")


@dataclass
class NotebookRun:
    cell_errors: list[dict] = field(default_factory=list)
    skipped_cells: list[int] = field(default_factory=list)
    seconds: float = 0.0
    # with capture: {cell index: (execution count, nbformat outputs)}
    outputs: dict[int, tuple[int, list]] = field(default_factory=dict)
    cell_seconds: dict[int, float] = field(default_factory=dict)   # {cell index: seconds it ran}


class StudentProcess:
    def __init__(self, cells: list[tuple[int, str]], *, call_timeout: float = Timeouts.call,
                 cell_timeout: float = Timeouts.cell, notebook_timeout: float = Timeouts.notebook,
                 python: str = sys.executable, sandbox: Sandbox | None = None, launcher=None,
                 capture: bool = False, cell_budgets: dict[int, tuple[float, str]] | None = None):
        """`launcher`: how the process starts (default: a new interpreter in `sandbox`).
        `capture`: run the cells as a Jupyter kernel would and keep their outputs (`run.outputs`).
        `cell_budgets`: {cell index: (seconds, why)}, cells stopped before the cell timeout: such a
        cell's error says "stopped after <seconds> s, <why>"."""
        self.cells = cells
        self.cell_budgets = dict(cell_budgets or {})
        self.launcher = launcher or SpawnLauncher(sandbox or Sandbox(isolate=False), python)
        self.capture = capture
        self.call_timeout = call_timeout
        self.cell_timeout = cell_timeout
        self.notebook_timeout = notebook_timeout
        self.skipped: list[int] = []
        self.slow_cells: set[int] = set()  # interrupted once: a restart gives them little time
        self.run: NotebookRun | None = None
        self._proc = None  # a launch.PopenChild or launch.ZygoteChild
        self._workdir: str | None = None
        self._used = 0.0  # seconds spent running the notebook's cells (see _time_left)

    @classmethod
    def from_notebook(cls, path: Path, **options) -> "StudentProcess":
        return cls(student_cells(read_notebook(path)), **options)

    # -- life cycle --------------------------------------------------------------
    def __enter__(self) -> "StudentProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> NotebookRun:
        """Run the notebook's cells so far (`cells`) in a fresh process; cells that hang or crash are skipped."""
        began, left = time.monotonic(), self._time_left()
        try:
            while True:
                stuck = self._try_start(began + left)
                if stuck is None:
                    return self._finished()
                self.skipped.append(stuck)
        finally:
            self._used += time.monotonic() - began

    def advance(self, cells: list[tuple[int, str]]) -> NotebookRun:
        """Run the notebook's next `cells` after those it ran already, as a kernel runs the next
        cells of a notebook. A cell that hangs or crashes is skipped: the process starts again and
        runs every cell so far without it. Returns this step's run (of every cell so far, when
        the process had to start again)."""
        self.cells = [*self.cells, *cells]
        if self._proc is None or self._proc.poll() is not None:
            self._kill()
            return self.start()
        began = time.monotonic()
        try:
            fresh = [(i, src) for i, src in cells if i not in self.skipped]
            stuck = self._stream("advance", began + self._time_left(), started=True, cells=fresh)
            if stuck is None:
                return self._finished()
            self.skipped.append(stuck)
        finally:
            self._used += time.monotonic() - began
        return self.start()

    def _time_left(self) -> float:
        """What is left of the notebook's time: running its cells, restarts included (the graders'
        calls between its cells have their own timeout)."""
        return max(0.0, self.notebook_timeout - self._used)

    def _finished(self) -> NotebookRun:
        self.run.skipped_cells = list(self.skipped)
        return self.run

    def _spawn(self) -> None:
        self._workdir = self.launcher.workdir()
        cmd_r, self._cmd_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        log = os.path.join(self._workdir, "output.log")
        try:
            self._proc = self.launcher.launch(self._workdir, cmd_r, reply_w, log)
        except LaunchError as exc:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
            raise StartError(str(exc)) from None
        finally:
            os.close(cmd_r)
            os.close(reply_w)

    def _try_start(self, deadline: float) -> int | None:
        """Start once. Returns the index of a cell that hung or crashed, or None when ready."""
        self._spawn()
        cells = [(i, src) for i, src in self.cells if i not in self.skipped]
        budgets = [[index, seconds, why] for index, (seconds, why) in sorted(self.cell_budgets.items())]
        return self._stream("start", deadline, started=False, cells=cells, cell_timeout=self.cell_timeout,
                            capture=self.capture, slow_cells=sorted(self.slow_cells),
                            slow_timeout=min(SLOW_CELL_TIMEOUT, self.cell_timeout), cell_budgets=budgets)

    def _cell_limit(self, index: int | None) -> float:
        """The seconds cell `index` may run (its budget, else the cell timeout)."""
        budget = self.cell_budgets.get(index)
        return self.cell_timeout if budget is None else min(budget[0], self.cell_timeout)

    def _stream(self, op: str, deadline: float, started: bool, **fields) -> int | None:
        """Send cells to run (`op` "start" or "advance") and follow their progress until the process is
        ready again. Returns the index of a cell that hung or crashed (the process is gone), or None."""
        current = None
        try:
            self._send(op, deadline, **fields)
            while True:
                # The child interrupts a long cell itself; this deadline catches one that ignores it.
                message = wire.receive(self._reply_r, min(time.monotonic() + 1.5 * self._cell_limit(current) + 2,
                                                          deadline))
                if not isinstance(message, dict):  # the cell wrote into the channel itself
                    raise wire.WireError("not a message")
                if "cell_started" in message:
                    current = message["cell_started"]
                    continue
                if "cell_interrupted" in message:
                    self.slow_cells.add(message["cell_interrupted"])
                    continue
                if "cell_exhausted" in message:  # it ran out of memory: run again without it
                    self._kill()
                    return message["cell_exhausted"]
                errors = list(message.get("cell_errors", []))
                errors += [{"cell": i, "error": "skipped: it did not finish, ran out of memory or stopped the interpreter"}
                           for i in self.skipped]
                outputs = {index: (count, items) for index, count, items in message.get("outputs") or []}
                timings = {index: seconds for index, seconds in message.get("cell_seconds") or []}
                self.run = NotebookRun(sorted(errors, key=lambda e: e["cell"]), [], message.get("seconds", 0.0), outputs,
                                       timings)
                return None
        except (TimeoutError, EOFError, BrokenPipeError, wire.WireError):
            start_failure = getattr(self._proc, "start_failure", None)
            if not started and current is None and start_failure is not None:
                # not one cell started: the process may never have come up (bwrap, the interpreter)
                failure = start_failure()
                if failure is not None:
                    self._kill()
                    raise StartError(failure) from None
            self._kill()
            if current is None or time.monotonic() > deadline:
                raise StudentCodeError(Failure.TIMEOUT, "the notebook did not run to its end in time") from None
            return current

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
        for fd in ("_cmd_w", "_reply_r"):
            try:
                os.close(getattr(self, fd))
            except (AttributeError, OSError):
                pass
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def close(self) -> None:
        """Ask the student's process to exit, then make sure it is gone."""
        if self._proc is not None:
            try:
                self._send("exit")
            except OSError:
                pass
        self._kill()

    # -- requests: two primitives, every call one line over them -----------------------------
    def _send(self, op: str, deadline: float | None = None, **fields) -> None:
        """Send the student's process the message {"op": op, **fields}: the only place one is made."""
        wire.send(self._cmd_w, {"op": op, **fields}, deadline=deadline)

    def _request(self, op: str, timeout: float | None = None, **fields) -> dict:
        """Send `op` with `fields` and return the reply; StudentCodeError when the student's code
        could not answer. A process that is gone is started again first (the notebook so far)."""
        if self._proc is None or self._proc.poll() is not None:
            if self._proc is not None:  # it died: clean up once (its fds are closed here, not twice)
                self._kill()
            self._used = 0.0  # a grader's call lost the process: the notebook so far gets its time again
            self.start()
        timeout = timeout or self.call_timeout
        deadline = time.monotonic() + timeout
        try:
            self._send(op, deadline, **fields)
            reply = wire.receive(self._reply_r, deadline)
        except TimeoutError:
            self._kill()
            raise StudentCodeError(Failure.TIMEOUT, f"did not return within {timeout:g} s") from None
        except (EOFError, BrokenPipeError):
            # the student's code may have closed the channel and still be running
            code = self._proc.wait(2.0) if self._proc else None
            self._kill()
            how = ("closed its channel" if code is None else
                   f"signal {-code}" if code < 0 else f"exit code {code}")
            raise StudentCodeError(Failure.CRASHED, f"stopped the Python process ({how})") from None
        except wire.WireError as exc:
            self._kill()
            raise StudentCodeError(Failure.TYPE, f"sent back something that is not plain data ({exc})") from None
        if not isinstance(reply, dict) or "ok" not in reply:
            self._kill()  # the real reply may still follow: never read it as the next call's
            raise StudentCodeError(Failure.TYPE, "sent back something that is not plain data")
        if not reply["ok"]:
            raise StudentCodeError(Failure.of(reply.get("kind", "raised")), str(reply.get("error", "failed")))
        return reply

    def call(self, name: str, *args, keep: bool = False, timeout: float | None = None, **kwargs):
        """`name(*args, **kwargs)` in the student's process: plain data back (a Handle if `keep`)."""
        return self._request("call", timeout, name=name, args=list(args), kwargs=kwargs, keep=keep)["value"]

    def call_with_args(self, name: str, *args, **kwargs):
        """Like `call`, and also the arguments as the student's function left them: (value, args)."""
        reply = self._request("call", name=name, args=list(args), kwargs=kwargs, return_args=True)
        return reply["value"], list(reply["args"])

    def call_method(self, handle: wire.Handle, method: str, *args, keep: bool = False,
                    timeout: float | None = None, **kwargs):
        """`method(*args, **kwargs)` of the object `handle` names in the student's process, as `call`."""
        return self._request("call", timeout, handle=handle.ident, method=method, args=list(args), kwargs=kwargs,
                             keep=keep)["value"]

    def get(self, name: str, keep: bool = False):
        """The value of a top-level name of the notebook (a Handle if `keep`)."""
        return self._request("get", name=name, keep=keep)["value"]

    def recipe(self, recipe: str, *args, timeout: float | None = None):
        """The runner's recipe `recipe` (see recipes.py) run on `args` in the student's process."""
        return self._request("recipe", timeout, recipe=recipe, args=list(args))["value"]
