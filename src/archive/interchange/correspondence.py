"""The correspondence part of document graphs: what a round trip through CMIF must keep.

For each document: its senders, addressees and recipients of copies (``schema:sender``,
``schema:toRecipient``, ``schema:ccRecipient``, ``schema:bccRecipient``, and for a group in
copy ``schema:recipient`` with ``arc:ccAudience``), its place of sending
(``schema:locationCreated``) and of receipt (``arc:locationReceived``), its date of receipt
(``schema:dateReceived``) and its date of sending (``schema:dateCreated``, ``arc:notBefore``,
``arc:notAfter``, ``arc:dateCertainty``, ``arc:dateEvidence``; a translation's are its
original's). For each participant and place: its kind (``schema:Person``,
``schema:Organization``, ``schema:Audience``, ``schema:Place``), the one name it is shown by
(plain text; an unnamed office-holder by the office the record words) and its authority IRIs
(``schema:sameAs``).

A participant with an authority IRI keeps its IRI (the archive keys it by the authority, so any
file that names the same authority meets the same node). One without is a blank node: CMIF has
no identifier for it, so what must survive is its description and which letters it takes part
in, not the slug the archive minted. Two graphs of this kind are compared with
``rdflib.compare.isomorphic``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from archive.interchange.letters import (
    DATE_OF_RECEIPT,
    DATE_PROPERTIES,
    KIND_OF_CLASS,
    PLACE_OF_RECEIPT,
    PLACE_OF_SENDING,
    ROLES,
    preferred_name,
)
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, ORG, RDF, RDFS, SCHEMA, SKOS, bind_all

LINKS = (*ROLES, SCHEMA.recipient, PLACE_OF_SENDING, PLACE_OF_RECEIPT)
PAGE = re.compile(r"(?P<base>.+)/document/(?P<slug>[^/]+)\.html")


def document_of_page(url: str) -> str:
    """The document IRI of a document's page (``cmif.document_page`` the other way)."""
    m = PAGE.fullmatch(url)
    return f"{m['base']}/id/document/{m['slug']}" if m else url


def correspondence_graph(docs: Iterable[DocumentGraph], by_url: bool = False) -> Graph:
    """The correspondence part of ``docs``, each document under its IRI; ``by_url`` finds that
    IRI from the document's ``schema:url`` (a document read back from CMIF has the page its
    ``correspDesc/@ref`` gives, not the IRI the original had)."""
    out = Graph()
    bind_all(out)
    names: dict[URIRef, set[Literal]] = defaultdict(set)
    offices: dict[URIRef, set[str]] = defaultdict(set)
    authorities: dict[URIRef, set[URIRef]] = defaultdict(set)
    kinds: dict[URIRef, set[URIRef]] = defaultdict(set)
    links: list[tuple[URIRef, URIRef, URIRef]] = []
    for doc in docs:
        if doc.kind != "document":
            continue
        g = doc.to_graph()
        d = URIRef(doc.uri)
        page = d
        if by_url:
            urls = list(g.objects(d, SCHEMA.url))
            if len(urls) != 1:
                raise ValueError(f"{doc.uri} has {len(urls)} schema:url values, not one")
            page = URIRef(document_of_page(str(urls[0])))
        for p in LINKS:
            for a in g.objects(d, p):
                if not isinstance(a, URIRef):
                    continue
                links.append((page, p, a))
                kinds[a] |= {t for t in g.objects(a, RDF.type) if t in KIND_OF_CLASS}
                names[a] |= {n for n in g.objects(a, SCHEMA.name) if isinstance(n, Literal)}
                authorities[a] |= {s for s in g.objects(a, SCHEMA.sameAs) if isinstance(s, URIRef)}
                for tenure in g.subjects(ORG.member, a):
                    offices[a] |= {" ".join(str(x).split()) for x in g.objects(tenure, RDFS.label)}
                if not offices[a]:
                    for post in g.objects(a, ORG.holds):
                        offices[a] |= {str(x) for x in g.objects(post, SKOS.prefLabel)}
        dated: Node = d
        original = g.value(d, SCHEMA.translationOfWork)
        if g.value(d, ARC.ownDateUnknown) is not None and original is not None:
            dated = original
        for p in DATE_PROPERTIES:
            for value in g.objects(dated, p):
                out.add((page, p, value))
        for value in g.objects(d, DATE_OF_RECEIPT):
            out.add((page, DATE_OF_RECEIPT, value))

    def node(a: URIRef) -> URIRef | BNode:
        return a if authorities[a] else BNode(f"n{abs(hash(str(a)))}")

    for page, p, a in links:
        out.add((page, p, node(a)))
    for a in kinds:
        n = node(a)
        for t in kinds[a]:
            out.add((n, RDF.type, t))
        name = preferred_name(names[a]) or (sorted(offices[a])[0] if offices[a] else None)
        if name:
            out.add((n, SCHEMA.name, Literal(name)))
        for s in authorities[a]:
            out.add((n, SCHEMA.sameAs, s))
    return out
