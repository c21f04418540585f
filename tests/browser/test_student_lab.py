"""A student's JupyterLab shows the student's tools only: with the student-side Jupyter configuration
(student/jupyter/, on JUPYTER_CONFIG_PATH as a JupyterHub puts it) a student's JupyterLab has the
Assignments panel and the Validate button, and neither the formgrader nor Create Assignment. The same
JupyterLab without that configuration shows both (so the test would see them if they were there)."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from nnlab.course import PROJECT_ROOT

STUDENT_CONFIG = PROJECT_ROOT / "student" / "jupyter"
ASSIGNMENT = "perceptron"
OPEN_MS = 60_000  # JupyterLab's first load on a busy machine


@contextmanager
def student_lab(browser_fixtures, home: Path, workdir: Path, student_config: bool):
    """`jupyter lab` in the student's home, as a JupyterHub's single-user server runs it: the student
    configuration on JUPYTER_CONFIG_PATH (or not), fresh user config, data and runtime folders."""
    for name in ("config", "data", "runtime"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
               JUPYTER_CONFIG_DIR=str(workdir / "config"), JUPYTER_DATA_DIR=str(workdir / "data"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"))
    env.pop("JUPYTER_CONFIG_PATH", None)
    if student_config:
        env["JUPYTER_CONFIG_PATH"] = str(STUDENT_CONFIG)
    token, port = secrets.token_hex(16), browser_fixtures.free_port()
    command = [str(Path(bin_dir) / "jupyter"), "lab", "--no-browser", f"--port={port}",
               f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
               f"--Exchange.root={workdir / 'exchange'}", "--CourseDirectory.course_id=nnlab"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = workdir / "jupyter-lab.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = browser_fixtures.JupyterServer(f"http://127.0.0.1:{port}", token, log, process)
    try:
        deadline = time.monotonic() + 90
        while server.get("/api/status") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start; its log:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        server.stop()


def student_home(where: Path) -> Path:
    """A student's folder with the fetched perceptron (the release's notebook)."""
    home = where / "home"
    (home / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", home / ASSIGNMENT)
    return home


def what_lab_shows(browser, server) -> dict[str, bool]:
    """Open the student's notebook in JupyterLab, look at the Nbgrader menu and the side panels."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(OPEN_MS)
    try:
        page.goto(f"/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?token={server.token}")
        page.locator(".jp-Notebook").first.wait_for()
        page.locator(".jp-NotebookPanel-toolbar").first.wait_for()
        page.wait_for_timeout(2_000)   # every plugin's toolbar button and panel in place
        found = {
            "validate": page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).count() > 0,
            "create assignment": page.locator(".lm-TabBar-tab[title*='Create Assignment'], "
                                              "#jp-right-stack .lm-TabBar-tab").filter(
                has_text="Create Assignment").count() > 0
            or page.get_by_title("Create Assignment").count() > 0,
        }
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        menu = page.locator(".lm-Menu-content").last
        menu.wait_for()
        items = [text.strip() for text in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
        found["formgrader menu"] = any(text.startswith("Formgrader") for text in items)
        found["course list menu"] = "Course List" in items
        found["assignments"] = False
        if "Assignment List" in items:
            menu.get_by_text("Assignment List", exact=True).click()
            page.locator(".lm-TabBar-tab", has_text="Assignments").first.wait_for()
            found["assignments"] = page.locator(".lm-TabBar-tab", has_text="Assignments").count() > 0
        else:
            page.keyboard.press("Escape")
        found["formgrader api"] = server.get("/formgrader/api/status") == 200
        return found
    finally:
        context.close()


@pytest.fixture(scope="module")
def labs(browser, lab_parts, tmp_path_factory) -> dict[str, dict[str, bool]]:
    """What a student's JupyterLab shows, with the student configuration and without it."""
    browser_fixtures = lab_parts
    where = tmp_path_factory.mktemp("student-lab")
    home = student_home(where)
    shown = {}
    for name, student_config in (("student", True), ("default", False)):
        with student_lab(browser_fixtures, home, where / name, student_config) as server:
            shown[name] = what_lab_shows(browser, server)
    return shown


def test_the_students_lab_has_the_assignments_panel_and_validate(labs):
    shown = labs["student"]
    assert shown["assignments"] and shown["validate"], shown


def test_the_students_lab_has_no_formgrader_no_create_assignment_and_no_course_list(labs):
    shown = labs["student"]
    assert not shown["formgrader menu"] and not shown["formgrader api"], shown
    assert not shown["create assignment"] and not shown["course list menu"], shown


def test_without_the_student_configuration_the_instructors_tools_show(labs):
    shown = labs["default"]
    assert shown["formgrader menu"] and shown["create assignment"] and shown["formgrader api"], shown
    assert shown["assignments"] and shown["validate"], shown


def test_the_configuration_switches_off_exactly_the_instructors_extensions():
    import json

    server = json.loads((STUDENT_CONFIG / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {
        "nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False,
        "nbgrader.server_extensions.assignment_list": True, "nbgrader.server_extensions.validate_assignment": True}
    page = json.loads((STUDENT_CONFIG / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"@jupyter/nbgrader:formgrader": True,
                                          "@jupyter/nbgrader:create-assignment": True,
                                          "@jupyter/nbgrader:course-list": True}
