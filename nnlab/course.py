"""The course on disk: its layout (nbgrader's CourseDirectory, configured by the course), copies of
it, and running nbgrader there."""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets import List, Unicode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"
COURSE_FILES = ["course_config.py", CONFIG_FILE]
SQLITE = "sqlite:///"
WORK_FOLDER = ".nnlab"   # nnlab's own files in the course folder, next to nbgrader's
BUDGETS_FOLDER = "budgets"   # the model solutions' cell times (committed with the course, outside source/)


class CourseError(Exception):
    """The folder is not a course nnlab can open: the message names the folder and the problem."""


class NoCourseFolder(CourseError):
    """There is no folder at the path (or it is a file)."""


class BrokenConfiguration(CourseError):
    """The course's nbgrader_config.py (or a file it loads) fails to run."""


def _work_folder(name: str, doc: str) -> property:
    """A property of Course: one of nnlab's folders in the course folder (`.nnlab/<name>`)."""
    return property(lambda course: work_folder(course.root, name), doc=doc)


class Course(CourseDirectory):
    """The course on disk: nbgrader's CourseDirectory (root, course_id, db_url, format_path, the
    submitted/autograded/feedback directory names), the course's list of assignments, its exchange
    and nnlab's own folders under `.nnlab/`. Built from the course's nbgrader_config.py (`Course.open`)."""
    assignments = List(Unicode(), help="The course's assignments in teaching order (the one list; "
                                       "`nnlab new-assignment` adds to it)").tag(config=True)

    @classmethod
    def open(cls, folder: Path = PROJECT_ROOT) -> "Course":
        """The course in `folder`, configured by its nbgrader_config.py as nbgrader configures it
        (a folder without one is a course with nbgrader's defaults). The folder is the root unless
        the configuration says otherwise, and a relative SQLite gradebook is in the folder: nbgrader
        runs in the course folder, this process may not."""
        folder = Path(folder).expanduser().resolve()
        if not folder.exists():
            raise NoCourseFolder(f"no course folder at {folder}: it does not exist")
        if not folder.is_dir():
            raise NoCourseFolder(f"{folder} is not a course folder: it is a file")
        config = load_configuration(folder)
        course_dir = config.CourseDirectory
        if not course_dir.get("root"):
            course_dir.root = str(folder)
        db_url = course_dir.get("db_url")
        if isinstance(db_url, str) and db_url.startswith(SQLITE) and not Path(db_url[len(SQLITE):]).is_absolute():
            course_dir.db_url = SQLITE + str(folder / db_url[len(SQLITE):])
        return cls(config=config)

    @classmethod
    def of(cls, course: "Course | Path | str") -> "Course":
        """`course` itself, or the course in the folder `course` (`Course.open`)."""
        return course if isinstance(course, Course) else cls.open(course)

    # -- where things are -------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """The course folder (nbgrader's root) as a path."""
        return Path(self.root)

    @property
    def exchange(self) -> Path:
        """The exchange's root folder, as nbgrader's exchange reads it from the configuration."""
        from nbgrader.exchange.default.exchange import Exchange

        return Path(Exchange(config=self.config, coursedir=self).root)

    def path(self, step: str, student: str, assignment: str) -> Path:
        """nbgrader's folder of one student's `assignment` at a step (e.g. `self.submitted_directory`)."""
        return Path(self.format_path(step, student, assignment))

    def submission_of(self, notebook: Path | str) -> tuple[str, str] | None:
        """(student, assignment) of a notebook under submitted/, by the course's directory structure;
        None for any other path."""
        folder = self.format_path(re.escape(self.submitted_directory), "(?P<student_id>[^/]+)",
                                  "(?P<assignment_id>[^/]+)", escape=True)
        match = re.match(folder + re.escape(os.sep) + r"[^/]+\.ipynb$", os.path.abspath(notebook))
        return (match["student_id"], match["assignment_id"]) if match else None

    def submitted(self, student: str, assignment: str) -> Path:
        return self.path(self.submitted_directory, student, assignment)

    def submitted_stamp(self, student: str, assignment: str) -> str:
        """The hand-in time nbgrader wrote in submitted/<student>/<assignment>/timestamp.txt, as written ("" without
        one, or when the file is too large to be one)."""
        stamp = self.submitted(student, assignment) / "timestamp.txt"
        try:
            return stamp.read_text(errors="replace").strip() if stamp.stat().st_size < 200 else ""
        except OSError:
            return ""

    def autograded(self, student: str, assignment: str) -> Path:
        return self.path(self.autograded_directory, student, assignment)

    def feedback(self, student: str, assignment: str) -> Path:
        return self.path(self.feedback_directory, student, assignment)

    def source(self, assignment: str) -> Path:
        return self.path(self.source_directory, ".", assignment)

    def release(self, assignment: str) -> Path:
        return self.path(self.release_directory, ".", assignment)

    def students_in(self, step: str, assignment: str) -> list[str]:
        """Students with a folder of `assignment` at `step` (e.g. `self.submitted_directory`)."""
        return sorted({student for student, _ in self._folders(step, None, assignment)})

    def assignments_in(self, step: str) -> list[str]:
        """The assignments with a folder at an instructor's step (e.g. `self.release_directory`), by name."""
        return sorted({a for _, a in self._folders(step, ".", None)})

    def source_assignments(self) -> list[str]:
        """Assignments with a source notebook: the course's list in its order, then any other by name."""
        names = {a for a in self.assignments_in(self.source_directory) if any(self.source(a).glob("*.ipynb"))}
        listed = [a for a in self.assignments if a in names]
        return listed + sorted(names - set(listed))

    def _folders(self, step: str, student: str | None, assignment: str | None) -> list[tuple[str, str]]:
        """(student, assignment) of the existing folders at `step`; None matches any."""
        ids = {"student_id": student, "assignment_id": assignment}
        pattern = os.path.join(glob.escape(self.root), self.directory_structure.format(
            nbgrader_step=step, **{k: "*" if v is None else glob.escape(v) for k, v in ids.items()}))
        wanted = re.compile(self.format_path(
            re.escape(step), *("(?P<%s>[^/]+)" % k if v is None else re.escape(v) for k, v in ids.items()),
            escape=True) + "$")
        found = []
        for path in glob.glob(pattern):
            match = wanted.match(path)
            if match and os.path.isdir(path):
                named = match.groupdict()
                found.append((named.get("student_id", student), named.get("assignment_id", assignment)))
        return found

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names of an assignment (from source/, else release/)."""
        for folder in (self.source(assignment), self.release(assignment)):
            names = sorted(p.stem for p in folder.glob("*.ipynb"))
            if names:
                return names
        return [assignment]

    def outbound(self, assignment: str) -> Path:
        """Where `nbgrader release_assignment` puts the student version in the exchange."""
        return self.exchange / self.course_id / "outbound" / assignment

    def inbound(self) -> Path:
        """Where `nbgrader submit` puts the students' hand-ins in the exchange."""
        return self.exchange / self.course_id / "inbound"

    def gradebook_file(self) -> Path | None:
        """The gradebook's file for an SQLite gradebook, None for a database server."""
        return Path(self.db_url[len(SQLITE):]) if self.db_url.startswith(SQLITE) else None

    def has_gradebook(self) -> bool:
        """Whether the gradebook exists (a server's always does; opening a missing file would create it)."""
        path = self.gradebook_file()
        return path is None or path.exists()

    # -- nnlab's own folders ------------------------------------------------------------------
    grade_runs = _work_folder("grade-runs", "`nnlab grade`'s record of its last run and nbgrader's log of it.")
    grade_state = _work_folder("grade-state", "What the last grading run saw of each submission (nnlab.batch.state).")
    grader_reports = _work_folder("grader-reports", "The hidden graders' full reports (instructor-only).")
    lms_import = _work_folder("lms-import", "The files of an LMS download that are no submission (nnlab.lms).")

    def grader_report(self, assignment: str, student: str, notebook: str) -> Path:
        """Where the hidden graders' full report of one submitted notebook is kept (instructor-only)."""
        return self.grader_reports / assignment / student / f"{notebook}.json"

    def solution_times(self, assignment: str, notebook: str) -> Path:
        """The model solution's time for each code cell of one notebook (written when the assignment
        is generated; the cells' budgets while grading): budgets/<assignment>/<notebook>.json, kept
        with the course and outside source/<assignment>, whose files nbgrader copies into release/."""
        return self.folder / BUDGETS_FOLDER / assignment / f"{notebook}.json"

    def show(self, path: Path) -> str:
        """A path as the instructor reads it: relative to the course when inside it."""
        try:
            return str(Path(path).relative_to(self.folder))
        except ValueError:
            return str(path)


def load_configuration(folder: Path):
    """The nbgrader configuration in `folder`, read the way nbgrader reads it (so environment variables
    such as NNLAB_EXCHANGE count the same for nnlab and for nbgrader); empty without nbgrader_config.py."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(folder) / CONFIG_FILE).is_file():
        return Config()
    try:
        return PyFileConfigLoader(CONFIG_FILE, path=str(folder)).load_config()
    except (Exception, SystemExit) as exc:  # a broken configuration file can raise anything while it runs
        # nbgrader_config.py stops (SystemExit) with its own words when the course configuration fails
        why = str(exc) if isinstance(exc, SystemExit) else f"{type(exc).__name__}: {exc}"
        raise BrokenConfiguration(f"cannot read the course configuration {Path(folder) / CONFIG_FILE}: {why}") from None


def work_folder(root: Path | str, name: str) -> Path:
    """One of nnlab's folders in the course at `root` (`.nnlab/<name>`)."""
    return Path(root) / WORK_FOLDER / name


def available_assignments(root: Path = PROJECT_ROOT) -> list[str]:
    """The course's listed assignments whose source notebook exists, in course order."""
    course = Course.open(root)
    return [a for a in course.assignments if (course.source(a) / f"{a}.ipynb").exists()]


def copy_course(dest: Path, root: Path = PROJECT_ROOT, include_release: bool = True) -> Path:
    """A fresh course folder at `dest` with the configuration, source/ and (optionally) what generating
    the assignments made: release/ and the model solutions' cell times (budgets/)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(root / name, dest / name)
    folders = ["source"] + (["release", BUDGETS_FOLDER] if include_release else [])
    for folder in folders:
        if (root / folder).exists():
            shutil.copytree(root / folder, dest / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def nbgrader_command() -> str:
    """The nbgrader of this environment (next to the running interpreter)."""
    candidate = Path(sys.executable).with_name("nbgrader")
    return str(candidate) if candidate.exists() else "nbgrader"


def nbgrader_environment(env: dict | None = None) -> dict:
    """The environment nbgrader needs: it runs `alembic` and `jupyter` by name, next to this interpreter."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), full_env.get("PATH", "")])
    return full_env


def run_nbgrader(course: Path, *args: str, env: dict | None = None, check: bool = True,
                 cwd: Path | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` run from the course folder (so it reads that course's nbgrader_config.py)."""
    done = subprocess.run([nbgrader_command(), *args], cwd=str(cwd or course), env=nbgrader_environment(env),
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course} (exit {done.returncode}):\n"
                           f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done
