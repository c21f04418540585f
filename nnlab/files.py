"""Every file nnlab writes into a course is written whole or not at all: into a temporary file beside
it, flushed to disk, then renamed over the old one (a rename within a folder is atomic). A run killed
at any moment, or a full disk, leaves the previous version or the new one, never half of either."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def atomic_open(path: Path | str, mode: str = "w", **options) -> Iterator[IO]:
    """`open(path, mode)` whose file appears at `path` only when the block ends without an error
    ("w" or "wb"; `options` as for open, e.g. encoding, newline). Folders above it are made."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **options) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_atomic(path: Path | str, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `data` (text in `encoding`, or bytes) to `path` whole or not at all; returns `path`."""
    with atomic_open(path, "wb") as out:
        out.write(data.encode(encoding) if isinstance(data, str) else data)
    return Path(path)


def _umask() -> int:
    """This process's umask (mkstemp makes files 0600; the file gets the mode open() would give)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
