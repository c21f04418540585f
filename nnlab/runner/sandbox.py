"""The walls around a student's process: resource limits, and bubblewrap where it exists.

Limits (setrlimit, in the child before it starts): CPU time, address space, open files, size
of any file written, and a core dump size of 0. With bubblewrap (Debian's `bubblewrap`) the
process also gets no network, its own PID namespace (so every process it starts dies with it),
an empty /tmp with only its scratch folder, and empty folders where the course, the project,
the course secret and the instructor's home are; the Python installation stays readable.
Without bubblewrap it still runs, with the limits only, and says so once.
"""
from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
_warned = False


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 600
    memory_bytes: int = 3 * 2**30
    open_files: int = 256
    file_size_bytes: int = 64 * 2**20
    processes: int = 64          # through a pids cgroup where one can be made (as root)


@dataclass
class Sandbox:
    limits: Limits = field(default_factory=Limits)
    hidden: list[Path] = field(default_factory=list)   # folders the student must not see
    isolate: bool = True                                # use bubblewrap when it is installed

    @property
    def isolated(self) -> bool:
        """True when student processes run inside bubblewrap (their own PID namespace, /tmp, ...)."""
        return self.isolate and working_bwrap() is not None

    def command(self, argv: list[str], scratch: Path, read_only: list[Path] = ()) -> list[str]:
        """`argv` wrapped for the sandbox (unchanged when bubblewrap is not available).

        `scratch` is the one writable folder; `read_only` are folders inside it that stay read-only."""
        bwrap = working_bwrap() if self.isolate else None
        if bwrap is None:
            if self.isolate:
                _warn_once("bubblewrap (bwrap) is not installed or cannot make namespaces here: student code "
                           "runs with resource limits only, and can read the files of the user who grades "
                           "(apt-get install bubblewrap; allow unprivileged user namespaces)")
            return argv
        args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        keep = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent]
        for path in self.hidden:
            path = path.resolve()
            if path.exists() and path.is_dir():
                args += ["--tmpfs", str(path)]
        # the Python installation stays readable, also when it lives under a hidden folder or /tmp
        for path in keep:
            if any(_inside(path, hidden.resolve()) for hidden in [*self.hidden, Path("/tmp")]):
                args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(scratch), str(scratch)]
        for path in read_only:
            args += ["--ro-bind", str(path), str(path)]
        args += ["--chdir", str(scratch),
                 "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--new-session", "--"]
        return args + argv

    def preexec(self):
        """The function the child runs between fork and exec: its resource limits."""
        limits = self.limits

        def apply() -> None:
            _join_pids_cgroup(limits.processes)
            for name, value in [(resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_AS, limits.memory_bytes),
                                (resource.RLIMIT_NOFILE, limits.open_files),
                                (resource.RLIMIT_FSIZE, limits.file_size_bytes), (resource.RLIMIT_CORE, 0)]:
                _lower(name, value)
            # A write past the file size limit fails with an error instead of killing the process.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        return apply


_bwrap: list = []


def working_bwrap() -> str | None:
    """bwrap's path when it is installed and can make the sandbox's namespaces (checked once)."""
    if not _bwrap:
        path = shutil.which("bwrap")
        works = False
        if path:
            try:
                works = subprocess.run([path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "true"],
                                       capture_output=True, timeout=30).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                works = False
        _bwrap.append(path if works else None)
    return _bwrap[0]


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


def _lower(name: int, value: int) -> None:
    soft, hard = resource.getrlimit(name)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(name, (value, value))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(message)
        print(f"nnlab: WARNING: {message}", file=sys.stderr)


def default_hidden() -> list[Path]:
    """The project (graders, reference solutions, course files) and the instructor's home."""
    from nnlab.graders.keys import secret_path_from_environment

    project = Path(__file__).resolve().parents[2]
    hidden = [project, Path.home(), secret_path_from_environment().parent, Path(os.getcwd())]
    return [p for p in dict.fromkeys(hidden) if p != Path("/")]
