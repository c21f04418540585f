"""The one-line diagnosis of a submitted folder: what stops a notebook from being graded, and
nothing for a notebook nbgrader grades (an nbformat 3 notebook is upgraded, not refused)."""
from __future__ import annotations

import nbformat

from nnlab.diagnose import diagnose_submission


def notebook(version: int) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    return nbformat.writes(nb, version=version)


def test_a_notebook_nbgrader_can_grade_has_no_problem(tmp_path):
    (tmp_path / "perceptron.ipynb").write_text(notebook(4))
    assert diagnose_submission(tmp_path, "perceptron", ["perceptron"]) == []


def test_an_nbformat_3_notebook_is_upgraded_not_refused(tmp_path):
    (tmp_path / "perceptron.ipynb").write_text(notebook(3))
    assert diagnose_submission(tmp_path, "perceptron", ["perceptron"]) == []


def test_a_broken_nbformat_3_notebook_is_named(tmp_path):
    (tmp_path / "perceptron.ipynb").write_text('{"nbformat": 3, "nbformat_minor": 0, "worksheets": "none"}')
    assert diagnose_submission(tmp_path, "perceptron", ["perceptron"]) == [
        "perceptron.ipynb is not an nbformat 4 notebook"]


def test_missing_and_unreadable_notebooks_are_named(tmp_path):
    (tmp_path / "Perceptron (1).ipynb").write_text(notebook(4))
    (tmp_path / "activations.ipynb").write_bytes(b'{"cells": [ not JSON')
    problems = diagnose_submission(tmp_path, "perceptron", ["perceptron", "activations"])
    assert problems[0] == "no perceptron.ipynb in the submission (found: Perceptron (1).ipynb, activations.ipynb)"
    assert problems[1].startswith("activations.ipynb is not a notebook (invalid JSON")
