"""The Moodle import: realistic "download all submissions" zips built here, imported into a
course folder, and every file of the zip found again where the result says it is."""
from __future__ import annotations

import io
import json
import struct
import zipfile
from contextlib import redirect_stdout
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from nnlab.cli import main as nnlab_main
from nnlab.demo import submissions
from nnlab.demo.term import Student, Term
from nnlab.diagnose import diagnose_assignment
from nnlab.lms import ImportResult, LmsImportError, import_moodle_zip

BERLIN = ZoneInfo("Europe/Berlin")
A = "perceptron"
STUDENTS = [
    ("zoe", "Zoë", "Ångström"),
    ("jose", "José", "Núñez García"),
    ("ada", "Ada", "Lovelace"),
    ("ben", "Ben", "Okafor"),
    ("ingrid", "Ingrid", "Østergård"),
    ("lukasz", "Łukasz", "Żółć"),
]


def notebook(tag: str) -> bytes:
    """A small notebook whose bytes say which upload it is."""
    cell = {"cell_type": "markdown", "id": "upload", "metadata": {}, "source": f"upload: {tag}"}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, ensure_ascii=False).encode()


def folder(name: str, participant: int, plugin: str = "file") -> str:
    return f"{name}_{participant}_assignsubmission_{plugin}_"


def write_zip(path: Path, entries: list[tuple], ut_times: dict[str, int] | None = None) -> Path:
    """A zip like Moodle's: (name, bytes, wall-clock date or None) per entry, the names as given
    (unsafe ones too). `ut_times` adds the exact "UT" time (Unix seconds) to some entries."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, when in entries:
            info = zipfile.ZipInfo(name, date_time=when or (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if ut_times and name in ut_times:
                info.extra = struct.pack("<HHBi", 0x5455, 5, 1, ut_times[name])
            archive.writestr(info, data)
    return path


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["id,first_name,last_name,email", *(f"{i},{first},{last},{i}@students.example.org" for i, first, last in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def course(tmp_path) -> Path:
    course = tmp_path / "course"
    (course / "source" / A).mkdir(parents=True)
    write_csv(course / "students.csv", STUDENTS)
    return course


# The class's zip: unicode names written differently from the CSV, a renamed notebook, several
# notebooks in one folder, a duplicate submission, an unmatched name, a PDF, a typed answer,
# a checkpoint copy, a stray file and three zip-slip entries.
CLASS_ZIP = [
    (folder("Zoe Angstrom", 101) + "/perceptron.ipynb", notebook("zoe"), (2024, 5, 2, 9, 0, 0)),
    (folder("JOSÉ  núñez GARCÍA", 102) + "/Perceptron (1).ipynb", notebook("jose"), (2024, 5, 2, 10, 30, 0)),
    (folder("Ada Lovelace", 103) + "/perceptron_draft.ipynb", notebook("ada draft"), (2024, 5, 2, 11, 0, 0)),
    (folder("Ada Lovelace", 103) + "/perceptron.ipynb", notebook("ada"), (2024, 5, 1, 11, 0, 0)),
    (folder("Ada Lovelace", 103) + "/report.pdf", b"%PDF-1.4 ada's report", (2024, 5, 1, 11, 5, 0)),
    (folder("Ada Lovelace", 103) + "/.ipynb_checkpoints/perceptron-checkpoint.ipynb", notebook("ada ckpt"),
     (2024, 5, 1, 10, 0, 0)),
    (folder("Ada Lovelace", 103, "onlinetext") + "/onlinetext.html", b"<p>see my notebook</p>", None),
    (folder("Ben Okafor", 104) + "/perceptron.ipynb", notebook("ben old"), (2024, 5, 1, 8, 0, 0)),
    (folder("Ben Okafor", 205) + "/perceptron.ipynb", notebook("ben new"), (2024, 5, 3, 8, 0, 0)),
    (folder("Ben Okafor", 205) + "/notes.txt", b"second account", (2024, 5, 3, 8, 0, 0)),
    (folder("Zed Nobody", 106) + "/perceptron.ipynb", notebook("zed"), (2024, 5, 2, 12, 0, 0)),
    (folder("Ingrid Ostergard", 107) + "/answers.pdf", b"%PDF-1.4 ingrid", (2024, 5, 2, 13, 0, 0)),
    ("readme.txt", b"not from Moodle", None),
    ("../../evil.ipynb", notebook("evil"), None),
    ("/tmp/absolute.txt", b"absolute", None),
    (folder("Łukasz Żółć", 108) + "/../../../escape.ipynb", notebook("escape"), None),
]


@pytest.fixture
def imported(course, tmp_path) -> ImportResult:
    zip_path = write_zip(tmp_path / "moodle.zip", CLASS_ZIP)
    return import_moodle_zip(course, A, zip_path, course / "students.csv", zip_timezone=BERLIN)


def zip_files(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def test_every_file_of_the_zip_is_somewhere_listed_with_its_bytes(imported, tmp_path, course):
    where = imported.locations()
    files = zip_files(tmp_path / "moodle.zip")
    assert set(where) == set(files)
    for name, data in files.items():
        assert where[name].read_bytes() == data, name
        assert where[name].resolve().is_relative_to(course.resolve()), name
    # Nothing else appeared outside the course: the zip-slip entries went nowhere they point.
    outside = {p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(course)}
    assert outside == {tmp_path / "moodle.zip"}
    for name in ["evil.ipynb", "escape.ipynb", "absolute.txt"]:
        assert not list(tmp_path.parent.rglob(name)), name


def test_notebooks_are_placed_where_nbgrader_grades_them(imported, course):
    placed = {p.student_id: p for p in imported.placed}
    assert sorted(placed) == ["ada", "ben", "jose", "zoe"]
    for sid, tag in [("zoe", "zoe"), ("jose", "jose"), ("ada", "ada"), ("ben", "ben new")]:
        path = course / "submitted" / sid / A / f"{A}.ipynb"
        assert placed[sid].path == path
        assert path.read_bytes() == notebook(tag)
    assert sorted(p.name for p in (course / "submitted" / "ada" / A).iterdir()) == [f"{A}.ipynb", "timestamp.txt"]


def test_timestamp_is_the_notebooks_date_in_the_zip_and_nbgrader_reads_it(imported, course):
    stamp = (course / "submitted" / "zoe" / A / "timestamp.txt").read_text()
    # 09:00 on the Moodle server's clock in Berlin (summer time) is 07:00 UTC.
    assert parse_utc(stamp) == datetime(2024, 5, 2, 7, 0, 0)
    # Ada's folder has a newer draft: the placed notebook's own date counts.
    assert parse_utc((course / "submitted" / "ada" / A / "timestamp.txt").read_text()) == datetime(2024, 5, 1, 9, 0)


def test_names_match_without_case_accents_or_spacing(imported):
    assert {p.student_id: p.folder for p in imported.placed}["jose"] == folder("JOSÉ  núñez GARCÍA", 102)
    assert {p.student_id for p in imported.placed} >= {"zoe", "jose"}


def test_a_single_notebook_with_another_name_is_placed_and_reported_renamed(imported):
    assert [(r.student_id, r.original_name) for r in imported.renamed] == [("jose", "Perceptron (1).ipynb")]
    assert "only notebook" in imported.renamed[0].reason
    assert "Perceptron (1).ipynb" in imported.summary()


def test_of_several_notebooks_the_one_named_like_the_assignment_is_chosen(imported, course):
    ada = next(p for p in imported.placed if p.student_id == "ada")
    assert ada.source.endswith("/perceptron.ipynb")  # not the newer draft
    assert ada.among == (folder("Ada Lovelace", 103) + "/perceptron_draft.ipynb",)
    others = {o.source: o for o in imported.other_files if o.student_id == "ada"}
    draft = others[folder("Ada Lovelace", 103) + "/perceptron_draft.ipynb"]
    assert draft.reason == "another notebook, not chosen"
    assert draft.path == imported.quarantine_dir / folder("Ada Lovelace", 103) / "perceptron_draft.ipynb"
    assert "perceptron_draft.ipynb" in imported.summary()


def test_copy_marks_do_not_hide_the_assignment_name(course, tmp_path):
    """Jupyter's "-Copy1" is the assignment's notebook; a newer notes notebook is not."""
    zip_path = write_zip(tmp_path / "m.zip", [
        (folder("Ada Lovelace", 3) + "/Perceptron-Copy1.ipynb", notebook("copy"), (2024, 5, 1, 9, 0, 0)),
        (folder("Ada Lovelace", 3) + "/perceptron_notes.ipynb", notebook("notes"), (2024, 5, 2, 9, 0, 0))])
    [placed] = import_moodle_zip(course, A, zip_path, course / "students.csv").placed
    assert placed.path.read_bytes() == notebook("copy")


def test_a_zip_of_notebooks_only_says_nothing_was_kept_aside(course, tmp_path):
    zip_path = write_zip(tmp_path / "m.zip", [
        (folder("Ada Lovelace", 3) + f"/{A}.ipynb", notebook("ada"), (2024, 5, 1, 9, 0, 0))])
    text = import_moodle_zip(course, A, zip_path, course / "students.csv").summary()
    assert text.splitlines()[-1] == "Every file of the zip was placed: nothing kept aside."
    assert "Everything not placed is kept" not in text


def test_non_notebook_files_are_kept_aside_at_their_path_in_the_zip(imported):
    others = {o.source: o for o in imported.other_files}
    pdf = others[folder("Ada Lovelace", 103) + "/report.pdf"]
    assert (pdf.student_id, pdf.reason) == ("ada", "not a notebook")
    assert pdf.path == imported.quarantine_dir / folder("Ada Lovelace", 103) / "report.pdf"
    assert "checkpoint" in others[folder("Ada Lovelace", 103) + "/.ipynb_checkpoints/perceptron-checkpoint.ipynb"].reason
    assert "onlinetext" in others[folder("Ada Lovelace", 103, "onlinetext") + "/onlinetext.html"].reason
    assert others[folder("Ben Okafor", 205) + "/notes.txt"].student_id == "ben"
    assert imported.quarantine_dir.parent == imported.course / ".nnlab" / "lms-import" / A


def test_a_duplicate_submission_keeps_the_newest_and_the_older_aside(imported):
    [dup] = imported.duplicates
    assert (dup.student_id, dup.kept_folder, dup.older_folders) == ("ben", folder("Ben Okafor", 205),
                                                                    (folder("Ben Okafor", 104),))
    [old] = dup.files
    assert old.path == imported.quarantine_dir / folder("Ben Okafor", 104) / "perceptron.ipynb"
    assert old.path.read_bytes() == notebook("ben old")
    assert "ben" in imported.summary().split("Duplicate submissions")[1]


def test_unmatched_and_stray_folders_are_kept_aside_with_the_reason(imported):
    unmatched = {u.folder: u for u in imported.unmatched}
    zed = unmatched[folder("Zed Nobody", 106)]
    assert "no student named 'Zed Nobody'" in zed.reason and "students.csv" in zed.reason
    assert zed.files[0].path.read_bytes() == notebook("zed")
    assert "not in a Moodle submission folder" in unmatched[""].reason
    assert [k.source for k in unmatched[""].files] == ["readme.txt"]


def test_a_student_with_no_notebook_is_reported(imported):
    assert imported.without_notebook == ["ingrid"]
    assert any(o.student_id == "ingrid" and o.source.endswith("answers.pdf") for o in imported.other_files)


def test_zip_slip_entries_are_rejected_with_a_clear_message_and_kept(imported):
    rejected = {r.entry: r for r in imported.rejected}
    assert set(rejected) == {"../../evil.ipynb", "/tmp/absolute.txt", folder("Łukasz Żółć", 108) + "/../../../escape.ipynb"}
    assert "'..'" in rejected["../../evil.ipynb"].reason and "zip slip" in rejected["../../evil.ipynb"].reason
    assert "absolute path" in rejected["/tmp/absolute.txt"].reason
    for r in rejected.values():
        assert r.path.parent == imported.quarantine_dir / "rejected-entries"
    assert "lukasz" not in {p.student_id for p in imported.placed}


def test_summary_is_a_readable_report_naming_every_problem(imported):
    text = imported.summary()
    first = text.splitlines()[0]
    assert first.startswith(f"Moodle import of {A} from moodle.zip: 4 notebook(s) placed")
    for needle in ["Renamed", "Chosen among several", "Duplicate submissions", "Unmatched folders",
                   "Other files", "without a notebook", "Rejected zip entries", "../../evil.ipynb",
                   ".nnlab/lms-import/perceptron/"]:
        assert needle in text, needle
    assert (imported.quarantine_dir / "import-report.txt").read_text() == text + "\n"


def test_importing_again_takes_what_is_new_or_changed_and_leaves_the_rest(course, tmp_path):
    first = import_moodle_zip(course, A, write_zip(tmp_path / "first.zip", CLASS_ZIP), course / "students.csv")
    zoe = course / "submitted" / "zoe" / A / f"{A}.ipynb"
    zoe_before = zoe.stat()
    jose_entry = folder("JOSÉ  núñez GARCÍA", 102) + "/Perceptron (1).ipynb"
    later = [(name, notebook("jose resubmitted") if name == jose_entry else data, when)
             for name, data, when in CLASS_ZIP]
    later.append((folder("Łukasz Żółć", 108) + "/perceptron.ipynb", notebook("lukasz"), (2024, 5, 4, 9, 0, 0)))
    again = import_moodle_zip(course, A, write_zip(tmp_path / "again.zip", later), course / "students.csv")
    assert sorted(p.student_id for p in again.placed) == ["jose", "lukasz"]
    assert again.unchanged == ["ada", "ben", "zoe"]
    [replaced] = again.replaced
    assert replaced.student_id == "jose" and (replaced.path / f"{A}.ipynb").read_bytes() == notebook("jose")
    assert (course / "submitted" / "jose" / A / f"{A}.ipynb").read_bytes() == notebook("jose resubmitted")
    assert zoe.read_bytes() == notebook("zoe") and zoe.stat().st_mtime_ns == zoe_before.st_mtime_ns
    # what the first import kept of the unchanged students is not kept a second time
    assert not any(o.student_id in again.unchanged for o in again.other_files) and not again.duplicates
    assert "3 unchanged submission(s) left as they were" in again.summary()
    assert first.quarantine_dir != again.quarantine_dir


def test_a_submission_collected_otherwise_is_replaced_and_kept(course, tmp_path):
    previous = course / "submitted" / "zoe" / A / f"{A}.ipynb"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"collected earlier")
    result = import_moodle_zip(course, A, write_zip(tmp_path / "moodle.zip", CLASS_ZIP), course / "students.csv")
    [replaced] = result.replaced
    assert (replaced.path / f"{A}.ipynb").read_bytes() == b"collected earlier"
    assert previous.read_bytes() == notebook("zoe")


def test_force_replaces_and_keeps_the_previous_submission(course, tmp_path):
    previous = course / "submitted" / "zoe" / A
    previous.mkdir(parents=True)
    (previous / f"{A}.ipynb").write_bytes(b"collected earlier")
    (previous / "timestamp.txt").write_text("2024-04-01 10:00:00 UTC")
    (course / "autograded" / "zoe" / A).mkdir(parents=True)
    result = import_moodle_zip(course, A, write_zip(tmp_path / "moodle.zip", CLASS_ZIP),
                               course / "students.csv", force=True)
    [replaced] = result.replaced
    assert replaced.path == result.quarantine_dir / "previous-submissions" / "zoe" / A
    assert (replaced.path / f"{A}.ipynb").read_bytes() == b"collected earlier"
    assert (replaced.path / "timestamp.txt").read_text() == "2024-04-01 10:00:00 UTC"
    assert (previous / f"{A}.ipynb").read_bytes() == notebook("zoe")
    assert replaced.autograded == course / "autograded" / "zoe" / A
    assert f"nbgrader autograde {A} --student zoe --force" in result.summary()


def test_a_student_id_with_a_path_in_the_csv_is_an_error_naming_the_line(course, tmp_path):
    csv_path = write_csv(tmp_path / "students.csv", [("ada", "Ada", "Lovelace"), ("../evil", "Eve", "Il")])
    with pytest.raises(LmsImportError, match=r"students\.csv line 3: student id '\.\./evil' contains '/'"):
        import_moodle_zip(course, A, write_zip(tmp_path / "m.zip", CLASS_ZIP), csv_path)
    csv_path.write_text("id,first_name,last_name,email\n..,Dot,Dot,d@x\n")
    with pytest.raises(LmsImportError, match=r"line 2: student id '\.\.' is not a folder name"):
        import_moodle_zip(course, A, tmp_path / "m.zip", csv_path)
    assert not (course / "submitted").exists()


@pytest.mark.parametrize("content, message", [
    ("id,first,last\nada,Ada,Lovelace\n", r"line 1: .*missing: first_name, last_name, email"),
    ("id,first_name,last_name,email\n", r"no students"),
    ("id,first_name,last_name,email\nada,Ada,Lovelace,a@x\nada,Ada,L,b@x\n", r"line 3: .*'ada' is already on line 2"),
])
def test_a_bad_students_csv_is_named_with_the_problem(course, tmp_path, content, message):
    csv_path = tmp_path / "class.csv"
    csv_path.write_text(content)
    with pytest.raises(LmsImportError, match=rf"class\.csv.*{message}"):
        import_moodle_zip(course, A, write_zip(tmp_path / "m.zip", CLASS_ZIP), csv_path)


def test_bad_zip_and_unknown_assignment_are_clear_errors(course, tmp_path):
    not_zip = tmp_path / "submissions.zip"
    not_zip.write_text("this is an HTML error page, not a zip")
    with pytest.raises(LmsImportError, match=r"submissions\.zip: not a zip file"):
        import_moodle_zip(course, A, not_zip, course / "students.csv")
    with pytest.raises(LmsImportError, match=r"missing\.zip: no such file"):
        import_moodle_zip(course, A, tmp_path / "missing.zip", course / "students.csv")
    with pytest.raises(LmsImportError, match=r"no assignment 'percepton'.*course has: perceptron"):
        import_moodle_zip(course, "percepton", tmp_path / "missing.zip", course / "students.csv")


def test_same_name_twice_in_the_csv_is_unmatched_not_guessed(course, tmp_path):
    csv_path = write_csv(tmp_path / "twins.csv", [("ada1", "Ada", "Lovelace"), ("ada2", "ADA", "lovelace")])
    zip_path = write_zip(tmp_path / "m.zip", [(folder("Ada Lovelace", 1) + "/perceptron.ipynb", notebook("a"), None)])
    result = import_moodle_zip(course, A, zip_path, csv_path)
    assert result.placed == []
    assert "2 students in twins.csv are named 'Ada Lovelace': ada1 (line 2), ada2 (line 3)" in result.unmatched[0].reason


def test_flat_zip_last_name_first_and_no_dates(course, tmp_path):
    """Moodle without "submissions in folders", a site showing "Last First", no dates."""
    zip_path = write_zip(tmp_path / "flat.zip", [
        (folder("Lovelace Ada", 7) + "perceptron.ipynb", notebook("ada"), None),
        (folder("Lovelace Ada", 7) + "slides.pdf", b"%PDF", None),
    ])
    result = import_moodle_zip(course, A, zip_path, course / "students.csv")
    [placed] = result.placed
    assert (placed.student_id, placed.timestamp, placed.folder) == ("ada", None, folder("Lovelace Ada", 7))
    assert not (course / "submitted" / "ada" / A / "timestamp.txt").exists()
    [pdf] = result.other_files
    assert pdf.path == result.quarantine_dir / (folder("Lovelace Ada", 7) + "slides.pdf")


def test_exact_ut_time_and_names_written_without_the_utf8_flag(course, tmp_path, monkeypatch):
    name = folder("Łukasz Żółć", 9) + "/perceptron.ipynb"
    # Older zip tools write UTF-8 names without setting the UTF-8 flag.
    monkeypatch.setattr(zipfile.ZipInfo, "_encodeFilenameFlags",
                        lambda self: (self.filename.encode("utf-8"), self.flag_bits & ~0x800))
    zip_path = write_zip(tmp_path / "m.zip", [(name, notebook("lukasz"), (2024, 5, 2, 23, 59, 58))],
                         ut_times={name: 1714694400})
    monkeypatch.undo()
    result = import_moodle_zip(course, A, zip_path, course / "students.csv")
    [placed] = result.placed
    assert placed.student_id == "lukasz" and placed.source == name
    assert placed.timestamp == datetime.fromtimestamp(1714694400, timezone.utc)
    stamp = (course / "submitted" / "lukasz" / A / "timestamp.txt").read_text()
    assert parse_utc(stamp) == datetime(2024, 5, 3, 0, 0, 0)


def test_two_entries_with_one_name_are_both_kept(course, tmp_path):
    pdf = folder("Ada Lovelace", 3) + "/report.pdf"
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile's own warning when writing
        zip_path = write_zip(tmp_path / "m.zip", [
            (folder("Ada Lovelace", 3) + "/perceptron.ipynb", notebook("ada"), None),
            (pdf, b"first", None), (pdf, b"second", None)])
    result = import_moodle_zip(course, A, zip_path, course / "students.csv")
    kept = sorted(o.path.read_bytes() for o in result.other_files)
    assert kept == [b"first", b"second"]
    assert {o.path.relative_to(result.quarantine_dir).parts[0] for o in result.other_files} == {
        folder("Ada Lovelace", 3), "name-conflict-1"}
    assert f"{pdf}: .nnlab/lms-import/{A}/{result.quarantine_dir.name}/name-conflict-1/{pdf}" in result.summary()


# -- through nbgrader ------------------------------------------------------------------



@pytest.fixture(scope="module")
def graded_term(tmp_path_factory, fast_config) -> tuple[Term, int, str]:
    """A course with two students whose notebooks come from a Moodle zip imported with
    `nnlab import-lms`, then autograded by nbgrader: (term, exit status, printed report)."""
    nothing = lambda a, release, source: None  # noqa: E731  (they hand in through Moodle)
    term = Term(tmp_path_factory.mktemp("lms-term"), [A], extra_config=fast_config,
                students=[Student("zoe", "Zoë", "Ångström", "right answers", nothing),
                          Student("ben", "Ben", "Okafor", "the release untouched", nothing)])
    term.set_up()
    term.nbgrader("generate_assignment", A, "--force")
    release = nbformat.read(term.course / "release" / A / f"{A}.ipynb", as_version=4)
    source = nbformat.read(term.course / "source" / A / f"{A}.ipynb", as_version=4)
    zip_path = write_zip(term.workdir / "moodle.zip", [
        (folder("ZOE ANGSTROM", 11) + "/Perceptron (1).ipynb",
         submissions.to_bytes(submissions.correct(release, source)), (2024, 5, 2, 9, 0, 0)),
        (folder("Ben Okafor", 12) + "/perceptron.ipynb", submissions.to_bytes(release), (2024, 5, 2, 10, 0, 0)),
        (folder("Ben Okafor", 12) + "/report.pdf", b"%PDF", (2024, 5, 2, 10, 0, 0)),
    ])
    printed = io.StringIO()
    with redirect_stdout(printed):
        status = nnlab_main(["import-lms", A, str(zip_path), "--course", str(term.course),
                             "--zip-timezone", "Europe/Berlin"])
    term.nbgrader("autograde", A)
    return term, status, printed.getvalue()


def test_nbgrader_grades_the_imported_notebooks_with_their_zip_dates(graded_term):
    term, status, report = graded_term
    assert status == 0
    assert "2 notebook(s) placed, 1 renamed, 1 other file(s)" in report
    assert "zoe: 'Perceptron (1).ipynb' (the only notebook in the submission)" in report
    assert diagnose_assignment(term.course, A, [A]) == {}
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        zoe, ben = gb.find_submission(A, "zoe"), gb.find_submission(A, "ben")
        # Autograded marks only: the written answer waits for the instructor in the formgrader.
        assert zoe.code_score == pytest.approx(zoe.max_code_score) and zoe.max_code_score > 0
        assert ben.code_score == 0
        assert zoe.timestamp == datetime(2024, 5, 2, 7, 0, 0)
        assert ben.timestamp == datetime(2024, 5, 2, 8, 0, 0)


def test_the_command_leaves_graded_submissions_the_zip_did_not_change(graded_term, capsys):
    term, _, _ = graded_term
    placed = term.course / "submitted" / "zoe" / A / f"{A}.ipynb"
    before = placed.stat().st_mtime_ns
    status = nnlab_main(["import-lms", A, str(term.workdir / "moodle.zip"), "--course", str(term.course)])
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    assert "0 notebook(s) placed" in out and "2 unchanged submission(s) left as they were" in out
    assert placed.stat().st_mtime_ns == before
    with Gradebook("sqlite:///" + str(term.course / "gradebook.db"), "nnlab") as gb:
        assert gb.find_submission(A, "zoe").code_score == pytest.approx(gb.find_submission(A, "zoe").max_code_score)
