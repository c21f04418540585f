"""Reference solution of the `backprop` assignment: gradients on computational graphs.

Three views of the same idea, from the most explicit to the most automatic:

1. gates: every operation is an object with `forward` (compute, and remember what the
   derivative will need) and `backward` (upstream gradient times local gradient);
   `sigmoid_neuron` wires eight of them by hand;
2. `Value`: a scalar that records the graph as it is computed and walks it backwards
   in topological order (the idea behind every autograd engine);
3. `torch_sigmoid_neuron`: the same neuron left entirely to `torch.autograd`.

`relu_backward` / `relu_jacobian` show why layers pass gradients elementwise instead of
multiplying by their (huge, diagonal) Jacobian.

The learning loop by hand: `linear_forward` / `linear_backward` (a vectorised affine layer,
X: (N, D) @ W: (D, M) + b: (M,)), `relu_forward`, `hinge_loss_backward` (the mean multiclass
hinge loss and its gradient with respect to the scores), `two_layer_loss` (Linear -> ReLU ->
Linear -> hinge, with L2 regularization, built from those layers), `sgd_step` and
`train_two_layer` (minibatch SGD in an order fixed by the seed), trained on `make_spiral`.

Conventions: scalars in give (numpy) floats out, arrays in give float arrays of the same
shape out, inputs are never mutated. ReLU passes the gradient where its input is `>= 0`,
the course convention (`d_relu(0) == 1`); PyTorch uses 0 at exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "x", "y", "z", "q", "f", "df_dq", "df_dx", "df_dy", "df_dz",
    "AddGate", "MultiplyGate", "MaxGate", "ExpGate", "ReciprocalGate",
    "AddConstantGate", "MultiplyConstantGate", "SigmoidGate",
    "NeuronTrace", "sigmoid_neuron_trace", "sigmoid_neuron",
    "Value", "torch_sigmoid_neuron", "relu_backward", "relu_jacobian",
    "rel_error", "numerical_gradient", "linear_forward", "linear_backward",
    "relu_forward", "hinge_loss_backward", "init_two_layer", "two_layer_scores", "two_layer_loss",
    "sgd_step", "train_two_layer", "make_spiral", "accuracy",
]

Number = Union[int, float]

# ---------------------------------------------------------------------------
# The lecture's first graph: f(x, y, z) = (x + y) * z at x, y, z = -2, 5, -4.
# Forward pass, then local gradients chained backwards from df/df = 1.
# ---------------------------------------------------------------------------
x, y, z = -2, 5, -4
q = x + y                # 3
f = q * z                # -12
df_dq = z                # the multiply gate hands each input the *other* input: -4
df_dz = q                # 3
df_dx = df_dq * 1        # the add gate passes its upstream gradient on unchanged: -4
df_dy = df_dq * 1        # -4


def _num(value: ArrayLike) -> np.float64 | NDArray[np.float64]:
    """A float copy of `value`: a numpy float for a scalar, a new float array otherwise.

    Copying matters for the gates: what `forward` stores must not change if the caller
    later modifies its own array in place.
    """
    return np.array(value, dtype=np.float64)[()]


def _stable_sigmoid(value: ArrayLike) -> np.float64 | NDArray[np.float64]:
    """1 / (1 + exp(-v)) without overflow: exp is only ever taken of -|v| <= 0."""
    v = np.asarray(value, dtype=np.float64)
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]


def _require_forward(stored: object, gate: object) -> None:
    if stored is None:
        raise RuntimeError(f"{type(gate).__name__}.backward called before forward")


# ---------------------------------------------------------------------------
# Gates. Each works on scalars, and elementwise on arrays of matching shape.
# ---------------------------------------------------------------------------
class AddGate:
    """out = x + y. Local gradients are 1 and 1: the gate *distributes* dout to both inputs."""

    def forward(self, x: ArrayLike, y: ArrayLike) -> np.float64 | NDArray[np.float64]:
        return _num(x) + _num(y)  # nothing to store: the local gradients do not depend on x, y

    def backward(self, dout: ArrayLike) -> tuple[np.float64 | NDArray, np.float64 | NDArray]:
        return _num(dout), _num(dout)


class MultiplyGate:
    """out = x * y. Each input's gradient is dout times the *other* input: the gate *switches*.

    `forward` must store x and y; without them `backward` has nothing to multiply by.
    """

    def __init__(self) -> None:
        self.x: np.float64 | NDArray | None = None
        self.y: np.float64 | NDArray | None = None

    def forward(self, x: ArrayLike, y: ArrayLike) -> np.float64 | NDArray[np.float64]:
        self.x, self.y = _num(x), _num(y)
        return self.x * self.y

    def backward(self, dout: ArrayLike) -> tuple[np.float64 | NDArray, np.float64 | NDArray]:
        _require_forward(self.x, self)
        dout = _num(dout)
        return self.y * dout, self.x * dout


class MaxGate:
    """out = max(x, y). The whole of dout goes to the larger input, 0 to the other: the gate *routes*.

    On a tie the first input `x` takes the gradient, so the two gradients always sum to dout.
    """

    def __init__(self) -> None:
        self.x_wins: np.bool_ | NDArray[np.bool_] | None = None

    def forward(self, x: ArrayLike, y: ArrayLike) -> np.float64 | NDArray[np.float64]:
        x, y = _num(x), _num(y)
        self.x_wins = np.asarray(x >= y)[()]
        return np.maximum(x, y)

    def backward(self, dout: ArrayLike) -> tuple[np.float64 | NDArray, np.float64 | NDArray]:
        _require_forward(self.x_wins, self)
        dout = _num(dout)
        return _num(np.where(self.x_wins, dout, 0.0)), _num(np.where(self.x_wins, 0.0, dout))


class ExpGate:
    """out = exp(x); d out / dx = exp(x) = out, so the gate stores its output."""

    def __init__(self) -> None:
        self.out: np.float64 | NDArray | None = None

    def forward(self, x: ArrayLike) -> np.float64 | NDArray[np.float64]:
        self.out = np.exp(_num(x))
        return self.out

    def backward(self, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
        _require_forward(self.out, self)
        return self.out * _num(dout)


class ReciprocalGate:
    """out = 1 / x (x != 0); d out / dx = -1 / x**2."""

    def __init__(self) -> None:
        self.x: np.float64 | NDArray | None = None

    def forward(self, x: ArrayLike) -> np.float64 | NDArray[np.float64]:
        self.x = _num(x)
        return 1.0 / self.x

    def backward(self, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
        _require_forward(self.x, self)
        return -_num(dout) / (self.x * self.x)


class AddConstantGate:
    """out = x + c for a fixed number c; the local gradient is 1, whatever c is."""

    def __init__(self, c: Number) -> None:
        self.c = float(c)

    def forward(self, x: ArrayLike) -> np.float64 | NDArray[np.float64]:
        return _num(x) + self.c

    def backward(self, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
        return _num(dout)


class MultiplyConstantGate:
    """out = a * x for a fixed number a; the local gradient is a."""

    def __init__(self, a: Number) -> None:
        self.a = float(a)

    def forward(self, x: ArrayLike) -> np.float64 | NDArray[np.float64]:
        return self.a * _num(x)

    def backward(self, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
        return self.a * _num(dout)


class SigmoidGate:
    """out = 1 / (1 + exp(-x)) as one gate: d out / dx = out * (1 - out).

    Replaces the four gates `*-1, exp, +1, 1/x` of the lecture's chain, and never overflows.
    """

    def __init__(self) -> None:
        self.out: np.float64 | NDArray | None = None

    def forward(self, x: ArrayLike) -> np.float64 | NDArray[np.float64]:
        self.out = _stable_sigmoid(x)
        return self.out

    def backward(self, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
        _require_forward(self.out, self)
        return _num(dout) * self.out * (1.0 - self.out)


# ---------------------------------------------------------------------------
# The lecture's second graph: a sigmoid neuron, out = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))).
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class NeuronTrace:
    """Every node of the sigmoid neuron's graph: its forward value and d out / d node."""

    values: dict[str, float]
    grads: dict[str, float]


def _neuron_inputs(w: ArrayLike, x: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    w_arr = np.array(w, dtype=np.float64)
    x_arr = np.array(x, dtype=np.float64)
    if w_arr.shape != (3,) or x_arr.shape != (2,):
        raise ValueError(f"expected w of shape (3,) and x of shape (2,), got {w_arr.shape} and {x_arr.shape}")
    return w_arr, x_arr


def sigmoid_neuron_trace(w: ArrayLike, x: ArrayLike) -> NeuronTrace:
    """Forward and backward through the gate chain `*, *, +, +w2, *-1, exp, +1, 1/x`.

    w: (3,) = [w0, w1, w2], x: (2,) = [x0, x1]. Node names, in forward order:
    "w0*x0", "w1*x1", "sum" (of the two products), "z" (sum + w2), "-z", "exp(-z)",
    "1+exp(-z)", "out"; `grads` also holds "w0", "w1", "w2", "x0", "x1".
    Valid while exp(-z) does not overflow (z > -709 in float64); `SigmoidGate` has no such limit.
    """
    w, x = _neuron_inputs(w, x)
    mul0, mul1, add, add_bias = MultiplyGate(), MultiplyGate(), AddGate(), AddGate()
    negate, exp, plus_one, reciprocal = MultiplyConstantGate(-1.0), ExpGate(), AddConstantGate(1.0), ReciprocalGate()

    v: dict[str, float] = {}
    v["w0*x0"] = mul0.forward(w[0], x[0])
    v["w1*x1"] = mul1.forward(w[1], x[1])
    v["sum"] = add.forward(v["w0*x0"], v["w1*x1"])
    v["z"] = add_bias.forward(v["sum"], w[2])
    v["-z"] = negate.forward(v["z"])
    v["exp(-z)"] = exp.forward(v["-z"])
    v["1+exp(-z)"] = plus_one.forward(v["exp(-z)"])
    v["out"] = reciprocal.forward(v["1+exp(-z)"])

    g: dict[str, float] = {"out": 1.0}
    g["1+exp(-z)"] = reciprocal.backward(g["out"])
    g["exp(-z)"] = plus_one.backward(g["1+exp(-z)"])
    g["-z"] = exp.backward(g["exp(-z)"])
    g["z"] = negate.backward(g["-z"])
    g["sum"], g["w2"] = add_bias.backward(g["z"])
    g["w0*x0"], g["w1*x1"] = add.backward(g["sum"])
    g["w0"], g["x0"] = mul0.backward(g["w0*x0"])
    g["w1"], g["x1"] = mul1.backward(g["w1*x1"])

    return NeuronTrace(
        values={name: float(value) for name, value in v.items()},
        grads={name: float(grad) for name, grad in g.items()},
    )


def sigmoid_neuron(w: ArrayLike, x: ArrayLike) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """The sigmoid neuron computed gate by gate.

    w: (3,) = [w0, w1, w2] (w2 is the bias), x: (2,) = [x0, x1].
    Returns (out, dw, dx): out a float, dw: (3,) = d out / dw, dx: (2,) = d out / dx.
    Lecture: w = [2, -3, -3], x = [-1, -2] gives out 0.7311, dw [-0.197, -0.393, 0.197],
    dx [0.393, -0.590].
    """
    trace = sigmoid_neuron_trace(w, x)
    g = trace.grads
    dw = np.array([g["w0"], g["w1"], g["w2"]])
    dx = np.array([g["x0"], g["x1"]])
    return trace.values["out"], dw, dx


# ---------------------------------------------------------------------------
# Value: a scalar autograd engine.
# ---------------------------------------------------------------------------
class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to its inputs.

    `data` is the number, `grad` is d(root)/d(this node) after `root.backward()`.
    Every operation creates a new node whose `_backward` adds (never assigns: a node used
    twice receives gradient from both uses) its share of the gradient into its inputs.
    """

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = _children
        self._op = _op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    @staticmethod
    def _wrap(other: Value | Number) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other: Value | Number) -> Value:
        other = Value._wrap(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = Value._wrap(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, (int, float)):
            raise TypeError("Value ** only supports a plain number exponent")
        # math.pow raises on a negative base with a fractional exponent instead of going complex.
        out = Value(math.pow(self.data, exponent), (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += exponent * math.pow(self.data, exponent - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:
            # Course convention: the gradient passes at exactly 0 (PyTorch blocks it there).
            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        out = Value(float(_stable_sigmoid(self.data)), (self,), "sigmoid")

        def _backward() -> None:
            self.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Fill `grad` of every node this one depends on, with d(self)/d(node).

        Nodes are visited in reverse topological order, so a node's gradient is complete
        (all its uses have contributed) before it is passed further back. Iterative, so
        deep graphs do not hit Python's recursion limit.
        """
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in visited)

        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    # Everything else is built from the operations above.
    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-other)

    def __rsub__(self, other: Number) -> Value:
        return other + (-self)

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __truediv__(self, other: Value | Number) -> Value:
        return self * Value._wrap(other) ** -1

    def __rtruediv__(self, other: Number) -> Value:
        return other * self ** -1


# ---------------------------------------------------------------------------
# The same neuron with torch.autograd.
# ---------------------------------------------------------------------------
def torch_sigmoid_neuron(w: ArrayLike, x: ArrayLike) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """(out, dw, dx) of the sigmoid neuron computed by `torch.autograd` in float64.

    w: (3,), x: (2,); returns a float and numpy arrays of shapes (3,) and (2,).
    """
    w_arr, x_arr = _neuron_inputs(w, x)
    w_t = torch.tensor(w_arr, requires_grad=True)
    x_t = torch.tensor(x_arr, requires_grad=True)
    out = torch.sigmoid(w_t[0] * x_t[0] + w_t[1] * x_t[1] + w_t[2])
    out.backward()
    return out.item(), w_t.grad.numpy().copy(), x_t.grad.numpy().copy()


# ---------------------------------------------------------------------------
# A vectorized layer: ReLU, elementwise max(0, x).
# ---------------------------------------------------------------------------
def relu_backward(x: ArrayLike, dout: ArrayLike) -> np.float64 | NDArray[np.float64]:
    """d loss / dx of out = max(0, x), given dout = d loss / d out; x, dout: same shape (any).

    Elementwise: dout where x >= 0, else 0. This is the Jacobian-vector product without
    the Jacobian, O(n) memory instead of O(n**2).
    """
    x_arr = np.asarray(x, dtype=np.float64)
    dout_arr = np.asarray(dout, dtype=np.float64)
    if x_arr.shape != dout_arr.shape:
        raise ValueError(f"x and dout must have the same shape, got {x_arr.shape} and {dout_arr.shape}")
    return np.where(x_arr >= 0, dout_arr, 0.0)[()]


def relu_jacobian(x: ArrayLike) -> NDArray[np.float64]:
    """The full Jacobian d out / dx of elementwise ReLU, for small x only.

    x: any shape with n = x.size elements, taken in row-major (`ravel`) order.
    Returns (n, n): diagonal, 1.0 where x >= 0 and 0.0 elsewhere (out_i depends on x_i only).
    For a 4096-wide layer this is 4096 * 4096 * 8 bytes = 128 MiB of float64 per example,
    almost all zeros, which is why `relu_backward` is used instead.
    """
    x_arr = np.asarray(x, dtype=np.float64)
    return np.diag((x_arr.ravel() >= 0).astype(np.float64))


# ---------------------------------------------------------------------------
# The learning loop by hand: a vectorised linear layer, a two-layer network, minibatch SGD.
# ---------------------------------------------------------------------------
Params = dict[str, NDArray[np.float64]]
PARAM_NAMES = ("W1", "b1", "W2", "b2")


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """The largest elementwise relative error |a - b| / max(1e-8, |a| + |b|) (0.0 for empty arrays)."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    if a_arr.size == 0:
        return 0.0
    return float(np.max(np.abs(a_arr - b_arr) / np.maximum(1e-8, np.abs(a_arr) + np.abs(b_arr))))


def numerical_gradient(f: Callable[[NDArray[np.float64]], float], A: ArrayLike, h: float = 1e-5) -> NDArray[np.float64]:
    """Central differences (f(A + h e_i) - f(A - h e_i)) / (2h) for every element of A.

    f takes an array shaped like A and returns a number; A is not modified (f gets copies).
    """
    at = np.array(A, dtype=np.float64)
    grad = np.zeros_like(at)
    for i in range(at.size):
        plus, minus = at.copy(), at.copy()
        plus.flat[i] += h
        minus.flat[i] -= h
        grad.flat[i] = (float(f(plus)) - float(f(minus))) / (2.0 * h)
    return grad


def linear_forward(X: ArrayLike, W: ArrayLike, b: ArrayLike):
    """out = X @ W + b for a batch.

    X: (N, D), W: (D, M), b: (M,). Returns (out, cache): out (N, M), cache = (X, W, b) as
    float64 copies, what linear_backward needs.
    """
    X_arr = np.array(X, dtype=np.float64)
    W_arr = np.array(W, dtype=np.float64)
    b_arr = np.array(b, dtype=np.float64)
    if X_arr.ndim != 2 or W_arr.ndim != 2 or b_arr.shape != (W_arr.shape[1],) or X_arr.shape[1] != W_arr.shape[0]:
        raise ValueError(f"expected X (N, D), W (D, M), b (M,), got {X_arr.shape}, {W_arr.shape}, {b_arr.shape}")
    return X_arr @ W_arr + b_arr, (X_arr, W_arr, b_arr)


def linear_backward(dout: ArrayLike, cache) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Gradients of the linear layer given dout = d loss / d out, (N, M).

    Returns (dX, dW, db) shaped like X (N, D), W (D, M) and b (M,):
    dX = dout @ W.T, dW = X.T @ dout, db = dout summed over the batch.
    """
    X, W, _ = cache
    d = np.asarray(dout, dtype=np.float64)
    return d @ W.T, X.T @ d, d.sum(axis=0)


def relu_forward(x: ArrayLike) -> NDArray[np.float64]:
    """Elementwise max(0, x) as a new float array of the same shape."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def hinge_loss_backward(S: ArrayLike, y: ArrayLike, delta: float = 1.0) -> tuple[float, NDArray[np.float64]]:
    """The mean multiclass hinge loss of scores S and its gradient d loss / d S.

    S: (N, C) scores, y: (N,) integer class indices. loss = mean_i sum_{j != y_i} max(0, S_ij - S_iy_i + delta).
    dS: (N, C): 1/N at every positive margin, minus (their count)/N at the true class;
    a margin of exactly 0 counts as inactive.
    """
    scores = np.asarray(S, dtype=np.float64)
    labels = np.asarray(y).astype(np.intp)
    n = scores.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, labels][:, None] + delta
    margins[rows, labels] = 0.0
    active = margins > 0.0
    loss = float(np.where(active, margins, 0.0).sum() / n)
    dS = active.astype(np.float64)
    dS[rows, labels] = -active.sum(axis=1)
    return loss, dS / n


def init_two_layer(D: int, H: int, C: int, scale: float = 0.1, seed: int = 0) -> Params:
    """Weights drawn from scale * standard normal with default_rng(seed) (W1 first, then W2), zero biases."""
    rng = np.random.default_rng(seed)
    W1 = scale * rng.standard_normal((D, H))
    W2 = scale * rng.standard_normal((H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def two_layer_scores(params: Params, X: ArrayLike) -> NDArray[np.float64]:
    """Class scores (N, C) of the network: relu(X @ W1 + b1) @ W2 + b2."""
    hidden, _ = linear_forward(X, params["W1"], params["b1"])
    scores, _ = linear_forward(relu_forward(hidden), params["W2"], params["b2"])
    return scores


def two_layer_loss(params: Params, X: ArrayLike, y: ArrayLike, reg: float = 0.0) -> tuple[float, Params]:
    """Loss and gradients of Linear -> ReLU -> Linear -> mean hinge loss (delta = 1).

    params: {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}; X: (N, D); y: (N,) integers.
    loss = mean hinge + reg * (sum(W1**2) + sum(W2**2)) (biases are not regularized).
    Returns (loss, grads), grads a new dict with the same keys and shapes as params.
    """
    z1, cache1 = linear_forward(X, params["W1"], params["b1"])
    h1 = relu_forward(z1)
    scores, cache2 = linear_forward(h1, params["W2"], params["b2"])
    data_loss, dscores = hinge_loss_backward(scores, y)
    W1, W2 = np.asarray(params["W1"], dtype=np.float64), np.asarray(params["W2"], dtype=np.float64)
    loss = data_loss + reg * float(np.sum(W1 * W1) + np.sum(W2 * W2))
    dh1, dW2, db2 = linear_backward(dscores, cache2)
    dz1 = relu_backward(z1, dh1)
    _, dW1, db1 = linear_backward(dz1, cache1)
    return loss, {"W1": dW1 + 2.0 * reg * W1, "b1": db1, "W2": dW2 + 2.0 * reg * W2, "b2": db2}


def sgd_step(params: Params, grads: Params, lr: float) -> Params:
    """One plain SGD step: a new dict with params[k] - lr * grads[k] for every key of params."""
    return {k: np.asarray(v, dtype=np.float64) - lr * np.asarray(grads[k], dtype=np.float64)
            for k, v in params.items()}


def train_two_layer(params: Params, X: ArrayLike, y: ArrayLike, lr: float, reg: float, epochs: int,
                    batch_size: int, seed: int = 0) -> tuple[Params, list[float]]:
    """Minibatch SGD on two_layer_loss; returns (trained params, history).

    rng = default_rng(seed) is made once; every epoch starts with order = rng.permutation(N)
    and takes the minibatches order[0:B], order[B:2B], ... (the last one may be smaller),
    one sgd_step each. history[k] is two_layer_loss on the whole of X, y (with reg) after epoch k.
    The params passed in are not modified.
    """
    X_arr = np.asarray(X, dtype=np.float64)
    y_arr = np.asarray(y)
    n = X_arr.shape[0]
    rng = np.random.default_rng(seed)
    current = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    history: list[float] = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = two_layer_loss(current, X_arr[batch], y_arr[batch], reg)
            current = sgd_step(current, grads, lr)
        history.append(two_layer_loss(current, X_arr, y_arr, reg)[0])
    return current, history


def make_spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int = 0):
    """A 2-D spiral with n_classes interleaved arms: X (n_per_class * n_classes, 2) float64, y integers.

    Arm k has radii evenly spaced in [0, 1] and angles from 4k to 4(k + 1) radians plus
    Gaussian noise (noise standard deviation, default_rng(seed)).
    """
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for k in range(n_classes):
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        radius = np.linspace(0.0, 1.0, n_per_class)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + noise * rng.standard_normal(n_per_class)
        X[rows] = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
        y[rows] = k
    return X, y


def accuracy(params: Params, X: ArrayLike, y: ArrayLike) -> float:
    """The fraction of rows of X whose highest score is the true class."""
    return float(np.mean(np.argmax(two_layer_scores(params, X), axis=1) == np.asarray(y)))
