"""The search index beside the store: kept in step by load and remove, rebuilt by reindex,
with set semantics for what documents say about entities."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.store.client import Endpoint
from archive.store.embedded import EmbeddedStore
from archive.store.remote import RemoteStore
from archive.store.search import SearchIndex, fts_query, index_path
from archive.synth import generate_corpus

from ..conftest import RECORD

BASE = "https://advocacy-archive.example"
GISTI = f"{BASE}/id/org/gisti"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    copy = tmp_path / "tei" / "copy-of-calais.xml"
    copy.parent.mkdir()
    text = RECORD.read_text(encoding="utf-8").replace(
        '<idno type="archive">calais-2014-07-10</idno>', '<idno type="archive">calais-copy</idno>'
    )
    copy.write_text(text, encoding="utf-8")
    return [RECORD, copy, *generate_corpus(4, 3, tmp_path / "letters")]


def tables(path: Path) -> dict[str, list]:
    """The derived rows, by value (not by row id), to compare two builds."""
    conn = sqlite3.connect(path)
    try:
        docs = sorted(
            conn.execute(
                "SELECT graph, iri, slug, title, date, year, type, lang, sha256 FROM documents"
            )
        )
        roles = sorted(
            conn.execute(
                "SELECT d.graph, r.role, e.iri FROM roles r JOIN documents d ON d.id = r.doc "
                "JOIN entities e ON e.id = r.entity"
            )
        )
        facts = sorted(
            conn.execute(
                "SELECT e.iri, f.predicate, f.value, f.lang, f.dtype, f.docs FROM facts f "
                "JOIN entities e ON e.id = f.entity"
            )
        )
        labels = sorted(conn.execute("SELECT iri, label FROM entities WHERE label IS NOT NULL"))
        return {"documents": docs, "roles": roles, "facts": facts, "labels": labels}
    finally:
        conn.close()


def gisti_name_docs(path: Path) -> int | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT f.docs FROM facts f JOIN entities e ON e.id = f.entity WHERE e.iri = ? "
            "AND f.predicate = 'https://schema.org/name'",
            (GISTI,),
        ).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def test_load_remove_and_reindex_keep_the_index_in_step(tmp_path, files):
    store = tmp_path / "store"
    index = tmp_path / "store.search.sqlite"
    r = run("load", *map(str, files), "--store", str(store), "-q")
    assert r.exit_code == 0, r.output
    assert index.is_file()
    assert len(tables(index)["documents"]) == 6
    assert gisti_name_docs(index) == 2  # one fact, stated by two documents
    loaded = tables(index)

    assert run("remove", "calais-copy", "--store", str(store)).exit_code == 0
    after = tables(index)
    assert len(after["documents"]) == 5
    assert gisti_name_docs(index) == 1  # still stated by the Calais letter
    assert not any(g.endswith("/calais-copy") for g, *_ in after["roles"])

    assert run("remove", "calais-2014-07-10", "--store", str(store)).exit_code == 0
    assert gisti_name_docs(index) is None  # nobody states it any more
    assert not any(i == GISTI for i, _ in tables(index)["labels"])

    # load again, then a rebuild gives exactly what the incremental path gave
    assert run("load", *map(str, files), "--store", str(store), "-q").exit_code == 0
    incremental = tables(index)
    assert incremental == loaded
    r = run("reindex", "--store", str(store))
    assert r.exit_code == 0 and "search index rebuilt: 6 document(s) indexed, 0 removed" in r.output
    assert tables(index) == incremental
    with SearchIndex(index, BASE) as ix:  # the TEI files survived the rebuild
        row = ix.document("calais-2014-07-10")
        assert ix.source(row.sha256)[1] == RECORD.read_bytes()


def test_an_index_lost_or_made_later_is_rebuilt_from_the_store(tmp_path, files):
    store_path = tmp_path / "store"
    assert run("load", *map(str, files[:3]), "--store", str(store_path), "-q").exit_code == 0
    index = tmp_path / "store.search.sqlite"
    full = tables(index)
    index.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(index) + extra).unlink(missing_ok=True)
    store = EmbeddedStore(store_path, base=BASE)
    try:
        with SearchIndex(index, BASE) as ix:
            assert not ix.in_step(store)
            counts = ix.sync(store)
            assert counts.indexed == 3 and counts.missing_sources == 3
            assert ix.in_step(store)
    finally:
        store.close()
    assert tables(index) == full
    # loading the same files again (unchanged) brings their TEI files back
    r = run("load", *map(str, files[:3]), "--store", str(store_path), "-q")
    assert r.exit_code == 0 and "3 unchanged" in r.output
    with SearchIndex(index, BASE) as ix:
        assert ix.source(ix.document("calais-2014-07-10").sha256) is not None


def test_where_the_index_lives(tmp_path, monkeypatch):
    store = EmbeddedStore(tmp_path / "s", base=BASE)
    try:
        assert index_path(store) == tmp_path / "s.search.sqlite"
        assert index_path(store, tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
        monkeypatch.setenv("ARCHIVE_SEARCH_INDEX", str(tmp_path / "env.sqlite"))
        assert index_path(store) == tmp_path / "env.sqlite"
    finally:
        store.close()
    monkeypatch.delenv("ARCHIVE_SEARCH_INDEX")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    remote = RemoteStore(Endpoint.from_url("http://127.0.0.1:7878"), base=BASE)
    a = index_path(remote)
    assert a.parent == tmp_path / "data" / "advocacy-archive" / "search"
    other = RemoteStore(Endpoint.from_url("http://127.0.0.1:7879"), base=BASE)
    assert index_path(other) != a  # one file per endpoint
    remote.close()
    other.close()


def test_a_damaged_index_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    from archive.errors import StoreError

    with pytest.raises(StoreError, match=r"search index at .*bad\.sqlite"):
        SearchIndex(bad, BASE)


def test_user_text_never_breaks_the_full_text_query():
    assert fts_query('gisti "AND (NEAR') == '"gisti" "AND" "NEAR"*'
    assert fts_query("  ") == ""
    assert fts_query("Réseau") == '"Réseau"*'


def test_a_failed_index_update_does_not_fail_the_load(tmp_path, files):
    store = tmp_path / "store"
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where a folder should be")
    index = blocker / "index.sqlite"  # its folder cannot be made
    r = CliRunner().invoke(
        cli, ["load", str(RECORD), "--store", str(store), "--search-index", str(index), "-q"]
    )
    assert r.exit_code == 0
    assert "1 loaded" in r.output
    assert "search index could not be updated" in r.output
    assert not index.exists()
