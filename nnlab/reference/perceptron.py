"""Reference solution for the `perceptron` assignment.

A perceptron with `d` inputs keeps `d + 1` weights. `w[0]` is the bias weight: the bias
is treated as one more input that is always 1, so the unit fires when

    w[0] + x[0] * w[1] + ... + x[d-1] * w[d] >= 0.

The separating line (in 2-D) is where that sum is exactly 0. The learning rule nudges
the weights towards every point it gets wrong; it settles only when the classes can be
split by such a line, which is true for AND and OR and false for XOR.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# The four points of a two-input truth table, in the order the course always uses.
LOGIC_INPUTS: FloatArray = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
LOGIC_TARGETS: dict[str, FloatArray] = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}


def _scalar_or_array(values: FloatArray, like: ArrayLike) -> float | FloatArray:
    """Python float when the caller passed a scalar, otherwise the array itself."""
    return float(values) if np.ndim(like) == 0 else values


def _as_weights(w: ArrayLike) -> FloatArray:
    weights = np.asarray(w, dtype=float)
    if weights.ndim != 1 or weights.shape[0] < 1:
        raise ValueError(f"w must have shape (d+1,), got {weights.shape}")
    return weights


def step(z: ArrayLike) -> float | FloatArray:
    """Heaviside step: 1.0 where z >= 0, else 0.0 (so step(0) == 1.0).

    z: scalar or array of any shape. Returns a float for a scalar, otherwise a float
    array of the same shape. NaN is not >= 0, so it maps to 0.0.
    """
    fired = np.where(np.asarray(z, dtype=float) >= 0.0, 1.0, 0.0)
    return _scalar_or_array(fired, z)


def perceptron_output(w: ArrayLike, x: ArrayLike) -> float | FloatArray:
    """Output of one perceptron, step(w[0] + x @ w[1:]).

    w: (d+1,), w[0] is the bias weight (its input is fixed to 1).
    x: (d,) for one point or (N, d) for a batch.
    Returns a float for one point, a (N,) float array for a batch.
    """
    weights = _as_weights(w)
    points = np.asarray(x, dtype=float)
    d = weights.shape[0] - 1
    if points.ndim not in (1, 2) or points.shape[-1] != d:
        raise ValueError(f"x must have shape ({d},) or (N, {d}) for w of shape {weights.shape}, got {points.shape}")
    net_input = weights[0] + points @ weights[1:]
    return step(net_input)


def perceptron_update(w: ArrayLike, x: ArrayLike, t: float, lr: float) -> FloatArray:
    """One application of the perceptron learning rule to one point; returns new weights.

        f  = perceptron_output(w, x)
        w0 <- w0 + lr * (t - f)
        wi <- wi + lr * (t - f) * xi

    w: (d+1,), x: (d,), t: the target (0 or 1), lr: the learning rate.
    A correctly classified point leaves the weights unchanged (t - f == 0).
    The input w is not modified.
    """
    weights = _as_weights(w)
    point = np.asarray(x, dtype=float)
    if point.shape != (weights.shape[0] - 1,):
        raise ValueError(f"x must have shape ({weights.shape[0] - 1},), got {point.shape}")
    error = float(t) - perceptron_output(weights, point)
    # The bias input is the constant 1, so w0 moves by lr * error.
    return weights + lr * error * np.concatenate(([1.0], point))


def train_perceptron(
    X: ArrayLike,
    T: ArrayLike,
    lr: float = 0.1,
    max_epochs: int = 100,
    w_init: ArrayLike | None = None,
    seed: int = 0,
) -> tuple[FloatArray, list[int]]:
    """Train one perceptron with online updates, visiting the points in data order.

    X: (N, d) inputs, T: (N,) targets in {0, 1}.
    w_init: (d+1,) starting weights; if None they are drawn as
        numpy.random.default_rng(seed).uniform(-0.5, 0.5, size=d + 1).
    Returns (w, errors): w is (d+1,); errors[k] is the number of points that were
    misclassified during epoch k, each judged just before its own update.
    Training stops after the first epoch with 0 errors (converged) or after
    max_epochs epochs, so len(errors) <= max_epochs and errors[-1] == 0 iff it converged.
    """
    points = np.asarray(X, dtype=float)
    targets = np.asarray(T, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"X must have shape (N, d), got {points.shape}")
    if targets.shape != (points.shape[0],):
        raise ValueError(f"T must have shape ({points.shape[0]},), got {targets.shape}")
    if max_epochs < 0:
        raise ValueError(f"max_epochs must be >= 0, got {max_epochs}")
    d = points.shape[1]

    if w_init is None:
        weights = np.random.default_rng(seed).uniform(-0.5, 0.5, size=d + 1)
    else:
        # A copy, so that neither the caller's array nor its later edits are shared.
        weights = np.array(w_init, dtype=float)
        if weights.shape != (d + 1,):
            raise ValueError(f"w_init must have shape ({d + 1},), got {weights.shape}")

    errors: list[int] = []
    for _ in range(max_epochs):
        mistakes = 0
        for point, target in zip(points, targets):
            if perceptron_output(weights, point) != target:
                mistakes += 1
            weights = perceptron_update(weights, point, target, lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return weights, errors


def decision_boundary_x2(w: ArrayLike, x1: ArrayLike) -> float | FloatArray:
    """The x2 on the separating line w0 + x1*w1 + x2*w2 = 0, i.e. -(w0 + w1*x1) / w2.

    w: (3,), x1: scalar or array of any shape (a float or an array of that shape out).
    When w2 == 0 the line is vertical (or absent) and no x2 belongs to a given x1:
    the result is then nan, like other undefined values in the course.
    """
    weights = _as_weights(w)
    if weights.shape != (3,):
        raise ValueError(f"w must have shape (3,) for a 2-D perceptron, got {weights.shape}")
    w0, w1, w2 = weights
    x1_values = np.asarray(x1, dtype=float)
    if w2 == 0.0:
        x2 = np.full(x1_values.shape, np.nan)
    else:
        x2 = -(w0 + w1 * x1_values) / w2
    return _scalar_or_array(x2, x1)


# Hidden layer: an OR unit and a NAND unit; output: an AND unit of the two.
# XOR(a, b) = OR(a, b) AND NAND(a, b). The thresholds sit halfway between the
# integer sums so that no point of {0,1}^2 lands on a line.
XOR_HIDDEN_OR: FloatArray = np.array([-0.5, 1.0, 1.0])
XOR_HIDDEN_NAND: FloatArray = np.array([1.5, -1.0, -1.0])
XOR_OUTPUT_AND: FloatArray = np.array([-1.5, 1.0, 1.0])


def xor_two_layer(x: ArrayLike) -> float | FloatArray:
    """XOR on {0,1}^2 computed by two layers of step units with hand-chosen weights.

    x: (2,) for one point or (N, 2) for a batch.
    Returns a float for one point, a (N,) float array for a batch.
    """
    points = np.asarray(x, dtype=float)
    if points.ndim not in (1, 2) or points.shape[-1] != 2:
        raise ValueError(f"x must have shape (2,) or (N, 2), got {points.shape}")
    hidden = np.stack(
        [perceptron_output(XOR_HIDDEN_OR, points), perceptron_output(XOR_HIDDEN_NAND, points)],
        axis=-1,
    )
    return perceptron_output(XOR_OUTPUT_AND, hidden)
