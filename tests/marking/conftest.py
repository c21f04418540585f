"""Fixtures of the marking tests: a course with a class's written answers (no grading run: the
hand-ins are written as autograded), and the browser fixtures of tests/browser/conftest.py (a real
JupyterLab with nbgrader's and nnlab's extensions, Debian's Chromium), loaded from that file."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent / "browser")]

from marking_course import course_id, db_url, make_course  # noqa: E402

from nnlab.marking.store import Course  # noqa: E402


def _browser_conftest():
    spec = importlib.util.spec_from_file_location("nnlab_tests_browser_conftest", HERE.parent / "browser" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


browser_conftest = _browser_conftest()
browser = browser_conftest.browser          # the module's headless Chromium (skips where none is installed)


@pytest.fixture
def new_course(tmp_path, tmp_path_factory):
    """`new_course(answers)`: a course folder whose students handed in these answers."""
    base = tmp_path_factory.getbasetemp().parent

    def make(answers: dict[str, str], name: str = "course") -> Path:
        return make_course(base, tmp_path / name, answers)
    return make


def store_course(folder: Path) -> Course:
    return Course(folder, db_url(folder), course_id(folder))
