"""Grading one notebook in a process forked from the zygote: kernel-like outputs, the same scores
as the pytest graders, the notebook's own tests after the graders, and nothing shared between
students."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from nnlab.course import PROJECT_ROOT
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets
from nnlab.graders import engine
from nnlab.graders.carry import answers_in
from nnlab.graders.notebook import grade_notebook_node
from nnlab.graders.settings import Grading
from nnlab.notebook_format import code_cells
from nnlab.runner.launch import ZygoteLauncher
from nnlab.runner.sandbox import Limits, Sandbox
from nnlab.runner.student_process import StartError, StudentProcess

SCRATCH = "scratch"   # an assignment without hidden graders: its notebooks run, nothing is scored


@pytest.fixture(scope="module")
def grading(tmp_path_factory, fast_grading) -> Grading:
    return Grading(config=fast_grading, secret_path=str(tmp_path_factory.mktemp("secret") / "secret"))


@pytest.fixture(scope="module")
def launcher(grading):
    return grading.launcher()


def run(nb, grading: Grading, student: str = "s1", assignment: str = SCRATCH):
    """Grade `nb` and put its outputs into it, as SandboxedExecute does (earlier answers carried forward
    from the course's source notebook); the grade."""
    answers = None if assignment == SCRATCH else answers_in(submissions.course_notebook(assignment))
    return grade_notebook_node(nb, student, assignment, assignment, grading, answers=answers)


def pytest_entry(assignment: str, path, secret) -> dict:
    """The report of `pytest nnlab/graders/<assignment> --submission path` (the instructor's entry)."""
    report = path.with_suffix(".json")
    done = subprocess.run([sys.executable, "-m", "pytest", str(PROJECT_ROOT / "nnlab" / "graders" / assignment), "-q",
                           "-p", "no:cacheprovider", "-p", "no:xdist", "--submission", str(path), "--student", "s1",
                           "--secret", str(secret), "--grade-report", str(report)],
                          cwd=str(PROJECT_ROOT), capture_output=True, text=True, timeout=600)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(report.read_text())


def scores(report: dict) -> dict[str, float]:
    return {cell: result["score"] for cell, result in report["cells"].items()}


def notebook(*sources: str, test_cell: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    if test_cell is not None:
        cell = nbformat.v4.new_code_cell(test_cell)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "tests_of_mine", "points": 1,
                                     "locked": True, "schema_version": 3}
        nb.cells.append(cell)
    return nb


def released(assignment: str):
    return (nbformat.read(PROJECT_ROOT / "release" / assignment / f"{assignment}.ipynb", 4),
            nbformat.read(PROJECT_ROOT / "source" / assignment / f"{assignment}.ipynb", 4))


def test_cells_get_the_outputs_a_kernel_gives(grading):
    nb = notebook("print('hello')\n6 * 7",
                  "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))",
                  "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()",
                  "import warnings\nwarnings.warn('careful')\n1 / 0",
                  "x = 1")
    run(nb, grading)
    first, html, figure, error, quiet = (cell.outputs for cell in nb.cells)
    assert first[0].output_type == "stream" and first[0].text == "hello\n"
    assert first[1].output_type == "execute_result" and first[1].data["text/plain"] == "42"
    assert first[1].execution_count == nb.cells[0].execution_count == 1
    assert html[0].output_type == "display_data" and html[0].data["text/html"] == "<b>bold</b>"
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in figure)
    assert [o.output_type for o in error] == ["stream", "error"] and error[0].name == "stderr"
    assert error[1].ename == "ZeroDivisionError"
    assert quiet == [] and [c.execution_count for c in nb.cells] == [1, 2, 3, 4, 5]
    nbformat.validate(nb)


def test_a_flood_of_output_is_cut(grading):
    nb = notebook("for _ in range(100_000):\n    print('x' * 100)")
    run(nb, grading)
    text = nb.cells[0].outputs[0].text
    assert len(text) < 300_000 and text.endswith("(output truncated by the grader)\n")


@pytest.mark.parametrize("assignment", ["perceptron", "hinge_loss"])
def test_the_pytest_entry_reports_what_the_engine_gives(grading, tmp_path, assignment):
    """`pytest nnlab/graders/<a> --submission` is an adapter over the engine: the same scores."""
    release, source = released(assignment)
    wrong = mistake_sets(assignment)[0]
    for nb in (submissions.correct(release, source), submissions.with_mistakes(release, source, wrong.answers)):
        path = tmp_path / f"{assignment}.ipynb"
        nbformat.write(nb, path)
        expected = pytest_entry(assignment, path, grading.secret_path)
        grade = run(nb, grading, assignment=assignment)
        assert scores(grade.report) == scores(expected)
    assert any(score < result["points"] for score, result in
               zip(scores(grade.report).values(), grade.report["cells"].values())), "the mistakes cost points"


def test_test_cells_get_the_graders_feedback_and_run_only_after_them(grading):
    release, source = released("perceptron")
    nb = submissions.correct(release, source)
    graded_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
    extra = notebook(test_cell="print('my test ran')\nassert step(0) == 1").cells[0]
    nb.cells.append(extra)
    run(nb, grading, assignment="perceptron")
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for grade_id in graded_ids:
        assert by_id[grade_id].outputs[0].text.startswith("Hidden tests: ")
    assert by_id["tests_of_mine"].outputs[0].text == "my test ran\n"
    # every code cell ran, in the notebook's order: each test cell right after its hidden tests,
    # before the cells below it
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


def test_a_crash_costs_its_cell_and_later_cells_still_run(grading):
    nb = notebook("a = 1", "import os\nos._exit(3)", "print(a + 1)")
    run(nb, grading)
    assert nb.cells[1].outputs[-1].ename == "DeadKernelError"
    assert nb.cells[2].outputs[0].text == "2\n"


def test_a_student_process_that_never_starts_is_not_graded_as_zero(grading):
    """No student code ran: grading fails, naming why, instead of recording every test as failed."""
    release, source = released("perceptron")
    tests = engine.hidden_tests(grading.graders("perceptron", "perceptron"))
    process = StudentProcess([], sandbox=Sandbox(isolate=False), python="/nonexistent/python3")
    with pytest.raises(StartError, match="/nonexistent/python3"):
        engine.grade(code_cells(submissions.correct(release, source)), "ada", tests, process, b"k" * 32)


def test_the_project_and_the_instructors_home_are_hidden(grading):
    nb = notebook(f"open({str(PROJECT_ROOT / 'README.md')!r}).read()")
    run(nb, grading)
    assert nb.cells[0].outputs[0].ename == "FileNotFoundError"


def test_nothing_is_left_over_from_the_previous_student(launcher):
    first = StudentProcess([(0, "import os, subprocess, tempfile\n"
                                "open('/tmp/answers.txt', 'w').write('42')\n"
                                "os.environ['LEFT'] = 'over'\n"
                                "import builtins; builtins.LEFT = 1\n"
                                "subprocess.Popen(['sleep', '300'], start_new_session=True)")],
                           launcher=launcher, capture=True)
    first.start()
    first.close()
    second = StudentProcess([(0, "import os, builtins\n"
                                 "def seen():\n"
                                 "    sleepers = [p for p in os.listdir('/proc') if p.isdigit() and\n"
                                 "                'sleep' in open(f'/proc/{p}/cmdline').read()]\n"
                                 "    return [os.path.exists('/tmp/answers.txt'), 'LEFT' in os.environ,\n"
                                 "            hasattr(builtins, 'LEFT'), len(sleepers)]")],
                            launcher=launcher, capture=True)
    with second:
        second.start()
        assert second.call("seen") == [False, False, False, 0]


def test_a_student_who_kills_the_zygote_hurts_only_themself(launcher):
    with StudentProcess([(0, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")], launcher=launcher,
                        capture=True, notebook_timeout=60.0) as killer:
        killer.start()
    with StudentProcess([(0, "def f():\n    return 7")], launcher=launcher, capture=True) as next_student:
        next_student.start()
        assert next_student.call("f") == 7


def test_the_notebook_can_tell_it_is_being_autograded(grading):
    nb = notebook("import os\nos.environ.get('NBGRADER_EXECUTION')")
    run(nb, grading)
    assert nb.cells[0].outputs[0].data["text/plain"] == "'autograde'"


MEMORY_HOGS = {
    "until the limit stops it": "hog = []\nwhile True:\n    hog.append(b'x' * 2**20)",
    # over half the limit when its time is up: later calls would run out of memory just the same
    "until its timeout stops it": "import time\nhog = [b'x' * 2**20 for _ in range(1100)]\nwhile True:\n    time.sleep(0.05)",
}


@pytest.mark.parametrize("hog", MEMORY_HOGS.values(), ids=MEMORY_HOGS.keys())
def test_a_cell_that_hogs_memory_is_left_out_and_the_rest_runs(hog):
    zygote = ZygoteLauncher(Sandbox(Limits(memory_bytes=2 * 2**30)))
    cells = [(0, hog), (1, "def room():\n    return len(b'y' * (700 * 2**20))")]
    try:
        with StudentProcess(cells, launcher=zygote, capture=True, cell_timeout=3.0, notebook_timeout=120.0) as student:
            run = student.start()
            assert run.skipped_cells == [0]
            assert student.call("room") == 700 * 2**20, "the memory the cell took is free again"
    finally:
        zygote.stop()


def test_a_student_starts_warm_with_random_generators_of_their_own(grading):
    """The zygote took the first optimizer step (its imports) already; numpy and torch are seeded
    from the OS in every student's process, as in a new Python, not inherited from the zygote."""
    draw = ("import random, sys, numpy, torch\n"
            "print('torch._dynamo' in sys.modules, torch.initial_seed(), torch.rand(3).tolist(),"
            " numpy.random.rand(3).tolist(), random.random())")
    printed = []
    for student in ("s1", "s2"):
        nb = notebook(draw)
        run(nb, grading, student)
        printed.append(nb.cells[0].outputs[0].text.split(" ", 1))
    (warm1, draws1), (warm2, draws2) = printed
    assert warm1 == warm2 == "True", "the first optimizer step's imports are done in the zygote"
    assert draws1 != draws2
    for a, b in zip(draws1.split("["), draws2.split("[")):
        assert a != b, (draws1, draws2)


def test_a_grader_module_is_read_again_when_its_file_changes(tmp_path):
    module = tmp_path / "demo" / "test_demo.py"
    module.parent.mkdir()

    def write(hint: str, points: float) -> None:
        module.write_text(f'import pytest\n\n\n@pytest.mark.grade("cell_a", points={points})\n'
                          f'def test_one(student):\n    """{hint}"""\n')

    write("the first wording", 1.0)
    first = engine.hidden_tests(module)
    assert [(t.hint, t.points) for t in first] == [("the first wording", 1.0)]
    assert engine.hidden_tests(module) is first, "an unchanged module is not imported again"
    write("the fixed wording", 2.0)
    assert [(t.hint, t.points) for t in engine.hidden_tests(module)] == [("the fixed wording", 2.0)]
    module.unlink()
    assert engine.hidden_tests(module) == []


def test_the_pytest_entry_prints_each_failed_tests_hint(grading, tmp_path):
    """`pytest nnlab/graders/<a> --submission` says what the feedback page says of a failed test: its hint
    (the rule it checks) and the safe reason, not a bare "wrong result"."""
    graders = tmp_path / "graders"
    graders.mkdir()
    (graders / "test_demo.py").write_text(
        "import pytest\n\n\n"
        '@pytest.mark.grade("cell_a", points=1)\n'
        "def test_value(student):\n"
        '    """answer is 42, the rule the notebook states"""\n'
        '    assert student.get("answer") == 42\n\n\n'
        '@pytest.mark.grade("cell_a", points=1)\n'
        "def test_kept(student):\n"
        '    """the notebook keeps its answer"""\n'
        '    assert student.get("answer") is not None\n')
    path = tmp_path / "demo.ipynb"
    nbformat.write(notebook("answer = 41"), path)
    done = subprocess.run([sys.executable, "-m", "pytest", str(graders), "-p", "nnlab.graders.plugin", "-rf",
                           "-p", "no:cacheprovider", "-p", "no:xdist", "--rootdir", str(tmp_path),
                           "--submission", str(path), "--secret", str(grading.secret_path)],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "FAILED" in out and "answer is 42, the rule the notebook states  [wrong result]" in out, out
    summary = out[out.index("nnlab scores"):]
    assert "FAIL 1  test_value: answer is 42, the rule the notebook states  [wrong result]" in summary, summary
    assert "PASS 1  test_kept: the notebook keeps its answer" in summary, summary
