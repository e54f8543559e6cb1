"""RDF representations of the archive's resources, read from the store.

A document's representation is its named graph (what the document states); a thing's is what
all documents state about it, each statement once (the subject's statements and the blank
nodes they point at: a concise bounded description), read from the store's merged graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from archive.rdf.namespaces import PREFIX_IRIS
from archive.store.base import Store

RDF_TYPES: dict[str, tuple[str, ox.RdfFormat]] = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS),
}
DATASET_EXTS = ("trig", "nq")


@dataclass
class Description:
    triples: list[ox.Triple]
    graph: str | None = None  # a document's named graph


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


def thing_description(store: Store, value: str) -> Description:
    """From the merged graph (the store's default graph): each statement once, and none of
    the store's own graphs, without a join over every document's graph."""
    subject = ox.NamedNode(value)
    triples: list[ox.Triple] = []
    bnodes = False
    for p, o in store.query(f"SELECT ?p ?o WHERE {{ {_iri(value)} ?p ?o }}").rows:
        if isinstance(o, ox.BlankNode):
            bnodes = True
            continue
        triples.append(ox.Triple(subject, p, o))  # type: ignore[arg-type]
    if bnodes:
        q = f"""SELECT ?p ?b ?bp ?bo WHERE {{ {_iri(value)} ?p ?b . ?b ?bp ?bo
  FILTER (isBlank(?b)) }}"""
        shapes: dict[str, tuple[ox.NamedNode, list[tuple[ox.NamedNode, object]]]] = {}
        for p, b, bp, bo in store.query(q).rows:
            shapes.setdefault(b.value, (p, []))[1].append((bp, bo))  # type: ignore[union-attr]
        seen: set[tuple[str, frozenset[str]]] = set()
        for label, (p, pairs) in sorted(shapes.items()):
            key = (str(p), frozenset(f"{a} {b}" for a, b in pairs))
            if key in seen:  # the same blank-node structure stated by several documents
                continue
            seen.add(key)
            node = ox.BlankNode(label)
            triples.append(ox.Triple(subject, p, node))
            triples += [ox.Triple(node, a, b) for a, b in pairs]  # type: ignore[arg-type]
    return Description(triples)


def graph_description(store: Store, graph: str) -> Description:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
    return Description(list(dict.fromkeys(triples)), graph=graph)


def exists(store: Store, value: str) -> bool:
    try:
        q = f"ASK {{ {_iri(value)} ?p ?o }}"  # the merged graph: what documents state
    except ValueError:  # not an IRI at all
        return False
    return bool(store.query(q).boolean)


def graph_exists(store: Store, graph: str) -> bool:
    q = f"ASK {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
    return bool(store.query(q).boolean)


def serialize(desc: Description, ext: str) -> bytes:
    _, fmt = RDF_TYPES[ext]
    prefixes = PREFIX_IRIS if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if ext in DATASET_EXTS:
        g = ox.NamedNode(desc.graph) if desc.graph else ox.DefaultGraph()
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in desc.triples]
        return ox.serialize(quads, format=fmt, prefixes=prefixes)
    return ox.serialize(desc.triples, format=fmt, prefixes=prefixes)
