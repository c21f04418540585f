"""What JupyterLab does with a student's work when the instructor opens it there.

The hostile class of test_injection.py (injection_term.py), served as the instructor serves the
course (the formgrader's CSP on). Headless Chromium opens, in JupyterLab, the students'
notebooks as handed in (submitted/) and as autograded (autograded/), clicks the links and buttons
the students planted, and opens HTML files of the course folder: a page a student handed in beside
the notebook (copied into autograded/) and the feedback nbgrader generated. Every payload, if it
runs in the server's origin, writes pwned-<vector>.txt into the course folder.

- A notebook nobody signed is untrusted: JupyterLab sanitizes its markdown and HTML outputs and
  runs none of its JavaScript outputs; autograding signs none.
- An HTML file opens in JupyterLab's HTML viewer, an iframe sandboxed without scripts. Its
  "Trust HTML" button adds allow-scripts to allow-same-origin: the page then runs in the server's
  origin with the instructor's session (test_trusting_a_students_html_runs_it_as_the_instructor
  keeps that known: nothing on the course side closes it, the README has to say "never trust").
- /files/ serves a file with `Content-Security-Policy: sandbox allow-scripts`: a script there runs
  in an opaque origin and reaches nothing of the instructor's.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from injection_pages import click_planted_controls, served_copy, set_csp
from injection_term import GROUPS
from nbformat.sign import NotebookNotary
from playwright.sync_api import Page
from vectors import ASSIGNMENT, LEGIT_TABLE_TEXT

SETTLE_MS = 2_000  # for a payload's requests to land
OPEN_MS = 60_000  # JupyterLab's first load on a busy machine


def student_of(vector: str) -> str:
    return next(sid for sid, vectors in GROUPS.items() if any(v.name == vector for v in vectors))


@pytest.fixture(scope="module")
def lab(browser, hostile_term, start_jupyter_lab, tmp_path_factory):
    """(server, course folder): a copy of the hostile term, so what a payload writes is its own."""
    where = tmp_path_factory.mktemp("lab")
    course = served_copy(hostile_term.course, where, raw=False)
    set_csp(where / "jupyter", True)
    render_every_cell(where / "jupyter")
    with start_jupyter_lab(course, hostile_term.env(), where / "jupyter") as server:
        yield server, course, where / "jupyter"


def render_every_cell(jupyter_dir: Path) -> None:
    """JupyterLab renders only the cells in view by default, and drops those scrolled past: with
    every cell in the page at once, every payload gets its chance and every link can be found."""
    settings = jupyter_dir / "config" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))


def pwned(course: Path) -> list[str]:
    return sorted(p.name for p in course.glob("pwned-*.txt"))


@pytest.fixture
def page(browser, lab) -> Page:
    server, course, _ = lab
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(OPEN_MS)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url)
                  or route.request.url.startswith(("blob:", "data:")) else route.abort())
    page = context.new_page()
    page.goto(f"/lab?token={server.token}")
    page.wait_for_selector("#jp-main-dock-panel")
    try:
        yield page
    finally:
        context.close()


def open_in_lab(page: Page, path: str) -> None:
    """What a double click in the file browser does: the file in its default viewer."""
    page.goto(f"/lab/tree/{path}?reset")
    page.wait_for_selector("#jp-main-dock-panel")


def read_whole_notebook(page: Page) -> None:
    """Wait until the notebook's cells are there, then scroll through every one (JupyterLab
    renders cells as they come into view)."""
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    page.wait_for_timeout(1_000)
    for _ in range(60):
        at_end = page.evaluate("""() => { const n = document.querySelector('.jp-WindowedPanel-outer');
            if (!n) return true; n.scrollTop += n.clientHeight; return n.scrollTop + n.clientHeight >= n.scrollHeight - 2; }""")
        page.wait_for_timeout(100)
        if at_end:
            break
    page.wait_for_timeout(500)


@pytest.mark.parametrize("folder", ["submitted", "autograded"])
@pytest.mark.parametrize("student", ["mallory", "trudy", "walter"])
def test_a_hostile_notebook_opened_in_lab_runs_nothing(page, lab, folder, student):
    _, course, _ = lab
    open_in_lab(page, f"{folder}/{student}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    read_whole_notebook(page)
    # it is the student's notebook, rendered: their plain table shows
    tables = page.locator(".jp-Notebook table", has_text=LEGIT_TABLE_TEXT)
    assert tables.count() >= 1, "JupyterLab did not render the student's notebook"
    click_planted_controls(page, ".jp-Notebook")  # what the sanitizer would have had to remove
    page.wait_for_timeout(SETTLE_MS)
    assert pwned(course) == [], f"{folder}/{student}'s notebook ran script in JupyterLab"


@pytest.mark.parametrize("vector", ["file-link", "link-reflected-student-id"])
def test_a_link_in_a_notebook_leads_to_nothing_that_runs(page, lab, vector):
    """A link to the student's own page opens it in the HTML viewer; a link to a formgrader page
    that reflects its address into a script opens a new tab, where the formgrader's CSP stops it."""
    _, course, _ = lab
    student = student_of(vector)
    open_in_lab(page, f"submitted/{student}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    read_whole_notebook(page)
    link = page.locator(".jp-Notebook .jp-RenderedMarkdown a", has_text=re.compile("derivation|my grades"))
    assert link.count() == 1, "the student's link is not in the rendered notebook"
    with page.context.expect_page(timeout=5_000) if vector != "file-link" else _nothing() as opened:
        link.click()
    if vector != "file-link":
        opened.value.wait_for_load_state("load")
    page.wait_for_timeout(SETTLE_MS)
    assert pwned(course) == [], f"{vector}: the link ran script as the instructor"


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def html_viewer_frame(page: Page):
    page.wait_for_selector(".jp-HTMLViewer iframe")
    return page.locator(".jp-HTMLViewer iframe").first


def test_a_students_html_page_opened_in_lab_is_sandboxed(page, lab):
    _, course, _ = lab
    student = student_of("file-link")
    open_in_lab(page, f"autograded/{student}/{ASSIGNMENT}/derivation.html")
    frame = html_viewer_frame(page)
    assert "allow-scripts" not in (frame.get_attribute("sandbox") or "")
    page.wait_for_timeout(SETTLE_MS)
    assert pwned(course) == []


def test_a_students_html_page_served_from_files_runs_in_an_opaque_origin(page, lab):
    """"Open in New Browser Tab": /files/ sends `sandbox allow-scripts`, the script runs but is
    nobody: no cookie, no session."""
    _, course, _ = lab
    student = student_of("file-link")
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    # from JupyterLab's page, as its menu opens it (jupyter_server refuses /files/ to a request with no referer)
    server, _, _ = lab
    response = page.goto(f"/files/autograded/{student}/{ASSIGNMENT}/derivation.html", referer=f"{server.url}/lab")
    assert "sandbox" in response.headers.get("content-security-policy", "")
    page.wait_for_timeout(SETTLE_MS)
    assert any("NNLAB-PWNED file-link" in m for m in messages), "the page's script did not even start"
    assert pwned(course) == [], "a script of a page under /files/ wrote a file as the instructor"


def test_trusted_feedback_runs_nothing(page, lab):
    """Feedback is made from the sanitized autograded notebook: even "Trust HTML" runs nothing."""
    _, course, _ = lab
    for student in ("mallory", "trudy", "walter"):
        open_in_lab(page, f"feedback/{student}/{ASSIGNMENT}/{ASSIGNMENT}.html")
        html_viewer_frame(page)
        page.get_by_role("button", name=re.compile("Trust HTML")).first.click()
        page.wait_for_timeout(SETTLE_MS)
        assert pwned(course) == [], f"{student}'s feedback ran script once trusted"


def test_trusting_a_students_html_runs_it_as_the_instructor(page, lab):
    """The known hazard: "Trust HTML" on a page a student wrote gives it the instructor's session
    (JupyterLab's viewer then sandboxes with allow-scripts AND allow-same-origin). If this starts
    failing, JupyterLab changed and the README's warning can go."""
    _, course, _ = lab
    student = student_of("file-link")
    open_in_lab(page, f"autograded/{student}/{ASSIGNMENT}/derivation.html")
    html_viewer_frame(page)
    page.get_by_role("button", name=re.compile("Trust HTML")).first.click()
    page.wait_for_timeout(SETTLE_MS)
    written = pwned(course)
    for name in written:
        (course / name).unlink()  # the other tests of this module read the folder
    assert written == ["pwned-file-link.txt"]


def test_autograding_signs_no_notebook(lab):
    """An autograded notebook is not trusted by the instructor's Jupyter: nothing in it runs when
    opened (the notary of the server's own data folder)."""
    _, course, jupyter = lab
    notary = NotebookNotary(data_dir=str(jupyter / "data"))
    notebooks = [*sorted(course.glob(f"autograded/*/{ASSIGNMENT}/*.ipynb")),
                 *sorted(course.glob(f"submitted/*/{ASSIGNMENT}/*.ipynb"))]
    assert notebooks
    signed = [str(p.relative_to(course)) for p in notebooks if notary.check_signature(nbformat.read(p, as_version=4))]
    assert signed == []
