"""Fixtures for the store tests: a real Oxigraph server on a free loopback port, and stores.

The server is the ``oxigraph`` binary from PyPI (installed with the ``test`` extra). Each
pytest-xdist worker starts its own, on its own port and folder, and stops it at the end.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from archive.store.base import Store
from archive.store.client import Endpoint
from archive.store.embedded import EmbeddedStore
from archive.store.remote import RemoteStore

from ..conftest import require_part


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.is_file() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OxigraphServer:
    url: str
    port: int
    location: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def clear(self) -> None:
        r = httpx.post(f"{self.url}/update", data={"update": "CLEAR ALL"}, timeout=30)
        r.raise_for_status()


def start_oxigraph(
    location: Path, port: int | None = None, timeout: float = 30.0
) -> OxigraphServer:
    binary = oxigraph_binary()
    require_part(
        binary is not None,
        "the oxigraph server",
        "install the test extra: pip install -e '.[test]' (PyPI package `oxigraph`)",
    )
    port = port or free_port()
    location.mkdir(parents=True, exist_ok=True)
    log = location.with_suffix(".log")
    with open(log, "ab") as fh:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}: {log.read_text()}")
        try:
            r = httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2)
            if r.status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"oxigraph did not answer on {url} within {timeout} s")
        time.sleep(0.1)
    return OxigraphServer(url, port, location, process, log)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "data")
    yield server
    server.stop()


@pytest.fixture
def oxigraph(oxigraph_server: OxigraphServer) -> OxigraphServer:
    """The session's server, emptied for this test."""
    oxigraph_server.clear()
    return oxigraph_server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., OxigraphServer]]:
    """Start servers this test owns (to stop and restart them); all stopped at the end."""
    started: list[OxigraphServer] = []

    def start(location: Path | None = None, port: int | None = None) -> OxigraphServer:
        server = start_oxigraph(location or tmp_path / f"ox-{uuid.uuid4().hex[:6]}", port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def remote_store(server: OxigraphServer, **options: object) -> RemoteStore:
    options.setdefault("retries", 1)
    options.setdefault("backoff", 0.05)
    return RemoteStore(Endpoint.from_url(server.url, **options))


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests on both backends: an embedded store and the Oxigraph server."""
    if request.param == "embedded":
        s: Store = EmbeddedStore(tmp_path / "store")
    else:
        server = request.getfixturevalue("oxigraph")
        s = remote_store(server)
    yield s
    s.close()
