"""The graded Moodle class the export tests share, built once for the session (grading costs
seconds), and Moodle's grading worksheet as Moodle writes it. A test that changes the course
works on a copy of it (`copy_course_folder`)."""
from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nnlab.course import Course
from nnlab.demo import submissions
from nnlab.demo.term import Student, Term
from nnlab.lms import import_moodle_zip

A = "perceptron"
EN = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
      "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
DE = ["ID", "Vollständiger Name", "E-Mail-Adresse", "Status", "Bewertung", "Bestwertung",
      "Bewertung kann geändert werden", "Zuletzt geändert (Abgabe)", "Zuletzt geändert (Bewertung)",
      "Feedback als Kommentar"]
# (participant, full name in Moodle, e-mail in Moodle)
ROWS = [
    (11, "Zoë Ångström", "zoe@students.example.org"),     # right answers; imported (current folder names)
    (12, "Ben Okafor", "ben@students.example.org"),        # the release untouched; imported (older names)
    (13, "Ada Lovelace", "ada@students.example.org"),      # in the class list, handed in nothing
    (14, "Grace Hopper", "grace@elsewhere.example.org"),   # not in the class list
    (15, "Dan Novak", "DAN@students.example.org"),         # collected through nbgrader: found by e-mail;
]                                                          # a written answer still to grade by hand
NO_SUBMISSION = {"en": "No submission", "de": "Keine Abgabe"}


def _php_field(value: str) -> str:
    """A field as PHP's fputcsv writes it (Moodle's CSV export): quoted when it holds a space,
    a comma, a quote or a line end."""
    return '"' + value.replace('"', '""') + '"' if re.search(r'[\s,"]', value) else value


def moodle_worksheet(path: Path, language: str = "en", *, changeable: dict[int, bool] | None = None,
                     grades: dict[int, str] | None = None,
                     rows: list[tuple[int, str, str]] = ROWS) -> Path:
    """The grading worksheet as Moodle writes it: a byte order mark, PHP's quoting, "\\n"."""
    header, word, maximum, yes, no = ((EN, "Participant", "100.00", "Yes", "No") if language == "en" else
                                      (DE, "Teilnehmer/in", "100,00", "Ja", "Nein"))
    lines = [",".join(_php_field(h) for h in header)]
    for number, name, email in rows:
        can = (changeable or {}).get(number, True)
        status = "Submitted for grading" if language == "en" else "Zur Bewertung abgegeben"
        row = [f"{word} {number}", name, email, status if number != 13 else NO_SUBMISSION[language],
               (grades or {}).get(number, ""), maximum, yes if can else no,
               "Thursday, 2 May 2024, 9:00 AM" if number != 13 else "-", "-", ""]
        lines.append(",".join(_php_field(v) for v in row))
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def term_with_right_answers(workdir: Path, students: list[Student], config: str) -> tuple[Term, bytes]:
    """A course with `students` and the assignment generated; the notebook of right answers."""
    term = Term(workdir, [A], extra_config=config, students=students)
    term.set_up()
    term.nbgrader("generate_assignment", A, "--force")
    release = nbformat.read(term.course / "release" / A / f"{A}.ipynb", as_version=4)
    source = nbformat.read(term.course / "source" / A / f"{A}.ipynb", as_version=4)
    return term, submissions.to_bytes(submissions.correct(release, source))


def mark_by_hand(course_folder: Path, assignment: str, shares: dict[str, float]) -> None:
    """The instructor marks each student's written answers in the gradebook: `share` of their points."""
    course = Course.open(course_folder)
    with Gradebook(course.db_url, course.course_id) as gb:
        for student, share in shares.items():
            for nb in gb.find_submission(assignment, student).notebooks:
                for grade in nb.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score = share * grade.max_score
        gb.db.commit()


def copy_course_folder(term: Term, dest: Path) -> Path:
    """A copy of the graded course at `dest`: its configuration places the gradebook and every
    folder in the copy, so the copy can be graded, marked and exported on its own."""
    return Path(shutil.copytree(term.course, dest, symlinks=True))


@pytest.fixture(scope="session")
def graded_moodle_term(tmp_path_factory, fast_config) -> Term:
    """A graded course: zoe and ben hand in through a Moodle zip, dan through nbgrader's exchange
    (his notebook placed in submitted/), ada hands in nothing. The instructor grades the written
    answers of zoe and ben in the gradebook (dan's waits), and generates the feedback with plain
    nbgrader. Tests only read it; one that changes the course copies it first."""
    nothing = lambda a, release, source: None  # noqa: E731
    students = [Student("zoe", "Zoë", "Ångström", "right answers", nothing),
                Student("ben", "Ben", "Okafor", "the release untouched", nothing),
                Student("ada", "Ada", "Lovelace", "hands in nothing", nothing),
                Student("dan", "Dan", "Novak", "right answers, through the exchange", nothing)]
    term, right = term_with_right_answers(tmp_path_factory.mktemp("lms-export"), students, fast_config)
    untouched = submissions.to_bytes(nbformat.read(term.course / "release" / A / f"{A}.ipynb", as_version=4))
    zip_path = term.workdir / "moodle.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        # Moodle 4.1 and later: no trailing underscore; earlier versions: one.
        archive.writestr(zipfile.ZipInfo("Zoë Ångström_11_assignsubmission_file/perceptron.ipynb",
                                         (2024, 5, 2, 9, 0, 0)), right)
        archive.writestr(zipfile.ZipInfo("Ben Okafor_12_assignsubmission_file_/perceptron.ipynb",
                                         (2024, 5, 2, 10, 0, 0)), untouched)
    import_moodle_zip(term.course, A, zip_path, term.course / "students.csv")
    dan = term.course / "submitted" / "dan" / A
    dan.mkdir(parents=True)
    (dan / f"{A}.ipynb").write_bytes(right)
    term.nbgrader("autograde", A)
    mark_by_hand(term.course, A, {"zoe": 1.0, "ben": 0.0})
    term.nbgrader("generate_feedback", A)
    return term
