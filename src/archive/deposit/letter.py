"""What every package format says of one document: title, date, languages, licence, parties.

RO-Crate, METS, Dublin Core for DSpace and Archivematica, and the E-ARK descriptive metadata all
describe the same letter; they read it from here, which reads only the extracted graph and the
TEI header (nothing is made up: a party with no name keeps the label its office gives it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import RDF, URIRef

from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, SCHEMA
from archive.rdf.summary import label

# schema.org types a party can have, most specific first as RO-Crate readers expect them
_PARTY_TYPES = (
    (SCHEMA.Person, "Person"),
    (SCHEMA.Organization, "Organization"),
    (SCHEMA.Audience, "Audience"),
)


@dataclass(frozen=True)
class Party:
    uri: str
    name: str
    type: str  # Person, Organization, Audience or Thing


@dataclass(frozen=True)
class Document:
    """One document of a package, as the package's metadata describes it."""

    uri: str
    slug: str
    title: str | None
    date: str | None
    type: str  # "Message" for letters, else "CreativeWork"
    languages: list[str] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    senders: list[Party] = field(default_factory=list)
    to: list[Party] = field(default_factory=list)
    cc: list[Party] = field(default_factory=list)
    cc_groups: list[Party] = field(default_factory=list)  # schema:Audience sent a copy

    @property
    def parties(self) -> list[Party]:
        seen: dict[str, Party] = {}
        for party in [*self.senders, *self.to, *self.cc, *self.cc_groups]:
            seen.setdefault(party.uri, party)
        return list(seen.values())


def describe(doc: DocumentGraph, licences: Sequence[str], languages: Sequence[str]) -> Document:
    """The document as the graph gives it; ``licences`` and ``languages`` from its TEI header
    when the graph has none."""
    g = doc.to_graph()
    node = URIRef(doc.uri)

    def parties(prop: URIRef) -> list[Party]:
        out = []
        for o in dict.fromkeys(o for s, p, o in doc.triples if s == node and p == prop):
            types = set(g.objects(o, RDF.type))
            kind = next((name for cls, name in _PARTY_TYPES if cls in types), "Thing")
            out.append(Party(str(o), label(g, o), kind))
        return out

    langs = [str(o) for o in g.objects(node, SCHEMA.inLanguage)] or list(languages)
    kinds = set(g.objects(node, RDF.type))
    return Document(
        uri=doc.uri,
        slug=doc.slug,
        title=doc.title,
        date=doc.date,
        type="Message" if SCHEMA.Message in kinds else "CreativeWork",
        languages=sorted(dict.fromkeys(langs)),
        licences=[str(o) for o in g.objects(node, SCHEMA.license)] or list(licences),
        senders=parties(SCHEMA.sender),
        to=parties(SCHEMA.toRecipient),
        cc=parties(SCHEMA.ccRecipient),
        cc_groups=parties(ARC.ccAudience),
    )


def addressees(doc: Document) -> str:
    """'Addressed to A, B; copies to C' from the record, for Dublin Core descriptions."""
    parts = []
    if doc.to:
        parts.append("Addressed to " + ", ".join(p.name for p in doc.to))
    if copies := [*doc.cc, *doc.cc_groups]:
        parts.append(("copies to " if parts else "Copies to ") + ", ".join(p.name for p in copies))
    return "; ".join(parts)
