"""SandboxedExecute: the autograde preprocessor that runs the student's notebook in the sandbox.

It takes the place of nbgrader's `Execute` (and of the separate hidden-graders step): no
Jupyter kernel runs as the instructor. A warm zygote in bubblewrap forks a fresh student
process for each notebook (see nnlab.runner.zygote); the cells run there as in a kernel, with
outputs kept; the engine then scores the test cells in this process (see notebook_grading).
Its settings are the `Grading` traits (nnlab.graders.settings), set in the course's config; each
cell's budget comes from the model solution's times kept with the course (nnlab.graders.budgets).

A notebook can also arrive already graded by a batch worker (`nnlab grade`): the batch puts
`resources["nnlab"]["prefetched"]`, a function (student, assignment, notebook, cells digest) ->
NotebookGrade or None, into each notebook's resources.
"""
from __future__ import annotations

from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from nnlab.course import Course
from nnlab.graders.budgets import solution_times
from nnlab.graders.carry import model_answers
from nnlab.graders.feedback import save_report
from nnlab.graders.notebook import apply_grade, grade_notebook_node
from nnlab.graders.settings import Grading
from nnlab.notebook_format import cells_digest


class SubmissionLinkError(Exception):
    """The submitted notebook is a symbolic link (to another student's work, or any file)."""


def is_linked(submitted: Path) -> bool:
    """Whether submitted/<student>/<assignment>/<notebook>.ipynb, or a folder above it, is a link."""
    return any(path.is_symlink() for path in (submitted, submitted.parent, submitted.parent.parent))


class SandboxedExecute(NbGraderPreprocessor):
    """Runs and grades the notebook in a sandboxed student process (settings: `Grading`)."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        student, assignment, notebook = str(info["student"]), info["assignment"], info["notebook"]
        course = Course(config=self.config)
        submitted = course.submitted(student, assignment) / f"{notebook}.ipynb"
        if is_linked(submitted):
            # nbgrader read the link's target: it may be another student's notebook or any file
            raise SubmissionLinkError(f"{course.show(submitted)} is a link, not the student's own file: not graded")
        prefetched = resources.get("nnlab", {}).get("prefetched")
        grade = prefetched(student, assignment, notebook, cells_digest(nb)) if prefetched else None
        if grade is None:
            grading = Grading(config=self.config)
            budgets = solution_times(course, assignment, notebook) if grading.budgets else None
            answers = model_answers(course, assignment, notebook) if grading.carry_forward else None
            grade = grade_notebook_node(nb, student, assignment, notebook, grading, budgets=budgets, answers=answers)
        else:
            apply_grade(nb, grade)
        if grade.report is not None:
            report = dict(grade.report, submission=f"{assignment}/{notebook}.ipynb")
            save_report(report, course.grader_report(assignment, student, notebook))
        self.log.info("Graded %s/%s of %s in %.2f s (student's code %.2f s)", assignment, notebook, student,
                      grade.seconds, grade.student_seconds)
        return nb, resources
