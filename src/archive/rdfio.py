"""Serialising document graphs: Turtle, TriG, N-Quads and JSON-LD (with the profile's context).

Turtle has no named graphs, so it carries the union of the documents' graphs; TriG, N-Quads and
JSON-LD keep one named graph per document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import pyoxigraph as ox

from .docgraph import DocumentGraph, to_dataset
from .namespaces import PREFIXES
from .resources import data_dir

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
        text = ds.serialize(
            format="json-ld", context=jsonld_context(), auto_compact=True, sort_keys=True, indent=2
        )
        return text.encode("utf-8")
    quads = sorted((q for d in docs for q in d.ox_quads()), key=str)
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if fmt == "nquads":
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    if fmt == "trig":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
