"""Hidden graders for the perceptron notebook. Points per test cell match the notebook."""
import numpy as np
import pytest

from nnlab.graders import checks
from nnlab.reference import perceptron as ref

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND, OR, XOR = np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])


# -- step (1 point) --------------------------------------------------------------------
@pytest.mark.grade("test_step", points=0.25)
def test_step_fires_at_zero(student):
    """step(0) is 1: a net input exactly at the threshold fires (>=, not >)"""
    assert checks.number(student.call("step", 0.0), "step(0.0)") == 1.0
    assert checks.number(student.call("step", -0.0), "step(-0.0)") == 1.0


@pytest.mark.grade("test_step", points=0.25)
def test_step_scalars(student, rng):
    """step of single numbers gives single numbers, 0 below the threshold and 1 above"""
    for z in [*rng.normal(scale=3.0, size=4), -1e-12, 1e4, -1e4]:
        checks.close(checks.number(student.call("step", float(z)), "step(z)"), ref.step(float(z)), "step(z)")


@pytest.mark.grade("test_step", points=0.5)
def test_step_arrays(student, rng):
    """step works on every element of an array, keeps its shape and does not modify it"""
    z = rng.normal(size=(5, 3))
    z[rng.integers(0, 5), rng.integers(0, 3)] = 0.0
    out, (after,) = student.call_with_args("step", z)
    checks.close(checks.array(out, "step(z)", z.shape), ref.step(z), "step(z)")
    checks.unchanged(z, after, "step")


# -- perceptron_output (2 points) --------------------------------------------------------
@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_and_weights(student):
    """w = [-1.5, 1, 1] computes AND on the four corners (a batch of shape (4, 2))"""
    out = student.call("perceptron_output", np.array([-1.5, 1.0, 1.0]), CORNERS)
    checks.close(checks.array(out, "perceptron_output(w, X)", (4,)), AND, "perceptron_output")


@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_single_point(student, rng):
    """one point of shape (d,) gives one number; w[0] is the bias; net input 0 gives 1"""
    on_line = student.call("perceptron_output", np.array([-1.0, 1.0, 1.0]), np.array([0.0, 1.0]))
    assert checks.number(on_line, "perceptron_output(w, x)") == 1.0
    for _ in range(5):
        w, x = rng.uniform(-1, 1, size=4), rng.normal(size=3)
        out = checks.number(student.call("perceptron_output", w, x), "perceptron_output(w, x)")
        assert out == ref.perceptron_output(w, x)


@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_any_dimension(student, rng):
    """a batch of N points with any number of inputs d gives N outputs"""
    d = int(rng.integers(2, 7))
    w, X = rng.uniform(-1, 1, size=d + 1), rng.normal(size=(25, d))
    out = checks.array(student.call("perceptron_output", w, X), "perceptron_output(w, X)", (25,))
    checks.close(out, ref.perceptron_output(w, X), "perceptron_output(w, X)")


@pytest.mark.grade("test_perceptron_output", points=0.5)
def test_output_batch_of_one_and_inputs_kept(student, rng):
    """a batch of one point is still a batch, and neither w nor X is modified"""
    w, X = rng.uniform(-1, 1, size=3), rng.normal(size=(1, 2))
    out, (w_after, X_after) = student.call_with_args("perceptron_output", w, X)
    checks.close(checks.array(out, "perceptron_output(w, X[:1])", (1,)), ref.perceptron_output(w, X), "output")
    checks.unchanged(w, w_after, "perceptron_output")
    checks.unchanged(X, X_after, "perceptron_output")


# -- perceptron_update (2 points) ------------------------------------------------------
def _update(student, w, x, t, lr):
    out = student.call("perceptron_update", w, x, t, lr)
    return checks.array(out, "perceptron_update(w, x, t, lr)", np.shape(w))


@pytest.mark.grade("test_perceptron_update", points=0.5)
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


@pytest.mark.grade("test_perceptron_update", points=0.5)
def test_update_random_cases(student, rng):
    """the learning rule on points, targets and learning rates of any size, every other point a miss"""
    for case in range(8):
        d = int(rng.integers(1, 5))
        w, x = rng.uniform(-1, 1, size=d + 1), rng.normal(size=d)
        lr = float(rng.uniform(0.05, 2.0))
        # a random target alone can leave all eight points correct, and then no update is checked.
        t = float(1.0 - ref.perceptron_output(w, x)) if case % 2 else float(rng.integers(0, 2))
        checks.close(_update(student, w, x, t, lr), ref.perceptron_update(w, x, t, lr), "update")


@pytest.mark.grade("test_perceptron_update", points=0.5)
def test_update_returns_new_array(student, rng):
    """perceptron_update returns new weights and leaves w and x unchanged"""
    w, x = np.array([-1.0, 0.0, 0.0]), rng.uniform(0.5, 1.0, size=2)
    out, (w_after, x_after, _, _) = student.call_with_args("perceptron_update", w, x, 1.0, 0.5)
    checks.close(checks.array(out, "perceptron_update", (3,)), ref.perceptron_update(w, x, 1.0, 0.5), "update")
    checks.unchanged(w, w_after, "perceptron_update")
    checks.unchanged(x, x_after, "perceptron_update")


# -- train_perceptron (4 points) -------------------------------------------------------
def _train(student, *args, **kwargs):
    w, errors = checks.pair(student.call("train_perceptron", *args, **kwargs), "train_perceptron")
    errors = np.asarray(errors, dtype=np.float64) if type(errors) is list else checks.array(errors, "errors")
    return checks.array(w, "train_perceptron's w"), errors


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


@pytest.mark.grade("test_train_perceptron", points=1)
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


@pytest.mark.grade("test_train_perceptron", points=1)
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
    result, (_, _, _, _, w_init_after) = student.call_with_args("train_perceptron", X, T, 0.5, 60, w_init)
    w, errors = checks.pair(result, "train_perceptron")
    checks.close(checks.array(w, "w"), w_ref, "final weights")
    checks.close(np.asarray(errors, dtype=float), errors_ref, "errors per epoch")
    checks.unchanged(w_init, w_init_after, "train_perceptron")


# -- decision_boundary_x2 (1 point) ------------------------------------------------------
@pytest.mark.grade("test_decision_boundary_x2", points=0.5)
def test_boundary_numbers(student):
    """w = [-1.5, 1, 1] puts the line at x2 = 1.5 - x1; signs matter and w2 divides"""
    w = np.array([-1.5, 1.0, 1.0])
    assert checks.number(student.call("decision_boundary_x2", w, 0.0), "decision_boundary_x2") == pytest.approx(1.5)
    out = student.call("decision_boundary_x2", np.array([1.0, 2.0, -4.0]), np.array([0.0, 1.0, -0.5]))
    checks.close(checks.array(out, "decision_boundary_x2", (3,)), [0.25, 0.75, 0.0], "x2")


@pytest.mark.grade("test_decision_boundary_x2", points=0.5)
def test_boundary_points_on_line(student, rng):
    """for any weights the points (x1, x2) lie on w0 + x1*w1 + x2*w2 = 0"""
    w = rng.uniform(0.2, 1.0, size=3) * rng.choice([-1.0, 1.0], size=3)
    x1 = rng.normal(size=(2, 5))
    x2 = checks.array(student.call("decision_boundary_x2", w, x1), "decision_boundary_x2", x1.shape)
    checks.close(x2, ref.decision_boundary_x2(w, x1), "x2")


# -- xor_two_layer (2 points) ----------------------------------------------------------
@pytest.mark.grade("test_xor_two_layer", points=1)
def test_xor_corners(student):
    """the two-layer network outputs 0, 1, 1, 0 on (0,0), (0,1), (1,0), (1,1)"""
    out = checks.array(student.call("xor_two_layer", CORNERS), "xor_two_layer(X)", (4,))
    checks.close(out, XOR, "xor_two_layer")


@pytest.mark.grade("test_xor_two_layer", points=0.5)
def test_xor_single_points(student):
    """one point of shape (2,) gives one number"""
    for x, expected in zip(CORNERS, XOR):
        assert checks.number(student.call("xor_two_layer", x), "xor_two_layer(x)") == expected


@pytest.mark.grade("test_xor_two_layer", points=0.5)
def test_xor_any_order(student, rng):
    """batches in any order, with repeats, and a batch of one"""
    X = CORNERS[rng.integers(0, 4, size=9)]
    checks.close(checks.array(student.call("xor_two_layer", X), "xor_two_layer(X)", (9,)), ref.xor_two_layer(X), "xor")
    checks.close(checks.array(student.call("xor_two_layer", X[:1]), "xor_two_layer(X[:1])", (1,)),
                 ref.xor_two_layer(X[:1]), "xor")
