"""Importing coursework handed in through the course's LMS (Moodle) into nbgrader.

Moodle's "download all submissions" gives a zip with one folder per submission,
`Full Name_12345_assignsubmission_file_/` (12345 is Moodle's participant id, not the
student id), holding whatever the student uploaded. `import_moodle_zip` matches each folder
to a student of the students CSV by full name (case, accents and spacing ignored), places
the notebook at `submitted/<student_id>/<assignment>/<assignment>.ipynb` with a
`timestamp.txt` from the notebook's date in the zip, and keeps every other file (other
notebooks, PDFs, older duplicate submissions, unmatched folders, unsafe entries, replaced
submissions) in `.nnlab/lms-import/<assignment>/<time of the import>/` at its path in the
zip. `ImportResult` lists where each file went; `summary()` is the report. From the shell:
`nnlab import-lms <assignment> <zip>` (the `nnlab` command line calls `import_moodle_zip`).

Why not `nbgrader zip_collect` with a `MoodleCollectorPlugin(FileNameCollectorPlugin)`:
nbgrader 0.9.6's ZipCollectApp (`nbgrader/apps/zipcollectapp.py`) and its plugins
(`nbgrader/plugins/zipcollect.py`) were read for this, and the collector plugin would be the
easy part (a regular expression for the folder name and a look-up in the CSV). The app
around it is what cannot give this import's guarantees:

- Extraction (`ExtractorPlugin` -> `nbgrader.utils.unzip` -> `shutil.unpack_archive`)
  silently skips any entry whose name starts with "/" or merely contains "..": a zip-slip
  entry disappears without a word (and so does an honest `report..pdf`). It also drops the
  entries' dates, so the collector cannot give the notebook's date in the zip.
- The collector sees one extracted file at a time. Files it returns None for (PDFs, names
  it cannot match) are only logged and left in `downloaded/<a>/extracted/`, which the next
  `--force` run clears; they are never listed anywhere.
- Two notebooks of one student, both mapped to `<assignment>.ipynb` (the only name
  autograde grades), are "duplicate submission files": the newer timestamp wins (not the
  name that matches the assignment), the other is dropped, and without timestamps the
  whole run fails. Mapped to their own names instead, a renamed notebook is never graded.
- An existing submission either stops the run (`self.fail`) after earlier students were
  already copied, or with `--force` is deleted (`rmtree`) with nothing kept.

So the import reads the zip itself with the standard library, writes nothing until the
whole plan is made, and writes `timestamp.txt` in the format zip_collect writes
(`datetime.isoformat(" ")`, read back by nbgrader's `parse_utc`).
"""
from nnlab.lms.importer import (
    Duplicate, ImportResult, Kept, OtherFile, Placed, RejectedEntry, Renamed, Replaced, Unmatched,
    import_moodle_zip,
)
from nnlab.lms.roster import LmsImportError

__all__ = ["import_moodle_zip", "ImportResult", "LmsImportError", "Placed", "Renamed", "Kept",
           "Duplicate", "Unmatched", "OtherFile", "RejectedEntry", "Replaced"]
