"""Hidden graders for the backprop notebook. Points per test cell match the notebook.

Gates and `Value` objects are made and used inside the student's process (handles); only
the numbers they hold come back. Expected values come from `nnlab.reference.backprop`.
"""
import numpy as np
import pytest

from nnlab.graders import checks
from nnlab.reference import backprop as ref
from nnlab.runner.wire import Handle

LECTURE_W, LECTURE_X = [2.0, -3.0, -3.0], [-1.0, -2.0]


def unchanged(before, after, what):
    assert np.array_equal(np.asarray(before), np.asarray(after)), f"{what} must not modify its input"


def two_grads(value, what: str) -> tuple[float, float]:
    """The (d_first, d_second) tuple a two-input gate's backward returns."""
    if type(value) is not tuple or len(value) != 2:
        kind = f"a tuple of {len(value)}" if type(value) is tuple else checks._kind(value)
        raise checks.AnswerTypeError(f"{what} should return a tuple of two gradients, got {kind}")
    return checks.number(value[0], what), checks.number(value[1], what)


def one_grad(value, what: str) -> float:
    """The single float a one-input gate's backward returns (not a tuple, not an array)."""
    if type(value) is not float:
        raise checks.AnswerTypeError(f"{what} should return a single float, got {checks._kind(value)}")
    return value


# -- gates, kept in the student's process --------------------------------------------------
class Gate:
    """A gate object living in the student's process."""

    def __init__(self, student, name: str, *args):
        self.student, self.name = student, name
        self.handle = student.call(name, *args, keep=True)

    def forward(self, *inputs) -> float:
        return checks.number(self.student.call_method(self.handle, "forward", *inputs), f"{self.name}.forward")

    def backward(self, dout: float):
        return self.student.call_method(self.handle, "backward", dout)


def check_binary(student, name: str, a: float, b: float, dout: float) -> None:
    """The student's gate and the reference gate agree on forward(a, b) and backward(dout)."""
    gate, expected = Gate(student, name), getattr(ref, name)()
    checks.close(gate.forward(a, b), expected.forward(a, b), f"{name}.forward")
    got = two_grads(gate.backward(dout), f"{name}.backward")
    checks.close(got, expected.backward(dout), f"{name}.backward")


def check_unary(student, name: str, args: tuple, a: float, dout: float, rtol: float = 1e-6) -> None:
    gate, expected = Gate(student, name, *args), getattr(ref, name)(*args)
    checks.close(gate.forward(a), expected.forward(a), f"{name}.forward", rtol=rtol)
    got = checks.number(gate.backward(dout), f"{name}.backward")
    checks.close(got, expected.backward(dout), f"{name}.backward", rtol=rtol)


# -- Exercise 1: the worked example (1 point) --------------------------------------------------
def _number(student, name: str) -> float:
    value = student.get(name)
    if not (type(value) in (int, float) or isinstance(value, np.ndarray) and value.shape == () and value.dtype != bool):
        raise checks.AnswerTypeError(f"the variable {name} should be a number, got {checks._kind(value)}")
    return float(value)


@pytest.mark.grade("test_worked_example", points=0.5)
def test_worked_example_forward(student):
    """the forward pass at x, y, z = -2, 5, -4: q = x + y = 3 and f = q * z = -12"""
    assert _number(student, "q") == ref.q
    assert _number(student, "f") == ref.f


@pytest.mark.grade("test_worked_example", points=0.25)
def test_worked_example_add_gate_gradients(student):
    """df_dx and df_dy: the add gate passes the upstream gradient df/dq = z = -4 on to x and y"""
    assert _number(student, "df_dx") == ref.df_dx
    assert _number(student, "df_dy") == ref.df_dy


@pytest.mark.grade("test_worked_example", points=0.25)
def test_worked_example_multiply_gate_gradient(student):
    """df_dz: the multiply gate gives z the other factor, q = 3"""
    assert _number(student, "df_dz") == ref.df_dz


# -- Exercise 2: gates with two inputs (3 points) ----------------------------------------------
@pytest.mark.grade("test_binary_gates", points=0.75)
def test_add_gate(student, rng):
    """AddGate: forward is x + y, backward hands dout unchanged to both inputs, as a tuple"""
    check_binary(student, "AddGate", -2.0, 5.0, -4.0)
    for a, b, dout in rng.normal(scale=3.0, size=(5, 3)):
        check_binary(student, "AddGate", float(a), float(b), float(dout))


@pytest.mark.grade("test_binary_gates", points=0.75)
def test_multiply_gate(student, rng):
    """MultiplyGate: forward is x * y, and each input gets dout times the OTHER input"""
    check_binary(student, "MultiplyGate", 3.0, -4.0, 2.0)
    for a, b, dout in rng.normal(scale=3.0, size=(5, 3)):
        check_binary(student, "MultiplyGate", float(a), float(b), float(dout))


@pytest.mark.grade("test_binary_gates", points=0.5)
def test_multiply_gate_remembers_its_own_inputs(student, rng):
    """each MultiplyGate object stores the inputs of its own latest forward call"""
    (a1, b1), (a2, b2), (a3, b3) = rng.uniform(0.5, 4.0, size=(3, 2)) * rng.choice([-1.0, 1.0], size=(3, 2))
    first, second = Gate(student, "MultiplyGate"), Gate(student, "MultiplyGate")
    first.forward(float(a1), float(b1))
    second.forward(float(a2), float(b2))
    checks.close(two_grads(first.backward(1.0), "MultiplyGate.backward"), (b1, a1), "MultiplyGate.backward")
    second.forward(float(a3), float(b3))  # a new forward call replaces what the gate stored
    checks.close(two_grads(second.backward(-2.0), "MultiplyGate.backward"), (-2.0 * b3, -2.0 * a3),
                 "MultiplyGate.backward")


@pytest.mark.grade("test_binary_gates", points=0.5)
def test_max_gate(student, rng):
    """MaxGate: forward is the larger input; all of dout goes to it and 0 to the other"""
    check_binary(student, "MaxGate", 2.0, 5.0, 3.0)
    check_binary(student, "MaxGate", 5.0, 2.0, 3.0)
    for a, b, dout in rng.normal(scale=3.0, size=(6, 3)):
        check_binary(student, "MaxGate", float(a), float(b), float(dout))


@pytest.mark.grade("test_binary_gates", points=0.25)
def test_max_gate_ties(student, rng):
    """on a tie the first input x takes all of the gradient, so the two always add up to dout"""
    for a, dout in [(4.0, 2.0), (0.0, -1.5), *rng.normal(scale=3.0, size=(3, 2))]:
        check_binary(student, "MaxGate", float(a), float(a), float(dout))


@pytest.mark.grade("test_binary_gates", points=0.25)
def test_binary_gates_edge_cases(student):
    """zeros, very large numbers and whole-number inputs work; backward always returns a tuple of two"""
    for name, a, b, dout in [("AddGate", 0.0, 0.0, 0.0), ("AddGate", 1e100, -1e100, 1e50), ("AddGate", 2, 3, 1),
                             ("MultiplyGate", 0.0, 7.0, 3.0), ("MultiplyGate", 1e100, -1e100, 1.0),
                             ("MultiplyGate", 2, -3, 1), ("MaxGate", -1e100, 1e100, 5.0), ("MaxGate", 3, -2, 1)]:
        check_binary(student, name, a, b, dout)


# -- Exercise 3: gates with one input (3 points) -----------------------------------------------
@pytest.mark.grade("test_unary_gates", points=0.5)
def test_exp_gate(student, rng):
    """ExpGate: forward is exp(x) (exp(-1) = 0.37), backward is dout times exp(x)"""
    check_unary(student, "ExpGate", (), -1.0, -0.53)
    for a, dout in zip(rng.uniform(-5.0, 5.0, size=4), rng.normal(size=4)):
        check_unary(student, "ExpGate", (), float(a), float(dout))
    check_unary(student, "ExpGate", (), -1000.0, 1.0)


@pytest.mark.grade("test_unary_gates", points=0.5)
def test_reciprocal_gate(student, rng):
    """ReciprocalGate: forward is 1/x, backward is dout times -1/x**2 (about -0.53 at 1.37)"""
    check_unary(student, "ReciprocalGate", (), 1.37, 1.0)
    for a, dout in zip(rng.uniform(0.2, 5.0, size=4) * rng.choice([-1.0, 1.0], size=4), rng.normal(size=4)):
        check_unary(student, "ReciprocalGate", (), float(a), float(dout))


@pytest.mark.grade("test_unary_gates", points=0.5)
def test_constant_gates(student, rng):
    """AddConstantGate(c) has local gradient 1, MultiplyConstantGate(a) has local gradient a"""
    check_unary(student, "AddConstantGate", (1.0,), 0.37, -0.53)
    check_unary(student, "MultiplyConstantGate", (-1.0,), 1.0, -0.2)
    for const, a, dout in rng.normal(scale=3.0, size=(4, 3)):
        check_unary(student, "AddConstantGate", (float(const),), float(a), float(dout))
        check_unary(student, "MultiplyConstantGate", (float(const),), float(a), float(dout))


@pytest.mark.grade("test_unary_gates", points=0.75)
def test_sigmoid_gate(student, rng):
    """SigmoidGate: sigma(1) = 0.73, and backward is dout * sigma(x) * (1 - sigma(x))"""
    check_unary(student, "SigmoidGate", (), 1.0, 1.0)
    for a, dout in zip(rng.normal(scale=4.0, size=5), rng.normal(size=5)):
        check_unary(student, "SigmoidGate", (), float(a), float(dout))


@pytest.mark.grade("test_unary_gates", points=0.5)
def test_sigmoid_gate_extremes(student, rng):
    """SigmoidGate at 0 and far out: sigma(-1000) is 0.0 and sigma(1000) is 1.0, with no overflow"""
    check_unary(student, "SigmoidGate", (), 0.0, 1.0)
    for a in (-1000.0, 1000.0, -1e4, 1e4, float(rng.uniform(40.0, 700.0)), -float(rng.uniform(40.0, 700.0))):
        check_unary(student, "SigmoidGate", (), a, float(rng.normal()), rtol=1e-6)


@pytest.mark.grade("test_unary_gates", points=0.25)
def test_unary_gates_return_floats(student):
    """the backward of a one-input gate returns a single float, not a tuple or an array"""
    for name, args, a in [("ExpGate", (), 0.5), ("ReciprocalGate", (), 2.0), ("AddConstantGate", (2.0,), 1.0),
                          ("MultiplyConstantGate", (3.0,), 1.0), ("SigmoidGate", (), 0.5)]:
        gate = Gate(student, name, *args)
        gate.forward(a)
        one_grad(gate.backward(1.5), f"{name}.backward")  # its value is graded by the tests above


# -- Exercise 4: the sigmoid neuron gate by gate (3 points) ------------------------------------
def _neuron(value, what: str):
    if type(value) not in (tuple, list) or len(value) != 3:
        raise checks.AnswerTypeError(f"{what} should return (out, dw, dx), got {checks._kind(value)}")
    out, dw, dx = value
    for name, array, shape in [("dw", dw, (3,)), ("dx", dx, (2,))]:
        checks.array(array, f"{what} (its {name})")
        if array.shape != shape:
            raise checks.AnswerTypeError(f"{what} should return {name} of shape {shape}, got shape {array.shape}")
    return checks.number(out, f"{what} (its out)"), dw.astype(np.float64), dx.astype(np.float64)


def check_neuron(student, name: str, w, x, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    out, dw, dx = _neuron(student.call(name, w, x), name)
    out_ref, dw_ref, dx_ref = ref.sigmoid_neuron(w, x)
    checks.close(out, out_ref, f"{name}: out", rtol=rtol, atol=atol)
    checks.close(dw, dw_ref, f"{name}: dw", rtol=rtol, atol=atol)
    checks.close(dx, dx_ref, f"{name}: dx", rtol=rtol, atol=atol)


@pytest.mark.grade("test_sigmoid_neuron", points=1)
def test_neuron_lecture_numbers(student):
    """w = [2, -3, -3], x = [-1, -2]: out 0.73, dw [-0.20, -0.39, 0.20], dx [0.39, -0.59]"""
    check_neuron(student, "sigmoid_neuron", np.array(LECTURE_W), np.array(LECTURE_X))


@pytest.mark.grade("test_sigmoid_neuron", points=1)
def test_neuron_other_weights(student, rng):
    """out, dw and dx for other weights and inputs, matching the chain rule to many digits"""
    for _ in range(5):
        check_neuron(student, "sigmoid_neuron", rng.normal(scale=2.0, size=3), rng.normal(scale=2.0, size=2))


@pytest.mark.grade("test_sigmoid_neuron", points=0.5)
def test_neuron_takes_lists_and_keeps_inputs(student, rng):
    """w and x may be lists or arrays; the result is (float, array (3,), array (2,)) and w, x are not modified"""
    w, x = rng.normal(size=3), rng.normal(size=2)
    result, (w_after, x_after) = student.call_with_args("sigmoid_neuron", w, x)
    _neuron(result, "sigmoid_neuron")
    unchanged(w, w_after, "sigmoid_neuron")
    unchanged(x, x_after, "sigmoid_neuron")
    _neuron(student.call("sigmoid_neuron", [float(v) for v in w], [float(v) for v in x]), "sigmoid_neuron")


@pytest.mark.grade("test_sigmoid_neuron", points=0.5)
def test_neuron_edge_cases(student, rng):
    """zero weights or inputs (out = 0.5) and a strongly saturated neuron still give exact gradients"""
    check_neuron(student, "sigmoid_neuron", [0.0, 0.0, 0.0], rng.normal(size=2).tolist())
    check_neuron(student, "sigmoid_neuron", rng.normal(size=3).tolist(), [0.0, 0.0])
    for sign in (1.0, -1.0):  # z = w0*x0 + w1*x1 + w2 far from 0: out close to 1 or to 0
        w = [sign * float(rng.uniform(5.0, 8.0)), sign * float(rng.uniform(5.0, 8.0)), sign * 5.0]
        check_neuron(student, "sigmoid_neuron", w, [1.5, 1.0], rtol=1e-6, atol=0.0)


# -- Exercise 5: Value, a scalar autograd engine (4 points) -------------------------------------
class Node:
    """A `Value` in the student's process, driven with Python's operators from here.

    `2 * node` runs `Value.__rmul__(2)` there, `node + other` runs `Value.__add__`:
    exactly what the same expression on the student's own Value objects runs.
    """

    def __init__(self, student, handle, what: str):
        if not isinstance(handle, Handle) or handle.type_name != "Value":
            kind = handle.type_name if isinstance(handle, Handle) else type(handle).__name__
            raise checks.AnswerTypeError(f"{what} should give a Value, got a {kind}")
        self.student, self.handle = student, handle

    @classmethod
    def leaf(cls, student, data: float) -> "Node":
        return cls(student, student.call("Value", float(data), keep=True), "Value(number)")

    def _apply(self, method: str, *args) -> "Node":
        args = [a.handle if isinstance(a, Node) else a for a in args]
        return Node(self.student, self.student.call_method(self.handle, method, *args, keep=True),
                    f"Value.{method}")

    def __add__(self, other): return self._apply("__add__", other)
    def __radd__(self, other): return self._apply("__radd__", other)
    def __mul__(self, other): return self._apply("__mul__", other)
    def __rmul__(self, other): return self._apply("__rmul__", other)
    def __sub__(self, other): return self._apply("__sub__", other)
    def __rsub__(self, other): return self._apply("__rsub__", other)
    def __truediv__(self, other): return self._apply("__truediv__", other)
    def __rtruediv__(self, other): return self._apply("__rtruediv__", other)
    def __pow__(self, k): return self._apply("__pow__", k)
    def __neg__(self): return self._apply("__neg__")
    def exp(self): return self._apply("exp")
    def relu(self): return self._apply("relu")
    def sigmoid(self): return self._apply("sigmoid")

    def backward(self) -> None:
        self.student.call_method(self.handle, "backward")

    def _attribute(self, name: str) -> float:
        return checks.number(self.student.call_method(self.handle, "__getattribute__", name), f"Value.{name}")

    @property
    def data(self) -> float:
        return self._attribute("data")

    @property
    def grad(self) -> float:
        return self._attribute("grad")


def check_graph(student, build, inputs, what: str, rtol: float = 1e-6) -> None:
    """Build `build(*leaves)` from Values in both processes, run backward, compare data and grads."""
    mine = [ref.Value(v) for v in inputs]
    theirs = [Node.leaf(student, v) for v in inputs]
    out_ref, out = build(*mine), build(*theirs)
    checks.close(out.data, out_ref.data, f"{what}: data", rtol=rtol)
    out_ref.backward()
    out.backward()
    checks.close([leaf.grad for leaf in theirs], [leaf.grad for leaf in mine], f"{what}: gradients", rtol=rtol)


@pytest.mark.grade("test_value", points=0.5)
def test_value_lecture_graph(student):
    """(x + y) * z at -2, 5, -4 gives -12, and backward gives the gradients -4, -4, 3 of section 1"""
    a, b, c = (Node.leaf(student, v) for v in (ref.x, ref.y, ref.z))
    q = a + b
    out = q * c
    checks.close(out.data, ref.f, "data")
    out.backward()
    checks.close([a.grad, b.grad, c.grad, q.grad, out.grad], [ref.df_dx, ref.df_dy, ref.df_dz, ref.df_dq, 1.0],
                 "gradients")


@pytest.mark.grade("test_value", points=0.5)
def test_value_gradients_add_at_branches(student, rng):
    """a value used more than once gets the sum of the gradients of its uses: d(v*v + v)/dv = 2v + 1"""
    check_graph(student, lambda v: v * v + v, [3.0], "v*v + v")
    check_graph(student, lambda v: v * v + v, [float(rng.normal(scale=3.0))], "v*v + v")
    check_graph(student, lambda u, v: u * v + u * 3.0 + v * u, rng.normal(size=2).tolist(), "u*v + 3u + v*u")


@pytest.mark.grade("test_value", points=0.75)
def test_value_topological_order(student, rng):
    """backward visits the nodes in reverse topological order, so paths that split and meet again are right"""
    def diamond(a):
        b = a * 2  # b feeds two paths that meet again
        return b.exp() * b ** 2

    check_graph(student, diamond, [1.5], "diamond")
    check_graph(student, diamond, [float(rng.uniform(-1.5, 1.5))], "diamond")

    def ladder(a, b):
        for _ in range(4):
            a, b = a * b + 1, a + b * 0.5
        return a * b

    check_graph(student, ladder, rng.uniform(-0.8, 0.8, size=2).tolist(), "ladder")


@pytest.mark.grade("test_value", points=0.75)
def test_value_operators_with_numbers(student, rng):
    """+, *, -, / and unary - with Values or plain numbers on either side, and v ** k, all give Values"""
    v, w = float(rng.uniform(0.5, 4.0)), float(rng.uniform(-4.0, -0.5))
    cases = [
        (lambda a: 2 * a, [4.0]), (lambda a: a + 1, [4.0]), (lambda a: 1 - a, [4.0]), (lambda a: 1 / a, [4.0]),
        (lambda a: a ** 0.5, [4.0]), (lambda a: -a, [4.0]), (lambda a: a * 2.5 - 1, [v]),
        (lambda a: 3.0 + a, [w]), (lambda a: a / 4.0, [w]), (lambda a: a ** 3, [w]), (lambda a: a ** -2, [v]),
        (lambda a, b: a - b, [v, w]), (lambda a, b: a / b, [v, w]), (lambda a, b: b * a, [v, w]),
    ]
    for build, inputs in cases:
        check_graph(student, build, inputs, "an operator")


@pytest.mark.grade("test_value", points=0.5)
def test_value_exp_relu_sigmoid(student, rng):
    """exp, relu and sigmoid with their gradients: relu passes the gradient at exactly 0, sigmoid never overflows"""
    check_graph(student, lambda a: a.sigmoid(), [1.0], "sigmoid")
    for a in [0.0, float(rng.uniform(0.1, 3.0)), -float(rng.uniform(0.1, 3.0))]:
        check_graph(student, lambda v: v.relu(), [a], "relu")
        check_graph(student, lambda v: v.exp(), [a], "exp")
        check_graph(student, lambda v: v.sigmoid(), [a], "sigmoid")
    for a in (-1000.0, 1000.0, -1e4):
        check_graph(student, lambda v: v.sigmoid(), [a], "sigmoid")


@pytest.mark.grade("test_value", points=1)
def test_value_expression_with_every_operation(student, rng):
    """a longer expression with every operation agrees with autograd, in value and in every gradient"""

    def expression(p, q, r):
        t = p * q - q / (r * r + 1) + 3 - 2 * p
        return (t * r).sigmoid() + (-(t * t)).exp() + t.relu() + (-1 * t).relu() + (p * p + 1) ** -1.5 \
            + 1 / (q * q + 2)

    check_graph(student, expression, [0.7, -1.3, 2.1], "expression")
    check_graph(student, expression, rng.uniform(-2.0, 2.0, size=3).tolist(), "expression")


# -- Exercise 6: the neuron with torch.autograd (2 points) -------------------------------------
@pytest.mark.grade("test_torch_sigmoid_neuron", points=0.5)
def test_torch_neuron_lecture_numbers(student):
    """w = [2, -3, -3], x = [-1, -2]: out 0.73, dw [-0.20, -0.39, 0.20], dx [0.39, -0.59]"""
    check_neuron(student, "torch_sigmoid_neuron", np.array(LECTURE_W), np.array(LECTURE_X))


@pytest.mark.grade("test_torch_sigmoid_neuron", points=0.75)
def test_torch_neuron_in_float64(student, rng):
    """other weights and inputs, to float64 precision (make the leaf tensors float64)"""
    for _ in range(5):
        check_neuron(student, "torch_sigmoid_neuron", rng.normal(scale=2.0, size=3), rng.normal(scale=2.0, size=2),
                     rtol=1e-10, atol=1e-13)


@pytest.mark.grade("test_torch_sigmoid_neuron", points=0.5)
def test_torch_neuron_returns_plain_values(student, rng):
    """out is a Python float and dw, dx are numpy arrays, not tensors"""
    result = student.call("torch_sigmoid_neuron", rng.normal(size=3), rng.normal(size=2), keep=True)
    if result.type_name not in ("tuple", "list"):
        raise checks.AnswerTypeError(f"torch_sigmoid_neuron should return (out, dw, dx), got a {result.type_name}")
    if student.call_method(result, "__len__") != 3:
        raise checks.AnswerTypeError("torch_sigmoid_neuron should return three things: (out, dw, dx)")
    for index, name, kinds, use in [(0, "out", ("float", "float64"), "use .item()"),
                                    (1, "dw", ("ndarray",), "use .numpy()"), (2, "dx", ("ndarray",), "use .numpy()")]:
        kind = student.call_method(result, "__getitem__", index, keep=True).type_name
        if kind not in kinds:
            raise checks.AnswerTypeError(f"torch_sigmoid_neuron should return {name} as "
                                         f"{'a Python float' if index == 0 else 'a numpy array'}, got a {kind} ({use})")


@pytest.mark.grade("test_torch_sigmoid_neuron", points=0.25)
def test_torch_neuron_lists_saturation_and_inputs_kept(student, rng):
    """lists work, a strongly saturated neuron is exact, and w and x are not modified"""
    w = [float(rng.uniform(5.0, 8.0)), float(rng.uniform(5.0, 8.0)), -5.0]
    check_neuron(student, "torch_sigmoid_neuron", w, [-1.5, -1.0], rtol=1e-9, atol=0.0)
    w, x = rng.normal(size=3), rng.normal(size=2)
    result, (w_after, x_after) = student.call_with_args("torch_sigmoid_neuron", w, x)
    _neuron(result, "torch_sigmoid_neuron")
    unchanged(w, w_after, "torch_sigmoid_neuron")
    unchanged(x, x_after, "torch_sigmoid_neuron")


# -- Exercise 7: ReLU backward without the Jacobian (2 points) ----------------------------------
LECTURE_RELU_X = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
LECTURE_RELU_DOUT = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


def _relu_backward(student, x, dout):
    out = student.call("relu_backward", x, dout)
    return checks.array(out, "relu_backward(x, dout)", np.shape(x))


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_backward_values(student, rng):
    """the gradient passes where x >= 0 (0 included, the course convention) and is 0 where x < 0"""
    checks.close(_relu_backward(student, LECTURE_RELU_X, LECTURE_RELU_DOUT),
                 ref.relu_backward(LECTURE_RELU_X, LECTURE_RELU_DOUT), "relu_backward")
    x, dout = rng.normal(size=20), rng.normal(size=20)
    checks.close(_relu_backward(student, x, dout), ref.relu_backward(x, dout), "relu_backward")


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_backward_any_shape(student, rng):
    """any shape (a batch, a single row, an empty array, huge values) and neither x nor dout is modified"""
    for shape, scale in [((8, 32), 1.0), ((1, 7), 1.0), ((2, 3, 4), 1.0), ((0,), 1.0), ((0, 4), 1.0),
                         ((6,), 1e300)]:
        x, dout = rng.normal(scale=scale, size=shape), rng.normal(scale=scale, size=shape)
        out, (x_after, dout_after) = student.call_with_args("relu_backward", x, dout)
        checks.close(checks.array(out, "relu_backward(x, dout)", shape), ref.relu_backward(x, dout), "relu_backward")
        unchanged(x, x_after, "relu_backward")
        unchanged(dout, dout_after, "relu_backward")


def _relu_jacobian(student, x):
    jac = student.call("relu_jacobian", x)
    if isinstance(jac, np.ndarray) and jac.dtype == bool:
        raise checks.AnswerTypeError("relu_jacobian(x) should return a float matrix, got booleans (use .astype(float))")
    return checks.array(jac, "relu_jacobian(x)", (len(x), len(x)))


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_jacobian_lecture(student):
    """on the notebook's x = [-2, -0.5, 0, 0.5, 2] the Jacobian is diag(0, 0, 1, 1, 1), a float matrix"""
    checks.close(_relu_jacobian(student, LECTURE_RELU_X), ref.relu_jacobian(LECTURE_RELU_X), "relu_jacobian")


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_jacobian_any_size(student, rng):
    """for any n the Jacobian is n x n and diagonal, J^T dout equals relu_backward (n = 1 too), x is not modified"""
    n = int(rng.integers(3, 12))
    x, dout = rng.normal(size=n), rng.normal(size=n)
    jac = _relu_jacobian(student, x)
    _, (x_after,) = student.call_with_args("relu_jacobian", x)
    unchanged(x, x_after, "relu_jacobian")
    checks.close(jac, ref.relu_jacobian(x), "relu_jacobian")
    checks.close(jac.T @ dout, ref.relu_backward(x, dout), "J^T dout")
    for single in (np.array([-3.0]), np.array([2.5])):
        checks.close(_relu_jacobian(student, single), ref.relu_jacobian(single), "relu_jacobian")
