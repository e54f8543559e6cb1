"""The search and browsing index kept beside the store: SQLite with FTS5 (standard library).

pyoxigraph has no text index, and pages that list, facet and search 100,000 documents cannot
run SPARQL joins on every request. This index is *derived*: every row is computed from the
document graphs in the store, except one thing the store does not keep, the TEI file each
document was loaded from (the reading view and the TEI download need it). ``archive load``
and ``archive remove`` keep it in step (:func:`update_after_load`, :func:`update_after_remove`);
``archive reindex`` rebuilds it from the store (:meth:`SearchIndex.rebuild`), keeping the TEI
files it already holds.

What it holds (one SQLite file, WAL mode so that a server reads while a load writes):

- ``documents``: one row per document graph (title, date, year, type, language, source);
- ``roles``: who sent, received, was copied, was mentioned or was cited by each document;
- ``entities`` and ``facts``: what the documents say about each organisation, person, place...
  with *set semantics* (a fact stated by 80 documents is one row, counted 80 times), so a page
  shows each name once and a fact leaves only when no document states it any more;
- ``documents_fts`` (title, names, full text) and ``entities_fts`` (names): FTS5 tables;
- ``sources``: the TEI files, compressed, by SHA-256.

Where it lives (:func:`index_path`): beside an embedded store folder ``PATH``, in
``PATH.search.sqlite``; for a SPARQL server, in the user's data folder, one file per endpoint
and base. ``--search-index`` / ``$ARCHIVE_SEARCH_INDEX`` choose another file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from archive.errors import StoreError
from archive.rdf.namespaces import CITO, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS
from archive.store.base import DocumentInfo, Store, chunks, iri

SCHEMA_VERSION = "5"
BATCH = 200  # documents read from the store per query when indexing
RANK_AT_MOST = 2000  # search results ranked by relevance up to this many matches
SUFFIX = ".search.sqlite"

ROLES: dict[str, str] = {
    str(SCHEMA.sender): "sender",
    str(SCHEMA.toRecipient): "to",
    str(SCHEMA.ccRecipient): "cc",
    str(SCHEMA.bccRecipient): "bcc",
    str(SCHEMA.mentions): "mentions",
    str(CITO.cites): "cites",
    str(SCHEMA.locationCreated): "place",
}
# What an entity is called when the documents do not name it: the office it holds (the label
# of its org:Membership). Only in this index, never in RDF.
OFFICE = "urn:archive:index:office"
MEMBER = str(ORG.member)
NAME_PREDICATES = (
    str(SCHEMA.name),
    str(SCHEMA.alternateName),
    str(SKOS.prefLabel),
    str(RDFS.label),
    OFFICE,
)
LABEL_ORDER = (
    str(SCHEMA.name),
    str(SKOS.prefLabel),
    str(RDFS.label),
    str(SCHEMA.alternateName),
    OFFICE,
)
IDENTIFIER = str(SCHEMA.identifier)
PROPERTY_ID = str(SCHEMA.propertyID)
VALUE = str(SCHEMA.value)
CLASSIFICATION = str(ORG.classification)
LOCATION = str(SCHEMA.location)
DOC_TYPE = str(DCTERMS.type)
DOC_NAME = str(SCHEMA.name)
DOC_LANG = str(SCHEMA.inLanguage)
RDF_TYPE = str(RDF.type)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
TEI_NS = "http://www.tei-c.org/ns/1.0"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources(
  sha256 TEXT PRIMARY KEY, name TEXT, size INTEGER, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
  id INTEGER PRIMARY KEY, graph TEXT UNIQUE NOT NULL, iri TEXT NOT NULL, slug TEXT,
  title TEXT, title_lang TEXT, date TEXT, year INTEGER, type TEXT, lang TEXT,
  sha256 TEXT, source TEXT, loaded TEXT, triples INTEGER, facts BLOB,
  sort_date TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS documents_iri ON documents(iri);
CREATE INDEX IF NOT EXISTS documents_slug ON documents(slug);
CREATE INDEX IF NOT EXISTS documents_date ON documents(sort_date, id);
CREATE INDEX IF NOT EXISTS documents_title ON documents(title COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS documents_year ON documents(year);
CREATE INDEX IF NOT EXISTS documents_loaded ON documents(loaded);
CREATE TABLE IF NOT EXISTS roles(
  doc INTEGER NOT NULL, role TEXT NOT NULL, entity INTEGER NOT NULL,
  PRIMARY KEY(doc, role, entity)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS roles_entity ON roles(entity, role, doc);
CREATE INDEX IF NOT EXISTS roles_role ON roles(role, entity);
CREATE TABLE IF NOT EXISTS doc_kinds(
  doc INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY(doc, kind)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_kinds_kind ON doc_kinds(kind, doc);
CREATE TABLE IF NOT EXISTS cosign(
  a INTEGER NOT NULL, b INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities(
  id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, kind TEXT, label TEXT, label_lang TEXT,
  docs INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS facts(
  id INTEGER PRIMARY KEY, entity INTEGER NOT NULL, predicate TEXT NOT NULL,
  value TEXT NOT NULL, lang TEXT NOT NULL DEFAULT '', dtype TEXT NOT NULL,
  docs INTEGER NOT NULL, UNIQUE(entity, predicate, value, lang, dtype));
CREATE INDEX IF NOT EXISTS facts_iri ON facts(value, predicate) WHERE dtype = 'iri';
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
  title, names, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS entities_fts USING fts5(
  names, tokenize = 'unicode61 remove_diacritics 2');
"""

_COSIGN_FROM_ROLES = (
    "SELECT x.entity, y.entity, COUNT(*) FROM roles x JOIN roles y ON y.doc = x.doc "
    "AND y.role = 'sender' WHERE x.role = 'sender' AND x.entity != y.entity GROUP BY 1, 2"
)

DERIVED_TABLES = (
    "documents",
    "roles",
    "doc_kinds",
    "cosign",
    "entities",
    "facts",
    "documents_fts",
    "entities_fts",
)


# --- where it lives -----------------------------------------------------------------------------


def index_path(store: Store, explicit: str | Path | None = None) -> Path:
    """The index file for ``store``: given, ``$ARCHIVE_SEARCH_INDEX``, or the default place.

    Beside an embedded store folder ``PATH``: ``PATH.search.sqlite`` (the store folder itself
    belongs to RocksDB). For a server: ``$XDG_DATA_HOME/advocacy-archive/search/`` with one
    file per endpoint and base, since the server's machine is not this one.
    """
    chosen = explicit or os.environ.get("ARCHIVE_SEARCH_INDEX")
    if chosen:
        return Path(chosen).expanduser()
    path = getattr(store, "path", None)
    if path is not None:
        p = Path(path)
        return p.with_name(p.name + SUFFIX)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    where = store.location
    name = re.sub(r"[^A-Za-z0-9]+", "-", where.split("://", 1)[-1]).strip("-")[:60]
    digest = hashlib.sha256(f"{where}|{store.base}".encode()).hexdigest()[:10]
    return Path(data) / "advocacy-archive" / "search" / f"{name}-{digest}.sqlite"


# --- values -------------------------------------------------------------------------------------


class Term(NamedTuple):
    """An RDF term as read from SPARQL JSON results: uri, literal or bnode."""

    kind: str
    value: str
    language: str | None = None
    datatype: str | None = None


@dataclass
class DocumentRow:
    id: int
    graph: str
    iri: str
    slug: str | None
    title: str | None
    title_lang: str | None
    date: str | None
    year: int | None
    type: str | None
    lang: str | None
    sha256: str | None
    source: str | None
    loaded: str | None
    triples: int | None

    @classmethod
    def of(cls, row: sqlite3.Row) -> DocumentRow:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


@dataclass
class Entity:
    id: int
    iri: str
    kind: str | None
    label: str | None
    label_lang: str | None


@dataclass
class Fact:
    predicate: str
    value: str
    lang: str
    dtype: str  # 'iri', 'literal' or a datatype IRI
    docs: int


@dataclass
class Page:
    """One page of documents, with the total and (when asked) facet counts."""

    rows: list[DocumentRow]
    total: int
    facets: dict[str, list[tuple[str, str | None, int]]] = field(default_factory=dict)


@dataclass
class SearchHit:
    document: DocumentRow
    snippet: str  # FTS5 snippet with \x02 ... \x03 around matches (the caller escapes and marks)
    ranked: bool = True  # by relevance; else newest first (too many matches to rank)


@dataclass
class UpdateCounts:
    indexed: int = 0
    removed: int = 0
    sources: int = 0  # TEI files stored
    missing_sources: int = 0  # documents whose TEI file was not at hand

    def __str__(self) -> str:
        out = f"{self.indexed} document(s) indexed, {self.removed} removed"
        if self.sources:
            out += f", {self.sources} TEI file(s) stored"
        if self.missing_sources:
            out += f", {self.missing_sources} without their TEI file"
        return out


FILTERS = ("year", "signatory", "addressee", "orgkind", "type")
SORTS = {
    # sort_date: the date, or "" for undated documents (before every date, so after them
    # newest first): an index serves both directions, where "date IS NULL, date" made SQLite
    # sort every row for each page
    "date": "d.sort_date, d.id",
    "-date": "d.sort_date DESC, d.id DESC",
    "title": "d.title IS NULL, d.title COLLATE NOCASE, d.id",
    "-title": "d.title IS NULL, d.title COLLATE NOCASE DESC, d.id DESC",
    "loaded": "d.loaded DESC, d.id DESC",
}


# --- the index ----------------------------------------------------------------------------------


class SearchIndex:
    """One SQLite file; safe to read from many threads (one connection per thread)."""

    def __init__(self, path: str | Path, base: str, *, create: bool = True) -> None:
        self.path = Path(path)
        self.base = base.rstrip("/")
        self.id_prefix = f"{self.base}/id/"
        if not create and not self.path.exists():
            raise StoreError(f"no search index at {self.path}: `archive reindex` builds it")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._ids: dict[str, int] = {}
        self._facets: dict[Any, dict[str, list]] = {}
        self._common: dict[str, bool] = {}  # see is_common
        self._common_at = -1  # the generation those answers are of
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self.conn
        try:
            version = self._meta(conn, "schema")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the search index at {self.path} cannot be read: {exc}") from exc
        if version == "4":  # 4 lacked the co-signatory counts: derive them from the roles
            with conn:
                conn.executescript(_SCHEMA_SQL)
                conn.execute(f"INSERT INTO cosign {_COSIGN_FROM_ROLES}")
        elif version not in (None, SCHEMA_VERSION):
            with conn:
                for table in (*DERIVED_TABLES, "meta"):
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.executescript(_SCHEMA_SQL)
        with conn:
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?), ('base', ?)",
                (SCHEMA_VERSION, self.base),
            )

    # connections --------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=OFF")
                conn.execute("PRAGMA cache_size=-32000")  # 32 MB of pages per connection
                conn.execute("PRAGMA mmap_size=1073741824")  # read through the page cache
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the search index at {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str | None:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    @property
    def generation(self) -> int:
        """Changes whenever the index does (for caches): SQLite's data version plus ours."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def _bump(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(value AS INTEGER) + 1"
        )

    # writing ------------------------------------------------------------------------------

    def update(
        self,
        store: Store,
        graphs: Iterable[str],
        sources: dict[str, Path] | None = None,
    ) -> UpdateCounts:
        """Index (or re-index) these document graphs from the store; drop those it lacks.

        ``sources`` maps graphs to the TEI files they were loaded from; a file is kept only if
        its SHA-256 is the one the store's catalog records for the document.
        """
        counts = UpdateCounts()
        sources = sources or {}
        self._ids = {}  # entity IRI -> row id, for this update (rows are deleted only here)
        for part in chunks(list(dict.fromkeys(graphs)), BATCH):
            catalog = {d.graph: d for d in store._catalog(part)}
            triples = _graph_triples(store, [g for g in part if g in catalog])
            conn = self.conn
            with conn:
                touched: set[int] = set()
                for graph in part:
                    touched |= self._drop_document(conn, graph)
                    info = catalog.get(graph)
                    if info is None or info.document is None:
                        counts.removed += 1
                        continue
                    tei = self._keep_source(conn, info, sources.get(graph), counts)
                    touched |= self._add_document(conn, info, triples.get(graph, []), tei)
                    counts.indexed += 1
                self._refresh_entities(conn, touched)
                self._bump(conn)
        return counts

    def remove(self, graphs: Iterable[str]) -> int:
        conn = self.conn
        n = 0
        with conn:
            touched: set[int] = set()
            for graph in graphs:
                before = conn.total_changes
                touched |= self._drop_document(conn, graph)
                n += conn.total_changes > before
            self._refresh_entities(conn, touched)
            self._bump(conn)
        self._drop_unused_sources()
        return n

    def rebuild(self, store: Store) -> UpdateCounts:
        """Everything again from the store (the TEI files already kept are reused)."""
        conn = self.conn
        with conn:
            for table in DERIVED_TABLES:
                conn.execute(f"DELETE FROM {table}")
            self._bump(conn)
        counts = self.update(store, [d.graph for d in store.documents()])
        self._drop_unused_sources()
        return counts

    def sync(self, store: Store) -> UpdateCounts:
        """Bring the index in step with the store's catalog: new, changed and removed graphs."""
        have = {
            r["graph"]: (r["sha256"], r["loaded"])
            for r in self.conn.execute("SELECT graph, sha256, loaded FROM documents")
        }
        docs = store.documents()
        want = {d.graph: (d.sha256, d.loaded) for d in docs}
        stale = [g for g, v in want.items() if have.get(g) != v]
        gone = [g for g in have if g not in want]
        counts = self.update(store, stale) if stale else UpdateCounts()
        if gone:
            counts.removed += self.remove(gone)
        return counts

    def in_step(self, store: Store) -> bool:
        """A cheap check: the same number of documents and the same latest load time (not
        :meth:`Store.stats`, which counts every quad: at 100,000 letters that held Python's
        lock for seconds while ``archive serve`` started, and pages waited)."""
        entries, _, last_loaded = store.catalog_state()
        row = self.conn.execute("SELECT COUNT(*), MAX(loaded) FROM documents").fetchone()
        return row[0] == entries and (row[1] or None) == (last_loaded or None)

    def _keep_source(
        self, conn: sqlite3.Connection, info: DocumentInfo, path: Path | None, counts: UpdateCounts
    ) -> bytes | None:
        sha = info.sha256
        if not sha:
            return None
        if path is not None:
            try:
                data = Path(path).read_bytes()
            except OSError:
                data = None
            if data is not None and hashlib.sha256(data).hexdigest() == sha:
                conn.execute(
                    "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
                    (sha, Path(path).name, len(data), zlib.compress(data, 1)),
                )
                counts.sources += 1
                return data
        row = conn.execute("SELECT data FROM sources WHERE sha256 = ?", (sha,)).fetchone()
        if row:
            return zlib.decompress(row[0])
        counts.missing_sources += 1
        return None

    def keep_sources(self, sources: dict[str, Path]) -> int:
        """Keep the TEI files of indexed documents that lack theirs (same SHA-256 only)."""
        kept = 0
        conn = self.conn
        with conn:
            for graph, path in sources.items():
                row = conn.execute(
                    "SELECT d.sha256 FROM documents d WHERE d.graph = ? AND d.sha256 IS NOT NULL "
                    "AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.sha256 = d.sha256)",
                    (graph,),
                ).fetchone()
                if row is None:
                    continue
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    continue
                if hashlib.sha256(data).hexdigest() == row[0]:
                    conn.execute(
                        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
                        (row[0], Path(path).name, len(data), zlib.compress(data, 1)),
                    )
                    kept += 1
        return kept

    def _drop_unused_sources(self) -> None:
        conn = self.conn
        with conn:
            conn.execute(
                "DELETE FROM sources WHERE sha256 NOT IN "
                "(SELECT sha256 FROM documents WHERE sha256 IS NOT NULL)"
            )

    def _entity_id(self, conn: sqlite3.Connection, value: str) -> int:
        cached = self._ids.get(value)
        if cached is not None:
            return cached
        row = conn.execute("SELECT id FROM entities WHERE iri = ?", (value,)).fetchone()
        if row:
            eid = int(row[0])
        else:
            kind = _kind_of(value, self.id_prefix)
            cur = conn.execute("INSERT INTO entities(iri, kind) VALUES (?, ?)", (value, kind))
            eid = int(cur.lastrowid)  # type: ignore[arg-type]
        self._ids[value] = eid
        return eid

    def _drop_document(self, conn: sqlite3.Connection, graph: str) -> set[int]:
        row = conn.execute("SELECT id, facts FROM documents WHERE graph = ?", (graph,)).fetchone()
        if row is None:
            return set()
        doc_id, packed = row
        touched = {r[0] for r in conn.execute("SELECT entity FROM roles WHERE doc = ?", (doc_id,))}
        senders = [
            r[0]
            for r in conn.execute(
                "SELECT entity FROM roles WHERE doc = ? AND role = 'sender'", (doc_id,)
            )
        ]
        pairs = [(x, y) for x in senders for y in senders if x != y]
        conn.executemany("UPDATE cosign SET n = n - 1 WHERE a = ? AND b = ?", pairs)
        for part in chunks(senders, 500):
            marks = ",".join("?" * len(part))
            conn.execute(f"DELETE FROM cosign WHERE a IN ({marks}) AND n <= 0", part)
        conn.executemany(
            "UPDATE entities SET docs = docs - 1 WHERE id = ?", [(e,) for e in touched]
        )
        if packed:
            keys = [tuple(k) for k in json.loads(zlib.decompress(packed))]
            touched |= {k[0] for k in keys}
            conn.executemany(
                "UPDATE facts SET docs = docs - 1 WHERE entity = ? AND predicate = ? "
                "AND value = ? AND lang = ? AND dtype = ?",
                keys,
            )
            for part in chunks(sorted({k[0] for k in keys}), 500):
                marks = ",".join("?" * len(part))
                conn.execute(f"DELETE FROM facts WHERE entity IN ({marks}) AND docs <= 0", part)
        conn.execute("DELETE FROM roles WHERE doc = ?", (doc_id,))
        conn.execute("DELETE FROM doc_kinds WHERE doc = ?", (doc_id,))
        conn.execute("DELETE FROM documents_fts WHERE rowid = ?", (doc_id,))
        conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return touched

    def _add_document(
        self,
        conn: sqlite3.Connection,
        info: DocumentInfo,
        triples: list[tuple[Any, Any, Any]],
        tei: bytes | None,
    ) -> set[int]:
        doc_iri = info.document or ""
        about: dict[str, dict[str, list[Any]]] = {}
        bnodes: dict[str, dict[str, str]] = {}
        members: dict[str, str] = {}  # blank org:Membership -> its member
        for s, p, o in triples:
            if s.kind == "bnode":
                if o.kind == "literal":
                    bnodes.setdefault(s.value, {})[p.value] = o.value
                elif p.value == MEMBER and o.kind == "uri":
                    members[s.value] = o.value
                continue
            about.setdefault(s.value, {}).setdefault(p.value, []).append(o)
        for tenure, member in members.items():  # an office held by someone the text names not
            office = bnodes.get(tenure, {}).get(str(RDFS.label))
            if office and member in about and str(SCHEMA.name) not in about[member]:
                about[member].setdefault(OFFICE, []).append(Term("literal", office))
        mine = about.pop(doc_iri, {})
        title, title_lang = info.title, None
        for o in mine.get(DOC_NAME, []):
            if o.kind == "literal" and (title is None or o.value == title):
                title, title_lang = o.value, o.language
                break
        dtype = next((o.value for o in mine.get(DOC_TYPE, []) if o.kind == "uri"), None)
        lang = next((o.value for o in mine.get(DOC_LANG, []) if o.kind == "literal"), None)
        date = info.date
        year = int(date[:4]) if date and re.match(r"^\d{4}", date) else None
        cur = conn.execute(
            "INSERT INTO documents(graph, iri, slug, title, title_lang, date, year, type, lang, "
            "sha256, source, loaded, triples, sort_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                info.graph,
                doc_iri,
                info.slug,
                title,
                title_lang,
                date,
                year,
                dtype,
                lang,
                info.sha256,
                info.source,
                info.loaded,
                info.triples,
                date or "",
            ),
        )
        doc_id = int(cur.lastrowid)  # type: ignore[arg-type]
        touched: set[int] = set()
        names: list[str] = []
        senders: set[str] = set()
        roles: list[tuple[int, str, int]] = []
        for prop, role in ROLES.items():
            for o in mine.get(prop, []):
                if o.kind != "uri":
                    continue
                eid = self._entity_id(conn, o.value)
                touched.add(eid)
                roles.append((doc_id, role, eid))
                if role == "sender":
                    senders.add(o.value)
                for n in about.get(o.value, {}).get(str(SCHEMA.name), []):
                    names.append(n.value)
        conn.executemany("INSERT OR IGNORE INTO roles VALUES (?, ?, ?)", roles)
        signed = sorted({eid for _, role, eid in roles if role == "sender"})
        conn.executemany(
            "INSERT INTO cosign VALUES (?, ?, 1) ON CONFLICT(a, b) DO UPDATE SET n = n + 1",
            [(x, y) for x in signed for y in signed if x != y],
        )
        conn.executemany(
            "UPDATE entities SET docs = docs + 1 WHERE id = ?",
            [(e,) for e in {r[2] for r in roles}],
        )
        keys: list[tuple[int, str, str, str, str]] = []
        for subject, props in about.items():
            if not subject.startswith(self.id_prefix):
                continue
            eid = self._entity_id(conn, subject)
            touched.add(eid)
            for prop, objects in props.items():
                for o in objects:
                    key = _fact_key(prop, o, bnodes)
                    if key is not None:
                        keys.append((eid, *key))
        keys = list(dict.fromkeys(keys))  # a statement counts once per document
        conn.executemany(
            "INSERT INTO facts(entity, predicate, value, lang, dtype, docs) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(entity, predicate, value, lang, dtype) "
            "DO UPDATE SET docs = docs + 1",
            keys,
        )
        kinds = {
            (doc_id, self._entity_id(conn, o.value))
            for sender in senders  # kinds of organisation that signed (the org-kind facet)
            for o in about.get(sender, {}).get(CLASSIFICATION, [])
            if o.kind == "uri"
        }
        conn.executemany("INSERT OR IGNORE INTO doc_kinds VALUES (?, ?)", sorted(kinds))
        conn.execute(
            "UPDATE documents SET facts = ? WHERE id = ?",
            (zlib.compress(json.dumps(keys, separators=(",", ":")).encode("utf-8"), 1), doc_id),
        )
        conn.execute(
            "INSERT INTO documents_fts(rowid, title, names, body) VALUES (?, ?, ?, ?)",
            (doc_id, title or "", " ".join(dict.fromkeys(names)), _body_text(tei)),
        )
        return touched

    def _refresh_entities(self, conn: sqlite3.Connection, ids: set[int]) -> None:
        """Labels and name index of the entities whose facts changed; drop the forgotten."""
        for eid in ids:
            rows = conn.execute(
                "SELECT predicate, value, lang FROM facts WHERE entity = ? AND predicate IN "
                f"({','.join('?' * len(NAME_PREDICATES))})",
                (eid, *NAME_PREDICATES),
            ).fetchall()
            conn.execute("DELETE FROM entities_fts WHERE rowid = ?", (eid,))
            used = conn.execute("SELECT 1 FROM roles WHERE entity = ? LIMIT 1", (eid,)).fetchone()
            if not rows and not used:
                has_facts = conn.execute(
                    "SELECT 1 FROM facts WHERE entity = ? LIMIT 1", (eid,)
                ).fetchone()
                kind_use = conn.execute(
                    "SELECT 1 FROM doc_kinds WHERE kind = ? LIMIT 1", (eid,)
                ).fetchone()
                if not has_facts and not kind_use:
                    conn.execute("DELETE FROM entities WHERE id = ?", (eid,))
                    self._ids = {k: v for k, v in self._ids.items() if v != eid}
                    continue
            label, lang = best_label([(r[0], r[1], r[2]) for r in rows])
            conn.execute(
                "UPDATE entities SET label = ?, label_lang = ? WHERE id = ?", (label, lang, eid)
            )
            if rows:
                conn.execute(
                    "INSERT INTO entities_fts(rowid, names) VALUES (?, ?)",
                    (eid, " ".join(dict.fromkeys(r[1] for r in rows))),
                )

    # reading: documents -------------------------------------------------------------------

    def last_loaded(self) -> str | None:
        row = self.conn.execute("SELECT MAX(loaded) FROM documents").fetchone()
        return row[0] if row else None

    def missing(self, graphs: Iterable[str]) -> list[str]:
        """Those of ``graphs`` the index does not hold."""
        wanted = list(graphs)
        have: set[str] = set()
        for part in chunks(wanted, 500):
            marks = ",".join("?" * len(part))
            have |= {
                r[0]
                for r in self.conn.execute(
                    f"SELECT graph FROM documents WHERE graph IN ({marks})", part
                )
            }
        return [g for g in wanted if g not in have]

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def summary(self) -> dict[str, Any]:
        """Counts for the home page and VoID, kept for each state of the index (they scan
        every document and entity: tens of milliseconds at 100,000 documents)."""
        key = ("summary", self.generation)
        with self._lock:
            cached = self._facets.get(key)
        if cached is None:
            cached = self._summary()
            with self._lock:
                self._facets[key] = cached
        return dict(cached)

    def _summary(self) -> dict[str, Any]:
        c = self.conn
        docs, first, last, loaded, triples = c.execute(
            "SELECT COUNT(*), MIN(date), MAX(date), MAX(loaded), SUM(triples) FROM documents"
        ).fetchone()
        kinds = dict(
            c.execute("SELECT kind, COUNT(*) FROM entities WHERE docs > 0 GROUP BY kind").fetchall()
        )
        return {
            "documents": docs,
            "earliest": first,
            "latest": last,
            "last_loaded": loaded,
            "triples": triples or 0,
            "entities": kinds,
        }

    def document(self, ref: str) -> DocumentRow | None:
        """By document IRI, graph IRI or slug."""
        # One indexed look-up each: with OR, SQLite scanned every document for the slug.
        for column in ("iri", "graph", "slug"):
            row = self.conn.execute(
                f"SELECT * FROM documents WHERE {column} = ? LIMIT 1", (ref,)
            ).fetchone()
            if row:
                return DocumentRow.of(row)
        return None

    def source(self, sha256: str) -> tuple[str, bytes] | None:
        row = self.conn.execute(
            "SELECT name, data FROM sources WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return (row[0], zlib.decompress(row[1])) if row else None

    def latest(self, n: int = 10) -> list[DocumentRow]:
        rows = self.conn.execute(
            "SELECT * FROM documents d ORDER BY d.sort_date DESC, d.id DESC LIMIT ?",
            (n,),
        ).fetchall()
        return [DocumentRow.of(r) for r in rows]

    def _filter_sql(self, filters: dict[str, str]) -> tuple[str, list[Any]]:
        where, args = [], []
        for key, value in filters.items():
            if not value:
                continue
            if key == "year":
                if not re.fullmatch(r"-?\d{1,4}", value):
                    where.append("0")
                    continue
                where.append("d.year = ?")
                args.append(int(value))
            elif key in ("signatory", "addressee", "orgkind"):
                row = self.conn.execute(
                    "SELECT id FROM entities WHERE iri = ?", (value,)
                ).fetchone()
                if row is None:
                    where.append("0")
                elif key == "orgkind":
                    where.append("d.id IN (SELECT doc FROM doc_kinds WHERE kind = ?)")
                    args.append(row[0])
                else:
                    where.append("d.id IN (SELECT doc FROM roles WHERE entity = ? AND role = ?)")
                    args += [row[0], "sender" if key == "signatory" else "to"]
            elif key == "type":
                where.append("d.type = ?")
                args.append(value)
        return (" AND ".join(where) or "1"), args

    def documents(
        self,
        filters: dict[str, str] | None = None,
        sort: str = "date",
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
        where, args = self._filter_sql(filters)
        order = SORTS.get(sort, SORTS["date"])
        total = self.conn.execute(
            f"SELECT COUNT(*) FROM documents d WHERE {where}", args
        ).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT * FROM documents d WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return Page([DocumentRow.of(r) for r in rows], int(total))

    def facets(self, filters: dict[str, str] | None = None, top: int = 15) -> dict[str, list]:
        """Counts of documents per year, signatory, addressee, kind of organisation and type,
        within the current filters: [(value, label, documents)], most first (years by year).

        Kept for each state of the index (its generation): the counts over all documents scan
        every role once, which takes a second at 100,000 documents.
        """
        filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
        key = (self.generation, tuple(sorted(filters.items())), top)
        with self._lock:
            cached = self._facets.get(key)
        if cached is not None:
            return cached
        where, args = self._filter_sql(filters)
        c = self.conn
        if where == "1":
            roles_from, kinds_from, scope_args = "roles r", "doc_kinds k", []
        else:  # the documents in scope first, then their roles through the primary key
            c.execute("CREATE TEMP TABLE IF NOT EXISTS scope(id INTEGER PRIMARY KEY)")
            c.execute("DELETE FROM scope")
            c.execute(f"INSERT INTO scope SELECT d.id FROM documents d WHERE {where}", args)
            roles_from = "scope s JOIN roles r ON r.doc = s.id"
            kinds_from = "scope s JOIN doc_kinds k ON k.doc = s.id"
            scope_args = []
        out: dict[str, list] = {}
        out["year"] = [
            (str(y), str(y), n)
            for y, n in c.execute(
                f"SELECT d.year, COUNT(*) FROM documents d WHERE {where} AND d.year IS NOT NULL "
                "GROUP BY d.year ORDER BY d.year DESC",
                args,
            )
        ]
        for name, role in (("signatory", "sender"), ("addressee", "to")):
            if name == "signatory" and set(filters) == {"signatory"}:
                out[name] = self._cosigner_facet(filters["signatory"], top)
                continue
            out[name] = [
                (i, label, n)
                for i, label, n in c.execute(
                    "SELECT e.iri, e.label, t.n FROM (SELECT r.entity AS entity, COUNT(*) AS n "
                    f"FROM {roles_from} WHERE r.role = ? GROUP BY r.entity "
                    "ORDER BY n DESC LIMIT ?) t JOIN entities e ON e.id = t.entity "
                    "ORDER BY t.n DESC, e.label",
                    [*scope_args, role, top],
                )
            ]
        out["orgkind"] = [
            (i, label, n)
            for i, label, n in c.execute(
                "SELECT e.iri, e.label, t.n FROM (SELECT k.kind AS kind, COUNT(*) AS n "
                f"FROM {kinds_from} GROUP BY k.kind ORDER BY n DESC LIMIT ?) t "
                "JOIN entities e ON e.id = t.kind ORDER BY t.n DESC",
                [*scope_args, top],
            )
        ]
        out["type"] = [
            (t, self.label(t), n)
            for t, n in c.execute(
                f"SELECT d.type, COUNT(*) AS n FROM documents d WHERE {where} AND d.type IS NOT "
                "NULL GROUP BY d.type ORDER BY n DESC LIMIT ?",
                [*args, top],
            )
        ]
        with self._lock:
            if len(self._facets) > 256:
                self._facets.clear()
            self._facets[key] = out
        return out

    def _cosigner_facet(self, value: str, top: int) -> list[tuple[str, str | None, int]]:
        """The signatory facet of one signatory's documents: itself and its co-signatories,
        from the kept counts (counting the senders of its 10,000 letters took 0.2 s)."""
        c = self.conn
        row = c.execute("SELECT id, label FROM entities WHERE iri = ?", (value,)).fetchone()
        if row is None:
            return []
        eid, label = row
        own = c.execute(
            "SELECT COUNT(*) FROM roles WHERE entity = ? AND role = 'sender'", (eid,)
        ).fetchone()[0]
        rows = c.execute(
            "SELECT e.iri, e.label, t.n FROM (SELECT b, n FROM cosign WHERE a = ? "
            "ORDER BY n DESC LIMIT ?) t JOIN entities e ON e.id = t.b ORDER BY t.n DESC, e.label",
            (eid, top),
        ).fetchall()
        out = [(value, label, int(own))] if own else []
        return (out + [(i, lab, int(n)) for i, lab, n in rows])[:top]

    def search(self, text: str, limit: int = 20, offset: int = 0) -> tuple[list[SearchHit], int]:
        """Documents whose title, names or text match the words (see :func:`fts_query`): best
        first, or newest first when too many match for a ranking to mean anything (it
        would also cost a score for each of them)."""
        match = fts_query(text, self.is_common)
        if not match:
            return [], 0
        c = self.conn
        try:
            total = c.execute(
                "SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH ?", (match,)
            ).fetchone()[0]
            ranked = total <= RANK_AT_MOST
            if ranked:
                ids = c.execute(
                    "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? "
                    "ORDER BY bm25(documents_fts, 10.0, 4.0, 1.0) LIMIT ? OFFSET ?",
                    (match, limit, offset),
                ).fetchall()
            else:
                ids = c.execute(
                    "SELECT d.id FROM documents d INDEXED BY documents_date WHERE d.id IN "
                    "(SELECT rowid FROM documents_fts "
                    "WHERE documents_fts MATCH ?) ORDER BY d.sort_date DESC, d.id DESC "
                    "LIMIT ? OFFSET ?",
                    (match, limit, offset),
                ).fetchall()
            order = [r[0] for r in ids]
            if not order:
                return [], int(total)
            marks = ",".join("?" * len(order))
            rows = c.execute(
                f"SELECT d.*, f.title AS t, f.names AS n, f.body AS b FROM documents d "
                f"JOIN documents_fts f ON f.rowid = d.id WHERE d.id IN ({marks})",
                order,
            ).fetchall()
        except sqlite3.OperationalError:
            return [], 0
        by_id = {r["id"]: r for r in rows}
        pattern = word_pattern(text)
        hits = [
            SearchHit(
                DocumentRow.of(by_id[i]),
                snippet(pattern, by_id[i]["b"], by_id[i]["n"], by_id[i]["t"]),
                ranked,
            )
            for i in order
            if i in by_id
        ]
        return hits, int(total)

    def is_common(self, word: str) -> bool:
        """Is ``word`` in more than half the documents (once there are COMMON_AFTER)? Kept for
        each state of the index: the answer reads the word's whole list of documents (20 ms
        for "the" at 100,000 letters), and searches repeat the same common words."""
        generation, term = self.generation, fold(word).lower()
        with self._lock:
            known = self._common.get(term) if self._common_at == generation else None
        if known is not None:
            return known
        c = self.conn
        try:
            c.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.documents_vocab "
                "USING fts5vocab(main, documents_fts, 'row')"
            )
            docs = self.count()
            found = c.execute(
                "SELECT doc FROM temp.documents_vocab WHERE term = ?", (term,)
            ).fetchone()
        except sqlite3.Error:
            return False
        known = docs >= COMMON_AFTER and found is not None and found[0] * 2 > docs
        with self._lock:
            if self._common_at != generation or len(self._common) > 10_000:
                self._common, self._common_at = {}, generation
            self._common[term] = known
        return known

    def search_entities(self, text: str, limit: int = 10) -> list[tuple[Entity, int]]:
        """Entities whose names match, with the number of documents that name them."""
        match = fts_query(text)
        if not match:
            return []
        try:
            rows = self.conn.execute(
                "SELECT e.*, e.docs AS n FROM entities_fts JOIN entities e "
                "ON e.id = entities_fts.rowid WHERE entities_fts MATCH ? "
                "ORDER BY e.docs DESC LIMIT ?",
                (match, limit),
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [
            (Entity(r["id"], r["iri"], r["kind"], r["label"], r["label_lang"]), r["n"])
            for r in rows
        ]

    # reading: entities --------------------------------------------------------------------

    def entity(self, value: str) -> Entity | None:
        row = self.conn.execute("SELECT * FROM entities WHERE iri = ?", (value,)).fetchone()
        return (
            Entity(row["id"], row["iri"], row["kind"], row["label"], row["label_lang"])
            if row
            else None
        )

    def label(self, value: str | None) -> str | None:
        if value is None:
            return None
        row = self.conn.execute("SELECT label FROM entities WHERE iri = ?", (value,)).fetchone()
        return row[0] if row else None

    def labels(self, values: Iterable[str]) -> dict[str, str]:
        """Labels of entities and titles of documents, for showing names instead of IRIs."""
        wanted = list(dict.fromkeys(values))
        out: dict[str, str] = {}
        for part in chunks(wanted, 500):
            marks = ",".join("?" * len(part))
            for i, label in self.conn.execute(
                f"SELECT iri, label FROM entities WHERE iri IN ({marks}) AND label IS NOT NULL",
                part,
            ):
                out[i] = label
            for i, title in self.conn.execute(
                f"SELECT iri, title FROM documents WHERE iri IN ({marks}) AND title IS NOT NULL",
                part,
            ):
                out.setdefault(i, title)
        return out

    def facts(self, value: str) -> list[Fact]:
        rows = self.conn.execute(
            "SELECT f.predicate, f.value, f.lang, f.dtype, f.docs FROM facts f "
            "JOIN entities e ON e.id = f.entity WHERE e.iri = ? "
            "ORDER BY f.predicate, f.docs DESC, f.value",
            (value,),
        ).fetchall()
        return [Fact(*r) for r in rows]

    def entity_documents(
        self, value: str, limit: int = 200
    ) -> dict[str, tuple[int, list[DocumentRow]]]:
        """role -> (how many documents, the latest ``limit`` of them)."""
        out: dict[str, tuple[int, list[DocumentRow]]] = {}
        c = self.conn
        row = c.execute("SELECT id FROM entities WHERE iri = ?", (value,)).fetchone()
        if row is None:
            return out
        eid = row[0]
        total = self.summary()["documents"]
        for role, n in c.execute(
            "SELECT role, COUNT(*) FROM roles WHERE entity = ? GROUP BY role", (eid,)
        ).fetchall():
            if n * 20 > total:  # in more than one document in 20 (a town named in most):
                # walk the documents newest first, checking each (sorting all of them took
                # most of a page's time at 100,000 documents)
                sql = (
                    "SELECT d.* FROM documents d INDEXED BY documents_date WHERE EXISTS "
                    "(SELECT 1 FROM roles r WHERE r.doc = d.id AND r.role = ? AND r.entity = ?) "
                    "ORDER BY d.sort_date DESC, d.id DESC LIMIT ?"
                )
                args = (role, eid, limit)
            else:
                sql = (
                    "SELECT d.* FROM roles r JOIN documents d ON d.id = r.doc WHERE r.entity = ? "
                    "AND r.role = ? ORDER BY d.sort_date DESC, d.id DESC LIMIT ?"
                )
                args = (eid, role, limit)  # type: ignore[assignment]
            docs = c.execute(sql, args).fetchall()
            out[role] = (int(n), [DocumentRow.of(d) for d in docs])
        return out

    def cosignatories(self, value: str, limit: int = 50) -> tuple[list[tuple[Entity, int]], int]:
        """Who signs with this sender, and in how many documents (most first); and how many."""
        c = self.conn
        row = c.execute("SELECT id FROM entities WHERE iri = ?", (value,)).fetchone()
        if row is None:
            return [], 0
        eid = row[0]
        # Kept counted (the cosign table): joining the roles of a signatory of 10,000 letters
        # took a tenth of a second.
        total = c.execute("SELECT COUNT(*) FROM cosign WHERE a = ?", (eid,)).fetchone()[0]
        top = c.execute(
            "SELECT b, n FROM cosign WHERE a = ? ORDER BY n DESC, b LIMIT ?", (eid, limit)
        ).fetchall()
        marks = ",".join("?" * len(top))
        ents = {
            r["id"]: Entity(r["id"], r["iri"], r["kind"], r["label"], r["label_lang"])
            for r in c.execute(f"SELECT * FROM entities WHERE id IN ({marks})", [e for e, _ in top])
        }
        out = [(ents[e], int(n)) for e, n in top if e in ents]
        out.sort(key=lambda pair: (-pair[1], pair[0].label or ""))
        return out, int(total)

    def incoming(self, value: str, limit: int = 500) -> list[tuple[str, Entity]]:
        """(predicate, entity) for every entity with a statement pointing at ``value``."""
        rows = self.conn.execute(
            "SELECT f.predicate AS predicate, e.* FROM facts f JOIN entities e "
            "ON e.id = f.entity WHERE f.value = ? AND f.dtype = 'iri' "
            "ORDER BY f.predicate, e.label LIMIT ?",
            (value, limit),
        ).fetchall()
        return [
            (r["predicate"], Entity(r["id"], r["iri"], r["kind"], r["label"], r["label_lang"]))
            for r in rows
        ]

    def pointing_at(self, value: str, predicate: str, limit: int = 200) -> list[Entity]:
        """Entities with a fact ``predicate value`` (organisations based in a place...)."""
        rows = self.conn.execute(
            "SELECT DISTINCT e.* FROM facts f JOIN entities e ON e.id = f.entity "
            "WHERE f.value = ? AND f.predicate = ? AND f.dtype = 'iri' ORDER BY e.label LIMIT ?",
            (value, predicate, limit),
        ).fetchall()
        return [Entity(r["id"], r["iri"], r["kind"], r["label"], r["label_lang"]) for r in rows]


# --- helpers ------------------------------------------------------------------------------------


def _kind_of(value: str, id_prefix: str) -> str | None:
    if value.startswith(id_prefix):
        return value[len(id_prefix) :].split("/", 1)[0]
    return None


def _fact_key(
    prop: str, o: Any, bnodes: dict[str, dict[str, str]]
) -> tuple[str, str, str, str] | None:
    """(predicate, value, lang, dtype) for one statement about an entity."""
    if o.kind == "uri":
        return (prop, o.value, "", "iri")
    if o.kind == "literal":
        dtype = (o.datatype or XSD_STRING) if not o.language else "literal"
        if dtype == XSD_STRING:
            dtype = "literal"
        return (prop, o.value, o.language or "", dtype)
    if o.kind == "bnode" and prop == IDENTIFIER:  # schema:PropertyValue
        pv = bnodes.get(o.value, {})
        if VALUE in pv:
            label = pv.get(PROPERTY_ID, "")
            return (prop, f"{label}: {pv[VALUE]}" if label else pv[VALUE], "", "literal")
    return None


def best_label(names: Sequence[tuple[str, str, str]]) -> tuple[str | None, str | None]:
    """The name to show: schema:name before labels and abbreviations; English, then no
    language, then any (the archive's pages are in English)."""
    if not names:
        return None, None

    def rank(item: tuple[str, str, str]) -> tuple[int, int, str]:
        pred, value, lang = item
        order = LABEL_ORDER.index(pred) if pred in LABEL_ORDER else len(LABEL_ORDER)
        lang_rank = 0 if lang.startswith("en") else (1 if not lang else 2)
        return (order, lang_rank, value)

    pred, value, lang = min(names, key=rank)
    if pred == OFFICE:
        return f"{value} (not named)", None
    return value, (lang or None)


_FOLD = {
    "a": "aàáâãäåā",
    "c": "cçć",
    "e": "eèéêëē",
    "i": "iìíîïī",
    "n": "nñ",
    "o": "oòóôõöøō",
    "u": "uùúûüū",
    "y": "yýÿ",
}
# Accented letters to their base letter, one character for one (so that a match found in the
# folded text is at the same place in the text): cheaper than a character class per letter,
# whose compilation cost several milliseconds a search.
_FOLD_TABLE = str.maketrans(
    {ch: base for base, v in _FOLD.items() for ch in v[1:]}
    | {
        ch.upper(): base.upper()
        for base, v in _FOLD.items()
        for ch in v[1:]
        if len(ch.upper()) == 1
    }
)


def fold(text: str) -> str:
    return text.translate(_FOLD_TABLE)


def word_pattern(text: str) -> re.Pattern[str] | None:
    """The words of a search as a regular expression that ignores case, the last one as a
    prefix when the full-text query makes it one, for marking them in a passage. It is matched
    against :func:`fold`-ed text, so that it ignores accents too."""
    words, prefix = search_words(fold(text))
    if not words:
        return None
    parts = []
    for i, w in enumerate(words):
        last = prefix and i == len(words) - 1
        parts.append(rf"\b{re.escape(w.lower())}" + (r"\w*" if last else r"\b"))
    return re.compile("|".join(parts), re.IGNORECASE)


def snippet(pattern: re.Pattern[str] | None, *texts: str | None, width: int = 90) -> str:
    """A passage around the first match (text, then names, then title), with \\x02 and \\x03
    around each match: what FTS5's snippet() gives, at a fraction of its cost on long texts."""
    for text in texts:
        if not text or pattern is None:
            continue
        # the text as it is first (folding a long text costs more than searching it twice)
        m = pattern.search(text) or pattern.search(fold(text))
        if m is None:
            continue
        start = max(0, m.start() - width)
        end = min(len(text), m.end() + width)
        if start:
            start = text.find(" ", start, m.start()) + 1 or start
        folded = fold(text[start:end])
        out, at = [], start
        for hit in pattern.finditer(folded):
            hit_start, hit_end = start + hit.start(), start + hit.end()
            out += [text[at:hit_start], "\x02", text[hit_start:hit_end], "\x03"]
            at = hit_end
        out.append(text[at:end])
        return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
    for text in texts:
        if text:
            return text[: 2 * width] + ("…" if len(text) > 2 * width else "")
    return ""


MAX_WORDS = 12  # words of a search that are kept (a pasted title is cut there)
COMMON_AFTER = 100  # documents in the index before a word in most of them counts as common


def search_words(text: str) -> tuple[list[str], bool]:
    """The words of a search, and whether the last one is a prefix: only while it is being
    typed (the text ends inside it and nothing was cut) and at least three characters long.
    A prefix of one or two letters ("on*") expands to hundreds of terms and took a search at
    100,000 letters from 11 to 37 ms for nothing a reader asked for."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    prefix = len(words) <= MAX_WORDS and bool(words) and len(words[-1]) >= 3
    return words[:MAX_WORDS], prefix and bool(re.search(r"\w$", text))


def fts_query(text: str, common: Callable[[str], bool] | None = None) -> str:
    """User text as a safe FTS5 query: every word must match (see :func:`search_words` for
    the last one). ``common``: words in most documents, left out while rarer ones remain (they
    narrow nothing, and reading their lists of documents was most of a search's time)."""
    words, prefix = search_words(text)
    quoted = [f'"{w}"' for w in words]
    if prefix:
        quoted[-1] += "*"
    if common is not None:
        rare = [q for w, q in zip(words, quoted, strict=True) if q.endswith("*") or not common(w)]
        quoted = rare or quoted
    return " ".join(quoted)


def _graph_triples(store: Store, graphs: list[str]) -> dict[str, list[tuple[Term, Term, Term]]]:
    """The triples of these graphs, read as SPARQL JSON results (parsed by the C json module:
    several times faster than making pyoxigraph terms one by one)."""
    out: dict[str, list[tuple[Term, Term, Term]]] = {g: [] for g in graphs}
    if not graphs:
        return out
    q = f"""SELECT ?g ?s ?p ?o WHERE {{
  VALUES ?g {{ {" ".join(iri(g) for g in graphs)} }}
  GRAPH ?g {{ ?s ?p ?o }} }}"""
    ox_store = getattr(store, "ox_store", None)
    if ox_store is not None:  # read the quads directly, each distinct term converted once
        cache: dict[Any, Term] = {}
        for g in graphs:
            triples = out[g]
            for quad in ox_store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
                s, p, o = quad.subject, quad.predicate, quad.object
                triples.append(
                    (
                        cache.get(s) or cache.setdefault(s, _ox_term(s)),
                        cache.get(p) or cache.setdefault(p, _ox_term(p)),
                        cache.get(o) or cache.setdefault(o, _ox_term(o)),
                    )
                )
            if len(cache) > 200_000:
                cache.clear()
        return out
    from archive.store.client import SPARQL_JSON

    data = store.http.query(q, accept=SPARQL_JSON).content  # type: ignore[attr-defined]
    for b in json.loads(data)["results"]["bindings"]:
        out[b["g"]["value"]].append((_term(b["s"]), _term(b["p"]), _term(b["o"])))
    return out


def _ox_term(t: Any) -> Term:
    if isinstance(t, ox.NamedNode):
        return Term("uri", t.value)
    if isinstance(t, ox.Literal):
        return Term("literal", t.value, t.language, None if t.language else t.datatype.value)
    if isinstance(t, ox.BlankNode):
        return Term("bnode", t.value)
    return Term("other", str(t))


def _term(binding: dict[str, str]) -> Term:
    kind = binding["type"]
    if kind == "typed-literal":
        kind = "literal"
    return Term(kind, binding["value"], binding.get("xml:lang"), binding.get("datatype"))


def _body_text(tei: bytes | None) -> str:
    """The text of a TEI document's <text> for full-text search (notes included)."""
    if not tei:
        return ""
    from archive.errors import ArchiveError
    from archive.tei.parse import parse_bytes

    try:
        root = parse_bytes(tei).root
    except ArchiveError:
        return ""
    t = f"{{{TEI_NS}}}"
    if len(root.findall(f".//{t}correspDesc")) > 1:
        return ""  # a CMIF file: many documents, no text of their own
    text = root.find(f"{t}text")
    if text is None:
        return ""
    return " ".join(" ".join(text.itertext()).split())


# --- what the commands call -------------------------------------------------------------------
# Kept small on purpose: `archive load`, `remove` and `reindex` call one of these after the
# store has done its work, so the store's own load and remove paths stay untouched.


def open_index(store: Store, path: str | Path | None = None) -> SearchIndex:
    return SearchIndex(index_path(store, path), store.base)


def update_after_load(
    store: Store, results: Iterable[Any], path: str | Path | None = None
) -> UpdateCounts:
    """Index the documents a load wrote (loaded or replaced), keeping their TEI files; and
    unchanged documents the index lacks (an index built after the documents were loaded)."""
    from archive.store.base import Outcome

    written: dict[str, Path | None] = {}
    unchanged: dict[str, Path | None] = {}
    for r in results:
        source = Path(r.source) if r.source else None
        if r.outcome in (Outcome.LOADED, Outcome.REPLACED):
            written[r.graph] = source
        elif r.outcome is Outcome.UNCHANGED:
            unchanged[r.graph] = source
    with open_index(store, path) as index:
        missing = index.missing(unchanged)
        todo = [*written, *missing]
        sources = {g: p for g, p in {**unchanged, **written}.items() if p is not None}
        counts = index.update(store, todo, sources) if todo else UpdateCounts()
        counts.sources += index.keep_sources(
            {g: p for g, p in unchanged.items() if p is not None and g not in missing}
        )
        return counts


def update_after_remove(store: Store, graphs: Iterable[str], path: str | Path | None = None) -> int:
    target = index_path(store, path)
    if not target.exists():
        return 0
    with SearchIndex(target, store.base) as index:
        return index.remove(graphs)


def rebuild_index(store: Store, path: str | Path | None = None) -> UpdateCounts:
    with open_index(store, path) as index:
        return index.rebuild(store)
