"""What nnlab/batch/nbgrader_adapter.py takes from nbgrader beyond its documented use is still there,
with the shape the adapter relies on: these tests fail loudly when the pinned nbgrader changes."""
from __future__ import annotations

import inspect
import re
import subprocess
import sys
import warnings
from pathlib import Path

import jsonschema
import nbformat
import nbgrader
import nbgrader.api as api
import nbgrader.nbgraderformat.common as common
import nbgrader.preprocessors.saveautogrades as saving
import pytest
from nbgrader.apps import AutogradeApp
from nbgrader.apps.baseapp import NbGrader
from nbgrader.converters import Autograde, BaseConverter, GenerateAssignment, NbGraderException
from nbgrader.preprocessors import SaveCells
from sqlalchemy import event
from traitlets.config import Application, Config, LoggingConfigurable

from nnlab.batch import nbgrader_adapter
from nnlab.course import PROJECT_ROOT, Course, copy_course, nbgrader_environment, run_nbgrader


def source(function) -> str:
    return inspect.getsource(function)


def test_the_nbgrader_pinned_is_the_one_the_adapter_was_checked_against():
    pinned = re.search(r"^nbgrader==(\S+)$", (PROJECT_ROOT / "requirements.txt").read_text(), re.M)[1]
    assert nbgrader.__version__ == pinned == "0.9.6", \
        "nbgrader changed: check every item of nnlab/batch/nbgrader_adapter.py, then this test"


# -- the application ------------------------------------------------------------------------
def test_the_app_can_be_kept_from_the_current_folders_config():
    assert NbGrader.load_cwd_config is True, "a class attribute the adapter turns off"
    assert "if self.load_cwd_config:" in source(NbGrader.load_config_file)
    assert "if (self.load_cwd_config):" in source(NbGrader.load_config_file)


def test_the_app_takes_the_course_root_and_its_config_file():
    assert "root" in inspect.signature(NbGrader.initialize).parameters
    assert 'load_config_file("nbgrader_config.py", path=self.coursedir.root)' in source(NbGrader.initialize)
    assert "config_file" in AutogradeApp.class_traits()
    assert 'paths = [os.path.abspath("{}.py".format(self.config_file))]' in source(NbGrader.load_config_file), \
        "config_file is named without .py"


def test_the_autograde_app_makes_its_converter_as_the_adapter_does():
    start = source(AutogradeApp.start)
    assert "self.coursedir.assignment_id = self.extra_args[0]" in start
    assert "converter = Autograde(coursedir=self.coursedir, parent=self)" in start
    assert "except NbGraderException:" in start


def test_the_post_convert_hook_is_given_assignment_student_and_notebooks():
    hook = source(BaseConverter.run_post_convert_hook)
    assert "assignment=self.coursedir.assignment_id" in hook and "student=self.coursedir.student_id" in hook
    assert "notebooks=self.notebooks" in hook


def test_the_app_is_the_process_application_while_the_batch_runs(tmp_path):
    course = Course.open(PROJECT_ROOT)
    app = nbgrader_adapter.autograde_app(course, tmp_path / "nbgrader.log")
    try:
        assert Application.initialized() and Application.instance() is app
        assert app.coursedir.root == course.root and app.coursedir.db_url == course.db_url
    finally:
        nbgrader_adapter.finish_app(app)
    assert not Application.initialized()


# -- the converters -------------------------------------------------------------------------
def test_a_new_autograde_converter_reads_submitted():
    assert Autograde._sanitizing is True
    converter = Autograde(coursedir=Course(config=Config()), config=Config())
    assert converter._input_directory == converter.coursedir.submitted_directory


def test_the_sanitizing_pass_is_public_configuration():
    assert "sanitize_preprocessors" in Autograde.class_traits()
    assert "exporter_class" in BaseConverter.class_traits()
    assert list(inspect.signature(BaseConverter.init_single_notebook_resources).parameters) == \
        ["self", "notebook_filename"]
    assert "resources = self.init_single_notebook_resources(notebook_filename)" in \
        source(BaseConverter.convert_single_notebook)


def test_force_is_nbgraders_converter_setting():
    assert nbgrader_adapter.forced(Config({"BaseConverter": {"force": True}})) is True
    assert nbgrader_adapter.forced(Config()) is False


def test_a_failed_submission_is_nbgraders_exception():
    assert "raise NbGraderException" in source(BaseConverter.convert_notebooks)
    assert issubclass(NbGraderException, Exception)


# -- speedups -------------------------------------------------------------------------------
def test_the_gradebook_opens_its_engine_and_tables_through_the_patched_names():
    opening = source(api.Gradebook.__init__)
    assert "self.engine = create_engine(db_url" in opening
    assert "inspect(self.engine).get_table_names()" in opening
    assert "Base.metadata.create_all(bind=self.engine)" in opening


def test_cell_metadata_is_validated_through_the_patched_name():
    assert common.jsonschema is jsonschema
    assert "jsonschema.validate(cell.metadata['nbgrader'], self.schema)" in inspect.getsource(common)


def test_speedups_share_the_engine_while_on_and_restore_nbgrader_after(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])   # a new gradebook runs `alembic`
    originals = (api.create_engine, api.inspect, common.jsonschema)
    url = f"sqlite:///{Path(tmp_path) / 'gradebook.db'}"
    with nbgrader_adapter.speedups():
        assert api.create_engine is not originals[0] and common.jsonschema is not jsonschema
        with api.Gradebook(url) as first, api.Gradebook(url) as second:
            assert first.engine is second.engine
        with pytest.raises(jsonschema.ValidationError):
            common.jsonschema.validate({"grade": "yes"}, {"properties": {"grade": {"type": "boolean"}}})
    assert (api.create_engine, api.inspect, common.jsonschema) == originals
    assert "create_all" not in vars(api.Base.metadata)
    with api.Gradebook(url) as first, api.Gradebook(url) as second:
        assert first.engine is not second.engine


def test_save_auto_grades_opens_its_gradebook_through_the_patched_name_and_looks_up_each_cell():
    assert "self.gradebook = Gradebook(self.db_url)" in source(saving.SaveAutoGrades.preprocess)
    assert "with self.gradebook:" in source(saving.SaveAutoGrades.preprocess)
    assert "self.gradebook.find_grade(" in source(saving.SaveAutoGrades._add_score)
    assert "self.gradebook.find_comment(" in source(saving.SaveAutoGrades._add_comment)
    for method in (saving.SaveAutoGrades._add_score, saving.SaveAutoGrades._add_comment):
        assert "self.gradebook.db.commit()" in source(method)


def submission_gradebook(url: str) -> None:
    """A gradebook with one submitted notebook: grade cells q1, q2 (q2 also an answer), answer a1."""
    with api.Gradebook(url) as gb:
        gb.add_assignment("hw")
        gb.add_notebook("hw", "hw")
        gb.add_grade_cell("q1", "hw", "hw", max_score=1, cell_type="code")
        gb.add_grade_cell("q2", "hw", "hw", max_score=2, cell_type="markdown")
        gb.add_solution_cell("q2", "hw", "hw")
        gb.add_solution_cell("a1", "hw", "hw")
        for student in ("s1", "s2"):
            gb.add_student(student)
            with warnings.catch_warnings():   # nbgrader's add_submission trips a harmless SQLAlchemy 2 warning
                warnings.simplefilter("ignore")
                gb.add_submission("hw", student)


def test_save_auto_grades_gradebook_reads_a_notebook_at_once_and_commits_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])   # a new gradebook runs `alembic`
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    submission_gradebook(url)
    with nbgrader_adapter.speedups():
        commits, statements = [], []
        with saving.Gradebook(url) as gb:
            event.listen(gb.engine, "commit", lambda conn: commits.append(1))
            event.listen(gb.engine, "before_cursor_execute", lambda *args: statements.append(1))
            for cell, score in (("q1", 1.0), ("q2", 1.5)):
                gb.find_grade(cell, "hw", "hw", "s1").auto_score = score
                gb.db.commit()
            for cell in ("q2", "a1"):
                gb.find_comment(cell, "hw", "hw", "s1").auto_comment = f"about {cell}"
                gb.db.commit()
            # s1's grades read at once, their scores written before the next read (autoflush), its comments read
            assert commits == [] and len(statements) == 3
            with pytest.raises(api.MissingEntry):
                gb.find_grade("q9", "hw", "hw", "s1")   # missing as nbgrader says it
        assert commits == [1]
        with pytest.raises(RuntimeError), saving.Gradebook(url) as gb:
            gb.find_grade("q1", "hw", "hw", "s2").auto_score = 1.0
            raise RuntimeError("the notebook's step failed")
    with api.Gradebook(url) as gb:
        assert [gb.find_grade(c, "hw", "hw", "s1").auto_score for c in ("q1", "q2")] == [1.0, 1.5]
        assert [gb.find_comment(c, "hw", "hw", "s1").auto_comment for c in ("q2", "a1")] == ["about q2", "about a1"]
        assert gb.find_grade("q1", "hw", "hw", "s2").auto_score is None   # nothing of a failed block recorded
    assert saving.Gradebook is api.Gradebook   # nbgrader's own again after the batch


def test_jsonschema_goes_without_the_iri_grammar():
    # nnlab.cli keeps jsonschema from importing rfc3987_syntax (seconds at every command's start):
    # that relies on jsonschema treating it as an optional import
    assert "from rfc3987_syntax import" in inspect.getsource(jsonschema._format)
    assert "except ImportError" in inspect.getsource(jsonschema._format)
    probe = "import sys, nnlab.cli, nbformat, nbgrader.apps; print(sys.modules['rfc3987_syntax'])"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "None\n"


# -- an assignment handed out without nbgrader ----------------------------------------------
ASSIGNMENT = "perceptron"


def test_generate_assignment_writes_its_student_version_under_the_release_directory_it_is_given():
    assert "return self.coursedir.release_directory" in source(GenerateAssignment._output_directory.fget)
    for method in (BaseConverter.init_assignment, BaseConverter.write_single_notebook, BaseConverter.set_permissions):
        assert "self._format_dest(" in source(method) or "self._output_directory" in source(method), method
    assert SaveCells in GenerateAssignment(coursedir=Course(config=Config()), config=Config()).preprocessors
    assert {"create_assignment", "no_database"} <= set(GenerateAssignment.class_traits(config=True))
    assert "gb.update_or_create_assignment(assignment_id" in source(GenerateAssignment.init_assignment)
    assert "log" in LoggingConfigurable.class_traits(), "the converter takes a logger of its own"


def test_generate_assignment_logs_the_traceback_of_what_failed():
    assert "self.log.error(traceback.format_exc())" in source(BaseConverter.convert_notebooks)
    assert "raise NbGraderException(msg)" in source(BaseConverter.convert_notebooks)


def gradebook_entry(course: Path) -> dict:
    """The assignment as generate_assignment left it in the gradebook: its notebooks and their cells."""
    with api.Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nnlab") as gb:
        return {n.name: {"kernelspec": n.kernelspec,
                         "grade": sorted((c.name, c.max_score, c.cell_type) for c in n.grade_cells),
                         "solution": sorted(c.name for c in n.solution_cells),
                         "task": sorted((c.name, c.max_score) for c in n.task_cells),
                         "source": sorted((c.name, c.cell_type, c.locked, c.source, c.checksum) for c in n.source_cells)}
                for n in gb.find_assignment(ASSIGNMENT).notebooks}


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_gradebook_gets_what_generate_assignment_puts_there_and_nothing_else_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])   # a new gradebook runs `alembic`
    plain, ours = (copy_course(tmp_path / name) for name in ("plain", "ours"))
    run_nbgrader(plain, "generate_assignment", ASSIGNMENT, "--force")
    before = files(ours)
    assert nbgrader_adapter.generate_into_gradebook(Course.open(ours), ASSIGNMENT) == ""
    assert gradebook_entry(ours) == gradebook_entry(plain) and gradebook_entry(ours)[ASSIGNMENT]["grade"]
    after = files(ours)
    after.pop("gradebook.db")
    assert after == before, "release/ and every other file as they were; the scratch folder gone"


def test_what_nbgrader_rejects_is_said_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])
    course = copy_course(tmp_path / "course")
    path = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")).metadata.nbgrader["points"] = -1
    nbformat.write(nb, path)
    reason = nbgrader_adapter.generate_into_gradebook(Course.open(course), ASSIGNMENT)
    assert reason == "ValidationError: -1 is less than the minimum of 0"
    assert not any((course / ".nnlab").iterdir())
