"""The course's Moodle site as the LMS commands need it: `c.Moodle.*` in course_config.py, each setting
with its default and help here; a command line option (e.g. --zip-timezone) overrides it for one run."""
from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from traitlets import Bool, Dict, Float, Int, Unicode
from traitlets.config import Configurable

from nnlab.lms.roster import LmsImportError


class Moodle(Configurable):
    """The Moodle site of the course."""
    timezone = Unicode("", help="The Moodle site's time zone (Site administration > General > Location > Default "
                                "timezone), e.g. Europe/Berlin: the zone of the dates in its submissions zips and, "
                                "for users who kept that default, of its grading worksheets. Empty: not known "
                                "(the zip's dates are then read in this machine's zone, or, with --worksheet, in "
                                "the zone its dates suggest)").tag(config=True)

    url = Unicode("", help="The Moodle site's address, e.g. https://moodle.example.org (for `nnlab sync-lms`, and for "
                           "`nnlab serve`, which then pulls hand-ins from it and pushes grades to it)").tag(config=True)
    token_path = Unicode("~/.nnlab/moodle-token", help="The file holding the course's Moodle web-service token, "
                         "outside the repository (like the course secret); never printed").tag(config=True)
    course_id = Int(0, help="The course's id in Moodle (the id= of its course page)").tag(config=True)
    assignments = Dict(key_trait=Unicode(), value_trait=Int(), default_value={},
                       help="{nbgrader assignment: Moodle assignment id}; an assignment not named here is the "
                            "course's Moodle assignment of the same name").tag(config=True)
    partial = Bool(False, help="Also push grades whose written answers are still to mark by hand (counted 0, as "
                               "nbgrader does): `nnlab serve` always, `nnlab sync-lms` as --partial does").tag(config=True)
    serve_push = Bool(True, help="With c.Moodle.url set, `nnlab serve` pushes each graded hand-in's grade and "
                                 "feedback to Moodle after releasing its feedback (False: only `nnlab sync-lms` "
                                 "does)").tag(config=True)
    retry_seconds = Float(60.0, help="`nnlab serve`: seconds between two tries of a push Moodle refused or "
                                     "did not answer (it is kept, across restarts, until Moodle takes it)").tag(config=True)
    serve_timeout = Float(20.0, min=1.0, help="`nnlab serve`: seconds a Moodle that does not answer holds the "
                                              "service's grading at most, per web-service call (it is then taken "
                                              "for unreachable and tried again later)").tag(config=True)
    poll_seconds = Float(60.0, help="`nnlab serve`: seconds between two pulls of the hand-ins and deadlines of "
                                    "each of the course's assignments in Moodle, as `nnlab sync-lms` pulls them (a "
                                    "notebook handed in on Moodle is graded on arrival); 0: the service never "
                                    "pulls").tag(config=True)

    def token(self) -> str:
        """The web-service token from token_path; one clear error when there is none."""
        path = Path(self.token_path).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise LmsImportError(f"c.Moodle.token_path = {str(path)!r}: cannot read the Moodle token "
                                 f"({exc.strerror or exc})") from None
        if not token:
            raise LmsImportError(f"c.Moodle.token_path = {str(path)!r}: the file is empty (write the token into it)")
        return token

    def zone(self) -> tzinfo | None:
        """The site's time zone, None when not set; an unknown name is one clear error."""
        if not self.timezone:
            return None
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise LmsImportError(f"c.Moodle.timezone = {self.timezone!r}: unknown time zone (e.g. Europe/Berlin)") from None
