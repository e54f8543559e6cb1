"""Harvests by a real harvester (Sickle, from PyPI) over HTTP: full and incremental, on the
embedded store and on an Oxigraph server; a harvest that a load, a change and a removal
interrupt; deleted records after ``archive remove``. Every response Sickle receives is
validated against OAI-PMH.xsd and oai_dc.xsd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from archive.store.base import Store
from archive.store.embedded import EmbeddedStore

from ..conftest import RECORD
from ..store.conftest import OxigraphServer, remote_store
from .conftest import BASE, PAGE, LiveServer, ValidatingSickle, letters, load, make_app

ARCHIVE = [sys.executable, "-m", "archive"]


def full_harvest(url: str, **args: str) -> list:
    sickle = ValidatingSickle(url + "/oai", max_retries=0)
    return list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False, **args))


def ids(records: list) -> list[str]:
    return [r.header.identifier for r in records]


def documents(store: Store) -> set[str]:
    return {d.document for d in store.documents() if d.document}


def check_full_and_incremental(store: Store, root: Path, index_file: Path | None) -> None:
    with LiveServer(make_app(store, index_file)) as server:
        ValidatingSickle.pages = 0
        first = full_harvest(server.url)
        assert sorted(ids(first)) == sorted(documents(store))  # each once
        assert ValidatingSickle.pages == -(-len(first) // PAGE)
        calais = next(r for r in first if r.header.identifier.endswith("calais-2014-07-10"))
        assert "Migreurop" in calais.metadata["creator"]
        assert calais.metadata["date"] == ["2014-07-10"]
        last = max(r.header.datestamp for r in first)
        new = letters(root, 3, 7)
        load(store, new, index_file)
        added = documents(store) - set(ids(first))
        assert len(added) == 3
        second = full_harvest(server.url, **{"from": last})
        got = set(ids(second))
        assert added <= got  # everything loaded since
        # and nothing older than `from` (records of that same second may come again)
        assert all(r.header.datestamp >= last for r in second)


def test_full_and_incremental_harvest_embedded(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", base=BASE)
    try:
        load(store, [RECORD, *letters(tmp_path, 12, 0)])
        check_full_and_incremental(store, tmp_path, None)
    finally:
        store.close()


def test_full_and_incremental_harvest_oxigraph(oxigraph: OxigraphServer, tmp_path: Path) -> None:
    index_file = tmp_path / "search.sqlite"
    store = remote_store(oxigraph)
    try:
        load(store, [RECORD, *letters(tmp_path, 12, 0)], index_file)
        check_full_and_incremental(store, tmp_path, index_file)
        # deleted records after `archive remove` (the command, against the same server)
        victim = sorted(documents(store))[2]
        env = {**os.environ, "ARCHIVE_SEARCH_INDEX": str(index_file)}
        done = subprocess.run(
            [*ARCHIVE, "remove", "--endpoint", oxigraph.url, victim],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        with LiveServer(make_app(store, index_file)) as server:
            records = full_harvest(server.url)
        deleted = [r.header.identifier for r in records if r.header.deleted]
        assert deleted == [victim]
        assert records[-1].header.deleted  # the latest change comes last
        assert victim not in [r.header.identifier for r in records if not r.header.deleted]
    finally:
        store.close()


def test_a_harvest_interrupted_by_writes_neither_loses_nor_repeats(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", base=BASE)
    try:
        files = [RECORD, *letters(tmp_path, 3 * PAGE, 0)]
        load(store, files)
        order = [c.document for c in store.changes(limit=1000).changes]
        by_doc = {d.document: d for d in store.documents()}
        with LiveServer(make_app(store)) as server:
            sickle = ValidatingSickle(server.url + "/oai", max_retries=0)
            headers = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
            seen = [next(headers) for _ in range(PAGE)]  # the first page, and no more
            assert [h.identifier for h in seen] == order[:PAGE]
            # meanwhile: new documents, one not yet harvested changed, one removed, and one
            # already harvested changed
            new = letters(tmp_path, 4, 9)
            later_changed, later_removed, early_changed = order[PAGE + 2], order[PAGE + 4], order[1]
            changed_files = []
            for n, doc in enumerate((later_changed, early_changed)):
                source = next(f for f in files if f.stem == by_doc[doc].slug)
                copy = tmp_path / f"changed-{n}" / source.name
                copy.parent.mkdir()
                copy.write_bytes(source.read_bytes() + b"<!-- revised -->\n")
                changed_files.append(copy)
            load(store, [*new, *changed_files])
            store.remove(later_removed)
            seen += list(headers)
        got = [h.identifier for h in seen]
        added = documents(store) - set(order)
        assert len(added) == 4
        # every document once, except the one changed after it was harvested (twice: its
        # change is news); the removed one once, as deleted
        assert sorted(got) == sorted([*order, *added, early_changed])
        assert got.count(later_changed) == 1 and got.count(later_removed) == 1
        status = {h.identifier: h.deleted for h in seen}
        assert status[later_removed] is True
        assert [h.identifier for h in seen if h.deleted] == [later_removed]
    finally:
        store.close()


def test_deleted_records_after_archive_remove_embedded(tmp_path: Path) -> None:
    """`archive remove` on the store folder (the server stopped, as the embedded store's lock
    asks), then the harvest goes on with the token it had: a restart loses nothing."""
    store_path = tmp_path / "store"
    store = EmbeddedStore(store_path, base=BASE)
    load(store, [RECORD, *letters(tmp_path, 2 * PAGE, 0)])
    order = [c.document for c in store.changes(limit=1000).changes]
    with LiveServer(make_app(store)) as server:
        sickle = ValidatingSickle(server.url + "/oai", max_retries=0)
        first = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
        seen = [next(first) for _ in range(PAGE)]
        token = first.resumption_token.token
    store.close()
    victim, harvested = order[-1], order[0]
    env = {**os.environ, "ARCHIVE_BASE": BASE}
    for doc in (victim, harvested):
        done = subprocess.run(
            [*ARCHIVE, "remove", "--store", str(store_path), doc],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    store = EmbeddedStore(store_path, base=BASE)
    try:
        with LiveServer(make_app(store)) as server:
            sickle = ValidatingSickle(server.url + "/oai", max_retries=0)
            rest = list(sickle.ListIdentifiers(resumptionToken=token, ignore_deleted=False))
        got = [h.identifier for h in seen + rest]
        # the removal of a record not yet harvested: once, as deleted; of one already
        # harvested: it comes again, as deleted
        assert sorted(got) == sorted([*order, harvested])
        deleted = [h.identifier for h in rest if h.deleted]
        assert deleted == [victim, harvested]
    finally:
        store.close()
