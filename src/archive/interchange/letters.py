"""The correspondence of documents, read from their graphs: who wrote to whom, when, from where.

CMIF describes letters, not graphs. This module reads what the archive knows of each letter
(its document graph, as extracted from TEI or as kept in the store) into plain values that a
writer can turn into CMIF: the senders, addressees and recipients of copies, each with its kind,
the one name it is shown by and its authority identifiers; the date and the place of sending.

The store and TEI files give the same values, because both are read from the same triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from archive.rdf.docgraph import DocumentGraph, Triple
from archive.rdf.namespaces import ARC, ORG, RDF, RDFS, SCHEMA, SKOS
from archive.store.base import Store

# The document's properties that say who took part in the correspondence, and how.
ROLES: dict[URIRef, str] = {
    SCHEMA.sender: "sent",
    SCHEMA.toRecipient: "to",
    SCHEMA.ccRecipient: "cc",
    SCHEMA.bccRecipient: "bcc",
    ARC.ccAudience: "cc",  # a group that received a copy (schema:recipient as well)
    ARC.bccAudience: "bcc",
}
PLACE_OF_SENDING = SCHEMA.locationCreated
PLACE_OF_RECEIPT = ARC.locationReceived
DATE_OF_RECEIPT = SCHEMA.dateReceived
STORE_BATCH = 500  # documents per query when reading a store
DATE_PROPERTIES = (
    SCHEMA.dateCreated,
    ARC.notBefore,
    ARC.notAfter,
    ARC.dateCertainty,
    ARC.dateEvidence,
)
KIND_OF_CLASS: dict[URIRef, str] = {
    SCHEMA.Person: "person",
    SCHEMA.Organization: "org",
    SCHEMA.Audience: "group",
    SCHEMA.Place: "place",
}
# What a participant's description may hold that CMIF can carry (or that names an office).
DESCRIBING = (RDF.type, SCHEMA.name, SCHEMA.sameAs, ORG.holds)
# Terms looked up in loops, resolved once (rdflib namespace attributes are slow).
_TYPE, _NAME, _SAME_AS = RDF.type, SCHEMA.name, SCHEMA.sameAs
_MEMBER, _HOLDS, _LABEL, _PREF_LABEL = ORG.member, ORG.holds, RDFS.label, SKOS.prefLabel
_LINKS = frozenset([*ROLES, PLACE_OF_SENDING, PLACE_OF_RECEIPT])


@dataclass(frozen=True)
class LetterDate:
    """The date of sending as the record states it: exact, or bounds, with its certainty."""

    when: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    certainty: str | None = None
    evidence: str | None = None

    def __bool__(self) -> bool:
        return bool(self.when or self.not_before or self.not_after)


@dataclass(frozen=True)
class Participant:
    """A sender, recipient or place, as the archive knows it across the documents read."""

    node: str  # its IRI in the archive: the same node in two letters is the same participant
    kind: str | None  # person, org, group or place (None: the graph does not say)
    name: str | None  # the one name it is shown by
    authorities: tuple[str, ...] = ()  # canonical authority IRIs (schema:sameAs)
    by_office: bool = False  # unnamed: ``name`` is the office it is addressed by


@dataclass
class Letter:
    """One document's correspondence."""

    document: str  # the document's IRI (its page: cmif.document_page)
    slug: str | None
    date: LetterDate = field(default_factory=LetterDate)
    senders: list[Participant] = field(default_factory=list)
    places: list[Participant] = field(default_factory=list)  # of sending
    to: list[Participant] = field(default_factory=list)
    cc: list[Participant] = field(default_factory=list)
    bcc: list[Participant] = field(default_factory=list)
    received: tuple[str, ...] = ()  # dates of receipt (ISO 8601)
    places_received: list[Participant] = field(default_factory=list)

    @property
    def recipients(self) -> list[Participant]:
        return self.to + self.cc + self.bcc

    @property
    def is_correspondence(self) -> bool:
        """A document that names a sender or a recipient; others (a press release with no
        correspondence description) are not letters and have no place in CMIF."""
        return bool(self.senders or self.recipients)


@dataclass
class _Facts:
    types: set[URIRef] = field(default_factory=set)
    names: set[Literal] = field(default_factory=set)
    authorities: set[str] = field(default_factory=set)
    offices: set[str] = field(default_factory=set)


@dataclass
class _Draft:
    document: str
    slug: str | None
    date: LetterDate
    roles: dict[str, list[str]]
    received: tuple[str, ...] = ()


def preferred_name(names: Iterable[Literal]) -> str | None:
    """The name a participant is shown by when the graphs give several: English or untagged
    first, then the others, each alphabetically (the rule ``archive summary`` uses)."""
    ordered = sorted(names, key=lambda n: (getattr(n, "language", None) not in ("en", None), n))
    return " ".join(str(ordered[0]).split()) if ordered else None


class LetterReader:
    """Reads documents one by one, then gives their letters with one consistent description of
    each participant (the union of what the documents say of it)."""

    def __init__(self) -> None:
        self._facts: dict[str, _Facts] = defaultdict(_Facts)
        self._drafts: list[_Draft] = []

    def add(self, document: str, slug: str | None, triples: Iterable[Triple]) -> None:
        by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        members: dict[Node, list[Node]] = defaultdict(list)  # tenure -> member
        for s, p, o in triples:
            by_subject[s].append((p, o))
            if p == _MEMBER:
                members[o].append(s)
        doc = URIRef(document)
        props = by_subject.get(doc, [])
        roles: dict[str, list[str]] = defaultdict(list)
        for p, o in props:
            if p in _LINKS and isinstance(o, URIRef):
                role = ROLES.get(p) or ("place" if p == PLACE_OF_SENDING else "place received")  # type: ignore[arg-type]
                if str(o) not in roles[role]:
                    roles[role].append(str(o))
                self._describe(str(o), by_subject, members)
        received = tuple(sorted({str(o) for p, o in props if p == DATE_OF_RECEIPT}))
        self._drafts.append(_Draft(document, slug, _date(doc, by_subject), dict(roles), received))

    def add_document(self, doc: DocumentGraph) -> None:
        self.add(doc.uri, doc.slug, doc.triples)

    def _describe(
        self,
        node: str,
        by_subject: dict[Node, list[tuple[Node, Node]]],
        members: dict[Node, list[Node]],
    ) -> None:
        facts = self._facts[node]
        subject = URIRef(node)
        for p, o in by_subject.get(subject, []):
            if p == _TYPE and isinstance(o, URIRef):
                facts.types.add(o)
            elif p == _NAME and isinstance(o, Literal):
                facts.names.add(o)
            elif p == _SAME_AS and isinstance(o, URIRef):
                facts.authorities.add(str(o))
        # A person addressed by office alone has no name: the office as the record words it
        # (the tenure's label), else the post's label, is what the letter calls them.
        for tenure in members.get(subject, []):
            for p, o in by_subject.get(tenure, []):
                if p == _LABEL and isinstance(o, Literal):
                    facts.offices.add(" ".join(str(o).split()))
        if not facts.offices:
            for p, post in by_subject.get(subject, []):
                if p == _HOLDS:
                    for p2, label in by_subject.get(post, []):
                        if p2 == _PREF_LABEL and isinstance(label, Literal):
                            facts.offices.add(str(label))

    def participant(self, node: str) -> Participant:
        facts = self._facts[node]
        kinds = [KIND_OF_CLASS[t] for t in KIND_OF_CLASS if t in facts.types]
        name = preferred_name(facts.names)
        by_office = name is None and bool(facts.offices)
        if by_office:
            name = sorted(facts.offices)[0]
        return Participant(
            node=node,
            kind=kinds[0] if kinds else None,
            name=name,
            authorities=tuple(sorted(facts.authorities)),
            by_office=by_office,
        )

    def letters(self) -> list[Letter]:
        """Every document read, by date of sending, then by document IRI."""
        cache: dict[str, Participant] = {}

        def people(nodes: Sequence[str]) -> list[Participant]:
            out = []
            for node in nodes:
                if node not in cache:
                    cache[node] = self.participant(node)
                out.append(cache[node])
            return sorted(out, key=lambda x: ((x.name or "").casefold(), x.node))

        out = [
            Letter(
                document=d.document,
                slug=d.slug,
                date=d.date,
                senders=people(d.roles.get("sent", [])),
                places=people(d.roles.get("place", [])),
                to=people(d.roles.get("to", [])),
                cc=people(d.roles.get("cc", [])),
                bcc=people(d.roles.get("bcc", [])),
                received=d.received,
                places_received=people(d.roles.get("place received", [])),
            )
            for d in self._drafts
        ]
        out.sort(key=lambda x: (_sort_date(x.date), x.document))
        return out


def _date(doc: URIRef, by_subject: dict[Node, list[tuple[Node, Node]]]) -> LetterDate:
    """The date of sending. A translation is dated by its original (``arc:ownDateUnknown``):
    the letter that was written and sent is the original, and CMIF describes that letter."""
    subject: Node = doc
    props = dict(by_subject.get(doc, []))
    if props.get(ARC.ownDateUnknown) is not None and props.get(SCHEMA.translationOfWork):
        subject = props[SCHEMA.translationOfWork]
    values: dict[Node, str] = {}
    for p, o in by_subject.get(subject, []):
        if p in DATE_PROPERTIES and isinstance(o, Literal) and p not in values:
            values[p] = str(o)
    return LetterDate(
        when=values.get(SCHEMA.dateCreated),
        not_before=values.get(ARC.notBefore),
        not_after=values.get(ARC.notAfter),
        certainty=values.get(ARC.dateCertainty),
        evidence=values.get(ARC.dateEvidence),
    )


def _sort_date(date: LetterDate) -> str:
    return date.when or date.not_before or date.not_after or "9999"


def letters_from_documents(docs: Iterable[DocumentGraph]) -> list[Letter]:
    """The letters of extracted documents (authority files, which describe no letter, are
    left out)."""
    reader = LetterReader()
    for doc in docs:
        if doc.kind == "document":
            reader.add_document(doc)
    return reader.letters()


def letters_from_store(store: Store, batch: int = STORE_BATCH) -> list[Letter]:
    """The letters of every document in a store, read with one query per batch of documents
    (only the triples the correspondence needs cross the wire, embedded or served)."""
    reader = LetterReader()
    docs = [d for d in store.documents() if d.document]
    for start in range(0, len(docs), batch):
        chunk = docs[start : start + batch]
        values = " ".join(f"(<{d.graph}> <{d.document}>)" for d in chunk)
        rows = store.query(_STORE_QUERY.replace("$VALUES", values)).rows
        by_graph: dict[str, list[Triple]] = defaultdict(list)
        for g, s, p, o in rows:
            by_graph[g.value].append((_rdflib(s), _rdflib(p), _rdflib(o)))  # type: ignore[union-attr]
        for d in chunk:
            reader.add(d.document, d.slug, by_graph.get(d.graph, []))  # type: ignore[arg-type]
    return reader.letters()


def _values(terms: Iterable[URIRef]) -> str:
    return " ".join(f"<{t}>" for t in terms)


_AGENT_ROLES = _values(ROLES)
_ALL_ROLES = _values([*ROLES, PLACE_OF_SENDING, PLACE_OF_RECEIPT])
_STORE_QUERY = f"""SELECT ?g ?s ?p ?o WHERE {{
  VALUES (?g ?doc) {{ $VALUES }}
  GRAPH ?g {{
    {{ ?doc ?p ?o . BIND(?doc AS ?s)
      VALUES ?p {{ {_ALL_ROLES} {_values(DATE_PROPERTIES)} <{ARC.ownDateUnknown}>
                  <{DATE_OF_RECEIPT}> <{SCHEMA.translationOfWork}> }} }}
    UNION {{ ?doc ?r ?s . VALUES ?r {{ {_ALL_ROLES} }} ?s ?p ?o .
             VALUES ?p {{ {_values(DESCRIBING)} }} }}
    UNION {{ ?doc ?r ?a . VALUES ?r {{ {_AGENT_ROLES} }} ?s <{ORG.member}> ?a ; ?p ?o .
             VALUES ?p {{ <{ORG.member}> <{RDFS.label}> }} }}
    UNION {{ ?doc ?r ?a . VALUES ?r {{ {_AGENT_ROLES} }} ?a <{ORG.holds}> ?s . ?s ?p ?o .
             VALUES ?p {{ <{SKOS.prefLabel}> }} }}
    UNION {{ ?doc <{SCHEMA.translationOfWork}> ?s . ?s ?p ?o .
             VALUES ?p {{ {_values(DATE_PROPERTIES)} }} }}
  }}
}}"""


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))
