"""Every saved query on a generated corpus, against answers computed independently in Python.

Sixty synthetic letters (archive.synth) go through the real pipeline (validation, extraction,
load into an embedded store, with its count indexes); each saved query's answer is compared with
the same question answered by counting the extracted triples directly.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from archive.rdf.extract import extract_file
from archive.rdf.namespaces import CITO, RDF, SCHEMA
from archive.store import open_store
from archive.store.base import Store
from archive.store.ingest import ingest
from archive.store.queries import parse_params, saved_queries
from archive.synth.generate import generate_corpus

N, SEED = 60, 5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return generate_corpus(N, SEED, tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def docs(corpus):
    return [d for f in corpus for d in extract_file(f).documents]


@pytest.fixture(scope="module")
def store(corpus, tmp_path_factory) -> Store:
    s = open_store(tmp_path_factory.mktemp("store") / "s")
    report = ingest(corpus, s, jobs=1)
    assert report.counts["loaded"] == N and not report.invalid
    yield s
    s.close()


def run(store: Store, name: str, **params: str) -> list[tuple[str | None, ...]]:
    q = saved_queries()[name]
    bound = parse_params(
        [f"{k}=<{v}>" if v.startswith("http") else f"{k}={v}" for k, v in params.items()],
        q,
        store.base,
    )
    return store.query(q.text, bound).values()


def objects(docs, prop) -> dict[str, set[str]]:
    return {d.uri: {str(o) for s, p, o in d.triples if p == prop and str(s) == d.uri} for d in docs}


def test_documents_by_signatory(store, docs):
    senders = objects(docs, SCHEMA.sender)
    counts = Counter(s for ss in senders.values() for s in ss)
    for signatory, _ in counts.most_common(3):
        expected = {d for d, ss in senders.items() if signatory in ss}
        assert {r[0] for r in run(store, "documents-by-signatory", signatory=signatory)} == expected


def test_co_signatory_pairs_and_co_signatories_of(store, docs):
    expected: Counter[tuple[str, str]] = Counter()
    for ss in objects(docs, SCHEMA.sender).values():
        expected.update(combinations(sorted(ss), 2))
    rows = run(store, "co-signatory-pairs")
    got = {(a, b): int(n) for a, _, b, _, n in rows}
    assert all(r[1] and r[3] for r in rows)  # each signatory with a name
    assert len(got) == min(1000, len(expected))  # the query returns the top 1000 pairs
    assert all(expected[pair] == n for pair, n in got.items())
    lowest = min(got.values())
    assert all(n <= lowest for pair, n in expected.items() if pair not in got)
    counts = [int(r[4]) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    top = rows[0][0]
    partners = Counter()
    for (a, b), n in expected.items():
        if top in (a, b):
            partners[b if a == top else a] += n
    answer = run(store, "co-signatories-of", signatory=top)
    assert {r[0]: int(r[2]) for r in answer} == partners
    assert all(r[1] for r in answer)


def test_citation_chain(store, docs):
    cites = objects(docs, CITO.cites)
    cited = Counter(w for ws in cites.values() for w in ws)
    work = cited.most_common(1)[0][0]
    level1 = {d for d, ws in cites.items() if work in ws}
    level2 = {(d, via) for via in level1 for d, ws in cites.items() if via in ws}
    rows = run(store, "citation-chain", work=work)
    assert {r[1] for r in rows if r[0] == "1"} == level1
    assert {(r[1], r[3]) for r in rows if r[0] == "2"} == level2
    assert all(r[2] for r in rows) and all(r[4] for r in rows if r[0] == "2")  # titles
    assert level1 and level2  # the corpus has chains


def test_documents_per_addressee_per_year(store, docs):
    dates = {d.uri: d.date for d in docs}
    expected = Counter(
        (a, dates[d][:4]) for d, aa in objects(docs, SCHEMA.toRecipient).items() for a in aa
    )
    rows = run(store, "documents-per-addressee-per-year")
    assert {(a, y): int(n) for a, _, y, n in rows} == dict(expected)
    assert all(r[1] for r in rows)  # each addressee with a name


def test_organisations_by_town(store, docs):
    expected = set()
    for d in docs:
        orgs = {s for s, p, o in d.triples if p == RDF.type and o == SCHEMA.Organization}
        expected |= {
            (str(o), str(s)) for s, p, o in d.triples if p == SCHEMA.location and s in orgs
        }
    rows = run(store, "organisations-by-town")
    assert {(r[0], r[2]) for r in rows} == expected
    assert all(r[1] and r[3] for r in rows)  # every town and organisation has its name


def test_entity(store, docs):
    senders = objects(docs, SCHEMA.sender)
    signatory = Counter(s for ss in senders.values() for s in ss).most_common(1)[0][0]
    rows = run(store, "entity", entity=signatory)
    inbound = {(r[1], r[2]): int(r[4]) for r in rows if r[0] == "in"}
    assert all(r[3] for r in rows if r[0] == "in")  # the documents, with their titles
    signed = sum(1 for ss in senders.values() if signatory in ss)
    assert sum(n for (p, _), n in inbound.items() if p == str(SCHEMA.sender)) == signed
    outbound = {r[1] for r in rows if r[0] == "out"}
    assert str(SCHEMA.name) in outbound
