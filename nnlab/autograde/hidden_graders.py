"""HiddenGraders: the autograde preprocessor that scores test cells with the hidden graders.

It runs after nbgrader's Execute and before SaveAutoGrades. For a notebook that has
graders (`<graders_dir>/<assignment>/test_<notebook>.py`) it runs them in a separate
pytest process against the student's notebook, then replaces the output of every test cell
they cover with the list of hidden tests (pass/fail, points, hint) and an `execute_result`
holding the score: nbgrader's own partial-credit rule then records exactly that score,
whatever the student's kernel did with the cell.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from nnlab.graders.keys import secret_path_from_environment
from nnlab.graders.run import GRADERS_DIR, GraderLimits, grade_notebook, graders_for
from nnlab.runner.student_process import is_test_cell

MAX_NOTES = 5


class HiddenGraders(NbGraderPreprocessor):
    enabled = Bool(True, help="Score test cells with the hidden graders").tag(config=True)
    graders_dir = Unicode(str(GRADERS_DIR), help="Folder of the grader packages, one per assignment").tag(config=True)
    secret_path = Unicode(str(secret_path_from_environment()), help="The course secret file").tag(config=True)
    call_timeout = Float(30.0, help="Seconds for one call into the student's code").tag(config=True)
    cell_timeout = Float(60.0, help="Seconds for one cell of the student's notebook").tag(config=True)
    notebook_timeout = Float(300.0, help="Seconds to run the student's notebook").tag(config=True)
    grading_timeout = Float(900.0, help="Seconds for all hidden tests of one notebook").tag(config=True)
    memory_mb = Integer(3072, help="Address-space limit of the student's process, in MiB").tag(config=True)
    sandbox = Bool(True, help="Isolate the student's process with bubblewrap where it is installed").tag(config=True)
    python = Unicode(sys.executable, help="Interpreter that runs the graders").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        graders = graders_for(info["assignment"], info["notebook"], Path(self.graders_dir))
        if not graders.exists():
            self.log.info("No hidden graders for %s/%s: nbgrader's own scoring applies", info["assignment"], info["notebook"])
            return nb, resources
        report = self.run_graders(graders, nb, str(info["student"]))
        save_report(report, Path.cwd(), info["assignment"], str(info["student"]), info["notebook"])
        cells = report.get("cells", {})
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and is_test_cell(cell) and grade_id in cells:
                self.log.debug("Hidden graders scored %s", grade_id)
                cell.outputs = feedback_outputs(cell, cells[grade_id], report)
        return nb, resources

    def run_graders(self, graders: Path, nb: NotebookNode, student: str) -> dict:
        limits = GraderLimits(self.call_timeout, self.cell_timeout, self.notebook_timeout, self.grading_timeout,
                              self.memory_mb, self.sandbox)
        with tempfile.TemporaryDirectory(prefix="nnlab-submission-") as tmp:
            submission = Path(tmp) / "submission.ipynb"
            nbformat.write(nb, submission)
            # the course folder nbgrader runs in holds every student's work and the gradebook
            report, output = grade_notebook(graders, submission, student, self.secret_path, limits, self.python,
                                            hide=[Path.cwd()])
        self.log.info("Hidden graders for %s:\n%s", student, _summary(output))
        return report


REPORTS_DIR = Path(".nnlab") / "grader-reports"


def report_path(course: Path, assignment: str, student: str, notebook: str) -> Path:
    """Where the hidden graders' full report of one submission is kept (instructor-only)."""
    return Path(course) / REPORTS_DIR / assignment / student / f"{notebook}.json"


def save_report(report: dict, course: Path, assignment: str, student: str, notebook: str) -> None:
    path = report_path(course, assignment, student, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))


def _summary(pytest_output: str) -> str:
    lines = pytest_output.splitlines()
    for index, line in enumerate(lines):
        if "nnlab scores for" in line:
            return "\n".join(lines[index + 1:index + 60])
    return pytest_output[-2000:]


def feedback_outputs(cell: NotebookNode, result: dict, report: dict) -> list:
    """The test cell's new outputs: the hidden tests as text, then the score for nbgrader."""
    cell_points = float(cell.metadata["nbgrader"].get("points", 0))
    grader_points = result["points"] or 1.0
    score = round(cell_points * result["score"] / grader_points, 4)
    lines = [f"Hidden tests: {score:g} of {cell_points:g} points"]
    for test in result["tests"]:
        mark = "PASS" if test["passed"] else "FAIL"
        share = cell_points * test["points"] / grader_points
        line = f"  {mark}  {share:g} pt  {test['hint']}"
        if test["reason"]:
            line += f"  [{test['reason']}]"
        lines.append(line)
    failed = any(not test["passed"] for test in result["tests"])
    if report.get("error"):
        lines.append(f"Your notebook could not be graded: {report['error']}")
    elif failed and report.get("notebook_errors"):
        lines.append("While running your notebook:")
        lines += [f"  cell {e['cell']}: {e['error']}" for e in report["notebook_errors"][:MAX_NOTES]]
    return [
        nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(score)},
                               execution_count=cell.get("execution_count")),
    ]
