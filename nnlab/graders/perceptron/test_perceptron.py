"""Hidden graders for the perceptron notebook. Points per test cell match the notebook.

One rule, one test: the value tests read what comes back leniently (any number, any array of the
right size: `value`, `values`), so that the form of an answer (a number for one point, an array of
the right shape, float values, inputs left unchanged) is judged once, by the test that names it.
"Uses perceptron_output" (xor_two_layer) is read from the submitted notebook's source with `ast`
(parsed, never run).
"""
import ast

import numpy as np
import pytest

from nnlab.graders import checks
from nnlab.graders.definitions import notebook_definitions
from nnlab.reference import perceptron as ref

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND, OR, XOR = np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])


# -- what comes back, read for its values only --------------------------------------------------
def _as_floats(out, what: str) -> np.ndarray:
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise checks.AnswerTypeError(f"{what} should return numbers, got {checks._kind(out)}") from None


def value(out, what: str) -> float:
    """One number, whatever its form (a number, a bool, a 0-d or one-element array): its form is
    judged by the test that names it."""
    values = _as_floats(out, what)
    if values.size != 1:
        raise checks.AnswerTypeError(f"{what} should return one number, got {values.size} values")
    return float(values.reshape(-1)[0])


def values(out, what: str, shape: tuple) -> np.ndarray:
    """The values of an array that should have `shape`, in that shape when their number is right
    (a wrong shape is judged by the test that names the shape)."""
    found = _as_floats(out, what)
    if found.size != int(np.prod(shape)):
        raise checks.AnswerTypeError(f"{what} should return {int(np.prod(shape))} values (shape {tuple(shape)}), "
                                     f"got {found.size}")
    return found.reshape(shape)


def array_of_shape(out, what: str, shape: tuple) -> np.ndarray:
    """A numpy array (of any dtype: float values are judged by their own test) of the given shape."""
    if not isinstance(out, np.ndarray):
        raise checks.AnswerTypeError(f"{what} should return a numpy array, got {checks._kind(out)}")
    if out.shape != tuple(shape):
        raise checks.AnswerTypeError(f"{what} should return an array of shape {tuple(shape)}, got shape {out.shape}")
    return out


def float_array(out, what: str, shape: tuple) -> np.ndarray:
    """A numpy array of floats of the given shape (for the tests of the form of an answer)."""
    if not isinstance(out, np.ndarray) or out.dtype.kind != "f":
        kind = f"an array of {out.dtype}" if isinstance(out, np.ndarray) else checks._kind(out)
        raise checks.AnswerTypeError(f"{what} should return a numpy array of floats, got {kind}")
    return checks.array(out, what, shape)


# -- step (1 point) --------------------------------------------------------------------
@pytest.mark.grade("test_step", points=0.25)
def test_step_fires_at_zero(student, rng):
    """step(0) is 1: a net input exactly at the threshold fires (>=, not >)"""
    assert value(student.call("step", 0.0), "step(0.0)") == 1.0
    assert value(student.call("step", -0.0), "step(-0.0)") == 1.0
    z = rng.normal(size=(3, 4))
    z[rng.integers(0, 3), rng.integers(0, 4)] = 0.0
    checks.close(values(student.call("step", z), "step(z)", z.shape), ref.step(z), "step(z) with a 0 in z")


def _away_from_zero(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1e-3, 1e-3, z)


@pytest.mark.grade("test_step", points=0.25)
def test_step_values(student, rng):
    """step is 0 below the threshold and 1 above, for single numbers and for every element of an array"""
    for z in [*rng.normal(scale=3.0, size=4), -1e-12, 1e4, -1e4]:
        assert value(student.call("step", float(z)), "step(z)") == ref.step(float(z))
    for shape in [(5, 3), (7,), (2, 2, 3)]:
        z = _away_from_zero(rng.normal(size=shape))
        checks.close(values(student.call("step", z), "step(z)", shape), ref.step(z), "step(z)")


@pytest.mark.grade("test_step", points=0.25)
def test_step_number_or_same_shape(student, rng):
    """a number in gives a single number out; an array in gives an array of the same shape"""
    checks.number(student.call("step", float(rng.normal())), "step(z) of a number")
    for shape in [(5, 3), (7,), (1, 4)]:
        array_of_shape(student.call("step", rng.normal(size=shape)), "step(z) of an array", shape)


@pytest.mark.grade("test_step", points=0.125)
def test_step_float_arrays_also_for_integers(student, rng):
    """step of an array gives a float array, also for an integer array (integers in, floats out)"""
    float_array(student.call("step", rng.normal(size=(4, 3))), "step(z) of a float array", (4, 3))
    ints = rng.integers(-5, 6, size=9)
    float_array(student.call("step", ints), "step(z) of an integer array", ints.shape)
    float_array(student.call("step", ints.reshape(3, 3)), "step(z) of an integer array", (3, 3))


@pytest.mark.grade("test_step", points=0.125)
def test_step_leaves_input_unchanged(student, rng):
    """step does not modify its input array"""
    z = rng.normal(size=(5, 3))
    out, (after,) = student.call_with_args("step", z)
    values(out, "step(z)", z.shape)   # an answer first: a function that does nothing keeps its input too
    checks.unchanged(z, after, "step")


# -- perceptron_output (2 points) --------------------------------------------------------
@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_and_weights(student):
    """w = [-1.5, 1, 1] computes AND on the four corners (a batch of shape (4, 2))"""
    out = student.call("perceptron_output", np.array([-1.5, 1.0, 1.0]), CORNERS)
    checks.close(values(out, "perceptron_output(w, X)", (4,)), AND, "perceptron_output")


def _off_the_line(rng, d: int, n: int | None = None):
    """Weights and points (one point, or n) whose net inputs are clearly away from 0."""
    while True:
        w = rng.uniform(-1, 1, size=d + 1)
        x = rng.normal(size=d if n is None else (n, d))
        if np.all(np.abs(w[0] + x @ w[1:]) > 1e-6):
            return w, x


@pytest.mark.grade("test_perceptron_output", points=0.25)
def test_output_single_point(student, rng):
    """one point of shape (d,): w[0] is the bias weight (its input is 1), w[1:] weigh x"""
    out = student.call("perceptron_output", np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0]))
    assert value(out, "perceptron_output(w, x)") == 0.0
    for case in range(6):
        w, x = _off_the_line(rng, 3)
        while ref.perceptron_output(w, x) != case % 2:   # points on both sides: a constant answer cannot pass
            w, x = _off_the_line(rng, 3)
        assert value(student.call("perceptron_output", w, x), "perceptron_output(w, x)") == ref.perceptron_output(w, x)


@pytest.mark.grade("test_perceptron_output", points=0.25)
def test_output_net_input_zero(student, rng):
    """a point exactly on the line (net input 0) gives 1, alone or in a batch, as step(0) = 1"""
    on_line = student.call("perceptron_output", np.array([-1.0, 1.0, 1.0]), np.array([0.0, 1.0]))
    assert value(on_line, "perceptron_output(w, x)") == 1.0
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.0, 0.0]])
    checks.close(values(student.call("perceptron_output", np.array([-1.0, 1.0, 1.0]), X), "perceptron_output(w, X)",
                        (4,)), [1.0, 1.0, 1.0, 0.0], "perceptron_output on the line")


@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_any_dimension(student, rng):
    """a batch of N points with any number of inputs d gives N outputs"""
    d = int(rng.integers(2, 7))
    w, X = _off_the_line(rng, d, 25)
    out = values(student.call("perceptron_output", w, X), "perceptron_output(w, X)", (25,))
    checks.close(out, ref.perceptron_output(w, X), "perceptron_output(w, X)")
    w, X = _off_the_line(rng, 2, 1)
    out = values(student.call("perceptron_output", w, X), "perceptron_output(w, X[:1])", (1,))
    checks.close(out, ref.perceptron_output(w, X), "perceptron_output(w, X[:1])")


@pytest.mark.grade("test_perceptron_output", points=0.25)
def test_output_number_or_batch_shape(student, rng):
    """one point of shape (d,) gives one number; a batch (N, d) gives shape (N,), a batch of one (1, d) shape (1,)"""
    w = rng.uniform(-1, 1, size=4)
    checks.number(student.call("perceptron_output", w, rng.normal(size=3)), "perceptron_output(w, x)")
    array_of_shape(student.call("perceptron_output", w, rng.normal(size=(6, 3))), "perceptron_output(w, X)", (6,))
    array_of_shape(student.call("perceptron_output", w, rng.normal(size=(1, 3))), "perceptron_output(w, X[:1])", (1,))


@pytest.mark.grade("test_perceptron_output", points=0.25)
def test_output_inputs_unchanged(student, rng):
    """perceptron_output does not modify w or x"""
    w, X = rng.uniform(-1, 1, size=3), rng.normal(size=(5, 2))
    out, (w_after, X_after) = student.call_with_args("perceptron_output", w, X)
    values(out, "perceptron_output(w, X)", (5,))   # an answer first: doing nothing keeps the inputs too
    checks.unchanged(w, w_after, "perceptron_output")
    checks.unchanged(X, X_after, "perceptron_output")
    x = rng.normal(size=2)
    _, (w_after, x_after) = student.call_with_args("perceptron_output", w, x)
    checks.unchanged(w, w_after, "perceptron_output")
    checks.unchanged(x, x_after, "perceptron_output")


# -- perceptron_update (2 points) ------------------------------------------------------
def _update(student, w, x, t, lr):
    return values(student.call("perceptron_update", w, x, t, lr), "perceptron_update(w, x, t, lr)", np.shape(w))


@pytest.mark.grade("test_perceptron_update", points=0.25)
def test_update_correct_point_keeps_weights(student):
    """a correctly classified point leaves the weights unchanged"""
    w = np.array([-1.5, 1.0, 1.0])
    checks.close(_update(student, w, np.array([1.0, 1.0]), 1.0, 0.1), w, "update")
    checks.close(_update(student, w, np.array([0.0, 1.0]), 0.0, 0.1), w, "update")


@pytest.mark.grade("test_perceptron_update", points=0.5)
def test_update_moves_bias_and_weights(student):
    """a miss moves every weight by lr*(t - f)*input, the bias weight too (its input is 1)"""
    checks.close(_update(student, np.array([-1.0, 0.0, 0.0]), np.array([1.0, 1.0]), 1.0, 1.0), [0.0, 1.0, 1.0], "update")
    checks.close(_update(student, np.array([0.2, 0.3, -0.1]), np.array([2.0, 0.5]), 0.0, 0.1),
                 [0.1, 0.1, -0.15], "update")


@pytest.mark.grade("test_perceptron_update", points=0.25)
def test_update_net_input_zero(student):
    """a point on the line (net input exactly 0) has f = 1: with t = 0 it is a miss, with t = 1 it is not"""
    w, x = np.array([-1.0, 0.5, 0.5]), np.array([1.0, 1.0])        # net input -1 + 0.5 + 0.5 = 0
    checks.close(_update(student, w, x, 0.0, 0.5), [-1.5, 0.0, 0.0], "update at net input 0")
    checks.close(_update(student, w, x, 1.0, 0.5), w, "update at net input 0")
    checks.close(_update(student, np.zeros(3), np.array([0.0, 1.0]), 0.0, 1.0), [-1.0, 0.0, -1.0],
                 "update at net input 0")


@pytest.mark.grade("test_perceptron_update", points=0.5)
def test_update_random_cases(student, rng):
    """the learning rule on points, targets and learning rates of any size, every other point a miss"""
    for case in range(8):
        d = int(rng.integers(1, 5))
        w, x = _off_the_line(rng, d)
        lr = float(rng.uniform(0.05, 2.0))
        # a random target alone can leave all eight points correct, and then no update is checked.
        t = float(1.0 - ref.perceptron_output(w, x)) if case % 2 else float(rng.integers(0, 2))
        checks.close(_update(student, w, x, t, lr), ref.perceptron_update(w, x, t, lr), "update")


@pytest.mark.grade("test_perceptron_update", points=0.25)
def test_update_returns_weights_array(student, rng):
    """perceptron_update returns the new weights as a numpy array of shape (d+1,), like w"""
    for d in (2, int(rng.integers(3, 6))):
        w, x = rng.uniform(-1, 1, size=d + 1), rng.normal(size=d)
        array_of_shape(student.call("perceptron_update", w, x, float(rng.integers(0, 2)), 0.5),
                       "perceptron_update", (d + 1,))


@pytest.mark.grade("test_perceptron_update", points=0.25)
def test_update_returns_new_array(student, rng):
    """perceptron_update returns a new array and leaves w and x unchanged (no w += ... on the argument)"""
    for t in (0.0, 1.0):   # one of the two is a miss: the weights move
        w, x = np.array([-1.0, 0.0, 0.0]) * (2 * t - 1), rng.uniform(0.5, 1.0, size=2)
        out, (w_after, x_after, _, _) = student.call_with_args("perceptron_update", w, x, t, 0.5)
        values(out, "perceptron_update", (3,))   # an answer first: doing nothing keeps the inputs too
        checks.unchanged(w, w_after, "perceptron_update")
        checks.unchanged(x, x_after, "perceptron_update")


# -- train_perceptron (4 points) -------------------------------------------------------
def _train(student, *args, **kwargs):
    """(w, errors) of train_perceptron, read for their values (their form has its own test)."""
    w, errors = checks.pair(student.call("train_perceptron", *args, **kwargs), "train_perceptron")
    w = _as_floats(w, "train_perceptron's w")
    return w, _as_floats(errors, "train_perceptron's errors").reshape(-1)


@pytest.mark.grade("test_train_perceptron", points=1)
def test_train_worked_example(student):
    """AND from w = 0 with lr = 1: mistakes per epoch 2, 3, 3, 2, 1, 0 and w = [-3, 2, 1]"""
    w, errors = _train(student, CORNERS, AND, lr=1.0, w_init=np.zeros(3))
    checks.close(errors, [2, 3, 3, 2, 1, 0], "errors per epoch")
    checks.close(w, [-3.0, 2.0, 1.0], "final weights")


def _seed_that_trains_the_bias(rng, target, lr: float, max_epochs: int = 100):
    """(seed, the reference's w, its errors) for a seed whose start the reference ends with another
    bias: its ±lr steps on the bias do not cancel out, so a solution that never updates the bias
    cannot end with the reference's weights."""
    for _ in range(1000):
        seed = int(rng.integers(0, 10_000))
        start = np.random.default_rng(seed).uniform(-0.5, 0.5, size=3)
        w_ref, errors_ref = ref.train_perceptron(CORNERS, target, lr=lr, max_epochs=max_epochs, seed=seed)
        if abs(w_ref[0] - start[0]) > lr / 2:
            return seed, w_ref, errors_ref
    raise AssertionError("no seed trains the bias")


@pytest.mark.grade("test_train_perceptron", points=1)
def test_train_random_start_from_seed(student, rng):
    """with w_init=None the start is default_rng(seed).uniform(-0.5, 0.5); AND and OR converge"""
    for target in (AND, OR):
        lr = float(rng.choice([0.1, 0.25, 0.5]))
        seed, w_ref, errors_ref = _seed_that_trains_the_bias(rng, target, lr)
        w, errors = _train(student, CORNERS, target, lr=lr, seed=seed)
        checks.close(errors, errors_ref, "errors per epoch")
        checks.close(w, w_ref, "final weights")
        assert errors[-1] == 0


@pytest.mark.grade("test_train_perceptron", points=0.75)
def test_train_xor_never_converges(student, rng):
    """XOR is not linearly separable: every one of the max_epochs epochs has mistakes, the online rule all along"""
    max_epochs = int(rng.integers(5, 40))
    seed, w_ref, errors_ref = _seed_that_trains_the_bias(rng, XOR, 0.1, max_epochs)
    w, errors = _train(student, CORNERS, XOR, max_epochs=max_epochs, seed=seed)
    assert errors.shape == (max_epochs,)
    assert errors.min() >= 1
    checks.close(errors, errors_ref, "errors")
    # error counts are small integers a wrong update can match by chance; the weights it cannot
    checks.close(w, w_ref, "final weights")


@pytest.mark.grade("test_train_perceptron", points=0.75)
def test_train_general_data(student, rng):
    """online updates in data order on other separable data; stops after the first clean epoch"""
    for _ in range(1000):
        X = rng.normal(size=(12, 3))
        true_w = rng.normal(size=4)
        T = ref.step(true_w[0] + X @ true_w[1:])
        w_init = rng.uniform(-0.5, 0.5, size=4)
        w_ref, errors_ref = ref.train_perceptron(X, T, lr=0.5, max_epochs=60, w_init=w_init)
        if abs(w_ref[0] - w_init[0]) > 0.25:   # the bias has to learn here, or a bias left untrained would pass
            break
    w, errors = _train(student, X, T, 0.5, 60, w_init)
    checks.close(w, w_ref, "final weights")
    checks.close(errors, errors_ref, "errors per epoch")


@pytest.mark.grade("test_train_perceptron", points=0.25)
def test_train_returns_weights_and_error_list(student, rng):
    """train_perceptron returns a pair (w, errors): w a numpy array of shape (d+1,), errors one count per epoch run"""
    d = int(rng.integers(2, 5))
    X, T = rng.normal(size=(8, d)), rng.integers(0, 2, size=8).astype(float)
    max_epochs = int(rng.integers(2, 6))
    w, errors = checks.pair(student.call("train_perceptron", X, T, 0.5, max_epochs, rng.uniform(-0.5, 0.5, d + 1)),
                            "train_perceptron")
    checks.array(w, "train_perceptron's w", (d + 1,))
    counts = errors if type(errors) in (list, tuple) else checks.array(errors, "train_perceptron's errors")
    if np.ndim(counts) != 1 or not 1 <= len(counts) <= max_epochs:
        raise checks.AnswerTypeError("train_perceptron's errors should hold one count per epoch run")


@pytest.mark.grade("test_train_perceptron", points=0.25)
def test_train_leaves_w_init_unchanged(student, rng):
    """train_perceptron starts from a copy of w_init: the caller's w_init is not modified"""
    for target in (AND, XOR):
        w_init = rng.uniform(-0.5, 0.5, size=3)
        out, (_, _, _, _, w_init_after) = student.call_with_args("train_perceptron", CORNERS, target, 0.5, 5, w_init)
        w, _ = checks.pair(out, "train_perceptron")
        values(w, "train_perceptron's w", (3,))   # an answer first: doing nothing keeps w_init too
        checks.unchanged(w_init, w_init_after, "train_perceptron")


# -- decision_boundary_x2 (1 point) ------------------------------------------------------
@pytest.mark.grade("test_decision_boundary_x2", points=0.375)
def test_boundary_numbers(student):
    """w = [-1.5, 1, 1] puts the line at x2 = 1.5 - x1; signs matter and w2 divides"""
    w = np.array([-1.5, 1.0, 1.0])
    assert value(student.call("decision_boundary_x2", w, 0.0), "decision_boundary_x2") == pytest.approx(1.5)
    out = student.call("decision_boundary_x2", np.array([1.0, 2.0, -4.0]), np.array([0.0, 1.0, -0.5]))
    checks.close(values(out, "decision_boundary_x2", (3,)), [0.25, 0.75, 0.0], "x2")


@pytest.mark.grade("test_decision_boundary_x2", points=0.375)
def test_boundary_points_on_line(student, rng):
    """for any weights the points (x1, x2) lie on w0 + x1*w1 + x2*w2 = 0"""
    w = rng.uniform(0.2, 1.0, size=3) * rng.choice([-1.0, 1.0], size=3)
    x1 = rng.normal(size=(2, 5))
    x2 = values(student.call("decision_boundary_x2", w, x1), "decision_boundary_x2", x1.shape)
    checks.close(x2, ref.decision_boundary_x2(w, x1), "x2")
    for x in rng.normal(size=3):
        checks.close(value(student.call("decision_boundary_x2", w, float(x)), "decision_boundary_x2"),
                     ref.decision_boundary_x2(w, float(x)), "x2")


@pytest.mark.grade("test_decision_boundary_x2", points=0.25)
def test_boundary_number_or_same_shape(student, rng):
    """a single number x1 gives one number; an array x1 gives an array of the same shape"""
    w = rng.uniform(0.2, 1.0, size=3)
    checks.number(student.call("decision_boundary_x2", w, float(rng.normal())), "decision_boundary_x2(w, x1)")
    for shape in [(4,), (2, 5)]:
        array_of_shape(student.call("decision_boundary_x2", w, rng.normal(size=shape)),
                       "decision_boundary_x2(w, x1)", shape)


# -- xor_two_layer (2 points) ----------------------------------------------------------
@pytest.mark.grade("test_xor_two_layer", points=0.75)
def test_xor_corners(student):
    """the two-layer network outputs 0, 1, 1, 0 on (0,0), (0,1), (1,0), (1,1)"""
    checks.close(values(student.call("xor_two_layer", CORNERS), "xor_two_layer(X)", (4,)), XOR, "xor_two_layer")
    for x, expected in zip(CORNERS, XOR):
        assert value(student.call("xor_two_layer", x), "xor_two_layer(x)") == expected


@pytest.mark.grade("test_xor_two_layer", points=0.25)
def test_xor_any_order(student, rng):
    """batches in any order, with repeats, and a batch of one"""
    X = CORNERS[rng.integers(0, 4, size=9)]
    checks.close(values(student.call("xor_two_layer", X), "xor_two_layer(X)", (9,)), ref.xor_two_layer(X), "xor")
    checks.close(values(student.call("xor_two_layer", X[:1]), "xor_two_layer(X[:1])", (1,)),
                 ref.xor_two_layer(X[:1]), "xor")


@pytest.mark.grade("test_xor_two_layer", points=0.25)
def test_xor_number_or_batch_shape(student, rng):
    """one point of shape (2,) gives one number; a batch (N, 2) gives shape (N,), a batch of one (1, 2) shape (1,)"""
    checks.number(student.call("xor_two_layer", CORNERS[rng.integers(0, 4)]), "xor_two_layer(x)")
    X = CORNERS[rng.integers(0, 4, size=6)]
    array_of_shape(student.call("xor_two_layer", X), "xor_two_layer(X)", (6,))
    array_of_shape(student.call("xor_two_layer", X[:1]), "xor_two_layer(X[:1])", (1,))


@pytest.mark.grade("test_xor_two_layer", points=0.25)
def test_xor_float_outputs(student, rng):
    """xor_two_layer gives floats (0.0 or 1.0), not ints or booleans: a float for one point, a float array for a batch"""
    for x in CORNERS[rng.permutation(4)[:2]]:
        out = student.call("xor_two_layer", x)
        if not (type(out) is float or isinstance(out, np.ndarray) and out.shape == () and out.dtype.kind == "f"):
            kind = f"an array of {out.dtype}" if isinstance(out, np.ndarray) else checks._kind(out)
            raise checks.AnswerTypeError(f"xor_two_layer(x) should return a float, got {kind}")
    X = CORNERS[rng.integers(0, 4, size=5)]
    float_array(student.call("xor_two_layer", X), "xor_two_layer(X)", (5,))


# -- "uses perceptron_output", read from the submitted source ------------------------------------
def refers_to(definitions: dict, name: str, wanted: str, seen: set | None = None) -> bool:
    """Whether the notebook's function `name` names `wanted`, itself or through another notebook
    function it names."""
    seen = set() if seen is None else seen
    if name in seen or name not in definitions:
        return False
    seen.add(name)
    for node in ast.walk(definitions[name]):
        if isinstance(node, ast.Name) and node.id != name and (
                node.id == wanted or refers_to(definitions, node.id, wanted, seen)):
            return True
    return False


@pytest.mark.grade("test_xor_two_layer", points=0.5)
def test_xor_uses_perceptron_output(student):
    """every unit of xor_two_layer is a perceptron_output: the network calls perceptron_output (read from your code)"""
    definitions = notebook_definitions(student)
    if "xor_two_layer" not in definitions or not refers_to(definitions, "xor_two_layer", "perceptron_output"):
        raise checks.AnswerTypeError("xor_two_layer must compute its units with perceptron_output")
