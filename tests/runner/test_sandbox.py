"""The sandbox's fallback: without a working bubblewrap, student code still runs, with the limits
only, and the grader says so once; with it, nothing outside the allow-list exists.
(What the student's process can and cannot reach, as root and as an ordinary user: test_reach.py.)"""
from __future__ import annotations

from pathlib import Path

from nnlab.runner import sandbox
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.runner.student_process import StudentProcess


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
