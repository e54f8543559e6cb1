"""Any SPARQL 1.1 server as the store: the same operations over the SPARQL Protocol.

Each load batch, removal and index change is one SPARQL Update request. Whether a request is
one transaction depends on the server (see ``docs/store.md``): Oxigraph applies a request
atomically, so a query never sees half a document.

Where the merged graph lives is decided when the store is first written, by asking the server
how it treats its default graph: on a server whose default graph is its own graph (Oxigraph,
Fuseki), the merged graph is the default graph, and any SPARQL client that queries the server
sees the archive's dataset as it is; on a server whose default graph is the union of all its
graphs (Virtuoso, GraphDB), it is the named graph ``{base}/graph/_merged``, which every query
of this tool names as its ``default-graph-uri``. The choice is recorded in the store's state,
so that every client agrees.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox

from archive.errors import QueryError, StoreError
from archive.rdf.namespaces import sparql_prefixes
from archive.store.base import QueryResult, Store, iri, resend, result_from_ox
from archive.store.catalog import MERGED_SLUG
from archive.store.client import SPARQL_JSON, Endpoint, SparqlHTTP

RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


class RemoteStore(Store):
    backend = "remote"

    def __init__(self, endpoint: Endpoint, base: str | None = None) -> None:
        super().__init__(base)
        self.endpoint = endpoint
        self.http = SparqlHTTP(endpoint)

    @property
    def location(self) -> str:
        return self.endpoint.query_url

    def close(self) -> None:
        self.http.close()

    def query_params(self) -> dict[str, str]:
        """Protocol parameters that give the store's dataset (its merged graph as the default
        graph), for callers that send queries to the server themselves."""
        merged = self.merged_graph
        return {"default-graph-uri": merged} if merged else {}

    def _select(self, query: str) -> QueryResult:
        response = self.http.query(query, accept=SPARQL_JSON)
        return _parse_results(response)

    def _update(self, update: str) -> None:
        try:
            self.http.update(update)
        except QueryError as exc:  # the server refused what we generated
            raise StoreError(str(exc)) from exc

    def _query(self, query: str) -> QueryResult:
        text = sparql_prefixes() + query
        form = _form(query)
        accept = RDF_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else SPARQL_JSON
        response = self.http.query(text, accept=accept, default_graph=self.merged_graph)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return _parse_graph(response)
        return _parse_results(response)

    def _decide_merged_graph(self) -> str | None:
        """Ask the server whether its default graph is the union of its graphs: write a
        triple into a named graph of ours, look for it in the default graph, take it away."""
        probe = self.uris.graph("_probe")
        node = iri(probe)
        self._apply(f'INSERT DATA {{ GRAPH {node} {{ {node} {node} "probe" }} }}', resend)
        try:
            union = bool(self._select(f"ASK {{ {node} {node} ?o }}").boolean)
        finally:
            self._apply(f"DROP SILENT GRAPH {node}", resend)
        return self.uris.graph(MERGED_SLUG) if union else None

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Streamed from the server: memory stays flat whatever the size of the store."""
        if graph:
            g = ox.NamedNode(graph)
            q = f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}"
            for s, p, o in self._stream(q):
                yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]
            return
        if self.merged_graph is None:  # the merged graph is the server's default graph
            for s, p, o in self._stream("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
                yield ox.Quad(s, p, o, ox.DefaultGraph())  # type: ignore[arg-type]
        # the graphs under this base only: a server may hold other data (Virtuoso's own graphs)
        q = f"""SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?g), "{self.base}/graph/")) }}"""
        for s, p, o, g in self._stream(q):
            yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]

    def _stream(self, query: str) -> Iterator[tuple]:
        with self.http.stream_query(query, accept=SPARQL_JSON) as response:
            raw = _BlankNodeFix(response.iter_bytes())
            try:
                for solution in ox.parse_query_results(
                    io.BufferedReader(raw, 1 << 16), ox.QueryResultsFormat.JSON
                ):
                    yield tuple(solution)
            except SyntaxError as exc:
                raise StoreError(f"cannot read the server's answer: {exc}") from exc


class _BlankNodeFix(io.RawIOBase):
    """The bytes of a JSON results stream, with Virtuoso's blank node labels
    (``nodeID://b10001``) made valid as they pass (``nodeID_b10001``)."""

    NEEDLE = b'"nodeID://'

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""  # read, not yet examined
        self.out = bytearray()  # examined, ready to hand out
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self.out and not self.done:
            try:
                self.pending += next(self.chunks)
            except StopIteration:
                self.done = True
            self._examine()
        n = min(len(buffer), len(self.out))
        buffer[:n] = self.out[:n]
        del self.out[:n]
        return n

    def _examine(self) -> None:
        # the last bytes may hold the start of a label whose end has not arrived yet
        cut = len(self.pending) if self.done else len(self.pending) - len(self.NEEDLE) + 1
        i = 0
        while True:
            j = self.pending.find(self.NEEDLE, i)
            if j < 0 or j >= cut:
                break
            self.out += self.pending[i:j] + b'"nodeID_'
            i = j + len(self.NEEDLE)
        if i < cut:
            self.out += self.pending[i:cut]
            i = cut
        self.pending = self.pending[i:]


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _parse_results(response: httpx.Response) -> QueryResult:
    ctype = _content_type(response)
    fmt = ox.QueryResultsFormat.from_media_type(ctype) if ctype else None
    if fmt is None:
        fmt = ox.QueryResultsFormat.JSON
    try:
        return result_from_ox(ox.parse_query_results(response.content, fmt))
    except (SyntaxError, ValueError) as exc:
        if fmt == ox.QueryResultsFormat.JSON and b'"bnode"' in response.content:
            return result_from_ox(ox.parse_query_results(_safe_bnodes(response.content), fmt))
        raise StoreError(
            f"cannot read the server's answer ({ctype or 'no content type'}): {exc}"
        ) from exc


def _safe_bnodes(content: bytes) -> bytes:
    """Blank node labels as pyoxigraph accepts them (Virtuoso sends 'nodeID://b10001')."""
    data = json.loads(content)
    for binding in data.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "bnode":
                term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", term["value"])
    return json.dumps(data).encode("utf-8")


def _parse_graph(response: httpx.Response) -> QueryResult:
    ctype = _content_type(response)
    fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
    if ctype == "text/plain":  # some servers label N-Triples so
        fmt = ox.RdfFormat.N_TRIPLES
    if fmt is None:
        raise StoreError(f"the server answered in an RDF format this tool cannot read ({ctype})")
    try:
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(response.content, format=fmt)
        ]
    except SyntaxError as exc:
        raise StoreError(f"cannot read the server's RDF answer ({ctype}): {exc}") from exc
    return QueryResult("graph", triples=triples)


def _form(query: str) -> str:
    from archive.store.queries import query_form

    return query_form(query)
