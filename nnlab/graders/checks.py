"""Checks the graders apply to what comes back from the student's process.

Values arrive as plain data (see nnlab.runner.wire): Python numbers, lists, tuples and
numpy arrays built by the grader. `AnswerTypeError` messages are safe to show the student;
plain assertion messages may contain expected values and are kept for the instructor.
"""
from __future__ import annotations

import numpy as np


class AnswerTypeError(AssertionError):
    """The student's function returned the wrong kind of value. Safe to show the student."""


def number(value, what: str) -> float:
    """A real number (Python int/float; numpy scalars arrive as those; a 0-d array is accepted)."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype != bool:
        return float(value)
    if type(value) not in (int, float):
        raise AnswerTypeError(f"{what} should return a number, got {_kind(value)}")
    return float(value)


def array(value, what: str, shape: tuple | None = None) -> np.ndarray:
    """A numeric numpy array, optionally of a given shape."""
    if not isinstance(value, np.ndarray) or value.dtype == bool:
        raise AnswerTypeError(f"{what} should return a numpy array of numbers, got {_kind(value)}")
    if shape is not None and value.shape != tuple(shape):
        raise AnswerTypeError(f"{what} should return an array of shape {tuple(shape)}, got shape {value.shape}")
    return value.astype(np.float64)


def pair(value, what: str) -> tuple:
    if type(value) not in (tuple, list) or len(value) != 2:
        raise AnswerTypeError(f"{what} should return a pair (a, b), got {_kind(value)}")
    return tuple(value)


def close(actual, expected, what: str, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    assert np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True), \
        f"{what}: got {actual}, expected {expected}"


def unchanged(before, after, what: str) -> None:
    """The student's `what` left an input as it was given. `after` is that argument as the call left
    it (from `call_with_args`, or the "arrays" of a `call_strictly` reply); it must hold the values of
    `before`, NaN where `before` held NaN. None (the argument did not come back) counts as changed."""
    assert after is not None and _same_values(before, after), f"{what} must not modify its inputs"


def _same_values(before, after) -> bool:
    before, after = np.asarray(before), np.asarray(after)
    try:
        return bool(np.array_equal(before, after, equal_nan=True))
    except TypeError:  # values that cannot be NaN-tested (objects, strings): compared as they are
        return bool(np.array_equal(before, after))


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"
