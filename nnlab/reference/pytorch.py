"""Reference solution for the `pytorch` assignment: training small networks with PyTorch.

The lecture's two ideas, in code:

* a network is an `nn.Module` whose layers are created in `__init__` and whose
  computational graph is written in `forward` (the backward pass comes for free);
* one training step is: forward, loss, `zero_grad`, `backward`, optional gradient
  clipping, `step`.

Convention for binary classification (XOR, two moons): the network has ONE output, a logit
`s`; the loss is `torch.nn.BCEWithLogitsLoss` (sigmoid and cross-entropy fused, which is
numerically safe); targets `y` are floats 0.0/1.0 of shape `(N, 1)`; the predicted class is 1
exactly when `s > 0` (that is, when `sigmoid(s) > 0.5`). `accuracy` also accepts networks
with C >= 2 outputs (class = argmax, targets are integer labels of shape `(N,)`), the
convention of `torch.nn.CrossEntropyLoss`.

Reproducibility: every function that builds a network calls `torch.manual_seed(seed)` right
before `MLP(...)`, and `MLP` creates its `Linear` layers in order from input to output with
PyTorch's default initialisation, so the same seed gives the same weights, the same losses
and the same accuracies.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "MLP",
    "train",
    "count_parameters",
    "parameter_count",
    "xor_data",
    "accuracy",
    "train_xor",
    "two_moons",
    "run_experiment",
    "XOR_SIZES",
]

# The XOR network of the notebook: 2 inputs, one hidden layer of 16 ReLU units, 1 logit.
XOR_SIZES = [2, 16, 1]


class MLP(nn.Module):
    """A fully connected network: Linear, activation, Linear, ..., Linear.

    sizes: `[d_in, h1, ..., d_out]`; there are `len(sizes) - 1` Linear layers with a fresh
        `activation()` module between consecutive ones and none after the last, so the
        output is an unsquashed score (a logit). `MLP([2, 1])` has no hidden layer: it is
        the affine map `x @ W.T + b`.
    activation: a callable returning an `nn.Module`, usually the class itself
        (`torch.nn.ReLU`, `torch.nn.Tanh`, `torch.nn.Sigmoid`).

    With a parameter-free activation the network has
    `sum(sizes[i] * sizes[i+1] + sizes[i+1])` parameters (weights plus biases).
    """

    def __init__(self, sizes: Sequence[int], activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        sizes = [int(size) for size in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least an input and an output size, all >= 1; got {sizes}")
        self.sizes = sizes
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if index > 0:
                # A fresh module per gap: activations with parameters (PReLU) must not share them.
                layers.append(activation())
            layers.append(nn.Linear(fan_in, fan_out))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, d_in) -> scores (N, d_out)."""
        for layer in self.layers:
            x = layer(x)
        return x


def train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    clip_norm: float | None = None,
) -> list[float]:
    """Full-batch training: one optimizer step per epoch on all of `X`.

    X: (N, d_in) inputs; y: targets in the form `loss_fn` expects, e.g. (N, 1) floats for
    `BCEWithLogitsLoss`. `clip_norm`, when given, rescales the gradient of all parameters
    together so that its global L2 norm is at most `clip_norm` before the step.

    Returns the `epochs` losses as Python floats; entry k is the loss at the start of
    epoch k, i.e. before that epoch's update.
    """
    losses: list[float] = []
    for _ in range(epochs):
        scores = model(X)
        loss = loss_fn(scores, y)
        # PyTorch adds new gradients to .grad: without this reset every step would use
        # the sum of all gradients so far.
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        # .item() keeps a float, not the tensor (which would keep the whole graph alive).
        losses.append(loss.item())
    return losses


def count_parameters(model: nn.Module) -> int:
    """The number of trainable scalars in `model`."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def parameter_count(sizes: Sequence[int]) -> int:
    """The parameter count of `MLP(sizes)` from the formula: weights plus biases per layer."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def xor_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The four XOR points: X (4, 2) float32 in the order 00, 01, 10, 11; y (4, 1) float32 = [0, 1, 1, 0]."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    return X, y


@torch.no_grad()
def accuracy(model: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of points of X that `model` classifies correctly, as a Python float.

    One output (scores (N, 1)): class 1 where the logit is > 0; y holds 0/1 with shape (N, 1) or (N,).
    C >= 2 outputs (scores (N, C)): class = argmax; y holds integer labels with shape (N,).
    """
    scores = model(X)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = scores.argmax(dim=1)
        target = y.reshape(-1).long()
    else:
        predicted = (scores.reshape(-1) > 0).long()
        # Reshape both sides to (N,): comparing (N, 1) with (N,) would broadcast to (N, N).
        target = y.reshape(-1).long()
    # Count, then divide in Python: exact fractions (176/200 == 0.88), not float32 means.
    return (predicted == target).sum().item() / target.numel()


def train_xor(
    sizes: Sequence[int],
    activation: Callable[[], nn.Module] = nn.ReLU,
    lr: float = 0.05,
    epochs: int = 200,
    seed: int = 0,
) -> tuple[MLP, list[float]]:
    """Seed, build `MLP(sizes, activation)`, train it on XOR; returns (model, losses).

    Recipe: `torch.manual_seed(seed)` just before building the model,
    `BCEWithLogitsLoss`, `torch.optim.Adam(model.parameters(), lr=lr)`, `epochs` full-batch steps.
    """
    X, y = xor_data()
    torch.manual_seed(seed)
    model = MLP(sizes, activation)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = train(model, X, y, nn.BCEWithLogitsLoss(), optimizer, epochs)
    return model, losses


def two_moons(n_per_class: int = 100, noise: float = 0.2, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles, generated with numpy (nothing is downloaded).

    Class 0: the upper arc (cos t, sin t); class 1: the lower arc (1 - cos t, 0.5 - sin t),
    with t uniform in [0, pi] and Gaussian noise of standard deviation `noise` on both
    coordinates. Returns X (2n, 2) float32 (class 0 first) and y (2n, 1) float32.
    """
    rng = np.random.default_rng(seed)
    t_upper = rng.uniform(0.0, np.pi, size=n_per_class)
    t_lower = rng.uniform(0.0, np.pi, size=n_per_class)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    points = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(2 * n_per_class, 2))
    labels = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    X = torch.tensor(points, dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.float32).reshape(-1, 1)
    return X, y


def run_experiment(
    sizes: Sequence[int],
    activation: Callable[[], nn.Module],
    lr: float,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    epochs: int = 300,
    seed: int = 0,
    clip_norm: float | None = None,
) -> tuple[list[float], float, float]:
    """Train one configuration on a binary task; returns (losses, train_accuracy, test_accuracy).

    Recipe: `torch.manual_seed(seed)` just before `MLP(sizes, activation)`,
    `BCEWithLogitsLoss`, plain full-batch gradient descent `torch.optim.SGD(model.parameters(), lr=lr)`,
    `train(..., epochs, clip_norm)`, then `accuracy` on the training and on the test set.
    """
    torch.manual_seed(seed)
    model = MLP(sizes, activation)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = train(model, X_train, y_train, nn.BCEWithLogitsLoss(), optimizer, epochs, clip_norm)
    return losses, accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
