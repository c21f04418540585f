"""The walls around a student's process: resource limits, and bubblewrap where it exists.

Limits (setrlimit, in the child before it starts): CPU time, address space, open files, size
of any file written, and a core dump size of 0. With bubblewrap (Debian's `bubblewrap`) the
process also gets no network, its own PID namespace (so every process it starts dies with it)
and an allow-list view of the file system (see sandbox_view): the system's libraries, the
Python installation, a few /etc files, an empty /tmp and its scratch folder, nothing else.
Grading as root, it runs as an unprivileged user (STUDENT_UID) that owns nothing of the course.
Without bubblewrap it still runs, with the limits only, and says so once.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .child import lower_limits
from .sandbox_view import (
    NAMESPACES,
    Mounts,
    SandboxError,
    become_student,
    devices_view,
    drops_to_student,
    interpreter,
    student_ids,
    student_view,
    system_view,
)

log = logging.getLogger(__name__)
COURSE_PACKAGE = Path(__file__).resolve().parents[1]   # nnlab: graders, reference solutions
_warned = False
__all__ = ["Limits", "Sandbox", "SandboxError", "working_bwrap", "release_pids_cgroup"]


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 600
    memory_bytes: int = 3 * 2**30
    open_files: int = 256
    file_size_bytes: int = 64 * 2**20
    processes: int = 64          # through a pids cgroup where one can be made (as root)

    def rlimits(self) -> dict[str, int]:
        """The setrlimit limits by resource name, in the order `child.lower_limits` sets them (no core dumps)."""
        return {"RLIMIT_CPU": self.cpu_seconds, "RLIMIT_AS": self.memory_bytes, "RLIMIT_NOFILE": self.open_files,
                "RLIMIT_FSIZE": self.file_size_bytes, "RLIMIT_CORE": 0}


@dataclass
class Sandbox:
    limits: Limits = field(default_factory=Limits)
    isolate: bool = True                                # use bubblewrap when it is installed

    @property
    def isolated(self) -> bool:
        """True when student processes run inside bubblewrap (their own PID namespace, /tmp, ...)."""
        return self.isolate and working_bwrap() is not None

    def command(self, argv: list[str], scratch: Path, read_only: list[Path] = ()) -> list[str]:
        """`argv` (a Python interpreter and its arguments) wrapped for the sandbox; unchanged
        without bubblewrap.

        `scratch` is the one writable folder; `read_only` are folders inside it that stay
        read-only. Raises SandboxError (naming the reason) when the interpreter cannot run."""
        bwrap = working_bwrap() if self.isolate else None
        if bwrap is None:
            if self.isolate:
                _warn_once("bubblewrap (bwrap) is not installed or cannot make namespaces here: student code "
                           "runs with resource limits only, and can read the files of the user who grades "
                           "(apt-get install bubblewrap; allow unprivileged user namespaces; as root, "
                           "util-linux's setpriv is needed too)")
            return argv
        python = interpreter(argv[0])
        view = student_view(python, Path(scratch), [Path(p) for p in read_only], COURSE_PACKAGE)
        options, prefix = _as_student()
        return [bwrap, *view, "--chdir", str(scratch), *NAMESPACES, *options, "--", *prefix, python.command, *argv[1:]]

    def give(self, folder: Path) -> None:
        """Make `folder` the student's own (it writes there): chown to the student's uid when the
        student's code runs as another user than the grader."""
        if self.isolated and drops_to_student():
            uid, gid = student_ids()
            os.chown(folder, uid, gid)

    def preexec(self):
        """The function the child runs between fork and exec: its pids cgroup and resource limits."""
        processes, rlimits = self.limits.processes, self.limits.rlimits()

        def apply() -> None:
            _join_pids_cgroup(processes)
            lower_limits(rlimits)
        return apply


_bwrap: list = []


def working_bwrap() -> str | None:
    """bwrap's path when it is installed and can make the sandbox's namespaces (checked once).

    As root, the check also drops to the student's uid, as every sandboxed command does."""
    if not _bwrap:
        path = shutil.which("bwrap")
        works = False
        if path and (not drops_to_student() or _setpriv()):
            mounts = Mounts()
            system_view(mounts)
            devices_view(mounts)
            options, prefix = _as_student()
            try:
                works = subprocess.run([path, *mounts.args, *NAMESPACES, *options, "--", *prefix, "true"],
                                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                works = False
        _bwrap.append(path if works else None)
    return _bwrap[0]


def _as_student() -> tuple[list[str], list[str]]:
    """(bwrap options, command prefix) of the switch to the student's uid; none as an ordinary user."""
    return become_student(_setpriv()) if drops_to_student() else ([], [])


def _setpriv() -> str | None:
    """util-linux's setpriv, when it lies under /usr (the sandbox sees only that)."""
    path = shutil.which("setpriv", path="/usr/bin:/usr/sbin:/bin:/sbin")
    return os.path.realpath(path) if path else None


PIDS_CGROUP = Path("/sys/fs/cgroup/pids")


def pids_cgroup(pid: int) -> Path:
    return PIDS_CGROUP / f"nnlab-{pid}"


def _join_pids_cgroup(processes: int) -> None:
    """Cap the number of processes of the student's process tree (a fork bomb stops there)."""
    group = pids_cgroup(os.getpid())
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(processes))
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        pass  # no writable pids controller: the PID namespace and the timeouts still end the tree


def release_pids_cgroup(pid: int) -> None:
    """Kill whatever the student's process left in its cgroup, then remove the cgroup."""
    group = pids_cgroup(pid)
    if not group.exists():
        return
    for _ in range(50):
        try:
            for member in (group / "cgroup.procs").read_text().split():
                os.kill(int(member), signal.SIGKILL)
            group.rmdir()
            return
        except ProcessLookupError:
            continue
        except OSError:
            time.sleep(0.02)


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(message)
        print(f"nnlab: WARNING: {message}", file=sys.stderr)
