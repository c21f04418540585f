"""Hidden graders for the activations notebook. Points per test cell match the notebook.

Every call into the student's notebook goes through the runner's `call_strictly` recipe: it runs
the function with warnings (and numpy's overflow / invalid / divide-by-zero) raised as errors, as a
graded cell sees them under nbgrader, and reports the result's type, the array arguments as the
call left them and whether the result aliases an argument. Functions handed to
`numerical_derivative` and `autograd_derivative` are library functions (numpy.exp, torch.sin, ...)
imported inside the student's process and passed by handle: never the notebook's own functions, so
a mistake in an activation never costs the derivative tools.

One rule, one test: the value tests read what comes back for its values (`scalar`, `elementwise`:
a number, a 0-d array or a tensor for a number; any array, list or tensor with one value per
element of x), so that the form of an answer (a number for a number, a numpy array of x's shape),
a convention at 0 and an input left unchanged are each judged once, by the test that names them.
"""
import math

import numpy as np
import pytest
import torch

from nnlab.graders import checks
from nnlab.graders.library import library_object as library_function
from nnlab.reference import activations as ref

# Exact or near-exact on purpose: a correct answer computes the same float64 operations.
TIGHT = {"rtol": 1e-9, "atol": 1e-12}
HUGE = np.linspace(-1e4, 1e4, 401)  # |x| up to 1e4, 0 included (the spec's range for "numerically safe")
HUGE_BUT_ZERO = HUGE[HUGE != 0.0]  # where the convention at the kink is graded by its own test


# -- talking to the student's process ---------------------------------------------------------
def _call(student, name, *args, **kwargs) -> dict:
    return student.recipe("call_strictly", name, list(args), kwargs)


def _values(value, what: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise checks.AnswerTypeError(f"{what} should return numbers, got {checks._kind(value)}") from None


def scalar(student, name, *args, **kwargs) -> float:
    """name(..., x) for a number x, read for its value: a number, or a 0-d or one-element array or
    tensor (whether it is a number is judged by the question's test of the forms of its answers)."""
    reply = _call(student, name, *args, **kwargs)
    found = _values(reply["value"], f"{name}(x)")
    if found.size != 1:
        raise checks.AnswerTypeError(f"{name} of a number should return one number, got {found.size} values")
    return float(found.reshape(-1)[0])


def elementwise(student, name, x, *args, **kwargs) -> tuple[np.ndarray, dict]:
    """name(x, ...) for an array x, read for its values: one value per element of x (an array, a
    list or a tensor), in x's shape; also the full reply of the call. Whether it is a numpy array of
    x's shape is judged by the question's test of the forms of its answers."""
    reply = _call(student, name, x, *args, **kwargs)
    found = _values(reply["value"], f"{name}(x)")
    if found.size != np.size(x):
        raise checks.AnswerTypeError(f"{name}(x) should return one value per element of x ({np.size(x)}), "
                                     f"got {found.size}")
    return found.reshape(np.shape(x)), reply


def number_out(student, name, *args, **kwargs) -> None:
    """name(..., x) for a number x is a number (Python or numpy scalar), not an array or a tensor."""
    reply = _call(student, name, *args, **kwargs)
    if isinstance(reply["value"], np.ndarray) or reply["type"].startswith("torch."):
        raise checks.AnswerTypeError(f"{name} of a number should return a number, got {reply['type']}"
                                     " (a number in gives a number out: use scalar_or_array)")
    checks.number(reply["value"], f"{name}(x)")


def numpy_array_out(student, name, *args, shape, **kwargs) -> None:
    """name(..., x) for an array x is a numpy array of numbers of x's shape (`shape`)."""
    reply = _call(student, name, *args, **kwargs)
    if reply["type"] != "numpy.ndarray":
        raise checks.AnswerTypeError(f"{name} of an array should return a numpy array, got {reply['type']}")
    checks.array(reply["value"], f"{name}(x)", shape)


def check_forms(student, rng, names, first=(), **kwargs) -> None:
    """Each function of `names`, called as name(*first, x, **kwargs), gives a number for a number x
    (an int or a float) and a numpy array of x's shape for an array x."""
    for name in names:
        for x in (float(rng.uniform(0.5, 2.0)), -float(rng.uniform(0.5, 2.0)), int(rng.integers(1, 4))):
            number_out(student, name, *first, x, **kwargs)
        for x in (batch(rng, scale=1.5), rng.normal(size=(1, 4)) + 0.01):
            numpy_array_out(student, name, *first, x, shape=x.shape, **kwargs)


def inputs_kept(student, name, x, *args, **kwargs) -> None:
    """name(x, ...) leaves x unchanged; an answer with one value per element of x first (a function
    that does nothing keeps its input too)."""
    before = x.copy()
    _, reply = elementwise(student, name, x, *args, **kwargs)
    checks.unchanged(before, reply["arrays"][0], name)


def check_values(student, name, x, expected, **kwargs):
    """name(x) equals the reference for a number x (a number) or an array x (same shape)."""
    if np.ndim(x) == 0:
        checks.close(scalar(student, name, x, **kwargs), expected, f"{name}(x)", **TIGHT)
    else:
        checks.close(elementwise(student, name, x, **kwargs)[0], expected, f"{name}(x)", **TIGHT)


def _python_function(dotted: str):
    module_name, attribute = dotted.rsplit(".", 1)
    module = {"numpy": np, "torch": torch, "torch.nn.functional": torch.nn.functional}[module_name]
    return getattr(module, attribute)


# -- hidden inputs ----------------------------------------------------------------------------
def batch(rng, scale=3.0, min_abs=1e-3) -> np.ndarray:
    """A random array of a random shape (a vector, a matrix, a single row or 3-D), both signs always
    present and every element at least min_abs away from 0 (the kink of the rectifiers)."""
    shape = [(int(rng.integers(5, 12)),), (int(rng.integers(2, 6)), int(rng.integers(2, 6))),
             (1, int(rng.integers(3, 9))), (2, int(rng.integers(2, 4)), 3)][int(rng.integers(0, 4))]
    x = rng.normal(scale=scale, size=shape)
    x = np.where(np.abs(x) < min_abs, min_abs, x)
    flat = x.reshape(-1)
    flat[0], flat[-1] = -abs(flat[0]), abs(flat[-1])
    return x


def edge_shapes(rng, scale=3.0) -> list[np.ndarray]:
    """A single row, a single element, empty arrays and a 3-D array."""
    return [rng.normal(scale=scale, size=(1, 6)) + 0.01, np.array([-float(rng.uniform(0.5, 2.0))]),
            np.empty(0), np.empty((0, 3)), rng.normal(scale=scale, size=(2, 2, 2)) + 0.01]


def scalars(rng, scale=3.0, count=4) -> list[float]:
    """Random numbers of both signs, away from 0."""
    values = rng.uniform(0.05, 1.0, size=count) * scale * np.array([(-1.0) ** k for k in range(count)])
    return [float(v) for v in values]


# -- Question 1: identity and binary step (2 points) ------------------------------------------
@pytest.mark.grade("test_step_like", points=0.5)
def test_binary_step_at_and_around_zero(student, rng):
    """binary_step(0) is 1.0 (the threshold fires, -0.0 too), 0.0 left of 0"""
    for x in (0.0, -0.0, 0):
        assert scalar(student, "binary_step", x) == 1.0, "binary_step(0) should be 1"
    for x in (1e-300, -1e-300, 0.1, -0.1, 7, -3, 1e4, -1e4, *scalars(rng)):
        assert scalar(student, "binary_step", x) == ref.binary_step(x)
    grid = np.array([[-1.0, -0.0, 0.0], [1e-300, -1e-300, float(rng.uniform(1.0, 9.0))]])
    checks.close(elementwise(student, "binary_step", grid)[0], ref.binary_step(grid), "binary_step(x)")


@pytest.mark.grade("test_step_like", points=0.5)
def test_d_binary_step_undefined_at_zero(student, rng):
    """d_binary_step is nan at 0 (undefined at the jump) and 0.0 everywhere else, for numbers and arrays"""
    for x in (0.0, -0.0, 0):
        assert math.isnan(scalar(student, "d_binary_step", x)), "d_binary_step(0) should be nan"
    for x in (1e-6, -1e-6, 2, 1e4, -1e4, *scalars(rng)):
        assert scalar(student, "d_binary_step", x) == 0.0
    grid = batch(rng)
    grid.reshape(-1)[rng.integers(0, grid.size, size=2)] = 0.0
    checks.close(elementwise(student, "d_binary_step", grid)[0], ref.d_binary_step(grid), "d_binary_step(x)")


@pytest.mark.grade("test_step_like", points=0.25)
def test_identity_and_its_slope(student, rng):
    """identity(x) is x and d_identity(x) is 1 everywhere, for numbers and arrays of any shape"""
    for x in (2.5, -3, 0.0, *scalars(rng)):
        assert scalar(student, "identity", x) == x
        assert scalar(student, "d_identity", x) == 1.0
    for x in (batch(rng), *edge_shapes(rng), HUGE):
        checks.close(elementwise(student, "identity", x)[0], ref.identity(x), "identity(x)", rtol=0, atol=0)
        checks.close(elementwise(student, "d_identity", x)[0], ref.d_identity(x), "d_identity(x)", rtol=0, atol=0)


@pytest.mark.grade("test_step_like", points=0.25)
def test_identity_returns_new_array(student, rng):
    """identity returns a NEW array, never the input object itself (nor a view of it)"""
    for x in (batch(rng), rng.normal(size=(1, 5)), HUGE):
        _, reply = elementwise(student, "identity", x)
        assert not reply["aliased"], "identity must return a new array, not its input"


@pytest.mark.grade("test_step_like", points=0.25)
def test_step_arrays(student, rng):
    """binary_step and its derivative work elementwise on arrays of any shape (one row, empty, |x| up to 1e4)"""
    for x in (batch(rng), *edge_shapes(rng), HUGE_BUT_ZERO):
        for name in ("binary_step", "d_binary_step"):
            checks.close(elementwise(student, name, x)[0], getattr(ref, name)(x), f"{name}(x)", rtol=0, atol=0)


@pytest.mark.grade("test_step_like", points=0.125)
def test_step_like_inputs_kept(student, rng):
    """none of the four functions modifies its input array"""
    for name in ("identity", "d_identity", "binary_step", "d_binary_step"):
        inputs_kept(student, name, batch(rng))


@pytest.mark.grade("test_step_like", points=0.125)
def test_step_like_numbers_and_arrays(student, rng):
    """a number in gives a number out (not a 0-d array: use scalar_or_array), an array a numpy array of its shape"""
    check_forms(student, rng, ("identity", "d_identity", "binary_step", "d_binary_step"))


# -- Question 2: logistic, tanh, arctan (3 points) --------------------------------------------
@pytest.mark.grade("test_smooth", points=0.5)
def test_smooth_lecture_values(student):
    """logistic(0) = 1/2, d_logistic(0) = 1/4, d_tanh(0) = 1, arctan(1) = pi/4, d_arctan(1) = 1/2"""
    for name, x in [("logistic", 0.0), ("logistic", 2.0), ("d_logistic", 0.0), ("tanh", 0.5), ("tanh", 0.0),
                    ("d_tanh", 0.0), ("arctan", 1.0), ("d_arctan", 1.0), ("d_arctan", 0.0), ("logistic", 0),
                    ("d_logistic", 0), ("d_arctan", 1)]:
        checks.close(scalar(student, name, x), getattr(ref, name)(x), f"{name}(x)", **TIGHT)


@pytest.mark.grade("test_smooth", points=0.5)
def test_logistic_random(student, rng):
    """logistic and d_logistic = f(1 - f) on numbers and arrays of any shape"""
    for x in (batch(rng, scale=4.0), batch(rng, scale=4.0), *edge_shapes(rng), *scalars(rng, 6.0)):
        for name in ("logistic", "d_logistic"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_smooth", points=0.5)
def test_tanh_arctan_random(student, rng):
    """tanh, d_tanh = 1 - f^2, arctan and d_arctan = 1/(1 + x^2) on numbers and arrays of any shape"""
    for x in (batch(rng, scale=3.0), batch(rng, scale=3.0), *edge_shapes(rng), *scalars(rng, 5.0)):
        for name in ("tanh", "d_tanh", "arctan", "d_arctan"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_smooth", points=0.5)
def test_logistic_large_inputs(student, rng):
    """logistic(-1000) is exactly 0 and logistic(1000) exactly 1; no overflow, warning or nan for |x| up to 1e4"""
    assert scalar(student, "logistic", -1000.0) == 0.0
    assert scalar(student, "logistic", 1000.0) == 1.0
    far = float(rng.uniform(600.0, 700.0))
    checks.close(scalar(student, "logistic", -far), ref.logistic(-far), "logistic(x)", rtol=1e-9, atol=0)
    for x in (HUGE, rng.uniform(-1e4, 1e4, size=20), -1e4, 1e4):
        for name in ("logistic", "d_logistic"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_smooth", points=0.5)
def test_tanh_arctan_large_inputs(student, rng):
    """tanh, arctan and their derivatives stay finite and quiet for |x| up to 1e4 (f' fades to 0)"""
    for x in (HUGE, rng.uniform(-1e4, 1e4, size=20), -1e4, 1e4):
        for name in ("tanh", "d_tanh", "arctan", "d_arctan"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_smooth", points=0.25)
def test_smooth_inputs_kept(student, rng):
    """none of the six functions modifies its input array"""
    for name in ("logistic", "d_logistic", "tanh", "d_tanh", "arctan", "d_arctan"):
        inputs_kept(student, name, batch(rng))


@pytest.mark.grade("test_smooth", points=0.25)
def test_smooth_numbers_and_arrays(student, rng):
    """a number in gives a number out (not a 0-d array: use scalar_or_array), an array a numpy array of its shape"""
    check_forms(student, rng, ("logistic", "d_logistic", "tanh", "d_tanh", "arctan", "d_arctan"))


# -- Question 3: ReLU, PReLU, ELU, softplus (4 points) ----------------------------------------
RECTIFIERS = ("relu", "d_relu", "prelu", "d_prelu", "elu", "d_elu", "softplus", "d_softplus")


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_rectifier_conventions_at_zero(student, rng):
    """at x = 0 follow the lecture's table: d_relu(0) = d_prelu(0) = d_elu(0) = 1 (PyTorch uses 0), f(0) = 0"""
    alpha = float(rng.uniform(0.05, 0.2))
    for x in (0.0, -0.0, 0):
        for name in ("d_relu", "d_prelu", "d_elu"):
            assert scalar(student, name, x) == 1.0, f"{name}(0) should be 1"
        assert scalar(student, "d_prelu", x, alpha=alpha) == 1.0, "d_prelu(0) should be 1"
        assert scalar(student, "d_elu", x, alpha=2.0 + alpha) == 1.0, "d_elu(0) should be 1"
        for name in ("relu", "prelu", "elu", "softplus", "d_softplus"):
            checks.close(scalar(student, name, x), getattr(ref, name)(x), f"{name}(0)", **TIGHT)
    grid = batch(rng)
    grid.reshape(-1)[rng.integers(0, grid.size, size=3)] = 0.0
    for name in ("d_relu", "d_prelu", "d_elu"):
        checks.close(elementwise(student, name, grid)[0], getattr(ref, name)(grid), f"{name}(x)", **TIGHT)


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_rectifier_lecture_values(student):
    """prelu(-2) = -0.5, prelu(-2, alpha=0.1) = -0.2, elu(-1) = 1/e - 1, d_elu(-1, alpha=2) = 2/e, softplus(0) = ln 2"""
    cases = [("relu", -2.0, {}), ("relu", 3.0, {}), ("d_relu", -1.0, {}), ("d_relu", 2.0, {}),
             ("prelu", -2.0, {}), ("prelu", -2.0, {"alpha": 0.1}), ("prelu", 3.0, {"alpha": 0.1}),
             ("d_prelu", -1.0, {}), ("d_prelu", -1.0, {"alpha": 0.1}), ("elu", -1.0, {}), ("elu", 2.0, {}),
             ("d_elu", -1.0, {}), ("d_elu", -1.0, {"alpha": 2.0}), ("elu", -1.0, {"alpha": 2.0}),
             ("softplus", 0.0, {}), ("d_softplus", 0.0, {}), ("d_elu", -1, {}), ("relu", 5, {})]
    for name, x, kwargs in cases:
        checks.close(scalar(student, name, x, **kwargs), getattr(ref, name)(x, **kwargs), f"{name}(x)", **TIGHT)


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_relu_random(student, rng):
    """relu = max(0, x) and its derivative (0 left, 1 right) on numbers and arrays of any shape"""
    for x in (batch(rng), batch(rng), *edge_shapes(rng), *scalars(rng)):
        for name in ("relu", "d_relu"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_prelu_random(student, rng):
    """prelu and d_prelu with the default alpha = 0.25 and with any other alpha (positional or keyword)"""
    for x in (batch(rng), *edge_shapes(rng), *scalars(rng)):
        alpha = float(rng.uniform(0.01, 0.2))
        for name in ("prelu", "d_prelu"):
            check_values(student, name, x, getattr(ref, name)(x))
            check_values(student, name, x, getattr(ref, name)(x, alpha), alpha=alpha)
    x, alpha = batch(rng), float(rng.uniform(0.3, 0.9))
    for name in ("prelu", "d_prelu"):
        out = elementwise(student, name, x, alpha)[0]
        checks.close(out, getattr(ref, name)(x, alpha), f"{name}(x, alpha)", **TIGHT)


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_elu_random(student, rng):
    """elu and d_elu (f(x) + alpha on the left) with the default alpha = 1 and with any other alpha"""
    for x in (batch(rng), *edge_shapes(rng), *scalars(rng)):
        alpha = float(rng.uniform(0.1, 3.0))
        for name in ("elu", "d_elu"):
            check_values(student, name, x, getattr(ref, name)(x))
            check_values(student, name, x, getattr(ref, name)(x, alpha), alpha=alpha)
    x, alpha = batch(rng), float(rng.uniform(0.1, 3.0))
    for name in ("elu", "d_elu"):
        out = elementwise(student, name, x, alpha)[0]
        checks.close(out, getattr(ref, name)(x, alpha), f"{name}(x, alpha)", **TIGHT)


@pytest.mark.grade("test_rectifiers", points=0.5)
def test_softplus_random(student, rng):
    """softplus = ln(1 + e^x) and its derivative, the logistic function, on numbers and arrays of any shape"""
    for x in (batch(rng), batch(rng, scale=6.0), *edge_shapes(rng), *scalars(rng, 8.0)):
        for name in ("softplus", "d_softplus"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_rectifiers", points=0.25)
def test_elu_large_inputs(student, rng):
    """elu(1e4) = 1e4 and d_elu(1e4) = 1 with no overflow (np.where computes both sides), elu(-1e4) = -alpha"""
    alpha = float(rng.uniform(0.1, 3.0))
    for x in (HUGE_BUT_ZERO, rng.uniform(-1e4, 1e4, size=20), 1e4, -1e4, 1000.0):
        for name in ("elu", "d_elu"):
            check_values(student, name, x, getattr(ref, name)(x))
            check_values(student, name, x, getattr(ref, name)(x, alpha), alpha=alpha)


@pytest.mark.grade("test_rectifiers", points=0.25)
def test_softplus_large_inputs(student, rng):
    """softplus(1000) is exactly 1000 and softplus(-1000) is 0, with no overflow or warning for |x| up to 1e4"""
    assert scalar(student, "softplus", 1000.0) == 1000.0
    assert scalar(student, "softplus", -1000.0) == 0.0
    for x in (HUGE, rng.uniform(-1e4, 1e4, size=20), 1e4, -1e4):
        for name in ("softplus", "d_softplus"):
            check_values(student, name, x, getattr(ref, name)(x))


@pytest.mark.grade("test_rectifiers", points=0.25)
def test_rectifiers_inputs_kept(student, rng):
    """none of the eight functions modifies its input array, whatever alpha"""
    for name in RECTIFIERS:
        inputs_kept(student, name, batch(rng))
        if name in ("prelu", "d_prelu", "elu", "d_elu"):
            inputs_kept(student, name, batch(rng), float(rng.uniform(0.1, 2.0)))


@pytest.mark.grade("test_rectifiers", points=0.25)
def test_rectifiers_numbers_and_arrays(student, rng):
    """a number in gives a number out (not a 0-d array: use scalar_or_array), an array a numpy array of its shape"""
    check_forms(student, rng, RECTIFIERS)
    check_forms(student, rng, ("prelu", "d_prelu", "elu", "d_elu"), alpha=float(rng.uniform(0.1, 2.0)))


# -- Question 4: numerical_derivative and autograd_derivative (3 points) -----------------------
def derivative(student, tool, dotted, x, **kwargs):
    """tool(<library function>, x), read for its values: (a number, None) for a number x, else (the
    values in x's shape, the reply)."""
    fn = library_function(student, dotted)
    if np.ndim(x) == 0:
        return scalar(student, tool, fn, x, **kwargs), None
    reply = _call(student, tool, fn, x, **kwargs)
    found = _values(reply["value"], f"{tool}(f, x)")
    if found.size != np.size(x):
        raise checks.AnswerTypeError(f"{tool}(f, x) should return one value per element of x ({np.size(x)}), "
                                     f"got {found.size}")
    return found.reshape(np.shape(x)), reply


@pytest.mark.grade("test_derivative_tools", points=0.5)
def test_numerical_derivative_is_central(student, rng):
    """a central difference (f(x + h) - f(x - h)) / (2h) with the h it is given, one call per shift"""
    x = batch(rng, scale=1.5)
    for h in (0.1, float(rng.uniform(0.02, 0.3))):
        out, _ = derivative(student, "numerical_derivative", "numpy.exp", x, h=h)
        checks.close(out, ref.numerical_derivative(np.exp, x, h=h), "numerical_derivative", **TIGHT)
    h = float(rng.uniform(0.2, 0.7))
    out, _ = derivative(student, "numerical_derivative", "numpy.square", x, h=h)  # exact for a parabola
    checks.close(out, ref.numerical_derivative(np.square, x, h=h), "numerical_derivative", **TIGHT)
    at_kink, _ = derivative(student, "numerical_derivative", "numpy.abs", 0.0)
    assert at_kink == ref.numerical_derivative(np.abs, 0.0), "across a kink the central difference averages"
    value, _ = derivative(student, "numerical_derivative", "numpy.sin", float(x.reshape(-1)[0]), h=0.1)
    checks.close(value, ref.numerical_derivative(np.sin, float(x.reshape(-1)[0]), h=0.1), "numerical_derivative",
                 **TIGHT)


@pytest.mark.grade("test_derivative_tools", points=0.5)
def test_numerical_derivative_values(student, rng):
    """close to the true derivative of smooth functions (sin at 0.3 gives cos(0.3)), for numbers and arrays"""
    value, _ = derivative(student, "numerical_derivative", "numpy.sin", 0.3)
    checks.close(value, math.cos(0.3), "numerical_derivative(np.sin, 0.3)", rtol=1e-4)
    for dotted in ("numpy.exp", "numpy.tanh", "numpy.arctan"):
        f = _python_function(dotted)
        for x in (batch(rng, scale=1.5), *scalars(rng, 2.0, count=2), 2):
            out, _ = derivative(student, "numerical_derivative", dotted, x)
            checks.close(out, ref.numerical_derivative(f, x), f"numerical_derivative({dotted}, x)", rtol=1e-4)


@pytest.mark.grade("test_derivative_tools", points=0.25)
def test_numerical_derivative_edges(student, rng):
    """numerical_derivative handles a single row, an empty array, a 3-D array and |x| up to 1e4"""
    for x in (batch(rng), *edge_shapes(rng, scale=2.0), HUGE):
        out, _ = derivative(student, "numerical_derivative", "numpy.arctan", x)
        checks.close(out, ref.numerical_derivative(np.arctan, x), "numerical_derivative(np.arctan, x)", rtol=1e-4)


@pytest.mark.grade("test_derivative_tools", points=0.5)
def test_autograd_lecture_values(student):
    """sigmoid'(0) = 1/4, sin' = cos on an array, torch's relu' is 0 at 0 (unlike the lecture)"""
    value, _ = derivative(student, "autograd_derivative", "torch.sigmoid", 0.0)
    checks.close(value, 0.25, "autograd_derivative(torch.sigmoid, 0.0)", rtol=1e-12)
    value, _ = derivative(student, "autograd_derivative", "torch.square", 3)
    checks.close(value, 6.0, "autograd_derivative(torch.square, 3)", rtol=1e-12)
    cube_points = np.array([[-2.0, 0.5], [1.0, 3.0]])
    out, _ = derivative(student, "autograd_derivative", "torch.sin", cube_points)
    checks.close(out, ref.autograd_derivative(torch.sin, cube_points), "autograd_derivative(torch.sin, x)")
    kink = np.array([-1.0, 0.0, 2.0])
    out, _ = derivative(student, "autograd_derivative", "torch.relu", kink)
    checks.close(out, ref.autograd_derivative(torch.relu, kink), "autograd_derivative(torch.relu, x)")


@pytest.mark.grade("test_derivative_tools", points=0.5)
def test_autograd_float64(student, rng):
    """autograd_derivative computes in float64 and returns float64 values (float32 is not precise enough)"""
    for dotted in ("torch.exp", "torch.tanh", "torch.sin"):
        x = batch(rng, scale=2.0)
        out, reply = derivative(student, "autograd_derivative", dotted, x)
        if getattr(reply["value"], "dtype", np.float64) != np.float64:
            raise checks.AnswerTypeError(f"autograd_derivative should return float64 values, "
                                         f"got {reply['value'].dtype}")
        expected = ref.autograd_derivative(_python_function(dotted), x)
        checks.close(out, expected, f"autograd_derivative({dotted}, x)", rtol=1e-12, atol=1e-300)


@pytest.mark.grade("test_derivative_tools", points=0.25)
def test_autograd_shapes(student, rng):
    """arrays of any shape (a single row, empty, 3-D) give the derivative at every element"""
    for dotted in ("torch.exp", "torch.atan", "torch.nn.functional.softplus"):
        f = _python_function(dotted)
        for x in (batch(rng, scale=2.0), *edge_shapes(rng, scale=2.0)):
            out, _ = derivative(student, "autograd_derivative", dotted, x)
            checks.close(out, ref.autograd_derivative(f, x), f"autograd_derivative({dotted}, x)", rtol=1e-5)


@pytest.mark.grade("test_derivative_tools", points=0.25)
def test_derivative_tools_inputs_kept(student, rng):
    """numerical_derivative and autograd_derivative leave x unchanged"""
    for tool, dotted in (("numerical_derivative", "numpy.arctan"), ("autograd_derivative", "torch.atan")):
        x = batch(rng, scale=2.0)
        before = x.copy()
        _, reply = derivative(student, tool, dotted, x)   # an answer first: doing nothing keeps x too
        checks.unchanged(before, reply["arrays"][1], tool)


@pytest.mark.grade("test_derivative_tools", points=0.25)
def test_derivative_tools_numbers_and_arrays(student, rng):
    """a number in gives a number out, an array in a numpy array of its shape (not a tensor, not a 0-d array)"""
    for tool, dotted in (("numerical_derivative", "numpy.sin"), ("autograd_derivative", "torch.sin")):
        check_forms(student, rng, (tool,), first=(library_function(student, dotted),))


# -- Question 5: vanishing gradients through a chain of units (3 points) -------------------------
# Functions handed to chain_forward and chain_gradient are library functions (numpy.tanh, numpy.cos,
# ...) passed by handle, never the notebook's own activations: a mistake in Questions 1-3 does not
# cost Question 5.
def chain_of(student, name, fn_dotted, *args, length) -> tuple[np.ndarray, dict]:
    """name(<library function>, *args), read for its values: L of them (as an array of shape (L,));
    whether it is a numpy array of shape (L,) is judged by its own test."""
    reply = _call(student, name, library_function(student, fn_dotted), *args)
    found = _values(reply["value"], name)
    if found.size != length:
        raise checks.AnswerTypeError(f"{name} should return one value per layer ({length}), got {found.size}")
    return found.reshape(length), reply


def chain_weights(rng, length=None, scale=1.5) -> np.ndarray:
    return rng.normal(scale=scale, size=length or int(rng.integers(4, 12)))


@pytest.mark.grade("test_vanishing", points=0.75)
def test_chain_forward_values(student, rng):
    """chain_forward: z[0] = weights[0] * x, then z[k] = weights[k] * activation(z[k-1])"""
    for dotted in ("numpy.tanh", "numpy.sin", "numpy.arctan"):
        w, x = chain_weights(rng), float(rng.uniform(-2.0, 2.0))
        z, _ = chain_of(student, "chain_forward", dotted, x, w, length=w.size)
        checks.close(z, ref.chain_forward(_python_function(dotted), x, w), f"chain_forward({dotted}, x, w)", **TIGHT)


@pytest.mark.grade("test_vanishing", points=0.25)
def test_chain_forward_edges(student, rng):
    """a chain of one unit (L = 1) and an integer x work"""
    for w, x in ((chain_weights(rng, 1), float(rng.uniform(0.5, 2.0))), (chain_weights(rng), int(rng.integers(-3, 4)) or 2)):
        z, _ = chain_of(student, "chain_forward", "numpy.tanh", x, w, length=w.size)
        checks.close(z, ref.chain_forward(np.tanh, x, w), "chain_forward(np.tanh, x, w)", **TIGHT)


@pytest.mark.grade("test_vanishing", points=1)
def test_chain_gradient_values(student, rng):
    """g[k] is the product of d_activation(z[j]) * weights[j] over j = k .. L-1 (g[0]: the gradient at the input)"""
    for dotted in ("numpy.cos", "numpy.exp", "numpy.tanh"):
        w = chain_weights(rng)
        z = rng.normal(scale=2.0, size=w.size)
        g, _ = chain_of(student, "chain_gradient", dotted, z, w, length=w.size)
        checks.close(g, ref.chain_gradient(_python_function(dotted), z, w), f"chain_gradient({dotted}, z, w)", **TIGHT)


@pytest.mark.grade("test_vanishing", points=0.5)
def test_chain_gradient_edges(student, rng):
    """a chain of one unit; a factor of 0 (a dead unit) zeroes g at and below it"""
    w = chain_weights(rng, 1)
    z = rng.normal(size=1)
    g, _ = chain_of(student, "chain_gradient", "numpy.cos", z, w, length=1)
    checks.close(g, ref.chain_gradient(np.cos, z, w), "chain_gradient of one unit", **TIGHT)
    w = chain_weights(rng, int(rng.integers(5, 10)))
    z = rng.normal(scale=2.0, size=w.size)
    z[int(rng.integers(1, w.size - 1))] = 0.0  # numpy.sign is 0 there: a dead unit in the middle
    g, _ = chain_of(student, "chain_gradient", "numpy.sign", z, w, length=w.size)
    checks.close(g, ref.chain_gradient(np.sign, z, w), "chain_gradient with a dead unit", **TIGHT)


@pytest.mark.grade("test_vanishing", points=0.25)
def test_chain_numpy_arrays(student, rng):
    """chain_forward and chain_gradient return a float64 numpy array of shape (L,), also for L = 1"""
    for length in (1, int(rng.integers(3, 9))):
        w = chain_weights(rng, length)
        for name, args in (("chain_forward", (float(rng.uniform(-2.0, 2.0)), w)),
                           ("chain_gradient", (rng.normal(size=length), w))):
            reply = _call(student, name, library_function(student, "numpy.tanh"), *args)
            if reply["type"] != "numpy.ndarray":
                raise checks.AnswerTypeError(f"{name} should return a numpy array, got {reply['type']}")
            checks.array(reply["value"], name, (length,))
            if reply["value"].dtype != np.float64:
                raise checks.AnswerTypeError(f"{name} should return float64 values, got {reply['value'].dtype}")


@pytest.mark.grade("test_vanishing", points=0.25)
def test_chain_inputs_kept(student, rng):
    """chain_forward leaves weights unchanged, chain_gradient leaves pre_activations and weights unchanged"""
    w = chain_weights(rng)
    before = w.copy()
    _, reply = chain_of(student, "chain_forward", "numpy.tanh", float(rng.uniform(0.5, 2.0)), w, length=w.size)
    checks.unchanged(before, reply["arrays"][2], "chain_forward")
    z = rng.normal(scale=2.0, size=w.size)
    z_before = z.copy()
    _, reply = chain_of(student, "chain_gradient", "numpy.cos", z, w, length=w.size)
    checks.unchanged(z_before, reply["arrays"][1], "chain_gradient")
    checks.unchanged(before, reply["arrays"][2], "chain_gradient")
