"""A hand-in made in another student's name is refused: real Unix users (root creates them, as on a
shared JupyterHub where each student is one), each writing into the exchange's inbound folder as
their own uid; `nbgrader collect` with the course's configuration then runs as the instructor."""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from nnlab.course import copy_course, run_nbgrader

A = "perceptron"
ROOT = os.geteuid() == 0 and shutil.which("useradd") is not None
pytestmark = pytest.mark.skipif(not ROOT, reason="needs root and useradd: real Unix users hand in as themselves")


@pytest.fixture(scope="module")
def users():
    """Two students as real users with names of their own (removed afterwards)."""
    names = [f"nnv{uuid.uuid4().hex[:6]}", f"nnm{uuid.uuid4().hex[:6]}"]
    for name in names:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    yield names
    for name in names:
        subprocess.run(["userdel", name], check=False)


def as_user(name: str, folder: Path, notebook: bytes) -> None:
    """`folder` with the notebook in it, made by the user `name` (their uid and gid)."""
    account = pwd.getpwnam(name)

    def become():
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    script = ("import os, sys; os.mkdir(sys.argv[1]); "
              "open(os.path.join(sys.argv[1], 'perceptron.ipynb'), 'wb').write(sys.stdin.buffer.read())")
    subprocess.run(["/usr/bin/env", "python3", "-c", script, str(folder)], input=notebook, check=True,
                   preexec_fn=become)


@pytest.fixture(scope="module")
def collected(users, tmp_path_factory):
    victim, mallory = users
    # an exchange every user can reach (pytest's own temporary folders are the instructor's alone)
    exchange = Path(tempfile.mkdtemp(prefix="nnlab-exchange-", dir="/tmp"))
    os.chmod(exchange, 0o755)
    inbound = exchange / "nnlab" / "inbound"
    inbound.mkdir(parents=True)
    os.chmod(exchange / "nnlab", 0o755)
    os.chmod(inbound, 0o733)   # nbgrader's layout: students write, only the instructor lists
    course = copy_course(tmp_path_factory.mktemp("owner") / "course")
    as_user(victim, inbound / f"{victim}+{A}+2026-12-07 10:00:00.000000 UTC+aaaa", b"the victim's own work")
    as_user(mallory, inbound / f"{victim}+{A}+2026-12-07 11:00:00.000000 UTC+bbbb", b"mallory's forgery")
    as_user(mallory, inbound / f"{mallory}+{A}+2026-12-07 10:30:00.000000 UTC+cccc", b"mallory's own work")
    done = run_nbgrader(course, "collect", A, env={"NNLAB_EXCHANGE": str(exchange)}, check=False)
    yield course, done, victim, mallory
    shutil.rmtree(exchange, ignore_errors=True)


def test_a_hand_in_in_another_students_name_is_refused_and_logged(collected):
    course, done, victim, mallory = collected
    assert done.returncode == 0, done.stderr
    assert (course / "submitted" / victim / A / f"{A}.ipynb").read_bytes() == b"the victim's own work"
    log = done.stdout + done.stderr
    assert f"names the student {victim} but was made by {mallory}" in log


def test_each_students_own_hand_in_is_collected(collected):
    course, _, victim, mallory = collected
    assert (course / "submitted" / mallory / A / f"{A}.ipynb").read_bytes() == b"mallory's own work"
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted([victim, mallory])
