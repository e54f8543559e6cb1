"""Any SPARQL 1.1 server as the store: the same operations over the SPARQL Protocol.

Each load batch, removal and index change is one SPARQL Update request. Whether a request is
one transaction depends on the server (see ``docs/store.md``): Oxigraph applies a request
atomically, so a query never sees half a document.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyoxigraph as ox

from archive.errors import QueryError, StoreError
from archive.rdf.namespaces import sparql_prefixes
from archive.store.base import QueryResult, Store, result_from_ox
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
        response = self.http.query(text, accept=accept, union=True)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return _parse_graph(response)
        return _parse_results(response)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph:
            q = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            g = ox.NamedNode(graph)
            for s, p, o in self._select(q).rows:
                yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]
            return
        # the graphs under this base only: a server may hold other data (Virtuoso's own graphs)
        q = f"""SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?g), "{self.base}/graph/")) }}"""
        for s, p, o, g in self._select(q).rows:
            yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]


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
    import json
    import re

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
