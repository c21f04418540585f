"""Marking one written question for a class: nnlab's marking page against nbgrader's formgrader, both
driven by Playwright in Debian's Chromium on the same course, the way a marker drives each.

A course with N students' answers to the perceptron's `xor_explanation` (4 kinds of answer, each
earning 0 or 1 of the source notebook's rubric items) is served by JupyterLab with nbgrader's
extensions and nnlab.marking. The same marks (points and the rubric items' comments) are given twice:

- the marking page: per answer, the key of each rubric item it earns ("0" when none), then Enter
  (next unmarked answer);
- the formgrader: from the notebook's gradebook page the first submission is opened; per answer,
  a click in the cell's score box, the score typed, a click in its comment box, the comment typed (the
  formgrader keeps no comment bank), then Ctrl+. (the formgrader's "next submission" key).

Counted: keys (a key combination is one), clicks, characters typed; the wall time from the first
action to the last mark saved (the page's saves answered; for the formgrader, the last page's save).
Both runs are checked against the gradebook (every answer's score and comment). Then a moderation
sample of the marks is drawn and second-marked with a few deliberate disagreements (through the
store, no browser) and the agreement report printed.

    .venv/bin/python bench/marking.py [--students 20]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "marking"), str(ROOT / "tests" / "browser")]
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

from marking_course import ANSWERS, ASSIGNMENT, QUESTION, class_answers, course_id, db_url, make_course  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from nnlab.marking.questions import written_questions  # noqa: E402
from nnlab.marking.sample import report_text  # noqa: E402
from nnlab.marking.store import Course, MarkingStore  # noqa: E402

MATHJAX_STAND_IN = ("window.MathJax = {Hub: {Startup: {signal: {Interest: function (f) { setTimeout(function () "
                    "{ f('End'); }, 0); }}}, Queue: function () {}, Config: function () {}, Configured: function () {}}};")
ITEMS = {ANSWERS[0]: "1", ANSWERS[1]: "2", ANSWERS[2]: "3", ANSWERS[3]: ""}


def kind(text: str) -> str:
    return next(k for k in ITEMS if text.strip().startswith(k))


class Counter:
    def __init__(self) -> None:
        self.keys = self.clicks = self.typed = 0

    def key(self, page, key: str) -> None:
        page.keyboard.press(key)
        self.keys += 1

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def type(self, page, text: str) -> None:
        page.keyboard.type(text)
        self.typed += len(text)

    @property
    def actions(self) -> int:
        return self.keys + self.clicks + self.typed


def store_of(course: Path) -> tuple[MarkingStore, object]:
    store = MarkingStore(Course(course, db_url(course), course_id(course)), ASSIGNMENT)
    question = next(q for q in written_questions(course / "source" / ASSIGNMENT, ASSIGNMENT) if q.grade_id == QUESTION)
    return store, question


def expected(course: Path, answers: dict[str, str]) -> dict[str, tuple[float, str]]:
    """Each student's score and comment: the rubric items their kind of answer earns."""
    store, question = store_of(course)
    rubric = store.question_state(store.read(), question)
    items = {rubric["items"][i]["key"]: rubric["items"][i] for i in rubric["order"]}
    out = {}
    for student, text in answers.items():
        earned = [items[k] for k in ITEMS[kind(text)]]
        out[student] = (float(sum(i["points"] for i in earned)),
                        "\n".join(f"{i['comment']} ({i['points']:+g})" for i in earned))
    return out


def check(course: Path, wanted: dict[str, tuple[float, str]], label: str) -> None:
    store, question = store_of(course)
    found = store.gradebook_marks(question)
    wrong = [s for s, (score, comment) in wanted.items()
             if found[s]["score"] is None or abs(found[s]["score"] - score) > 1e-9 or (found[s]["comment"] or "") != comment]
    print(f"{label}: every mark and comment in the gradebook as intended: {'yes' if not wrong else 'NO ' + str(wrong[:5])}")


def reset(course: Path) -> None:
    store, question = store_of(course)
    with store.course.gradebook() as gb:
        for student in store.students():
            grade = gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, student)
            grade.manual_score, grade.needs_manual_grade = None, True
            gb.find_comment(QUESTION, ASSIGNMENT, ASSIGNMENT, student).manual_comment = None
        gb.db.commit()


def idle(page) -> None:
    page.wait_for_function("() => document.body.dataset.busy === '0'")


def mark_on_the_page(browser, server, answers: dict[str, str]) -> tuple[Counter, float]:
    by_text = {text: student for student, text in answers.items()}
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"/nnlab/marking?token={server.token}")
    page.goto(f"/nnlab/marking/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}")
    idle(page)
    page.wait_for_selector("#answer:not(:empty)")
    count = Counter()
    began = time.monotonic()
    for _ in answers:
        student = by_text[page.locator("#answer").inner_text().strip()]
        for key in ITEMS[kind(answers[student])] or "0":
            count.key(page, key)
        count.key(page, "Enter")
        idle(page)
    seconds = time.monotonic() - began
    context.close()
    return count, seconds


def mark_in_the_formgrader(browser, server, answers: dict[str, str], wanted) -> tuple[Counter, float]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url) else route.abort())
    page = context.new_page()
    # Offline, and under the course's policy, the grading page gets no MathJax, and the formgrader's start-up
    # stops where it first calls MathJax: before it registers its keyboard shortcuts. A stand-in MathJax
    # (run before the page's scripts) gives the formgrader its shortcuts: its best case.
    page.add_init_script(MATHJAX_STAND_IN)
    page.goto(f"/formgrader?token={server.token}")
    page.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    first = page.locator("#main-table a.name-shown").first.get_attribute("href")
    page.goto(first)
    count = Counter()
    began = time.monotonic()
    for n in range(len(answers)):
        page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded "
                               "&& formgrader.comments && formgrader.comments.loaded")
        cell = page.locator(".nbgrader_cell").filter(has=page.locator(f"input#{QUESTION}"))
        text = cell.locator(".text_cell_render").inner_text().strip()
        student = next(s for s, t in answers.items() if t.strip() == text)
        score, comment = wanted[student]
        count.click(cell.locator(f"input#{QUESTION}"))
        count.type(page, f"{score:g}")
        count.click(cell.locator("textarea"))
        if comment:
            count.type(page, comment.replace("\n", " / "))
        if n < len(answers) - 1:
            here = page.url
            count.key(page, "Control+.")             # saves, then the next submission
            # the formgrader may start the same navigation more than once (one per saved model): an
            # aborted one is not the end, the page that loads last is
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.wait_for_url(lambda url, here=here: url != here and "?index=" in url, timeout=5_000)
                    page.wait_for_load_state("load")
                    page.wait_for_function("() => window.formgrader && formgrader.loaded")
                    break
                except PlaywrightError:
                    if time.monotonic() > deadline:
                        sys.exit(f"the formgrader did not go to the next submission from {here}")
        else:
            count.key(page, "Tab")               # leaving the box saves it
            page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle")
    seconds = time.monotonic() - began
    context.close()
    return count, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    options = parser.parse_args()
    from browser_helpers import browser_conftest, marking_server  # tests/marking (it loads tests/browser/conftest.py)
    from playwright.sync_api import sync_playwright

    executable = browser_conftest.chromium_path()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    answers = class_answers(options.students)
    with tempfile.TemporaryDirectory(prefix="nnlab-bench-marking-") as scratch:
        base = Path(scratch)
        course = make_course(base, base / "course", answers)
        wanted = expected(course, answers)
        # the formgrader's comments are typed on one line: compare them so
        flat = {s: (score, comment.replace("\n", " / ")) for s, (score, comment) in wanted.items()}
        with marking_server(course, base / "jupyter") as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=browser_conftest.CHROMIUM_FLAGS, headless=True)
            page_count, page_seconds = mark_on_the_page(browser, server, answers)
            check(course, wanted, "marking page")
            reset(course)
            form_count, form_seconds = mark_in_the_formgrader(browser, server, answers, wanted)
            check(course, flat, "formgrader")
            browser.close()
        n = len(answers)
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {n} answers of "
              f"{ASSIGNMENT}/{QUESTION}, 4 kinds, rubric items of the source notebook")
        print(f"{'':14}{'keys':>6}{'clicks':>8}{'typed':>8}{'actions':>9}{'per answer':>12}{'seconds':>9}{'s/answer':>10}")
        for label, count, seconds in (("marking page", page_count, page_seconds), ("formgrader", form_count, form_seconds)):
            print(f"{label:14}{count.keys:6}{count.clicks:8}{count.typed:8}{count.actions:9}{count.actions / n:12.1f}"
                  f"{seconds:9.1f}{seconds / n:10.2f}")
        without_typing = (form_count.keys + form_count.clicks) / n
        print(f"formgrader without typing the comments (each pasted: one action): "
              f"{without_typing + sum(1 for s in answers if wanted[s][1]) / n:.1f} actions per answer")

        # a moderation sample, second-marked through the store with two deliberate disagreements
        store, question = store_of(course)
        reset(course)
        store.path.unlink(missing_ok=True)
        now = store.gradebook_marks(question)
        for student, text in answers.items():
            store.mark(question, student, [f"i{k}" for k in ITEMS[kind(text)]], 0, "", "Marker A",
                       {"version": 0, "gradebook": now[student]})
        sample = store.draw_sample(question, 25, 5, "Marker A", seed=1)
        for i, student in enumerate(sample):
            first = store.question_state(store.read(), question)["marks"][student]["items"]
            second = first + (["i2"] if i == 0 and "i2" not in first else []) + (["i3"] if i == 1 and "i3" not in first else [])
            adjustment = -0.5 if i == 2 and first else 0
            store.second_mark(question, student, second, adjustment, "", "Marker B", {"version": 0})
        print("\nagreement of a 25% sample (at least 5), margin 0.5:")
        print(report_text(store.agreement(question, 0.5)))


if __name__ == "__main__":
    main()
