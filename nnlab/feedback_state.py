"""Whether each feedback page still shows what the gradebook holds.

nbgrader's generate_feedback keeps a page it wrote before unless --force, so a written answer
marked again in the formgrader leaves the student a page with the old score while Moodle gets the
new one. The course's feedback pipeline (c.GenerateFeedback.preprocessors in course_config.py)
therefore starts with `RecordFeedbackGrades`: for every page nbgrader writes, it records what the
page is made from (the notebook's grades and comments in the gradebook, and a digest of the
autograded notebook) in `<notebook>.grades.json` beside the page, written by nbgrader with it and
removed with it. Plain `nbgrader generate_feedback` and the formgrader's button record it too.

A page is current while its record equals what the gradebook and autograded/ hold now
(`stale_feedback`): `nnlab feedback` regenerates the other pages, `nnlab export-lms` refuses to
zip them. The record is taken before nbgrader's GetGrades reads the gradebook, so a mark changed
while a page is written makes the page look stale, never current. It reads nbgrader's Gradebook
itself, not nnlab.gradebook's snapshot: a page shows more than the scores (each comment, the
manual and automatic score apart, the late penalty), and the recorder runs inside nbgrader.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from nnlab.course import Course
from nnlab.digest import file_digest

RECORD_SUFFIX = ".grades.json"
GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "max_score")
NOTEBOOK_FIELDS = ("score", "max_score", "late_penalty")


def record_name(notebook: str) -> str:
    """The record's file name beside the page `<notebook>.html`."""
    return f"{notebook}{RECORD_SUFFIX}"


def _digest_or_none(path: Path) -> str | None:
    """The file's digest (nnlab.digest); None when it cannot be read (not graded, or graded again right now)."""
    try:
        return file_digest(path)
    except OSError:
        return None


def grades_shown(gradebook: Gradebook, assignment: str, student: str, notebook: str, autograded: Path) -> dict | None:
    """What a feedback page of `notebook` is made from, as JSON values: the digest of the autograded
    notebook, the notebook's score, maximum and late penalty, every grade's scores and every
    comment; None when the gradebook has no such submitted notebook."""
    try:
        found = gradebook.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return None
    return {
        "autograded": _digest_or_none(autograded),
        "score": _number(found.score),
        "max_score": _number(found.max_score),
        "late_penalty": _number(found.late_submission_penalty or 0.0),
        "grades": {g.name: {key: _number(getattr(g, key)) for key in GRADE_FIELDS}
                   for g in sorted(found.grades, key=lambda g: g.name)},
        "comments": {c.name: {"auto_comment": c.auto_comment, "manual_comment": c.manual_comment}
                     for c in sorted(found.comments, key=lambda c: c.name)},
    }


def _number(value) -> float | None:
    return None if value is None else float(value)


class RecordFeedbackGrades(NbGraderPreprocessor):
    """Feedback step, before GetGrades: the record of what the page is made from, handed to
    nbgrader's writer in resources["outputs"] so that it lands beside the page."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        autograded = Path(resources["metadata"]["path"]) / f"{ids['notebook']}.ipynb"
        with Gradebook(ids["db_url"]) as gradebook:   # the gradebook GetGrades reads, opened as it opens it
            record = grades_shown(gradebook, ids["assignment"], ids["student"], ids["notebook"], autograded)
        outputs = resources.setdefault("outputs", {})
        outputs[record_name(ids["notebook"])] = json.dumps(record, indent=1, sort_keys=True).encode("utf-8")
        return nb, resources


def pipeline_records(course: Course) -> bool:
    """Whether the course's feedback pipeline (c.GenerateFeedback.preprocessors) records the grades."""
    def records(step) -> bool:   # a class, or its dotted name as nbconvert also takes it
        if isinstance(step, str):
            return step.rsplit(".", 1)[-1] == RecordFeedbackGrades.__name__
        return isinstance(step, type) and issubclass(step, RecordFeedbackGrades)

    return any(records(step) for step in course.config.GenerateFeedback.get("preprocessors", []))


def read_record(path: Path) -> dict | None:
    """The record written beside a page; None when there is none or it cannot be read."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def feedback_pages(course: Course, assignment: str, student: str) -> list[Path]:
    """The student's feedback pages of the assignment's notebooks (not other .html files handed in)."""
    folder = course.feedback(student, assignment)
    return [page for page in (folder / f"{nb}.html" for nb in course.notebooks(assignment)) if page.is_file()]


def stale_feedback(course: Course, assignment: str, students: Iterable[str] | None = None) -> dict[str, str]:
    """{student: why} for each student (of `students`, default every one with a feedback folder of
    `assignment`) with a page whose record differs from what the gradebook and autograded/ hold now, or
    written before the student's due date, which has passed (it shows what students see before it)."""
    from nnlab.deadlines.final import provisional_pages

    students = course.students_in(course.feedback_directory, assignment) if students is None else list(students)
    stale: dict[str, str] = {}
    with _open_gradebook(course) as gradebook:
        for student in students:
            whys = []
            for page in feedback_pages(course, assignment, student):
                shown = read_record(page.with_name(record_name(page.stem)))
                autograded = course.autograded(student, assignment) / f"{page.stem}.ipynb"
                now = None if gradebook is None else grades_shown(gradebook, assignment, student, page.stem, autograded)
                if shown is None or shown != now:
                    whys.append(describe_change(page.stem, shown, now))
            if whys:
                stale[student] = "; ".join(whys)
    for student, why in provisional_pages(course, assignment).items():
        if student in students:
            stale[student] = "; ".join(filter(None, [stale.get(student), why]))
    return stale


def _open_gradebook(course: Course):
    """The course's gradebook, or None in its place when there is none (opening a missing SQLite
    file would create it)."""
    return Gradebook(course.db_url, course.course_id) if course.has_gradebook() else nullcontext(None)


def describe_change(notebook: str, shown: dict | None, now: dict | None) -> str:
    """In a few words, how the grades a page of `notebook` shows differ from the gradebook's now."""
    if shown is None:
        return f"{notebook}: no record of the grades its page shows"
    if now is None:
        return f"{notebook}: no longer in the gradebook"
    if shown.get("autograded") != now["autograded"]:
        return f"{notebook}: graded again since its page was written"
    totals = ", ".join(f"{key.replace('_', ' ')} {_show(shown.get(key))} -> {_show(now[key])}"
                       for key in NOTEBOOK_FIELDS if shown.get(key) != now[key])
    cells = _cell_changes(shown.get("grades") or {}, now["grades"], GRADE_FIELDS)
    comments = shown.get("comments") or {}
    cells += [f"{name}: comment changed" for name in sorted(set(comments) | set(now["comments"]))
              if comments.get(name) != now["comments"].get(name)]
    detail = "; ".join(cells)
    return f"{notebook}: {totals} ({detail})" if totals and detail else f"{notebook}: {totals or detail or 'changed'}"


def _cell_changes(before: dict, after: dict, fields: tuple[str, ...]) -> list[str]:
    """`cell: manual score 0 -> 2` for each field of each cell that differs."""
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name) or {}, after.get(name) or {}
        changes += [f"{name}: {key.replace('_', ' ')} {_show(old.get(key))} -> {_show(new.get(key))}"
                    for key in fields if old.get(key) != new.get(key)]
    return changes


def _show(value) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)
