"""The import against what a real Moodle writes: folder names through Moodle's clean_filename, two
students with one full name, participants matched by the grading worksheet's e-mail addresses, and
the zip's dates (the server's wall clock) checked against the worksheet's "Last modified
(submission)" column, written in the downloading user's language and zone."""
from __future__ import annotations

import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nnlab.cli import main as nnlab_main
from nnlab.lms import LmsImportError, import_moodle_zip
from nnlab.lms.moodle_time import parse_moodle_date
from nnlab.lms.roster import clean_filename, moodle_clean

A = "perceptron"
BERLIN, LONDON = ZoneInfo("Europe/Berlin"), ZoneInfo("Europe/London")
# Every character Moodle's PARAM_FILE cleaning removes, in names a class list really holds.
CLASS = [
    ("s01", "Zoë", "O'Brien"),             # '
    ("s02", "Marie", "Curie & Sons"),      # &
    ("s03", "Ana|Lucía", "Pérez"),         # |
    ("s04", "Jean", "Dupont: Jr"),         # :
    ("s05", "Kim", "Lee/Park"),            # /
    ("s06", "Chris", "Smith"),             # two students with one full name
    ("s07", "Chris", "Smith"),
    ("s08", "Amir", "Haddad"),
]
EN = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
      "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def notebook(tag: str) -> bytes:
    nb = {"cells": [{"cell_type": "markdown", "id": "u", "metadata": {}, "source": tag}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb).encode()


def moodle_folder(full_name: str, participant: int) -> str:
    """The folder Moodle 5 writes: the full name with underscores as spaces, through clean_filename."""
    return clean_filename(full_name.replace("_", " ") + f"_{participant}") + "_assignsubmission_file"


def write_zip(path: Path, entries: list[tuple[str, bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, when in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def moodle_date(when: datetime) -> str:
    """userdate() in English: "Monday, 7 December 2026, 11:53 AM"."""
    return f"{when:%A}, {when.day} {when:%B %Y}, {int(when.strftime('%I'))}:{when:%M %p}"


def worksheet(path: Path, rows: list[tuple[int, str, str, str]]) -> Path:
    """(participant, full name, e-mail, last modified (submission)) rows, as Moodle writes the CSV."""
    lines = [",".join(f'"{h}"' for h in EN)]
    for number, name, email, modified in rows:
        lines.append(",".join(f'"{v}"' for v in [f"Participant {number}", name, email, "Submitted for grading",
                                                 "", "100.00", "Yes", modified, "-", ""]))
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    return path


@pytest.fixture
def course(tmp_path) -> Path:
    course = tmp_path / "course"
    (course / "source" / A).mkdir(parents=True)
    lines = ["id,first_name,last_name,email", *(f"{i},{f},{last},{i}@uni.example.org" for i, f, last in CLASS)]
    (course / "students.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return course


def test_moodle_clean_removes_what_param_file_removes():
    assert moodle_clean("Zoë O'Brien") == "Zoë OBrien"
    assert moodle_clean('a&b<c>d"e`f|g\'h:i\\j/k\x07l\x7fm') == "abcdefghijklm"
    assert moodle_clean("first_last") == "first last"      # assign writes underscores as spaces
    assert moodle_clean("Teilnehmer/in") == "Teilnehmerin"
    assert moodle_clean("José Núñez") == "José Núñez"      # letters stay as they are


def test_names_moodle_cleaned_match_the_class_list(course, tmp_path):
    zip_path = write_zip(tmp_path / "m.zip", [
        (f"{moodle_folder(f'{first} {last}', 20 + n)}/perceptron.ipynb", notebook(sid), (2026, 12, 7, 11, 0, 0))
        for n, (sid, first, last) in enumerate(CLASS[:5])])
    with zipfile.ZipFile(zip_path) as archive:   # what the folders really look like
        assert "Zoë OBrien_20_assignsubmission_file/perceptron.ipynb" in archive.namelist()
        assert "Kim LeePark_24_assignsubmission_file/perceptron.ipynb" in archive.namelist()
    result = import_moodle_zip(course, A, zip_path)
    assert sorted(p.student_id for p in result.placed) == ["s01", "s02", "s03", "s04", "s05"]
    assert not result.unmatched


def test_without_the_worksheet_one_name_for_two_students_stays_unmatched(course, tmp_path):
    zip_path = write_zip(tmp_path / "m.zip", [
        (f"{moodle_folder('Chris Smith', 31)}/perceptron.ipynb", notebook("first chris"), (2026, 12, 7, 11, 0, 0)),
        (f"{moodle_folder('Chris Smith', 32)}/perceptron.ipynb", notebook("second chris"), (2026, 12, 7, 11, 5, 0))])
    result = import_moodle_zip(course, A, zip_path)
    assert not result.placed and len(result.unmatched) == 2
    assert "2 students in students.csv are named 'Chris Smith': s06 (line 7), s07 (line 8)" in result.unmatched[0].reason


def test_the_worksheet_resolves_them_by_participant_number_and_email(course, tmp_path):
    zip_path = write_zip(tmp_path / "m.zip", [
        (f"{moodle_folder('Chris Smith', 31)}/perceptron.ipynb", notebook("s07's"), (2026, 12, 7, 11, 0, 0)),
        (f"{moodle_folder('Chris Smith', 32)}/perceptron.ipynb", notebook("s06's"), (2026, 12, 7, 11, 5, 0)),
        (f"{moodle_folder('Amir Haddad', 33)}/perceptron.ipynb", notebook("s08's"), (2026, 12, 7, 11, 9, 0))])
    sheet = worksheet(tmp_path / "grades.csv", [
        (31, "Chris Smith", "s07@uni.example.org", "Monday, 7 December 2026, 11:00 AM"),
        (32, "Chris Smith", "s06@uni.example.org", "Monday, 7 December 2026, 11:05 AM"),
        (33, "Amir Haddad", "amir.private@mail.example.com", "Monday, 7 December 2026, 11:09 AM")])
    result = import_moodle_zip(course, A, zip_path, worksheet=sheet, zip_timezone=BERLIN)
    for sid, tag in [("s06", "s06's"), ("s07", "s07's"), ("s08", "s08's")]:
        assert (course / "submitted" / sid / A / f"{A}.ipynb").read_bytes() == notebook(tag)
    # an e-mail the class list does not know: the name still finds the student
    assert result.identified == {
        "s06": "e-mail s06@uni.example.org (the worksheet's row for participant 32)",
        "s07": "e-mail s07@uni.example.org (the worksheet's row for participant 31)"}
    assert "s06: e-mail s06@uni.example.org" in result.summary()
    recorded = json.loads((course / ".nnlab" / "lms-import" / A / "participants.json").read_text())
    assert {n: r["student"] for n, r in recorded.items()} == {"31": "s07", "32": "s06", "33": "s08"}
    # the next zip needs no worksheet: the participant numbers are recorded
    again = write_zip(tmp_path / "again.zip", [
        (f"{moodle_folder('Chris Smith', 31)}/perceptron.ipynb", notebook("s07's second"), (2026, 12, 8, 9, 0, 0))])
    [placed] = import_moodle_zip(course, A, again).placed
    assert placed.student_id == "s07"


# -- the zip's clock -----------------------------------------------------------------------------

def _hand_ins(tmp_path: Path, zip_zone: ZoneInfo, sheet_zone: ZoneInfo, delays: list[int]) -> tuple[Path, Path]:
    """A zip written by a server in `zip_zone` and a worksheet downloaded by a user in `sheet_zone`:
    hand-in n was saved `delays[n]` minutes before its submission's last change."""
    entries, rows = [], []
    for n, (sid, first, last) in enumerate([CLASS[0], CLASS[1], CLASS[7]]):
        saved = datetime(2026, 12, 7, 10, 53 + n, 20, tzinfo=timezone.utc)
        modified = (saved + timedelta(minutes=delays[n])).astimezone(sheet_zone)
        entries.append((f"{moodle_folder(f'{first} {last}', 40 + n)}/perceptron.ipynb", notebook(sid),
                        saved.astimezone(zip_zone).timetuple()[:6]))
        rows.append((40 + n, f"{first} {last}", f"{sid}@uni.example.org", moodle_date(modified)))
    return write_zip(tmp_path / "m.zip", entries), worksheet(tmp_path / "grades.csv", rows)


def test_the_worksheet_writes_dates_as_moodle_does_and_they_are_read_back():
    assert moodle_date(datetime(2026, 12, 7, 11, 53)) == "Monday, 7 December 2026, 11:53 AM"
    assert parse_moodle_date("Monday, 7 December 2026, 11:53 AM") == datetime(2026, 12, 7, 11, 53)
    assert parse_moodle_date("Montag, 7. Dezember 2026, 11:53") == datetime(2026, 12, 7, 11, 53)
    assert parse_moodle_date("Thursday, 2 May 2024, 12:05 AM") == datetime(2024, 5, 2, 0, 5)
    assert parse_moodle_date("-") is None and parse_moodle_date("") is None


def test_the_right_zip_zone_is_confirmed(course, tmp_path):
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, BERLIN, [0, 0, 45])   # one clicked "Submit" 45 minutes later
    result = import_moodle_zip(course, A, zip_path, worksheet=sheet, zip_timezone=BERLIN)
    assert "dates read in Europe/Berlin, confirmed by grades.csv (2 of 3 hand-in(s) dated within 2 minutes" in result.clock
    zoe = course / "submitted" / "s01" / A / "timestamp.txt"
    assert datetime.fromisoformat(zoe.read_text()) == datetime(2026, 12, 7, 10, 53, 20, tzinfo=timezone.utc)


def test_a_wrong_zip_zone_is_refused_with_the_offset_the_worksheet_suggests(course, tmp_path):
    # The instructor's Moodle profile shows Berlin time; the server's zone is given wrongly.
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, BERLIN, [0, 0, 0])
    with pytest.raises(LmsImportError) as refused:
        import_moodle_zip(course, A, zip_path, worksheet=sheet, zip_timezone=LONDON, worksheet_timezone=BERLIN)
    message = str(refused.value)
    assert "read in Europe/London disagree with grades.csv" in message
    assert "saved 60 minute(s) after its 'Last modified (submission)'" in message
    assert "the zip's clock is UTC+01:00" in message and "Nothing was imported" in message
    assert not (course / "submitted").exists()


def test_with_no_zone_given_the_offset_is_inferred_from_the_worksheet(course, tmp_path):
    # The server in Berlin, the instructor's Moodle profile in London, this machine anywhere.
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, LONDON, [1, 0, 300])
    result = import_moodle_zip(course, A, zip_path, worksheet=sheet, worksheet_timezone=LONDON)
    assert result.clock.startswith("dates read as UTC+01:00, the Moodle server's clock inferred from grades.csv")
    for sid, minute in [("s01", 53), ("s02", 54), ("s08", 55)]:
        stamp = (course / "submitted" / sid / A / "timestamp.txt").read_text()
        assert datetime.fromisoformat(stamp) == datetime(2026, 12, 7, 10, minute, 20, tzinfo=timezone.utc), sid


def test_dates_that_fit_no_offset_are_refused(course, tmp_path):
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, BERLIN, [0, 0, 0])
    text = sheet.read_text(encoding="utf-8-sig")
    sheet.write_text(re.sub(r"7 December 2026, 11:55 AM", "7 December 2026, 7:55 AM", text), encoding="utf-8")
    # the first two agree at UTC+01:00, where the third is saved 4 hours after its row: no zone fits all
    with pytest.raises(LmsImportError, match="participant 42's notebook would be saved"):
        import_moodle_zip(course, A, zip_path, worksheet=sheet, zip_timezone=BERLIN)


def test_the_command_takes_the_worksheet_and_reports_the_clock(course, tmp_path, capsys):
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, BERLIN, [0, 0, 0])
    (course / "nbgrader_config.py").write_text("")
    (course / "source" / A / f"{A}.ipynb").write_bytes(notebook("the assignment"))
    status = nnlab_main(["import-lms", A, str(zip_path), "--worksheet", str(sheet), "--zip-timezone", "Europe/Berlin",
                         "--course", str(course)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "Hand-in times: dates read in Europe/Berlin, confirmed by grades.csv (3 of 3" in out
    status = nnlab_main(["import-lms", A, str(zip_path), "--worksheet", str(sheet), "--zip-timezone", "Mars/Olympus",
                         "--course", str(course)])
    assert status == 2 and "--zip-timezone: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err


def test_the_courses_moodle_time_zone_is_the_zone_of_the_zip_and_is_checked(course, tmp_path):
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Moodle.timezone = 'Europe/Berlin'\n")
    zip_path, sheet = _hand_ins(tmp_path, BERLIN, BERLIN, [0, 0, 0])
    result = import_moodle_zip(course, A, zip_path, worksheet=sheet)
    assert result.clock.startswith("dates read in Europe/Berlin, confirmed by grades.csv (3 of 3")
    stamp = (course / "submitted" / "s01" / A / "timestamp.txt").read_text()
    assert datetime.fromisoformat(stamp) == datetime(2026, 12, 7, 10, 53, 20, tzinfo=timezone.utc)
    # a wrong setting is refused as a wrong option is, once the worksheet's own zone is known
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Moodle.timezone = 'Europe/London'\n")
    with pytest.raises(LmsImportError, match="read in Europe/London disagree with grades.csv"):
        import_moodle_zip(course, A, zip_path, worksheet=sheet, worksheet_timezone=BERLIN)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Moodle.timezone = 'Mars/Olympus'\n")
    with pytest.raises(LmsImportError, match="c.Moodle.timezone = 'Mars/Olympus': unknown time zone"):
        import_moodle_zip(course, A, zip_path)
