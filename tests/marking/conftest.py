"""Fixtures of the marking tests: a course with a class's written answers (no grading run: the
hand-ins are written as autograded), and the browser of tests/browser/conftest.py (headless Debian
Chromium; the tests skip where it is not installed), loaded from that file by browser_helpers."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE)]

from browser_helpers import browser_conftest  # noqa: E402
from marking_course import make_course  # noqa: E402

browser = browser_conftest.browser          # the module's headless Chromium (skips where none is installed)


@pytest.fixture
def new_course(tmp_path, tmp_path_factory):
    """`new_course(answers)`: a course folder whose students handed in these answers."""
    base = tmp_path_factory.getbasetemp().parent

    def make(answers: dict[str, str], name: str = "course") -> Path:
        return make_course(base, tmp_path / name, answers)
    return make
