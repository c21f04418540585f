"""The class of the similarity tests (similarity_class.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from similarity_class import copied_pair_class, make_course


@pytest.fixture(scope="module")
def copied_class(tmp_path_factory) -> Path:
    """A course folder: ben copied ana's answers, cleo, dev and model wrote their own, fay and gus
    handed in the release untouched."""
    return make_course(tmp_path_factory.mktemp("course"), copied_pair_class())
