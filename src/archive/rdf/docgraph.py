"""One extracted document: its named graph, where it came from, and what extraction noticed.

Triples are kept as plain rdflib terms so that each consumer converts once, to what it needs:
an rdflib Graph for pySHACL, pyoxigraph quads for the embedded store, N-Quads for a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from archive.findings import Finding
from archive.rdf.namespaces import bind_all

Triple = tuple[Node, Node, Node]


@dataclass
class DocumentGraph:
    """The RDF of one document (a TEI file, or one ``correspDesc`` of a CMIF file)."""

    slug: str  # document slug: {base}/id/document/{slug}
    uri: str  # the document's URI
    graph: str  # its named graph: {base}/graph/{slug}
    triples: list[Triple]
    source: Path | None = None  # the TEI file
    sha256: str = ""  # of the TEI file's bytes
    date: str | None = None  # the document's date as given (ISO 8601), for listings
    title: str | None = None
    findings: list[Finding] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # node URI -> TEI line it came from
    kind: str = "document"  # or "authority": a personography, placeography ... (no document)
    # node URI -> "file, line N": nodes described by an entry of another file (a personography)
    elsewhere: dict[str, str] = field(default_factory=dict)

    def locate(self, node: str | None, message: str) -> tuple[int | None, str]:
        """The line of this file a finding about ``node`` is at, and its message; a node that
        another file describes has no line here, and the message says where it is."""
        if node is None:
            return None, message
        line = self.lines.get(node)
        if line is None and node in self.elsewhere:
            return None, f"{message} (described in {self.elsewhere[node]})"
        return line, message

    def __len__(self) -> int:
        return len(self.triples)

    def to_graph(self) -> Graph:
        g = Graph(identifier=URIRef(self.graph))
        bind_all(g)
        for t in self.triples:
            g.add(t)
        return g

    def ox_quads(self) -> Iterator[ox.Quad]:
        g = ox.NamedNode(self.graph)
        cache: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
        for s, p, o in self.triples:
            yield ox.Quad(to_ox(s, cache), to_ox(p, cache), to_ox(o, cache), g)  # type: ignore[arg-type]

    def nquads(self) -> bytes:
        return ox.serialize(self.ox_quads(), format=ox.RdfFormat.N_QUADS)


def to_ox(term: Node, cache: dict | None = None) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to its pyoxigraph equivalent."""
    if cache is not None and term in cache:
        return cache[term]
    if isinstance(term, URIRef):
        out: ox.NamedNode | ox.BlankNode | ox.Literal = ox.NamedNode(str(term))
    elif isinstance(term, BNode):
        out = ox.BlankNode(str(term))
    elif isinstance(term, Literal):
        if term.language:
            out = ox.Literal(str(term), language=term.language)
        elif term.datatype:
            out = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        else:
            out = ox.Literal(str(term))
    else:  # pragma: no cover - rdflib variables never reach here
        raise TypeError(f"cannot convert {term!r}")
    if cache is not None:
        cache[term] = out
    return out


def to_dataset(docs: Iterable[DocumentGraph]) -> Dataset:
    """All documents as one rdflib Dataset, one named graph each."""
    ds = Dataset()
    bind_all(ds)
    for doc in docs:
        g = ds.graph(URIRef(doc.graph))
        for t in doc.triples:
            g.add(t)
    return ds
