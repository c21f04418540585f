"""Real Unix users for the tests that need them (tests/exchange/test_owner.py, tests/hub/): students
and an instructor as separate accounts, as on a shared JupyterHub where each student is one, and
commands run as them with a clean environment.

Only root can make users; elsewhere `CAN_MAKE_USERS` is False and `WHY_NOT` says why, for the
tests' skip reason.

The project's Python may live where only root can enter (a pyenv under /root, as on the course's
test machines): then no other user can start it. Each command of another user, and a JupyterHub
that starts servers as them, runs in a private mount namespace where such a folder is a 0755
tmpfs holding only the way to the interpreter and the project, bound back from the real tree
(`open_namespace`); outside that run nothing changes."""
from __future__ import annotations

import atexit
import json
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

TOOLS = ("useradd", "userdel", "chpasswd", "setpriv", "unshare", "mount")
CAN_MAKE_USERS = os.geteuid() == 0 and all(shutil.which(tool) for tool in TOOLS)
WHY_NOT = f"needs root with {', '.join(TOOLS)}: real Unix users hand in as themselves"
PROJECT = Path(__file__).resolve().parents[1]
VENV_BIN = str(Path(sys.executable).parent)   # nbgrader runs `jupyter` and `alembic` by name


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: Path

    def environment(self, **extra: str) -> dict[str, str]:
        """What a login of this user starts with, the project's environment first on PATH; none of
        the test runner's own variables (root's HOME, JUPYTER_* folders) leak in but PYTHONPATH (the
        project's code, when it is run from another checkout than the environment's)."""
        kept = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
        return {"HOME": str(self.home), "USER": self.name, "LOGNAME": self.name, "LANG": "C.UTF-8",
                "PATH": os.pathsep.join([VENV_BIN, "/usr/local/bin", "/usr/bin", "/bin"]), **kept, **extra}

    def command(self, argv, env: dict[str, str] | None = None) -> list[str]:
        """The command line that runs `argv` as this user (started by root)."""
        return open_namespace(["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups",
                               "env", "-i", *(f"{k}={v}" for k, v in self.environment(**(env or {})).items()),
                               *argv])

    def folder(self, cwd: Path | None) -> Path:
        return cwd or (self.home if self.home.is_dir() else Path("/"))

    def start(self, *argv: str, log: Path, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.Popen:
        """`argv` started as this user in a process group of its own, its output into `log`."""
        with open(log, "wb") as out:
            return subprocess.Popen(self.command(argv, env), cwd=str(self.folder(cwd)), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def run(self, *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = False,
            timeout: float = 600, input: bytes | None = None) -> subprocess.CompletedProcess:
        """`argv` as this user (their uid, gid and groups), in `cwd` (default: their home, or / without one)."""
        done = subprocess.run(self.command(argv, env), cwd=str(self.folder(cwd)), capture_output=True,
                              timeout=timeout, input=input)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} as {self.name} failed (exit {done.returncode}):\n"
                               f"{done.stdout.decode(errors='replace')[-4000:]}\n"
                               f"{done.stderr.decode(errors='replace')[-4000:]}")
        return done

    def write_folder(self, folder: Path, files: dict[str, bytes]) -> None:
        """`folder` with `files` in it, made by this user (their uid and gid own them)."""
        script = ("import os, sys, json; os.mkdir(sys.argv[1]); "
                  "[open(os.path.join(sys.argv[1], n), 'wb').write(bytes.fromhex(d)) "
                  "for n, d in json.loads(sys.stdin.read()).items()]")
        payload = json.dumps({name: data.hex() for name, data in files.items()}).encode()
        self.run("python3", "-c", script, str(folder), input=payload, check=True)


def _closed_ancestor(path: Path) -> Path | None:
    """The outermost folder above `path` that others may not enter, if any."""
    for depth in range(2, len(path.parts)):
        above = Path(*path.parts[:depth])
        if not above.stat().st_mode & stat.S_IXOTH:
            return above
    return None


@lru_cache(maxsize=1)
def _opening_commands() -> tuple[str, ...]:
    """Shell commands (run as root in a fresh mount namespace) that open the way to the project's
    interpreter and to the project itself, through every folder others may not enter."""
    from nnlab.runner.sandbox_view import interpreter

    wanted = [Path(p) for p in (*interpreter(sys.executable).folders, str(PROJECT))]
    closed: dict[Path, list[Path]] = {}
    for path in wanted:
        above = _closed_ancestor(path)
        if above is not None:
            closed.setdefault(above, []).append(path)
    if not closed:
        return ()
    stage = Path(tempfile.mkdtemp(prefix="nnlab-open-", dir="/tmp"))   # root's own (0700)
    atexit.register(shutil.rmtree, stage, ignore_errors=True)   # empty here: the mounts live in the namespaces
    commands = ["umask 022"]
    for n, (above, inside) in enumerate(closed.items()):
        for m, path in enumerate(inside):
            commands += [shlex.join(["mkdir", "-p", f"{stage}/{n}-{m}"]),
                         shlex.join(["mount", "--bind", str(path), f"{stage}/{n}-{m}"])]
        commands.append(shlex.join(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(above)]))
        for m, path in enumerate(inside):
            commands += [shlex.join(["mkdir", "-p", str(path)]),
                         shlex.join(["mount", "--bind", f"{stage}/{n}-{m}", str(path)])]
    return tuple(commands)


def open_namespace(argv: list[str]) -> list[str]:
    """`argv` run (as root) in a private mount namespace where the project's interpreter and the
    project can be reached by every user: what it starts as another user can run them."""
    script = "\n".join([*_opening_commands(), "exec " + shlex.join(argv)])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", script]


def _account_change(argv: list[str], input: bytes | None = None, check: bool = True) -> None:
    """useradd, chpasswd or userdel, again while another one holds the account files' lock (the
    suite's workers make users at the same time; shadow's tools then fail at once, not wait)."""
    for _ in range(40):
        done = subprocess.run(argv, input=input, capture_output=True)
        if done.returncode == 0 or b"lock" not in done.stderr.lower():
            break
        time.sleep(0.25)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed (exit {done.returncode}): {done.stderr.decode(errors='replace')}")


def _add(name: str, homes: Path | None, password: str | None) -> User:
    command = ["useradd", "--shell", "/bin/sh", "--user-group"]
    command += ["--create-home", "--home-dir", str(homes / name)] if homes else ["--no-create-home"]
    _account_change([*command, name])
    if password is not None:
        _account_change(["chpasswd"], input=f"{name}:{password}\n".encode())
    account = pwd.getpwnam(name)
    home = Path(account.pw_dir)
    if homes:
        # Debian's useradd makes a home others may read (HOME_MODE unset, umask 022): nbgrader keeps
        # each hand-in's secret in the student's home (its cache), so homes must be private.
        home.chmod(0o700)
    return User(name, account.pw_uid, account.pw_gid, home)


@contextmanager
def unix_users(*roles: str, homes: Path | None = None, password: str | None = None) -> Iterator[dict[str, User]]:
    """One new user for each role (`{"ada": User(name="nnada1f2e3c", ...)}`), with a home under
    `homes` (mode 0700) when given and the `password` when given; all removed afterwards."""
    made: dict[str, User] = {}
    try:
        for role in roles:
            made[role] = _add(f"nn{role[:6]}{uuid.uuid4().hex[:6]}", homes, password)
        yield made
    finally:
        for user in made.values():
            _account_change(["userdel", "--force", user.name], check=False)


def shared_folder(prefix: str) -> Path:
    """A fresh folder every user can reach (pytest's own temporary folders are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    return folder


def stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM to the process group `process` leads (what it started too), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
