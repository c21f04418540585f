"""One digest of a folder's files, for every "has this changed?" question nnlab asks: a student's
submission since it was graded (nnlab.batch.state), the course's code on a grading worker
(nnlab.batch.course_code)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable


def folder_digest(folder: Path, keep: Callable[[Path], bool] = lambda path: True) -> str:
    """sha256 over the relative paths and contents of the files under `folder` that `keep` accepts, in
    a stable order; a link is digested as its target's name, never followed."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            path = Path(root) / name
            if not keep(path):
                continue
            digest.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
            if path.is_symlink():
                digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            else:
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            digest.update(b"\0")
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of one file's contents."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
