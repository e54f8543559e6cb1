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
        cosign = sorted(
            conn.execute(
                "SELECT x.iri, y.iri, c.n FROM cosign c JOIN entities x ON x.id = c.a "
                "JOIN entities y ON y.id = c.b"
            )
        )
        counted = sorted(  # what the kept counts must equal: the pairs counted from the roles
            conn.execute(
                "SELECT x.iri, y.iri, COUNT(*) FROM roles r JOIN roles s ON s.doc = r.doc "
                "AND s.role = 'sender' AND s.entity != r.entity JOIN entities x ON x.id = r.entity "
                "JOIN entities y ON y.id = s.entity WHERE r.role = 'sender' GROUP BY 1, 2"
            )
        )
        assert cosign == counted
        return {
            "documents": docs,
            "roles": roles,
            "facts": facts,
            "labels": labels,
            "cosign": cosign,
        }
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
    # the Calais letter and its copy are signed by the same 26: each pair twice, both ways
    assert (f"{BASE}/id/org/attac", f"{BASE}/id/org/elena", 2) in loaded["cosign"]

    assert run("remove", "calais-copy", "--store", str(store)).exit_code == 0
    after = tables(index)
    assert len(after["documents"]) == 5
    assert (f"{BASE}/id/org/attac", f"{BASE}/id/org/elena", 1) in after["cosign"]
    assert gisti_name_docs(index) == 1  # still stated by the Calais letter
    assert not any(g.endswith("/calais-copy") for g, *_ in after["roles"])

    assert run("remove", "calais-2014-07-10", "--store", str(store)).exit_code == 0
    assert gisti_name_docs(index) is None  # nobody states it any more
    assert not any(i == GISTI for i, _ in tables(index)["labels"])
    assert not any(GISTI in (a, b) for a, b, _ in tables(index)["cosign"])

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


def test_the_last_word_is_a_prefix_only_while_it_is_typed():
    assert fts_query("accueil dig") == '"accueil" "dig"*'
    assert fts_query("accueil digne ") == '"accueil" "digne"'  # a finished word
    assert fts_query("accueil à") == '"accueil" "à"'  # too short to expand usefully
    pasted = " ".join(f"word{i}" for i in range(20))  # cut at twelve words: no prefix
    assert fts_query(pasted) == " ".join(f'"word{i}"' for i in range(12))


def test_words_in_most_documents_do_not_narrow_a_search(tmp_path, files, monkeypatch):
    import archive.store.search as search

    common = {"letter", "the"}
    assert fts_query("the Calais letter.", common.__contains__) == '"Calais"'
    assert fts_query("the Calais letter", common.__contains__) == '"Calais" "letter"*'  # typing
    assert fts_query("the letter ", common.__contains__) == '"the" "letter"'  # nothing rarer

    store = tmp_path / "store"
    assert run("load", *map(str, files), "--store", str(store), "-q").exit_code == 0
    index = tmp_path / "store.search.sqlite"
    with SearchIndex(index, BASE) as ix:
        assert not ix.is_common("the")  # six documents: too few for any word to be common
        before, narrow = ix.search("Calais gisti")
        monkeypatch.setattr(search, "COMMON_AFTER", 2)
        ix._common_at = -1  # answers of the old threshold
        assert ix.is_common("the") and ix.is_common("THE")
        assert not ix.is_common("gisti") and not ix.is_common("nosuchword")
        hits, total = ix.search("the Calais gisti")
        assert total == narrow > 0  # "the" is in every document: it changes nothing
        assert {h.document.slug for h in hits} == {h.document.slug for h in before}


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


def test_the_facets_of_one_signatory_count_from_the_kept_pairs(tmp_path, files):
    """The signatory facet of one signatory's letters (read from the co-signatory counts)
    equals counting the senders of those letters."""
    store = tmp_path / "store"
    assert run("load", *map(str, files), "--store", str(store), "-q").exit_code == 0
    with SearchIndex(tmp_path / "store.search.sqlite", BASE) as ix:
        facet = ix.facets({"signatory": GISTI}, top=100)["signatory"]
        counted = ix.conn.execute(
            "SELECT e.iri, COUNT(*) FROM roles r JOIN entities e ON e.id = r.entity "
            "WHERE r.role = 'sender' AND r.doc IN (SELECT doc FROM roles WHERE role = 'sender' "
            "AND entity = (SELECT id FROM entities WHERE iri = ?)) GROUP BY e.iri",
            (GISTI,),
        ).fetchall()
    assert facet[0][0] == GISTI and facet[0][2] == 2  # itself first: both Calais letters
    assert len(facet) > 20  # and the other signatories of the letter
    assert sorted((i, n) for i, _, n in facet) == sorted((i, n) for i, n in counted)
