"""Dates as instructors type them: a zone always known, refused otherwise with what to type."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nnlab.deadlines.times import TimeError, parse_length, parse_time, show_length, show_time

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("text", ["2025-03-14 23:59 Europe/Berlin", "2025-03-14T23:59+01:00", "2025-03-14 22:59Z",
                                  "2025-03-14 22:59 UTC", "  2025-03-14   23:59   Europe/Berlin "])
def test_a_time_with_its_zone_is_one_instant(text):
    assert parse_time(text) == datetime(2025, 3, 14, 22, 59, tzinfo=timezone.utc)


def test_a_time_without_a_zone_is_refused_unless_the_course_names_one():
    with pytest.raises(TimeError, match="no time zone: add one .*c.Deadlines.timezone"):
        parse_time("2025-03-14 23:59")
    assert parse_time("2025-03-14 23:59", BERLIN) == datetime(2025, 3, 14, 22, 59, tzinfo=timezone.utc)
    # a zone typed wins over the course's
    assert parse_time("2025-03-14 23:59 UTC", BERLIN) == datetime(2025, 3, 14, 23, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, why", [
    ("2025-03-14", "no time of day"),
    ("2025-03-14 Europe/Berlin", "no time of day"),
    ("next friday", "not a date and time"),
    ("2025-03-14 23:59 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("2025-03-14T23:59+01:00 Europe/Berlin", "both an offset and a zone name"),
    ("2025-03-30 02:30 Europe/Berlin", "does not exist in Europe/Berlin"),   # the spring-forward gap
    ("", "no date given"),
])
def test_what_cannot_be_read_is_named(text, why):
    with pytest.raises(TimeError, match=why):
        parse_time(text, None)


@pytest.mark.parametrize("text, length", [("3d", timedelta(days=3)), ("36h", timedelta(hours=36)),
                                          ("90m", timedelta(minutes=90)), ("1d12h", timedelta(hours=36)),
                                          ("1w", timedelta(days=7)), ("1.5d", timedelta(hours=36))])
def test_lengths(text, length):
    assert parse_length(text) == length


@pytest.mark.parametrize("text", ["3", "3 days", "d", "0d", "-1d", "3d extra"])
def test_bad_lengths(text):
    with pytest.raises(TimeError):
        parse_length(text)


def test_times_and_lengths_are_shown_with_their_zone():
    moment = datetime(2025, 3, 14, 22, 59, tzinfo=timezone.utc)
    assert show_time(moment) == "2025-03-14 22:59 UTC"
    assert show_time(moment, BERLIN) == "2025-03-14 23:59 CET (UTC+01:00)"
    assert show_time(moment + timedelta(days=120), BERLIN) == "2025-07-13 00:59 CEST (UTC+02:00)"
    assert [show_length(timedelta(seconds=s)) for s in (20, 61, 3600 * 5.5, 86400 * 3, 86400 + 3600 * 12)] == \
        ["20 s", "2 min", "5 h 30 min", "3 days", "1 day 12 h"]
