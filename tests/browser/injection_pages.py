"""The instructor's side of the injection tests: serve a graded course, open every hostile
submission as the instructor would, and say which vectors ran in the server's origin."""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from vectors import ASSIGNMENT, ATTACKER_HOST, LEGIT_TABLE_TEXT, pwned_file

COURSE_ID = "nnlab"
SETTLE_SECONDS = 1.5  # for a payload's requests to land after its page loaded
CSP_EXTENSION = "nnlab.formgrader_csp"


def gradebook_url(course: Path) -> str:
    return "sqlite:///" + str(course / "gradebook.db")


def grades(course: Path) -> dict:
    """Every grade of the assignment: (student, cell) -> (auto, manual, extra credit)."""
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        return {(s.student.id, g.name): (g.auto_score, g.manual_score, g.extra_credit)
                for s in gb.assignment_submissions(ASSIGNMENT) for nb in s.notebooks for g in nb.grades}


def submission_ids(course: Path) -> dict[str, str]:
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        return {nb.student.id: nb.id for nb in gb.notebook_submissions(ASSIGNMENT, ASSIGNMENT)}


def served_copy(course: Path, dest: Path, raw: bool) -> Path:
    """A copy of the graded course to serve. `raw`: each autograded notebook replaced by the one
    the student handed in, outputs and all, as if nothing in the pipeline had touched it."""
    copy = dest / "course"
    shutil.copytree(course, copy, symlinks=True)
    if raw:
        for handed_in in (copy / "submitted").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"):
            student = handed_in.parent.parent.name
            served = copy / "autograded" / student / ASSIGNMENT
            served.mkdir(parents=True, exist_ok=True)  # nbgrader left none where it refused the notebook
            shutil.copy2(handed_in, served / handed_in.name)
    return copy


def set_csp(jupyter_dir: Path, enabled: bool) -> None:
    """nnlab.formgrader_csp on or off for the test's server, whatever the environment enables
    (`jupyter server extension enable --sys-prefix` writes jupyter_server_config.d/, which a
    server reads only for extensions its own config files do not name; conftest.jupyter_lab points
    JUPYTER_CONFIG_DIR at jupyter_dir/config)."""
    folder = jupyter_dir / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {CSP_EXTENSION: enabled}}}))


@dataclass
class Visit:
    """What opening the course's pages left behind."""
    ran: set[str]  # vectors whose file the payload wrote
    grades_changed: dict
    leaked: list[str]  # requests to the attacker's host
    missing_legit: dict[str, list[str]]  # student -> what of their figure and table did not show
    console: list[str] = field(default_factory=list)
    csp_headers: dict[str, str] = field(default_factory=dict)


def click_planted_controls(page, area: str) -> None:
    """Every javascript: link and form a student planted inside `area` (a CSS selector), clicked."""
    page.evaluate("""(selector) => {
        const area = document.querySelector(selector) || document.body;
        for (const a of area.querySelectorAll('a[href]')) {
            if (a.protocol === 'javascript:') { try { a.click(); } catch (e) {} }
        }
        for (const f of area.querySelectorAll('form')) {
            const b = f.querySelector('button, input[type=submit]');
            try { if (b) b.click(); else f.submit(); } catch (e) {}
        }
    }""", area)


def click_hostile_controls(page) -> None:
    """What a curious instructor clicks: every javascript: link and form in the notebook, then a
    link into the student's own folder (it takes the page away, so it comes last)."""
    click_planted_controls(page, "#notebook-container")
    page.wait_for_timeout(300)
    # a link of the student's to a page of this server: one of their files, or a formgrader page
    index = page.evaluate("""() => [...document.querySelectorAll('#notebook-container a[href]')].findIndex(
        a => a.origin === location.origin && a.pathname !== location.pathname
             && (a.pathname.endsWith('.html') || a.pathname.startsWith('/formgrader/')))""")
    if index >= 0:
        try:
            with page.expect_navigation(timeout=5000):
                page.locator("#notebook-container a[href]").nth(index).click(timeout=2000)
            page.wait_for_load_state("load")
        except Exception:  # a sanitized link may be inert: nothing to follow
            pass


def legit_missing(page) -> list[str]:
    """The student's figure and plain table must still be on the grading page."""
    missing = []
    figures = page.evaluate("""() => [...document.querySelectorAll('#notebook-container img')]
        .filter(i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0).length""")
    if figures < 1:
        missing.append("the matplotlib figure (a PNG output)")
    tables = page.locator("#notebook-container table", has_text=LEGIT_TABLE_TEXT)
    if tables.count() < 1 or page.locator("#notebook-container td", has_text="0.25").count() < 1:
        missing.append("the plain HTML table")
    return missing


def open_everything(browser, server, course: Path, students: list[str], before: dict,
                    check_legit: set[str]) -> Visit:
    """Log in as the instructor, open the formgrader's pages that show the class and every
    student's submission page (clicking what the instructor might click), then read the disk."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    leaked: list[str] = []
    console: list[str] = []
    csp: dict[str, str] = {}

    def local_only(route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            if ATTACKER_HOST in route.request.url:
                leaked.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)

    def new_page():
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text) if "NNLAB-PWNED" in m.text else None)
        page.on("response", lambda r: csp.setdefault(r.url.replace(server.url, ""),
                                                     r.headers.get("content-security-policy", "")))
        return page

    missing: dict[str, list[str]] = {}
    try:
        page = new_page()
        page.goto(f"/formgrader?token={server.token}")
        for listing in (f"/formgrader/manage_submissions/{ASSIGNMENT}", f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}",
                        "/formgrader/manage_students", f"/formgrader/manage_students/{students[0]}/{ASSIGNMENT}"):
            page.goto(listing)
            page.wait_for_load_state("networkidle")
        page.close()
        ids = submission_ids(course)
        for student in students:
            page = new_page()  # a page of its own: a student's page may still be taking itself elsewhere
            page.goto(f"/formgrader/submissions/{ids[student]}/")
            if student in check_legit:
                missing[student] = legit_missing(page)
            page.wait_for_timeout(200)
            click_hostile_controls(page)
            page.wait_for_timeout(int(SETTLE_SECONDS * 1000))
            page.close()
    finally:
        context.close()
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:  # a write still on its way
        time.sleep(0.2)
    ran = {p.name[len("pwned-"):-len(".txt")] for p in course.glob("pwned-*.txt")}
    after = grades(course)
    changed = {key: (before[key], after.get(key)) for key in before if after.get(key) != before[key]}
    return Visit(ran, changed, leaked, {s: m for s, m in missing.items() if m}, console, csp)


def report(visit: Visit, vectors) -> str:
    where = {v.name: v.where for v in vectors}
    lines = [f"  {name} ({where.get(name, '?')}): wrote {pwned_file(name)}" for name in sorted(visit.ran)]
    if visit.grades_changed:
        lines.append(f"  grades changed: {visit.grades_changed}")
    if visit.leaked:
        lines.append(f"  requests to the attacker: {visit.leaked}")
    for student, missing in visit.missing_legit.items():
        lines.append(f"  {student}'s page no longer shows {', '.join(missing)}")
    return "\n".join(lines)
