"""A written answer marked again in the formgrader after the feedback was written: `nnlab export-lms`
refuses the page that still shows the old score, naming the student, and `nnlab feedback` regenerates
exactly that student's page, so that the zip for Moodle shows the new score. Pages that are current
are left as they are."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from cli_run import nnlab  # tests/cli_run.py
from moodle_term import A, copy_course_folder, moodle_worksheet, read_rows
from nbgrader.api import Gradebook

from nnlab.course import Course
from nnlab.feedback_state import record_name, stale_feedback
from nnlab.lms import LmsImportError, export_moodle

ZOE_PAGE = f"Zoë Ångström_11_assignsubmission_file_{A}.html"


def page(course: Path, student: str) -> Path:
    return Course.open(course).feedback(student, A) / f"{A}.html"


def written_answers(gb: Gradebook, student: str) -> list:
    """The student's grades of written answers (the ones marked by hand in the fixture)."""
    return [g for nb in gb.find_submission(A, student).notebooks for g in nb.grades if g.manual_score is not None]


def notebook_score(gb: Gradebook, student: str) -> tuple[float, float]:
    found = gb.find_submission_notebook(A, A, student)
    return found.score, found.max_score


def mark(course: Path, student: str, **values) -> None:
    """Set fields of the student's written answers in the gradebook, as the formgrader does."""
    layout = Course.open(course)
    with Gradebook(layout.db_url, layout.course_id) as gb:
        for grade in written_answers(gb, student):
            for field, value in values.items():
                target = grade if field != "manual_comment" else gb.find_comment(grade.name, A, A, student)
                setattr(target, field, value(grade) if callable(value) else value)
        gb.db.commit()


def stamp(course: Path, student: str) -> tuple[bytes, int]:
    found = page(course, student)
    return found.read_bytes(), found.stat().st_mtime_ns


@pytest.fixture(scope="module")
def remarked(graded_moodle_term, tmp_path_factory) -> SimpleNamespace:
    """A copy of the graded class in which zoe's written answer is marked down after her feedback was
    written; then, in order: the export (refused), `nnlab export-lms` (refused), `nnlab feedback A`,
    the export again, and `nnlab feedback A` once more with nothing changed."""
    folder = tmp_path_factory.mktemp("remarked")
    course = copy_course_folder(graded_moodle_term, folder / "course")
    layout = Course.open(course)
    with Gradebook(layout.db_url, layout.course_id) as gb:
        written = sorted(g.name for g in written_answers(gb, "zoe"))
        old_score, maximum = notebook_score(gb, "zoe")
    before = {s: stamp(course, s) for s in ("zoe", "ben", "dan")}
    mark(course, "zoe", manual_score=lambda grade: grade.max_score / 2)
    with Gradebook(layout.db_url, layout.course_id) as gb:
        new_score, _ = notebook_score(gb, "zoe")
    worksheet = moodle_worksheet(folder / "grades.csv")
    try:
        export_moodle(course, A, worksheet)
        refused = ""
    except LmsImportError as exc:
        refused = str(exc)
    left = sorted(p.name for p in folder.iterdir())
    command = nnlab("export-lms", A, "--worksheet", worksheet, "--course", course)
    released = nnlab("release-feedback", A, "--course", course)
    feedback = nnlab("feedback", A, "--course", course)
    after = {s: stamp(course, s) for s in ("zoe", "ben", "dan")}
    exported = export_moodle(course, A, worksheet)
    again = nnlab("feedback", A, "--course", course)
    return SimpleNamespace(course=course, written=written, old_score=old_score, new_score=new_score,
                           maximum=maximum, before=before, refused=refused, left=left, command=command, released=released,
                           feedback=feedback, after=after, exported=exported, again=again,
                           last={s: stamp(course, s) for s in ("zoe", "ben", "dan")})


def test_the_mark_was_changed_after_the_feedback(remarked):
    assert remarked.written and remarked.new_score < remarked.old_score


def test_the_export_refuses_the_stale_page_naming_the_student(remarked):
    message = remarked.refused
    assert message and "\n" not in message
    assert "for zoe (" in message and "ben" not in message and "dan" not in message
    assert f"score {remarked.old_score:g} -> {remarked.new_score:g}" in message
    assert f"{remarked.written[0]}: manual score" in message
    assert f"run `nnlab feedback {A}`" in message
    assert remarked.left == ["course", "grades.csv"]   # neither the worksheet nor the zip written
    assert remarked.command.code == 1 and remarked.command.out == ""
    assert remarked.command.err.startswith("nnlab export-lms: the feedback of perceptron no longer shows")
    assert "zoe" in remarked.command.err and remarked.command.err.count("\n") == 1


def test_stale_pages_are_not_released_to_the_students(remarked):
    run = remarked.released
    assert run.code == 1
    assert f"{A}: feedback not released: the pages of zoe ({A}: score {remarked.old_score:g} -> " in run.err
    assert f"run `nnlab feedback {A}` first" in run.err and "ben" not in run.err
    assert "nbgrader release_feedback" not in run.out, "nothing reached the exchange"


def test_feedback_regenerates_exactly_the_student_whose_mark_changed(remarked):
    run = remarked.feedback
    assert run.code == 0, run.err
    assert f"{A}: feedback to regenerate (1 student(s)), as it no longer shows the gradebook's grades:\n" in run.out
    assert f"  zoe: {A}: score {remarked.old_score:g} -> {remarked.new_score:g} ({remarked.written[0]}: " in run.out
    # one nbgrader run: --force, every student whose page is current left out
    assert f"$ nbgrader generate_feedback {A} --force --CourseDirectory.student_id_exclude=ben,dan\n" in run.out
    assert f"{A}: feedback for 3 student(s)" in run.out
    assert remarked.after["ben"] == remarked.before["ben"] and remarked.after["dan"] == remarked.before["dan"]
    assert remarked.after["zoe"] != remarked.before["zoe"]


def test_the_zip_for_moodle_shows_the_new_score(remarked):
    exported = remarked.exported
    shown = f"{A} (Score: {round(remarked.new_score, 2)} / {round(remarked.maximum, 2)})"
    with zipfile.ZipFile(exported.feedback_zip) as archive:
        assert archive.namelist()[0] == ZOE_PAGE
        text = archive.read(ZOE_PAGE).decode("utf-8")
    assert shown in text and f"(Score: {round(remarked.old_score, 2)} /" not in text
    assert read_rows(exported.written)[0]["Grade"] == f"{100 * remarked.new_score / remarked.maximum:.2f}"


def test_feedback_with_nothing_changed_regenerates_nothing(remarked):
    run = remarked.again
    assert run.code == 0, run.err
    assert f"$ nbgrader generate_feedback {A}\n" in run.out and "to regenerate" not in run.out
    assert remarked.last == remarked.after


def test_plain_nbgrader_records_the_grades_beside_each_page(graded_moodle_term):
    course = Course.open(graded_moodle_term.course)
    for student in ("zoe", "ben", "dan"):
        record = json.loads((course.feedback(student, A) / record_name(A)).read_text())
        assert record["score"] is not None and record["grades"] and record["autograded"]
    assert stale_feedback(course, A) == {}


def _comment(course: Path) -> None:
    mark(course, "zoe", manual_comment="Explain why, not only what.")


def _extra_credit(course: Path) -> None:
    mark(course, "zoe", extra_credit=1.0)


def _regraded(course: Path) -> None:
    notebook = Course.open(course).autograded("zoe", A) / f"{A}.ipynb"
    notebook.write_bytes(notebook.read_bytes() + b"\n")


def _record_lost(course: Path) -> None:
    (Course.open(course).feedback("zoe", A) / record_name(A)).unlink()


@pytest.mark.parametrize("change, why", [
    (_comment, r"perceptron: \w+: comment changed"),
    (_extra_credit, r"perceptron: score [\d.]+ -> [\d.]+ \(\w+: extra credit none -> 1\)"),
    (_regraded, "perceptron: graded again since its page was written"),
    (_record_lost, "perceptron: no record of the grades its page shows"),
])
def test_what_makes_a_page_stale_is_named(graded_moodle_term, tmp_path, change, why):
    course = copy_course_folder(graded_moodle_term, tmp_path / "course")
    change(course)
    stale = stale_feedback(Course.open(course), A)
    assert list(stale) == ["zoe"]
    assert re.fullmatch(why, stale["zoe"]), stale["zoe"]
    with pytest.raises(LmsImportError, match="for zoe "):
        export_moodle(course, A, moodle_worksheet(tmp_path / "grades.csv"))
    # without the zip nothing is stale: the worksheet's comments come from the gradebook itself
    assert export_moodle(course, A, moodle_worksheet(tmp_path / "grades.csv"), feedback_zip=False).filled


def test_the_dry_run_names_the_stale_pages_and_changes_nothing(graded_moodle_term, tmp_path):
    course = copy_course_folder(graded_moodle_term, tmp_path / "course")
    _comment(course)
    before = stamp(course, "zoe")
    run = nnlab("feedback", A, "--course", course, "--dry-run")
    assert run.code == 0, run.err
    assert f"# {A}: feedback to regenerate (1 student(s))" in run.out and "#   zoe: perceptron: " in run.out
    assert f"\nnbgrader generate_feedback {A} --force --CourseDirectory.student_id_exclude=ben,dan\n" in run.out
    assert stamp(course, "zoe") == before


def test_a_pipeline_without_the_recorder_is_named(graded_moodle_term, tmp_path):
    course = copy_course_folder(graded_moodle_term, tmp_path / "course")
    with open(course / "course_config.py", "a") as config:
        config.write("c.GenerateFeedback.preprocessors = [p for p in c.GenerateFeedback.preprocessors\n"
                     "                                   if p.__name__ != 'RecordFeedbackGrades']\n")
    run = nnlab("feedback", A, "--course", course, "--dry-run")
    assert run.code == 0, run.err
    assert (f"# {A}: the course's feedback pipeline records no grades, so no page can be known current "
            "(add nnlab.feedback_state.RecordFeedbackGrades first to c.GenerateFeedback.preprocessors)") in run.out
