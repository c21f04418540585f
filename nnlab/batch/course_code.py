"""The code that decides a grade, as one fingerprint: a grading worker elsewhere must run the
instructor's, or refuse the work.

A worker on another machine grades with its own copy of the course's code. If that copy is
older or newer than the instructor's (a grader fixed since, a runner changed), its scores would
silently differ from the ones the instructor's machine gives. So the instructor's side sends
this fingerprint with the work, and a worker whose own differs takes none of it
(nnlab.batch.cluster_worker), naming the parts that differ.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from nnlab.digest import file_digest, folder_digest

PACKAGE = Path(__file__).resolve().parent.parent
# the parts of nnlab whose code decides a grade or its feedback; the hidden graders themselves come
# from `Grading.graders_dir`, which a course may move out of the package
PARTS = {"engine": PACKAGE / "graders", "reference": PACKAGE / "reference", "runner": PACKAGE / "runner",
         "autograde": PACKAGE / "autograde"}
# libraries whose versions change the numbers a notebook computes
LIBRARIES = ("numpy", "torch", "matplotlib", "nbformat")


@dataclass(frozen=True)
class CourseCode:
    """A digest of each part of the code that decides a grade (sorted by name)."""
    parts: tuple[tuple[str, str], ...]

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(self.parts).encode()).hexdigest()

    def differences(self, other: "CourseCode") -> list[str]:
        """The names of the parts in which `other` differs from this."""
        mine, theirs = dict(self.parts), dict(other.parts)
        return sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))


def _python_files(folder: Path) -> str:
    """The digest of the Python files under `folder` (never their compiled copies)."""
    if not folder.is_dir():
        return f"missing: {folder}"
    return folder_digest(folder, lambda path: path.suffix == ".py" and "__pycache__" not in path.parts)


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def course_code(graders_dir: str | Path) -> CourseCode:
    """The fingerprint of this machine's course code, with the hidden graders in `graders_dir`."""
    parts = {name: _python_files(folder) for name, folder in PARTS.items()}
    parts["notebook_format"] = file_digest(PACKAGE / "notebook_format.py")
    parts["graders"] = _python_files(Path(graders_dir))
    parts["libraries"] = " ".join(f"{name}=={_version(name)}" for name in LIBRARIES) + f" python=={sys.version_info[:2]}"
    return CourseCode(tuple(sorted(parts.items())))
