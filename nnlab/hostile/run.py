"""Run the hostile corpus: one temporary course, every case's submission, `nnlab grade` once per
assignment (a subprocess, as an instructor runs it), `nnlab feedback`, then every expectation.

A run that stops the batch (a traceback, a timeout, or students left neither graded nor named
by a verdict line) counts as a batch stop; a file under submitted/ whose bytes (or link target)
differ after grading counts as a changed file.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat

from nnlab.course import PROJECT_ROOT, Course, copy_course, run_nbgrader
from nnlab.gradebook import Snapshot, read_gradebook
from nnlab.hostile.corpus import (
    CASES,
    HIDDEN_TESTS_MARKER,
    LEAK_MARKER,
    OUTSIDE,
    SECRET_FILE,
    SOLUTION_MARKER,
    Case,
    Check,
    Outcome,
    Where,
    reach_tag,
    write_targets,
)
from nnlab.hostile.reach import host_tmp_path

# Short limits: a case that loops costs seconds, not minutes.
FAST_CONFIG = """
# -- nnlab.hostile: short limits ------------------------------------------------------------
c.Grading.cell_timeout = 5.0
c.Grading.call_timeout = 10.0
c.Grading.notebook_timeout = 60.0
"""
GRADE_COMMAND = (sys.executable, "-m", "nnlab.cli", "grade")
FEEDBACK_COMMAND = (sys.executable, "-m", "nnlab.cli", "feedback")
TIMESTAMP = "2024-05-02 09:00:00.000000 UTC"
GRADE_TABLE = re.compile(r"^\s*Grade table\s*$")


@dataclass
class GradeRun:
    assignment: str
    command: list[str]
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    stopped: str = ""            # why this run counts as a batch stop ("" when it does not)

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def verdict_lines(self) -> list[str]:
        """Lines that can be a verdict: the output before the grade table, without the commands shown."""
        lines = []
        for stream in (self.stdout, self.stderr):
            for line in stream.splitlines():
                if GRADE_TABLE.match(line):
                    break
                if not line.startswith("$ "):
                    lines.append(line)
        return lines


@dataclass
class CaseResult:
    name: str
    ok: bool
    reason: str                  # why not as expected ("" when as expected)
    summary: str = ""            # what was seen, in a few words
    total: float | None = None
    cells: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    graded: bool = False


@dataclass
class Context:
    """What a finished run left, for checking cases (again) against it."""
    workdir: Path
    course: Path
    runs: dict[str, GradeRun]
    secret: str
    built: dict[str, str]        # case name -> "" or why its submission could not be built

    @cached_property
    def gradebook(self) -> Snapshot:
        """The gradebook as the finished run left it, read once for every case."""
        course = Course.open(self.course)
        return read_gradebook(course.db_url, course.course_id)


@dataclass
class CorpusResult:
    tried: int
    as_expected: int
    batch_stops: int
    files_changed: int
    results: list[CaseResult]
    runs: dict[str, GradeRun]
    changed_files: list[str]
    seconds: float
    context: Context

    def by_name(self) -> dict[str, CaseResult]:
        return {r.name: r for r in self.results}

    def unexpected(self) -> list[str]:
        return [f"{r.name}: {r.reason}" for r in self.results if not r.ok]

    def figures(self) -> str:
        return (f"{self.tried} tried, {self.as_expected} as expected, {self.batch_stops} batch stops, "
                f"{self.files_changed} files changed")

    @property
    def passed(self) -> bool:
        return self.as_expected == self.tried and self.batch_stops == 0 and self.files_changed == 0


# -- the course ----------------------------------------------------------------------------------

def _log(text: str) -> None:
    print(f"[hostile] {text}", file=sys.stderr, flush=True)


def set_up_course(workdir: Path, assignments: list[str]) -> tuple[Path, dict]:
    """A fresh course with short limits and the release of `assignments`; the environment to grade it in."""
    course = copy_course(workdir / "course", include_release=False)
    with open(course / "course_config.py", "a") as config:
        config.write(FAST_CONFIG)
    secret = workdir / SECRET_FILE
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(secrets.token_hex(32) + "\n")
    secret.chmod(0o600)
    (workdir / OUTSIDE).mkdir(parents=True, exist_ok=True)
    env = {"NNLAB_SECRET": str(secret), "NNLAB_EXCHANGE": str(workdir / "exchange")}
    for a in assignments:
        run_nbgrader(course, "generate_assignment", a, "--force", env=env)
    return course, env


def write_submission(course: Path, case: Case) -> None:
    folder = Course.open(course).submitted(case.student, case.assignment)
    release = nbformat.read(course / "release" / case.assignment / f"{case.assignment}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / case.assignment / f"{case.assignment}.ipynb", as_version=4)
    case.build(folder, release, source)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "timestamp.txt"
    if not stamp.exists() and not stamp.is_symlink():
        stamp.write_text(TIMESTAMP)


def digest_tree(root: Path) -> dict[str, str]:
    """{path: sha256} of every file under root, following no symbolic link (a link: its target)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                found[rel] = "link:" + hashlib.sha256(os.readlink(path).encode()).hexdigest()
                continue
            digest = hashlib.sha256()
            try:
                with open(path, "rb") as data:
                    for block in iter(lambda: data.read(1 << 20), b""):
                        digest.update(block)
            except OSError as exc:
                found[rel] = f"unreadable: {exc.strerror}"
                continue
            found[rel] = digest.hexdigest()
    return found


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted([f"changed: {p}" for p in before if p in after and before[p] != after[p]]
                  + [f"removed: {p}" for p in before if p not in after]
                  + [f"added: {p}" for p in after if p not in before])


def _run(command: list[str], env: dict, timeout: float) -> tuple[int | None, str, str, float, str]:
    """(returncode, stdout, stderr, seconds, "" or why it was stopped); the whole process group is
    killed on a timeout."""
    began = time.monotonic()
    full_env = dict(os.environ, **env)
    full_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), full_env.get("PATH", "")])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=full_env, cwd=str(PROJECT_ROOT), start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err, time.monotonic() - began, ""
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out, err, time.monotonic() - began, f"did not finish in {timeout:g} s"


def grade(course: Path, assignment: str, env: dict, grade_command, timeout: float) -> GradeRun:
    command = [*grade_command, assignment, "--course", str(course)]
    run = GradeRun(assignment, command)
    run.returncode, run.stdout, run.stderr, run.seconds, run.stopped = _run(command, env, timeout)
    if not run.stopped:
        if run.returncode is not None and run.returncode < 0:
            run.stopped = f"killed by signal {-run.returncode}"
        elif any(line.startswith("Traceback (most recent call last)") for line in run.output.splitlines()):
            # the grading command's own traceback (nbgrader's log of one submission's error is
            # prefixed "[AutogradeApp | ERROR]" or indented, and is no batch stop by itself)
            run.stopped = "a traceback in its output"
        elif "unexpected error" in run.output:
            run.stopped = "an unexpected error: " + next(line for line in run.output.splitlines()
                                                         if "unexpected error" in line).strip()
    return run


# -- checking ----------------------------------------------------------------------------------

_STUDENT_EDGE = r"[\w.\-/]"


def lines_naming(lines: list[str], student: str) -> list[str]:
    pattern = re.compile(rf"(?<!{_STUDENT_EDGE}){re.escape(student)}(?!{_STUDENT_EDGE})")
    return [line for line in lines if pattern.search(line)]


def gradebook_scores(book: Snapshot, assignment: str, student: str) -> tuple[float | None, dict[str, float]]:
    """(the submission's total, {grade cell: score}) from the gradebook; (None, {}) without a submission."""
    submission = book.submission(student, assignment)
    if submission is None:
        return None, {}
    return submission.score, {name: score or 0.0 for (_, name), score in submission.scores.items()}


def _texts(outcome: Outcome) -> list[tuple[str, str]]:
    """(what, text) of the autograded notebook and every feedback page of the case."""
    found = []
    if outcome.graded_notebook.exists():
        found.append((str(outcome.graded_notebook.relative_to(outcome.course)),
                      outcome.graded_notebook.read_text(errors="replace")))
    if outcome.feedback_dir.exists():
        for page in sorted(outcome.feedback_dir.glob("*.html")):
            found.append((str(page.relative_to(outcome.course)), html.unescape(page.read_text(errors="replace"))))
    return found


def leaks(outcome: Outcome) -> list[str]:
    """Texts that must never reach an autograded notebook or a feedback page."""
    forbidden = [(SOLUTION_MARKER, "a solution of the source notebook"), (LEAK_MARKER, "a probe's success marker")]
    if outcome.secret:
        forbidden.append((outcome.secret, "the course secret"))
    found = []
    for what, text in _texts(outcome):
        for needle, meaning in forbidden + ([(HIDDEN_TESTS_MARKER, "hidden tests")] if what.endswith(".html") else []):
            if needle in text:
                at = text.index(needle)
                context = " ".join(text[at:at + 90].split())
                found.append(f"{meaning} in {what}: {context!r}")
    return found


def check_case(case: Case, ctx: Context) -> CaseResult:
    """Is the outcome of `case` in the finished run `ctx` as expected?"""
    if ctx.built.get(case.name):
        return CaseResult(case.name, False, f"could not build the submission: {ctx.built[case.name]}")
    run = ctx.runs.get(case.assignment)
    lines = lines_naming(run.verdict_lines(), case.student) if run else []
    total, cells = gradebook_scores(ctx.gradebook, case.assignment, case.student)
    outcome = Outcome(case, ctx.course, ctx.workdir, total, cells, lines, ctx.secret)
    graded = outcome.graded_notebook.exists()
    expect, problems = case.expect, []
    if run is None:
        problems.append(f"{case.assignment} was never graded")
    if expect.graded and not graded:
        problems.append("no autograded notebook")
    if not graded and not lines:
        problems.append("neither an autograded notebook nor a verdict line naming the student")
    if expect.min_score is not None and (total is None or total < expect.min_score - 1e-9):
        problems.append(f"total {total} < {expect.min_score:g}")
    if expect.max_score is not None and total is not None and total > expect.max_score + 1e-9:
        problems.append(f"total {total:g} > {expect.max_score:g}")
    wrong = {cell: cells.get(cell) for cell, points in expect.cells.items()
             if cells.get(cell) is None or abs(cells[cell] - points) > 1e-6}
    if wrong:
        problems.append("cells " + ", ".join(f"{c}={s} (expected {expect.cells[c]:g})" for c, s in wrong.items()))
    if expect.verdict is not None and not any(expect.verdict in line for line in lines):
        problems.append(f"no verdict line with {expect.verdict!r}" + (f" (lines: {lines[:3]})" if lines else ""))
    problems += leaks(outcome)
    for extra in expect.checks:
        try:
            problems += extra(outcome)
        except Exception as exc:  # a broken check is a failed expectation, not a crash of the run
            problems.append(f"check {getattr(extra, '__name__', extra)} failed: {type(exc).__name__}: {exc}")
    score = "no score" if total is None else f"{total:g}"
    summary = f"{score}, {'graded' if graded else 'not graded'}" + (f"; {lines[0].strip()[:90]}" if lines else "")
    return CaseResult(case.name, not problems, "; ".join(problems), summary, total, cells, lines, graded)


def run_check(check: Check, workdir: Path) -> CaseResult:
    folder = workdir / "checks" / check.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        reason = check.run(folder)
    except Exception as exc:
        reason = f"the check raised {type(exc).__name__}: {exc}"
    return CaseResult(check.name, reason is None, reason or "", "" if reason else check.about)


def _cleanup_write_probes(course: Path, cases: list[Case]) -> None:
    """Whatever a write probe managed to write is removed (the project's folder above all), and
    the files the reach probes planted in the host's /tmp."""
    for case in cases:
        where = Where(Course.open(course).submitted(case.student, case.assignment))
        for path in [*write_targets(where), host_tmp_path(reach_tag(where))]:
            if path.exists() and not path.is_dir():
                path.unlink()


def run_corpus(workdir: Path, cases: list = CASES, grade_command=GRADE_COMMAND,
               feedback_command=FEEDBACK_COMMAND, timeout_per_case: float = 120.0) -> CorpusResult:
    """Grade every case in one temporary course at `workdir` (made; must not hold a course yet)."""
    began = time.monotonic()
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    submissions = [c for c in cases if isinstance(c, Case)]
    results: dict[str, CaseResult] = {}
    for check in (c for c in cases if isinstance(c, Check)):
        _log(f"check {check.name}")
        results[check.name] = run_check(check, workdir)
    ctx = Context(workdir, workdir / "course", runs={}, secret="", built={})
    changed_files: list[str] = []
    if submissions:
        ctx, changed_files = _grade_submissions(workdir, submissions, results, grade_command, feedback_command,
                                                timeout_per_case)
        _mark_batch_stops(ctx, submissions, results)
    ordered = [results[c.name] for c in cases]
    return CorpusResult(
        tried=len(ordered), as_expected=sum(r.ok for r in ordered),
        batch_stops=sum(1 for r in ctx.runs.values() if r.stopped), files_changed=len(changed_files),
        results=ordered, runs=ctx.runs, changed_files=changed_files, seconds=time.monotonic() - began,
        context=ctx)


def _grade_submissions(workdir: Path, submissions: list[Case], results: dict[str, CaseResult], grade_command,
                       feedback_command, timeout_per_case: float) -> tuple[Context, list[str]]:
    """Release the course, write every submission, grade (and give feedback on) each assignment and
    check every case into `results`: the finished run, and the files changed under submitted/."""
    assignments = list(dict.fromkeys(c.assignment for c in submissions))
    _log(f"course in {workdir / 'course'}: releasing {', '.join(assignments)}")
    course, env = set_up_course(workdir, assignments)
    secret = (workdir / SECRET_FILE).read_text().strip()
    ctx = Context(workdir, course, runs={}, secret=secret, built=_write_submissions(course, submissions))
    layout = Course.open(course)
    submitted = layout.folder / layout.submitted_directory
    before = digest_tree(submitted)
    try:
        for a in assignments:
            count = sum(1 for c in submissions if c.assignment == a)
            ctx.runs[a] = _grade_assignment(ctx, a, count, env, grade_command, feedback_command,
                                            timeout=300 + timeout_per_case * count)
        changed_files = changed(before, digest_tree(submitted))
        for case in submissions:
            results[case.name] = check_case(case, ctx)
    finally:
        _cleanup_write_probes(course, submissions)
    return ctx, changed_files


def _write_submissions(course: Path, submissions: list[Case]) -> dict[str, str]:
    """{case name: "" or why its submission could not be built}."""
    built: dict[str, str] = {}
    for case in submissions:
        try:
            write_submission(course, case)
            built[case.name] = ""
        except Exception as exc:
            built[case.name] = f"{type(exc).__name__}: {exc}"
            _log(f"could not build {case.name}:\n{traceback.format_exc()}")
    return built


def _grade_assignment(ctx: Context, a: str, count: int, env: dict, grade_command, feedback_command,
                      timeout: float) -> GradeRun:
    """`nnlab grade` on one assignment (its output kept in grade-<a>.log), then `nnlab feedback`."""
    _log(f"nnlab grade {a} ({count} submission(s))")
    run = grade(ctx.course, a, env, grade_command, timeout=timeout)
    (ctx.workdir / f"grade-{a}.log").write_text(
        f"$ {' '.join(run.command)}\n# exit {run.returncode}\n"
        f"# stdout\n{run.stdout}\n# stderr\n{run.stderr}\n")
    _log(f"  exit {run.returncode} after {run.seconds:.0f} s" + (f"; BATCH STOP: {run.stopped}" if run.stopped else ""))
    if feedback_command:
        _run([*feedback_command, a, "--course", str(ctx.course)], env, timeout=300 + 10 * count)
    return run


def _mark_batch_stops(ctx: Context, submissions: list[Case], results: dict[str, CaseResult]) -> None:
    """A run that left a control ungraded, or students neither graded nor named, did not grade the
    rest of the class: it counts as a batch stop, and its ungraded cases say so."""
    for a, run in ctx.runs.items():
        mine = [c for c in submissions if c.assignment == a and not ctx.built[c.name]]
        controls = [c.student for c in mine if c.control and not results[c.name].graded]
        lost = [c.student for c in mine if not results[c.name].graded and not results[c.name].lines]
        if not run.stopped and controls:
            run.stopped = f"the control(s) {', '.join(controls)} (right answers) were not graded"
        elif not run.stopped and lost:
            run.stopped = f"left neither graded nor named: {', '.join(lost)}"
        if run.stopped:
            for c in mine:
                r = results[c.name]
                if not r.ok and not r.graded and not r.lines:
                    r.reason = f"not graded: the batch stopped ({r.reason})"
                elif not r.ok and not r.graded and all(re.match(r"not graded: ", line.strip()) for line in r.lines):
                    r.reason = "not graded: the batch stopped (only a 'not graded' line names it)"
