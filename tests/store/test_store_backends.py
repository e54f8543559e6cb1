"""The store's contract, run on both backends (embedded pyoxigraph and a real Oxigraph server).

Fixtures are hand-built DocumentGraphs (tests/store/synthetic.py), so that every expected count
below can be checked by reading the four small letters.
"""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from archive.errors import StoreError
from archive.rdf.namespaces import SCHEMA
from archive.store.base import Outcome, Store, fingerprint
from archive.store.index import ADDRESSEE_YEARS

from .synthetic import BASE, Letter, build, small_archive

ORG = f"{BASE}/id/org/"


def docs():
    return [build(x) for x in small_archive()]


def load(store: Store, documents, **kw):
    if store.backend == "embedded":
        kw.setdefault("bulk", False)
    return store.load(documents, **kw)


def quad_set(store: Store) -> set[str]:
    """Every quad as N-Quads text; blank nodes are stable inside one store."""
    return {str(q) for q in store.quads()}


def graph_triples(store: Store, graph: str) -> set[tuple[str, str, str]]:
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store.quads(graph)
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def expected_triples(doc) -> set[tuple[str, str, str]]:
    return {
        (s.n3(), p.n3(), o.n3())
        for s, p, o in doc.triples
        if not isinstance(s, BNode) and not isinstance(o, BNode)
    }


def test_load_lists_every_document_with_its_figures(store: Store) -> None:
    documents = docs()
    results = load(store, documents)
    assert [r.outcome for r in results] == [Outcome.LOADED] * 4
    listed = store.documents()
    assert [d.slug for d in listed] == ["letter-a", "letter-b", "letter-c", "letter-d"]
    assert [d.date for d in listed] == ["2014-07-10", "2014-09-01", "2015-03", "2016"]
    assert [d.title for d in listed] == ["Letter A", "Letter B", "Letter C", "Letter D"]
    assert [d.triples for d in listed] == [len(set(d.triples)) for d in documents]
    assert [d.sha256 for d in listed] == [d.sha256 for d in documents]
    assert all(d.loaded and d.loaded.endswith("Z") for d in listed)
    for doc in documents:
        assert graph_triples(store, doc.graph) == expected_triples(doc)
    stats = store.stats()
    assert stats.documents == 4
    assert stats.document_triples == sum(len(set(d.triples)) for d in documents)
    assert (stats.earliest, stats.latest) == ("2014-07-10", "2016")


def test_cosignatory_index_is_exact(store: Store) -> None:
    load(store, docs())
    # A: attac gisti mrap; B: attac gisti salam; C: gisti salam auberge; D: ldh-62 attac
    expected = {
        ("attac", "gisti"): 2,
        ("attac", "mrap"): 1,
        ("gisti", "mrap"): 1,
        ("attac", "salam"): 1,
        ("gisti", "salam"): 2,
        ("auberge", "gisti"): 1,
        ("auberge", "salam"): 1,
        ("attac", "ldh-62"): 1,
    }
    assert store.cosignatory_index() == {(ORG + a, ORG + b): n for (a, b), n in expected.items()}
    assert store.computed_cosignatories() == store.cosignatory_index()


def test_loading_the_same_documents_twice_changes_nothing(store: Store) -> None:
    load(store, docs())
    before = quad_set(store)
    results = load(store, docs())
    assert [r.outcome for r in results] == [Outcome.UNCHANGED] * 4
    assert quad_set(store) == before


def test_a_changed_document_replaces_its_graph_and_index_share(store: Store) -> None:
    load(store, docs())
    other_before = graph_triples(store, f"{BASE}/graph/letter-a")
    letter = small_archive()[1]
    changed = replace(letter, senders=["mrap", "auberge"], title="Letter B, revised", version="2")
    new = build(changed)
    [result] = load(store, [new])
    assert result.outcome is Outcome.REPLACED
    assert graph_triples(store, new.graph) == expected_triples(new)
    info = store.find("letter-b")
    assert info is not None
    assert (info.title, info.sha256, info.triples) == (
        "Letter B, revised",
        new.sha256,
        len(set(new.triples)),
    )
    index = store.cosignatory_index()
    assert index[(ORG + "attac", ORG + "gisti")] == 1  # was 2: B no longer signed by both
    assert (ORG + "attac", ORG + "salam") not in index  # only B had that pair
    assert index[(ORG + "auberge", ORG + "mrap")] == 1  # new pair
    assert index == store.computed_cosignatories()
    assert graph_triples(store, f"{BASE}/graph/letter-a") == other_before
    assert store.indexes_in_step() == {"cosignatories": True, "addressee-years": True}


def test_force_rewrites_an_unchanged_document(store: Store) -> None:
    load(store, docs())
    results = load(store, docs()[:1], force=True)
    assert results[0].outcome is Outcome.REPLACED
    assert store.cosignatory_index() == store.computed_cosignatories()


def test_remove_takes_graph_catalog_entry_and_index_share(store: Store) -> None:
    documents = docs()
    load(store, documents)
    kept = {g: graph_triples(store, g) for g in (d.graph for d in documents) if "letter-c" not in g}
    info = store.remove("letter-c")
    assert info.slug == "letter-c"
    assert graph_triples(store, f"{BASE}/graph/letter-c") == set()
    assert [d.slug for d in store.documents()] == ["letter-a", "letter-b", "letter-d"]
    index = store.cosignatory_index()
    assert (ORG + "auberge", ORG + "salam") not in index
    assert index[(ORG + "gisti", ORG + "salam")] == 1
    assert index == store.computed_cosignatories()
    assert {g: graph_triples(store, g) for g in kept} == kept
    person = f"<{BASE}/id/person/cazeneuve>"
    assert store.index_counts(ADDRESSEE_YEARS) == {
        (f"<{BASE}/id/person/valls>", '"2014"'): 1,
        (f"<{BASE}/id/person/valls>", '"2016"'): 1,
        (person, '"2014"'): 2,  # letter-c (2015) is gone
    }
    with pytest.raises(StoreError, match="no document"):
        store.remove("letter-c")


def test_find_accepts_slug_document_uri_and_graph_uri(store: Store) -> None:
    load(store, docs())
    for ref in ("letter-d", f"{BASE}/id/document/letter-d", f"{BASE}/graph/letter-d"):
        found = store.find(ref)
        assert found is not None and found.slug == "letter-d", ref
    assert store.find("letter-z") is None


def bad_document() -> object:
    """A document with an invalid quad in the middle: a blank node label no parser accepts."""
    doc = build(Letter("letter-bad", "Bad", "2017", senders=["attac", "mrap"]))
    middle = len(doc.triples) // 2
    doc.triples.insert(middle, (URIRef(doc.uri), SCHEMA.comment, BNode("not a label!")))
    return doc


def test_a_bad_document_in_a_batch_fails_alone(store: Store) -> None:
    documents = docs()
    batch = [*documents[:2], bad_document(), *documents[2:]]
    results = load(store, batch, batch_size=10)
    outcomes = {r.slug: r.outcome for r in results}
    assert outcomes == {
        "letter-a": Outcome.LOADED,
        "letter-b": Outcome.LOADED,
        "letter-bad": Outcome.FAILED,
        "letter-c": Outcome.LOADED,
        "letter-d": Outcome.LOADED,
    }
    failed = next(r for r in results if r.slug == "letter-bad")
    assert failed.error
    assert store.find("letter-bad") is None
    assert graph_triples(store, f"{BASE}/graph/letter-bad") == set()
    assert store.cosignatory_index() == store.computed_cosignatories()


def test_atomic_load_with_a_bad_document_leaves_the_store_as_it_was(store: Store) -> None:
    load(store, docs()[:1])
    before = quad_set(store)
    newer = replace(small_archive()[0], version="2", senders=["salam"])
    results = load(store, [build(newer), *docs()[1:], bad_document()], atomic=True)
    assert all(r.outcome is Outcome.FAILED for r in results)
    assert quad_set(store) == before


def test_unloadable_documents_are_refused_with_a_reason(store: Store) -> None:
    reserved = build(Letter("_catalog", "Reserved", "2014"))
    elsewhere = build(Letter("x", "Elsewhere", "2014"), base="https://other.example")
    twice = docs()[:1] * 2
    results = load(store, [reserved, elsewhere, *twice])
    by = sorted((r.slug, r.outcome.value, r.error or "") for r in results)
    assert [(slug, outcome) for slug, outcome, _ in by] == [
        ("_catalog", "failed"),
        ("letter-a", "failed"),
        ("letter-a", "loaded"),
        ("x", "failed"),
    ]
    assert "reserved" in by[0][2]
    assert "also gives in this load" in by[1][2]
    assert "base" in by[3][2]
    assert [d.slug for d in store.documents()] == ["letter-a"]


def test_reindex_repairs_a_damaged_index(store: Store, monkeypatch) -> None:
    import archive.store.repair

    monkeypatch.setattr(archive.store.repair, "REBUILD_CHUNK", 3)  # several requests per index
    load(store, docs())
    good = store.cosignatory_index()
    store._update(f"DROP GRAPH <{store.index_graph}>")
    assert store.cosignatory_index() == {}
    store._update(f"DROP GRAPH <{ADDRESSEE_YEARS.graph(BASE)}>")
    assert store.indexes_in_step() == {"cosignatories": False, "addressee-years": False}
    assert store.rebuild_index() == {"cosignatories": len(good), "addressee-years": 4}
    assert store.cosignatory_index() == good
    assert store.indexes_in_step() == {"cosignatories": True, "addressee-years": True}


def test_documents_without_a_source_digest_are_idempotent_too(store: Store) -> None:
    doc = docs()[0]
    doc.sha256 = ""
    load(store, [doc])
    assert store.find("letter-a").sha256 == fingerprint(doc)  # type: ignore[union-attr]
    assert load(store, [doc])[0].outcome is Outcome.UNCHANGED


def test_query_sees_the_union_of_document_graphs(store: Store) -> None:
    load(store, docs())
    r = store.query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a schema:Message }")
    assert r.values() == [("4",)]
    r = store.query("ASK { GRAPH ?g { ?d schema:sender ?o } }")
    assert r.kind == "ask" and r.boolean is True
    r = store.query(
        "CONSTRUCT { ?d schema:name ?n } WHERE { ?d a schema:Message ; schema:name ?n }"
    )
    assert r.kind == "graph"
    assert sorted(t.object.value for t in r.triples) == [
        "Letter A",
        "Letter B",
        "Letter C",
        "Letter D",
    ]


def test_export_round_trips_the_documents(store: Store) -> None:
    import io

    documents = docs()
    load(store, documents)
    out = io.BytesIO()
    n = store.export(out, "nquads")
    quads = list(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))
    assert n == len(quads) == sum(len(set(d.triples)) for d in documents)
    assert {q.graph_name.value for q in quads} == {d.graph for d in documents}
    out = io.BytesIO()
    store.export(out, "turtle", graph="letter-b")
    triples = list(ox.parse(out.getvalue(), format=ox.RdfFormat.TURTLE))
    assert len(triples) == len(set(documents[1].triples))
    out = io.BytesIO()
    n_all = store.export(out, "trig", include_internal=True)
    assert n_all > n
    with pytest.raises(Exception, match="one graph"):
        store.export(io.BytesIO(), "turtle")
    assert Literal  # keep rdflib's Literal import meaningful for readers of the fixtures


def test_co_signatory_pairs_are_in_iri_order(store: Store) -> None:
    """<…/org/a> sorts after <…/org/a-b> in N-Triples ('>' > '-'), but before it as an IRI:
    the index orders by IRI, as documented, so a pair looked up in IRI order is found."""
    load(store, [build(Letter("pair", "Pair", "2014", senders=["a", "a-b"]))])
    assert store.cosignatory_index() == {(ORG + "a", ORG + "a-b"): 1}
    q = f"ASK {{ GRAPH ?i {{ ?p arc:first <{ORG}a> ; arc:second <{ORG}a-b> }} }}"
    assert store.query(q).boolean is True


def test_key_counts_add_up_across_runs() -> None:
    """A load into an empty store counts index keys in sorted runs: a key met in several runs
    is one key with the sum of its counts, whatever the run size."""
    import random
    from collections import Counter

    from archive.store.index import COSIGNATORIES, KeyCounts

    rng = random.Random(7)
    terms = [f"<{BASE}/id/org/o{i}>" for i in range(40)]
    batches = [
        [(rng.choice(terms), rng.choice(terms)) for _ in range(rng.randint(0, 30))]
        for _ in range(200)
    ]
    want = Counter(key for batch in batches for key in batch)
    for run in (1, 7, 50, 100_000):
        counts = KeyCounts(run=run)
        for batch in batches:
            counts.add(COSIGNATORIES.name, batch)
        got = dict(counts.items(COSIGNATORIES.name))
        assert got == want, run
        assert len(got) == len(list(counts.items(COSIGNATORIES.name)))  # each key once
