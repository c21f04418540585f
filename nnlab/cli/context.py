"""What every `nnlab` command works on: the course folder, its nbgrader configuration, and a
runner that shows every nbgrader command it runs (or, with --dry-run, only shows it)."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nnlab.course import CONFIG_FILE, PROJECT_ROOT, Course, CourseError, NoCourseFolder, run_nbgrader

__all__ = ["Course", "Nbgrader", "Problem", "UsageError", "assignments_named", "check_assignment", "error_lines",
           "nbgrader_failed", "open_course"]


class UsageError(Exception):
    """The command line asks for something that cannot be (exit code 2)."""


class Problem(Exception):
    """The command ran and found a problem (exit code 1)."""


def find_course(folder: Path | None, cwd: Path | None = None) -> Path:
    """The course folder: `folder` if given, else the current directory when it holds an
    nbgrader_config.py, else the project root."""
    if folder is None:
        here = Path(cwd or Path.cwd())
        folder = here if (here / CONFIG_FILE).is_file() else PROJECT_ROOT
    return Path(folder).expanduser().resolve()


def open_course(folder: Path | None) -> Course:
    """The course the command works on (see `find_course`), configured by its nbgrader_config.py."""
    folder = find_course(folder)
    try:
        if folder.is_dir() and not (folder / CONFIG_FILE).is_file():
            raise UsageError(f"{folder} is not a course folder: it has no {CONFIG_FILE}")
        return Course.open(folder)
    except NoCourseFolder as exc:
        raise UsageError(str(exc)) from None
    except CourseError as exc:
        raise Problem(str(exc)) from None


def check_assignment(course: Course, name: str) -> str:
    """`name`, when the course has it (a source notebook); a usage error naming the course's otherwise."""
    known = course.source_assignments()
    if name not in known:
        have = ", ".join(known) if known else f"none: {course.source(name).parent} holds no notebook"
        raise UsageError(f"unknown assignment '{name}' (the course has: {have})")
    return name


@dataclass
class Nbgrader:
    """Runs nbgrader in the course folder, printing each command first; with `dry_run` it only prints."""
    course: Course
    dry_run: bool = False
    verbose: bool = False

    def run(self, *args: str) -> subprocess.CompletedProcess | None:
        print(f"{'' if self.dry_run else '$ '}nbgrader {shlex.join(args)}", flush=True)
        if self.dry_run:
            return None
        done = run_nbgrader(self.course.folder, *args, check=False)
        if self.verbose:
            print((done.stdout + done.stderr).rstrip(), flush=True)
        return done

    def note(self, text: str) -> None:
        """A step that is not an nbgrader command (a comment in the dry run's script)."""
        print(f"# {text}" if self.dry_run else text, flush=True)

    def done(self, text: str) -> None:
        """What a command did (nothing to say in a dry run, where nothing was done)."""
        if not self.dry_run:
            print(text, flush=True)

    def start(self) -> None:
        if self.dry_run:
            print(f"# dry run: nothing is run; from the course folder these commands would run\n"
                  f"cd {shlex.quote(self.course.root)}")


def error_lines(done: subprocess.CompletedProcess, tail: int = 12) -> list[str]:
    """What nbgrader said went wrong: its ERROR lines, else the end of its output."""
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    errors = [line.strip() for line in lines if ("ERROR]" in line or "CRITICAL]" in line)
              and not line.rstrip().endswith("Traceback (most recent call last):")]
    return errors or [line.rstrip() for line in lines if line.strip()][-tail:]


def environment_note() -> str:
    exchange = os.environ.get("NNLAB_EXCHANGE")
    return f" (NNLAB_EXCHANGE={exchange})" if exchange else ""


def nbgrader_failed(done, what: str) -> bool:
    """Report a failed nbgrader run on stderr; True when it failed."""
    if done is None or done.returncode == 0:
        return False
    print(f"nbgrader {what} failed (exit {done.returncode}):", file=sys.stderr)
    for line in error_lines(done):
        print(f"  {line}", file=sys.stderr)
    return True


def assignments_named(course: Course, name: str, step: str) -> list[str]:
    """`all`: the course's assignments with something at `step` (e.g. submitted/); otherwise the one named."""
    if name != "all":
        return [check_assignment(course, name)]
    return [a for a in course.source_assignments() if course.students_in(step, a)]
