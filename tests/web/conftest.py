"""Fixtures for the web tests: a small archive (the Calais letter, synthetic letters and a
hostile record), the application over it, and a live server on a free loopback port.

Each pytest-xdist worker builds its own archive once (session scope), in a few seconds.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from archive.store.embedded import EmbeddedStore
from archive.store.ingest import ingest
from archive.store.search import update_after_load
from archive.synth import generate_corpus
from archive.web import create_app
from archive.web.config import WebConfig

from ..conftest import RECORD
from ..store.conftest import free_port, oxigraph, oxigraph_server  # noqa: F401

BASE = "https://advocacy-archive.example"
HOSTILE_SLUG = "hostile-2014-07-10"
N_SYNTHETIC = 30


def hostile_tei() -> str:
    """The Calais letter with a script in a name and javascript: URLs in @ref and @target."""
    text = RECORD.read_text(encoding="utf-8")
    text = text.replace(
        '<idno type="archive">calais-2014-07-10</idno>',
        f'<idno type="archive">{HOSTILE_SLUG}</idno>',
    )
    text = text.replace('xml:id="calais-2014-07-10"', f'xml:id="{HOSTILE_SLUG}"')
    text = text.replace(
        '<item><orgName ref="#migreurop" xml:lang="fr">Migreurop</orgName></item>',
        '<item><orgName ref="#migreurop" xml:lang="fr">Migreurop &lt;script&gt;alert("name")'
        "&lt;/script&gt;</orgName></item>",
        1,
    )
    text = text.replace(
        "<p>Finally, you lack courage",
        '<p><ref target="javascript:alert(document.cookie)">a hostile link</ref> '
        '<persName ref="javascript:alert(1)">Jo &lt;img src=x onerror=alert(2)&gt;</persName> '
        "Finally, you lack courage",
        1,
    )
    return text


@dataclass
class Archive:
    root: Path
    store_path: Path
    files: list[Path]


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    root = tmp_path_factory.mktemp("web-archive")
    tei = root / "tei"
    tei.mkdir()
    shutil.copy(RECORD, tei / RECORD.name)
    (tei / f"{HOSTILE_SLUG}.xml").write_text(hostile_tei(), encoding="utf-8")
    files = [tei / RECORD.name, tei / f"{HOSTILE_SLUG}.xml"]
    files += generate_corpus(N_SYNTHETIC, 0, root / "letters")
    store = EmbeddedStore(root / "store", base=BASE)
    try:
        report = ingest(files, store, allow_invalid=True, jobs=1)
        assert report.counts["loaded"] == len(files), report.counts
        update_after_load(store, report.results)
    finally:
        store.close()
    return Archive(root, root / "store", files)


@pytest.fixture(scope="session")
def web_store(web_archive: Archive) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(web_archive.store_path, base=BASE)
    yield store
    store.close()


@pytest.fixture(scope="session")
def web_app(web_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory):
    config = WebConfig(workers=1, time_limit=20, cache_dir=tmp_path_factory.mktemp("web-cache"))
    return create_app(web_store, config)


@pytest.fixture(scope="session")
def client(web_app) -> Iterator[TestClient]:
    with TestClient(web_app, raise_server_exceptions=False) as c:
        yield c


class LiveServer:
    """The application served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, app, probe: str = "/") -> None:
        self.probe = probe  # a path that answers 200 once the application is up
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        httpx.get(self.url + self.probe, timeout=10).raise_for_status()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def live(
    web_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server with an application of its own (its own SPARQL workers and lifespan)."""
    config = WebConfig(workers=2, time_limit=20, cache_dir=tmp_path_factory.mktemp("live-cache"))
    server = LiveServer(create_app(web_store, config)).start()
    yield server
    server.stop()
