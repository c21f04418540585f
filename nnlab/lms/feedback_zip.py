"""The students' feedback pages as a zip for Moodle's "Upload multiple feedback files in a zip".

Moodle (assignfeedback_file's zip importer) files each file of the zip under the participant whose
number follows the first underscore of a path part: `<name>_<participant>_<plugin type>_<plugin
name>_<file>`, the name itself holding no underscore. Every version since 2.3 reads names
written flat, `Full name_12_assignsubmission_file_perceptron.html` (Moodle 4.1 and later also read
them as folders without the trailing underscore), and files them as `perceptron.html`.
"""
from __future__ import annotations

import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

PLUGIN = "assignsubmission_file"   # the plugin Moodle's "download all submissions" names; always enabled
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f_]')


def moodle_prefix(name: str, participant: str) -> str:
    """`Full name_<participant>_assignsubmission_file_`: the name as Moodle writes it in its
    folder names (underscores as spaces), without what a file name cannot hold; a name Moodle's
    importer would skip as hidden (starting with '.' or '~') loses that mark."""
    clean = " ".join(_NOT_IN_NAMES.sub(" ", name).split()).lstrip(".~ ") or "Participant"
    return f"{clean}_{int(participant)}_{PLUGIN}_"


def write_feedback_zip(path: Path, files: list[tuple[str, Path]]) -> list[str]:
    """A zip at `path` of (prefix, file) pairs, each file named `<prefix><its name>`, with its
    date; the names in the zip, in order. Written beside and then moved into place."""
    path = Path(path)
    names: list[str] = []
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for prefix, file in files:
            name = prefix + file.name
            when = datetime.fromtimestamp(file.stat().st_mtime).timetuple()[:6]
            info = zipfile.ZipInfo(name, date_time=max(when, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
            names.append(name)
    os.replace(temporary, path)
    return names
