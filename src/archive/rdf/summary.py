"""A short account of one document: what it names, who sent it, to whom, who got copies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, ORG, RDF, RDFS, SCHEMA, SKOS

KINDS = (
    ("organisations", SCHEMA.Organization),
    ("people", SCHEMA.Person),
    ("groups", SCHEMA.Audience),
    ("places", SCHEMA.Place),
    ("events", SCHEMA.Event),
    ("offices", ORG.Post),
)


@dataclass
class Summary:
    uri: str
    title: str | None
    date: str | None
    counts: dict[str, int] = field(default_factory=dict)
    senders: list[str] = field(default_factory=list)
    addressees: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    triples: int = 0
    # in a file of several letters (CMIF): "3 of 15, line 47", in document order
    letter: str | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def label(g: Graph, node: Node) -> str:
    """A name for display: schema:name (English first), else the office held, else the URI."""
    names = list(g.objects(node, SCHEMA.name))
    if names:
        names.sort(key=lambda n: (getattr(n, "language", None) not in ("en", None), str(n)))
        return str(names[0])
    for tenure in g.subjects(ORG.member, node):
        office = g.value(tenure, RDFS.label)
        if office is not None:
            return f"{office} (not named)"
    for post in g.objects(node, ORG.holds):
        pref = g.value(post, SKOS.prefLabel)
        if pref is not None:
            return f"{pref} (not named)"
    return str(node)


def summarise(doc: DocumentGraph, position: tuple[int, int] | None = None) -> Summary:
    """The summary of one document; ``position`` (n, of) when its file holds several letters,
    so that a reader sees which one it is and that they come in the file's order."""
    g = doc.to_graph()
    d = URIRef(doc.uri)
    counts: Counter[str] = Counter()
    for name, cls in KINDS:
        counts[name] = len(set(g.subjects(RDF.type, cls)))
    counts["cited works"] = len(set(g.objects(d, SCHEMA.citation)))

    def names(prop: URIRef) -> list[str]:
        return sorted((label(g, o) for o in g.objects(d, prop)), key=str.casefold)

    title = g.value(d, SCHEMA.name)
    date = g.value(d, SCHEMA.dateCreated)
    shown = str(date) if date is not None else doc.date
    if date is None and g.value(d, ARC.ownDateUnknown) is not None and doc.date:
        shown = f"unknown (a translation; its original is dated {doc.date})"
    return Summary(
        uri=doc.uri,
        title=str(title) if isinstance(title, Literal) else None,
        date=shown,
        counts=dict(counts),
        senders=names(SCHEMA.sender),
        addressees=names(SCHEMA.toRecipient),
        copies=sorted(names(SCHEMA.ccRecipient) + names(ARC.ccAudience), key=str.casefold),
        cited=names(SCHEMA.citation),
        triples=len(doc.triples),
        letter=_letter(doc, position),
    )


def summarise_all(docs: list[DocumentGraph]) -> list[Summary]:
    """The summaries of a file's documents, in document order (a CMIF file's letters as its
    correspDescs come, whatever their keys say)."""
    n = len(docs)
    return [summarise(d, (i, n) if n > 1 else None) for i, d in enumerate(docs, 1)]


def _letter(doc: DocumentGraph, position: tuple[int, int] | None) -> str | None:
    if position is None:
        return None
    line = doc.lines.get(doc.uri)
    return f"{position[0]} of {position[1]}" + (f", line {line}" if line else "")


SINGULAR = {
    "organisations": "organisation",
    "people": "person",
    "groups": "group",
    "places": "place",
    "events": "event",
    "offices": "office",
    "cited works": "cited work",
}


def _number(noun: str, n: int) -> str:
    return SINGULAR.get(noun, noun) if n == 1 else noun


def render(summary: Summary) -> str:
    lines = [
        f"Document   {summary.uri}",
        *([f"Letter     {summary.letter} of the file"] if summary.letter else []),
        f"Title      {summary.title or '(none)'}",
        f"Date       {summary.date or '(unknown)'}",
        "Named      " + ", ".join(f"{n} {_number(k, n)}" for k, n in summary.counts.items()),
        f"Triples    {summary.triples}",
        f"Senders ({len(summary.senders)}):",
        *(f"  - {s}" for s in summary.senders),
        f"Addressees ({len(summary.addressees)}):",
        *(f"  - {s}" for s in summary.addressees),
        f"Copies to ({len(summary.copies)}):",
        *(f"  - {s}" for s in summary.copies),
    ]
    if summary.cited:
        lines += [f"Cites ({len(summary.cited)}):", *(f"  - {s}" for s in summary.cited)]
    return "\n".join(lines)
