"""No hidden rules (course-spec 3.8): every hidden test has a hint, and every rule a hint names is
written in the student's notebook where the exercise is set.

A hidden test's hint is the first line of its docstring (what the feedback shows). When a hint
names a rule of one of the families below (empty inputs, integer inputs, inputs left unchanged, no
Python loop, no warning or overflow, a batch of one, a dtype), the release notebook must state that
rule in the text of the same question: the cells after the previous test cell up to and including
this test cell (markdown, the answer cell's docstring, the visible asserts), or in the notebook's
opening cells (before the first answer cell), where rules for every exercise are set.

So a new hidden test that checks, say, empty arrays must say so in its hint, and the test fails
until the exercise text says it too. A hint that names no family is fine: it then checks what the
exercise asks for in the first place.
"""
from __future__ import annotations

import ast
import re

import nbformat
import pytest

from nnlab.course import PROJECT_ROOT, available_assignments

GRADERS = PROJECT_ROOT / "nnlab" / "graders"

# family: (what in a hint names the rule, what in the exercise text states it)
RULES = {
    "empty inputs": (r"\bempty\b", r"\bempty\b"),
    "integer inputs": (r"\binteger\b|whole-number", r"\binteger\b|whole-number|whole number|\bints?\b"),
    "inputs left unchanged": (r"\bmodif|\bunchanged\b|inputs kept|leaves? \w+( and \w+)? (unchanged|alone)",
                              r"\bmodif|\bunchanged\b|must not change|never changes?|not change|leave \w+ alone"),
    "no Python loop": (r"\bloop\b", r"\bloops?\b"),
    "no warning": (r"\bwarning", r"\bwarning"),
    "no overflow": (r"\boverflow", r"\boverflow"),
    "a batch of one": (r"batch of one|single row|one row", r"batch of one|single row|one row|N = 1|`\(1, "),
    "float64": (r"float64", r"float64"),
    "float32": (r"float32", r"float32"),
}


def hidden_tests(assignment: str) -> list[tuple[str, str, str]]:
    """(test name, grade_id, hint) of every hidden test of an assignment, read with ast."""
    tree = ast.parse((GRADERS / assignment / f"test_{assignment}.py").read_text())
    tests = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "grade"):
                doc = (ast.get_docstring(node) or "").strip()
                tests.append((node.name, decorator.args[0].value, doc.splitlines()[0] if doc else ""))
    return tests


def question_texts(assignment: str) -> tuple[str, dict[str, str]]:
    """(the opening cells' text, {test cell grade_id: the text of its question}) of the release."""
    nb = nbformat.read(PROJECT_ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    opening, questions, current, started = [], {}, [], False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        started = started or bool(meta.get("solution"))
        if not started:
            opening.append(cell.source)
            continue
        current.append(cell.source)
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            questions[meta["grade_id"]] = "\n".join(current)
            current = []
    return "\n".join(opening), questions


CASES = [(a, *t) for a in available_assignments() for t in hidden_tests(a)]


def test_every_assignment_has_hidden_tests():
    assert {a for a, *_ in CASES} == set(available_assignments())


@pytest.mark.parametrize("assignment, name, cell, hint", CASES, ids=[f"{a}::{n}" for a, n, *_ in CASES])
def test_hint_names_a_rule_the_exercise_states(assignment, name, cell, hint):
    assert hint, f"{name} has no hint: give it a docstring whose first line names the rule it checks"
    opening, questions = question_texts(assignment)
    assert cell in questions, f"{name} scores {cell!r}, which is no test cell of release/{assignment}"
    text = re.sub(r"\s+", " ", opening + "\n" + questions[cell])  # a rule may break across lines
    missing = [family for family, (in_hint, in_text) in RULES.items()
               if re.search(in_hint, hint, re.IGNORECASE) and not re.search(in_text, text, re.IGNORECASE)]
    assert not missing, (f"{name}'s hint names a rule ({', '.join(missing)}) that release/{assignment} does not "
                         f"state for {cell}: state it where the exercise is set, or drop it from the grader\n"
                         f"hint: {hint}")


def test_the_rule_families_catch_an_unstated_rule():
    """The check itself: a hint about empty arrays in a question that never mentions them fails."""
    in_hint, in_text = RULES["empty inputs"]
    assert re.search(in_hint, "works on an empty array too") and not re.search(in_text, "x: an array (N, d)")
    in_hint, in_text = RULES["inputs left unchanged"]
    assert re.search(in_hint, "svm_loss leaves W, b, X and y unchanged") and re.search(in_text, "must not modify")
