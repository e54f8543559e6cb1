"""The triple store: one named graph per document, behind one interface for every backend.

Two backends share this module's logic: the embedded pyoxigraph store
(:mod:`archive.store.embedded`, the default) and any SPARQL 1.1 server
(:mod:`archive.store.remote`). Both are written to through SPARQL 1.1 Update, so that one
request replaces a document's graph, its catalog entry and its share of the co-signatory
index together: Oxigraph applies an update request as one transaction, embedded or served, and
no query sees half a document.

Besides the document graphs, the store keeps graphs of its own (both documented in
``docs/store.md``):

- ``{base}/graph/_catalog``: one ``arc:DocumentGraph`` entry per loaded document graph
  (document, source SHA-256, triple count, load time, title and date), which ``archive list``
  reads and which makes loading idempotent;
- ``{base}/graph/_index/cosignatories`` and ``{base}/graph/_index/addressee-years``: count
  indexes (:mod:`archive.store.index`) for the questions that join every document, maintained
  on every load, replacement and removal.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Literal

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RDFLiteral

from archive.errors import (
    ArchiveError,
    QueryError,
    StoreError,
    StoreUnavailable,
    UpdateOutcomeUnknown,
    UsageError,
)
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import ARC, DCTERMS, PREFIXES, RDF, SCHEMA, VOID, XSD
from archive.rdf.uris import URIs
from archive.store.index import COSIGNATORIES, INDEXES, CountIndex, Key, NTriple

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = tuple[OxTerm | None, ...]

CATALOG_SLUG = "_catalog"
DEFAULT_BATCH = 100
REBUILD_CHUNK = 50_000  # index keys per request when rebuilding

EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


# --- values ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    LOADED = "loaded"  # a new document graph
    REPLACED = "replaced"  # the document changed: its graph was replaced
    UNCHANGED = "unchanged"  # same source digest: nothing written
    FAILED = "failed"  # nothing of this document was written


@dataclass
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


@dataclass(frozen=True)
class DocumentInfo:
    """One catalog entry, as ``archive list`` shows it."""

    graph: str
    document: str | None
    slug: str | None
    title: str | None
    date: str | None
    triples: int
    sha256: str | None
    loaded: str | None
    source: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class StoreStats:
    location: str
    backend: str
    documents: int
    document_triples: int
    quads: int
    graphs: int
    cosignatory_pairs: int
    earliest: str | None = None
    latest: str | None = None
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


# --- rendering for SPARQL Update -------------------------------------------------------------


def nt(term: Any) -> str:
    """A term (rdflib or pyoxigraph) in N-Triples syntax, refusing what would break a request."""
    if isinstance(term, URIRef | RDFLiteral | BNode):
        try:
            return term.n3()
        except Exception as exc:  # rdflib raises a bare Exception for bad IRIs
            raise StoreError(f"cannot write {term!r}: {exc}") from exc
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return str(term)
    if isinstance(term, str):
        return nt(URIRef(term))
    raise StoreError(f"cannot write {term!r}: not an RDF term")


def iri(value: str) -> str:
    return nt(URIRef(value))


def lit(value: object, datatype: URIRef | None = None) -> str:
    return RDFLiteral(value, datatype=datatype).n3() if datatype else RDFLiteral(value).n3()


def fingerprint(doc: DocumentGraph) -> str:
    """The source file's SHA-256; for documents built without a file, a digest of the triples."""
    if doc.sha256:
        return doc.sha256
    lines = sorted(f"{nt(s)} {nt(p)} {nt(o)} ." for s, p, o in doc.triples)
    return "triples:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


INDEXED_PREDICATES = {URIRef(p[1:-1]) for index in INDEXES for p in index.predicates}


def index_triples_of(doc: DocumentGraph) -> list[NTriple]:
    """The document's triples that some count index reads, in N-Triples syntax."""
    return [(nt(s), nt(p), nt(o)) for s, p, o in doc.triples if p in INDEXED_PREDICATES]


def keys_of(doc: DocumentGraph) -> dict[str, set[Key]]:
    """Each index's keys for one document."""
    triples = index_triples_of(doc)
    subject = nt(URIRef(doc.uri))
    return {index.name: index.keys(subject, triples) for index in INDEXES}


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the store -------------------------------------------------------------------------------


class Store(ABC):
    """What every backend offers. Subclasses supply four primitives: read, update, query, close."""

    backend = "abstract"

    def __init__(self, base: str | None = None) -> None:
        self.uris = URIs(base)
        self.base = self.uris.base
        self.catalog_graph = self.uris.graph(CATALOG_SLUG)
        self.index_graph = COSIGNATORIES.graph(self.base)  # the co-signatory index
        self.internal_prefix = f"{self.base}/graph/_"
        self._unavailable: str | None = None  # set when a server went away during a load

    # primitives -------------------------------------------------------------------------------

    @property
    @abstractmethod
    def location(self) -> str:
        """A path or an endpoint URL, for messages."""

    @abstractmethod
    def _select(self, query: str) -> QueryResult:
        """Run an internal SELECT (explicit GRAPH patterns, no union default graph)."""

    @abstractmethod
    def _update(self, update: str) -> None:
        """Apply one SPARQL Update request as one transaction."""

    @abstractmethod
    def _query(self, query: str) -> QueryResult:
        """Run a user query with the union of all graphs as the default graph."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (or those of one graph), for export."""

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release the store (file lock, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading ----------------------------------------------------------------------------------

    def is_internal(self, graph: str) -> bool:
        return graph.startswith(self.internal_prefix)

    def documents(self) -> list[DocumentInfo]:
        """Every document in the catalog, by date then graph."""
        return self._catalog()

    def _catalog(self, graphs: Iterable[str] | None = None) -> list[DocumentInfo]:
        values = ""
        if graphs is not None:
            gs = list(graphs)
            if not gs:
                return []
            values = "VALUES ?g { " + " ".join(iri(g) for g in gs) + " }"
        # One pattern, pivoted here: with seven OPTIONALs, pyoxigraph joined the whole catalog
        # for each lookup (28 ms per document at 100,000 documents).
        q = f"""SELECT ?g ?p ?o WHERE {{
  {values}
  GRAPH {iri(self.catalog_graph)} {{ ?g ?p ?o }}
}}"""
        fields = {
            str(SCHEMA.about): "document",
            str(SCHEMA.sha256): "sha256",
            str(VOID.triples): "triples",
            str(DCTERMS.modified): "loaded",
            str(DCTERMS.title): "title",
            str(DCTERMS.date): "date",
            str(DCTERMS.source): "source",
        }
        entries: dict[str, dict[str, str]] = {}
        typed: set[str] = set()
        for g, p, o in self._select(q).rows:
            graph, prop = g.value, p.value  # type: ignore[union-attr]
            entry = entries.setdefault(graph, {})
            if prop == str(RDF.type) and o.value == str(ARC.DocumentGraph):  # type: ignore[union-attr]
                typed.add(graph)
            elif prop in fields:
                entry[fields[prop]] = o.value  # type: ignore[union-attr]
        out = [
            DocumentInfo(
                graph=g,
                document=e.get("document"),
                slug=self.uris.slug_of_graph(g),
                title=e.get("title"),
                date=e.get("date"),
                triples=int(e.get("triples") or 0),
                sha256=e.get("sha256"),
                loaded=e.get("loaded"),
                source=e.get("source"),
            )
            for g, e in entries.items()
            if g in typed
        ]
        out.sort(key=lambda d: (d.date or "", d.graph))
        return out

    def digests(self) -> dict[str, list[tuple[str, int]]]:
        """Source digest -> [(graph, triples)]: what a load needs to skip unchanged files."""
        q = f"""SELECT ?g ?sha ?n WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {iri(SCHEMA.sha256)} ?sha ; {iri(VOID.triples)} ?n }} }}"""
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
  ?g {iri(SCHEMA.about)} {iri(ref)} }} }}"""
        rows = self._select(q).values()
        return self._catalog([str(rows[0][0])])[0] if rows else None

    def stats(self) -> StoreStats:
        cat = iri(self.catalog_graph)
        q = f"""SELECT (COUNT(?g) AS ?docs) (SUM(?n) AS ?triples) (MIN(?d) AS ?first)
  (MAX(?d) AS ?last) (MAX(?l) AS ?loaded) WHERE {{ GRAPH {cat} {{
  ?g a {iri(ARC.DocumentGraph)} . OPTIONAL {{ ?g {iri(VOID.triples)} ?n }}
  OPTIONAL {{ ?g {iri(DCTERMS.date)} ?d }} OPTIONAL {{ ?g {iri(DCTERMS.modified)} ?l }} }} }}"""
        ((docs, triples, first, last, loaded),) = self._select(q).values()
        if docs and first is None:  # Virtuoso 7.2 gives no MIN of plain strings
            first = self._first_date()
        pairs_q = f"""SELECT (COUNT(?p) AS ?n) WHERE {{ GRAPH {iri(self.index_graph)} {{
  ?p {iri(COSIGNATORIES.count)} ?c }} }}"""
        ((npairs,),) = self._select(pairs_q).values()
        quads, graphs = self._count_quads()
        return StoreStats(
            location=self.location,
            backend=self.backend,
            documents=int(docs or 0),
            document_triples=int(triples or 0),
            quads=quads,
            graphs=graphs,
            cosignatory_pairs=int(npairs or 0),
            earliest=first,
            latest=last,
            last_loaded=loaded,
            disk_bytes=self._disk_bytes(),
        )

    def _first_date(self) -> str | None:
        q = f"""SELECT ?d WHERE {{
  GRAPH {iri(self.catalog_graph)} {{ ?g {iri(DCTERMS.date)} ?d }} }} ORDER BY ?d LIMIT 1"""
        rows = self._select(q).values()
        return rows[0][0] if rows else None

    def _count_quads(self) -> tuple[int, int]:
        """Quads and named graphs under this base (a server may hold other data too)."""
        q = f"""SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs)
WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{self.base}/graph/")) }}"""
        ((n, graphs),) = self._select(q).values()
        return int(n or 0), int(graphs or 0)

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

    # querying ---------------------------------------------------------------------------------

    def query(self, text: str, params: dict[str, OxTerm] | None = None) -> QueryResult:
        """Run a SPARQL query over the union of all graphs, with parameters bound by VALUES."""
        from archive.store.queries import bind_parameters, check_syntax

        check_syntax(text)
        if params:
            text = bind_parameters(text, params)
        return self._query(text)

    # writing ----------------------------------------------------------------------------------

    def load(
        self,
        docs: Iterable[DocumentGraph],
        *,
        force: bool = False,
        batch_size: int = DEFAULT_BATCH,
        atomic: bool = False,
        progress: Callable[[LoadResult], None] | None = None,
    ) -> list[LoadResult]:
        """Load documents, each into its own named graph; never half a document.

        A document whose source digest is already in the catalog is left alone (``force``
        rewrites it). Documents are written ``batch_size`` to a transaction; when a batch fails,
        its documents are retried one by one, so one bad document fails alone. With ``atomic``,
        all documents go in one transaction and fail together.
        """
        results: list[LoadResult] = []

        def done(result: LoadResult) -> None:
            results.append(result)
            if progress:
                progress(result)

        seen: dict[str, str] = {}
        self._unavailable = None
        if atomic:
            ready, refused = [], []
            for doc, body, problem in self._prepare(docs, seen):
                (refused if problem else ready).append((doc, body or problem))
            for doc, problem in refused:
                done(_failed(doc, problem))
            if refused:
                for doc, _ in ready:
                    done(_failed(doc, f"not loaded: {len(refused)} other document(s) failed"))
            elif ready:
                self._load_batch(ready, force=force, atomic=True, done=done)
            return results
        batch: list[tuple[DocumentGraph, str]] = []
        for doc, body, problem in self._prepare(docs, seen):
            if problem:
                done(_failed(doc, problem))
                continue
            batch.append((doc, body))  # type: ignore[arg-type]
            if len(batch) >= batch_size:
                self._load_batch(batch, force=force, atomic=False, done=done)
                batch = []
        if batch:
            self._load_batch(batch, force=force, atomic=False, done=done)
        return results

    def _prepare(
        self, docs: Iterable[DocumentGraph], seen: dict[str, str]
    ) -> Iterator[tuple[DocumentGraph, str | None, str | None]]:
        """(document, rendered triples, problem) for each document, in order."""
        for doc in docs:
            problem = self._check_document(doc)
            if problem is None and doc.graph in seen:
                problem = f"another document in this load has the same graph ({seen[doc.graph]})"
            body = None
            if problem is None:
                try:
                    body = self._render(doc)
                except ArchiveError as exc:
                    problem = str(exc)
            if problem is None:
                seen[doc.graph] = str(doc.source) if doc.source else doc.slug
            yield doc, body, problem

    def _check_document(self, doc: DocumentGraph) -> str | None:
        prefix = f"{self.base}/graph/"
        if not doc.graph.startswith(prefix):
            return f"its graph {doc.graph} is not under this store's base {self.base}"
        if doc.graph.startswith(self.internal_prefix):
            return f"document slugs starting with '_' are reserved for the store ({doc.slug})"
        if not doc.uri:
            return "the document has no URI"
        if not doc.triples:
            return "the document has no triples"
        return None

    def _render(self, doc: DocumentGraph) -> str:
        return " .\n".join(f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in doc.triples) + " ."

    def _load_batch(self, batch, *, force: bool, atomic: bool, done) -> None:
        if self._unavailable:  # the store went away: do not wait for it once per batch
            for doc, _ in batch:
                done(_failed(doc, f"not attempted: {self._unavailable}"))
            return
        try:
            existing = {d.graph: d for d in self._catalog(doc.graph for doc, _ in batch)}
        except StoreError as exc:
            if isinstance(exc, StoreUnavailable):
                self._unavailable = _reason(exc)
            for doc, _ in batch:
                done(_failed(doc, _reason(exc)))
            return
        to_write = []
        for doc, body in batch:
            old = existing.get(doc.graph)
            if old is not None and not force and old.sha256 == fingerprint(doc):
                done(
                    LoadResult(
                        doc.slug,
                        doc.graph,
                        Outcome.UNCHANGED,
                        triples=old.triples,
                        source=str(doc.source) if doc.source else None,
                    )
                )
            else:
                to_write.append((doc, body))
        if not to_write:
            return
        try:
            self._write(to_write, existing)
        except (StoreError, QueryError, OSError) as exc:
            if isinstance(exc, StoreUnavailable):
                self._unavailable = _reason(exc)
            if atomic or len(to_write) == 1 or self._unavailable:
                for doc, _ in to_write:
                    done(_failed(doc, _reason(exc)))
                return
            for one in to_write:  # find the document that failed; load the others
                self._load_batch([one], force=True, atomic=False, done=done)
            return
        for doc, _ in to_write:
            outcome = Outcome.REPLACED if doc.graph in existing else Outcome.LOADED
            done(
                LoadResult(
                    doc.slug,
                    doc.graph,
                    outcome,
                    triples=len(set(doc.triples)),
                    source=str(doc.source) if doc.source else None,
                )
            )

    def _write(self, to_write, existing: dict[str, DocumentInfo]) -> None:
        replaced = [doc.graph for doc, _ in to_write if doc.graph in existing]
        deltas = self._old_keys(replaced)
        for doc, _ in to_write:
            for name, keys in keys_of(doc).items():
                deltas[name].update(keys)
        loaded = now_iso()
        ops = [f"DROP SILENT GRAPH {iri(doc.graph)}" for doc, _ in to_write]
        if replaced:
            ops.append(self._catalog_delete(replaced))
        # Blank nodes go through INSERT {...} WHERE {} (fresh nodes, as INSERT DATA would make):
        # Virtuoso refuses blank nodes in INSERT DATA.
        data, templated = [], []
        for doc, body in to_write:
            (templated if "_:" in body else data).append(f"GRAPH {iri(doc.graph)} {{\n{body}\n}}")
        entries = "\n".join(self._catalog_entry(doc, loaded) for doc, _ in to_write)
        data.append(f"GRAPH {iri(self.catalog_graph)} {{\n{entries}\n}}")
        ops.append("INSERT DATA {\n" + "\n".join(data) + "\n}")
        if templated:
            ops.append("INSERT {\n" + "\n".join(templated) + "\n} WHERE {}")
        for index in INDEXES:
            ops += self._index_ops(index, deltas[index.name])
        expected = {doc.graph: fingerprint(doc) for doc, _ in to_write}
        self._apply(" ;\n".join(ops), lambda: self._landed(expected))

    def remove(self, ref: str) -> DocumentInfo:
        """Remove one document's graph, catalog entry and index share, in one transaction."""
        info = self.find(ref)
        if info is None:
            raise StoreError(f"no document {ref!r} in the store at {self.location}")
        deltas = self._old_keys([info.graph])
        ops = [f"DROP SILENT GRAPH {iri(info.graph)}", self._catalog_delete([info.graph])]
        for index in INDEXES:
            ops += self._index_ops(index, deltas[index.name])
        self._apply(" ;\n".join(ops), lambda: self._landed({info.graph: None}))
        return info

    def rebuild_index(self) -> dict[str, int]:
        """Recompute every count index from the document graphs; returns their key counts."""
        sizes = {}
        for index in INDEXES:
            counts = self.computed_counts(index)
            # in parts, to bound memory (one request for 770,000 pairs took 11 GB): a rebuild
            # that is interrupted leaves a partial index, and is simply run again
            self._apply(f"DROP SILENT GRAPH {iri(index.graph(self.base))}", None)
            items = list(counts.items())
            for part in chunks(items, REBUILD_CHUNK):
                self._apply(
                    " ;\n".join(self._index_ops(index, Counter(dict(part)), current={})), None
                )
            sizes[index.name] = len(counts)
        return sizes

    def _apply(self, update: str, landed: Callable[[], bool] | None) -> None:
        """Send an update; when a server's answer was lost, check whether it landed."""
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
            values = "VALUES ?g { " + " ".join(iri(g) for g in graphs) + " }"
        preds = " ".join(predicates)
        q = f"""SELECT ?g ?doc ?p ?o WHERE {{
  {values}
  GRAPH {iri(self.catalog_graph)} {{ ?g {iri(SCHEMA.about)} ?doc }}
  VALUES ?p {{ {preds} }}
  GRAPH ?g {{ ?doc ?p ?o }}
}}"""
        out: dict[str, tuple[str, list[NTriple]]] = {}
        for g, doc, p, o in self._select(q).rows:
            entry = out.setdefault(g.value, (str(doc), []))  # type: ignore[union-attr]
            entry[1].append((str(doc), str(p), str(o)))
        return out

    def _catalog_delete(self, graphs: list[str]) -> str:
        return f"""DELETE {{ GRAPH {iri(self.catalog_graph)} {{ ?g ?p ?o }} }}
WHERE {{ VALUES ?g {{ {" ".join(iri(g) for g in graphs)} }}
  GRAPH {iri(self.catalog_graph)} {{ ?g ?p ?o }} }}"""

    def _catalog_entry(self, doc: DocumentGraph, loaded: str) -> str:
        return (
            " .\n".join(
                f"{t.subject} {t.predicate} {t.object}" for t in self.catalog_triples(doc, loaded)
            )
            + " ."
        )

    def catalog_triples(self, doc: DocumentGraph, loaded: str) -> list[ox.Triple]:
        """The catalog entry of one document graph (see docs/store.md)."""
        g = ox.NamedNode(doc.graph)

        def n(term: Any) -> ox.NamedNode:
            return ox.NamedNode(str(term))

        out = [
            ox.Triple(g, n(RDF.type), n(ARC.DocumentGraph)),
            ox.Triple(g, n(SCHEMA.about), ox.NamedNode(doc.uri)),
            ox.Triple(g, n(SCHEMA.sha256), ox.Literal(fingerprint(doc))),
            ox.Triple(
                g, n(VOID.triples), ox.Literal(str(len(set(doc.triples))), datatype=n(XSD.integer))
            ),
            ox.Triple(g, n(DCTERMS.modified), ox.Literal(loaded, datatype=n(XSD.dateTime))),
        ]
        if doc.title:
            out.append(ox.Triple(g, n(DCTERMS.title), ox.Literal(doc.title)))
        if doc.date:
            out.append(ox.Triple(g, n(DCTERMS.date), ox.Literal(doc.date)))
        if doc.source:
            out.append(ox.Triple(g, n(DCTERMS.source), ox.Literal(Path(doc.source).name)))
        if doc.kind != "document":  # an authority file: entities, not a document
            out.append(ox.Triple(g, n(DCTERMS.type), ox.Literal(doc.kind)))
        return out

    def index_triples(self, index: CountIndex, counts: dict[Key, int]) -> Iterator[ox.Triple]:
        """An index for ``counts``, written whole (bulk loads)."""
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
        changed = {key: n for key, n in delta.items() if n}
        if not changed:
            return []
        if current is None:
            current = self._key_counts(index, [index.node(self.base, k) for k in changed])
        graph = iri(index.graph(self.base))
        count = iri(index.count)
        props = [iri(p) for p in index.properties]
        deletes, inserts = [], []
        for key, n in sorted(changed.items()):
            node = iri(index.node(self.base, key))
            old = current.get(node[1:-1], 0)
            new = old + n
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
            for node, n in self._select(q).values():
                out[node] = int(n)  # type: ignore[index,arg-type]
        return out

    # export -----------------------------------------------------------------------------------

    def export(
        self,
        out: IO[bytes],
        fmt: str = "nquads",
        graph: str | None = None,
        include_internal: bool = False,
    ) -> int:
        """Serialise the documents (or one graph) to ``out``; returns the number of statements."""
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
        """One graph, or the graphs under this base (the store's own only when asked)."""
        prefix = f"{self.base}/graph/"
        for q in self.quads(graph):
            if graph is None:
                g = q.graph_name
                if not isinstance(g, ox.NamedNode) or not g.value.startswith(prefix):
                    continue
                if not include_internal and self.is_internal(g.value):
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


def _from_nt(value: str) -> ox.NamedNode | ox.Literal:
    """One term in N-Triples syntax (an index key component) as a pyoxigraph term."""
    [triple] = ox.parse(f"<urn:x:s> <urn:x:p> {value} .", format=ox.RdfFormat.N_TRIPLES)
    return triple.object  # type: ignore[return-value]


def _failed(doc: DocumentGraph, reason: str) -> LoadResult:
    source = str(doc.source) if doc.source else None
    return LoadResult(doc.slug, doc.graph, Outcome.FAILED, source=source, error=reason)


def _looks_like_iri(ref: str) -> bool:
    return ":" in ref and not ref.startswith(("_:", ":"))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 500 else text[:500] + " …"
