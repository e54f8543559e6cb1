"""Fixtures for the OAI-PMH tests: a small archive (the Calais letter and synthetic letters),
the web application over it, a live server for a real harvester, and response checks.

Every response a test reads goes through :func:`tests.oai.xsd.validate` (OAI-PMH.xsd and
oai_dc.xsd, offline).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sickle import Sickle
from starlette.testclient import TestClient

from archive.oai import Provider, ProviderSettings
from archive.store.base import Store
from archive.store.ingest import ingest
from archive.store.search import update_after_load
from archive.synth import generate_corpus
from archive.web import create_app
from archive.web.config import WebConfig

from ..store.conftest import free_port, oxigraph, oxigraph_server  # noqa: F401
from ..web.conftest import LiveServer as WebLiveServer
from .xsd import validate

BASE = "https://advocacy-archive.example"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
PAGE = 7  # records per page in the tests, so that a few dozen letters make several pages


def load(store: Store, files: list[Path], index_file: Path | None = None) -> None:
    report = ingest(files, store, allow_invalid=True, jobs=1)
    assert report.counts["failed"] == 0, report.counts
    update_after_load(store, report.results, index_file)


def letters(root: Path, n: int, seed: int) -> list[Path]:
    return generate_corpus(n, seed, root / f"letters-{seed}")


def make_app(store: Store, index_file: Path | None = None, page: int = PAGE):
    """The application, with the provider's page size set small (its only change)."""
    config = WebConfig(workers=1, time_limit=20, sync_index=False, search_index=index_file)
    app = create_app(store, config)
    site = app.state.site
    app.state.oai_provider = Provider(
        store, site.index, ProviderSettings(repository_name=config.title, page_size=page)
    )
    return app


class Client:
    """GET and POST /oai through the application, every answer validated."""

    def __init__(self, app) -> None:
        self.http = TestClient(app, raise_server_exceptions=True)

    def get(self, *pairs: tuple[str, str], **args: str) -> etree._Element:
        r = self.http.get("/oai", params=[*pairs, *args.items()])
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/xml")
        return validate(r.content)

    def post(self, **args: str) -> etree._Element:
        r = self.http.post("/oai", data=args)
        assert r.status_code == 200, r.text
        return validate(r.content)


def error_code(root: etree._Element) -> str | None:
    err = root.find(f"{OAI}error")
    return err.get("code") if err is not None else None


def identifiers(root: etree._Element) -> list[str]:
    return [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]


def token_of(root: etree._Element) -> str | None:
    t = root.find(f".//{OAI}resumptionToken")
    return t.text if t is not None and t.text else None


class ValidatingSickle(Sickle):
    """Sickle, checking every response it receives against the schemas."""

    pages = 0

    def harvest(self, **kwargs):  # type: ignore[no-untyped-def]
        response = super().harvest(**kwargs)
        validate(response.raw.encode("utf-8"))
        ValidatingSickle.pages += 1
        return response


class LiveServer(WebLiveServer):
    """The web server of tests/web, up once its OAI-PMH provider answers Identify."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app, probe="/oai?verb=Identify")
