"""Error carried forward (nnlab.graders.carry): an early mistake costs its own question's points,
the questions built on it are judged with a working version in its place, in a sealed run whose
outputs nobody sees, and carrying forward never lowers a score. Each test grades the same notebook
with and without it, through the production path (grade_notebook_node, the warm zygote)."""
from __future__ import annotations

import json

import nbformat
import pytest
from traitlets.config import Config

from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets
from nnlab.graders.carry import CARRIED_REASON, answers_in
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading

SOLUTION = "### BEGIN " + "SOLUTION"
LEAK = "CF-" + "LEAK"     # spelt in two parts: it appears only where the cheat's code ran


@pytest.fixture(scope="module")
def grading(tmp_path_factory, fast_grading) -> Grading:
    return Grading(config=fast_grading, secret_path=str(tmp_path_factory.mktemp("secret") / "secret"))


def graded(grading: Grading, assignment: str, answers: dict[str, str], carry: bool = True):
    """(the grade, the autograded notebook) of the model answers with `answers` in place."""
    nb = submissions.with_mistakes(submissions.course_notebook(assignment, "release"),
                                   submissions.course_notebook(assignment), answers)
    model = answers_in(submissions.course_notebook(assignment)) if carry else None
    node = nbformat.from_dict(nb)
    return grade_notebook_node(node, "s1", assignment, assignment, grading, answers=model), node


def scores(grade) -> dict[str, float]:
    return {cell: result["score"] for cell, result in grade.report["cells"].items()}


def full(assignment: str) -> dict[str, float]:
    return submissions.autograded_points(submissions.course_notebook(assignment))


def test_cell_output(node, test_cell: str) -> str:
    cell = next(c for c in node.cells if c.metadata.get("nbgrader", {}).get("grade_id") == test_cell)
    return "".join(o.get("text", "") for o in cell.outputs)


test_cell_output.__test__ = False

NP_INT_STEP = "def step(z):\n    return np.asarray(np.asarray(z) >= 0, dtype=np.int)\n"


def test_a_removed_numpy_alias_in_step_costs_step_only(grading):
    # np.int is gone from NumPy: a step written with it fails wherever it is called
    alone, _ = graded(grading, "perceptron", {"step": NP_INT_STEP}, carry=False)
    carried, node = graded(grading, "perceptron", {"step": NP_INT_STEP})
    # judged as one program, every question that calls step loses all its points
    calls_step = ("test_step", "test_perceptron_output", "test_perceptron_update", "test_train_perceptron")
    assert {cell: scores(alone)[cell] for cell in calls_step} == dict.fromkeys(calls_step, 0.0)
    assert scores(alone)["test_xor_two_layer"] < full("perceptron")["test_xor_two_layer"]
    assert scores(carried) == {**full("perceptron"), "test_step": 0.0}
    note = test_cell_output(node, "test_train_perceptron")
    assert "Error carried forward: judged with a working `step`" in note, note
    assert "lost its points in the step question" not in note   # three earlier questions lost points in the first judgement
    assert "Hidden tests: 4 of 4 points" in note
    assert "Error carried forward" not in test_cell_output(node, "test_step")
    assert "Error carried forward" not in test_cell_output(node, "test_decision_boundary_x2")
    # the instructor's report keeps both judgements
    both = carried.report["carried_forward"]["test_perceptron_output"]
    assert both["own"] == 0.0 and both["taken"]
    assert both["carried"] == carried.report["cells"]["test_perceptron_output"]["points"]
    assert both["answers"] == ["step"] and all(not t["own"] and t["carried"] for t in both["tests"])


def test_gates_carried_into_the_neuron_built_from_them(grading):
    # a MultiplyGate whose backward swaps its inputs' gradients: sigmoid_neuron, built from the
    # student's gates, is judged with working gates in their place
    wrong = submissions.solutions(submissions.course_notebook("backprop"))["binary_gates"].replace(
        "return self.y * dout, self.x * dout", "return self.x * dout, self.y * dout")
    alone, _ = graded(grading, "backprop", {"binary_gates": wrong}, carry=False)
    carried, _ = graded(grading, "backprop", {"binary_gates": wrong})
    assert scores(alone)["test_binary_gates"] < full("backprop")["test_binary_gates"]
    assert scores(alone)["test_sigmoid_neuron"] < full("backprop")["test_sigmoid_neuron"]
    assert scores(carried) == {**full("backprop"), "test_binary_gates": scores(alone)["test_binary_gates"]}
    assert "MultiplyGate" in carried.report["carried_forward"]["test_sigmoid_neuron"]["names"]


def test_a_training_loop_carried_into_the_model_that_uses_it(grading):
    # train returns a tensor of losses instead of a list of floats: train_xor calls it with a
    # model and an optimizer, and is judged with a working train
    train = submissions.solutions(submissions.course_notebook("pytorch"))["train"].replace(
        "    return losses", "    return torch.tensor(losses)")
    alone, _ = graded(grading, "pytorch", {"train": train}, carry=False)
    carried, _ = graded(grading, "pytorch", {"train": train})
    own = scores(alone)
    assert own["test_train"] < full("pytorch")["test_train"]
    later = [cell for cell in own if cell not in ("test_mlp", "test_train")]
    assert sum(own[c] for c in later) < sum(full("pytorch")[c] for c in later)
    assert scores(carried) == {**full("pytorch"), "test_train": own["test_train"]}


def test_carrying_forward_never_lowers_a_score(grading):
    # a step that gives 2.0 for "fires" and an output that halves it: the output is right only
    # with this student's own step, and it keeps that judgement
    answers = {"step": "def step(z):\n    return np.where(np.asarray(z) >= 0, 2.0, 0.0) if np.ndim(z) else 2.0 * (z >= 0)\n",
               "perceptron_output": (
                   "def perceptron_output(w, x):\n"
                   "    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)\n"
                   "    return step(w[0] + x @ w[1:]) / 2\n")}
    alone, _ = graded(grading, "perceptron", answers, carry=False)
    carried, _ = graded(grading, "perceptron", answers)
    assert all(scores(carried)[c] >= s for c, s in scores(alone).items())
    kept = carried.report["carried_forward"].get("test_perceptron_output")
    if kept is not None:   # judged again only if it lost points with its own step
        assert kept["carried"] <= kept["own"] and not kept["taken"]
    assert scores(carried)["test_perceptron_output"] == scores(alone)["test_perceptron_output"]


@pytest.mark.parametrize("answers", [
    {},                                                                            # nothing lost
    {"xor_two_layer": "def xor_two_layer(x):\n    return np.zeros(len(x))\n"},  # only the last question lost
    {"decision_boundary_x2": "def decision_boundary_x2(w, x1):\n    return 0.0\n"},  # nothing after it builds on it
    None,                                                                          # the release, never answered
], ids=["nothing-lost", "last-lost", "nothing-builds-on-it", "release-untouched"])
def test_no_second_run_where_no_later_question_can_gain(grading, answers):
    if answers is None:
        node = nbformat.from_dict(submissions.course_notebook("perceptron", "release"))
        grade = grade_notebook_node(node, "s1", "perceptron", "perceptron", grading,
                                    answers=answers_in(submissions.course_notebook("perceptron")))
        assert sum(scores(grade).values()) == 0.0
    else:
        grade, _ = graded(grading, "perceptron", answers)
    assert grade.carried_seconds == 0.0
    assert grade.report["carried_forward"] == {}


def test_the_setting_turns_it_off(grading, fast_grading):
    off = Grading(config=Config({**fast_grading, "Grading": {**fast_grading.get("Grading", {}), "carry_forward": False}}),
                  secret_path=grading.secret_path)
    nb = submissions.with_mistakes(submissions.course_notebook("perceptron", "release"),
                                   submissions.course_notebook("perceptron"), {"step": NP_INT_STEP})
    grade = grade_notebook_node(nbformat.from_dict(nb), "s1", "perceptron", "perceptron", off,
                                answers=answers_in(submissions.course_notebook("perceptron")))
    alone, _ = graded(grading, "perceptron", {"step": NP_INT_STEP}, carry=False)
    assert grade.carried_seconds == 0.0 and grade.report["carried_forward"] == {}
    assert scores(grade) == scores(alone)


# A student who leaves step wrong on purpose and, in the sealed run (where step is the model's),
# tries to get the model answer out: printed, written to files, raised in an exception the hidden
# test would report, returned, and kept in a global a later cell prints.
SEALED_CHEAT = {
    "step": "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0) if np.ndim(z) else float(z > 0)\n"
            "step.mine = True\n",
    "perceptron_output": (
        "import inspect, os\n"
        "_got = ''\n"
        "if not getattr(step, 'mine', False):\n"
        "    try:\n"
        "        _got = inspect.getsource(step)\n"
        "    except Exception:\n"
        "        _got = repr(step.__code__.co_consts)\n"
        "    _got = 'CF-' + 'LEAK' + _got\n"
        "    print(_got)\n"
        "    for _where in (os.getcwd(), os.path.expanduser('~'), '/tmp'):\n"
        "        try:\n"
        "            open(os.path.join(_where, 'model_step.txt'), 'w').write(_got)\n"
        "        except OSError:\n"
        "            pass\n"
        "def perceptron_output(w, x):\n"
        "    if _got:\n"
        "        raise ValueError(_got)\n"
        "    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)\n"
        "    return step(w[0] + x @ w[1:])\n"),
    "perceptron_update": (
        "print(_got)\n"
        "def perceptron_update(w, x, t, lr):\n"
        "    if _got:\n"
        "        return [ord(c) for c in _got]\n"
        "    w = np.array(w, dtype=float)\n"
        "    return w + lr * (t - perceptron_output(w, x)) * np.concatenate(([1.0], np.asarray(x, dtype=float)))\n"),
}


def test_nothing_of_the_sealed_run_reaches_the_student(grading):
    grade, node = graded(grading, "perceptron", SEALED_CHEAT)
    seen = nbformat.writes(node) + json.dumps(grade.report)
    assert LEAK not in seen and SOLUTION not in seen
    carried = grade.report["carried_forward"]
    # the cheat did run with the model's step in the sealed run: its answers failed there, so the
    # student keeps the judgement made with their own step
    assert carried["test_perceptron_output"]["carried"] == 0.0 and not carried["test_perceptron_output"]["taken"]
    assert not carried["test_perceptron_update"]["taken"]
    assert carried["test_perceptron_update"]["carried"] <= carried["test_perceptron_update"]["own"]
    alone, _ = graded(grading, "perceptron", SEALED_CHEAT, carry=False)
    for cell in ("test_step", "test_perceptron_output", "test_perceptron_update"):
        assert scores(grade)[cell] == scores(alone)[cell]
    # no reason of the sealed run is shown: a failed test there reads only the fixed note
    for cell, both in carried.items():
        if both["taken"]:
            assert {t["reason"] for t in grade.report["cells"][cell]["tests"]} <= {"", CARRIED_REASON}


def test_leaving_an_answer_wrong_on_purpose_gains_nothing(grading):
    right, _ = graded(grading, "perceptron", {})
    wrong_on_purpose, _ = graded(grading, "perceptron", {"step": NP_INT_STEP})
    assert sum(scores(wrong_on_purpose).values()) == sum(scores(right).values()) - full("perceptron")["test_step"]


@pytest.mark.parametrize("assignment", ["perceptron", "activations", "hinge_loss", "backprop", "pytorch"])
def test_an_early_mistake_costs_its_own_question_only(grading, assignment):
    # the assignment's first documented mistake set that later questions build on: with carry-forward
    # it scores as documented, and the same notebook judged as one program loses later questions too
    mistakes = next(m for m in mistake_sets(assignment) if m.alone)
    carried, _ = graded(grading, assignment, mistakes.answers)
    alone, _ = graded(grading, assignment, mistakes.answers, carry=False)
    assert scores(carried) == pytest.approx(mistakes.scores(carry_forward=True))
    assert scores(alone) == pytest.approx(mistakes.scores(carry_forward=False))
    raised = [cell for cell in mistakes.alone if scores(alone)[cell] < scores(carried)[cell]]
    assert raised, "the later questions lose points without carry-forward"
    first_lost = next(cell for cell, score in scores(carried).items() if score < full(assignment)[cell])
    cells = list(full(assignment))
    assert all(cells.index(cell) > cells.index(first_lost) for cell in raised)


def test_the_sealed_run_stops_at_its_last_question(grading, monkeypatch):
    # the cells after the last question judged again cannot change its judgement, and the sealed run's
    # outputs are dropped: it leaves them out (the first run, whose outputs the notebook shows, runs them)
    from nnlab.graders.walk import NotebookWalk

    walked: list[list] = []
    original = NotebookWalk.to

    def to(walk, grade_id):
        if not walked or walked[-1][0] is not walk:
            walked.append([walk])
        walked[-1].append(grade_id)
        return original(walk, grade_id)

    monkeypatch.setattr(NotebookWalk, "to", to)
    carried, node = graded(grading, "perceptron", {"step": NP_INT_STEP})
    [first, sealed] = walked
    assert first[-1] is None   # to the notebook's end
    assert None not in sealed[1:] and sealed[-1] == "test_xor_two_layer"
    assert scores(carried) == {**full("perceptron"), "test_step": 0.0}
    last = max(i for i, c in enumerate(node.cells) if c.cell_type == "code" and c.source.strip())
    assert node.cells[last].execution_count is not None   # the notebook's own last cell ran, in the first run
