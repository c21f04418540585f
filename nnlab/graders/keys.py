"""Per-student hidden inputs: random draws keyed by (course secret, student id, test name).

The same student gets the same inputs at every regrade; two students get different ones;
nobody without the secret can predict them. The draws go through the student's key (an HMAC of
the student id under the course secret), which is all a grading worker elsewhere is given: the
course secret itself never leaves the instructor's machine, and one student's key tells nothing
of another's.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

DEFAULT_SECRET_PATH = Path.home() / ".nnlab" / "nnlab-course-secret"


def secret_path_from_environment() -> Path:
    return Path(os.environ.get("NNLAB_SECRET", DEFAULT_SECRET_PATH))


def load_or_create_secret(path: Path) -> bytes:
    """Read the course secret, creating it (32 random bytes, mode 0600) on first use."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written aside, then linked into place: graders starting at once all get the one
        # secret that won, never a half-written file.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    secret = path.read_text().strip().encode("ascii")
    if len(secret) < 32:
        raise ValueError(f"{path}: the course secret is too short (expected 64 hex digits)")
    return secret


def student_key(secret: bytes, student: str) -> bytes:
    """The key of one student's draws: HMAC-SHA256 of the student id under the course secret."""
    return hmac.new(secret, f"student\x00{student}".encode("utf-8"), hashlib.sha256).digest()


def student_seed(key: bytes, test: str) -> int:
    """The seed of one test's draws for the student whose key is `key` (a 64-bit number)."""
    digest = hmac.new(key, test.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def student_rng(key: bytes, test: str) -> np.random.Generator:
    return np.random.default_rng(student_seed(key, test))
