"""The store's own records: the catalog of document graphs, tombstones, and the store's state.

All three live in graphs under ``{base}/graph/_`` (documented in ``docs/store.md``):

- the **catalog**, ``{base}/graph/_catalog``: one ``arc:DocumentGraph`` entry per document
  graph (document, source SHA-256, graph digest, triple count, title, date, source file name,
  when it was first loaded, when its content last changed, its place in the harvest order);
- **tombstones**, ``{base}/graph/_tombstones``: one ``arc:Tombstone`` per removed document
  (document, slug, graph, deletion datestamp), kept until the document is loaded again;
- the **state** of the store, on the node ``{base}/graph/_catalog`` itself: the format
  version, where the merged graph is (when it is not the default graph), the last sequence
  number and datestamp handed out.

Datestamps and sequence numbers serve harvesting (OAI-PMH): every write takes a datestamp no
earlier than any already in the store and sequence numbers above every one already handed out,
so the order (datestamp, sequence) is total and stable, and a harvest that pages through it
with a cursor neither loses nor repeats a record while documents are being loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from archive.rdf.namespaces import ARC, DCTERMS, RDF, SCHEMA, VOID, XSD
from archive.store.document import StoreDocument

STORE_FORMAT = 2  # 1: before the merged graph, tombstones and harvest order (archive 0.1)

CATALOG_SLUG = "_catalog"
TOMBSTONES_SLUG = "_tombstones"
MERGED_SLUG = "_merged"  # the merged graph, on servers whose default graph is every graph
AUTHORITY = "authority"  # the catalog's dcterms:type of an authority file


def n(term: object) -> str:
    """An IRI (a namespace term) in N-Triples syntax."""
    return f"<{term}>"


TYPE = n(RDF.type)
ABOUT = n(SCHEMA.about)
IDENTIFIER = n(SCHEMA.identifier)
SHA256 = n(SCHEMA.sha256)
DIGEST = n(ARC.graphDigest)
TRIPLES = n(VOID.triples)
CREATED = n(DCTERMS.created)
MODIFIED = n(DCTERMS.modified)
TITLE = n(DCTERMS.title)
DATE = n(DCTERMS.date)
SOURCE = n(DCTERMS.source)
KIND = n(DCTERMS.type)
SEQUENCE = n(ARC.sequence)
PENDING = n(ARC.indexPending)
DOCUMENT_GRAPH = n(ARC.DocumentGraph)
TOMBSTONE = n(ARC.Tombstone)
CATALOG = n(ARC.Catalog)
FORMAT = n(ARC.storeFormat)
MERGED = n(ARC.mergedGraph)
LAST_SEQUENCE = n(ARC.lastSequence)
INTEGER = n(XSD.integer)
DATETIME = n(XSD.dateTime)
BOOLEAN = n(XSD.boolean)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def later(stamp: str | None) -> str:
    """A datestamp for a write now: the clock, but never before ``stamp`` (the latest one in
    the store), so that datestamps never go back in the harvest order."""
    now = now_iso()
    return stamp if stamp and stamp > now else now


def literal(value: str) -> str:
    """A plain string in N-Triples syntax."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def integer(value: int) -> str:
    return f'"{value}"^^{INTEGER}'


def datetime_literal(value: str) -> str:
    return f'"{value}"^^{DATETIME}'


# --- values ----------------------------------------------------------------------------------


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
    modified: str | None = None  # when its content last changed: its harvest datestamp
    source: str | None = None
    created: str | None = None  # when it was first loaded
    sequence: int | None = None  # its place in the harvest order
    digest: str | None = None  # of its graph's triples
    pending: bool = False  # written by a bulk load whose index share is not yet applied
    kind: str | None = None  # "authority": a file of entities (a personography), not a document

    @property
    def is_authority(self) -> bool:
        return self.kind == AUTHORITY

    @property
    def loaded(self) -> str | None:
        """When this version of the document was loaded (its content's datestamp)."""
        return self.modified

    def to_dict(self) -> dict[str, object]:
        out = {k: v for k, v in self.__dict__.items() if v is not None and k != "pending"}
        if self.modified:
            out["loaded"] = self.modified
        return out


@dataclass(frozen=True)
class Change:
    """A document loaded or changed, or removed (a tombstone), in the harvest order."""

    sequence: int
    datestamp: str
    graph: str
    document: str
    slug: str
    deleted: bool
    created: str | None = None
    info: DocumentInfo | None = None  # the catalog entry of a live document

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "sequence": self.sequence,
            "datestamp": self.datestamp,
            "graph": self.graph,
            "document": self.document,
            "slug": self.slug,
            "deleted": self.deleted,
        }
        if self.created:
            out["created"] = self.created
        if self.info:
            out.update(
                {k: v for k, v in self.info.to_dict().items() if k not in out and k != "loaded"}
            )
        return out


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
class ChangePage:
    """One page of :meth:`Store.changes`; ``cursor`` continues after it (None: no more)."""

    changes: list[Change] = field(default_factory=list)
    cursor: int | None = None


# --- what gets written -----------------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """When a document's entry says it was first loaded and last changed, and its sequence."""

    created: str
    modified: str
    sequence: int


def entry_lines(doc: StoreDocument, stamp: Stamp, pending: bool = False) -> list[str]:
    """The catalog entry of one document graph, as N-Triples lines (without the final dot)."""
    g = f"<{doc.graph}>"
    out = [
        f"{g} {TYPE} {DOCUMENT_GRAPH}",
        f"{g} {ABOUT} <{doc.uri}>",
        f"{g} {SHA256} {literal(doc.sha256)}",
        f"{g} {DIGEST} {literal(doc.digest)}",
        f"{g} {TRIPLES} {integer(doc.triples)}",
        f"{g} {CREATED} {datetime_literal(stamp.created)}",
        f"{g} {MODIFIED} {datetime_literal(stamp.modified)}",
        f"{g} {SEQUENCE} {integer(stamp.sequence)}",
    ]
    if doc.title:
        out.append(f"{g} {TITLE} {literal(doc.title)}")
    if doc.date:
        out.append(f"{g} {DATE} {literal(doc.date)}")
    if doc.source_name:
        out.append(f"{g} {SOURCE} {literal(doc.source_name)}")
    if doc.kind != "document":  # an authority file: entities, not a document
        out.append(f"{g} {KIND} {literal(doc.kind)}")
    if pending:
        out.append(f'{g} {PENDING} "true"^^{BOOLEAN}')
    return out


def tombstone_lines(info: DocumentInfo, stamp: Stamp) -> list[str]:
    g = f"<{info.graph}>"
    out = [
        f"{g} {TYPE} {TOMBSTONE}",
        f"{g} {MODIFIED} {datetime_literal(stamp.modified)}",
        f"{g} {SEQUENCE} {integer(stamp.sequence)}",
    ]
    if info.document:
        out.append(f"{g} {ABOUT} <{info.document}>")
    if info.slug:
        out.append(f"{g} {IDENTIFIER} {literal(info.slug)}")
    if info.created:
        out.append(f"{g} {CREATED} {datetime_literal(info.created)}")
    return out


FIELDS = {
    str(SCHEMA.about): "document",
    str(SCHEMA.sha256): "sha256",
    str(ARC.graphDigest): "digest",
    str(VOID.triples): "triples",
    str(DCTERMS.created): "created",
    str(DCTERMS.modified): "modified",
    str(DCTERMS.title): "title",
    str(DCTERMS.date): "date",
    str(DCTERMS.source): "source",
    str(ARC.sequence): "sequence",
    str(ARC.indexPending): "pending",
    str(SCHEMA.identifier): "slug",
    str(DCTERMS.type): "kind",
}
