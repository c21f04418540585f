"""A real PostgreSQL server for the tests of a gradebook on a database server (nbgrader's db_url).

`server()` starts one in a temporary folder, listening on a Unix socket only; `database(name)`
makes a fresh database on it and gives its URL. The fixtures in tests/batch and tests/cli use it.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

SERVER_BINARIES = ("initdb", "postgres", "pg_ctl")
USER = "nnlab"


def _binaries() -> dict[str, str] | None:
    found = {}
    for name in SERVER_BINARIES:
        installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
        path = shutil.which(name) or next(iter(installed), None)
        if path is None:
            return None
        found[name] = path
    return found


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    if os.getuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _free_port() -> str:
    """A port number no other server of this machine uses (it names the server's socket file)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@dataclass
class Server:
    sockets: Path
    port: str

    def database(self, name: str) -> str:
        """A new, empty database on the server: its SQLAlchemy URL (what c.CourseDirectory.db_url takes)."""
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", user=USER, host=str(self.sockets), port=self.port)
        connection.autocommit = True
        connection.cursor().execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return f"postgresql+psycopg2://{USER}@/{name}?host={self.sockets}&port={self.port}"


@contextmanager
def server() -> Iterator[Server]:
    """A PostgreSQL server for the block (skips the test where none is installed)."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (.ci/run installs Debian's postgresql as root)")
    # not under pytest's temporary root, which only root may enter
    folder = Path(tempfile.mkdtemp(prefix="nnlab-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.getuid() == 0:
        os.chmod(folder, 0o777)
        os.chmod(sockets, 0o777)
    subprocess.run(_as_server_user([binaries["initdb"], "-D", str(data), "-U", USER, "--auth=trust"]),
                   check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(_as_server_user([binaries["postgres"], "-D", str(data), "-k", str(sockets), "-p", port,
                                                "-c", "listen_addresses="]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket_file = sockets / f".s.PGSQL.{port}"
        deadline = time.monotonic() + 60
        while not socket_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert socket_file.exists(), "the PostgreSQL server did not start"
        time.sleep(0.5)
        yield Server(sockets, port)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh database on a real PostgreSQL server (a conftest imports this fixture to offer it)."""
    with server() as running:
        yield running.database("gradebook")
