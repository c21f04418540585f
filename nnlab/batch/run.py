"""Grade a whole class: parallel workers ahead, nbgrader's autograde as the one gradebook writer.

`grade_class` runs in the course folder. Workers (see workers.py) sanitize and grade every
notebook still to grade, in the order nbgrader will ask for them. Meanwhile this process runs
plain `nbgrader autograde` for each assignment, in-process: its SandboxedExecute takes each
notebook's result from the workers instead of running it (the same code made it; the cells
are checked to be the ones nbgrader sanitized), and nbgrader does everything else as always:
the submission's timestamp, the files, the scores in the gradebook, late penalties. Only this
process writes the gradebook, so SQLite is safe; a database server works the same way.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nnlab.autograde.sandboxed_execute import is_linked
from nnlab.batch import speedups, state
from nnlab.batch.progress import Progress
from nnlab.batch.workers import Job, JobResult, grade_job, worker_pool
from nnlab.course import notebook_names

RUNS_DIR = Path(".nnlab") / "grade-runs"


@dataclass
class NotebookRecord:
    student: str
    assignment: str
    notebook: str
    status: str               # graded | failed | skipped
    seconds: float = 0.0
    student_seconds: float = 0.0    # the student's code: the notebook's cells and the graders' calls
    cell_seconds: float = 0.0       # the notebook's own cells only
    error: str = ""


@dataclass
class BatchRun:
    workers: int
    wall_seconds: float = 0.0
    notebooks: list[NotebookRecord] = field(default_factory=list)
    failed_assignments: list[str] = field(default_factory=list)

    def count(self, assignment: str, status: str) -> int:
        return sum(1 for n in self.notebooks if n.assignment == assignment and n.status == status)


def _autograde_app(assignment: str, force: bool, verbose: bool):
    """nbgrader's autograde for `assignment`; its log goes to the run's log file (and the terminal with -v)."""
    from nbgrader.apps import AutogradeApp

    app = AutogradeApp()
    app.initialize([assignment, *(["--force"] if force else []), "--log-level=INFO"])
    handler = logging.FileHandler(RUNS_DIR / "nbgrader.log")
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    app.log.handlers = [handler] + ([logging.StreamHandler()] if verbose else [])
    app.log.propagate = False
    return app


def _prefetching_autograde(app, prefetched):
    """nbgrader's Autograde converter of `app` whose every notebook's resources carry `prefetched`
    for SandboxedExecute (nbgrader's AutogradeApp.start, with this converter)."""
    from nbgrader.converters import Autograde

    class PrefetchingAutograde(Autograde):
        def init_single_notebook_resources(self, notebook_filename):
            resources = super().init_single_notebook_resources(notebook_filename)
            resources["nnlab"] = {"prefetched": prefetched}
            return resources

    app.coursedir.assignment_id = app.extra_args[0]
    return PrefetchingAutograde(coursedir=app.coursedir, parent=app)


class Prefetched:
    """SandboxedExecute's source of results made by the workers."""

    def __init__(self, futures: dict[tuple, Future], progress: Progress):
        self.futures = futures
        self.progress = progress
        self.used: dict[tuple, JobResult] = {}

    def __deepcopy__(self, memo) -> "Prefetched":
        return self   # nbconvert deep-copies each notebook's resources; this is a service, not data

    def __call__(self, student: str, assignment: str, notebook: str, digest: str):
        future = self.futures.get((student, assignment, notebook))
        if future is None:
            return None
        result: JobResult = future.result()
        self.used[(student, assignment, notebook)] = result
        self.progress.advance(f"{assignment}/{student}")
        if result.grade is None or result.grade.digest != digest:
            return None   # nbgrader's own sanitizing saw other cells: grade them here
        return result.grade


def grade_class(course: Path, assignments: list[str], workers: int, force: bool = False,
                verbose: bool = False) -> BatchRun:
    course = Path(course).resolve()
    os.chdir(course)
    speedups.install()
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    (RUNS_DIR / "nbgrader.log").write_text("")
    began = time.monotonic()
    run = BatchRun(workers)
    plans = {a: state.to_grade(course, a, force) for a in assignments}
    jobs, links = [], {}
    for a, (todo, unchanged, _) in plans.items():
        for student in unchanged:
            run.notebooks += [NotebookRecord(student, a, nb, "skipped") for nb in notebook_names(course, a)]
        for student in todo:
            for nb in notebook_names(course, a):
                path = course / "submitted" / student / a / f"{nb}.ipynb"
                if is_linked(path):
                    links[(student, a, nb)] = "the notebook is a link, not the student's own file"
                elif path.is_file():
                    jobs.append(Job(student, a, nb, str(path)))
    progress = Progress(len(jobs))
    if not jobs and not links:
        run.wall_seconds = time.monotonic() - began
        return run
    logging.getLogger("traitlets").setLevel(logging.INFO if verbose else logging.WARNING)
    pool = worker_pool(_autograde_app(assignments[0], force, verbose), workers)
    futures = {(j.student, j.assignment, j.notebook): pool.submit(grade_job, j) for j in jobs}
    prefetched = Prefetched(futures, progress)
    try:
        for a in assignments:
            if not plans[a][0]:
                continue
            try:
                _prefetching_autograde(_autograde_app(a, force, verbose), prefetched).start()
            except Exception:  # nbgrader's "some submissions failed" (NbGraderException): the others are graded
                run.failed_assignments.append(a)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.finish()
    for (student, a, nb), why in links.items():
        run.notebooks.append(NotebookRecord(student, a, nb, "failed", error=why))
    for job in jobs:
        result = prefetched.used.get((job.student, job.assignment, job.notebook))
        graded = (course / "autograded" / job.student / job.assignment / f"{job.notebook}.ipynb").exists()
        grade = result.grade if result else None
        run.notebooks.append(NotebookRecord(
            job.student, job.assignment, job.notebook, "graded" if graded else "failed",
            grade.seconds if grade else 0.0, grade.student_seconds if grade else 0.0,
            grade.cell_seconds if grade else 0.0, (result.error if result else "") if not graded else ""))
    for a, (todo, _, digests) in plans.items():
        for student in todo:
            if (course / "autograded" / student / a).exists():
                state.record(course, a, student, digests[student])
    run.wall_seconds = time.monotonic() - began
    save_run(course, run)
    return run


def save_run(course: Path, run: BatchRun) -> Path:
    path = Path(course) / RUNS_DIR / "last.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(run), indent=1))
    return path


def summary_table(run: BatchRun, assignments: list[str]) -> str:
    rows = [("assignment", "graded", "failed", "unchanged", "student code s")]
    for a in assignments:
        seconds = sum(n.student_seconds for n in run.notebooks if n.assignment == a)
        rows.append((a, str(run.count(a, "graded")), str(run.count(a, "failed")), str(run.count(a, "skipped")),
                     f"{seconds:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = sum(1 for n in run.notebooks if n.status == "graded")
    rate = graded / run.wall_seconds if run.wall_seconds else 0.0
    lines.append(f"{graded} notebook(s) graded in {run.wall_seconds:.1f} s ({rate:.2f}/s) with {run.workers} worker(s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m nnlab.batch", description="Grade collected submissions in parallel.")
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--course", type=Path, default=Path.cwd())
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    run = grade_class(args.course, args.assignments, max(1, args.workers), args.force, args.verbose)
    print(summary_table(run, args.assignments), flush=True)
    failed = [n for n in run.notebooks if n.status == "failed"]
    for n in failed:
        print(f"not graded: {n.student}, {n.assignment}/{n.notebook}" + (f": {n.error}" if n.error else ""),
              file=sys.stderr)
    if failed or run.failed_assignments:
        print(f"nbgrader's log of this run: {args.course.resolve() / RUNS_DIR / 'nbgrader.log'}", file=sys.stderr)
    return 1 if run.failed_assignments or any(n.status == "failed" for n in run.notebooks) else 0
