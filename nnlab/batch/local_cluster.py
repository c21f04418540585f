"""A Dask scheduler and workers as separate processes on this machine, as on a cluster.

`nnlab grade --scheduler` talks to it as to any cluster: the benchmark (bench/grade_class.py
--scheduler) and the tests use it, and an instructor can try cluster grading with it before
asking for an allocation. Each worker is its own `dask worker` process (one notebook at a time),
so one can be killed on its own.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 60


class LocalCluster:
    """`python -m dask scheduler` and `python -m dask worker` processes; logs and the scheduler
    file in `folder`. Use as a context manager, or call `close()`."""

    def __init__(self, folder: Path, workers: int = 2, environment: dict | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.environment = {**os.environ, **(environment or {})}
        self.file = self.folder / "scheduler.json"
        self.file.unlink(missing_ok=True)
        self.scheduler = self._start("scheduler", "scheduler", "--scheduler-file", str(self.file), "--port", "0",
                                     "--no-dashboard")
        deadline = time.monotonic() + START_SECONDS
        # the scheduler writes its file in place: it can exist and still be empty or half-written
        while (address := self._address()) is None:
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the Dask scheduler did not start: see {self.folder / 'scheduler.log'}")
            time.sleep(0.1)
        self.address = address
        self.workers: dict[str, subprocess.Popen] = {}
        for number in range(workers):
            self.add_worker(f"w{number + 1}")
        if workers:
            self.wait_for_workers(workers)

    def _start(self, log: str, *argv: str, environment: dict | None = None) -> subprocess.Popen:
        with open(self.folder / f"{log}.log", "ab") as out:
            return subprocess.Popen([sys.executable, "-m", "dask", *argv], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=environment or self.environment,
                                    cwd=self.folder, start_new_session=True)

    def _address(self) -> str | None:
        """The scheduler's address from its file, once the file is whole."""
        try:
            return json.loads(self.file.read_text())["address"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def add_worker(self, name: str, environment: dict | None = None) -> subprocess.Popen:
        """Start one worker process (no nanny: killed, it stays dead); `environment` over this one's."""
        self.workers[name] = self._start(name, "worker", self.address, "--name", name, "--nthreads", "1",
                                         "--no-nanny", "--no-dashboard",
                                         environment={**self.environment, **(environment or {})})
        return self.workers[name]

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_SECONDS, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=START_SECONDS)

    def kill(self, name: str) -> None:
        """Kill a worker at once (SIGKILL), as a machine that goes down."""
        _kill(self.workers[name])

    def stop_scheduler(self) -> None:
        """Kill the scheduler at once (SIGKILL), as a head node that goes down."""
        _kill(self.scheduler)

    def close(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            _kill(process)

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)   # the worker's zygote and students go with it
        except ProcessLookupError:
            pass
    process.wait()
