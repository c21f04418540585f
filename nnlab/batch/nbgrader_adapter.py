"""Everything the batch grader takes from nbgrader beyond its documented use, in one place.

`nnlab grade` runs nbgrader's autograde in its own process, with workers grading ahead of it.
That needs a few things nbgrader offers only as internals; each is here, with why, and
tests/batch/test_nbgrader_adapter.py fails loudly when the pinned nbgrader changes under one:

- `autograde_app`: nbgrader's AutogradeApp on the course's configuration, not on whatever
  nbgrader_config.py the current folder holds (`load_cwd_config`, a plain class attribute);
- `sanitizer`: the notebook as autograde's first pass leaves it, for the workers (Autograde's
  `sanitize_preprocessors` on an exporter of its own; a new Autograde reads submitted/ because its
  class attribute `_sanitizing` starts True);
- `finisher`: the notebook as the second pass's steps that change only the notebook leave it (the
  leading `autograde_preprocessors` named in NOTEBOOK_STEPS), for the workers;
- `prefetching_converter`: autograde's converter whose every notebook's resources carry the
  workers' results to SandboxedExecute (an override of `init_single_notebook_resources`) and which,
  given a worker's `Prepared` notebook, records it (its exporter reads the worker's notebook instead
  of the file, and only the steps that write the gradebook run here);
- `gradebook_warnings`: nbgrader's gradebook code without its harmless SQLAlchemy 2 warnings;
- `generate_into_gradebook`: `nbgrader generate_assignment` for an assignment handed out without it
  (through an LMS), its student version written to a scratch folder instead of release/ (nbgrader's
  GenerateAssignment converter on a copy of the course directory whose `release_directory` is that folder);
- `speedups`: costs of nbgrader a whole class multiplies, patched while the batch runs.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from nnlab.course import CONFIG_FILE, WORK_FOLDER, Course


# -- the application ------------------------------------------------------------------------
def autograde_app(course: Course, log_file: Path, verbose: bool = False):
    """nbgrader's autograde application on the course's configuration, its log in `log_file` (and on
    the terminal with `verbose`). It is the process's application (`AutogradeApp.instance()`), as under
    `nbgrader autograde`: the course's hooks read their configuration from it (nnlab.autograde.hooks).
    `finish_app` ends it."""
    from nbgrader.apps import AutogradeApp

    # the course's nbgrader_config.py is the application's config file; nbgrader would read the one in
    # the current folder too (NbGrader.load_cwd_config, a class attribute), which may be another course's
    # (config_file is named without its .py, as both nbgrader and traitlets add it)
    app = AutogradeApp.instance(config=course.config, config_file=str(course.folder / Path(CONFIG_FILE).stem))
    app.load_cwd_config = False
    app.initialize(["--log-level=INFO"], root=course.root)
    # the course's configuration as nnlab read it has the last word: root, its relative gradebook made
    # absolute, and the command line's overrides (e.g. BaseConverter.force from `nnlab grade --force`)
    app.update_config(course.config)
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    app.log.handlers = [handler] + ([logging.StreamHandler()] if verbose else [])
    app.log.propagate = False
    return app


def finish_app(app) -> None:
    """Close the application's log and stop it being the process's application."""
    for handler in app.log.handlers:
        handler.close()
    app.clear_instance()


def forced(config) -> bool:
    """Whether autograde grades every submission again: nbgrader's `BaseConverter.force` (`--force`)."""
    from nbgrader.converters import Autograde

    return bool(Autograde(coursedir=None, config=config).force)


# -- the converters -------------------------------------------------------------------------
def sanitizer(app) -> Callable[[str], str]:
    """A function: a submitted notebook's path -> the notebook (JSON) as autograde's sanitizing pass
    leaves it, with the course's `Autograde.sanitize_preprocessors`; it opens the gradebook read-only.
    What the steps log goes to `app.log` (a worker captures it: `captured_log`)."""
    from nbgrader.converters import Autograde

    converter = Autograde(coursedir=app.coursedir, parent=app)
    # a new Autograde is in its sanitizing pass (class attribute `_sanitizing = True`): the resources
    # it makes point at submitted/, as nbgrader's own first pass does
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    for preprocessor in converter.sanitize_preprocessors:
        exporter.register_preprocessor(preprocessor)

    def sanitize(path: str) -> str:
        output, _ = exporter.from_filename(path, resources=converter.init_single_notebook_resources(path))
        return output
    return sanitize


# -- the workers' share of nbgrader's second pass --------------------------------------------
# The steps of autograde known to change the notebook alone (some read the gradebook, none writes
# it). A worker runs the first pass when every one of its steps is here, and the leading steps of the
# second pass that are here; the gradebook writer then runs only the second pass's remaining steps
# (SaveAutoGrades, AssignLatePenalties, ...). A step a course adds that is not here runs in the
# writer, with every step after it.
NOTEBOOK_STEPS = frozenset({
    "nbgrader.preprocessors.clearoutput.ClearOutput",
    "nbgrader.preprocessors.deduplicateids.DeduplicateIds",
    "nbgrader.preprocessors.overwritekernelspec.OverwriteKernelspec",
    "nbgrader.preprocessors.overwritecells.OverwriteCells",
    "nbgrader.preprocessors.checkcellmetadata.CheckCellMetadata",
    "nbgrader.preprocessors.ignorepattern.IgnorePattern",
    "nbgrader.preprocessors.limitoutput.LimitOutput",
    "nbconvert.preprocessors.clearmetadata.ClearMetadataPreprocessor",
    "nnlab.autograde.repair_metadata.RepairCellMetadata",
    "nnlab.autograde.sanitize.SanitizeStudentContent",
    "nnlab.autograde.sandboxed_execute.SandboxedExecute",
})


# The steps of the second pass known to leave the notebook as they find it: they write the gradebook or check
# the notebook. When every step left to the writer is one of them, the worker also writes the notebook's file
# text (`Prepared.written`), and the writer runs those steps on the worker's notebook without copying,
# validating or serializing it again.
RECORDING_STEPS = frozenset({
    "nbgrader.preprocessors.saveautogrades.SaveAutoGrades",
    "nbgrader.preprocessors.latesubmissions.AssignLatePenalties",
    "nbgrader.preprocessors.checkcellmetadata.CheckCellMetadata",
    "nnlab.deadlines.steps.ApplyDeadlines",
})


def _step_name(step) -> str:
    if isinstance(step, str):
        return step
    step = step if isinstance(step, type) else type(step)
    return f"{step.__module__}.{step.__qualname__}"


def worker_steps(config) -> int:
    """How many leading steps of autograde's second pass a worker runs for the course's `config`: 0 when a
    step of the first pass is not known to change the notebook alone (the writer then runs both passes)."""
    from nbgrader.converters import Autograde

    converter = Autograde(coursedir=None, config=config)
    if not all(_step_name(step) in NOTEBOOK_STEPS for step in converter.sanitize_preprocessors):
        return 0
    steps = [_step_name(step) for step in converter.autograde_preprocessors]
    return next((i for i, name in enumerate(steps) if name not in NOTEBOOK_STEPS), len(steps))


def worker_writes(config) -> bool:
    """Whether a worker also writes the notebook's file text for the course's `config`: it runs some steps of
    the second pass, and every step after them is known to leave the notebook as it is (RECORDING_STEPS)."""
    from nbgrader.converters import Autograde

    steps = worker_steps(config)
    rest = Autograde(coursedir=None, config=config).autograde_preprocessors[steps:]
    return steps > 0 and all(_step_name(step) in RECORDING_STEPS for step in rest)


@dataclass
class Prepared:
    """A notebook as nbgrader's autograde would make it, made by a worker so that the gradebook writer only
    records it: after the first pass, after the second pass's leading steps that change only the
    notebook, and what those steps logged, in order."""
    source: str                                   # the digest of the submitted file the worker read
    sanitized: str                                # the first pass's notebook, as nbgrader writes it (JSON)
    finished: object                              # NotebookNode: the second pass's worker steps' notebook
    sanitize_log: list[tuple[int, str]] = field(default_factory=list)   # (level, message)
    finish_log: list[tuple[int, str]] = field(default_factory=list)
    written: str = ""                             # `finished` as nbgrader writes it ("" when the writer must)


@contextlib.contextmanager
def captured_log(app) -> Iterator[list[tuple[int, str]]]:
    """The records `app.log` gets inside the block, as (level, message), instead of its handlers: a worker
    hands what its steps logged to the writer, which logs them once, in the notebook's place."""
    records: list[tuple[int, str]] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append((record.levelno, record.getMessage()))
    kept, app.log.handlers = app.log.handlers, [handler]
    try:
        yield records
    finally:
        app.log.handlers = kept


def finisher(app, steps: int) -> Callable:
    """A function: (student, assignment, notebook, the first pass's notebook, the worker's NotebookGrade) ->
    the notebook after the first `steps` steps of autograde's second pass (SandboxedExecute takes the grade)
    and, when the steps after those only read it (`worker_writes`), its file text as nbgrader writes it
    (else "")."""
    from nbconvert.exporters import Exporter
    from nbgrader.converters import Autograde

    converter = Autograde(coursedir=app.coursedir, parent=app)
    converter._sanitizing = False    # the second pass: its resources point at the notebook in autograded/
    exporter = Exporter(parent=converter, config=converter.config)   # the base exporter returns the notebook
    for preprocessor in converter.autograde_preprocessors[:steps]:
        exporter.register_preprocessor(preprocessor)   # as nbgrader registers them: each enabled by its config
    # the writer's own exporter with no step: it writes a notebook exactly as autograde writes it after steps
    # that leave it as it is
    writer = converter.exporter_class(parent=converter, config=converter.config) if worker_writes(app.config) else None

    def finish(student: str, assignment: str, notebook: str, sanitized, grade):
        path = os.path.join(converter._format_source(assignment, student), f"{notebook}.ipynb")
        resources = converter.init_single_notebook_resources(path)
        resources["nnlab"] = {"prefetched": lambda *_: grade}
        finished, _ = exporter.from_notebook_node(sanitized, resources)
        written = writer.from_notebook_node(finished, {})[0] if writer is not None else ""
        return finished, written
    return finish


def prefetching_converter(app, assignment: str, prefetched, recorded: Callable[[str], None] | None = None,
                          steps: int = 0):
    """nbgrader's Autograde converter of `assignment` (as `AutogradeApp.start` makes it) that records what the
    workers made. `prefetched`: the run's results, a function (student, assignment, notebook, cells digest) ->
    NotebookGrade or None for SandboxedExecute (under `resources["nnlab"]`), whose `prepared(path)` is the
    worker's `Prepared` notebook of a submitted notebook or None; `steps`: how many leading steps of the
    second pass the workers ran (`worker_steps`). Given a Prepared notebook, the first pass writes the worker's
    notebook and the second runs only the steps after those. `recorded(path)` is called with each submitted
    notebook's path once nbgrader is done with it (both passes: its files written, its grades in the
    gradebook), or has given up on it."""
    from nbgrader.converters import Autograde

    class PrefetchingAutograde(Autograde):
        _taken: Prepared | None = None

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.exporter_class = _taking(self.exporter_class)

        def init_single_notebook_resources(self, notebook_filename):
            resources = super().init_single_notebook_resources(notebook_filename)
            resources["nnlab"] = {"prefetched": prefetched}
            if self._taken is not None:
                taken = self._taken
                resources["nnlab"]["taken"] = ((taken.sanitized, taken.sanitize_log, "") if self._sanitizing
                                               else (taken.finished, taken.finish_log, taken.written))
            return resources

        def _init_preprocessors(self):
            if self._taken is None:
                return super()._init_preprocessors()
            self.exporter._preprocessors = []
            if not self._sanitizing:
                for preprocessor in self.autograde_preprocessors[steps:]:
                    self.exporter.register_preprocessor(preprocessor)

        def convert_single_notebook(self, notebook_filename):
            try:
                self._taken = prefetched.prepared(notebook_filename) if steps else None
                super().convert_single_notebook(notebook_filename)
            finally:
                self._taken = None
                if recorded is not None:
                    recorded(notebook_filename)

    app.coursedir.assignment_id = assignment
    return PrefetchingAutograde(coursedir=app.coursedir, parent=app)


def _taking(exporter_class):
    """`exporter_class` made to read, when a notebook's resources carry one (`resources["nnlab"]["taken"]`), the
    worker's notebook instead of the file, after logging what the worker's steps logged: the first pass's
    notebook is written as the worker wrote it (it ran every step of that pass), the second pass's goes
    through the steps left to the writer, and is written as the worker wrote it when those steps only read
    it (RECORDING_STEPS)."""
    class Taking(exporter_class):
        def from_file(self, file_stream, resources=None, **kw):
            taken = (resources or {}).get("nnlab", {}).get("taken")
            if taken is None:
                return super().from_file(file_stream, resources, **kw)
            notebook, log, written = taken
            for level, message in log:
                self.log.log(level, "%s", message)
            if isinstance(notebook, str):
                resources["output_extension"] = self.file_extension   # all nbgrader's writer needs of the export
                return notebook, resources
            if written:
                # the steps left here only read the notebook: no copy, validation or serialization of it again
                resources = self._init_resources(resources)
                for preprocessor in self._preprocessors:
                    notebook, resources = preprocessor(notebook, resources)
                resources["output_extension"] = self.file_extension
                return written, resources
            self._taking = True
            try:
                return self.from_notebook_node(notebook, resources, **kw)
            finally:
                self._taking = False

        def _validate_preprocessor(self, nb, preprocessor):
            # a worker's notebook was checked after each of its steps: here once, after the writer's last step
            if not getattr(self, "_taking", False) or preprocessor is self._preprocessors[-1]:
                super()._validate_preprocessor(nb, preprocessor)
    Taking.__name__ = Taking.__qualname__ = f"Taking{exporter_class.__name__}"
    return Taking


# nbgrader 0.9.6's `Gradebook.add_submission` (nbgrader/api.py) builds the new SubmittedAssignment with
# `assignment=` and `student=` (which put it in `Assignment.submissions` and `Student.submissions`,
# collections of objects in the session), then reads `submission.assignment.notebooks` and each
# notebook's cells (making a SubmittedNotebook per notebook, in `Notebook.submissions`) before its
# `self.db.add(submission)`. Those lazy loads autoflush, and SQLAlchemy 2, which no longer cascades an
# object into the session along a backref, warns that the new objects, not added yet, are not flushed
# along those collections. Nothing is lost: the `db.add` and `commit` right after store the submission
# with its notebooks, grades and comments (tests/batch compares the gradebook with plain
# `nbgrader autograde`'s). The instructor can do nothing about it, so exactly these warnings (of
# nbgrader.api, about these objects and collections) are silenced, only while nbgrader makes submissions here
# (grading, and nnlab.batch.unreleased putting back the ones it set aside).
SUBMISSION_NOT_IN_SESSION = (r"Object of type <Submitted(Assignment|Notebook)> not in session, add operation "
                             r"along '(Assignment|Student|Notebook)\.submissions' will not proceed")


@contextlib.contextmanager
def gradebook_warnings() -> Iterator[None]:
    """nbgrader's gradebook code runs here without its known, harmless SAWarnings (see above); every
    other SAWarning is shown, never raised, as under the `nbgrader` command, whatever the filters
    (pytest's included)."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("default", SAWarning)
        warnings.filterwarnings("ignore", message=SUBMISSION_NOT_IN_SESSION, category=SAWarning,
                                module=r"nbgrader\.api$")
        yield


def autograde(app, assignment: str, prefetched, recorded: Callable[[str], None] | None = None,
              exclude: list[str] = (), steps: int = 0) -> bool:
    """`nbgrader autograde ASSIGNMENT [--CourseDirectory.student_id_exclude=...]` in this process; False
    when some submissions failed (nbgrader grades the others and logs why). `prefetched`, `recorded`,
    `steps`: see `prefetching_converter`; `exclude`: students left out of this run."""
    from nbgrader.converters import NbGraderException

    app.coursedir.student_id_exclude = ",".join(exclude)
    try:
        with gradebook_warnings():
            prefetching_converter(app, assignment, prefetched, recorded, steps).start()
    except NbGraderException:
        return False
    finally:
        app.coursedir.student_id_exclude = ""
    return True


# -- an assignment handed out without nbgrader ----------------------------------------------
# nbgrader's autograde grades only what `nbgrader generate_assignment` put in the gradebook: the
# assignment, its notebooks and their grade, solution and source cells (SaveCells), with the checksums
# autograde checks the submitted cells against. A course that hands its notebooks out through an LMS may never
# run it, or may have made its release/ another way (`--no-db`, by hand) which must stay as it is.
# nbgrader's GenerateAssignment converter writes only under its coursedir's `release_directory` (its
# `_output_directory`) and into the gradebook, so the one run here is nbgrader's own, whole (the course's
# preprocessors, hooks and checks: it refuses to change the notebooks of an assignment that has
# submissions), given a copy of the course directory whose release_directory is a scratch folder under
# .nnlab/, removed afterwards. Calling SaveCells alone would copy the converter's pipeline and its
# assignment bookkeeping here, to drift from nbgrader's.
def generate_into_gradebook(course: Course, assignment: str) -> str:
    """`nbgrader generate_assignment ASSIGNMENT` in this process with the course's configuration, its
    student version written to a scratch folder (then removed) instead of release/: the assignment, its
    notebooks and cells go into the gradebook and nothing else of the course changes. Returns "" when
    done, else nbgrader's reason (one line)."""
    from nbgrader.converters import GenerateAssignment, NbGraderException
    from nbgrader.coursedir import CourseDirectory

    work = course.folder / WORK_FOLDER
    work.mkdir(exist_ok=True)
    log, records = _recording_log()
    with tempfile.TemporaryDirectory(prefix="generated-", dir=work) as scratch:
        coursedir = CourseDirectory(config=course.config)
        coursedir.release_directory = scratch   # absolute: format_path's os.path.join keeps it as it is
        coursedir.assignment_id = assignment
        coursedir.notebook_id = "*"
        converter = GenerateAssignment(coursedir=coursedir, config=course.config, log=log)
        converter.create_assignment, converter.no_database = True, False   # whatever the course configures
        try:
            converter.start()
        except NbGraderException:
            return _reason(records) or "nbgrader generate_assignment failed"
        finally:
            log.handlers.clear()
    return ""


def _recording_log() -> tuple[logging.Logger, list[logging.LogRecord]]:
    """A logger of its own for one converter (none of its lines on the terminal) and the list its records go to."""
    records: list[logging.LogRecord] = []
    log = logging.getLogger("nnlab.batch.generate_assignment")
    log.handlers.clear()
    log.propagate = False
    log.setLevel(logging.INFO)
    handler = logging.Handler()
    handler.emit = records.append
    log.addHandler(handler)
    return log, records


def _reason(records: list[logging.LogRecord]) -> str:
    """What nbgrader said went wrong: the exception that ended its first logged traceback (nbgrader's own
    exception by its message alone, another by its name and message), else its first error."""
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    for message in errors:
        if message.startswith("Traceback (most recent call last):"):
            return re.sub(r"^(?:\w+\.)*(?:NbGraderException: )?", "", _raised(message.splitlines()))
    return errors[0] if errors else ""


def _raised(traceback: list[str]) -> str:
    """The first line of the exception a formatted traceback ends with (its message may span lines)."""
    frames = [i for i, line in enumerate(traceback) if line.startswith('  File "')]
    after = traceback[frames[-1] + 1:] if frames else traceback[1:]
    return next((line for line in after if line and not line[0].isspace()), traceback[-1]).strip()


# -- speedups -------------------------------------------------------------------------------
# nbgrader opens a new database engine for every preprocessor of every notebook (some ten per
# notebook), and SQLAlchemy compiles every query again for each new engine: while the batch runs,
# one engine a database URL is kept, so each query is compiled once, and its connections stay open
# (a Gradebook's `close` disposes of its engine: here that waits for the end of the batch); the
# autograded scores of a notebook are committed once, not once a cell (`_one_commit`). Each
# Gradebook also inspects the database, creates missing tables and makes sure the course's row is
# there (a query and a commit); once per engine is enough. nbgrader checks cell metadata
# with `jsonschema.validate`, which validates the schema itself again for every cell: here the
# validator of a schema is made once. Both keep nbgrader's behaviour (the same queries, the same
# schema and errors). Forked workers inherit them.
_engines: dict[tuple[int, str], object] = {}
_validators: dict[str, object] = {}


def _shared_engine(create_engine):
    def create(url, *args, **kwargs):
        key = (os.getpid(), str(url))   # never share an engine across a fork
        if key not in _engines:
            engine = _engines[key] = create_engine(url, *args, **kwargs)
            engine.dispose = lambda *args, **kwargs: None   # the batch's end disposes of it (speedups)
        return _engines[key]
    return create


def _course_checked_once(check_course):
    checked: set[tuple[int, str]] = set()

    def check_once(gradebook, course_id: str = "default_course", **kwargs):
        key = (id(gradebook.engine), course_id)
        if kwargs or key not in checked:
            course = check_course(gradebook, course_id=course_id, **kwargs)
            checked.add(key)
            return course
        return None   # nbgrader's only caller, Gradebook.__init__, does not use it
    return check_once


class _Tables:
    def __init__(self, names: list[str]):
        self.names = names

    def get_table_names(self) -> list[str]:
        return list(self.names)


def _tables_made_once(inspect, create_all):
    made: dict[int, list[str]] = {}

    def cached_inspect(engine):
        return _Tables(made[id(engine)]) if id(engine) in made else inspect(engine)

    def create_all_once(bind=None, **kwargs):
        if id(bind) not in made:
            create_all(bind=bind, **kwargs)
            made[id(bind)] = inspect(bind).get_table_names()
    return cached_inspect, create_all_once


def _cached_validate(jsonschema):
    def validate(instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        validator = _validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = _validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error
    return validate


def _one_commit(gradebook_class):
    """The Gradebook nbgrader's SaveAutoGrades opens, doing its work in two queries and one commit.

    SaveAutoGrades looks up each cell's grade and comment with a query of seven joined tables and
    commits after each (some 28 queries and 28 writes of the database file a notebook). Here the
    first lookup reads every grade (or comment) of that submitted notebook at once, with the cell
    names it is looked up by, and the commits wait for the end of the block, which commits once
    when it ends without error: a notebook's autograded scores are recorded together or not at all.
    A cell the read did not find is looked up as nbgrader does (and is missing as it says)."""
    from nbgrader.api import Assignment, BaseCell, Comment, Grade, Notebook, Student, SubmittedAssignment, SubmittedNotebook

    class OneCommit(gradebook_class):
        def __enter__(self):
            self._read: dict[tuple, dict] = {}
            self.db.commit = lambda: None
            return self

        def __exit__(self, kind, value, traceback):
            del self.db.commit   # the instance attribute: the session's own method again
            if kind is None:
                self.db.commit()
            return super().__exit__(kind, value, traceback)

        def _all(self, table, notebook: str, assignment: str, student: str) -> dict:
            key = (table, notebook, assignment, student)
            if key not in self._read:
                rows = self.db.query(table, BaseCell.name)\
                    .join(BaseCell, BaseCell.id == table.cell_id)\
                    .join(SubmittedNotebook, SubmittedNotebook.id == table.notebook_id)\
                    .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)\
                    .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)\
                    .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)\
                    .join(Student, Student.id == SubmittedAssignment.student_id)\
                    .filter(Notebook.name == notebook, Assignment.name == assignment, Student.id == student).all()
                self._read[key] = {name: row for row, name in rows}
            return self._read[key]

        def find_grade(self, grade_cell: str, notebook: str, assignment: str, student: str):
            found = self._all(Grade, notebook, assignment, student).get(grade_cell) if hasattr(self, "_read") else None
            return found if found is not None else super().find_grade(grade_cell, notebook, assignment, student)

        def find_comment(self, solution_cell: str, notebook: str, assignment: str, student: str):
            found = self._all(Comment, notebook, assignment, student).get(solution_cell) if hasattr(self, "_read") else None
            return found if found is not None else super().find_comment(solution_cell, notebook, assignment, student)
    return OneCommit


@contextlib.contextmanager
def speedups() -> Iterator[None]:
    """nbgrader's gradebook engine shared (its course checked once) and its schema validator made once,
    while the block runs."""
    import jsonschema
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as common
    import nbgrader.preprocessors.saveautogrades as saving

    if getattr(api, "_nnlab_speedups", False):   # already on (a batch inside a batch)
        yield
        return
    originals = (api.create_engine, api.inspect, common.jsonschema, api.Gradebook.check_course, saving.Gradebook)
    metadata = api.Base.metadata
    saving.Gradebook = _one_commit(saving.Gradebook)
    api.create_engine = _shared_engine(api.create_engine)
    api.Gradebook.check_course = _course_checked_once(api.Gradebook.check_course)
    api.inspect, metadata.create_all = _tables_made_once(api.inspect, metadata.create_all)
    shim = types.SimpleNamespace(**{name: getattr(jsonschema, name) for name in dir(jsonschema)
                                    if not name.startswith("__")})
    shim.validate = _cached_validate(jsonschema)
    common.jsonschema = shim
    api._nnlab_speedups = True
    try:
        yield
    finally:
        api.create_engine, api.inspect, common.jsonschema, api.Gradebook.check_course, saving.Gradebook = originals
        del metadata.create_all            # the instance attribute: MetaData's own method again
        api._nnlab_speedups = False
        for key in [k for k in _engines if k[0] == os.getpid()]:
            engine = _engines.pop(key)
            del engine.dispose              # the instance attribute: the Engine's own method again
            engine.dispose()
