"""A hand-in as the exchange lists it, and what makes one impossible to grade. Every part of it is the
student's: its name, its time, its files (links, pipes, huge or broken notebooks). Nothing in it is
followed, opened before its type and size are known, or trusted to name a safe path."""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nnlab.diagnose import diagnose_submission

# what a student id must look like to become a folder name under submitted/ and feedback/
SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}")
SAFE_NOTEBOOK = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_. ()-]{0,99}")
SECRET_BYTES = 4096
MAX_NOTEBOOK_NAMES = 20


@dataclass(frozen=True)
class Listed:
    """One hand-in in the exchange's inbound."""
    student: str
    assignment: str
    timestamp: str          # as the student's nbgrader submit wrote it
    random: str             # the random tail nbgrader adds ("" without one)
    path: str               # its folder, when the exchange is a local folder ("" otherwise)

    @property
    def name(self) -> str:
        """The exchange's name of the hand-in: student+assignment+timestamp[+random]."""
        return f"{self.student}+{self.assignment}+{self.timestamp}{self.random}"

    def local(self) -> Path | None:
        path = Path(self.path) if self.path else None
        return path if path is not None and (path.is_dir() or path.is_symlink()) else None


def handed_in_at(timestamp: str) -> datetime | None:
    """The hand-in's time as UTC, None when it is no time at all."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(timestamp).replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def unsafe_name(listed: Listed) -> str:
    """Why the hand-in's student cannot be named in a path ("" when it can)."""
    if not SAFE_ID.fullmatch(listed.student):
        return f"its student id {listed.student!r} is not a plain name"
    return ""


def time_problem(listed: Listed, seen: float, skew_minutes: float) -> str:
    """Why the hand-in's time is impossible ("" when it is not): not a time, later than when it was seen,
    or earlier than its folder was made (each beyond `skew_minutes` of clock difference)."""
    at = handed_in_at(listed.timestamp)
    if at is None:
        return f"its time {listed.timestamp!r} is not a time"
    skew = skew_minutes * 60
    if at.timestamp() > seen + skew:
        return f"its time {listed.timestamp} is later than it arrived (at {shown_time(seen)})"
    folder = listed.local()
    if folder is not None and at.timestamp() < os.lstat(folder).st_ctime - skew:
        return f"its time {listed.timestamp} is earlier than its folder was made (at {shown_time(os.lstat(folder).st_ctime)})"
    return ""


def content_problems(folder: Path, assignment: str, notebooks: list[str], max_bytes: int) -> list[str]:
    """Why the hand-in's files cannot be graded: links, anything but files and folders, over `max_bytes`,
    a notebook missing or not a notebook. Empty when it can be graded."""
    if folder.is_symlink():
        return ["the hand-in is a link, not a folder"]
    links, odd, size = [], [], 0
    for directory, folders, files in os.walk(folder):   # os.walk follows no link
        for name in folders + files:
            path = os.path.join(directory, name)
            mode = os.lstat(path).st_mode
            shown = os.path.relpath(path, folder)
            if stat.S_ISLNK(mode):
                links.append(shown)
            elif stat.S_ISREG(mode):
                size += os.lstat(path).st_size
            elif not stat.S_ISDIR(mode):
                odd.append(shown)
    if links:
        return [f"it holds links ({', '.join(sorted(links)[:5])}): hand in your own files, not links"]
    if odd:
        return [f"it holds {', '.join(sorted(odd)[:5])}, which is not a file"]
    if size > max_bytes:
        return [f"it is {size / 1e6:.1f} MB, over the course's limit of {max_bytes / 1e6:.1f} MB"]
    return diagnose_submission(folder, assignment, notebooks)


def notebook_names(folder: Path | None, fallback: list[str]) -> list[str]:
    """The notebooks' names in the hand-in, as `nbgrader fetch_feedback` looks for their pages."""
    if folder is None or folder.is_symlink() or not folder.is_dir():
        return list(fallback)
    names = sorted(p.name[:-len(".ipynb")] for p in folder.iterdir() if p.name.endswith(".ipynb"))
    safe = [n for n in names if SAFE_NOTEBOOK.fullmatch(n)][:MAX_NOTEBOOK_NAMES]
    return safe or list(fallback)


def read_secret(folder: Path) -> str | None:
    """The hand-in's submission secret (which files its feedback in the exchange), None without a readable one."""
    path = folder / "submission_secret.txt"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        secret = os.read(fd, SECRET_BYTES).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    return secret if re.fullmatch(r"[0-9A-Za-z]{16,256}", secret) else None


def shown_time(at: float) -> str:
    """A time for the student: the service's local time with its zone."""
    return datetime.fromtimestamp(at).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
