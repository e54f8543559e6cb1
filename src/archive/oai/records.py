"""What the provider reads from the store for a page of records, in one query per page.

Each document's facts are read from its own named graph (what the document states), for every
record of a page at once: a page of 100 records costs the same few queries whatever the size
of the store. The TEI files come from the search index beside the store, the only place the
archive keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from archive.rdf.namespaces import CITO, DCTERMS, RDFS, SCHEMA, SKOS
from archive.store.base import Store
from archive.store.catalog import DocumentInfo

TYPE_PREFIX = "/id/concept/document-type-"
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
COVERAGE = "urn:archive:oai:coverage"  # a mentioned place (bound in the query)
LICENCE = "urn:archive:oai:licence"  # the TEI file's licence (bound in the query)


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


def _per_graph(pairs: Sequence[tuple[str, str]], body: str) -> str:
    """One block per document, its graph and document IRIs written out: a join on ``VALUES``
    with ``GRAPH ?g`` would make the engine read every named graph of the store."""
    blocks = []
    for g, d in pairs:
        inner = body.replace("?d", f"<{d}>")
        blocks.append(f"{{ GRAPH <{g}> {{ {inner} }} BIND (<{g}> AS ?g) }}")
    return "\n  UNION ".join(blocks)


def document_types(store: Store, docs: Sequence[DocumentInfo]) -> dict[str, list[str]]:
    """graph -> the document-type concepts its document states (for the sets)."""
    pairs = [(d.graph, d.document) for d in docs if d.document]
    out: dict[str, list[str]] = {d.graph: [] for d in docs}
    if not pairs:
        return out
    q = f"SELECT ?g ?t WHERE {{ {_per_graph(pairs, f'?d <{DCTERMS.type}> ?t')} }}"
    for g, t in store.query(q).rows:
        if isinstance(t, ox.NamedNode):
            out.setdefault(g.value, []).append(t.value)  # type: ignore[union-attr]
    for types in out.values():
        types.sort()
    return out


def document_facts(store: Store, docs: Sequence[DocumentInfo]) -> dict[str, Facts]:
    """graph -> the facts of its document the Dublin Core record is made of."""
    pairs = [(d.graph, d.document) for d in docs if d.document]
    out: dict[str, Facts] = {d.graph: Facts() for d in docs}
    if not pairs:
        return out
    preds = ", ".join(f"<{p}>" for p in FIELDS if p != str(SCHEMA.license))
    names = f"<{SCHEMA.name}>|<{SKOS.prefLabel}>|<{RDFS.label}>|<{SCHEMA.audienceType}>"
    body = f"""{{ ?d ?p ?o FILTER (?p IN ({preds})) OPTIONAL {{ ?o {names} ?name }} }}
    UNION {{ ?d <{SCHEMA.mentions}> ?o . ?o a <{PLACE}> BIND (<{COVERAGE}> AS ?p)
             OPTIONAL {{ ?o {names} ?name }} }}
    UNION {{ ?d <{SCHEMA.encoding}> ?f . ?f <{SCHEMA.license}> ?o BIND (<{LICENCE}> AS ?p) }}"""
    q = f"SELECT ?g ?p ?o ?name WHERE {{ {_per_graph(pairs, body)} }}"
    named: dict[tuple[str, str, str], list[ox.Literal]] = {}
    plain: list[tuple[str, str, ox.Literal]] = []
    for g, p, o, name in store.query(q).rows:
        graph, pred = g.value, p.value  # type: ignore[union-attr]
        if pred == COVERAGE:
            pred = str(SCHEMA.locationCreated)
        elif pred == LICENCE:
            pred = str(SCHEMA.license)
        if isinstance(o, ox.Literal):
            plain.append((graph, pred, o))
        elif isinstance(o, ox.NamedNode):
            names_of = named.setdefault((graph, pred, o.value), [])
            if isinstance(name, ox.Literal):
                names_of.append(name)
    for graph, pred, lit in sorted(plain, key=lambda t: (t[0], t[1], t[2].value)):
        out[graph].add(FIELDS[pred], Value(lit.value, lit.language))
    for (graph, pred, value), labels in sorted(named.items()):
        facts = out[graph]
        kind = FIELDS[pred]
        if kind == "type":
            facts.types.append(value)
        label = _best(labels)
        if kind in ("relation", "rights"):
            facts.add(kind, Value(value, iri=value))  # a URI, as DCMI recommends
        elif label is not None:
            facts.add(kind, Value(label.value, label.language, value))
        # a sender or place with no name in the document: nothing true to write but its IRI,
        # which is not a name; it is left out rather than shown as one
    return out


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
