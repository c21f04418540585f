"""Reach probes: files outside the course that a student's code must not read, and the code that tries.

The sandbox shows the student's process an allow-list (nnlab.runner.sandbox_view). These are
places a list of hidden folders misses: another copy of the course elsewhere on the machine,
an nbgrader exchange outside the course holding another student's hand-in, a file that only
the grading user may read, /etc files the student's code has no use for, and the host's /tmp.
The hostile corpus plants them next to its course and grades notebooks that probe them; the
runner's tests (tests/runner/test_reach.py) probe them through StudentProcess directly, as root
and as an ordinary user.

A probe proves something only when its target is there: `readable_on_host` says which are not.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

SOLUTION_MARKER = "### BEGIN " + "SOLUTION"
# /etc files a host has and a student's code has no use for (the sandbox shows none of them);
# those that exist are probed. /etc/shadow is readable by root only.
ETC_FILES = ("/etc/shadow", "/etc/hostname", "/etc/hosts", "/etc/os-release", "/etc/machine-id",
             "/etc/resolv.conf")
EXCHANGE_COURSE = "nnlab"
HAND_IN_TIME = "2024-05-02 09:00:00.000000 UTC"

# Student code: tries every path of REACH_TARGETS; leaves `reached` = {path: what it saw}
# ("missing", "denied: ...", "read N bytes") and prints the success marker for every file read.
REACH_PROBE = '''import os as _os
reached = {}
for _target in REACH_TARGETS:
    if not _os.path.lexists(_target):
        reached[_target] = "missing"
        continue
    try:
        with open(_target, "rb") as _handle:
            _data = _handle.read()
    except OSError as _error:
        reached[_target] = f"denied: {type(_error).__name__}"
        continue
    reached[_target] = f"read {len(_data)} bytes"
    print("LEAK" + "ED<<", _target, len(_data), ">>")
'''


def reach_probe(paths: list[str]) -> str:
    """Student code that tries to read each of `paths` (see REACH_PROBE)."""
    return f"REACH_TARGETS = {[str(p) for p in paths]!r}\n" + REACH_PROBE


def plant_other_course(base: Path, source_notebook: bytes, assignment: str = "perceptron") -> Path:
    """Another copy of the course under `base`: its source notebook, solutions and all."""
    path = base / "other-course" / "source" / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source_notebook)
    return path


def plant_exchange_hand_in(base: Path, student: str, notebook: bytes, assignment: str = "perceptron") -> Path:
    """Another student's hand-in, as `nbgrader submit` leaves it in an exchange under `base`."""
    folder = base / "exchange" / EXCHANGE_COURSE / "inbound" / f"{student}+{assignment}+{HAND_IN_TIME}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text(HAND_IN_TIME)
    path = folder / f"{assignment}.ipynb"
    path.write_bytes(notebook)
    return path


def plant_instructor_only(base: Path, owner: tuple[int, int] | None = None) -> Path:
    """A file only its owner (the grading user: `owner`, else whoever runs this) may read."""
    base.mkdir(parents=True, exist_ok=True)
    path = base / "instructor-only.txt"
    path.write_text("the instructor's notes: the answers of the exam\n")
    path.chmod(0o600)
    if owner is not None:
        os.chown(path, *owner)
    return path


def plant_host_tmp(tag: str) -> Path:
    """A file in the host's /tmp (the sandbox's /tmp is its own)."""
    path = host_tmp_path(tag)
    path.write_text("left in the host's /tmp by another process\n")
    path.chmod(0o644)
    return path


def host_tmp_path(tag: str) -> Path:
    return Path("/tmp") / f"nnlab-reach-{tag}.txt"


def etc_targets(readable_by_me: bool = True) -> list[Path]:
    """The /etc files of ETC_FILES this host has (and, by default, that this process can read)."""
    return [Path(p) for p in ETC_FILES if os.path.isfile(p) and (not readable_by_me or os.access(p, os.R_OK))]


def tiny_source_notebook() -> bytes:
    """A notebook with a solution cell: what another copy of the course holds."""
    cell = {"cell_type": "code", "execution_count": None, "id": "answer", "outputs": [],
            "metadata": {"nbgrader": {"grade_id": "answer", "solution": True, "grade": False,
                                      "locked": False, "schema_version": 3}},
            "source": f"{SOLUTION_MARKER}\nanswer = 42\n### END SOLUTION\n"}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def readable_on_host(paths: list[Path]) -> list[str]:
    """Which of `paths` this process cannot read (a probe of them would prove nothing)."""
    problems = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
    return problems
