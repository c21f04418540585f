"""Back to Moodle: a class hands in through a Moodle zip (current and older folder names), nbgrader
grades it, and `nnlab export-lms` fills the assignment's grading worksheet (English and German)
and zips the feedback pages the way Moodle files them under each participant."""
from __future__ import annotations

import argparse
import html
import io
import json
import re
import shutil
import zipfile
from contextlib import redirect_stdout

import nbformat
import pytest
from moodle_term import DE, EN, ROWS, A, copy_course_folder, moodle_worksheet, read_rows
from nbgrader.api import Gradebook

from nnlab.cli import export_lms
from nnlab.cli.app import common_options
from nnlab.cli.context import Nbgrader, Problem, UsageError, open_course
from nnlab.course import Course, run_nbgrader
from nnlab.demo.term import Term
from nnlab.diagnose import diagnose_submission
from nnlab.lms import LmsImportError, export_moodle, import_moodle_zip
from nnlab.lms.moodle_zip import MOODLE_NAME
from nnlab.lms.participants import read_participants


@pytest.fixture(scope="module")
def term(graded_moodle_term) -> Term:
    """The graded class of moodle_term.py (read here, never changed)."""
    return graded_moodle_term


@pytest.fixture(scope="module")
def gradebook(term) -> dict:
    """{student: (score, max score, written answers awaiting a grade)} as nbgrader records them."""
    course = Course.open(term.course)
    with Gradebook(course.db_url, course.course_id) as gb:
        maximum = gb.find_assignment(A).max_score
        found = {}
        for s in ("zoe", "ben", "dan"):
            sub = gb.find_submission(A, s)
            found[s] = (sub.score, maximum, sub.needs_manual_grade)
    return found


@pytest.fixture(scope="module")
def exported(term, tmp_path_factory):
    folder = tmp_path_factory.mktemp("downloads")
    worksheet = moodle_worksheet(folder / "Perceptron grades.csv")
    downloaded = worksheet.read_bytes()
    result = export_moodle(term.course, A, worksheet)
    return worksheet, downloaded, result


def hints_of(term: Term, student: str) -> dict[str, list[str]]:
    report = json.loads(Course.open(term.course).grader_report(A, student, A).read_text())
    return {cell: [t["hint"] for t in data["tests"] if not t["passed"]] for cell, data in report["cells"].items()}


def test_the_participant_numbers_of_the_import_are_recorded(term):
    recorded = read_participants(Course.open(term.course), A)
    assert {n: p["student"] for n, p in recorded.items()} == {"11": "zoe", "12": "ben"}


def test_the_downloaded_worksheet_is_never_changed(exported):
    worksheet, downloaded, result = exported
    assert worksheet.read_bytes() == downloaded
    assert result.written == worksheet.with_name("Perceptron grades-nnlab.csv")
    written = result.written.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf") and b"\r\n" not in written  # Moodle's own BOM and line ends


def test_each_row_gets_the_scaled_grade_or_the_reason(exported, gradebook):
    worksheet, _, result = exported
    rows = read_rows(result.written)
    assert [r["Identifier"] for r in rows] == [f"Participant {n}" for n, _, _ in ROWS]
    assert [r[h] for r in rows for h in EN if h not in ("Grade", "Feedback comments")] == \
        [r[h] for r in read_rows(worksheet) for h in EN if h not in ("Grade", "Feedback comments")]
    zoe, ben, ada, grace, dan = rows
    score, maximum, _ = gradebook["zoe"]
    assert score == pytest.approx(maximum) and zoe["Grade"] == "100.00"       # every answer right
    score, maximum, _ = gradebook["ben"]
    assert score < maximum and ben["Grade"] == f"{100 * score / maximum:.2f}"  # the untouched release
    assert gradebook["dan"][2]                                                 # his written answer waits
    for row in (ada, grace, dan):
        assert row["Grade"] == "" and row["Feedback comments"] == ""
    assert [(f.student, f.participant) for f in result.filled] == [("zoe", "11"), ("ben", "12")]
    reasons = {u.participant: (u.student, u.reason) for u in result.unfilled}
    assert reasons["13"] == ("ada", "no submission")
    assert reasons["14"][0] == "" and reasons["14"][1].startswith("unmatched: participant 14")
    assert "grace@elsewhere.example.org" in reasons["14"][1]
    assert reasons["15"][0] == "dan" and "still to grade by hand" in reasons["15"][1]
    summary = result.summary()
    for needle in ["2 row(s)", "3 left", "line 4, participant 13 (Ada Lovelace, ada): no submission",
                   "participant 14", "participant 15"]:
        assert needle in summary, needle


def _text(comment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", comment))


def test_comments_name_questions_and_hints_and_no_expected_values(exported, term):
    _, _, result = exported
    zoe, ben = (read_rows(result.written)[i]["Feedback comments"] for i in (0, 1))
    source = nbformat.read(term.course / "source" / A / f"{A}.ipynb", as_version=4)
    graded = [c.metadata["nbgrader"]["grade_id"] for c in source.cells
              if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("task")]
    for comment in (zoe, ben):
        assert comment.startswith("<p>perceptron: ")
        for question in graded:
            assert f"{question}: " in _text(comment), question
    assert "Failed" not in zoe
    failed = hints_of(term, "ben")
    assert any(failed.values())
    for cell, hints in failed.items():
        line = next(li for li in re.findall(r"<li>(.*?)</li>", ben) if html.unescape(li).startswith(f"{cell}: "))
        for hint in hints[:4]:
            assert hint in html.unescape(line), (cell, hint)
    # What is left once the questions, their points and the hints are taken out holds no number:
    # no hidden input, no expected value, no reason of a failed test.
    rest = _text(ben)
    for hints in failed.values():
        for hint in hints:
            rest = rest.replace(hint, " ")
    rest = re.sub(r"\d+(\.\d+)? of \d+(\.\d+)? points", " ", rest)
    rest = re.sub(r"\(and \d+ more\)", " ", rest)   # how many hints past the first ones (MAX_HINTS)
    for question in graded:
        rest = rest.replace(f"{question}:", " ")
    assert not re.search(r"\d", rest), rest


def test_the_feedback_zip_files_each_page_under_its_participant(exported, term):
    worksheet, _, result = exported
    assert result.feedback_zip == worksheet.with_name("Perceptron grades-feedback.zip")
    course = Course.open(term.course)
    with zipfile.ZipFile(result.feedback_zip) as archive:
        names = archive.namelist()
        assert names == ["Zoë Ångström_11_assignsubmission_file_perceptron.html",
                         "Ben Okafor_12_assignsubmission_file_perceptron.html"]
        for name, (number, full_name, _), student in zip(names, ROWS, ["zoe", "ben"]):
            assert archive.read(name) == (course.feedback(student, A) / f"{A}.html").read_bytes()
            # The same prefix as the student's folder in Moodle's download, as nnlab's import reads it ...
            match = MOODLE_NAME.match(name)
            assert (match["name"], match["participant"], match["plugin"], match["rest"]) == \
                (full_name, str(number), "file", f"{A}.html")
            # ... and as Moodle's feedback zip import reads it: explode('_', $part, 5).
            info = name.split("_", 4)
            assert info[1] == str(number) and info[2:4] == ["assignsubmission", "file"] and info[4] == f"{A}.html"


def test_partial_fills_a_student_with_a_written_answer_to_grade(exported, gradebook, term, tmp_path):
    worksheet = moodle_worksheet(tmp_path / "grades.csv")
    result = export_moodle(term.course, A, worksheet, partial=True, feedback_zip=False)
    score, maximum, _ = gradebook["dan"]
    assert read_rows(result.written)[4]["Grade"] == f"{100 * score / maximum:.2f}"
    assert "to be graded by hand" in read_rows(result.written)[4]["Feedback comments"]
    assert result.feedback_zip is None and not (tmp_path / "grades-feedback.zip").exists()


def test_a_german_worksheet_is_filled_in_its_own_columns_and_decimal_comma(term, gradebook, tmp_path):
    worksheet = moodle_worksheet(tmp_path / "Bewertungen.csv", "de", changeable={12: False}, grades={11: "55,00"})
    downloaded = worksheet.read_bytes()
    result = export_moodle(term.course, A, worksheet)
    assert worksheet.read_bytes() == downloaded
    rows = read_rows(result.written)
    assert list(rows[0]) == DE
    assert rows[0]["ID"] == "Teilnehmer/in 11" and rows[0]["Bewertung"] == "100,00"
    assert rows[0]["Feedback als Kommentar"].startswith("<p>perceptron: ")
    assert rows[1]["Bewertung"] == "" and rows[1]["Feedback als Kommentar"] == ""   # "Nein": locked in Moodle
    reasons = {u.participant: u.reason for u in result.unfilled}
    assert "cannot be changed" in reasons["12"] and reasons["13"] == "no submission"
    assert "participant 11 (zoe): 55,00 -> 100,00" in result.summary()
    # ben's grade is locked in Moodle: his page, with nnlab's score, would contradict it
    assert result.feedback_files == ["Zoë Ångström_11_assignsubmission_file_perceptron.html"]
    assert zipfile.ZipFile(result.feedback_zip).namelist() == result.feedback_files


def test_only_the_pages_of_the_assignments_notebooks_are_zipped(term, tmp_path):
    """Other files of a submission land in feedback/ too (nbgrader copies them): a page the student
    handed in is not feedback."""
    course = copy_course_folder(term, tmp_path / "course")
    (Course.open(course).feedback("zoe", A) / "notes.html").write_text("<p>my own notes</p>")
    result = export_moodle(course, A, moodle_worksheet(tmp_path / "grades.csv"))
    assert result.feedback_files == ["Zoë Ångström_11_assignsubmission_file_perceptron.html",
                                     "Ben Okafor_12_assignsubmission_file_perceptron.html"]


def test_a_submission_grading_rejected_is_unfilled_with_why(term, tmp_path):
    """eve hands in a notebook that is not JSON; nbgrader grades the class and rejects hers. fay
    hands in after the grading: hers is only not graded yet."""
    course = copy_course_folder(term, tmp_path / "course")
    layout = Course.open(course)
    newcomers = [("eve", "Eve", "Broken", b"not json"),
                 ("fay", "Fay", "Late", (layout.submitted("zoe", A) / f"{A}.ipynb").read_bytes())]
    with open(course / "students.csv", "a") as listed, Gradebook(layout.db_url, layout.course_id) as gb:
        for student, first, last, _ in newcomers:
            listed.write(f"{student},{first},{last},{student}@students.example.org\n")
            gb.update_or_create_student(student, first_name=first, last_name=last)
    eve = layout.submitted("eve", A)
    eve.mkdir(parents=True)
    (eve / f"{A}.ipynb").write_bytes(newcomers[0][3])
    graded = run_nbgrader(course, "autograde", A, check=False)
    assert "eve" in graded.stdout + graded.stderr and not layout.autograded("eve", A).exists()
    fay = layout.submitted("fay", A)
    fay.mkdir(parents=True)
    (fay / f"{A}.ipynb").write_bytes(newcomers[1][3])
    rows = ROWS + [(16, "Eve Broken", "eve@students.example.org"), (17, "Fay Late", "fay@students.example.org")]
    result = export_moodle(course, A, moodle_worksheet(tmp_path / "grades.csv", rows=rows), feedback_zip=False)
    reasons = {u.participant: u.reason for u in result.unfilled}
    [problem] = diagnose_submission(eve, A, [A])   # what `nnlab grade` says of it
    assert reasons["16"] == f"not graded: {problem}"
    assert f"{A}.ipynb" in problem and "not a notebook" in problem and "invalid JSON" in problem
    assert reasons["17"] == f"not graded: submitted, but not graded yet (`nnlab grade {A}`)"
    assert f"participant 16 (Eve Broken, eve): not graded: {problem}" in result.summary()


# -- the command ---------------------------------------------------------------------

def command(argv: list[str]) -> tuple[int, str, str]:
    """`nnlab export-lms ARGV` as nnlab's main runs it: (exit code, stdout, the error line)."""
    parser = argparse.ArgumentParser(prog="nnlab export-lms", parents=[common_options()])
    export_lms.add_arguments(parser)
    args = parser.parse_args(argv)
    out = io.StringIO()
    try:
        course = open_course(args.course)
        with redirect_stdout(out):
            return export_lms.run(args, course, Nbgrader(course, dry_run=args.dry_run)), out.getvalue(), ""
    except UsageError as exc:
        return 2, out.getvalue(), str(exc)
    except Problem as exc:
        return 1, out.getvalue(), str(exc)


def test_the_command_writes_the_worksheet_and_the_zip(term, tmp_path):
    worksheet = moodle_worksheet(tmp_path / "grades.csv")
    status, out, _ = command([A, "--worksheet", str(worksheet), "--course", str(term.course),
                              "--feedback-zip", str(tmp_path / "for-moodle.zip")])
    assert status == 0
    assert out.startswith(f"Moodle export of {A}: 2 row(s) of grades.csv filled, 3 left as they were.")
    assert read_rows(tmp_path / "grades-nnlab.csv")[0]["Grade"] == "100.00"
    assert len(zipfile.ZipFile(tmp_path / "for-moodle.zip").namelist()) == 2


@pytest.mark.parametrize("content, problem", [
    (b"", "empty file"),
    (b"id,first_name,last_name,email\nzoe,Zo\xc3\xab,A,zoe@x\n", "not a Moodle grading worksheet"),
    ("Identifier,Full name,Grade,Maximum Grade\nParticipant 1,Zoë,,100.00\n".encode("latin-1"), "not UTF-8 text"),
    (b"PK\x03\x04 an Excel file", "not the worksheet as CSV"),
    (b"Identifier,Full name,Grade,Maximum Grade\n", "no participants"),
    (b"Identifier,Full name,Grade,Maximum Grade\nZoe,Zoe A,,100.00\n", "holds 'Zoe', not 'Participant N'"),
])
def test_a_file_that_is_not_a_worksheet_is_one_clear_error(term, tmp_path, content, problem):
    path = tmp_path / "download.csv"
    path.write_bytes(content)
    with pytest.raises(LmsImportError, match=re.escape(problem)):
        export_moodle(term.course, A, path)
    status, out, error = command([A, "--worksheet", str(path), "--course", str(term.course)])
    assert status == 1 and out == ""
    assert error.startswith(f"{path}: ") and problem in error and "\n" not in error
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download.csv"]


def test_missing_columns_are_named_with_the_columns_found(term, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Identifier,Full name,Note\nParticipant 1,Zoë,\n", encoding="utf-8")
    status, _, error = command([A, "--worksheet", str(path), "--course", str(term.course)])
    assert status == 1
    assert "no grade and no maximum column found among 'Identifier', 'Full name', 'Note'" in error


def test_usage_errors(term, tmp_path):
    status, _, error = command([A, "--worksheet", str(tmp_path / "missing.csv"), "--course", str(term.course)])
    assert (status, error) == (2, f"no such file: {tmp_path / 'missing.csv'}")
    worksheet = moodle_worksheet(tmp_path / "grades.csv")
    status, _, error = command(["percepton", "--worksheet", str(worksheet), "--course", str(term.course)])
    assert status == 2 and "unknown assignment 'percepton'" in error
    status, _, error = command([A, "--worksheet", str(worksheet), "--course", str(term.course), "--column", "grade"])
    assert status == 2 and "ROLE=NAME" in error
    status, _, error = command([A, "--worksheet", str(worksheet), "--course", str(term.course), "--column", "mark=Note"])
    assert status == 2 and "unknown role 'mark'" in error
    status, _, error = command([A, "--worksheet", str(worksheet), "--course", str(term.course),
                                "--out", str(worksheet)])
    assert status == 1 and "is the downloaded worksheet itself" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_column_named_by_hand_and_columns_found_by_place(term, tmp_path):
    """A language nnlab has no names for: the identifier, grade and maximum by place, the comments
    column named with --column."""
    path = tmp_path / "notes.csv"
    header = ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note", "Note maximale",
              "La note peut être modifiée", "Dernière modification (note)", "Commentaires"]
    lines = [",".join(header), "Participant 11,Zoë Ångström,zoe@students.example.org,Remis,,100.00,Oui,-,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, _ = command([A, "--worksheet", str(path), "--course", str(term.course), "--no-feedback-zip",
                              "--column", "comments=Commentaires"])
    assert status == 0, out
    [row] = read_rows(tmp_path / "notes-nnlab.csv")
    assert row["Note"] == "100.00" and row["Commentaires"].startswith("<p>perceptron: ")
    assert row["Dernière modification (note)"] == "-"


def test_dry_run_writes_nothing(term, tmp_path):
    worksheet = moodle_worksheet(tmp_path / "grades.csv")
    status, out, _ = command([A, "--worksheet", str(worksheet), "--course", str(term.course), "--dry-run"])
    assert status == 0 and out.startswith("# export-lms runs no nbgrader command")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_without_the_import_record_rows_are_matched_by_email(term, tmp_path):
    """A course whose submissions came through nbgrader's exchange: no participant numbers."""
    record = Course.open(term.course).lms_import / A / "participants.json"
    kept = tmp_path / "kept.json"
    shutil.copy(record, kept)
    record.unlink()
    try:
        result = export_moodle(term.course, A, moodle_worksheet(tmp_path / "grades.csv"), feedback_zip=False)
    finally:
        shutil.copy(kept, record)
    assert [(f.student, f.participant) for f in result.filled] == [("zoe", "11"), ("ben", "12")]
    assert "matched by e-mail only" in result.summary()


def test_an_unreadable_record_of_participants_is_replaced_by_the_next_import(tmp_path):
    course = tmp_path / "course"
    (course / "source" / A).mkdir(parents=True)
    (course / "students.csv").write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@x.org\n")
    record = Course.open(course).lms_import / A / "participants.json"
    record.parent.mkdir(parents=True)
    record.write_text("{not json")
    zip_path = tmp_path / "moodle.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("Ada Lovelace_7_assignsubmission_file/perceptron.ipynb", b"{}")
    import_moodle_zip(course, A, zip_path, course / "students.csv")
    assert json.loads(record.read_text()) == {"7": {"student": "ada", "name": "Ada Lovelace"}}
