"""`import_moodle_zip`: Moodle's "download all submissions" zip -> nbgrader's submitted/ folder.

The plan (who gets which notebook, what is kept aside and why) is made from the zip and the
students CSV before anything is written; only then are files written, and nothing already on
disk is overwritten: a previous submission is moved into the quarantine (with `force`) or the
import is refused.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from difflib import SequenceMatcher
from pathlib import Path
from typing import Callable, Iterator

from nnlab.course import Course
from nnlab.lms.identify import Identify
from nnlab.lms.moodle_time import HandIn, ZipClock, parse_moodle_date, zip_clock, zone_name
from nnlab.lms.moodle_zip import Entry, Folder, MoodleZip, Rejected, open_zip, read_moodle_zip, wall_time
from nnlab.lms.participants import read_participants, record_participants
from nnlab.lms.roster import LmsImportError, Roster, normalize_name, read_students
from nnlab.lms.settings import Moodle
from nnlab.lms.worksheet import Worksheet, read_worksheet

PREVIOUS = "previous-submissions"   # in the quarantine: submissions replaced with force=True
REJECTED = "rejected-entries"       # in the quarantine: the content of unsafe zip entries
REPORT = "import-report.txt"
CONFLICT = "name-conflict-"         # in the quarantine: files whose path was already taken


@dataclass(frozen=True)
class Placed:
    """A notebook placed where nbgrader grades it."""
    student_id: str
    source: str                      # its path in the zip
    path: Path                       # submitted/<student>/<assignment>/<assignment>.ipynb
    timestamp: datetime | None       # the zip entry's date, also written to timestamp.txt
    folder: str                      # the Moodle folder it came from
    among: tuple[str, ...] = ()      # the folder's other notebooks (not chosen, kept aside)


@dataclass(frozen=True)
class Renamed:
    """A placed notebook the student had named otherwise."""
    student_id: str
    source: str
    original_name: str
    reason: str


@dataclass(frozen=True)
class Kept:
    """A file of the zip that was not placed, and where it is kept."""
    source: str
    path: Path


@dataclass(frozen=True)
class Duplicate:
    """A student with more than one submission folder holding a notebook: the newest is placed."""
    student_id: str
    kept_folder: str
    kept_time: datetime | None
    older_folders: tuple[str, ...]
    files: tuple[Kept, ...]          # every file of the older folders
    reason: str


@dataclass(frozen=True)
class Unmatched:
    """A folder of the zip that belongs to no single student of the CSV."""
    folder: str
    name: str
    reason: str
    files: tuple[Kept, ...]


@dataclass(frozen=True)
class OtherFile:
    """A file of a student's placed submission that is not the graded notebook."""
    student_id: str
    source: str
    path: Path
    reason: str


@dataclass(frozen=True)
class RejectedEntry:
    """A zip entry with an unsafe path: never written where it points."""
    entry: str
    reason: str
    path: Path | None                # where its content is kept (None for a folder entry)


@dataclass(frozen=True)
class Replaced:
    """A submission that was already in submitted/ and was replaced (force=True)."""
    student_id: str
    previous: Path                   # where it was
    path: Path                       # where it is kept now
    autograded: Path | None          # its grading, which nbgrader may not redo by itself


@dataclass
class ImportResult:
    course: Path
    assignment: str
    zip_path: Path
    quarantine_dir: Path
    placed: list[Placed] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    other_files: list[OtherFile] = field(default_factory=list)
    rejected: list[RejectedEntry] = field(default_factory=list)
    replaced: list[Replaced] = field(default_factory=list)
    without_notebook: list[str] = field(default_factory=list)  # matched students with no notebook
    unchanged: list[str] = field(default_factory=list)         # already placed: the same notebook
    identified: dict[str, str] = field(default_factory=dict)   # student -> how, when not by name
    clock: str = ""                                            # the zone of the zip's dates, and how known
    blind: bool = False                                        # Moodle's blind marking: participant numbers

    def locations(self) -> dict[str, Path]:
        """{zip entry: where it is on disk} for every file of the zip."""
        found: dict[str, Path] = {p.source: p.path for p in self.placed}
        found |= {o.source: o.path for o in self.other_files}
        for group in [*self.duplicates, *self.unmatched]:
            found |= {k.source: k.path for k in group.files}
        found |= {r.entry: r.path for r in self.rejected if r.path is not None}
        return found

    def _show(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.course))
        except ValueError:
            return str(path)

    def _headline(self) -> str:
        """The report's first line: how many of each kind."""
        counts = [f"{len(self.placed)} notebook(s) placed"] + [
            f"{n} {what}" for n, what in [
                (len(self.renamed), "renamed"), (len(self.duplicates), "student(s) with duplicates"),
                (len(self.unmatched), "unmatched folder(s)"), (len(self.other_files), "other file(s)"),
                (len(self.rejected), "rejected entry(ies)"), (len(self.replaced), "replaced submission(s)"),
                (len(self.unchanged), "unchanged submission(s) left as they were"),
                (len(self.without_notebook), "student(s) without a notebook")] if n]
        return f"Moodle import of {self.assignment} from {self.zip_path.name}: {', '.join(counts)}."

    def summary(self) -> str:
        """A report for the instructor: what was placed, and what needs a look and where it is."""
        a = self.assignment
        lines = [self._headline()]
        when = lambda t: t.isoformat(" ", "seconds") if t else "no date in the zip"  # noqa: E731

        def section(title: str, rows: list[str]) -> None:
            if rows:
                lines.extend(["", title, *(f"  {row}" for row in rows)])

        if self.blind:
            lines.append(f"Blind marking: each hand-in is graded as participant-<N>, Moodle's participant number; "
                         f"once Moodle reveals identities, `nnlab reveal-lms {a} --worksheet FILE.csv` maps them "
                         "to the class list without grading again.")
        if self.clock:
            lines.append(f"Hand-in times: {self.clock}.")
        section(f"Placed (submitted/<student>/{a}/{a}.ipynb):",
                [f"{p.student_id}: {p.source} ({when(p.timestamp)})" for p in self.placed])
        section("Found by participant number, not by name:",
                [f"{sid}: {how}" for sid, how in sorted(self.identified.items())
                 if not how.startswith("blind")])
        section("Unchanged since an earlier import (the same notebook; left as they are):", sorted(self.unchanged))
        section(f"Renamed to {a}.ipynb:",
                [f"{r.student_id}: {r.original_name!r} ({r.reason})" for r in self.renamed])
        section("Chosen among several notebooks (the others are kept with the other files):",
                [f"{p.student_id}: {p.source}; not chosen: {', '.join(p.among)}"
                 for p in self.placed if p.among])
        section("Duplicate submissions (the newest is placed, the older ones are kept aside):",
                [f"{d.student_id}: placed {d.kept_folder} ({when(d.kept_time)}); kept aside: "
                 f"{', '.join(d.older_folders)} ({d.reason})" for d in self.duplicates])
        section("Unmatched folders (kept aside; add the student to the CSV or place by hand):",
                [f"{u.folder or '(top of the zip)'}: {u.reason}; {len(u.files)} file(s)"
                 for u in self.unmatched])
        section("Other files (kept aside):",
                [f"{o.student_id}: {o.source} ({o.reason})" for o in self.other_files])
        section(f"Students without a notebook for {a} (nothing placed):", self.without_notebook)
        section("Rejected zip entries (never written where they point):",
                [f"{r.entry!r}: {r.reason}" + (f"; content kept as {self._show(r.path)}" if r.path else "")
                 for r in self.rejected])
        section("Replaced submissions (the zip holds another notebook; the previous one is kept):",
                [f"{r.student_id}: the previous {self._show(r.previous)} is kept as {self._show(r.path)}"
                 + (f"; {self._show(r.autograded)} holds its grading: run `nbgrader autograde {a} "
                    f"--student {r.student_id} --force`" if r.autograded else "")
                 for r in self.replaced])
        section("Kept under another name (their path in the zip was already taken):",
                [f"{source}: {self._show(path)}" for source, path in self.locations().items()
                 if path.is_relative_to(self.quarantine_dir)
                 and path.relative_to(self.quarantine_dir).parts[0].startswith(CONFLICT)])
        aside = [path for path in self.locations().values() if path.is_relative_to(self.quarantine_dir)]
        lines += ["", f"Everything not placed is kept, with its path in the zip, in {self._show(self.quarantine_dir)}/"
                  if aside else "Every file of the zip was placed: nothing kept aside."]
        return "\n".join(lines)


def import_moodle_zip(course: Course | Path, assignment: str, zip_path: Path, students_csv: Path | None = None, *,
                      force: bool = False, zip_timezone: tzinfo | None = None, worksheet: Path | None = None,
                      worksheet_timezone: tzinfo | None = None, columns: dict[str, str] | None = None) -> ImportResult:
    """Place each student's notebook from Moodle's zip at
    `<course>/submitted/<student_id>/<assignment>/<assignment>.ipynb` (with `timestamp.txt`
    from the notebook's date in the zip) and keep every other file of the zip in
    `<course>/.nnlab/lms-import/<assignment>/<time of the import>/` at its path in the zip.

    Folders are matched to students by participant number (an earlier import's record, then the
    row of `worksheet`, Moodle's grading worksheet, and its e-mail address in the class list
    `students_csv`, default the course's students.csv), then by name; blind-marked folders become
    students `participant-<N>` (nnlab.lms.identify). `zip_timezone`: the Moodle server's time zone,
    for zips that store dates without one (None: the course's c.Moodle.timezone, else this machine's, or
    with `worksheet`, inferred from
    its "Last modified (submission)" dates, read in `worksheet_timezone`). A submission already in
    submitted/ is left as it is when the zip holds the same notebook, and replaced, the previous one
    moved into the quarantine, when it holds another (or always, with `force`). Bad input raises
    LmsImportError naming the file and the problem.
    """
    zip_path = Path(zip_path)
    if not isinstance(course, Course) and not Path(course).is_dir():
        raise LmsImportError(f"{course}: no such course folder")
    course = Course.of(course)
    _check_assignment(course, assignment)
    zip_timezone = zip_timezone or Moodle(config=course.config).zone()
    students_csv = Path(students_csv) if students_csv else course.folder / "students.csv"
    roster = Roster(read_students(students_csv), students_csv) if students_csv.is_file() else None
    sheet = read_worksheet(Path(worksheet), columns) if worksheet else None
    with open_zip(zip_path) as archive:
        contents = read_moodle_zip(archive, zip_timezone)
        clock = _clock(contents, sheet, zip_timezone, worksheet_timezone)
        if clock.zone is not zip_timezone:
            contents = read_moodle_zip(archive, clock.zone)
        identify = Identify(roster, sheet, _recorded(course, assignment))
        plan = _plan(contents.folders, contents.strays, identify, assignment)
        existing = _existing_submissions(course, assignment, plan, archive, force)
        quarantine = _Quarantine(_new_folder(course.lms_import / assignment))
        result = ImportResult(course.folder, assignment, zip_path, quarantine.root,
                              without_notebook=plan.without_notebook, unchanged=plan.unchanged,
                              identified=plan.identified, clock=clock.how,
                              blind=any(identify.is_blind(f) for f in contents.folders))
        # First everything that is not placed: should a later step fail, nothing is missing.
        _keep_aside(archive, plan, contents.rejected, quarantine, result)
        _move_aside(existing, course, assignment, quarantine, result)
        _place_notebooks(archive, plan, course, assignment, result)
    # The export back to Moodle finds each worksheet row's student by this number (nnlab.lms.export).
    record_participants(course, assignment, plan.participants)
    quarantine.write_text(REPORT, result.summary() + "\n")
    return result


def _clock(contents: MoodleZip, sheet: Worksheet | None, given: tzinfo | None,
           sheet_zone: tzinfo | None) -> ZipClock:
    """The zone of the zip's dates: given, or checked against / inferred from the worksheet."""
    if sheet is None or "modified_submission" not in sheet.columns:
        where = ("no worksheet" if sheet is None else
                 f"{sheet.path.name} has no 'Last modified (submission)' column")
        return ZipClock(given, f"dates read in {zone_name(given)}, unchecked ({where}: --worksheet checks them)")
    sheet_zone = sheet_zone or given
    rows = sheet.by_participant()
    hand_ins = []
    for folder in contents.folders:
        row = rows.get(str(int(folder.participant)))
        saved = parse_moodle_date(sheet.cell(row, "modified_submission")) if row is not None else None
        walls = [w for w in (wall_time(e.info) for e in folder.files) if w is not None]
        if saved and walls:
            in_sheet = saved.replace(tzinfo=sheet_zone) if sheet_zone else saved.astimezone()
            hand_ins.append(HandIn(folder.participant, max(walls), in_sheet))
    return zip_clock(hand_ins, given, zone_name(sheet_zone), sheet.path.name)


def _recorded(course: Course, assignment: str) -> dict[str, dict]:
    """The participant numbers earlier imports recorded; none when the record is unreadable (this
    import's replaces it)."""
    try:
        return read_participants(course, assignment)
    except LmsImportError:
        return {}


def _unchanged(archive: zipfile.ZipFile, entry: Entry, placed: Path) -> bool:
    """The submission already placed holds the very notebook of this zip entry."""
    try:
        return placed.stat().st_size == entry.info.file_size and placed.read_bytes() == archive.read(entry.info)
    except OSError:
        return False


def _existing_submissions(course: Course, assignment: str, plan: _Plan, archive: zipfile.ZipFile,
                          force: bool) -> dict[str, Path]:
    """{student: their submission folder} for the planned students whose submission the zip changes
    (every one with `force`); students whose submission holds the zip's notebook already leave the
    plan, with everything of theirs (an earlier import kept it)."""
    existing = {}
    for sid in sorted(plan.notebooks):
        folder = course.submitted(sid, assignment)
        if not folder.exists():
            continue
        if not force and _unchanged(archive, plan.notebooks[sid][0], folder / f"{assignment}.ipynb"):
            plan.leave(sid)
            continue
        existing[sid] = folder
    return existing


def _keep_aside(archive: zipfile.ZipFile, plan: _Plan, rejected: list[Rejected], quarantine: _Quarantine,
                result: ImportResult) -> None:
    """Every file of the zip that is not placed goes into the quarantine, listed in `result`."""
    keep = lambda e: Kept(e.name, quarantine.keep_entry(archive, e))  # noqa: E731
    for sid, entry, reason in plan.others:
        result.other_files.append(OtherFile(sid, entry.name, quarantine.keep_entry(archive, entry), reason))
    for d in plan.duplicates:
        result.duplicates.append(Duplicate(d.student_id, d.kept_folder, d.kept_time, d.older_folders,
                                           tuple(keep(e) for e in d.entries), d.reason))
    for u in plan.unmatched:
        result.unmatched.append(Unmatched(u.folder, u.name, u.reason, tuple(keep(e) for e in u.entries)))
    for number, bad in enumerate(rejected, 1):
        kept = None if bad.info.is_dir() else quarantine.keep_rejected(archive, bad.info, number, bad.entry)
        result.rejected.append(RejectedEntry(bad.entry, bad.reason, kept))


def _move_aside(existing: dict[str, Path], course: Course, assignment: str, quarantine: _Quarantine,
                result: ImportResult) -> None:
    """The submissions being replaced (force) move into the quarantine, listed in `result`."""
    for sid, previous in existing.items():
        graded = course.autograded(sid, assignment)
        result.replaced.append(Replaced(sid, previous, quarantine.move_in(previous, (PREVIOUS, sid, assignment)),
                                        graded if graded.exists() else None))


def _place_notebooks(archive: zipfile.ZipFile, plan: _Plan, course: Course, assignment: str,
                     result: ImportResult) -> None:
    """Each student's chosen notebook where nbgrader grades it, listed in `result` (and as renamed
    when the student had named it otherwise)."""
    for sid in sorted(plan.notebooks):
        entry, folder, among = plan.notebooks[sid]
        path = _place(archive, entry, course.submitted(sid, assignment), assignment)
        result.placed.append(Placed(sid, entry.name, path, entry.modified, folder, among))
        if entry.parts[-1] != f"{assignment}.ipynb":
            reason = (f"best match for {assignment!r} among {len(among) + 1} notebooks" if among
                      else "the only notebook in the submission")
            result.renamed.append(Renamed(sid, entry.name, entry.parts[-1], reason))


# -- the plan ---------------------------------------------------------------------------

@dataclass
class _Aside:
    folder: str
    name: str
    reason: str
    entries: list[Entry]


@dataclass
class _Duplicates:
    student_id: str
    kept_folder: str
    kept_time: datetime | None
    older_folders: tuple[str, ...]
    entries: list[Entry]
    reason: str


@dataclass
class _Plan:
    notebooks: dict[str, tuple[Entry, str, tuple[str, ...]]] = field(default_factory=dict)
    others: list[tuple[str, Entry, str]] = field(default_factory=list)
    duplicates: list[_Duplicates] = field(default_factory=list)
    unmatched: list[_Aside] = field(default_factory=list)
    without_notebook: list[str] = field(default_factory=list)
    participants: dict[str, dict] = field(default_factory=dict)  # Moodle participant number -> student
    identified: dict[str, str] = field(default_factory=dict)     # student -> how, when not by name
    unchanged: list[str] = field(default_factory=list)           # already in submitted/, the same notebook

    def leave(self, sid: str) -> None:
        """Nothing of this student's is written: their submission is the zip's already."""
        del self.notebooks[sid]
        self.others = [o for o in self.others if o[0] != sid]
        self.duplicates = [d for d in self.duplicates if d.student_id != sid]
        self.unchanged.append(sid)


def _plan(folders: list[Folder], strays: list[Entry], identify: Identify, assignment: str) -> _Plan:
    plan = _Plan()
    by_student: dict[str, list[Folder]] = {}
    for folder in folders:
        match = identify(folder)
        if match.student is None:
            plan.unmatched.append(_Aside(folder.path, folder.name, match.how, folder.files))
        else:
            by_student.setdefault(match.student, []).append(folder)
            number = str(int(folder.participant))
            plan.participants[number] = {"student": match.student, "name": folder.name}
            if match.how != "name":
                plan.identified[match.student] = match.how
    outside: dict[str, list[Entry]] = {}
    for entry in strays:
        outside.setdefault(entry.parts[0] if len(entry.parts) > 1 else "", []).append(entry)
    for top, entries in outside.items():
        plan.unmatched.append(_Aside(top, "", "not in a Moodle submission folder "
                                     "(named like 'Full Name_12345_assignsubmission_file')", entries))
    for sid, student_folders in by_student.items():
        _plan_student(plan, sid, student_folders, assignment)
    plan.without_notebook.sort()
    return plan


def _plan_student(plan: _Plan, sid: str, student_folders: list[Folder], assignment: str) -> None:
    """One student's folders: the notebook to place (from the newest folder with one), the older
    folders as duplicates, and every other file kept aside with the reason."""
    # A student's text answer (onlinetext) or empty upload is no rival submission.
    candidates = [(f, *_choose_notebook(f, assignment)) for f in student_folders
                  if any(e.is_notebook for e in f.files)]
    if not candidates:
        plan.without_notebook.append(sid)
    else:
        newest = max(candidates, key=lambda c: _time_key(c[1]))
        folder, notebook, others = newest
        plan.notebooks[sid] = (notebook, folder.path, tuple(e.name for e in others))
        older = [c for c in candidates if c is not newest]
        if older:
            dated = [c[1].modified for c in candidates]
            reason = ("the zip has no dates to tell them apart: the first in the zip is placed"
                      if all(t is None for t in dated) else
                      "same date: the first in the zip is placed" if dated.count(notebook.modified) > 1
                      else "older notebook dates")
            plan.duplicates.append(_Duplicates(
                sid, folder.path, notebook.modified, tuple(c[0].path for c in older),
                [e for c in older for e in c[0].files], reason))
        for entry in folder.files:
            if entry is notebook:
                continue
            why = ("another notebook, not chosen" if entry.is_notebook else
                   "a Jupyter checkpoint copy" if ".ipynb_checkpoints" in entry.parts else
                   "not a notebook")
            plan.others.append((sid, entry, why))
    placed_folders = {c[0].path for c in candidates}
    for folder in student_folders:
        if folder.path not in placed_folders:
            why = f"from Moodle's {folder.plugin!r} submission" if folder.plugin != "file" else "not a notebook"
            plan.others.extend((sid, entry, why) for entry in folder.files)


def _time_key(entry: Entry) -> tuple[bool, float]:
    return entry.modified is not None, entry.modified.timestamp() if entry.modified else 0.0


def _simple(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", normalize_name(text))


# Marks that browsers, Jupyter and students add to a file name: "perceptron (1)",
# "perceptron-Copy1", "perceptron_v2", "perceptron final".
_COPY_MARKS = re.compile(r"(?:[\s_.-]*(?:\(\d+\)|copy\d*|kopie\d*|copie\d*|v\d+|final|\d+))+$")


def _choose_notebook(folder: Folder, assignment: str) -> tuple[Entry, list[Entry]]:
    """The folder's notebook whose name best matches the assignment, and its other notebooks.

    Ranked by: exactly `<assignment>.ipynb`; the same name once copy marks are removed;
    the assignment's name inside it; similarity; fewer folders deep; newer.
    """
    notebooks = [e for e in folder.files if e.is_notebook]
    target = _simple(assignment)

    def score(entry: Entry) -> tuple:
        stem = entry.parts[-1][:-len(".ipynb")]
        core = _COPY_MARKS.sub("", normalize_name(stem))
        return (stem == assignment, _simple(core) == target, target in _simple(stem),
                SequenceMatcher(None, _simple(stem), target).ratio(), -len(entry.parts), _time_key(entry))

    best = max(notebooks, key=score)
    return best, [e for e in notebooks if e is not best]


# -- writing ----------------------------------------------------------------------------

def _check_assignment(course: Course, assignment: str) -> None:
    if (not assignment or assignment in (".", "..") or re.search(r"[/\\\0]", assignment)):
        raise LmsImportError(f"assignment {assignment!r} is not a plain folder name")
    if not (course.source(assignment).is_dir() or course.release(assignment).is_dir()):
        known = sorted({*course.assignments_in(course.source_directory), *course.assignments_in(course.release_directory)})
        raise LmsImportError(f"{course.folder}: no assignment {assignment!r} in source/ or release/"
                             + (f" (the course has: {', '.join(known)})" if known else ""))


def _new_folder(parent: Path) -> Path:
    """A folder of its own for this import, named after the time it ran."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise LmsImportError(f"{parent}: cannot make a new import folder")


def _set_mtime(path: Path, when: datetime | None) -> None:
    if when is not None:
        os.utime(path, (when.timestamp(), when.timestamp()))


def _place(archive: zipfile.ZipFile, entry: Entry, folder: Path, assignment: str) -> Path:
    """The notebook, byte for byte, and timestamp.txt in the folder nbgrader grades."""
    folder.mkdir(parents=True)  # never exists here: checked free, or the previous one moved away
    path = folder / f"{assignment}.ipynb"
    with archive.open(entry.info) as source, open(path, "xb") as target:
        shutil.copyfileobj(source, target)
    _set_mtime(path, entry.modified)
    if entry.modified is not None:
        # The format nbgrader's zip_collect writes; nbgrader reads it with its time zone.
        (folder / "timestamp.txt").write_text(entry.modified.isoformat(" "))
    return path


class _Quarantine:
    """The import's folder for everything not placed. Nothing in it is ever overwritten: a path
    that is taken (two zip entries with one name, a file where a folder should be) goes into a
    fresh `name-conflict-<n>/` folder with the same path below it."""

    def __init__(self, root: Path):
        self.root = root
        self._conflicts = 0

    def _bases(self) -> Iterator[Path]:
        yield self.root
        while True:
            self._conflicts += 1
            base = self.root / f"{CONFLICT}{self._conflicts}"
            try:
                base.mkdir()
            except FileExistsError:
                continue
            yield base

    def _write(self, parts: tuple[str, ...], copy: Callable[[Path], None]) -> Path:
        for base in self._bases():
            target = base.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                copy(target)
                return target
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                continue
        raise AssertionError("unreachable: a fresh folder always has room")

    def _copy_from(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[Path], None]:
        def copy(target: Path) -> None:
            with open(target, "xb") as out, archive.open(info) as source:
                shutil.copyfileobj(source, out)
        return copy

    def keep_entry(self, archive: zipfile.ZipFile, entry: Entry) -> Path:
        path = self._write(entry.parts, self._copy_from(archive, entry.info))
        _set_mtime(path, entry.modified)
        return path

    def keep_rejected(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, number: int, name: str) -> Path:
        base = re.sub(r"[^\w.\- ]", "_", re.split(r"[/\\]", name.replace("\0", ""))[-1]).strip(". ")[:100]
        return self._write((REJECTED, f"{number}-{base or 'entry'}"), self._copy_from(archive, info))

    def move_in(self, folder: Path, parts: tuple[str, ...]) -> Path:
        def move(target: Path) -> None:
            if target.exists():
                raise FileExistsError(target)
            shutil.move(str(folder), str(target))
        return self._write(parts, move)

    def write_text(self, name: str, text: str) -> Path:
        def write(target: Path) -> None:
            with open(target, "x", encoding="utf-8") as out:
                out.write(text)
        return self._write((name,), write)
