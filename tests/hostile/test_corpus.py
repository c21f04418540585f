"""The hostile corpus (nnlab.hostile): every case graded once in one temporary course through
`nnlab grade`, then its expected outcome checked. The whole corpus runs once for the module
(several minutes); the checker itself is shown able to fail, on that run and on a grading
command that grades nobody and modifies a submitted file."""
from __future__ import annotations

import dataclasses
import sys

import pytest

from nnlab.hostile.corpus import (
    CASES,
    FULL,
    LEAK_MARKER,
    SOLUTION_MARKER,
    Check,
    Expect,
    by_name,
    full_before,
)
from nnlab.hostile.run import CorpusResult, check_case, run_check, run_corpus

P = "perceptron"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> CorpusResult:
    return run_corpus(tmp_path_factory.mktemp("hostile"))


def _unexpected(result: CorpusResult) -> str:
    stops = [f"batch stop: {a}: {r.stopped}" for a, r in result.runs.items() if r.stopped]
    return "\n".join(result.unexpected() + stops + result.changed_files)


# -- the figures -------------------------------------------------------------------------------

def test_the_corpus_is_large(corpus):
    assert corpus.tried == len(CASES) >= 30


def test_every_case_as_expected(corpus):
    assert corpus.as_expected == corpus.tried, _unexpected(corpus)


def test_no_batch_stop(corpus):
    assert corpus.batch_stops == 0, _unexpected(corpus)


def test_no_submitted_file_changed(corpus):
    assert corpus.files_changed == 0, corpus.changed_files


# -- a few facts, one by one -------------------------------------------------------------------

def test_os_exit_keeps_the_points_before_the_fault(corpus):
    cells = corpus.by_name()["os_exit"].cells
    before = full_before(P, "decision_boundary_x2")
    assert set(before) == {"test_step", "test_perceptron_output", "test_perceptron_update", "test_train_perceptron"}
    assert {cell: cells.get(cell) for cell in before} == before


@pytest.mark.parametrize("name", ["segfault", "sigkill_self", "deaf_loop", "deep_recursion"])
def test_dead_interpreters_cost_their_own_question_at_most(corpus, name):
    cells = corpus.by_name()[name].cells
    assert {c: cells.get(c) for c in FULL if c != "test_decision_boundary_x2"} == \
        {c: p for c, p in FULL.items() if c != "test_decision_boundary_x2"}


@pytest.mark.parametrize("name", [c.name for c in CASES if c.name.startswith("probe_")])
def test_probes_leaked_nothing(corpus, name):
    case = by_name([name])[0]
    graded = corpus.context.course / "autograded" / case.student / P / f"{P}.ipynb"
    assert graded.exists()
    text = graded.read_text()
    assert LEAK_MARKER not in text and SOLUTION_MARKER not in text
    assert corpus.context.secret and corpus.context.secret not in text
    result = corpus.by_name()[name]
    # the answers that only a leak could give scored nothing
    assert result.cells.get("test_decision_boundary_x2") in (0.0, 1.0)
    if case.expect.cells.get("test_decision_boundary_x2") == 0.0:
        assert result.cells["test_decision_boundary_x2"] == 0.0


def test_not_json_has_a_verdict_naming_the_file(corpus):
    result = corpus.by_name()["not_json"]
    assert any(f"{P}.ipynb" in line and "not a notebook" in line for line in result.lines), result.lines
    assert not result.graded


def test_cheats_score_nothing(corpus):
    for name in [c.name for c in CASES if c.name.startswith("cheat_")]:
        assert corpus.by_name()[name].total == 0.0, name


def test_nothing_comes_out_of_the_sealed_carry_forward_run(corpus):
    # the model answer printed, written, raised, returned and kept in the second judgement: none of it
    # in the notebook, the feedback or the grader report, and no score taken from that run's code;
    # a step left wrong on purpose costs its own points and gains nothing
    for name in ["carry_forward_model_out", "carry_forward_on_purpose"]:
        assert corpus.by_name()[name].ok, corpus.by_name()[name].reason


def test_the_moodle_import_refuses_dot_dot(corpus):
    for name in ["lms_zip_slip_entries", "lms_class_list_id"]:
        assert corpus.by_name()[name].ok, corpus.by_name()[name].reason


# -- the checker can fail ------------------------------------------------------------------------

def test_an_expectation_that_cannot_hold_is_reported(corpus):
    right = by_name(["correct"])[0]
    impossible = dataclasses.replace(right, expect=Expect(max_score=0.0, cells={"test_step": 0.0},
                                                          verdict="is not a notebook"))
    result = check_case(impossible, corpus.context)
    assert not result.ok
    assert "total 12 > 0" in result.reason
    assert "test_step=1.0 (expected 0)" in result.reason
    assert "no verdict line with 'is not a notebook'" in result.reason
    # and the same case with its own expectation holds
    assert check_case(right, corpus.context).ok


def test_a_failing_check_is_reported(tmp_path):
    result = run_check(Check("always_fails", lambda folder: "it wrote outside", "a check that fails"), tmp_path)
    assert not result.ok and result.reason == "it wrote outside"
    crashed = run_check(Check("crashes", lambda folder: 1 / 0, "a check that raises"), tmp_path)
    assert not crashed.ok and "ZeroDivisionError" in crashed.reason


SABOTAGE = """
import pathlib, sys
course = pathlib.Path(sys.argv[sys.argv.index("--course") + 1])
for notebook in sorted(course.glob("submitted/*/*/*.ipynb"))[:1]:
    notebook.write_text(notebook.read_text() + " ")
"""


def test_a_grader_that_grades_nobody_and_changes_a_file_is_caught(tmp_path):
    cases = by_name(["correct", "control_last", "not_json"])
    result = run_corpus(tmp_path, cases, grade_command=[sys.executable, "-c", SABOTAGE], feedback_command=None)
    assert result.tried == 3 and result.as_expected == 0
    assert result.batch_stops == 1
    assert result.files_changed == 1 and result.changed_files[0].startswith("changed: ")
    reasons = result.by_name()
    assert "no autograded notebook" in reasons["correct"].reason
    assert "no verdict line" in reasons["not_json"].reason
    assert not result.passed
