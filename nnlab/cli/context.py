"""What every `nnlab` command works on: the course folder, its nbgrader configuration, and a
runner that shows every nbgrader command it runs (or, with --dry-run, only shows it)."""
from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from nnlab.course import PROJECT_ROOT, notebook_names, run_nbgrader

CONFIG_FILE = "nbgrader_config.py"


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
    folder = Path(folder).expanduser().resolve()
    if not folder.exists():
        raise UsageError(f"no course folder at {folder}: it does not exist")
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a course folder: it is a file")
    if not (folder / CONFIG_FILE).is_file():
        raise UsageError(f"{folder} is not a course folder: it has no {CONFIG_FILE}")
    return folder


def load_config(folder: Path):
    """The course's nbgrader configuration, read the way nbgrader reads it (so environment
    variables such as NNLAB_EXCHANGE count the same for nnlab and for nbgrader)."""
    from traitlets.config.loader import PyFileConfigLoader  # imported here: `nnlab --help` stays fast

    try:
        return PyFileConfigLoader(CONFIG_FILE, path=str(folder)).load_config()
    except Exception as exc:  # a broken configuration file can raise anything while it runs
        raise Problem(f"cannot read the course configuration {folder / CONFIG_FILE}: "
                      f"{type(exc).__name__}: {exc}") from None


def _setting(section, name: str, default: str) -> str:
    value = section.get(name) if name in section else None
    return value if isinstance(value, str) and value else default


def _in_course_order(names: set[str], listed: list[str]) -> list[str]:
    known = [a for a in listed if a in names]
    return known + sorted(names - set(known))


@dataclass(frozen=True)
class Course:
    root: Path
    course_id: str
    exchange: Path
    db_url: str
    listed: tuple[str, ...] = ()     # the course's assignments in teaching order (c.Course.assignments)

    @classmethod
    def open(cls, folder: Path | None) -> "Course":
        root = find_course(folder)
        config = load_config(root)
        course_dir, exchange = config.CourseDirectory, config.Exchange
        # nbgrader reads nbgrader_config.py from the folder it runs in, so that folder is the course
        # (the course's configuration sets CourseDirectory.root to it as well)
        db_url = _setting(course_dir, "db_url", "sqlite:///" + str(root / "gradebook.db"))
        if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_absolute():
            # nbgrader runs in the course folder; this process may not
            db_url = "sqlite:///" + str(root / db_url[len("sqlite:///"):])
        return cls(
            root=root,
            course_id=_setting(course_dir, "course_id", ""),
            # nbgrader's own defaults where the course leaves a setting out
            exchange=Path(_setting(exchange, "root", "/srv/nbgrader/exchange")),
            db_url=db_url,
            listed=tuple(config.Course.get("assignments", ())) if "Course" in config else (),
        )

    # -- the folders nbgrader keeps ---------------------------------------------------
    def assignments(self) -> list[str]:
        """Assignments with a source notebook, in course order."""
        return _in_course_order({p.parent.name for p in (self.root / "source").glob("*/*.ipynb")}, list(self.listed))

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names of an assignment (from source/, else release/)."""
        return notebook_names(self.root, assignment)

    def check_assignment(self, name: str) -> str:
        known = self.assignments()
        if name not in known:
            have = ", ".join(known) if known else f"none: {self.root / 'source'} holds no notebook"
            raise UsageError(f"unknown assignment '{name}' (the course has: {have})")
        return name

    def students_in(self, folder: str, assignment: str) -> list[str]:
        """Students with a folder `<folder>/<student>/<assignment>/` (submitted, autograded, feedback)."""
        return sorted(p.parent.name for p in (self.root / folder).glob(f"*/{assignment}") if p.is_dir())

    def outbound(self, assignment: str) -> Path:
        """Where `nbgrader release_assignment` puts the student version in the exchange."""
        return self.exchange / self.course_id / "outbound" / assignment

    def inbound(self) -> Path:
        """Where `nbgrader submit` puts the students' hand-ins in the exchange."""
        return self.exchange / self.course_id / "inbound"

    def gradebook_file(self) -> Path | None:
        """The gradebook's file for an sqlite gradebook, None for a database server."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]) if self.db_url.startswith(prefix) else None

    def has_gradebook(self) -> bool:
        path = self.gradebook_file()
        return path is None or path.exists()

    def show(self, path: Path) -> str:
        """A path as the instructor reads it: relative to the course when inside it."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)


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
        done = run_nbgrader(self.course.root, *args, check=False)
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
            print(f"# dry run: nothing is run; from the course folder these commands would run\ncd {shlex.quote(str(self.course.root))}")


def error_lines(done: subprocess.CompletedProcess, tail: int = 12) -> list[str]:
    """What nbgrader said went wrong: its ERROR lines, else the end of its output."""
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    errors = [line.strip() for line in lines if ("ERROR]" in line or "CRITICAL]" in line)
              and not line.rstrip().endswith("Traceback (most recent call last):")]
    return errors or [line.rstrip() for line in lines if line.strip()][-tail:]


def environment_note() -> str:
    exchange = os.environ.get("NNLAB_EXCHANGE")
    return f" (NNLAB_EXCHANGE={exchange})" if exchange else ""
