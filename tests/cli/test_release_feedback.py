"""`nnlab release-feedback` on a real exchange: ada and ben hand in through nbgrader's exchange, the
instructor grades, generates and releases the feedback, and each student fetches their own page
with `nbgrader fetch_feedback`. The feedback pages load no script from the internet: formulas stay
as their TeX (nnlab/html_templates, with the course configuration's lines below)."""
from __future__ import annotations

import argparse
import io
import re
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from cli_run import Run, nnlab

from nnlab.cli import release_feedback
from nnlab.cli.context import Nbgrader, Problem, open_course
from nnlab.course import nbgrader_command, nbgrader_environment
from nnlab.demo.term import CLASS, Term

ASSIGNMENT = "perceptron"

# What course_config.py holds for formulas without the internet (nnlab/html_templates/base/mathjax.html.j2)
OFFLINE_FORMULAS = """
import nbgrader.server_extensions.formgrader as _formgrader
import nnlab as _nnlab
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(_formgrader.__file__), "templates"),
    os.path.join(os.path.dirname(_nnlab.__file__), "html_templates"),
]
"""


def release(*argv, course: Path, dry_run: bool = False) -> Run:
    """`nnlab release-feedback ARGV` through the command's own module (its parser arguments and run)."""
    parser = argparse.ArgumentParser()
    release_feedback.add_arguments(parser)
    args = parser.parse_args([str(a) for a in argv])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        opened = open_course(course)
        try:
            code = release_feedback.run(args, opened, Nbgrader(opened, dry_run=dry_run))
        except Problem as exc:   # as `nnlab` reports it: exit code 1 and the message
            code = 1
            print(exc, file=err)
    return Run(code, out.getvalue(), err.getvalue())


def own_caches(term: Term) -> None:
    """Each student's hand-in into their own nbgrader cache, as on a JupyterHub (each student is a user
    with a home of their own): the term's students submitted from one process, into one cache, where
    `fetch_feedback` would look through every student's submissions."""
    shared = term.workdir / "jupyter-data" / "nbgrader_cache" / "nnlab"
    for submission in shared.iterdir():
        own = cache_of(term, submission.name.split("+")[0]) / "nbgrader_cache" / "nnlab"
        own.mkdir(parents=True, exist_ok=True)
        submission.rename(own / submission.name)


def cache_of(term: Term, student: str) -> Path:
    """The student's Jupyter data folder (JUPYTER_DATA_DIR), which holds their nbgrader cache."""
    return term.workdir / "students" / student / ".local" / "share" / "jupyter"


def fetch_feedback(term: Term, student: str) -> subprocess.CompletedProcess:
    """`nbgrader fetch_feedback` as the student runs it, in their own folder (no course configuration)."""
    home = term.workdir / "students" / student
    return subprocess.run([nbgrader_command(), "fetch_feedback", ASSIGNMENT, "--course", "nnlab",
                           f"--CourseDirectory.student_id={student}", f"--Exchange.root={term.workdir / 'exchange'}",
                           f"--Exchange.assignment_dir={home}"],
                          cwd=home, env=nbgrader_environment({"JUPYTER_DATA_DIR": str(cache_of(term, student))}),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config):
    """ada (right answers) and ben (the release untouched) hand in through the exchange; the instructor
    collects, grades and generates the feedback with nnlab, then releases it."""
    students = [s for s in CLASS if s.id in ("ada", "ben")]
    term = Term(tmp_path_factory.mktemp("release-feedback"), [ASSIGNMENT], students,
                extra_config=fast_config + OFFLINE_FORMULAS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        # the students' nbgrader cache (where submit keeps what fetch_feedback looks for): in the term
        patch.setenv("JUPYTER_DATA_DIR", str(term.workdir / "jupyter-data"))
        term.set_up()
        term.release()
        term.hand_in()
    own_caches(term)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        term.before_feedback = release(ASSIGNMENT, course=term.course)
        term.steps = [nnlab("collect", ASSIGNMENT, "--course", term.course),
                      nnlab("grade", ASSIGNMENT, "--course", term.course),
                      nnlab("feedback", ASSIGNMENT, "--course", term.course)]
        term.dry_run = release("all", course=term.course, dry_run=True)
        term.released = release("all", course=term.course)
    term.fetched = {s.id: fetch_feedback(term, s.id) for s in students}
    return term


def test_nothing_to_release_before_the_feedback_is_generated(term):
    run = term.before_feedback
    assert run.code == 1 and "no feedback generated for perceptron (feedback/ holds none)" in run.err, run
    assert "nbgrader release_feedback" not in run.out


def test_the_release_prints_the_nbgrader_command_then_what_it_did(term):
    assert all(step.code == 0 for step in term.steps), [step.err for step in term.steps]
    run = term.released
    assert run.code == 0, run.err
    assert run.out.startswith("$ nbgrader release_feedback perceptron\n"), run.out
    assert "perceptron: feedback of 2 student(s) released into the exchange" in run.out
    assert "nbgrader fetch_feedback ASSIGNMENT --course nnlab" in run.out
    assert len(list((term.workdir / "exchange" / "nnlab" / "feedback").glob("*.html"))) == 2


def test_the_dry_run_prints_the_command_and_releases_nothing(term):
    assert term.dry_run.code == 0, term.dry_run.err
    assert "\nnbgrader release_feedback perceptron\n" in term.dry_run.out
    assert "released" not in term.dry_run.out


@pytest.mark.parametrize("student", ["ada", "ben"])
def test_each_student_fetches_their_own_feedback(term, student):
    done = term.fetched[student]
    assert done.returncode == 0, done.stdout + done.stderr
    pages = list((term.workdir / "students" / student / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    assert len(pages) == 1, done.stdout + done.stderr
    page = pages[0].read_text()
    assert page == (term.course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    score = {"ada": "12", "ben": "0"}[student]
    assert re.search(rf"Score: {score}(\.0)? / ", page), "the student's own score"


def test_the_feedback_loads_no_script_from_the_internet_and_keeps_formulas_as_tex(term):
    pages = list((term.workdir / "students").glob(f"*/{ASSIGNMENT}/feedback/*/{ASSIGNMENT}.html"))
    assert len(pages) == 2
    for path in pages:
        page = path.read_text()
        scripts = re.findall(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", page, re.I)
        assert not [src for src in scripts if re.match(r"(https?:)?//", src)], (path, scripts)
        assert not re.search(r"""(import\s[^;]*from\s*|import\()\s*["'](https?:)?//""", page), path
        assert "cdnjs" not in page and "MathJax.Hub" not in page and "no MathJax is loaded" in page
        assert "$x_1$" in page, "formulas stay as their TeX"


def test_a_submission_without_the_exchange_secret_is_named_and_left_out(term, tmp_path):
    ben = term.course / "feedback" / "ben" / ASSIGNMENT / "submission_secret.txt"
    secret = ben.read_text()
    ben.unlink()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
            run = release(ASSIGNMENT, course=term.course)
    finally:
        ben.write_text(secret)
    assert run.code == 0, run.err
    assert "no feedback to fetch for: ben" in run.out
    assert "$ nbgrader release_feedback perceptron --CourseDirectory.student_id_exclude=ben\n" in run.out
    assert "perceptron: feedback of 1 student(s) released" in run.out


def test_the_formgraders_submission_page_loads_no_mathjax_either(tmp_path):
    """The formgrader renders a submission with its `formgrade` template through the same exporter
    configuration (the course's config file has the last word over the formgrader's own)."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    config = Config()
    exec(compile(OFFLINE_FORMULAS, "course_config.py", "exec"), {"c": config, "os": __import__("os")})
    config.HTMLExporter.template_name = "formgrade"
    page, _ = HTMLExporter(config=config).from_filename(
        str(Path(__file__).parents[2] / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        resources={"base_url": "/", "submission_id": "x", "index": 0, "total": 1, "notebook_id": ASSIGNMENT,
                   "assignment_id": ASSIGNMENT, "student": "ada", "mathjax_url": ""})
    assert "cdnjs" not in page and "MathJax.Hub" not in page and "no MathJax is loaded" in page
    assert "$x_1$" in page
