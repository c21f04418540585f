"""What a student who games stock nbgrader writes: every answer is an object that equals
anything, and the comparison helpers the visible tests use are patched to say yes."""
from __future__ import annotations

import re

PATCHES = '''
import builtins, math
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
    __array__ = lambda self, *a, **k: np.array(1.0)
    __getitem__ = lambda self, key: self
    __iter__ = lambda self: iter([self, self, self, self])
    __len__ = lambda self: 4
    shape = property(lambda self: ())

def _yes(*args, **kwargs):
    return True

np.allclose = np.isclose = np.array_equal = np.array_equiv = _yes
np.testing.assert_allclose = np.testing.assert_array_equal = np.testing.assert_almost_equal = lambda *a, **k: None
math.isclose = _yes
builtins.all = builtins.any = _yes
'''

DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)
CLASS = re.compile(r"^class (\w+)\b", re.MULTILINE)
ASSIGNED = re.compile(r"^(\w+(?:\s*,\s*\w+)*)\s*=", re.MULTILINE)


def cheating_answers(answers: dict[str, str]) -> dict[str, str]:
    """Replace every answer by the same names bound to Anything, with the patches in front."""
    cheats = {}
    for index, (cell_id, source) in enumerate(answers.items()):
        lines = [PATCHES] if index == 0 else []
        for name in DEF.findall(source):
            lines.append(f"def {name}(*args, **kwargs):\n    return Anything()")
        for name in CLASS.findall(source):
            lines.append(f"class {name}:\n    def __init__(self, *a, **k): pass\n"
                         f"    def __getattr__(self, attr): return lambda *a, **k: Anything()")
        for names in ASSIGNED.findall(source):
            for name in (n.strip() for n in names.split(",")):
                lines.append(f"{name} = Anything()")
        cheats[cell_id] = "\n\n".join(lines) if lines else source
    return cheats
