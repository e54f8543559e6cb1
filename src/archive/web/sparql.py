"""The SPARQL 1.1 Protocol endpoint at ``/sparql``, its Service Description, and VoID.

- Queries by GET (``?query=``), by POST form-encoded, or by POST ``application/sparql-query``;
  ``default-graph-uri`` and ``named-graph-uri`` set the dataset (they win over FROM clauses).
  Without them, the dataset is the one ``archive query`` sees: the merged graph (each fact the
  archive holds, once) as the default graph, each document's graph by ``GRAPH ?g``; the
  profile's prefixes are declared.
- Answers by ``Accept``: SPARQL results as JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as
  Turtle, N-Triples, JSON-LD or RDF/XML. A browser asking for HTML is sent to the query page.
- A GET without a query returns the SPARQL 1.1 Service Description.
- Read-only: SPARQL Update is ``403`` unless the server was started with an update token, and
  then only with ``Authorization: Bearer TOKEN``.
- Each query runs under a time limit (stopped, ``503``) and a row limit (the server adds a
  ``LIMIT``, and says so in ``X-SPARQL-MaxRows``); bad requests are ``4xx`` with a message.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import __version__
from archive.errors import ArchiveError, QueryError
from archive.rdf.namespaces import DCTERMS, PREFIX_IRIS, PREFIXES, RDF, SCHEMA, VOID, XSD, bind_all
from archive.store.queries import query_form, sparql_tokens, syntax_error
from archive.web.executor import (
    GRAPH_TYPES,
    RESULT_TYPES,
    EndpointBusy,
    QueryRefused,
    QueryTimeout,
    SparqlJob,
)
from archive.web.linkeddata import CORS, Problem, site_of
from archive.web.negotiate import BadAccept, NotAcceptable, choose, prefers_html
from archive.web.site import Site

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_ORDER = list(RESULT_TYPES)
GRAPH_ORDER = list(GRAPH_TYPES)
SD_TYPES = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
SPARQL_CORS = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization",
    "Access-Control-Max-Age": "86400",
}
KIND_CLASSES = {
    "org": SCHEMA.Organization,
    "person": SCHEMA.Person,
    "place": SCHEMA.Place,
    "event": SCHEMA.Event,
    "work": SCHEMA.CreativeWork,
}


def _error(status: int, message: str, **headers: str) -> Response:
    return Response(
        message.rstrip() + "\n",
        status_code=status,
        media_type="text/plain",
        headers={**SPARQL_CORS, **headers},
    )


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"The request body is larger than {limit:,} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"The request body is larger than {limit:,} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type")
    if raw is None:
        return "", {}
    main, *params = raw.split(";")
    out = {}
    for p in params:
        k, _, v = p.strip().partition("=")
        out[k.strip().lower()] = v.strip().strip('"').lower()
    return main.strip().lower(), out


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"The {what} is not UTF-8 ({exc}).") from exc


async def endpoint(request: Request) -> Response:
    site = site_of(request)
    limit = site.config.max_query_bytes
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=SPARQL_CORS)
    if request.method not in ("GET", "POST", "HEAD"):
        return _error(
            405,
            f"{request.method} is not allowed here: use GET or POST.",
            Allow="GET, POST, OPTIONS",
        )
    if len(request.url.query) > limit:
        raise Problem(413, f"The query string is longer than {limit:,} bytes.")
    params = parse_qsl(request.url.query, keep_blank_values=True)
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    defaults = [v for k, v in params if k in ("default-graph-uri", "using-graph-uri")]
    nameds = [v for k, v in params if k in ("named-graph-uri", "using-named-graph-uri")]
    if request.method == "POST":
        mtype, mparams = _media_type(request)
        body = await _body(request, limit)
        charset = mparams.get("charset", "utf-8")
        if mtype == "application/x-www-form-urlencoded":
            form = parse_qsl(_utf8(body, "form"), keep_blank_values=True)
            queries += [v for k, v in form if k == "query"]
            updates += [v for k, v in form if k == "update"]
            defaults += [v for k, v in form if k in ("default-graph-uri", "using-graph-uri")]
            nameds += [v for k, v in form if k in ("named-graph-uri", "using-named-graph-uri")]
        elif mtype in ("application/sparql-query", "application/sparql-update"):
            if charset not in ("utf-8", "utf8"):
                raise Problem(400, f"A SPARQL body must be UTF-8, not {charset}.")
            text = _utf8(body, "request body")
            (queries if mtype == "application/sparql-query" else updates).append(text)
        elif not mtype:
            raise Problem(
                400,
                "A POST needs a Content-Type: application/x-www-form-urlencoded, "
                "application/sparql-query or application/sparql-update.",
            )
        else:
            raise Problem(
                415,
                f"Content-Type {mtype} is not a SPARQL request; use "
                "application/x-www-form-urlencoded, application/sparql-query or "
                "application/sparql-update.",
            )
    if updates:
        if request.method != "POST":
            raise Problem(400, "SPARQL Update must be sent by POST.")
        if len(updates) > 1 or queries:
            raise Problem(400, "Give one update, and no query, per request.")
        return await _update(request, site, updates[0], defaults, nameds)
    if len(queries) > 1:
        raise Problem(400, "Give one query per request (the query parameter is repeated).")
    if not queries:
        if request.method == "POST":
            raise Problem(400, "The request has no query.")
        return service_description(request, site)
    text = queries[0]
    if len(text.encode("utf-8")) > limit:
        raise Problem(413, f"The query is longer than {limit:,} bytes.")
    accept = request.headers.get("accept")
    if request.method == "GET" and prefers_html(accept):
        root = request.scope.get("root_path", "")
        return RedirectResponse(
            f"{root}/query?{urlencode({'query': text})}", 303, {"Vary": "Accept"}
        )
    return await run_query(request, site, text, defaults, nameds, accept)


async def run_query(
    request: Request,
    site: Site,
    text: str,
    defaults: list[str],
    nameds: list[str],
    accept: str | None,
) -> Response:
    base_iri = str(request.url.replace(query="", fragment=""))
    try:
        check_query(text, base_iri)
    except QueryError as exc:
        raise Problem(400, str(exc)) from exc
    for g in [*defaults, *nameds]:
        try:
            ox.NamedNode(g)
        except ValueError as exc:
            raise Problem(400, f"{g!r} is not an IRI: {exc}") from exc
    form = query_form(text)
    offered = GRAPH_ORDER if form in ("CONSTRUCT", "DESCRIBE") else RESULT_ORDER
    try:
        media = choose(
            accept, [*offered, *(["application/json"] if form in ("SELECT", "ASK") else [])]
        )
    except BadAccept as exc:
        raise Problem(400, f"Bad Accept header: {exc}") from exc
    except NotAcceptable as exc:
        raise Problem(
            406,
            f"A {form} query can be answered as: {', '.join(offered)}; the Accept header "
            "asks for none of them.",
            {"Vary": "Accept"},
        ) from exc
    if media == "application/json":
        media = "application/sparql-results+json"
    headers = {"Vary": "Accept", **SPARQL_CORS}
    limited = text
    if form != "ASK":
        limited, applied = apply_row_limit(text, site.config.row_limit)
        if applied:
            headers["X-SPARQL-MaxRows"] = str(site.config.row_limit)
    job = SparqlJob(limited, media, defaults, nameds, base_iri)
    try:
        answer = await site.executor.run(job)
    except QueryTimeout:
        raise Problem(
            503,
            f"The query was stopped after {site.config.time_limit:g} s, the time limit of this "
            "endpoint. Narrow it (a LIMIT, a more specific pattern) or run it with "
            "`archive query` on the store itself.",
        ) from None
    except EndpointBusy:
        raise Problem(
            503, "Every query worker is busy; try again shortly.", {"Retry-After": "5"}
        ) from None
    except QueryRefused as exc:
        raise Problem(400, f"The query could not be run: {exc}") from None
    ctype = answer.media_type
    if ctype.startswith("text/") or ctype.endswith(("+json", "+xml", "/json")):
        ctype += "; charset=utf-8"
    return Response(answer.body, headers={**headers, "Content-Type": ctype})


async def _update(
    request: Request, site: Site, text: str, defaults: list[str], nameds: list[str]
) -> Response:
    token = site.config.update_token
    given = request.headers.get("authorization", "")
    if not token:
        raise Problem(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    import hmac

    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Problem(
            403, "SPARQL Update needs the server's update token (Authorization: Bearer ...)."
        )
    if defaults or nameds:
        raise Problem(400, "using-graph-uri and using-named-graph-uri are not supported here.")
    try:
        ox.Store().update(text)  # syntax only, on an empty store
    except SyntaxError as exc:
        raise Problem(400, f"SPARQL syntax error in the update: {exc}") from exc
    except OSError:
        pass
    loop = asyncio.get_running_loop()

    def apply() -> None:
        store = site.store
        if hasattr(store, "ox_store"):
            store.ox_store.update(text)  # type: ignore[attr-defined]
            store.ox_store.flush()  # type: ignore[attr-defined]
        else:
            store.http.update(text)  # type: ignore[attr-defined]

    try:
        await loop.run_in_executor(None, apply)
    except (SyntaxError, OSError, ArchiveError) as exc:
        raise Problem(400, f"The update failed: {exc}") from exc
    site.executor.recycle()
    return Response(status_code=204, headers=SPARQL_CORS)


_checker = ox.Store()


def check_query(text: str, base_iri: str | None = None) -> None:
    """Parse the query here (as ``archive query`` does), with the endpoint as its base IRI, so
    that errors point at the user's line and column whatever the backend."""
    try:
        _checker.query(text, prefixes=PREFIX_IRIS, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc, text=text) from exc


# --- the row limit ------------------------------------------------------------------------------


def apply_row_limit(text: str, row_limit: int) -> tuple[str, bool]:
    """The query with at most ``row_limit`` solutions: its own LIMIT if smaller, else ours."""
    tokens = list(sparql_tokens(text))
    closed_group = False
    values_at = None
    for k, (offset, word, depth) in enumerate(tokens):
        if word == "}" and depth == 0:
            closed_group = True
        elif depth == 0 and word == "LIMIT":
            m = re.match(r"\s*(\d+)", text[offset + 5 :])
            if m and int(m.group(1)) <= row_limit:
                return text, False
            if m:
                start = offset + 5 + m.start(1)
                return text[:start] + str(row_limit) + text[start + len(m.group(1)) :], True
        elif depth == 0 and word == "VALUES" and closed_group and values_at is None:
            values_at = offset
        del k
    if values_at is not None:
        return text[:values_at] + f"LIMIT {row_limit}\n" + text[values_at:], True
    return text + f"\nLIMIT {row_limit}", True


# --- descriptions -------------------------------------------------------------------------------


def service_description(request: Request, site: Site) -> Response:
    endpoint_url = str(request.url.replace(query=""))
    g = Graph()
    bind_all(g)
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    svc = BNode("service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(endpoint_url)))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    if site.config.update_token:
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((svc, SD.resultFormat, FORMATS[fmt]))
    g.add((svc, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    dataset = BNode("dataset")
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, DCTERMS.title, Literal(site.config.title, lang="en")))
    default = BNode("default")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    summary = site.index.summary()
    g.add((default, VOID.triples, Literal(int(summary["triples"]))))
    g.add(
        (
            default,
            DCTERMS.description,
            Literal(
                "The merged graph: every statement of every document, each once (set "
                "semantics). Each document's graph is a named graph (GRAPH ?g: provenance).",
                lang="en",
            ),
        )
    )
    g.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint_url)))
    g.add(
        (
            svc,
            DCTERMS.description,
            Literal(
                f"Read-only SPARQL 1.1 endpoint; {site.config.time_limit:g} s and "
                f"{site.config.row_limit:,} rows per query.",
                lang="en",
            ),
        )
    )
    return _graph_response(request, g, "SPARQL service description")


def void_description(request: Request) -> Response:
    site = site_of(request)
    root = str(request.base_url).rstrip("/") + request.scope.get("root_path", "")
    summary = site.index.summary()
    g = Graph()
    bind_all(g)
    ds = URIRef(f"{site.base}/dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal(site.config.title, lang="en")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Advocacy documents (open letters, press releases, petitions) as linked data: one "
                "named graph per document, extracted from its TEI P5 record.",
                lang="en",
            ),
        )
    )
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{root}/sparql")))
    g.add((ds, VOID.uriSpace, Literal(f"{site.base}/id/")))
    g.add((ds, VOID.uriLookupEndpoint, URIRef(f"{root}/search?q=")))
    g.add((ds, VOID.documents, Literal(int(summary["documents"]))))
    g.add((ds, VOID.triples, Literal(int(summary["triples"]))))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    if summary["last_loaded"]:
        g.add((ds, DCTERMS.modified, Literal(summary["last_loaded"], datatype=XSD.dateTime)))
    for prefix in ("schema", "org", "cito", "fabio", "prov", "skos", "dcterms"):
        g.add((ds, VOID.vocabulary, URIRef(str(PREFIXES[prefix]))))
    for kind, n in sorted(summary["entities"].items()):
        cls = KIND_CLASSES.get(kind or "")
        if cls is None:
            continue
        part = BNode(f"class-{kind}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(int(n))))
    latest = site.index.latest(1)
    if latest:
        g.add((ds, VOID.exampleResource, URIRef(latest[0].iri)))
    return _graph_response(request, g, "Dataset description (VoID)")


def _graph_response(request: Request, g: Graph, heading: str) -> Response:
    try:
        media = choose(request.headers.get("accept"), [*SD_TYPES, "text/html"])
    except BadAccept as exc:
        raise Problem(400, f"Bad Accept header: {exc}") from exc
    except NotAcceptable as exc:
        raise Problem(
            406, f"Available: {', '.join(SD_TYPES)}, text/html.", {"Vary": "Accept"}
        ) from exc
    if media == "text/html" and prefers_html(request.headers.get("accept")):
        from archive.web.pages import render

        text = g.serialize(format="turtle")
        response = render(request, site_of(request), "text.html", heading=heading, text=text)
        response.headers["Vary"] = "Accept"
        return response
    if media == "text/html":
        media = "text/turtle"
    body = g.serialize(format=RDFLIB_FORMATS[media])
    return Response(body, media_type=media, headers={"Vary": "Accept", **SPARQL_CORS})


ROUTES = [
    Route(
        "/sparql", endpoint, methods=["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]
    ),
    Route(
        "/sparql/", endpoint, methods=["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]
    ),
    Route("/.well-known/void", void_description, methods=["GET", "HEAD"]),
    Route("/dataset", void_description, methods=["GET", "HEAD"]),
]

__all__ = ["ROUTES", "__version__", "apply_row_limit", "endpoint"]
