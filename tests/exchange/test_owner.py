"""A hand-in made in another student's name is refused: real Unix users (root creates them, as on a
shared JupyterHub where each student is one), each writing into the exchange's inbound folder as
their own uid; `nbgrader collect` with the course's configuration then runs as the instructor."""
from __future__ import annotations

import shutil

import pytest
from unix_users import CAN_MAKE_USERS, WHY_NOT, shared_folder, unix_users  # tests/unix_users.py

from nnlab.course import copy_course, run_nbgrader

A = "perceptron"
pytestmark = pytest.mark.skipif(not CAN_MAKE_USERS, reason=WHY_NOT)


@pytest.fixture(scope="module")
def users():
    """Two students as real users with names of their own (removed afterwards)."""
    with unix_users("victim", "mallory") as made:
        yield made


@pytest.fixture(scope="module")
def collected(users, tmp_path_factory):
    victim, mallory = users["victim"].name, users["mallory"].name
    exchange = shared_folder("nnlab-exchange-")
    inbound = exchange / "nnlab" / "inbound"
    inbound.mkdir(parents=True)
    (exchange / "nnlab").chmod(0o755)
    inbound.chmod(0o733)   # nbgrader's layout: students write, only the instructor lists
    course = copy_course(tmp_path_factory.mktemp("owner") / "course")

    def hand_in(user, folder_name, notebook):
        user.write_folder(inbound / folder_name, {f"{A}.ipynb": notebook})
    hand_in(users["victim"], f"{victim}+{A}+2026-12-07 10:00:00.000000 UTC+aaaa", b"the victim's own work")
    hand_in(users["mallory"], f"{victim}+{A}+2026-12-07 11:00:00.000000 UTC+bbbb", b"mallory's forgery")
    hand_in(users["mallory"], f"{mallory}+{A}+2026-12-07 10:30:00.000000 UTC+cccc", b"mallory's own work")
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
