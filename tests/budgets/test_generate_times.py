"""The model solution's cell times are written when an assignment is generated: by `nnlab release`
and by `nnlab new-assignment`, here for a scaffolded assignment in a temporary course, and kept out
of release/."""
from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest

from nnlab.cli import commands, new_assignment
from nnlab.cli.context import Course, Nbgrader
from nnlab.course import copy_course
from nnlab.graders.budgets import SolutionTimes, cell_key
from nnlab.scaffold import scaffold

NAME = "week_seven"


def course_in(tmp_path: Path, fast_config: str) -> Course:
    """A copy of the course (short limits) whose graders are in tmp/pkg/graders."""
    root = copy_course(tmp_path / "course", include_release=False)
    with open(root / "course_config.py", "a") as config:
        config.write("\n" + fast_config + f"c.Grading.graders_dir = {str(tmp_path / 'pkg' / 'graders')!r}\n")
    return Course.open(root)


def by_release(course: Course, tmp_path: Path) -> tuple[int, str]:
    """Scaffold the assignment, then `nnlab release --generate-only NAME`."""
    scaffold(course.folder, NAME, package_root=tmp_path / "pkg")
    course = Course.open(course.folder)
    args = argparse.Namespace(assignments=[NAME], generate_only=True, force=False)
    out = io.StringIO()
    with redirect_stdout(out):
        return commands.release(args, course, Nbgrader(course)), out.getvalue()


def by_new_assignment(course: Course, tmp_path: Path) -> tuple[int, str]:
    """`nnlab new-assignment NAME --package tmp/pkg`."""
    parser = argparse.ArgumentParser()
    new_assignment.add_arguments(parser)
    out = io.StringIO()
    with redirect_stdout(out):
        code = new_assignment.run(parser.parse_args([NAME, "--package", str(tmp_path / "pkg")]), course,
                                  Nbgrader(course))
    return code, out.getvalue()


@pytest.mark.parametrize("generate", [by_release, by_new_assignment], ids=["release", "new-assignment"])
def test_generating_an_assignment_writes_its_times(tmp_path, fast_config, generate):
    course = course_in(tmp_path, fast_config)
    target = course.solution_times(NAME, NAME)
    code, out = generate(course, tmp_path)
    assert code == 0, out
    assert f"budgets/{NAME}/{NAME}.json" in out
    times = SolutionTimes.load(target)
    source = nbformat.read(course.source(NAME) / f"{NAME}.ipynb", as_version=4)
    assert set(times.seconds) == {cell_key(c) for c in source.cells if c.cell_type == "code"}
    assert all(0 <= s < 5 for s in times.seconds.values())
    assert (course.release(NAME) / f"{NAME}.ipynb").is_file()
    assert not list(course.release(NAME).rglob("*.json")), "the times stay out of release/"
