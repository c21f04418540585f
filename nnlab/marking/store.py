"""The marks of written answers: nbgrader's gradebook holds each answer's mark (the cell's manual
score) and comment (its manual comment), so the formgrader, the feedback, `nnlab export`,
`export-lms` and the grade table show them; beside it, `.nnlab/marking/<assignment>.json` holds what
the gradebook has no place for: the rubric of each question, which items each answer has, its free
adjustment and comment, flags, pseudonyms, the reveal switch, the moderation sample and second marks.

Every change is made under a lock (one file lock per assignment, so markers on other servers of
the same course folder wait their turn) and only when the answer is still as the marker saw it: its
version in the marking file and its score and comment in the gradebook. Otherwise nothing is
written and the marker gets the current mark (`Conflict`): a mark made meanwhile by another marker,
or typed in the formgrader, is never overwritten silently.
"""
from __future__ import annotations

import fcntl
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from nbgrader.api import Gradebook, MissingEntry

from nnlab.files import write_atomic
from nnlab.marking import pseudonyms
from nnlab.marking.questions import Question

ITEM_KEYS = "123456789"
EPSILON = 1e-9


class Conflict(Exception):
    """The answer changed since the marker loaded it; `current` is its mark now."""

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = current


class MarkingError(Exception):
    """A request that names no such question, item or answer, or holds a value out of range."""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6


def _points(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MarkingError(f"not a number of points: {value!r}") from None
    if number != number or abs(number) > 1000:
        raise MarkingError(f"not a number of points: {value!r}")
    return round(number, 3)


def _shown(points: float) -> str:
    return f"{points:+g}"


def score_of(items: dict, mark: dict, maximum: float) -> float:
    """An answer's score: its items' points plus its adjustment, kept within 0 and the question's points."""
    total = sum(items[i]["points"] for i in mark.get("items", []) if i in items) + mark.get("adjustment", 0.0)
    return round(min(max(total, 0.0), maximum), 3)


def comment_of(items: dict, mark: dict) -> str:
    """The comment the student reads: each item's comment with its points, the adjustment, the marker's own words."""
    lines = [f"{items[i]['comment']} ({_shown(items[i]['points'])})" for i in mark.get("items", []) if i in items]
    if mark.get("adjustment"):
        lines.append(f"Adjustment ({_shown(mark['adjustment'])})")
    if mark.get("comment"):
        lines.append(mark["comment"])
    return "\n".join(lines)


@dataclass
class Course:
    """What the store needs of the course: nbgrader's gradebook and the course folder."""
    root: Path
    db_url: str
    course_id: str

    def gradebook(self) -> Gradebook:
        return Gradebook(self.db_url, self.course_id)


class MarkingStore:
    """The marks of one assignment's written answers (see the module's docstring)."""

    def __init__(self, course: Course, assignment: str):
        self.course = course
        self.assignment = assignment
        folder = Path(course.root) / ".nnlab" / "marking"
        self.path = folder / f"{assignment}.json"
        self.lock_path = folder / f"{assignment}.lock"

    # -- the file -----------------------------------------------------------------------
    def read(self) -> dict:
        if not self.path.exists():
            return {"pseudonyms": {}, "reveal": [], "questions": {}, "log": []}
        return json.loads(self.path.read_text())

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True))

    @contextmanager
    def locked(self) -> Iterator[dict]:
        """The marking file, read under the assignment's lock and written back when the block ends
        without an error."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = self.read()
                yield data
                self._write(data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def question_state(data: dict, question: Question) -> dict:
        state = data["questions"].setdefault(question.key, {})
        if "items" not in state:
            state["items"] = {}
            state["order"] = []
            for seed in question.seed_rubric:
                MarkingStore._new_item(state, seed.points, seed.comment, "source notebook")
        for name in ("marks", "flags", "history"):
            state.setdefault(name, {})
        state.setdefault("second", {"sample": [], "marks": {}, "taken": {}, "drawn": None})
        return state

    @staticmethod
    def _new_item(state: dict, points: float, comment: str, by: str) -> str:
        number = 1 + max((int(i[1:]) for i in state["items"]), default=0)
        item_id = f"i{number}"
        used = {item["key"] for item in state["items"].values()}
        key = next((k for k in ITEM_KEYS if k not in used), "")
        state["items"][item_id] = {"key": key, "points": points, "comment": comment, "by": by, "at": _now()}
        state["order"].append(item_id)
        return item_id

    # -- the gradebook ------------------------------------------------------------------
    def students(self) -> list[str]:
        """The students with a hand-in of the assignment in the gradebook."""
        with self.course.gradebook() as gb:
            try:
                assignment = gb.find_assignment(self.assignment)
            except MissingEntry:
                raise MarkingError(f"no assignment {self.assignment!r} in the gradebook") from None
            return sorted(s.student.id for s in assignment.submissions)

    def names(self) -> dict[str, str]:
        with self.course.gradebook() as gb:
            return {s.id: " ".join(p for p in (s.first_name, s.last_name) if p) or s.id for s in gb.students}

    def gradebook_marks(self, question: Question) -> dict[str, dict]:
        """Each student's manual score and comment of the question's cell, as the gradebook holds them now."""
        marks = {}
        with self.course.gradebook() as gb:
            for student in self.students():
                grade = gb.find_grade(question.grade_id, question.notebook, self.assignment, student)
                comment = gb.find_comment(question.grade_id, question.notebook, self.assignment, student)
                marks[student] = {"score": grade.manual_score, "comment": comment.manual_comment}
        return marks

    def _gradebook_write(self, question: Question, student: str, score: float, comment: str) -> None:
        with self.course.gradebook() as gb:
            grade = gb.find_grade(question.grade_id, question.notebook, self.assignment, student)
            grade.manual_score = score
            grade.needs_manual_grade = False  # as the formgrader does once a score is given
            gb.find_comment(question.grade_id, question.notebook, self.assignment, student).manual_comment = comment
            gb.db.commit()

    def _gradebook_now(self, question: Question, student: str) -> dict:
        with self.course.gradebook() as gb:
            grade = gb.find_grade(question.grade_id, question.notebook, self.assignment, student)
            comment = gb.find_comment(question.grade_id, question.notebook, self.assignment, student)
            return {"score": grade.manual_score, "comment": comment.manual_comment}

    # -- pseudonyms ---------------------------------------------------------------------
    def pseudonyms(self) -> dict[str, int]:
        """Each student's script number, numbering the students seen for the first time."""
        students = self.students()
        data = self.read()
        if all(s in data["pseudonyms"] for s in students):
            return data["pseudonyms"]
        with self.locked() as data:
            data["pseudonyms"] = pseudonyms.assign(data["pseudonyms"], students)
            return dict(data["pseudonyms"])

    def student_of(self, script: int) -> str:
        for student, number in self.pseudonyms().items():
            if number == script:
                return student
        raise MarkingError(f"no script {script} in {self.assignment}")

    def reveal(self, on: bool, marker: str) -> None:
        with self.locked() as data:
            data["reveal"].append({"on": bool(on), "by": marker, "at": _now()})

    def revealed(self) -> bool:
        return pseudonyms.revealed(self.read()["reveal"])

    # -- marking ------------------------------------------------------------------------
    def _current(self, state: dict, question: Question, student: str) -> dict:
        mark = state["marks"].get(student)
        return {"mark": mark, "version": mark["version"] if mark else 0, "gradebook": self._gradebook_now(question, student)}

    def _check(self, state: dict, question: Question, student: str, base: dict) -> None:
        current = self._current(state, question, student)
        seen = base.get("gradebook") or {}
        if (int(base.get("version", -1)) != current["version"]
                or not _same(seen.get("score"), current["gradebook"]["score"])
                or (seen.get("comment") or "") != (current["gradebook"]["comment"] or "")):
            by = (current["mark"] or {}).get("by")
            who = f"by {by}" if by else "in the formgrader"
            raise Conflict(f"this answer was marked meanwhile {who}: your mark was not saved", current)

    def mark(self, question: Question, student: str, items: list[str], adjustment: float, comment: str,
             marker: str, base: dict) -> dict:
        """Give the answer these items, adjustment and comment, in the gradebook and beside it, unless it
        changed since `base` ({"version", "gradebook": {"score", "comment"}}, as the marker loaded it)."""
        adjustment = _points(adjustment)
        comment = str(comment or "")[:5000]
        with self.locked() as data:
            state = self.question_state(data, question)
            unknown = [i for i in items if i not in state["items"]]
            if unknown:
                raise MarkingError(f"no rubric item {unknown[0]!r} in {question.key}")
            if student not in self.students():
                raise MarkingError(f"no hand-in of {self.assignment} by that student")
            self._check(state, question, student, base)
            previous = state["marks"].get(student)
            mark = {"items": list(dict.fromkeys(items)), "adjustment": adjustment, "comment": comment,
                    "by": marker, "at": _now(), "version": (previous or {}).get("version", 0) + 1}
            mark["score"] = score_of(state["items"], mark, question.points)
            mark["text"] = comment_of(state["items"], mark)
            self._gradebook_write(question, student, mark["score"], mark["text"])
            state["marks"][student] = mark
            if previous:
                state["history"].setdefault(student, []).append(previous)
            return self._current(state, question, student)

    def overwrite_base(self, question: Question, student: str) -> dict:
        """The answer's state now, for a marker who has seen the conflict and chooses to replace it."""
        with self.locked() as data:
            return self._current(self.question_state(data, question), question, student)

    def flag(self, question: Question, student: str, on: bool, marker: str) -> None:
        with self.locked() as data:
            flags = self.question_state(data, question)["flags"]
            if on:
                flags[student] = {"by": marker, "at": _now()}
            else:
                flags.pop(student, None)

    # -- the rubric ---------------------------------------------------------------------
    def add_item(self, question: Question, points, comment: str, marker: str) -> str:
        comment = str(comment or "").strip()[:1000]
        if not comment:
            raise MarkingError("a rubric item needs a comment")
        with self.locked() as data:
            return self._new_item(self.question_state(data, question), _points(points), comment, marker)

    def change_item(self, question: Question, item_id: str, points, comment: str, marker: str) -> dict:
        """Change an item's points or wording, and re-score every answer that has it. An answer whose
        gradebook mark is no longer the one written here (changed in the formgrader) keeps its mark and
        is listed in `conflicts`; the others are rewritten."""
        comment = str(comment or "").strip()[:1000]
        points = _points(points)
        with self.locked() as data:
            state = self.question_state(data, question)
            if item_id not in state["items"]:
                raise MarkingError(f"no rubric item {item_id!r} in {question.key}")
            if not comment:
                raise MarkingError("a rubric item needs a comment")
            state["items"][item_id].update(points=points, comment=comment, by=marker, at=_now())
            rescored, conflicts = [], []
            for student, mark in state["marks"].items():
                if item_id not in mark["items"]:
                    continue
                now = self._gradebook_now(question, student)
                if not _same(now["score"], mark["score"]) or (now["comment"] or "") != mark["text"]:
                    conflicts.append(student)
                    continue
                mark["score"] = score_of(state["items"], mark, question.points)
                mark["text"] = comment_of(state["items"], mark)
                mark["version"] += 1
                self._gradebook_write(question, student, mark["score"], mark["text"])
                rescored.append(student)
            for mark in state["second"]["marks"].values():
                if item_id in mark["items"]:
                    mark["score"] = score_of(state["items"], mark, question.points)
            return {"rescored": rescored, "conflicts": conflicts}

    # -- second marking -----------------------------------------------------------------
    def draw_sample(self, question: Question, percent: float, minimum: int, marker: str, seed: int | None = None) -> list[str]:
        from nnlab.marking.sample import draw

        with self.locked() as data:
            state = self.question_state(data, question)
            marked = {s: m["score"] for s, m in state["marks"].items()}
            chosen = draw(marked, percent, minimum, seed)
            state["second"].update(sample=chosen, marks={}, taken={},
                                   drawn={"by": marker, "at": _now(), "percent": percent, "minimum": minimum})
            return chosen

    def second_mark(self, question: Question, student: str, items: list[str], adjustment: float, comment: str,
                    marker: str, base: dict) -> dict:
        adjustment = _points(adjustment)
        with self.locked() as data:
            state = self.question_state(data, question)
            second = state["second"]
            if student not in second["sample"]:
                raise MarkingError("this answer is not in the moderation sample")
            unknown = [i for i in items if i not in state["items"]]
            if unknown:
                raise MarkingError(f"no rubric item {unknown[0]!r} in {question.key}")
            previous = second["marks"].get(student)
            if int(base.get("version", -1)) != (previous or {}).get("version", 0):
                raise Conflict(f"this answer was second-marked meanwhile by {previous['by']}: your mark was not saved",
                               {"mark": previous, "version": previous["version"]})
            mark = {"items": list(dict.fromkeys(items)), "adjustment": adjustment, "comment": str(comment or "")[:5000],
                    "by": marker, "at": _now(), "version": (previous or {}).get("version", 0) + 1}
            mark["score"] = score_of(state["items"], mark, question.points)
            second["marks"][student] = mark
            return {"mark": mark, "version": mark["version"]}

    def take_second(self, question: Question, student: str, marker: str) -> dict:
        """The instructor takes the second mark of a sampled answer: it becomes the answer's mark (the
        first is kept in its history)."""
        with self.locked() as data:
            state = self.question_state(data, question)
            second = state["second"]["marks"].get(student)
            if not second:
                raise MarkingError("this answer has no second mark")
            first = state["marks"].get(student)
            mark = {key: second[key] for key in ("items", "adjustment", "comment")}
            mark.update(by=second["by"], at=_now(), version=(first or {}).get("version", 0) + 1, taken_by=marker)
            mark["score"] = score_of(state["items"], mark, question.points)
            mark["text"] = comment_of(state["items"], mark)
            self._gradebook_write(question, student, mark["score"], mark["text"])
            if first:
                state["history"].setdefault(student, []).append(first)
            state["marks"][student] = mark
            state["second"]["taken"][student] = {"by": marker, "at": _now()}
            return self._current(state, question, student)

    def agreement(self, question: Question, margin: float):
        from nnlab.marking.sample import agreement

        numbers = self.pseudonyms()
        data = self.read()
        state = self.question_state(data, question)
        labels = {s: pseudonyms.label(numbers[s]) if s in numbers else s for s in state["second"]["sample"]}
        return agreement(state["marks"], state["second"]["marks"], state["second"]["sample"], state["items"],
                         labels, margin)
