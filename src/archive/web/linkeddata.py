"""Dereferenceable IRIs (W3C "Cool URIs for the Semantic Web": 303 URIs, content negotiation).

- ``/id/{kind}/{slug}`` (the thing's IRI, minus the base) answers ``303 See Other`` to the
  representation the client prefers: ``/{kind}/{slug}.html``, ``.ttl``, ``.jsonld``, ``.nt``,
  ``.rdf``, and for documents ``.trig``, ``.nq`` (the document's named graph) and ``.xml`` (the
  TEI file). Those suffix URLs are stable; ``/{kind}/{slug}`` without one negotiates.
- ``/graph/{slug}``, a document's named graph, is served as RDF (HTML goes to the document).
- ``/dataset`` (and ``/.well-known/void``) describe the dataset; ``/ns`` is the profile.
- Every negotiated answer carries ``Vary: Accept``; nothing acceptable is ``406`` with the list
  of what is; ``ETag`` and ``Last-Modified`` allow conditional GET (``304``); RDF answers allow
  any origin (CORS); ``Link`` headers name the alternates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from archive import __version__
from archive.rdf.uris import KINDS
from archive.resources import data_dir
from archive.store.search import DocumentRow
from archive.web import pages
from archive.web.negotiate import BadAccept, NotAcceptable, choose
from archive.web.rdfviews import (
    RDF_TYPES,
    Description,
    exists,
    graph_description,
    graph_exists,
    serialize,
    thing_description,
)
from archive.web.site import Site

TEI_TYPE = "application/tei+xml"
EXT_TYPES: dict[str, str] = {"html": "text/html", **{k: v[0] for k, v in RDF_TYPES.items()}}
EXT_TYPES["xml"] = TEI_TYPE
THING_EXTS = ["html", "ttl", "jsonld", "nt", "rdf"]
DOCUMENT_EXTS = ["html", "ttl", "jsonld", "nt", "rdf", "trig", "nq", "xml"]
GRAPH_EXTS = ["trig", "nq", "ttl", "nt", "jsonld", "rdf", "html"]
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Link, Vary"}


class Problem(Exception):
    """An HTTP error with a message for people (rendered as HTML or text by the app)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Resource:
    iri: str
    kind: str
    exts: list[str]
    stamp: str  # changes when the representation does (for the ETag)
    modified: str | None = None  # ISO 8601
    document: DocumentRow | None = None
    graph: str | None = None
    entity: object | None = None
    links: list[tuple[str, str]] = field(default_factory=list)


def site_of(request: Request) -> Site:
    return request.app.state.site


def resolve(site: Site, iri: str) -> Resource | None:
    """What the archive holds at ``iri`` (a document, a thing), or None."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    kind = iri[len(site.base) + 4 :].split("/", 1)[0] if iri.startswith(site.base + "/id/") else ""
    generation = str(site.index.generation)
    last = site.index.last_loaded()
    if kind == "document":
        row = site.index.document(iri)
        if row is not None and row.iri == iri:
            exts = [e for e in DOCUMENT_EXTS if e != "xml" or _has_source(site, row)]
            return Resource(
                iri,
                kind,
                exts,
                f"{row.sha256}|{row.loaded}",
                row.loaded,
                document=row,
                graph=row.graph,
            )
        info = site.store.find(iri)
        if info is not None and info.document == iri:
            return Resource(
                iri,
                kind,
                [e for e in DOCUMENT_EXTS if e != "xml"],
                f"{info.sha256}|{info.loaded}",
                info.loaded,
                graph=info.graph,
            )
    entity = site.index.entity(iri)
    if entity is not None:
        return Resource(iri, kind or "thing", THING_EXTS, generation, last, entity=entity)
    if kind in KINDS and exists(site.store, iri):
        return Resource(iri, kind, THING_EXTS, generation, last)
    return None


def _has_source(site: Site, row: DocumentRow) -> bool:
    return (
        bool(row.sha256)
        and site.index.conn.execute(
            "SELECT 1 FROM sources WHERE sha256 = ?", (row.sha256,)
        ).fetchone()
        is not None
    )


def negotiate(request: Request, exts: list[str]) -> str:
    offered = [EXT_TYPES[e] for e in exts]
    if "html" in exts:
        offered.append("application/xhtml+xml")
    try:
        media = choose(request.headers.get("accept"), offered)
    except BadAccept as exc:
        raise Problem(400, f"Bad Accept header: {exc}") from exc
    except NotAcceptable as exc:
        available = ", ".join(o for o in exc.offered if o != "application/xhtml+xml")
        raise Problem(
            406,
            f"None of the types in the Accept header is available here. Available: {available}.",
            {"Vary": "Accept"},
        ) from exc
    if media == "application/xhtml+xml":
        return "html"
    return next(e for e in exts if EXT_TYPES[e] == media)


def link_header(request: Request, site: Site, res: Resource, base_url: str) -> str:
    parts = []
    for ext in res.exts:
        rel = "alternate" if ext == "html" else "alternate describedby"
        parts.append(f'<{base_url}.{ext}>; rel="{rel}"; type="{EXT_TYPES[ext]}"')
    return ", ".join(parts)


def _etag(res: Resource, ext: str) -> str:
    digest = hashlib.sha1(f"{res.iri}|{res.stamp}|{ext}|{__version__}".encode()).hexdigest()
    return f'"{digest[:24]}"'


def _not_modified(request: Request, etag: str, modified: str | None) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = request.headers.get("if-modified-since")
    if ims and modified:
        try:
            since = parsedate_to_datetime(ims)
            when = _parse_iso(modified)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return when is not None and when.replace(microsecond=0) <= since
    return False


def _parse_iso(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _http_date(value: str | None) -> str | None:
    dt = _parse_iso(value) if value else None
    return format_datetime(dt.astimezone(UTC), usegmt=True) if dt else None


# --- routes -------------------------------------------------------------------------------------


def id_redirect(request: Request) -> Response:
    """``/id/...``: the thing itself, not a document: 303 to the representation wanted."""
    site = site_of(request)
    rest = request.path_params["rest"]
    iri = site.iri_of("/id/" + rest)
    res = resolve(site, iri)
    if res is None:
        raise Problem(404, f"The archive holds nothing about {iri}.")
    ext = negotiate(request, res.exts)
    target = site.url_of(request, iri, ext)
    generic = site.url_of(request, iri)
    headers = {
        "Vary": "Accept",
        "Link": link_header(request, site, res, generic),
        **CORS,
    }
    return RedirectResponse(target, status_code=303, headers=headers)


def thing(request: Request) -> Response:
    """``/{kind}/{slug}[.ext]``: a representation of the thing, negotiated without a suffix."""
    site = site_of(request)
    kind = request.path_params["kind"]
    rest = request.path_params["rest"]
    if kind not in KINDS:
        return generic(request)
    res, ext = None, None
    stem, dot, suffix = rest.rpartition(".")
    if dot and suffix in EXT_TYPES:
        res = resolve(site, site.iri_of(f"/id/{kind}/{stem}"))
        if res is not None:
            if suffix not in res.exts:
                available = ", ".join(f".{e}" for e in res.exts)
                raise Problem(404, f"No .{suffix} representation here. Available: {available}.")
            ext = suffix
    if res is None:
        res = resolve(site, site.iri_of(f"/id/{kind}/{rest}"))
        if res is None:
            raise Problem(
                404, f"The archive holds nothing about {site.iri_of(f'/id/{kind}/{rest}')}."
            )
    negotiated = ext is None
    if ext is None:
        ext = negotiate(request, res.exts)
    return represent(request, site, res, ext, negotiated)


def represent(request: Request, site: Site, res: Resource, ext: str, negotiated: bool) -> Response:
    generic_url = site.url_of(request, res.iri)
    etag = _etag(res, ext)
    headers = {"ETag": etag, "Link": link_header(request, site, res, generic_url)}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = site.url_of(request, res.iri, ext)
    modified = _http_date(res.modified)
    if modified:
        headers["Last-Modified"] = modified
    if ext != "html":
        headers.update(CORS)
    if _not_modified(request, etag, res.modified):
        return Response(status_code=304, headers=headers)
    links = [(e, site.url_of(request, res.iri, e), EXT_TYPES[e]) for e in res.exts]
    if ext == "html":
        if res.document is not None:
            response = pages.document_page(request, site, res.document, links)
        elif res.entity is not None:
            response = pages.entity_page(request, site, res.entity, links)  # type: ignore[arg-type]
        else:
            desc = _description(site, res)
            response = pages.resource_page(request, site, res.iri, desc.triples, links, res.iri)
        response.headers.update(headers)
        return response
    if ext == "xml":
        assert res.document is not None
        source = site.index.source(res.document.sha256 or "")
        if source is None:
            raise Problem(404, "The TEI file of this document is not kept by this archive.")
        name, data = source
        headers["Content-Disposition"] = f'inline; filename="{_safe_filename(name)}"'
        return Response(data, media_type=TEI_TYPE, headers=headers)
    body = serialize(_description(site, res), ext)
    return Response(body, media_type=EXT_TYPES[ext], headers=headers)


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "document.xml"


def _description(site: Site, res: Resource) -> Description:
    if res.graph:
        return graph_description(site.store, res.graph)
    return thing_description(site.store, res.iri)


def graph(request: Request) -> Response:
    """``/graph/{slug}``: a named graph, as RDF; a document's graph goes to its page for HTML."""
    site = site_of(request)
    rest = request.path_params["rest"]
    stem, dot, suffix = rest.rpartition(".")
    ext = None
    if dot and suffix in GRAPH_EXTS and _graph_known(site, site.iri_of(f"/graph/{stem}")):
        rest, ext = stem, suffix
    g = site.iri_of(f"/graph/{rest}")
    try:
        ox.NamedNode(g)
    except ValueError:
        raise Problem(404, f"There is no graph {g} in this archive.") from None
    row = site.index.document(g)
    if row is None and not graph_exists(site.store, g):
        raise Problem(404, f"There is no graph {g} in this archive.")
    stamp = f"{row.sha256}|{row.loaded}" if row else str(site.index.generation)
    res = Resource(g, "graph", GRAPH_EXTS, stamp, row.loaded if row else None, graph=g)
    negotiated = ext is None
    if ext is None:
        ext = negotiate(request, GRAPH_EXTS)
    if ext == "html":
        if row is not None:
            return RedirectResponse(site.url_of(request, row.iri, "html"), 303, {"Vary": "Accept"})
        links = [(e, f"{site.url_of(request, g)}.{e}", EXT_TYPES[e]) for e in GRAPH_EXTS]
        desc = graph_description(site.store, g)
        return pages.resource_page(request, site, g, desc.triples, links, f"Graph {g}")
    etag = _etag(res, ext)
    headers = {
        "ETag": etag,
        **CORS,
        "Link": link_header(request, site, res, site.url_of(request, g)),
    }
    if negotiated:
        headers["Vary"] = "Accept"
    if _http_date(res.modified):
        headers["Last-Modified"] = _http_date(res.modified)  # type: ignore[assignment]
    if _not_modified(request, etag, res.modified):
        return Response(status_code=304, headers=headers)
    return Response(
        serialize(graph_description(site.store, g), ext), media_type=EXT_TYPES[ext], headers=headers
    )


def _graph_known(site: Site, g: str) -> bool:
    try:
        return graph_exists(site.store, g)
    except ValueError:
        return False


def namespace(request: Request) -> Response:
    """``/ns``: the profile's own terms (the ``arc:`` namespace) and the whole profile."""
    path = data_dir("ontology") / "profile.ttl"
    exts = ["ttl", "html"]
    ext = negotiate(request, exts)
    headers = {"Vary": "Accept", **CORS}
    text = path.read_text(encoding="utf-8")
    if ext == "html":
        return pages.render(
            request,
            site_of(request),
            "text.html",
            heading="The archive's linked-data profile",
            text=text,
        )
    return PlainTextResponse(text, media_type="text/turtle", headers=headers)


def generic(request: Request) -> Response:
    """Any other path: an IRI under the base that the store knows, else 404."""
    site = site_of(request)
    path = request.url.path[len(request.scope.get("root_path", "")) :]
    iri = site.iri_of(path)
    try:
        known = exists(site.store, iri)
    except Exception:  # an IRI the store cannot even parse
        known = False
    if not known:
        raise Problem(404, f"Nothing here: the archive holds nothing about {iri}.")
    res = Resource(iri, "thing", THING_EXTS, str(site.index.generation))
    return represent(request, site, res, negotiate(request, THING_EXTS), True)


ROUTES = [
    Route("/id/{rest:path}", id_redirect, methods=["GET", "HEAD"]),
    Route("/graph/{rest:path}", graph, methods=["GET", "HEAD"]),
    Route("/ns", namespace, methods=["GET", "HEAD"]),
    Route("/{kind}/{rest:path}", thing, methods=["GET", "HEAD"], name="thing"),
]
