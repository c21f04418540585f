"""A marking server for one test: a course with the class's answers, JupyterLab serving it with
nbgrader's extensions, nnlab.formgrader_csp and nnlab.marking, and a logged-in browser page."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from marking_course import ASSIGNMENT, QUESTION
from playwright.sync_api import Page, expect

BROWSER_TESTS = Path(__file__).resolve().parent.parent / "browser"


def _browser_conftest():
    """tests/browser/conftest.py under a name of its own (the suite's conftest modules share the name
    `conftest`, so it cannot be imported by that name from here)."""
    name = "nnlab_tests_browser_conftest"
    if name in sys.modules:
        return sys.modules[name]
    if str(BROWSER_TESTS) not in sys.path:
        sys.path.insert(0, str(BROWSER_TESTS))   # it imports its neighbours (injection_term)
    spec = importlib.util.spec_from_file_location(name, BROWSER_TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


browser_conftest = _browser_conftest()

TIMEOUT_MS = 30_000
EXTENSIONS = {"nnlab.marking": True, "nnlab.formgrader_csp": True}


@contextmanager
def marking_server(course: Path, workdir: Path):
    """JupyterLab from the course folder with the marking extension on (in the server's own config
    folder, so the test does not depend on what `make` wrote into the environment)."""
    config = workdir / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": EXTENSIONS}}))
    with browser_conftest.jupyter_lab(course, {"NNLAB_EXCHANGE": str(workdir / "exchange")}, workdir) as server:
        yield server
    errors = [line for line in server.log.read_text(errors="replace").splitlines() if line.startswith("[E")]
    assert errors == [], f"the server logged errors ({server.log}):\n" + "\n".join(errors)


def question_path(mode: str = "first") -> str:
    return f"/nnlab/marking/{ASSIGNMENT}/{ASSIGNMENT}/{QUESTION}" + ("?mode=second" if mode == "second" else "")


@contextmanager
def marking_page(browser, server, mode: str = "first", marker: str = "Marker A"):
    """A browser session on the question's marking page, logged in with the server's token; any
    JavaScript error or request leaving the machine fails the test."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    outside, errors, console = [], [], []

    def local_only(route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"/nnlab/marking?token={server.token}")
    page.evaluate("name => localStorage.setItem('nnlab-marker', name)", marker)
    page.goto(question_path(mode))
    wait_loaded(page)
    page.console = console
    try:
        yield page
    finally:
        context.close()
    assert outside == [], f"the marking page asked outside for {outside}"
    assert errors == [], f"JavaScript errors on the marking page: {errors}"


def wait_loaded(page: Page) -> None:
    idle(page)
    expect(page.locator("#progress")).to_have_text(re.compile(r"\d+ of \d+ marked"))


def idle(page: Page) -> None:
    """Until the page's queued actions (saves, moves, loads) are all done."""
    page.wait_for_function("() => document.body.dataset.busy === '0'")
