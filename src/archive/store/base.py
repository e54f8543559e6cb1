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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import IO, Any

import pyoxigraph as ox

from archive.errors import QueryError, StoreError, StoreNeedsRepair, StoreUnavailable, UsageError
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, DCTERMS, PREFIX_IRIS, RDF, XSD
from archive.rdf.uris import URIs
from archive.store import catalog as cat
from archive.store.catalog import (
    CATALOG_SLUG,
    FIELDS,
    STORE_FORMAT,
    TOMBSTONES_SLUG,
    DocumentInfo,
    Layout,
    Stamp,
    entry_lines,
    later,
    now_iso,
    tombstone_lines,
)
from archive.store.document import StoreDocument, nt, prepare
from archive.store.harvest import Harvesting
from archive.store.index import COSIGNATORIES, INDEXES, CountIndex, Key
from archive.store.repair import Repairing
from archive.store.sparql import chunks, iri, lit, looks_like_iri, resend, values_of
from archive.store.updates import Updates
from archive.store.values import (
    Health,
    LoadResult,
    Outcome,
    OxTerm,
    QueryResult,
    Row,
    StoreStats,
    _failed,
    _reason,
    result_from_ox,
)

DEFAULT_BATCH = 100

EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}

__all__ = [
    "CATALOG_SLUG",
    "DocumentInfo",
    "Health",
    "LoadResult",
    "Outcome",
    "OxTerm",
    "QueryResult",
    "Row",
    "Store",
    "StoreStats",
    "chunks",
    "fingerprint",
    "iri",
    "keys_of",
    "lit",
    "now_iso",
    "nt",
    "result_from_ox",
]


def fingerprint(doc: DocumentGraph | StoreDocument) -> str:
    """The source file's SHA-256; for documents built without a file, a digest of the triples."""
    if isinstance(doc, DocumentGraph) and doc.sha256:
        return doc.sha256
    return prepare(doc).sha256


def keys_of(doc: DocumentGraph | StoreDocument) -> dict[str, set[Key]]:
    """Each index's keys for one document."""
    return {name: set(keys) for name, keys in prepare(doc).keys.items()}


# --- the store -------------------------------------------------------------------------------


class Store(Updates, Harvesting, Repairing, ABC):
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

    def close(self) -> None:
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
            self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(lines)} }} }}", resend)
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
            values = "VALUES ?g { " + values_of(gs) + " }"
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
            kind=e.get("kind"),
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
        if not looks_like_iri(ref):
            docs = self._catalog([self.uris.graph(ref)])
            return docs[0] if docs else None
        docs = self._catalog([ref])
        if docs:
            return docs[0]
        q = f"""SELECT ?g WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {cat.ABOUT} {iri(ref)} ; a {cat.DOCUMENT_GRAPH} }} }}"""
        rows = self._select(q).values()
        return self._catalog([str(rows[0][0])])[0] if rows else None

    def catalog_state(self) -> tuple[int, int, str | None]:
        """Catalog entries (documents and authority files), their triples, and the latest
        load: one aggregate over the catalog, cheap at any size (unlike :meth:`stats`, which
        counts every quad)."""
        q = f"""SELECT (COUNT(?g) AS ?docs) (SUM(?n) AS ?triples) (MAX(?l) AS ?loaded)
WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g a {cat.DOCUMENT_GRAPH} ; {cat.TRIPLES} ?n ; {cat.MODIFIED} ?l }} }}"""
        ((docs, triples, loaded),) = self._select(q).values()
        return int(docs or 0), int(triples or 0), loaded

    def stats(self) -> StoreStats:
        c = iri(self.catalog_graph)
        # Separate aggregates: an OPTIONAL date left unbound by one undated document made the
        # MAX of the dates unbound on some engines.
        docs, triples, loaded = self.catalog_state()
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
        # authority files (personographies): entries of the catalog, but not documents, and
        # never "undated documents"
        auth_q = f"""SELECT (COUNT(?g) AS ?n) (COUNT(?d) AS ?dated) WHERE {{ GRAPH {c} {{
  ?g a {cat.DOCUMENT_GRAPH} ; {cat.KIND} {cat.literal(cat.AUTHORITY)}
  OPTIONAL {{ ?g {cat.DATE} ?d }} }} }}"""
        ((authority, authority_dated),) = self._select(auth_q).values()
        authority, authority_dated = int(authority or 0), int(authority_dated or 0)
        quads, graphs = self._count_quads()
        merged = self.layout().merged
        return StoreStats(
            location=self.location,
            backend=self.backend,
            documents=docs - authority,
            authority_files=authority,
            document_triples=triples,
            merged_triples=self._count_merged(),
            quads=quads,
            graphs=graphs,
            cosignatory_pairs=int(npairs or 0),
            tombstones=int(tombstones or 0),
            merged_graph=merged or "default graph",
            earliest=first,
            latest=last,
            undated=docs - authority - (int(dated or 0) - authority_dated),
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

    def _end_load(self, done: Callable[[LoadResult], None]) -> None:
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
        prefixes = PREFIX_IRIS if fmt in ("trig", "turtle") else None
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
        if looks_like_iri(ref):
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
