"""What nnlab keeps of deadlines beside nbgrader's gradebook, under `.nnlab/deadlines/` in the course:
JSON files read and changed under a lock (the instructor's `nnlab extend` and a grading run may change
one at once), each written whole (nnlab.files)."""
from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from nnlab.course import work_folder
from nnlab.files import write_atomic

FOLDER = "deadlines"


def records_folder(root: Path | str) -> Path:
    """nnlab's deadline records of the course at `root`."""
    return work_folder(root, FOLDER)


def read(path: Path) -> dict:
    """The record at `path`; {} when there is none yet."""
    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        raise ValueError(f"{path}: not a readable record (JSON); remove it or restore it from a backup") from None
    return found if isinstance(found, dict) else {}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def change(path: Path, how: Callable[[dict], object]) -> object:
    """Apply `how` to the record at `path` (in place) under its lock and write it back; what `how` returned."""
    with _locked(path):
        record = read(path)
        result = how(record)
        write_atomic(path, json.dumps(record, indent=1, sort_keys=True))
    return result
