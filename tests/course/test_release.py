"""release/ is what `nbgrader generate_assignment` makes of source/, and gives nothing away."""
from __future__ import annotations

import json
import re

import pytest

from nnlab.course import PROJECT_ROOT, available_assignments, copy_course, run_nbgrader

ASSIGNMENTS = available_assignments()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("course"), include_release=False)
    for assignment in ASSIGNMENTS:
        run_nbgrader(course, "generate_assignment", assignment, "--force")
    return course / "release"


def comparable(path):
    """The notebook without what changes from run to run (nothing, so far, but the language version)."""
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).pop("language_info", None)
    return nb


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_matches_source(regenerated, assignment):
    committed = PROJECT_ROOT / "release" / assignment / f"{assignment}.ipynb"
    assert committed.exists(), f"release/{assignment} is missing: run `make release`"
    assert comparable(committed) == comparable(regenerated / assignment / f"{assignment}.ipynb"), \
        f"release/{assignment} is out of date with source/{assignment}: run `make release` and commit"


def regions(text: str, begin: str, end: str) -> list[str]:
    return re.findall(rf"{begin}\n(.*?){end}", text, flags=re.DOTALL)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_and_no_hidden_test(assignment):
    source = json.loads((PROJECT_ROOT / "source" / assignment / f"{assignment}.ipynb").read_text())
    release_text = (PROJECT_ROOT / "release" / assignment / f"{assignment}.ipynb").read_text()
    release = json.loads(release_text)
    release_sources = "\n".join("".join(c["source"]) for c in release["cells"])
    for marker in ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]:
        assert marker not in release_sources
    secret_lines, public_lines = set(), set()
    for cell in source["cells"]:
        text = "".join(cell["source"])
        meta = cell["metadata"].get("nbgrader", {})
        hidden = regions(text, r"### BEGIN SOLUTION", r"\s*### END SOLUTION") + \
            regions(text, r"### BEGIN HIDDEN TESTS", r"### END HIDDEN TESTS")
        if cell["cell_type"] == "markdown" and meta.get("solution"):
            hidden.append(text)  # a manually graded answer: the model answer and its rubric
        public = text
        for block in hidden:
            secret_lines |= {line.strip() for line in block.splitlines() if len(line.strip()) > 25}
            public = public.replace(block, "")
        public_lines |= {line.strip() for line in public.splitlines()}
    secret_lines -= public_lines  # a line the student sees elsewhere anyway gives nothing away
    assert secret_lines, "the source should have solutions to hide"
    release_lines = {line.strip() for line in release_sources.splitlines()}
    leaked = sorted(secret_lines & release_lines)
    assert not leaked, f"solution or hidden-test lines in release/{assignment}: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_never_imports_the_course_package(assignment):
    for folder in ("source", "release"):
        text = (PROJECT_ROOT / folder / assignment / f"{assignment}.ipynb").read_text()
        assert not re.search(r"\b(import|from)\s+nnlab\b", text)
