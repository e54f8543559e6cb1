"""Queries as a researcher writes them — no DISTINCT, no index terms — give true answers.

The dataset a query sees has set semantics: a fact stated by many documents is one row. Each
query below is compared with the same question answered in Python from the documents' triples
as sets (the union of the document graphs), on a generated corpus, after a load, a reload of
unchanged files, changed documents and a forced reload, and removals; on the embedded store
and on an Oxigraph server. Each document's named graph still says what that document states.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest

from archive.rdf.extract import extract_file
from archive.rdf.namespaces import CITO, ORG, RDF, SCHEMA
from archive.store.base import Store, nt
from archive.synth.generate import generate_corpus

from .consistency import check_quads

N, SEED = 40, 8

QUERIES = {
    "organisations per town": """
        SELECT ?town (COUNT(?org) AS ?n)
        WHERE { ?org a schema:Organization ; schema:location ?town }
        GROUP BY ?town""",
    "organisations per kind": """
        SELECT ?kind (COUNT(?org) AS ?n)
        WHERE { ?org a schema:Organization ; org:classification ?kind }
        GROUP BY ?kind""",
    "letters per year": """
        SELECT ?year (COUNT(?letter) AS ?n)
        WHERE { ?letter a schema:Message ; schema:dateCreated ?date
                BIND (SUBSTR(STR(?date), 1, 4) AS ?year) }
        GROUP BY ?year""",
    "co-signatory pairs": """
        SELECT ?a ?b (COUNT(?letter) AS ?n)
        WHERE { ?letter schema:sender ?a , ?b FILTER (STR(?a) < STR(?b)) }
        GROUP BY ?a ?b""",
    "who addressed whom": """
        SELECT ?sender ?addressee (COUNT(?letter) AS ?n)
        WHERE { ?letter schema:sender ?sender ; schema:toRecipient ?addressee }
        GROUP BY ?sender ?addressee""",
    "citations": """
        SELECT ?letter ?cited WHERE { ?letter cito:cites ?cited }""",
    "most cited": """
        SELECT ?cited (COUNT(?letter) AS ?n) WHERE { ?letter cito:cites ?cited }
        GROUP BY ?cited""",
    "organisation names": """
        SELECT ?org ?name WHERE { ?org a schema:Organization ; schema:name ?name }""",
}


def expected(docs) -> dict[str, Counter]:
    """Each query's rows, computed from the union of the documents' triples as a set."""
    facts = set().union(*(set(d.triples) for d in docs)) if docs else set()

    def pairs(p) -> set[tuple]:
        return {(s, o) for s, q, o in facts if q == p}

    orgs = {s for s, o in pairs(RDF.type) if o == SCHEMA.Organization}
    letters = {s for s, o in pairs(RDF.type) if o == SCHEMA.Message}
    senders: dict = {}
    for letter, who in pairs(SCHEMA.sender):
        senders.setdefault(letter, set()).add(who)
    to = pairs(SCHEMA.toRecipient)
    cites = pairs(CITO.cites)
    out = {
        "organisations per town": Counter(t for o, t in pairs(SCHEMA.location) if o in orgs),
        "organisations per kind": Counter(k for o, k in pairs(ORG.classification) if o in orgs),
        "letters per year": Counter(
            str(d)[:4] for s, d in pairs(SCHEMA.dateCreated) if s in letters
        ),
        "co-signatory pairs": Counter(
            pair for who in senders.values() for pair in combinations(sorted(who, key=str), 2)
        ),
        "who addressed whom": Counter((s, a) for letter, a in to for s in senders.get(letter, ())),
        "most cited": Counter(w for _, w in cites),
    }
    rows = {
        k: Counter({(*(_nt(x) for x in _tuple(key)), str(n)): 1 for key, n in c.items()})
        for k, c in out.items()
    }
    rows["citations"] = Counter((_nt(a), _nt(b)) for a, b in cites)
    rows["organisation names"] = Counter(
        (_nt(o), _nt(n)) for o, n in pairs(SCHEMA.name) if o in orgs
    )
    return rows


def _tuple(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _nt(term) -> str:
    if type(term) is str:
        return f'"{term}"'  # a year computed in SPARQL: a plain string
    return nt(term)


def answers(store: Store) -> dict[str, Counter]:
    """Each query's rows as a multiset: terms in N-Triples, counts as numbers."""
    out = {}
    for name, text in QUERIES.items():
        result = store.query(text)
        out[name] = Counter(
            tuple(
                t.value if v == "n" else str(t) for v, t in zip(result.variables, row, strict=True)
            )
            for row in result.rows
        )
    return out


def check(store: Store, docs) -> None:
    got, want = answers(store), expected(docs)
    for name in QUERIES:
        assert got[name] == want[name], name
    assert check_quads(store.quads(), store.base) == []


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list:
    files = generate_corpus(N, SEED, tmp_path_factory.mktemp("corpus"))
    docs = [d for f in files for d in extract_file(f).documents]
    assert len(docs) == N
    return docs


def edited(doc, version: str):
    """The same document, changed as an edit of its TEI would change it: fewer senders, one
    organisation no longer located."""
    senders = [o for s, p, o in doc.triples if p == SCHEMA.sender and str(s) == doc.uri]
    dropped = set(senders[: max(1, len(senders) // 2)])
    located = [s for s, p, o in doc.triples if p == SCHEMA.location]
    unplaced = set(located[:1])
    triples = [
        t
        for t in doc.triples
        if not (t[1] == SCHEMA.sender and t[2] in dropped)
        and not (t[1] == SCHEMA.location and t[0] in unplaced)
    ]
    return replace(doc, triples=triples, sha256=f"{doc.sha256[:56]}{version:0>8}")


def test_natural_queries_give_the_answers_of_the_documents_as_sets(
    store: Store, documents, tmp_path: Path
) -> None:
    kw = {"bulk": True} if store.backend == "embedded" else {}
    current = {d.graph: d for d in documents}

    store.load(documents, **kw)
    check(store, current.values())
    before = answers(store)
    # a fact many letters state is one row: each organisation's name, once per name
    names = before["organisation names"]
    assert names and max(names.values()) == 1

    store.load(documents, **kw)  # reloading unchanged files changes nothing
    assert answers(store) == before

    changed = [edited(d, "v2") for d in documents[:6]]
    store.load(changed, **kw)
    current.update({d.graph: d for d in changed})
    check(store, current.values())

    store.load(changed[:2], force=True, **kw)  # the same content again
    check(store, current.values())

    for d in documents[6:12]:
        store.remove(d.slug)
        del current[d.graph]
    check(store, current.values())

    store.load(documents[6:8], **kw)  # back again
    current.update({d.graph: d for d in documents[6:8]})
    check(store, current.values())


def test_each_document_graph_still_says_what_that_document_states(store: Store, documents):
    kw = {"bulk": True} if store.backend == "embedded" else {}
    store.load(documents[:20], **kw)
    # an organisation named by several letters: its type is one fact, stated by each of them
    stated: dict = {}
    for d in documents[:20]:
        for s, p, o in d.triples:
            if p == RDF.type and o == SCHEMA.Organization:
                stated.setdefault(s, set()).add(d.graph)
    org, graphs = max(stated.items(), key=lambda kv: len(kv[1]))
    assert len(graphs) > 1
    q = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{org}> a schema:Organization }} }}"
    assert {r[0] for r in store.query(q).values()} == graphs
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{org}> a schema:Organization }}"
    assert store.query(q).values() == [("1",)]
