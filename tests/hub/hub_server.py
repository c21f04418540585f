"""A real JupyterHub on loopback for tests/hub: local Unix users (PAM, with passwords), each server
started as its user by the LocalProcessSpawner, with hub/jupyterhub_config.py as a deployment uses it."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shared_course import STUDENT_CONFIG, SharedCourse
from unix_users import VENV_BIN, open_namespace, stop

HUB_CONFIG = STUDENT_CONFIG.parent / "jupyterhub_config.py"
START_TIMEOUT = 120.0   # seconds; the Hub and its proxy answer in a few on an idle machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proxy_command() -> str | None:
    """npm's configurable-http-proxy as `make` installs it (linked into the environment's bin)."""
    return shutil.which("configurable-http-proxy", path=os.pathsep.join([VENV_BIN, os.environ.get("PATH", "")]))


@dataclass
class Hub:
    url: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def stop(self) -> None:
        """The Hub stops the users' servers, its service and its proxy first."""
        stop(self.process, timeout=60)


def start_hub(shared: SharedCourse, instructors: list[str], students: list[str], serve: bool = True) -> Hub:
    """JupyterHub as root (it starts servers as the users) with hub/jupyterhub_config.py, serving
    `shared`'s course and exchange on 127.0.0.1, with `nnlab serve` as its managed service (`serve`);
    its database and cookie secret in a folder of its own."""
    workdir = shared.base / "jupyterhub"
    workdir.mkdir(mode=0o700)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    env = {**os.environ, "PATH": os.pathsep.join([VENV_BIN, os.environ.get("PATH", "")]),
           "NNLAB_COURSE": str(shared.course), "NNLAB_EXCHANGE": str(shared.exchange),
           "NNLAB_HUB_INSTRUCTORS": " ".join(instructors), "NNLAB_HUB_STUDENTS": " ".join(students),
           "NNLAB_SERVE": "1" if serve else ""}
    for name in [k for k in env if k.startswith("JUPYTER")]:
        del env[name]   # the test runner's own Jupyter folders are no user's
    command = open_namespace([str(Path(VENV_BIN) / "jupyterhub"), "-f", str(HUB_CONFIG), "--ip=127.0.0.1",
                              f"--port={port}", f"--JupyterHub.hub_port={hub_port}",
                              f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}"])
    log = workdir / "jupyterhub.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", log, process)
    shared.served = serve
    deadline = time.monotonic() + START_TIMEOUT
    while hub.status("/hub/health") != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            hub.stop()
            raise RuntimeError(f"JupyterHub did not answer within {START_TIMEOUT:.0f} s; its log:\n{hub.log_tail()}")
        time.sleep(0.5)
    return hub
