"""nbgrader hooks of the course."""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def drop_linked_files(assignment: str, student: str, notebooks: list[str], **_) -> list[Path]:
    """Autograde's post-convert hook: remove from autograded/ the copies of symbolic links.

    nbgrader copies every other file of a submission into autograded/ (and feedback/ from there)
    following links, so a link to the gradebook or to /etc/passwd would come back to the student
    as the file itself. The notebook paths tell which submission was just graded."""
    removed = []
    for notebook in notebooks[:1]:
        source = Path(notebook).parent                      # submitted/<student>/<assignment>
        parts = source.parts
        if len(parts) < 3 or parts[-3] != "submitted":
            continue
        dest = Path(*parts[:-3]) / "autograded" / parts[-2] / parts[-1]
        for root, dirs, files in os.walk(source, followlinks=False):
            for name in files + dirs:
                path = Path(root) / name
                if path.is_symlink():
                    copy = dest / path.relative_to(source)
                    if copy.is_file() and not copy.is_symlink():
                        copy.unlink()
                        removed.append(copy)
                        log.warning("%s is a link in the submission: its target is not copied to autograded/",
                                    path)
    return removed
