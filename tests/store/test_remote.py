"""What only a server brings: URLs, authentication, retries, lost answers, a server that goes
away, and atomic replacement seen from a concurrent reader.

Everything runs against a real Oxigraph server on a loopback port; where a test needs a server
to misbehave (refuse credentials, be busy, drop a connection), a small proxy written here sits
in front of the real one or answers on its own.
"""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import ClassVar

import httpx
import pytest

from archive.errors import StoreError
from archive.store.base import Outcome
from archive.store.client import Endpoint, SparqlHTTP

from .conftest import free_port, remote_store
from .synthetic import BASE, build, small_archive
from .test_store_backends import quad_set


def test_endpoint_urls_for_the_common_layouts() -> None:
    ox = Endpoint.from_url("http://127.0.0.1:7878")
    assert (ox.query_url, ox.update_url, ox.store_url) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    assert Endpoint.from_url("http://h:7878/query").update_url == "http://h:7878/update"
    fuseki = Endpoint.from_url("http://h:3030/ds/query")
    assert (fuseki.update_url, fuseki.store_url) == (
        "http://h:3030/ds/update",
        "http://h:3030/ds/data",
    )
    virtuoso = Endpoint.from_url("http://h:8890/sparql")
    assert (virtuoso.query_url, virtuoso.update_url, virtuoso.store_url) == (
        "http://h:8890/sparql",
        "http://h:8890/sparql",
        "http://h:8890/sparql-graph-crud",
    )
    custom = Endpoint.from_url("http://h/sparql", update_url="http://h/sparql-auth")
    assert custom.update_url == "http://h/sparql-auth"
    with pytest.raises(StoreError, match="not an http"):
        Endpoint.from_url("ftp://h/sparql")


# --- small servers that misbehave ----------------------------------------------------------------


@contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []
    statuses: ClassVar[list[int]] = []  # answered in turn; then 200 with a true ASK result

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append(dict(self.headers))
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        body = b'{"head":{},"boolean":true}' if status == 200 else b"busy"
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def recorder(statuses: list[int]) -> type[Recorder]:
    return type("R", (Recorder,), {"seen": [], "statuses": list(statuses)})


def test_basic_and_bearer_authentication_are_sent() -> None:
    handler = recorder([])
    with http_server(handler) as url:
        SparqlHTTP(Endpoint.from_url(url, username="ann", password="s3cret")).ping()
        SparqlHTTP(Endpoint.from_url(url, token="tok-123")).ping()
    assert handler.seen[0]["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert handler.seen[1]["Authorization"] == "Bearer tok-123"


def test_refused_credentials_are_a_clear_error() -> None:
    with http_server(recorder([401])) as url, pytest.raises(StoreError, match="credentials"):
        SparqlHTTP(Endpoint.from_url(url, token="wrong", retries=0)).ping()


def test_a_busy_server_is_retried() -> None:
    handler = recorder([503, 503])
    with http_server(handler) as url:
        SparqlHTTP(Endpoint.from_url(url, retries=2, backoff=0.01)).ping()
    assert len(handler.seen) == 3
    handler = recorder([503, 503, 503])
    with http_server(handler) as url, pytest.raises(StoreError, match="503"):
        SparqlHTTP(Endpoint.from_url(url, retries=1, backoff=0.01)).ping()
    assert len(handler.seen) == 2


def test_nobody_listening_is_a_clear_error() -> None:
    http = SparqlHTTP(Endpoint.from_url(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01))
    with pytest.raises(StoreError, match="cannot reach"):
        http.ping()


def test_a_time_out_is_a_clear_error() -> None:
    class Slow(Recorder):
        def do_POST(self) -> None:
            import time

            time.sleep(1.0)
            super().do_POST()

    with http_server(Slow) as url, pytest.raises(StoreError, match="timed out"):
        SparqlHTTP(Endpoint.from_url(url, timeout=0.2, retries=0)).ping()


def dropping_proxy(target: str, forward_first: bool) -> type[http.server.BaseHTTPRequestHandler]:
    """Forwards everything to ``target``, but drops the connection of the first update without
    answering, after forwarding it (the update landed) or not (it did not)."""

    class Proxy(http.server.BaseHTTPRequestHandler):
        dropped = 0
        updates = 0

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {
                k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
            }
            if self.path.startswith("/update"):
                type(self).updates += 1
                if type(self).dropped == 0:
                    type(self).dropped = 1
                    if forward_first:
                        httpx.post(target + self.path, content=body, headers=headers)
                    self.close_connection = True
                    return  # no answer at all
            r = httpx.post(target + self.path, content=body, headers=headers, timeout=30)
            self.send_response(r.status_code)
            for k in ("content-type",):
                if k in r.headers:
                    self.send_header(k, r.headers[k])
            self.send_header("Content-Length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)

    return Proxy


@pytest.mark.parametrize("landed", [True, False], ids=["landed", "lost"])
def test_a_lost_answer_to_an_update_is_checked_not_guessed(oxigraph, landed: bool) -> None:
    first = remote_store(oxigraph)
    first._ensure_writable()  # the store's state is written: the next update is the load's
    first.close()
    proxy = dropping_proxy(oxigraph.url, forward_first=landed)
    with http_server(proxy) as url:
        store = remote_store(type("S", (), {"url": url})(), retries=0)  # type: ignore[arg-type]
        results = store.load([build(x) for x in small_archive()])
        store.close()
    assert {r.outcome for r in results} == {Outcome.LOADED}
    assert proxy.dropped == 1
    assert proxy.updates == (1 if landed else 2)  # sent again only when it had not landed
    direct = remote_store(oxigraph)
    assert direct.cosignatory_index() == direct.computed_cosignatories()
    assert len(direct.documents()) == 4


def test_a_server_that_goes_away_leaves_the_store_as_it_was(start_server) -> None:
    server = start_server()
    store = remote_store(server, retries=1)
    store.load([build(x) for x in small_archive()])
    before = quad_set(store)
    server.stop()
    changed = build(replace(small_archive()[0], senders=["salam"], version="2"))
    results = store.load([changed])
    assert results[0].outcome is Outcome.FAILED
    assert "cannot reach" in (results[0].error or "")
    with pytest.raises(StoreError, match="cannot reach"):
        store.remove("letter-b")
    store.close()
    again = start_server(server.location, server.port)
    store = remote_store(again)
    assert quad_set(store) == before
    assert store.load([changed])[0].outcome is Outcome.REPLACED


def test_readers_never_see_half_a_document(oxigraph) -> None:
    """While one client replaces a document again and again, another counts its triples: every
    count it sees is the old document's or the new one's, never a mix or an empty graph."""
    store = remote_store(oxigraph)
    small = build(replace(small_archive()[0], senders=["attac"], version="s"))
    large = build(replace(small_archive()[0], senders=[f"org-{i}" for i in range(40)], version="l"))
    store.load([small])
    sizes = {len(set(small.triples)), len(set(large.triples))}
    assert len(sizes) == 2
    seen: list[int] = []
    stop = threading.Event()
    graph = f"{BASE}/graph/letter-a"

    def reader() -> None:
        client = remote_store(oxigraph)
        while not stop.is_set() and len(seen) < 2000:
            q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            seen.append(int(client._select(q).values()[0][0]))  # type: ignore[arg-type]
        client.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(30):
            doc = large if i % 2 == 0 else small
            assert store.load([doc])[0].outcome is Outcome.REPLACED
    finally:
        stop.set()
        thread.join(60)
    assert seen and set(seen) <= sizes


def test_oxigraph_applies_an_update_request_atomically(oxigraph) -> None:
    """The guarantee loading relies on: when an operation fails part-way through a request,
    Oxigraph applies none of it (compare test_remote_virtuoso.py)."""
    closed = free_port()
    graph = f"{BASE}/graph/atomicity-check"
    update = (
        f'INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}/id/work/x> <{BASE}/p> "x" }} }} ; '
        f"LOAD <http://127.0.0.1:{closed}/none.ttl> INTO GRAPH <{graph}-2>"
    )
    r = httpx.post(f"{oxigraph.url}/update", data={"update": update}, timeout=30)
    assert r.status_code >= 400
    store = remote_store(oxigraph)
    assert store._select(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").boolean is False


def test_refused_credentials_name_options_that_exist() -> None:
    with http_server(recorder([401])) as url, pytest.raises(StoreError) as info:
        SparqlHTTP(Endpoint.from_url(url, username="ann", retries=0)).ping()
    message = str(info.value)
    assert "--password" not in message
    assert "--user" in message and "ARCHIVE_ENDPOINT_PASSWORD" in message


def test_a_server_whose_default_graph_is_its_own_keeps_the_merged_graph_there(oxigraph) -> None:
    """Oxigraph: the merged graph is the server's default graph, so that any SPARQL client
    asking the server plainly sees the archive's dataset with set semantics."""
    store = remote_store(oxigraph)
    store.load([build(x) for x in small_archive()])
    assert store.merged_graph is None and store.query_params() == {}
    q = "SELECT (COUNT(*) AS ?n) WHERE { <https://advocacy-archive.example/id/org/gisti> a ?t }"
    r = httpx.post(
        f"{oxigraph.url}/query", data={"query": q}, headers={"Accept": "text/csv"}, timeout=30
    )
    assert r.text.split() == ["n", "2"]  # NGO and Organization, each once (three letters say so)
