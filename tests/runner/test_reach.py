"""What a sandboxed student's process can reach (nnlab.runner.sandbox_view), on both launch paths,
as root and as an ordinary user.

The targets lie outside any course and outside /tmp (in /var/tmp), where a list of hidden
folders would have left them readable: another copy of the course, an nbgrader exchange with
another student's hand-in, a file only the grading user may read, /etc files, the project, and a
file in the host's /tmp. Each must be readable by the grading user outside the sandbox (checked
first: a probe of a missing file proves nothing) and missing inside. numpy, torch and matplotlib
still work inside, and the student writes nowhere but its scratch folder.
"""
from __future__ import annotations

import json
import os
import pwd
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import reach_helper

from nnlab.hostile import reach
from nnlab.runner.sandbox import Sandbox
from nnlab.runner.sandbox_view import STUDENT_UID, interpreter

PROJECT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).resolve().with_name("reach_helper.py")
LAUNCHERS = ["spawn", "zygote"]

pytestmark = pytest.mark.skipif(not Sandbox().isolated, reason="needs a working bubblewrap")


def _free_uid(start: int = 4242) -> int:
    """A uid no account uses: the ordinary grading user of the test."""
    uid = start
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


ORDINARY_UID = _free_uid()


@pytest.fixture(scope="module")
def planted():
    """{"shared": targets any user can read, "root"/"ordinary": each user's own 0600 file}."""
    base = Path(tempfile.mkdtemp(prefix="nnlab-reach-", dir="/var/tmp"))
    base.chmod(0o755)
    tag = secrets.token_hex(4)
    shared = [reach.plant_other_course(base, reach.tiny_source_notebook()),
              reach.plant_exchange_hand_in(base, "other_student", reach.tiny_source_notebook()),
              reach.plant_host_tmp(tag), PROJECT / "README.md"]
    for path in base.rglob("*"):  # readable by the ordinary user too (only what was planted here)
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    own = {"root": reach.plant_instructor_only(base / "root", owner=(os.getuid(), os.getgid())),
           "ordinary": reach.plant_instructor_only(base / "ordinary", owner=(ORDINARY_UID, ORDINARY_UID))}
    for user in own:
        (base / user).chmod(0o755)
    yield {"shared": shared, **own}
    shutil.rmtree(base, ignore_errors=True)
    reach.host_tmp_path(tag).unlink(missing_ok=True)


def _check_blocked(result: dict, targets: list[str], student_uid: int, grader_uid: int) -> None:
    assert result["unreadable_on_host"] == [], "a probe of a file the grader cannot read proves nothing"
    assert result["isolated"]
    assert result["cell_errors"] == []
    assert result["reached"] == {target: "missing" for target in targets}
    assert result["works"] == {"numpy": 2.0, "figure": True, "torch": True}
    assert result["uid"] == student_uid
    if student_uid == STUDENT_UID:
        assert result["gid"] == STUDENT_UID
    assert result["figure_owner"] == student_uid
    assert result["grader_uid"] == grader_uid
    assert all(outcome != "written" for outcome in result["writes"].values()), json.dumps(result["writes"])
    assert result["private_tmp"]


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_nothing_outside_the_allow_list_is_there_for_this_user(planted, launcher):
    """As whoever runs the tests (root on the test machines: the student then runs as nobody)."""
    mine = "root" if os.geteuid() == 0 else "ordinary"
    targets = [str(p) for p in [*planted["shared"], *reach.etc_targets()]]
    if mine == "root":
        targets.append(str(planted["root"]))
    assert reach.readable_on_host(targets) == []
    result = {"unreadable_on_host": [], **reach_helper.probe(launcher, targets)}
    student = STUDENT_UID if os.geteuid() == 0 else os.getuid()
    _check_blocked(result, targets, student, os.getuid())
    assert planted["shared"][2].read_text()  # the host's /tmp file is still there, untouched


@pytest.mark.skipif(os.geteuid() != 0, reason="becoming an ordinary user needs root")
@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_nothing_outside_the_allow_list_is_there_for_an_ordinary_user(planted, launcher, tmp_path):
    """The grader runs as an ordinary user (bwrap in an unprivileged user namespace): the student
    runs with that user's uid and sees the same allow-list."""
    home = Path(tempfile.mkdtemp(prefix="nnlab-reach-home-"))
    os.chown(home, ORDINARY_UID, ORDINARY_UID)
    try:
        etc = [p for p in reach.etc_targets(readable_by_me=False) if _others_can_read(p)]
        targets = [str(p) for p in [*planted["shared"], *etc, planted["ordinary"]]]
        request = json.dumps({"launcher": launcher, "targets": targets})
        done = _run_as(ORDINARY_UID, home, [sys.executable, str(HELPER), request])
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        _check_blocked(result, targets, ORDINARY_UID, ORDINARY_UID)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _others_can_read(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IROTH)


def _run_as(uid: int, home: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """`argv` run as `uid` (no groups), where folders that only root may enter (a pyenv under
    /root, a clone under /root) are opened to it in a private mount namespace of this run only."""
    script = [*_open_blocked_folders([*interpreter(sys.executable).folders, str(PROJECT)], home),
              shlex.join(["exec", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *argv])]
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": "/tmp"}
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-ec", "\n".join(script)],
                          capture_output=True, text=True, env=env, cwd=str(home), timeout=600)


def _open_blocked_folders(folders: list[str], scratch: Path) -> list[str]:
    """Shell commands that put a 0755 tmpfs over each folder others may not enter, holding only
    the way to `folders` (bound back from the real tree)."""
    ways: dict[str, set[str]] = {}
    for folder in folders:
        parts = Path(folder).parts
        for depth in range(2, len(parts)):
            above = Path(*parts[:depth])
            if not above.stat().st_mode & stat.S_IXOTH:
                ways.setdefault(str(above), set()).add(parts[depth])
                break
    commands = []
    for number, (blocked, children) in enumerate(ways.items()):
        stage = scratch / f".stage-{number}"
        for child in sorted(children):
            commands += [shlex.join(["mkdir", "-p", f"{stage}/{child}"]),
                         shlex.join(["mount", "--bind", f"{blocked}/{child}", f"{stage}/{child}"])]
        commands.append(shlex.join(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", blocked]))
        for child in sorted(children):
            commands += [shlex.join(["mkdir", f"{blocked}/{child}"]),
                         shlex.join(["mount", "--bind", f"{stage}/{child}", f"{blocked}/{child}"])]
    return commands
