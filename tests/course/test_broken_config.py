"""A course_config.py that fails to run stops nbgrader and nnlab alike: traitlets would log the error
and go on with nbgrader's defaults, running the students' notebooks in a Jupyter kernel as the
instructor, outside the sandbox."""
from __future__ import annotations

import shutil

import pytest

from nnlab.course import BrokenConfiguration, Course, copy_course, run_nbgrader

A = "perceptron"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("broken") / "course")
    submitted = course / "submitted" / "ada" / A
    submitted.mkdir(parents=True)
    shutil.copy(course / "release" / A / f"{A}.ipynb", submitted / f"{A}.ipynb")
    with open(course / "course_config.py", "a") as config:
        config.write("\nc.Grading.cell_timeout = undefined_name  # a typo\n")
    return course


def test_plain_nbgrader_refuses_to_grade_with_its_defaults(broken):
    done = run_nbgrader(broken, "autograde", A, check=False)
    assert done.returncode != 0
    assert "course_config.py fails to run (NameError: name 'undefined_name' is not defined)" in done.stderr
    assert not (broken / "autograded").exists(), "no notebook ran"


def test_nnlab_names_the_broken_configuration(broken):
    with pytest.raises(BrokenConfiguration, match="course_config.py fails to run .NameError"):
        Course.open(broken)


def test_a_working_configuration_still_loads(tmp_path):
    course = copy_course(tmp_path / "course")
    assert Course.open(course).course_id == "nnlab"
