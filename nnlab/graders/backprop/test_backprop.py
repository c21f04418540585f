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


# One wrong convention, one test: the value tests read a gradient or an output whatever holds it (a
# list instead of a tuple, a 0-d or one-element array, a tensor, which arrives as an array); the return
# types are tested once each, by the tests whose hints name them (binary gates' edge cases, one-input
# gates' floats, the neuron's (float, array, array), the torch neuron's plain values).
def value_number(value, what: str) -> float:
    """The number in `value`: a Python or numpy scalar, or a 0-d or one-element array of numbers."""
    if type(value) in (int, float):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    if type(value) in (tuple, list) and len(value) == 1:
        return value_number(value[0], what)
    raise checks.AnswerTypeError(f"{what} should return a number, got {checks._kind(value)}")


def two_grads(value, what: str, strict: bool = False) -> tuple[float, float]:
    """The (d_first, d_second) a two-input gate's backward returns: strictly a tuple of two numbers with
    strict=True (the test that names the rule), else any pair (a list, an array of two)."""
    if strict:
        if type(value) is not tuple or len(value) != 2:
            kind = f"a tuple of {len(value)}" if type(value) is tuple else checks._kind(value)
            raise checks.AnswerTypeError(f"{what} should return a tuple of two gradients, got {kind}")
        return checks.number(value[0], what), checks.number(value[1], what)
    if isinstance(value, np.ndarray) and value.size == 2:
        value = tuple(value.reshape(-1))
    if type(value) not in (tuple, list) or len(value) != 2:
        raise checks.AnswerTypeError(f"{what} should return two gradients, got {checks._kind(value)}")
    return value_number(value[0], what), value_number(value[1], what)


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
        return value_number(self.student.call_method(self.handle, "forward", *inputs), f"{self.name}.forward")

    def backward(self, dout: float):
        return self.student.call_method(self.handle, "backward", dout)


def check_binary(student, name: str, a: float, b: float, dout: float, strict: bool = False) -> None:
    """The student's gate and the reference gate agree on forward(a, b) and backward(dout) (strict: backward
    returns a tuple of two)."""
    gate, expected = Gate(student, name), getattr(ref, name)()
    checks.close(gate.forward(a, b), expected.forward(a, b), f"{name}.forward")
    got = two_grads(gate.backward(dout), f"{name}.backward", strict)
    checks.close(got, expected.backward(dout), f"{name}.backward")


def check_unary(student, name: str, args: tuple, a: float, dout: float, rtol: float = 1e-6) -> None:
    gate, expected = Gate(student, name, *args), getattr(ref, name)(*args)
    checks.close(gate.forward(a), expected.forward(a), f"{name}.forward", rtol=rtol)
    got = value_number(gate.backward(dout), f"{name}.backward")
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
        check_binary(student, name, a, b, dout, strict=True)


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
def _neuron(value, what: str, strict: bool = False):
    """(out, dw, dx): strictly a number and numpy arrays of shapes (3,) and (2,) with strict=True (the test
    that names the rule), else the same numbers in any container (a list, a (1, 3) array, a tensor)."""
    if type(value) not in (tuple, list) or len(value) != 3:
        raise checks.AnswerTypeError(f"{what} should return (out, dw, dx), got {checks._kind(value)}")
    out, dw, dx = value
    grads = []
    for name, array, shape in [("dw", dw, (3,)), ("dx", dx, (2,))]:
        if strict:
            checks.array(array, f"{what} (its {name})")
            if array.shape != shape:
                raise checks.AnswerTypeError(f"{what} should return {name} of shape {shape}, got shape {array.shape}")
        else:
            try:
                array = np.array(array, dtype=np.float64)
            except (TypeError, ValueError):
                raise checks.AnswerTypeError(f"{what} should return {name} as an array of numbers") from None
            if array.size != shape[0]:
                raise checks.AnswerTypeError(f"{what} should return {name} of shape {shape}, got shape {array.shape}")
        grads.append(array.reshape(shape).astype(np.float64))
    number = checks.number if strict else value_number
    return number(out, f"{what} (its out)"), *grads


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
    _neuron(result, "sigmoid_neuron", strict=True)
    checks.unchanged(w, w_after, "sigmoid_neuron")
    checks.unchanged(x, x_after, "sigmoid_neuron")
    _neuron(student.call("sigmoid_neuron", [float(v) for v in w], [float(v) for v in x]), "sigmoid_neuron", strict=True)


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
    checks.unchanged(w, w_after, "torch_sigmoid_neuron")
    checks.unchanged(x, x_after, "torch_sigmoid_neuron")


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
        checks.unchanged(x, x_after, "relu_backward")
        checks.unchanged(dout, dout_after, "relu_backward")


def _relu_jacobian(student, x, strict: bool = False):
    """relu_jacobian(x): strictly a float matrix with strict=True (the test whose hint names it), else its
    0/1 entries whatever their dtype (a boolean matrix holds the same values)."""
    jac = student.call("relu_jacobian", x)
    if isinstance(jac, np.ndarray) and jac.dtype == bool:
        if strict:
            raise checks.AnswerTypeError("relu_jacobian(x) should return a float matrix, got booleans "
                                         "(use .astype(float))")
        jac = jac.astype(np.float64)
    return checks.array(jac, "relu_jacobian(x)", (len(x), len(x)))


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_jacobian_lecture(student):
    """on the notebook's x = [-2, -0.5, 0, 0.5, 2] the Jacobian is diag(0, 0, 1, 1, 1), a float matrix"""
    checks.close(_relu_jacobian(student, LECTURE_RELU_X, strict=True), ref.relu_jacobian(LECTURE_RELU_X),
                 "relu_jacobian")


@pytest.mark.grade("test_relu_backward", points=0.5)
def test_relu_jacobian_any_size(student, rng):
    """for any n the Jacobian is n x n and diagonal, J^T dout equals relu_backward (n = 1 too), x is not modified"""
    n = int(rng.integers(3, 12))
    x, dout = rng.normal(size=n), rng.normal(size=n)
    jac = _relu_jacobian(student, x)
    _, (x_after,) = student.call_with_args("relu_jacobian", x)
    checks.unchanged(x, x_after, "relu_jacobian")
    checks.close(jac, ref.relu_jacobian(x), "relu_jacobian")
    checks.close(jac.T @ dout, ref.relu_backward(x, dout), "J^T dout")
    for single in (np.array([-3.0]), np.array([2.5])):
        checks.close(_relu_jacobian(student, single), ref.relu_jacobian(single), "relu_jacobian")


# -- Exercises 8 to 11: the learning loop by hand ------------------------------------------------
# Every call goes through the runner's `call_strictly` recipe (warnings and numpy's overflow /
# invalid / divide-by-zero raised as errors, as a graded cell sees them under nbgrader; the reply
# names the result's type and carries the array arguments as the call left them). Dictionaries of
# parameters are checked for changes with `call_with_args`, which returns every argument as left.
PARAM_KEYS = ("W1", "b1", "W2", "b2")


def training_inputs_unchanged(name: str, given: tuple, after: tuple) -> None:
    """(params, X, y) as the student's `name` left them are as they were given."""
    params, X, y = given
    params_after, X_after, y_after = after
    if type(params_after) is not dict or set(params_after) != set(params):
        raise checks.AnswerTypeError(f"{name} must not add or remove keys of params")
    for k in PARAM_KEYS:
        checks.unchanged(params[k], params_after[k], name)
    checks.unchanged(X, X_after, name)
    checks.unchanged(y, y_after, name)


def _strict(student, name, *args, **kwargs) -> dict:
    return student.recipe("call_strictly", name, list(args), kwargs)


def _tuple_of(value, size: int, what: str, names: str) -> tuple:
    if type(value) not in (tuple, list) or len(value) != size:
        raise checks.AnswerTypeError(f"{what} should return {names}, got {checks._kind(value)}")
    return tuple(value)


def _linear_case(rng, n: int | None = None, d: int | None = None, m: int | None = None):
    n = int(rng.integers(2, 9)) if n is None else n
    d = int(rng.integers(2, 7)) if d is None else d
    m = int(rng.integers(2, 7)) if m is None else m
    return rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))


def linear_forward_of(student, X, W, b):
    """(out, cache, reply) of the student's linear_forward; out must be a numpy array (N, M)."""
    reply = _strict(student, "linear_forward", X, W, b)
    out, cache = _tuple_of(reply["value"], 2, "linear_forward", "the pair (out, cache)")
    if isinstance(out, np.ndarray) and out.dtype.kind not in "fiu":
        raise checks.AnswerTypeError(f"linear_forward should return out as a float array, got dtype {out.dtype}")
    return checks.array(out, "linear_forward's out", (X.shape[0], W.shape[1])), cache, reply


def linear_backward_of(student, dout, cache, X, W, b):
    """(dX, dW, db, reply) of the student's linear_backward, shaped like X, W and b."""
    reply = _strict(student, "linear_backward", dout, cache)
    dX, dW, db = _tuple_of(reply["value"], 3, "linear_backward", "the triple (dX, dW, db)")
    return (checks.array(dX, "linear_backward's dX", X.shape), checks.array(dW, "linear_backward's dW", W.shape),
            checks.array(db, "linear_backward's db", b.shape), reply)


def check_linear_layer(student, X, W, b, dout) -> None:
    out, cache, _ = linear_forward_of(student, X, W, b)
    out_ref, cache_ref = ref.linear_forward(X, W, b)
    checks.close(out, out_ref, "linear_forward: out")
    dX, dW, db, _ = linear_backward_of(student, dout, cache, X, W, b)
    for name, got, expected in zip(("dX", "dW", "db"), (dX, dW, db), ref.linear_backward(dout, cache_ref)):
        checks.close(got, expected, f"linear_backward: {name}")


@pytest.mark.grade("test_linear_layer", points=0.75)
def test_linear_forward_values(student, rng):
    """linear_forward(X, W, b) returns (out, cache) with out = X @ W + b of shape (N, M)"""
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    W, b = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 1.0]]), np.array([0.1, 0.2, 0.3])
    checks.close(linear_forward_of(student, X, W, b)[0], [[2.1, 2.2, 1.3], [2.6, -0.8, -3.7]], "linear_forward")
    for _ in range(2):
        X, W, b, _ = _linear_case(rng)
        checks.close(linear_forward_of(student, X, W, b)[0], ref.linear_forward(X, W, b)[0], "linear_forward")


@pytest.mark.grade("test_linear_layer", points=1.25)
def test_linear_backward_values(student, rng):
    """linear_backward(dout, cache) returns dX, dW, db shaped like X, W, b and equal to the chain rule's"""
    for _ in range(3):
        check_linear_layer(student, *_linear_case(rng))


@pytest.mark.grade("test_linear_layer", points=0.5)
def test_linear_layer_batch_of_one(student, rng):
    """a batch of one (N = 1, X of shape (1, D)) and a single input or output (D = 1, M = 1) keep 2-D shapes"""
    for d, m in [(int(rng.integers(2, 6)), int(rng.integers(2, 6))), (1, 1), (int(rng.integers(2, 6)), 1)]:
        check_linear_layer(student, *_linear_case(rng, n=1, d=d, m=m))


@pytest.mark.grade("test_linear_layer", points=0.5)
def test_linear_layer_inputs_unchanged(student, rng):
    """linear_forward and linear_backward leave X, W, b and dout unchanged"""
    X, W, b, dout = _linear_case(rng)
    _, cache, reply = linear_forward_of(student, X, W, b)
    for position, (name, array) in enumerate([("X", X), ("W", W), ("b", b)]):
        after = reply["arrays"][position]
        assert after is not None and np.array_equal(after, array), f"linear_forward must not modify {name}"
    reply = linear_backward_of(student, dout, cache, X, W, b)[3]
    assert reply["arrays"][0] is not None and np.array_equal(reply["arrays"][0], dout), \
        "linear_backward must not modify dout"


# -- Exercise 9: relu_forward and hinge_loss_backward (2 points) -------------------------------
def hinge_of(student, S, y):
    """(loss, dS, reply) of the student's hinge_loss_backward(S, y)."""
    reply = _strict(student, "hinge_loss_backward", S, y)
    loss, dS = _tuple_of(reply["value"], 2, "hinge_loss_backward", "the pair (loss, dS)")
    return checks.number(loss, "hinge_loss_backward's loss"), checks.array(dS, "hinge_loss_backward's dS", S.shape), \
        reply


def check_hinge(student, S, y) -> dict:
    loss, dS, reply = hinge_of(student, S, y)
    loss_ref, dS_ref = ref.hinge_loss_backward(S, y)
    checks.close(loss, loss_ref, "hinge_loss_backward: loss")
    checks.close(dS, dS_ref, "hinge_loss_backward: dS")
    return reply


def _scores(rng, n: int, c: int):
    return rng.normal(scale=2.0, size=(n, c)), rng.integers(0, c, size=n)


@pytest.mark.grade("test_hinge_backward", points=0.5)
def test_hinge_backward_lecture(student):
    """the lecture's three images: loss 16/3 and dS = [[0, 1, -1], [0, 0, 0], [-2, 1, 1]] / 3"""
    check_hinge(student, np.array([[-2.0, 5.0, 3.0], [5.0, 6.0, 3.0], [-2.0, 3.0, 4.0]]), np.array([2, 1, 0]))


@pytest.mark.grade("test_hinge_backward", points=0.75)
def test_hinge_backward_random(student, rng):
    """loss and dS on random scores: 1/N at each positive margin, minus their count over N at the true class"""
    for n, c in [(int(rng.integers(4, 12)), 3), (int(rng.integers(4, 12)), int(rng.integers(4, 10)))]:
        check_hinge(student, *_scores(rng, n, c))
    # a margin of exactly 0 (S_j = S_y - 1) is not positive
    check_hinge(student, np.array([[2.0, 1.0, 0.5], [0.0, -1.0, 3.0]]), np.array([0, 1]))


@pytest.mark.grade("test_hinge_backward", points=0.5)
def test_hinge_backward_batch_of_one_and_inputs_unchanged(student, rng):
    """a batch of one (N = 1) works, and hinge_loss_backward leaves S and y unchanged"""
    check_hinge(student, *_scores(rng, 1, int(rng.integers(3, 8))))
    S, y = _scores(rng, int(rng.integers(4, 10)), 4)
    reply = hinge_of(student, S, y)[2]  # its values are graded above
    assert np.array_equal(reply["arrays"][0], S) and np.array_equal(reply["arrays"][1], y), \
        "hinge_loss_backward must not modify S or y"


@pytest.mark.grade("test_hinge_backward", points=0.25)
def test_relu_forward(student, rng):
    """relu_forward is max(0, x) as a new array of the same shape (any shape), and x is left unchanged"""
    for shape in [(int(rng.integers(2, 7)), int(rng.integers(2, 7))), (1, 5), (7,)]:
        x = rng.normal(size=shape)
        reply = _strict(student, "relu_forward", x)
        if reply["type"] != "numpy.ndarray":
            raise checks.AnswerTypeError(f"relu_forward should return a numpy array, got a {reply['type']}")
        checks.close(checks.array(reply["value"], "relu_forward", shape), ref.relu_forward(x), "relu_forward")
        assert np.array_equal(reply["arrays"][0], x), "relu_forward must not modify x"


# -- Exercise 10: two_layer_loss (3 points) ----------------------------------------------------
def _network(rng, n: int | None = None, reg: float = 0.0):
    d, h, c = int(rng.integers(2, 5)), int(rng.integers(3, 9)), int(rng.integers(3, 6))
    n = int(rng.integers(4, 12)) if n is None else n
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(scale=0.5, size=h),
              "W2": rng.normal(size=(h, c)), "b2": rng.normal(scale=0.5, size=c)}
    params["b1"][:2] = [-20.0, 20.0]  # one hidden unit surely off and one surely on, for every input
    X, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
    y[0] = np.argmin(ref.two_layer_scores(params, X[:1])[0])  # the first example surely has a loss, so dS != 0
    return params, X, y


def _params_of(value, what: str, like: dict) -> dict:
    if type(value) is not dict or set(value) != set(like):
        kind = f"a dict with keys {sorted(value)}" if type(value) is dict else checks._kind(value)
        raise checks.AnswerTypeError(f"{what} should be a dict with the keys {sorted(like)}, got {kind}")
    return {k: checks.array(value[k], f"{what}[{k!r}]", np.shape(like[k])) for k in like}


def two_layer_of(student, params, X, y, reg):
    reply = _strict(student, "two_layer_loss", params, X, y, reg)
    loss, grads = _tuple_of(reply["value"], 2, "two_layer_loss", "the pair (loss, grads)")
    return checks.number(loss, "two_layer_loss's loss"), _params_of(grads, "two_layer_loss's grads", params)


def check_two_layer(student, params, X, y, reg, gradients: bool = True) -> None:
    loss, grads = two_layer_of(student, params, X, y, reg)
    loss_ref, grads_ref = ref.two_layer_loss(params, X, y, reg)
    checks.close(loss, loss_ref, "two_layer_loss: loss")
    if gradients:
        for k in PARAM_KEYS:
            checks.close(grads[k], grads_ref[k], f"two_layer_loss: grads[{k!r}]")


@pytest.mark.grade("test_two_layer_loss", points=0.75)
def test_two_layer_loss_value(student, rng):
    """the loss is the mean hinge loss of relu(X @ W1 + b1) @ W2 + b2 plus reg * (sum W1**2 + sum W2**2)"""
    for reg in (0.0, float(rng.uniform(0.01, 0.2))):
        params, X, y = _network(rng)
        two_layer_of(student, params, X, y, reg)  # the types first: a pair (number, dict of arrays)
        check_two_layer(student, params, X, y, reg, gradients=False)


@pytest.mark.grade("test_two_layer_loss", points=0.75)
def test_two_layer_loss_gradients(student, rng):
    """grads holds W1, b1, W2, b2, each shaped like its parameter and equal to backprop's gradient (reg = 0)"""
    for _ in range(2):
        check_two_layer(student, *_network(rng), 0.0)


@pytest.mark.grade("test_two_layer_loss", points=0.5)
def test_two_layer_loss_regularization_gradients(student, rng):
    """with reg > 0 each weight gradient gains 2 * reg * W; the biases are not regularized"""
    check_two_layer(student, *_network(rng), float(rng.uniform(0.05, 0.5)))


@pytest.mark.grade("test_two_layer_loss", points=0.5)
def test_two_layer_loss_batch_of_one(student, rng):
    """a batch of one (N = 1, X of shape (1, D)) gives the loss and the gradients of that one example"""
    check_two_layer(student, *_network(rng, n=1), 0.0)


@pytest.mark.grade("test_two_layer_loss", points=0.5)
def test_two_layer_loss_inputs_unchanged(student, rng):
    """two_layer_loss leaves params (the dict and its arrays), X and y unchanged"""
    params, X, y = _network(rng)
    loss, _ = two_layer_of(student, params, X, y, 0.1)  # an answer, not a stub (warnings raised, as elsewhere)
    checks.close(loss, ref.two_layer_loss(params, X, y, 0.1)[0], "two_layer_loss: loss")
    _, (params_after, X_after, y_after, _) = student.call_with_args("two_layer_loss", params, X, y, 0.1)
    training_inputs_unchanged("two_layer_loss", (params, X, y), (params_after, X_after, y_after))


# -- Exercise 11: sgd_step and train_two_layer (3 points) --------------------------------------
def _sgd_case(rng):
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
              "b2": rng.normal(size=2)}
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    return params, grads, float(rng.uniform(0.01, 1.0))


@pytest.mark.grade("test_sgd_train", points=0.5)
def test_sgd_step_values(student, rng):
    """sgd_step returns a dict with params[k] - lr * grads[k] for every key"""
    params, grads, lr = _sgd_case(rng)
    new = _params_of(_strict(student, "sgd_step", params, grads, lr)["value"], "sgd_step's result", params)
    expected = ref.sgd_step(params, grads, lr)
    for k in params:
        checks.close(new[k], expected[k], f"sgd_step: [{k!r}]")


@pytest.mark.grade("test_sgd_train", points=0.5)
def test_sgd_step_inputs_unchanged(student, rng):
    """sgd_step leaves params and grads unchanged: it returns new arrays (no in-place -=)"""
    params, grads, lr = _sgd_case(rng)
    new = _params_of(_strict(student, "sgd_step", params, grads, lr)["value"], "sgd_step's result", params)
    expected = ref.sgd_step(params, grads, lr)
    _, (params_after, grads_after, _) = student.call_with_args("sgd_step", params, grads, lr)
    for k in params:  # an answer, not a stub that leaves everything alone
        checks.close(new[k], expected[k], f"sgd_step: [{k!r}]")
    for before, after in ((params, params_after), (grads, grads_after)):
        if type(after) is not dict or set(after) != set(before):
            raise checks.AnswerTypeError("sgd_step must not add or remove keys of params or grads")
        for k in before:
            checks.unchanged(before[k], after[k], "sgd_step")


def _training_case(rng, n: int):
    d, h, c = 2, int(rng.integers(4, 8)), 3
    params = ref.init_two_layer(d, h, c, scale=0.5, seed=int(rng.integers(0, 10_000)))
    return params, rng.normal(size=(n, d)), rng.integers(0, c, size=n)


def check_training(student, params, X, y, lr, reg, epochs, batch_size, seed):
    reply = _strict(student, "train_two_layer", params, X, y, lr, reg, epochs, batch_size, seed)
    trained, history = _tuple_of(reply["value"], 2, "train_two_layer", "the pair (trained_params, history)")
    trained = _params_of(trained, "train_two_layer's trained params", params)
    if type(history) is list:
        history = np.array([checks.number(v, "train_two_layer's history") for v in history])
    history = checks.array(history, "train_two_layer's history", (epochs,))
    trained_ref, history_ref = ref.train_two_layer(params, X, y, lr, reg, epochs, batch_size, seed)
    for k in PARAM_KEYS:
        checks.close(trained[k], trained_ref[k], f"train_two_layer: [{k!r}]")
    checks.close(history, history_ref, "train_two_layer: history")
    return reply


@pytest.mark.grade("test_sgd_train", points=1.25)
def test_train_follows_the_stated_order(student, rng):
    """one default_rng(seed), a permutation(N) per epoch, minibatches in order (last one smaller), a loss per epoch"""
    n = int(rng.integers(17, 30))
    batch_size = int(rng.choice([b for b in (4, 5, 6, 7) if n % b >= 2]))  # a smaller last batch, not of one
    check_training(student, *_training_case(rng, n), lr=float(rng.uniform(0.1, 0.4)),
                   reg=float(rng.uniform(1e-4, 1e-2)), epochs=3, batch_size=batch_size, seed=int(rng.integers(0, 1000)))


@pytest.mark.grade("test_sgd_train", points=0.75)
def test_train_edge_batch_sizes_and_inputs_unchanged(student, rng):
    """a batch of one (batch_size = 1) and batch_size > N work; params, X and y are left unchanged"""
    params, X, y = _training_case(rng, int(rng.integers(5, 9)))
    check_training(student, params, X, y, lr=0.2, reg=0.0, epochs=1, batch_size=1, seed=int(rng.integers(0, 1000)))
    check_training(student, params, X, y, lr=0.2, reg=0.0, epochs=2, batch_size=50, seed=int(rng.integers(0, 1000)))
    _, (params_after, X_after, y_after, *_) = student.call_with_args("train_two_layer", params, X, y, 0.2, 0.0, 2,
                                                                      3, 0)
    training_inputs_unchanged("train_two_layer", (params, X, y), (params_after, X_after, y_after))
