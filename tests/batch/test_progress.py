"""`nnlab grade`'s progress line counts the whole run (the workers grading, nbgrader recording into the
gradebook), and a grading run prints no warning of nbgrader's gradebook code."""
from __future__ import annotations

import io
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import nbformat
import pytest
from sqlalchemy.exc import SAWarning

from nnlab.batch.nbgrader_adapter import SUBMISSION_NOT_IN_SESSION, gradebook_warnings
from nnlab.batch.progress import Progress
from nnlab.course import PROJECT_ROOT, copy_course, nbgrader_environment, run_nbgrader
from nnlab.demo import submissions

ASSIGNMENT = "perceptron"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- the arithmetic and the output --------------------------------------------------------------
def test_each_notebook_is_half_done_when_graded_and_done_when_recorded():
    clock = Clock()
    progress = Progress(4, stream=io.StringIO(), clock=clock)
    assert progress.fraction == 0.0
    for _ in range(4):
        progress.grade()
    assert progress.fraction == 0.5, "all graded, nothing in the gradebook yet: half the run"
    progress.record()
    assert progress.fraction == pytest.approx(5 / 8)
    clock.now += 10.0
    line = progress.line("perceptron/ada")
    assert "graded 4/4  recorded 1/4 notebooks" in line
    assert "0.10/s" in line, "the rate is the gradebook writer's: 1 notebook recorded in 10 s"
    assert "ETA 6 s" in line, "5/8 done in 10 s: 3/8 left take 6 s"
    assert line.startswith("[" + "#" * 15 + "." * 9 + "]") and line.endswith("  perceptron/ada")
    for _ in range(3):
        progress.record()
    assert progress.fraction == 1.0 and "ETA 0 s" in progress.line()


def test_nothing_done_yet_has_no_eta_and_an_empty_run_is_done():
    assert "ETA ?" in Progress(3, stream=io.StringIO()).line()
    assert Progress(0, stream=io.StringIO()).fraction == 1.0


def test_a_log_gets_a_line_every_tenth_of_the_whole_run():
    log = io.StringIO()
    progress = Progress(10, stream=log, clock=Clock())
    for _ in range(10):
        progress.grade()
    for _ in range(10):
        progress.record()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11, lines   # 20 steps of 5%: the first (it has begun), then one a tenth: 10%, ... 100%
    assert "graded 1/10  recorded 0/10" in lines[0]
    assert lines[5].startswith("[" + "#" * 12 + ".") and "graded 10/10  recorded 0/10" in lines[5]
    assert "graded 10/10  recorded 10/10" in lines[-1] and "\r" not in log.getvalue()


def test_a_terminal_gets_one_line_redrawn_then_a_newline():
    terminal = Terminal()
    progress = Progress(2, stream=terminal, clock=Clock())
    progress.grade("perceptron/ada")
    progress.record("perceptron/ada")
    progress.finish()
    out = terminal.getvalue()
    assert out.startswith("\r") and out.endswith("\n") and out.count("\n") == 1
    assert "graded 1/2  recorded 1/2" in out.split("\r")[-1]


TERMINAL_RUN = """
import sys, time
from nnlab.batch.progress import Progress
progress = Progress(3, stream=sys.stderr)
for name in ("ada", "bo", "cy"):
    progress.grade("perceptron/" + name)
    time.sleep(0.25)
    progress.record("perceptron/" + name)
    time.sleep(0.25)
progress.finish()
"""


def test_in_a_real_terminal_the_bar_is_redrawn_live():
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 132, 0, 0))   # a terminal 132 wide
    run = subprocess.Popen([sys.executable, "-c", TERMINAL_RUN], stdin=follower, stdout=follower, stderr=follower,
                           cwd=PROJECT_ROOT)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:   # the terminal closed with the program
            break
        if not chunk:
            break
        seen += chunk
    assert run.wait(timeout=30) == 0
    os.close(leader)
    draws = [d for d in seen.decode().replace("\r\n", "\n").split("\r") if d.strip()]
    assert len(draws) >= 4, draws   # redrawn as the run goes, not once at the end
    assert any("graded 2/3  recorded 1/3" in d or "graded 2/3  recorded 2/3" in d for d in draws), draws
    assert "graded 3/3  recorded 3/3 notebooks" in draws[-1] and draws[-1].startswith("[" + "#" * 24 + "]")
    assert seen.count(b"\n") == 1, "one line, ended once"


def test_notebooks_a_lost_cluster_never_graded_are_not_counted_as_graded():
    log = io.StringIO()
    progress = Progress(3, stream=log, clock=Clock())
    progress.grade("perceptron/ada")
    progress.grade("perceptron/bo", lost=True)
    progress.grade("perceptron/cy", lost=True)
    assert progress.fraction == 0.5, "a lost notebook is done with, as far as this run goes"
    assert "graded 1/3  lost 2  recorded 0/3" in progress.line()
    assert "lost" not in Progress(3, stream=io.StringIO()).line()


def test_workers_and_the_writer_count_from_different_threads():
    progress = Progress(400, stream=io.StringIO(), clock=Clock())
    threads = [threading.Thread(target=lambda: [progress.grade() for _ in range(200)]) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(400):
        progress.record()
    for thread in threads:
        thread.join()
    assert (progress.graded, progress.recorded, progress.fraction) == (400, 400, 1.0)


# -- nbgrader's gradebook warnings ----------------------------------------------------------------
def test_only_nbgraders_submission_warnings_are_silenced():
    message = ("Object of type <SubmittedAssignment> not in session, add operation along "
               "'Assignment.submissions' will not proceed (This warning originated from the Session "
               "'autoflush' process)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with gradebook_warnings():
            warnings.warn_explicit(message, SAWarning, "api.py", 1, module="nbgrader.api")
            warnings.warn_explicit(message.replace("SubmittedAssignment", "SubmittedNotebook")
                                   .replace("Assignment.", "Notebook."), SAWarning, "api.py", 2,
                                   module="nbgrader.api")
            warnings.warn_explicit("another SQLAlchemy warning", SAWarning, "api.py", 3, module="nbgrader.api")
            warnings.warn_explicit(message, SAWarning, "other.py", 4, module="someone.else")
    assert [str(w.message) for w in caught] == ["another SQLAlchemy warning", message]
    assert SUBMISSION_NOT_IN_SESSION.startswith("Object of type <Submitted")


# -- a class graded by `nnlab grade` --------------------------------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_config) -> subprocess.CompletedProcess:
    """Three students' perceptron (right, untouched, right) graded by `nnlab grade` in a process of its
    own, its stderr a file (a log, not a terminal)."""
    course = copy_course(tmp_path_factory.mktemp("progress") / "course", include_release=False)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Autograde.create_student = True\n" + fast_config)
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    release = nbformat.read(PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    source = nbformat.read(PROJECT_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    right = submissions.to_bytes(submissions.correct(release, source))
    for student, data in {"ada": right, "ben": submissions.to_bytes(release), "cara": right}.items():
        folder = Path(course) / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(data)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", ASSIGNMENT, "--workers", "2",
                           "--course", str(course)], cwd=course, env=nbgrader_environment(),
                          capture_output=True, text=True, timeout=600)


def test_grading_shows_both_sides_of_the_run_on_stderr(graded):
    assert graded.returncode == 0, graded.stderr
    lines = [line for line in graded.stderr.splitlines() if line.startswith("[")]
    assert lines, graded.stderr
    assert "graded 3/3  recorded 3/3 notebooks" in lines[-1]
    assert any("recorded 0/3" in line or "recorded 1/3" in line for line in lines[:-1]), \
        "the line moved before the gradebook was written in full"
    assert not [line for line in graded.stdout.splitlines() if line.startswith("[")], "progress goes to stderr only"


def test_grading_a_class_prints_no_sqlalchemy_warning(graded):
    assert graded.returncode == 0, graded.stderr
    assert "SAWarning" not in graded.stderr and "Warning" not in graded.stderr, graded.stderr
