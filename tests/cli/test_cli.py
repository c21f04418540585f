"""The `nnlab` command line: help, usage errors, and each command on real course folders
(a fresh copy of the course, and a small term graded through the command line itself)."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_run import nnlab  # tests/cli_run.py
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from nnlab.cli.app import COMMANDS, build_parser
from nnlab.course import PROJECT_ROOT, Course, copy_course
from nnlab.demo.term import CLASS, Term

ASSIGNMENT = "perceptron"
OTHERS = ["activations", "hinge_loss", "backprop", "pytorch"]
# Short limits, as in tests/e2e: grading two students takes seconds.


def status_rows(out: str) -> dict[str, dict[str, str]]:
    """The status table as {assignment: {column: value}}."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("assignment "))
    header = re.split(r"\s{2,}", lines[start].strip())
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip() or line.startswith("("):
            break
        values = re.split(r"\s{2,}", line.strip())
        rows[values[0]] = dict(zip(header, values))
    return rows


NOTHING_YET = {"release/": "no", "exchange": "no", "handed in": "0", "collected": "0", "autograded": "0",
               "gradebook": "0", "feedback": "0", "late": "-"}


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> Path:
    """A copy of the course with nothing released, its exchange in the temporary folder."""
    monkeypatch.setenv("NNLAB_EXCHANGE", str(tmp_path / "exchange"))
    return copy_course(tmp_path / "course", include_release=False)


# -- help and usage -------------------------------------------------------------------
NBGRADER_COMMANDS = {
    "status": ["nbgrader list --inbound", "nbgrader db assignment list"],
    "release": ["nbgrader generate_assignment A --force", "nbgrader release_assignment A"],
    "collect": ["nbgrader collect A"],
    "grade": ["nbgrader autograde A"],
    "feedback": ["nbgrader generate_feedback A"],
    "export": ["nbgrader export --to FILE"],
    "report": ["Runs no nbgrader command"],
    "import-lms": ["Runs no nbgrader command", "nbgrader collect"],
    "reveal-lms": ["Runs no nbgrader command"],
    "new-assignment": ["nbgrader generate_assignment NAME --force"],
    "export-lms": ["Runs no nbgrader command", "nbgrader generate_feedback A"],
    "similarity": ["Runs no nbgrader command"],
    "release-feedback": ["nbgrader release_feedback A"],
    "sync-lms": ["Runs no nbgrader command"],
    "due": ["nbgrader db assignment add A --duedate="],
    "extend": ["Gradebook.grant_extension"],
    "serve": ["nbgrader list --inbound", "nbgrader collect --update --student S A",
              "nbgrader release_feedback A --student S"],
}


def test_every_command_is_covered_here():
    assert set(NBGRADER_COMMANDS) == set(COMMANDS)


@pytest.mark.parametrize("command", list(NBGRADER_COMMANDS))
def test_help_names_the_nbgrader_commands(command):
    run = nnlab(command, "--help")
    assert run.code == 0 and run.err == ""
    for text in NBGRADER_COMMANDS[command] + ["--course DIR", "--dry-run"]:
        assert text in run.out, (command, text)


def test_module_entry_point_lists_every_command():
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "--help"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert all(command in done.stdout for command in COMMANDS)
    assert "exit codes: 0 ok, 1 a problem found" in done.stdout


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["grade"], "the following arguments are required: A|all"),
    (["status", "--bogus"], "unrecognized arguments: --bogus"),
    (["collect", "nosuch", "--course", "{course}"], "unknown assignment 'nosuch' (the course has: perceptron,"),
    (["grade", "nosuch", "--course", "{course}"], "unknown assignment 'nosuch'"),
    (["export", "--to", "{tmp}/no/such/folder/grades.csv", "--course", "{course}"], "/no/such/folder does not exist"),
    (["import-lms", ASSIGNMENT, "{tmp}/missing.zip", "--course", "{course}"], "no such file: "),
    (["import-lms", ASSIGNMENT, "{course}/nbgrader_config.py", "--course", "{course}", "--students", "{tmp}/class.csv"],
     "no such file: {tmp}/class.csv"),
    (["import-lms", ASSIGNMENT, "{course}/nbgrader_config.py", "--course", "{course}", "--worksheet", "{tmp}/w.csv"],
     "no such file: {tmp}/w.csv"),
    (["reveal-lms", ASSIGNMENT, "--worksheet", "{tmp}/revealed.csv", "--course", "{course}"],
     "no such file: {tmp}/revealed.csv"),
    (["import-lms", ASSIGNMENT, "{course}/nbgrader_config.py", "--course", "{course}", "--students",
      "{course}/nbgrader_config.py", "--zip-timezone", "Mars/Olympus_Mons"], "unknown time zone 'Mars/Olympus_Mons'"),
])
def test_usage_errors_exit_2_with_a_message(fresh, tmp_path, argv, message):
    run = nnlab(*(a.format(course=fresh, tmp=tmp_path) for a in argv))
    assert run.code == 2, run
    assert message.format(tmp=tmp_path) in run.err and "Traceback" not in run.err


def test_missing_course_folder_is_a_clear_error(tmp_path):
    run = nnlab("status", "--course", tmp_path / "nowhere")
    assert run.code == 2 and run.out == ""
    assert f"no course folder at {tmp_path / 'nowhere'}: it does not exist" in run.err
    run = nnlab("grade", "all", "--course", tmp_path)
    assert run.code == 2 and f"{tmp_path} is not a course folder: it has no nbgrader_config.py" in run.err


def test_broken_course_configuration_is_named(fresh):
    (fresh / "course_config.py").write_text("c = get_config()\nc.Exchange.root = \n")
    run = nnlab("status", "--course", fresh)
    assert run.code == 1 and "Traceback" not in run.err
    assert (f"cannot read the course configuration {fresh / 'nbgrader_config.py'}: course_config.py fails to run "
            "(SyntaxError") in run.err


def test_a_course_without_a_root_is_its_folder_and_a_relative_gradebook_is_in_it(fresh, tmp_path, monkeypatch):
    config = fresh / "course_config.py"
    kept = [line for line in config.read_text().splitlines()
            if not line.startswith(("c.CourseDirectory.root", "c.CourseDirectory.db_url"))]
    config.write_text("\n".join(kept + ['c.CourseDirectory.db_url = "sqlite:///gradebook.db"']) + "\n")
    monkeypatch.chdir(tmp_path)   # nbgrader would take the current folder: nnlab takes the course's
    course = Course.open(fresh)
    assert (course.root, course.db_url) == (str(fresh), f"sqlite:///{fresh / 'gradebook.db'}")
    assert course.submitted("ada", ASSIGNMENT) == fresh / "submitted" / "ada" / ASSIGNMENT
    assert f"Course 'nnlab' in {fresh}\n" in nnlab("status", "--course", fresh).out


def test_course_defaults_to_the_current_folder_then_the_project(fresh, tmp_path, monkeypatch):
    monkeypatch.chdir(fresh)
    assert f"Course 'nnlab' in {fresh}\n" in nnlab("status").out
    monkeypatch.chdir(tmp_path)  # no nbgrader_config.py here
    assert f"Course 'nnlab' in {PROJECT_ROOT}\n" in nnlab("status").out


# -- a fresh course -------------------------------------------------------------------
def test_status_of_a_fresh_course_shows_nothing_and_changes_nothing(fresh):
    run = nnlab("status", "--course", fresh)
    assert run.code == 0, run.err
    assert status_rows(run.out) == {a: {"assignment": a, **NOTHING_YET} for a in [ASSIGNMENT, *OTHERS]}
    assert "Gradebook: none yet" in run.out
    assert sorted(p.name for p in fresh.iterdir()) == ["course_config.py", "nbgrader_config.py", "source"]


def test_dry_run_prints_the_commands_and_runs_nothing(fresh):
    run = nnlab("release", ASSIGNMENT, "--dry-run", "--course", fresh)
    assert run.code == 0, run.err
    assert run.out.splitlines()[1:] == [f"cd {fresh}", "nbgrader generate_assignment perceptron --force",
                                        "nbgrader release_assignment perceptron"]
    assert not (fresh / "release").exists() and not (fresh / "gradebook.db").exists()
    assert not (fresh.parent / "exchange").exists()


def test_release_then_status(fresh):
    run = nnlab("release", ASSIGNMENT, "--course", fresh)
    assert run.code == 0, run.err
    assert "$ nbgrader generate_assignment perceptron --force\n" in run.out
    assert "$ nbgrader release_assignment perceptron\n" in run.out
    assert (fresh / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (fresh.parent / "exchange" / "nnlab" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()

    rows = status_rows(nnlab("status", "--course", fresh).out)
    assert rows[ASSIGNMENT] == {"assignment": ASSIGNMENT, **NOTHING_YET, "release/": "yes", "exchange": "yes"}
    assert all(rows[a] == {"assignment": a, **NOTHING_YET} for a in OTHERS)

    # releasing again (`make release` twice) regenerates release/ and leaves the exchange alone
    again = nnlab("release", ASSIGNMENT, "--dry-run", "--course", fresh)
    assert again.code == 0, again.err
    assert "nbgrader generate_assignment perceptron --force\n" in again.out
    assert "already in the exchange, left as it is (--force releases it again)" in again.out
    assert "release_assignment" not in again.out
    forced = nnlab("release", ASSIGNMENT, "--force", "--dry-run", "--course", fresh)
    assert "nbgrader release_assignment perceptron --force\n" in forced.out


def test_grade_dry_run_diagnoses_submissions_and_changes_nothing(fresh):
    broken = fresh / "submitted" / "finn" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENT}.ipynb").write_bytes(b'{"cells": [ this is not JSON')
    (broken / "timestamp.txt").write_text("2025-01-01 10:00:00.000000 UTC")
    half = fresh / "autograded" / "finn" / ASSIGNMENT  # a grading run killed before finn's notebook was written
    half.mkdir(parents=True)

    with open(fresh / "course_config.py", "a") as config:
        config.write("c.BatchGrading.workers = 3\n")   # the course's setting, which --workers would override
    run = nnlab("grade", "all", "--dry-run", "--course", fresh)
    assert run.code == 1, "a submission that cannot be graded is a problem found"
    lines = run.out.splitlines()
    assert f"#   finn: {ASSIGNMENT}.ipynb is not a notebook" in "\n".join(lines)
    assert any("would remove the half-written autograded/finn/perceptron" in line for line in lines)
    assert lines[-2:] == ["nbgrader autograde perceptron",
                          "# (in this process; 3 worker(s) grade the notebooks ahead of it)"], lines
    assert "Grade table" not in run.out
    assert half.is_dir() and not (fresh / "gradebook.db").exists()

    status = nnlab("status", "--course", fresh)
    assert status.code == 1 and "autograded/finn/perceptron is half-written" in status.out
    assert status_rows(status.out)[ASSIGNMENT]["collected"] == "1"
    assert status_rows(status.out)[ASSIGNMENT]["autograded"] == "0"


def test_grade_with_nothing_collected_says_so(fresh):
    run = nnlab("grade", ASSIGNMENT, "--course", fresh)
    assert run.code == 1 and "nothing collected for perceptron" in run.err


def test_options_override_the_courses_settings_through_their_traits(fresh):
    import argparse

    from nnlab.batch.nbgrader_adapter import forced
    from nnlab.batch.run import BatchGrading
    from nnlab.cli.commands import OVERRIDES, apply_overrides

    with open(fresh / "course_config.py", "a") as config:
        config.write("\nc.BatchGrading.workers = 3\nc.BatchGrading.scheduler = 'tcp://head:8786'\n")
    course = Course.open(fresh)
    apply_overrides(course, argparse.Namespace(workers=None, scheduler=None, force=False))
    settings = BatchGrading(config=course.config)
    assert (settings.workers, settings.scheduler, forced(course.config)) == (3, "tcp://head:8786", False)
    apply_overrides(course, argparse.Namespace(workers=0, scheduler="", force=True))
    settings = BatchGrading(config=course.config)
    assert (settings.workers, settings.scheduler, forced(course.config)) == (1, "", True), "0 workers is one"
    parsed = build_parser().parse_args(["grade", "perceptron", "--workers", "2", "--scheduler", "tcp://x:1", "--force"])
    assert set(OVERRIDES) <= set(vars(parsed)), "every override is an option of nnlab grade"


# -- report and import-lms: what they call -------------------------------------------------
def test_report_calls_write_report(fresh, tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("nnlab.report")
    fake.write_report = lambda course, assignment, out_dir=None: calls.append((course.folder, assignment, out_dir)) \
        or Path(out_dir or course.folder) / "report.html"
    monkeypatch.setitem(sys.modules, "nnlab.report", fake)
    run = nnlab("report", ASSIGNMENT, "--out", tmp_path / "out", "--course", fresh)
    assert run.code == 0, run.err
    assert calls == [(fresh, ASSIGNMENT, tmp_path / "out")]
    assert f"class report of perceptron: {tmp_path / 'out' / 'report.html'}" in run.out

    fake.write_report = lambda course, assignment, out_dir=None: (_ for _ in ()).throw(
        FileNotFoundError(f"no grader reports in {course.folder}/.nnlab"))
    run = nnlab("report", ASSIGNMENT, "--course", fresh)
    assert run.code == 1 and "Traceback" not in run.err
    assert "cannot write the class report of perceptron: FileNotFoundError: no grader reports in" in run.err

    def course_error(course, assignment, out_dir=None):  # the report's own errors name the file already
        raise RuntimeError(f"{course.gradebook_file()}: no assignment '{assignment}'")
    fake.write_report = course_error
    run = nnlab("report", ASSIGNMENT, "--course", fresh)
    assert (run.code, run.err) == (1, f"nnlab report: {fresh}/gradebook.db: no assignment 'perceptron'\n")


def test_import_lms_calls_import_moodle_zip(fresh, tmp_path, monkeypatch):
    calls = []

    @dataclass
    class Result:
        rejected: list

        def summary(self) -> str:
            return f"2 notebook(s) placed, {len(self.rejected)} rejected entry(ies)"

    fake = types.ModuleType("nnlab.lms")
    fake.import_moodle_zip = lambda *args, **options: calls.append((*args, options)) or Result(outcome.pop(0))
    monkeypatch.setitem(sys.modules, "nnlab.lms", fake)
    (tmp_path / "moodle.zip").write_bytes(b"PK")
    (tmp_path / "class.csv").write_text("id\n")
    (fresh / "students.csv").write_text("id\n")
    outcome = [[], ["../../etc/passwd"]]

    run = nnlab("import-lms", ASSIGNMENT, tmp_path / "moodle.zip", "--students", tmp_path / "class.csv",
                "--force", "--course", fresh)
    assert run.code == 0, run.err
    assert calls[-1] == (fresh, ASSIGNMENT, tmp_path / "moodle.zip", tmp_path / "class.csv", {"force": True})
    assert "2 notebook(s) placed, 0 rejected" in run.out

    run = nnlab("import-lms", ASSIGNMENT, tmp_path / "moodle.zip", "--zip-timezone", "Europe/Berlin", "--course", fresh)
    assert run.code == 1, "entries the import rejected are a problem found"
    course, assignment, zip_path, students, options = calls[-1]
    assert students == fresh / "students.csv" and options["force"] is False
    assert str(options["zip_timezone"]) == "Europe/Berlin"


# -- a small term graded through the command line -----------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_config):
    """Two students hand in the perceptron (ada right, ben the release untouched, after the due
    date); `nnlab grade` and `nnlab feedback` do the instructor's part."""
    students = [s for s in CLASS if s.id in ("ada", "ben")]
    term = Term(tmp_path_factory.mktemp("term"), [ASSIGNMENT], students, extra_config=fast_config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        term.set_up()
        term.release()
        term.hand_in()
        # the due date: the moment ada handed in, so ben (who handed in after her) is late
        ada = next((term.workdir / "exchange" / "nnlab" / "inbound").glob(f"ada+{ASSIGNMENT}+*"))
        with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
            gb.update_or_create_assignment(ASSIGNMENT, duedate=parse_utc((ada / "timestamp.txt").read_text().strip()))
        term.collected = nnlab("collect", ASSIGNMENT, "--course", term.course)
        term.grade = nnlab("grade", ASSIGNMENT, "--workers", "2", "--course", term.course)
        term.regrade = nnlab("grade", ASSIGNMENT, "--course", term.course)
        term.feedback_run = nnlab("feedback", "all", "--course", term.course)
        term.status = nnlab("status", "--course", term.course)
    return term


def test_collect_reports_the_new_submissions(graded):
    assert graded.collected.code == 0, graded.collected.err
    assert "$ nbgrader collect perceptron\n" in graded.collected.out
    assert "perceptron: 2 new submission(s) in submitted/: ada, ben" in graded.collected.out


def test_grade_prints_the_diagnosis_then_the_grade_table(graded):
    run = graded.grade
    assert run.code == 0, run.err
    out = run.out
    assert out.index("perceptron: all 2 collected submission(s) can be read") \
        < out.index("$ nbgrader autograde perceptron\n") < out.index("Grade table")
    assert "(in this process; 2 worker(s) grade the notebooks ahead of it)" in out and "with 2 worker(s)" in out
    summary = out[out.index("assignment  graded"):out.index("Grade table")].splitlines()
    assert summary[2].split()[:4] == [ASSIGNMENT, "2", "0", "0"], "both graded now, none failed, none unchanged"
    with Gradebook("sqlite:///" + str(graded.course / "gradebook.db"), "nnlab") as gb:
        subs = {s: gb.find_submission(ASSIGNMENT, s) for s in ("ada", "ben")}
        assert subs["ada"].code_score == pytest.approx(12.0) and subs["ben"].score == 0.0
        expected = {s: f"{sub.score:g}/{sub.max_score:g}" for s, sub in subs.items()}
    table = out[out.index("Grade table"):].splitlines()
    assert table[1].split() == ["student", ASSIGNMENT, "total"]
    for student in ("ada", "ben"):
        row = next(line.split() for line in table if line.startswith(student + " "))
        assert row[1].rstrip("*") == expected[student], row


def test_a_rerun_grades_nothing_already_graded(graded):
    assert graded.regrade.code == 0, graded.regrade.err
    out = graded.regrade.out
    row = out[out.index("assignment  graded"):].splitlines()[2].split()
    assert row[:4] == [ASSIGNMENT, "0", "0", "2"], "nothing graded again, both unchanged"


def test_feedback_for_every_graded_student(graded):
    assert graded.feedback_run.code == 0, graded.feedback_run.err
    assert "$ nbgrader generate_feedback perceptron\n" in graded.feedback_run.out
    assert "perceptron: feedback for 2 student(s)" in graded.feedback_run.out
    for student in ("ada", "ben"):
        assert (graded.course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()


def test_status_of_the_graded_course(graded):
    run = graded.status
    assert run.code == 0, run.out
    rows = status_rows(run.out)
    assert rows[ASSIGNMENT] == {"assignment": ASSIGNMENT, "release/": "yes", "exchange": "yes", "handed in": "2",
                                "collected": "2", "autograded": "2", "gradebook": "2", "feedback": "2", "late": "1"}
    assert all(rows[a] == {"assignment": a, **NOTHING_YET} for a in OTHERS)  # never generated in this term
    assert "Gradebook: sqlite:///" in run.out and "(2 students)" in run.out
    late = run.out[run.out.index("Late submissions:"):]
    assert "perceptron: ben (" in late and "ada" not in late


def test_export_writes_the_grades(graded, tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_EXCHANGE", str(graded.workdir / "exchange"))
    target = tmp_path / "grades.csv"
    run = nnlab("export", "--to", target, "--course", graded.course)
    assert run.code == 0, run.err
    assert f"$ nbgrader export --to {target}\n" in run.out
    rows = list(csv.DictReader(open(target)))
    assert {(r["student_id"], r["assignment"]) for r in rows} == {("ada", ASSIGNMENT), ("ben", ASSIGNMENT)}
    assert f"({len(rows)} rows" in run.out


# -- the gradebook on a PostgreSQL server (the postgres_url fixture: tests/postgres.py) ---------------
@pytest.fixture(scope="module")
def graded_on_postgres(tmp_path_factory, fast_config, postgres_url):
    """ada and ben hand in the perceptron to a course whose gradebook is on a PostgreSQL server (and
    whose c.BatchGrading.workers is 1); `nnlab grade`, `status`, `report` and `export` work on it."""
    students = [s for s in CLASS if s.id in ("ada", "ben")]
    term = Term(tmp_path_factory.mktemp("postgres-term"), [ASSIGNMENT], students,
                extra_config=fast_config + f"c.CourseDirectory.db_url = {postgres_url!r}\nc.BatchGrading.workers = 1\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLAB_EXCHANGE", str(term.workdir / "exchange"))
        term.set_up()
        term.release()
        term.hand_in()
        term.collected = nnlab("collect", ASSIGNMENT, "--course", term.course)
        term.grade = nnlab("grade", ASSIGNMENT, "--course", term.course)
        term.status = nnlab("status", "--course", term.course)
        term.report_run = nnlab("report", ASSIGNMENT, "--course", term.course)
        term.export_run = nnlab("export", "--to", term.workdir / "grades.csv", "--course", term.course)
    return term


def test_grade_writes_the_gradebook_on_postgresql(graded_on_postgres, postgres_url):
    term = graded_on_postgres
    assert term.collected.code == 0, term.collected.err
    assert term.grade.code == 0, term.grade.err
    out = term.grade.out
    summary = out[out.index("assignment  graded"):out.index("Grade table")].splitlines()
    assert summary[2].split()[:4] == [ASSIGNMENT, "2", "0", "0"]
    assert "with 1 worker(s)" in out, "the course's c.BatchGrading.workers, no --workers given"
    assert not (term.course / "gradebook.db").exists(), "nothing went to an SQLite gradebook"
    with Gradebook(postgres_url, "nnlab") as gb:
        assert gb.find_submission(ASSIGNMENT, "ada").code_score == pytest.approx(12.0)
        assert gb.find_submission(ASSIGNMENT, "ben").score == 0.0
    table = out[out.index("Grade table"):].splitlines()
    assert next(line.split() for line in table if line.startswith("ada "))[1].startswith("12/")


def test_status_reads_the_gradebook_on_postgresql(graded_on_postgres, postgres_url):
    run = graded_on_postgres.status
    assert run.code == 0, run.out
    assert f"Gradebook: {postgres_url} (2 students)" in run.out
    row = status_rows(run.out)[ASSIGNMENT]
    assert (row["collected"], row["autograded"], row["gradebook"]) == ("2", "2", "2")


def test_report_reads_the_gradebook_on_postgresql(graded_on_postgres):
    term = graded_on_postgres
    assert term.report_run.code == 0, term.report_run.err
    page = term.course / "reports" / ASSIGNMENT / "index.html"
    assert f"class report of {ASSIGNMENT}: {page}" in term.report_run.out
    rows = {r["question"]: r for r in csv.DictReader(open(page.parent / "questions.csv"))}
    assert [q for q, r in rows.items() if r["graded"] == "2"], "the autograded questions count both students"


def test_export_writes_the_gradebook_on_postgresql(graded_on_postgres):
    term = graded_on_postgres
    assert term.export_run.code == 0, term.export_run.err
    rows = list(csv.DictReader(open(term.workdir / "grades.csv")))
    assert {(r["student_id"], r["assignment"]) for r in rows} == {("ada", ASSIGNMENT), ("ben", ASSIGNMENT)}
