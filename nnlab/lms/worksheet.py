"""Moodle's offline grading worksheet: read the CSV the instructor downloaded from the assignment
("Download grading worksheet"), find its columns, and write a filled copy.

Moodle names the columns in the language of the person who downloads it (`Identifier`,
`Grade`, `Feedback comments`; `ID`, `Bewertung`, `Feedback als Kommentar`, ...), so a column is
found by its role: by a small table of the names Moodle gives it, else by where and how Moodle
writes it (the identifier is the first column, its values `<word> <N>`; the grade is followed by
the maximum grade, a number on every row; e-mail addresses hold an '@'). Moodle's upload reads
the columns by their names again, so the copy keeps the header, the order of the rows, the value
of every cell it does not fill, the delimiter, the line ends and the byte order mark.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from nnlab.files import write_atomic
from nnlab.lms.roster import LmsImportError

# The roles nnlab reads or writes, and the names Moodle gives those columns (compared without
# case). Moodle's language strings: assign's recordid, fullname, maxgrade, gradecanbechanged,
# lastmodifiedsubmission, lastmodifiedgrade; core's grade and email; assignfeedback_comments' pluginname.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "identifier": ("identifier", "id"),
    "name": ("full name", "vollständiger name"),
    "email": ("email address", "e-mail-adresse", "email", "e-mail"),
    "grade": ("grade", "bewertung"),
    "maximum": ("maximum grade", "bestwertung"),
    "changeable": ("grade can be changed", "bewertung kann geändert werden"),
    "modified_submission": ("last modified (submission)", "zuletzt geändert (abgabe)"),
    "modified_grade": ("last modified (grade)", "zuletzt geändert (bewertung)"),
    "comments": ("feedback comments", "feedback als kommentar"),
    "status": ("status",),
}
REQUIRED = ("identifier", "grade", "maximum")
# `Participant 12`, `Teilnehmer/in 12`: a word (any language), then the participant number.
IDENTIFIER = re.compile(r"^(?P<word>\D*?)\s*(?P<number>\d+)$")
# What "Grade can be changed" says when it cannot (Moodle's core "No" in a few languages).
NO = {"no", "nein", "non", "nee", "nej", "nei", "nie", "não", "nao", "ne", "ei", "hayır", "нет", "ні", "否", "いいえ"}
# What the Status column says of a participant who handed nothing in (Moodle's "nosubmission" string in a
# few languages); whatever the language, Moodle writes "-" as the time of a submission there is none of.
NO_SUBMISSION = {"no submission", "keine abgabe", "aucun travail remis", "geen inzending", "sin entrega"}


@dataclass
class Worksheet:
    path: Path
    header: list[str]
    rows: list[list[str]]                 # every row after the header, as read (blank rows too)
    columns: dict[str, int]               # role -> column index (only the roles found)
    bom: bool = False
    delimiter: str = ","
    newline: str = "\r\n"
    found_by: dict[str, str] = field(default_factory=dict)  # role -> how it was found (for messages)

    def cell(self, row: list[str], role: str) -> str:
        index = self.columns.get(role)
        return row[index].strip() if index is not None and index < len(row) else ""

    def data_rows(self) -> list[tuple[int, list[str]]]:
        """(line in the file, row) of every row that is not blank."""
        return [(number, row) for number, row in enumerate(self.rows, 2) if any(c.strip() for c in row)]

    def by_participant(self) -> dict[str, list[str]]:
        """{participant number: its row} of every row that is not blank."""
        return {self.participant(row): row for _, row in self.data_rows()}

    def participant(self, row: list[str]) -> str:
        match = IDENTIFIER.match(self.cell(row, "identifier"))
        return match["number"].lstrip("0") or "0" if match else ""

    def changeable(self, row: list[str]) -> bool:
        return self.cell(row, "changeable").casefold() not in NO

    def handed_in(self, row: list[str]) -> bool:
        """False when the row says the participant handed nothing in (its status, or no time of submission)."""
        status = self.cell(row, "status").casefold()
        return not (status.split(" - ")[0].strip() in NO_SUBMISSION or self.cell(row, "modified_submission") == "-")

    def describe(self) -> str:
        return ", ".join(repr(h) for h in self.header)


def parse_number(text: str) -> float | None:
    """A number as Moodle writes it: `100.00`, `100,00` (a decimal comma), `1.000,50`."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def format_number(value: float, like: str) -> str:
    """`value` written the way `like` (the row's maximum grade) is: its decimals and decimal mark."""
    like = like.strip()
    mark = "," if "," in like and "." not in like else "."
    decimals = len(re.split(r"[.,]", like)[-1]) if re.search(r"[.,]\d+$", like) else 2
    return f"{value:.{decimals}f}".replace(".", mark)


def read_worksheet(path: Path, columns: dict[str, str] | None = None) -> Worksheet:
    """The worksheet at `path`; `columns` names a role's column where nnlab cannot find it
    ({"comments": "Rückmeldung"}). Anything that is not a worksheet raises LmsImportError
    naming the file and the problem."""
    path = Path(path)
    text, bom = _read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise LmsImportError(f"{path}: not a CSV file ({exc})") from None
    if not table or not any(c.strip() for c in table[0]):
        raise LmsImportError(f"{path}: no header line: not a grading worksheet downloaded from Moodle")
    sheet = Worksheet(path, table[0], table[1:], {}, bom, delimiter, "\r\n" if "\r\n" in text else "\n")
    _find_columns(sheet, columns or {})
    return sheet


def _read_text(path: Path) -> tuple[str, bool]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LmsImportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LmsImportError(f"{path}: is a folder, not the grading worksheet") from None
    except OSError as exc:
        raise LmsImportError(f"{path}: cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise LmsImportError(f"{path}: empty file, not a grading worksheet")
    if data.startswith(b"PK\x03\x04"):
        raise LmsImportError(f"{path}: a zip or Excel file, not the worksheet as CSV: in Moodle choose "
                             "'Download grading worksheet' (a .csv file)")
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig"), bom
    except UnicodeDecodeError as exc:
        raise LmsImportError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}): use the file as "
                             "Moodle downloads it, or save it again as 'CSV UTF-8'") from None


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _find_columns(sheet: Worksheet, given: dict[str, str]) -> None:
    keys = [_key(h) for h in sheet.header]
    for role, name in given.items():
        if role not in KNOWN_NAMES:
            raise LmsImportError(f"unknown column role {role!r} (roles: {', '.join(KNOWN_NAMES)})")
        if _key(name) not in keys:
            raise LmsImportError(f"{sheet.path}: no column named {name!r} for the {role}; the columns are "
                                 f"{sheet.describe()}")
        sheet.columns[role], sheet.found_by[role] = keys.index(_key(name)), "given"
    for role, names in KNOWN_NAMES.items():
        if role not in sheet.columns:
            for index, key in enumerate(keys):
                if key in names and index not in sheet.columns.values():
                    sheet.columns[role], sheet.found_by[role] = index, "name"
                    break
    rows = [row for _, row in sheet.data_rows()]
    _by_place(sheet, rows)
    missing = [role for role in REQUIRED if role not in sheet.columns]
    if missing:
        raise LmsImportError(f"{sheet.path}: not a Moodle grading worksheet: no {' and no '.join(missing)} "
                             f"column found among {sheet.describe()} (name it with --column ROLE=NAME)")
    bad = [row[0] if row else "" for row in rows if not IDENTIFIER.match(sheet.cell(row, "identifier"))]
    if bad:
        raise LmsImportError(f"{sheet.path}: not a Moodle grading worksheet: the identifier column "
                             f"{sheet.header[sheet.columns['identifier']]!r} holds {bad[0]!r}, not 'Participant N'")
    if not rows:
        raise LmsImportError(f"{sheet.path}: the worksheet has no participants (only its header)")


def _by_place(sheet: Worksheet, rows: list[list[str]]) -> None:
    """Roles not found by name, from where and how Moodle writes them."""
    taken = lambda: set(sheet.columns.values())  # noqa: E731
    column = lambda i: [row[i].strip() if i < len(row) else "" for row in rows]  # noqa: E731
    width = len(sheet.header)
    if "identifier" not in sheet.columns and rows and all(IDENTIFIER.match(v) for v in column(0)):
        sheet.columns["identifier"], sheet.found_by["identifier"] = 0, "place"
    if "email" not in sheet.columns:
        for i in range(width):
            values = [v for v in column(i) if v]
            if i not in taken() and values and all("@" in v and " " not in v for v in values):
                sheet.columns["email"], sheet.found_by["email"] = i, "place"
                break
    if "name" not in sheet.columns and sheet.columns.get("email", 0) > 1 and 1 not in taken():
        sheet.columns["name"], sheet.found_by["name"] = 1, "place"  # Moodle: the full name, then identity fields

    def numbers(i: int) -> bool:
        return bool(rows) and all(parse_number(v) is not None for v in column(i))

    def grades(i: int) -> bool:
        return all(v in ("", "-") or parse_number(v) is not None for v in column(i))

    if "grade" in sheet.columns and "maximum" not in sheet.columns:
        after = sheet.columns["grade"] + 1
        if after < width and after not in taken() and numbers(after):
            sheet.columns["maximum"], sheet.found_by["maximum"] = after, "place"
    if "grade" not in sheet.columns:
        for i in range(1, width - 1):
            if {i, i + 1} & taken() - {sheet.columns.get("maximum")}:
                continue
            if grades(i) and (sheet.columns.get("maximum") == i + 1 or numbers(i + 1)):
                sheet.columns["grade"], sheet.found_by["grade"] = i, "place"
                sheet.columns.setdefault("maximum", i + 1)
                sheet.found_by.setdefault("maximum", "place")
                break
    if "comments" not in sheet.columns and "modified_grade" in sheet.columns:
        # Moodle writes the feedback plugins' columns right after "Last modified (grade)".
        after = sheet.columns["modified_grade"] + 1
        if after < width and after not in taken():
            sheet.columns["comments"], sheet.found_by["comments"] = after, "place"


def write_worksheet(sheet: Worksheet, rows: list[list[str]], out: Path) -> Path:
    """The worksheet's header and `rows` at `out`, in the file's own CSV dialect (its delimiter,
    line ends and byte order mark). The downloaded file itself is never written."""
    out = Path(out)
    if out.resolve() == sheet.path.resolve() or (out.exists() and os.path.samefile(out, sheet.path)):
        raise LmsImportError(f"{out}: is the downloaded worksheet itself; write the filled one beside it")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sheet.delimiter, lineterminator=sheet.newline)
    writer.writerow(sheet.header)
    writer.writerows(rows)
    return write_atomic(out, (b"\xef\xbb\xbf" if sheet.bom else b"") + buffer.getvalue().encode("utf-8"))
