"""Whose hand-in each folder of Moodle's zip is.

A folder is named `<full name>_<participant number>_assignsubmission_file`. The participant number
is Moodle's own key for the student in that assignment, so it is tried first: the number an earlier
import (or `nnlab reveal-lms`) recorded, then the grading worksheet's row for it, whose e-mail
address finds the student in the class list. The name comes last, compared after the cleaning
Moodle applies to folder names. Under blind marking (Moodle's anonymous submissions) the folders
are `Participant_<N>_...` and the worksheet holds no names: the student is `participant-<N>` until
Moodle reveals who it is.
"""
from __future__ import annotations

from dataclasses import dataclass

from nnlab.lms.moodle_zip import Folder
from nnlab.lms.roster import Roster, Student, normalize_name
from nnlab.lms.worksheet import IDENTIFIER, Worksheet

# assign's "participant" string, as its folder names spell it after cleaning, in a few languages
# (Teilnehmer/in loses its slash); the worksheet's own word is added to these.
PARTICIPANT_WORDS = {"participant", "teilnehmerin", "participante", "partecipante", "deelnemer", "uczestnik",
                     "deltagare", "osallistuja"}
BLIND_PREFIX = "participant-"


def blind_id(participant: str) -> str:
    """The student id of a blind-marked hand-in: its participant number, never a name."""
    return f"{BLIND_PREFIX}{int(participant)}"


@dataclass(frozen=True)
class Match:
    student: str | None
    how: str          # how the student was found, or why none was


class Identify:
    """Finds the student of a Moodle folder: participant number, e-mail, name (see the module)."""

    def __init__(self, roster: Roster | None, sheet: Worksheet | None, known: dict[str, dict]):
        self.roster, self.sheet, self.known = roster, sheet, known
        self.rows = sheet.by_participant() if sheet else {}
        self.words = set(PARTICIPANT_WORDS)
        for row in self.rows.values():
            word = IDENTIFIER.match(sheet.cell(row, "identifier"))
            if word and word["word"].strip():
                self.words.add(normalize_name(word["word"]))
        self.by_email: dict[str, list[Student]] = {}
        for student in roster.students if roster else []:
            if student.email:
                self.by_email.setdefault(student.email.casefold(), []).append(student)

    def is_blind(self, folder: Folder) -> bool:
        """Moodle named the folder for an anonymous participant (blind marking)."""
        return normalize_name(folder.name) in self.words

    def __call__(self, folder: Folder) -> Match:
        number = str(int(folder.participant))
        if number in self.known:
            return Match(self.known[number]["student"], "participant number (recorded by an earlier import)")
        by_email = self._by_email(number)
        if by_email.student or not self.is_blind(folder):
            return by_email if by_email.student else self.in_worksheet(number, folder.name)
        return Match(blind_id(number), "blind marking: graded as the participant number")

    def in_worksheet(self, number: str, folder_name: str = "") -> Match:
        """The student of participant `number`: by the worksheet row's e-mail, then its name (else
        `folder_name`)."""
        by_email = self._by_email(number)
        if by_email.student:
            return by_email
        row = self.rows.get(number)
        name = (self.sheet.cell(row, "name") if row is not None else "") or folder_name
        if self.roster is None:
            return Match(None, f"no class list to find {name!r} in (give the students CSV)")
        if not name:
            return Match(None, f"participant {number} has no row with a name or a known e-mail in {self.sheet.path.name}"
                         if self.sheet else f"participant {number} has no name")
        student, why = self.roster.match(name)
        return Match(student.id, "name") if student else Match(None, why + by_email.how)

    def _by_email(self, number: str) -> Match:
        """The single student of the class list with the e-mail of participant `number`'s row."""
        row = self.rows.get(number)
        email = self.sheet.cell(row, "email") if row is not None else ""
        found = self.by_email.get(email.casefold(), []) if email else []
        if len(found) == 1:
            return Match(found[0].id, f"e-mail {email} (the worksheet's row for participant {number})")
        return Match(None, f"; {len(found)} students of the class list have the e-mail {email}" if found else "")
