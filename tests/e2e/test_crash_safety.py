"""Killing a grading run with SIGKILL in the middle of the class and running it again grades
every student exactly once and leaves a consistent gradebook."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from nnlab.batch.run import last_run
from nnlab.course import Course, nbgrader_command
from nnlab.demo.term import CLASS, Term

ASSIGNMENT = "perceptron"


def auto_scores(term: Term) -> dict[str, float]:
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        return {s.id: gb.find_submission(ASSIGNMENT, s.id).code_score for s in term.students}


@pytest.mark.parametrize("command", ["nbgrader autograde", "nnlab grade"])
def test_killed_run_then_rerun_grades_everyone_once(tmp_path, command, fast_config):
    students = [s for s in CLASS if s.id in ("ada", "ben", "cara")]
    term = Term(tmp_path, [ASSIGNMENT], students, extra_config=fast_config, workers=2 if command == "nnlab grade" else 0)
    term.set_up()
    term.release()
    term.hand_in()
    term.collect()

    env = dict(os.environ, **term.env(), PATH=os.pathsep.join([os.path.dirname(nbgrader_command()), os.environ["PATH"]]))
    argv = ([nbgrader_command(), "autograde", ASSIGNMENT] if command == "nbgrader autograde" else
            [sys.executable, "-m", "nnlab.cli", "grade", ASSIGNMENT, "--workers", "2"])
    run = subprocess.Popen(argv, cwd=term.course, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # Kill it as soon as it has started on the second student: the first is done, the second half-done.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((term.course / "autograded").glob(f"*/{ASSIGNMENT}"))) < 2:
        time.sleep(0.005)  # nnlab grade's writer takes a prefetched grade in well under a second
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    started = sorted((term.course / "autograded").glob(f"*/{ASSIGNMENT}"))
    assert len(started) == 2, "the run was killed in the middle of the class"
    assert any(not (folder / f"{ASSIGNMENT}.ipynb").exists() for folder in started), \
        "one student was being graded when the run was killed"

    done = [f.parent.name for f in started if (f / f"{ASSIGNMENT}.ipynb").exists()]
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        for student in done:   # each notebook the killed run finished is in the gradebook already
            assert gb.find_submission(ASSIGNMENT, student).code_score is not None, student

    term.autograde()  # the rerun

    if command == "nnlab grade":   # the rerun graded exactly what the killed run had not finished
        rerun = json.loads(last_run(Course.open(term.course)).read_text())["notebooks"]
        assert {n["student"] for n in rerun if n["status"] == "skipped"} == set(done)
        assert {n["student"] for n in rerun if n["status"] == "graded"} == {s.id for s in students} - set(done)

    for student in students:
        assert (term.course / "autograded" / student.id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    scores = auto_scores(term)
    assert scores["ada"] == pytest.approx(12.0) and scores["ben"] == 0.0 and 0 < scores["cara"] < 12
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        assert len(gb.find_assignment(ASSIGNMENT).submissions) == 3, "each student has exactly one submission"
