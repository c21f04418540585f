"""Reference solution for the `hinge_loss` assignment: a linear classifier and its SVM loss.

Layout used throughout (one row per image, one column per class for scores):

    W: (C, D)   one row of weights per class
    b: (C,)     one bias per class
    x: (D,)     one image, flattened
    X: (N, D)   a batch of images
    S: (N, C)   class scores of a batch, S = X @ W.T + b
    y: (N,)     the index of the true class of each image

The multiclass SVM (hinge) loss of one image asks the true class to beat every other
class by at least a margin `delta`; each class that does not pays the shortfall:

    L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta)

The batch loss is the mean of L_i. It is piecewise linear in the scores, so its gradient
is a count of "active" margins; where a margin is exactly 0 the loss has a kink and we
use the subgradient 0 for that term (the same choice as torch's relu and clamp).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def _as_labels(y: ArrayLike, n_samples: int, n_classes: int) -> IntArray:
    labels = np.asarray(y)
    if labels.shape != (n_samples,):
        raise ValueError(f"y must have shape ({n_samples},), got {labels.shape}")
    if labels.size and not np.all(labels == np.round(labels)):
        raise ValueError("y must hold integer class indices")
    labels = labels.astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"class indices in y must lie in [0, {n_classes}), got {labels.min()}..{labels.max()}")
    return labels


def _as_scores(S: ArrayLike) -> FloatArray:
    scores = np.asarray(S, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"S must have shape (N, C), got {scores.shape}")
    if scores.shape[0] == 0:
        raise ValueError("the mean loss of an empty batch is undefined (N == 0)")
    return scores


def linear_scores(W: ArrayLike, b: ArrayLike, x: ArrayLike) -> FloatArray:
    """Class scores of a linear classifier.

    W: (C, D), b: (C,).
    x: (D,) for one image -> (C,) scores, W @ x + b;
       (N, D) for a batch  -> (N, C) scores, X @ W.T + b (row i holds the scores of image i).
    """
    weights = np.asarray(W, dtype=float)
    bias = np.asarray(b, dtype=float)
    inputs = np.asarray(x, dtype=float)
    if weights.ndim != 2:
        raise ValueError(f"W must have shape (C, D), got {weights.shape}")
    n_classes, n_features = weights.shape
    if bias.shape != (n_classes,):
        raise ValueError(f"b must have shape ({n_classes},), got {bias.shape}")
    if inputs.ndim not in (1, 2) or inputs.shape[-1] != n_features:
        raise ValueError(f"x must have shape ({n_features},) or (N, {n_features}), got {inputs.shape}")
    # inputs @ W.T covers both cases: (D,) @ (D, C) -> (C,) and (N, D) @ (D, C) -> (N, C).
    return inputs @ weights.T + bias


def bias_trick(W: ArrayLike, b: ArrayLike) -> FloatArray:
    """Fold the bias into the weights: W' = [W | b] of shape (C, D+1).

    With an input extended by a constant 1, W' @ [x, 1] == W @ x + b, so one matrix
    product does the work of the product and the sum.
    """
    weights = np.asarray(W, dtype=float)
    bias = np.asarray(b, dtype=float)
    if weights.ndim != 2 or bias.shape != (weights.shape[0],):
        raise ValueError(f"need W: (C, D) and b: (C,), got {weights.shape} and {bias.shape}")
    return np.hstack([weights, bias[:, None]])


def hinge_loss_i(s: ArrayLike, y: int, delta: float = 1.0) -> float:
    """Multiclass SVM loss of one image: sum over j != y of max(0, s_j - s_y + delta).

    s: (C,) class scores, y: index of the true class, delta: the required margin.
    """
    scores = np.asarray(s, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"s must have shape (C,), got {scores.shape}")
    true_class = int(_as_labels([y], 1, scores.shape[0])[0])
    margins = np.maximum(0.0, scores - scores[true_class] + delta)
    # The true class would compare with itself and always pay delta: it is left out.
    margins[true_class] = 0.0
    return float(margins.sum())


def hinge_loss_naive(S: ArrayLike, y: ArrayLike, delta: float = 1.0) -> float:
    """Mean multiclass SVM loss of a batch, written with explicit loops.

    S: (N, C) scores, y: (N,) true classes. Returns (1/N) sum_i L_i.
    """
    scores = _as_scores(S)
    n_samples, n_classes = scores.shape
    labels = _as_labels(y, n_samples, n_classes)
    total = 0.0
    for i in range(n_samples):
        correct_score = scores[i, labels[i]]
        for j in range(n_classes):
            if j == labels[i]:
                continue
            total += max(0.0, scores[i, j] - correct_score + delta)
    return total / n_samples


def hinge_loss_vectorized(S: ArrayLike, y: ArrayLike, delta: float = 1.0) -> float:
    """Mean multiclass SVM loss of a batch, without a Python loop.

    S: (N, C) scores, y: (N,) true classes. Same value as hinge_loss_naive.
    """
    scores = _as_scores(S)
    n_samples, n_classes = scores.shape
    labels = _as_labels(y, n_samples, n_classes)
    rows = np.arange(n_samples)
    correct_scores = scores[rows, labels][:, None]  # (N, 1), broadcast over the classes
    margins = np.maximum(0.0, scores - correct_scores + delta)
    margins[rows, labels] = 0.0
    return float(margins.sum() / n_samples)


def svm_loss(
    W: ArrayLike,
    b: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    reg: float = 0.0,
    delta: float = 1.0,
) -> tuple[float, FloatArray, FloatArray]:
    """SVM loss of a linear classifier and its gradient, vectorized.

    W: (C, D), b: (C,), X: (N, D), y: (N,).
    loss = mean_i L_i + reg * sum(W**2)   (the bias is not regularized)
    Returns (loss, dW, db) with dW: (C, D) and db: (C,).

    Each active margin (s_j - s_{y_i} + delta > 0) adds +x_i to the gradient of row j
    and -x_i to the gradient of the true row y_i; a margin of exactly 0 counts as inactive.
    """
    weights = np.asarray(W, dtype=float)
    inputs = np.asarray(X, dtype=float)
    if inputs.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got {inputs.shape}")
    scores = _as_scores(linear_scores(weights, b, inputs))
    n_samples, n_classes = scores.shape
    labels = _as_labels(y, n_samples, n_classes)
    rows = np.arange(n_samples)

    margins = scores - scores[rows, labels][:, None] + delta
    margins[rows, labels] = 0.0
    active = margins > 0.0
    loss = float(np.where(active, margins, 0.0).sum() / n_samples + reg * np.sum(weights**2))

    # dloss/dS: 1/N for every active margin; the true class collects minus their count.
    dscores = active.astype(float)
    dscores[rows, labels] = -active.sum(axis=1)
    dscores /= n_samples

    dW = dscores.T @ inputs + 2.0 * reg * weights
    db = dscores.sum(axis=0)
    return loss, dW, db


def numerical_gradient(f: Callable[[FloatArray], float], A: ArrayLike, h: float = 1e-5) -> float | FloatArray:
    """Central-difference gradient of a scalar function f at A, one element at a time.

        grad[k] = (f(A + h e_k) - f(A - h e_k)) / (2h)

    f is called with a perturbed float copy of A (f(A_copy) -> scalar); the caller's A is
    never modified, not even temporarily. Returns an array of A's shape, or a float if A
    is a scalar.
    """
    if np.ndim(A) == 0:
        point = float(A)
        return (float(f(point + h)) - float(f(point - h))) / (2.0 * h)

    point = np.array(A, dtype=float)  # a private copy: the caller's array stays untouched
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = float(f(point))
        point[index] = original - h
        f_minus = float(f(point))
        point[index] = original  # restore before moving on to the next element
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def squared_error(y: ArrayLike, t: ArrayLike) -> float:
    """Sum-of-squares error of the curve-fitting lecture: 0.5 * sum((y - t)**2).

    y: predictions, t: targets, scalars or arrays of the same shape.
    """
    predictions = np.asarray(y, dtype=float)
    targets = np.asarray(t, dtype=float)
    if predictions.shape != targets.shape:
        raise ValueError(f"y and t must have the same shape, got {predictions.shape} and {targets.shape}")
    return float(0.5 * np.sum((predictions - targets) ** 2))


# --- training the linear SVM with minibatch SGD ---------------------------------------------


def sgd_step(W: ArrayLike, b: ArrayLike, dW: ArrayLike, db: ArrayLike, lr: float) -> tuple[FloatArray, FloatArray]:
    """One step of gradient descent: returns new arrays (W - lr * dW, b - lr * db).

    W, dW: (C, D); b, db: (C,). None of the inputs is modified.
    """
    weights = np.asarray(W, dtype=float)
    biases = np.asarray(b, dtype=float)
    return weights - lr * np.asarray(dW, dtype=float), biases - lr * np.asarray(db, dtype=float)


def train_svm(
    X: ArrayLike,
    y: ArrayLike,
    lr: float = 0.1,
    reg: float = 1e-3,
    epochs: int = 20,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Minibatch SGD on the SVM loss of a linear classifier (delta = 1).

    X: (N, D), y: (N,) class indices; C = max(y) + 1 classes.
    rng = np.random.default_rng(seed); W = 0.001 * rng.standard_normal((C, D)); b = zeros(C).
    Every epoch draws order = rng.permutation(N) and walks it in consecutive batches of
    batch_size indices (the last one may be smaller); each batch computes
    svm_loss(W, b, X[batch], y[batch], reg), records the loss and takes sgd_step with lr.
    Returns (W, b, losses) with losses: (epochs * ceil(N / batch_size),), the loss of every
    step before its update.
    """
    inputs = np.asarray(X, dtype=float)
    labels = np.asarray(y).astype(np.intp)
    n_samples, n_features = inputs.shape
    n_classes = int(labels.max()) + 1
    rng = np.random.default_rng(seed)
    weights = 0.001 * rng.standard_normal((n_classes, n_features))
    biases = np.zeros(n_classes)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            batch = order[start:start + batch_size]
            loss, dW, db = svm_loss(weights, biases, inputs[batch], labels[batch], reg=reg)
            losses.append(loss)
            weights, biases = sgd_step(weights, biases, dW, db, lr)
    return weights, biases, np.array(losses, dtype=float)


def predict(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> IntArray:
    """The predicted class of every image: the index of its highest score (the first one on a tie).

    W: (C, D), b: (C,), X: (N, D) -> (N,) integer class indices.
    """
    return np.argmax(linear_scores(W, b, np.asarray(X, dtype=float).reshape(-1, np.shape(W)[1])), axis=1)


def choose_hyperparameters(
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_val: ArrayLike,
    y_val: ArrayLike,
    learning_rates,
    regs,
    epochs: int = 20,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[float, float, FloatArray]:
    """A grid search on the validation split.

    For every lr in learning_rates (rows) and reg in regs (columns), train on the training split
    with train_svm(X_train, y_train, lr, reg, epochs, batch_size, seed) and measure the accuracy on
    the validation split, mean(predict(W, b, X_val) == y_val). Returns (best_lr, best_reg, accuracy)
    with accuracy: (len(learning_rates), len(regs)); the best is the first maximum in row-major
    order (np.argmax of the table).
    """
    accuracy = np.zeros((len(learning_rates), len(regs)))
    labels_val = np.asarray(y_val)
    for i, lr in enumerate(learning_rates):
        for j, reg in enumerate(regs):
            W, b, _ = train_svm(X_train, y_train, lr, reg, epochs, batch_size, seed)
            accuracy[i, j] = np.mean(predict(W, b, X_val) == labels_val)
    i, j = np.unravel_index(int(np.argmax(accuracy)), accuracy.shape)
    return float(learning_rates[i]), float(regs[j]), accuracy


def make_blobs(n_per_class: int, centres: ArrayLike, spread: float = 1.0, seed: int = 0) -> tuple[FloatArray, IntArray]:
    """Gaussian blobs: n_per_class points around each row of centres (C, D), shuffled.

    Returns X: (C * n_per_class, D) and y: (C * n_per_class,) class indices.
    """
    centres = np.asarray(centres, dtype=float)
    rng = np.random.default_rng(seed)
    n_classes, n_features = centres.shape
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = centres[y] + spread * rng.standard_normal((y.size, n_features))
    order = rng.permutation(y.size)
    return X[order], y[order]
