"""The instructor's formgrader in a real browser.

A small term is graded on a temporary course (the perceptron assignment; Ada with the right
answers, Cara with typical mistakes), JupyterLab serves it with nbgrader's server extensions, and
headless Chromium goes through the formgrader as the instructor does: the assignment is listed,
the students' scores are shown, the manually graded answer (why one perceptron cannot learn XOR)
is on the submission's grading page, and a grade typed there changes the total, on the page and
in the gradebook. Screenshots of the pages are left in /tmp/nnlab-formgrader-screenshots/.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import Page, expect

from nnlab.demo.mistakes import mistake_sets
from nnlab.demo.term import CLASS, COURSE_ID, Term

ASSIGNMENT = "perceptron"
MANUAL_CELL = "xor_explanation"  # the answer the instructor grades by hand
# Short limits, as in tests/e2e: the term is graded in about a minute.
BY_ID = {s.id: s for s in CLASS}
NAMES = {"ada": "Lovelace, Ada", "cara": "Silva, Cara"}  # as the formgrader writes them
ANSWER_PHRASE = "linearly separable"  # in the demo students' answer (the instructor's model answer)
TIMEOUT_MS = 30_000  # for one page to show what is waited for (the machine may be busy)


@dataclass(frozen=True)
class Points:
    """What the course's source notebook and the demo's documented mistakes say the scores are."""
    cells: dict[str, float]  # every graded cell: its points
    auto: dict[str, float]  # each student's autograded score

    @property
    def total(self) -> float:
        return sum(self.cells.values())

    @property
    def code_total(self) -> float:
        return self.total - self.cells[MANUAL_CELL]


def expected_points(course: Path) -> Points:
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cells = {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"]) for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    code_total = sum(points for cell, points in cells.items() if cell != MANUAL_CELL)
    return Points(cells, {"ada": code_total, "cara": sum(mistake_sets(ASSIGNMENT)[0].expected.values())})


def shown(score: float) -> str:
    """A score as the formgrader's pages write it (rounded to 2 decimals, no trailing zeros)."""
    return f"{round(score, 2):g}"


def gradebook(term: Term) -> Gradebook:
    return Gradebook("sqlite:///" + str(term.course / "gradebook.db"), COURSE_ID)


@pytest.fixture(scope="module")
def term(tmp_path_factory, fast_config) -> Term:
    """The graded course: released, handed in through the exchange, collected, autograded."""
    term = Term(tmp_path_factory.mktemp("formgrader-term"), [ASSIGNMENT], [BY_ID["ada"], BY_ID["cara"]],
                extra_config=fast_config)
    for step in (term.set_up, term.release, term.hand_in, term.collect, term.autograde):
        term.step(step.__name__, step)
    print("term built in", ", ".join(f"{name} {seconds:.0f} s" for name, seconds in term.timings.items()))
    assert term.problems == [], term.problems
    return term


@pytest.fixture(scope="module")
def points(term) -> Points:
    return expected_points(term.course)


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """A fixed folder, so the pictures of the last run are easy to find (and outlive pytest's
    clean-up of old temporary folders)."""
    folder = Path(tempfile.gettempdir()) / "nnlab-formgrader-screenshots"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    print(f"\nformgrader screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def formgrader(browser, term, start_jupyter_lab, tmp_path_factory):
    """JupyterLab serving the graded course (a conftest.JupyterServer)."""
    # `browser` first: without Chromium the module is skipped before the term is graded.
    with start_jupyter_lab(term.course, term.env(), tmp_path_factory.mktemp("jupyter")) as server:
        yield server
    # A request the formgrader failed on (a 500, an uncaught exception) is logged as an error.
    errors = [line for line in server.log.read_text(errors="replace").splitlines() if line.startswith("[E")]
    assert errors == [], f"the server logged errors ({server.log}):\n" + "\n".join(errors)


@pytest.fixture
def page(browser, formgrader, screenshots, request) -> Page:
    """A fresh browser session logged in to the formgrader. Requests that would leave the machine
    are refused and must not break the page; a JavaScript error on any page fails the test, except
    the grading page's call to MathJax, which it asks a CDN for (offline, formulas stay as TeX)."""
    context = browser.new_context(base_url=formgrader.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def local_only(route) -> None:
        if route.request.url.startswith(formgrader.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The token in the address logs in as when the instructor opens the link jupyter prints; the
    # cookie is then valid for every page. (/formgrader sets it for "/"; deeper formgrader pages
    # would set it for their own folder only, and their API calls would be sent to the login page.)
    page.goto(f"/formgrader?token={formgrader.token}")
    expect(page).to_have_url(re.compile(r"/formgrader/manage_assignments"))
    try:
        yield page
    finally:
        try:
            page.screenshot(path=str(screenshots / f"{request.node.name}-last.png"), full_page=True)
        finally:
            context.close()
    assert all("mathjax" in url.lower() for url in outside), f"the formgrader asked outside for {outside}"
    errors = [error for error in errors if "MathJax" not in error]
    assert errors == [], f"JavaScript errors in the formgrader: {errors}"


def submission_row(page: Page, student: str):
    """The student's row on the assignment's "Manage Submissions" page."""
    page.goto(f"/formgrader/manage_submissions/{ASSIGNMENT}")
    return page.locator("#main-table tr").filter(has=page.locator("td.student-id", has_text=re.compile(f"^{student}$")))


def grading_page(page: Page, student: str) -> None:
    """Open the student's notebook in the grading view, by the link on the notebook's gradebook
    page, and wait until the grades are loaded into its inputs."""
    page.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    link = page.locator("#main-table a.name-shown", has_text=NAMES[student])
    expect(link).to_have_count(1)
    page.goto(link.get_attribute("href"))
    page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded")


def saved_grade(page: Page, action) -> dict:
    """Do `action` on the grading page; the grade the formgrader then saved (its PUT's answer)."""
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
        action()
    assert saved.value.ok, f"the formgrader could not save the grade: HTTP {saved.value.status}"
    return saved.value.json()


def test_the_assignment_is_listed(page):
    row = page.locator("#main-table tr").filter(has=page.locator("td.name", has_text=re.compile(f"^{ASSIGNMENT}$")))
    expect(row).to_have_count(1)
    expect(row.locator("td.status")).to_have_text("released")
    expect(row.locator("td.num-submissions")).to_have_text("2")


def test_the_students_scores_are_shown(page, term, points):
    with gradebook(term) as gb:  # the totals as they are now (the manual-grading test may run first)
        totals = {student: gb.find_submission(ASSIGNMENT, student).score for student in NAMES}
    for student, name in NAMES.items():
        row = submission_row(page, student)
        expect(row).to_have_count(1)
        expect(row.locator("td.student-name")).to_have_text(name)
        expect(row.locator("td.score")).to_have_text(f"{shown(totals[student])} / {shown(points.total)}")
    # The autograded part is what the hidden graders gave: full marks for Ada, the documented
    # partial marks for Cara's mistakes.
    page.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    for student, name in NAMES.items():
        row = page.locator("#main-table tr").filter(has=page.locator("a.name-shown", has_text=name))
        expect(row.locator("td.code-score")).to_have_text(f"{shown(points.auto[student])} / {shown(points.code_total)}")


def test_a_manual_grade_updates_the_total(page, term, points, screenshots):
    student, grade = "cara", 2.0
    row = submission_row(page, student)
    expect(row.locator("td.status")).to_have_text("needs manual grading")
    expect(row.locator("td.score")).to_have_text(f"{shown(points.auto[student])} / {shown(points.total)}")

    grading_page(page, student)
    cell = page.locator(".nbgrader_cell").filter(has=page.locator(f"input#{MANUAL_CELL}"))
    expect(cell).to_have_count(1)
    # the student's answer, as handed in, is what the instructor reads and grades
    submitted = nbformat.read(term.course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    written = next(c.source for c in submitted.cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL_CELL)
    assert ANSWER_PHRASE in written and "YOUR ANSWER HERE" not in written
    expect(cell.locator(".text_cell_render")).to_contain_text(ANSWER_PHRASE)
    expect(cell).to_contain_text(f"/ {points.cells[MANUAL_CELL]:.1f}")
    score = cell.locator(f"input#{MANUAL_CELL}")
    expect(score).to_have_value("")  # not graded yet

    def type_grade() -> None:
        score.fill(shown(grade))
        score.press("Tab")  # leaving the field saves it, as for the instructor

    saved = saved_grade(page, type_grade)
    assert (saved["name"], saved["student"], saved["manual_score"]) == (MANUAL_CELL, student, grade)
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "grading-page.png"))

    total = points.auto[student] + grade
    row = submission_row(page, student)
    expect(row.locator("td.score")).to_have_text(f"{shown(total)} / {shown(points.total)}")
    expect(row.locator("td.status")).to_have_text("graded")
    page.screenshot(path=str(screenshots / "manage-submissions.png"), full_page=True)
    with gradebook(term) as gb:
        assert gb.find_grade(MANUAL_CELL, ASSIGNMENT, ASSIGNMENT, student).manual_score == grade
        assert gb.find_submission(ASSIGNMENT, student).score == pytest.approx(total)


def test_full_credit_button_gives_the_cells_points(page, term, points):
    student = "ada"
    grading_page(page, student)
    cell = page.locator(".nbgrader_cell").filter(has=page.locator(f"input#{MANUAL_CELL}"))
    saved = saved_grade(page, cell.locator("button.full-credit").click)
    assert saved["manual_score"] == points.cells[MANUAL_CELL]
    expect(cell.locator(f"input#{MANUAL_CELL}")).to_have_value(shown(points.cells[MANUAL_CELL]))
    row = submission_row(page, student)
    expect(row.locator("td.score")).to_have_text(f"{shown(points.total)} / {shown(points.total)}")
    with gradebook(term) as gb:
        assert gb.find_submission(ASSIGNMENT, student).score == pytest.approx(points.total)
