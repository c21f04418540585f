"""A course as it runs on a shared machine: the instructor and each student a Unix user of their own,
the course folder the instructor's alone, and an nbgrader exchange laid out as nbgrader lays it out
for a shared JupyterHub (its root open to everyone, 0777; the course's inbound folder write-only for
students; the feedback folder not listable). The students use the student-side settings a
deployment gives them (hub/student/nbgrader_config.py); the instructor runs `nnlab` in the course
folder. Used by test_multiuser.py (the command line), test_served.py (`nnlab serve` as the instructor)
and test_hub.py (the Assignments panel)."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from nbgrader.utils import notebook_hash
from unix_users import VENV_BIN, User, shared_folder, unix_users  # tests/unix_users.py

from nnlab.course import PROJECT_ROOT, copy_course

A = "perceptron"
COURSE_ID = "nnlab"   # c.CourseDirectory.course_id of course_config.py
STUDENT_CONFIG = PROJECT_ROOT / "hub" / "student"
NNLAB = str(Path(VENV_BIN) / "nnlab")
SCORE = re.compile(r"Score: (?P<score>[0-9.]+) / (?P<total>[0-9.]+)")


@dataclass
class SharedCourse:
    base: Path
    exchange: Path
    course: Path
    instructor: User
    students: dict[str, User]
    served: bool = False   # `nnlab serve` runs for the course
    log: list[str] = field(default_factory=list)

    def student_env(self) -> dict[str, str]:
        return {"JUPYTER_CONFIG_PATH": str(STUDENT_CONFIG), "NNLAB_EXCHANGE": str(self.exchange)}

    def as_student(self, role: str, *argv: str, check: bool = True):
        """`argv` run by the student `role` in their home, with the student-side settings."""
        done = self.students[role].run(*argv, env=self.student_env(), check=check)
        self.log.append(f"{role}$ {' '.join(argv)} -> {done.returncode}")
        return done

    def as_instructor(self, *argv: str, check: bool = True):
        """`argv` run by the instructor in the course folder (its nbgrader_config.py)."""
        done = self.instructor.run(*argv, cwd=self.course, env={"NNLAB_EXCHANGE": str(self.exchange)}, check=check)
        self.log.append(f"instructor$ {' '.join(argv)} -> {done.returncode}")
        return done

    def inbound(self) -> Path:
        return self.exchange / COURSE_ID / "inbound"

    def outbound_feedback(self) -> Path:
        return self.exchange / COURSE_ID / "feedback"

    def work(self, role: str) -> Path:
        """Where the student's fetched assignment is (path_includes_course: <home>/<course>/<A>)."""
        return self.students[role].home / COURSE_ID / A

    def release_feedback_for(self, role: str, timeout: float = 300) -> None:
        """The student `role`'s feedback released for their newest hand-in: with `nnlab serve` running
        (`served`), waited for; without it, the instructor's steps run here, for every hand-in."""
        if not self.served:
            for step in ("collect", "grade", "feedback", "release-feedback"):
                self.as_instructor(NNLAB, step, A)
            return
        page = self.feedback_page(role)
        deadline = time.monotonic() + timeout
        while not page.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"nnlab serve released no feedback for {role} within {timeout:.0f} s "
                                   f"(waited for {page})")
            time.sleep(1)

    def feedback_page(self, role: str) -> Path:
        """Where nbgrader releases the feedback of the student's newest hand-in: a keyed hash of the
        secret their own copy of it holds (read as root)."""
        cache = self.students[role].home / ".local" / "share" / "jupyter" / "nbgrader_cache" / COURSE_ID
        newest = max(cache.glob(f"*+{A}+*"), key=lambda folder: (folder / "timestamp.txt").read_text())
        secret = (newest / "submission_secret.txt").read_text()
        return self.outbound_feedback() / f"{notebook_hash(secret=secret, notebook_id=A)}.html"

    def answer(self, role: str, notebook: dict) -> None:
        """The student's notebook replaced by `notebook`, written as if they had typed it (theirs)."""
        path = self.work(role) / f"{A}.ipynb"
        path.write_text(json.dumps(notebook))
        os.chown(path, self.students[role].uid, self.students[role].gid)


@contextmanager
def shared_course(*students: str, password: str | None = None, extra_config: str = "") -> Iterator[SharedCourse]:
    """The course copied into a folder of the instructor's (mode 0700), the exchange root made as
    nbgrader documents it (any user may write, 0777), users for the instructor and `students`, and
    the assignment released as the instructor releases it (`nnlab release`: generated into the
    gradebook, then into the exchange); everything removed afterwards."""
    base = shared_folder("nnlab-shared-")
    homes = base / "home"
    homes.mkdir(mode=0o755)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    try:
        with unix_users("instructor", *students, homes=homes, password=password) as made:
            users = dict(made)   # unix_users removes every user it made, the instructor included
            instructor = users.pop("instructor")
            course = copy_course(base / "course")
            if extra_config:
                with open(course / "course_config.py", "a") as config:
                    config.write("\n" + extra_config)
            for path in [course, *course.rglob("*")]:
                os.lchown(path, instructor.uid, instructor.gid)
            course.chmod(0o700)   # the gradebook, the hidden graders' reports, every hand-in
            shared = SharedCourse(base, exchange, course, instructor, users)
            shared.as_instructor(NNLAB, "release", A)
            yield shared
    finally:
        shutil.rmtree(base, ignore_errors=True)
