"""Serialising document graphs: Turtle, TriG, N-Quads and JSON-LD (with the profile's context).

Turtle has no named graphs, so it carries the union of the documents' graphs; TriG, N-Quads and
JSON-LD keep one named graph per document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache

import pyoxigraph as ox

from archive.rdf.docgraph import DocumentGraph, to_dataset
from archive.rdf.namespaces import PREFIX_IRIS
from archive.resources import data_dir

FORMATS = ("turtle", "trig", "nquads", "jsonld")
MEDIA_TYPES = {
    "turtle": "text/turtle",
    "trig": "application/trig",
    "nquads": "application/n-quads",
    "jsonld": "application/ld+json",
}
EXTENSIONS = {"turtle": ".ttl", "trig": ".trig", "nquads": ".nq", "jsonld": ".jsonld"}
CONTEXT_PATH = data_dir("ontology") / "context.jsonld"


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The profile's JSON-LD context (``ontology/context.jsonld``)."""
    return json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]


def serialize(docs: Sequence[DocumentGraph], fmt: str) -> bytes:
    """Serialise documents deterministically (same input, same bytes)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "jsonld":
        ds = to_dataset(docs)
        text = ds.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
        stable = _stable_json(json.loads(text))
        return (json.dumps(stable, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    quads = sorted((q for d in docs for q in d.ox_quads()), key=str)
    prefixes = PREFIX_IRIS
    if fmt == "nquads":
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    if fmt == "trig":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def _stable_json(value: object, key: str | None = None) -> object:
    """JSON-LD with every unordered array sorted: rdflib's output order follows set order."""
    if isinstance(value, dict):
        return {k: _stable_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_stable_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def canonical_turtle(text: str) -> bytes:
    """Turtle of an RDF graph with blank nodes, in a canonical form: same graph, same bytes.

    Made for W3C SHACL reports: pySHACL copies shape nodes (blank nodes) into its report
    sometimes once, sometimes once per result, and labels blank nodes afresh on every run.
    Blank nodes are named by a hash of what they say (structurally identical copies become one
    node, which changes nothing a reader can tell from the report), and triples are sorted.
    """
    triples = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    out: dict[object, list[ox.Triple]] = {}
    for t in triples:
        out.setdefault(t.subject, []).append(t)
    names: dict[object, str] = {}

    def name(node: object, seen: frozenset = frozenset()) -> str:
        if not isinstance(node, ox.BlankNode):
            return str(node)
        if node in names:
            return names[node]
        if node in seen:  # a cycle: fall back to the label (rare in reports)
            return f"_:{node.value}"
        parts = sorted(f"{t.predicate} {name(t.object, seen | {node})}" for t in out.get(node, []))
        names[node] = "_:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]
        return names[node]

    def term(node):  # type: ignore[no-untyped-def]
        return ox.BlankNode("b" + name(node)[2:]) if isinstance(node, ox.BlankNode) else node

    canonical = sorted(
        {ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples}, key=str
    )
    prefixes = PREFIX_IRIS
    return ox.serialize(canonical, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
