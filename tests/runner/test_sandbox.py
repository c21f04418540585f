"""The sandbox's fallback: without a working bubblewrap, student code still runs, with the limits
only, and the grader says so once."""
from __future__ import annotations

from pathlib import Path

from nnlab.runner import sandbox
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.runner.student_process import StudentProcess


def test_without_bubblewrap_it_grades_with_limits_and_warns_once(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sandbox, "_bwrap", [None])
    monkeypatch.setattr(sandbox, "_warned", False)
    walls = Sandbox(Limits(memory_bytes=2 * 2**30), hidden=[tmp_path])
    assert not walls.isolated
    assert walls.command(["python", "x.py"], tmp_path) == ["python", "x.py"]
    walls.command(["python", "x.py"], tmp_path)
    assert capsys.readouterr().err.count("WARNING: bubblewrap") == 1
    cells = [(0, "import resource\nlimit = resource.getrlimit(resource.RLIMIT_AS)[0]")]
    with StudentProcess(cells, sandbox=walls) as student:
        student.start()
        assert student.get("limit") == 2 * 2**30


def test_with_bubblewrap_the_hidden_folders_are_empty(tmp_path):
    (tmp_path / "secret.txt").write_text("the answers")
    walls = Sandbox(hidden=[tmp_path])
    assert walls.isolated, "bubblewrap is installed by `make` on the test machines"
    cells = [(0, f"import os\nseen = os.listdir({str(tmp_path)!r})")]
    with StudentProcess(cells, sandbox=walls) as student:
        student.start()
        assert student.get("seen") == []
    assert Path(tmp_path / "secret.txt").read_text() == "the answers"
