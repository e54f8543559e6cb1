"""A document made ready for the store: its triples as N-Triples text, its index keys, digests.

Preparing is the costly part of writing a document (rendering every term, computing index keys
and digests), and needs nothing from the store, so ``archive load`` does it in the validation
workers. What crosses to the process that writes is then one string and a few small values, not
a list of rdflib terms to pickle, convert and render again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, URIRef
from rdflib import Literal as RDFLiteral

from archive.errors import StoreError
from archive.rdf.docgraph import DocumentGraph
from archive.store.index import INDEXES, Key, NTriple

INDEXED_PREDICATES = {URIRef(p[1:-1]) for index in INDEXES for p in index.predicates}


def nt(term: Any) -> str:
    """A term (rdflib or pyoxigraph) in N-Triples syntax, refusing what would break a request."""
    import pyoxigraph as ox

    if isinstance(term, URIRef | RDFLiteral | BNode):
        try:
            text = term.n3()
        except Exception as exc:  # rdflib raises a bare Exception for bad IRIs
            raise StoreError(f"cannot write {term!r}: {exc}") from exc
        if isinstance(term, BNode) and not _valid_label(str(term)):
            raise StoreError(f"cannot write the blank node {term!r}: not a valid label")
        return text
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return str(term)
    if isinstance(term, str):
        return nt(URIRef(term))
    raise StoreError(f"cannot write {term!r}: not an RDF term")


def _valid_label(label: str) -> bool:
    """N-Triples' BLANK_NODE_LABEL, near enough: what the store's parsers accept."""
    return (
        bool(label)
        and (label[0].isalnum() or label[0] == "_")
        and all(c.isalnum() or c in "_-." for c in label)
        and label[-1] != "."
    )


@dataclass(slots=True)
class StoreDocument:
    """What the store writes for one document, computed once (see :func:`prepare`)."""

    slug: str
    uri: str  # the document's IRI
    graph: str  # its named graph
    body: str  # its triples in N-Triples, one per line, each line ending with " ."
    triples: int  # distinct triples
    sha256: str  # the source file's SHA-256 (or a digest of the triples, without a file)
    digest: str  # SHA-256 of the sorted triples: the graph's content, whatever the source
    keys: dict[str, list[Key]] = field(default_factory=dict)  # index name -> keys
    title: str | None = None
    date: str | None = None
    source: str | None = None  # the TEI file's path, for reports
    has_blank_nodes: bool = False
    kind: str = "document"  # or "authority": a file of entities, not a document

    @property
    def source_name(self) -> str | None:
        return Path(self.source).name if self.source else None

    def quads(self, graph: str | None) -> str:
        """The body as N-Quads in ``graph`` (None: the default graph)."""
        if graph is None:
            return self.body
        return self.body.replace(" .\n", f" <{graph}> .\n")


def _check_syntax(body: str, slug: str) -> None:
    """Parse the rendering once: a term rdflib writes but the store would refuse (a relative
    IRI, say) fails this document alone, not the bulk write it would have joined."""
    import pyoxigraph as ox

    try:
        for _ in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            pass
    except SyntaxError as exc:
        raise StoreError(f"cannot write the document {slug}: {exc}") from exc


def prepare(doc: DocumentGraph | StoreDocument) -> StoreDocument:
    """Render a document for the store; :class:`~archive.errors.StoreError` if it cannot be."""
    if isinstance(doc, StoreDocument):
        return doc
    lines: list[str] = []
    seen: set[str] = set()
    indexed: list[NTriple] = []
    blank = False
    for s, p, o in doc.triples:
        ts, tp, to = nt(s), nt(p), nt(o)
        line = f"{ts} {tp} {to} ."
        if line in seen:
            continue
        seen.add(line)
        lines.append(line)
        blank = blank or isinstance(s, BNode) or isinstance(o, BNode)
        if p in INDEXED_PREDICATES:
            indexed.append((ts, tp, to))
    body = "".join(line + "\n" for line in lines)
    _check_syntax(body, doc.slug)
    digest = hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()
    sha = doc.sha256 or "triples:" + digest
    subject = nt(URIRef(doc.uri)) if doc.uri else ""
    keys = {index.name: sorted(index.keys(subject, indexed)) for index in INDEXES}
    return StoreDocument(
        slug=doc.slug,
        uri=doc.uri,
        graph=doc.graph,
        body=body,
        triples=len(lines),
        sha256=sha,
        digest=digest,
        keys=keys,
        title=doc.title,
        date=doc.date,
        source=str(doc.source) if doc.source else None,
        has_blank_nodes=blank,
        kind=doc.kind,
    )
