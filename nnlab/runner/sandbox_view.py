"""What a student's process sees of the machine: an allow-list of bubblewrap mounts.

Nothing of the host's file tree is there unless it is named here: the system's programs and
libraries (/usr, read-only), the Python installation that runs the student's code (read-only,
by its real paths), a few files of /etc, its own /proc and /dev, an empty /tmp and its scratch
folder. Everything else (the course, the project, home folders, an nbgrader exchange, other
copies of the course, the host's /tmp) does not exist for it.

Where grading runs as root the student's code runs as STUDENT_UID, which owns nothing of the
course: bwrap keeps only the capabilities to change uid and gid, and `setpriv` (util-linux)
uses them to become that user, then drops every capability before Python starts.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

STUDENT_UID = 65534     # nobody/nogroup: owns no file of the course, the exchange or the project
STUDENT_NAME = "student"
SYSTEM_FOLDER = "/usr"
# On merged-/usr systems (Debian 12) these are links into /usr; elsewhere, real folders.
TOP_LEVEL_SYSTEM = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The /etc files the student's code needs (found by running numpy, torch and matplotlib in the
# sandbox with an empty /etc), and why each one:
ETC_FILES = (
    # the dynamic loader's index: libraries in folders named only in ld.so.conf.d (e.g.
    # /usr/local/cuda-*/lib, /usr/local/lib) load at all, and the others without a search
    "ld.so.cache",
    # time.localtime() and datetime.now() as in the instructor's kernel (else UTC)
    "localtime",
    # matplotlib asks `fc-list` for the system's fonts: without fontconfig's settings it prints
    # an error on stderr and matplotlib sees only its own fonts
    "fonts",
)
# passwd and group are made here, not the host's: they name root and the sandbox's user only
# (getpass.getuser(), which names torch's compile cache, fails for a uid without a name).


class SandboxError(RuntimeError):
    """The student's process cannot be started in the sandbox; the message says why."""


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter as the sandbox mounts it."""
    command: str                 # the path to execute (its folders' links resolved, so it exists inside)
    folders: tuple[str, ...]     # its installation: real paths, mounted read-only


INSTALLATION_QUERY = ("import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, "
                      "sys.base_exec_prefix]))")


@lru_cache(maxsize=None)
def interpreter(python: str) -> Interpreter:
    """`python` and the folders of its installation (asked once of the interpreter itself).

    The last part of the path keeps its link: a venv's `bin/python` is a link to the base
    interpreter, and Python finds the venv (pyvenv.cfg) from the path it was started by.
    Raises SandboxError naming the reason when it cannot run."""
    found = shutil.which(python) if os.sep not in python else python
    if not found or not os.path.exists(found):
        raise SandboxError(f"cannot execute the interpreter {python}: no such file")
    command = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(found))), os.path.basename(found))
    try:
        done = subprocess.run([command, "-I", "-c", INSTALLATION_QUERY], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"cannot execute the interpreter {python}: {exc}") from None
    if done.returncode != 0:
        raise SandboxError(f"cannot execute the interpreter {python}: {done.stderr.strip()[-500:] or done.returncode}")
    # Only the installation's own folders: a .pth entry (the course's editable install) stays out.
    candidates = [*json.loads(done.stdout), os.path.dirname(os.path.realpath(command)), os.path.dirname(command)]
    folders = []
    for path in dict.fromkeys(os.path.realpath(p) for p in candidates):
        if path == "/":
            raise SandboxError(f"the interpreter {python} is installed at /: the sandbox would show everything")
        if os.path.isdir(path):
            folders.append(path)
    return Interpreter(command, tuple(_outermost(folders)))


def _outermost(folders: list[str]) -> list[str]:
    """`folders` without those inside another one or inside /usr (mounted anyway)."""
    return [f for f in folders
            if not _inside(f, SYSTEM_FOLDER) and not any(_inside(f, other) and f != other for other in folders)]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Mounts:
    """bwrap arguments, in order, with every folder above a mount made world-traversable.

    bwrap makes missing parents with mode 0700 (as the user who runs it): a student running as
    another uid could not reach /root/.pyenv/... or /tmp/nnlab-zygote-.../work."""

    def __init__(self):
        self.args: list[str] = []
        self.made: set[str] = {"/"}

    def _parents(self, dest: str) -> None:
        parents = list(Path(dest).parents)[::-1]
        for parent in map(str, parents):
            if parent not in self.made:
                self.args += ["--perms", "0755", "--dir", parent]
                self.made.add(parent)

    def add(self, option: str, source: str | None, dest: str, perms: str | None = None) -> None:
        self._parents(dest)
        self.args += (["--perms", perms] if perms else []) + [option] + ([source] if source else []) + [dest]
        self.made.add(dest)


def student_view(python: Interpreter, scratch: Path, read_only: list[Path], course_package: Path) -> list[str]:
    """Every mount of the student's view, in order: the system, `python`'s installation, /etc,
    /proc and /dev, then `scratch` (writable) with `read_only` folders inside it."""
    mounts = Mounts()
    system_view(mounts)
    for folder in python.folders:
        mounts.add("--ro-bind", folder, folder)
    if any(_inside(str(course_package), folder) for folder in python.folders):
        # installed into site-packages (not editable): the graders and reference solutions
        # would be readable as files there, though never importable
        mounts.add("--tmpfs", None, str(course_package))
    etc_view(mounts, write_accounts(scratch / ".etc", *student_ids()))
    devices_view(mounts)
    mounts.add("--bind", str(scratch), str(scratch))
    for path in read_only:
        mounts.add("--ro-bind", str(path), str(path))
    # the sandbox's own root folder (and /etc in it) and /dev belong to the student where bwrap
    # runs unprivileged: nothing there is meant to change (/dev/shm, /tmp stay writable)
    return [*mounts.args, "--remount-ro", "/dev", "--remount-ro", "/"]


def system_view(mounts: Mounts) -> None:
    """/usr read-only, /bin, /lib, ... as on the host (links or read-only folders), an empty /tmp."""
    mounts.add("--tmpfs", None, "/tmp", perms="1777")
    mounts.add("--ro-bind", SYSTEM_FOLDER, SYSTEM_FOLDER)
    for top in TOP_LEVEL_SYSTEM:
        if os.path.islink(top):
            mounts.add("--symlink", os.readlink(top), top)
        elif os.path.isdir(top):
            mounts.add("--ro-bind", top, top)


def etc_view(mounts: Mounts, accounts: Path) -> None:
    """The few /etc files the student's code needs, and the passwd and group in `accounts`."""
    mounts.add("--dir", None, "/etc", perms="0755")
    for name in ETC_FILES:
        path = os.path.join("/etc", name)
        if os.path.exists(path):  # bound by what it points to (localtime is a link into /usr)
            mounts.add("--ro-bind", os.path.realpath(path), path)
    for name in ("passwd", "group"):
        mounts.add("--ro-bind", str(accounts / name), f"/etc/{name}")


def devices_view(mounts: Mounts) -> None:
    """Its own /proc (of its PID namespace), a minimal /dev with a private, writable /dev/shm."""
    mounts.add("--proc", None, "/proc")
    mounts.add("--dev", None, "/dev")
    # bwrap's /dev/shm is root's 0755 folder: multiprocessing and torch's shared memory need it writable
    mounts.add("--tmpfs", None, "/dev/shm", perms="1777")


def write_accounts(folder: Path, uid: int, gid: int) -> Path:
    """passwd and group naming only root and the sandbox's user, written into `folder` (made).

    Next to the scratch folder, not in a shared place: they go when the launcher's folder goes."""
    folder.mkdir(mode=0o755, exist_ok=True)
    users = {0: ("root", 0), uid: (STUDENT_NAME, gid)}
    groups = {0: "root", gid: STUDENT_NAME}
    (folder / "passwd").write_text("".join(f"{name}:x:{u}:{g}:{name}:/nonexistent:/usr/sbin/nologin\n"
                                           for u, (name, g) in users.items()))
    (folder / "group").write_text("".join(f"{name}:x:{g}:\n" for g, name in groups.items()))
    for name in ("passwd", "group"):
        (folder / name).chmod(0o644)
    return folder


def drops_to_student() -> bool:
    """Whether the student's code runs as STUDENT_UID (grading as root) rather than as the grading user."""
    return os.geteuid() == 0


def student_ids() -> tuple[int, int]:
    """(uid, gid) the student's code runs as."""
    return (STUDENT_UID, STUDENT_UID) if drops_to_student() else (os.getuid(), os.getgid())


def become_student(setpriv: str) -> tuple[list[str], list[str]]:
    """(bwrap options, command prefix) that make the sandboxed command run as STUDENT_UID.

    Run by real root, bwrap's own user namespace would map the student to host uid 0: instead bwrap
    keeps CAP_SETUID and CAP_SETGID only, and setpriv drops to STUDENT_UID, clears the groups, the
    inheritable and bounding capabilities, and forbids gaining privileges (set-uid programs)."""
    options = ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    prefix = [setpriv, f"--reuid={STUDENT_UID}", f"--regid={STUDENT_UID}", "--clear-groups",
              "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--pdeathsig=keep", "--"]
    return options, prefix


NAMESPACES = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox",
              "--die-with-parent", "--new-session"]
