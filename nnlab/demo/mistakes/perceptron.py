"""Typical mistakes in the perceptron notebook (see the package docstring)."""
from nnlab.demo.mistakes import MistakeSet

FULL = {"test_step": 1.0, "test_perceptron_output": 2.0, "test_perceptron_update": 2.0,
        "test_train_perceptron": 4.0, "test_decision_boundary_x2": 1.0, "test_xor_two_layer": 2.0}

MISTAKE_SETS = [
    MistakeSet(
        name="strict threshold, forgotten bias update, sign error on the line",
        answers={
            # step uses > instead of >=: wrong exactly at 0 (and so on points on the line).
            "step": "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0) if np.ndim(z) else float(z > 0)\n",
            # the bias weight never learns.
            "perceptron_update": (
                "def perceptron_update(w, x, t, lr):\n"
                "    w = np.array(w, dtype=float)\n"
                "    f = perceptron_output(w, x)\n"
                "    w[1:] = w[1:] + lr * (t - f) * np.asarray(x)\n"
                "    return w\n"
            ),
            # sign error: (w0 + w1*x1) / w2.
            "decision_boundary_x2": "def decision_boundary_x2(w, x1):\n    return (w[0] + w[1] * np.asarray(x1)) / w[2]\n",
        },
        # step(0) is wrong, so a point exactly on the line is misclassified by perceptron_output too,
        # and training (which relies on the update) goes wrong throughout.
        expected={**FULL, "test_step": 0.25, "test_perceptron_output": 1.5, "test_perceptron_update": 0.5,
                  "test_train_perceptron": 0.0, "test_decision_boundary_x2": 0.0},
    ),
    MistakeSet(
        name="a batch summed into one output, an XNOR network",
        answers={
            # right for one point, but a batch (N, d) collapses into a single number.
            "perceptron_output": (
                "def perceptron_output(w, x):\n"
                "    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)\n"
                "    return step(w[0] + np.sum(x * w[1:]))\n"
            ),
            "xor_two_layer": (
                "def xor_two_layer(x):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    h_or = step(x[..., 0] + x[..., 1] - 0.5)\n"
                "    h_and = step(x[..., 0] + x[..., 1] - 1.5)\n"
                "    return step(h_and - h_or + 0.5)\n"
            ),
        },
        expected={**FULL, "test_perceptron_output": 0.5, "test_xor_two_layer": 0.0},
    ),
]
