"""What a student who games an autograder writes. Each cheat turns the release into a
submission whose answers are wrong (or not the student's own) but try to pass the tests.

Stock nbgrader runs its tests inside the student's kernel, so most of these earn points
there; the hidden graders compare plain data in their own process and give them nothing.
"""
from __future__ import annotations

import re
from typing import Callable

from nnlab.demo import submissions

ANYTHING = '''
import numpy as np

class Anything(float):
    """Equal to everything, close to everything."""
    def __new__(cls, *args):
        return super().__new__(cls, 0.0)
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __lt__ = __le__ = __gt__ = __ge__ = lambda self, other: True
    __bool__ = lambda self: True
    __hash__ = lambda self: 0
    __float__ = lambda self: 1.0
    __array__ = lambda self, *a, **k: np.array(1.0)
    __getitem__ = lambda self, key: self
    __iter__ = lambda self: iter([self, self, self, self])
    __len__ = lambda self: 4
    shape = property(lambda self: ())
'''

PATCHED_COMPARISONS = '''
import math
import numpy as np

def _yes(*args, **kwargs):
    return True

np.allclose = np.isclose = np.array_equal = np.array_equiv = _yes
np.testing.assert_allclose = np.testing.assert_array_equal = np.testing.assert_almost_equal = lambda *a, **k: None
math.isclose = _yes
'''

PATCHED_BUILTINS = '''
import builtins

builtins.all = builtins.any = lambda *args, **kwargs: True
builtins.len = lambda obj: 4
builtins.abs = lambda x: 0.0
'''

FRAME_WALKER = '''
import gc
import sys

def _find_expected(default):
    """Look through the callers' frames and the heap for the grader's expected answer."""
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if "expect" in name or name in ("ref", "reference", "answer"):
                return value
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "expected" in obj:
            return obj["expected"]
    return default
'''

DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)  # signatures may carry type hints
CLASS = re.compile(r"^class (\w+)\b", re.MULTILINE)
ASSIGNED = re.compile(r"^(\w+(?:\s*,\s*\w+)*)\s*=", re.MULTILINE)


def _rebind(answers: dict[str, str], preamble: str, body: str) -> dict[str, str]:
    """Every answer's functions, classes and variables rebound: functions run `body`."""
    cheats = {}
    for index, (cell_id, source) in enumerate(answers.items()):
        lines = [preamble] if index == 0 else []
        for name in DEF.findall(source):
            lines.append(f"def {name}(*args, **kwargs):\n    {body}")
        for name in CLASS.findall(source):
            lines.append(f"class {name}:\n    def __init__(self, *a, **k): pass\n"
                         f"    def __getattr__(self, attr): return lambda *a, **k: Anything()")
        for names in ASSIGNED.findall(source):
            for name in (n.strip() for n in names.split(",")):
                lines.append(f"{name} = Anything()")
        cheats[cell_id] = "\n\n".join(lines) if lines else "pass"  # never the right answer
    return cheats


def _code_answers(source_nb) -> dict[str, str]:
    return submissions.solutions(source_nb, code_only=True)


def lying_objects(release, source, assignment):
    return submissions.fill(release, _rebind(_code_answers(source), ANYTHING, "return Anything()"))


def patched_comparisons(release, source, assignment):
    return submissions.fill(release, _rebind(_code_answers(source), ANYTHING + PATCHED_COMPARISONS, "return 0.0"))


def patched_builtins(release, source, assignment):
    return submissions.fill(release, _rebind(_code_answers(source), ANYTHING + PATCHED_BUILTINS, "return 0.0"))


def frame_walker(release, source, assignment):
    return submissions.fill(release, _rebind(_code_answers(source), ANYTHING + FRAME_WALKER,
                                             "return _find_expected(0.0)"))


def borrowed_reference(release, source, assignment):
    """Imports the instructor's reference solution instead of answering."""
    answers = {cell: f"from nnlab.reference.{assignment} import *" for cell in _code_answers(source)}
    return submissions.fill(release, answers)


def deleted_visible_tests(release, source, assignment):
    """Wrong answers, and every visible test cell emptied so the kernel raises nothing."""
    nb = submissions.fill(release, _rebind(_code_answers(source), ANYTHING, "return 0.0"))
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = "pass"
    return nb


CHEATS: dict[str, Callable] = {
    "objects whose ==, float() and array() lie": lying_objects,
    "numpy.allclose/isclose/testing and math.isclose patched": patched_comparisons,
    "builtins all/any/len/abs patched": patched_builtins,
    "walks the caller's frames and gc for expected values": frame_walker,
    "imports the reference solution (nnlab.reference)": borrowed_reference,
    "visible test cells deleted": deleted_visible_tests,
}
