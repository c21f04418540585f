"""Typical mistakes in the pytorch notebook (see the package docstring).

Cascades: the graders give `train` and `accuracy` networks made from torch's own classes, never
the student's `MLP`, so `mlp`, `train` and `xor_helpers` are graded independently. `train_xor`
(cell `xor`) uses the student's own `xor_data`, `MLP` and `train`, and the top-level XOR results
also the student's `accuracy`; `run_experiment` uses the student's own `MLP`, `train` and
`accuracy`. A mistake in one of those therefore also costs the XOR and experiment tests that
depend on it; each set says which.
"""
from nnlab.demo.mistakes import MistakeSet

FULL = {"test_mlp": 3.0, "test_train": 4.0, "test_xor_helpers": 2.0, "test_xor": 3.0, "test_run_experiment": 2.0}

MLP_IGNORES_ACTIVATION = '''\
class MLP(nn.Module):
    def __init__(self, sizes, activation=torch.nn.ReLU):
        super().__init__()
        layers = []
        for i in range(len(sizes) - 1):
            if i > 0:
                layers.append(nn.ReLU())  # copied from TinyNet: the activation argument is never used
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
'''

MLP_PLAIN_LIST = '''\
class MLP(nn.Module):
    def __init__(self, sizes, activation=torch.nn.ReLU):
        super().__init__()
        self.layers = []  # a plain list: PyTorch never sees these layers or their parameters
        for i in range(len(sizes) - 1):
            self.layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                self.layers.append(activation())

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
'''

TRAIN_CLIPS_AFTER_STEP = '''\
def train(model, X, y, loss_fn, optimizer, epochs, clip_norm=None):
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        if clip_norm is not None:  # too late: the step has already used the unclipped gradient
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        losses.append(loss.item())
    return losses
'''

TRAIN_WITHOUT_ZERO_GRAD = '''\
def train(model, X, y, loss_fn, optimizer, epochs, clip_norm=None):
    losses = []
    for epoch in range(epochs):
        loss = loss_fn(model(X), y)
        loss.backward()  # no optimizer.zero_grad(): every step adds to the gradients of all earlier ones
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        losses.append(loss.item())
    return losses
'''

XOR_DATA = '''\
def xor_data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    return X, y

'''

ACCURACY_AT_LEAST_ZERO = XOR_DATA + '''
def accuracy(model, X, y):
    with torch.no_grad():
        scores = model(X)
    if scores.shape[1] > 1:
        predicted = scores.argmax(dim=1)
    else:
        predicted = (scores.reshape(-1) >= 0).long()  # a score of exactly 0 counted as class 1
    return (predicted == y.reshape(-1).long()).float().mean().item()
'''

ACCURACY_BROADCASTS = XOR_DATA + '''
def accuracy(model, X, y):
    with torch.no_grad():
        predicted = (model(X) > 0).float()
    # (N, 1) == (N,) broadcasts to an (N, N) table; and C >= 2 outputs are not handled
    return (predicted == y).float().mean().item()
'''

XOR_TOP_LEVEL = '''

X_xor, y_xor = xor_data()
xor_model, xor_losses = train_xor([2, 16, 1])
linear_model, linear_losses = train_xor([2, 1])
xor_accuracy = accuracy(xor_model, X_xor, y_xor)
linear_accuracy = accuracy(linear_model, X_xor, y_xor)
print(f"one hidden layer: accuracy {xor_accuracy:.2f}, final loss {xor_losses[-1]:.4f}")
print(f"no hidden layer:  accuracy {linear_accuracy:.2f}, final loss {linear_losses[-1]:.4f}")
'''

XOR_SEEDED_AFTER_BUILDING = '''\
def train_xor(sizes, activation=torch.nn.ReLU, lr=0.05, epochs=200, seed=0):
    X, y = xor_data()
    model = MLP(sizes, activation)
    torch.manual_seed(seed)  # too late: the initial weights were already drawn
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = train(model, X, y, nn.BCEWithLogitsLoss(), optimizer, epochs)
    return model, losses
''' + XOR_TOP_LEVEL

XOR_WITH_SGD = '''\
def train_xor(sizes, activation=torch.nn.ReLU, lr=0.05, epochs=200, seed=0):
    X, y = xor_data()
    torch.manual_seed(seed)
    model = MLP(sizes, activation)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)  # the exercise asks for Adam
    losses = train(model, X, y, nn.BCEWithLogitsLoss(), optimizer, epochs)
    return model, losses
''' + XOR_TOP_LEVEL

EXPERIMENT_WITHOUT_SEED = '''\
def run_experiment(sizes, activation, lr, X_train, y_train, X_test, y_test, epochs=300, seed=0, clip_norm=None):
    model = MLP(sizes, activation)  # never seeded: the run depends on whatever ran before
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = train(model, X_train, y_train, nn.BCEWithLogitsLoss(), optimizer, epochs, clip_norm)
    return losses, accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
'''

EXPERIMENT_DROPS_CLIP_NORM = '''\
def run_experiment(sizes, activation, lr, X_train, y_train, X_test, y_test, epochs=300, seed=0, clip_norm=None):
    torch.manual_seed(seed)
    model = MLP(sizes, activation)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = train(model, X_train, y_train, nn.BCEWithLogitsLoss(), optimizer, epochs)  # clip_norm forgotten
    return losses, accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
'''

ACCURACY_AS_TENSOR = XOR_DATA + '''
def accuracy(model, X, y):
    with torch.no_grad():
        scores = model(X)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = scores.argmax(dim=1)
    else:
        predicted = (scores.reshape(-1) > 0).long()
    return (predicted == y.reshape(-1).long()).float().mean()  # a 0-d tensor: .item() forgotten
'''

MISTAKE_SETS = [
    MistakeSet(
        name="activation argument ignored, clipping after the step, a score of 0 counted as class 1",
        answers={"mlp": MLP_IGNORES_ACTIVATION, "train": TRAIN_CLIPS_AFTER_STEP, "xor_helpers": ACCURACY_AT_LEAST_ZERO},
        # mlp loses its activation test; train its clipping test; accuracy its binary test (exact zeros).
        # Alone, the cascade: train_xor with Tanh/Sigmoid builds ReLU networks (test_xor_arguments), and
        # run_experiment loses its tanh/sigmoid test (MLP) and its clip_norm test (train). Real
        # scores are never exactly 0, so the `>= 0` slip costs nothing downstream.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_mlp": 2.5, "test_train": 3.25, "test_xor_helpers": 1.5},
        alone={"test_xor": 2.5, "test_run_experiment": 1},
    ),
    MistakeSet(
        name="layers in a plain Python list, no zero_grad, (N, 1) compared with (N,)",
        answers={"mlp": MLP_PLAIN_LIST, "train": TRAIN_WITHOUT_ZERO_GRAD, "xor_helpers": ACCURACY_BROADCASTS},
        # MLP has no parameters (only the output-shape test passes). train is right for a single
        # epoch from fresh gradients (its clipping test) and wrong from the second epoch on. accuracy
        # is right only when y has shape (N, 1) and there is one output (lecture scores, network test).
        # Alone, the cascade: with no parameters the optimizers of train_xor and run_experiment raise, so the
        # XOR cell stops before its results exist and every XOR and experiment test fails.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_mlp": 0.5, "test_train": 0.75, "test_xor_helpers": 1.25},
        alone={"test_xor": 0, "test_run_experiment": 0},
    ),
    MistakeSet(
        name="seeding after the model is built, run_experiment never seeds",
        answers={"xor": XOR_SEEDED_AFTER_BUILDING, "run_experiment": EXPERIMENT_WITHOUT_SEED},
        # No cascades: nothing else calls these two. The top-level XOR networks still classify XOR
        # (their counts and accuracies pass), but no run equals the seeded recipe.
        expected={**FULL, "test_xor": 0.75, "test_run_experiment": 0.0},
    ),
    MistakeSet(
        name="SGD instead of Adam for XOR, clip_norm not passed on",
        answers={"xor": XOR_WITH_SGD, "run_experiment": EXPERIMENT_DROPS_CLIP_NORM},
        # No cascades. Plain SGD with lr 0.05 does not solve XOR in 200 epochs, and no run equals
        # the Adam recipe; run_experiment loses only its clip_norm test.
        expected={**FULL, "test_xor": 0.0, "test_run_experiment": 1.5},
    ),
    MistakeSet(
        name="accuracy returns a 0-d tensor instead of a Python float",
        answers={"xor_helpers": ACCURACY_AS_TENSOR},
        # One wrong convention, one test: accuracy's values are judged whatever holds them, so only its
        # type test (the lecture scores, "as a Python float") fails. Alone: run_experiment returns the
        # student's accuracy, so its plain-values test fails too; the top-level XOR accuracy is judged
        # by its value and passes.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_xor_helpers": 1.5},
        alone={"test_run_experiment": 1.75},
    ),
]
