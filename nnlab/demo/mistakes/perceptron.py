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
        # step(0) is wrong: step loses its at-zero test only (its other tests keep z away from 0). The
        # update without the bias fails every test where a weight moves (the net-input-0 case too); the
        # forms of its answer and the inputs kept earn their points. The sign error costs both value
        # tests of the line, not the test of its form. Judged as one program, perceptron_output loses
        # its net-input-0 test through step, and training, which relies on the update, every value
        # test; with those answers carried forward both are judged on their own, and are right.
        expected={**FULL, "test_step": 0.75, "test_perceptron_update": 0.75, "test_decision_boundary_x2": 0.25},
        alone={"test_perceptron_output": 1.75, "test_train_perceptron": 0.5},
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
        # a batch gives one number: every batch value test, the test of the output's shape and the
        # inputs-kept test (which first asks for an answer of the right size) fail; one point is right
        # (and so are the update and training, which use single points). The XNOR network fails both
        # value tests of xor_two_layer and, built from step rather than perceptron_output, the test
        # that reads its code; its outputs have the right form (floats, shapes).
        expected={**FULL, "test_perceptron_output": 0.25, "test_xor_two_layer": 0.5},
    ),
    MistakeSet(
        name="a step that keeps an integer dtype",
        answers={
            # zeros_like copies z's dtype: an int array in gives an int array out (floats for floats).
            "step": (
                "def step(z):\n"
                "    z = np.asarray(z)\n"
                "    out = np.zeros_like(z)\n"
                "    out[z >= 0] = 1\n"
                "    return float(out) if out.ndim == 0 else out\n"
            ),
        },
        # only the test that passes integer arrays and asks for floats fails; the values are right,
        # and every later question calls step on floats.
        expected={**FULL, "test_step": 0.875},
    ),
    MistakeSet(
        name="an update whose own threshold gives 0 at a net input of exactly 0",
        answers={
            # the output computed inline with > instead of calling perceptron_output (step(0) = 1).
            "perceptron_update": (
                "def perceptron_update(w, x, t, lr):\n"
                "    w = np.asarray(w, dtype=float)\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    f = 1.0 if w[0] + x @ w[1:] > 0 else 0.0\n"
                "    return w + lr * (t - f) * np.concatenate(([1.0], x))\n"
            ),
        },
        # the update's net-input-0 test only (its other cases keep the net input away from 0). Training
        # calls this update, and the worked example from w = 0 meets a net input of 0 at its first
        # point: judged as one program that test fails too (the random starts never land exactly on 0);
        # with a working update carried forward, training is right.
        expected={**FULL, "test_perceptron_update": 1.75},
        alone={"test_train_perceptron": 3.0},
    ),
    MistakeSet(
        name="an XOR network of integers that bypasses perceptron_output",
        answers={
            # the right weights, but comparisons turned into ints, and no perceptron_output anywhere.
            "xor_two_layer": (
                "def xor_two_layer(x):\n"
                "    x = np.asarray(x)\n"
                "    s = x[..., 0] + x[..., 1]\n"
                "    hidden_or = (s >= 0.5).astype(int)\n"
                "    hidden_nand = (s <= 1.5).astype(int)\n"
                "    out = (hidden_or + hidden_nand >= 2).astype(int)\n"
                "    return out if out.ndim else int(out)\n"
            ),
        },
        # the values and shapes are right: it loses the float-outputs test and the test that reads
        # the code for perceptron_output, nothing else.
        expected={**FULL, "test_xor_two_layer": 1.25},
    ),
]
