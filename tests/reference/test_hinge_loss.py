"""Tests of the reference solution of the `hinge_loss` assignment."""

from __future__ import annotations

import ast
import inspect
import textwrap

import numpy as np
import pytest
import torch

from nnlab.reference.hinge_loss import (
    bias_trick,
    hinge_loss_i,
    hinge_loss_naive,
    hinge_loss_vectorized,
    linear_scores,
    numerical_gradient,
    squared_error,
    svm_loss,
)

# The lecture's linear classifier: 3 classes, an "image" of 4 pixels.
LECTURE_W = np.array([[0.2, -0.5, 0.1, 2.0], [1.5, 1.5, 2.1, 0.0], [0.0, 0.25, 0.2, -0.3]])
LECTURE_X = np.array([56.0, 220.0, 8.0, 109.0])
LECTURE_B = np.array([6.0, -20.0, 4.0])
LECTURE_SCORES = np.array([126.0, 410.8, 27.9])

# The lecture's loss example. Classes: 0 airplane, 1 automobile, 2 cat.
# One row per image: a cat, an automobile, an airplane.
LECTURE_S = np.array([[-2.0, 5.0, 3.0], [5.0, 6.0, 3.0], [-2.0, 3.0, 4.0]])
LECTURE_Y = np.array([2, 1, 0])
LECTURE_LOSSES = [3.0, 0.0, 13.0]


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b) / scale)


def random_problem(seed: int, n: int, d: int, c: int, min_margin: float = 1e-3):
    """A random (W, b, X, y) whose margins all stay at least `min_margin` away from 0."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        W = rng.normal(scale=0.5, size=(c, d))
        b = rng.normal(scale=0.5, size=c)
        X = rng.normal(size=(n, d))
        y = rng.integers(0, c, size=n)
        S = X @ W.T + b
        margins = S - S[np.arange(n), y][:, None] + 1.0
        margins[np.arange(n), y] = np.inf
        if np.abs(margins).min() > min_margin:
            return W, b, X, y
    raise AssertionError("no kink-free problem found")  # pragma: no cover


def torch_svm_loss(W, b, X, y, reg=0.0, delta=1.0):
    """The same loss through torch.autograd: C * multi_margin_loss + reg * sum(W**2)."""
    W_t = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    S = torch.tensor(X, dtype=torch.float64) @ W_t.T + b_t
    mean_hinge = W_t.shape[0] * torch.nn.functional.multi_margin_loss(S, torch.tensor(y), margin=delta)
    loss = mean_hinge + reg * (W_t**2).sum()
    loss.backward()
    return loss.item(), W_t.grad.numpy(), b_t.grad.numpy()


# ---------------------------------------------------------------- linear classifier


def test_linear_scores_lecture_example():
    scores = linear_scores(LECTURE_W, LECTURE_B, LECTURE_X)
    assert scores.shape == (3,)
    np.testing.assert_allclose(scores, LECTURE_SCORES, rtol=0, atol=1e-12)
    # The slide rounds to whole numbers.
    np.testing.assert_array_equal(np.round(scores), [126.0, 411.0, 28.0])


def test_linear_scores_batch_rows_are_single_images():
    rng = np.random.default_rng(1)
    W, b, X = rng.normal(size=(5, 7)), rng.normal(size=5), rng.normal(size=(4, 7))
    S = linear_scores(W, b, X)
    assert S.shape == (4, 5)
    for i in range(4):
        np.testing.assert_allclose(S[i], W @ X[i] + b, rtol=1e-12, atol=1e-12)
    # A batch of one keeps its batch axis.
    assert linear_scores(W, b, X[:1]).shape == (1, 5)


def test_linear_scores_accepts_lists_and_ints():
    scores = linear_scores(LECTURE_W.tolist(), [6, -20, 4], [56, 220, 8, 109])
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, LECTURE_SCORES, atol=1e-12)


def test_linear_scores_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        linear_scores(LECTURE_W, LECTURE_B, LECTURE_X[:3])
    with pytest.raises(ValueError):
        linear_scores(LECTURE_W, LECTURE_B[:2], LECTURE_X)


def test_bias_trick_matches_weights_plus_bias():
    W_ext = bias_trick(LECTURE_W, LECTURE_B)
    assert W_ext.shape == (3, 5)
    np.testing.assert_array_equal(W_ext[:, :4], LECTURE_W)
    np.testing.assert_array_equal(W_ext[:, 4], LECTURE_B)
    np.testing.assert_allclose(W_ext @ np.append(LECTURE_X, 1.0), LECTURE_SCORES, atol=1e-12)

    rng = np.random.default_rng(2)
    W, b, X = rng.normal(size=(10, 20)), rng.normal(size=10), rng.normal(size=(6, 20))
    X_ext = np.hstack([X, np.ones((6, 1))])
    np.testing.assert_allclose(X_ext @ bias_trick(W, b).T, linear_scores(W, b, X), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- hinge loss


@pytest.mark.parametrize("i", range(3))
def test_hinge_loss_i_lecture_examples(i):
    loss = hinge_loss_i(LECTURE_S[i], LECTURE_Y[i])
    assert isinstance(loss, float)
    assert loss == pytest.approx(LECTURE_LOSSES[i], abs=1e-12)


def test_hinge_loss_i_margin_and_true_class():
    # The true class never pays for itself: equal scores cost delta per *other* class.
    assert hinge_loss_i(np.zeros(10), 4) == pytest.approx(9.0)
    assert hinge_loss_i(np.zeros(10), 4, delta=2.5) == pytest.approx(22.5)
    # The cat image with no margin required: max(0, 2) + max(0, -5).
    assert hinge_loss_i(LECTURE_S[0], 2, delta=0.0) == pytest.approx(2.0)
    # A winner by more than delta costs nothing; by exactly delta also nothing.
    assert hinge_loss_i([0.0, 3.0, 1.0], 1) == 0.0
    assert hinge_loss_i([0.0, 2.0, 1.0], 1) == 0.0


def test_hinge_loss_i_rejects_bad_class():
    with pytest.raises(ValueError):
        hinge_loss_i([1.0, 2.0, 3.0], 3)


@pytest.mark.parametrize("hinge_loss", [hinge_loss_naive, hinge_loss_vectorized])
def test_batch_loss_lecture_example(hinge_loss):
    loss = hinge_loss(LECTURE_S, LECTURE_Y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(16.0 / 3.0, abs=1e-12)


@pytest.mark.parametrize("n, c, delta", [(1, 3, 1.0), (1, 10, 1.0), (7, 2, 0.5), (50, 10, 1.0), (200, 5, 3.0)])
def test_naive_equals_vectorized_on_random_batches(n, c, delta):
    rng = np.random.default_rng(100 + n + c)
    S = rng.normal(scale=2.0, size=(n, c))
    y = rng.integers(0, c, size=n)
    naive = hinge_loss_naive(S, y, delta)
    vectorized = hinge_loss_vectorized(S, y, delta)
    per_image = np.mean([hinge_loss_i(S[i], y[i], delta) for i in range(n)])
    assert naive == pytest.approx(vectorized, rel=1e-12, abs=1e-12)
    assert vectorized == pytest.approx(per_image, rel=1e-12, abs=1e-12)


def test_batch_loss_with_ties_and_integer_scores():
    S = np.array([[1, 1, 1], [0, 2, 2]])  # integer input, exact ties
    y = np.array([0, 1])
    # Image 0: two ties, each costs delta. Image 1: one tie (class 2) and one class 2 below.
    expected = (2.0 + (1.0 + 0.0)) / 2
    assert hinge_loss_naive(S, y) == pytest.approx(expected)
    assert hinge_loss_vectorized(S, y) == pytest.approx(expected)


@pytest.mark.parametrize("hinge_loss", [hinge_loss_naive, hinge_loss_vectorized])
def test_batch_loss_rejects_empty_batch_and_bad_labels(hinge_loss):
    with pytest.raises(ValueError):
        hinge_loss(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError):
        hinge_loss(LECTURE_S, np.array([0, 1]))
    with pytest.raises(ValueError):
        hinge_loss(LECTURE_S, np.array([0, 1, 3]))


def _loops_in(function) -> list[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    loop_nodes = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return [type(node).__name__ for node in ast.walk(tree) if isinstance(node, loop_nodes)]


def test_vectorized_functions_have_no_python_loop():
    assert _loops_in(hinge_loss_vectorized) == []
    assert _loops_in(svm_loss) == []
    assert "For" in _loops_in(hinge_loss_naive)


@pytest.mark.parametrize("seed, n, c", [(0, 1, 3), (1, 16, 10), (2, 64, 4)])
def test_mean_hinge_is_c_times_torch_multi_margin_loss(seed, n, c):
    rng = np.random.default_rng(seed)
    S = rng.normal(scale=3.0, size=(n, c))
    y = rng.integers(0, c, size=n)
    torch_loss = torch.nn.functional.multi_margin_loss(torch.tensor(S), torch.tensor(y)).item()
    assert hinge_loss_vectorized(S, y) == pytest.approx(c * torch_loss, rel=1e-12, abs=1e-12)
    torch_loss_wide = torch.nn.functional.multi_margin_loss(torch.tensor(S), torch.tensor(y), margin=2.0).item()
    assert hinge_loss_vectorized(S, y, delta=2.0) == pytest.approx(c * torch_loss_wide, rel=1e-12)


def test_lecture_example_against_torch():
    torch_loss = torch.nn.functional.multi_margin_loss(torch.tensor(LECTURE_S), torch.tensor(LECTURE_Y))
    assert 3 * torch_loss.item() == pytest.approx(16.0 / 3.0)


# ---------------------------------------------------------------- svm_loss and gradients


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_svm_loss_value(reg):
    W, b, X, y = random_problem(seed=3, n=20, d=6, c=4)
    loss, dW, db = svm_loss(W, b, X, y, reg=reg)
    assert isinstance(loss, float)
    assert dW.shape == W.shape and db.shape == b.shape
    expected = hinge_loss_naive(X @ W.T + b, y) + reg * np.sum(W**2)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_svm_loss_lecture_example_through_identity_weights():
    # W = I, b = 0 and X = S make the scores equal the lecture's scores.
    loss, dW, db = svm_loss(np.eye(3), np.zeros(3), LECTURE_S, LECTURE_Y)
    assert loss == pytest.approx(16.0 / 3.0)
    # Active margins per image: cat image j=1; automobile image none (its margin is
    # exactly 0: a kink, counted as inactive like torch does); airplane image j=1, 2.
    expected_db = np.array([0.0 - 2.0, 1.0 + 1.0, -1.0 + 1.0]) / 3.0
    np.testing.assert_allclose(db, expected_db, atol=1e-15)
    _, dW_torch, db_torch = torch_svm_loss(np.eye(3), np.zeros(3), LECTURE_S, LECTURE_Y)
    np.testing.assert_allclose(dW, dW_torch, atol=1e-12)
    np.testing.assert_allclose(db, db_torch, atol=1e-12)


@pytest.mark.parametrize(
    "seed, n, d, c, reg, delta",
    [(4, 1, 5, 3, 0.0, 1.0), (5, 30, 8, 5, 0.0, 1.0), (6, 40, 12, 10, 0.05, 1.0), (7, 25, 6, 4, 1.0, 1.0)],
)
def test_svm_loss_gradient_matches_numerical_gradient(seed, n, d, c, reg, delta):
    W, b, X, y = random_problem(seed, n, d, c)
    _, dW, db = svm_loss(W, b, X, y, reg=reg, delta=delta)
    dW_num = numerical_gradient(lambda W_: svm_loss(W_, b, X, y, reg, delta)[0], W)
    db_num = numerical_gradient(lambda b_: svm_loss(W, b_, X, y, reg, delta)[0], b)
    assert relative_error(dW, dW_num) < 1e-7
    assert relative_error(db, db_num) < 1e-7


@pytest.mark.parametrize("seed, reg, delta", [(8, 0.0, 1.0), (9, 0.3, 1.0), (10, 0.0, 2.0)])
def test_svm_loss_gradient_matches_torch_autograd(seed, reg, delta):
    W, b, X, y = random_problem(seed, n=50, d=20, c=10)
    loss, dW, db = svm_loss(W, b, X, y, reg=reg, delta=delta)
    loss_t, dW_t, db_t = torch_svm_loss(W, b, X, y, reg=reg, delta=delta)
    assert loss == pytest.approx(loss_t, rel=1e-12)
    np.testing.assert_allclose(dW, dW_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, db_t, rtol=1e-10, atol=1e-12)


def test_svm_loss_does_not_mutate_inputs():
    W, b, X, y = random_problem(seed=11, n=10, d=4, c=3)
    copies = [a.copy() for a in (W, b, X, y)]
    svm_loss(W, b, X, y, reg=0.5)
    for original, copy in zip((W, b, X, y), copies):
        np.testing.assert_array_equal(original, copy)


def test_bias_gradient_is_gradient_of_folded_weight_column():
    # With the bias trick, db is the last column of the gradient of W' = [W | b].
    W, b, X, y = random_problem(seed=12, n=15, d=5, c=4)
    X_ext = np.hstack([X, np.ones((15, 1))])
    _, dW_ext, db_ext = svm_loss(bias_trick(W, b), np.zeros(4), X_ext, y)
    _, dW, db = svm_loss(W, b, X, y)
    np.testing.assert_allclose(dW_ext[:, :-1], dW, atol=1e-15)
    np.testing.assert_allclose(dW_ext[:, -1], db, atol=1e-15)
    np.testing.assert_allclose(db_ext, db, atol=1e-15)


# ---------------------------------------------------------------- numerical_gradient


def test_numerical_gradient_of_smooth_functions():
    rng = np.random.default_rng(13)
    A = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda M: np.sum(M**3), A)
    assert grad.shape == A.shape
    np.testing.assert_allclose(grad, 3 * A**2, rtol=1e-7, atol=1e-9)
    # Works for any number of axes, and for a vector.
    T = rng.normal(size=(2, 3, 2))
    np.testing.assert_allclose(numerical_gradient(lambda M: np.sum(np.sin(M)), T), np.cos(T), atol=1e-9)
    v = rng.normal(size=5)
    np.testing.assert_allclose(numerical_gradient(lambda u: u @ u, v), 2 * v, atol=1e-9)


def test_numerical_gradient_scalar_and_step_size():
    grad = numerical_gradient(lambda t: t**2, 3.0)
    assert np.ndim(grad) == 0
    assert float(grad) == pytest.approx(6.0, abs=1e-8)
    # Central differences are exact for a parabola, even with a big step.
    assert float(numerical_gradient(lambda t: t**2, 3.0, h=0.5)) == pytest.approx(6.0, abs=1e-12)
    # A cubic shows the h**2 error term: f'(x) + h**2 for f = x**3.
    assert float(numerical_gradient(lambda t: t**3, 1.0, h=0.1)) == pytest.approx(3.0 + 0.01, abs=1e-12)


def test_numerical_gradient_of_integer_array_is_float():
    A = np.array([[1, 2], [3, 4]])
    grad = numerical_gradient(lambda M: np.sum(M**2), A)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2.0 * A, atol=1e-8)
    np.testing.assert_array_equal(A, [[1, 2], [3, 4]])


def test_numerical_gradient_never_mutates_the_caller_array():
    A = np.arange(6.0).reshape(2, 3)
    original = A.copy()
    seen_unchanged: list[bool] = []

    def f(M: np.ndarray) -> float:
        # The caller's array must stay as it was during every evaluation, too.
        seen_unchanged.append(bool(np.array_equal(A, original)))
        return float(M[0, 1] * M[1, 2])

    grad = numerical_gradient(f, A)
    np.testing.assert_array_equal(A, original)
    assert len(seen_unchanged) == 2 * A.size and all(seen_unchanged)
    expected = np.zeros((2, 3))
    expected[0, 1], expected[1, 2] = A[1, 2], A[0, 1]
    np.testing.assert_allclose(grad, expected, atol=1e-9)


# ---------------------------------------------------------------- squared_error


def test_squared_error_values():
    assert squared_error(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0])) == pytest.approx(6.5)
    assert squared_error(2.0, 5.0) == pytest.approx(4.5)
    assert isinstance(squared_error(2.0, 5.0), float)
    assert squared_error(np.ones((2, 3)), np.ones((2, 3))) == 0.0
    with pytest.raises(ValueError):
        squared_error(np.ones(3), np.ones(4))


def test_squared_error_gradient_and_torch():
    rng = np.random.default_rng(14)
    y, t = rng.normal(size=8), rng.normal(size=8)
    y_copy, t_copy = y.copy(), t.copy()
    # d/dy of 0.5 * sum((y - t)**2) is y - t.
    np.testing.assert_allclose(numerical_gradient(lambda u: squared_error(u, t), y), y - t, atol=1e-9)
    torch_value = 0.5 * torch.nn.functional.mse_loss(torch.tensor(y), torch.tensor(t), reduction="sum").item()
    assert squared_error(y, t) == pytest.approx(torch_value, rel=1e-12)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(t, t_copy)


# ---------------------------------------------------------------- training: sgd_step, train_svm, choose


from nnlab.reference.hinge_loss import choose_hyperparameters, make_blobs, predict, sgd_step, train_svm  # noqa: E402


def test_sgd_step_is_a_new_step_against_the_gradient():
    rng = np.random.default_rng(20)
    W, b, dW, db = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=3)
    copies = [a.copy() for a in (W, b, dW, db)]
    W_new, b_new = sgd_step(W, b, dW, db, 0.3)
    np.testing.assert_allclose(W_new, W - 0.3 * dW, rtol=0, atol=0)
    np.testing.assert_allclose(b_new, b - 0.3 * db, rtol=0, atol=0)
    assert W_new.dtype == np.float64 and not np.shares_memory(W_new, W) and not np.shares_memory(b_new, b)
    for before, after in zip(copies, (W, b, dW, db)):
        np.testing.assert_array_equal(before, after)
    # the same update as torch.optim.SGD on the same parameters and gradients
    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    W_t.grad, b_t.grad = torch.tensor(dW), torch.tensor(db)
    torch.optim.SGD([W_t, b_t], lr=0.3).step()
    np.testing.assert_allclose(W_new, W_t.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(b_new, b_t.detach().numpy(), rtol=1e-15)


def test_one_full_batch_epoch_is_one_gradient_step_from_the_stated_initialisation():
    X, y = make_blobs(10, np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]]), seed=1)
    W, b, losses = train_svm(X, y, lr=0.2, reg=0.1, epochs=1, batch_size=1000, seed=5)
    W0 = 0.001 * np.random.default_rng(5).standard_normal((3, 2))
    loss0, dW0, db0 = svm_loss(W0, np.zeros(3), X, y, reg=0.1)
    assert losses.shape == (1,) and losses[0] == pytest.approx(loss0, rel=1e-12)
    np.testing.assert_allclose(W, W0 - 0.2 * dW0, rtol=1e-12)
    np.testing.assert_allclose(b, -0.2 * db0, rtol=1e-12, atol=1e-15)
    assert loss0 == pytest.approx(2.0, abs=0.05)  # C - 1 with W close to 0 and b = 0


def test_train_svm_follows_the_stated_recipe_step_by_step():
    """The loop written out again, with torch.autograd computing every step's gradient."""
    X, y = make_blobs(7, np.array([[2.0, 0.0, 1.0], [-2.0, 1.0, 0.0]]), seed=3)  # N = 14
    lr, reg, epochs, batch_size, seed = 0.1, 0.05, 3, 4, 11  # 4 batches an epoch, the last one of 2
    W, b, losses = train_svm(X, y, lr, reg, epochs, batch_size, seed)
    rng = np.random.default_rng(seed)
    W_t = torch.tensor(0.001 * rng.standard_normal((2, 3)), requires_grad=True)
    b_t = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    expected_losses = []
    for _ in range(epochs):
        order = rng.permutation(14)
        for batch in (order[0:4], order[4:8], order[8:12], order[12:14]):
            S = torch.tensor(X[batch]) @ W_t.T + b_t
            loss = 2 * torch.nn.functional.multi_margin_loss(S, torch.tensor(y[batch])) + reg * (W_t ** 2).sum()
            W_t.grad = b_t.grad = None
            loss.backward()
            expected_losses.append(loss.item())
            with torch.no_grad():
                W_t -= lr * W_t.grad
                b_t -= lr * b_t.grad
    assert losses.shape == (12,) and losses.dtype == np.float64
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-10)
    np.testing.assert_allclose(W, W_t.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b, b_t.detach().numpy(), rtol=1e-10, atol=1e-15)


def test_train_svm_learns_separable_blobs_and_leaves_its_inputs_alone():
    centres = np.array([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0], [-4.0, -4.0, 0.0]])
    X, y = make_blobs(30, centres, spread=0.8, seed=2)
    X_copy, y_copy = X.copy(), y.copy()
    W, b, losses = train_svm(X, y, lr=0.1, reg=1e-3, epochs=15, batch_size=16, seed=0)
    assert np.mean(predict(W, b, X) == y) > 0.9
    assert losses[:8].mean() > 2 * losses[-8:].mean()
    assert losses[0] == pytest.approx(3.0, abs=0.05)  # C - 1 at the start
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    # the same seed gives the same run, another seed another one
    np.testing.assert_array_equal(train_svm(X, y, 0.1, 1e-3, 15, 16, 0)[0], W)
    assert not np.array_equal(train_svm(X, y, 0.1, 1e-3, 15, 16, 1)[0], W)


def test_the_gradient_of_the_recorded_loss_is_what_training_follows():
    """A small enough step along -dW lowers the batch loss (the gradient is a descent direction)."""
    X, y = make_blobs(12, np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), spread=1.0, seed=9)
    W, b, _ = train_svm(X, y, lr=0.05, reg=0.01, epochs=2, batch_size=8, seed=4)
    loss, dW, db = svm_loss(W, b, X, y, reg=0.01)
    W_next, b_next = sgd_step(W, b, dW, db, 1e-4)
    assert svm_loss(W_next, b_next, X, y, reg=0.01)[0] < loss


def test_predict_is_the_first_highest_score():
    W, b = np.eye(3), np.zeros(3)
    X = np.array([[-2.0, 5.0, 3.0], [5.0, 6.0, 3.0], [1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
    predicted = predict(W, b, X)
    np.testing.assert_array_equal(predicted, [1, 1, 0, 1])
    assert predicted.dtype.kind == "i"
    np.testing.assert_array_equal(predict(LECTURE_W, LECTURE_B, LECTURE_X[None, :]), [1])  # 410.8 wins


def test_choose_hyperparameters_measures_on_validation_and_takes_the_first_maximum():
    X, y = make_blobs(20, np.array([[1.5, 0.0], [-1.5, 0.0], [0.0, 2.0]]), spread=1.0, seed=6)
    X_train, y_train, X_val, y_val = X[:36], y[:36], X[36:], y[36:]
    copies = [a.copy() for a in (X_train, y_train, X_val, y_val)]
    lrs, regs = [1e-3, 0.1, 0.1 * (1 + 1e-9)], [0.0, 0.5, 5.0]
    best_lr, best_reg, accuracy = choose_hyperparameters(X_train, y_train, X_val, y_val, lrs, regs, 5, 8, 0)
    assert accuracy.shape == (3, 3)
    for i, lr in enumerate(lrs):
        for j, reg in enumerate(regs):
            W, b, _ = train_svm(X_train, y_train, lr, reg, 5, 8, 0)
            assert accuracy[i, j] == np.mean(predict(W, b, X_val) == y_val)
    np.testing.assert_array_equal(accuracy[1], accuracy[2])  # the near-equal learning rates tie
    i, j = np.unravel_index(np.argmax(accuracy), accuracy.shape)
    assert (best_lr, best_reg) == (lrs[i], regs[j]) and i != 2
    for before, after in zip(copies, (X_train, y_train, X_val, y_val)):
        np.testing.assert_array_equal(before, after)
    one = choose_hyperparameters(X_train, y_train, X_val, y_val, [0.1], [0.5], 5, 8, 0)
    assert one[:2] == (0.1, 0.5) and one[2].shape == (1, 1) and one[2][0, 0] == accuracy[1, 1]
