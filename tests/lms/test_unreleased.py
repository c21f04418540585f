"""A course that hands its notebooks out through Moodle and never ran `nnlab release`: nbgrader's
gradebook has never heard of the assignment. `nnlab grade` adds it from source/, as
`nbgrader generate_assignment` would, leaves release/ as it is, and grades the class."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from cli_run import Run, nnlab  # tests/cli_run.py
from nbgrader.api import Gradebook

from nnlab.demo import submissions
from nnlab.demo.term import Student, Term

A = "perceptron"
ADDED = f"{A}: not in the gradebook (never released with nbgrader): added from source/{A}"


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Graded:
    term: Term
    release: dict[str, bytes]        # release/ before grading
    gradebook: bytes                 # the gradebook before grading
    dry: Run
    after_dry: bytes                 # the gradebook after the dry run
    run: Run


@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_config) -> Graded:
    """Two students' notebooks placed in submitted/ as `nnlab import-lms` places them (zoe right, ben the
    release untouched); release/ made with `--no-db`, so the gradebook holds the students only."""
    nothing = lambda a, release, source: None  # noqa: E731  (they hand in through Moodle)
    term = Term(tmp_path_factory.mktemp("moodle-term"), [A], extra_config=fast_config,
                students=[Student("zoe", "Zoë", "Ångström", "right answers", nothing),
                          Student("ben", "Ben", "Okafor", "the release untouched", nothing)])
    term.set_up()
    term.nbgrader("generate_assignment", A, "--no-db")   # the version uploaded to Moodle
    release = nbformat.read(term.course / "release" / A / f"{A}.ipynb", as_version=4)
    source = nbformat.read(term.course / "source" / A / f"{A}.ipynb", as_version=4)
    for student, work in {"zoe": submissions.correct(release, source), "ben": release}.items():
        folder = term.course / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_bytes(submissions.to_bytes(work))
        (folder / "timestamp.txt").write_text("2024-05-02 09:00:00.000000 UTC")
    released, gradebook = files(term.course / "release"), (term.course / "gradebook.db").read_bytes()
    dry = nnlab("grade", A, "--dry-run", "--course", term.course)
    after_dry = (term.course / "gradebook.db").read_bytes()
    run = nnlab("grade", A, "--workers", "2", "--course", term.course)
    return Graded(term, released, gradebook, dry, after_dry, run)


def test_grading_adds_the_assignment_from_source_and_grades_the_class(graded):
    run = graded.run
    assert run.code == 0, run.err
    assert ADDED in run.out.splitlines()
    assert run.out.index(ADDED) < run.out.index(f"$ nbgrader autograde {A}\n")
    assert "not graded" not in run.err
    with Gradebook("sqlite:///" + str(graded.term.course / "gradebook.db"), "nnlab") as gb:
        zoe, ben = gb.find_submission(A, "zoe"), gb.find_submission(A, "ben")
        assert zoe.code_score == pytest.approx(zoe.max_code_score) and zoe.max_code_score > 0
        assert ben.code_score == 0


def test_release_is_left_as_it_was_and_no_scratch_folder_stays(graded):
    assert files(graded.term.course / "release") == graded.release
    assert not list((graded.term.course / ".nnlab").glob("generated-*"))


def test_the_dry_run_says_it_would_add_the_assignment_and_changes_nothing(graded):
    dry = graded.dry
    assert dry.code == 0, dry.err
    assert (f"# {A}: not in the gradebook (never released with nbgrader): it would be added from source/{A}, "
            "release/ left as it is") in dry.out.splitlines()
    assert graded.after_dry == graded.gradebook
