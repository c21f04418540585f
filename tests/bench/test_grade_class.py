"""The pure parts of bench/grade_class.py: the class mix and the score comparison (no grading)."""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter

import nbformat
import pytest

from nnlab.course import PROJECT_ROOT

ASSIGNMENTS = ["perceptron", "activations", "hinge_loss", "backprop", "pytorch"]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("grade_class", PROJECT_ROOT / "bench" / "grade_class.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_same_seed_same_class_other_seed_other_class(bench):
    assert bench.plan_class(40, ASSIGNMENTS, seed=3) == bench.plan_class(40, ASSIGNMENTS, seed=3)
    assert bench.plan_class(40, ASSIGNMENTS, seed=3) != bench.plan_class(40, ASSIGNMENTS, seed=4)


def test_the_class_has_the_stated_mix(bench):
    plan = bench.plan_class(40, ASSIGNMENTS, seed=0)
    assert len({p.key for p in plan}) == 200
    assert Counter(p.kind for p in plan) == {"correct": 120, "partial": 40, "untouched": 20,
                                             "broken": 10, "looping": 10}


@pytest.mark.parametrize("students", [1, 3])
def test_a_small_class_still_has_one_broken_and_one_looping(bench, students):
    kinds = Counter(p.kind for p in bench.plan_class(students, ["perceptron", "hinge_loss"], seed=0))
    assert kinds["broken"] >= 1 and kinds["looping"] >= 1
    assert sum(kinds.values()) == students * 2


def test_broken_and_looping_are_not_honest(bench):
    plan = bench.plan_class(40, ASSIGNMENTS, seed=0)
    assert all(p.honest == (p.kind not in ("broken", "looping")) for p in plan)


def test_hand_ins_are_what_their_kind_says(bench):
    a = "perceptron"
    release = nbformat.read(PROJECT_ROOT / "release" / a / f"{a}.ipynb", as_version=4)
    source = nbformat.read(PROJECT_ROOT / "source" / a / f"{a}.ipynb", as_version=4)
    made = {kind: [bench.hand_in(bench.Planned("s01", a, kind, v), release, source) for v in range(4)]
            for kind in bench.SHARES}
    assert all(b"while True:" in data for data in made["looping"])
    for data in made["broken"]:
        with pytest.raises(Exception):  # noqa: B017  (any reason nbformat refuses it will do)
            nbformat.validate(nbformat.reads(data.decode(), as_version=4))
    assert made["untouched"][0] == bench.submissions.to_bytes(release)
    assert len(set(made["partial"])) > 1 and made["correct"][0] not in made["partial"]
    for kind in ("correct", "partial", "untouched", "looping"):
        nbformat.validate(nbformat.reads(made[kind][0].decode(), as_version=4))


def test_identical_scores_give_no_difference(bench):
    scores = {("s01", "perceptron"): {"test_step": 1.0, "test_xor": 2.0},
              ("s02", "perceptron"): {"test_step": 0.0}}
    close = {("s01", "perceptron"): {"test_step": 1.0 + 1e-9, "test_xor": 2.0},
             ("s02", "perceptron"): {"test_step": 0.0}}
    assert bench.compare_scores(scores, close, list(scores)) == []


def test_differing_scores_and_missing_submissions_are_listed(bench):
    D = bench.Difference
    stock = {("s01", "perceptron"): {"test_step": 1.0, "test_xor": 2.0}, ("s02", "perceptron"): {"test_step": 1.0}}
    nnlab = {("s01", "perceptron"): {"test_step": 0.25, "test_xor": 2.0}, ("s03", "perceptron"): {"test_step": 1.0}}
    keys = [("s01", "perceptron"), ("s02", "perceptron"), ("s03", "perceptron"), ("s04", "perceptron")]
    assert bench.compare_scores(stock, nnlab, keys) == [
        D("s01", "perceptron", "test_step", 1.0, 0.25),
        D("s02", "perceptron", "(submission total)", 1.0, None),
        D("s03", "perceptron", "(submission total)", None, 1.0),
        D("s04", "perceptron", "(submission)", None, None),
    ]
    # only the submissions named (the honest ones) are compared
    assert bench.compare_scores(stock, nnlab, keys[2:3]) == [
        D("s03", "perceptron", "(submission total)", None, 1.0)]


def test_overhead_from_the_run_record(bench):
    notebook = {"assignment": "a", "notebook": "a", "status": "graded"}
    record = {"workers": 2, "wall_seconds": 10.0, "notebooks": [
        {**notebook, "student": "s01", "seconds": 6.0, "student_seconds": 4.0},
        {**notebook, "student": "s02", "seconds": 5.0, "student_seconds": 4.0},
    ]}
    assert bench.overhead(record) == pytest.approx(((10.0 - 8.0 / 2) / 2, 1.5))


def test_student_code_and_the_speed_up_it_leaves(bench, tmp_path):
    notebook = {"assignment": "a", "notebook": "a", "status": "graded"}
    record = {"workers": 2, "wall_seconds": 10.0, "notebooks": [
        {**notebook, "student": "s01", "seconds": 6.0, "student_seconds": 4.0, "cell_seconds": 3.0},
        {**notebook, "student": "s02", "seconds": 5.0, "student_seconds": 4.0, "cell_seconds": 1.0},
    ]}
    assert bench.student_code(record) == pytest.approx((8.0, 4.0, 4.0))
    runs = tmp_path / ".nnlab" / "grade-runs"
    runs.mkdir(parents=True)
    (runs / "last.json").write_text(json.dumps(record))
    line = bench.student_code_line(tmp_path, 40.0)
    assert line.startswith("8 s in all (4 s the notebooks' own cells, 4 s the graders' calls); at least 4 s on 2 workers")
    assert "speed-up at most 10.0x (20.0x if the graders' calls were free)" in line
    assert bench.student_code_line(tmp_path / "elsewhere", 40.0).startswith("n/a (cannot read the run record")


def test_the_projection_spreads_the_cost_over_the_cores_down_to_the_instructors_serial_part(bench):
    # 2 core-seconds a notebook, 0.05 s a notebook on the instructor's side: 5000 notebooks
    assert bench.projected_seconds(2.0, 0.05, cores=8) == (pytest.approx(1250.0), False)
    assert bench.projected_seconds(2.0, 0.05, cores=32) == (pytest.approx(312.5), False)   # 5000 x 0.05 = 250 < 312.5
    assert bench.projected_seconds(2.0, 0.05, cores=128) == (pytest.approx(250.0), True)
    assert bench.projected_seconds(2.0, 0.0, cores=128, notebooks=640) == (pytest.approx(10.0), False)


def test_the_scaling_table_from_the_two_runs(bench, tmp_path):
    record = {"workers": 1, "wall_seconds": 90.0, "writer_seconds": 5.0, "notebooks": []}
    runs = tmp_path / ".nnlab" / "grade-runs"
    runs.mkdir(parents=True)
    (runs / "last.json").write_text(json.dumps(record))
    local, dask = bench.PathResult("nnlab grade", tmp_path / "local"), bench.PathResult("nnlab on Dask", tmp_path)
    local.runs["all"] = bench.Timed([], 80.0, 0, 0, "")
    dask.runs["all"] = bench.Timed([], 100.0, 0, 0, "")
    lines = bench.scaling_lines(local, dask, notebooks=100, dask_workers=2)
    assert lines[0].startswith("dask overhead    +0.20 s per notebook beyond the local path")
    assert "0.500 notebooks/s per worker core (2.00 core-s a notebook" in lines[1]
    assert "records 20.0 notebooks/s (0.050 CPU-s a notebook, serial)" in lines[1]
    assert lines[3].split() == ["8", "20.8", "min"]
    assert lines[4].split() == ["32", "5.2", "min"]
    assert lines[5].split()[:3] == ["64", "4.2", "min"] and "the instructor's side is the floor" in lines[5]
    assert lines[6].split()[:3] == ["128", "4.2", "min"] and "the instructor's side is the floor" in lines[6]
