"""The triple store: one named graph per document and a merged graph, behind one interface.

Two backends share this module's logic: the embedded pyoxigraph store
(:mod:`archive.store.embedded`, the default) and any SPARQL 1.1 server
(:mod:`archive.store.remote`). Both are written to through SPARQL 1.1 Update, so that one
request replaces a document's graph, its share of the merged graph, its catalog entry and its
share of the count indexes together: Oxigraph applies an update request as one transaction,
embedded or served, and no query sees half a document.

**The dataset a query sees** (the public contract, ``docs/store.md``): its default graph is the
*merged graph*, in which every triple that any document states appears once (set semantics: a
fact stated by 80 documents is one row), and each document's named graph says what that
document states (``GRAPH ?g``). The merged graph is the store's default graph on Oxigraph; on a
server whose default graph is the union of every graph (Virtuoso) it is the named graph
``{base}/graph/_merged``, and queries are sent with it as their ``default-graph-uri``. A triple
leaves the merged graph only when no document states it any more.

Besides, the store keeps graphs of its own under ``{base}/graph/_``: the catalog, tombstones
and the store's state (:mod:`archive.store.catalog`), and count indexes
(:mod:`archive.store.index`) for the questions that join every document.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import IO, Any, Literal

import pyoxigraph as ox
from rdflib import Literal as RDFLiteral
from rdflib import URIRef

from archive.errors import (
    QueryError,
    StoreError,
    StoreNeedsRepair,
    StoreUnavailable,
    UpdateOutcomeUnknown,
    UsageError,
)
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, DCTERMS, PREFIXES, RDF, XSD
from archive.rdf.uris import URIs
from archive.store import catalog as cat
from archive.store.catalog import (
    CATALOG_SLUG,
    FIELDS,
    STORE_FORMAT,
    TOMBSTONES_SLUG,
    Change,
    ChangePage,
    DocumentInfo,
    Stamp,
    entry_lines,
    later,
    now_iso,
    tombstone_lines,
)
from archive.store.document import StoreDocument, nt, prepare
from archive.store.index import COSIGNATORIES, INDEXES, CountIndex, Key, NTriple

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = tuple[OxTerm | None, ...]

DEFAULT_BATCH = 100
REBUILD_CHUNK = 50_000  # index keys per request when rebuilding
REPAIR_CHUNK = 500  # documents per request when finishing an interrupted load

EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}

__all__ = [
    "CATALOG_SLUG",
    "Change",
    "ChangePage",
    "DocumentInfo",
    "Health",
    "LoadResult",
    "Outcome",
    "QueryResult",
    "Store",
    "StoreStats",
    "chunks",
    "fingerprint",
    "iri",
    "keys_of",
    "lit",
    "now_iso",
    "nt",
]


# --- values ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    LOADED = "loaded"  # a new document graph
    REPLACED = "replaced"  # the document changed: its graph was replaced
    UNCHANGED = "unchanged"  # same source digest: nothing written
    FAILED = "failed"  # nothing of this document was written


@dataclass(slots=True)
class LoadResult:
    """What happened to one document."""

    slug: str
    graph: str
    outcome: Outcome
    triples: int = 0
    source: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "slug": self.slug,
            "graph": self.graph,
            "outcome": self.outcome.value,
            "triples": self.triples,
        }
        if self.source:
            out["source"] = self.source
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class StoreStats:
    location: str
    backend: str
    documents: int
    document_triples: int
    merged_triples: int
    quads: int
    graphs: int
    cosignatory_pairs: int
    tombstones: int = 0
    merged_graph: str = "default graph"
    earliest: str | None = None
    latest: str | None = None
    undated: int = 0
    last_loaded: str | None = None
    disk_bytes: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class QueryResult:
    """A query's answer, whatever the backend: rows of pyoxigraph terms, a boolean, or triples."""

    kind: Literal["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def records(self) -> list[dict[str, OxTerm]]:
        """Rows as dicts without unbound variables (handy in tests and scripts)."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    def values(self) -> list[tuple[str | None, ...]]:
        """Rows as plain strings: IRIs and lexical forms."""
        return [tuple(None if t is None else t.value for t in row) for row in self.rows]


def result_from_ox(answer: Any) -> QueryResult:
    """Normalise what ``pyoxigraph`` returns (or parses) into a :class:`QueryResult`."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows = [tuple(sol[i] for i in range(len(variables))) for sol in answer]
        return QueryResult("select", variables=variables, rows=rows)
    return QueryResult("graph", triples=list(answer))


@dataclass(frozen=True)
class Layout:
    """The store's state: its format, where its merged graph is, the last sequence and datestamp.

    ``format`` is None for a store nothing was written to yet, 1 for a store written by an
    earlier version (documents, but no merged graph), :data:`STORE_FORMAT` otherwise.
    """

    format: int | None
    merged: str | None  # None: the store's default graph
    last_sequence: int = 0
    last_datestamp: str | None = None
    unfinished: tuple[str, ...] = ()  # rebuilds that were interrupted: "merged", "indexes"


@dataclass
class Health:
    """What stops a store from answering correctly, and what repairing it would do."""

    location: str
    format: int | None
    pending: int = 0  # documents written by a bulk load whose index share is not applied
    unfinished: tuple[str, ...] = ()
    temporary_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        out = []
        if self.format is not None and self.format < STORE_FORMAT:
            out.append(
                f"was written by an earlier version of archive (store format {self.format}: no "
                "merged graph, no harvest datestamps)"
            )
        if self.pending:
            out.append(
                f"holds an interrupted load: {self.pending} document(s) it wrote still need "
                "their share of the count indexes"
            )
        for what in self.unfinished:
            out.append(f"holds an interrupted rebuild of the {what}")
        if self.temporary_files:
            out.append(f"holds {self.temporary_files} temporary file(s) of an interrupted load")
        return out

    def message(self) -> str:
        return f"the store at {self.location} " + "; it ".join(self.problems())


# --- rendering for SPARQL Update -------------------------------------------------------------


def iri(value: str) -> str:
    return nt(URIRef(value))


def lit(value: object, datatype: URIRef | None = None) -> str:
    return RDFLiteral(value, datatype=datatype).n3() if datatype else RDFLiteral(value).n3()


def fingerprint(doc: DocumentGraph | StoreDocument) -> str:
    """The source file's SHA-256; for documents built without a file, a digest of the triples."""
    if isinstance(doc, DocumentGraph) and doc.sha256:
        return doc.sha256
    return prepare(doc).sha256


def keys_of(doc: DocumentGraph | StoreDocument) -> dict[str, set[Key]]:
    """Each index's keys for one document."""
    return {name: set(keys) for name, keys in prepare(doc).keys.items()}


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def _values(graphs: Iterable[str]) -> str:
    return " ".join(iri(g) for g in graphs)


# --- the store -------------------------------------------------------------------------------


class Store(ABC):
    """What every backend offers. Subclasses supply the primitives: read, update, query, quads."""

    backend = "abstract"

    def __init__(self, base: str | None = None) -> None:
        self.uris = URIs(base)
        self.base = self.uris.base
        self.catalog_graph = self.uris.graph(CATALOG_SLUG)
        self.tombstone_graph = self.uris.graph(TOMBSTONES_SLUG)
        self.index_graph = COSIGNATORIES.graph(self.base)  # the co-signatory index
        self.internal_prefix = f"{self.base}/graph/_"
        self._unavailable: str | None = None  # set when a server went away during a load
        self._layout: Layout | None = None
        self.notes: list[str] = []  # what a repair did, for the caller to show

    # primitives -------------------------------------------------------------------------------

    @property
    @abstractmethod
    def location(self) -> str:
        """A path or an endpoint URL, for messages."""

    @abstractmethod
    def _select(self, query: str) -> QueryResult:
        """Run an internal SELECT (explicit GRAPH patterns; the store's default graph)."""

    @abstractmethod
    def _update(self, update: str) -> None:
        """Apply one SPARQL Update request as one transaction."""

    @abstractmethod
    def _query(self, query: str) -> QueryResult:
        """Run a user query over the store's dataset (:meth:`query`)."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (or those of one named graph), streamed, for export."""

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release the store (file lock, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _decide_merged_graph(self) -> str | None:
        """Where a new store keeps its merged graph: the default graph unless the backend's
        default graph is something else (see :class:`~archive.store.remote.RemoteStore`)."""
        return None

    # the store's state ------------------------------------------------------------------------

    def is_internal(self, graph: str) -> bool:
        return graph.startswith(self.internal_prefix)

    @property
    def merged_graph(self) -> str | None:
        """The named graph holding the merged graph, or None when it is the default graph."""
        return self.layout().merged

    def layout(self, refresh: bool = False) -> Layout:
        if self._layout is None or refresh:
            self._layout = self._read_layout()
        return self._layout

    def _read_layout(self) -> Layout:
        c = iri(self.catalog_graph)
        rows = self._select(f"SELECT ?p ?o WHERE {{ GRAPH {c} {{ {c} ?p ?o }} }}").values()
        fmt: int | None = None
        merged = None
        sequence = 0
        stamp: str | None = None
        unfinished: list[str] = []
        for p, o in rows:
            if p == str(ARC.storeFormat):
                fmt = int(o)  # type: ignore[arg-type]
            elif p == str(ARC.mergedGraph):
                merged = o
            elif p == str(ARC.lastSequence):
                sequence = max(sequence, int(o))  # type: ignore[arg-type]
            elif p == str(DCTERMS.modified):
                stamp = max(stamp or "", o or "") or None
            elif p == str(ARC.unfinished):
                unfinished.append(o)  # type: ignore[arg-type]
        if fmt is None:
            q = f"ASK {{ GRAPH {c} {{ ?g a {iri(ARC.DocumentGraph)} }} }}"
            if self._select(q).boolean:
                fmt = 1
        return Layout(fmt, merged, sequence, stamp, tuple(sorted(unfinished)))

    def health(self) -> Health:
        """Whether the store can answer: see :class:`Health`. Cheap (a few index lookups)."""
        layout = self.layout(refresh=True)
        q = f"""SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {iri(ARC.indexPending)} ?x }} }}"""
        ((pending,),) = self._select(q).values()
        return Health(
            self.location,
            layout.format,
            pending=int(pending or 0),
            unfinished=layout.unfinished,
            temporary_files=len(self._temporary_files()),
        )

    def _temporary_files(self) -> list[Any]:
        return []

    def check_ready(self) -> None:
        """Raise :class:`StoreNeedsRepair` unless the store can answer correctly."""
        health = self.health()
        if not health.ok:
            raise StoreNeedsRepair(health.message())

    def _ensure_writable(self) -> Layout:
        """Before a write: repair what an interruption left, and start a new store's state."""
        health = self.health()
        if not health.ok:
            self.repair()
        layout = self.layout()
        if layout.format is None:
            merged = self._decide_merged_graph()
            c = iri(self.catalog_graph)
            lines = [
                f"{c} {cat.TYPE} {cat.CATALOG}",
                f"{c} {cat.FORMAT} {lit(STORE_FORMAT, XSD.integer)}",
            ]
            if merged:
                lines.append(f"{c} {cat.MERGED} {iri(merged)}")
            self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(lines)} }} }}", _resend)
            layout = self.layout(refresh=True)
        return layout

    def _in_merged(self, pattern: str) -> str:
        m = self.layout().merged
        return f"GRAPH {iri(m)} {{ {pattern} }}" if m else pattern

    def _document_graph_filter(self, var: str) -> str:
        return (
            f'STRSTARTS(STR({var}), "{self.base}/graph/") '
            f'&& !STRSTARTS(STR({var}), "{self.internal_prefix}")'
        )

    # reading ----------------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Every document in the catalog, by date then graph."""
        return self._catalog()

    def _catalog(self, graphs: Iterable[str] | None = None) -> list[DocumentInfo]:
        values = ""
        if graphs is not None:
            gs = list(graphs)
            if not gs:
                return []
            values = "VALUES ?g { " + _values(gs) + " }"
        # One pattern, pivoted here: with seven OPTIONALs, pyoxigraph joined the whole catalog
        # for each lookup (28 ms per document at 100,000 documents).
        q = f"""SELECT ?g ?p ?o WHERE {{
  {values}
  GRAPH {iri(self.catalog_graph)} {{ ?g ?p ?o }}
}}"""
        entries: dict[str, dict[str, str]] = {}
        typed: set[str] = set()
        for g, p, o in self._select(q).rows:
            graph, prop = g.value, p.value  # type: ignore[union-attr]
            entry = entries.setdefault(graph, {})
            if prop == str(RDF.type) and o.value == str(ARC.DocumentGraph):  # type: ignore[union-attr]
                typed.add(graph)
            elif prop in FIELDS:
                entry[FIELDS[prop]] = o.value  # type: ignore[union-attr]
        out = [self._info(g, e) for g, e in entries.items() if g in typed]
        out.sort(key=lambda d: (d.date or "", d.graph))
        return out

    def _info(self, graph: str, e: dict[str, str]) -> DocumentInfo:
        return DocumentInfo(
            graph=graph,
            document=e.get("document"),
            slug=self.uris.slug_of_graph(graph),
            title=e.get("title"),
            date=e.get("date"),
            triples=int(e.get("triples") or 0),
            sha256=e.get("sha256"),
            modified=e.get("modified"),
            source=e.get("source"),
            created=e.get("created"),
            sequence=int(e["sequence"]) if e.get("sequence") else None,
            digest=e.get("digest"),
            pending=e.get("pending") in ("true", "1"),
        )

    def digests(self) -> dict[str, list[tuple[str, int]]]:
        """Source digest -> [(graph, triples)]: what a load needs to skip unchanged files."""
        q = f"""SELECT ?g ?sha ?n WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {cat.SHA256} ?sha ; {cat.TRIPLES} ?n }} }}"""
        out: dict[str, list[tuple[str, int]]] = {}
        for g, sha, n in self._select(q).values():
            out.setdefault(sha, []).append((g, int(n)))  # type: ignore[arg-type]
        return out

    def find(self, ref: str) -> DocumentInfo | None:
        """A document by slug, document URI or graph URI."""
        if not _looks_like_iri(ref):
            docs = self._catalog([self.uris.graph(ref)])
            return docs[0] if docs else None
        docs = self._catalog([ref])
        if docs:
            return docs[0]
        q = f"""SELECT ?g WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {cat.ABOUT} {iri(ref)} ; a {cat.DOCUMENT_GRAPH} }} }}"""
        rows = self._select(q).values()
        return self._catalog([str(rows[0][0])])[0] if rows else None

    def stats(self) -> StoreStats:
        c = iri(self.catalog_graph)
        # Separate aggregates: an OPTIONAL date left unbound by one undated document made the
        # MAX of the dates unbound on some engines.
        q = f"""SELECT (COUNT(?g) AS ?docs) (SUM(?n) AS ?triples) (MAX(?l) AS ?loaded)
WHERE {{ GRAPH {c} {{ ?g a {cat.DOCUMENT_GRAPH} ; {cat.TRIPLES} ?n ; {cat.MODIFIED} ?l }} }}"""
        ((docs, triples, loaded),) = self._select(q).values()
        q = f"""SELECT (COUNT(?d) AS ?dated) (MIN(?d) AS ?first) (MAX(?d) AS ?last)
WHERE {{ GRAPH {c} {{ ?g a {cat.DOCUMENT_GRAPH} ; {cat.DATE} ?d }} }}"""
        ((dated, first, last),) = self._select(q).values()
        if dated and dated != "0" and (first is None or last is None):
            first, last = self._date_bounds()  # Virtuoso 7.2 gives no MIN/MAX of strings
        pairs_q = f"""SELECT (COUNT(?p) AS ?n) WHERE {{ GRAPH {iri(self.index_graph)} {{
  ?p {iri(COSIGNATORIES.count)} ?c }} }}"""
        ((npairs,),) = self._select(pairs_q).values()
        tomb_q = f"""SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH {iri(self.tombstone_graph)} {{
  ?g a {cat.TOMBSTONE} }} }}"""
        ((tombstones,),) = self._select(tomb_q).values()
        quads, graphs = self._count_quads()
        merged = self.layout().merged
        return StoreStats(
            location=self.location,
            backend=self.backend,
            documents=int(docs or 0),
            document_triples=int(triples or 0),
            merged_triples=self._count_merged(),
            quads=quads,
            graphs=graphs,
            cosignatory_pairs=int(npairs or 0),
            tombstones=int(tombstones or 0),
            merged_graph=merged or "default graph",
            earliest=first,
            latest=last,
            undated=int(docs or 0) - int(dated or 0),
            last_loaded=loaded,
            disk_bytes=self._disk_bytes(),
        )

    def _date_bounds(self) -> tuple[str | None, str | None]:
        out = []
        for order in ("ASC", "DESC"):
            q = f"""SELECT ?d WHERE {{ GRAPH {iri(self.catalog_graph)} {{ ?g {cat.DATE} ?d }} }}
ORDER BY {order}(?d) LIMIT 1"""
            rows = self._select(q).values()
            out.append(rows[0][0] if rows else None)
        return out[0], out[1]

    def _count_merged(self) -> int:
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ {self._in_merged('?s ?p ?o')} }}"
        ((n,),) = self._select(q).values()
        return int(n or 0)

    def _count_quads(self) -> tuple[int, int]:
        """Quads and named graphs under this base (a server may hold other data too)."""
        q = f"""SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs)
WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{self.base}/graph/")) }}"""
        ((n, graphs),) = self._select(q).values()
        total = int(n or 0)
        if self.layout().merged is None:
            total += self._count_merged()
        return total, int(graphs or 0)

    def _disk_bytes(self) -> int | None:
        return None

    def index_counts(self, index: CountIndex) -> dict[Key, int]:
        """One index as a dict, key components in N-Triples syntax (for checks and tests)."""
        props = " ; ".join(f"{iri(p)} ?k{i}" for i, p in enumerate(index.properties))
        names = " ".join(f"?k{i}" for i in range(len(index.properties)))
        q = f"""SELECT {names} ?n WHERE {{ GRAPH {iri(index.graph(self.base))} {{
  ?node {props} ; {iri(index.count)} ?n }} }}"""
        out: dict[Key, int] = {}
        for row in self._select(q).rows:
            out[tuple(str(t) for t in row[:-1])] = int(row[-1].value)  # type: ignore[union-attr]
        return out

    def computed_counts(self, index: CountIndex) -> dict[Key, int]:
        """The counts computed from the document graphs themselves (slow: for checks)."""
        counts: Counter[Key] = Counter()
        for doc, triples in self._stored_triples(None, index.predicates).values():
            counts.update(index.keys(doc, triples))
        return dict(counts)

    def indexes_in_step(self) -> dict[str, bool]:
        return {i.name: self.index_counts(i) == self.computed_counts(i) for i in INDEXES}

    def cosignatory_index(self) -> dict[tuple[str, str], int]:
        """The co-signatory index as {(sender IRI, sender IRI): documents}."""
        return {(a[1:-1], b[1:-1]): n for (a, b), n in self.index_counts(COSIGNATORIES).items()}

    def computed_cosignatories(self) -> dict[tuple[str, str], int]:
        counts = self.computed_counts(COSIGNATORIES)
        return {(a[1:-1], b[1:-1]): n for (a, b), n in counts.items()}

    def merged_in_step(self) -> bool:
        """Whether the merged graph is exactly the union of the document graphs (slow: checks)."""
        docs = f"""SELECT (COUNT(*) AS ?n) WHERE {{
  {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
     FILTER ({self._document_graph_filter("?g")}) }} }}
  {self._in_merged("?s ?p ?o")} }}"""
        ((both,),) = self._select(docs).values()
        union = f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER ({self._document_graph_filter("?g")}) }} }}"""
        ((distinct,),) = self._select(union).values()
        return int(both or 0) == int(distinct or 0) == self._count_merged()

    # querying ---------------------------------------------------------------------------------

    def query(self, text: str, params: dict[str, OxTerm] | None = None) -> QueryResult:
        """Run a SPARQL query over the store's dataset: the merged graph as the default graph,
        one named graph per document. Parameters are bound by ``VALUES``."""
        from archive.store.queries import bind_parameters, check_syntax

        check_syntax(text)
        if params:
            text = bind_parameters(text, params)
        return self._query(text)

    # harvesting -------------------------------------------------------------------------------

    def changes(
        self,
        since: str | None = None,
        until: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> ChangePage:
        """Documents loaded or changed, and documents removed (tombstones), in harvest order.

        The order is by datestamp, then by sequence number (the order the store wrote them
        in); it is total and stable, and every write comes after every record already in the
        store, so a harvest that pages with ``after=page.cursor`` neither loses nor repeats a
        record while documents are loaded or removed. ``since`` and ``until`` bound the
        datestamps, inclusively, at their own granularity (``2026-11-29`` or
        ``2026-11-29T12:00:00Z``). A changed document moves to the end with its new datestamp;
        a removed one is answered by its tombstone.
        """
        if limit < 1:
            raise UsageError("limit must be at least 1")
        layout = self.layout(refresh=True)
        last = layout.last_sequence
        cursor = after or 0
        if since and after is None:
            first = self._first_sequence_since(since)
            if first is None:
                return ChangePage([], _resend)
            cursor = first - 1
        out: list[Change] = []
        window = max(256, limit)
        while cursor < last:
            high = min(cursor + window, last)
            for change in self._changes_between(cursor + 1, high):
                if until and change.datestamp[: len(until)] > until:
                    return ChangePage(out, _resend)
                if since and change.datestamp[: len(since)] < since:
                    continue
                out.append(change)
                if len(out) == limit:
                    more = change.sequence < last
                    return ChangePage(out, change.sequence if more else None)
            cursor = high
        return ChangePage(out, _resend)

    def _first_sequence_since(self, since: str) -> int | None:
        stamp = lit(since)
        q = f"""SELECT (MIN(?n) AS ?first) WHERE {{
  {{ GRAPH {iri(self.catalog_graph)} {{ ?e {cat.SEQUENCE} ?n ; {cat.MODIFIED} ?m }} }}
  UNION {{ GRAPH {iri(self.tombstone_graph)} {{ ?e {cat.SEQUENCE} ?n ; {cat.MODIFIED} ?m }} }}
  FILTER (SUBSTR(STR(?m), 1, {len(since)}) >= {stamp}) }}"""
        ((first,),) = self._select(q).values()
        return int(first) if first is not None else None

    def _changes_between(self, low: int, high: int) -> list[Change]:
        numbers = " ".join(str(i) for i in range(low, high + 1))
        q = f"""SELECT ?e ?deleted ?p ?o WHERE {{ VALUES ?n {{ {numbers} }}
  {{ GRAPH {iri(self.catalog_graph)} {{ ?e {cat.SEQUENCE} ?n ; ?p ?o }} BIND (false AS ?deleted) }}
  UNION
  {{ GRAPH {iri(self.tombstone_graph)} {{ ?e {cat.SEQUENCE} ?n ; ?p ?o }} BIND (true AS ?deleted) }}
}}"""
        entries: dict[tuple[str, bool], dict[str, str]] = {}
        for e, deleted, p, o in self._select(q).rows:
            key = (e.value, deleted.value == "true")  # type: ignore[union-attr]
            prop = p.value  # type: ignore[union-attr]
            if prop in FIELDS:
                entries.setdefault(key, {})[FIELDS[prop]] = o.value  # type: ignore[union-attr]
        out = []
        for (graph, deleted), e in entries.items():
            if "sequence" not in e or "modified" not in e:
                continue
            info = None if deleted else self._info(graph, e)
            out.append(
                Change(
                    sequence=int(e["sequence"]),
                    datestamp=e["modified"],
                    graph=graph,
                    document=e.get("document", ""),
                    slug=e.get("slug") or self.uris.slug_of_graph(graph) or graph,
                    deleted=deleted,
                    created=e.get("created"),
                    info=info,
                )
            )
        out.sort(key=lambda c: c.sequence)
        return out

    # writing ----------------------------------------------------------------------------------

    def load(
        self,
        docs: Iterable[DocumentGraph | StoreDocument],
        *,
        force: bool = False,
        batch_size: int = DEFAULT_BATCH,
        atomic: bool = False,
        progress: Callable[[LoadResult], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> list[LoadResult]:
        """Load documents, each into its own named graph; never half a document.

        A document whose source digest is already in the catalog is left alone (``force``
        rewrites it). Documents are written ``batch_size`` to a transaction; when a batch fails,
        its documents are retried one by one, so one bad document fails alone. With ``atomic``,
        all documents go in one transaction and fail together. A document that another file
        of this load, or another file already in the store, also gives is refused, naming
        both. ``stop`` is asked between documents: when it says so, the load ends cleanly
        after what is already written.
        """
        results: list[LoadResult] = []

        def done(result: LoadResult) -> None:
            results.append(result)
            if progress:
                progress(result)

        self._unavailable = None
        try:
            self._ensure_writable()
        except StoreUnavailable as exc:  # every document is reported "not attempted"
            self._unavailable = _reason(exc)
        seen: dict[str, str] = {}
        if atomic:
            ready, refused = [], []
            for doc, problem in self._prepare(docs, seen, stop):
                (refused if problem else ready).append((doc, problem))
            for doc, problem in refused:
                done(_failed(doc, problem))
            if refused:
                for doc, _ in ready:
                    done(_failed(doc, f"not loaded: {len(refused)} other document(s) failed"))
            elif ready:
                self._load_batch([d for d, _ in ready], force=force, atomic=True, done=done)
            return results
        batch: list[StoreDocument] = []
        for doc, problem in self._prepare(docs, seen, stop):
            if problem:
                done(_failed(doc, problem))
                continue
            batch.append(doc)  # type: ignore[arg-type]
            if len(batch) >= batch_size:
                self._load_batch(batch, force=force, atomic=False, done=done)
                batch = []
        if batch:
            self._load_batch(batch, force=force, atomic=False, done=done)
        self._end_load(done)
        return results

    def _end_load(self, done: Callable[[LoadResult], None]) -> None:  # noqa: B027
        """Write what a backend held back (the embedded store's bulk buffer)."""

    def _prepare(
        self,
        docs: Iterable[DocumentGraph | StoreDocument],
        seen: dict[str, str],
        stop: Callable[[], bool] | None,
    ) -> Iterator[tuple[StoreDocument | DocumentGraph, str | None]]:
        """(document ready for the store, problem) for each document, in order."""
        for doc in docs:
            problem = _check_document(doc, self.base, self.internal_prefix)
            ready: StoreDocument | DocumentGraph = doc
            if problem is None:
                try:
                    ready = prepare(doc)
                except StoreError as exc:
                    problem = str(exc)
            if problem is None and doc.graph in seen:
                problem = (
                    f"refused: it gives the document {doc.uri}, which {seen[doc.graph]} also "
                    "gives in this load; each document needs its own identifier (its idno or "
                    "TEI/@xml:id)"
                )
            if problem is None:
                seen[doc.graph] = str(doc.source) if doc.source else doc.slug
            yield ready, problem
            if stop is not None and stop():
                return

    def _classify(
        self, batch: list[StoreDocument], force: bool, done: Callable[[LoadResult], None]
    ) -> tuple[list[StoreDocument], dict[str, DocumentInfo]] | None:
        """Which documents of a batch to write (the others are reported); None if the store
        could not be read."""
        if self._unavailable:  # the store went away: do not wait for it once per batch
            for doc in batch:
                done(_failed(doc, f"not attempted: {self._unavailable}"))
            return None
        try:
            existing = {d.graph: d for d in self._catalog(doc.graph for doc in batch)}
        except StoreError as exc:
            if isinstance(exc, StoreUnavailable):
                self._unavailable = _reason(exc)
            for doc in batch:
                done(_failed(doc, _reason(exc)))
            return None
        to_write = []
        for doc in batch:
            old = existing.get(doc.graph)
            if old is not None and not force and old.sha256 == doc.sha256:
                done(LoadResult(doc.slug, doc.graph, Outcome.UNCHANGED, old.triples, doc.source))
            elif (
                old is not None
                and old.source
                and doc.source_name
                and old.source != doc.source_name
                and old.sha256 != doc.sha256
            ):
                done(
                    _failed(
                        doc,
                        f"refused: it gives the document {doc.uri}, which is already in the "
                        f"store from {old.source}; each document needs its own identifier (its "
                        f"idno or TEI/@xml:id). If {doc.source_name} is the new version of "
                        f"{old.source}, remove the document first (archive remove {doc.slug})",
                    )
                )
            else:
                to_write.append(doc)
        return to_write, existing

    def _load_batch(
        self,
        batch: list[StoreDocument],
        *,
        force: bool,
        atomic: bool,
        done: Callable[[LoadResult], None],
    ) -> None:
        classified = self._classify(batch, force, done)
        if classified is None:
            return
        to_write, existing = classified
        if to_write:
            self._write_transactions(to_write, existing, atomic=atomic, done=done)

    def _write_transactions(
        self,
        to_write: list[StoreDocument],
        existing: dict[str, DocumentInfo],
        *,
        atomic: bool,
        done: Callable[[LoadResult], None],
    ) -> None:
        try:
            self._write(to_write, existing)
        except (StoreError, QueryError, OSError) as exc:
            if isinstance(exc, StoreUnavailable):
                self._unavailable = _reason(exc)
            if atomic or len(to_write) == 1 or self._unavailable:
                for doc in to_write:
                    done(_failed(doc, _reason(exc)))
                return
            for one in to_write:  # find the document that failed; load the others
                self._write_transactions([one], existing, atomic=False, done=done)
            return
        for doc in to_write:
            outcome = Outcome.REPLACED if doc.graph in existing else Outcome.LOADED
            done(LoadResult(doc.slug, doc.graph, outcome, doc.triples, doc.source))

    def _stamps(
        self, docs: list[StoreDocument], existing: dict[str, DocumentInfo]
    ) -> tuple[dict[str, Stamp], int, str]:
        """Each document's datestamps and sequence number for this write; the new last ones.

        A document whose content (source digest and graph digest) did not change keeps its
        datestamps and place, so loading it again with --force does not move it for harvesters.
        """
        layout = self.layout()
        stamp = later(layout.last_datestamp)
        sequence = layout.last_sequence
        out: dict[str, Stamp] = {}
        for doc in sorted(docs, key=lambda d: d.slug):
            old = existing.get(doc.graph)
            if (
                old is not None
                and old.sequence is not None
                and old.modified
                and old.sha256 == doc.sha256
                and old.digest in (None, doc.digest)
            ):
                out[doc.graph] = Stamp(old.created or old.modified, old.modified, old.sequence)
                continue
            sequence += 1
            created = (old.created or old.modified) if old is not None else None
            out[doc.graph] = Stamp(created or stamp, stamp, sequence)
        return out, sequence, stamp

    def _write(self, to_write: list[StoreDocument], existing: dict[str, DocumentInfo]) -> None:
        """One request: each document's graph, merged share, catalog entry and index share."""
        replaced = [doc.graph for doc in to_write if doc.graph in existing]
        graphs = [doc.graph for doc in to_write]
        deltas = self._old_keys(replaced)
        for doc in to_write:
            for name, keys in doc.keys.items():
                deltas[name].update(keys)
        stamps, sequence, stamp = self._stamps(to_write, existing)
        ops = []
        if replaced:
            ops.append(self._merged_release(replaced))
            ops.append(self._catalog_delete(replaced))
        ops += [f"DROP SILENT GRAPH {iri(g)}" for g in graphs]
        ops.append(self._tombstone_delete(graphs))
        # Blank nodes go through INSERT {...} WHERE {} (fresh nodes, as INSERT DATA would make,
        # the same ones in the document's graph and the merged graph): Virtuoso refuses blank
        # nodes in INSERT DATA.
        data, templated = [], []
        for doc in to_write:
            part = f"GRAPH {iri(doc.graph)} {{\n{doc.body}}}\n{self._in_merged(doc.body)}"
            (templated if doc.has_blank_nodes else data).append(part)
        entries = "".join(
            " .\n".join(entry_lines(doc, stamps[doc.graph])) + " .\n" for doc in to_write
        )
        data.append(f"GRAPH {iri(self.catalog_graph)} {{\n{entries}}}")
        ops.append("INSERT DATA {\n" + "\n".join(data) + "\n}")
        if templated:
            ops.append("INSERT {\n" + "\n".join(templated) + "\n} WHERE {}")
        for index in INDEXES:
            ops += self._index_ops(index, deltas[index.name])
        ops += self._state_ops(sequence, stamp)
        expected = {doc.graph: doc.sha256 for doc in to_write}
        self._apply(" ;\n".join(ops), lambda: self._landed(expected))
        self._advance(sequence, stamp)

    def _advance(self, sequence: int, stamp: str) -> None:
        layout = self.layout()
        self._layout = replace(
            layout,
            last_sequence=max(sequence, layout.last_sequence),
            last_datestamp=max(stamp, layout.last_datestamp or ""),
        )

    def remove(self, ref: str) -> DocumentInfo:
        """Remove one document: its graph, its share of the merged graph and of the indexes,
        its catalog entry; leave a tombstone. One transaction."""
        self._ensure_writable()
        info = self.find(ref)
        if info is None:
            raise StoreError(f"no document {ref!r} in the store at {self.location}")
        deltas = self._old_keys([info.graph])
        layout = self.layout()
        stamp = later(layout.last_datestamp)
        sequence = layout.last_sequence + 1
        tomb = tombstone_lines(info, Stamp(info.created or stamp, stamp, sequence))
        ops = [
            self._merged_release([info.graph]),
            f"DROP SILENT GRAPH {iri(info.graph)}",
            self._catalog_delete([info.graph]),
            self._tombstone_delete([info.graph]),
            f"INSERT DATA {{ GRAPH {iri(self.tombstone_graph)} {{\n"
            + " .\n".join(tomb)
            + " .\n} }",
        ]
        for index in INDEXES:
            ops += self._index_ops(index, deltas[index.name])
        ops += self._state_ops(sequence, stamp)
        self._apply(" ;\n".join(ops), lambda: self._landed({info.graph: None}))
        self._advance(sequence, stamp)
        return info

    def tombstones(self) -> list[Change]:
        """Every removed document still remembered, oldest removal first."""
        q = f"""SELECT ?e ?p ?o WHERE {{ GRAPH {iri(self.tombstone_graph)} {{ ?e ?p ?o }} }}"""
        entries: dict[str, dict[str, str]] = {}
        for e, p, o in self._select(q).values():
            if p in FIELDS:
                entries.setdefault(e, {})[FIELDS[p]] = o  # type: ignore[index]
        out = [
            Change(
                sequence=int(v.get("sequence") or 0),
                datestamp=v.get("modified", ""),
                graph=g,  # type: ignore[arg-type]
                document=v.get("document", ""),
                slug=v.get("slug") or self.uris.slug_of_graph(g) or g,  # type: ignore[arg-type]
                deleted=True,
                created=v.get("created"),
            )
            for g, v in entries.items()
        ]
        return sorted(out, key=lambda c: c.sequence)

    # rebuilding and repairing -------------------------------------------------------------------

    def rebuild_index(self) -> dict[str, int]:
        """Recompute every count index from the document graphs; returns their key counts."""
        self._mark_unfinished("indexes")
        sizes = {}
        for index in INDEXES:
            counts = self.computed_counts(index)
            # in parts, to bound memory (one request for 770,000 pairs took 11 GB)
            self._apply(f"DROP SILENT GRAPH {iri(index.graph(self.base))}", _resend)
            items = list(counts.items())
            for part in chunks(items, REBUILD_CHUNK):
                self._apply(
                    " ;\n".join(self._index_ops(index, Counter(dict(part)), current={})), _resend
                )
            sizes[index.name] = len(counts)
        self._mark_finished("indexes")
        return sizes

    def rebuild_merged(self) -> int:
        """Recompute the merged graph from the document graphs; returns its size."""
        self._mark_unfinished("merged graph")
        m = self.layout().merged
        self._apply(f"DROP SILENT GRAPH {iri(m)}" if m else "DROP SILENT DEFAULT", _resend)
        graphs = [d.graph for d in self._catalog()]
        for part in chunks(graphs, REPAIR_CHUNK):
            self._apply(self._merged_copy(list(part)), _resend)
        self._mark_finished("merged graph")
        return self._count_merged()

    def _mark_unfinished(self, what: str) -> None:
        c = iri(self.catalog_graph)
        triple = f"{c} {iri(ARC.unfinished)} {lit(what)}"
        self._apply(f"INSERT DATA {{ GRAPH {c} {{ {triple} }} }}", _resend)

    def _mark_finished(self, what: str) -> None:
        c = iri(self.catalog_graph)
        triple = f"{c} {iri(ARC.unfinished)} {lit(what)}"
        self._apply(f"DELETE DATA {{ GRAPH {c} {{ {triple} }} }}", _resend)
        self._layout = None

    def repair(self) -> list[str]:
        """Bring the store to a state it can answer from; returns what was done.

        Finishes an interrupted load (applies the index share of the documents it wrote),
        redoes an interrupted rebuild, removes temporary files, and upgrades a store written
        by an earlier version (format 1: it gets its merged graph, harvest datestamps and
        co-signatory pairs in IRI order). Documents a load wrote are whole (each was written in
        one transaction or one atomic bulk write); nothing is lost.
        """
        done: list[str] = []
        removed = self._remove_temporary_files()
        if removed:
            done.append(f"removed {removed} temporary file(s) of an interrupted load")
        layout = self.layout(refresh=True)
        if layout.format is not None and layout.format < STORE_FORMAT:
            done += self._upgrade()
            layout = self.layout(refresh=True)
        pending = self._pending_graphs()
        if pending:
            for part in chunks(pending, REPAIR_CHUNK):
                self._finish_pending(list(part), _resend)
            done.append(
                f"finished an interrupted load: applied the index share of {len(pending)} "
                "document(s) it had written"
            )
        for what in layout.unfinished:
            if what == "indexes":
                self.rebuild_index()
            elif what == "merged graph":
                self.rebuild_merged()
            done.append(f"redid an interrupted rebuild of the {what}")
        self._layout = None
        self.notes += done
        return done

    def _remove_temporary_files(self) -> int:
        return 0

    def _pending_graphs(self) -> list[str]:
        q = f"""SELECT ?g WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {cat.PENDING} ?x }} }}"""
        return sorted({g for (g,) in self._select(q).values()})  # type: ignore[misc]

    def _finish_pending(self, graphs: list[str], keys: dict[str, Counter[Key]] | None) -> None:
        """Apply the index share of documents a bulk write stored, clear their flags, and
        tidy the state (a bulk write can only add): one transaction."""
        if keys is None:
            keys = {index.name: Counter() for index in INDEXES}
            predicates = tuple({p for index in INDEXES for p in index.predicates})
            for doc, triples in self._stored_triples(graphs, predicates).values():
                for index in INDEXES:
                    keys[index.name].update(index.keys(doc, triples))
        c = iri(self.catalog_graph)
        ops = [
            f"""DELETE {{ GRAPH {c} {{ ?g {cat.PENDING} ?x }} }}
WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH {c} {{ ?g {cat.PENDING} ?x }} }}""",
            self._tombstone_delete(graphs),
        ]
        for index in INDEXES:
            ops += self._index_ops(index, keys[index.name])
        layout = self._read_layout()
        ops += self._state_ops(layout.last_sequence, layout.last_datestamp or now_iso())
        self._apply(" ;\n".join(ops), lambda: not set(graphs) & set(self._pending_graphs()))

    def _upgrade(self) -> list[str]:
        """Format 1 -> 2: harvest datestamps and sequence numbers for every catalog entry, the
        merged graph, the indexes rebuilt (co-signatory pairs in IRI order), the state."""
        docs = sorted(self._catalog(), key=lambda d: (d.modified or "", d.slug or d.graph))
        c = iri(self.catalog_graph)
        merged = self._decide_merged_graph()
        state = [f"{c} {cat.TYPE} {cat.CATALOG}"]
        if merged:
            state.append(f"{c} {cat.MERGED} {iri(merged)}")
        self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(state)} }} }}", _resend)
        self._layout = Layout(STORE_FORMAT, merged)
        last = now_iso()
        for start, part in enumerate(chunks(docs, REPAIR_CHUNK)):
            lines = []
            for i, d in enumerate(part, start=start * REPAIR_CHUNK + 1):
                g = iri(d.graph)
                stamp = d.modified or last
                lines += [
                    f"{g} {cat.CREATED} {cat.datetime_literal(stamp)}",
                    f"{g} {cat.SEQUENCE} {cat.integer(i)}",
                ]
            self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(lines)} }} }}", _resend)
        stamp = max([d.modified or "" for d in docs] or [last]) or last
        self._apply(" ;\n".join(self._state_ops(len(docs), stamp)), _resend)
        self.rebuild_merged()
        self.rebuild_index()
        self._apply(
            f"INSERT DATA {{ GRAPH {c} {{ {c} {cat.FORMAT} {lit(STORE_FORMAT, XSD.integer)} }} }}",
            _resend,
        )
        self._layout = None
        return [
            f"upgraded the store from format 1 to {STORE_FORMAT}: merged graph built, "
            f"indexes rebuilt, harvest order given to {len(docs)} document(s)"
        ]

    # SPARQL Update pieces ---------------------------------------------------------------------

    def _apply(self, update: str, landed: Callable[[], bool] | None) -> None:
        """Send an update; when a server's answer was lost, check whether it landed (and send
        it again if not). ``_resend``: the update can be applied twice to the same effect."""
        try:
            self._update(update)
        except UpdateOutcomeUnknown:
            if landed is not None and landed():
                return
            if landed is None:
                raise
            self._update(update)  # not applied: it is safe to send again

    def _landed(self, expected: dict[str, str | None]) -> bool:
        found = {d.graph: d.sha256 for d in self._catalog(expected)}
        return all(found.get(g) == sha for g, sha in expected.items())

    def _merged_release(self, graphs: list[str]) -> str:
        """Take these documents' triples out of the merged graph, unless another document
        (not one of these) states them too."""
        gs = ", ".join(iri(g) for g in graphs)
        return f"""DELETE {{ {self._in_merged("?s ?p ?o")} }}
WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH ?g {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }}
    FILTER ({self._document_graph_filter("?h")} && ?h NOT IN ({gs})) }} }}"""

    def _merged_copy(self, graphs: list[str]) -> str:
        return f"""INSERT {{ {self._in_merged("?s ?p ?o")} }}
WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"""

    def _tombstone_delete(self, graphs: list[str]) -> str:
        t = iri(self.tombstone_graph)
        return f"""DELETE {{ GRAPH {t} {{ ?g ?p ?o }} }}
WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH {t} {{ ?g ?p ?o }} }}"""

    def _catalog_delete(self, graphs: list[str]) -> str:
        c = iri(self.catalog_graph)
        return f"""DELETE {{ GRAPH {c} {{ ?g ?p ?o }} }}
WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH {c} {{ ?g ?p ?o }} }}"""

    def _state_ops(self, sequence: int, stamp: str) -> list[str]:
        c = iri(self.catalog_graph)
        return [
            f"DELETE WHERE {{ GRAPH {c} {{ {c} {cat.LAST_SEQUENCE} ?n }} }}",
            f"DELETE WHERE {{ GRAPH {c} {{ {c} {cat.MODIFIED} ?m }} }}",
            f"INSERT DATA {{ GRAPH {c} {{ {c} {cat.LAST_SEQUENCE} {cat.integer(sequence)} . "
            f"{c} {cat.MODIFIED} {cat.datetime_literal(stamp)} }} }}",
        ]

    def _old_keys(self, graphs: list[str]) -> dict[str, Counter[Key]]:
        """Each index's keys of the stored documents ``graphs``, negated (to subtract)."""
        deltas: dict[str, Counter[Key]] = {index.name: Counter() for index in INDEXES}
        if not graphs:
            return deltas
        predicates = tuple({p for index in INDEXES for p in index.predicates})
        for doc, triples in self._stored_triples(graphs, predicates).values():
            for index in INDEXES:
                deltas[index.name].subtract(index.keys(doc, triples))
        return deltas

    def _stored_triples(
        self, graphs: list[str] | None, predicates: Iterable[str]
    ) -> dict[str, tuple[str, list[NTriple]]]:
        """graph -> (document, its triples with these predicates), as stored."""
        values = ""
        if graphs is not None:
            values = "VALUES ?g { " + _values(graphs) + " }"
        preds = " ".join(predicates)
        q = f"""SELECT ?g ?doc ?p ?o WHERE {{
  {values}
  GRAPH {iri(self.catalog_graph)} {{ ?g {cat.ABOUT} ?doc }}
  VALUES ?p {{ {preds} }}
  GRAPH ?g {{ ?doc ?p ?o }}
}}"""
        out: dict[str, tuple[str, list[NTriple]]] = {}
        for g, doc, p, o in self._select(q).rows:
            entry = out.setdefault(g.value, (str(doc), []))  # type: ignore[union-attr]
            entry[1].append((str(doc), str(p), str(o)))
        return out

    def index_triples(self, index: CountIndex, counts: dict[Key, int]) -> Iterator[ox.Triple]:
        """An index for ``counts``, written whole."""
        count = ox.NamedNode(str(index.count))
        props = [ox.NamedNode(str(p)) for p in index.properties]
        integer = ox.NamedNode(str(XSD.integer))
        for key, k in counts.items():
            if k <= 0:
                continue
            node = ox.NamedNode(index.node(self.base, key))
            for prop, value in zip(props, key, strict=True):
                yield ox.Triple(node, prop, _from_nt(value))
            yield ox.Triple(node, count, ox.Literal(str(k), datatype=integer))

    def _index_ops(
        self, index: CountIndex, delta: Counter[Key], current: dict[str, int] | None = None
    ) -> list[str]:
        """DELETE DATA / INSERT DATA that add ``delta`` to an index's counts.

        The current counts are read first and the new ones written as data: measured on
        pyoxigraph, a ``DELETE/INSERT ... WHERE`` computing the counts in SPARQL cost several
        times more per key than writing the computed triples.
        """
        changed = {key: k for key, k in delta.items() if k}
        if not changed:
            return []
        if current is None:
            current = self._key_counts(index, [index.node(self.base, k) for k in changed])
        graph = iri(index.graph(self.base))
        count = iri(index.count)
        props = [iri(p) for p in index.properties]
        deletes, inserts = [], []
        for key, k in sorted(changed.items()):
            node = iri(index.node(self.base, key))
            old = current.get(node[1:-1], 0)
            new = old + k
            if new < 0:
                raise StoreError(
                    f"the {index.name} index is out of step with the documents ({key}); "
                    "run `archive reindex`"
                )
            described = "\n".join(f"{node} {p} {v} ." for p, v in zip(props, key, strict=True))
            if old:
                deletes.append(f"{node} {count} {lit(old, XSD.integer)} .")
            if new:
                inserts.append(f"{node} {count} {lit(new, XSD.integer)} .")
            if not old and new:
                inserts.append(described)
            elif old and not new:
                deletes.append(described)
        ops = []
        if deletes:
            ops.append(f"DELETE DATA {{ GRAPH {graph} {{\n" + "\n".join(deletes) + "\n} }")
        if inserts:
            ops.append(f"INSERT DATA {{ GRAPH {graph} {{\n" + "\n".join(inserts) + "\n} }")
        return ops

    def _key_counts(self, index: CountIndex, nodes: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(nodes, 20000):
            q = f"""SELECT ?node ?n WHERE {{ VALUES ?node {{ {" ".join(iri(p) for p in part)} }}
  GRAPH {iri(index.graph(self.base))} {{ ?node {iri(index.count)} ?n }} }}"""
            for node, k in self._select(q).values():
                out[node] = int(k)  # type: ignore[index,arg-type]
        return out

    # export -----------------------------------------------------------------------------------

    def export(
        self,
        out: IO[bytes],
        fmt: str = "nquads",
        graph: str | None = None,
        include_internal: bool = False,
    ) -> int:
        """Serialise the documents (or one graph) to ``out``, streaming (memory stays flat
        whatever the store's size); returns the number of statements."""
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")
        rdf_format = EXPORT_FORMATS[fmt]
        if graph is not None:
            graph = self.resolve_graph(graph)
        elif not rdf_format.supports_datasets:
            raise UsageError(
                f"{fmt} holds one graph: name it with --graph, or export nquads, trig or jsonld"
            )
        counted = _Counting(self._export_quads(graph, include_internal))
        items: Iterable[ox.Quad | ox.Triple] = counted
        if not rdf_format.supports_datasets:
            items = (ox.Triple(q.subject, q.predicate, q.object) for q in counted)
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt in ("trig", "turtle") else None
        ox.serialize(items, out, rdf_format, prefixes=prefixes)
        return counted.n

    def _export_quads(self, graph: str | None, include_internal: bool) -> Iterator[ox.Quad]:
        """One graph, or the graphs under this base (the store's own, and the merged default
        graph, only when asked)."""
        prefix = f"{self.base}/graph/"
        for q in self.quads(graph):
            if graph is None:
                g = q.graph_name
                if isinstance(g, ox.DefaultGraph):
                    keep = include_internal  # the merged graph
                elif not isinstance(g, ox.NamedNode) or not g.value.startswith(prefix):
                    keep = False  # a server may hold other data
                else:
                    keep = include_internal or not self.is_internal(g.value)
                if not keep:
                    continue
            yield q

    def resolve_graph(self, ref: str) -> str:
        """A graph given as a URI or a document slug."""
        if _looks_like_iri(ref):
            info = self.find(ref)
            return info.graph if info else ref
        info = self.find(ref)
        if info is None:
            raise StoreError(f"no document {ref!r} in the store at {self.location}")
        return info.graph


class _Counting:
    def __init__(self, items: Iterable[ox.Quad]) -> None:
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for item in self.items:
            self.n += 1
            yield item


def _resend() -> bool:
    """For :meth:`Store._apply`: an update that is the same applied once or twice."""
    return False


def _from_nt(value: str) -> ox.NamedNode | ox.Literal:
    """One term in N-Triples syntax (an index key component) as a pyoxigraph term."""
    [triple] = ox.parse(f"<urn:x:s> <urn:x:p> {value} .", format=ox.RdfFormat.N_TRIPLES)
    return triple.object  # type: ignore[return-value]


def _check_document(doc: DocumentGraph | StoreDocument, base: str, internal: str) -> str | None:
    if not doc.graph.startswith(f"{base}/graph/"):
        return f"its graph {doc.graph} is not under this store's base {base}"
    if doc.graph.startswith(internal):
        return f"document slugs starting with '_' are reserved for the store ({doc.slug})"
    if not doc.uri:
        return "the document has no URI"
    if isinstance(doc, DocumentGraph) and not doc.triples:
        return "the document has no triples"
    if isinstance(doc, StoreDocument) and not doc.triples:
        return "the document has no triples"
    return None


def _failed(doc: DocumentGraph | StoreDocument, reason: str) -> LoadResult:
    source = str(doc.source) if doc.source else None
    return LoadResult(doc.slug, doc.graph, Outcome.FAILED, source=source, error=reason)


def _looks_like_iri(ref: str) -> bool:
    return ":" in ref and not ref.startswith(("_:", ":"))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 500 else text[:500] + " …"
