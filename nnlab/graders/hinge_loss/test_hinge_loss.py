"""Hidden graders for the hinge_loss notebook. Points per test cell match the notebook.

Every call into the student's notebook goes through the runner's `call_strictly` recipe: the
function runs with warnings (and numpy's overflow / invalid / divide-by-zero) raised as errors, as
a graded cell sees them under nbgrader, and the reply carries the result's type and the array
arguments as the call left them (to see changes to the inputs).

`numerical_gradient(f, A)` gets library functions (numpy.var, numpy.sum, functools.partial of
numpy.vdot, ...) made inside the student's process and passed by handle: never the notebook's own
functions, so a mistake in the loss never costs the gradient tool.

"No Python loop" (hinge_loss_vectorized, svm_loss) is read from the submitted notebook's source
with `ast` (parsed, never run): loops and comprehensions in the function, or in any function of the
notebook it refers to, count.
Expected values come from `nnlab.reference.hinge_loss`.
"""
import ast
import functools

import numpy as np
import pytest

from nnlab.graders import checks
from nnlab.graders.definitions import notebook_definitions
from nnlab.graders.library import library_module
from nnlab.graders.library import library_object as library_function
from nnlab.reference import hinge_loss as ref

# The lecture's linear classifier (three classes, a four-pixel image) and its scores.
LECTURE_W = np.array([[0.2, -0.5, 0.1, 2.0], [1.5, 1.5, 2.1, 0.0], [0.0, 0.25, 0.2, -0.3]])
LECTURE_B = np.array([6.0, -20.0, 4.0])
LECTURE_X = np.array([56.0, 220.0, 8.0, 109.0])
LECTURE_SCORES = [126.0, 410.8, 27.9]
# The lecture's three images (airplane, automobile, cat scores) and their true classes.
LECTURE_S = np.array([[-2.0, 5.0, 3.0], [5.0, 6.0, 3.0], [-2.0, 3.0, 4.0]])
LECTURE_Y = np.array([2, 1, 0])
LECTURE_LOSSES = [3.0, 0.0, 13.0]


class RuleBroken(checks.AnswerTypeError):
    """The answer breaks a rule of the exercise (e.g. a loop where none is allowed). Safe to show."""


# -- talking to the student's process ---------------------------------------------------------
def _call(student, name, *args, **kwargs) -> dict:
    return student.recipe("call_strictly", name, list(args), kwargs)


# One wrong convention, one test: the value tests judge the value whatever its container (a number
# returned as a tensor or a 1-element array, an array returned as a list or with a squeezed or extra
# axis of the same size); each return type is tested once, by the test whose hint names it (strict=True).
def value_number(value, what: str) -> float:
    """The number in `value`, whatever holds it: a Python or numpy scalar, a 0-d or one-element array
    (a tensor arrives as an array). Anything else cannot be judged as a number."""
    if type(value) in (int, float):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    raise checks.AnswerTypeError(f"{what} should return a number, got {checks._kind(value)}")


def value_array(value, what: str, shape: tuple, exact: bool = False) -> np.ndarray:
    """The numbers in `value` as a float array of `shape`: an array, a tensor (arrives as an array) or a
    list of numbers; of another shape only when it holds as many numbers (they are read in order)."""
    if isinstance(value, (list, tuple)):
        try:
            value = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise checks.AnswerTypeError(f"{what} should return an array of numbers, got {checks._kind(value)}") \
                from None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        raise checks.AnswerTypeError(f"{what} should return a numpy array of numbers, got {checks._kind(value)}")
    if value.shape != tuple(shape):
        if exact or value.size != int(np.prod(shape, dtype=np.int64)):
            raise checks.AnswerTypeError(f"{what} should return an array of shape {tuple(shape)}, got shape "
                                         f"{value.shape}")
        value = value.reshape(shape)
    return value.astype(np.float64)


def strict_number(reply: dict, name: str) -> float:
    """The rule "return a single number": a Python or numpy scalar (a 0-d array passes too), not a tensor."""
    if reply["type"].startswith("torch."):
        raise checks.AnswerTypeError(f"{name} should return a number, got a {reply['type']}")
    return checks.number(reply["value"], name)


def strict_array(reply_value, reply_type: str, name: str, shape) -> np.ndarray:
    """The rule "return a numpy array" (of the stated shape): not a list, not a tensor."""
    if reply_type != "numpy.ndarray":
        raise checks.AnswerTypeError(f"{name} should return a numpy array, got a {reply_type}")
    return checks.array(reply_value, name, shape)


def number_of(student, name, *args, strict: bool = False, **kwargs) -> tuple[float, dict]:
    """name(...) returns one number: strictly a Python or numpy scalar with strict=True (the type test),
    else any container of one number (the value tests)."""
    reply = _call(student, name, *args, **kwargs)
    if strict:
        return strict_number(reply, name), reply
    return value_number(reply["value"], name), reply


def array_of(student, name, *args, shape, strict: bool = False, exact_shape: bool = False,
             **kwargs) -> tuple[np.ndarray, dict]:
    """name(...) returns an array of the given shape: strictly a numpy array of exactly that shape with
    strict=True (the test that names the type), of exactly that shape in any container with exact_shape=True
    (a test that names the shape), else the same numbers in any container."""
    reply = _call(student, name, *args, **kwargs)
    if strict:
        return strict_array(reply["value"], reply["type"], name, shape), reply
    return value_array(reply["value"], name, shape, exact=exact_shape), reply


def svm_of(student, W, b, X, y, strict: bool = False, **kwargs) -> tuple[float, np.ndarray, np.ndarray, dict]:
    """svm_loss(W, b, X, y, ...) returns (loss, dW, db): a number and arrays shaped like W and b (strictly a
    Python or numpy scalar and numpy arrays with strict=True, the type test)."""
    reply = _call(student, "svm_loss", W, b, X, y, **kwargs)
    value = reply["value"]
    if type(value) not in (tuple, list) or len(value) != 3:
        raise checks.AnswerTypeError(f"svm_loss should return a tuple (loss, dW, db), got {checks._kind(value)}")
    if strict:  # a tensor inside the tuple arrives as an array: only lists and shapes can be told here
        return (checks.number(value[0], "svm_loss's loss"), checks.array(value[1], "svm_loss's dW", W.shape),
                checks.array(value[2], "svm_loss's db", b.shape), reply)
    return (value_number(value[0], "svm_loss's loss"), value_array(value[1], "svm_loss's dW", W.shape),
            value_array(value[2], "svm_loss's db", b.shape), reply)


def check_svm(student, W, b, X, y, **kwargs) -> dict:
    loss, dW, db, reply = svm_of(student, W, b, X, y, **kwargs)
    loss_ref, dW_ref, db_ref = ref.svm_loss(W, b, X, y, **kwargs)
    checks.close(loss, loss_ref, "svm_loss: loss")
    checks.close(dW, dW_ref, "svm_loss: dW")
    checks.close(db, db_ref, "svm_loss: db")
    return reply


def partial_in_student(student, dotted: str, *args):
    """A handle to functools.partial(<dotted>, *args) made in the student's process (args may be handles)."""
    functools_module = library_module(student, "functools")
    return student.call_method(functools_module, "partial", library_function(student, dotted), *args, keep=True)


def array_in_student(student, array: np.ndarray):
    """A handle to a copy of `array` that lives in the student's process (to share it between two arguments)."""
    return student.call_method(library_module(student, "numpy"), "array", array, keep=True)


# -- "no Python loop", read from the submitted source -------------------------------------------
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOPING_CALLS = {"vectorize", "apply_along_axis", "apply_over_axes", "frompyfunc", "fromiter", "map"}


def loops_in(definitions: dict, name: str, seen: set | None = None) -> bool:
    """Whether `name` loops in Python itself or through another notebook function it refers to."""
    seen = set() if seen is None else seen
    if name in seen or name not in definitions:
        return False
    seen.add(name)
    for node in ast.walk(definitions[name]):
        if isinstance(node, LOOP_NODES):
            return True
        if isinstance(node, ast.Attribute) and node.attr in LOOPING_CALLS:
            return True
        if isinstance(node, ast.Name) and (node.id in LOOPING_CALLS or loops_in(definitions, node.id, seen)):
            return True
    return False


def no_python_loop(definitions, name: str) -> None:
    if loops_in(definitions, name):
        raise RuleBroken(f"{name} must not use a Python loop (for, while, a comprehension, map or np.vectorize), "
                         "neither itself nor through the notebook's other functions")


# -- hidden inputs ----------------------------------------------------------------------------
def classifier(rng, n_classes=None, n_features=None, scale=1.0):
    C = n_classes or int(rng.integers(2, 8))
    D = n_features or int(rng.integers(2, 9))
    return rng.normal(scale=scale, size=(C, D)), rng.normal(scale=scale, size=C)


def scores_and_labels(rng, n=None, c=None, scale=2.0):
    N, C = n or int(rng.integers(5, 40)), c or int(rng.integers(2, 11))
    return rng.normal(scale=scale, size=(N, C)), rng.integers(0, C, size=N)


# == Exercise 1: linear_scores (2 points) =====================================================
@pytest.mark.grade("test_linear_scores", points=0.5)
def test_linear_scores_lecture(student):
    """the lecture's example: one image of shape (D,) gives the C scores [126, 410.8, 27.9] as a numpy array (C,)"""
    s, _ = array_of(student, "linear_scores", LECTURE_W, LECTURE_B, LECTURE_X, shape=(3,), strict=True)
    checks.close(s, LECTURE_SCORES, "linear_scores(W, b, x)")


@pytest.mark.grade("test_linear_scores", points=0.5)
def test_linear_scores_batch(student, rng):
    """a batch X of shape (N, D) gives (N, C) scores whose row i belongs to image i (also when N == C)"""
    for n_images in (3, int(rng.integers(10, 20))):  # the first batch has N == C, the second does not
        W, b = classifier(rng, n_classes=3, n_features=int(rng.integers(4, 9)))
        X = rng.normal(scale=50.0, size=(n_images, W.shape[1]))
        S, _ = array_of(student, "linear_scores", W, b, X, shape=(n_images, 3))
        checks.close(S, ref.linear_scores(W, b, X), "linear_scores(W, b, X)")
    S, _ = array_of(student, "linear_scores", LECTURE_W, LECTURE_B, np.stack([LECTURE_X, 2 * LECTURE_X]), shape=(2, 3))
    checks.close(S, ref.linear_scores(LECTURE_W, LECTURE_B, np.stack([LECTURE_X, 2 * LECTURE_X])), "linear_scores")


@pytest.mark.grade("test_linear_scores", points=0.5)
def test_linear_scores_batch_edges(student, rng):
    """a batch of one image keeps its batch axis, an empty batch gives (0, C), pixel values up to 1e4 work"""
    W, b = classifier(rng)
    C, D = W.shape
    one = rng.normal(size=(1, D))
    checks.close(array_of(student, "linear_scores", W, b, one, shape=(1, C), exact_shape=True)[0],
                 ref.linear_scores(W, b, one), "scores")
    empty = np.empty((0, D))
    array_of(student, "linear_scores", W, b, empty, shape=(0, C), exact_shape=True)
    big = rng.uniform(-1e4, 1e4, size=(int(rng.integers(4, 9)), D))
    checks.close(array_of(student, "linear_scores", W, b, big, shape=(big.shape[0], C))[0],
                 ref.linear_scores(W, b, big), "linear_scores of large pixel values")


@pytest.mark.grade("test_linear_scores", points=0.5)
def test_linear_scores_images_and_inputs_kept(student, rng):
    """single images of any size give W @ x + b, and W, b and x are not modified"""
    for _ in range(3):
        W, b = classifier(rng)
        x = rng.normal(scale=10.0, size=W.shape[1])
        s, reply = array_of(student, "linear_scores", W, b, x, shape=(W.shape[0],))
        checks.close(s, ref.linear_scores(W, b, x), "linear_scores(W, b, x)")
        for position, before in enumerate((W, b, x)):
            checks.unchanged(before, reply["arrays"][position], "linear_scores")


# == Exercise 2: bias_trick (1 point) =========================================================
@pytest.mark.grade("test_bias_trick", points=0.5)
def test_bias_trick_lecture(student):
    """the lecture's W and b give W', a numpy array of shape (3, 5), with W' @ [x, 1] = [126, 410.8, 27.9]"""
    Wp, _ = array_of(student, "bias_trick", LECTURE_W, LECTURE_B, shape=(3, 5), strict=True)
    checks.close(Wp @ np.append(LECTURE_X, 1.0), LECTURE_SCORES, "W' @ [x, 1]")


@pytest.mark.grade("test_bias_trick", points=0.25)
def test_bias_trick_any_size(student, rng):
    """W' = [W | b]: W unchanged in the first D columns and b in the last, for any C and D (one class or one pixel too)"""
    for C, D in [(int(rng.integers(4, 11)), int(rng.integers(2, 4))), (1, int(rng.integers(2, 6))), (int(rng.integers(3, 7)), 1)]:
        W, b = classifier(rng, n_classes=C, n_features=D)
        Wp, _ = array_of(student, "bias_trick", W, b, shape=(C, D + 1))
        checks.close(Wp, ref.bias_trick(W, b), "bias_trick(W, b)")
        X = rng.normal(size=(5, D))
        checks.close(np.hstack([X, np.ones((5, 1))]) @ Wp.T, ref.linear_scores(W, b, X), "[X, 1] @ W'.T")


@pytest.mark.grade("test_bias_trick", points=0.25)
def test_bias_trick_inputs_kept(student, rng):
    """bias_trick returns a new array and leaves W and b unchanged"""
    W, b = classifier(rng, n_classes=int(rng.integers(3, 8)), n_features=int(rng.integers(9, 14)))
    Wp, reply = array_of(student, "bias_trick", W, b, shape=(W.shape[0], W.shape[1] + 1))
    checks.close(Wp, ref.bias_trick(W, b), "bias_trick(W, b)")
    checks.unchanged(W, reply["arrays"][0], "bias_trick")
    checks.unchanged(b, reply["arrays"][1], "bias_trick")


# == Exercise 3: hinge_loss_i (2 points) ======================================================
def not_the_top_class(rng, s: np.ndarray) -> int:
    """A random true class whose score is not the largest: some other class beats it, so its loss is > 0."""
    return int(rng.choice(np.argsort(s)[:-1]))


@pytest.mark.grade("test_hinge_loss_i", points=0.75)
def test_hinge_loss_i_lecture(student):
    """the lecture's three images: losses 3 (cat), 0 (a margin of exactly delta), 13 (airplane), each a single number"""
    for s, y, expected in zip(LECTURE_S, LECTURE_Y, LECTURE_LOSSES):
        loss, _ = number_of(student, "hinge_loss_i", s, int(y), strict=True)
        checks.close(loss, expected, "hinge_loss_i(s, y)")


@pytest.mark.grade("test_hinge_loss_i", points=0.5)
def test_hinge_loss_i_delta(student, rng):
    """delta is the required margin (0 included); with equal scores each of the C-1 wrong classes pays delta"""
    for delta in (0.0, float(rng.uniform(0.2, 0.9)), float(rng.uniform(1.5, 4.0))):
        s = rng.normal(scale=2.0, size=int(rng.integers(3, 9)))
        y = int(rng.integers(0, s.size))
        checks.close(number_of(student, "hinge_loss_i", s, y, delta=delta)[0], ref.hinge_loss_i(s, y, delta),
                     "hinge_loss_i(s, y, delta)")
    C, delta = int(rng.integers(3, 12)), float(rng.uniform(1.5, 4.0))
    y = int(rng.integers(0, C))
    checks.close(number_of(student, "hinge_loss_i", np.zeros(C), y, delta)[0], ref.hinge_loss_i(np.zeros(C), y, delta),
                 "hinge_loss_i(equal scores, y, delta)")


@pytest.mark.grade("test_hinge_loss_i", points=0.5)
def test_hinge_loss_i_random(student, rng):
    """scores of any number of classes (two classes too) and any size (up to 1e4), any true class"""
    for C, scale in [(2, 1.0), (int(rng.integers(3, 11)), 2.0), (int(rng.integers(3, 11)), 1.0), (10, 1e4)]:
        s = rng.normal(scale=scale, size=C)
        # the last true class is never the top score: its loss is > 0, so an answer of 0 never passes
        y = int(rng.integers(0, C)) if scale < 1e4 else not_the_top_class(rng, s)
        checks.close(number_of(student, "hinge_loss_i", s, y)[0], ref.hinge_loss_i(s, y), "hinge_loss_i(s, y)")


@pytest.mark.grade("test_hinge_loss_i", points=0.25)
def test_hinge_loss_i_inputs_kept(student, rng):
    """hinge_loss_i leaves the scores s unchanged"""
    s = rng.normal(scale=2.0, size=int(rng.integers(4, 9)))
    y = not_the_top_class(rng, s)  # a loss > 0: an answer of 0 does not pass
    loss, reply = number_of(student, "hinge_loss_i", s, y)
    checks.close(loss, ref.hinge_loss_i(s, y), "hinge_loss_i(s, y)")
    checks.unchanged(s, reply["arrays"][0], "hinge_loss_i")


# == Exercise 4: hinge_loss_naive (2 points) ==================================================
@pytest.mark.grade("test_hinge_loss_naive", points=0.5)
def test_naive_lecture(student):
    """the lecture's batch of three images has the mean loss (3 + 0 + 13) / 3 = 16/3, a single number"""
    checks.close(number_of(student, "hinge_loss_naive", LECTURE_S, LECTURE_Y, strict=True)[0], 16 / 3,
                 "hinge_loss_naive(S, y)")


@pytest.mark.grade("test_hinge_loss_naive", points=0.5)
def test_naive_random_batches(student, rng):
    """the mean (not the sum) of the per-image losses, for batches of any N and C"""
    for _ in range(3):
        S, y = scores_and_labels(rng)
        checks.close(number_of(student, "hinge_loss_naive", S, y)[0], ref.hinge_loss_naive(S, y), "hinge_loss_naive")


@pytest.mark.grade("test_hinge_loss_naive", points=0.5)
def test_naive_delta(student, rng):
    """delta is the required margin for every image of the batch"""
    for delta in (float(rng.uniform(0.1, 0.9)), float(rng.uniform(1.5, 5.0))):
        S, y = scores_and_labels(rng)
        checks.close(number_of(student, "hinge_loss_naive", S, y, delta=delta)[0], ref.hinge_loss_naive(S, y, delta),
                     "hinge_loss_naive(S, y, delta)")


@pytest.mark.grade("test_hinge_loss_naive", points=0.5)
def test_naive_single_image_and_inputs_kept(student, rng):
    """a batch of one image (also with scores up to 1e4), and S and y are not modified"""
    for scale in (2.0, 1e4):
        S, _ = scores_and_labels(rng, n=1, scale=scale)
        y = np.array([not_the_top_class(rng, S[0])])  # a loss > 0: an answer of 0 does not pass
        loss, reply = number_of(student, "hinge_loss_naive", S, y)
        checks.close(loss, ref.hinge_loss_naive(S, y), "hinge_loss_naive(S[:1], y[:1])")
        checks.unchanged(S, reply["arrays"][0], "hinge_loss_naive")
        checks.unchanged(y, reply["arrays"][1], "hinge_loss_naive")


# == Exercise 5: hinge_loss_vectorized (3 points) =============================================
@pytest.mark.grade("test_hinge_loss_vectorized", points=0.5)
def test_vectorized_lecture(student):
    """the lecture's batch of three images has the mean loss 16/3, a single number"""
    checks.close(number_of(student, "hinge_loss_vectorized", LECTURE_S, LECTURE_Y, strict=True)[0], 16 / 3,
                 "hinge_loss_vectorized")


@pytest.mark.grade("test_hinge_loss_vectorized", points=0.75)
def test_vectorized_random_batches(student, rng):
    """the same mean loss as the loops for batches of any N and C and any delta (C * torch's multi_margin_loss)"""
    for delta in (1.0, float(rng.uniform(0.1, 0.9)), float(rng.uniform(1.5, 5.0))):
        S, y = scores_and_labels(rng)
        checks.close(number_of(student, "hinge_loss_vectorized", S, y, delta=delta)[0],
                     ref.hinge_loss_vectorized(S, y, delta), "hinge_loss_vectorized(S, y, delta)")


@pytest.mark.grade("test_hinge_loss_vectorized", points=0.5)
def test_vectorized_edges(student, rng):
    """a batch of one image, equal scores (every wrong class pays delta) and scores up to 1e4"""
    S, y = scores_and_labels(rng, n=1)
    checks.close(number_of(student, "hinge_loss_vectorized", S, y)[0], ref.hinge_loss_vectorized(S, y), "one image")
    S = np.zeros((int(rng.integers(3, 8)), int(rng.integers(3, 11))))
    y = rng.integers(0, S.shape[1], size=S.shape[0])
    checks.close(number_of(student, "hinge_loss_vectorized", S, y)[0], ref.hinge_loss_vectorized(S, y), "equal scores")
    S, y = scores_and_labels(rng, scale=1e4)
    checks.close(number_of(student, "hinge_loss_vectorized", S, y)[0], ref.hinge_loss_vectorized(S, y), "large scores")


@pytest.mark.grade("test_hinge_loss_vectorized", points=0.5)
def test_vectorized_inputs_kept(student, rng):
    """hinge_loss_vectorized leaves S and y unchanged (set the true-class margins in a new array)"""
    S, y = scores_and_labels(rng)
    loss, reply = number_of(student, "hinge_loss_vectorized", S, y)
    checks.close(loss, ref.hinge_loss_vectorized(S, y), "hinge_loss_vectorized(S, y)")
    checks.unchanged(S, reply["arrays"][0], "hinge_loss_vectorized")
    checks.unchanged(y, reply["arrays"][1], "hinge_loss_vectorized")


@pytest.mark.grade("test_hinge_loss_vectorized", points=0.75)
def test_vectorized_has_no_python_loop(student, rng):
    """no Python loop (for, while, comprehension, map, np.vectorize), also not by calling a looping function"""
    S, y = scores_and_labels(rng, n=2000, c=10)
    checks.close(number_of(student, "hinge_loss_vectorized", S, y)[0], ref.hinge_loss_vectorized(S, y), "a large batch")
    no_python_loop(notebook_definitions(student), "hinge_loss_vectorized")


# == Exercise 6: numerical_gradient (2 points) ================================================
@pytest.mark.grade("test_numerical_gradient", points=0.5)
def test_numerical_gradient_central_difference(student, rng):
    """the central difference (f(A + h e_k) - f(A - h e_k)) / 2h with the given h, every other element kept as it was"""
    A = rng.normal(size=(int(rng.integers(2, 5)), int(rng.integers(2, 5))))
    var = library_function(student, "numpy.var")
    g, _ = array_of(student, "numerical_gradient", var, A, h=0.1, shape=A.shape)
    checks.close(g, ref.numerical_gradient(np.var, A, h=0.1), "numerical_gradient(np.var, A, h=0.1)", rtol=1e-7, atol=1e-10)
    v = rng.normal(size=int(rng.integers(3, 8)))
    norm = library_function(student, "numpy.linalg.norm")
    g, _ = array_of(student, "numerical_gradient", norm, v, shape=v.shape)
    checks.close(g, ref.numerical_gradient(np.linalg.norm, v), "numerical_gradient(np.linalg.norm, v)")


@pytest.mark.grade("test_numerical_gradient", points=0.5)
def test_numerical_gradient_any_shape(student, rng):
    """A of any shape: a vector, a 3-D array, a single element and an empty array (the gradient has A's shape)"""
    shapes = [(int(rng.integers(3, 8)),), (2, int(rng.integers(2, 4)), 3), (1,), (1, 1), (0,), (0, 3)]
    total = library_function(student, "numpy.sum")
    for shape in shapes:
        A = rng.normal(size=shape)
        g, _ = array_of(student, "numerical_gradient", total, A, shape=shape, exact_shape=True)
        checks.close(g, ref.numerical_gradient(np.sum, A), "numerical_gradient(np.sum, A)")
    for shape in shapes[:3]:
        A, V = rng.normal(size=shape), rng.normal(size=shape)
        g, _ = array_of(student, "numerical_gradient", partial_in_student(student, "numpy.vdot", V), A, shape=shape)
        checks.close(g, ref.numerical_gradient(functools.partial(np.vdot, V), A), "numerical_gradient(vdot(V, .), A)")


@pytest.mark.grade("test_numerical_gradient", points=0.5)
def test_numerical_gradient_uses_a_copy(student, rng):
    """f is called with a perturbed copy: the caller's A never changes, not even for a moment"""
    A = rng.normal(size=(int(rng.integers(2, 4)), int(rng.integers(3, 6))))
    shared = array_in_student(student, A)  # f looks at the caller's A while the gradient is computed
    f = partial_in_student(student, "numpy.vdot", shared)
    g, reply = array_of(student, "numerical_gradient", f, shared, shape=A.shape)
    checks.close(g, ref.numerical_gradient(functools.partial(np.vdot, A.copy()), A), "numerical_gradient(vdot(A, .), A)")
    checks.unchanged(A, reply["arrays"][1], "numerical_gradient")


@pytest.mark.grade("test_numerical_gradient", points=0.5)
def test_numerical_gradient_integer_array(student, rng):
    """an integer array A works too (perturb a float copy) and the gradient is a float array"""
    A = rng.integers(-5, 6, size=(2, int(rng.integers(2, 5))))
    V = rng.normal(size=A.shape)
    g, reply = array_of(student, "numerical_gradient", partial_in_student(student, "numpy.vdot", V), A, shape=A.shape,
                        strict=True)
    checks.close(g, ref.numerical_gradient(functools.partial(np.vdot, V), A), "numerical_gradient of an integer A")
    checks.unchanged(A, reply["arrays"][1], "numerical_gradient")


# == Exercise 7: svm_loss (4 points) ==========================================================
@pytest.mark.grade("test_svm_loss", points=1)
def test_svm_loss_lecture(student):
    """lecture batch, W = I, b = 0: loss 16/3 (a number), db = [-2/3, 2/3, 0] (a 0 margin is inactive), numpy dW, db"""
    loss, dW, db, _ = svm_of(student, np.eye(3), np.zeros(3), LECTURE_S, LECTURE_Y, strict=True)
    _, dW_ref, _ = ref.svm_loss(np.eye(3), np.zeros(3), LECTURE_S, LECTURE_Y)
    checks.close(loss, 16 / 3, "svm_loss: loss")
    checks.close(db, [-2 / 3, 2 / 3, 0.0], "svm_loss: db")
    checks.close(dW, dW_ref, "svm_loss: dW")


@pytest.mark.grade("test_svm_loss", points=0.75)
def test_svm_loss_random(student, rng):
    """loss, dW and db for classifiers and batches of any size and any delta, without regularization"""
    for delta in (1.0, float(rng.uniform(0.2, 3.0))):
        W, b = classifier(rng)
        X = rng.normal(size=(int(rng.integers(5, 30)), W.shape[1]))
        y = rng.integers(0, W.shape[0], size=X.shape[0])
        check_svm(student, W, b, X, y, delta=delta)


@pytest.mark.grade("test_svm_loss", points=0.75)
def test_svm_loss_regularization(student, rng):
    """reg adds reg * sum(W**2) to the loss and 2 * reg * W to dW; the bias is not regularized"""
    for reg in (float(rng.uniform(0.05, 0.5)), float(rng.uniform(1.0, 3.0))):
        W, b = classifier(rng)
        X = rng.normal(size=(int(rng.integers(5, 30)), W.shape[1]))
        y = rng.integers(0, W.shape[0], size=X.shape[0])
        check_svm(student, W, b, X, y, reg=reg)


@pytest.mark.grade("test_svm_loss", points=0.5)
def test_svm_loss_edges(student, rng):
    """a batch of one image, W = 0 (every margin active) and pixel values up to 1e4; returns (loss, dW, db)"""
    W, b = classifier(rng)
    check_svm(student, W, b, rng.normal(size=(1, W.shape[1])), rng.integers(0, W.shape[0], size=1))
    X = rng.normal(size=(int(rng.integers(5, 15)), W.shape[1]))
    check_svm(student, np.zeros_like(W), np.zeros_like(b), X, rng.integers(0, W.shape[0], size=X.shape[0]))
    X = rng.uniform(-1e4, 1e4, size=(int(rng.integers(5, 15)), W.shape[1]))
    check_svm(student, W, b, X, rng.integers(0, W.shape[0], size=X.shape[0]))


@pytest.mark.grade("test_svm_loss", points=0.5)
def test_svm_loss_inputs_kept(student, rng):
    """svm_loss leaves W, b, X and y unchanged"""
    W, b = classifier(rng)
    X = rng.normal(size=(int(rng.integers(5, 30)), W.shape[1]))
    y = rng.integers(0, W.shape[0], size=X.shape[0])
    reply = check_svm(student, W, b, X, y)
    for position, before in enumerate((W, b, X, y)):
        checks.unchanged(before, reply["arrays"][position], "svm_loss")


@pytest.mark.grade("test_svm_loss", points=0.5)
def test_svm_loss_has_no_python_loop(student, rng):
    """vectorized: no Python loop over the images or classes (for, while, comprehension, map)"""
    W, b = classifier(rng, n_classes=10, n_features=int(rng.integers(20, 40)))
    X = rng.normal(size=(500, W.shape[1]))
    check_svm(student, W, b, X, rng.integers(0, 10, size=500))
    no_python_loop(notebook_definitions(student), "svm_loss")


# == Exercise 8: squared_error (1 point) ======================================================
@pytest.mark.grade("test_squared_error", points=0.25)
def test_squared_error_examples(student):
    """0.5 * sum((y - t)**2): [1, 2, 3] against [1, 0, 0] gives 6.5"""
    checks.close(number_of(student, "squared_error", np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0]))[0], 6.5,
                 "squared_error(y, t)")


@pytest.mark.grade("test_squared_error", points=0.25)
def test_squared_error_numbers(student, rng):
    """two numbers give a single number: 0.5 * (y - t)**2 (e.g. 4.5 for 2 and 5)"""
    checks.close(number_of(student, "squared_error", 2.0, 5.0, strict=True)[0], 4.5, "squared_error(2.0, 5.0)")
    for y, t in rng.normal(scale=3.0, size=(3, 2)):
        checks.close(number_of(student, "squared_error", float(y), float(t), strict=True)[0], ref.squared_error(y, t),
                     "squared_error")


@pytest.mark.grade("test_squared_error", points=0.25)
def test_squared_error_arrays(student, rng):
    """arrays of any (equal) shape give one number, the sum over every element"""
    for shape in [(int(rng.integers(3, 9)),), (int(rng.integers(2, 5)), int(rng.integers(2, 5))), (2, 3, 2)]:
        y, t = rng.normal(size=shape), rng.normal(size=shape)
        checks.close(number_of(student, "squared_error", y, t)[0], ref.squared_error(y, t), "squared_error(y, t)")


@pytest.mark.grade("test_squared_error", points=0.25)
def test_squared_error_edges_and_inputs_kept(student, rng):
    """empty arrays give 0, values up to 1e4 work, and y and t are not modified"""
    checks.close(number_of(student, "squared_error", np.empty(0), np.empty(0))[0], 0.0, "squared_error of empty arrays")
    # fixed values too: random ones alone can make (sum of d)^2 equal the sum of d^2 (about 1 key in 2 million)
    large = np.array([3e3, -1e3, 2e3])
    checks.close(number_of(student, "squared_error", large, np.zeros(3))[0], ref.squared_error(large, np.zeros(3)),
                 "squared_error(y, t)")
    y, t = rng.uniform(-1e4, 1e4, size=(2, int(rng.integers(3, 9))))
    error, reply = number_of(student, "squared_error", y, t)
    checks.close(error, ref.squared_error(y, t), "squared_error(y, t)")
    checks.unchanged(y, reply["arrays"][0], "squared_error")
    checks.unchanged(t, reply["arrays"][1], "squared_error")


# -- training: sgd_step, train_svm, predict and choose_hyperparameters ---------------------------
def pair_of_arrays(student, name, *args, shapes, strict: bool = False, **kwargs) -> tuple[np.ndarray, np.ndarray, dict]:
    """name(...) returns a pair of arrays of the given shapes (strictly numpy arrays with strict=True)."""
    reply = _call(student, name, *args, **kwargs)
    first, second = checks.pair(reply["value"], name)
    read = checks.array if strict else value_array
    return read(first, f"{name}'s first array", shapes[0]), read(second, f"{name}'s second array", shapes[1]), reply


def losses_of(value, what: str, length: int) -> np.ndarray:
    """A list or 1-D array of numbers (the loss of every step), each number in any container."""
    if type(value) in (list, tuple):
        value = np.array([value_number(v, what) for v in value], dtype=np.float64)
    return value_array(value, what, (length,))


def train_of(student, X, y, lr, reg, epochs, batch_size, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """train_svm(X, y, lr, reg, epochs, batch_size, seed) must return (W, b, losses)."""
    reply = _call(student, "train_svm", X, y, lr, reg, epochs, batch_size, seed)
    value = reply["value"]
    if type(value) not in (tuple, list) or len(value) != 3:
        raise checks.AnswerTypeError(f"train_svm should return a tuple (W, b, losses), got {checks._kind(value)}")
    C, D = int(np.max(y)) + 1, X.shape[1]
    W = value_array(value[0], "train_svm's W", (C, D))
    b = value_array(value[1], "train_svm's b", (C,))
    steps = epochs * int(np.ceil(X.shape[0] / batch_size))
    return W, b, losses_of(value[2], "train_svm's losses", steps), reply


def check_train(student, X, y, lr, reg, epochs, batch_size, seed) -> dict:
    W, b, losses, reply = train_of(student, X, y, lr, reg, epochs, batch_size, seed)
    W_ref, b_ref, losses_ref = ref.train_svm(X, y, lr, reg, epochs, batch_size, seed)
    checks.close(losses, losses_ref, "train_svm: losses", rtol=1e-6, atol=1e-9)
    checks.close(W, W_ref, "train_svm: W", rtol=1e-6, atol=1e-9)
    checks.close(b, b_ref, "train_svm: b", rtol=1e-6, atol=1e-9)
    return reply


def blobs(rng, n_classes=None, n_features=None, n_per_class=None, distance=4.0):
    """Gaussian blobs with unit spread around random centres `distance` apart on average (shuffled)."""
    C = n_classes or int(rng.integers(2, 5))
    D = n_features or int(rng.integers(2, 6))
    centres = distance * rng.normal(size=(C, D)) / np.sqrt(2.0)
    return ref.make_blobs(n_per_class or int(rng.integers(8, 15)), centres, 1.0, int(rng.integers(0, 2**31)))


def separable_blobs(rng, n_classes, n_features, n_per_class):
    """Blobs whose centres lie on the axes, 8 apart: a linear classifier separates them."""
    centres = np.zeros((n_classes, n_features))
    centres[np.arange(n_classes), np.arange(n_classes) % n_features] = 6.0 * rng.choice([-1.0, 1.0], size=n_classes)
    centres[np.arange(n_classes), (np.arange(n_classes) + 1) % n_features] += 3.0 * np.arange(n_classes)
    return ref.make_blobs(n_per_class, centres, 0.7, int(rng.integers(0, 2**31)))


# == Exercise 9: sgd_step (2 points) ==========================================================
@pytest.mark.grade("test_sgd_step", points=1)
def test_sgd_step_values(student, rng):
    """W - lr * dW and b - lr * db for classifiers of any size and any learning rate"""
    for lr in (0.1, float(rng.uniform(1e-3, 1e-2)), float(rng.uniform(0.5, 3.0))):
        W, b = classifier(rng)
        dW, db = rng.normal(size=W.shape), rng.normal(size=b.shape)
        W_new, b_new, _ = pair_of_arrays(student, "sgd_step", W, b, dW, db, lr, shapes=(W.shape, b.shape))
        W_ref, b_ref = ref.sgd_step(W, b, dW, db, lr)
        checks.close(W_new, W_ref, "sgd_step: W_new")
        checks.close(b_new, b_ref, "sgd_step: b_new")


@pytest.mark.grade("test_sgd_step", points=0.5)
def test_sgd_step_inputs_kept(student, rng):
    """sgd_step returns new numpy arrays and leaves W, b, dW and db unchanged"""
    W, b = classifier(rng)
    dW, db = rng.normal(size=W.shape), rng.normal(size=b.shape)
    lr = float(rng.uniform(0.05, 0.5))
    W_new, b_new, reply = pair_of_arrays(student, "sgd_step", W, b, dW, db, lr, shapes=(W.shape, b.shape), strict=True)
    checks.close(W_new, ref.sgd_step(W, b, dW, db, lr)[0], "sgd_step: W_new")
    checks.close(b_new, ref.sgd_step(W, b, dW, db, lr)[1], "sgd_step: b_new")
    for position, before in enumerate((W, b, dW, db)):
        checks.unchanged(before, reply["arrays"][position], "sgd_step")


@pytest.mark.grade("test_sgd_step", points=0.5)
def test_sgd_step_edges(student, rng):
    """one class or one feature, and lr = 0 (the same values back)"""
    for C, D, lr in [(1, int(rng.integers(2, 6)), 0.1), (int(rng.integers(2, 6)), 1, 0.1), (3, 4, 0.0)]:
        W, b = classifier(rng, n_classes=C, n_features=D)
        dW, db = rng.normal(size=W.shape), rng.normal(size=b.shape)
        W_new, b_new, _ = pair_of_arrays(student, "sgd_step", W, b, dW, db, lr, shapes=((C, D), (C,)))
        W_ref, b_ref = ref.sgd_step(W, b, dW, db, lr)
        checks.close(W_new, W_ref, "sgd_step: W_new")
        checks.close(b_new, b_ref, "sgd_step: b_new")


# == Exercise 10: train_svm (3 points) ========================================================
@pytest.mark.grade("test_train_svm", points=0.75)
def test_train_svm_initialisation(student, rng):
    """W starts as 0.001 * rng.standard_normal((C, D)) from default_rng(seed) and b as zeros: one full batch is one step"""
    for seed in (0, int(rng.integers(1, 1000))):
        X, y = blobs(rng)
        lr = float(rng.uniform(0.05, 0.5))
        check_train(student, X, y, lr, 0.0, 1, X.shape[0] + int(rng.integers(0, 5)), seed)


@pytest.mark.grade("test_train_svm", points=1)
def test_train_svm_minibatches(student, rng):
    """every epoch draws rng.permutation(N) and walks it in batches of batch_size (the last one smaller)"""
    for _ in range(2):
        for _ in range(1000):
            X, y = blobs(rng)
            batch_size = int(rng.integers(3, 8))
            if X.shape[0] % batch_size == 0:  # a last batch that is smaller than the others
                X, y = X[:-1], y[:-1]
            settings = (float(rng.uniform(0.05, 0.3)), 0.0, int(rng.integers(2, 5)), batch_size, int(rng.integers(0, 1000)))
            steps = -(-X.shape[0] // batch_size)
            # some loss left after the first epoch: the later epochs' order then shows in the result
            if ref.train_svm(X, y, *settings)[2][steps:].min() > 0.05:
                break
        check_train(student, X, y, *settings)


@pytest.mark.grade("test_train_svm", points=0.75)
def test_train_svm_regularization_and_losses(student, rng):
    """reg goes to svm_loss; one loss per step, epochs * ceil(N / batch_size), recorded before the update"""
    for _ in range(1000):
        X, y = blobs(rng)
        settings = (float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.05, 0.5)), int(rng.integers(2, 4)),
                    int(rng.integers(4, 9)), int(rng.integers(0, 1000)))
        steps = -(-X.shape[0] // settings[3])
        # some hinge loss left after the first epoch (without reg, which only adds to it and shrinks W):
        # the later epochs' order then shows in the result
        if ref.train_svm(X, y, settings[0], 0.0, *settings[2:])[2][steps:].min() > 0.05:
            break
    check_train(student, X, y, *settings)


@pytest.mark.grade("test_train_svm", points=0.5)
def test_train_svm_learns_and_inputs_kept(student, rng):
    """on well separated classes the training accuracy passes 0.9 and the loss falls; X and y are unchanged"""
    C = int(rng.integers(2, 5))
    X, y = separable_blobs(rng, C, int(rng.integers(max(C, 2), 6)), 15)
    W, b, losses, reply = train_of(student, X, y, 0.1, 1e-3, 10, 16, int(rng.integers(0, 1000)))
    assert np.mean(ref.predict(W, b, X) == y) > 0.9, "train_svm: training accuracy on separable blobs"
    assert losses[-3:].mean() < 0.5 * losses[:3].mean(), "train_svm: the loss should fall"
    checks.unchanged(X, reply["arrays"][0], "train_svm")
    checks.unchanged(y, reply["arrays"][1], "train_svm")


# == Exercise 11: predict and choose_hyperparameters (3 points) ===============================
def choose_of(student, X_train, y_train, X_val, y_val, learning_rates, regs, epochs, batch_size, seed):
    """choose_hyperparameters(...) must return (best_lr, best_reg, accuracy) with accuracy a (len(lrs), len(regs)) array."""
    reply = _call(student, "choose_hyperparameters", X_train, y_train, X_val, y_val, learning_rates, regs, epochs,
                  batch_size, seed)
    value = reply["value"]
    if type(value) not in (tuple, list) or len(value) != 3:
        raise checks.AnswerTypeError("choose_hyperparameters should return a tuple (best_lr, best_reg, accuracy), "
                                     f"got {checks._kind(value)}")
    best_lr = value_number(value[0], "choose_hyperparameters's best_lr")
    best_reg = value_number(value[1], "choose_hyperparameters's best_reg")
    accuracy = value_array(value[2], "choose_hyperparameters's accuracy", (len(learning_rates), len(regs)))
    return best_lr, best_reg, accuracy, reply


def validation_table(student, X_train, y_train, X_val, y_val, learning_rates, regs, epochs, batch_size, seed):
    """The validation accuracy of the student's own train_svm at every grid point (a mistake in train_svm is
    not counted twice: the table is judged against what their train_svm gives)."""
    table = np.zeros((len(learning_rates), len(regs)))
    for i, lr in enumerate(learning_rates):
        for j, reg in enumerate(regs):
            W, b, _, _ = train_of(student, X_train, y_train, lr, reg, epochs, batch_size, seed)
            table[i, j] = np.mean(ref.predict(W, b, X_val) == y_val)
    return table


def split(rng, n_classes=None):
    """A training split of 23 images (one of them twice, with two different labels, so no classifier gets all
    23 right) and a validation split of 11: with those sizes the training and the validation accuracy cannot
    be equal, so a table measured on the wrong split never passes by chance."""
    C = n_classes or int(rng.integers(2, 5))
    X, y = blobs(rng, n_classes=C, n_per_class=34 // C + 2, distance=2.5)
    X_train = np.vstack([X[:22], X[:1]])
    y_train = np.append(y[:22], (y[0] + 1) % C)
    return X_train, y_train, X[22:33], y[22:33]


@pytest.mark.grade("test_choose_hyperparameters", points=0.75)
def test_predict(student, rng):
    """predict gives the index of the highest score of every image, an integer array (N,), the first class on a tie"""
    W, b = classifier(rng)
    X = rng.normal(size=(int(rng.integers(5, 20)), W.shape[1]))
    tied = np.vstack([W, W[:1]]), np.append(b, b[0])  # the last class always ties with class 0
    for weights, biases in ((W, b), tied):
        reply = _call(student, "predict", weights, biases, X)
        if reply["type"] != "numpy.ndarray" or reply["value"].dtype.kind not in "iu":
            raise checks.AnswerTypeError(f"predict should return a numpy array of integers, got {reply['type']}"
                                         + (f" of {reply['value'].dtype}" if reply["type"] == "numpy.ndarray" else ""))
        predicted = checks.array(reply["value"], "predict", (X.shape[0],))
        checks.close(predicted, ref.predict(weights, biases, X), "predict(W, b, X)", rtol=0, atol=0)


@pytest.mark.grade("test_choose_hyperparameters", points=1)
def test_choose_on_validation(student, rng):
    """accuracy[i, j] is the validation accuracy of train_svm(X_train, y_train, lrs[i], regs[j], ...) (lrs in rows)"""
    X_train, y_train, X_val, y_val = split(rng)
    learning_rates = [float(rng.uniform(1e-3, 1e-2)), float(rng.uniform(0.05, 0.2))]
    regs = [0.0, float(rng.uniform(0.01, 0.1)), float(rng.uniform(1.0, 3.0))]
    epochs, batch_size, seed = 3, int(rng.integers(4, 9)), int(rng.integers(0, 1000))
    _, _, accuracy, _ = choose_of(student, X_train, y_train, X_val, y_val, learning_rates, regs, epochs, batch_size, seed)
    expected = validation_table(student, X_train, y_train, X_val, y_val, learning_rates, regs, epochs, batch_size, seed)
    checks.close(accuracy, expected, "choose_hyperparameters: accuracy", rtol=0, atol=1e-12)


@pytest.mark.grade("test_choose_hyperparameters", points=0.75)
def test_choose_best_first_maximum(student, rng):
    """best_lr and best_reg are the first maximum of the returned table in row-major order (np.argmax), also on ties"""
    X_train, y_train, X_val, y_val = split(rng)
    # two learning rates and two regs a hair apart train (practically) the same classifier: ties in the table
    lr, reg = float(rng.uniform(0.05, 0.2)), float(rng.uniform(1e-3, 1e-2))
    learning_rates = [lr, lr * (1 + 1e-9), float(rng.uniform(1e-3, 1e-2))]
    regs = [reg, reg * (1 + 1e-9)]
    best_lr, best_reg, accuracy, _ = choose_of(student, X_train, y_train, X_val, y_val, learning_rates, regs, 3,
                                               int(rng.integers(4, 9)), int(rng.integers(0, 1000)))
    i, j = np.unravel_index(int(np.argmax(accuracy)), accuracy.shape)
    assert (best_lr, best_reg) == (learning_rates[i], regs[j]), \
        "choose_hyperparameters: (best_lr, best_reg) should be the first maximum of the accuracy table"


@pytest.mark.grade("test_choose_hyperparameters", points=0.5)
def test_choose_grid_of_one_and_inputs_kept(student, rng):
    """a grid of one learning rate and one reg gives a (1, 1) table; X_train, y_train, X_val and y_val are unchanged"""
    X_train, y_train, X_val, y_val = split(rng)
    lr, reg, seed = float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.0, 0.1)), int(rng.integers(0, 1000))
    best_lr, best_reg, accuracy, reply = choose_of(student, X_train, y_train, X_val, y_val, [lr], [reg], 2, 8, seed)
    checks.close([best_lr, best_reg], [lr, reg], "choose_hyperparameters on a grid of one")
    checks.close(accuracy, validation_table(student, X_train, y_train, X_val, y_val, [lr], [reg], 2, 8, seed),
                 "choose_hyperparameters: accuracy", rtol=0, atol=1e-12)
    for position, before in enumerate((X_train, y_train, X_val, y_val)):
        checks.unchanged(before, reply["arrays"][position], "choose_hyperparameters")
