"""Moodle's participant numbers of an assignment, as the zip import found them.

Moodle names each submission folder `Full name_<N>_assignsubmission_file`; N is the participant
number the assignment's grading worksheet shows as `Participant N` (localised, e.g.
`Teilnehmer/in N`). The import records {N: student id} for every folder it matched to a student,
so that the export back to Moodle finds each worksheet row's student without guessing by name.
"""
from __future__ import annotations

import json
from pathlib import Path

from nnlab.course import Course
from nnlab.files import write_atomic

FILE = "participants.json"


def participants_file(course: Course, assignment: str) -> Path:
    return course.lms_import / assignment / FILE


def read_participants(course: Course, assignment: str) -> dict[str, dict]:
    """{participant number: {"student": id, "name": name in Moodle's folder}}; empty before any import."""
    path = participants_file(course, assignment)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        from nnlab.lms.roster import LmsImportError

        raise LmsImportError(f"{path}: unreadable record of Moodle participants ({exc}); "
                             "import the submissions again (nnlab import-lms --force)") from None
    return {str(k): v for k, v in found.items() if isinstance(v, dict) and isinstance(v.get("student"), str)}


def record_participants(course: Course, assignment: str, found: dict[str, dict]) -> Path:
    """Add `found` to the assignment's record (a later import of the same participant wins); an
    unreadable record is replaced by this import's."""
    from nnlab.lms.roster import LmsImportError

    path = participants_file(course, assignment)
    try:
        merged = read_participants(course, assignment) | found
    except LmsImportError:
        merged = dict(found)
    return write_atomic(path, json.dumps(dict(sorted(merged.items(), key=lambda kv: int(kv[0]))), indent=1,
                                         ensure_ascii=False) + "\n")
