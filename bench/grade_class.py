"""A whole class graded twice: stock nbgrader (the baseline) against `nnlab grade`.

A seeded class hands in every assignment: mostly right answers, some typical mistakes or
unfinished work, untouched releases, a few broken files and endless loops. Each path grades the
identical submitted/ tree in its own fresh course folder. Printed: wall time, notebooks per
second, peak memory of the grading command with all its descendants, the speed-up, nnlab's
per-notebook overhead beyond the student's own code, the student's code itself (the floor on the
wall time, and so the largest speed-up possible), and whether every honest submission got the
same per-cell scores on both paths.

With --scheduler, the class is graded a third time through a Dask scheduler and worker processes
started on this machine (nnlab.batch.local_cluster, --dask-workers of them): printed besides are
the per-notebook overhead of going through Dask against the local path, and a scaling table
(notebooks per second per worker core, and the projected time of 1000 students x 5 notebooks on
8, 32, 64 and 128 worker cores, from the measured per-notebook cost and the instructor's serial part).

    .venv/bin/python bench/grade_class.py [--students 40] [--assignments perceptron,hinge_loss]
        [--workers W] [--cell-timeout 30] [--keep DIR] [--skip-stock] [--seed 0]
        [--scheduler [--dask-workers N]]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nnlab.batch.local_cluster import LocalCluster
from nnlab.batch.run import last_run
from nnlab.course import Course, CourseError, available_assignments, copy_course, nbgrader_command, run_nbgrader
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets

COURSE_ID = "nnlab"
TIMESTAMP = "2026-11-20 10:00:00.000000 UTC"  # the format nbgrader collect writes
SHARES = {"correct": 0.60, "partial": 0.20, "untouched": 0.10, "broken": 0.05, "looping": 0.05}
DISHONEST = {"broken", "looping"}
MAX_DIFFERENCES = 20
MiB = 1024 * 1024
PROJECTED_NOTEBOOKS = 1000 * 5          # a large module: 1000 students, 5 notebooks
PROJECTED_CORES = (8, 32, 64, 128)

STOCK_CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
c.Autograde.create_student = True
c.ExecutePreprocessor.timeout = {timeout!r}
"""

NNLAB_TIMEOUTS = """
# bench/grade_class.py: the same cell timeout as the stock nbgrader run
c.Grading.cell_timeout = {timeout!r}
"""

Key = tuple[str, str]            # (student, assignment)
Cells = dict[Key, dict[str, float]]


# -- the class ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """What one student hands in for one assignment; `variant` picks the mistake, the looping
    cell or the kind of broken file, so that the same seed gives the same class."""
    student: str
    assignment: str
    kind: str
    variant: int

    @property
    def key(self) -> Key:
        return self.student, self.assignment

    @property
    def honest(self) -> bool:
        """Broken files and endless loops are graded differently on purpose (nbgrader fails or
        times out); only honest work must score the same on both paths."""
        return self.kind not in DISHONEST


def student_ids(count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"s{i:0{width}d}" for i in range(1, count + 1)]


def kind_counts(total: int) -> dict[str, int]:
    """How many notebooks of each kind in a class of `total`: the shares rounded, at least one
    broken and one looping (the cases that cost most), the rest correct."""
    counts = {kind: int(share * total + 0.5) for kind, share in SHARES.items() if kind != "correct"}
    counts["broken"] = max(1, counts["broken"])
    counts["looping"] = max(1, counts["looping"])
    correct = total - sum(counts.values())
    if correct < 0:
        raise ValueError(f"a class of {total} notebook(s) is too small for the mix: at least 2 are needed")
    return {"correct": correct, **counts}


def plan_class(students: int, assignments: list[str], seed: int) -> list[Planned]:
    """Every (student, assignment) with its kind, shuffled deterministically from `seed`."""
    rng = random.Random(seed)
    pairs = [(s, a) for s in student_ids(students) for a in assignments]
    kinds = [kind for kind, count in kind_counts(len(pairs)).items() for _ in range(count)]
    rng.shuffle(kinds)
    return [Planned(s, a, kind, rng.randrange(1 << 16)) for (s, a), kind in zip(pairs, kinds)]


def hand_in(planned: Planned, release, source) -> bytes:
    """The bytes of the notebook this student hands in, from the release and the instructor's source."""
    kind, variant = planned.kind, planned.variant
    if kind == "correct":
        return submissions.to_bytes(submissions.correct(release, source))
    if kind == "untouched":
        return submissions.to_bytes(release)
    if kind == "partial":
        sets = mistake_sets(planned.assignment)
        choice = variant % (len(sets) + 1)
        if choice < len(sets):
            return submissions.to_bytes(submissions.with_mistakes(release, source, sets[choice].answers))
        answers = list(submissions.solutions(source).items())
        return submissions.to_bytes(submissions.fill(release, dict(answers[: len(answers) // 2])))
    if kind == "looping":
        cells = list(submissions.solutions(source, code_only=True))
        nb = submissions.append_to_cell(submissions.correct(release, source), cells[variant % len(cells)],
                                        "while True:\n    pass")
        return submissions.to_bytes(nb)
    if kind == "broken":
        return b'{"cells": [ this is not JSON' if variant % 2 else b'{"answers": "see the attached PDF"}\n'
    raise ValueError(f"unknown kind {kind!r}")


def write_submitted(course: Path, handins: dict[Key, bytes]) -> None:
    """submitted/<student>/<assignment>/ as `nbgrader collect` leaves it (no exchange needed)."""
    for (student, assignment), data in handins.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_bytes(data)
        (folder / "timestamp.txt").write_text(TIMESTAMP)


# -- the two courses ---------------------------------------------------------------------
def make_stock_course(dest: Path, assignments: list[str], timeout: int) -> Path:
    """The course's source notebooks under a stock nbgrader configuration (nbgrader's own
    autograde preprocessors, no hidden graders)."""
    copy_course(dest, include_release=False)
    (dest / "course_config.py").unlink(missing_ok=True)
    (dest / "nbgrader_config.py").write_text(STOCK_CONFIG.format(
        course_id=COURSE_ID, root=str(dest), db_url=db_url(dest), timeout=timeout))
    for a in assignments:
        run_nbgrader(dest, "generate_assignment", a, "--force")
    return dest


def make_nnlab_course(dest: Path, assignments: list[str], timeout: int) -> Path:
    """The project's course configuration, with the same cell timeout as the stock run."""
    copy_course(dest)
    with open(dest / "nbgrader_config.py", "a") as config:
        config.write(NNLAB_TIMEOUTS.format(timeout=timeout, timeout_float=float(timeout)))
    for a in assignments:
        run_nbgrader(dest, "generate_assignment", a, "--force")
    return dest


def db_url(course: Path) -> str:
    return "sqlite:///" + str(course / "gradebook.db")


# -- measuring a command -----------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/*/stat (psutil is not in the project's environment)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss(pid: int) -> int:
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    """Summed resident memory of a process and all its descendants (shared pages count once per process)."""
    children, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss(pid)
        todo.extend(children.get(pid, []))
    return total


class PeakMemory:
    """The largest tree_rss of a running command, sampled in a thread while the caller waits for it."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.pid))
            if self._stop.wait(self.interval):
                return


@dataclass
class Timed:
    command: list[str]
    seconds: float
    peak_bytes: int
    returncode: int
    stderr: str

    @property
    def shown(self) -> str:
        return " ".join([Path(self.command[0]).name, *self.command[1:]])

    def stderr_tail(self, lines: int = 8) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()][-lines:]


def run_timed(command: list[str], cwd: Path, log: Path) -> Timed:
    """Run `command` with the environment's bin first on PATH (nbgrader calls alembic and jupyter
    by name); its output goes to log files so that a chatty command cannot block on a pipe."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    out, err = log.with_name(log.name + ".out"), log.with_name(log.name + ".err")
    with open(out, "w") as stdout, open(err, "w") as stderr:
        began = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        with PeakMemory(process.pid) as memory:
            process.wait()
        seconds = time.monotonic() - began
    return Timed(command, seconds, memory.peak, process.returncode, err.read_text(errors="replace"))


@dataclass
class PathResult:
    """One grading path: its commands (one per assignment for stock nbgrader, one for nnlab)."""
    label: str
    course: Path
    runs: dict[str, Timed] = field(default_factory=dict)
    detail: str = ""  # appended to its line of the report

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs.values())

    @property
    def peak_bytes(self) -> int:
        return max((run.peak_bytes for run in self.runs.values()), default=0)


def grade_stock(course: Path, assignments: list[str], logs: Path) -> PathResult:
    """`nbgrader autograde A` for each assignment in turn, as nbgrader's documentation runs it."""
    result = PathResult("stock nbgrader", course)
    for a in assignments:
        progress(f"stock nbgrader: autograde {a}")
        result.runs[a] = run_timed([nbgrader_command(), "autograde", a], course, logs / f"stock-{a}")
    return result


def grade_nnlab(course: Path, workers: int, logs: Path, scheduler: str = "") -> PathResult:
    """`nnlab grade all` with `workers` local workers, or through the Dask `scheduler`."""
    command = [sys.executable, "-m", "nnlab.cli", "grade", "all", "--course", str(course), "--workers", str(workers)]
    if scheduler:
        command += ["--scheduler", scheduler]
    label, detail = ("nnlab on Dask", f"local workers {workers} (sanitizing)") if scheduler else \
        ("nnlab grade", f"workers {workers}")
    result = PathResult(label, course, detail=detail)
    progress(f"nnlab: {' '.join(command[1:])}")
    result.runs["all"] = run_timed(command, course, logs / ("nnlab-dask" if scheduler else "nnlab-grade"))
    return result


def grade_on_dask(course: Path, dask_workers: int, logs: Path) -> PathResult:
    """The class through a Dask scheduler and `dask_workers` worker processes on this machine; one
    local worker sanitizes (the workers of the cluster do the grading)."""
    progress(f"Dask: a scheduler and {dask_workers} worker processes on this machine")
    with LocalCluster(logs / "dask", workers=dask_workers) as cluster:
        result = grade_nnlab(course, 1, logs, cluster.address)
    result.detail = f"{dask_workers} Dask worker processes, {result.detail}"
    return result


# -- scores ------------------------------------------------------------------------------
def read_scores(course: Path, keys: list[Key]) -> tuple[Cells, dict[Key, float]]:
    """Per-cell and total scores of every submission that was graded: nbgrader removes the
    autograded notebook of a submission it failed on, while its gradebook entry may remain."""
    from nbgrader.api import Gradebook, MissingEntry

    cells: Cells = {}
    totals: dict[Key, float] = {}
    with Gradebook(db_url(course), COURSE_ID) as gb:
        for student, a in keys:
            if not (course / "autograded" / student / a / f"{a}.ipynb").is_file():
                continue
            try:
                submission = gb.find_submission(a, student)
            except MissingEntry:
                continue
            totals[(student, a)] = submission.score
            cells[(student, a)] = {grade.name if nb.name == a else f"{nb.name}/{grade.name}": grade.score
                                   for nb in submission.notebooks for grade in nb.grades}
    return cells, totals


@dataclass(frozen=True)
class Difference:
    student: str
    assignment: str
    cell: str
    stock: float | None   # None: not graded (or no such cell) on that path
    nnlab: float | None


def compare_scores(stock: Cells, nnlab: Cells, keys: list[Key], tolerance: float = 1e-6) -> list[Difference]:
    """Every cell of the given submissions whose score differs between the paths; a submission
    graded on one path only is one difference on its total."""
    differences = []
    for key in keys:
        if key not in stock or key not in nnlab:
            if key in stock or key in nnlab:
                differences.append(Difference(*key, "(submission total)",
                                              sum(stock[key].values()) if key in stock else None,
                                              sum(nnlab[key].values()) if key in nnlab else None))
            else:
                differences.append(Difference(*key, "(submission)", None, None))
            continue
        for cell in dict.fromkeys([*stock[key], *nnlab[key]]):
            a, b = stock[key].get(cell), nnlab[key].get(cell)
            if a is None or b is None or abs(a - b) > tolerance:
                differences.append(Difference(*key, cell, a, b))
    return differences


def overhead(run: dict, wall: float | None = None) -> tuple[float, float]:
    """From nnlab's run record: (wall time not explained by student code spread over the workers,
    per notebook; mean time per notebook a worker spent besides the student's code).
    `wall`: the whole command's wall time (start-up included), else the record's own."""
    notebooks = run["notebooks"]
    student = [float(n.get("student_seconds") or 0.0) for n in notebooks]
    wall = float(run["wall_seconds"]) if wall is None else wall
    per_notebook = (wall - sum(student) / int(run["workers"])) / len(notebooks)
    besides = sum(float(n["seconds"]) - s for n, s in zip(notebooks, student)) / len(notebooks)
    return per_notebook, besides


def run_record(course: Path) -> Path:
    """Where `nnlab grade` keeps the record of its last run in the course at `course` (it may be absent)."""
    try:
        return last_run(Course.open(course))
    except CourseError:   # no course there: nor any record
        return Path(course) / "no-course-here"


def overhead_line(course: Path, wall: float | None = None) -> str:
    record = run_record(course)
    if not record.is_file():
        return "n/a (nnlab grade wrote no run record)"
    try:
        per_notebook, besides = overhead(json.loads(record.read_text()), wall)
    except (ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
        return f"n/a (cannot read the run record {record}: {type(exc).__name__}: {exc})"
    return (f"{per_notebook:.2f} s per notebook beyond the student's code "
            f"(mean {besides:.2f} s per notebook in a worker besides the student's code)")


def student_code(run: dict) -> tuple[float, float, float]:
    """From nnlab's run record: (seconds of student code in all, of which the notebooks' own
    cells, the earliest nnlab could finish with its workers busy with nothing else)."""
    total = sum(float(n.get("student_seconds") or 0.0) for n in run["notebooks"])
    cells = sum(float(n.get("cell_seconds") or 0.0) for n in run["notebooks"])
    return total, cells, total / int(run["workers"])


def student_code_line(course: Path, stock_seconds: float | None) -> str:
    """What the student's code alone costs, and the speed-up it leaves possible: the floor no
    grader can go below on this machine without running less of the students' code."""
    record = run_record(course)
    try:
        run = json.loads(record.read_text())
        total, cells, floor = student_code(run)
        workers = int(run["workers"])
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
        return f"n/a (cannot read the run record {record}: {type(exc).__name__}: {exc})"
    line = (f"{total:.0f} s in all ({cells:.0f} s the notebooks' own cells, {total - cells:.0f} s the graders' "
            f"calls); at least {floor:.0f} s on {workers} workers")
    if stock_seconds and floor:
        line += f": speed-up at most {stock_seconds / floor:.1f}x"
    if stock_seconds and cells:
        line += f" ({stock_seconds / (cells / workers):.1f}x if the graders' calls were free)"
    return line


def projected_seconds(core_seconds: float, writer_seconds: float, cores: int,
                      notebooks: int = PROJECTED_NOTEBOOKS) -> tuple[float, bool]:
    """The time `notebooks` take on `cores` worker cores, each notebook costing `core_seconds` of a
    worker core and `writer_seconds` of the instructor's serial side; True when that side is the floor."""
    spread, serial = notebooks * core_seconds / cores, notebooks * writer_seconds
    return max(spread, serial), serial > spread


def scaling_lines(local: PathResult, dask: PathResult, notebooks: int, dask_workers: int) -> list[str]:
    """The overhead of going through Dask against the local path, and the scaling table."""
    lines = [f"dask overhead    {(dask.seconds - local.seconds) / notebooks:+.2f} s per notebook beyond the local path "
             f"(wall {dask.seconds:.1f} s against {local.seconds:.1f} s, the same class)"]
    record = run_record(dask.course)
    try:
        writer = float(json.loads(record.read_text())["writer_seconds"]) / notebooks
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return lines + [f"scaling          n/a (cannot read the run record {record}: {type(exc).__name__}: {exc})"]
    core_seconds = dask.seconds * dask_workers / notebooks
    lines.append(f"scaling          {1 / core_seconds:.3f} notebooks/s per worker core ({core_seconds:.2f} core-s a "
                 f"notebook, start-up and the slowest notebooks included); the instructor's side records "
                 f"{1 / writer if writer else float('inf'):.1f} notebooks/s ({writer:.3f} CPU-s a notebook, serial)")
    lines.append(f"  {'worker cores':>12}  {PROJECTED_NOTEBOOKS // 5} students x 5 notebooks (projected)")
    for cores in PROJECTED_CORES:
        seconds, serial = projected_seconds(core_seconds, writer, cores)
        lines.append(f"  {cores:>12}  {seconds / 60:6.1f} min" + ("  (the instructor's side is the floor)" if serial else ""))
    return lines


# -- the report --------------------------------------------------------------------------
def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def machine_line() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({model}), {platform.platform()}, Python {platform.python_version()}"


def path_line(result: PathResult, notebooks: int) -> str:
    rate = notebooks / result.seconds if result.seconds else float("inf")
    line = (f"{result.label:<16} wall {result.seconds:7.1f} s   {rate:5.2f} notebooks/s   "
            f"peak memory {result.peak_bytes / MiB:.0f} MiB")
    return f"{line}   {result.detail}" if result.detail else line


def by_kind(plan: list[Planned], keys: list[Key]) -> str:
    kinds = {p.key: p.kind for p in plan}
    counts: dict[str, int] = {}
    for key in keys:
        counts[kinds[key]] = counts.get(kinds[key], 0) + 1
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def failures(result: PathResult, graded: Cells, honest: list[Key]) -> list[str]:
    """Error lines for a grading command that failed outright: an exit code other than nbgrader's
    1 for "some submissions failed", or not one honest submission graded."""
    lines = []
    for name, run in result.runs.items():
        expected = [key for key in honest if name in ("all", key[1])]
        if run.returncode in (0, 1) and (not expected or any(key in graded for key in expected)):
            continue
        lines.append(f"error: {result.label}: `{run.shown}` exited {run.returncode} and graded "
                     f"{sum(key in graded for key in expected)} of {len(expected)} honest notebooks; "
                     "last lines of its stderr:")
        lines += [f"  {line}" for line in run.stderr_tail()]
    return lines


def score_lines(plan: list[Planned], stock: Cells, nnlab: Cells) -> list[str]:
    honest = [p.key for p in plan if p.honest]
    differences = compare_scores(stock, nnlab, honest)
    if not differences:
        return [f"scores           identical on all {len(honest)} honest submissions"]
    differing = list(dict.fromkeys((d.student, d.assignment) for d in differences))
    lines = [f"scores           differ on {len(differing)} of {len(honest)} honest submissions "
             f"({by_kind(plan, differing)}); student, assignment, cell, stock, nnlab:"]
    lines += [f"  {d.student} {d.assignment} {d.cell} {_score(d.stock)} {_score(d.nnlab)}"
              for d in differences[:MAX_DIFFERENCES]]
    if len(differences) > MAX_DIFFERENCES:
        lines.append(f"  ... and {len(differences) - MAX_DIFFERENCES} more cells")
    return lines


def _score(value: float | None) -> str:
    return "not graded" if value is None else f"{value:g}"


def _mean_total(totals: dict[Key, float], assignment: str) -> str:
    values = [total for (_, a), total in totals.items() if a == assignment]
    return f"{sum(values) / len(values):.2f}" if values else "-"


def assignment_lines(plan: list[Planned], assignments: list[str], stock: PathResult | None,
                     stock_totals: dict[Key, float], nnlab_totals: dict[Key, float]) -> list[str]:
    """Stock seconds per assignment (nnlab grades all at once) and the mean total score on each path."""
    lines = [f"{'assignment':<16} {'notebooks':>9} {'stock s':>8} {'mean score stock':>17} {'mean score nnlab':>17}"]
    for a in assignments:
        seconds = f"{stock.runs[a].seconds:.1f}" if stock else "-"
        lines.append(f"{a:<16} {sum(p.assignment == a for p in plan):>9} {seconds:>8} "
                     f"{_mean_total(stock_totals, a) if stock else '-':>17} {_mean_total(nnlab_totals, a):>17}")
    return lines


def report(plan: list[Planned], assignments: list[str], timeout: int,
           stock: PathResult | None, nnlab: PathResult, dask: PathResult | None = None, dask_workers: int = 0) -> int:
    """Print the results; 1 when a grading command failed outright."""
    keys = [p.key for p in plan]
    nnlab_cells, nnlab_totals = read_scores(nnlab.course, keys)
    stock_cells, stock_totals = read_scores(stock.course, keys) if stock else ({}, {})
    counts = ", ".join(f"{n} {kind}" for kind, n in kind_counts(len(plan)).items())
    print(f"machine          {machine_line()}")
    print(f"class: {len({p.student for p in plan})} students x {len(assignments)} assignments = "
          f"{len(plan)} notebooks ({counts}); cell timeout {timeout} s")
    if stock:
        print(path_line(stock, len(plan)))
    print(path_line(nnlab, len(plan)))
    if dask:
        print(path_line(dask, len(plan)))
    if stock and nnlab.seconds:
        print(f"speed-up         {stock.seconds / nnlab.seconds:.1f}x")
    print(f"overhead         {overhead_line(nnlab.course, nnlab.seconds)}")
    print(f"student code     {student_code_line(nnlab.course, stock.seconds if stock else None)}")
    if dask:
        print("\n".join(scaling_lines(nnlab, dask, len(plan), dask_workers)))
    paths = ([("stock", stock_cells)] if stock else []) + [("nnlab", nnlab_cells)]
    missing = [(label, [key for key in keys if key not in cells]) for label, cells in paths]
    print("not graded       " + "   ".join(f"{label} {len(m)}" + (f" ({by_kind(plan, m)})" if m else "")
                                          for label, m in missing))
    print("\n".join(score_lines(plan, stock_cells, nnlab_cells) if stock else ["scores           n/a (--skip-stock)"]))
    print("\n".join(assignment_lines(plan, assignments, stock, stock_totals, nnlab_totals)))
    honest = [p.key for p in plan if p.honest]
    errors = (failures(stock, stock_cells, honest) if stock else []) + failures(nnlab, nnlab_cells, honest)
    if dask:
        dask_cells, _ = read_scores(dask.course, keys)
        errors += failures(dask, dask_cells, honest)
        errors += [f"error: Dask and the local path differ: {d}" for d in compare_scores(nnlab_cells, dask_cells, honest)]
    for line in errors:
        print(line)
    return 1 if errors else 0


# -- the run -----------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40, help="students in the class (default 40)")
    parser.add_argument("--assignments", help="comma-separated assignments (default: all of the course)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="nnlab grade --workers (default: the CPU count)")
    parser.add_argument("--cell-timeout", type=int, default=30, help="seconds per cell on both paths (default 30)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the course folders in DIR/stock, DIR/nnlab (and DIR/dask)")
    parser.add_argument("--skip-stock", action="store_true", help="grade with nnlab only (no speed-up)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the class mix (default 0)")
    parser.add_argument("--scheduler", action="store_true",
                        help="grade the class a third time through a Dask scheduler and workers on this machine")
    parser.add_argument("--dask-workers", type=int, metavar="N",
                        help="Dask worker processes with --scheduler (default: --workers)")
    args = parser.parse_args(argv)
    args.dask_workers = args.dask_workers or args.workers
    known = available_assignments()
    args.assignments = args.assignments.split(",") if args.assignments else known
    unknown = [a for a in args.assignments if a not in known]
    if unknown:
        parser.error(f"unknown assignment(s) {', '.join(unknown)} (the course has: {', '.join(known)})")
    if args.students < 1 or args.students * len(args.assignments) < 2:
        parser.error("the class needs at least 2 notebooks (one broken, one looping)")
    if args.workers < 1 or args.cell_timeout < 1:
        parser.error("--workers and --cell-timeout must be at least 1")
    if args.keep and any((args.keep / name).exists() for name in ("stock", "nnlab", "dask")):
        parser.error(f"{args.keep} already holds stock/, nnlab/ or dask/: choose another folder")
    return args


def bench(args: argparse.Namespace, workdir: Path) -> int:
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    plan = plan_class(args.students, args.assignments, args.seed)
    progress(f"setting up the courses in {workdir}")
    nnlab_course = make_nnlab_course(workdir / "nnlab", args.assignments, args.cell_timeout)
    notebooks = {a: (nbformat.read(nnlab_course / "release" / a / f"{a}.ipynb", as_version=4),
                     nbformat.read(nnlab_course / "source" / a / f"{a}.ipynb", as_version=4))
                 for a in args.assignments}
    handins = {p.key: hand_in(p, *notebooks[p.assignment]) for p in plan}
    write_submitted(nnlab_course, handins)
    stock = None
    if not args.skip_stock:
        stock_course = make_stock_course(workdir / "stock", args.assignments, args.cell_timeout)
        write_submitted(stock_course, handins)
        stock = grade_stock(stock_course, args.assignments, logs)
    nnlab = grade_nnlab(nnlab_course, args.workers, logs)
    dask = None
    if args.scheduler:
        dask_course = make_nnlab_course(workdir / "dask", args.assignments, args.cell_timeout)
        write_submitted(dask_course, handins)
        dask = grade_on_dask(dask_course, args.dask_workers, logs)
    return report(plan, args.assignments, args.cell_timeout, stock, nnlab, dask, args.dask_workers)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.keep:
            return bench(args, args.keep.resolve())
        with tempfile.TemporaryDirectory(prefix="nnlab-grade-class-") as tmp:
            return bench(args, Path(tmp))
    except (RuntimeError, OSError) as exc:  # run_nbgrader's failures, a folder that cannot be written
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        print(f"error: {lines[0]}", file=sys.stderr)
        for line in [line for line in lines[1:] if line.strip()][-8:]:
            print(f"  {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
