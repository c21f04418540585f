"""A deadline rush of hand-ins into a real exchange with `nnlab serve` running: how long a student waits
for feedback, and whether any hand-in is lost or graded twice.

N students hand in the assignments through nbgrader's own submit over the rush, arrivals rising towards
the deadline (the density grows linearly, so half of them come in the last 30%). Most hand in right
answers, some a typical mistake set or the release untouched; a third hand in each assignment twice (a
first try, then the right answers later in the rush); a few are hostile (a file that is not a notebook, a
link, a hand-in over the size limit, a hand-in dated in the future), which must get a "not graded" page.
With --kills K the service is SIGKILLed at K random moments of the rush and started again at once.

Printed: the machine, the latency from hand-in to released feedback (p50, p95, max), the part of it beyond
the notebook's own grading time, throughput, the hand-ins lost or graded twice, and `nnlab grade`'s time for
the same final notebooks in one batch after the deadline (the machine's capacity in notebooks/s).

    .venv/bin/python bench/handins.py [--students 60] [--rush 600] [--assignments a,b] [--workers W]
        [--kills 0] [--cell-timeout 30] [--seed 0] [--keep DIR]
    .venv/bin/python bench/handins.py --students 6 --rush 60      # a short run
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from grade_class import machine_line
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

from nnlab.course import available_assignments, nbgrader_environment
from nnlab.demo import submissions
from nnlab.demo.mistakes import mistake_sets
from nnlab.demo.term import Student, Term

HOSTILE = ["not a notebook", "a link", "over the size limit", "dated in the future"]
MAX_DIR_KB = 2000     # the course's c.CourseDirectory.max_dir_size in the benchmark


@dataclass
class Planned:
    student: str
    assignment: str
    at: float                 # seconds into the rush
    kind: str                 # right, mistakes, release, or one of HOSTILE
    name: str = ""            # the exchange's hand-in name, once handed in
    handed_in: float = 0.0    # time.time() of the hand-in


@dataclass
class Rush:
    plan: list[Planned]
    kills: list[float] = field(default_factory=list)


def plan_rush(students: int, assignments: list[str], rush: float, kills: int, seed: int) -> Rush:
    chance = random.Random(seed)
    ids = [f"student{i:03d}" for i in range(1, students + 1)]
    twice = set(chance.sample(ids, students // 3))
    hostile = dict(zip(chance.sample([s for s in ids if s not in twice], min(len(HOSTILE), max(1, students // 20))), HOSTILE))
    plan = []
    for student in ids:
        for a in assignments:
            at = rush * chance.random() ** 0.5      # density rising linearly towards the deadline
            if student in hostile and a == assignments[0]:
                plan.append(Planned(student, a, at, hostile[student]))
                continue
            kind = chance.choices(["right", "mistakes", "release"], [0.7, 0.2, 0.1])[0]
            if student in twice:
                first = rush * chance.random() ** 0.5
                at, first = max(at, first), min(at, first)
                plan.append(Planned(student, a, first, "mistakes" if kind == "right" else kind))
                kind = "right"
            plan.append(Planned(student, a, at, kind))
    return Rush(sorted(plan, key=lambda p: p.at), sorted(chance.uniform(0.05, 0.95) * rush for _ in range(kills)))


# -- the students ---------------------------------------------------------------------------
class Students:
    """Each student's folder and nbgrader cache; hand-ins by nbgrader's own submit, or forged in the inbound."""

    def __init__(self, workdir: Path, course: Path):
        self.workdir, self.course = workdir, course
        self.notebooks: dict[tuple[str, str], bytes] = {}

    def config(self, student: str, assignment: str) -> Config:
        config = Config()
        config.CourseDirectory.course_id = "nnlab"
        config.CourseDirectory.root = str(self.workdir / "students" / student)
        config.CourseDirectory.assignment_id = assignment
        config.CourseDirectory.student_id = student
        config.Exchange.root = str(self.workdir / "exchange")
        config.Exchange.assignment_dir = config.CourseDirectory.root
        config.Exchange.cache = str(self.workdir / "students" / student / "cache")
        return config

    def _run(self, action, student: str, assignment: str) -> None:
        config = self.config(student, assignment)
        action(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config).start()

    def notebook(self, assignment: str, kind: str) -> bytes:
        if (assignment, kind) not in self.notebooks:
            release = nbformat.read(self.course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
            source = nbformat.read(self.course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
            sets = mistake_sets(assignment)
            nb = {"right": lambda: submissions.correct(release, source),
                  "mistakes": lambda: submissions.with_mistakes(release, source, sets[0].answers if sets else {}),
                  "release": lambda: release}[kind]()
            self.notebooks[assignment, kind] = submissions.to_bytes(nb)
        return self.notebooks[assignment, kind]

    def hand_in(self, planned: Planned) -> str:
        if planned.kind in HOSTILE:
            return self.forge(planned)
        folder = self.workdir / "students" / planned.student / planned.assignment
        if not folder.exists():
            self._run(ExchangeFetchAssignment, planned.student, planned.assignment)
        (folder / f"{planned.assignment}.ipynb").write_bytes(self.notebook(planned.assignment, planned.kind))
        inbound = self.workdir / "exchange" / "nnlab" / "inbound"
        before = set(inbound.glob(f"{planned.student}+{planned.assignment}+*"))
        self._run(ExchangeSubmit, planned.student, planned.assignment)
        [made] = set(inbound.glob(f"{planned.student}+{planned.assignment}+*")) - before
        return made.name

    def forge(self, planned: Planned) -> str:
        """A hostile hand-in made straight in the inbound (every student may write there)."""
        now = datetime.now(timezone.utc)
        stamp = (now.replace(year=now.year + 5) if planned.kind == "dated in the future" else now).strftime(
            "%Y-%m-%d %H:%M:%S.%f UTC")
        name = f"{planned.student}+{planned.assignment}+{stamp}+{secrets.token_urlsafe(6)}"
        folder = self.workdir / "exchange" / "nnlab" / "inbound" / name
        folder.mkdir()
        (folder / "timestamp.txt").write_text(stamp)
        (folder / "submission_secret.txt").write_text(secrets.token_hex(64))
        notebook = folder / f"{planned.assignment}.ipynb"
        if planned.kind == "not a notebook":
            notebook.write_bytes(b'{"cells": [ not JSON')
        elif planned.kind == "a link":
            notebook.symlink_to("/etc/passwd")
        else:
            notebook.write_bytes(self.notebook(planned.assignment, "right"))
            if planned.kind == "over the size limit":
                (folder / "data.bin").write_bytes(os.urandom(2 * MAX_DIR_KB * 1000))
        return name


# -- the service ----------------------------------------------------------------------------
class Service:
    def __init__(self, course: Path, exchange: Path, workers: int, log: Path):
        self.course, self.exchange, self.workers, self.log = course, exchange, workers, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nnlab.cli", "serve", "--course", str(self.course), "--poll-interval", "1",
                 "--workers", str(self.workers)], cwd=self.course, stdout=out, stderr=subprocess.STDOUT,
                env=nbgrader_environment({"NNLAB_EXCHANGE": str(self.exchange)}), start_new_session=True)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._end_session()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(600)
        self._end_session()
        return code

    def _end_session(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)   # the workers it left, when it was killed
        except ProcessLookupError:
            pass


def journal(course: Path) -> list[dict]:
    path = course / ".nnlab" / "serve" / "journal.jsonl"
    lines = []
    for raw in path.read_text().splitlines() if path.exists() else []:
        try:
            lines.append(json.loads(raw))
        except ValueError:
            pass
    return lines


def settled(lines: list[dict], names: list[str]) -> list[str]:
    """The hand-ins of `names` not yet done with (released; or replaced or not graded, and told)."""
    last, told = {}, set()
    for line in lines:
        if line["event"] == "notified":
            told.add(line["handin"])
        else:
            last[line["handin"]] = line["event"]
    return [n for n in names if not (last.get(n) == "released" or (last.get(n) in ("superseded", "not graded") and n in told))]


# -- the run --------------------------------------------------------------------------------
def run_rush(term: Term, rush: Rush, length: float, workers: int, settle_timeout: float) -> dict:
    students = Students(term.workdir, term.course)
    for p in rush.plan:   # the notebooks are made before the rush: the students' clock is the plan's
        if p.kind not in HOSTILE:
            students.notebook(p.assignment, p.kind)
    service = Service(term.course, term.workdir / "exchange", workers, term.workdir / "serve.log")
    service.start()
    began = time.time()

    def arrive():
        for planned in rush.plan:
            time.sleep(max(0.0, began + planned.at - time.time()))
            planned.name = students.hand_in(planned)
            planned.handed_in = time.time()

    arrivals = threading.Thread(target=arrive)
    arrivals.start()
    for at in rush.kills:
        time.sleep(max(0.0, began + at - time.time()))
        service.kill()
        service.start()
    arrivals.join()
    names = [p.name for p in rush.plan]
    deadline = time.time() + settle_timeout
    while settled(journal(term.course), names) and time.time() < deadline:
        time.sleep(1)
    finished = time.time()
    stopped = service.stop()
    return {"began": began, "finished": finished, "stopped": stopped, "lines": journal(term.course)}


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):6.1f} s   p95 {p95:6.1f} s   max {ordered[-1]:6.1f} s"


def batch_grade(term: Term, workers: int) -> tuple[float, int]:
    """`nnlab grade all --force` on the final notebooks, after the deadline: (seconds, notebooks graded)."""
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", "all", "--force", "--workers", str(workers),
                           "--course", str(term.course)], cwd=term.course, capture_output=True, text=True,
                          env=nbgrader_environment({"NNLAB_EXCHANGE": str(term.workdir / "exchange")}))
    seconds = time.monotonic() - began
    (term.workdir / "batch-grade.log").write_text(done.stdout + done.stderr)
    record = json.loads((term.course / ".nnlab" / "grade-runs" / "last.json").read_text())
    return seconds, sum(1 for n in record["notebooks"] if n["status"] == "graded")


def report(rush: Rush, result: dict, batch: tuple[float, int], args, assignments: list[str]) -> list[str]:
    lines = result["lines"]
    events: dict[str, dict[str, dict]] = {}
    graded_lines: dict[str, int] = {}
    for line in lines:
        events.setdefault(line["handin"], {})[line["event"]] = line
        if line["event"] == "graded":
            graded_lines[line["handin"]] = graded_lines.get(line["handin"], 0) + 1
    latency, beyond, service, hostile_told = [], [], [], 0
    for p in rush.plan:
        got = events.get(p.name, {})
        if "released" in got:
            grading = got["graded"].get("seconds", 0.0)
            latency.append(got["released"]["at"] - p.handed_in)
            beyond.append(got["released"]["at"] - p.handed_in - grading)
            service.append(got["released"]["at"] - got["collected"]["at"] - grading)
        if p.kind in HOSTILE and "not graded" in got and "notified" in got:
            hostile_told += 1
    lost = settled(lines, [p.name for p in rush.plan])
    twice = [n for n, count in graded_lines.items() if count > 1]
    released = sum(1 for p in rush.plan if "released" in events.get(p.name, {}))
    superseded = sum(1 for p in rush.plan if "superseded" in events.get(p.name, {}))
    span = result["finished"] - result["began"]
    notebooks = sum(line.get("notebooks", 0) for line in lines if line["event"] == "graded")
    seconds, batch_notebooks = batch
    capacity = batch_notebooks / seconds if seconds else 0.0
    asked = len([p for p in rush.plan if p.kind not in HOSTILE]) / args.rush
    return [
        f"machine: {machine_line()}",
        f"rush: {args.students} students x {len(assignments)} assignment(s) ({', '.join(assignments)}), {len(rush.plan)} "
        f"hand-ins over {args.rush:g} s (a third twice, {sum(p.kind in HOSTILE for p in rush.plan)} hostile), "
        f"{args.workers} worker(s), cell timeout {args.cell_timeout} s, {len(rush.kills)} SIGKILL(s) of the service",
        f"latency, hand-in -> feedback released:     {percentiles(latency)}   ({len(latency)} released)",
        f"  beyond the notebook's own grading time:  {percentiles(beyond)}",
        f"    of it, collected -> released:           {percentiles(service)}   (the rest waited its turn)",
        f"throughput: {released} hand-ins released, {superseded} replaced by a newer one before grading, "
        f"{notebooks} notebooks graded in {span:.0f} s from the first hand-in to the last release "
        f"({notebooks / span:.2f} notebooks/s)",
        f"hostile hand-ins told 'not graded: why': {hostile_told} of {sum(p.kind in HOSTILE for p in rush.plan)}",
        f"lost (not done with when the service stopped): {len(lost)}{': ' + ', '.join(lost[:5]) if lost else ''}",
        f"graded twice: {len(twice)}{': ' + ', '.join(twice[:5]) if twice else ''}",
        f"service stopped with exit code {result['stopped']}",
        f"nnlab grade all --force, the same final notebooks in one batch: {seconds:.1f} s for {batch_notebooks} notebooks "
        f"= capacity {capacity:.2f} notebooks/s; the rush asked for {asked:.2f} hand-ins/s "
        f"({100 * asked / capacity if capacity else float('inf'):.0f}% of it)",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--rush", type=float, default=600.0, help="seconds from the first hand-in to the deadline")
    parser.add_argument("--assignments", help="comma-separated (default: every assignment)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--kills", type=int, default=0, help="SIGKILLs of the service at random moments of the rush")
    parser.add_argument("--cell-timeout", type=int, default=30)
    parser.add_argument("--settle", type=float, default=1800.0, help="seconds to wait after the rush for the last feedback")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the course, the exchange and the logs in DIR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    assignments = args.assignments.split(",") if args.assignments else available_assignments()
    workdir = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="nnlab-handins-"))
    rush = plan_rush(args.students, assignments, args.rush, args.kills, args.seed)
    ids = sorted({p.student for p in rush.plan})
    config = (f"c.Grading.cell_timeout = {float(args.cell_timeout)!r}\n"
              f"c.CourseDirectory.max_dir_size = {MAX_DIR_KB}\n")
    term = Term(workdir, assignments, [Student(s, s, "Example", "", lambda *_: None) for s in ids], extra_config=config)
    print(f"setting up the course in {workdir} (untimed)", file=sys.stderr, flush=True)
    term.set_up()
    term.release()
    print(f"the rush: {len(rush.plan)} hand-ins over {args.rush:g} s", file=sys.stderr, flush=True)
    result = run_rush(term, rush, args.rush, args.workers, args.settle)
    print("after the deadline: nnlab grade all --force", file=sys.stderr, flush=True)
    batch = batch_grade(term, args.workers)
    print("\n".join(report(rush, result, batch, args, assignments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
