"""The values the store hands back, whatever the backend: load outcomes, catalog figures,
query results, the store's state and health."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import pyoxigraph as ox

from archive.rdf.docgraph import DocumentGraph
from archive.store.catalog import STORE_FORMAT
from archive.store.document import StoreDocument

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = tuple[OxTerm | None, ...]


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
    documents: int  # authority files apart
    document_triples: int
    merged_triples: int
    quads: int
    graphs: int
    cosignatory_pairs: int
    tombstones: int = 0
    authority_files: int = 0
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
            out.append(
                f"holds an unfinished rebuild of its {what} (an interrupted load or reindex)"
            )
        if self.temporary_files:
            out.append(f"holds {self.temporary_files} temporary file(s) of an interrupted load")
        return out

    def message(self) -> str:
        return f"the store at {self.location} " + "; it ".join(self.problems())


def _failed(doc: DocumentGraph | StoreDocument, reason: str) -> LoadResult:
    source = str(doc.source) if doc.source else None
    return LoadResult(doc.slug, doc.graph, Outcome.FAILED, source=source, error=reason)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 500 else text[:500] + " …"
