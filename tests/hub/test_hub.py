"""The course on a real JupyterHub, in a real browser: local Unix users log in with their passwords
(PAM), and each one's JupyterLab runs as that user (LocalProcessSpawner), configured by
hub/jupyterhub_config.py.

`nnlab serve` runs as the Hub's managed service, as the instructor. Ada logs in, fetches the
assignment in the Assignments panel, answers (her notebook saved through her server, as JupyterLab
saves it), submits, and once the service has graded her hand-in and released its feedback fetches
it with *Fetch Feedback* and reads her points. Ben hands in an unanswered notebook from the command line:
his feedback, released at the same time, is not what Ada sees, and her session cannot open his
server. The instructor logs in and the formgrader lists the assignment, with both hand-ins, behind
the Hub, in a tab of its own: JupyterHub 4.1 and later forbid framing a user's pages
(`frame-ancestors 'none'`), which left nbgrader's formgrader panel in JupyterLab blank (nbgrader
#1870; README, "On a shared JupyterHub")."""
from __future__ import annotations

import json
import re

import nbformat
import pytest
from hub_server import proxy_command, start_hub
from shared_course import COURSE_ID, SCORE, A, shared_course
from unix_users import CAN_MAKE_USERS, WHY_NOT

from nnlab.demo.submissions import autograded_points, correct, course_notebook

pytestmark = [pytest.mark.skipif(not CAN_MAKE_USERS, reason=WHY_NOT),
              pytest.mark.skipif(proxy_command() is None,
                                 reason="configurable-http-proxy (JupyterHub's proxy, from npm) is not installed: "
                                        "`make` installs it where npm is")]
PASSWORD = "a-long-passphrase-for-the-test"   # noqa: S105  (the test users' own, removed afterwards)
LAB_MS = 180_000    # a first server start: JupyterLab and nbgrader's extensions on a busy machine
STEP_MS = 120_000   # one exchange operation in the panel


def log_in(browser, hub, user):
    """A browser context of its own with `user` logged in to the Hub and their JupyterLab open."""
    context = browser.new_context(base_url=hub.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LAB_MS)
    page.goto("/hub/login")
    page.fill("#username_input", user.name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user.name}/lab"))
    page.locator(".jp-LabShell").wait_for()
    return context, page


def open_assignments(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-content").last.get_by_text("Assignment List", exact=True).click()


def save_notebook(page, user, path: str, notebook: dict) -> int:
    """The notebook saved through the user's server, with their session, as JupyterLab saves it."""
    return page.evaluate("""async ([url, notebook]) => {
        const xsrf = decodeURIComponent((document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "");
        const response = await fetch(url, {method: "PUT", headers: {"X-XSRFToken": xsrf,
            "Content-Type": "application/json"}, body: JSON.stringify({type: "notebook", format: "json",
            content: notebook})});
        return response.status; }""", [f"/user/{user.name}/api/contents/{path}", notebook])


@pytest.fixture(scope="module")
def term(browser, fast_config):
    with shared_course("ada", "ben", password=PASSWORD, extra_config=fast_config) as shared:
        names = {role: user.name for role, user in shared.students.items()}
        hub = start_hub(shared, [shared.instructor.name], list(names.values()))
        try:
            yield shared, hub, browser
        finally:
            hub.stop()


@pytest.fixture(scope="module")
def adas_term(term):
    """What Ada's JupyterLab showed at each step, and her feedback page."""
    shared, hub, browser = term
    ada = shared.students["ada"]
    shown = {}
    context, page = log_in(browser, hub, ada)
    try:
        page.set_default_timeout(STEP_MS)
        open_assignments(page)
        released = page.locator("#released_assignments_list .list_item", has_text=A)
        released.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=A).first
        fetched.get_by_role("button", name="Submit").wait_for()
        right = correct(course_notebook(A, "release"), course_notebook(A, "source"))
        shown["saved"] = save_notebook(page, ada, f"{COURSE_ID}/{A}/{A}.ipynb", json.loads(nbformat.writes(right)))
        fetched.get_by_role("button", name="Submit").click()
        submitted = page.locator("#submitted_assignments_list .list_item", has_text=A).first
        submitted.get_by_role("button", name="Fetch Feedback").wait_for()
        shared.as_student("ben", "nbgrader", "fetch_assignment", A)
        shared.as_student("ben", "nbgrader", "submit", A)

        shared.release_feedback_for("ada")

        submitted.get_by_role("button", name="Fetch Feedback").click()
        view = page.locator("#submitted_assignments_list").get_by_text("(view feedback)").first
        view.wait_for()
        view.click()
        page.locator(".jp-DirListing-itemText", has_text=f"{A}.html").first.wait_for()
        listing = page.request.get(f"/user/{ada.name}/api/contents/{COURSE_ID}/{A}/feedback").json()
        pages = [item["path"] + f"/{A}.html" for item in listing["content"] if item["type"] == "directory"]
        shown["feedback"] = [page.request.get(f"/user/{ada.name}/files/{p}").text() for p in pages]
        shown["bens server"] = page.request.get(f"/user/{shared.students['ben'].name}/api/contents",
                                                max_redirects=0).status
    finally:
        context.close()
    shared.release_feedback_for("ben")
    shared.as_student("ben", "nbgrader", "fetch_feedback", A)
    shown["bens feedback"] = [p.read_text() for p in (shared.work("ben") / "feedback").glob(f"*/{A}.html")]
    return shown


def test_the_student_fetches_submits_and_reads_her_points_in_the_assignments_panel(adas_term):
    assert adas_term["saved"] == 200
    total = sum(autograded_points(course_notebook(A)).values())
    assert len(adas_term["feedback"]) == 1, adas_term["feedback"]
    assert float(SCORE.search(adas_term["feedback"][0])["score"]) == total


def test_another_students_feedback_is_his_and_her_session_cannot_open_his_server(adas_term):
    assert [float(SCORE.search(page)["score"]) for page in adas_term["bens feedback"]] == [0.0]
    assert adas_term["bens server"] in (302, 403, 404, 503), adas_term["bens server"]


@pytest.fixture(scope="module")
def instructors_view(term, adas_term):
    """The formgrader's list of assignments as the instructor sees it after the hand-ins were graded,
    and the Content-Security-Policy of the instructor's JupyterLab."""
    shared, hub, browser = term
    name = shared.instructor.name
    context, page = log_in(browser, hub, shared.instructor)
    try:
        lab_policy = page.request.get(f"/user/{name}/lab").headers.get("content-security-policy", "")
        page.goto(f"/user/{name}/formgrader/manage_assignments")
        row = page.locator("tr", has=page.locator(".name", has_text=A)).first
        row.locator(".num-submissions", has_text="2").wait_for()
        return {"status": row.locator(".status").inner_text().strip(),
                "submissions": row.locator(".num-submissions").inner_text().strip(),
                "names": [n.strip() for n in page.locator("tr .name").all_inner_texts()],
                "lab policy": lab_policy}
    finally:
        context.close()


def test_the_formgrader_lists_the_assignment_and_its_hand_ins_behind_the_hub(instructors_view):
    assert instructors_view["status"] == "released" and instructors_view["submissions"] == "2", instructors_view
    assert A in instructors_view["names"], instructors_view


def test_the_instructors_lab_keeps_the_hubs_policy_against_framing(instructors_view):
    assert "frame-ancestors 'none'" in instructors_view["lab policy"], instructors_view
