"""What only the embedded store does: the bulk path, the lock, the default location."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from archive.errors import StoreError
from archive.store import default_store_path, open_store
from archive.store.base import Outcome
from archive.store.embedded import EmbeddedStore

from .consistency import check_embedded
from .synthetic import BASE, build, small_archive, synthetic_letters
from .test_store_backends import bad_document, graph_triples


def test_bulk_and_transactional_loads_give_the_same_store(tmp_path: Path) -> None:
    documents = [build(x) for x in synthetic_letters(60, seed=7)]
    bulk = EmbeddedStore(tmp_path / "bulk")
    assert bulk.is_empty()
    results = bulk.load(documents)  # new documents: the bulk path by default
    assert {r.outcome for r in results} == {Outcome.LOADED}
    tx = EmbeddedStore(tmp_path / "tx")
    tx.load(documents, bulk=False, batch_size=7)

    def strip(docs):
        return [(d.graph, d.document, d.title, d.date, d.triples, d.sha256) for d in docs]

    assert strip(bulk.documents()) == strip(tx.documents())
    assert bulk.cosignatory_index() == tx.cosignatory_index() == tx.computed_cosignatories()
    for doc in documents[:5]:
        assert graph_triples(bulk, doc.graph) == graph_triples(tx, doc.graph)
    assert bulk.stats().merged_triples == tx.stats().merged_triples
    # loading again: nothing to write
    again = bulk.load(documents[:3])
    assert {r.outcome for r in again} == {Outcome.UNCHANGED}
    for store in (bulk, tx):
        store.close()
        assert check_embedded(store.path, BASE) == []


def test_bulk_loading_into_a_store_that_holds_documents(tmp_path: Path) -> None:
    """New documents take the bulk path into a non-empty store too, replaced ones a
    transaction; the result is the store a transactional load gives."""
    documents = [build(x) for x in synthetic_letters(40, seed=11)]
    first, second = documents[:25], documents[25:]
    changed = [
        build(replace(x, version="2", senders=x.senders[:2]))
        for x in synthetic_letters(40, seed=11)[:5]
    ]
    bulk = EmbeddedStore(tmp_path / "bulk")
    bulk.load(first)
    outcomes = Counter(r.outcome for r in bulk.load([*second, *changed]))
    assert outcomes == {Outcome.LOADED: 15, Outcome.REPLACED: 5}
    tx = EmbeddedStore(tmp_path / "tx")
    tx.load(first, bulk=False)
    tx.load([*second, *changed], bulk=False)
    assert bulk.cosignatory_index() == tx.cosignatory_index()
    assert bulk.stats().merged_triples == tx.stats().merged_triples
    for store in (bulk, tx):
        store.close()
        assert check_embedded(store.path, BASE) == []


def test_a_bad_document_fails_alone_on_the_bulk_path(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s")
    docs = [build(x) for x in small_archive()]
    results = store.load([docs[0], bad_document(), *docs[1:]], bulk=True)
    assert [r.outcome for r in results].count(Outcome.FAILED) == 1
    assert [d.slug for d in store.documents()] == ["letter-a", "letter-b", "letter-c", "letter-d"]


def test_a_bulk_load_that_breaks_part_way_keeps_whole_documents(tmp_path: Path) -> None:
    """The source fails after 20 documents: those written are whole, with their share of the
    merged graph and indexes; nothing else was written."""
    store = EmbeddedStore(tmp_path / "s")
    docs = [build(x) for x in synthetic_letters(30, seed=3)]

    class SourceWentAway(Exception):
        pass

    def stream():
        yield from docs[:20]
        raise SourceWentAway("the validation worker died")

    with pytest.raises(SourceWentAway):
        store.load(stream(), batch_size=4)  # some bulk writes happen before the failure
    loaded = [d.slug for d in store.documents()]
    assert 0 < len(loaded) <= 20
    assert store.health().ok
    store.close()
    assert check_embedded(store.path, BASE) == []


def test_a_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked"
    store = EmbeddedStore(path)
    store.load([build(small_archive()[0])])
    code = (
        "import sys\n"
        "from archive.store import open_store\n"
        "from archive.errors import StoreError\n"
        f"try:\n    open_store({str(path)!r})\n"
        "except StoreError as e:\n    print(e); sys.exit(3)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 3, r.stderr
    assert "in use by another process" in r.stdout
    store.close()
    del store
    import gc

    gc.collect()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr  # released once the first one closed


def test_the_default_location_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ARCHIVE_STORE", str(tmp_path / "env-store"))
    assert default_store_path() == tmp_path / "env-store"
    monkeypatch.delenv("ARCHIVE_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "advocacy-archive" / "store"
    store = open_store()  # created on first use
    assert (tmp_path / "xdg" / "advocacy-archive" / "store").is_dir()
    store.close()


def test_a_file_where_the_store_should_be_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        EmbeddedStore(tmp_path / "file")
