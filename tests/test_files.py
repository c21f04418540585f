"""The atomic write: the file is whole or the old one stays, whatever happens while writing."""
from __future__ import annotations

import os

import pytest

from nnlab.files import atomic_open, write_atomic


def test_a_file_is_replaced_whole(tmp_path):
    path = write_atomic(tmp_path / "deep" / "report.json", "first")
    assert path.read_text() == "first"
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.json"], "no temporary file is left"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask, "the mode open() would give, not mkstemp's 0600"


def test_an_error_while_writing_leaves_the_old_file_and_no_part(tmp_path):
    path = write_atomic(tmp_path / "grades.csv", "old,grades\n")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_open(path, "w", newline="") as out:
            out.write("new,half")
            raise RuntimeError("disk full")
    assert path.read_text() == "old,grades\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_only_whole_file_modes(tmp_path):
    with pytest.raises(ValueError, match="'a'"):
        with atomic_open(tmp_path / "x", "a"):
            pass
