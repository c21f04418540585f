"""A course term on one machine: release, students fetch and submit through nbgrader's
exchange, the instructor collects, autogrades, generates feedback and exports grades."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

from nnlab.batch.grader import check
from nnlab.course import (
    BUDGETS_FOLDER,
    PROJECT_ROOT,
    Course,
    available_assignments,
    copy_course,
    nbgrader_environment,
    run_nbgrader,
)
from nnlab.demo import cheats, submissions
from nnlab.demo.mistakes import mistake_sets

COURSE_ID = "nnlab"   # the project course's c.CourseDirectory.course_id (a term reads its own from the course)


@dataclass
class Student:
    id: str
    first_name: str
    last_name: str
    about: str
    # (assignment, release notebook, source notebook) -> notebook or raw bytes to hand in (or WithFiles)
    answer: Callable


@dataclass(frozen=True)
class WithFiles:
    """A hand-in with other files beside the notebook (plots, pages): {file name: bytes}."""
    notebook: object  # a notebook or raw bytes
    files: dict


def _correct(a, release, source):
    return submissions.correct(release, source)


def _untouched(a, release, source):
    return release


def _mistakes(a, release, source):
    sets = mistake_sets(a)
    return submissions.with_mistakes(release, source, sets[0].answers if sets else {})


def _cheat(a, release, source):
    return cheats.patched_comparisons(release, source, a)


def _hostile(a, release, source):
    """First assignment: right answers, then a top-level endless loop and a line that kills the
    interpreter. Right answers elsewhere."""
    nb = submissions.correct(release, source)
    if a != available_assignments()[0]:
        return nb
    answers = list(submissions.solutions(source, code_only=True))
    nb = submissions.append_to_cell(nb, answers[0], "while True:  # forgot the stopping condition\n    pass")
    return submissions.append_to_cell(nb, answers[-1], "import os\nos._exit(1)")


def _broken_first(a, release, source):
    """Hands in a file that is not a notebook for the first assignment, right answers after."""
    if a == available_assignments()[0]:
        return b'{"cells": [ this is not JSON'
    return submissions.correct(release, source)


CLASS = [
    Student("ada", "Ada", "Lovelace", "right answers everywhere", _correct),
    Student("ben", "Ben", "Okafor", "hands in the release untouched", _untouched),
    Student("cara", "Cara", "Silva", "typical mistakes", _mistakes),
    Student("dan", "Dan", "Novak", "an endless loop and a crash in the first notebook", _hostile),
    Student("eve", "Eve", "Moreau", "cheats: lying objects and patched numpy", _cheat),
    Student("finn", "Finn", "Berg", "a broken file for the first assignment", _broken_first),
]


@dataclass
class Term:
    workdir: Path
    assignments: list[str]
    students: list[Student] = field(default_factory=lambda: list(CLASS))
    extra_config: str = ""  # appended to the course's course_config.py (e.g. shorter timeouts)
    workers: int = 0        # 0: plain `nbgrader autograde`; N: `nnlab grade`'s batch with N workers
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def course(self) -> Path:
        return self.workdir / "course"

    def env(self) -> dict:
        return {"NNLAB_EXCHANGE": str(self.workdir / "exchange")}

    def step(self, name: str, action: Callable[[], None]) -> None:
        began = time.monotonic()
        print(f"== {name}", flush=True)
        action()
        self.timings[name] = time.monotonic() - began

    def nbgrader(self, *args, cwd: Path | None = None, check: bool = True):
        return run_nbgrader(self.course, *args, env=self.env(), cwd=cwd, check=check)

    def nnlab(self, *args: str) -> subprocess.CompletedProcess:
        """`nnlab ARGS` on the term's course, in a process of its own."""
        return subprocess.run([sys.executable, "-m", "nnlab.cli", *args, "--course", str(self.course)],
                              cwd=self.course, env=nbgrader_environment(self.env()), capture_output=True, text=True)

    # -- the instructor ---------------------------------------------------------------
    def set_up(self) -> None:
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        copy_course(self.course, include_release=False)
        # the model solutions' cell times, as `nnlab release` timed them and the course keeps them: the
        # plain generate_assignment of `release()` below does not time them again
        if (PROJECT_ROOT / BUDGETS_FOLDER).is_dir():
            shutil.copytree(PROJECT_ROOT / BUDGETS_FOLDER, self.course / BUDGETS_FOLDER)
        if self.extra_config:
            with open(self.course / "course_config.py", "a") as config:
                config.write("\n" + self.extra_config + "\n")
        rows = ["id,first_name,last_name,email"]
        rows += [f"{s.id},{s.first_name},{s.last_name},{s.id}@students.example.org" for s in self.students]
        (self.course / "students.csv").write_text("\n".join(rows) + "\n")
        self.nbgrader("db", "student", "import", "students.csv")

    def release(self) -> None:
        for a in self.assignments:
            self.nbgrader("generate_assignment", a, "--force")
            self.nbgrader("release_assignment", a, "--force")

    def collect(self) -> None:
        for a in self.assignments:
            self.nbgrader("collect", a)

    def layout(self) -> Course:
        """The term's course, as its configuration lays it out."""
        return Course.open(self.course)

    def autograde(self) -> None:
        course = self.layout()
        for a in self.assignments:
            found = check(course, a)   # the grader's own check, whether nnlab or plain nbgrader grades
            self.problems += [f"{student}, {a}: an earlier grading run stopped midway; graded again"
                              for student in found.unfinished]
            for student, problems in found.problems.items():
                self.problems += [f"{student}, {a}: {problem}" for problem in problems]
        if self.workers:
            # `nnlab grade all`: every assignment with collected submissions, which are this term's
            done = self.nnlab("grade", "all", "--workers", str(self.workers))
            failed = re.findall(r"not graded: ([^,]+), ([^/]+)/", done.stderr)
            for a in self.assignments:
                self._failed(a, sorted({student for student, which in failed if which == a}))
            return
        for a in self.assignments:
            done = self.nbgrader("autograde", a, check=False)
            self._failed(a, sorted(set(re.findall(r"error processing assignment '[^']+' for student '([^']+)'",
                                                  done.stderr))))

    def _failed(self, a: str, students: list[str]) -> None:
        if students:
            self.problems.append(f"nbgrader could not autograde {a} for {', '.join(students)}; "
                                 "every other submission was graded")

    def feedback(self) -> None:
        for a in self.assignments:
            self.nbgrader("generate_feedback", a, "--force", check=False)

    def export(self) -> None:
        self.nbgrader("export", "--to", str(self.workdir / "grades.csv"))

    def report(self) -> None:
        from nnlab.report import write_report

        self.reports = [write_report(self.layout(), a) for a in self.assignments]

    # -- the students -----------------------------------------------------------------
    def exchange(self, action, student: Student, assignment: str) -> None:
        """What `nbgrader fetch_assignment` / `nbgrader submit --student=ID` do, in this process
        (the command line would start a new interpreter for each of the class's hand-ins)."""
        home = self.workdir / "students" / student.id
        home.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.CourseDirectory.course_id = self.layout().course_id
        config.CourseDirectory.root = str(home)
        config.CourseDirectory.assignment_id = assignment
        config.CourseDirectory.student_id = student.id
        config.Exchange.root = str(self.workdir / "exchange")
        config.Exchange.assignment_dir = str(home)
        coursedir = CourseDirectory(config=config)
        action(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()

    def hand_in(self) -> None:
        course = self.layout()
        for student in self.students:
            for a in self.assignments:
                self.exchange(ExchangeFetchAssignment, student, a)
                path = self.workdir / "students" / student.id / a / f"{a}.ipynb"
                release = nbformat.read(path, as_version=4)
                source = nbformat.read(course.source(a) / f"{a}.ipynb", as_version=4)
                work = student.answer(a, release, source)
                if work is None:  # this student hands nothing in for this assignment
                    continue
                if isinstance(work, WithFiles):
                    for name, content in work.files.items():
                        (path.parent / name).write_bytes(content)
                    work = work.notebook
                path.write_bytes(work if isinstance(work, bytes) else submissions.to_bytes(work))
                self.exchange(ExchangeSubmit, student, a)

    def submitted_digest(self) -> str:
        digest = hashlib.sha256()
        for path in sorted((self.course / self.layout().submitted_directory).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(self.course)).encode() + path.read_bytes())
        return digest.hexdigest()
