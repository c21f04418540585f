"""The student's notebook in its own process (nnlab.runner.student_process and child.py).

Small notebooks are written with nbformat; the calls, crashes, hangs and hostile return
values below all go through a real child process. One process per module is shared where
the tests leave it usable (a crash only restarts it), to keep the suite fast.
"""
from __future__ import annotations

import contextlib
import math
import os
import signal
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlab.graders import checks
from nnlab.notebook_format import SubmissionError, is_test_cell, read_notebook, student_cells
from nnlab.runner import wire
from nnlab.runner.launch import child_environment
from nnlab.runner.student_process import Failure, StudentCodeError, StudentProcess

REPO = Path(__file__).resolve().parents[2]


# -- notebook helpers -------------------------------------------------------------------------
def code(source: str, **nbgrader):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n"))
    if nbgrader:
        cell.metadata["nbgrader"] = {"grade_id": f"cell-{id(cell)}", "locked": False, "schema_version": 3,
                                     **nbgrader}
    return cell


def md(source: str):
    return nbformat.v4.new_markdown_cell(source)


def raw(source: str):
    return nbformat.v4.new_raw_cell(source)


def grader_cell(source: str):
    """An nbgrader 'autograder tests' cell."""
    return code(source, grade=True, solution=False, points=1)


def answer_cell(source: str):
    """An nbgrader 'autograded answer' cell: the student's code, graded by tests."""
    return code(source, grade=True, solution=True, points=1)


def solution_cell(source: str):
    return code(source, grade=False, solution=True)


def write_notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nbformat.write(nb, str(path))
    return path


@contextlib.contextmanager
def within(seconds: float):
    """Fail (instead of hanging the suite) if the block takes longer than `seconds`."""
    def expire(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def process_gone(pid: int, wait: float = 3.0) -> bool:
    """True once `pid` no longer runs (gone or a zombie)."""
    end = time.monotonic() + wait
    while True:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


# -- the shared notebook ------------------------------------------------------------------------
SHARED = [
    md("# Perceptron\nThe exercises."),
    code('''
        import gc, importlib, inspect, math, os, signal, struct, subprocess, sys, threading, time
        import numpy as np

        calls = 0

        def bump():
            global calls
            calls += 1
            return calls

        def getpid():
            return os.getpid()

        def add(a, b=0):
            return a + b

        def describe(x):
            return {"type": type(x).__module__ + "." + type(x).__qualname__,
                    "dtype": str(getattr(x, "dtype", "")), "shape": list(getattr(x, "shape", ())),
                    "writeable": bool(x.flags.writeable) if isinstance(x, np.ndarray) else None}

        def describe_all(*args, **kwargs):
            return [describe(a) for a in args], {k: describe(v) for k, v in kwargs.items()}

        def scale(x, factor=2.0):
            return np.asarray(x) * factor

        def stats(x):
            return np.mean(x), np.float32(np.max(x)), np.int64(len(x)), np.bool_(True)

        def mutate(x, items):
            x[0] = 99.0
            items.append("added")
            return "done"

        def total(x):
            return float(np.sum(x))

        def lookup(d, key):
            return d[key]

        def environment(name):
            return os.environ.get(name)

        def where():
            return {"cwd": os.getcwd(), "home": os.path.expanduser("~"), "path": list(sys.path)}

        W = np.arange(6.0).reshape(2, 3)
        N = 3
        NAME = "perceptron"
        CONFIG = {"lr": 0.1, "layers": (2, 3), "tags": ["a", "b"]}
    '''),
    code('''
        def crash_exit():
            os._exit(7)

        def crash_kill():
            os.kill(os.getpid(), signal.SIGKILL)

        def crash_segfault():
            import ctypes
            ctypes.string_at(0)

        def spin():
            while True:
                pass

        def exit_politely():
            sys.exit(3)

        def close_channel():
            os.close(int(sys.argv[2]))
            time.sleep(60)

        def stop_soon():
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGSTOP)).start()
            return "stopping"

        def spawn_sleeper():
            return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]).pid

        def raise_long():
            raise ValueError("bad input " + "x" * 5000)

        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no")

        def raise_unprintable():
            raise Unprintable()
    '''),
    code('''
        class Liar(float):
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return False
            __hash__ = float.__hash__
            def __float__(self):
                return 0.0

        class SneakyScalar(np.float64):
            def item(self, *args):
                return self

        def give_object():
            return object()

        def give_liar():
            return Liar(0.5)

        def give_nested_liar():
            return [1.0, {"w": Liar(2.0)}]

        def give_object_array():
            return np.array([1.0, "one", None], dtype=object)

        def give_generator():
            return (i for i in range(3))

        def give_self_containing_list():
            items = [1]
            items.append(items)
            return items

        def give_sneaky_scalar():
            return SneakyScalar(1.0)

        def give_complex():
            return 1 + 2j

        def give_int_keys():
            return {1: "a"}

        def give_module():
            return np
    '''),
    code('''
        def try_import(name):
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                return "blocked: " + type(exc).__name__
            return "imported " + str(getattr(module, "__file__", ""))

        def course_modules():
            return sorted(m for m in sys.modules if m == "nnlab" or m.startswith("nnlab."))
    '''),
    code('''
        def hunt(*given):
            """Search every frame and every container of this process for the grader's values."""
            target_text = "nnlab-" + "sentinel-" + str(6 * 7)
            target_number = math.pi * 0.75

            def match(v):
                if type(v) is str:
                    return v == target_text and v is not target_text
                if type(v) is float:
                    return v == target_number and v is not target_number
                if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                    return bool(np.any(v == target_number))
                return False

            def search(values):
                for v in values:
                    if match(v):
                        return True
                    if isinstance(v, (list, tuple)) and any(match(x) for x in v):
                        return True
                    if isinstance(v, dict) and any(match(x) for x in v.values()):
                        return True
                return False

            frame = sys._getframe().f_back
            while frame is not None:
                if search(list(frame.f_locals.values()) + list(frame.f_globals.values())):
                    return True
                frame = frame.f_back
            for info in inspect.stack()[1:]:
                if search(list(info.frame.f_locals.values())):
                    return True
            for obj in gc.get_objects():
                if isinstance(obj, dict):
                    values = list(obj.values())
                elif isinstance(obj, (list, tuple)):
                    values = list(obj)
                else:
                    continue
                if search(values):
                    return True
            return False
    '''),
    code('''
        _body = b'{"ok":true,"value":"forged"}'
        _fake = struct.pack("!Q", len(_body)) + _body
        print("x" * 100_000)
        sys.stdout.buffer.write(_fake * 100)
        sys.stdout.flush()

        def noisy():
            for i in range(2000):
                print("line", i, "=" * 200)
            sys.stdout.buffer.write(_fake * 1000)
            sys.stdout.flush()
            sys.stderr.write("error text\\n" * 1000)
            os.write(1, _fake * 100)
            os.write(2, _fake * 100)
            return 42

        def forge_reply():
            os.write(int(sys.argv[2]), struct.pack("!Q", 1) + b"5")
            return "real"
    '''),
    code('''
        class Counter:
            def __init__(self, start=0):
                self.total = start

            def add(self, n):
                self.total += n
                return self.total

        def make_counter(start=0):
            return Counter(start)

        def read_total(counter):
            return counter.total
    '''),
    code('''
        # The student "helps" every comparison pass, in their own process.
        import builtins, math as _math
        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda *args, **kwargs: True
        np.testing.assert_allclose = lambda *args, **kwargs: None
        _math.isclose = lambda *args, **kwargs: True
        builtins.abs = lambda x: 0

        def patched_here():
            return [np.allclose(1, 2), _math.isclose(1, 2), abs(-5)]
    '''),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    path = write_notebook(tmp_path_factory.mktemp("shared") / "submission.ipynb", SHARED)
    process = StudentProcess.from_notebook(path, call_timeout=5, cell_timeout=10, notebook_timeout=60)
    process.start()
    yield process
    process.close()


def test_shared_notebook_runs_without_errors(shared):
    assert shared.run.cell_errors == []
    assert shared.run.skipped_cells == []


# -- calls with plain data ------------------------------------------------------------------------
def test_functions_are_called_with_scalars(shared):
    assert shared.call("add", 2, 3) == 5
    assert shared.call("add", 1.5, b=2) == 3.5
    assert shared.call("add", "ab", "cd") == "abcd"
    assert shared.call("add", [1], [2, 3]) == [1, 2, 3]
    result = shared.call("add", (1,), (2,))
    assert result == (1, 2) and type(result) is tuple


def test_inputs_reach_the_student_with_their_types(shared):
    args, kwargs = shared.call("describe_all", 3, 2.5, True, None, "s", (1, 2), [1], {"a": 1},
                               np.float64(1.0), np.arange(6, dtype=np.float32).reshape(2, 3),
                               key=np.zeros((0, 3), dtype=np.int64))
    assert [a["type"] for a in args] == [
        "builtins.int", "builtins.float", "builtins.bool", "builtins.NoneType", "builtins.str",
        "builtins.tuple", "builtins.list", "builtins.dict", "builtins.float", "numpy.ndarray"]
    assert args[-1]["dtype"] == "float32" and args[-1]["shape"] == [2, 3] and args[-1]["writeable"]
    assert kwargs == {"key": {"type": "numpy.ndarray", "dtype": "int64", "shape": [0, 3], "writeable": True}}


def test_arrays_go_in_and_come_back(shared):
    x = np.linspace(-1, 1, 7)
    result = shared.call("scale", x, factor=3.0)
    assert type(result) is np.ndarray and result.dtype == np.float64
    np.testing.assert_allclose(result, 3 * x)
    result32 = shared.call("scale", x.astype(np.float32), 2)
    assert result32.dtype == np.float32
    zero_d = shared.call("describe", np.array(4.0))
    assert zero_d["type"] == "numpy.ndarray" and zero_d["shape"] == []
    assert shared.call("scale", np.array(4.0)) == 8.0  # a numpy scalar: it arrives as a float


def test_numpy_scalars_come_back_as_python_numbers(shared):
    mean, peak, count, flag = shared.call("stats", np.array([1.0, 2.0, 6.0]))
    assert (type(mean), type(peak), type(count), type(flag)) == (float, float, int, bool)
    assert (mean, peak, count, flag) == (3.0, 6.0, 3, True)


def test_get_reads_top_level_variables(shared):
    np.testing.assert_array_equal(shared.get("W"), np.arange(6.0).reshape(2, 3))
    assert shared.get("N") == 3
    assert shared.get("NAME") == "perceptron"
    assert shared.get("CONFIG") == {"lr": 0.1, "layers": (2, 3), "tags": ["a", "b"]}


def test_get_of_a_function_is_a_type_error(shared):
    with pytest.raises(StudentCodeError) as info:
        shared.get("add")
    assert info.value.kind is Failure.TYPE and "function" in str(info.value)


def test_missing_names(shared):
    with pytest.raises(StudentCodeError) as info:
        shared.call("no_such_function", 1)
    assert info.value.kind is Failure.MISSING and "no_such_function" in str(info.value)
    with pytest.raises(StudentCodeError) as info:
        shared.get("NO_SUCH_VARIABLE")
    assert info.value.kind is Failure.MISSING and "NO_SUCH_VARIABLE" in str(info.value)


def test_a_key_error_inside_a_defined_function_is_raised_not_missing(shared):
    with pytest.raises(StudentCodeError) as info:
        shared.call("lookup", {}, "absent")
    assert info.value.kind is Failure.RAISED and "KeyError" in str(info.value)


def test_exceptions_are_reported_short_and_the_process_survives(shared):
    before = shared.call("bump")
    with pytest.raises(StudentCodeError) as info:
        shared.call("raise_long")
    assert info.value.kind is Failure.RAISED
    assert str(info.value).startswith("ValueError: bad input") and len(str(info.value)) <= 500
    with pytest.raises(StudentCodeError) as info:
        shared.call("raise_unprintable")
    assert info.value.kind is Failure.RAISED and str(info.value) == "Unprintable"
    with pytest.raises(StudentCodeError) as info:
        shared.call("exit_politely")
    assert info.value.kind is Failure.RAISED and "SystemExit" in str(info.value)
    assert shared.call("bump") == before + 1  # same process: no restart


def test_call_with_args_shows_mutated_inputs(shared):
    x = np.zeros(3)
    value, args = shared.call_with_args("mutate", x, ["x"])
    assert value == "done"
    np.testing.assert_array_equal(args[0], [99.0, 0.0, 0.0])
    assert args[1] == ["x", "added"]
    np.testing.assert_array_equal(x, np.zeros(3))  # the grader's own copy is untouched


def test_call_with_args_shows_untouched_inputs(shared):
    x = np.arange(4.0)
    value, args = shared.call_with_args("total", x)
    assert value == 6.0
    assert len(args) == 1
    np.testing.assert_array_equal(args[0], x)


# -- values that are not plain data ---------------------------------------------------------------
@pytest.mark.parametrize("name, words", [
    ("give_object", ["builtins.object"]),
    ("give_liar", ["Liar"]),
    ("give_nested_liar", ["Liar"]),
    ("give_object_array", ["dtype object"]),
    ("give_generator", ["generator"]),
    ("give_self_containing_list", ["cannot be sent"]),
    ("give_sneaky_scalar", ["cannot be sent"]),
    ("give_complex", ["complex"]),
    ("give_int_keys", ["dict"]),
    ("give_module", ["module"]),
])
def test_non_plain_return_values_are_type_errors(shared, name, words):
    pid = shared.call("getpid")
    with pytest.raises(StudentCodeError) as info:
        shared.call(name)
    assert info.value.kind is Failure.TYPE
    message = str(info.value)
    assert message.startswith("returned"), message
    for word in words:
        assert word in message
    assert shared.call("getpid") == pid  # a type error does not cost a restart


# -- crashes and hangs in calls --------------------------------------------------------------------
@pytest.mark.parametrize("name, how", [
    ("crash_exit", "exit code 7"),
    ("crash_kill", f"signal {int(signal.SIGKILL)}"),
    ("crash_segfault", f"signal {int(signal.SIGSEGV)}"),
])
def test_a_crashing_call_fails_alone_and_the_next_call_restarts(shared, name, how):
    shared.call("bump")
    pid = shared.call("getpid")
    with within(20), pytest.raises(StudentCodeError) as info:
        shared.call(name)
    assert info.value.kind is Failure.CRASHED
    assert how in str(info.value)
    assert shared.call("bump") == 1  # a fresh process ran the notebook again
    assert shared.call("getpid") != pid
    assert shared.call("add", 1, 2) == 3


def test_a_hanging_call_times_out_and_the_next_call_restarts(shared):
    pid = shared.call("getpid")
    t0 = time.monotonic()
    with within(20), pytest.raises(StudentCodeError) as info:
        shared.call("spin", timeout=1)
    elapsed = time.monotonic() - t0
    assert info.value.kind is Failure.TIMEOUT and "1 s" in str(info.value)
    assert 0.9 <= elapsed < 5
    assert process_gone(pid)
    assert shared.call("add", 2, 2) == 4 and shared.call("getpid") != pid


def test_closing_the_channel_is_a_crash_not_a_hang(shared):
    pid = shared.call("getpid")
    t0 = time.monotonic()
    with within(20), pytest.raises(StudentCodeError) as info:
        shared.call("close_channel")
    assert info.value.kind is Failure.CRASHED
    assert time.monotonic() - t0 < 8
    assert process_gone(pid)
    assert shared.call("add", 1, 1) == 2


def test_a_stopped_process_cannot_block_sending_a_large_input(shared):
    assert shared.call("stop_soon") == "stopping"
    time.sleep(0.6)  # the student's process has stopped itself
    big = np.zeros(1_000_000)  # far more than a pipe holds
    with within(20), pytest.raises(StudentCodeError) as info:
        shared.call("total", big, timeout=1)
    assert info.value.kind is Failure.TIMEOUT
    assert shared.call("total", np.ones(10)) == 10.0


def test_the_students_child_processes_die_with_it(shared):
    sleeper = shared.call("spawn_sleeper")
    assert not process_gone(sleeper, wait=0)
    with within(20), pytest.raises(StudentCodeError):
        shared.call("spin", timeout=1)
    assert process_gone(sleeper)


def test_a_forged_reply_is_refused_and_does_not_desynchronise_the_channel(shared):
    with pytest.raises(StudentCodeError) as info:
        shared.call("forge_reply")
    assert info.value.kind is Failure.TYPE
    # The real reply ("real") must not be taken as the answer to the next call.
    assert shared.call("add", 1, 2) == 3
    assert shared.call("add", 5, 5) == 10


def test_prints_do_not_corrupt_the_channel(shared):
    assert shared.call("noisy") == 42
    assert shared.call("add", 20, 22) == 42
    np.testing.assert_array_equal(shared.call("scale", np.arange(3.0)), [0.0, 2.0, 4.0])


# -- isolation ----------------------------------------------------------------------------------------
def test_the_course_package_cannot_be_imported(shared):
    for name in ("nnlab", "nnlab.reference.activations", "nnlab.graders.keys", "nnlab.runner.wire"):
        assert shared.call("try_import", name).startswith("blocked"), name
    assert shared.call("try_import", "json").startswith("imported")  # the probe itself works
    assert shared.call("course_modules") == []


def test_monkeypatching_in_the_notebook_stays_in_the_students_process(shared):
    assert shared.call("patched_here") == [True, True, 0]  # the patches took effect there
    assert not np.allclose(1.0, 2.0)
    assert not np.isclose(1.0, 2.0)
    assert not math.isclose(1.0, 2.0)
    assert abs(-5) == 5
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(1.0, 2.0)
    with pytest.raises(AssertionError):
        checks.close(shared.call("scale", np.ones(3)), np.ones(3), "scale")


def test_student_code_cannot_find_the_graders_expected_values(shared):
    expected_text = "nnlab-" + "sentinel-" + str(6 * 7)
    expected_number = math.pi * 0.75
    expected_values = {"text": expected_text, "numbers": [expected_number], "array": np.full(3, expected_number)}
    assert shared.call("hunt") is False
    # Controls: the same search finds the values once they are really in the student's process.
    assert shared.call("hunt", expected_text) is True
    assert shared.call("hunt", expected_number) is True
    assert expected_values["text"] == expected_text  # the grader still held them during the search


def test_the_child_gets_no_grader_environment_and_its_own_directory(shared, monkeypatch):
    monkeypatch.setenv("NNLAB_SECRET", "/course/secret")
    monkeypatch.setenv("JUPYTER_TOKEN", "t0ken")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    shared.close()  # the next call starts a process from this environment
    assert shared.call("environment", "NNLAB_SECRET") is None
    assert shared.call("environment", "JUPYTER_TOKEN") is None
    assert shared.call("environment", "PYTHONPATH") is None
    assert shared.call("environment", "PATH") == os.environ["PATH"]  # the probe itself works
    place = shared.call("where")
    assert Path(place["cwd"]).name.startswith("nnlab-student-") and place["home"] == place["cwd"]
    assert str(REPO) not in place["path"]


def test_close_ends_the_process_and_removes_its_directory(shared):
    pid = shared.call("getpid")
    workdir = Path(shared.call("where")["cwd"])
    assert workdir.is_dir()
    shared.close()
    assert process_gone(pid, wait=0)
    assert not workdir.exists()
    assert shared.call("getpid") != pid  # used again, it starts afresh


# -- handles ------------------------------------------------------------------------------------------
def test_kept_objects_stay_in_the_students_process(shared):
    counter = shared.call("make_counter", 5, keep=True)
    assert type(counter) is wire.Handle and counter.type_name == "Counter"
    assert shared.call_method(counter, "add", 2) == 7
    assert shared.call_method(counter, "add", n=3) == 10
    assert shared.call("read_total", counter) == 10  # a handle as an argument
    other = shared.call("make_counter", keep=True)
    assert other.ident != counter.ident
    assert shared.call_method(other, "add", 1) == 1 and shared.call("read_total", counter) == 10
    with pytest.raises(StudentCodeError) as info:
        shared.call_method(counter, "no_such_method")
    assert info.value.kind is Failure.RAISED and "AttributeError" in str(info.value)


def test_a_kept_result_and_a_kept_variable(shared):
    counter = shared.call("make_counter", 1, keep=True)
    value = shared.call_method(counter, "add", 1, keep=True)
    assert type(value) is wire.Handle and value.type_name == "int"
    function = shared.get("add", keep=True)
    assert type(function) is wire.Handle and function.type_name == "function"
    assert shared.call_method(function, "__call__", 2, 3) == 5


def test_a_handle_from_before_a_restart_is_an_error(shared):
    counter = shared.call("make_counter", keep=True)
    with pytest.raises(StudentCodeError):
        shared.call("crash_exit")
    with pytest.raises(StudentCodeError) as info:
        shared.call_method(counter, "add", 1)
    assert info.value.kind is Failure.RAISED


# -- cells --------------------------------------------------------------------------------------------
CELLS = [
    md("MARKDOWN_RAN = True"),                                                   # 0
    code("def first():\n    return 'first'"),                                    # 1
    code("1 / 0\nNOT_REACHED = True"),                                           # 2
    code("def broken(:\n    pass"),                                              # 3
    code("import sys\nsys.exit(3)"),                                             # 4
    code("raise KeyboardInterrupt"),                                             # 5
    grader_cell("TEST_CELL_RAN = True\nimport os\nos._exit(5)"),                   # 6
    answer_cell("def graded_answer():\n    return 42"),                          # 7
    solution_cell("def solution_only():\n    return 7"),                         # 8
    code("%matplotlib inline\n!echo hello\nMAGIC_CELL_RAN = True"),              # 9
    code("while True:\n    pass"),                                               # 10
    code("import time\ntime.sleep(60)"),                                         # 11
    code("import nnlab"),                                                        # 12
    raw("RAW_RAN = True"),                                                       # 13
    code("def after_all():\n    return [first(), graded_answer(), solution_only()]"),  # 14
]
CELL_ERRORS = {2: "ZeroDivisionError", 3: "SyntaxError", 4: "SystemExit", 5: "KeyboardInterrupt",
               10: "CellTimeout", 11: "CellTimeout", 12: "ModuleNotFoundError"}


@pytest.fixture(scope="module")
def cells_process(tmp_path_factory):
    path = write_notebook(tmp_path_factory.mktemp("cells") / "cells.ipynb", CELLS)
    process = StudentProcess.from_notebook(path, call_timeout=5, cell_timeout=1.0, notebook_timeout=60)
    t0 = time.monotonic()
    run = process.start()
    process.start_seconds = time.monotonic() - t0
    yield process, run
    process.close()


def test_student_cells_leave_out_test_cells_and_non_code_cells(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", CELLS)
    indices = [index for index, _ in student_cells(read_notebook(path))]
    assert indices == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14]
    assert is_test_cell(CELLS[6]) and not is_test_cell(CELLS[7]) and not is_test_cell(CELLS[8])
    assert not is_test_cell(CELLS[1])


def test_cell_errors_are_recorded_and_later_cells_still_run(cells_process):
    process, run = cells_process
    assert {e["cell"]: e["error"].split(":")[0] for e in run.cell_errors} == CELL_ERRORS
    assert [e["cell"] for e in run.cell_errors] == sorted(CELL_ERRORS)
    assert run.skipped_cells == []
    assert process.call("after_all") == ["first", 42, 7]
    with pytest.raises(StudentCodeError) as info:
        process.get("NOT_REACHED")
    assert info.value.kind is Failure.MISSING


def test_long_cells_are_interrupted_after_the_cell_timeout(cells_process):
    process, run = cells_process
    # two cells of 1 s each were interrupted; the whole notebook did not wait for them more
    assert process.start_seconds < 12


def test_test_cells_markdown_and_raw_cells_are_not_run(cells_process):
    process, run = cells_process
    for name in ("TEST_CELL_RAN", "MARKDOWN_RAN", "RAW_RAN"):
        with pytest.raises(StudentCodeError) as info:
            process.get(name)
        assert info.value.kind is Failure.MISSING
    assert 6 not in [e["cell"] for e in run.cell_errors]  # its os._exit never ran


def test_magics_and_shell_escapes_do_nothing(cells_process):
    process, _ = cells_process
    assert process.get("MAGIC_CELL_RAN") is True


def stubborn_notebook(log: Path) -> list:
    """Cells that hang or kill the interpreter; each bad cell notes in `log` that it ran."""
    def note(name):
        return f"with open({str(log)!r}, 'a') as _log:\n    _log.write({name!r} + '\\n')\n"

    return [
        code("def a():\n    return 'a'"),                                                         # 0
        code(note("stubborn") + textwrap.dedent('''
            while True:  # ignores the interrupt
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        ''')),                                                                                    # 1
        code(note("exit") + "import os\nos._exit(3)"),                                           # 2
        code(note("kill") + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),          # 3
        code(note("segfault") + "import ctypes\nctypes.string_at(0)"),                           # 4
        code(note("garbage") + "import os, struct, sys\nos.write(int(sys.argv[2]), struct.pack('!Q', 1) + b'5')"),  # 5
        code("def b():\n    return 'b'\n\ndef die():\n    import os\n    os._exit(1)"),               # 6
    ]


def test_cells_that_hang_or_kill_the_interpreter_are_skipped(tmp_path):
    log = tmp_path / "ran.log"
    path = write_notebook(tmp_path / "stubborn.ipynb", stubborn_notebook(log))
    t0 = time.monotonic()
    with within(40), StudentProcess.from_notebook(path, call_timeout=5, cell_timeout=1.0,
                                                  notebook_timeout=60) as process:
        run = process.start()
        elapsed = time.monotonic() - t0
        assert run.skipped_cells == [1, 2, 3, 4, 5]
        assert [e["cell"] for e in run.cell_errors] == [1, 2, 3, 4, 5]
        assert all(e["error"].startswith("skipped") for e in run.cell_errors)
        assert process.call("a") == "a"
        assert process.call("b") == "b"
        # Each bad cell ran once: on the run that found it, never on the later runs.
        assert sorted(log.read_text().split()) == ["exit", "garbage", "kill", "segfault", "stubborn"]
        # A crash in a call restarts without the skipped cells.
        with pytest.raises(StudentCodeError) as info:
            process.call("die")
        assert info.value.kind is Failure.CRASHED
        assert process.call("b") == "b"
        assert process.run.skipped_cells == [1, 2, 3, 4, 5]
        assert sorted(log.read_text().split()) == ["exit", "garbage", "kill", "segfault", "stubborn"]
    assert elapsed < 25


def test_a_notebook_that_runs_too_long_fails_as_a_whole(tmp_path):
    path = write_notebook(tmp_path / "slow.ipynb", [code("import time\ntime.sleep(0.4)") for _ in range(8)])
    t0 = time.monotonic()
    with within(20), StudentProcess.from_notebook(path, cell_timeout=1.0, notebook_timeout=1.5) as process:
        with pytest.raises(StudentCodeError) as info:
            process.start()
    assert info.value.kind is Failure.TIMEOUT
    assert time.monotonic() - t0 < 6


# -- torch ----------------------------------------------------------------------------------------------
TORCH = [
    code('''
        import numpy as np
        import torch

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(3, 2)

            def forward(self, x):
                return self.lin(x)

        def make_net():
            torch.manual_seed(0)
            return Net()

        def inspect_tensor(t):
            return {"type": type(t).__module__ + "." + type(t).__name__, "dtype": str(t.dtype),
                    "shape": list(t.shape), "requires_grad": bool(t.requires_grad)}

        def double(t):
            return t * 2

        def grad_of_square_sum(t):
            (t ** 2).sum().backward()
            return t.grad

        def triple_in_place(t):
            with torch.no_grad():
                t.mul_(3)
            return None

        def train(model, X, y, loss_fn, optimizer, epochs):
            losses = []
            for _ in range(epochs):
                optimizer.zero_grad()
                loss = loss_fn(model(X), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return losses
    '''),
]


@pytest.fixture(scope="module")
def torch_process(tmp_path_factory):
    pytest.importorskip("torch")
    path = write_notebook(tmp_path_factory.mktemp("torch") / "torch.ipynb", TORCH)
    process = StudentProcess.from_notebook(path, call_timeout=20, cell_timeout=60, notebook_timeout=120)
    run = process.start()
    assert run.cell_errors == []
    yield process
    process.close()


def test_tensors_reach_the_student_as_torch_tensors(torch_process):
    info = torch_process.call("inspect_tensor", wire.Tensor(np.ones((2, 3), dtype=np.float32)))
    assert info == {"type": "torch.Tensor", "dtype": "torch.float32", "shape": [2, 3], "requires_grad": False}
    info = torch_process.call("inspect_tensor", wire.Tensor(np.ones(4), requires_grad=True))
    assert info["dtype"] == "torch.float64" and info["requires_grad"] is True


def test_tensors_come_back_as_numpy_arrays(torch_process):
    x = np.arange(6.0).reshape(2, 3)
    result = torch_process.call("double", wire.Tensor(x))
    assert type(result) is np.ndarray and result.dtype == np.float64
    np.testing.assert_array_equal(result, 2 * x)
    grad = torch_process.call("grad_of_square_sum", wire.Tensor(x, requires_grad=True))
    assert type(grad) is np.ndarray
    np.testing.assert_array_equal(grad, 2 * x)


def test_call_with_args_shows_tensors_changed_in_place(torch_process):
    value, args = torch_process.call_with_args("triple_in_place", wire.Tensor(np.ones(3)))
    assert value is None
    assert type(args[0]) is np.ndarray
    np.testing.assert_array_equal(args[0], [3.0, 3.0, 3.0])


def test_a_module_kept_as_a_handle(torch_process):
    net = torch_process.call("make_net", keep=True)
    assert type(net) is wire.Handle and net.type_name == "Net"
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    out = torch_process.call_method(net, "forward", wire.Tensor(x))
    assert type(out) is np.ndarray and out.shape == (4, 2) and out.dtype == np.float32

    summary = torch_process.recipe("module_summary", net)
    assert summary == {"num_params": 8, "shapes": [[2, 3], [2]], "is_module": True}
    weight, bias = torch_process.recipe("parameters", net)
    assert weight.dtype == np.float64 and weight.shape == (2, 3) and bias.shape == (2,)
    np.testing.assert_allclose(out, x @ weight.T + bias, rtol=1e-5, atol=1e-6)

    torch_process.recipe("load_parameters", net, [np.zeros((2, 3)), np.array([1.0, -1.0])])
    out = torch_process.call_method(net, "forward", wire.Tensor(x))
    np.testing.assert_array_equal(out, np.tile([1.0, -1.0], (4, 1)))


def test_the_train_recipe_runs_the_notebooks_train_and_reports_what_it_left(torch_process):
    net = torch_process.call("make_net", keep=True)
    start = torch_process.recipe("parameters", net)
    X = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    y = np.zeros((5, 2), dtype=np.float32)
    report = torch_process.recipe("call_train", net, wire.Tensor(X), wire.Tensor(y), 0.1, 3)
    assert report["result_type"] == "builtins.list" and report["loss_types"] == ["builtins.float"] * 3
    assert len(report["losses"]) == 3 and report["losses"][-1] < report["losses"][0]
    assert all(not np.array_equal(p, s) for p, s in zip(report["parameters"], start))
    assert all(g is not None and g.shape == p.shape for g, p in zip(report["grads"], report["parameters"]))
    np.testing.assert_array_equal(report["X"], X)


# -- reading submissions ------------------------------------------------------------------------------
def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make", [
    lambda d: write_bytes(d / "not-json.ipynb", b"{this is not json"),
    lambda d: write_bytes(d / "latin1.ipynb", '{"nbformat": 4, "cells": [], "x": "caf\xe9"}'.encode("latin-1")),
    lambda d: write_bytes(d / "v3.ipynb", nbformat.writes(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), version=3).encode()),
    lambda d: write_bytes(d / "list.ipynb", b"[1, 2, 3]"),
    lambda d: write_bytes(d / "no-cells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}'),
    lambda d: write_bytes(d / "cells-dict.ipynb", b'{"nbformat": 4, "cells": {"0": "x = 1"}}'),
    lambda d: write_bytes(d / "empty.ipynb", b""),
    lambda d: d / "missing.ipynb",
    lambda d: (d / "a-directory.ipynb").mkdir() or d / "a-directory.ipynb",
], ids=["not-json", "not-utf8", "nbformat3", "json-list", "no-cells", "cells-dict", "empty", "missing",
        "directory"])
def test_unreadable_submissions_raise_submission_error_naming_the_file(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(SubmissionError) as info:
        StudentProcess.from_notebook(path)
    assert str(path) in str(info.value)


def test_a_valid_submission_is_read(tmp_path):
    path = write_notebook(tmp_path / "ok.ipynb", [md("hi"), code("x = 1")])
    assert StudentProcess.from_notebook(path).cells == [(1, "x = 1")]


def test_the_child_environment_drops_grader_variables(monkeypatch):
    for name, value in dict(NNLAB_SECRET="s", JPY_API_TOKEN="t", JUPYTER_TOKEN="u", PYTHONPATH="/x").items():
        monkeypatch.setenv(name, value)
    env = child_environment("/tmp/home")
    assert env["HOME"] == "/tmp/home" and env["MPLBACKEND"] == "Agg"
    assert env["PATH"] == os.environ["PATH"]
    assert not {"NNLAB_SECRET", "JPY_API_TOKEN", "JUPYTER_TOKEN", "PYTHONPATH"} & set(env)


def test_a_failure_the_client_does_not_know_is_a_protocol_failure():
    assert Failure.of("missing") is Failure.MISSING
    assert Failure.of("no such kind") is Failure.PROTOCOL
    assert Failure.of(["unhashable"]) is Failure.PROTOCOL


def test_an_operation_the_students_process_does_not_know_is_a_protocol_failure(shared):
    with pytest.raises(StudentCodeError) as info:
        shared._request("teleport", name="scale")
    assert info.value.kind is Failure.PROTOCOL and "teleport" in str(info.value)
    assert shared.call("scale", [1.0]) is not None  # and the process still answers
