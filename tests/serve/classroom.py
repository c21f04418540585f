"""What the service's tests share: a course released into a real exchange, students who hand in through
nbgrader's own submit (each with their own nbgrader cache, as each has a home on a hub) or who forge a
hand-in folder in the inbound as a hostile student can, `nnlab serve` as a real process, and the journal
read as the instructor would read it."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

from nnlab.course import Course, nbgrader_command, nbgrader_environment
from nnlab.demo import submissions
from nnlab.demo.term import CLASS, Term

ASSIGNMENT = "perceptron"


def make_term(workdir: Path, student_ids: list[str], extra_config: str) -> Term:
    """A course with the perceptron assignment released into its own exchange, the class in the gradebook."""
    known = {s.id: s for s in CLASS}
    students = [known[s] if s in known else plain_student(s) for s in student_ids]
    term = Term(workdir, [ASSIGNMENT], students, extra_config=extra_config)
    term.set_up()   # nbgrader runs with the term's exchange (Term.env)
    term.release()
    return term


def plain_student(student_id: str):
    """A student of no demo story: hands in right answers."""
    from nnlab.demo.term import Student

    return Student(student_id, student_id.title(), "Example", "right answers", lambda a, r, s: submissions.correct(r, s))


def home(term: Term, student: str) -> Path:
    return term.workdir / "students" / student


def cache(term: Term, student: str) -> Path:
    return home(term, student) / "nbgrader-cache"


def _coursedir_config(term: Term, student: str) -> Config:
    config = Config()
    config.CourseDirectory.course_id = "nnlab"
    config.CourseDirectory.root = str(home(term, student))
    config.CourseDirectory.assignment_id = ASSIGNMENT
    config.CourseDirectory.student_id = student
    config.Exchange.root = str(term.workdir / "exchange")
    config.Exchange.assignment_dir = str(home(term, student))
    config.Exchange.cache = str(cache(term, student))
    return config


def _exchange(action, term: Term, student: str) -> None:
    config = _coursedir_config(term, student)
    action(coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config).start()


def answer(term: Term, kind: str):
    """A perceptron notebook: 'right' answers, the 'release' untouched."""
    course = term.layout()
    release = nbformat.read(course.release(ASSIGNMENT) / f"{ASSIGNMENT}.ipynb", as_version=4)
    source = nbformat.read(course.source(ASSIGNMENT) / f"{ASSIGNMENT}.ipynb", as_version=4)
    return submissions.correct(release, source) if kind == "right" else release


def hand_in(term: Term, student: str, notebook) -> str:
    """The student's nbgrader submit of `notebook` (a notebook or raw bytes); returns the hand-in's name."""
    folder = home(term, student) / ASSIGNMENT
    if not folder.exists():
        home(term, student).mkdir(parents=True, exist_ok=True)
        _exchange(ExchangeFetchAssignment, term, student)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(notebook if isinstance(notebook, bytes) else submissions.to_bytes(notebook))
    before = set(p.name for p in inbound(term).glob(f"{student}+{ASSIGNMENT}+*"))
    _exchange(ExchangeSubmit, term, student)
    [name] = set(p.name for p in inbound(term).glob(f"{student}+{ASSIGNMENT}+*")) - before
    return name


def forge(term: Term, student: str, files: dict[str, bytes | Callable[[Path], None]], timestamp: str | None = None) -> str:
    """A hand-in folder made straight in the inbound, as a hostile student can, with a submission secret and
    a copy in the student's cache (so their fetch_feedback looks for its page); returns its name."""
    timestamp = timestamp or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    name = f"{student}+{ASSIGNMENT}+{timestamp}+{secrets.token_urlsafe(6)}"
    secret = secrets.token_hex(64)
    cached = cache(term, student) / "nnlab" / f"{student}+{ASSIGNMENT}+{timestamp}"
    for folder in (inbound(term) / name, cached):
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(timestamp)
        (folder / "submission_secret.txt").write_text(secret)
    for file_name, content in files.items():
        target = inbound(term) / name / file_name
        if callable(content):
            content(target)
        else:
            target.write_bytes(content)
        (cached / file_name).write_bytes(b"{}")   # fetch_feedback looks for the notebook's name only
    return name


def inbound(term: Term) -> Path:
    return term.workdir / "exchange" / "nnlab" / "inbound"


def fetch_feedback(term: Term, student: str) -> dict[str, str]:
    """The student's `nbgrader fetch_feedback perceptron`: {hand-in timestamp: page} of every page fetched."""
    done = subprocess.run([nbgrader_command(), "fetch_feedback", ASSIGNMENT, "--course", "nnlab",
                           f"--CourseDirectory.student_id={student}", f"--Exchange.root={term.workdir / 'exchange'}",
                           f"--Exchange.assignment_dir={home(term, student)}", f"--Exchange.cache={cache(term, student)}"],
                          cwd=home(term, student), env=nbgrader_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return {page.parent.name: page.read_text()
            for page in (home(term, student) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html")}


# -- the service ------------------------------------------------------------------------------------
class ServiceProcess:
    """`python -m nnlab.cli serve` on the term's course, in a session of its own (its workers with it)."""

    def __init__(self, term: Term, *options: str, log: Path | None = None):
        self.term = term
        self.log = log or term.workdir / "serve.log"
        env = nbgrader_environment({"NNLAB_EXCHANGE": str(term.workdir / "exchange")})
        with open(self.log, "a") as out:
            out.write(f"\n==== nnlab serve {' '.join(options)}\n")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nnlab.cli", "serve", "--course", str(term.course), "--poll-interval", "0.3",
                 *options], cwd=term.course, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, timeout: float = 120) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the service, then whatever it left of its session (its workers)."""
        self.process.kill()
        self.process.wait(30)
        self.end_session()

    def end_session(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def events(term: Term) -> list[dict]:
    """The journal's lines, as the instructor reads them (a torn last line left out)."""
    path = term.course / ".nnlab" / "serve" / "journal.jsonl"
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            pass
    return found


def states(term: Term) -> dict[str, str]:
    """Each hand-in's state: its last event but `notified` (its page of that state released)."""
    last = {}
    for line in events(term):
        if line["event"] != "notified":
            last[line["handin"]] = line["event"]
    return last


def settled(term: Term, names) -> bool:
    """Whether each hand-in of `names` is done with: its feedback released, or not graded (or replaced)
    and its student told."""
    found = events(term)
    told = {line["handin"] for line in found if line["event"] == "notified"}
    now = states(term)
    return all(now.get(n) == "released" or (now.get(n) in ("not graded", "superseded") and n in told) for n in names)


def wait_for(condition: Callable[[], object], timeout: float, what: str, service: ServiceProcess | None = None):
    """Poll `condition` until it holds (returns its value); fail naming `what` (and the service's log) after `timeout`."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        if service is not None and service.process.poll() is not None:
            raise AssertionError(f"the service ended (exit {service.process.returncode}) before {what}:\n"
                                 f"{service.output()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}" +
                         (f"\n{service.output()[-3000:]}" if service is not None else ""))


def course_of(term: Term) -> Course:
    return Course.open(term.course)
