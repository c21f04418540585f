"""bench/grader_keys.py, the sweep of the graders over many student keys: right verdicts pass, a
documented score the graders do not give is named, with the student and the cell."""
from __future__ import annotations

import dataclasses
import importlib.util
import sys

import pytest

from nnlab.course import PROJECT_ROOT
from nnlab.demo.mistakes import mistake_sets


@pytest.fixture(scope="module")
def keys():
    spec = importlib.util.spec_from_file_location("grader_keys", PROJECT_ROOT / "bench" / "grader_keys.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # the pool's workers find `grade` by its module's name
    spec.loader.exec_module(module)
    return module


def test_the_solution_gets_full_marks_for_every_student(keys, capsys):
    assert keys.main(["--students", "2", "--kinds", "solution", "perceptron"]) == 0
    out = capsys.readouterr().out
    assert "2 notebooks in" in out and "0 differ from the expected scores" in out and "DIFFERS" not in out


def test_a_score_the_graders_do_not_give_is_named(keys, capsys, monkeypatch):
    first, *others = mistake_sets("perceptron")
    earned = first.expected["test_step"]   # the strict threshold earns less than the whole question
    wrongly_documented = dataclasses.replace(first, expected={**first.expected, "test_step": 1.0})
    monkeypatch.setattr(keys, "mistake_sets", lambda assignment: [wrongly_documented, *others])
    keys.hand_ins.cache_clear()   # made again, from the patched sets
    assert keys.main(["--students", "1", "--kinds", "mistakes", "perceptron"]) == 1
    out = capsys.readouterr().out
    assert f"DIFFERS  perceptron / mistakes: {first.name} / student-000: test_step {earned:g} (expected 1)" in out
    assert out.count("DIFFERS") == 1 and "1 differ from the expected scores" in out


def test_kinds_are_checked(keys, capsys):
    with pytest.raises(SystemExit):
        keys.main(["--kinds", "solution,homework"])
    assert "--kinds: 'solution,homework' is not a list of solution, mistakes, cheat" in capsys.readouterr().err
