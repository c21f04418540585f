"""Tests of nnlab.reference.backprop: the lecture's numbers, torch.autograd and finite differences."""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import pytest
import torch

from nnlab.reference import backprop as bp

LECTURE_W = [2.0, -3.0, -3.0]
LECTURE_X = [-1.0, -2.0]


def torch_grads(fn: Callable[..., torch.Tensor], *args: float) -> tuple[float, list[float]]:
    """Value and gradient of a scalar torch function of scalar float64 arguments."""
    leaves = [torch.tensor(float(a), dtype=torch.float64, requires_grad=True) for a in args]
    out = fn(*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves]


def central_difference(fn: Callable[[np.ndarray], float], at: np.ndarray, h: float = 1e-6) -> np.ndarray:
    at = np.asarray(at, dtype=np.float64)
    grad = np.zeros_like(at)
    for i in range(at.size):
        step = np.zeros_like(at)
        step.flat[i] = h
        grad.flat[i] = (fn(at + step) - fn(at - step)) / (2 * h)
    return grad


# --------------------------------------------------------------------------- worked example
def test_worked_example_matches_lecture() -> None:
    assert (bp.x, bp.y, bp.z) == (-2, 5, -4)
    assert (bp.q, bp.f) == (3, -12)
    assert (bp.df_dx, bp.df_dy, bp.df_dz) == (-4, -4, 3)


def test_worked_example_matches_torch() -> None:
    value, grads = torch_grads(lambda a, b, c: (a + b) * c, -2, 5, -4)
    assert value == pytest.approx(bp.f)
    assert grads == pytest.approx([bp.df_dx, bp.df_dy, bp.df_dz])


# --------------------------------------------------------------------------- gates
BINARY_GATES = [
    (bp.AddGate, lambda a, b: a + b),
    (bp.MultiplyGate, lambda a, b: a * b),
    (bp.MaxGate, torch.maximum),
]
UNARY_GATES = [
    (bp.ExpGate, torch.exp),
    (bp.ReciprocalGate, lambda a: 1 / a),
    (lambda: bp.AddConstantGate(2.5), lambda a: a + 2.5),
    (lambda: bp.MultiplyConstantGate(-1.5), lambda a: -1.5 * a),
    (bp.SigmoidGate, torch.sigmoid),
]


@pytest.mark.parametrize("make_gate, torch_fn", BINARY_GATES)
def test_binary_gates_match_torch(make_gate, torch_fn) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b, dout = rng.normal(size=3) * 3
        gate = make_gate()
        out = gate.forward(a, b)
        grads = gate.backward(dout)
        value, (da, db) = torch_grads(torch_fn, a, b)
        assert out == pytest.approx(value, rel=1e-12)
        assert isinstance(grads, tuple) and len(grads) == 2
        assert all(isinstance(g, float) for g in grads)
        assert grads == pytest.approx((da * dout, db * dout), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("make_gate, torch_fn", UNARY_GATES)
def test_unary_gates_match_torch_and_finite_differences(make_gate, torch_fn) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        a = rng.uniform(0.3, 3.0) * rng.choice([-1.0, 1.0])  # away from 0, where 1/x blows up
        dout = rng.normal()
        gate = make_gate()
        out = gate.forward(a)
        grad = gate.backward(dout)
        value, (da,) = torch_grads(torch_fn, a)
        assert isinstance(grad, float) and not isinstance(grad, tuple)
        assert out == pytest.approx(value, rel=1e-12)
        assert grad == pytest.approx(da * dout, rel=1e-10)
        numeric = central_difference(lambda v: float(make_gate().forward(v[0])), np.array([a]))[0]
        assert grad == pytest.approx(numeric * dout, rel=1e-6, abs=1e-9)


def test_multiply_gate_uses_the_inputs_stored_by_forward() -> None:
    first, second = bp.MultiplyGate(), bp.MultiplyGate()
    first.forward(3.0, -4.0)
    second.forward(10.0, 0.5)  # another instance must not disturb the first one's memory
    assert first.backward(2.0) == (-8.0, 6.0)  # each input gets dout times the *other* input
    assert second.backward(1.0) == (0.5, 10.0)


def test_gates_remember_a_copy_of_array_inputs() -> None:
    a, b = np.array([1.0, -2.0]), np.array([3.0, 4.0])
    gate = bp.MultiplyGate()
    gate.forward(a, b)
    a[0] = 100.0  # the caller reuses its buffer after the forward pass
    da, db = gate.backward(np.ones(2))
    np.testing.assert_array_equal(da, [3.0, 4.0])
    np.testing.assert_array_equal(db, [1.0, -2.0])


def test_backward_before_forward_is_an_error() -> None:
    for gate in (bp.MultiplyGate(), bp.MaxGate(), bp.ExpGate(), bp.ReciprocalGate(), bp.SigmoidGate()):
        with pytest.raises(RuntimeError, match="before forward"):
            gate.backward(1.0)


def test_max_gate_routes_the_whole_gradient_to_the_winner() -> None:
    gate = bp.MaxGate()
    assert gate.forward(2.0, 5.0) == 5.0
    assert gate.backward(3.0) == (0.0, 3.0)
    assert gate.forward(-1.0, -7.0) == -1.0
    assert gate.backward(3.0) == (3.0, 0.0)
    assert gate.forward(4.0, 4.0) == 4.0
    assert gate.backward(3.0) == (3.0, 0.0)  # tie: the first input wins, nothing is lost


def test_add_gate_distributes_and_constant_gates() -> None:
    add = bp.AddGate()
    assert add.forward(-2, 5) == 3.0
    assert add.backward(-4.0) == (-4.0, -4.0)
    plus = bp.AddConstantGate(1)
    assert plus.forward(0.37) == pytest.approx(1.37)
    assert plus.backward(-0.53) == -0.53
    negate = bp.MultiplyConstantGate(-1)
    assert negate.forward(1.0) == -1.0
    assert negate.backward(-0.2) == pytest.approx(0.2)


def test_gates_work_elementwise_on_arrays() -> None:
    rng = np.random.default_rng(2)
    a, b, dout = rng.normal(size=(3, 4, 5))
    mul = bp.MultiplyGate()
    np.testing.assert_allclose(mul.forward(a, b), a * b)
    da, db = mul.backward(dout)
    np.testing.assert_allclose(da, b * dout)
    np.testing.assert_allclose(db, a * dout)
    mx = bp.MaxGate()
    np.testing.assert_allclose(mx.forward(a, b), np.maximum(a, b))
    da, db = mx.backward(dout)
    np.testing.assert_allclose(da + db, dout)
    assert da.shape == db.shape == a.shape
    sig = bp.SigmoidGate()
    sig.forward(a)
    assert sig.backward(dout).shape == a.shape


def test_sigmoid_gate_is_stable_for_huge_inputs() -> None:
    gate = bp.SigmoidGate()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = gate.forward(np.array([-1e4, -1000.0, 0.0, 1000.0, 1e4]))
        grad = gate.backward(np.ones(5))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.25, 0.0, 0.0])


def test_gates_do_not_mutate_array_inputs() -> None:
    a = np.array([0.5, -1.5])
    dout = np.array([1.0, 2.0])
    for gate in (bp.ExpGate(), bp.ReciprocalGate(), bp.SigmoidGate(), bp.MultiplyConstantGate(3)):
        gate.forward(a)
        gate.backward(dout)
    np.testing.assert_array_equal(a, [0.5, -1.5])
    np.testing.assert_array_equal(dout, [1.0, 2.0])


# --------------------------------------------------------------------------- sigmoid neuron
def test_sigmoid_neuron_lecture_numbers() -> None:
    out, dw, dx = bp.sigmoid_neuron(LECTURE_W, LECTURE_X)
    assert out == pytest.approx(0.7311, abs=5e-5)
    np.testing.assert_allclose(dw, [-0.197, -0.393, 0.197], atol=5e-4)
    np.testing.assert_allclose(dx, [0.393, -0.590], atol=5e-4)
    # The slides round to two decimals.
    np.testing.assert_allclose(dw, [-0.20, -0.40, 0.20], atol=0.01)
    np.testing.assert_allclose(dx, [0.40, -0.60], atol=0.011)


def test_sigmoid_neuron_intermediate_values_and_gradients() -> None:
    trace = bp.sigmoid_neuron_trace(LECTURE_W, LECTURE_X)
    forward = [trace.values[k] for k in ("w0*x0", "w1*x1", "sum", "z", "-z", "exp(-z)", "1+exp(-z)", "out")]
    np.testing.assert_allclose(forward, [-2, 6, 4, 1, -1, 0.37, 1.37, 0.73], atol=5e-3)
    g = trace.grads
    assert g["out"] == 1.0
    assert g["1+exp(-z)"] == pytest.approx(-0.53, abs=5e-3)  # -1 / 1.37**2
    assert g["exp(-z)"] == pytest.approx(-0.53, abs=5e-3)    # the +1 gate passes it on
    assert g["-z"] == pytest.approx(-0.20, abs=5e-3)         # times exp(-1) = 0.37
    for node in ("z", "sum", "w2", "w0*x0", "w1*x1"):          # *-1 flips it, the adds distribute it
        assert g[node] == pytest.approx(0.20, abs=5e-3)
    # The whole sigmoid in one step: out * (1 - out), as the lecture derives.
    assert g["z"] == pytest.approx(trace.values["out"] * (1 - trace.values["out"]), rel=1e-12)


def test_sigmoid_neuron_return_types_and_inputs_untouched() -> None:
    w = np.array(LECTURE_W)
    x = np.array(LECTURE_X)
    out, dw, dx = bp.sigmoid_neuron(w, x)
    assert isinstance(out, float)
    assert dw.shape == (3,) and dx.shape == (2,)
    assert dw.dtype == dx.dtype == np.float64
    np.testing.assert_array_equal(w, LECTURE_W)
    np.testing.assert_array_equal(x, LECTURE_X)
    with pytest.raises(ValueError):
        bp.sigmoid_neuron([1.0, 2.0], [1.0, 2.0])


def neuron_by_torch(w: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Independent of the module: torch.autograd on the neuron written as 1 / (1 + exp(-z))."""
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    x_t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = 1 / (1 + torch.exp(-(w_t[:2] @ x_t + w_t[2])))
    out.backward()
    return out.item(), w_t.grad.numpy(), x_t.grad.numpy()


def test_sigmoid_neuron_matches_torch_and_finite_differences_at_random_points() -> None:
    rng = np.random.default_rng(3)
    for _ in range(25):
        w, x = rng.normal(size=3) * 2, rng.normal(size=2) * 2
        out, dw, dx = bp.sigmoid_neuron(w, x)
        expected_out, expected_dw, expected_dx = neuron_by_torch(w, x)
        assert out == pytest.approx(expected_out, rel=1e-12)
        np.testing.assert_allclose(dw, expected_dw, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(
            dw, central_difference(lambda v, x=x: bp.sigmoid_neuron(v, x)[0], w), rtol=1e-6, atol=1e-9
        )
        np.testing.assert_allclose(
            dx, central_difference(lambda v, w=w: bp.sigmoid_neuron(w, v)[0], x), rtol=1e-6, atol=1e-9
        )


def test_sigmoid_neuron_agrees_with_one_sigmoid_gate() -> None:
    rng = np.random.default_rng(4)
    w, x = rng.normal(size=3), rng.normal(size=2)
    out, dw, dx = bp.sigmoid_neuron(w, x)
    gate = bp.SigmoidGate()
    assert gate.forward(w[0] * x[0] + w[1] * x[1] + w[2]) == pytest.approx(out, rel=1e-12)
    dz = gate.backward(1.0)
    np.testing.assert_allclose(dw, dz * np.array([x[0], x[1], 1.0]), rtol=1e-12)
    np.testing.assert_allclose(dx, dz * w[:2], rtol=1e-12)


# --------------------------------------------------------------------------- torch_sigmoid_neuron
def test_torch_sigmoid_neuron_lecture_numbers_and_types() -> None:
    w = np.array(LECTURE_W)
    x = np.array(LECTURE_X)
    out, dw, dx = bp.torch_sigmoid_neuron(w, x)
    assert isinstance(out, float)
    assert isinstance(dw, np.ndarray) and isinstance(dx, np.ndarray)
    assert dw.shape == (3,) and dx.shape == (2,) and dw.dtype == np.float64
    assert out == pytest.approx(0.7311, abs=5e-5)
    np.testing.assert_allclose(dw, [-0.197, -0.393, 0.197], atol=5e-4)
    np.testing.assert_allclose(dx, [0.393, -0.590], atol=5e-4)
    np.testing.assert_array_equal(w, LECTURE_W)
    np.testing.assert_array_equal(x, LECTURE_X)
    # Lists are fine too, and a second call starts from fresh gradients.
    again = bp.torch_sigmoid_neuron(LECTURE_W, LECTURE_X)
    np.testing.assert_array_equal(again[1], dw)


def test_torch_sigmoid_neuron_matches_the_gates_at_random_points() -> None:
    rng = np.random.default_rng(5)
    for _ in range(25):
        w, x = rng.normal(size=3) * 2, rng.normal(size=2) * 2
        for got, expected in zip(bp.torch_sigmoid_neuron(w, x), bp.sigmoid_neuron(w, x)):
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- Value
def test_value_worked_example() -> None:
    a, b, c = bp.Value(-2), bp.Value(5), bp.Value(-4)
    out = (a + b) * c
    out.backward()
    assert out.data == -12.0
    assert (a.grad, b.grad, c.grad) == (-4.0, -4.0, 3.0)


def test_value_gradients_add_at_branches() -> None:
    for at in (-3.0, 0.5, 2.0):
        v = bp.Value(at)
        out = v * v + v
        out.backward()
        assert out.data == at * at + at
        assert v.grad == pytest.approx(2 * at + 1)


def test_value_diamond_graph_is_visited_in_topological_order() -> None:
    # b feeds two paths that meet again; b's gradient must be complete before it reaches a.
    a = bp.Value(1.5)
    b = a * 2
    c = b.exp()
    d = b ** 2
    out = c * d
    out.backward()
    value, (expected,) = torch_grads(lambda t: torch.exp(2 * t) * (2 * t) ** 2, 1.5)
    assert out.data == pytest.approx(value)
    assert a.grad == pytest.approx(expected, rel=1e-12)


def test_value_numbers_on_either_side() -> None:
    v = bp.Value(4.0)
    cases = {
        "2*v": (2 * v, 8.0, 2.0),
        "v*2": (v * 2, 8.0, 2.0),
        "v+1": (v + 1, 5.0, 1.0),
        "1+v": (1 + v, 5.0, 1.0),
        "v-1": (v - 1, 3.0, 1.0),
        "10-v": (10 - v, 6.0, -1.0),
        "-v": (-v, -4.0, -1.0),
        "v/2": (v / 2, 2.0, 0.5),
        "1/v": (1 / v, 0.25, -1 / 16),
        "v**0.5": (v ** 0.5, 2.0, 0.25),
        "v**-2": (v ** -2, 1 / 16, -2 / 64),
    }
    for name, (node, data, grad) in cases.items():
        v.grad = 0.0
        node.backward()
        assert isinstance(node, bp.Value), name
        assert node.data == pytest.approx(data), name
        assert v.grad == pytest.approx(grad), name


def test_value_unary_functions_match_torch() -> None:
    functions = [
        (lambda v: v.exp(), torch.exp),
        (lambda v: v.relu(), torch.relu),
        (lambda v: v.sigmoid(), torch.sigmoid),
    ]
    for at in (-2.5, -0.3, 0.7, 3.0):  # relu is tested away from 0, where conventions differ
        for mine, theirs in functions:
            v = bp.Value(at)
            out = mine(v)
            out.backward()
            value, (grad,) = torch_grads(theirs, at)
            assert out.data == pytest.approx(value, rel=1e-12)
            assert v.grad == pytest.approx(grad, rel=1e-12)


def test_value_relu_at_zero_follows_the_course_convention() -> None:
    v = bp.Value(0.0)
    out = v.relu()
    out.backward()
    assert out.data == 0.0
    assert v.grad == 1.0  # d_relu(0) == 1 in this course; torch.relu gives 0 there


def test_value_sigmoid_is_stable() -> None:
    for at, expected in ((-1000.0, 0.0), (1000.0, 1.0)):
        v = bp.Value(at)
        out = v.sigmoid()
        out.backward()
        assert out.data == expected and v.grad == 0.0


def test_value_power_takes_numbers_only() -> None:
    with pytest.raises(TypeError):
        bp.Value(2.0) ** bp.Value(3.0)
    assert (bp.Value(2.0) ** 3).data == 8.0


def test_value_data_and_grad_are_floats_and_repr() -> None:
    v = bp.Value(3)
    assert isinstance(v.data, float) and v.grad == 0.0
    assert "3.0" in repr(v)


def test_value_deep_chain_does_not_hit_the_recursion_limit() -> None:
    v = bp.Value(1.0)
    out = v
    for _ in range(5000):
        out = out * 1.0001 + 0.0
    out.backward()
    assert v.grad == pytest.approx(1.0001 ** 5000, rel=1e-9)


# Random expressions built in lockstep with torch: same operations on Value and on tensors.
OPERATIONS = [
    ("add", 2, lambda a, b: a + b),
    ("sub", 2, lambda a, b: a - b),
    ("mul", 2, lambda a, b: a * b),
    ("div", 2, lambda a, b: a / (b * b + 1)),          # a branch, and a denominator >= 1
    ("rdiv", 1, lambda a: 2 / (a * a + 0.5)),         # number / Value
    ("sqrt", 1, lambda a: (a * a + 1) ** 0.5),         # fractional power of a positive base
    ("cube", 1, lambda a: a ** 3),
    ("inverse_square", 1, lambda a: (a * a + 1) ** -2),
    ("scale_shift", 1, lambda a: 1.5 - 0.5 * a),
    ("exp", 1, lambda a: (-(a * a)).exp()),            # bounded exp
    ("relu", 1, lambda a: a.relu()),
    ("sigmoid", 1, lambda a: (3 * a).sigmoid()),
]


def _torch_unary(name: str) -> Callable:
    return {"exp": lambda t: torch.exp(-(t * t)), "relu": torch.relu, "sigmoid": lambda t: torch.sigmoid(3 * t)}[name]


def random_expression(rng: np.random.Generator, n_leaves: int, n_ops: int):
    leaves_data = rng.uniform(-2, 2, size=n_leaves)
    values = [bp.Value(d) for d in leaves_data]
    tensors = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in leaves_data]
    nodes_v, nodes_t = list(values), list(tensors)
    for _ in range(n_ops):
        name, arity, op = OPERATIONS[rng.integers(len(OPERATIONS))]
        picks = rng.integers(len(nodes_v), size=arity)  # earlier nodes are reused: branches
        args_v = [nodes_v[i] for i in picks]
        args_t = [nodes_t[i] for i in picks]
        torch_op = _torch_unary(name) if name in ("exp", "relu", "sigmoid") else op
        nodes_v.append(op(*args_v))
        nodes_t.append(torch_op(*args_t))
    # The sum of several late nodes, so many leaves matter and some nodes are used many times.
    root_v, root_t = nodes_v[-1], nodes_t[-1]
    for i in rng.integers(n_leaves, len(nodes_v), size=3):
        root_v = root_v + nodes_v[i]
        root_t = root_t + nodes_t[i]
    return values, tensors, root_v, root_t


@pytest.mark.parametrize("seed", range(30))
def test_value_random_expressions_match_torch(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    values, tensors, root_v, root_t = random_expression(rng, n_leaves=4, n_ops=12)
    root_v.backward()
    root_t.backward()
    assert root_v.data == pytest.approx(root_t.item(), rel=1e-10, abs=1e-12)
    for v, t in zip(values, tensors):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_value_random_expression_matches_finite_differences() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        a0, b0, c0 = rng.uniform(0.5, 2.0, size=3)

        def build(a, b, c):
            t = a * b + b / c - (a ** 2) * (c + 1) ** -1
            return (t * a).sigmoid() + (0.3 * t).exp() + t.relu() + 1 / (1 + c * c)

        a, b, c = bp.Value(a0), bp.Value(b0), bp.Value(c0)
        build(a, b, c).backward()
        numeric = central_difference(
            lambda p: build(bp.Value(p[0]), bp.Value(p[1]), bp.Value(p[2])).data, np.array([a0, b0, c0])
        )
        np.testing.assert_allclose([a.grad, b.grad, c.grad], numeric, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- ReLU layer
def test_relu_backward_matches_torch() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(16, 64))
    dout = rng.normal(size=(16, 64))
    x_before, dout_before = x.copy(), dout.copy()
    x_t = torch.tensor(x, requires_grad=True)
    torch.relu(x_t).backward(torch.tensor(dout))
    dx = bp.relu_backward(x, dout)
    assert dx.shape == x.shape and dx.dtype == np.float64
    np.testing.assert_array_equal(dx, x_t.grad.numpy())
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


def test_relu_backward_scalars_zero_and_shape_errors() -> None:
    assert bp.relu_backward(2.0, 3.0) == 3.0
    assert bp.relu_backward(-2.0, 3.0) == 0.0
    assert bp.relu_backward(0.0, 3.0) == 3.0  # course convention: the gradient passes at 0
    assert np.ndim(bp.relu_backward(-1.0, 5.0)) == 0
    np.testing.assert_array_equal(bp.relu_backward([-1, 0, 1], [4, 5, 6]), [0.0, 5.0, 6.0])
    with pytest.raises(ValueError):
        bp.relu_backward(np.zeros(3), np.zeros(4))


def test_relu_jacobian_is_diagonal_and_gives_the_same_gradient() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=6)
    dout = rng.normal(size=6)
    jac = bp.relu_jacobian(x)
    assert jac.shape == (6, 6) and jac.dtype == np.float64
    np.testing.assert_array_equal(jac, np.diag(np.diag(jac)))
    np.testing.assert_array_equal(np.diag(jac), (x >= 0).astype(float))
    np.testing.assert_allclose(jac.T @ dout, bp.relu_backward(x, dout))
    torch_jac = torch.autograd.functional.jacobian(torch.relu, torch.tensor(x))
    np.testing.assert_array_equal(jac, torch_jac.numpy())


def test_relu_jacobian_of_a_matrix_uses_row_major_order() -> None:
    x = np.array([[1.0, -1.0], [-2.0, 0.0]])
    jac = bp.relu_jacobian(x)
    assert jac.shape == (4, 4)
    np.testing.assert_array_equal(np.diag(jac), [1.0, 0.0, 0.0, 1.0])


def test_the_jacobian_of_a_4096_wide_layer_would_take_128_mib() -> None:
    n = 64
    assert bp.relu_jacobian(np.ones(n)).nbytes == n * n * 8  # float64, n x n
    assert 4096 * 4096 * 8 == 128 * 2**20
    assert bp.relu_backward(np.ones(4096), np.ones(4096)).nbytes == 4096 * 8  # 32 KiB instead


# --------------------------------------------------------------------------- the learning loop by hand
def _linear_case(rng: np.random.Generator, n: int = 5, d: int = 4, m: int = 3):
    return rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))


def test_rel_error_and_numerical_gradient() -> None:
    assert bp.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert bp.rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert bp.rel_error([0.0], [0.0]) == 0.0 and bp.rel_error(np.zeros(0), np.zeros(0)) == 0.0
    A = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = A.copy()
    grad = bp.numerical_gradient(lambda M: float(np.sum(M ** 3)), A)
    np.testing.assert_allclose(grad, 3 * A ** 2, rtol=1e-8)
    np.testing.assert_array_equal(A, before)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_linear_layer_matches_torch(n: int) -> None:
    rng = np.random.default_rng(20 + n)
    X, W, b, dout = _linear_case(rng, n=n)
    copies = [a.copy() for a in (X, W, b, dout)]
    out, cache = bp.linear_forward(X, W, b)
    dX, dW, db = bp.linear_backward(dout, cache)
    assert out.shape == (n, 3) and dX.shape == X.shape and dW.shape == W.shape and db.shape == b.shape
    assert out.dtype == dX.dtype == dW.dtype == db.dtype == np.float64
    tensors = [torch.tensor(a, requires_grad=True) for a in (X, W, b)]
    out_t = tensors[0] @ tensors[1] + tensors[2]
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12)
    for got, t in zip((dX, dW, db), tensors):
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-12, atol=1e-14)
    for before, after in zip(copies, (X, W, b, dout)):
        np.testing.assert_array_equal(before, after)


def test_linear_layer_matches_finite_differences() -> None:
    rng = np.random.default_rng(30)
    X, W, b, dout = _linear_case(rng, n=6, d=5, m=4)
    dX, dW, db = bp.linear_backward(dout, bp.linear_forward(X, W, b)[1])

    def loss(X_, W_, b_):  # a scalar whose gradient with respect to out is dout
        return float(np.sum(bp.linear_forward(X_, W_, b_)[0] * dout))

    assert bp.rel_error(dX, bp.numerical_gradient(lambda A: loss(A, W, b), X)) < 1e-7
    assert bp.rel_error(dW, bp.numerical_gradient(lambda A: loss(X, A, b), W)) < 1e-7
    assert bp.rel_error(db, bp.numerical_gradient(lambda A: loss(X, W, A), b)) < 1e-7


def test_linear_forward_checks_shapes_and_copies_its_cache() -> None:
    with pytest.raises(ValueError):
        bp.linear_forward(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(2))
    X, W, b = np.ones((2, 3)), np.ones((3, 2)), np.zeros(2)
    _, cache = bp.linear_forward(X, W, b)
    X[0, 0] = 100.0  # the caller reuses its buffer: the cache keeps what forward saw
    dX, dW, db = bp.linear_backward(np.ones((2, 2)), cache)
    np.testing.assert_array_equal(dW, np.full((3, 2), 2.0))


LECTURE_S = np.array([[-2.0, 5.0, 3.0], [5.0, 6.0, 3.0], [-2.0, 3.0, 4.0]])
LECTURE_Y = np.array([2, 1, 0])


def test_hinge_loss_backward_lecture_numbers() -> None:
    loss, dS = bp.hinge_loss_backward(LECTURE_S, LECTURE_Y)
    assert loss == pytest.approx(16 / 3)
    # row 0: class 1 active (5 - 3 + 1 = 3), class 0 not (-2 - 3 + 1 < 0); row 1: nothing active;
    # row 2: both other classes active (3 + 2 + 1, 4 + 2 + 1).
    np.testing.assert_allclose(dS, np.array([[0, 1, -1], [0, 0, 0], [-2, 1, 1]]) / 3)


def test_hinge_loss_backward_matches_torch_and_finite_differences() -> None:
    rng = np.random.default_rng(31)
    for n, c in [(1, 3), (6, 4), (20, 10)]:
        S, y = rng.normal(size=(n, c)) * 2, rng.integers(0, c, size=n)
        S_before, y_before = S.copy(), y.copy()
        loss, dS = bp.hinge_loss_backward(S, y)
        assert isinstance(loss, float) and dS.shape == S.shape and dS.dtype == np.float64
        S_t = torch.tensor(S, requires_grad=True)
        loss_t = c * torch.nn.functional.multi_margin_loss(S_t, torch.tensor(y))
        loss_t.backward()
        assert loss == pytest.approx(loss_t.item(), rel=1e-12)
        np.testing.assert_allclose(dS, S_t.grad.numpy(), atol=1e-14)
        numeric = bp.numerical_gradient(lambda A, y=y: bp.hinge_loss_backward(A, y)[0], S, h=1e-6)
        assert bp.rel_error(dS, numeric) < 1e-6
        np.testing.assert_array_equal(S, S_before)
        np.testing.assert_array_equal(y, y_before)


def test_relu_forward_is_a_new_array() -> None:
    x = np.array([[-1.0, 0.0, 2.0]])
    out = bp.relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0]])
    assert out is not x and out.dtype == np.float64
    np.testing.assert_array_equal(x, [[-1.0, 0.0, 2.0]])


def _torch_two_layer_loss(params, X, y, reg):
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    scores = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    C = scores.shape[1]
    loss = C * torch.nn.functional.multi_margin_loss(scores, torch.tensor(y)) \
        + reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("n, reg", [(1, 0.0), (8, 0.0), (8, 0.1), (25, 1e-3)])
def test_two_layer_loss_matches_torch(n: int, reg: float) -> None:
    rng = np.random.default_rng(40 + n)
    params = bp.init_two_layer(4, 6, 3, scale=1.0, seed=n)
    params["b1"] = rng.normal(size=6)
    X, y = rng.normal(size=(n, 4)), rng.integers(0, 3, size=n)
    copies = {k: v.copy() for k, v in params.items()}
    loss, grads = bp.two_layer_loss(params, X, y, reg)
    expected_loss, expected = _torch_two_layer_loss(params, X, y, reg)
    assert isinstance(loss, float) and loss == pytest.approx(expected_loss, rel=1e-12)
    assert set(grads) == set(params)
    for k in params:
        assert grads[k].shape == params[k].shape
        np.testing.assert_allclose(grads[k], expected[k], rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(params[k], copies[k])


def test_two_layer_loss_passes_a_gradient_check() -> None:
    rng = np.random.default_rng(50)
    params = bp.init_two_layer(3, 5, 4, scale=1.0, seed=5)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 4, size=10)
    _, grads = bp.two_layer_loss(params, X, y, reg=0.05)
    for k in params:
        def f(A, k=k):
            return bp.two_layer_loss({**params, k: A}, X, y, reg=0.05)[0]
        assert bp.rel_error(grads[k], bp.numerical_gradient(f, params[k], h=1e-6)) < 1e-6, k


def test_sgd_step_returns_new_arrays() -> None:
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"W": np.full((2, 2), 2.0), "b": np.array([1.0, -1.0])}
    new = bp.sgd_step(params, grads, 0.5)
    np.testing.assert_array_equal(new["W"], np.zeros((2, 2)))
    np.testing.assert_array_equal(new["b"], [-0.5, 0.5])
    np.testing.assert_array_equal(params["W"], np.ones((2, 2)))
    assert new is not params and new["b"] is not params["b"]


def test_train_two_layer_follows_the_stated_order() -> None:
    """The same run written out: one generator, a permutation per epoch, batches in order."""
    rng = np.random.default_rng(60)
    X, y = rng.normal(size=(23, 2)), rng.integers(0, 3, size=23)
    params = bp.init_two_layer(2, 7, 3, scale=0.5, seed=3)
    copies = {k: v.copy() for k, v in params.items()}
    trained, history = bp.train_two_layer(params, X, y, lr=0.3, reg=1e-3, epochs=4, batch_size=5, seed=9)
    order_rng = np.random.default_rng(9)
    current, expected_history = dict(params), []
    for _ in range(4):
        order = order_rng.permutation(23)
        for batch in (order[0:5], order[5:10], order[10:15], order[15:20], order[20:23]):
            _, grads = bp.two_layer_loss(current, X[batch], y[batch], 1e-3)
            current = {k: current[k] - 0.3 * grads[k] for k in current}
        expected_history.append(bp.two_layer_loss(current, X, y, 1e-3)[0])
    for k in params:
        np.testing.assert_allclose(trained[k], current[k], rtol=1e-12)
        np.testing.assert_array_equal(params[k], copies[k])
    assert len(history) == 4 and all(isinstance(v, float) for v in history)
    np.testing.assert_allclose(history, expected_history, rtol=1e-12)
    again = bp.train_two_layer(params, X, y, lr=0.3, reg=1e-3, epochs=4, batch_size=5, seed=9)
    np.testing.assert_array_equal(again[0]["W1"], trained["W1"])


def test_train_two_layer_edge_batch_sizes() -> None:
    rng = np.random.default_rng(61)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 3, size=6)
    params = bp.init_two_layer(2, 4, 3, scale=0.5, seed=4)
    # batch_size >= N: one full-batch step per epoch, whatever the order.
    trained, _ = bp.train_two_layer(params, X, y, lr=0.1, reg=0.0, epochs=1, batch_size=100, seed=0)
    expected = bp.sgd_step(params, bp.two_layer_loss(params, X, y)[1], 0.1)
    for k in params:
        np.testing.assert_allclose(trained[k], expected[k], rtol=1e-12)
    trained, history = bp.train_two_layer(params, X, y, lr=0.1, reg=0.0, epochs=2, batch_size=1, seed=0)
    assert len(history) == 2


SPIRAL_SETTINGS = dict(lr=0.5, reg=1e-4, epochs=300, batch_size=30)


def _train_linear(X, y, lr, reg, epochs, batch_size, seed):
    """The same SGD on a linear classifier (no hidden layer), built from the same reference layers."""
    rng = np.random.default_rng(seed)
    W, b = 0.5 * rng.standard_normal((2, 3)), np.zeros(3)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            scores, cache = bp.linear_forward(X[batch], W, b)
            _, dS = bp.hinge_loss_backward(scores, y[batch])
            _, dW, db = bp.linear_backward(dS, cache)
            W, b = W - lr * (dW + 2 * reg * W), b - lr * db
    return float(np.mean(np.argmax(X @ W + b, axis=1) == y))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_net_learns_the_spiral_and_a_linear_model_cannot(seed: int) -> None:
    X, y = bp.make_spiral(100, 3, noise=0.2, seed=seed)
    assert X.shape == (300, 2) and X.dtype == np.float64 and np.bincount(y).tolist() == [100, 100, 100]
    params = bp.init_two_layer(2, 50, 3, scale=0.5, seed=seed + 10)
    trained, history = bp.train_two_layer(params, X, y, seed=seed + 20, **SPIRAL_SETTINGS)
    assert bp.accuracy(trained, X, y) > 0.9
    assert history[-1] < 0.5 * history[0]
    assert _train_linear(X, y, seed=seed, **SPIRAL_SETTINGS) < 0.7


def test_make_spiral_is_seeded() -> None:
    a, b = bp.make_spiral(10, 3, seed=4), bp.make_spiral(10, 3, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], bp.make_spiral(10, 3, seed=5)[0])
