"""What the provider reads from the store for a record: its document's named graph.

A record is made of what its document states, so each document's named graph is read whole
(one lookup in the store's index of that graph) and the fields are picked out in Python: a
SPARQL join over the page's graphs costs more to parse and plan than the graphs cost to read.
The TEI files come from the search index beside the store, the only place the archive keeps
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from archive.rdf.namespaces import CITO, DCTERMS, RDF, RDFS, SCHEMA, SKOS
from archive.store.base import Store
from archive.store.catalog import DocumentInfo

TYPE_PREFIX = "/id/concept/document-type-"
TYPE_BATCH = 50  # documents per query for their types (500 at once is 100 times slower)
SET_SAFE = re.compile(r"^[A-Za-z0-9\-_.~]+$")

# predicate of the document -> field of the Dublin Core record
FIELDS = {
    str(SCHEMA.name): "title",
    str(SCHEMA.sender): "creator",
    str(SCHEMA.author): "creator",
    str(SCHEMA.contributor): "contributor",
    str(SCHEMA.keywords): "subject",
    str(SCHEMA.description): "description",
    str(SCHEMA.abstract): "description",
    str(DCTERMS.type): "type",
    str(SCHEMA.inLanguage): "language",
    str(CITO.cites): "relation",
    str(SCHEMA.locationCreated): "coverage",
    str(SCHEMA.license): "rights",
}
PLACE = str(SCHEMA.Place)


@dataclass
class Value:
    """One value of a field: a text (with its language) or an IRI (with its name, if any)."""

    text: str
    lang: str | None = None
    iri: str | None = None


@dataclass
class Facts:
    """What one document's graph says that the Dublin Core record and the sets need."""

    fields: dict[str, list[Value]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)  # document-type concept IRIs

    def add(self, name: str, value: Value) -> None:
        values = self.fields.setdefault(name, [])
        if all((v.text, v.lang, v.iri) != (value.text, value.lang, value.iri) for v in values):
            values.append(value)


NAMES = (str(SCHEMA.name), str(SKOS.prefLabel), str(RDFS.label), str(SCHEMA.audienceType))
MENTIONS = str(SCHEMA.mentions)
ENCODING = str(SCHEMA.encoding)
LICENSE = str(SCHEMA.license)
TYPE = str(RDF.type)


def graph_facts(document: str, triples: Iterable[ox.Triple | ox.Quad]) -> Facts:
    """What a document's graph says that the record needs, read in one pass over the graph.

    The graph describes the entities it names (their names, types), so everything comes from
    the document's own statements."""
    about: dict[str, list[tuple[str, ox.Term]]] = {}
    for t in triples:
        subject = t.subject
        if isinstance(subject, ox.NamedNode):
            about.setdefault(subject.value, []).append((t.predicate.value, t.object))
    facts = Facts()

    def names(node: ox.Term) -> list[ox.Literal]:
        if not isinstance(node, ox.NamedNode):
            return []
        return [o for p, o in about.get(node.value, ()) if p in NAMES and isinstance(o, ox.Literal)]

    def is_place(node: ox.Term) -> bool:
        return isinstance(node, ox.NamedNode) and any(
            p == TYPE and o.value == PLACE for p, o in about.get(node.value, ())
        )

    statements = sorted(about.get(document, ()), key=lambda po: (po[0], po[1].value))
    for pred, obj in statements:
        kind = FIELDS.get(pred)
        if pred == MENTIONS and is_place(obj):
            kind = "coverage"
        elif pred == ENCODING:
            for p, licence in about.get(obj.value, ()):
                if p == LICENSE:
                    _add(facts, "rights", licence, [])
            continue
        if kind is None:
            continue
        if kind == "type" and isinstance(obj, ox.NamedNode):
            facts.types.append(obj.value)
        _add(facts, kind, obj, names(obj))
    facts.types.sort()
    return facts


def _add(facts: Facts, kind: str, obj: ox.Term, labels: list[ox.Literal]) -> None:
    if isinstance(obj, ox.Literal):
        facts.add(kind, Value(obj.value, obj.language))
    elif isinstance(obj, ox.NamedNode):
        if kind in ("relation", "rights"):
            facts.add(kind, Value(obj.value, iri=obj.value))  # a URI, as DCMI recommends
            return
        label = _best(labels)
        if label is not None:
            facts.add(kind, Value(label.value, label.language, obj.value))
        # a sender or place with no name in the document: nothing true to write but its IRI,
        # which is not a name; it is left out rather than shown as one


def document_types(store: Store, docs: Sequence[DocumentInfo]) -> dict[str, list[str]]:
    """graph -> the document-type concepts its document states (for the sets), from the store's
    default graph (the merged graph), 50 documents a query: the engine looks each one up."""
    out: dict[str, list[str]] = {d.graph: [] for d in docs}
    graph_of = {d.document: d.graph for d in docs if d.document}
    documents = sorted(graph_of)
    for i in range(0, len(documents), TYPE_BATCH):
        values = " ".join(f"<{d}>" for d in documents[i : i + TYPE_BATCH])
        q = f"SELECT ?d ?t WHERE {{ VALUES ?d {{ {values} }} ?d <{DCTERMS.type}> ?t }}"
        for d, t in store.query(q).rows:
            if isinstance(t, ox.NamedNode) and d is not None:
                out[graph_of[d.value]].append(t.value)
    for types in out.values():
        types.sort()
    return out


def document_facts(store: Store, docs: Sequence[DocumentInfo]) -> dict[str, Facts]:
    """graph -> the facts of its document (Dublin Core fields and document types).

    Each document's named graph is read whole, by the store's index of that graph: a page of
    100 records reads 100 small graphs, whatever the size of the store."""
    return {
        d.graph: graph_facts(d.document, store.quads(d.graph)) if d.document else Facts()
        for d in docs
    }


def _best(labels: list[ox.Literal]) -> ox.Literal | None:
    """One name per entity: English, then untagged, then the first in order (stable output)."""
    if not labels:
        return None
    rank = {"en": 0, None: 1}
    return sorted(
        labels, key=lambda lit: (rank.get(lit.language, 2), lit.language or "", lit.value)
    )[0]


def type_slug(base: str, concept: str) -> str | None:
    """``open-letter`` for ``{base}/id/concept/document-type-open-letter`` (a set's name)."""
    prefix = base + TYPE_PREFIX
    if not concept.startswith(prefix):
        return None
    slug = concept[len(prefix) :]
    return slug if SET_SAFE.match(slug) else None


def year_of(date: str | None) -> str | None:
    """The year of a document's date as the catalog gives it (``2014-07-10`` -> ``2014``)."""
    if date and len(date) >= 4 and date[:4].isdigit() and (len(date) == 4 or date[4] == "-"):
        return date[:4]
    return None


def graph_triples(store: Store, graph: str) -> list[ox.Triple]:
    """A document's named graph, as triples (the RDF format's payload)."""
    return [q.triple for q in store.quads(graph)]
