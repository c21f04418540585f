"""Tests of the reference solution for the `perceptron` assignment."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnlab.reference.perceptron import (
    LOGIC_INPUTS,
    LOGIC_TARGETS,
    decision_boundary_x2,
    perceptron_output,
    perceptron_update,
    step,
    train_perceptron,
    xor_two_layer,
)

# Any warning (not only RuntimeWarning) is a failure: in a notebook it would print on stderr.
pytestmark = pytest.mark.filterwarnings("error")

X_LOGIC = LOGIC_INPUTS
T_AND, T_OR, T_XOR = LOGIC_TARGETS["AND"], LOGIC_TARGETS["OR"], LOGIC_TARGETS["XOR"]


def torch_step(z: np.ndarray) -> np.ndarray:
    """An independent step: torch.heaviside with the value 1 at 0."""
    z_t = torch.as_tensor(np.asarray(z, dtype=np.float64))
    return torch.heaviside(z_t, torch.tensor(1.0, dtype=torch.float64)).numpy()


# --------------------------------------------------------------------------- step


def test_step_threshold_counts_as_firing() -> None:
    assert step(0) == 1.0
    assert step(0.0) == 1.0
    assert step(-0.0) == 1.0
    assert step(1e-300) == 1.0
    assert step(-1e-300) == 0.0
    assert step(-1) == 0.0
    assert step(3.5) == 1.0


def test_step_extremes_and_nan() -> None:
    assert step(np.inf) == 1.0
    assert step(-np.inf) == 0.0
    assert step(np.nan) == 0.0  # nan >= 0 is false
    np.testing.assert_array_equal(step(np.array([1e308, -1e308])), [1.0, 0.0])


def test_step_scalar_in_scalar_out() -> None:
    for z in (0, 2, -2.5, np.float64(0.0), np.int64(-3)):
        out = step(z)
        assert np.ndim(out) == 0
        assert isinstance(out, (float, np.floating))


def test_step_array_keeps_shape_and_gives_floats() -> None:
    z = np.array([[-2, -1, 0], [1, 2, 3]])  # integer input
    out = step(z)
    assert out.shape == (2, 3)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    assert step(np.zeros((0,))).shape == (0,)
    np.testing.assert_array_equal(step([-1.0, 0.0, 1.0]), [0.0, 1.0, 1.0])


def test_step_matches_torch_heaviside_at_random_points() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(50, 7))
    z[rng.random(z.shape) < 0.2] = 0.0  # plenty of exact zeros
    np.testing.assert_array_equal(step(z), torch_step(z))


def test_step_does_not_mutate_input() -> None:
    z = np.array([-1.0, 0.0, 2.0])
    step(z)
    np.testing.assert_array_equal(z, [-1.0, 0.0, 2.0])


# -------------------------------------------------------------- perceptron_output


def test_output_hand_weights_compute_and_or_nand() -> None:
    np.testing.assert_array_equal(perceptron_output(np.array([-1.5, 1.0, 1.0]), X_LOGIC), T_AND)
    np.testing.assert_array_equal(perceptron_output(np.array([-0.5, 1.0, 1.0]), X_LOGIC), T_OR)
    np.testing.assert_array_equal(perceptron_output(np.array([1.5, -1.0, -1.0]), X_LOGIC), 1.0 - T_AND)


def test_output_on_the_line_fires() -> None:
    w = np.array([-1.0, 1.0, 1.0])  # the line x1 + x2 = 1 passes through (0, 1) and (1, 0)
    np.testing.assert_array_equal(perceptron_output(w, X_LOGIC), [0.0, 1.0, 1.0, 1.0])


def test_output_single_point_is_scalar() -> None:
    w = np.array([0.5, -1.0, 2.0])
    out = perceptron_output(w, np.array([1.0, 0.0]))
    assert np.ndim(out) == 0 and out == 0.0
    assert perceptron_output(w, [0.0, 0.0]) == 1.0  # lists are fine too


def test_output_batch_matches_point_by_point_and_torch() -> None:
    rng = np.random.default_rng(2)
    for d in (1, 2, 5):
        w = rng.uniform(-1, 1, size=d + 1)
        X = rng.normal(size=(30, d))
        batch = perceptron_output(w, X)
        assert batch.shape == (30,)
        one_by_one = np.array([perceptron_output(w, x) for x in X])
        np.testing.assert_array_equal(batch, one_by_one)
        np.testing.assert_array_equal(batch, torch_step(w[0] + X @ w[1:]))


def test_output_batch_edge_shapes() -> None:
    w = np.array([-1.5, 1.0, 1.0])
    out = perceptron_output(w, np.array([[1.0, 1.0]]))
    assert out.shape == (1,) and out[0] == 1.0
    assert perceptron_output(w, np.zeros((0, 2))).shape == (0,)


def test_output_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError):
        perceptron_output(np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError):
        perceptron_output(np.array([0.0, 1.0, 1.0]), np.zeros((2, 2, 2)))


def test_output_does_not_mutate_inputs() -> None:
    w = np.array([-1.5, 1.0, 1.0])
    X = X_LOGIC.copy()
    perceptron_output(w, X)
    np.testing.assert_array_equal(w, [-1.5, 1.0, 1.0])
    np.testing.assert_array_equal(X, LOGIC_INPUTS)


# -------------------------------------------------------------- perceptron_update


def test_update_correct_point_changes_nothing() -> None:
    w = np.array([-1.5, 1.0, 1.0])
    for x, t in zip(X_LOGIC, T_AND):
        new_w = perceptron_update(w, x, t, 0.1)
        np.testing.assert_array_equal(new_w, w)
        assert new_w is not w


def test_update_missed_positive_adds_lr_times_input() -> None:
    # w = [-1, 0, 0] gives 0 at (1, 1), target 1: error +1.
    new_w = perceptron_update(np.array([-1.0, 0.0, 0.0]), np.array([1.0, 1.0]), 1.0, 1.0)
    np.testing.assert_array_equal(new_w, [0.0, 1.0, 1.0])


def test_update_false_positive_subtracts_lr_times_input() -> None:
    # w = [0.2, 0.3, -0.1] at x = (2, 0.5): 0.2 + 0.6 - 0.05 = 0.75 >= 0 gives 1, target 0.
    new_w = perceptron_update(np.array([0.2, 0.3, -0.1]), np.array([2.0, 0.5]), 0.0, 0.1)
    np.testing.assert_allclose(new_w, [0.1, 0.1, -0.15], rtol=0, atol=1e-15)


def test_update_bias_moves_at_origin_but_other_weights_do_not() -> None:
    # x = (0, 0) gives only the bias a nonzero input.
    new_w = perceptron_update(np.array([0.0, 0.7, -0.4]), np.array([0.0, 0.0]), 0.0, 0.25)
    np.testing.assert_array_equal(new_w, [-0.25, 0.7, -0.4])


def test_update_matches_formula_at_random_points() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        d = int(rng.integers(1, 6))
        w = rng.uniform(-1, 1, size=d + 1)
        x = rng.normal(size=d)
        t = float(rng.integers(0, 2))
        lr = float(rng.uniform(0.01, 2.0))
        f = 1.0 if w[0] + x @ w[1:] >= 0 else 0.0
        expected = w + lr * (t - f) * np.concatenate(([1.0], x))
        np.testing.assert_allclose(perceptron_update(w, x, t, lr), expected, rtol=1e-15, atol=1e-15)


def test_update_does_not_mutate_inputs() -> None:
    w = np.array([0.0, 0.0, 0.0])
    x = np.array([1.0, 1.0])
    new_w = perceptron_update(w, x, 0.0, 1.0)
    np.testing.assert_array_equal(new_w, [-1.0, -1.0, -1.0])
    np.testing.assert_array_equal(w, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(x, [1.0, 1.0])


# --------------------------------------------------------------- train_perceptron


def test_train_and_by_hand_from_zero_weights() -> None:
    """lr = 1 and w = 0 keep every number an integer, so the trace can be checked by hand.

    epoch 1: (0,0) z=0 fires, t=0 -> w=[-1,0,0]; (0,1), (1,0) right; (1,1) z=-1, t=1 -> w=[0,1,1]: 2 errors
    epoch 2: (0,0) z=0 -> [-1,1,1]; (0,1) z=0 -> [-2,1,0]; (1,0) right; (1,1) z=-1 -> [-1,2,1]: 3 errors
    epoch 3: (0,1) -> [-2,2,0]; (1,0) -> [-3,1,0]; (1,1) -> [-2,2,1]: 3 errors
    epoch 4: (1,0) -> [-3,1,1]; (1,1) -> [-2,2,2]: 2 errors
    epoch 5: (0,1) -> [-3,2,1]: 1 error;  epoch 6: no error, stop.
    """
    w, errors = train_perceptron(X_LOGIC, T_AND, lr=1.0, w_init=np.zeros(3))
    np.testing.assert_array_equal(w, [-3.0, 2.0, 1.0])
    assert errors == [2, 3, 3, 2, 1, 0]

    w1, errors1 = train_perceptron(X_LOGIC, T_AND, lr=1.0, max_epochs=1, w_init=np.zeros(3))
    np.testing.assert_array_equal(w1, [0.0, 1.0, 1.0])
    assert errors1 == [2]
    w2, errors2 = train_perceptron(X_LOGIC, T_AND, lr=1.0, max_epochs=2, w_init=np.zeros(3))
    np.testing.assert_array_equal(w2, [-1.0, 2.0, 1.0])
    assert errors2 == [2, 3]


def test_train_or_by_hand_from_zero_weights() -> None:
    # epoch 1: (0,0) fires -> [-1,0,0]; (0,1) -> [0,0,1]; (1,0) z=0 fires, right; (1,1) right: 2
    # epoch 2: (0,0) z=0 -> [-1,0,1]; (0,1) right; (1,0) z=-1 -> [0,1,1]; (1,1) right: 2
    # epoch 3: (0,0) z=0 -> [-1,1,1]; the rest right: 1;  epoch 4: no error.
    w, errors = train_perceptron(X_LOGIC, T_OR, lr=1.0, w_init=[0.0, 0.0, 0.0])
    np.testing.assert_array_equal(w, [-1.0, 1.0, 1.0])
    assert errors == [2, 2, 1, 0]


def test_train_first_epoch_with_default_learning_rate_by_hand() -> None:
    # AND from w = [0.15, -0.2, -0.4], lr = 0.1:
    # (0,0): z = 0.15 fires, t=0 -> w = [0.05, -0.2, -0.4]
    # (0,1): z = -0.35 right; (1,0): z = -0.15 right
    # (1,1): z = -0.55, t=1 -> w = [0.15, -0.1, -0.3]; 2 errors.
    w, errors = train_perceptron(X_LOGIC, T_AND, max_epochs=1, w_init=[0.15, -0.2, -0.4])
    np.testing.assert_allclose(w, [0.15, -0.1, -0.3], rtol=0, atol=1e-12)
    assert errors == [2]
    # epoch 2: (0,0): z = 0.15 fires -> [0.05, -0.1, -0.3]; (0,1), (1,0) right;
    # (1,1): z = -0.35 -> [0.15, 0.0, -0.2]; 2 errors again.
    w, errors = train_perceptron(X_LOGIC, T_AND, max_epochs=2, w_init=[0.15, -0.2, -0.4])
    np.testing.assert_allclose(w, [0.15, 0.0, -0.2], rtol=0, atol=1e-12)
    assert errors == [2, 2]


def test_train_default_initial_weights_are_the_documented_draw() -> None:
    for seed in (0, 1, 42):
        expected = np.random.default_rng(seed).uniform(-0.5, 0.5, size=3)
        w, errors = train_perceptron(X_LOGIC, T_AND, max_epochs=0, seed=seed)
        np.testing.assert_array_equal(w, expected)
        assert errors == []
    # The same draw written as random() - 0.5 gives identical numbers.
    np.testing.assert_array_equal(
        np.random.default_rng(0).uniform(-0.5, 0.5, size=3), np.random.default_rng(0).random(3) - 0.5
    )


def test_train_default_seed_first_epoch() -> None:
    w0 = np.random.default_rng(0).uniform(-0.5, 0.5, size=3)  # about [0.137, -0.230, -0.459]
    assert w0[0] >= 0 and w0[0] + w0[1] < 0 and w0[0] + w0[2] < 0
    # (0,0) fires wrongly (bias -0.1), then (1,1) is missed (all weights +0.1): 2 errors.
    w, errors = train_perceptron(X_LOGIC, T_AND, max_epochs=1)
    np.testing.assert_allclose(w, w0 + np.array([0.0, 0.1, 0.1]), rtol=0, atol=1e-12)
    assert errors == [2]


def test_train_is_deterministic_and_seed_matters() -> None:
    a = train_perceptron(X_LOGIC, T_OR, seed=7)
    b = train_perceptron(X_LOGIC, T_OR, seed=7)
    c = train_perceptron(X_LOGIC, T_OR, max_epochs=0, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    assert not np.array_equal(train_perceptron(X_LOGIC, T_OR, max_epochs=0, seed=7)[0], c[0])


@pytest.mark.parametrize("gate", ["AND", "OR"])
def test_train_and_or_converge(gate: str) -> None:
    T = LOGIC_TARGETS[gate]
    for seed in range(10):
        for lr in (0.1, 0.5, 1.0):
            w, errors = train_perceptron(X_LOGIC, T, lr=lr, seed=seed)
            assert errors[-1] == 0, (gate, seed, lr)
            assert all(e > 0 for e in errors[:-1]), "training must stop at the first clean epoch"
            assert len(errors) < 100
            np.testing.assert_array_equal(perceptron_output(w, X_LOGIC), T)
            assert all(isinstance(e, int) for e in errors)


def test_train_xor_never_converges() -> None:
    for seed in range(10):
        for lr in (0.1, 1.0):
            w, errors = train_perceptron(X_LOGIC, T_XOR, lr=lr, seed=seed)
            assert len(errors) == 100
            assert min(errors) >= 1, "no epoch of XOR can be free of errors"
            assert not np.array_equal(perceptron_output(w, X_LOGIC), T_XOR)
    _, errors = train_perceptron(X_LOGIC, T_XOR, max_epochs=1000)
    assert len(errors) == 1000 and min(errors) >= 1


def test_train_already_separating_weights_stop_after_one_epoch() -> None:
    w_init = np.array([-1.5, 1.0, 1.0])
    w, errors = train_perceptron(X_LOGIC, T_AND, w_init=w_init)
    assert errors == [0]
    np.testing.assert_array_equal(w, w_init)
    assert w is not w_init


def test_train_respects_data_order() -> None:
    # Reversed order gives a different trace from the same start (online, not batch, updates).
    order = np.arange(4)[::-1]
    _, forward = train_perceptron(X_LOGIC, T_AND, lr=1.0, w_init=np.zeros(3))
    w_rev, reverse = train_perceptron(X_LOGIC[order], T_AND[order], lr=1.0, w_init=np.zeros(3))
    # (1,1): z=0 fires, right; (1,0): fires, t=0 -> [-1,-1,0]; (0,1): z=-1 right; (0,0): right: 1 error
    assert reverse[0] == 1
    assert reverse != forward
    np.testing.assert_array_equal(perceptron_output(w_rev, X_LOGIC), T_AND)


def test_train_more_dimensions_and_integer_targets() -> None:
    # Three-input AND is separable: it converges too, with targets given as ints.
    X3 = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
    T3 = np.array([int(row.all()) for row in X3])
    w, errors = train_perceptron(X3, T3, seed=3)
    assert w.shape == (4,)
    assert errors[-1] == 0
    np.testing.assert_array_equal(perceptron_output(w, X3), T3)


def test_train_does_not_mutate_inputs() -> None:
    X = X_LOGIC.copy()
    T = T_AND.copy()
    w_init = np.zeros(3)
    train_perceptron(X, T, lr=1.0, w_init=w_init)
    np.testing.assert_array_equal(X, LOGIC_INPUTS)
    np.testing.assert_array_equal(T, LOGIC_TARGETS["AND"])
    np.testing.assert_array_equal(w_init, np.zeros(3))


def test_train_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        train_perceptron(X_LOGIC, T_AND[:3])
    with pytest.raises(ValueError):
        train_perceptron(X_LOGIC, T_AND, w_init=np.zeros(2))
    with pytest.raises(ValueError):
        train_perceptron(X_LOGIC[0], T_AND)
    with pytest.raises(ValueError):
        train_perceptron(X_LOGIC, T_AND, max_epochs=-1)


# ----------------------------------------------------------- decision_boundary_x2


def test_boundary_by_hand() -> None:
    w = np.array([-1.5, 1.0, 1.0])  # x1 + x2 = 1.5
    assert decision_boundary_x2(w, 0.0) == pytest.approx(1.5)
    assert decision_boundary_x2(w, 1.0) == pytest.approx(0.5)
    np.testing.assert_allclose(decision_boundary_x2(np.array([1.0, 2.0, -4.0]), [0.0, 1.0, -0.5]), [0.25, 0.75, 0.0])


def test_boundary_points_lie_on_the_line() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        w = rng.uniform(-1, 1, size=3)
        x1 = rng.normal(size=(3, 5))
        x2 = decision_boundary_x2(w, x1)
        assert x2.shape == (3, 5)
        np.testing.assert_allclose(w[0] + w[1] * x1 + w[2] * x2, 0.0, atol=1e-9)


def test_boundary_scalar_in_scalar_out() -> None:
    out = decision_boundary_x2(np.array([-1.5, 1.0, 1.0]), 0.25)
    assert np.ndim(out) == 0 and isinstance(out, (float, np.floating))


def test_boundary_vertical_line_is_nan_without_warning() -> None:
    w = np.array([-0.5, 1.0, 0.0])  # the line x1 = 0.5
    assert np.isnan(decision_boundary_x2(w, 0.3))
    assert np.isnan(decision_boundary_x2(w, np.linspace(0, 1, 4))).all()


def test_boundary_separates_the_learned_classes() -> None:
    # Class 1 lies on the side where w2 * (x2 - line(x1)) >= 0.
    for gate in ("AND", "OR"):
        w, _ = train_perceptron(X_LOGIC, LOGIC_TARGETS[gate])
        side = w[2] * (X_LOGIC[:, 1] - decision_boundary_x2(w, X_LOGIC[:, 0]))
        np.testing.assert_array_equal(side >= 0, LOGIC_TARGETS[gate] == 1)


def test_boundary_does_not_mutate_inputs() -> None:
    w = np.array([-1.5, 1.0, 1.0])
    x1 = np.array([0.0, 1.0])
    decision_boundary_x2(w, x1)
    np.testing.assert_array_equal(w, [-1.5, 1.0, 1.0])
    np.testing.assert_array_equal(x1, [0.0, 1.0])


# ------------------------------------------------------------------ xor_two_layer


def test_xor_two_layer_on_all_four_inputs() -> None:
    out = xor_two_layer(X_LOGIC)
    assert out.shape == (4,)
    np.testing.assert_array_equal(out, T_XOR)
    for x, t in zip(X_LOGIC, T_XOR):
        single = xor_two_layer(x)
        assert np.ndim(single) == 0 and single == t
    assert xor_two_layer([1, 0]) == 1.0  # integer lists are fine


def test_xor_two_layer_batch_edge_shapes_and_order() -> None:
    out = xor_two_layer(np.array([[1.0, 1.0]]))
    assert out.shape == (1,) and out[0] == 0.0
    X = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(xor_two_layer(X), [0.0, 1.0, 0.0, 0.0, 1.0])
    with pytest.raises(ValueError):
        xor_two_layer(np.zeros((4, 3)))


def test_xor_two_layer_does_not_mutate_input() -> None:
    X = X_LOGIC.copy()
    xor_two_layer(X)
    np.testing.assert_array_equal(X, LOGIC_INPUTS)


def test_no_single_perceptron_on_a_weight_grid_computes_xor() -> None:
    """A brute-force view of the notebook's written question: AND and OR have many
    solutions on a grid of weights, XOR has none (it has none anywhere)."""
    grid = np.linspace(-2.0, 2.0, 33)
    W = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)  # (K, 3)
    outputs = step(W[:, :1] + W[:, 1:] @ X_LOGIC.T)  # (K, 4)
    assert (outputs == T_AND).all(axis=1).any()
    assert (outputs == T_OR).all(axis=1).any()
    assert not (outputs == T_XOR).all(axis=1).any()
    assert not (outputs == 1.0 - T_XOR).all(axis=1).any()  # nor XNOR
