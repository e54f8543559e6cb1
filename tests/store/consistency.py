"""An independent consistency check of a store, from its raw quads.

It shares no code with ``archive.store``: it reads every quad, and recomputes from the document
graphs alone what the store keeps beside them — the merged graph (the set of every document
triple), the co-signatory and addressee-year counts, the catalog's figures — then compares.
The crash tests run it after killing loads; other tests use it as a second opinion.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

ARC = "https://advocacy-archive.example/ns#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
MODIFIED = "http://purl.org/dc/terms/modified"


def check_quads(quads: Iterable[ox.Quad], base: str) -> list[str]:
    """Every way the store disagrees with its own documents (empty: consistent)."""
    graphs: dict[str, set[tuple]] = defaultdict(set)
    default: set[tuple] = set()
    for q in quads:
        t = (q.subject, q.predicate, q.object)
        if isinstance(q.graph_name, ox.DefaultGraph):
            default.add(t)
        else:
            graphs[q.graph_name.value].add(t)
    prefix = f"{base}/graph/"
    internal = f"{base}/graph/_"
    catalog = graphs.pop(f"{internal}catalog", set())
    tombstones = graphs.pop(f"{internal}tombstones", set())
    merged_named = graphs.pop(f"{internal}merged", None)
    pairs_graph = graphs.pop(f"{internal}index/cosignatories", set())
    years_graph = graphs.pop(f"{internal}index/addressee-years", set())
    docs = {
        g: ts for g, ts in graphs.items() if g.startswith(prefix) and not g.startswith(internal)
    }
    problems: list[str] = []

    entries: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in catalog:
        entries[s.value][p.value].append(o)
    documents = {
        g: e for g, e in entries.items() if ox.NamedNode(ARC + "DocumentGraph") in e[RDF_TYPE]
    }
    for g, e in documents.items():
        if g not in docs:
            problems.append(f"catalog entry without its graph: {g}")
            continue
        if [int(x.value) for x in e[VOID_TRIPLES]] != [len(docs[g])]:
            problems.append(
                f"{g}: the catalog says {e[VOID_TRIPLES]} triples, it has {len(docs[g])}"
            )
        if e.get(ARC + "indexPending"):
            problems.append(f"{g}: its index share is still pending")
    for g in docs:
        if g not in documents:
            problems.append(f"document graph without a catalog entry: {g}")
    for s, _, _ in tombstones:
        if s.value in documents:
            problems.append(f"a live document has a tombstone: {s.value}")

    sequences = []
    for e in [*documents.values(), *_entries(tombstones).values()]:
        if not e.get(ARC + "sequence"):
            problems.append("an entry without a sequence number")
            continue
        sequences.append((int(e[ARC + "sequence"][0].value), e[MODIFIED][0].value))
    numbers = [n for n, _ in sequences]
    if len(set(numbers)) != len(numbers):
        problems.append("two entries share a sequence number")
    stamps = [m for _, m in sorted(sequences)]
    if stamps != sorted(stamps):
        problems.append("datestamps go back in the sequence order")
    state = entries.get(f"{internal}catalog", {})
    last = max((int(x.value) for x in state.get(ARC + "lastSequence", [])), default=0)
    if numbers and last < max(numbers):
        problems.append(f"the last sequence number {last} is below one in use ({max(numbers)})")

    union = set().union(*docs.values()) if docs else set()
    merged = default if merged_named is None else merged_named
    if merged != union:
        problems.append(
            f"the merged graph differs from the union of the documents: "
            f"{len(union - merged)} missing, {len(merged - union)} extra"
        )

    pairs: Counter = Counter()
    years: Counter = Counter()
    for g, ts in docs.items():
        subject = _document(documents.get(g))
        senders = sorted(
            {
                o.value
                for s, p, o in ts
                if s == subject and p.value == SCHEMA + "sender" and isinstance(o, ox.NamedNode)
            }
        )
        pairs.update(itertools.combinations(senders, 2))
        dates = {
            o.value[:4]
            for s, p, o in ts
            if s == subject and p.value == SCHEMA + "dateCreated" and o.value[:4].isdigit()
        }
        to = {
            o.value
            for s, p, o in ts
            if s == subject and p.value == SCHEMA + "toRecipient" and isinstance(o, ox.NamedNode)
        }
        years.update((a, y) for a in to for y in dates)
    got_pairs = _index(pairs_graph, ("first", "second"), "cosignedDocuments")
    got_years = _index(years_graph, ("addressee", "year"), "addressedDocuments")
    if got_pairs != dict(pairs):
        problems.append(_diff("co-signatory index", got_pairs, dict(pairs)))
    if got_years != dict(years):
        problems.append(_diff("addressee-year index", got_years, dict(years)))
    return problems


def _document(entry: dict | None) -> ox.NamedNode | None:
    if not entry or not entry.get(SCHEMA + "about"):
        return None
    return entry[SCHEMA + "about"][0]


def _entries(triples: set[tuple]) -> dict[str, dict[str, list]]:
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        out[s.value][p.value].append(o)
    return out


def _index(triples: set[tuple], props: tuple[str, str], count: str) -> dict:
    nodes = _entries(triples)
    out = {}
    for e in nodes.values():
        counts = e.get(ARC + count, [])
        if len(counts) != 1:
            out[("?", "?")] = -1  # a node with no count or two counts is damage
            continue
        out[tuple(e[ARC + p][0].value for p in props)] = int(counts[0].value)
    return out


def _diff(what: str, got: dict, expected: dict) -> str:
    wrong = {k for k in set(got) | set(expected) if got.get(k) != expected.get(k)}
    sample = sorted(wrong, key=str)[:3]
    return f"the {what} is out of step on {len(wrong)} key(s), e.g. " + ", ".join(
        f"{k}: {got.get(k)} instead of {expected.get(k)}" for k in sample
    )


def check_embedded(path: str, base: str) -> list[str]:
    """Open a closed embedded store read-only and check it."""
    store = ox.Store.read_only(str(path))
    try:
        return check_quads(store.quads_for_pattern(None, None, None, None), base)
    finally:
        del store
