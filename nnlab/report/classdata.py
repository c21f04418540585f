"""What the report reads: the class's scores from the nbgrader gradebook and the hidden
graders' saved reports (which tests each student failed, with their hints)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nnlab.course import Course, CourseError
from nnlab.gradebook import GradebookError, Snapshot, describe, read_gradebook


class ReportError(RuntimeError):
    """The report cannot be made: the message names the file and the problem."""


@dataclass(frozen=True)
class Question:
    grade_id: str
    notebook: str
    points: float
    key: str  # unique across the assignment's notebooks: "notebook/grade_id" or just grade_id


@dataclass
class StudentResult:
    student: str
    scores: dict[str, float | None]  # question key -> score; None: not graded yet (manual)
    total: float                     # what the gradebook records (ungraded counts 0, as in nbgrader)
    awaiting_manual: int = 0         # questions still to grade by hand


@dataclass
class HiddenTest:
    """One hidden test across the class: how many graded students failed it."""
    name: str
    question: str  # question key
    points: float
    hint: str
    failed: int = 0
    graded: int = 0
    carried: int = 0   # passed only with earlier answers carried forward (failed on the student's own)


@dataclass
class ClassResults:
    course: Path                                     # the course folder
    assignment: str
    max_score: float
    questions: list[Question]
    results: list[StudentResult]                     # students with a scored submission
    enrolled: int
    not_submitted: list[str]                         # students without a submission
    not_graded: list[str]                            # submitted, but no score recorded at all
    hidden_tests: list[HiddenTest] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # problems met while reading, for the page

    def score_rows(self) -> list[dict[str, float | None]]:
        return [r.scores for r in self.results]


def as_course(course: Course | Path) -> Course:
    """`course`, or the course in the folder `course` (nbgrader's defaults where it has no configuration)."""
    try:
        return Course.of(course)
    except CourseError as exc:
        raise ReportError(str(exc)) from None


def gradebook_name(course: Course) -> str:
    """The gradebook as the messages name it: its file, or the database server's URL."""
    return describe(course.db_url)


def read_class(course: Course | Path, assignment: str) -> ClassResults:
    """Everything the report needs about `assignment` in `course` (a Course, or a course folder)."""
    course = as_course(course)
    try:
        book = read_gradebook(course.db_url, course.course_id)
    except GradebookError as exc:
        raise ReportError(str(exc).replace("`nbgrader autograde`", f"`nbgrader autograde {assignment}`")) from None
    results = _class_results(book, course, assignment)
    _read_hidden_tests(results, course)
    return results


def _class_results(book: Snapshot, course: Course, assignment: str) -> ClassResults:
    found = book.assignments.get(assignment)
    if found is None:
        known = ", ".join(book.assignments) or "none"
        raise ReportError(f"{gradebook_name(course)}: no assignment {assignment!r} in the gradebook "
                          f"(assignments there: {known})")
    notebooks = sorted({q.notebook for q in found.questions})
    key = lambda notebook, name: name if len(notebooks) == 1 else f"{notebook}/{name}"  # noqa: E731
    questions = []
    for notebook in notebooks:
        cells = {q.name: q for q in found.questions if q.notebook == notebook}
        for name in _source_order(course, assignment, notebook, list(cells)):
            questions.append(Question(name, notebook, cells[name].max_score, key(notebook, name)))
    results, not_submitted, not_graded = [], [], []
    for student in book.students:
        submission = book.submission(student, assignment)
        if submission is None:
            not_submitted.append(student)
            continue
        scores: dict[str, float | None] = {q.key: None for q in questions}
        for (notebook, name), score in submission.scores.items():
            if key(notebook, name) in scores:
                scores[key(notebook, name)] = score
        if questions and all(v is None for v in scores.values()):
            not_graded.append(student)
            continue
        results.append(StudentResult(student, scores, submission.score, submission.awaiting))
    return ClassResults(course.folder, assignment, found.max_score, questions, results,
                        len(book.students), not_submitted, not_graded)


def _source_order(course: Course, assignment: str, notebook: str, names: list[str]) -> list[str]:
    """The grade cells in the order of the source notebook (the gradebook keeps no order);
    cells the source does not show follow in name order."""
    path = course.source(assignment) / f"{notebook}.ipynb"
    order: list[str] = []
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in names and grade_id not in order:
                order.append(grade_id)
    except Exception:  # no source notebook in this course folder: the order is only cosmetic
        pass
    return order + sorted(set(names) - set(order))


def _read_hidden_tests(results: ClassResults, course: Course) -> None:
    """Tally the hidden tests over the graded students' saved grader reports."""
    by_key = {(q.notebook, q.grade_id): q.key for q in results.questions}
    tests: dict[tuple[str, str], HiddenTest] = {}
    missing = []
    for result in results.results:
        for notebook in sorted({q.notebook for q in results.questions}):
            path = course.grader_report(results.assignment, result.student, notebook)
            if not path.exists():
                missing.append(f"{result.student}/{notebook}")
                continue
            try:
                report = json.loads(path.read_text())
                cells = report["cells"]
                entries = [(grade_id, t) for grade_id, cell in cells.items() for t in cell["tests"]]
                for _, test in entries:
                    _ = test["name"], test["points"], test["passed"], test["hint"]
                carried = {(grade_id, t["name"]) for grade_id, both in (report.get("carried_forward") or {}).items()
                           if both["taken"] for t in both["tests"] if t["carried"] and not t["own"]}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                results.notes.append(f"{path}: unreadable grader report ({type(exc).__name__}: {exc}); "
                                     f"{result.student} is left out of the hidden-test table")
                continue
            for grade_id, test in entries:
                key = by_key.get((notebook, grade_id), grade_id)
                tally = tests.setdefault((key, test["name"]), HiddenTest(
                    test["name"], key, float(test["points"]), str(test["hint"])))
                tally.graded += 1
                tally.failed += int(not test["passed"])
                tally.carried += int((grade_id, test["name"]) in carried)
    if missing:
        folder = course.grader_reports / results.assignment
        results.notes.append(f"no hidden-grader report for {', '.join(missing)} under {folder} "
                             "(graded without the hidden graders, or graded elsewhere)")
    order = {q.key: i for i, q in enumerate(results.questions)}
    results.hidden_tests = sorted(tests.values(), key=lambda t: (order.get(t.question, len(order)),))
