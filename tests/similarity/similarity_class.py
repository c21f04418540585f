"""A class of the perceptron assignment for the similarity tests, made from the course's release/ and
source/ notebooks. The answers to its code cells are written for these tests: three students who
wrote their own (each differently from the others and from the instructor's solution) and a copy of
one of them with the names changed and other comments, as a student who copies does."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from nnlab.course import PROJECT_ROOT
from nnlab.demo import submissions

ANA = {
    "step": """
    arr = np.asarray(z, dtype=float)
    out = (arr >= 0).astype(float)
    # numbers stay numbers
    return float(out) if arr.ndim == 0 else out
""",
    "perceptron_output": """
    weights = np.asarray(w, dtype=float)
    inputs = np.asarray(x, dtype=float)
    net = weights[0] + np.dot(inputs, weights[1:])
    return step(net)
""",
    "perceptron_update": """
    weights = np.array(w, dtype=float)
    inputs = np.asarray(x, dtype=float)
    delta = lr * (t - perceptron_output(weights, inputs))
    weights[0] += delta
    weights[1:] += delta * inputs
    return weights
""",
    "train_perceptron": """
    X = np.asarray(X, dtype=float)
    n_points, n_features = X.shape
    if w_init is not None:
        weights = np.array(w_init, dtype=float)
    else:
        rng = np.random.default_rng(seed)
        weights = rng.uniform(-0.5, 0.5, size=n_features + 1)
    history = []
    epoch = 0
    while epoch < max_epochs:
        wrong = 0
        for i in range(n_points):
            if perceptron_output(weights, X[i]) != T[i]:
                wrong = wrong + 1
            weights = perceptron_update(weights, X[i], T[i], lr)
        history.append(wrong)
        epoch += 1
        if wrong == 0:
            break
    return weights, history
""",
    "decision_boundary_x2": """
    b, a1, a2 = [float(v) for v in w]
    result = (-b - a1 * np.asarray(x1, dtype=float)) / a2
    return float(result) if np.ndim(x1) == 0 else result
""",
    "xor_two_layer": """
    pts = np.asarray(x, dtype=float)
    first = perceptron_output(np.array([-0.5, 1.0, 1.0]), pts)
    second = perceptron_output(np.array([-1.5, 1.0, 1.0]), pts)
    return step(first - second - 0.5)
""",
}

CLEO = {
    "step": """
    if np.ndim(z) == 0:
        return 1.0 if z >= 0 else 0.0
    result = np.zeros(np.shape(z))
    result[np.asarray(z) >= 0] = 1.0
    return result
""",
    "perceptron_output": """
    w = np.asarray(w, dtype=float)
    return step(np.asarray(x, dtype=float) @ w[1:] + w[0])
""",
    "perceptron_update": """
    x_ext = np.concatenate([[1.0], np.asarray(x, dtype=float)])
    y = perceptron_output(w, x)
    return np.asarray(w, dtype=float) + lr * (t - y) * x_ext
""",
    "train_perceptron": """
    N, d = np.shape(X)
    if w_init is None:
        w = np.random.default_rng(seed).uniform(-0.5, 0.5, size=d + 1)
    else:
        w = np.copy(w_init).astype(float)
    errs = []
    for epoch in range(max_epochs):
        count = 0
        for n in range(N):
            y = perceptron_output(w, X[n])
            count += int(y != T[n])
            w = perceptron_update(w, X[n], T[n], lr)
        errs.append(count)
        if not count:
            break
    return w, errs
""",
    "decision_boundary_x2": """
    x1 = np.asarray(x1, dtype=float)
    slope = -w[1] / w[2]
    intercept = -w[0] / w[2]
    x2 = slope * x1 + intercept
    return x2.item() if x2.ndim == 0 else x2
""",
    "xor_two_layer": """
    x = np.asarray(x, dtype=float)
    h = np.stack([step(x[..., 0] + x[..., 1] - 0.5), step(1.5 - x[..., 0] - x[..., 1])], axis=-1)
    return step(h[..., 0] + h[..., 1] - 1.5)
""",
}

DEV = {
    "step": """
    z_arr = np.array(z, dtype=float)
    fired = np.heaviside(z_arr, 1.0)
    if z_arr.shape == ():
        return float(fired)
    return fired
""",
    "perceptron_output": """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    total = np.sum(x * np.asarray(w[1:], dtype=float), axis=-1) + w[0]
    if np.ndim(x) == 1:
        return step(float(total))
    return step(total)
""",
    "perceptron_update": """
    new_w = np.copy(np.asarray(w, dtype=float))
    err = t - perceptron_output(new_w, x)
    for j in range(len(x)):
        new_w[j + 1] = new_w[j + 1] + lr * err * x[j]
    new_w[0] = new_w[0] + lr * err
    return new_w
""",
    "train_perceptron": """
    data = np.asarray(X, dtype=float)
    targets = np.asarray(T, dtype=float)
    w = (np.array(w_init, dtype=float) if w_init is not None
         else np.random.default_rng(seed).uniform(-0.5, 0.5, size=data.shape[1] + 1))
    errors = []
    for _ in range(max_epochs):
        errors.append(0)
        for p, y in zip(data, targets):
            errors[-1] += perceptron_output(w, p) != y
            w = perceptron_update(w, p, y, lr)
        if errors[-1] == 0:
            break
    return w, [int(e) for e in errors]
""",
    "decision_boundary_x2": """
    w0, w1, w2 = (float(w[i]) for i in range(3))
    def line(v):
        return -(w0 + w1 * v) / w2
    if np.isscalar(x1):
        return float(line(x1))
    return line(np.asarray(x1, dtype=float))
""",
    "xor_two_layer": """
    inputs = np.asarray(x, dtype=float)
    W1 = np.array([[-0.5, 1.0, 1.0], [1.5, -1.0, -1.0]])
    hidden = [perceptron_output(row, inputs) for row in W1]
    return perceptron_output(np.array([-1.5, 1.0, 1.0]), np.stack(hidden, axis=-1))
""",
}

RENAMES = {"arr": "values", "out": "res", "weights": "wt", "inputs": "xin", "net": "activation",
           "delta": "change", "n_points": "count", "n_features": "dim", "rng": "gen", "history": "errs_per_epoch",
           "epoch": "ep", "wrong": "misses", "i": "k", "b": "bias", "a1": "c1", "a2": "c2", "v": "val",
           "result": "x2_value", "pts": "P", "first": "or_unit", "second": "and_unit"}


def disguised(answers: dict[str, str]) -> dict[str, str]:
    """The answers with every local name changed, the comments rewritten and new ones added."""
    out = {}
    for cell, body in answers.items():
        body = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: RENAMES.get(m[0], m[0]), body)
        body = re.sub(r"#.*", "# scalar in, scalar out (my own note)", body)
        lines = body.split("\n")
        lines.insert(2, "    # computed step by step, see lecture 2")
        out[cell] = "\n".join(lines)
    return out


def answered(template_source: str, body: str) -> str:
    """A solution cell of the release with the student's body in place of the placeholder."""
    placeholder = re.compile(r"[ \t]*# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)\n?")
    assert placeholder.search(template_source), template_source
    return placeholder.sub(lambda _: body.strip("\n") + "\n", template_source)

ASSIGNMENT = "perceptron"
RELEASE = PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOURCE = PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def release_nb():
    return nbformat.read(RELEASE, as_version=4)


def with_answers(answers: dict[str, str]):
    """The release with the student's own bodies in the solution cells."""
    nb = release_nb()
    for cell in nb.cells:
        gid = submissions.grade_id(cell)
        if gid in answers:
            cell.source = answered(cell.source, answers[gid])
    return nb


def make_course(folder: Path, students: dict[str, object]) -> Path:
    """A course folder (nbgrader's default layout) with the release and one notebook a student;
    a student's value is a notebook, or bytes written as the file."""
    (folder / "release" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(RELEASE, folder / "release" / ASSIGNMENT)
    for student, nb in students.items():
        where = folder / "submitted" / student / ASSIGNMENT
        where.mkdir(parents=True)
        data = nb if isinstance(nb, bytes) else submissions.to_bytes(nb)
        (where / f"{ASSIGNMENT}.ipynb").write_bytes(data)
    return folder


def copied_pair_class() -> dict[str, object]:
    """ben copied ana's answers (names and comments changed); the others wrote their own; fay and
    gus handed the release in untouched."""
    source = nbformat.read(SOURCE, as_version=4)
    return {
        "ana": with_answers(ANA),
        "ben": with_answers(disguised(ANA)),
        "cleo": with_answers(CLEO),
        "dev": with_answers(DEV),
        "model": submissions.correct(release_nb(), source),
        "fay": release_nb(),
        "gus": release_nb(),
    }
