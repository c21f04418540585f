"""Dates and lengths of time as instructors type them and as pages show them. nbgrader keeps naive
UTC; here every time is aware, and a time typed without a zone is read in the course's zone only when
the course names one (`c.Deadlines.timezone`), else refused."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
EXAMPLE = "2025-03-14 23:59 Europe/Berlin"


class TimeError(ValueError):
    """A date, time, zone or length of time that cannot be read: the message says which and why."""


def zone_named(name: str) -> tzinfo:
    try:
        return UTC if name.upper() in ("UTC", "Z") else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeError(f"unknown time zone {name!r} (e.g. Europe/Berlin, UTC)") from None


def parse_time(text: str, course_zone: tzinfo | None = None) -> datetime:
    """`text` as an aware time: ISO 8601 with an offset (`2025-03-14T23:59+01:00`, `...Z`), or a date and
    time followed by a zone name (`2025-03-14 23:59 Europe/Berlin`), or, when the course has a zone, a
    date and time alone, read in it. A date without a time is refused (the start or the end of that day?)."""
    text = " ".join(text.split())
    if not text:
        raise TimeError(f"no date given (e.g. {EXAMPLE})")
    local, zone = _split_zone(text)
    try:
        found = datetime.fromisoformat(local)
    except ValueError:
        raise TimeError(f"{text!r} is not a date and time (e.g. {EXAMPLE}, or 2025-03-14T23:59+01:00)") from None
    if not re.search(r"\d[T ]\d", local):
        raise TimeError(f"{text!r} has no time of day: give one (e.g. {EXAMPLE}), a date alone is ambiguous")
    if found.tzinfo is not None:
        if zone is not None:
            raise TimeError(f"{text!r} has both an offset and a zone name: give one of them")
        return found
    zone = zone or course_zone
    if zone is None:
        raise TimeError(f"{text!r} has no time zone: add one (e.g. {EXAMPLE}, 2025-03-14T23:59+01:00, "
                        "or UTC), or set the course's zone with c.Deadlines.timezone in course_config.py")
    aware = found.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != found:
        raise TimeError(f"{found:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks change then): "
                        "give another time")
    return aware


def _split_zone(text: str) -> tuple[str, tzinfo | None]:
    """(the date and time, the zone named after them or None)."""
    head, _, last = text.rpartition(" ")
    if re.match(r"\d{4}-", head) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]*", last):
        return head, zone_named(last)
    return text, None


UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_length(text: str) -> timedelta:
    """A length of time as `3d`, `36h`, `90m`, `1w` or a sum of them (`1d12h`); more than zero."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([wdhm])", text.strip().lower())
    if not parts or re.sub(r"\s|(\d+(?:\.\d+)?)\s*[wdhm]", "", text.lower()):
        raise TimeError(f"{text!r} is not a length of time (e.g. 3d, 36h, 90m, 1d12h; w weeks, d days, "
                        "h hours, m minutes)")
    length = sum((float(n) * UNITS[unit] for n, unit in parts), timedelta())
    if length <= timedelta():
        raise TimeError(f"{text!r} is no time at all")
    return length


def from_gradebook(value: datetime | None) -> datetime | None:
    """A time nbgrader's gradebook keeps (naive UTC) as an aware one."""
    return None if value is None else value.replace(tzinfo=UTC)


def to_gradebook(value: datetime) -> datetime:
    """An aware time as nbgrader's gradebook keeps it (naive UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None)


def show_time(value: datetime, zone: tzinfo | None = None, seconds: bool = False) -> str:
    """`2025-03-14 23:59 CET (UTC+01:00)` in `zone` (default UTC: `2025-03-14 22:59 UTC`)."""
    local = value.astimezone(zone or UTC)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if zone is None or local.utcoffset() == timedelta() and local.tzname() == "UTC":
        return f"{shown} UTC"
    offset = local.strftime("%z")
    return f"{shown} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def show_length(length: timedelta) -> str:
    """`3 days`, `1 day 12 h`, `5 h 30 min`, `45 min`, `20 s` (rounded up to the minute above a minute)."""
    total = length.total_seconds()
    if total < 60:
        return f"{math.ceil(total)} s"
    minutes = math.ceil(total / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts)
