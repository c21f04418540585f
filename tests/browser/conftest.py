"""Browser fixtures: JupyterLab with nbgrader's server extensions serving a course folder, and
Debian's Chromium driven by Playwright (never a browser build of Playwright's own)."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from injection_term import hostile_term  # noqa: F401  (the hostile term, built once for test_injection and test_open_in_lab)

# Headless, and nothing in the background that would reach outside this machine. Playwright
# gives every launch a fresh profile (--user-data-dir) of its own and adds --headless itself.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 90.0  # seconds; JupyterLab starts in under 10 on an idle machine


def chromium_path() -> str | None:
    """Debian's Chromium (`apt-get install chromium`; .ci/run installs it), or $NNLAB_CHROMIUM."""
    return os.environ.get("NNLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class JupyterServer:
    """A running `jupyter lab` on 127.0.0.1, reachable with its token."""
    url: str
    token: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str) -> int:
        """HTTP status of an authenticated GET (0 while nothing listens yet)."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def wait_until_ready(self, timeout: float) -> None:
        """Until the formgrader's own API answers: the server is up and nbgrader's extension loaded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode} before it served "
                                   f"the formgrader; its log ({self.log}):\n{self.log_tail()}")
            if self.get("/formgrader/api/status") == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not serve /formgrader/api/status within {timeout:.0f} s; "
                           f"its log ({self.log}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group (kernels included), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass


@contextmanager
def jupyter_lab(course: Path, env: dict[str, str], workdir: Path) -> Iterator[JupyterServer]:
    """JupyterLab started from the course folder, as the instructor starts it; stopped on exit,
    whatever happens. Jupyter's user config, data and runtime folders are fresh ones under
    `workdir`, so the machine's own Jupyter settings neither change the test nor are changed."""
    for name in ("config", "data", "runtime"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `jupyter` and `alembic` by name
    full_env = dict(os.environ, **env,
                    PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
                    JUPYTER_CONFIG_DIR=str(workdir / "config"), JUPYTER_DATA_DIR=str(workdir / "data"),
                    JUPYTER_RUNTIME_DIR=str(workdir / "runtime"))
    token, port = secrets.token_hex(16), free_port()
    command = [str(Path(bin_dir) / "jupyter"), "lab", "--no-browser", f"--port={port}",
               f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = workdir / "jupyter-lab.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=course, env=full_env, stdin=subprocess.DEVNULL,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, log, process)
    try:
        server.wait_until_ready(SERVER_START_TIMEOUT)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the module; closed at the end, whatever happens."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (on Debian: apt-get install chromium); "
                    "the browser tests drive the system's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab_parts() -> SimpleNamespace:
    """`free_port` and `JupyterServer`, for a test that starts a lab of its own (the conftest modules
    of the suite share one module name, so this one cannot be imported by name)."""
    return SimpleNamespace(free_port=free_port, JupyterServer=JupyterServer)


@pytest.fixture(scope="session")
def start_jupyter_lab():
    """`with start_jupyter_lab(course, env, workdir) as server:` (see jupyter_lab). A fixture, so
    test modules need not import this conftest (several conftest modules share that name)."""
    return jupyter_lab
