"""One service per course, and so one gradebook writer: the service holds an exclusive lock on
`.nnlab/serve/service.lock` for its whole life; the commands that would write what it writes (`nnlab
grade`: the gradebook's grades; `nnlab import-lms`, `reveal-lms` and the pull of `sync-lms`: the folders
of submitted/ it grades) ask whether anyone holds it.

The lock is the kernel's (flock), so a service killed by any signal, SIGKILL included, leaves no lock
behind; the file only says who holds it. It is written in place, not through nnlab.files: the lock
belongs to the file's inode, which an atomic rename would replace.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from nnlab.course import Course, work_folder


class ServiceRunning(Exception):
    """Another service holds the course's lock: the message says which."""


def lock_path(course: Course) -> Path:
    return work_folder(course.root, "serve") / "service.lock"


class ServiceLock:
    """The course's service lock, held from `acquire()` to `release()` (or the process's end)."""

    def __init__(self, course: Course):
        self.path = lock_path(course)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ServiceRunning(_holder(self.path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S %Z")}).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # closing the file releases the lock
            self._fd = None


def running_service(course: Course) -> str | None:
    """Who runs `nnlab serve` for `course` (a sentence), None when no service holds its lock."""
    path = lock_path(course)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(path)
    finally:
        os.close(fd)
    return None


GRADES = "it alone writes this course's gradebook and grades each hand-in as it arrives"
SUBMITTED = ("it grades the folders of submitted/ as the hand-ins arrive, and a folder replaced or moved under it "
             "would be graded as another hand-in")


def refuse_while_serving(course: Course, why: str, doing: str) -> str | None:
    """Why a command must not do `doing` now (`why`: what the running service does), None when no service runs."""
    holder = running_service(course)
    if holder is None:
        return None
    return f"{holder}: {why}. Stop it first (e.g. `systemctl stop nnlab-serve`), {doing}, then start it again"


def _holder(path: Path) -> str:
    try:
        said = json.loads(path.read_text())
        return f"`nnlab serve` is running for this course (pid {said['pid']} on {said['host']}, since {said['since']})"
    except (OSError, ValueError, KeyError):
        return f"`nnlab serve` is running for this course (it holds {path})"
