"""How a student process comes to life: a new interpreter each time, or a fork of a warm zygote.

`SpawnLauncher` starts `python -I child.py` in the sandbox for every student process: simple,
and it pays the interpreter start and every import of the student's notebook each time.
`ZygoteLauncher` starts a zygote once in the sandbox (`child.py --zygote`); every student process
is then a fork of it, with numpy, torch and matplotlib already imported (see zygote.py). Both give
a `Child`.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from .sandbox import Limits, Sandbox, SandboxError, release_pids_cgroup

RUNNER = Path(__file__).resolve().parent
RUNNER_FILES = ("child.py", "wire.py", "recipes.py", "capture.py", "zygote.py")  # what runs in the sandbox
ZYGOTE_START_TIMEOUT = 120.0


def child_environment(home: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NNLAB_", "JPY_", "JUPYTER_"))}
    env.update(HOME=home, MPLBACKEND="Agg", MPLCONFIGDIR=home, PYTHONDONTWRITEBYTECODE="1",
               PYTHONUNBUFFERED="1", IPYTHONDIR=os.path.join(home, ".ipython"))
    env.pop("PYTHONPATH", None)
    return env


def copy_runner(folder: Path) -> Path:
    """The runner files, copied: inside the sandbox the project folder does not exist."""
    runner = Path(folder) / ".runner"
    runner.mkdir(exist_ok=True)
    for name in RUNNER_FILES:
        shutil.copy(RUNNER / name, runner / name)
    return runner


class LaunchError(RuntimeError):
    """A student process could not be started at all; the message says why."""


def _why_not_started(exc: Exception, python: str) -> str:
    if isinstance(exc, SandboxError):
        return str(exc)
    return f"cannot execute the interpreter {python}: {getattr(exc, 'strerror', None) or exc}"


class PopenChild:
    def __init__(self, proc: subprocess.Popen, errors):
        """`errors`: the file that holds what the process wrote on stderr before it took its log."""
        self.proc = proc
        self.errors = errors

    def start_failure(self) -> str | None:
        """Why the process ended before it could serve (bwrap's or Python's last words), or None
        while it runs."""
        if self.wait(2.0) is None:
            return None
        self.errors.seek(0)
        said = self.errors.read().decode(errors="replace").strip()
        return said[-1500:] or f"it stopped with exit code {self.proc.returncode}"

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.errors.close()
        release_pids_cgroup(self.proc.pid)


class SpawnLauncher:
    def __init__(self, sandbox: Sandbox | None = None, python: str = sys.executable):
        self.sandbox = sandbox or Sandbox(isolate=False)
        self.python = python

    def workdir(self) -> str:
        path = tempfile.mkdtemp(prefix="nnlab-student-")
        self.sandbox.give(Path(path))
        return path

    def launch(self, workdir: str, cmd_r: int, reply_w: int, log: str) -> PopenChild:
        """Start `child.py` in the sandbox; LaunchError (naming the reason) when it cannot start."""
        runner = copy_runner(Path(workdir))
        argv = [self.python, "-I", str(runner / "child.py"), str(cmd_r), str(reply_w), log]
        # bwrap's and the interpreter's own errors come before the child takes its log: kept, for
        # a process that cannot start to say why
        errors = tempfile.TemporaryFile(prefix="nnlab-start-")
        try:
            proc = subprocess.Popen(
                self.sandbox.command(argv, Path(workdir)),
                pass_fds=(cmd_r, reply_w), cwd=workdir, env=child_environment(workdir),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                start_new_session=True, preexec_fn=self.sandbox.preexec(),
            )
        except (SandboxError, OSError) as exc:
            errors.close()
            reason = _why_not_started(exc, self.python)
            raise LaunchError(reason) from None
        return PopenChild(proc, errors)


class ZygoteError(RuntimeError):
    """The zygote could not start or stopped answering."""


class ZygoteChild:
    def __init__(self, zygote: "ZygoteLauncher", generation: int):
        self.zygote = zygote
        self.generation = generation
        self.status: int | None = None

    def _ask(self, message: dict, timeout: float) -> int | None:
        if self.status is not None:
            return self.status
        if self.zygote.generation != self.generation:
            self.status = -signal.SIGKILL  # the zygote died, and its students with it
            return self.status
        try:
            status = self.zygote.request(message, timeout)["status"]
        except ZygoteError:
            self.zygote.stop()
            status = -signal.SIGKILL
        if status is not None:
            self.status = status
        return status

    def poll(self) -> int | None:
        return self._ask({"op": "wait", "timeout": 0}, 10.0)

    def wait(self, timeout: float) -> int | None:
        return self._ask({"op": "wait", "timeout": timeout}, timeout + 10.0)

    def start_failure(self) -> str | None:
        return None  # a fork of a running zygote: it has started

    def kill(self) -> None:
        if self.zygote.generation == self.generation and self.zygote.alive():
            try:
                self.zygote.request({"op": "kill"}, 30.0)
            except ZygoteError:
                self.zygote.stop()


class ZygoteLauncher:
    """One warm zygote in the sandbox; `launch` forks a student process from it (one at a time)."""

    def __init__(self, sandbox: Sandbox | None = None, python: str = sys.executable,
                 environment: dict | None = None):
        """`environment`: variables the student processes get besides the clean defaults."""
        self.sandbox = sandbox or Sandbox(isolate=False)
        self.python = python
        self.environment = dict(environment or {})
        self.generation = 0
        self.proc: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.folder: Path | None = None
        self._names = itertools.count(1)

    # -- the zygote itself -------------------------------------------------------------
    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nnlab-zygote-"))
        # the student's uid (as root) must reach work/ and read .runner/, and write nothing else here
        self.folder.chmod(0o755)
        work = self.folder / "work"
        work.mkdir()
        self.sandbox.give(work)
        runner = copy_runner(self.folder)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [self.python, "-I", str(runner / "child.py"), "--zygote", str(theirs.fileno()), str(work)]
        if self.sandbox.isolated:
            argv.append("--own-pids")
        limits = Limits(**{**asdict(self.sandbox.limits), "cpu_seconds": 10**7})
        try:
            command = self.sandbox.command(argv, self.folder, read_only=[runner])
            self.proc = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), cwd=str(work),
                env={**child_environment(str(work)), **self.environment},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True, preexec_fn=Sandbox(limits=limits).preexec(),
            )
        except (SandboxError, OSError) as exc:
            theirs.close()
            ours.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            reason = _why_not_started(exc, self.python)
            raise ZygoteError(f"the student process server did not start: {reason}") from None
        theirs.close()
        self.control = ours
        self.generation += 1
        try:
            self._receive(ZYGOTE_START_TIMEOUT)
        except ZygoteError as exc:
            detail = self._stderr()
            self.stop()
            raise ZygoteError(f"the student process server did not start: {exc}{detail}") from None

    def _stderr(self) -> str:
        if self.proc is not None:
            try:  # it closed its end of the socket: give it a moment to be gone, and to have said why
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is None or self.proc.poll() is None:
            return ""
        return "\n" + self.proc.stderr.read().decode(errors="replace")[-2000:]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _receive(self, timeout: float) -> dict:
        self.control.settimeout(timeout)
        try:
            data = self.control.recv(65536)
        except (socket.timeout, OSError) as exc:
            raise ZygoteError(f"no answer ({exc})") from None
        if not data:
            raise ZygoteError("it stopped")
        return json.loads(data)

    def request(self, message: dict, timeout: float, fds: tuple = ()) -> dict:
        if not self.alive():
            raise ZygoteError("it is not running")
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        except OSError as exc:
            raise ZygoteError(f"cannot reach it ({exc})") from None
        return self._receive(timeout)

    def stop(self) -> None:
        if self.control is not None:
            try:
                self.control.send(json.dumps({"op": "exit"}).encode())
            except OSError:
                pass
            self.control.close()
            self.control = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc.stderr.close()
            release_pids_cgroup(self.proc.pid)
            self.proc = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # -- student processes -------------------------------------------------------------
    def workdir(self) -> str:
        if not self.alive():
            self.stop()
            self.start()
        path = self.folder / "work" / f"s{next(self._names)}"
        path.mkdir()
        self.sandbox.give(path)
        return str(path)

    def launch(self, workdir: str, cmd_r: int, reply_w: int, log: str) -> ZygoteChild:
        message = {"op": "fork", "workdir": workdir, "log": log, "limits": self.sandbox.limits.rlimits()}
        self.request(message, 30.0, fds=(cmd_r, reply_w))
        return ZygoteChild(self, self.generation)
