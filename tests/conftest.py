"""Settings every test shares."""
from __future__ import annotations

import pytest
from traitlets.config import Config

# Short limits for graded test courses: a student's endless loop costs seconds, not minutes, and a
# slow shared machine still runs an honest notebook (the pytorch training cells) well inside them.
FAST_GRADING = {"cell_timeout": 5.0, "call_timeout": 10.0, "notebook_timeout": 120.0}


@pytest.fixture(scope="session")
def fast_grading() -> Config:
    """The short limits as configuration (`Grading(config=fast_grading)`)."""
    return Config({"Grading": dict(FAST_GRADING)})


@pytest.fixture(scope="session")
def fast_config() -> str:
    """The short limits as lines of a course's course_config.py (`Term(extra_config=fast_config)`)."""
    return "".join(f"c.Grading.{name} = {value!r}\n" for name, value in FAST_GRADING.items())
