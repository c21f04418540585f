"""The sandbox's fallback: without a working bubblewrap, student code still runs, with the limits
only, and the grader says so once; with it, nothing outside the allow-list exists.
(What the student's process can and cannot reach, as root and as an ordinary user: test_reach.py.)"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from nnlab.runner import sandbox
from nnlab.runner.launch import SpawnLauncher, ZygoteError, ZygoteLauncher
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.runner.student_process import Failure, StartError, StudentProcess


def test_without_bubblewrap_it_grades_with_limits_and_warns_once(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sandbox, "_bwrap", [None])
    monkeypatch.setattr(sandbox, "_warned", False)
    walls = Sandbox(Limits(memory_bytes=2 * 2**30))
    assert not walls.isolated
    assert walls.command(["python", "x.py"], tmp_path) == ["python", "x.py"]
    walls.command(["python", "x.py"], tmp_path)
    assert capsys.readouterr().err.count("WARNING: bubblewrap") == 1
    cells = [(0, "import resource\nlimit = resource.getrlimit(resource.RLIMIT_AS)[0]")]
    with StudentProcess(cells, sandbox=walls) as student:
        student.start()
        assert student.get("limit") == 2 * 2**30


def test_with_bubblewrap_a_folder_outside_the_allow_list_does_not_exist(tmp_path):
    (tmp_path / "secret.txt").write_text("the answers")
    walls = Sandbox()
    assert walls.isolated, "bubblewrap is installed by `make` on the test machines"
    cells = [(0, f"import os\nseen = os.path.exists({str(tmp_path)!r})")]
    with StudentProcess(cells, sandbox=walls) as student:
        student.start()
        assert student.get("seen") is False
    assert Path(tmp_path / "secret.txt").read_text() == "the answers"


# -- the interpreter: mounted by its real paths; one that cannot start says why --------------------

CHECK_PYTHON = [(0, "import sys, numpy\nprefix = sys.prefix\nfrom_numpy = float(numpy.ones(3).sum())")]


@pytest.mark.parametrize("launcher_class", [SpawnLauncher, ZygoteLauncher])
def test_a_venv_reached_through_a_link_is_mounted_by_its_real_path(tmp_path, launcher_class):
    venv = Path(sys.prefix)
    link = tmp_path / "venv-link"  # as when the project's .venv is a link to an environment elsewhere
    link.symlink_to(venv.resolve(), target_is_directory=True)
    python = link / "bin" / Path(sys.executable).name
    launcher = launcher_class(Sandbox(), python=str(python))
    try:
        with StudentProcess(CHECK_PYTHON, launcher=launcher) as student:
            assert student.start().cell_errors == []
            assert student.get("prefix") == str(venv.resolve())
            assert student.get("from_numpy") == 3.0
    finally:
        if isinstance(launcher, ZygoteLauncher):
            launcher.stop()


@pytest.mark.parametrize("isolate", [True, False])
def test_a_missing_interpreter_is_named_not_a_timeout(isolate):
    student = StudentProcess(CHECK_PYTHON, sandbox=Sandbox(isolate=isolate), python="/nonexistent/python3")
    with pytest.raises(StartError) as raised:
        student.start()
    assert raised.value.kind is Failure.START
    assert "could not start" in str(raised.value) and "/nonexistent/python3" in str(raised.value)
    assert "in time" not in str(raised.value)


def test_a_zygote_with_a_missing_interpreter_says_why():
    launcher = ZygoteLauncher(Sandbox(), python="/nonexistent/python3")
    with pytest.raises(ZygoteError, match="cannot execute the interpreter /nonexistent/python3: no such file"):
        StudentProcess(CHECK_PYTHON, launcher=launcher).start()
    launcher.stop()


def test_an_interpreter_that_dies_at_start_shows_its_last_words():
    """Python cannot even start in 8 MiB of address space: its own error is the reason given."""
    student = StudentProcess(CHECK_PYTHON, sandbox=Sandbox(Limits(memory_bytes=8 * 2**20)), notebook_timeout=30)
    began = time.monotonic()
    with pytest.raises(StartError) as raised:
        student.start()
    assert time.monotonic() - began < 20
    message = str(raised.value)
    assert message.startswith("the student's process could not start: ")
    assert len(message) > len("the student's process could not start: ") + 10, message


def test_the_course_package_installed_in_site_packages_is_empty_inside(monkeypatch, tmp_path):
    """A non-editable install puts nnlab (graders, reference solutions) into the venv the sandbox shows."""
    package = Path(sys.prefix).resolve() / "lib" / "nnlab-test-package"
    monkeypatch.setattr(sandbox, "COURSE_PACKAGE", package)
    command = Sandbox().command([sys.executable, "-I", "x.py"], tmp_path)
    at = command.index(str(package))
    assert command[at - 1] == "--tmpfs"
    assert command.index(str(Path(sys.prefix).resolve())) < at  # over the installation, not under it


LIMITS_SEEN = [(0, "import resource, signal\n"
                   "seen = [resource.getrlimit(getattr(resource, name)) for name in "
                   "('RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_NOFILE', 'RLIMIT_FSIZE', 'RLIMIT_CORE')]\n"
                   "xfsz_ignored = signal.getsignal(signal.SIGXFSZ) == signal.SIG_IGN")]


@pytest.mark.parametrize("launcher_class", [SpawnLauncher, ZygoteLauncher])
def test_both_launch_paths_give_the_student_the_same_limits(launcher_class):
    """One helper (child.lower_limits) sets them, before exec or after the zygote's fork."""
    limits = Limits(cpu_seconds=123, memory_bytes=2 * 2**30, open_files=99, file_size_bytes=5 * 2**20)
    launcher = launcher_class(Sandbox(limits))
    try:
        with StudentProcess(LIMITS_SEEN, launcher=launcher) as student:
            assert student.start().cell_errors == []
            assert student.get("seen") == [(v, v) for v in limits.rlimits().values()]
            assert student.get("xfsz_ignored") is True
    finally:
        if isinstance(launcher, ZygoteLauncher):
            launcher.stop()
