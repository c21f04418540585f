"""Typical mistakes in the backprop notebook (see the package docstring).

The gate and `Value` cells are long, so each wrong answer is written as a right answer
(below, in a student's own words) with one or two lines changed by `_wrong`, which fails
loudly if the line to change is not there.

Cascades: `sigmoid_neuron` is built from the student's own AddGate, MultiplyGate,
MultiplyConstantGate, ExpGate, AddConstantGate and ReciprocalGate, so a mistake in one of
those also costs the neuron's value tests (never its types-and-inputs test, unless a gate
raises). MaxGate, SigmoidGate, Value, torch_sigmoid_neuron and the ReLU functions call
nothing the student wrote elsewhere.

The learning loop (Exercises 8-11) cascades the same way: `two_layer_loss` is built from the
student's `linear_forward`, `linear_backward`, `relu_forward`, `hinge_loss_backward` and
`relu_backward`, and `train_two_layer` from their `two_layer_loss` and `sgd_step`, so a wrong layer
also costs the tests of the later cells that its wrong numbers reach (each set below says which).
The last four sets leave the earlier exercises right, so those cells keep their points.
"""
from nnlab.demo.mistakes import MistakeSet, edited

FULL = {"test_worked_example": 1.0, "test_binary_gates": 3.0, "test_unary_gates": 3.0,
        "test_sigmoid_neuron": 3.0, "test_value": 4.0, "test_torch_sigmoid_neuron": 2.0,
        "test_relu_backward": 2.0, "test_linear_layer": 3.0, "test_hinge_backward": 2.0,
        "test_two_layer_loss": 3.0, "test_sgd_train": 3.0}


def _worked_example(df_dq: str, df_dz: str, df_dx: str, df_dy: str) -> str:
    return ("x, y, z = -2, 5, -4\n\nq = x + y\nf = q * z\n"
            f"df_dq = {df_dq}\ndf_dz = {df_dz}\ndf_dx = {df_dx}\ndf_dy = {df_dy}\n")


BINARY_GATES = '''\
class AddGate:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, dout


class MultiplyGate:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        return self.y * dout, self.x * dout


class MaxGate:
    def __init__(self):
        self.x_wins = None

    def forward(self, x, y):
        self.x_wins = x >= y
        return x if self.x_wins else y

    def backward(self, dout):
        if self.x_wins:
            return dout, 0.0
        return 0.0, dout
'''

UNARY_GATES = '''\
class ExpGate:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = math.exp(x)
        return self.out

    def backward(self, dout):
        return dout * self.out


class ReciprocalGate:
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return 1.0 / x

    def backward(self, dout):
        return -dout / self.x ** 2


class AddConstantGate:
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x + self.c

    def backward(self, dout):
        return dout


class MultiplyConstantGate:
    def __init__(self, a):
        self.a = a

    def forward(self, x):
        return self.a * x

    def backward(self, dout):
        return self.a * dout


class SigmoidGate:
    def __init__(self):
        self.out = None

    def forward(self, x):
        if x >= 0:
            self.out = 1.0 / (1.0 + math.exp(-x))
        else:
            self.out = math.exp(x) / (1.0 + math.exp(x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)
'''

SIGMOID_NEURON = '''\
def sigmoid_neuron(w, x):
    gates = [MultiplyGate(), MultiplyGate(), AddGate(), AddGate(),
             MultiplyConstantGate(-1.0), ExpGate(), AddConstantGate(1.0), ReciprocalGate()]
    mul0, mul1, add, add_bias, neg, exp, plus1, rec = gates
    a = mul0.forward(w[0], x[0])
    b = mul1.forward(w[1], x[1])
    s = add.forward(a, b)
    z = add_bias.forward(s, w[2])
    out = rec.forward(plus1.forward(exp.forward(neg.forward(z))))

    dz = neg.backward(exp.backward(plus1.backward(rec.backward(1.0))))
    ds, dw2 = add_bias.backward(dz)
    da, db = add.backward(ds)
    dw0, dx0 = mul0.backward(da)
    dw1, dx1 = mul1.backward(db)
    return float(out), np.array([dw0, dw1, dw2]), np.array([dx0, dx1])
'''

VALUE = '''\
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = Value._wrap(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = Value._wrap(other)
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,), "**")
        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")
        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(0.0, self.data), (self,), "relu")
        def _backward():
            self.grad += (self.data >= 0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            s = math.exp(self.data) / (1.0 + math.exp(self.data))
        out = Value(s, (self,), "sigmoid")
        def _backward():
            self.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()
        def build(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    build(child)
                topo.append(node)
        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1
'''

TORCH_SIGMOID_NEURON = '''\
def torch_sigmoid_neuron(w, x):
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    x_t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = torch.sigmoid(w_t[0] * x_t[0] + w_t[1] * x_t[1] + w_t[2])
    out.backward()
    return out.item(), w_t.grad.numpy(), x_t.grad.numpy()
'''

RELU_BACKWARD = '''\
def relu_backward(x, dout):
    grad = np.array(dout, dtype=float)
    grad[np.asarray(x) < 0] = 0.0
    return grad


def relu_jacobian(x):
    return np.diag((np.asarray(x) >= 0).astype(float))
'''

MISTAKE_SETS = [
    MistakeSet(
        name="local gradients without the upstream one, PyTorch's conventions, tensors handed back",
        answers={
            # dq/dx = 1 written down as the answer: the chain rule's upstream df/dq = z is forgotten.
            "worked_example": _worked_example("z", "q", "1", "1"),
            # strict >: on a tie the gradient goes to y.
            "binary_gates": edited(BINARY_GATES, ("self.x_wins = x >= y", "self.x_wins = x > y")),
            # the textbook formula: math.exp(1000) raises OverflowError at x = -1000.
            "unary_gates": edited(UNARY_GATES, (
                "        if x >= 0:\n            self.out = 1.0 / (1.0 + math.exp(-x))\n"
                "        else:\n            self.out = math.exp(x) / (1.0 + math.exp(x))\n",
                "        self.out = 1.0 / (1.0 + math.exp(-x))\n")),
            # the backward pass starts from the output value instead of df/df = 1: every gradient
            # is out times too small (out = 0.5 for zero weights, so no case is accidentally right).
            "sigmoid_neuron": edited(SIGMOID_NEURON, ("rec.backward(1.0)", "rec.backward(out)")),
            # PyTorch's convention at 0: relu blocks the gradient at exactly 0.
            "value": edited(VALUE, ("(self.data >= 0) * out.grad", "(self.data > 0) * out.grad")),
            # the tensors themselves are returned: right numbers, wrong types.
            "torch_sigmoid_neuron": edited(TORCH_SIGMOID_NEURON,
                                           ("return out.item(), w_t.grad.numpy(), x_t.grad.numpy()",
                                            "return out, w_t.grad, x_t.grad")),
            # zeroes the caller's dout in place and returns it.
            "relu_backward": edited(RELU_BACKWARD, ("grad = np.array(dout, dtype=float)", "grad = dout")),
        },
        expected={**FULL, "test_worked_example": 0.75, "test_binary_gates": 2.75, "test_unary_gates": 2.5,
                  "test_sigmoid_neuron": 0.5, "test_value": 3.5, "test_torch_sigmoid_neuron": 1.5,
                  "test_relu_backward": 1.5},
    ),
    MistakeSet(
        name="each factor's own derivative, gates that drop dout, assignments instead of sums, float32",
        answers={
            # d(q*z)/dq taken as q itself (and d/dz as z): only the forward values are right.
            "worked_example": _worked_example("q", "z", "df_dq", "df_dq"),
            # the add gate returns its local gradients (1, 1) and drops dout ...
            "binary_gates": edited(BINARY_GATES, ("        return dout, dout\n", "        return 1.0, 1.0\n")),
            # ... and so does the exp gate. Cascade: sigmoid_neuron's gradients are all wrong, its
            # output is still right (types-and-inputs test only).
            "unary_gates": edited(UNARY_GATES, ("return dout * self.out\n", "return self.out\n")),
            # `=` instead of `+=` in +, * and **: a value used twice keeps only the gradient of the
            # use that ran last. Right wherever every node is used once (the lecture's graph, the
            # operators, exp/relu/sigmoid); wrong at branches, in the diamond and in the long expression.
            "value": edited(VALUE, ("            self.grad += out.grad\n            other.grad += out.grad\n",
                                    "            self.grad = out.grad\n            other.grad = out.grad\n"),
                            ("            self.grad += other.data * out.grad\n"
                             "            other.grad += self.data * out.grad\n",
                             "            self.grad = other.data * out.grad\n"
                             "            other.grad = self.data * out.grad\n"),
                            ("self.grad += k * self.data", "self.grad = k * self.data")),
            # torch's default float32: about 7 correct digits, enough for the lecture's numbers only.
            "torch_sigmoid_neuron": TORCH_SIGMOID_NEURON.replace("torch.float64", "torch.float32"),
            # PyTorch's convention at 0 in both functions.
            "relu_backward": edited(RELU_BACKWARD, ("np.asarray(x) < 0", "np.asarray(x) <= 0"),
                                    ("np.asarray(x) >= 0", "np.asarray(x) > 0")),
        },
        expected={**FULL, "test_worked_example": 0.5, "test_binary_gates": 2.0, "test_unary_gates": 2.5, "test_value": 1.75,
                  "test_torch_sigmoid_neuron": 1.0, "test_relu_backward": 1.0},
        alone={"test_sigmoid_neuron": 0.5},
    ),
    MistakeSet(
        name="the slide's MultiplyGate, a sign error in 1/x, backward without a topological order",
        answers={
            # as on the lecture slide: forward never stores x and y, so backward multiplies None.
            # Cascade: sigmoid_neuron raises at its first backward call and scores 0.
            "binary_gates": edited(BINARY_GATES, ("        self.x = x\n        self.y = y\n        return x * y\n",
                                                  "        return x * y\n")),
            # d(1/x)/dx written as +1/x**2 (sigmoid_neuron is already lost through MultiplyGate).
            "unary_gates": edited(UNARY_GATES, ("return -dout / self.x ** 2", "return dout / self.x ** 2")),
            # recursion instead of a topological order: a node passes its gradient on before all
            # of its uses have added theirs (right on trees and when only leaves are reused).
            "value": edited(VALUE, (
                "        topo, seen = [], set()\n        def build(node):\n            if node not in seen:\n"
                "                seen.add(node)\n                for child in node._prev:\n"
                "                    build(child)\n                topo.append(node)\n        build(self)\n"
                "        self.grad = 1.0\n        for node in reversed(topo):\n            node._backward()\n",
                "        self.grad = 1.0\n        def run(node):\n            node._backward()\n"
                "            for child in node._prev:\n                run(child)\n        run(self)\n")),
            # the Jacobian as a boolean matrix: its 0/1 values are right, so only the test that asks
            # for a float matrix fails.
            "relu_backward": edited(RELU_BACKWARD, ("np.diag((np.asarray(x) >= 0).astype(float))",
                                                    "np.diag(np.asarray(x) >= 0)")),
        },
        expected={**FULL, "test_binary_gates": 1.5, "test_unary_gates": 2.5, "test_value": 2.25, "test_relu_backward": 1.5},
        alone={"test_sigmoid_neuron": 0},
    ),
    MistakeSet(
        name="no bias gradient, a sigmoid gate that keeps its input, a Value sigmoid that overflows",
        answers={
            # w2 treated as a constant: dw has two entries instead of three.
            "sigmoid_neuron": edited(SIGMOID_NEURON, ("np.array([dw0, dw1, dw2])", "np.array([dw0, dw1])")),
            # stores x instead of sigma(x), so backward computes x * (1 - x).
            "unary_gates": edited(UNARY_GATES, ("        return dout * self.out * (1.0 - self.out)\n",
                                                "        x = self.x\n        return dout * x * (1.0 - x)\n"),
                                  ("    def forward(self, x):\n        if x >= 0:",
                                   "    def forward(self, x):\n        self.x = x\n        if x >= 0:")),
            # the textbook formula in Value.sigmoid: OverflowError at -1000.
            "value": edited(VALUE, (
                "        if self.data >= 0:\n            s = 1.0 / (1.0 + math.exp(-self.data))\n"
                "        else:\n            s = math.exp(self.data) / (1.0 + math.exp(self.data))\n",
                "        s = 1.0 / (1.0 + math.exp(-self.data))\n")),
        },
        expected={**FULL, "test_unary_gates": 1.75, "test_sigmoid_neuron": 0.0, "test_value": 3.5},
    ),
]


LINEAR_LAYER = """\
def linear_forward(X, W, b):
    out = X @ W + b
    cache = (X, W, b)
    return out, cache


def linear_backward(dout, cache):
    X, W, b = cache
    dX = dout @ W.T
    dW = X.T @ dout
    db = np.sum(dout, axis=0)
    return dX, dW, db
"""

HINGE_BACKWARD = """\
def relu_forward(x):
    return np.maximum(0.0, x)


def hinge_loss_backward(S, y):
    N = S.shape[0]
    rows = np.arange(N)
    margins = S - S[rows, y].reshape(-1, 1) + 1.0
    margins[rows, y] = 0.0
    loss = np.sum(np.maximum(0.0, margins)) / N
    dS = (margins > 0).astype(float)
    dS[rows, y] = -np.sum(dS, axis=1)
    dS = dS / N
    return loss, dS
"""

TWO_LAYER_LOSS = """\
def two_layer_loss(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1, cache1 = linear_forward(X, W1, b1)
    h1 = relu_forward(z1)
    S, cache2 = linear_forward(h1, W2, b2)
    loss, dS = hinge_loss_backward(S, y)
    loss = loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dh1, dW2, db2 = linear_backward(dS, cache2)
    dz1 = relu_backward(z1, dh1)
    dX, dW1, db1 = linear_backward(dz1, cache1)
    dW1 = dW1 + 2 * reg * W1
    dW2 = dW2 + 2 * reg * W2
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""

SGD_TRAIN = """\
def sgd_step(params, grads, lr):
    new_params = {}
    for key in params:
        new_params[key] = params[key] - lr * grads[key]
    return new_params


def train_two_layer(params, X, y, lr, reg, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    N = len(X)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[idx], y[idx], reg)
            params = sgd_step(params, grads, lr)
        history.append(two_layer_loss(params, X, y, reg)[0])
    return params, history
"""

MISTAKE_SETS += [
    MistakeSet(
        name="averaged gradients: db as the mean over the batch, dS without the 1/N of the mean loss",
        answers={
            # db = the mean of dout over the batch: right for a batch of one only.
            "linear_layer": edited(LINEAR_LAYER, ("db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)")),
            # dS of the summed loss: the loss is a mean but its gradient is not divided by N
            # (right for a batch of one only; relu_forward is right).
            "hinge_backward": edited(HINGE_BACKWARD, ("    dS = dS / N\n", "")),
        },
        # Alone, the cascade of both: two_layer_loss keeps its loss, its batch of one and its inputs, and loses
        # its gradients (reg = 0 and reg > 0); train_two_layer goes wrong wherever a minibatch has
        # more than one example (the stated order, batch_size > N), sgd_step is right.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_linear_layer": 1.75, "test_hinge_backward": 0.75},
        alone={"test_two_layer_loss": 1.75, "test_sgd_train": 1},
    ),
    MistakeSet(
        name="a squeezed batch of one, hinge margins that overwrite S, the same minibatches every epoch",
        answers={
            # np.squeeze "to tidy up": out of a batch of one (or of one output) loses its 2-D shape.
            "linear_layer": edited(LINEAR_LAYER, ("    out = X @ W + b\n", "    out = np.squeeze(X @ W + b)\n")),
            # margins = S is no copy: the in-place updates change the caller's scores (values right).
            "hinge_backward": edited(HINGE_BACKWARD, (
                "    margins = S - S[rows, y].reshape(-1, 1) + 1.0\n",
                "    margins = S\n    margins -= S[rows, y].reshape(-1, 1)\n    margins += 1.0\n")),
            # a new generator inside the epoch loop: every epoch visits the examples in the same order.
            "sgd_train": edited(SGD_TRAIN, ("        order = rng.permutation(N)\n",
                                            "        order = np.random.default_rng(seed).permutation(N)\n")),
        },
        # Alone, the cascade of the squeeze: two_layer_loss fails on a batch of one (its scores lose their rows),
        # and so does train_two_layer with batch_size = 1; the stated order is lost to sgd_train's own
        # mistake. The scores that two_layer_loss gives hinge_loss_backward are its own temporaries.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_linear_layer": 2.5, "test_hinge_backward": 1.5, "test_sgd_train": 1.75},
        alone={"test_two_layer_loss": 2.5, "test_sgd_train": 1},
    ),
    MistakeSet(
        name="the L2 gradient without its factor 2, an SGD step in place",
        answers={
            # d(reg * sum W**2)/dW written as reg * W.
            "two_layer_loss": edited(TWO_LAYER_LOSS, ("dW1 = dW1 + 2 * reg * W1", "dW1 = dW1 + reg * W1"),
                                     ("dW2 = dW2 + 2 * reg * W2", "dW2 = dW2 + reg * W2")),
            # params[key] -= ...: right numbers, but the caller's arrays (the starting params) change.
            "sgd_train": edited(SGD_TRAIN, (
                "    new_params = {}\n    for key in params:\n        new_params[key] = params[key] - lr * grads[key]\n"
                "    return new_params\n",
                "    for key in params:\n        params[key] -= lr * grads[key]\n    return params\n")),
        },
        # Alone, the cascade: train_two_layer with reg > 0 (the stated-order test) inherits the wrong gradient;
        # the in-place step costs sgd_step's inputs test and train_two_layer's edge-and-inputs test.
        # (`alone`: judged as one program; `expected`: carried forward, the later questions get working answers.)
        expected={**FULL, "test_two_layer_loss": 2.5, "test_sgd_train": 1.75},
        alone={"test_sgd_train": 0.5},
    ),
    MistakeSet(
        name="relu_backward given the ReLU's output instead of its input",
        answers={
            # h1 >= 0 everywhere, so the course's relu_backward lets every gradient through: dW1 and db1
            # are wrong wherever a hidden unit is off. Loss and the output layer's gradients are right,
            # but the grads tests compare all four. Cascade: every train_two_layer test.
            "two_layer_loss": edited(TWO_LAYER_LOSS, ("dz1 = relu_backward(z1, dh1)", "dz1 = relu_backward(h1, dh1)")),
        },
        expected={**FULL, "test_two_layer_loss": 1.25},
        alone={"test_sgd_train": 1},
    ),
]

# One wrong convention, one test: right values in the wrong container cost only the test whose hint
# names the return type; the value tests (and the neuron built from these gates) judge the values.
MISTAKE_SETS += [
    MistakeSet(
        name="right values in the wrong container: a list for a tuple, a 0-d array for a float",
        answers={
            # MultiplyGate.backward returns a list: unpacking works, but the exercise asks for a tuple.
            "binary_gates": edited(BINARY_GATES, ("        return self.y * dout, self.x * dout\n",
                                                  "        return [self.y * dout, self.x * dout]\n")),
            # SigmoidGate.backward returns a 0-d numpy array instead of a float.
            "unary_gates": edited(UNARY_GATES, ("        return dout * self.out * (1.0 - self.out)\n",
                                                "        return np.asarray(dout * self.out * (1.0 - self.out))\n")),
            # dw as a list instead of a numpy array.
            "sigmoid_neuron": edited(SIGMOID_NEURON, ("np.array([dw0, dw1, dw2])", "[dw0, dw1, dw2]")),
        },
        # the binary gates' edge-case test (a tuple of two), the one-input gates' float test and the
        # neuron's types-and-inputs test (float, array (3,), array (2,)): nothing else.
        expected={**FULL, "test_binary_gates": 2.75, "test_unary_gates": 2.75, "test_sigmoid_neuron": 2.5},
    ),
]
