"""Tests of nnlab.reference.pytorch: the MLP, the training loop, XOR and the moons experiment.

Gradients are checked against a hand-written copy of the lecture's loop and against central
finite differences in float64; all randomness is seeded, so every number here is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nnlab.reference import pytorch as ref

torch.set_num_threads(1)  # the networks are tiny: a second thread only adds overhead

REGRESSION_X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0], [-1.0, 0.5]])
REGRESSION_Y = torch.tensor([[1.0], [-1.0], [0.5], [2.0], [0.0]])
SIZES = [[2, 1], [2, 16, 1], [3, 5, 7, 2], [4, 8, 8, 8, 3], [1, 1, 1]]


def seeded_mlp(sizes: list[int], seed: int = 0, activation: type[nn.Module] = nn.ReLU) -> ref.MLP:
    torch.manual_seed(seed)
    return ref.MLP(sizes, activation)


def snapshot(model: nn.Module) -> list[torch.Tensor]:
    return [parameter.detach().clone() for parameter in model.parameters()]


def flat_change(model: nn.Module, before: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(p.detach() - q).reshape(-1) for p, q in zip(model.parameters(), before)])


def hand_written_loop(model: nn.Module, X, y, loss_fn, optimizer, epochs: int) -> list[float]:
    """The lecture's five steps, written out: the yardstick for `train`."""
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# --------------------------------------------------------------------------- MLP
@pytest.mark.parametrize("sizes", SIZES)
def test_parameter_count_matches_formula(sizes: list[int]) -> None:
    model = ref.MLP(sizes)
    expected = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))
    assert ref.count_parameters(model) == expected == ref.parameter_count(sizes)
    assert len(list(model.parameters())) == 2 * (len(sizes) - 1)  # one weight and one bias per layer


def test_parameter_counts_by_hand() -> None:
    assert ref.count_parameters(ref.MLP([2, 1])) == 3
    assert ref.count_parameters(ref.MLP(ref.XOR_SIZES)) == 2 * 16 + 16 + 16 + 1 == 65
    assert ref.count_parameters(ref.MLP([2, 16, 16, 16, 1])) == 48 + 272 + 272 + 17 == 609


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("batch", [1, 7])
def test_output_shape(sizes: list[int], batch: int) -> None:
    out = seeded_mlp(sizes)(torch.randn(batch, sizes[0]))
    assert out.shape == (batch, sizes[-1])
    assert out.dtype == torch.float32


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh, nn.Sigmoid])
def test_layers_alternate_and_end_linear(activation: type[nn.Module]) -> None:
    model = ref.MLP([3, 4, 5, 2], activation)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [nn.Linear, activation, nn.Linear, activation, nn.Linear]
    assert ref.MLP([2, 1]).layers[-1].__class__ is nn.Linear
    assert len(ref.MLP([2, 1]).layers) == 1  # no hidden layer: no activation at all


def test_default_activation_is_relu() -> None:
    assert [type(layer) for layer in ref.MLP([2, 3, 1]).layers] == [nn.Linear, nn.ReLU, nn.Linear]


def test_forward_equals_explicit_composition() -> None:
    model = seeded_mlp([3, 5, 4, 2], seed=1, activation=nn.Tanh)
    W1, b1, W2, b2, W3, b3 = model.parameters()
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(2))
    expected = torch.tanh(torch.tanh(x @ W1.T + b1) @ W2.T + b2) @ W3.T + b3
    torch.testing.assert_close(model(x), expected, rtol=1e-6, atol=1e-6)


def test_no_hidden_layer_is_affine() -> None:
    model = seeded_mlp([2, 1], seed=3)
    W, b = model.parameters()
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(model(x), x @ W.T + b)


def test_output_is_a_raw_score() -> None:
    out = seeded_mlp([2, 8, 1])(3 * torch.randn(200, 2, generator=torch.Generator().manual_seed(0)))
    assert (out < 0).any() and (out > 0).any()  # no ReLU or sigmoid after the last layer


def test_activation_modules_are_not_shared() -> None:
    model = ref.MLP([2, 3, 3, 1], nn.PReLU)
    prelus = [layer for layer in model.layers if isinstance(layer, nn.PReLU)]
    assert len(prelus) == 2 and prelus[0] is not prelus[1]


def test_forward_does_not_mutate_input() -> None:
    x = torch.randn(5, 3)
    copy = x.clone()
    seeded_mlp([3, 4, 1])(x)
    assert torch.equal(x, copy)


@pytest.mark.parametrize("bad", [[3], [], [2, 0, 1]])
def test_mlp_rejects_bad_sizes(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        ref.MLP(bad)


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    a, b, c = seeded_mlp([2, 5, 5, 1], 7), seeded_mlp([2, 5, 5, 1], 7), seeded_mlp([2, 5, 5, 1], 8)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


# --------------------------------------------------------------------------- train
@pytest.mark.parametrize("epochs", [1, 2, 5])
def test_train_equals_hand_written_loop(epochs: int) -> None:
    mine, hand = seeded_mlp([2, 4, 1], 1), seeded_mlp([2, 4, 1], 1)
    losses = ref.train(mine, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(mine.parameters(), lr=0.1), epochs)
    expected = hand_written_loop(hand, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(hand.parameters(), lr=0.1),
                                 epochs)
    assert losses == expected
    assert all(torch.equal(p, q) for p, q in zip(mine.parameters(), hand.parameters()))


def test_train_returns_python_floats_and_first_loss_is_before_any_update() -> None:
    model = seeded_mlp([2, 3, 1], 2)
    initial = nn.MSELoss()(model(REGRESSION_X), REGRESSION_Y).item()
    losses = ref.train(model, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05), 4)
    assert isinstance(losses, list) and len(losses) == 4
    assert all(type(value) is float for value in losses)
    assert losses[0] == initial


def test_train_zero_epochs() -> None:
    model = seeded_mlp([2, 1])
    before = snapshot(model)
    assert ref.train(model, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1.0), 0) == []
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_gradients_do_not_accumulate_across_epochs() -> None:
    # lr = 0 keeps the weights fixed, so every epoch computes the same gradient; after three
    # epochs .grad must hold it once (accumulation would give three times it).
    model, fresh = seeded_mlp([2, 4, 1], 4), seeded_mlp([2, 4, 1], 4)
    ref.train(model, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.0), 3)
    nn.MSELoss()(fresh(REGRESSION_X), REGRESSION_Y).backward()
    for p, q in zip(model.parameters(), fresh.parameters()):
        torch.testing.assert_close(p.grad, q.grad)
        assert q.grad.abs().sum() > 0


def test_stale_gradients_are_cleared_before_the_first_step() -> None:
    model, fresh = seeded_mlp([2, 4, 1], 2), seeded_mlp([2, 4, 1], 2)
    for parameter in model.parameters():
        parameter.grad = torch.full_like(parameter, 100.0)
    ref.train(model, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 1)
    hand_written_loop(fresh, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(fresh.parameters(), lr=0.1), 1)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), fresh.parameters()))


def test_sgd_step_matches_central_finite_differences() -> None:
    # One epoch of SGD with lr = 1 moves the parameters by exactly minus the gradient.
    model = seeded_mlp([3, 4, 2], 5, nn.Tanh).double()
    X = torch.randn(6, 3, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    y = torch.randn(6, 2, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    flat = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()

    def loss_at(vector: torch.Tensor) -> float:
        probe = seeded_mlp([3, 4, 2], 5, nn.Tanh).double()
        torch.nn.utils.vector_to_parameters(vector, probe.parameters())
        with torch.no_grad():
            return nn.MSELoss()(probe(X), y).item()

    h = 1e-6
    steps = torch.eye(flat.numel(), dtype=torch.float64)
    numerical = np.array([(loss_at(flat + h * e) - loss_at(flat - h * e)) / (2 * h) for e in steps])
    ref.train(model, X, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1.0), 1)
    step = (torch.nn.utils.parameters_to_vector(model.parameters()).detach() - flat).numpy()
    relative_error = np.abs(-step - numerical).max() / max(np.abs(numerical).max(), 1e-12)
    assert relative_error < 1e-7


@pytest.mark.parametrize("clip_norm", [0.01, 0.25, 1.0])
def test_clipping_bounds_the_update(clip_norm: float) -> None:
    model, raw = seeded_mlp([2, 4, 1], 5), seeded_mlp([2, 4, 1], 5)
    before = snapshot(model)
    far = 100 * REGRESSION_Y  # far-away targets: a gradient much longer than clip_norm
    ref.train(model, REGRESSION_X, far, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1.0), 1, clip_norm=clip_norm)
    change = flat_change(model, before)
    nn.MSELoss()(raw(REGRESSION_X), far).backward()
    gradient = torch.cat([p.grad.reshape(-1) for p in raw.parameters()])
    assert gradient.norm() > 10 * clip_norm
    assert change.norm() <= clip_norm + 1e-5
    assert math.isclose(change.norm().item(), clip_norm, rel_tol=1e-4)  # rescaled to clip_norm, not below
    torch.testing.assert_close(change, -gradient * (clip_norm / gradient.norm()), rtol=1e-4, atol=1e-6)


def test_no_clipping_without_clip_norm_and_a_loose_clip_changes_nothing() -> None:
    far = 100 * REGRESSION_Y
    runs = []
    for clip_norm in (None, 1e9):
        model = seeded_mlp([2, 4, 1], 5)
        before = snapshot(model)
        ref.train(model, REGRESSION_X, far, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1.0), 1, clip_norm=clip_norm)
        runs.append(flat_change(model, before))
    assert runs[0].norm() > 10
    torch.testing.assert_close(runs[0], runs[1])


def test_losses_decrease_on_linear_regression() -> None:
    # Full-batch gradient descent with a small step on a convex quadratic loss goes down every epoch.
    model = seeded_mlp([2, 1], 0)
    losses = ref.train(model, REGRESSION_X, REGRESSION_Y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.05), 200)
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.5 * losses[0]


def test_train_does_not_mutate_data() -> None:
    X, y = REGRESSION_X.clone(), REGRESSION_Y.clone()
    model = seeded_mlp([2, 3, 1])
    ref.train(model, X, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.5), 3, clip_norm=0.1)
    assert torch.equal(X, REGRESSION_X) and torch.equal(y, REGRESSION_Y)


# --------------------------------------------------------------------------- XOR and accuracy
def test_xor_data() -> None:
    X, y = ref.xor_data()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == y.dtype == torch.float32
    assert X.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y.reshape(-1).tolist() == [0.0, 1.0, 1.0, 0.0]
    assert y.reshape(-1).tolist() == [float(int(a) ^ int(b)) for a, b in X.tolist()]


def test_accuracy_thresholds_logits_at_zero() -> None:
    X, y = ref.xor_data()
    logits = torch.tensor([[-0.2], [0.3], [0.3], [-0.2]])  # a 0.5 threshold would call all of them 0
    assert ref.accuracy(lambda _: logits, X, y) == 1.0
    assert ref.accuracy(lambda _: logits, X, y.reshape(-1)) == 1.0
    assert ref.accuracy(lambda _: torch.full((4, 1), 5.0), X, y) == 0.5
    assert ref.accuracy(lambda _: torch.zeros(4, 1), X, y) == 0.5  # a score of exactly 0 means class 0
    assert type(ref.accuracy(lambda _: logits, X, y)) is float


def test_accuracy_against_numpy_on_random_scores() -> None:
    g = torch.Generator().manual_seed(3)
    scores, labels = torch.randn(101, 1, generator=g), (torch.rand(101, 1, generator=g) > 0.5).float()
    expected = np.mean((scores.numpy().ravel() > 0) == (labels.numpy().ravel() == 1))
    for target in (labels, labels.reshape(-1)):  # (N, 1) and (N,) must agree: no (N, N) broadcast
        assert math.isclose(ref.accuracy(lambda _: scores, torch.zeros(101, 2), target), expected, rel_tol=1e-6)


def test_accuracy_multiclass_uses_argmax() -> None:
    scores = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 1.0, 5.0], [9.0, 0.0, 1.0]])
    assert ref.accuracy(lambda _: scores, torch.zeros(4, 2), torch.tensor([0, 1, 2, 2])) == 0.75


def test_accuracy_runs_the_model_without_autograd() -> None:
    model = seeded_mlp([2, 3, 1])
    grad_enabled = []

    def spy(inputs: torch.Tensor) -> torch.Tensor:
        grad_enabled.append(torch.is_grad_enabled())
        return model(inputs)

    X, y = ref.xor_data()
    ref.accuracy(spy, X, y)
    assert grad_enabled == [False]
    assert torch.is_grad_enabled()  # and switches it back on afterwards


def test_xor_two_layer_mlp_reaches_full_accuracy() -> None:
    X, y = ref.xor_data()
    model, losses = ref.train_xor(ref.XOR_SIZES, seed=0)
    assert ref.accuracy(model, X, y) == 1.0
    assert len(losses) == 200
    assert math.isclose(losses[0], 0.6940316, abs_tol=1e-5)  # starts near ln 2
    assert losses[-1] < 1e-3
    for seed in (1, 7, 23):
        assert ref.accuracy(ref.train_xor(ref.XOR_SIZES, seed=seed)[0], X, y) == 1.0


def test_xor_without_hidden_layer_stays_at_most_three_quarters() -> None:
    X, y = ref.xor_data()
    for seed in range(5):
        model, losses = ref.train_xor([2, 1], seed=seed)
        assert ref.accuracy(model, X, y) <= 0.75
        assert losses[-1] > 0.69  # the best linear fit predicts 0.5 everywhere: loss ln 2
    # Not only trained ones: no affine map at all gets the four points right.
    g = torch.Generator().manual_seed(0)
    probe = ref.MLP([2, 1])
    with torch.no_grad():
        for _ in range(300):
            for parameter in probe.parameters():
                parameter.copy_(4 * torch.randn(parameter.shape, generator=g))
            assert ref.accuracy(probe, X, y) <= 0.75


def test_training_is_deterministic_under_the_seed() -> None:
    _, first = ref.train_xor([2, 4, 1], seed=11, epochs=20)
    _, again = ref.train_xor([2, 4, 1], seed=11, epochs=20)
    _, other = ref.train_xor([2, 4, 1], seed=12, epochs=20)
    assert first == again
    assert first != other


# --------------------------------------------------------------------------- two moons experiment
def test_two_moons_shapes_balance_and_seed() -> None:
    X, y = ref.two_moons(50, noise=0.1, seed=3)
    assert X.shape == (100, 2) and y.shape == (100, 1)
    assert X.dtype == y.dtype == torch.float32
    assert y[:50].sum() == 0 and y[50:].sum() == 50
    assert torch.equal(X, ref.two_moons(50, noise=0.1, seed=3)[0])
    assert not torch.equal(X, ref.two_moons(50, noise=0.1, seed=4)[0])


def test_two_moons_without_noise_lies_on_the_arcs() -> None:
    X, _ = ref.two_moons(40, noise=0.0, seed=0)
    upper, lower = X[:40].double(), X[40:].double()
    torch.testing.assert_close(upper.norm(dim=1), torch.ones(40, dtype=torch.float64), rtol=0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all()
    torch.testing.assert_close((lower - torch.tensor([1.0, 0.5], dtype=torch.float64)).norm(dim=1),
                               torch.ones(40, dtype=torch.float64), rtol=0, atol=1e-6)
    assert (lower[:, 1] <= 0.5 + 1e-6).all()


def test_run_experiment_follows_its_recipe() -> None:
    X_train, y_train = ref.two_moons(100, 0.2, 0)
    X_test, y_test = ref.two_moons(100, 0.2, 1)
    losses, train_acc, test_acc = ref.run_experiment([2, 6, 6, 1], nn.Tanh, 0.3, X_train, y_train, X_test, y_test,
                                                     epochs=25, seed=4)
    model = seeded_mlp([2, 6, 6, 1], 4, nn.Tanh)
    expected = hand_written_loop(model, X_train, y_train, nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=0.3), 25)
    assert losses == expected
    assert (train_acc, test_acc) == (ref.accuracy(model, X_train, y_train), ref.accuracy(model, X_test, y_test))
    assert type(train_acc) is float and type(test_acc) is float


def test_run_experiment_depth_beats_linear_on_moons() -> None:
    X_train, y_train = ref.two_moons(100, 0.2, 0)
    X_test, y_test = ref.two_moons(100, 0.2, 1)
    linear = ref.run_experiment([2, 1], nn.ReLU, 0.5, X_train, y_train, X_test, y_test)
    deep = ref.run_experiment([2, 16, 16, 1], nn.ReLU, 0.5, X_train, y_train, X_test, y_test)
    assert linear[1] == linear[2] == 0.88  # the numbers the notebook discusses
    assert deep[1] > 0.94 and deep[2] > 0.95
    assert deep[0][-1] < 0.5 * linear[0][-1]
