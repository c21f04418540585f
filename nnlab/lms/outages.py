"""What `nnlab serve` has told the instructor of Moodle's failures, so that each is told once: the pull and
the push each keep one `Outages`. A Moodle that cannot be reached is one outage however its calls fail
(a reset connection, then a refused one, then a time-out); a refusal (a wrong token, a missing capability)
is told again only when its message changes."""
from __future__ import annotations

from nnlab.lms.webservice import MoodleUnreachable

ANY = "*"   # a failure of every assignment (Moodle cannot be reached, the token unreadable)


class Outages:
    """The failures last told, by assignment (ANY: every one)."""

    def __init__(self) -> None:
        self.told: dict[str, str] = {}

    def failed(self, key: str, exc: Exception, message: str) -> bool:
        """Note that `key` failed with `exc`; True when the instructor is to be told (`message` not told yet)."""
        kind = "unreachable" if isinstance(exc, MoodleUnreachable) else message
        new = self.told.get(key) != kind
        self.told[key] = kind
        return new

    def answered(self, *keys: str) -> bool:
        """Note that Moodle answered for these keys; True when one of them had failed (the instructor is
        to be told that it answers again)."""
        return [self.told.pop(key, None) for key in keys] != [None] * len(keys)
