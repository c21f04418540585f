"""The students CSV of the course (id,first_name,last_name,email) and matching names to it."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("id", "first_name", "last_name", "email")

# Letters that Unicode does not decompose into a base letter and an accent: spelled the
# way a course list typed on a plain keyboard would spell them.
_PLAIN_LETTERS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae",
                                "œ": "oe", "þ": "th", "ð": "d", "ß": "ss"})


class LmsImportError(RuntimeError):
    """Bad input to an LMS import: the message names the file and the problem.

    A RuntimeError so that the `nnlab` command line reports it as one line and exits 1.
    """


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str
    last_name: str
    email: str
    line: int  # line of the CSV the student is on (for messages)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# What Moodle's clean_filename (clean_param PARAM_FILE, lib/classes/param.php) removes from a file
# name: control characters and & < > " ` | ' : \ /. Its submission folders are named through it.
_MOODLE_FILE_REMOVES = re.compile(r"[\x00-\x1f\x7f-\x9f&<>\"`|':\\/]")


def clean_filename(text: str) -> str:
    """Moodle's clean_filename: `Zoë O'Brien_14` -> `Zoë OBrien_14`."""
    cleaned = _MOODLE_FILE_REMOVES.sub("", text)
    return "" if cleaned in (".", "..") else cleaned


def moodle_clean(name: str) -> str:
    """A full name as Moodle writes it in a submission folder's name: underscores as spaces (assign's
    download_submissions), then clean_filename."""
    return clean_filename(name.replace("_", " "))


def normalize_name(text: str) -> str:
    """A name as compared: cleaned as Moodle cleans folder names, no accents, no case, single spaces."""
    text = unicodedata.normalize("NFKD", moodle_clean(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_PLAIN_LETTERS)
    return " ".join(text.split())


def id_problem(student_id: str) -> str | None:
    """Why a student id cannot be a folder name under submitted/ (None when it can)."""
    if not student_id:
        return "the student id is empty"
    if student_id in (".", ".."):
        return f"student id {student_id!r} is not a folder name"
    for bad, what in (("/", "'/'"), ("\\", "'\\'"), ("\0", "a NUL byte")):
        if bad in student_id:
            return f"student id {student_id!r} contains {what}: it must be a plain folder name"
    if any(not ch.isprintable() for ch in student_id):
        return f"student id {student_id!r} contains a control character"
    return None


# nbgrader's formgrader writes a student's names into its pages unescaped (the submission
# page's navigation bar), so markup in a name of the class list (a name a student set in the
# LMS) would run as the instructor. No name needs these characters; O'Brien keeps its apostrophe.
MARKUP_IN_NAMES = set('<>"`\\')


def name_problem(name: str) -> str | None:
    """Why a first or last name cannot go into the gradebook (None when it can)."""
    found = sorted(MARKUP_IN_NAMES.intersection(name))
    if found:
        return (f"name {name!r} contains {' '.join(found)}: nbgrader's formgrader would show it as "
                "markup in the instructor's browser; correct the name in the class list")
    if any(not ch.isprintable() for ch in name):
        return f"name {name!r} contains a control character"
    return None


def read_students(csv_path: Path) -> list[Student]:
    """Every student of the CSV; a LmsImportError names the file and line of any problem."""
    csv_path = Path(csv_path)
    try:
        # utf-8-sig: a list saved by a spreadsheet program starts with a byte order mark.
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LmsImportError(f"{csv_path}: no such students CSV") from None
    except UnicodeDecodeError as exc:
        raise LmsImportError(f"{csv_path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise LmsImportError(f"{csv_path}: cannot be read ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise LmsImportError(f"{csv_path} line 1: the header must name the columns "
                             f"{','.join(REQUIRED_COLUMNS)}; missing: {', '.join(missing)}")
    reader.fieldnames = columns
    students: list[Student] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {c: (row.get(c) or "").strip() for c in REQUIRED_COLUMNS}
        problem = id_problem(values["id"])
        if problem:
            raise LmsImportError(f"{csv_path} line {line}: {problem}")
        if values["id"] in seen:
            raise LmsImportError(f"{csv_path} line {line}: student id {values['id']!r} is already "
                                 f"on line {seen[values['id']]}")
        seen[values["id"]] = line
        for column in ("first_name", "last_name"):
            problem = name_problem(values[column])
            if problem:
                raise LmsImportError(f"{csv_path} line {line}: {problem}")
        students.append(Student(values["id"], values["first_name"], values["last_name"],
                                values["email"], line))
    if not students:
        raise LmsImportError(f"{csv_path}: no students in the file")
    return students


class Roster:
    """Finds the student a Moodle name belongs to.

    Moodle shows names as "First Last" unless the site is set to "Last First": the first
    order is tried first, the other only when the first finds nobody.
    """

    def __init__(self, students: list[Student], csv_path: Path):
        self.csv_path = Path(csv_path)
        self.students = students
        self._first_last: dict[str, list[Student]] = {}
        self._last_first: dict[str, list[Student]] = {}
        for s in students:
            for index, name in ((self._first_last, f"{s.first_name} {s.last_name}"),
                                (self._last_first, f"{s.last_name} {s.first_name}")):
                key = normalize_name(name)
                if key:
                    index.setdefault(key, []).append(s)

    def match(self, name: str) -> tuple[Student | None, str]:
        """(the student, "") or (None, why no single student matches)."""
        key = normalize_name(name)
        found = self._first_last.get(key) or self._last_first.get(key) or []
        if len(found) == 1:
            return found[0], ""
        if found:
            ids = ", ".join(f"{s.id} (line {s.line})" for s in found)
            return None, f"{len(found)} students in {self.csv_path.name} are named {name!r}: {ids}"
        if key.startswith("participant "):
            return None, (f"{name!r} is an anonymous participant (blind marking): reveal student "
                          "identities in Moodle before downloading the submissions")
        return None, f"no student named {name!r} in {self.csv_path.name}"
