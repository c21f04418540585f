"""Tests of the reference solution of the `activations` assignment.

Facts from the lecture's activation table, the conventions at the kinks,
agreement with torch.autograd and with central differences at random points,
numerical safety for |x| up to 1e4, and the scalar/shape/no-mutation contract.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnlab.reference import activations as act
from nnlab.reference.activations import (
    ACTIVATION_NAMES,
    ACTIVATIONS,
    arctan,
    autograd_derivative,
    binary_step,
    d_arctan,
    d_binary_step,
    d_elu,
    d_identity,
    d_logistic,
    d_prelu,
    d_relu,
    d_softplus,
    d_tanh,
    elu,
    identity,
    logistic,
    numerical_derivative,
    prelu,
    relu,
    softplus,
    tanh,
)

# Any warning (not only RuntimeWarning) is a failure: in a notebook it would print on stderr.
pytestmark = pytest.mark.filterwarnings("error")

ALL_FUNCTIONS = [fn for pair in ACTIVATIONS.values() for fn in pair]
KINKED = {"binary_step", "relu", "prelu", "elu"}  # not differentiable (or not twice) at 0


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest elementwise relative error, CS231n style, safe where both are ~0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def random_points_away_from_kinks(seed: int, size: int = 200, scale: float = 4.0,
                                  margin: float = 1e-3) -> np.ndarray:
    """Points in [-scale, scale] at least `margin` away from 0 (the only kink of any activation)."""
    x = np.random.default_rng(seed).uniform(-scale, scale, size)
    return x[np.abs(x) > margin]


# Torch counterparts of the nine activations, as functions of one float64 tensor.
def _torch_binary_step(t: torch.Tensor) -> torch.Tensor:
    return (t >= 0).to(t.dtype)  # a comparison: autograd sees no dependence on t


TORCH_COUNTERPARTS = {
    "identity": lambda t: t,
    "binary_step": _torch_binary_step,
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "arctan": torch.atan,
    "relu": torch.relu,
    "prelu": lambda t: F.prelu(t, torch.tensor([0.25], dtype=torch.float64)),
    "elu": F.elu,
    "softplus": F.softplus,
}


# --- the lecture's table as facts ----------------------------------------------

def test_names_and_signatures_follow_the_spec():
    assert ACTIVATION_NAMES == ("identity", "binary_step", "logistic", "tanh", "arctan",
                                "relu", "prelu", "elu", "softplus")
    for name in ACTIVATION_NAMES:
        assert getattr(act, name) is ACTIVATIONS[name][0]
        assert getattr(act, "d_" + name) is ACTIVATIONS[name][1]
    for fn in (prelu, d_prelu):
        assert inspect.signature(fn).parameters["alpha"].default == 0.25
    for fn in (elu, d_elu):
        assert inspect.signature(fn).parameters["alpha"].default == 1.0
    assert inspect.signature(numerical_derivative).parameters["h"].default == 1e-5
    assert list(inspect.signature(autograd_derivative).parameters) == ["torch_fn", "x"]


def test_identity_and_binary_step():
    assert identity(-3.5) == -3.5 and d_identity(-3.5) == 1.0
    np.testing.assert_array_equal(d_identity(np.array([-2.0, 0.0, 7.0])), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(binary_step(np.array([-2.0, -1e-12, 0.0, 1e-12, 5.0])),
                                  [0.0, 0.0, 1.0, 1.0, 1.0])
    assert binary_step(0.0) == 1.0  # the threshold itself fires
    assert binary_step(-0.0) == 1.0


def test_logistic_tanh_arctan_values():
    assert logistic(0.0) == 0.5 and d_logistic(0.0) == 0.25
    assert math.isclose(logistic(1.0), 1.0 / (1.0 + math.exp(-1.0)), rel_tol=1e-15)
    assert math.isclose(logistic(-2.0) + logistic(2.0), 1.0, rel_tol=1e-15)
    assert tanh(0.0) == 0.0 and d_tanh(0.0) == 1.0
    assert math.isclose(tanh(0.5), 2.0 / (1.0 + math.exp(-1.0)) - 1.0, rel_tol=1e-14)
    assert math.isclose(arctan(1.0), math.pi / 4, rel_tol=1e-15)
    assert d_arctan(0.0) == 1.0 and d_arctan(1.0) == 0.5 and d_arctan(-3.0) == 0.1


def test_rectifier_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(d_relu(x), [0.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(prelu(x), [-0.5, -0.125, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(prelu(x, alpha=0.1), [-0.2, -0.05, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(d_prelu(x, alpha=0.1), [0.1, 0.1, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(elu(x), [math.exp(-2) - 1, math.exp(-0.5) - 1, 0.0, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_allclose(elu(x, alpha=2.0), [2 * (math.exp(-2) - 1), 2 * (math.exp(-0.5) - 1), 0.0, 0.5, 3.0],
                               rtol=1e-15)
    np.testing.assert_allclose(d_elu(x, alpha=2.0), [2 * math.exp(-2), 2 * math.exp(-0.5), 1.0, 1.0, 1.0],
                               rtol=1e-14)
    assert math.isclose(softplus(0.0), math.log(2.0), rel_tol=1e-15)
    assert math.isclose(softplus(1.0), math.log1p(math.e), rel_tol=1e-15)
    assert d_softplus(0.0) == 0.5


def test_derivatives_reuse_the_forward_value_as_in_the_table():
    x = np.linspace(-6.0, 6.0, 121)
    f = logistic(x)
    np.testing.assert_allclose(d_logistic(x), f * (1.0 - f), rtol=1e-15, atol=0)
    np.testing.assert_allclose(d_tanh(x), 1.0 - tanh(x) ** 2, rtol=1e-15, atol=0)
    negative = x[x < 0]
    for alpha in (1.0, 0.3, 2.5):
        np.testing.assert_allclose(d_elu(negative, alpha), elu(negative, alpha) + alpha, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(d_softplus(x), logistic(x))
    np.testing.assert_allclose(d_arctan(x), 1.0 / (x ** 2 + 1.0), rtol=1e-15)


# --- conventions at the kink ----------------------------------------------------

def test_conventions_at_zero():
    assert math.isnan(d_binary_step(0.0))
    assert math.isnan(d_binary_step(-0.0))
    np.testing.assert_array_equal(d_binary_step(np.array([-3.0, -1e-300, 1e-300, 4.0])), 0.0)
    assert d_relu(0.0) == 1.0
    assert d_prelu(0.0) == 1.0 and d_prelu(0.0, alpha=0.7) == 1.0
    assert d_elu(0.0) == 1.0 and d_elu(0.0, alpha=0.4) == 1.0
    assert relu(0.0) == prelu(0.0) == elu(0.0) == 0.0


def test_pytorch_differs_from_the_lecture_at_zero():
    """PyTorch picks the left slope at 0, the lecture the right one: students are told so."""
    zero = np.array([0.0])
    assert autograd_derivative(torch.relu, zero)[0] == 0.0 and d_relu(zero)[0] == 1.0
    assert autograd_derivative(TORCH_COUNTERPARTS["prelu"], zero)[0] == 0.25 and d_prelu(zero)[0] == 1.0
    elu_half = lambda t: F.elu(t, alpha=0.5)  # noqa: E731
    assert autograd_derivative(elu_half, zero)[0] == 0.5 and d_elu(zero, 0.5)[0] == 1.0


# --- agreement with torch.autograd and with central differences ------------------

@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_forward_matches_torch(name):
    f, _ = ACTIVATIONS[name]
    x = np.concatenate([random_points_away_from_kinks(seed=10), [0.0, -30.0, 30.0]])
    expected = TORCH_COUNTERPARTS[name](torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(f(x), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_autograd(name):
    _, df = ACTIVATIONS[name]
    x = random_points_away_from_kinks(seed=20)
    if name not in KINKED:
        x = np.concatenate([x, [0.0, -25.0, 25.0]])  # smooth at 0: torch must agree there too
    expected = autograd_derivative(TORCH_COUNTERPARTS[name], x)
    np.testing.assert_allclose(df(x), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.01, 0.5, 2.0])
def test_parametric_derivatives_match_autograd_for_other_alphas(alpha):
    x = random_points_away_from_kinks(seed=30)
    weight = torch.tensor([alpha], dtype=torch.float64)
    np.testing.assert_allclose(prelu(x, alpha), F.prelu(torch.tensor(x), weight).numpy(), rtol=1e-15)
    np.testing.assert_allclose(d_prelu(x, alpha), autograd_derivative(lambda t: F.prelu(t, weight), x),
                               rtol=1e-15)
    np.testing.assert_allclose(elu(x, alpha), F.elu(torch.tensor(x), alpha=alpha).numpy(), rtol=1e-13)
    np.testing.assert_allclose(d_elu(x, alpha), autograd_derivative(lambda t: F.elu(t, alpha=alpha), x),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_central_differences(name):
    f, df = ACTIVATIONS[name]
    x = random_points_away_from_kinks(seed=40, margin=1e-2)
    numeric = numerical_derivative(f, x)
    assert rel_error(df(x), numeric) < 1e-7, name


# --- the derivative tools themselves ----------------------------------------------

def test_numerical_derivative_is_a_central_difference_with_step_h():
    cube = lambda x: x ** 3  # noqa: E731
    x = np.array([-2.0, 0.0, 0.5, 3.0])
    # For x^3 the central difference is exactly 3x^2 + h^2: one-sided differences are not.
    np.testing.assert_allclose(numerical_derivative(cube, x, h=0.1), 3 * x ** 2 + 0.01, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(numerical_derivative(cube, x), 3 * x ** 2, rtol=1e-9, atol=1e-9)
    # Across the kink of |x| the two slopes average to 0.
    assert numerical_derivative(np.abs, 0.0) == 0.0


def test_numerical_derivative_shapes_and_scalars():
    x = np.random.default_rng(50).normal(size=(3, 4))
    out = numerical_derivative(np.sin, x)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, np.cos(x), rtol=1e-8, atol=1e-10)
    scalar = numerical_derivative(np.sin, 0.3)
    assert np.ndim(scalar) == 0 and not isinstance(scalar, np.ndarray)
    assert math.isclose(scalar, math.cos(0.3), rel_tol=1e-9)


def test_autograd_derivative_shapes_scalars_and_dtype():
    x = np.random.default_rng(60).normal(size=(2, 3))
    out = autograd_derivative(torch.sin, x)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3) and out.dtype == np.float64
    np.testing.assert_allclose(out, np.cos(x), rtol=1e-15)
    scalar = autograd_derivative(torch.sigmoid, 0.0)
    assert np.ndim(scalar) == 0 and not isinstance(scalar, np.ndarray) and scalar == 0.25
    assert autograd_derivative(lambda t: t * t, 3) == 6.0  # an integer is a point like any other
    np.testing.assert_array_equal(autograd_derivative(torch.exp, np.zeros(0)), np.zeros(0))


def test_autograd_derivative_is_float64_precise():
    # The derivative 1 + 2x rounds to exactly 1.0 in float32 for x this small; float64 keeps it.
    x = np.array([1e-12, 2e-12])
    derivative = autograd_derivative(lambda t: t * (1.0 + t), x)
    np.testing.assert_allclose(derivative, 1.0 + 2 * x, rtol=1e-15, atol=0)
    assert np.all(derivative > 1.0)


def test_autograd_derivative_of_functions_autograd_does_not_track():
    np.testing.assert_array_equal(autograd_derivative(_torch_binary_step, np.array([-1.0, 0.0, 2.0])), 0.0)
    assert autograd_derivative(lambda t: torch.ones_like(t), 1.5) == 0.0


def test_autograd_derivative_works_under_no_grad():
    with torch.no_grad():
        np.testing.assert_allclose(autograd_derivative(torch.tanh, np.array([0.0, 1.0])),
                                   [1.0, 1.0 - math.tanh(1.0) ** 2], rtol=1e-15)


# --- numerical safety ------------------------------------------------------------------

LARGE = np.concatenate([np.linspace(-1e4, 1e4, 2001), [-1e4, -1000.0, -745.0, -710.0, -40.0,
                                                       40.0, 710.0, 745.0, 1000.0, 1e4]])


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_no_warning_overflow_or_nan_up_to_1e4(fn):
    x = LARGE[LARGE != 0.0]  # d_binary_step(0) is nan by convention; tested above
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            out = fn(x)
            scalar_outs = [fn(v) for v in (-1e4, -1000.0, 1000.0, 1e4)]
    assert np.all(np.isfinite(out)), fn.__name__
    assert np.all(np.isfinite(scalar_outs)), fn.__name__


def test_limits_at_large_inputs():
    assert logistic(-1000.0) == 0.0 and logistic(1000.0) == 1.0
    assert logistic(-1e4) == 0.0 and logistic(1e4) == 1.0
    assert softplus(1000.0) == 1000.0 and softplus(1e4) == 1e4
    assert softplus(-1000.0) == 0.0
    assert d_logistic(-1e4) == 0.0 and d_logistic(1e4) == 0.0
    assert tanh(-1e4) == -1.0 and tanh(1e4) == 1.0 and d_tanh(1e4) == 0.0
    assert elu(-1e4) == -1.0 and elu(-1e4, alpha=0.5) == -0.5 and d_elu(1e4) == 1.0
    assert elu(1e4) == 1e4 and d_elu(-1e4) == 0.0
    assert math.isclose(arctan(1e4), math.pi / 2 - 1e-4, rel_tol=1e-12)
    assert math.isclose(d_arctan(1e4), 1.0 / (1e8 + 1.0), rel_tol=1e-15)
    # Precision near the bend: logistic keeps its tiny values, elu its small ones.
    assert math.isclose(logistic(-700.0), math.exp(-700.0), rel_tol=1e-12)
    assert math.isclose(elu(-1e-10), -1e-10, rel_tol=1e-9)


# --- scalars, shapes, dtypes, no mutation ---------------------------------------------

@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_scalars_in_give_scalars_out(fn):
    for value in (0.7, -2, np.float64(-0.3), np.float32(1.5)):
        out = fn(value)
        assert not isinstance(out, np.ndarray), (fn.__name__, type(out))
        assert isinstance(out, (float, np.floating)), (fn.__name__, type(out))


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("shape", [(0,), (5,), (3, 4), (2, 1, 3)])
def test_arrays_keep_their_shape_and_are_not_mutated(fn, shape):
    x = np.random.default_rng(70).normal(size=shape)
    before = x.copy()
    out = fn(x)
    assert isinstance(out, np.ndarray) and out.shape == shape and out.dtype == np.float64
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x), fn.__name__  # the caller may write into out freely


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda fn: fn.__name__)
def test_integer_and_list_inputs_are_points_like_floats(fn):
    ints = np.array([-2, -1, 1, 3])
    np.testing.assert_array_equal(fn(ints), fn(ints.astype(float)))
    np.testing.assert_array_equal(fn([-2, -1, 1, 3]), fn(ints.astype(float)))


def test_derivative_tools_do_not_mutate_their_input():
    x = np.array([-1.0, 0.5, 2.0])
    before = x.copy()
    numerical_derivative(logistic, x)
    autograd_derivative(torch.sigmoid, x)
    np.testing.assert_array_equal(x, before)


# ---------------------------------------------------------------- vanishing gradients: a chain of units


def torch_chain_gradients(torch_fn, x: float, weights: np.ndarray) -> np.ndarray:
    """d h_L / d h_k for k = 0 .. L-1 of the chain h_{k+1} = f(w_k h_k), by torch.autograd."""
    h = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True)]
    for w in weights:
        h[-1].retain_grad()
        h.append(torch_fn(float(w) * h[-1]))
    h[-1].backward()
    return np.array([node.grad.item() for node in h[:-1]])


@pytest.mark.parametrize("name, torch_fn", [("logistic", torch.sigmoid), ("tanh", torch.tanh), ("arctan", torch.atan),
                                            ("softplus", F.softplus), ("elu", F.elu)])
def test_chain_gradient_equals_torch_autograd(name, torch_fn):
    f, df = ACTIVATIONS[name]
    rng = np.random.default_rng(30)
    for _ in range(5):
        weights = rng.normal(scale=1.5, size=int(rng.integers(1, 15)))
        x = float(rng.uniform(-2.0, 2.0))
        z = act.chain_forward(f, x, weights)
        g = act.chain_gradient(df, z, weights)
        assert z.shape == g.shape == weights.shape and g.dtype == np.float64
        np.testing.assert_allclose(g, torch_chain_gradients(torch_fn, x, weights), rtol=1e-10, atol=1e-300)


def test_chain_forward_is_the_stated_recursion_and_keeps_its_inputs():
    weights = np.array([2.0, -1.0, 0.5, 3.0])
    before = weights.copy()
    z = act.chain_forward(np.tanh, 1, weights)  # an integer x
    h, expected = 1.0, []
    for w in weights:
        expected.append(w * h)
        h = math.tanh(w * h)
    np.testing.assert_allclose(z, expected, rtol=1e-15)
    np.testing.assert_array_equal(weights, before)
    np.testing.assert_array_equal(act.chain_forward(np.sin, 0.5, np.array([3.0])), [1.5])  # one unit
    z_copy = z.copy()
    act.chain_gradient(np.cos, z, weights)
    np.testing.assert_array_equal(z, z_copy)
    np.testing.assert_array_equal(weights, before)


def test_relu_chain_passes_the_gradient_unchanged_through_active_units():
    rng = np.random.default_rng(31)
    weights = rng.uniform(0.5, 1.5, size=30)  # positive weights and input: every unit stays active
    z = act.chain_forward(relu, 0.7, weights)
    g = act.chain_gradient(d_relu, z, weights)
    assert np.all(z > 0)
    np.testing.assert_allclose(g, np.cumprod(weights[::-1])[::-1], rtol=1e-13)
    np.testing.assert_allclose(g, torch_chain_gradients(torch.relu, 0.7, weights), rtol=1e-13)
    # with every weight 1 the gradient reaches the first layer untouched, however deep the chain
    ones = np.ones(50)
    assert act.chain_gradient(d_relu, act.chain_forward(relu, 0.5, ones), ones)[0] == 1.0


def test_a_dead_relu_stops_the_gradient_below_it():
    weights = np.array([1.0, 2.0, -1.0, 3.0, 0.5])  # layer 2 gets z = -2: dead
    z = act.chain_forward(relu, 1.0, weights)
    g = act.chain_gradient(d_relu, z, weights)
    np.testing.assert_array_equal(z, [1.0, 2.0, -2.0, 0.0, 0.0])
    np.testing.assert_array_equal(g[:3], 0.0)
    # above the dead unit every z is exactly 0, where the lecture's d_relu(0) = 1 and torch's is 0:
    # torch agrees below (and at) the dead unit only
    np.testing.assert_array_equal(g[3:], [1.5, 0.5])
    np.testing.assert_array_equal(torch_chain_gradients(torch.relu, 1.0, weights)[:3], 0.0)


def test_logistic_chain_vanishes_at_least_like_a_quarter_per_layer():
    rng = np.random.default_rng(32)
    for depth in (1, 5, 10, 30):
        ones = np.ones(depth)
        g0 = act.chain_gradient(d_logistic, act.chain_forward(logistic, float(rng.normal()), ones), ones)[0]
        assert 0 < g0 <= 0.25 ** depth
        weights = rng.normal(scale=3.0, size=depth)
        g = act.chain_gradient(d_logistic, act.chain_forward(logistic, 1.0, weights), weights)
        assert np.all(np.abs(g) <= np.cumprod((np.abs(weights) / 4)[::-1])[::-1] * (1 + 1e-12))
    # tanh: the factor is at most |w| (tanh'(0) = 1), so with weights 1 it shrinks, but slowly
    ones = np.ones(40)
    g_tanh = act.chain_gradient(d_tanh, act.chain_forward(tanh, 0.5, ones), ones)[0]
    assert 0.25 ** 40 < 1e-20 < g_tanh < 1.0
