"""The hostile corpus: submissions that crash, hang, flood, probe the sandbox, cheat or tamper
with their notebook, each with the outcome the instructor must see after `nnlab grade`.

A `Case` writes one student's submission folder `submitted/<student>/<assignment>/` (the
notebook and anything else) and states its `Expect`ation: scores from the gradebook, the
verdict line `nnlab grade` prints for the student, whether an autograded notebook exists, and
extra facts (nothing leaked, nothing written outside, ...). A `Check` is a case of a second kind:
a function that runs on its own folder and returns None when the outcome is as expected, or
the reason it is not (the Moodle import with unsafe names).

Conventions of the probes:
- a probe that succeeds prints a line with the marker `LEAK` + `ED<<` (spelt in two parts in
  the student's code, so the marker itself appears only when the code ran and succeeded);
- for every case, a solution marker of the source notebook, the marker above and the course
  secret must be absent from its autograded notebook and feedback pages (`run.leaks`; the
  feedback must not hold hidden tests either);
- the hidden graders never see leaked answers: a probe that would define an answer from a
  leak defines one that raises instead when nothing leaked, so a leak would also show in the
  score.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Union

import nbformat

from nnlab.course import PROJECT_ROOT, Course
from nnlab.demo import cheats as demo_cheats
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets
from nnlab.hostile import reach

# -- the layout of the corpus's work folder ----------------------------------------------------
# <workdir>/course                the course (copy_course), graded through `nnlab grade`
# <workdir>/secret/<file>         the course secret used for the run (NNLAB_SECRET)
# <workdir>/outside/              files outside the course (hard links' other names, write probes,
#                                 reach probes' targets: outside/reach/<student>/)
# <workdir>/checks/<name>/        the folder of each Check
SECRET_FILE = Path("secret") / "nnlab-course-secret"
OUTSIDE = "outside"
LEAK_MARKER = "LEAK" + "ED<<"
SOLUTION_MARKER = "### BEGIN " + "SOLUTION"
HIDDEN_TESTS_MARKER = "BEGIN HIDDEN " + "TESTS"


@dataclass(frozen=True)
class Where:
    """Where a submission folder sits: submitted/<student>/<assignment>/ of <workdir>/course."""
    folder: Path

    @property
    def assignment(self) -> str:
        return self.folder.name

    @property
    def student(self) -> str:
        return self.folder.parent.name

    @property
    def course(self) -> Path:
        return self.folder.parents[2]

    @property
    def workdir(self) -> Path:
        return self.course.parent

    @property
    def secret(self) -> Path:
        return self.workdir / SECRET_FILE

    @property
    def outside(self) -> Path:
        return self.workdir / OUTSIDE


# -- what a case expects -------------------------------------------------------------------------

@dataclass
class Outcome:
    """What grading left for one case: what its expectation is checked against."""
    case: "Case"
    course: Path
    workdir: Path
    total: float | None               # the submission's score in the gradebook (None: no submission)
    cells: dict[str, float]           # {test cell grade_id: score} in the gradebook
    lines: list[str]                  # lines of `nnlab grade`'s output that name the student
    secret: str = ""                  # the course secret of the run

    @property
    def autograded_dir(self) -> Path:
        return Course.open(self.course).autograded(self.case.student, self.case.assignment)

    @property
    def graded_notebook(self) -> Path:
        return self.autograded_dir / f"{self.case.assignment}.ipynb"

    @property
    def feedback_dir(self) -> Path:
        return Course.open(self.course).feedback(self.case.student, self.case.assignment)


ExtraCheck = Callable[[Outcome], list[str]]


@dataclass(frozen=True)
class Expect:
    """The outcome the instructor must see.

    graded: an autograded notebook must exist (False: not checked).
    min_score / max_score: bounds on the submission's total in the gradebook.
    cells: {test cell grade_id: exact score in the gradebook}.
    verdict: a substring of a line of `nnlab grade`'s output naming the student (None: not checked).
    checks: further facts, each returning the list of what does not hold.
    """
    graded: bool = True
    min_score: float | None = None
    max_score: float | None = None
    cells: Mapping[str, float] = field(default_factory=dict)
    verdict: str | None = None
    checks: tuple[ExtraCheck, ...] = ()


Build = Callable[[Path, object, object], None]


@dataclass(frozen=True)
class Case:
    name: str
    assignment: str
    student: str
    build: Build          # (submission folder, release notebook, source notebook) -> writes the folder
    expect: Expect
    about: str
    control: bool = False  # a right submission: left ungraded, it shows the batch stopped


@dataclass(frozen=True)
class Check:
    """A case of a second kind: `run(folder)` returns None when as expected, else the reason."""
    name: str
    run: Callable[[Path], Union[str, None]]
    about: str


# -- points of the assignments -----------------------------------------------------------------

@lru_cache(maxsize=None)
def test_points(assignment: str) -> dict[str, float]:
    """{test cell grade_id: points} of an assignment's source notebook, in notebook order."""
    return submissions.autograded_points(submissions.course_notebook(assignment))


test_points.__test__ = False  # not a test for pytest


def full_before(assignment: str, answer: str) -> dict[str, float]:
    """Full points of every test cell that comes before the answer cell `answer`."""
    nb = submissions.course_notebook(assignment)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    before = set(ids[:ids.index(answer)])
    return {cell: points for cell, points in test_points(assignment).items() if cell in before}


P = "perceptron"
FULL = test_points(P)                        # step 1, output 2, update 2, train 4, boundary 1, xor 2
FULL_TOTAL = sum(FULL.values())
FAULT_CELL = "decision_boundary_x2"           # the answer cell the faults and probes go into
FAULT_TEST = "test_decision_boundary_x2"
# Faults go after the right answer of decision_boundary_x2: four questions come before it and
# xor_two_layer after it (it needs step and perceptron_output only). A fault costs its own
# question at most (README: "a cell or function that kills the interpreter costs its own question only").
KEEP_ALL_BUT_FAULT = {cell: points for cell, points in FULL.items() if cell != FAULT_TEST}
ZERO = {cell: 0.0 for cell in FULL}


# -- building submissions ----------------------------------------------------------------------

def write_notebook(folder: Path, nb, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{folder.name}.ipynb")
    path.write_bytes(submissions.to_bytes(nb))
    return path


def correct_nb(release, source):
    return submissions.correct(release, source)


def correct() -> Build:
    def build(folder, release, source):
        write_notebook(folder, correct_nb(release, source))
    return build


def appended(cell: str, code: str | Callable[[Where], str]) -> Build:
    """Right answers, with `code` added at the end of the answer cell `cell`."""
    def build(folder, release, source):
        text = code(Where(folder)) if callable(code) else code
        write_notebook(folder, submissions.append_to_cell(correct_nb(release, source), cell, text))
    return build


def replaced(cell: str, code: Callable[[Where], str]) -> Build:
    """Right answers everywhere except the answer cell `cell`, which holds `code` only."""
    def build(folder, release, source):
        nb = submissions.fill(release, {**submissions.solutions(source), cell: code(Where(folder))})
        write_notebook(folder, nb)
    return build


def written(data: Callable[[object, object], bytes]) -> Build:
    def build(folder, release, source):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{folder.name}.ipynb").write_bytes(data(release, source))
    return build


def cheat(make) -> Build:
    def build(folder, release, source):
        write_notebook(folder, make(release, source, folder.name))
    return build


def grade_cells(nb):
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def cell_of(nb, grade_id: str):
    for cell in nb.cells:
        if submissions.grade_id(cell) == grade_id:
            return cell
    raise KeyError(grade_id)


# -- kernel faults -----------------------------------------------------------------------------

SEGFAULT = "import ctypes\nctypes.string_at(0)  # reads address 0: SIGSEGV"
SIGKILL_SELF = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
OS_EXIT = "import os\nos._exit(0)"
ENDLESS = "while True:\n    pass"
DEAF_LOOP = '''import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:  # and every interrupt that still gets through is swallowed
    try:
        while True:
            pass
    except BaseException:
        pass'''
BIG_BYTEARRAY = "_hog = bytearray(8 * 2**30)  # 8 GiB at once\ndel _hog"
# Bounded at 4 GiB (above the sandbox's 3 GiB address space) so that, run where no limit
# applies, it cannot take the shared machine down; it touches every page it allocates.
# 16 MiB a step: the limit is met in well under the corpus's 5 s cell timeout even on a busy
# machine (a hog cut by the timeout instead keeps its memory: see the closing note of issue 4)
GROWING_LIST = '''_hog = []
while len(_hog) < 256:
    _hog.append(b"x" * 2**24)  # 16 MiB more, touched
del _hog'''
# A fork bomb whose whole tree is capped at 300 processes living 3 seconds (so that where no
# process limit applies it cannot exhaust the machine's PIDs): each process forks while it has
# budget, splitting its budget with its child; a refused fork (the sandbox's limit) ends it.
FORK_BOMB = '''import os, time
def _bomb(budget=300, seconds=3.0):
    deadline = time.time() + seconds
    child = False
    while budget > 1 and time.time() < deadline:
        try:
            pid = os.fork()
        except OSError:
            break  # the process limit
        if pid == 0:
            child, budget = True, (budget - 1) // 2
        else:
            budget = budget - 1 - (budget - 1) // 2
    if child:
        time.sleep(max(0.0, deadline - time.time()))
        os._exit(0)
    while time.time() < deadline + 1:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.05)
        except ChildProcessError:
            break
_bomb()'''
# 50 MiB in 51200 lines of 1 KiB.
STDOUT_FLOOD = '''for _chunk in range(50):
    print(("flood " * 170 + "x" * 3 + "\\n") * 1024, end="")'''
THREAD_OUTLIVES = '''import threading, time
def _spin():
    n = 0
    while True:  # never ends: prints and spins after the cell is done
        n += 1
        if n % 200000 == 0:
            print("still here", n, flush=True)
threading.Thread(target=_spin, daemon=True).start()
time.sleep(0.2)'''
SYS_EXIT = "import sys\nsys.exit()"
KEYBOARD_INTERRUPT = "raise KeyboardInterrupt"
# Recursion through a C call (map) with no recursion limit: the C stack overflows.
DEEP_RECURSION = '''import sys
sys.setrecursionlimit(10**7)
def _down(n):
    return list(map(_down, [n + 1]))
_down(0)'''


# -- sandbox probes ----------------------------------------------------------------------------

READ_HELPER = '''import hashlib as _hashlib, os as _os
def _hostile_read(paths):
    """The first of `paths` that can be read: (path, bytes), or (None, None)."""
    for path in paths:
        try:
            with open(_os.path.expanduser(path), "rb") as handle:
                data = handle.read()
        except Exception:
            continue
        print("LEAK" + "ED<<", path, len(data), _hashlib.sha256(data).hexdigest()[:16], ">>")
        return path, data
    return None, None
'''
NO_LEAK_ANSWER = '''
if "decision_boundary_x2" not in globals():
    def decision_boundary_x2(w, x1):
        raise NotImplementedError("nothing leaked, and no answer of my own")
'''


def source_notebook_paths(where: Where) -> list[str]:
    a = where.assignment
    return [f"../../../source/{a}/{a}.ipynb", f"../../source/{a}/{a}.ipynb", f"../source/{a}/{a}.ipynb",
            str(where.course / "source" / a / f"{a}.ipynb"), str(PROJECT_ROOT / "source" / a / f"{a}.ipynb")]


def answer_read_from(paths: list[str]) -> str:
    """Student code: the answer of decision_boundary_x2 taken from the first notebook of `paths` it can read."""
    return READ_HELPER + f'''
import json as _json
_path, _data = _hostile_read({paths!r})
if _data is not None:
    for _cell in _json.loads(_data)["cells"]:
        if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "decision_boundary_x2":
            _code = "".join(_cell["source"])
            print(_code)  # the solution, markers and all
            exec(_code)
''' + NO_LEAK_ANSWER


def probe_source(relative_only: bool) -> Callable[[Where], str]:
    """The answer of decision_boundary_x2 taken from the instructor's source notebook."""
    def code(where: Where) -> str:
        paths = source_notebook_paths(where)
        return answer_read_from(paths[:3] if relative_only else paths[3:])
    return code


def probe_gradebook(where: Where) -> str:
    """The answer of decision_boundary_x2 taken from the gradebook's copy of the source cells."""
    paths = ["../../../gradebook.db", str(where.course / "gradebook.db"), str(PROJECT_ROOT / "gradebook.db")]
    return READ_HELPER + f'''
import sqlite3 as _sqlite3, tempfile as _tempfile
_path, _data = _hostile_read({paths!r})
if _data is not None:
    with _tempfile.NamedTemporaryFile(suffix=".db", delete=False) as _copy:
        _copy.write(_data)
    _db = _sqlite3.connect(_copy.name)
    print("LEAK" + "ED<<", "students:", _db.execute("select id from student").fetchall(), ">>")
    for (_code,) in _db.execute("select source from source_cell where name = 'decision_boundary_x2'"):
        print(_code)
        exec(_code)
''' + NO_LEAK_ANSWER


def probe_secret(where: Where) -> str:
    """Reads the course secret: the instructor's, the one in $NNLAB_SECRET, the run's."""
    return READ_HELPER + f'''
_hostile_read(["~/.nnlab/nnlab-course-secret"])
_hostile_read([_os.environ.get("NNLAB_SECRET", "/nonexistent/secret")])
_path, _data = _hostile_read([{str(where.secret)!r}])
if _data is not None:
    print("LEAK" + "ED<<", _data.decode(errors="replace"), ">>")
'''


NETWORK = '''
import socket as _socket
try:
    _conn = _socket.create_connection(("1.1.1.1", 53), timeout=3)
    print("LEAK" + "ED<<", "network: connected to", _conn.getpeername(), ">>")
    _conn.close()
except OSError as _error:
    print("no network:", _error)
'''


def write_targets(where: Where) -> list[Path]:
    """Where the write probe tries to write (absolute paths; the first one is also tried relatively)."""
    tag = f"hostile-write-{where.student}-{where.workdir.name}.txt"
    return [where.course / tag, where.outside / tag, PROJECT_ROOT / "autograded" / f".{tag}",
            where.course / "submitted" / f".{tag}"]


def probe_write(where: Where) -> str:
    targets = [f"../../../{write_targets(where)[0].name}"] + [str(p) for p in write_targets(where)]
    return f'''
for _target in {targets!r}:
    try:
        with open(_target, "a") as _out:
            _out.write("written by a student's notebook\\n")
        print("wrote", _target)  # an empty folder of the sandbox, or the real one: only the file system tells
    except OSError as _error:
        print("cannot write", _target, type(_error).__name__)
'''


def probe_reference(where: Where) -> str:
    return '''
try:
    from nnlab.reference.perceptron import decision_boundary_x2
    import inspect as _inspect
    print("LEAK" + "ED<<", _inspect.getsource(decision_boundary_x2), ">>")
except Exception as _error:
    print("no reference:", type(_error).__name__)
''' + NO_LEAK_ANSWER


# -- reach probes: files outside the course (see reach.py) -----------------------------------------

def reach_base(where: Where) -> Path:
    return where.outside / "reach" / where.student


def reach_tag(where: Where) -> str:
    return f"{where.student}-{where.workdir.name}"


def other_course_notebook(where: Where) -> Path:
    return reach_base(where) / "other-course" / "source" / where.assignment / f"{where.assignment}.ipynb"


def exchange_hand_in(where: Where) -> Path:
    return (reach_base(where) / "exchange" / reach.EXCHANGE_COURSE / "inbound"
            / f"other_student+{where.assignment}+{reach.HAND_IN_TIME}" / f"{where.assignment}.ipynb")


def plant_other_course(where: Where, release, source) -> None:
    reach.plant_other_course(reach_base(where), submissions.to_bytes(source), where.assignment)


def plant_exchange(where: Where, release, source) -> None:
    reach.plant_exchange_hand_in(reach_base(where), "other_student", submissions.to_bytes(correct_nb(release, source)),
                                 where.assignment)


def plant_instructor_only(where: Where, release, source) -> None:
    reach.plant_instructor_only(reach_base(where))


def plant_host_tmp(where: Where, release, source) -> None:
    reach.plant_host_tmp(reach_tag(where))


def plant_nothing(where: Where, release, source) -> None:
    pass


REACH_TARGETS: dict[str, Callable[[Where], list[Path]]] = {
    "other_course": lambda where: [other_course_notebook(where)],
    "exchange": lambda where: [exchange_hand_in(where)],
    "instructor_only": lambda where: [reach_base(where) / "instructor-only.txt"],
    "etc": lambda where: reach.etc_targets(),
    "host_tmp": lambda where: [reach.host_tmp_path(reach_tag(where))],
}


def planted(plant: Callable[[Where, object, object], None], build: Build) -> Build:
    """`build`, after `plant` put the probe's targets outside the course."""
    def both(folder, release, source):
        plant(Where(folder), release, source)
        build(folder, release, source)
    return both


def reach_targets_there(targets: Callable[[Where], list[Path]]) -> ExtraCheck:
    """The probe's targets exist and the grading user can read them (else the probe proved nothing)."""
    def check(outcome: Outcome) -> list[str]:
        where = Where(Course.open(outcome.course).submitted(outcome.case.student, outcome.case.assignment))
        paths = targets(where)
        return ([] if paths else ["the probe had no target"]) + \
            [f"the probe's target is not readable outside the sandbox: {p}" for p in reach.readable_on_host(paths)]
    return check


def reach_probe(name: str, plant, targets: str, about: str, answer_from_leak: bool = False) -> Case:
    """A case whose notebook tries to read `REACH_TARGETS[targets]`; with `answer_from_leak` its answer
    of decision_boundary_x2 comes from what it read (so a leak would also show in the score)."""
    where_targets = REACH_TARGETS[targets]
    if answer_from_leak:
        build = replaced(FAULT_CELL, lambda where: answer_read_from([str(p) for p in where_targets(where)]))
        cells = LEAKED_ANSWER_LOST
    else:
        build = appended(FAULT_CELL, lambda where: reach.reach_probe(where_targets(where)))
        cells = FULL
    return Case(name, P, name, planted(plant, build),
                Expect(cells=cells, min_score=sum(cells.values()), max_score=sum(cells.values()),
                       checks=(reach_targets_there(where_targets),)), about)


# -- extra checks ---------------------------------------------------------------------------------

def nothing_written(outcome: Outcome) -> list[str]:
    """None of the write probe's targets exists (any that does is removed after it is reported)."""
    found = []
    for path in write_targets(Where(Course.open(outcome.course).submitted(outcome.case.student, outcome.case.assignment))):
        if path.exists():
            found.append(f"the notebook wrote {path}")
            path.unlink()
    return found


def no_copy_under_autograded(what: str, matches: Callable[[bytes], bool]) -> ExtraCheck:
    """No file under the student's autograded or feedback folder (feedback goes back to the student)
    holds `what` (e.g. a symlink's target)."""
    def check(outcome: Outcome) -> list[str]:
        found = []
        paths = [p for folder in (outcome.autograded_dir, outcome.feedback_dir) if folder.exists()
                 for p in sorted(folder.rglob("*"))]
        for path in paths:
            if path.is_file() and not path.is_symlink():
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                if matches(data):
                    found.append(f"{path.relative_to(outcome.course)} is a copy of {what}")
        return found
    return check


def _etc_passwd() -> bytes:
    try:
        return Path("/etc/passwd").read_bytes()
    except OSError:
        return b"\0unreadable\0"


copy_of_passwd = no_copy_under_autograded("/etc/passwd", lambda data: data == _etc_passwd())
copy_of_gradebook = no_copy_under_autograded("the course's gradebook", lambda data: data.startswith(b"SQLite format 3\0"))


def autograded_smaller_than(megabytes: float) -> ExtraCheck:
    def check(outcome: Outcome) -> list[str]:
        path = outcome.graded_notebook
        if path.exists() and path.stat().st_size > megabytes * 2**20:
            return [f"the autograded notebook is {path.stat().st_size / 2**20:.0f} MiB (more than {megabytes:g})"]
        return []
    return check


def outside_unchanged(outcome: Outcome) -> list[str]:
    """The hard links' other names (outside the course) still hold what they held."""
    outside = outcome.workdir / OUTSIDE
    found = []
    for expected in sorted(outside.glob(f"{outcome.case.student}--*.expected")):
        linked = expected.with_suffix("")
        if not linked.exists() or linked.read_bytes() != expected.read_bytes():
            found.append(f"{linked} (a hard link of a submitted file) was changed")
    if not found and not list(outside.glob(f"{outcome.case.student}--*.expected")):
        found.append("the hard links were not made")
    return found


def cell_scored_or_named(cell: str) -> ExtraCheck:
    """The cell earns its points anyway, or the instructor is told about it by name."""
    def check(outcome: Outcome) -> list[str]:
        if outcome.cells.get(cell) == FULL.get(cell) or any(cell in line for line in outcome.lines):
            return []
        return [f"{cell} scored {outcome.cells.get(cell)} and no line of `nnlab grade` names it"]
    return check


def graded_or_named(outcome: Outcome) -> list[str]:
    if outcome.graded_notebook.exists() or outcome.lines:
        return []
    return ["neither graded nor named by a verdict line"]


# -- tampered notebooks ------------------------------------------------------------------------

def not_json(release, source) -> bytes:
    return b'{"cells": [ this is not JSON'


def not_utf8(release, source) -> bytes:
    # a notebook saved by an editor in Latin-1: valid JSON once decoded, but not UTF-8
    text = submissions.to_bytes(correct_nb(release, source)).decode("utf-8")
    return text.replace("Heaviside", "Heavisid\u00e9").encode("latin-1", errors="replace")


def nbformat3(release, source) -> bytes:
    return nbformat.writes(correct_nb(release, source), version=3).encode("utf-8")


def missing(folder, release, source) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("I could not finish, sorry\n")


def renamed(folder, release, source) -> None:
    write_notebook(folder, correct_nb(release, source), name="Perceptron (1).ipynb")


def extra_notebooks(folder, release, source) -> None:
    write_notebook(folder, correct_nb(release, source))
    write_notebook(folder, release, name=f"{folder.name}-old.ipynb")
    scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nos._exit(1)")])
    write_notebook(folder, scratch, name="scratch.ipynb")


def deleted_grade_cell(folder, release, source) -> None:
    nb = correct_nb(release, source)
    nb.cells = [c for c in nb.cells if submissions.grade_id(c) != "test_step"]
    write_notebook(folder, nb)


def duplicated_grade_cell(folder, release, source) -> None:
    nb = correct_nb(release, source)
    index = nb.cells.index(cell_of(nb, "test_step"))
    nb.cells.insert(index + 1, copy.deepcopy(nb.cells[index]))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    write_notebook(folder, nb)


SPLIT_FIRST = '''def _move(w, x, error, lr):
    """w moved by lr * error along (1, x)."""
    return w + lr * error * np.concatenate(([1.0], x))
'''
SPLIT_SECOND = '''def perceptron_update(w, x, t, lr):
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    return _move(w, x, t - perceptron_output(w, x), lr)
'''


def split_grade_cell(folder, release, source) -> None:
    """The answer of perceptron_update split in two cells (Jupyter copies the metadata to both)."""
    nb = correct_nb(release, source)
    cell = cell_of(nb, "perceptron_update")
    second = copy.deepcopy(cell)
    cell.source, second.source = SPLIT_FIRST, SPLIT_SECOND
    nb.cells.insert(nb.cells.index(cell) + 1, second)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    write_notebook(folder, nb)


def solution_retagged_as_test(folder, release, source) -> None:
    nb = correct_nb(release, source)
    meta = cell_of(nb, "step").metadata.nbgrader
    meta.update(grade=True, solution=False, locked=True, points=5)
    write_notebook(folder, nb)


def test_grade_id_changed(folder, release, source) -> None:
    nb = correct_nb(release, source)
    meta = cell_of(nb, "test_step").metadata.nbgrader
    meta.update(grade_id="test_step_bonus", points=100)
    write_notebook(folder, nb)


def visible_tests_emptied(folder, release, source) -> None:
    """Typical mistakes, and every visible test cell's asserts replaced by `pass`."""
    nb = submissions.with_mistakes(release, source, mistake_sets(P)[0].answers)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") \
                and not cell.metadata["nbgrader"].get("solution"):
            cell.source = "pass"
    write_notebook(folder, nb)


def points_1000(folder, release, source) -> None:
    nb = correct_nb(release, source)
    for cell in grade_cells(nb):
        if cell.metadata.nbgrader.get("grade"):
            cell.metadata.nbgrader["points"] = 1000
    write_notebook(folder, nb)


def schema_version_99(folder, release, source) -> None:
    nb = correct_nb(release, source)
    for cell in grade_cells(nb):
        cell.metadata.nbgrader["schema_version"] = 99
    write_notebook(folder, nb)


def kernelspec_bash(folder, release, source) -> None:
    nb = correct_nb(release, source)
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    nb.metadata["language_info"] = {"name": "bash"}
    write_notebook(folder, nb)


def huge_outputs(folder, release, source) -> None:
    """50 MiB of saved outputs in an ungraded code cell."""
    nb = correct_nb(release, source)
    cell = next(c for c in nb.cells if c.cell_type == "code" and not submissions.grade_id(c)
                and "print" in c.source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=("y" * 1023 + "\n") * 51200)]
    write_notebook(folder, nb)


def symlink_notebook_to_passwd(folder, release, source) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/passwd", folder / f"{folder.name}.ipynb")


LINK_READER = '''
_path, _data = _hostile_read(["passwd.txt", "../../../submitted/{student}/{assignment}/passwd.txt"])
'''


def symlink_extra_to_passwd(folder, release, source) -> None:
    where = Where(folder)
    code = READ_HELPER + LINK_READER.format(student=where.student, assignment=where.assignment)
    write_notebook(folder, submissions.append_to_cell(correct_nb(release, source), FAULT_CELL, code))
    os.symlink("/etc/passwd", folder / "passwd.txt")


def symlink_extra_to_gradebook(folder, release, source) -> None:
    """grades.db -> the course's gradebook (a relative link), and a notebook that reads it."""
    code = READ_HELPER + '''
import sqlite3 as _sqlite3, tempfile as _tempfile
_path, _data = _hostile_read(["grades.db"])
if _data is not None:
    with _tempfile.NamedTemporaryFile(suffix=".db", delete=False) as _copy:
        _copy.write(_data)
    for (_code,) in _sqlite3.connect(_copy.name).execute(
            "select source from source_cell where name = 'decision_boundary_x2'"):
        print(_code)
        exec(_code)
''' + NO_LEAK_ANSWER
    nb = submissions.fill(release, {**submissions.solutions(source), FAULT_CELL: code})
    write_notebook(folder, nb)
    os.symlink("../../../gradebook.db", folder / "grades.db")


HARDLINK_WRITER = '''
for _name in ["data.txt", "perceptron.ipynb"]:
    try:
        with open(_name, "a") as _out:
            _out.write("\\nchanged by the notebook while it was graded\\n")
    except OSError as _error:
        print("cannot append to", _name, type(_error).__name__)
'''


def hardlinks(folder, release, source) -> None:
    """The notebook and data.txt are hard links of files outside the course; the notebook appends
    to both names in the folder it runs in. A file outside must never change through them."""
    where = Where(folder)
    folder.mkdir(parents=True, exist_ok=True)
    where.outside.mkdir(parents=True, exist_ok=True)
    nb = submissions.append_to_cell(correct_nb(release, source), FAULT_CELL, HARDLINK_WRITER)
    for name, data in [(f"{folder.name}.ipynb", submissions.to_bytes(nb)), ("data.txt", b"the student's data\n")]:
        original = where.outside / f"{where.student}--{name}"
        original.write_bytes(data)
        Path(f"{original}.expected").write_bytes(data)
        try:
            os.link(original, folder / name)
        except OSError as exc:
            raise RuntimeError(f"cannot make the hard link {folder / name} -> {original}: {exc}") from None


STDERR_WARNINGS = '''import sys, warnings
warnings.warn("this is only a warning: decision_boundary_x2 divides by w[2]")
print("a note on stderr, not an error", file=sys.stderr)'''


# -- the cheats of the graders -----------------------------------------------------------------

def cheat_case(title: str, make) -> Case:
    name = f"cheat_{make.__name__}"
    return Case(name, P, name, cheat(make), Expect(cells=ZERO, max_score=0.0), f"cheat: {title}")


# -- error carried forward: the sealed second judgement -----------------------------------------
# A student leaves `step` wrong on purpose, so the later questions are judged a second time with the
# model's step in place (nnlab.graders.carry), and tries to get the model answer out of that run.

def answered(answers: Callable[[Where], dict[str, str]]) -> Build:
    """Right answers everywhere except the answer cells in `answers(where)`, which hold that code."""
    def build(folder, release, source):
        write_notebook(folder, submissions.fill(release, {**submissions.solutions(source), **answers(Where(folder))}))
    return build


WRONG_STEP = ("def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0) if np.ndim(z) else float(z > 0)\n"
              "step.mine = True   # the model's step has no such mark: how the code tells the second run\n")


def model_out(where: Where) -> dict[str, str]:
    """In the second run (the model's step in place): the model's source printed, written to files,
    raised in a hidden test's call, returned in an answer, kept for a later cell that prints it."""
    targets = [str(p) for p in write_targets(where)] + ["model_step.txt", "/tmp/model_step.txt",
                                                         os.path.expanduser("~/model_step.txt")]
    return {
        "step": WRONG_STEP,
        "perceptron_output": f'''import inspect
_got = ""
if not getattr(step, "mine", False):
    try:
        _got = inspect.getsource(step)
    except Exception:
        _got = repr(step.__code__.co_consts)
    _got = "LEAK" + "ED<< " + _got
    print(_got)
    for _target in {targets!r}:
        try:
            with open(_target, "a") as _out:
                _out.write(_got)
        except OSError:
            pass

def perceptron_output(w, x):
    if _got:
        raise ValueError(_got)
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    return step(w[0] + x @ w[1:])
''',
        "perceptron_update": '''print(_got)

def perceptron_update(w, x, t, lr):
    if _got:
        return [ord(c) for c in _got[:64]]
    w = np.array(w, dtype=float)
    return w + lr * (t - perceptron_output(w, x)) * np.concatenate(([1.0], np.asarray(x, dtype=float)))
''',
        FAULT_CELL: submissions.solutions(submissions.course_notebook(P))[FAULT_CELL] + "\nprint(_got)\n",
    }


def grader_report_clean(outcome: Outcome) -> list[str]:
    """The instructor's grader report of the notebook holds no model answer and no probe's marker, and
    shows the second judgement ran (the later questions were judged twice)."""
    path = Course.open(outcome.course).grader_report(outcome.case.assignment, outcome.case.student,
                                                     outcome.case.assignment)
    if not path.exists():
        return [f"no grader report at {path}"]
    text = path.read_text()
    found = [f"{what} in the grader report" for what, needle in (("a solution", SOLUTION_MARKER),
                                                                 ("a probe's success marker", LEAK_MARKER))
             if needle in text]
    if not json.loads(text).get("carried_forward"):
        found.append("no question was judged a second time (the case did not reach the sealed run)")
    return found


def carried_out_nothing(outcome: Outcome) -> list[str]:
    """Neither score of the questions whose code leaked in the second run came from that run."""
    path = Course.open(outcome.course).grader_report(outcome.case.assignment, outcome.case.student,
                                                     outcome.case.assignment)
    carried = json.loads(path.read_text()).get("carried_forward", {}) if path.exists() else {}
    return [f"{cell} took the second judgement ({both['carried']:g} over {both['own']:g})"
            for cell, both in carried.items() if cell in ("test_perceptron_output", "test_perceptron_update")
            and both["taken"]]


# -- the Moodle import (checks of the second kind) --------------------------------------------

def _lms_course(folder: Path) -> tuple[Path, Path]:
    """A small course with the perceptron source and a class list, and the zip's folder."""
    from nnlab.course import copy_course

    course = copy_course(folder / "course", include_release=False)
    (folder / "zips").mkdir(parents=True, exist_ok=True)
    return course, folder / "zips"


def _tree(root: Path, skip: Path | None = None) -> dict[str, str]:
    """{path: size or link target} of everything under root (not following links), except `skip`."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = here / name
            if skip is not None and path == skip:
                continue
            found[str(path.relative_to(root))] = (f"-> {os.readlink(path)}" if path.is_symlink()
                                                  else "dir" if path.is_dir() else str(path.stat().st_size))
    return found


def _nnlab(*args: str):
    """`nnlab ARGS` run from the project root (a subprocess.CompletedProcess)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "nnlab.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=str(PROJECT_ROOT))


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 2, 9, 0, 0)), data)
    return path


def _tiny_notebook(tag: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "id": "x", "metadata": {}, "source": tag}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def lms_zip_slip_entries(folder: Path) -> str | None:
    """Zip entries that climb out ('..', absolute, Windows '..\\') are refused, each named on a
    line of the report, and nothing is written outside the course."""
    course, zips = _lms_course(folder)
    (course / "students.csv").write_text("id,first_name,last_name,email\nannlee,Ann,Lee,ann@example.org\n")
    escape = f"escaped-{folder.name}"
    bad = [f"Ann Lee_1001_assignsubmission_file_/../../../../{escape}-1.ipynb",
           f"../{escape}-2.ipynb",
           f"/tmp/{escape}-3.ipynb",
           f"..\\..\\{escape}-4.ipynb"]
    zip_path = _zip(zips / "submissions.zip",
                    [("Ann Lee_1001_assignsubmission_file_/perceptron.ipynb", _tiny_notebook("ann"))]
                    + [(name, _tiny_notebook("slip")) for name in bad])
    before = _tree(folder, skip=course)
    done = _nnlab("import-lms", "perceptron", str(zip_path), "--course", str(course))
    problems = []
    if done.returncode != 1:
        problems.append(f"exit {done.returncode} (expected 1: entries were refused)")
    lines = (done.stdout + done.stderr).splitlines()
    for number, name in enumerate(bad, 1):  # (a name may be shown quoted, its backslashes doubled)
        if not any(f"{escape}-{number}.ipynb" in line and ("zip slip" in line or "refused" in line or "reject" in line.lower())
                   for line in lines):
            problems.append(f"no line names the refused entry {name!r}")
    if _tree(folder, skip=course) != before:
        problems.append("files appeared outside the course folder")
    strays = [str(p) for p in [Path("/tmp") / f"{escape}-3.ipynb", *folder.parents[1].rglob(f"{escape}*")]
              if p.exists() and course not in p.parents]
    if strays:
        problems.append(f"written outside the course: {', '.join(strays)}")
    if not (course / "submitted" / "annlee" / "perceptron" / "perceptron.ipynb").exists():
        problems.append("the honest notebook of the zip was not placed")
    return "; ".join(problems) or None


def lms_class_list_id(folder: Path) -> str | None:
    """A class list whose student id holds '../' is refused in one line naming it; nothing written."""
    course, zips = _lms_course(folder)
    bad_id = "../../outside-" + folder.name
    (course / "students.csv").write_text(
        "id,first_name,last_name,email\n" f"{bad_id},Ann,Lee,ann@example.org\nben,Ben,Okafor,ben@example.org\n")
    zip_path = _zip(zips / "submissions.zip",
                    [("Ann Lee_1001_assignsubmission_file_/perceptron.ipynb", _tiny_notebook("ann")),
                     ("Ben Okafor_1002_assignsubmission_file_/perceptron.ipynb", _tiny_notebook("ben"))])
    before_all, before_course = _tree(folder, skip=course), _tree(course)
    done = _nnlab("import-lms", "perceptron", str(zip_path), "--course", str(course))
    problems = []
    if done.returncode == 0:
        problems.append("the import succeeded")
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if len(said) != 1 or bad_id not in said[0]:
        problems.append(f"expected one line naming {bad_id!r}, got: {said[:5]}")
    if _tree(folder, skip=course) != before_all:
        problems.append("files appeared outside the course folder")
    if _tree(course) != before_course:
        problems.append("the course folder was changed")
    return "; ".join(problems) or None


def lms_folder_name_dotdot(folder: Path) -> str | None:
    """A Moodle folder whose student name is '..' matches nobody and is kept aside, inside the course."""
    course, zips = _lms_course(folder)
    (course / "students.csv").write_text("id,first_name,last_name,email\nannlee,Ann,Lee,ann@example.org\n")
    zip_path = _zip(zips / "submissions.zip",
                    [("Ann Lee_1001_assignsubmission_file_/perceptron.ipynb", _tiny_notebook("ann")),
                     (".._1002_assignsubmission_file_/perceptron.ipynb", _tiny_notebook("dots"))])
    before = _tree(folder, skip=course)
    done = _nnlab("import-lms", "perceptron", str(zip_path), "--course", str(course))
    problems = []
    if done.returncode not in (0, 1):
        problems.append(f"exit {done.returncode}")
    if "Traceback" in done.stderr:
        problems.append("a traceback")
    if _tree(folder, skip=course) != before:
        problems.append("files appeared outside the course folder")
    placed = sorted(p.parent.parent.name for p in (course / "submitted").glob("*/perceptron/perceptron.ipynb"))
    if placed != ["annlee"]:
        problems.append(f"placed for {placed} (expected annlee only)")
    if not any(".._1002" in line for line in done.stdout.splitlines()):
        problems.append("no line names the unmatched folder")
    return "; ".join(problems) or None


# -- the corpus --------------------------------------------------------------------------------

def fault(name: str, code: str, about: str, **expect) -> Case:
    return Case(name, P, name, appended(FAULT_CELL, code),
                Expect(cells=expect.pop("cells", KEEP_ALL_BUT_FAULT), **expect), about)


def probe(name: str, code, about: str, cells: Mapping[str, float], checks: tuple = ()) -> Case:
    build = appended(FAULT_CELL, code) if cells == FULL else replaced(FAULT_CELL, code)
    return Case(name, P, name, build, Expect(cells=cells, min_score=sum(cells.values()),
                                             max_score=sum(cells.values()), checks=checks), about)


CONTROL = "zz_control"   # sorts after every other student id of the corpus
LEAKED_ANSWER_LOST = {**FULL, FAULT_TEST: 0.0}   # the probe's question: only a leak would answer it

CASES: list[Case | Check] = [
    # the control: right answers get full marks
    # the controls: right answers get full marks (the student ids sort first and last, so that a
    # grading run that stops midway leaves a control ungraded)
    Case("correct", P, "correct", correct(), Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers everywhere (a control)", control=True),
    Case("control_last", P, CONTROL, correct(), Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers everywhere (the control graded last)", control=True),

    # -- kernel faults in the answer of decision_boundary_x2, after its right answer --------------
    fault("os_exit", OS_EXIT, "os._exit(0) after a right answer"),
    fault("segfault", SEGFAULT, "a segfault through ctypes.string_at(0)"),
    fault("sigkill_self", SIGKILL_SELF, "the kernel sends itself SIGKILL"),
    fault("endless_loop", ENDLESS, "while True: pass"),
    fault("deaf_loop", DEAF_LOOP, "ignores SIGINT and SIGTERM, swallows every exception, loops"),
    fault("memory_bytearray", BIG_BYTEARRAY, "bytearray(8 GiB)"),
    fault("memory_list", GROWING_LIST, "a list grown by 16 MiB at a time to 4 GiB"),
    fault("fork_bomb", FORK_BOMB, "a fork bomb (capped at 300 processes, 3 s)"),
    fault("stdout_flood", STDOUT_FLOOD, "prints 50 MiB", checks=(autograded_smaller_than(5),)),
    fault("thread_outlives", THREAD_OUTLIVES, "a thread that spins and prints after its cell",
          cells=FULL, min_score=FULL_TOTAL),
    fault("sys_exit", SYS_EXIT, "sys.exit()"),
    fault("keyboard_interrupt", KEYBOARD_INTERRUPT, "raise KeyboardInterrupt"),
    fault("deep_recursion", DEEP_RECURSION, "recursion through map() with no recursion limit"),

    # -- sandbox probes: honest answers elsewhere; nothing may leak ----------------------------
    probe("probe_source_relative", probe_source(relative_only=True),
          "the answer read from ../../../source/<a>/<a>.ipynb", LEAKED_ANSWER_LOST),
    probe("probe_source_absolute", probe_source(relative_only=False),
          "the answer read from the source notebook by absolute path (course and project)", LEAKED_ANSWER_LOST),
    probe("probe_gradebook", probe_gradebook, "the answer read from the course's gradebook.db", LEAKED_ANSWER_LOST),
    probe("probe_secret", probe_secret, "reads ~/.nnlab/nnlab-course-secret and $NNLAB_SECRET", FULL),
    probe("probe_network", NETWORK, "opens a connection to 1.1.1.1:53", FULL),
    probe("probe_write_outside", probe_write,
          "writes into the course folder, outside it and into the project", FULL, checks=(nothing_written,)),
    probe("probe_import_reference", probe_reference, "the answer imported from nnlab.reference",
          LEAKED_ANSWER_LOST),
    # -- reach probes: outside the course, where a list of hidden folders does not reach --------
    reach_probe("probe_other_course", plant_other_course, "other_course",
                "the answer read from another copy of the course's source notebook, outside the course",
                answer_from_leak=True),
    reach_probe("probe_exchange_outside", plant_exchange, "exchange",
                "the answer read from another student's hand-in in an nbgrader exchange outside the course",
                answer_from_leak=True),
    reach_probe("probe_instructor_only", plant_instructor_only, "instructor_only",
                "reads a file only the grading user may read (mode 0600)"),
    reach_probe("probe_etc", plant_nothing, "etc",
                "reads /etc files a notebook has no use for (shadow, hostname, hosts, os-release, ...)"),
    reach_probe("probe_host_tmp", plant_host_tmp, "host_tmp", "reads a file in the host's /tmp"),

    # -- the cheats of the graders ----------------------------------------------------------------
    *[cheat_case(title, make) for title, make in demo_cheats.CHEATS.items()],
    Case("carry_forward_model_out", P, "carry_forward_model_out", answered(model_out),
         Expect(cells={FAULT_TEST: 1.0}, checks=(grader_report_clean, carried_out_nothing, nothing_written)),
         "step wrong on purpose; in the sealed second run the model's step is printed, written to files, "
         "raised, returned and kept for a later cell: none of it reaches anyone"),
    Case("carry_forward_on_purpose", P, "carry_forward_on_purpose",
         answered(lambda where: {"step": "def step(z):\n    raise NotImplementedError\n"}),
         Expect(cells={**FULL, "test_step": 0.0}, min_score=FULL_TOTAL - FULL["test_step"],
                max_score=FULL_TOTAL - FULL["test_step"], checks=(grader_report_clean,)),
         "step left unanswered, everything after it right: the later questions earn their points "
         "carried forward, the step question's are lost (nothing gained by leaving it wrong)"),

    # -- tampered and broken notebooks ------------------------------------------------------------
    Case("not_json", P, "not_json", written(not_json),
         Expect(graded=False, max_score=0.0, verdict=f"{P}.ipynb is not a notebook"), "a file that is not JSON"),
    Case("not_utf8", P, "not_utf8", written(not_utf8),
         Expect(graded=False, max_score=0.0, verdict=f"{P}.ipynb is not UTF-8"), "Latin-1 bytes in the notebook"),
    Case("nbformat3", P, "nbformat3", written(nbformat3),
         Expect(min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers in an nbformat 3 notebook: nbgrader upgrades it, full marks"),
    Case("missing_notebook", P, "missing_notebook", missing,
         Expect(graded=False, max_score=0.0, verdict=f"no {P}.ipynb"), "a folder without a notebook"),
    Case("renamed_notebook", P, "renamed_notebook", renamed,
         Expect(graded=False, max_score=0.0, verdict="Perceptron (1).ipynb"), "the notebook saved as 'Perceptron (1).ipynb'"),
    Case("extra_notebooks", P, "extra_notebooks", extra_notebooks,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers, plus an old copy and a scratch notebook that kills its kernel"),
    Case("deleted_grade_cell", P, "deleted_grade_cell", deleted_grade_cell,
         Expect(cells={c: p for c, p in FULL.items() if c != "test_step"}, max_score=FULL_TOTAL,
                checks=(cell_scored_or_named("test_step"),)),
         "right answers, the test cell test_step deleted: scored anyway or named"),
    Case("duplicated_grade_cell", P, "duplicated_grade_cell", duplicated_grade_cell,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers, the test cell test_step twice: counted once"),
    Case("split_grade_cell", P, "split_grade_cell", split_grade_cell,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "a right answer split into two cells carrying the same grade_id"),
    Case("retagged_solution", P, "retagged_solution", solution_retagged_as_test,
         Expect(graded=False, max_score=FULL_TOTAL, checks=(graded_or_named,)),
         "the answer cell of step retagged as a 5-point test cell: never more than the assignment's points"),
    Case("grade_id_changed", P, "grade_id_changed", test_grade_id_changed,
         Expect(graded=False, max_score=FULL_TOTAL, checks=(graded_or_named,)),
         "test_step renamed test_step_bonus with 100 points: never more than the assignment's points"),
    Case("visible_tests_emptied", P, "visible_tests_emptied", visible_tests_emptied,
         Expect(cells=mistake_sets(P)[0].expected, max_score=sum(mistake_sets(P)[0].expected.values())),
         "typical mistakes, every visible assert replaced by pass: the mistakes' documented marks"),
    Case("points_1000", P, "points_1000", points_1000,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL), "right answers, every test cell worth 1000 points"),
    Case("schema_version_99", P, "schema_version_99", schema_version_99,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers, nbgrader metadata version 99 (stock nbgrader stops the whole class here)"),
    Case("kernelspec_bash", P, "kernelspec_bash", kernelspec_bash,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL), "right answers, kernelspec changed to bash"),
    Case("huge_outputs", P, "huge_outputs", huge_outputs,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL, checks=(autograded_smaller_than(5),)),
         "right answers, 50 MiB of saved outputs"),
    Case("symlink_notebook_passwd", P, "symlink_notebook_passwd", symlink_notebook_to_passwd,
         Expect(graded=False, max_score=0.0, verdict=f"{P}.ipynb", checks=(copy_of_passwd,)),
         "the notebook is a symbolic link to /etc/passwd"),
    Case("symlink_extra_passwd", P, "symlink_extra_passwd", symlink_extra_to_passwd,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL, checks=(copy_of_passwd,)),
         "right answers, passwd.txt -> /etc/passwd, and a notebook that reads it"),
    Case("symlink_extra_gradebook", P, "symlink_extra_gradebook", symlink_extra_to_gradebook,
         Expect(cells=LEAKED_ANSWER_LOST, min_score=FULL_TOTAL - 1, max_score=FULL_TOTAL - 1,
                checks=(copy_of_gradebook,)),
         "grades.db -> ../../../gradebook.db, and an answer read from it"),
    Case("hardlinks", P, "hardlinks", hardlinks,
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL, checks=(outside_unchanged,)),
         "the notebook and data.txt hard-linked to files outside the course; the notebook appends to both"),
    Case("id_with_spaces", P, "ann lee", correct(),
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL), "right answers, student id 'ann lee'"),
    Case("stderr_warnings", P, "stderr_warnings", appended(FAULT_CELL, STDERR_WARNINGS),
         Expect(cells=FULL, min_score=FULL_TOTAL, max_score=FULL_TOTAL),
         "right answers that warn and print on stderr"),

    # -- other assignments ------------------------------------------------------------------------
    Case("activations_correct", "activations", CONTROL, correct(),
         Expect(cells=test_points("activations"), min_score=sum(test_points("activations").values())),
         "right answers (the control of activations, graded last)", control=True),
    Case("activations_os_exit", "activations", "activations_os_exit", appended("smooth", OS_EXIT),
         Expect(cells=full_before("activations", "smooth")), "os._exit(0) after the right answer of smooth"),
    Case("activations_cheat", "activations", "activations_cheat", cheat(demo_cheats.lying_objects),
         Expect(cells={c: 0.0 for c in test_points("activations")}, max_score=0.0), "cheat: lying objects"),
    Case("hinge_loss_correct", "hinge_loss", CONTROL, correct(),
         Expect(cells=test_points("hinge_loss"), min_score=sum(test_points("hinge_loss").values())),
         "right answers (the control of hinge_loss, graded last)", control=True),
    Case("hinge_loss_endless_loop", "hinge_loss", "hinge_loss_endless_loop", appended("hinge_loss_i", ENDLESS),
         Expect(cells=full_before("hinge_loss", "hinge_loss_i")), "while True: pass after the right answer of hinge_loss_i"),

    # -- the Moodle import: student ids and zip entries with '../' ------------------------------
    Check("lms_zip_slip_entries", lms_zip_slip_entries,
          "zip entries with '../', an absolute path and '..\\' are refused, named, and written nowhere"),
    Check("lms_class_list_id", lms_class_list_id,
          "a class-list id '../../outside-...' is refused in one line naming it; nothing is written"),
    Check("lms_folder_name_dotdot", lms_folder_name_dotdot,
          "a Moodle folder named '.._1002_...' is kept aside inside the course"),
]


def by_name(names: list[str] | None = None, cases: list = CASES) -> list:
    """The cases named (all when None); an unknown name raises KeyError naming it."""
    if not names:
        return list(cases)
    known = {c.name: c for c in cases}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown case(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n] for n in names]


def _check_names_unique() -> None:
    names = [c.name for c in CASES]
    students = [(c.assignment, c.student) for c in CASES if isinstance(c, Case)]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(students) == len(set(students)), "one case per student and assignment"


_check_names_unique()
