"""Reference solution of the `activations` assignment.

Nine activation functions ``f`` and their derivatives ``d_f``, following the
activation table of the week-2 lecture, plus two tools to check a derivative:
central finite differences and ``torch.autograd``.

Conventions (binding, see section 2 of the course specification):

* ``x`` is a Python/numpy scalar or a numpy array of any shape. Scalars in give
  numpy scalars out; arrays in give float64 arrays of the same shape out.
  Inputs are never modified.
* At the kinks the lecture's table decides: ``d_binary_step(0)`` is ``nan``
  (undefined), ``d_relu(0) == d_prelu(0) == d_elu(0) == 1``. PyTorch chooses
  differently at 0 (for example its ReLU derivative at 0 is 0).
* Everything is finite and warning-free for ``|x|`` up to 1e4: no formula below
  ever evaluates ``exp`` of a large positive number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

ArrayLike = Any  # a Python/numpy scalar or a numpy array of any shape
FloatOrArray = Any  # np.float64 for a scalar input, np.ndarray (same shape as x) otherwise

__all__ = [
    "identity", "d_identity",
    "binary_step", "d_binary_step",
    "logistic", "d_logistic",
    "tanh", "d_tanh",
    "arctan", "d_arctan",
    "relu", "d_relu",
    "prelu", "d_prelu",
    "elu", "d_elu",
    "softplus", "d_softplus",
    "numerical_derivative", "autograd_derivative",
    "ACTIVATION_NAMES", "ACTIVATIONS",
]


def _as_float_array(x: ArrayLike) -> np.ndarray:
    """x as a float64 array (0-d for a scalar). Callers only read it, never write into it."""
    return np.asarray(x, dtype=np.float64)


def _scalar_or_array(result: np.ndarray) -> FloatOrArray:
    """Unwrap a 0-d result to a numpy scalar so that scalars in give scalars out."""
    result = np.asarray(result, dtype=np.float64)
    return result[()] if result.ndim == 0 else result


# --- step-like ----------------------------------------------------------------

def identity(x: ArrayLike) -> FloatOrArray:
    """f(x) = x.  x: scalar or array of any shape; returns a new value of the same shape."""
    return _scalar_or_array(np.array(x, dtype=np.float64, copy=True))


def d_identity(x: ArrayLike) -> FloatOrArray:
    """f'(x) = 1 everywhere.  Same shape as x."""
    return _scalar_or_array(np.ones_like(_as_float_array(x)))


def binary_step(x: ArrayLike) -> FloatOrArray:
    """Heaviside step: 1.0 where x >= 0 (the threshold counts as firing), else 0.0."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x >= 0.0, 1.0, 0.0))


def d_binary_step(x: ArrayLike) -> FloatOrArray:
    """0.0 for x != 0; nan at x == 0, where the jump makes the derivative undefined."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x == 0.0, np.nan, 0.0))


# --- smooth, saturating -------------------------------------------------------

def logistic(x: ArrayLike) -> FloatOrArray:
    """f(x) = 1 / (1 + exp(-x)), the "soft step".

    Written with exp(-|x|) <= 1 so that exp never overflows: for x >= 0 the
    usual form, for x < 0 the same fraction multiplied by exp(x)/exp(x).
    logistic(-1000) is exactly 0.0 and logistic(1000) exactly 1.0.
    """
    x = _as_float_array(x)
    decay = np.exp(-np.abs(x))
    return _scalar_or_array(np.where(x >= 0.0, 1.0 / (1.0 + decay), decay / (1.0 + decay)))


def d_logistic(x: ArrayLike) -> FloatOrArray:
    """f'(x) = f(x) (1 - f(x)): the derivative reuses the forward value."""
    f = _as_float_array(logistic(x))
    return _scalar_or_array(f * (1.0 - f))


def tanh(x: ArrayLike) -> FloatOrArray:
    """f(x) = tanh(x) = 2 logistic(2x) - 1; numpy's tanh saturates to +-1 without overflow."""
    return _scalar_or_array(np.tanh(_as_float_array(x)))


def d_tanh(x: ArrayLike) -> FloatOrArray:
    """f'(x) = 1 - f(x)^2, again from the forward value."""
    f = _as_float_array(tanh(x))
    return _scalar_or_array(1.0 - f * f)


def arctan(x: ArrayLike) -> FloatOrArray:
    """f(x) = arctan(x), values in (-pi/2, pi/2)."""
    return _scalar_or_array(np.arctan(_as_float_array(x)))


def d_arctan(x: ArrayLike) -> FloatOrArray:
    """f'(x) = 1 / (1 + x^2)."""
    x = _as_float_array(x)
    return _scalar_or_array(1.0 / (1.0 + x * x))


# --- rectifiers ---------------------------------------------------------------

def relu(x: ArrayLike) -> FloatOrArray:
    """f(x) = max(0, x)."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x >= 0.0, x, 0.0))


def d_relu(x: ArrayLike) -> FloatOrArray:
    """1 for x >= 0, 0 for x < 0 (the lecture's choice at 0; PyTorch uses 0 there)."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x >= 0.0, 1.0, 0.0))


def prelu(x: ArrayLike, alpha: float = 0.25) -> FloatOrArray:
    """Parametric ReLU: x for x >= 0, alpha * x for x < 0."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x >= 0.0, x, alpha * x))


def d_prelu(x: ArrayLike, alpha: float = 0.25) -> FloatOrArray:
    """1 for x >= 0, alpha for x < 0 (so d_prelu(0) == 1)."""
    x = _as_float_array(x)
    return _scalar_or_array(np.where(x >= 0.0, 1.0, alpha))


def elu(x: ArrayLike, alpha: float = 1.0) -> FloatOrArray:
    """Exponential linear unit: x for x >= 0, alpha (exp(x) - 1) for x < 0.

    np.where evaluates both branches, so the exponential only ever sees
    min(x, 0): exp(1e4) would overflow even though its value is thrown away.
    expm1 keeps the digits of exp(x) - 1 for x close to 0.
    """
    x = _as_float_array(x)
    negative_side = alpha * np.expm1(np.minimum(x, 0.0))
    return _scalar_or_array(np.where(x >= 0.0, x, negative_side))


def d_elu(x: ArrayLike, alpha: float = 1.0) -> FloatOrArray:
    """1 for x >= 0, f(x) + alpha (= alpha exp(x)) for x < 0 (so d_elu(0) == 1)."""
    x = _as_float_array(x)
    f = _as_float_array(elu(x, alpha))
    return _scalar_or_array(np.where(x >= 0.0, 1.0, f + alpha))


def softplus(x: ArrayLike) -> FloatOrArray:
    """f(x) = log(1 + exp(x)), a smooth ReLU.

    np.logaddexp(0, x) = log(exp(0) + exp(x)) is computed as max + log1p(exp(-|x|)),
    so softplus(1000) == 1000 where the literal formula would give inf.
    """
    return _scalar_or_array(np.logaddexp(0.0, _as_float_array(x)))


def d_softplus(x: ArrayLike) -> FloatOrArray:
    """f'(x) = 1 / (1 + exp(-x)): the derivative of softplus is the logistic function."""
    return logistic(x)


# --- derivative tools ---------------------------------------------------------

def numerical_derivative(f: Callable[[np.ndarray], np.ndarray], x: ArrayLike,
                         h: float = 1e-5) -> FloatOrArray:
    """Central difference (f(x + h) - f(x - h)) / (2h) at every element of x.

    f must act elementwise (as every activation here does), so a single call
    on the shifted array gives all partial derivatives at once.
    Error O(h^2) where f is smooth; across a kink it averages the two slopes.
    x: scalar or array of any shape; returns the same shape.
    """
    x = _as_float_array(x)
    forward = _as_float_array(f(x + h))
    backward = _as_float_array(f(x - h))
    return _scalar_or_array((forward - backward) / (2.0 * h))


def autograd_derivative(torch_fn: Callable[[torch.Tensor], torch.Tensor], x: ArrayLike) -> FloatOrArray:
    """The elementwise derivative of torch_fn at the points x, via torch.autograd.

    torch_fn: an elementwise function of a float64 tensor (torch.sigmoid, torch.relu, ...).
    x: scalar or numpy array of any shape; returns float64 values of the same shape.

    Because output i depends on input i only, the gradient of sum(torch_fn(x))
    with respect to x is exactly the vector of the elementwise derivatives.
    A torch_fn whose output does not depend differentiably on x (for example a
    comparison) has derivative 0 everywhere.
    """
    points = torch.tensor(_as_float_array(x), dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():  # work even when the caller is inside torch.no_grad()
        out = torch_fn(points)
        if not out.requires_grad:
            return _scalar_or_array(np.zeros(points.shape))
        (grad,) = torch.autograd.grad(out.sum(), points, allow_unused=True)
    if grad is None:
        return _scalar_or_array(np.zeros(points.shape))
    return _scalar_or_array(grad.detach().numpy().astype(np.float64, copy=True))


# --- the lecture's table, in order --------------------------------------------

ACTIVATION_NAMES: tuple[str, ...] = (
    "identity", "binary_step", "logistic", "tanh", "arctan", "relu", "prelu", "elu", "softplus",
)

ACTIVATIONS: dict[str, tuple[Callable[..., FloatOrArray], Callable[..., FloatOrArray]]] = {
    "identity": (identity, d_identity),
    "binary_step": (binary_step, d_binary_step),
    "logistic": (logistic, d_logistic),
    "tanh": (tanh, d_tanh),
    "arctan": (arctan, d_arctan),
    "relu": (relu, d_relu),
    "prelu": (prelu, d_prelu),
    "elu": (elu, d_elu),
    "softplus": (softplus, d_softplus),
}


# --- vanishing gradients: a deep chain of single units ----------------------------------------
#
# A chain of L units, one per layer, no biases: h_0 = x, z_k = w_k * h_k, h_{k+1} = f(z_k)
# for k = 0 .. L-1 (0-based). Backpropagation multiplies one local factor per layer,
# d h_{k+1} / d h_k = f'(z_k) * w_k, so the gradient of the output h_L that reaches h_k is
# the product of the factors of every layer above it.


def chain_forward(activation: Callable[[np.ndarray], np.ndarray], x: float, weights: ArrayLike) -> np.ndarray:
    """The pre-activations z: (L,) of the chain h_0 = x, z_k = weights[k] * h_k, h_{k+1} = activation(z_k)."""
    w = _as_float_array(weights).reshape(-1)
    z = np.zeros(w.size)
    h = np.float64(x)
    for k in range(w.size):
        z[k] = w[k] * h
        h = np.float64(activation(np.array(z[k])))
    return z


def chain_gradient(d_activation: Callable[[np.ndarray], np.ndarray], pre_activations: ArrayLike,
                   weights: ArrayLike) -> np.ndarray:
    """g: (L,) with g[k] = d h_L / d h_k = prod_{j >= k} d_activation(z_j) * weights[j].

    g[0] is the gradient that reaches the chain's input (the first layer), g[L-1] the top
    layer's own factor.
    """
    z = _as_float_array(pre_activations).reshape(-1)
    w = _as_float_array(weights).reshape(-1)
    local = _as_float_array(d_activation(z.copy())) * w
    return np.cumprod(local[::-1])[::-1].copy()
