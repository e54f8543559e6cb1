"""``/cmif.xml``: the CMIF file of the whole store, at a stable URL for correspSearch.

The file itself (its validity against the CMIF schema and Schematron, its round trip) is tested
with ``archive cmif`` (tests/test_cmif.py); here, that the server publishes that same file,
with an ETag that changes when the store does."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from starlette.testclient import TestClient

from archive.store.embedded import EmbeddedStore

from ..conftest import RECORD
from .conftest import BASE, letters, load, make_app

cmif = pytest.importorskip(
    "archive.interchange.cmif",
    reason="the CMIF writer (archive.interchange, `archive cmif`) is not in this branch",
)
TEI = "{http://www.tei-c.org/ns/1.0}"


def test_the_server_publishes_the_store_as_cmif(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", base=BASE)
    try:
        load(store, [RECORD])
        client = TestClient(make_app(store))
        r = client.get("/cmif.xml")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/xml")
        assert r.content == cmif.cmif_bytes(store).data  # what `archive cmif` writes
        root = etree.fromstring(r.content)
        assert root.tag == f"{TEI}TEI"
        assert len(root.findall(f".//{TEI}correspDesc")) == 1
        assert cmif.cmif_url(BASE).endswith("/cmif.xml")
        etag = r.headers["etag"]
        assert client.get("/cmif.xml", headers={"if-none-match": etag}).status_code == 304
        load(store, letters(tmp_path, 2, 0))
        again = client.get("/cmif.xml", headers={"if-none-match": etag})
        assert again.status_code == 200 and again.headers["etag"] != etag
        assert len(etree.fromstring(again.content).findall(f".//{TEI}correspDesc")) == 3
    finally:
        store.close()
