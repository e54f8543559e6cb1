"""The embedded store: pyoxigraph on disk (RocksDB), created by the first load.

pyoxigraph takes an exclusive lock on the directory: a second process that opens the same
store gets a :class:`~archive.errors.StoreError` saying so, instead of a corrupted store.
Reading commands open the store read-only, which writes nothing at all to its folder, under a
shared lock on the same file (an open-file-description lock, which RocksDB's own lock
respects), so that a writer and a reader still exclude each other.

New documents are written with pyoxigraph's bulk loader, whatever the store holds: each bulk
write is atomic (all its files are ingested at once, or none), and carries whole documents —
their graphs, their share of the merged graph and their catalog entries flagged
``arc:indexPending``. A transaction then applies their share of the count indexes and clears
the flags. A load killed in between leaves flagged documents, and the next command that opens
the store finishes them (:meth:`Store.repair`) or, if it only reads, refuses and says so.
Replacing a document that is already there goes through one transaction, as on a server.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from archive.errors import QueryError, StoreError
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import PREFIX_IRIS, XSD
from archive.store import catalog as cat
from archive.store.base import (
    DEFAULT_BATCH,
    LoadResult,
    Outcome,
    QueryResult,
    Store,
    _failed,
    _reason,
    iri,
    result_from_ox,
)
from archive.store.catalog import Stamp, entry_lines, later
from archive.store.document import StoreDocument
from archive.store.index import INDEXES, Key, KeyCounts
from archive.store.queries import syntax_error

# Documents per bulk write. pyoxigraph's loader holds ~650 bytes a quad while it sorts them: at
# 10,000 letters, 250 documents (and 300,000 index lines at the end) made a peak of 642 MB; 100
# documents and 30,000 lines, 262 MB, in the same time.
BULK_DOCUMENTS = 100
BULK_BYTES = 64_000_000  # or this much N-Quads text, whichever comes first
TEMPORARY = "bulk-*.sst"  # pyoxigraph's bulk loader writes these in the store's folder


def is_store(path: Path) -> bool:
    """Whether ``path`` holds a store (a RocksDB database), not just a folder."""
    return (path / "CURRENT").is_file()


@dataclass(slots=True)
class _Pending:
    """A document in the next bulk write: what its result and index share need."""

    slug: str
    graph: str
    triples: int
    source: str | None
    keys: dict[str, list[Key]]


class EmbeddedStore(Store):
    backend = "embedded"

    def __init__(self, path: Path, base: str | None = None, read_only: bool = False) -> None:
        super().__init__(base)
        self.path = Path(path)
        self.read_only = read_only
        self._lock_fd: int | None = None
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is not a directory, so it cannot hold a store")
        try:
            if read_only:
                if not is_store(self.path):
                    raise StoreError(f"no store at {self.path}: `archive load` creates one")
                self._lock_fd = _shared_lock(self.path)
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            self._release_lock()
            text = str(exc)
            if "lock" in text.lower() or exc.errno in (errno.EAGAIN, errno.EACCES):
                raise StoreError(
                    f"the store at {self.path} is in use by another process (it holds the "
                    "store's lock); wait for it to finish, or serve the store with a SPARQL "
                    "server and use --endpoint"
                ) from exc
            raise StoreError(f"cannot open the store at {self.path}: {text}") from exc
        self._bulk: list[_Pending] = []
        self._bulk_bytes = 0
        self._bulk_file: IO[bytes] | None = None
        self._bulk_stamp = ""
        self._bulk_sequence = 0
        self._bulk_written = 0
        self._documents_at_start = 0
        self.bulk_enabled = True
        self._bulk_size = BULK_DOCUMENTS
        self._deferred = None
        self._marked = False

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def ox_store(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers that need its native API."""
        return self._store

    def query_options(self) -> dict[str, object]:
        """Keyword arguments for ``ox.Store.query`` that give the store's dataset (the merged
        default graph, every named graph), for callers that run queries themselves."""
        return {"prefixes": PREFIX_IRIS}

    def close(self) -> None:
        if not self.read_only:
            with contextlib.suppress(OSError, AttributeError):
                self._store.flush()
        # pyoxigraph releases the lock when the object is freed
        self._store = None  # type: ignore[assignment]
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def _select(self, query: str) -> QueryResult:
        try:
            return result_from_ox(self._store.query(query))
        except SyntaxError as exc:  # internal queries are generated: a bug if this happens
            raise StoreError(f"internal query failed: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"reading the store at {self.path} failed: {exc}") from exc

    def _update(self, update: str) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.path} was opened to read only")
        try:
            self._store.update(update)
        except SyntaxError as exc:
            raise StoreError(f"the store refused the data: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"writing to the store at {self.path} failed: {exc}") from exc

    def _query(self, query: str) -> QueryResult:
        try:
            return result_from_ox(self._store.query(query, prefixes=PREFIX_IRIS))
        except SyntaxError as exc:
            raise syntax_error(exc, text=query) from exc
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from exc

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return self._store.quads_for_pattern(None, None, None, g)

    def _count_quads(self) -> tuple[int, int]:
        return len(self._store), sum(1 for _ in self._store.named_graphs())

    def _disk_bytes(self) -> int | None:
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    def _temporary_files(self) -> list[Path]:
        return sorted(self.path.glob(TEMPORARY))

    def _remove_temporary_files(self) -> int:
        if self.read_only:
            return 0
        files = self._temporary_files()
        for f in files:
            f.unlink(missing_ok=True)
        return len(files)

    def is_empty(self) -> bool:
        return not any(True for _ in self._store.quads_for_pattern(None, None, None, None))

    # loading ----------------------------------------------------------------------------------

    def load(
        self,
        docs: Iterable[DocumentGraph | StoreDocument],
        *,
        force: bool = False,
        batch_size: int | None = None,
        atomic: bool = False,
        progress: Callable[[LoadResult], None] | None = None,
        stop: Callable[[], bool] | None = None,
        bulk: bool | None = None,
    ) -> list[LoadResult]:
        """As :meth:`Store.load`; new documents take the bulk path unless ``bulk`` is False.

        pyoxigraph's bulk loader is several times faster than transactions and leaves less on
        disk (measured on 3,000 letters: 3.3x faster, 2.5x smaller). Each bulk write is atomic
        and holds whole documents; their index share follows in a transaction (see the module's
        docstring). After a load that grew the store by half or more, the store is compacted.
        ``batch_size``: documents per transaction and per bulk write (by default 100 each).
        """
        self.bulk_enabled = bulk is not False and not atomic
        self._bulk_size = batch_size or BULK_DOCUMENTS
        self._bulk, self._bulk_bytes, self._bulk_written = [], 0, 0
        self._documents_at_start = self._count_documents()
        # Into an empty store, the index shares are counted here and written once at the end,
        # by the bulk loader (the indexes are empty: nothing to read first); until then the
        # store says its indexes are being rebuilt, which a later command redoes if this load
        # is killed.
        self._deferred: KeyCounts | None = (
            KeyCounts() if self.bulk_enabled and self._documents_at_start == 0 else None
        )
        self._marked = False
        try:
            results = super().load(
                docs,
                force=force,
                batch_size=batch_size or DEFAULT_BATCH,
                atomic=atomic,
                progress=progress,
                stop=stop,
            )
        except Exception:
            # The documents (their source, say) failed, not the store: finish what was written
            # so that the store stays consistent; what was not written yet is dropped.
            self._bulk = []
            self._discard_bulk_file()
            with contextlib.suppress(StoreError, OSError):
                self._end_load(lambda result: None)
            raise
        finally:
            self._bulk = []
            self._discard_bulk_file()
        if self._bulk_written and self._bulk_written * 2 >= self._documents_at_start:
            self.optimize()
        return results

    def _count_documents(self) -> int:
        q = f"""SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g a {cat.DOCUMENT_GRAPH} }} }}"""
        ((n,),) = self._select(q).values()
        return int(n or 0)

    def _load_batch(self, batch, *, force: bool, atomic: bool, done) -> None:
        if not self.bulk_enabled:
            return super()._load_batch(batch, force=force, atomic=atomic, done=done)
        classified = self._classify(batch, force, done)
        if classified is None:
            return
        to_write, existing = classified
        replaced = [doc for doc in to_write if doc.graph in existing]
        if replaced:
            self._write_transactions(replaced, existing, atomic=False, done=done)
        for doc in to_write:
            if doc.graph not in existing:
                self._buffer(doc)
                if len(self._bulk) >= self._bulk_size or self._bulk_bytes >= BULK_BYTES:
                    self._flush_bulk(done)

    def _buffer(self, doc: StoreDocument) -> None:
        """Add a new document to the next bulk write. Its quads go to a temporary file at once
        (unlinked: nothing is left behind, whatever happens), so that what waits in memory is
        a few small values per document, not its triples."""
        if self._bulk_file is None:
            self._bulk_file = tempfile.TemporaryFile(dir=self.path)  # noqa: SIM115 - kept open
            layout = self.layout()
            self._bulk_stamp = later(layout.last_datestamp)
            self._bulk_sequence = layout.last_sequence
        self._bulk_sequence += 1
        catalog = f" <{self.catalog_graph}> .\n"
        merged = self.layout().merged
        lines = entry_lines(
            doc, Stamp(self._bulk_stamp, self._bulk_stamp, self._bulk_sequence), pending=True
        )
        text = (
            doc.quads(doc.graph)
            + doc.quads(merged)  # the bulk loader keeps one copy of a fact many letters state
            + "".join(line + catalog for line in lines)
        )
        data = text.encode("utf-8")
        self._bulk_file.write(data)
        self._bulk_bytes += len(data)
        self._bulk.append(_Pending(doc.slug, doc.graph, doc.triples, doc.source, doc.keys))

    def _end_load(self, done: Callable[[LoadResult], None]) -> None:
        if self._bulk:
            self._flush_bulk(done)
        if self._deferred is not None and self._bulk_written:
            self._write_deferred_indexes(self._deferred)
        elif self._deferred is not None and self._marked:
            self._mark_finished("indexes")  # marked, but nothing could be written
        self._deferred = None

    def _write_deferred_indexes(self, counts: KeyCounts) -> None:
        """The indexes of a load into an empty store, in bulk; then every flag cleared."""
        integer = f"<{XSD.integer}>"
        for index in INDEXES:
            graph = f" <{index.graph(self.base)}> .\n"
            props = [f"<{p}>" for p in index.properties]
            count = f"<{index.count}>"
            lines: list[str] = []
            for key, n in counts.items(index.name):
                node = f"<{index.node(self.base, key)}>"
                for prop, value in zip(props, key, strict=True):
                    lines.append(f"{node} {prop} {value}{graph}")
                lines.append(f'{node} {count} "{n}"^^{integer}{graph}')
                if len(lines) >= 30_000:  # see BULK_DOCUMENTS
                    self._store.bulk_load("".join(lines).encode(), format=ox.RdfFormat.N_QUADS)
                    lines = []
            if lines:
                self._store.bulk_load("".join(lines).encode(), format=ox.RdfFormat.N_QUADS)
            counts.clear(index.name)
        self._clear_pending()
        self._mark_finished("indexes")

    def _flush_bulk(self, done: Callable[[LoadResult], None]) -> None:
        docs, self._bulk, self._bulk_bytes = self._bulk, [], 0
        try:
            self._bulk_write(docs)
        except (StoreError, OSError) as exc:
            for doc in docs:
                done(_failed(doc, _reason(exc)))
            return
        finally:
            self._discard_bulk_file()
        self._bulk_written += len(docs)
        for doc in docs:
            done(LoadResult(doc.slug, doc.graph, Outcome.LOADED, doc.triples, doc.source))

    def _discard_bulk_file(self) -> None:
        if self._bulk_file is not None:
            with contextlib.suppress(OSError):
                self._bulk_file.close()
        self._bulk_file = None

    def _bulk_write(self, docs: list[_Pending]) -> None:
        """One atomic bulk write of whole new documents, then their index share."""
        assert self._bulk_file is not None
        c = f"<{self.catalog_graph}>"
        catalog = f" <{self.catalog_graph}> .\n"
        state = (
            f"{c} {cat.LAST_SEQUENCE} {cat.integer(self._bulk_sequence)}{catalog}"
            f"{c} {cat.MODIFIED} {cat.datetime_literal(self._bulk_stamp)}{catalog}"
        )
        self._bulk_file.write(state.encode("utf-8"))
        self._bulk_file.flush()
        self._bulk_file.seek(0)
        if self._deferred is not None and not self._marked:
            self._mark_unfinished("indexes")
            self._marked = True
        try:
            self._store.bulk_load(self._bulk_file, format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"writing to the store at {self.path} failed: {exc}") from exc
        self._advance(self._bulk_sequence, self._bulk_stamp)
        if self._deferred is not None:
            for doc in docs:
                for name, ks in doc.keys.items():
                    self._deferred.add(name, ks)
            return
        keys: dict[str, Counter[Key]] = {index.name: Counter() for index in INDEXES}
        for doc in docs:
            for name, ks in doc.keys.items():
                keys[name].update(ks)
        self._finish_pending([d.graph for d in docs], keys)
        # the index share went through a transaction: write RocksDB's buffers out, so that
        # they do not grow with the load (measured: gigabytes over a long load)
        self._store.flush()

    def rebuild_merged(self) -> int:
        """As :meth:`Store.rebuild_merged`, with the bulk loader: each document graph is dumped
        as N-Triples (in pyoxigraph, no Python object per triple) and loaded into the default
        graph, where a triple several documents state is stored once."""
        self._mark_unfinished("merged graph")
        merged = self.layout().merged
        target = ox.NamedNode(merged) if merged else ox.DefaultGraph()
        self._store.clear_graph(target)
        buffer: list[bytes] = []
        size = 0
        for info in self._catalog():
            data = self._store.dump(
                format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(info.graph)
            )
            buffer.append(data)
            size += len(data)
            if size >= BULK_BYTES:
                self._store.bulk_load(
                    b"".join(buffer), format=ox.RdfFormat.N_TRIPLES, to_graph=target
                )
                buffer, size = [], 0
        if buffer:
            self._store.bulk_load(b"".join(buffer), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        self._mark_finished("merged graph")
        return self._count_merged()

    def rebuild_index(self) -> dict[str, int]:
        """As :meth:`Store.rebuild_index`, written with the bulk loader (a transaction per part
        held gigabytes of RocksDB write buffers at 10,000 letters); compacted after."""
        self._mark_unfinished("indexes")
        sizes = {}
        for index in INDEXES:
            counts = self.computed_counts(index)
            graph = ox.NamedNode(index.graph(self.base))
            self._store.clear_graph(graph)
            buffer: list[ox.Quad] = []
            for t in self.index_triples(index, counts):
                buffer.append(ox.Quad(t.subject, t.predicate, t.object, graph))
                if len(buffer) >= 200_000:
                    self._store.bulk_extend(buffer)
                    buffer = []
            if buffer:
                self._store.bulk_extend(buffer)
            sizes[index.name] = len(counts)
        self._mark_finished("indexes")
        self.optimize()
        return sizes

    def optimize(self) -> None:
        """Compact the store after a large load or rewrite (RocksDB compaction)."""
        try:
            self._store.optimize()
        except OSError as exc:
            raise StoreError(f"optimising the store at {self.path} failed: {exc}") from exc


def _shared_lock(path: Path) -> int | None:
    """A shared lock on the store's LOCK file, held while reading.

    RocksDB locks that file (POSIX record lock) while a process writes; an open-file-description
    lock conflicts with it both ways, even inside one process, and is not released when some
    other descriptor of the file is closed. Where the platform has no such locks, reading goes
    without one.
    """
    import fcntl

    op = getattr(fcntl, "F_OFD_SETLK", None)
    lock = path / "LOCK"
    if op is None or not lock.exists():
        return None
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.fcntl(fd, op, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0))
    except OSError:
        os.close(fd)
        raise
    return fd
