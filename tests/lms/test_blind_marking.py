"""Moodle's blind marking: the zip's folders are `Participant_<N>_assignsubmission_file` and the
grading worksheet names no one. The class is graded as participant-<N> (no name anywhere nnlab or
nbgrader writes), the worksheet is filled by its Identifier, and once Moodle reveals identities
each participant's grades move to their student without grading again."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nnlab.cli import main as nnlab_main
from nnlab.course import Course
from nnlab.demo import submissions
from nnlab.demo.term import Student, Term
from nnlab.lms import export_moodle, import_moodle_zip

A = "perceptron"
BLIND = ["Identifier", "Status", "Grade", "Maximum Grade", "Grade can be changed", "Last modified (submission)",
         "Last modified (grade)", "Feedback comments"]
REVEALED = ["Identifier", "Full name", "Email address", *BLIND[1:]]
# participant number -> (student id, first name, last name); the names must appear nowhere while blind
PARTICIPANTS = {14: ("zoe", "Zoë", "O'Brien"), 27: ("ben", "Benedikt", "Okafor")}


def worksheet(path: Path, revealed: bool) -> Path:
    lines = [",".join(REVEALED if revealed else BLIND)]
    for number, (sid, first, last) in PARTICIPANTS.items():
        who = [f'"{first} {last}"', f"{sid}@students.example.org"] if revealed else []
        lines.append(",".join([f"Participant {number}", *who, "Submitted for grading", "", "100.00", "Yes",
                               '"Monday, 7 December 2026, 11:53 AM"', "-", ""]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["Identifier"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config) -> Term:
    """Zoë hands in right answers, Benedikt the release untouched, both through a blind-marked Moodle
    assignment; nbgrader grades them and writes their feedback."""
    nothing = lambda a, release, source: None  # noqa: E731
    term = Term(tmp_path_factory.mktemp("blind"), [A], extra_config=fast_config,
                students=[Student(sid, first, last, "", nothing) for sid, first, last in PARTICIPANTS.values()])
    term.set_up()
    term.nbgrader("generate_assignment", A, "--force")
    release = nbformat.read(term.course / "release" / A / f"{A}.ipynb", as_version=4)
    source = nbformat.read(term.course / "source" / A / f"{A}.ipynb", as_version=4)
    zip_path = term.workdir / "blind.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("Participant_14_assignsubmission_file/perceptron.ipynb", (2026, 12, 7, 11, 53, 0)),
                         submissions.to_bytes(submissions.correct(release, source)))
        archive.writestr(zipfile.ZipInfo("Participant_27_assignsubmission_file/perceptron.ipynb", (2026, 12, 7, 11, 53, 0)),
                         submissions.to_bytes(release))
    term.imported = import_moodle_zip(term.course, A, zip_path, worksheet=worksheet(term.workdir / "blind.csv", False))
    term.nbgrader("autograde", A)
    term.nbgrader("generate_feedback", A)
    return term


def scores(course: Path) -> dict[str, float]:
    with Gradebook(Course.open(course).db_url, "nnlab") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(A).submissions}


def test_blind_hand_ins_are_graded_under_their_participant_numbers(term):
    assert sorted(p.student_id for p in term.imported.placed) == ["participant-14", "participant-27"]
    assert term.imported.blind and "Blind marking" in term.imported.summary()
    graded = scores(term.course)
    assert set(graded) == {"participant-14", "participant-27"}
    assert graded["participant-14"] > 0 and graded["participant-27"] == 0


def test_no_name_is_written_anywhere_while_blind(term):
    course = Course.open(term.course)
    with Gradebook(course.db_url, course.course_id) as gb:
        for number in PARTICIPANTS:
            student = gb.find_student(f"participant-{number}")
            assert not student.first_name and not student.last_name and not student.email
    written = [course.submitted_directory, course.autograded_directory, course.feedback_directory, ".nnlab"]
    for top in written:
        for path in (term.course / top).rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8", "replace")
                for sid, first, last in PARTICIPANTS.values():
                    for word in (first, last, f"/{sid}/", f"{sid}@"):
                        assert word not in text and word.strip("/") not in path.parts, (path, word)


def test_the_blind_worksheet_is_filled_by_identifier(term, tmp_path):
    sheet = worksheet(tmp_path / "blind grades.csv", False)
    result = export_moodle(term.course, A, sheet, feedback_zip=False, partial=True)  # written answers wait
    filled = rows(result.written)
    graded = scores(term.course)
    maximum = Gradebook(Course.open(term.course).db_url, "nnlab").find_assignment(A).max_score
    for number in PARTICIPANTS:
        expected = graded[f"participant-{number}"] / maximum * 100
        assert float(filled[f"Participant {number}"]["Grade"]) == pytest.approx(expected, abs=0.01)
    assert not result.unfilled


def test_revealing_identities_moves_the_grades_without_grading_again(term, tmp_path, capsys):
    before = scores(term.course)
    graded_file = term.course / "autograded" / "participant-14" / A / f"{A}.ipynb"
    graded_bytes = graded_file.read_bytes()
    status = nnlab_main(["reveal-lms", A, "--worksheet", str(worksheet(tmp_path / "revealed.csv", True)),
                         "--course", str(term.course)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "participant-14 -> zoe: found by e-mail zoe@students.example.org" in out
    after = scores(term.course)
    assert after == {"zoe": before["participant-14"], "ben": before["participant-27"]}
    assert (term.course / "autograded" / "zoe" / A / f"{A}.ipynb").read_bytes() == graded_bytes
    assert not (term.course / "submitted" / "participant-14").exists()
    assert (term.course / "submitted" / "ben" / A / f"{A}.ipynb").is_file()
    # the revealed worksheet is filled for the students, by the same participant numbers
    result = export_moodle(term.course, A, worksheet(tmp_path / "revealed grades.csv", True), feedback_zip=False,
                           partial=True)
    assert sorted(f.student for f in result.filled) == ["ben", "zoe"]
    # a second reveal finds nothing left to move and changes nothing
    assert nnlab_main(["reveal-lms", A, "--worksheet", str(tmp_path / "revealed.csv"), "--course", str(term.course)]) == 0
    assert "0 participant(s) given to their students, 0 left" in capsys.readouterr().out
    assert scores(term.course) == after


def test_a_worksheet_that_names_no_one_cannot_reveal(term, tmp_path, capsys):
    status = nnlab_main(["reveal-lms", A, "--worksheet", str(worksheet(tmp_path / "still blind.csv", False)),
                         "--course", str(term.course)])
    err = capsys.readouterr().err
    assert status == 1 and "names no one" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("status, modified", [("No submission", "-"), ("Keine Abgabe", "-"),
                                              ("Not submitted (another language)", "-")])
def test_a_blind_row_without_a_hand_in_is_reported_as_no_submission(term, tmp_path, status, modified):
    sheet = worksheet(tmp_path / "blind grades.csv", False)
    with sheet.open("a", encoding="utf-8") as out:
        out.write(",".join(["Participant 35", f'"{status}"', "", "100.00", "Yes", modified, "-", ""]) + "\n")
    result = export_moodle(term.course, A, sheet, feedback_zip=False, partial=True)
    [unfilled] = result.unfilled
    assert (unfilled.participant, unfilled.reason) == ("35", "no submission")
    assert "unmatched" not in result.summary()


def test_a_blind_row_with_a_hand_in_nnlab_never_imported_is_unmatched(term, tmp_path):
    sheet = worksheet(tmp_path / "blind grades.csv", False)
    with sheet.open("a", encoding="utf-8") as out:
        out.write(",".join(["Participant 35", '"Submitted for grading"', "", "100.00", "Yes",
                            '"Monday, 7 December 2026, 11:58 AM"', "-", ""]) + "\n")
    [unfilled] = export_moodle(term.course, A, sheet, feedback_zip=False, partial=True).unfilled
    assert unfilled.reason.startswith("unmatched: participant 35 is in no Moodle import")
