"""Hidden graders for the pytorch notebook. Points per test cell match the notebook.

Torch objects never leave the student's process: networks are made there and held by handle.
Their parameters come back as float64 arrays (the runner's `parameters` recipe), hidden
parameters go in (`load_parameters`), inputs go in as `wire.Tensor`, and scores come back as
arrays. `train` runs through the `call_train` recipe, which makes the loss and the optimizer
in the student's process and reports the losses, the parameters and gradients after the call
and the inputs as the call left them. Expected values come from `nnlab.reference.pytorch`, run
here from the same parameters (float32 on both sides: tolerances are float32's).

`train` and `accuracy` get networks built from torch's own classes (`nn.Sequential`, `nn.Linear`,
`nn.Identity`, made in the student's process), never the student's `MLP`: a mistake in `MLP`
does not cost them. `train_xor` and `run_experiment` use the student's own `xor_data`, `MLP`,
`train` (and `accuracy`, for the top-level XOR results and `run_experiment`), as the notebook
asks: their tests also fail when one of those is wrong.
"""
from functools import cache

import numpy as np
import pytest
import torch
from torch import nn

from nnlab.graders import checks
from nnlab.graders.library import library_module
from nnlab.graders.library import library_object as library
from nnlab.reference import pytorch as ref
from nnlab.runner.wire import Tensor

torch.set_num_threads(1)  # tiny networks: the same single-threaded float32 arithmetic as the student's

# float32 arithmetic: the same operations in two processes agree to rounding.
F32 = {"rtol": 1e-4, "atol": 1e-5}
# The notebook's public data: a four-point linear regression, and the XOR truth table.
LECTURE_X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]], dtype=np.float32)
LECTURE_Y = np.array([[1.0], [-1.0], [0.5], [2.0]], dtype=np.float32)
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
ACTIVATIONS = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid}


# -- one wrong convention, one test --------------------------------------------------------------
# The value tests read a number or a list of numbers whatever holds it (a tensor, which arrives as an
# array, a numpy scalar, a one-element array, an array for a list); each return type the notebook states
# is tested once, by the test whose hint names it (train's list of Python floats, accuracy's Python
# float, run_experiment's plain values).
def value_number(value, what: str) -> float:
    """The number in `value`: a Python number, or a 0-d or one-element array of numbers."""
    if type(value) in (int, float):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    raise checks.AnswerTypeError(f"{what} should be a number, got {checks._kind(value)}")


def value_list(value, what: str, length: int | None = None) -> np.ndarray:
    """The numbers of a list (or tuple, or 1-D array) of numbers, each in any container."""
    if isinstance(value, np.ndarray) and value.ndim <= 2 and value.dtype.kind in "iuf":
        value = list(value.reshape(-1))
    if type(value) not in (list, tuple):
        raise checks.AnswerTypeError(f"{what} should be a list of numbers, got {checks._kind(value)}")
    numbers = np.array([value_number(v, what) for v in value], dtype=np.float64)
    if length is not None and len(numbers) != length:
        raise checks.AnswerTypeError(f"{what} should hold one loss per epoch")
    return numbers


# -- objects in the student's process ----------------------------------------------------------
def make(student, dotted: str, *args):
    """A handle to `<dotted>(*args)` made in the student's process (an nn.Linear, a tensor, ...).

    Called as a method of its module: `__call__` of a class handle would be the instances' method."""
    module_name, attribute = dotted.rsplit(".", 1)
    return student.call_method(library_module(student, module_name), attribute, *args, keep=True)


def seed_student(student, seed: int) -> None:
    make(student, "torch.manual_seed", int(seed))


def torch_net(student, sizes, activation="ReLU"):
    """nn.Sequential(Linear, activation, ..., Linear) made from torch's classes in the student's process."""
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if index:
            layers.append(make(student, f"torch.nn.{activation}"))
        layers.append(make(student, "torch.nn.Linear", int(fan_in), int(fan_out)))
    return make(student, "torch.nn.Sequential", *layers)


def local_net(sizes, activation="ReLU") -> nn.Sequential:
    """The same network in this process."""
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if index:
            layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Linear(int(fan_in), int(fan_out)))
    return nn.Sequential(*layers)


def student_mlp(student, sizes, activation=None):
    """A handle to the student's MLP(sizes[, torch.nn.<activation>])."""
    extra = [library(student, f"torch.nn.{activation}")] if activation else []
    return student.call("MLP", [int(s) for s in sizes], *extra, keep=True)


def parameters_of(student, model) -> list[np.ndarray]:
    return student.recipe("parameters", model)


def scores_of(student, model, X: np.ndarray, what: str, n_out: int) -> np.ndarray:
    """model(X) in the student's process, for a float32 batch X: an array of shape (N, n_out).

    The messages never name the hidden sizes: they are shown to the student."""
    out = student.call_method(model, "__call__", Tensor(X.astype(np.float32)))
    out = out.array if isinstance(out, Tensor) else out
    if not isinstance(out, np.ndarray) or out.dtype == bool:
        kind = "an array" if isinstance(out, np.ndarray) else f"a {type(out).__name__}"
        raise checks.AnswerTypeError(f"{what} should give a tensor of scores, got {kind}")
    if out.shape != (len(X), n_out):
        raise checks.AnswerTypeError(f"{what} should give scores of shape (N, d_out) for a batch of shape (N, d_in)")
    return out.astype(np.float64)


def random_parameters(rng, shapes, scale=1.0) -> list[np.ndarray]:
    """Hidden weights: uniform in +-scale/sqrt(fan_in) (a bias counts its layer's fan_in)."""
    params, fan_in = [], 1
    for shape in shapes:
        if len(shape) == 2:
            fan_in = shape[1]
        bound = scale / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=shape).astype(np.float32))
    return params


def set_local(model: nn.Module, arrays) -> nn.Module:
    with torch.no_grad():
        for param, array in zip(model.parameters(), arrays):
            param.copy_(torch.as_tensor(np.asarray(array), dtype=param.dtype).reshape(param.shape))
    return model


def ref_shapes(sizes) -> list[tuple]:
    return [tuple(p.shape) for p in ref.MLP(sizes).parameters()]


def random_sizes(rng, n_layers: int) -> list[int]:
    return [int(s) for s in rng.integers(1, 9, size=n_layers + 1)]


def ref_scores(model: nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(X.astype(np.float32))).double().numpy()


def same_shapes(got: list, expected: list, what: str) -> None:
    shapes = [tuple(np.shape(p)) for p in got]
    assert shapes == expected, f"{what}: parameter shapes {shapes}, expected {expected}"


# -- Exercise 1: MLP (3 points) -----------------------------------------------------------------
@pytest.mark.grade("test_mlp", points=0.5)
def test_mlp_lecture_sizes(student):
    """MLP is an nn.Module; MLP([2, 1]) has 3 parameters and MLP([2, 16, 1]) has 65, one weight and bias per layer"""
    model = student_mlp(student, [2, 1])
    builtins = student.get("__builtins__", keep=True)
    assert student.call_method(builtins, "isinstance", model, library(student, "torch.nn.Module")) is True, \
        "MLP must derive from nn.Module"
    for sizes, count in (([2, 1], 3), ([2, 16, 1], 65)):
        params = parameters_of(student, student_mlp(student, sizes))
        assert sum(p.size for p in params) == count
        same_shapes(params, ref_shapes(sizes), f"MLP({sizes})")


@pytest.mark.grade("test_mlp", points=0.5)
def test_mlp_parameter_shapes_any_sizes(student, rng):
    """for any list of sizes: one Linear layer (weight (out, in), bias (out,)) per pair, from input to output"""
    for n_layers in (1, 2, 3, 4):
        sizes = random_sizes(rng, n_layers)
        params = parameters_of(student, student_mlp(student, sizes))
        same_shapes(params, ref_shapes(sizes), f"MLP({sizes})")
        assert sum(p.size for p in params) == ref.parameter_count(sizes)


@pytest.mark.grade("test_mlp", points=0.5)
def test_mlp_output_shape(student, rng):
    """forward maps a batch (N, d_in) to scores (N, d_out), also for a batch of one row and an empty batch"""
    for n_layers in (1, 2, 3):
        sizes = random_sizes(rng, n_layers)
        model = student_mlp(student, sizes)
        for n in (int(rng.integers(2, 12)), 1, 0):
            X = rng.normal(size=(n, sizes[0])).astype(np.float32)
            scores_of(student, model, X, "MLP(sizes) applied to a batch", sizes[-1])


def check_forward(student, rng, sizes, activation, scale=2.0):
    """The student's MLP with hidden weights gives the reference's scores on hidden inputs."""
    model = student_mlp(student, sizes, activation)
    same_shapes(parameters_of(student, model), ref_shapes(sizes), f"MLP({sizes})")
    params = random_parameters(rng, ref_shapes(sizes), scale)
    student.recipe("load_parameters", model, params)
    expected = set_local(ref.MLP(sizes, ACTIVATIONS[activation or "ReLU"]), params)
    X = rng.normal(scale=2.0, size=(9, sizes[0])).astype(np.float32)
    X[-1] = rng.choice([-1e3, 1e3], size=sizes[0])  # large inputs: no overflow, no warning
    want = ref_scores(expected, X)
    got = scores_of(student, model, X, "MLP(sizes)", sizes[-1])
    checks.close(got, want, f"MLP({sizes}) scores", rtol=1e-4, atol=1e-4 * (1 + np.abs(want).max()))


@pytest.mark.grade("test_mlp", points=0.75)
def test_mlp_forward_matches_reference(student, rng):
    """forward: Linear, ReLU, ..., Linear with no activation after the last layer; MLP([d, c]) is x @ W.T + b"""
    for sizes in ([int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(3, 9)), int(rng.integers(1, 4))],
                  [int(rng.integers(2, 6)), int(rng.integers(3, 9)), 1],
                  [int(rng.integers(2, 6)), int(rng.integers(1, 4))]):
        check_forward(student, rng, sizes, None)


@pytest.mark.grade("test_mlp", points=0.5)
def test_mlp_activation_argument(student, rng):
    """the activation argument (a class such as nn.Tanh or nn.Sigmoid) is called to make the module between layers"""
    for activation in ("Tanh", "Sigmoid"):
        sizes = [int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(3, 9)), 1]
        check_forward(student, rng, sizes, activation)


@pytest.mark.grade("test_mlp", points=0.25)
def test_mlp_seeded_initialisation(student, rng):
    """torch.manual_seed(s) then MLP(sizes) gives PyTorch's default initial weights, layers made from input to output"""
    for n_layers in (1, 3):
        sizes, seed = random_sizes(rng, n_layers), int(rng.integers(0, 100_000))
        seed_student(student, seed)
        params = parameters_of(student, student_mlp(student, sizes))
        torch.manual_seed(seed)
        expected = [p.detach().double().numpy() for p in ref.MLP(sizes).parameters()]
        same_shapes(params, [p.shape for p in expected], f"MLP({sizes})")
        for got, want in zip(params, expected):
            checks.close(got, want, "initial weights", rtol=0, atol=1e-7)


# -- Exercise 2: train (4 points) ---------------------------------------------------------------
LOSSES = {"mse": nn.MSELoss, "bce_logits": nn.BCEWithLogitsLoss}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


class Run:
    """One call of the student's train on a torch network with hidden weights, and the reference run."""

    def __init__(self, student, rng, sizes, X, y, lr, epochs, clip_norm=None, loss="mse", optimizer="sgd",
                 stale_grad=None, activation="ReLU"):
        self.X, self.y = X.astype(np.float32), y.astype(np.float32)
        self.start = random_parameters(rng, [tuple(p.shape) for p in local_net(sizes, activation).parameters()])
        model = torch_net(student, sizes, activation)
        student.recipe("load_parameters", model, self.start)
        self.reply = student.recipe("call_train", model, Tensor(self.X), Tensor(self.y), lr, epochs, clip_norm,
                                    loss, optimizer, stale_grad)
        self.model = set_local(local_net(sizes, activation), self.start)
        self.expected_losses = np.array(ref.train(self.model, torch.from_numpy(self.X), torch.from_numpy(self.y),
                                                  LOSSES[loss](), OPTIMIZERS[optimizer](self.model.parameters(), lr=lr),
                                                  epochs, clip_norm))
        self.epochs = epochs

    @property
    def losses(self) -> np.ndarray:
        """The losses train returned, whatever holds them (the value tests)."""
        return value_list(self.reply["losses"], "train's losses", self.epochs)

    def strict_losses(self) -> np.ndarray:
        """The rule "a list with one loss per epoch as Python floats" (the type test)."""
        reply = self.reply
        if reply["result_type"] != "builtins.list":
            raise checks.AnswerTypeError(f"train should return a list of losses, got a {reply['result_type']}")
        if len(reply["losses"]) != self.epochs:
            raise checks.AnswerTypeError("train should return one loss per epoch")
        wrong = [kind for kind in reply["loss_types"] if kind != "builtins.float"]
        if wrong:
            raise checks.AnswerTypeError(f"each loss should be a Python float (loss.item()), got a {wrong[0]}")
        return np.array(reply["losses"], dtype=np.float64)

    def check(self, what: str) -> None:
        """Same losses and same final parameters as the reference loop."""
        checks.close(self.losses, self.expected_losses, f"{what}: losses", **F32)
        for got, want in zip(self.reply["parameters"], self.model.parameters()):
            checks.close(got, want.detach().double().numpy(), f"{what}: parameters after training", **F32)

    def moved(self) -> np.ndarray:
        """How far the student's training moved the parameters (all of them, as one vector)."""
        return np.concatenate([(p - s).ravel() for p, s in zip(self.reply["parameters"], self.start)])

    def inputs_unchanged(self) -> None:
        checks.unchanged(self.X, self.reply["X"], "train")
        checks.unchanged(self.y, self.reply["y"], "train")


def hidden_regression(rng, n, d):
    X = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d)
    return X, (np.sin(X @ w) + 0.5 * X[:, 0]).reshape(n, 1).astype(np.float32)


@pytest.mark.grade("test_train", points=0.75)
def test_train_lecture_regression(student, rng):
    """the notebook's 4-point regression with SGD: a list of one Python float per epoch, decreasing; 0 epochs give []"""
    run = Run(student, rng, [2, 1], LECTURE_X, LECTURE_Y, lr=0.05, epochs=8)
    assert run.expected_losses[-1] < run.expected_losses[0]
    run.strict_losses()
    run.check("train")
    assert run.losses[-1] < run.losses[0]
    none = Run(student, rng, [2, 1], LECTURE_X, LECTURE_Y, lr=0.05, epochs=0)
    assert none.reply["losses"] == [] and none.reply["result_type"] == "builtins.list"
    assert np.allclose(none.moved(), 0.0), "0 epochs must not change the parameters"


@pytest.mark.grade("test_train", points=1)
def test_train_matches_the_lecture_loop(student, rng):
    """on a hidden data set, every epoch is forward, loss, zero_grad, backward, step: same losses and weights as the loop"""
    d = int(rng.integers(2, 4))
    X, y = hidden_regression(rng, int(rng.integers(10, 20)), d)
    run = Run(student, rng, [d, int(rng.integers(4, 9)), 1], X, y, lr=float(rng.uniform(0.02, 0.08)), epochs=8)
    assert run.expected_losses[-1] < run.expected_losses[0]
    run.check("train")
    assert run.losses[-1] < run.losses[0], "the loss should go down"


@pytest.mark.grade("test_train", points=0.75)
def test_train_clears_old_gradients(student, rng):
    """gradients left over from before (and from the previous epoch) are cleared: .grad holds one step's gradient"""
    d = int(rng.integers(2, 4))
    X, y = hidden_regression(rng, 12, d)
    sizes = [d, int(rng.integers(3, 7)), 1]
    stale = Run(student, rng, sizes, X, y, lr=0.1, epochs=1, stale_grad=float(rng.uniform(50, 100)))
    stale.check("train with gradients left over from an earlier backward()")
    # With lr = 0 nothing moves: after 3 epochs .grad must hold one gradient, not the sum of three.
    frozen = Run(student, rng, sizes, X, y, lr=0.0, epochs=3)  # the reference's .grad: one epoch's gradient
    for got, param in zip(frozen.reply["grads"], frozen.model.parameters()):
        assert got is not None, "after train every parameter should hold its gradient"
        checks.close(got, param.grad.double().numpy(), "the gradient after 3 epochs with lr = 0", **F32)


@pytest.mark.grade("test_train", points=0.75)
def test_train_clips_the_gradient(student, rng):
    """with clip_norm, SGD and lr = 1 the update is the gradient rescaled to length clip_norm; without, it is not clipped"""
    d = int(rng.integers(2, 4))
    X, y = hidden_regression(rng, 10, d)
    y = 100 * y  # far-away targets: a long gradient
    sizes = [d, int(rng.integers(3, 7)), 1]
    clip = float(rng.uniform(0.1, 0.5))
    clipped = Run(student, rng, sizes, X, y, lr=1.0, epochs=1, clip_norm=clip)
    raw = Run(student, rng, sizes, X, y, lr=1.0, epochs=1)
    assert np.linalg.norm(np.concatenate([(s - p.detach().numpy()).ravel() for s, p in
                                          zip(raw.start, raw.model.parameters())])) > 10 * clip
    assert np.linalg.norm(clipped.moved()) <= clip * (1 + 1e-4) + 1e-6, "a clipped update is at most clip_norm long"
    clipped.check("train with clip_norm")
    raw.check("train without clip_norm")
    loose = Run(student, rng, sizes, X, y, lr=1.0, epochs=1, clip_norm=1e6)  # a bound above the norm: no change
    loose.check("train with a clip_norm larger than the gradient")


@pytest.mark.grade("test_train", points=0.75)
def test_train_any_loss_and_optimizer(student, rng):
    """train uses the loss and optimizer it is given (BCEWithLogitsLoss, Adam), works on one row and leaves X and y alone"""
    d = int(rng.integers(2, 4))
    X = rng.normal(size=(16, d)).astype(np.float32)
    y = (X @ rng.normal(size=d) > 0).astype(np.float32).reshape(-1, 1)
    run = Run(student, rng, [d, int(rng.integers(3, 7)), 1], X, y, lr=0.05, epochs=5, loss="bce_logits",
              optimizer="adam")
    run.check("train with BCEWithLogitsLoss and Adam")
    run.inputs_unchanged()
    one = Run(student, rng, [d, 4, 1], X[:1], y[:1], lr=0.1, epochs=3)
    one.check("train on a batch of one row")
    one.inputs_unchanged()


# -- Exercise 3: xor_data and accuracy (2 points) -----------------------------------------------
def accuracy_of(student, model, scores_or_X: np.ndarray, y, strict: bool = False) -> float:
    """accuracy(model, X, y) in the student's process: a Python float with strict=True (the type test),
    else the number whatever holds it."""
    reply = student.recipe("call_strictly", "accuracy", [model, Tensor(scores_or_X), Tensor(y)], {})
    if strict and reply["type"] != "builtins.float":
        raise checks.AnswerTypeError(f"accuracy should return a Python float, got a {reply['type']}")
    return value_number(reply["value"], "accuracy")


def ref_accuracy_of_scores(scores: np.ndarray, y: np.ndarray) -> float:
    return ref.accuracy(nn.Identity(), torch.from_numpy(scores), torch.from_numpy(y))


def labels_mostly_right(rng, scores: np.ndarray) -> np.ndarray:
    """Labels y (N, 1) that agree with `scores > 0` on about 80% of the rows, as a trained network's would.

    Labels independent of the scores would make the true accuracy and the mean over all (N, N)
    pairs (an (N, 1) prediction compared with a y of shape (N,)) the same in expectation, and
    now and then equal; the labels are drawn again until the two differ."""
    predicted = (scores > 0).astype(np.float32)
    while True:
        y = np.where(rng.random(predicted.shape) < 0.2, 1.0 - predicted, predicted).astype(np.float32)
        right = float((predicted == y).mean())
        every_pair = float((predicted == y.reshape(-1)).mean())
        if len(y) < 3 or abs(right - every_pair) > 1e-3:
            return y


@pytest.mark.grade("test_xor_helpers", points=0.5)
def test_xor_data(student):
    """xor_data returns (X, y): float32 tensors of shapes (4, 2) and (4, 1), rows 00, 01, 10, 11 and targets 0, 1, 1, 0"""
    result = student.call("xor_data", keep=True)
    assert result.type_name in ("tuple", "list") and student.call_method(result, "__len__") == 2, \
        "xor_data should return a pair (X, y)"
    for index, (name, expected) in enumerate((("X", XOR_X), ("y", XOR_Y))):
        if student.call_method(result, "__getitem__", index, keep=True).type_name != "Tensor":
            raise checks.AnswerTypeError(f"xor_data's {name} should be a torch tensor")
        got = student.call_method(result, "__getitem__", index)
        if got.dtype != np.float32:
            raise checks.AnswerTypeError(f"xor_data's {name} should be float32, got {got.dtype}")
        checks.close(checks.array(got, f"xor_data's {name}", expected.shape), expected, f"xor_data's {name}", 0, 0)


@pytest.mark.grade("test_xor_helpers", points=0.5)
def test_accuracy_lecture_scores(student):
    """scores (-3, 2, 4, -1) get every XOR point right (1.0); a model always saying 1 gets 0.5, as a Python float"""
    identity = make(student, "torch.nn.Identity")
    for scores, expected in (([-3.0, 2.0, 4.0, -1.0], 1.0), ([5.0] * 4, 0.5)):
        scores = np.array(scores, dtype=np.float32).reshape(4, 1)
        assert accuracy_of(student, identity, scores, XOR_Y, strict=True) == expected


@pytest.mark.grade("test_xor_helpers", points=0.5)
def test_accuracy_binary(student, rng):
    """one output: class 1 only where the score is > 0 (a score of 0 is class 0); y of shape (N, 1) or (N,); any N"""
    identity = make(student, "torch.nn.Identity")
    for n in (int(rng.integers(20, 60)), 1, 2):
        scores = rng.normal(size=(n, 1)).astype(np.float32)
        scores[rng.random(n) < 0.3] = 0.0
        y = labels_mostly_right(rng, scores)
        if n == 2:  # scores of exactly 0 with labels 0: all right, and all wrong when 0 counts as class 1
            scores[:] = 0.0
            y[:] = 0.0
        expected = ref_accuracy_of_scores(scores, y)
        checks.close(accuracy_of(student, identity, scores, y), expected, "accuracy", rtol=0, atol=1e-6)
        checks.close(accuracy_of(student, identity, scores, y.reshape(-1)), expected, "accuracy with y of shape (N,)",
                     rtol=0, atol=1e-6)


@pytest.mark.grade("test_xor_helpers", points=0.25)
def test_accuracy_several_classes(student, rng):
    """C >= 2 outputs: the predicted class is the index of the largest score; y holds integer labels (N,)"""
    identity = make(student, "torch.nn.Identity")
    for c in (2, int(rng.integers(3, 7))):
        n = int(rng.integers(10, 40))
        scores = rng.normal(size=(n, c)).astype(np.float32)
        labels = rng.integers(0, c, size=n).astype(np.int64)
        expected = ref.accuracy(nn.Identity(), torch.from_numpy(scores), torch.from_numpy(labels))
        checks.close(accuracy_of(student, identity, scores, labels), expected, "accuracy", rtol=0, atol=1e-6)


@pytest.mark.grade("test_xor_helpers", points=0.25)
def test_accuracy_of_a_network(student, rng):
    """accuracy works on a real network whose parameters require gradients (no_grad, no leftover graph)"""
    d = int(rng.integers(2, 5))
    model = make(student, "torch.nn.Linear", d, 1)
    params = random_parameters(rng, [(1, d), (1,)])
    student.recipe("load_parameters", model, params)
    X = rng.normal(size=(30, d)).astype(np.float32)
    y = (rng.random((30, 1)) < 0.5).astype(np.float32)
    expected = ref.accuracy(set_local(nn.Linear(d, 1), params), torch.from_numpy(X), torch.from_numpy(y))
    checks.close(accuracy_of(student, model, X, y), expected, "accuracy", rtol=0, atol=1e-6)


# -- Exercise 4: train_xor and the two XOR networks (3 points) ----------------------------------
def xor_scores_accuracy(scores: np.ndarray) -> float:
    return float(np.mean((scores.reshape(-1) > 0) == (XOR_Y.reshape(-1) == 1)))


def student_train_xor(student, sizes, **kwargs):
    """train_xor(sizes, ...) in the student's process: (handle to the model, losses as an array)."""
    result = student.call("train_xor", [int(s) for s in sizes], **kwargs, keep=True)
    if result.type_name not in ("tuple", "list") or student.call_method(result, "__len__") != 2:
        raise checks.AnswerTypeError("train_xor should return a pair (model, losses)")
    losses = value_list(student.call_method(result, "__getitem__", 1), "train_xor's losses")
    return student.call_method(result, "__getitem__", 0, keep=True), losses


def number_variable(student, name: str) -> float:
    return value_number(student.get(name), f"the variable {name}")


def losses_variable(student, name: str) -> np.ndarray:
    return value_list(student.get(name), f"the variable {name}")


@pytest.mark.grade("test_xor", points=0.75)
def test_xor_networks_of_the_notebook(student):
    """xor_model is MLP([2, 16, 1]) (65 parameters) with accuracy 1.0; linear_model is MLP([2, 1]) (3) with at most 0.75"""
    assert number_variable(student, "xor_accuracy") == 1.0
    assert number_variable(student, "linear_accuracy") <= 0.75
    for name, sizes in (("xor_model", [2, 16, 1]), ("linear_model", [2, 1])):
        same_shapes(parameters_of(student, student.get(name, keep=True)), ref_shapes(sizes), name)


@cache
def recipe_losses(sizes: tuple[int, ...]) -> list[float]:
    """The losses of the recipe's train_xor(sizes) with its defaults: the same for every student,
    worked out once a grading process."""
    return ref.train_xor(list(sizes))[1]


@pytest.mark.grade("test_xor", points=0.5)
def test_xor_losses_of_the_notebook(student):
    """xor_losses and linear_losses: the 200 losses of train_xor with its defaults (seed 0, Adam, lr 0.05)"""
    for name, sizes in (("xor_losses", (2, 16, 1)), ("linear_losses", (2, 1))):
        checks.close(losses_variable(student, name), recipe_losses(sizes), name, **F32)


def xor_seed(rng, sizes) -> tuple[int, nn.Module, list]:
    """A hidden seed for which the reference recipe solves XOR (it does for almost every seed)."""
    for _ in range(20):
        seed = int(rng.integers(0, 100_000))
        model, losses = ref.train_xor(sizes, seed=seed)
        if xor_scores_accuracy(ref_scores(model, XOR_X)) == 1.0:
            break
    return seed, model, losses


@pytest.mark.grade("test_xor", points=1)
def test_xor_hidden_seed(student, rng):
    """train_xor([2, 16, 1], seed=s) for another seed: the same run as the recipe, and all four XOR points right"""
    seed, expected_model, expected_losses = xor_seed(rng, [2, 16, 1])
    seed_student(student, seed + 1)   # another global state before: only a train_xor that seeds itself matches
    model, losses = student_train_xor(student, [2, 16, 1], seed=seed)
    checks.close(losses, expected_losses, "train_xor's losses", **F32)
    scores = scores_of(student, model, XOR_X, "the trained model", 1)
    assert xor_scores_accuracy(scores) == 1.0
    checks.close(scores, ref_scores(expected_model, XOR_X), "the trained model's scores", rtol=1e-3, atol=1e-4)


@pytest.mark.grade("test_xor", points=0.25)
def test_xor_linear_hidden_seed(student, rng):
    """train_xor([2, 1], seed=s): a network without a hidden layer never gets more than 3 of the 4 points"""
    seed = int(rng.integers(0, 100_000))
    seed_student(student, seed + 1)
    model, losses = student_train_xor(student, [2, 1], seed=seed)
    checks.close(losses, ref.train_xor([2, 1], seed=seed)[1], "train_xor's losses", **F32)
    assert xor_scores_accuracy(scores_of(student, model, XOR_X, "the trained model", 1)) <= 0.75


@pytest.mark.grade("test_xor", points=0.5)
def test_xor_arguments(student, rng):
    """train_xor uses its sizes, activation, lr, epochs and seed arguments"""
    sizes = [2] + [int(h) for h in rng.integers(3, 9, size=int(rng.integers(1, 3)))] + [1]
    lr, epochs, seed = float(rng.uniform(0.01, 0.1)), int(rng.integers(5, 15)), int(rng.integers(0, 100_000))
    activation = str(rng.choice(["Tanh", "Sigmoid"]))
    seed_student(student, seed + 1)
    model, losses = student_train_xor(student, sizes, activation=library(student, f"torch.nn.{activation}"), lr=lr,
                                      epochs=epochs, seed=seed)
    expected_model, expected_losses = ref.train_xor(sizes, ACTIVATIONS[activation], lr=lr, epochs=epochs, seed=seed)
    checks.close(losses, expected_losses, "train_xor's losses", **F32)
    checks.close(scores_of(student, model, XOR_X, "the trained model", 1), ref_scores(expected_model, XOR_X),
                 "the trained model's scores", rtol=1e-3, atol=1e-4)


# -- Exercise 5: run_experiment (2 points) ------------------------------------------------------
class Moons:
    """Hidden two-moons training and test sets, held as tensors in the student's process."""

    def __init__(self, student, rng):
        n, noise = int(rng.integers(15, 30)), float(rng.uniform(0.1, 0.3))
        seeds = rng.choice(100_000, size=2, replace=False)
        self.local = [*ref.two_moons(n, noise, int(seeds[0])), *ref.two_moons(n, noise, int(seeds[1]))]
        self.arrays = [t.numpy().copy() for t in self.local]
        self.handles = [make(student, "torch.tensor", a) for a in self.arrays]


def run_experiment_of(student, moons, sizes, activation, lr, strict: bool = False, **kwargs):
    """(losses, train_accuracy, test_accuracy) of the student's run_experiment: a list of Python floats and
    two Python floats with strict=True (the type test), else the same numbers whatever holds them."""
    result = student.call("run_experiment", [int(s) for s in sizes], library(student, f"torch.nn.{activation}"),
                          lr, *moons.handles, **kwargs)
    if type(result) not in (tuple, list) or len(result) != 3:
        raise checks.AnswerTypeError(f"run_experiment should return a tuple of 3, got a {type(result).__name__}")
    losses, train_acc, test_acc = result
    if strict:
        if type(losses) is not list or not all(type(v) is float for v in losses):
            raise checks.AnswerTypeError("run_experiment's losses should be a list of Python floats")
        if type(train_acc) is not float or type(test_acc) is not float:
            raise checks.AnswerTypeError("run_experiment's accuracies should be Python floats")
    return (value_list(losses, "run_experiment's losses"), value_number(train_acc, "run_experiment's accuracy"),
            value_number(test_acc, "run_experiment's accuracy"))


def check_experiment(student, moons, sizes, activation, lr, strict: bool = False, **kwargs):
    losses, train_acc, test_acc = run_experiment_of(student, moons, sizes, activation, lr, strict, **kwargs)
    expected = ref.run_experiment(sizes, ACTIVATIONS[activation], lr, *moons.local, **kwargs)
    checks.close(losses, expected[0], "run_experiment's losses", **F32)
    checks.close(train_acc, expected[1], "run_experiment's training accuracy", rtol=0, atol=1e-6)
    checks.close(test_acc, expected[2], "run_experiment's test accuracy", rtol=0, atol=1e-6)
    return losses


@pytest.mark.grade("test_run_experiment", points=0.5)
def test_run_experiment_matches_the_recipe(student, rng):
    """seed, MLP, BCEWithLogitsLoss, plain SGD(lr), train, then the training and test accuracy, on hidden two moons"""
    moons = Moons(student, rng)
    sizes, epochs, seed = [2, int(rng.integers(4, 10)), 1], int(rng.integers(6, 12)), int(rng.integers(0, 100_000))
    seed_student(student, seed + 1)   # another global state before: only a run_experiment that seeds matches
    losses = check_experiment(student, moons, sizes, "ReLU", 0.5, epochs=epochs, seed=seed)
    assert losses[-1] < losses[0]


@pytest.mark.grade("test_run_experiment", points=0.25)
def test_run_experiment_returns_plain_values(student, rng):
    """run_experiment returns (losses, train_accuracy, test_accuracy): a list of Python floats, then two Python floats"""
    moons = Moons(student, rng)  # the values are judged too: an answer, not a stub of the right types
    check_experiment(student, moons, [2, 4, 1], "ReLU", 0.5, strict=True, epochs=3, seed=int(rng.integers(0, 100_000)))


@pytest.mark.grade("test_run_experiment", points=0.5)
def test_run_experiment_activation_and_depth(student, rng):
    """run_experiment builds MLP(sizes, activation) for other depths and activations (tanh, sigmoid)"""
    moons = Moons(student, rng)
    for activation in ("Tanh", "Sigmoid"):
        sizes = [2, int(rng.integers(3, 8)), int(rng.integers(3, 8)), 1]
        check_experiment(student, moons, sizes, activation, float(rng.uniform(0.1, 1.0)),
                         epochs=int(rng.integers(4, 9)), seed=int(rng.integers(0, 100_000)))


@pytest.mark.grade("test_run_experiment", points=0.5)
def test_run_experiment_clip_norm(student, rng):
    """clip_norm is passed on to train: a large learning rate with clipping gives the clipped run"""
    moons = Moons(student, rng)
    sizes, seed, lr = [2, int(rng.integers(4, 10)), 1], int(rng.integers(0, 100_000)), float(rng.uniform(10, 30))
    clip = float(rng.uniform(0.01, 0.04))  # below the gradient norm at the start: every step is clipped
    unclipped = ref.run_experiment(sizes, nn.ReLU, lr, *moons.local, epochs=4, seed=seed)[0]
    clipped = check_experiment(student, moons, sizes, "ReLU", lr, epochs=4, seed=seed, clip_norm=clip)
    assert not np.allclose(clipped, unclipped, **F32)


@pytest.mark.grade("test_run_experiment", points=0.25)
def test_run_experiment_seeded_and_inputs_kept(student, rng):
    """the same seed gives the same run, another seed another run, and the data tensors are not modified"""
    moons = Moons(student, rng)
    sizes, seed = [2, 6, 1], int(rng.integers(0, 100_000))
    first = run_experiment_of(student, moons, sizes, "ReLU", 0.5, epochs=5, seed=seed)[0]
    seed_student(student, int(rng.integers(0, 100_000)))  # another global state in between
    again = run_experiment_of(student, moons, sizes, "ReLU", 0.5, epochs=5, seed=seed)[0]
    other = run_experiment_of(student, moons, sizes, "ReLU", 0.5, epochs=5, seed=seed + 1)[0]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    checks.close(first, ref.run_experiment(sizes, nn.ReLU, 0.5, *moons.local, epochs=5, seed=seed)[0],
                 "run_experiment's losses", **F32)
    for handle, before in zip(moons.handles, moons.arrays):
        assert np.array_equal(student.call_method(handle, "clone"), before), "run_experiment must not modify its data"
