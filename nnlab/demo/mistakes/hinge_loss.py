"""Typical mistakes in the hinge_loss notebook (see the package docstring).

Exercises 1-8: no function of these answers calls another notebook function, so each mistake costs
its own question only (the graders of numerical_gradient use library functions, never the notebook's).
The training exercises call the notebook's functions as the exercise asks: train_svm calls svm_loss and
sgd_step, so a wrong svm_loss or sgd_step value reaches train_svm (a cascade, stated where a set has
one); choose_hyperparameters calls train_svm, but its graders judge the table against the student's own
train_svm, so a mistake in training is not counted twice.
"""
from nnlab.demo.mistakes import MistakeSet, edited

FULL = {"test_linear_scores": 2.0, "test_bias_trick": 1.0, "test_hinge_loss_i": 2.0, "test_hinge_loss_naive": 2.0,
        "test_hinge_loss_vectorized": 3.0, "test_numerical_gradient": 2.0, "test_svm_loss": 4.0,
        "test_squared_error": 1.0, "test_sgd_step": 2.0, "test_train_svm": 3.0, "test_choose_hyperparameters": 3.0}

# Right answers of the training exercises (9-11) in a student's own words; the mistakes below edit them.
SGD_STEP = '''\
def sgd_step(W, b, dW, db, lr):
    return W - lr * dW, b - lr * db
'''

TRAIN_SVM = '''\
def train_svm(X, y, lr=0.1, reg=1e-3, epochs=20, batch_size=32, seed=0):
    N, D = X.shape
    C = int(np.max(y)) + 1
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((C, D))
    b = np.zeros(C)
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, dW, db = svm_loss(W, b, X[batch], y[batch], reg=reg)
            losses.append(loss)
            W, b = sgd_step(W, b, dW, db, lr)
    return W, b, losses
'''

CHOOSE = '''\
def predict(W, b, X):
    return np.argmax(X @ W.T + b, axis=1)


def choose_hyperparameters(X_train, y_train, X_val, y_val, learning_rates, regs, epochs=20, batch_size=32, seed=0):
    accuracy = np.zeros((len(learning_rates), len(regs)))
    best = (-1.0, None, None)
    for i, lr in enumerate(learning_rates):
        for j, reg in enumerate(regs):
            W, b, _ = train_svm(X_train, y_train, lr, reg, epochs, batch_size, seed)
            accuracy[i, j] = np.mean(predict(W, b, X_val) == y_val)
            if accuracy[i, j] > best[0]:
                best = (accuracy[i, j], lr, reg)
    return best[1], best[2], accuracy
'''

SVM_LOSS = '''\
def svm_loss(W, b, X, y, reg=0.0, delta=1.0):
    W, X = np.asarray(W, dtype=float), np.asarray(X, dtype=float)
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W.T + np.asarray(b, dtype=float)
    margins = np.maximum(0.0, S - S[rows, y][:, None] + delta)
    margins[rows, y] = 0.0
    loss = float(np.sum(margins) / N + reg * np.sum(W ** 2))
    dS = (margins > 0).astype(float)
    dS[rows, y] = -dS.sum(axis=1)
    dS /= N
    return loss, dS.T @ X + 2.0 * reg * W, dS.sum(axis=0)
'''

MISTAKE_SETS = [
    MistakeSet(
        name="written for one image only, delta hard-coded, true class not removed, forward difference",
        answers={
            # the formula of the slide: right for one image (D,), a batch (N, D) does not even multiply.
            "linear_scores": "def linear_scores(W, b, x):\n    return W @ x + b\n",
            # the margin is always 1: the delta argument is ignored.
            "hinge_loss_i": (
                "def hinge_loss_i(s, y, delta=1.0):\n"
                "    s = np.asarray(s, dtype=float)\n"
                "    margins = np.maximum(0.0, s - s[y] + 1.0)\n"
                "    margins[y] = 0.0\n"
                "    return float(margins.sum())\n"
            ),
            # the true class stays in the sum: every image pays delta too much.
            "hinge_loss_vectorized": (
                "def hinge_loss_vectorized(S, y, delta=1.0):\n"
                "    S = np.asarray(S, dtype=float)\n"
                "    correct = S[np.arange(S.shape[0]), y]\n"
                "    return float(np.maximum(0.0, S - correct[:, None] + delta).sum() / S.shape[0])\n"
            ),
            # one-sided difference (f(A + h) - f(A)) / h: right for linear f only.
            "numerical_gradient": (
                "def numerical_gradient(f, A, h=1e-5):\n"
                "    point = np.array(A, dtype=float)\n"
                "    grad = np.zeros_like(point)\n"
                "    f_here = float(f(point))\n"
                "    for index in np.ndindex(point.shape):\n"
                "        original = point[index]\n"
                "        point[index] = original + h\n"
                "        grad[index] = (float(f(point)) - f_here) / h\n"
                "        point[index] = original\n"
                "    return grad\n"
            ),
            # a margin of exactly 0 counted as active: only the lecture's automobile image shows it.
            "svm_loss": (
                "def svm_loss(W, b, X, y, reg=0.0, delta=1.0):\n"
                "    W, X = np.asarray(W, dtype=float), np.asarray(X, dtype=float)\n"
                "    n = X.shape[0]\n"
                "    rows = np.arange(n)\n"
                "    S = X @ W.T + b\n"
                "    margins = S - S[rows, y][:, None] + delta\n"
                "    active = margins >= 0.0\n"
                "    active[rows, y] = False\n"
                "    loss = float(np.sum(margins[active]) / n + reg * np.sum(W ** 2))\n"
                "    dS = active.astype(float)\n"
                "    dS[rows, y] = -active.sum(axis=1)\n"
                "    dS /= n\n"
                "    return loss, dS.T @ X + 2.0 * reg * W, dS.sum(axis=0)\n"
            ),
            # the mean instead of the sum: right for two numbers only (and warns on empty arrays).
            "squared_error": "def squared_error(y, t):\n    return 0.5 * np.mean((np.asarray(y) - np.asarray(t)) ** 2)\n",
            # the step done in place: the values are right, but the caller's W and b are changed.
            "sgd_step": edited(SGD_STEP, ("    return W - lr * dW, b - lr * db\n",
                                          "    W -= lr * dW\n    b -= lr * db\n    return W, b\n")),
            # one shuffle for the whole run: every epoch walks the same order.
            "train_svm": edited(TRAIN_SVM, ("    for epoch in range(epochs):\n        order = rng.permutation(N)\n",
                                            "    order = rng.permutation(N)\n    for epoch in range(epochs):\n")),
            # the hyperparameters chosen by the accuracy on the training split.
            "choose_hyperparameters": edited(CHOOSE, ("np.mean(predict(W, b, X_val) == y_val)",
                                                      "np.mean(predict(W, b, X_train) == y_train)")),
        },
        # sgd_step: its inputs-kept test only (train_svm's W is its own, so nothing cascades). One shuffle:
        # one epoch is still right (the initialisation test and the learning test pass), the minibatch and
        # regularization tests (2 or more epochs) fail. The training-split table fails the tests that
        # compare the table (the splits are sized so that the two accuracies cannot be equal); the best of
        # its own table is still the first maximum. svm_loss's margin of exactly 0 never occurs in training.
        expected={**FULL, "test_linear_scores": 1.0, "test_hinge_loss_i": 1.5, "test_hinge_loss_vectorized": 0.0,
                  "test_numerical_gradient": 1.5, "test_svm_loss": 3.0, "test_squared_error": 0.25,
                  "test_sgd_step": 1.5, "test_train_svm": 1.25, "test_choose_hyperparameters": 1.5},
    ),
    MistakeSet(
        name="column-vector scores, bias first, sum not mean, inputs changed in place, reg gradient forgotten",
        answers={
            # written for batches with b as a column: one image (D,) gets a (C, C) matrix.
            "linear_scores": "def linear_scores(W, b, x):\n    return (W @ x.T + b[:, None]).T\n",
            # the bias in the first column: W' @ [x, 1] no longer equals W @ x + b.
            "bias_trick": "def bias_trick(W, b):\n    return np.hstack([np.asarray(b, dtype=float)[:, None], W])\n",
            # the sum over the batch, not the mean: right for a batch of one image only.
            "hinge_loss_naive": (
                "def hinge_loss_naive(S, y, delta=1.0):\n"
                "    total = 0.0\n"
                "    for i in range(S.shape[0]):\n"
                "        for j in range(S.shape[1]):\n"
                "            if j != y[i]:\n"
                "                total += max(0.0, S[i, j] - S[i, y[i]] + delta)\n"
                "    return total\n"
            ),
            # right value, but np.asarray does not copy a float array: the caller's S is overwritten.
            "hinge_loss_vectorized": (
                "def hinge_loss_vectorized(S, y, delta=1.0):\n"
                "    S = np.asarray(S, dtype=float)\n"
                "    rows = np.arange(S.shape[0])\n"
                "    S -= S[rows, y][:, None]\n"
                "    S += delta\n"
                "    S[rows, y] = 0.0\n"
                "    np.maximum(S, 0.0, out=S)\n"
                "    return float(S.sum() / S.shape[0])\n"
            ),
            # perturbs the caller's A itself (put back afterwards): f sees a changed A, and an integer A
            # cannot hold A + h at all.
            "numerical_gradient": (
                "def numerical_gradient(f, A, h=1e-5):\n"
                "    grad = np.zeros(np.shape(A))\n"
                "    for index in np.ndindex(A.shape):\n"
                "        original = A[index]\n"
                "        A[index] = original + h\n"
                "        f_plus = f(A)\n"
                "        A[index] = original - h\n"
                "        f_minus = f(A)\n"
                "        A[index] = original\n"
                "        grad[index] = (f_plus - f_minus) / (2 * h)\n"
                "    return grad\n"
            ),
            # reg * sum(W**2) in the loss, but its gradient 2 * reg * W left out of dW.
            "svm_loss": (
                "def svm_loss(W, b, X, y, reg=0.0, delta=1.0):\n"
                "    n = X.shape[0]\n"
                "    rows = np.arange(n)\n"
                "    S = X @ W.T + b\n"
                "    margins = S - S[rows, y][:, None] + delta\n"
                "    margins[rows, y] = 0.0\n"
                "    active = margins > 0.0\n"
                "    loss = float(np.sum(margins[active]) / n + reg * np.sum(W ** 2))\n"
                "    dS = active.astype(float)\n"
                "    dS[rows, y] = -active.sum(axis=1)\n"
                "    dS /= n\n"
                "    return loss, dS.T @ X, dS.sum(axis=0)\n"
            ),
            # the 1/2 forgotten.
            "squared_error": "def squared_error(y, t):\n    return float(np.sum((np.asarray(y) - np.asarray(t)) ** 2))\n",
            # the gradient scaled in place before the step: the caller's dW and db are changed.
            "sgd_step": edited(SGD_STEP, ("    return W - lr * dW, b - lr * db\n",
                                          "    dW *= lr\n    db *= lr\n    return W - dW, b - db\n")),
            # W starts at zero instead of 0.001 * rng.standard_normal((C, D)): every later draw is off too.
            "train_svm": edited(TRAIN_SVM, ("    W = 0.001 * rng.standard_normal((C, D))\n",
                                            "    W = np.zeros((C, D))\n")),
            # ">=": on a tie the last maximum wins.
            "choose_hyperparameters": edited(CHOOSE, ("if accuracy[i, j] > best[0]:", "if accuracy[i, j] >= best[0]:")),
        },
        # svm_loss without 2 * reg * W reaches train_svm (a cascade), but its zero initialisation fails those
        # tests anyway: train_svm keeps the learning test only (training from W = 0 works). sgd_step scales
        # the caller's dW in place: its inputs-kept test only. The last maximum instead of the first: the
        # tie test only (its grid has near-equal learning rates and regs, so the table always ties).
        expected={**FULL, "test_linear_scores": 1.0, "test_bias_trick": 0.0, "test_hinge_loss_naive": 0.5,
                  "test_hinge_loss_vectorized": 2.5, "test_numerical_gradient": 1.0, "test_svm_loss": 3.25,
                  "test_squared_error": 0.0, "test_sgd_step": 1.5, "test_train_svm": 0.5,
                  "test_choose_hyperparameters": 2.25},
    ),
    MistakeSet(
        name="transposed W', true class in the sum, loops where none are allowed, perturbations not undone",
        answers={
            # [W | b] built as rows and never transposed back: shape (D+1, C).
            "bias_trick": "def bias_trick(W, b):\n    return np.vstack([np.asarray(W).T, b])\n",
            # the true class is not left out: it always adds delta.
            "hinge_loss_i": (
                "def hinge_loss_i(s, y, delta=1.0):\n"
                "    s = np.asarray(s, dtype=float)\n"
                "    return float(np.sum(np.maximum(0.0, s - s[y] + delta)))\n"
            ),
            # the margin written as + 1: delta ignored.
            "hinge_loss_naive": (
                "def hinge_loss_naive(S, y, delta=1.0):\n"
                "    S = np.asarray(S, dtype=float)\n"
                "    total = 0.0\n"
                "    for i in range(S.shape[0]):\n"
                "        for j in range(S.shape[1]):\n"
                "            if j != y[i]:\n"
                "                total += max(0.0, S[i, j] - S[i, y[i]] + 1.0)\n"
                "    return total / S.shape[0]\n"
            ),
            # right values, but a comprehension over the images is still a Python loop.
            "hinge_loss_vectorized": (
                "def hinge_loss_vectorized(S, y, delta=1.0):\n"
                "    S = np.asarray(S, dtype=float)\n"
                "    losses = [np.sum(np.maximum(0.0, S[i] - S[i, y[i]] + delta)) - delta for i in range(S.shape[0])]\n"
                "    return float(np.mean(losses))\n"
            ),
            # each element is left at a - h: later elements are differentiated at a shifted point
            # (invisible for linear f).
            "numerical_gradient": (
                "def numerical_gradient(f, A, h=1e-5):\n"
                "    point = np.array(A, dtype=float)\n"
                "    grad = np.zeros_like(point)\n"
                "    for index in np.ndindex(point.shape):\n"
                "        point[index] += h\n"
                "        f_plus = f(point)\n"
                "        point[index] -= 2 * h\n"
                "        f_minus = f(point)\n"
                "        grad[index] = (f_plus - f_minus) / (2 * h)\n"
                "    return grad\n"
            ),
            # right values, one image at a time: not vectorized.
            "svm_loss": (
                "def svm_loss(W, b, X, y, reg=0.0, delta=1.0):\n"
                "    W, X, b = np.asarray(W, dtype=float), np.asarray(X, dtype=float), np.asarray(b, dtype=float)\n"
                "    n = X.shape[0]\n"
                "    loss, dW, db = 0.0, np.zeros_like(W), np.zeros_like(b)\n"
                "    for i in range(n):\n"
                "        s = W @ X[i] + b\n"
                "        margins = s - s[y[i]] + delta\n"
                "        margins[y[i]] = 0.0\n"
                "        active = margins > 0.0\n"
                "        loss += margins[active].sum()\n"
                "        ds = active.astype(float)\n"
                "        ds[y[i]] = -active.sum()\n"
                "        dW += np.outer(ds, X[i])\n"
                "        db += ds\n"
                "    return float(loss / n + reg * np.sum(W ** 2)), dW / n + 2.0 * reg * W, db / n\n"
            ),
            # the square of the sum instead of the sum of the squares: right for two numbers only.
            "squared_error": "def squared_error(y, t):\n    return 0.5 * np.sum(np.asarray(y) - np.asarray(t)) ** 2\n",
            # reg is never handed to svm_loss: the loss and the steps are unregularized.
            "train_svm": edited(TRAIN_SVM, ("svm_loss(W, b, X[batch], y[batch], reg=reg)", "svm_loss(W, b, X[batch], y[batch])")),
        },
        # train_svm without reg: right whenever reg = 0, so only the regularization test fails. svm_loss's
        # loop gives the right values: nothing cascades into train_svm.
        expected={**FULL, "test_bias_trick": 0.0, "test_hinge_loss_i": 0.0, "test_hinge_loss_naive": 1.5,
                  "test_hinge_loss_vectorized": 2.25, "test_numerical_gradient": 1.5, "test_svm_loss": 3.5,
                  "test_squared_error": 0.25, "test_train_svm": 2.25},
    ),
    MistakeSet(
        name="right values in the wrong container: a tensor, a one-element array",
        answers={
            # the scores right, but as a torch tensor, not a numpy array.
            "linear_scores": "def linear_scores(W, b, x):\n    return torch.as_tensor(np.asarray(x) @ np.asarray(W).T + b)\n",
            # the loss right, but a 0-d torch tensor instead of a number.
            "hinge_loss_i": (
                "def hinge_loss_i(s, y, delta=1.0):\n"
                "    margins = torch.clamp(torch.as_tensor(s) - float(s[y]) + delta, min=0.0)\n"
                "    margins[y] = 0.0\n"
                "    return margins.sum()\n"
            ),
            # the mean right, but kept in a one-element array.
            "hinge_loss_naive": (
                "def hinge_loss_naive(S, y, delta=1.0):\n"
                "    total = np.zeros(1)\n"
                "    for i in range(S.shape[0]):\n"
                "        for j in range(S.shape[1]):\n"
                "            if j != y[i]:\n"
                "                total += max(0.0, S[i, j] - S[i, y[i]] + delta)\n"
                "    return total / S.shape[0]\n"
            ),
            # the error right, but a torch tensor.
            "squared_error": ("def squared_error(y, t):\n"
                              "    return torch.tensor(0.5 * np.sum((np.asarray(y) - np.asarray(t)) ** 2))\n"),
        },
        # One wrong convention, one test: each value is judged whatever holds it, and only the test whose
        # hint names the return type (the lecture example, or two numbers for squared_error) fails.
        expected={**FULL, "test_linear_scores": 1.5, "test_hinge_loss_i": 1.25, "test_hinge_loss_naive": 1.5,
                  "test_squared_error": 0.75},
    ),
    MistakeSet(
        name="a summed loss: svm_loss without the 1/N of the mean",
        answers={
            # the loss and its gradient summed over the batch, not averaged: the lecture's mean is lost.
            "svm_loss": edited(SVM_LOSS, ("np.sum(margins) / N", "np.sum(margins)"), ("    dS /= N\n", "")),
        },
        expected={**FULL, "test_svm_loss": 0},
        alone={"test_train_svm": 0.5},
    ),
]
