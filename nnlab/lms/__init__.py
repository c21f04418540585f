"""Importing coursework handed in through the course's LMS (Moodle) into nbgrader.

`import_moodle_zip` (from the shell: `nnlab import-lms <assignment> <zip>`) places each student's
notebook from Moodle's "download all submissions" zip in submitted/ and keeps every other file in
the import's quarantine folder; `ImportResult.summary()` is the report. Why nnlab reads the zip
itself rather than using `nbgrader zip_collect`: docs/lms-design.md.

`export_moodle` (`nnlab export-lms <assignment> --worksheet FILE.csv`) goes back: it fills a copy
of the assignment's grading worksheet with the grades and feedback comments, and zips the
feedback pages for Moodle's "Upload multiple feedback files in a zip".
"""
from nnlab.lms.export import Filled, MoodleExport, Unfilled, export_moodle
from nnlab.lms.importer import (
    Duplicate,
    ImportResult,
    Kept,
    OtherFile,
    Placed,
    RejectedEntry,
    Renamed,
    Replaced,
    Unmatched,
    import_moodle_zip,
)
from nnlab.lms.roster import LmsImportError

__all__ = ["import_moodle_zip", "ImportResult", "LmsImportError", "Placed", "Renamed", "Kept",
           "Duplicate", "Unmatched", "OtherFile", "RejectedEntry", "Replaced", "export_moodle", "MoodleExport",
           "Filled", "Unfilled"]
