"""Running SPARQL for the endpoint: time-limited, row-limited, never blocking the server.

pyoxigraph cannot interrupt a query, and a thread cannot be killed. So on the embedded store
each query runs in a worker *process* that opens the store read-only; a query that outlives
its time limit is stopped by ending that process (a new one takes its place). The application
process keeps the store's lock, so no other process writes to the store while workers read it;
after a SPARQL Update (only with a token) the workers are replaced, since a read-only RocksDB
instance sees the store as it was when it was opened.

Two kinds of worker, the same engine and answers:

- :class:`ServerExecutor` (the default where the ``oxigraph`` command is installed, as it is
  with the archive): each worker is Oxigraph's own server (``oxigraph serve-read-only``) on a
  private loopback port, sent one query at a time. The same engine inside Python spent 7 and
  16% more CPU than this compiled server on two saved queries at 100,000 letters (README, *The
  web layer*); with it, the endpoint costs little more than ``oxigraph serve`` itself.
- :class:`ProcessExecutor`: each worker is a Python process running pyoxigraph, which
  serialises answers natively.

On a SPARQL server, the query is forwarded (form-encoded POST, as every server accepts) with the
same time limit; the connection is dropped when it runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from archive.errors import ArchiveError
from archive.procutil import CAN_DIE_WITH_PARENT, die_with_parent
from archive.web.config import WebConfig

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

    def alive(self) -> bool:
        return self.process.is_alive()

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


class _Pool:
    """Workers, each running one query at a time: at most ``size`` at once, a busy one ended
    when its query runs out of time (or its client goes away), a new one started in its place."""

    def __init__(self, size: int, time_limit: float) -> None:
        self.size = max(1, size)
        self.time_limit = time_limit
        self.generation = 0
        self._idle: list[Any] = []
        self._all: set[Any] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.size)
        self._threads = ThreadPoolExecutor(self.size + 2, thread_name_prefix="sparql-wait")
        self._closed = False

    def _spawn(self) -> Any:
        raise NotImplementedError

    async def _ask(self, w: Any, job: SparqlJob) -> tuple[str, bytes | str]:
        """Send ``job`` to worker ``w`` and await its answer: ("ok", body) or ("refused",
        message). Raises EOFError, OSError or RuntimeError when the worker fails; the time
        limit is the caller's (:meth:`run`)."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the workers now rather than on the first query."""
        with self._lock:
            while len(self._all) < self.size:
                w = self._spawn()
                self._all.add(w)
                self._idle.append(w)

    def _take(self) -> Any:
        with self._lock:
            while self._idle:
                w = self._idle.pop()
                if w.generation == self.generation and w.alive():
                    return w
                self._all.discard(w)
                threading.Thread(target=w.stop, daemon=True).start()
            w = self._spawn()
            self._all.add(w)
            return w

    def _give_back(self, w: Any) -> None:
        with self._lock:
            if self._closed:
                self._all.discard(w)
                threading.Thread(target=w.stop, daemon=True).start()
            else:
                self._idle.append(w)

    def _end(self, w: Any) -> None:
        with self._lock:
            self._all.discard(w)
        w.stop(kill=True)

    async def run(self, job: SparqlJob) -> SparqlAnswer:
        """Run one query in a worker, at most ``time_limit`` seconds (then the worker is ended)."""
        loop = asyncio.get_running_loop()
        if not self._slots.acquire(blocking=False):
            acquired = await loop.run_in_executor(
                self._threads, lambda: self._slots.acquire(timeout=self.time_limit)
            )
            if not acquired:
                raise EndpointBusy()
        w: Any = None
        try:
            w = self._take()
            if not w.ready:
                await loop.run_in_executor(self._threads, w.wait_ready, 60)
            started = time.perf_counter()
            status, payload = await asyncio.wait_for(self._ask(w, job), self.time_limit)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if w is not None:  # still working on it: really stop it
                self._end(w)
            if isinstance(exc, TimeoutError):
                raise QueryTimeout() from None
            raise
        except (EOFError, OSError, RuntimeError) as exc:
            if w is not None:
                self._end(w)
            raise QueryRefused(f"the query worker failed: {exc}") from exc
        finally:
            self._slots.release()
        self._give_back(w)
        if status == "ok":
            assert isinstance(payload, bytes)
            return SparqlAnswer(job.media_type, payload, time.perf_counter() - started)
        raise QueryRefused(str(payload))

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


class ProcessExecutor(_Pool):
    """Queries of the embedded store, each in a pyoxigraph worker process with a time limit."""

    def __init__(self, path: str, workers: int = 2, time_limit: float = 30.0) -> None:
        from archive.rdf.namespaces import PREFIX_IRIS

        super().__init__(workers, time_limit)
        self.path = path
        self.prefixes = PREFIX_IRIS
        self.ctx = multiprocessing.get_context("spawn")

    def _spawn(self) -> _Worker:
        return _Worker(self.ctx, self.path, self.prefixes, self.generation)

    async def _ask(self, w: _Worker, job: SparqlJob) -> tuple[str, bytes | str]:
        """The answer is awaited on the event loop (a reader on the worker's pipe), not in a
        thread: two thread switches fewer per query, which on a busy machine were most of a
        small query's time."""
        loop = asyncio.get_running_loop()
        w.conn.send(job)
        answered = loop.create_future()
        fd = w.conn.fileno()
        loop.add_reader(fd, lambda: answered.done() or answered.set_result(None))
        try:
            await answered
        finally:
            loop.remove_reader(fd)
            # uvloop's add_reader makes the pipe non-blocking, and then an answer larger
            # than the pipe's buffer fails half-read (EAGAIN): read it whole
            os.set_blocking(fd, True)
        status, payload = w.conn.recv()
        return status, payload


def protocol_form(job: SparqlJob, dataset: Iterable[tuple[str, str]] = ()) -> bytes:
    """The job as a SPARQL 1.1 Protocol form: the profile's prefixes and the base IRI declared
    in the text (the query was checked with them), the dataset as parameters."""
    from archive.rdf.namespaces import sparql_prefixes

    base = f"BASE <{job.base_iri}>\n" if job.base_iri else ""
    data: list[tuple[str, str]] = [("query", base + sparql_prefixes() + job.query)]
    data += [("default-graph-uri", g) for g in job.default_graphs]
    data += [("named-graph-uri", g) for g in job.named_graphs]
    data += list(dataset)
    return urlencode(data).encode("ascii")


# --- Oxigraph's server as the worker ------------------------------------------------------------


def oxigraph_command() -> str | None:
    """The ``oxigraph`` command installed beside this Python (the ``oxigraph`` package), or
    on the PATH."""
    here = os.path.dirname(sys.executable)
    return shutil.which("oxigraph", path=here) or shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _ServerWorker:
    """``oxigraph serve-read-only`` over the store, on a free loopback port."""

    STARTS = 5  # a read-only open can race a writer's compaction (a file gone): try again

    def __init__(self, command: str, path: str, generation: int) -> None:
        self.command, self.path = command, path
        self.generation = generation
        self.ready = False
        self._stream: tuple[Any, asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._start()

    def _start(self) -> None:
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the server's own messages
        address = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [self.command, "serve-read-only", "--location", self.path, "--bind", address],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent if CAN_DIE_WITH_PARENT else None,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        """Until the server accepts connections (it listens once the store is open)."""
        deadline = time.monotonic() + timeout
        starts = 1
        while not self.ready:
            if self.process.poll() is not None:
                self.log.seek(0)
                said = self.log.read().decode("utf-8", "replace").strip()
                self.log.close()
                if starts >= self.STARTS or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph serve-read-only ended: {said[:500]}")
                starts += 1
                self._start()
                continue
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                self.ready = True
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the SPARQL worker did not start") from None
                time.sleep(0.02)

    async def post(self, form: bytes, accept: str) -> tuple[int, bytes]:
        """POST a protocol form to the server; its status and body. The connection is kept
        for the next query (it belongs to the event loop that opened it)."""
        loop = asyncio.get_running_loop()
        if self._stream is None or self._stream[0] is not loop:
            self._close_stream()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self._stream = (loop, reader, writer)
        _, reader, writer = self._stream
        try:
            writer.write(
                b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: %s\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
                % (accept.encode("ascii"), len(form))
                + form
            )
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise EOFError("the SPARQL worker closed the connection")
            status = _number(status_line.split()[1:2], 10)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip().lower()
            if "content-length" in headers:
                body = await reader.readexactly(_number([headers["content-length"]], 10))
            elif headers.get("transfer-encoding") == "chunked":
                parts = []
                while size := _number((await reader.readline()).split(b";")[:1], 16):
                    parts.append(await reader.readexactly(size))
                    await reader.readexactly(2)  # the CRLF after each chunk
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass  # trailers
                body = b"".join(parts)
            else:  # the body runs to the end of the connection
                body = await reader.read()
                headers["connection"] = "close"
        except BaseException:
            self._close_stream()  # a half-read answer leaves the connection unusable
            raise
        if headers.get("connection") == "close":
            self._close_stream()
        return status, body

    def _close_stream(self) -> None:
        """Close the connection, on the event loop it belongs to (this may run in a thread)."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        loop, _, writer = stream
        with contextlib.suppress(Exception):
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                writer.close()
            elif not loop.is_closed():
                loop.call_soon_threadsafe(writer.close)

    def stop(self, kill: bool = False) -> None:
        """End the server (from any thread)."""
        with contextlib.suppress(Exception):
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._close_stream()
        with contextlib.suppress(Exception):
            self.log.close()


def _number(fields: list, base: int) -> int:
    """A status, length or chunk size from the worker's answer; a malformed one is the
    worker's failure (RuntimeError), not a bug of ours (ValueError)."""
    try:
        return int(fields[0], base)
    except (IndexError, ValueError):
        raise RuntimeError(f"a malformed answer from the SPARQL worker: {fields!r}") from None


class ServerExecutor(_Pool):
    """Queries of the embedded store, each sent to a worker that is Oxigraph's own server
    (``oxigraph serve-read-only``) with a time limit. The profile's prefixes and the base IRI
    are declared in the text, as for a SPARQL server (the query was checked before).

    Each worker is spoken to over one kept-alive connection with a few lines of HTTP/1.1 (a
    POST out; a status, headers and a body, whole or chunked, back): through httpx, an answer
    that took Oxigraph 2.3 ms took 6.7 ms at ``/sparql``; this way, 3.5 to 4.0 ms."""

    def __init__(self, path: str, command: str, workers: int = 2, time_limit: float = 30.0) -> None:
        super().__init__(workers, time_limit)
        self.path = path
        self.command = command

    def _spawn(self) -> _ServerWorker:
        return _ServerWorker(self.command, self.path, self.generation)

    async def _ask(self, w: _ServerWorker, job: SparqlJob) -> tuple[str, bytes | str]:
        # Turtle is asked for as N-Triples and written here with the profile's prefixes, as
        # the Python worker writes it (the server writes full IRIs)
        turtle = job.media_type == "text/turtle"
        status, body = await w.post(
            protocol_form(job), "application/n-triples" if turtle else job.media_type
        )
        if status == 200 and turtle:
            body = await asyncio.get_running_loop().run_in_executor(
                self._threads, _pretty_turtle, body
            )
        if status == 200:
            return "ok", body
        text = body.decode("utf-8", "replace").strip()
        if status in (400, 500):
            return "refused", text[:2000]
        raise RuntimeError(f"oxigraph answered {status}: {text[:200]}")


def _pretty_turtle(ntriples: bytes) -> bytes:
    from archive.rdf.namespaces import PREFIX_IRIS

    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIX_IRIS) or b""


def embedded_executor(path: str, config: WebConfig) -> _Pool:
    """The executor for an embedded store, by ``config.sparql_engine``: ``oxigraph`` (Oxigraph's
    server as each worker), ``pyoxigraph`` (a Python worker), or ``auto``: the server where the
    ``oxigraph`` command is installed, else Python."""
    command = oxigraph_command() if config.sparql_engine in ("auto", "oxigraph") else None
    if config.sparql_engine == "oxigraph" and command is None:
        raise ArchiveError(
            "--sparql-engine oxigraph needs the oxigraph command (pip install oxigraph)."
        )
    if command:
        return ServerExecutor(path, command, config.workers, config.time_limit)
    return ProcessExecutor(path, config.workers, config.time_limit)


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
        dataset = [] if job.default_graphs or job.named_graphs else self.dataset().items()
        started = time.perf_counter()
        try:
            response = await self._http().post(
                self.endpoint.query_url,
                content=protocol_form(job, dataset),
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
