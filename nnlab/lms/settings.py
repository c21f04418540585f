"""The course's Moodle site as the LMS commands need it: `c.Moodle.*` in course_config.py, each setting
with its default and help here; a command line option (e.g. --zip-timezone) overrides it for one run."""
from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from traitlets import Unicode
from traitlets.config import Configurable

from nnlab.lms.roster import LmsImportError


class Moodle(Configurable):
    """The Moodle site of the course."""
    timezone = Unicode("", help="The Moodle site's time zone (Site administration > General > Location > Default "
                                "timezone), e.g. Europe/Berlin: the zone of the dates in its submissions zips and, "
                                "for users who kept that default, of its grading worksheets. Empty: not known "
                                "(the zip's dates are then read in this machine's zone, or, with --worksheet, in "
                                "the zone its dates suggest)").tag(config=True)

    def zone(self) -> tzinfo | None:
        """The site's time zone, None when not set; an unknown name is one clear error."""
        if not self.timezone:
            return None
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise LmsImportError(f"c.Moodle.timezone = {self.timezone!r}: unknown time zone (e.g. Europe/Berlin)") from None
