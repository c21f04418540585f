"""The course on disk: where the project lives, copies of it, and running nbgrader there."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets import List, Unicode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COURSE_FILES = ["course_config.py", "nbgrader_config.py"]


class Course(CourseDirectory):
    """The course on disk: nbgrader's CourseDirectory (root, course_id, db_url, format_path) and the
    course's list of assignments. Built from the course's nbgrader_config.py (`Course.open`)."""
    assignments = List(Unicode(), help="The course's assignments in teaching order (the one list; "
                                       "`nnlab new-assignment` adds to it)").tag(config=True)

    @classmethod
    def open(cls, folder: Path = PROJECT_ROOT) -> "Course":
        """The course of `folder`, configured by its nbgrader_config.py as nbgrader configures it."""
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
        return cls(config=config)


def available_assignments(root: Path = PROJECT_ROOT) -> list[str]:
    """Assignments whose source notebook exists, in course order."""
    listed = Course.open(root).assignments
    return [a for a in listed if (Path(root) / "source" / a / f"{a}.ipynb").exists()]


def notebook_names(root: Path, assignment: str) -> list[str]:
    """The notebook names of an assignment of the course at `root` (from source/, else release/)."""
    for folder in ("source", "release"):
        names = sorted(p.stem for p in (Path(root) / folder / assignment).glob("*.ipynb"))
        if names:
            return names
    return [assignment]


def copy_course(dest: Path, root: Path = PROJECT_ROOT, include_release: bool = True) -> Path:
    """A fresh course folder at `dest` with the configuration, source/ and (optionally) release/."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(root / name, dest / name)
    folders = ["source"] + (["release"] if include_release else [])
    for folder in folders:
        if (root / folder).exists():
            shutil.copytree(root / folder, dest / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def nbgrader_command() -> str:
    """The nbgrader of this environment (next to the running interpreter)."""
    candidate = Path(sys.executable).with_name("nbgrader")
    return str(candidate) if candidate.exists() else "nbgrader"


def nbgrader_environment(env: dict | None = None) -> dict:
    """The environment nbgrader needs: it runs `alembic` and `jupyter` by name, next to this interpreter."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), full_env.get("PATH", "")])
    return full_env


def run_nbgrader(course: Path, *args: str, env: dict | None = None, check: bool = True,
                 cwd: Path | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` run from the course folder (so it reads that course's nbgrader_config.py)."""
    done = subprocess.run([nbgrader_command(), *args], cwd=str(cwd or course), env=nbgrader_environment(env),
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course} (exit {done.returncode}):\n"
                           f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done
