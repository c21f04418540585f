"""Which clock the dates of Moodle's submissions zip were written by.

The zip's entries carry the Moodle server's wall-clock time with no time zone. The grading
worksheet's "Last modified (submission)" column carries the same hand-ins' times in the zone of
the person who downloaded it, written out in their language ("Monday, 7 December 2026, 11:53 AM",
"Montag, 7. Dezember 2026, 11:53"). A file is saved into the submission when the submission is
saved, or before it ("Submit for grading" later): so under the right zone no notebook is dated
after its row's time, and most are within a minute or two of it. `ZipClock` checks a given zone
against that, or infers the offset from it, and refuses to guess when the two disagree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from nnlab.lms.roster import LmsImportError

_MONTHS = [
    ("january", "jan", "januar", "jänner", "janvier", "enero"),
    ("february", "feb", "februar", "février", "fevrier", "febrero"),
    ("march", "mar", "märz", "maerz", "mars", "marzo"),
    ("april", "apr", "avril", "abril"),
    ("may", "mai", "mayo"),
    ("june", "jun", "juni", "juin", "junio"),
    ("july", "jul", "juli", "juillet", "julio"),
    ("august", "aug", "août", "aout", "agosto"),
    ("september", "sep", "sept", "septembre", "septiembre"),
    ("october", "oct", "oktober", "octobre", "octubre"),
    ("november", "nov", "novembre", "noviembre"),
    ("december", "dec", "dezember", "décembre", "decembre", "diciembre"),
]
MONTHS = {name: number for number, names in enumerate(_MONTHS, 1) for name in names}
CLOSE = timedelta(minutes=2)     # a notebook saved with its submission: the row's minute, or the one after
STEP = timedelta(minutes=15)     # every time zone's offset is a multiple of a quarter hour


def parse_moodle_date(text: str) -> datetime | None:
    """The wall-clock time of a date as Moodle's userdate writes it (strftimedatetime, English,
    German, French or Spanish; 12- or 24-hour clock); None for "-" or anything else."""
    low = text.casefold()
    clock = re.search(r"\b(\d{1,2})[:.](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?", low)
    year = re.search(r"\b(\d{4})\b", low)
    month = next((MONTHS[w] for w in re.findall(r"[^\W\d_]+", low) if w in MONTHS), None)
    if not (clock and year and month):
        return None
    rest = low[:clock.start()].replace(year[0], " ")
    day = re.search(r"\b(\d{1,2})\b", rest)
    hour, minute = int(clock[1]), int(clock[2])
    if clock[3]:
        hour = hour % 12 + (12 if clock[3].startswith("p") else 0)
    try:
        return datetime(int(year[1]), month, int(day[1]), hour, minute) if day else None
    except ValueError:
        return None


@dataclass(frozen=True)
class HandIn:
    """One hand-in seen both ways: its notebook's date in the zip, its row's date in the worksheet."""
    participant: str
    in_zip: datetime               # naive: the Moodle server's wall clock
    in_worksheet: datetime         # aware: the row's time in the worksheet's zone


@dataclass(frozen=True)
class ZipClock:
    """The zone the zip's dates are read in, and how it was found (a line of the import report)."""
    zone: tzinfo | None            # None: this machine's
    how: str


def _offset_of(item: HandIn) -> timedelta:
    """The zip clock's UTC offset under which this notebook was saved exactly at its row's time."""
    return item.in_zip - item.in_worksheet.astimezone(timezone.utc).replace(tzinfo=None)


def _delay(item: HandIn, zone: tzinfo) -> timedelta:
    """How long before its row's time the notebook was saved, read in `zone` (negative: after it)."""
    return item.in_worksheet - item.in_zip.replace(tzinfo=zone)


def _hours(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zip_clock(hand_ins: list[HandIn], given: tzinfo | None, sheet_zone: str, where: str) -> ZipClock:
    """Check the given zone of the zip's dates against the worksheet's, or infer it from them.

    Refuses (LmsImportError) when a given zone dates a notebook after its row or dates none of them
    at their row's time; with no zone given, infers the offset from the hand-in saved closest to its
    row. `where` names the worksheet in messages.
    """
    if not hand_ins:
        return ZipClock(given, f"dates read in {zone_name(given)}: no hand-in has a date both in the zip and in "
                               f"{where}'s 'Last modified (submission)' to check it")
    # The hand-in saved closest to its row bounds the offset: no notebook is saved after its row.
    inferred = max(_offset_of(h) for h in hand_ins)
    inferred = STEP * round(inferred / STEP)
    zone = given or timezone(inferred, _hours(inferred))
    late = [h for h in hand_ins if _delay(h, zone) < -CLOSE]
    close = [h for h in hand_ins if abs(_delay(h, zone)) <= CLOSE]
    agree = f"{len(close)} of {len(hand_ins)} hand-in(s) dated within 2 minutes of their row"
    if given is not None and (late or not close):
        first = (late or hand_ins)[0]
        minutes = round(-_delay(first, zone).total_seconds() / 60)
        raise LmsImportError(
            f"the zip's dates read in {zone_name(given)} disagree with {where} (its dates read in {sheet_zone}): "
            f"participant {first.participant}'s notebook would be saved {abs(minutes)} minute(s) "
            f"{'after' if minutes > 0 else 'before'} its 'Last modified (submission)'; the worksheet suggests the "
            f"zip's clock is {_hours(inferred)}. Nothing was imported: give the Moodle server's time zone with "
            "--zip-timezone (and your Moodle profile's with --worksheet-timezone)")
    if not close:
        raise LmsImportError(
            f"the zip's dates match no row of {where}: no notebook is dated within 2 minutes of its 'Last modified "
            f"(submission)' at any time zone offset. Nothing was imported: give the Moodle server's time zone "
            "with --zip-timezone")
    if given is not None:
        return ZipClock(given, f"dates read in {zone_name(given)}, confirmed by {where} ({agree})")
    return ZipClock(zone, f"dates read as {_hours(inferred)}, the Moodle server's clock inferred from {where}, whose "
                          f"dates read in {sheet_zone} ({agree})")


def zone_name(zone: tzinfo | None) -> str:
    if zone is None:
        local = datetime.now().astimezone().tzinfo
        return f"this machine's time zone ({local})"
    return str(getattr(zone, "key", None) or zone)
