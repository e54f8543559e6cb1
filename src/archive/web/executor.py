"""Running SPARQL for the endpoint: time-limited, row-limited, never blocking the server.

pyoxigraph cannot interrupt a query, and a thread cannot be killed. So on the embedded store
each query runs in a worker *process* that opens the store read-only; a query that outlives
its time limit is stopped by ending that process (a new one takes its place). Workers
serialise answers natively (pyoxigraph's own writers), so the endpoint costs little more than
the query. The application process keeps the store's lock, so no other process writes to the
store while workers read it; after a SPARQL Update (only with a token) the workers are
replaced, since a read-only RocksDB instance sees the store as it was when it was opened.

On a SPARQL server, the query is forwarded (form-encoded POST, as every server accepts) with the
same time limit; the connection is dropped when it runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

PREFIXES_MODULE = "archive.rdf.namespaces"

RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
}


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""


class QueryRefused(Exception):
    """The engine refused the query (syntax, or an evaluation error)."""


class EndpointBusy(Exception):
    """Every worker stayed busy for as long as a query may run."""


@dataclass
class SparqlJob:
    query: str
    media_type: str  # the answer's media type (chosen by content negotiation)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    base_iri: str | None = None  # relative IRIs resolve against the endpoint's URL


@dataclass
class SparqlAnswer:
    media_type: str
    body: bytes
    seconds: float = 0.0


# --- the worker process -------------------------------------------------------------------------


def _worker_main(conn: Any, path: str, prefixes: dict[str, str]) -> None:
    """Loop: one job in, one answer out. Ends when the parent goes away (EOF on the pipe)."""
    try:
        store = ox.Store.read_only(path)
    except OSError as exc:
        with contextlib.suppress(Exception):
            conn.send(("dead", f"cannot open the store read-only: {exc}"))
        return
    conn.send(("ready", ""))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(("ok", execute(store, job, prefixes)))
        except SyntaxError as exc:
            conn.send(("refused", str(exc)))
        except Exception as exc:  # an evaluation error is the query's, not the server's
            conn.send(("refused", f"{type(exc).__name__}: {exc}"))


def execute(store: ox.Store, job: SparqlJob, prefixes: dict[str, str]) -> bytes:
    """Run one query on a pyoxigraph store and serialise its answer (used by workers)."""
    options: dict[str, Any] = {"prefixes": prefixes, "base_iri": job.base_iri}
    if job.default_graphs or job.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs] or [
            ox.DefaultGraph()
        ]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    # Otherwise the dataset `archive query` sees (EmbeddedStore._query): the store's default
    # graph, which is the merged graph (each fact once), and every named graph for GRAPH ?g.
    answer = store.query(job.query, **options)
    if isinstance(answer, ox.QuerySolutions | ox.QueryBoolean):
        fmt = getattr(ox.QueryResultsFormat, RESULT_TYPES.get(job.media_type, "JSON"))
        return answer.serialize(format=fmt)
    rdf = getattr(ox.RdfFormat, GRAPH_TYPES.get(job.media_type, "TURTLE"))
    triples = list(dict.fromkeys(answer))  # CONSTRUCT is a set of triples
    return ox.serialize(
        triples, format=rdf, prefixes=prefixes if rdf == ox.RdfFormat.TURTLE else None
    )


class _Worker:
    def __init__(self, ctx: Any, path: str, prefixes: dict[str, str], generation: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, path, prefixes), daemon=True, name="sparql-worker"
        )
        self.process.start()
        child.close()
        self.generation = generation
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise RuntimeError("the SPARQL worker did not start")
        status, message = self.conn.recv()
        if status != "ready":
            raise RuntimeError(message)
        self.ready = True

    def stop(self, kill: bool = False) -> None:
        with contextlib.suppress(Exception):
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class ProcessExecutor:
    """Queries of the embedded store, each in a worker process with a time limit."""

    def __init__(self, path: str, workers: int = 2, time_limit: float = 30.0) -> None:
        from archive.rdf.namespaces import PREFIXES

        self.path = path
        self.size = max(1, workers)
        self.time_limit = time_limit
        self.prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        self.ctx = multiprocessing.get_context("spawn")
        self.generation = 0
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.size)
        self._threads = ThreadPoolExecutor(self.size + 2, thread_name_prefix="sparql-wait")
        self._closed = False

    def start(self) -> None:
        """Start the workers now rather than on the first query."""
        with self._lock:
            while len(self._all) < self.size:
                w = _Worker(self.ctx, self.path, self.prefixes, self.generation)
                self._all.add(w)
                self._idle.append(w)

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                w = self._idle.pop()
                if w.generation == self.generation and w.process.is_alive():
                    return w
                self._all.discard(w)
                threading.Thread(target=w.stop, daemon=True).start()
            w = _Worker(self.ctx, self.path, self.prefixes, self.generation)
            self._all.add(w)
            return w

    def _give_back(self, w: _Worker) -> None:
        with self._lock:
            if self._closed:
                self._all.discard(w)
                threading.Thread(target=w.stop, daemon=True).start()
            else:
                self._idle.append(w)

    async def run(self, job: SparqlJob) -> SparqlAnswer:
        """Run one query in a worker, at most ``time_limit`` seconds (then the worker is ended).
        The answer is awaited on the event loop (a reader on the worker's pipe), not in a
        thread: two thread switches fewer per query, which on a busy machine were most of a
        small query's time."""
        loop = asyncio.get_running_loop()
        if not self._slots.acquire(blocking=False):
            acquired = await loop.run_in_executor(
                self._threads, lambda: self._slots.acquire(timeout=self.time_limit)
            )
            if not acquired:
                raise EndpointBusy()
        w: _Worker | None = None
        try:
            w = self._take()
            if not w.ready:
                await loop.run_in_executor(self._threads, w.wait_ready, 60)
            started = time.perf_counter()
            w.conn.send(job)
            answered = loop.create_future()
            fd = w.conn.fileno()
            loop.add_reader(fd, lambda: answered.done() or answered.set_result(None))
            try:
                await asyncio.wait_for(answered, self.time_limit)
            finally:
                loop.remove_reader(fd)
                # uvloop's add_reader makes the pipe non-blocking, and then an answer larger
                # than the pipe's buffer fails half-read (EAGAIN): read it whole
                os.set_blocking(fd, True)
            status, payload = w.conn.recv()
        except (TimeoutError, asyncio.CancelledError) as exc:
            if w is not None:  # still working on it: really stop it
                with self._lock:
                    self._all.discard(w)
                w.stop(kill=True)
            if isinstance(exc, TimeoutError):
                raise QueryTimeout() from None
            raise
        except (EOFError, OSError, RuntimeError) as exc:
            if w is not None:
                with self._lock:
                    self._all.discard(w)
                w.stop(kill=True)
            raise QueryRefused(f"the query worker failed: {exc}") from exc
        finally:
            self._slots.release()
        self._give_back(w)
        if status == "ok":
            return SparqlAnswer(job.media_type, payload, time.perf_counter() - started)
        raise QueryRefused(payload)

    def recycle(self) -> None:
        """Workers opened before a write see the old store: replace them."""
        with self._lock:
            self.generation += 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
        for w in workers:
            w.stop(kill=True)
        self._threads.shutdown(wait=False, cancel_futures=True)


class RemoteExecutor:
    """Queries forwarded to a SPARQL 1.1 server, with the same time limit."""

    def __init__(
        self,
        endpoint: Any,
        time_limit: float = 30.0,
        dataset: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.endpoint = endpoint  # archive.store.client.Endpoint
        self.time_limit = time_limit
        # the protocol parameters of the store's dataset (RemoteStore.query_params): the merged
        # graph as the default graph, as `archive query` sends it
        self.dataset = dataset or dict
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {}
            auth = None
            if self.endpoint.token:
                headers["Authorization"] = f"Bearer {self.endpoint.token}"
            elif self.endpoint.username is not None:
                auth = httpx.BasicAuth(self.endpoint.username, self.endpoint.password or "")
            self._client = httpx.AsyncClient(auth=auth, headers=headers, follow_redirects=True)
        return self._client

    def start(self) -> None:
        pass

    async def run(self, job: SparqlJob) -> SparqlAnswer:
        from archive.rdf.namespaces import sparql_prefixes

        base = f"BASE <{job.base_iri}>\n" if job.base_iri else ""
        data: list[tuple[str, str]] = [("query", base + sparql_prefixes() + job.query)]
        data += [("default-graph-uri", g) for g in job.default_graphs]
        data += [("named-graph-uri", g) for g in job.named_graphs]
        if not (job.default_graphs or job.named_graphs):
            data += list(self.dataset().items())
        started = time.perf_counter()
        try:
            response = await self._http().post(
                self.endpoint.query_url,
                content=urlencode(data).encode("ascii"),
                headers={
                    "Accept": job.media_type,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=httpx.Timeout(self.time_limit, connect=min(10.0, self.time_limit)),
            )
        except httpx.TimeoutException as exc:
            raise QueryTimeout() from exc
        except httpx.TransportError as exc:
            raise QueryRefused(
                f"the SPARQL server at {self.endpoint.query_url} failed: {exc}"
            ) from exc
        if response.status_code == 400:
            raise QueryRefused(response.text.strip()[:2000])
        if response.status_code >= 400:
            raise QueryRefused(
                f"the SPARQL server answered {response.status_code} {response.reason_phrase}"
            )
        ctype = response.headers.get("content-type", job.media_type).split(";")[0].strip()
        return SparqlAnswer(
            ctype or job.media_type, response.content, time.perf_counter() - started
        )

    def recycle(self) -> None:
        pass

    def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):
                asyncio.get_event_loop().create_task(client.aclose())
