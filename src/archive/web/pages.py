"""The HTML pages: home, document list with facets, search, a document, an entity, any IRI.

Pages read the search index (SQLite) for what they list and count, the TEI file for the
reading view, and the store only for what the index does not hold. Every page works without
JavaScript; the templates escape everything they are given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from lxml import etree
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from archive.errors import ArchiveError
from archive.rdf.links import name_links
from archive.rdf.namespaces import CITO, DCTERMS, ORG, OWL, RDF, RDFS, SCHEMA, SKOS
from archive.store.search import FILTERS, OFFICE, SORTS, DocumentRow, Entity
from archive.tei.parse import parse_bytes
from archive.web.site import KIND_LABELS, LRU, Site, short_name
from archive.web.teihtml import Header, Renderer, header_of, safe_href

ROLE_LABELS = {
    "sender": "Signed",
    "to": "Addressed to it",
    "cc": "Sent a copy",
    "bcc": "Sent a blind copy",
    "mentions": "Mentioned in",
    "cites": "Cited by",
    "place": "Written at",
}
PREDICATE_LABELS = {
    str(SCHEMA.name): "name",
    str(SCHEMA.alternateName): "also known as",
    str(SKOS.prefLabel): "label",
    str(RDFS.label): "label",
    str(RDF.type): "type",
    str(SCHEMA.sameAs): "same as",
    str(OWL.sameAs): "same as",
    str(SCHEMA.identifier): "identifier",
    str(SCHEMA.location): "based in",
    str(ORG.classification): "kind",
    str(ORG.unitOf): "unit of",
    str(ORG.subOrganizationOf): "part of",
    str(ORG.postIn): "office in",
    str(ORG.role): "role",
    str(ORG.holds): "holds",
    str(ORG.member): "member",
    str(ORG.organization): "organisation",
    str(SCHEMA.description): "description",
    str(SCHEMA.startDate): "date",
    str(SCHEMA.containedInPlace): "in",
    str(DCTERMS.spatial): "place",
    str(SCHEMA.inLanguage): "language",
    str(SCHEMA.author): "author",
    str(SCHEMA.dateCreated): "date",
    str(SCHEMA.givenName): "given name",
    str(SCHEMA.familyName): "family name",
    str(SKOS.inScheme): "in scheme",
    str(CITO.cites): "cites",
}
NAME_PREDICATES = {
    str(SCHEMA.name),
    str(SCHEMA.alternateName),
    str(SKOS.prefLabel),
    str(RDFS.label),
}
INCOMING_LABELS = {
    str(SCHEMA.location): "Organisations based here",
    str(ORG.unitOf): "Its sections and units",
    str(ORG.subOrganizationOf): "Organisations part of it",
    str(ORG.postIn): "Offices in it",
    str(DCTERMS.spatial): "Offices for this place",
    str(ORG.classification): "Organisations of this kind",
    str(SCHEMA.containedInPlace): "Places in it",
}

_rendered = LRU(512)


# --- helpers for templates ----------------------------------------------------------------------


def ctx(request: Request, site: Site, **values: Any) -> dict[str, Any]:
    root = request.scope.get("root_path", "")

    def link(value: str, ext: str | None = None) -> str:
        return site.url_of(request, value, ext)

    return {
        "request": request,
        "site": site,
        "title": site.config.title,
        "root": root,
        "link": link,
        "label": site.label,
        "kind_labels": KIND_LABELS,
        **values,
    }


def render(
    request: Request, site: Site, template: str, status: int = 200, **values: Any
) -> HTMLResponse:
    return site.templates.TemplateResponse(
        request, template, ctx(request, site, **values), status_code=status
    )


def mark_snippet(snippet: str) -> Markup:
    """An FTS5 snippet (matches between \\x02 and \\x03) as HTML with <mark>, escaped."""
    out = []
    for i, part in enumerate(re.split(r"[\x02\x03]", snippet)):
        out.append(Markup("<mark>{}</mark>").format(part) if i % 2 else escape(part))
    return Markup("").join(out)


def int_param(request: Request, name: str, default: int, low: int = 1, high: int = 10**6) -> int:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip().isdigit():
        return default
    return max(low, min(high, int(raw)))


# --- home, list, search -----------------------------------------------------------------------


def home(request: Request, site: Site) -> Response:
    summary = site.index.summary()
    latest = site.index.latest(10)
    return render(request, site, "home.html", summary=summary, latest=latest)


def documents(request: Request, site: Site) -> Response:
    filters = {k: request.query_params.get(k, "") for k in FILTERS}
    filters = {k: v for k, v in filters.items() if v}
    sort = request.query_params.get("sort", "date")
    if sort not in SORTS:
        sort = "date"
    size = site.config.page_size
    page = int_param(request, "page", 1)
    result = site.index.documents(filters, sort, size, (page - 1) * size)
    pages = max(1, math.ceil(result.total / size))
    facets = site.index.facets(filters)
    chosen = {k: (v, site.label(v) if k not in ("year",) else v) for k, v in filters.items()}
    return render(
        request,
        site,
        "documents.html",
        page=result,
        page_no=page,
        pages=pages,
        sort=sort,
        sorts=list(SORTS),
        filters=filters,
        chosen=chosen,
        facets=facets,
        query_with=lambda **kw: _query_string(filters, sort, page, kw),
    )


def _query_string(filters: dict[str, str], sort: str, page: int, changes: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    params: dict[str, Any] = {**filters, "sort": sort, "page": page}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params["page"] = 1 if any(k in FILTERS or k == "sort" for k in changes) else page
    params = {k: v for k, v in params.items() if v not in ("", None)}
    if params.get("page") == 1:
        params.pop("page")
    if params.get("sort") == "date":
        params.pop("sort")
    return "?" + urlencode(params) if params else "?"


def search(request: Request, site: Site) -> Response:
    q = (request.query_params.get("q") or "").strip()[:200]
    page = int_param(request, "page", 1)
    size = 20
    hits, total = site.index.search(q, size, (page - 1) * size) if q else ([], 0)
    entities = site.index.search_entities(q, 12) if q and page == 1 else []
    return render(
        request,
        site,
        "search.html",
        q=q,
        hits=[(h.document, mark_snippet(h.snippet)) for h in hits],
        ranked=all(h.ranked for h in hits),
        total=total,
        entities=entities,
        page_no=page,
        pages=max(1, math.ceil(total / size)),
    )


# --- a document -------------------------------------------------------------------------------


@dataclass
class Party:
    iri: str | None
    label: str
    url: str | None = None


@dataclass
class DocumentView:
    row: DocumentRow
    header: Header | None = None
    body: Markup | None = None
    footnotes: list = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    parties: dict[str, list[Party]] = field(default_factory=dict)
    source_name: str | None = None
    problem: str | None = None


def document_view(request: Request, site: Site, row: DocumentRow) -> DocumentView:
    view = DocumentView(row)
    source = site.index.source(row.sha256) if row.sha256 else None
    if source is not None:
        view.source_name = source[0]
        key = (row.sha256, row.slug, site.base, site.index.generation)
        cached = _rendered.get(key)
        if cached is None:
            cached = _render_tei(site, source[1], row)
            _rendered.put(key, cached)
        header, body, footnotes, pages, parties, problem = cached
        view.header, view.body, view.footnotes, view.pages = header, body, footnotes, pages
        view.problem = problem
        view.parties = {
            role: [
                Party(p.iri, p.label, site.url_of(request, p.iri) if p.iri else None) for p in ps
            ]
            for role, ps in parties.items()
        }
    if not view.parties:
        view.parties = _parties_from_index(request, site, row)
    return view


def _render_tei(site: Site, data: bytes, row: DocumentRow):
    root_path = "\x00ROOT\x00"  # replaced per request
    try:
        parsed = parse_bytes(data)
    except ArchiveError as exc:
        return None, None, [], [], {}, f"the TEI file cannot be read: {exc}"
    links = name_links(parsed, site.base, row.slug)
    wanted = {v for values in links.values() for v in values}
    labels = site.index.labels(wanted)

    def linker(el: etree._Element) -> tuple[str, str] | None:
        for value in links.get(el, []):
            if value in labels:
                path = site.path_of(value)
                return (root_path + path if path else value, labels[value])
        return None

    renderer = Renderer(linker)
    rendered = renderer.render_text(parsed.root)
    header = header_of(parsed.root)
    parties: dict[str, list[Party]] = {}
    for role, elements in header.correspondence.items():
        for el in elements:
            values = [v for v in links.get(el, []) if v in labels]
            if values:
                parties.setdefault(role, []).append(Party(values[0], labels[values[0]]))
            elif (el.text or "").strip():
                parties.setdefault(role, []).append(Party(None, " ".join(el.text.split())))
    return header, rendered.body, rendered.footnotes, rendered.pages, parties, None


def _parties_from_index(request: Request, site: Site, row: DocumentRow) -> dict[str, list[Party]]:
    rows = site.index.conn.execute(
        "SELECT r.role, e.iri, e.label FROM roles r JOIN entities e ON e.id = r.entity "
        "WHERE r.doc = ? AND r.role IN ('sender', 'to', 'cc') ORDER BY e.label",
        (row.id,),
    ).fetchall()
    out: dict[str, list[Party]] = {}
    names = {"sender": "sent", "to": "to", "cc": "cc"}
    for role, value, label in rows:
        out.setdefault(names[role], []).append(
            Party(value, label or short_name(value, site.base), site.url_of(request, value))
        )
    return out


def with_root(markup: Markup | None, request: Request) -> Markup | None:
    if markup is None:
        return None
    return Markup(str(markup).replace("\x00ROOT\x00", request.scope.get("root_path", "")))


def document_page(request: Request, site: Site, row: DocumentRow, links: list) -> Response:
    view = document_view(request, site, row)
    body = with_root(view.body, request)
    footnotes = [
        (f.number, f.anchor_id, f.note_id, with_root(f.html, request)) for f in view.footnotes
    ]
    jsonld = schema_org(request, site, row, view)
    return render(
        request,
        site,
        "document.html",
        doc=row,
        view=view,
        body=body,
        footnotes=footnotes,
        jsonld=jsonld,
        alternates=links,
        meta=meta_tags(request, site, row, view),
    )


def schema_org(request: Request, site: Site, row: DocumentRow, view: DocumentView) -> dict:
    """The document described with schema.org, for search engines (JSON-LD in <head>)."""

    def agent(p: Party) -> dict:
        path = site.path_of(p.iri) if p.iri else None
        kind = path.split("/")[1] if path else None
        out: dict[str, Any] = {
            "@type": "Person" if kind == "person" else "Organization",
            "name": p.label,
        }
        if p.iri:
            out["@id"] = p.iri
        return out

    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Message" if row.type and "letter" in row.type else "CreativeWork",
        "@id": row.iri,
        "name": row.title,
        "url": str(request.url_for("thing", kind="document", rest=f"{row.slug}.html")),
        "identifier": row.slug,
    }
    if row.date:
        data["dateCreated"] = row.date
    if row.lang:
        data["inLanguage"] = row.lang
    if view.parties.get("sent"):
        data["sender"] = [agent(p) for p in view.parties["sent"]]
    if view.parties.get("to"):
        data["toRecipient"] = [agent(p) for p in view.parties["to"]]
    if view.parties.get("cc"):
        data["ccRecipient"] = [agent(p) for p in view.parties["cc"]]
    if view.header and view.header.licence_url:
        data["license"] = view.header.licence_url
    if view.header and view.header.keywords:
        data["keywords"] = ", ".join(view.header.keywords)
    data["isPartOf"] = {"@type": "Collection", "name": site.config.title}
    if view.source_name:
        data["encoding"] = {
            "@type": "MediaObject",
            "encodingFormat": "application/tei+xml",
            "contentUrl": str(request.url_for("thing", kind="document", rest=f"{row.slug}.xml")),
        }
    return data


def meta_tags(
    request: Request, site: Site, row: DocumentRow, view: DocumentView
) -> list[tuple[str, str]]:
    """Dublin Core and Highwire Press (citation_*) tags, which Zotero and Google Scholar read."""
    tags: list[tuple[str, str]] = []
    if row.title:
        tags += [("DC.title", row.title), ("citation_title", row.title)]
    for p in view.parties.get("sent", []):
        tags += [("DC.creator", p.label), ("citation_author", p.label)]
    for p in view.parties.get("to", []):
        tags.append(("DC.contributor", p.label))
    if row.date:
        tags.append(("DC.date", row.date))
        tags.append(("citation_publication_date", row.date.replace("-", "/")))
    if row.lang:
        tags += [("DC.language", row.lang), ("citation_language", row.lang)]
    tags.append(("DC.identifier", row.iri))
    tags.append(("DC.type", "Text"))
    tags.append(("DC.format", "text/html"))
    tags.append(("DC.publisher", site.config.title))
    if view.header and view.header.licence_url:
        tags.append(("DC.rights", view.header.licence_url))
    elif view.header and view.header.licence:
        tags.append(("DC.rights", view.header.licence))
    tags.append(("citation_public_url", row.iri))
    return tags


# --- an entity ----------------------------------------------------------------------------------


@dataclass
class Value:
    text: str
    url: str | None = None
    lang: str | None = None
    docs: int = 0
    external: bool = False


def entity_page(request: Request, site: Site, entity: Entity, links: list) -> Response:
    facts = site.index.facts(entity.iri)
    names: list[Value] = []
    types: list[Value] = []
    authorities: list[Value] = []
    other: dict[str, list[Value]] = {}
    iris = {f.value for f in facts if f.dtype == "iri"}
    labels = site.index.labels(iris)
    for f in facts:
        if f.predicate in NAME_PREDICATES:
            if f.predicate == OFFICE:
                names.append(Value(f"{f.value} (the office; the documents do not name the holder)"))
                continue
            kind = "main" if f.predicate != str(SCHEMA.alternateName) else "alternate"
            names.append(Value(f.value, None, f.lang or None, f.docs, kind == "alternate"))
        elif f.predicate == str(RDF.type):
            types.append(Value(short_name(f.value, site.base), f.value, docs=f.docs))
        elif f.predicate in (str(SCHEMA.sameAs), str(OWL.sameAs)):
            authorities.append(Value(f.value, safe_href(f.value), docs=f.docs, external=True))
        else:
            label = PREDICATE_LABELS.get(f.predicate, short_name(f.predicate, site.base))
            if f.dtype == "iri":
                url = (
                    site.url_of(request, f.value) if site.is_local(f.value) else safe_href(f.value)
                )
                text = labels.get(f.value) or short_name(f.value, site.base)
                other.setdefault(label, []).append(Value(text, url, docs=f.docs))
            else:
                other.setdefault(label, []).append(Value(f.value, None, f.lang or None, f.docs))
    docs = site.index.entity_documents(entity.iri, limit=100)
    roles = [
        (role, ROLE_LABELS.get(role, role), n, rows)
        for role in ("sender", "to", "cc", "bcc", "mentions", "cites", "place")
        if role in docs
        for n, rows in [docs[role]]
    ]
    cosigners, n_cosigners = (
        site.index.cosignatories(entity.iri, 30) if "sender" in docs else ([], 0)
    )
    incoming: dict[str, list[Entity]] = {}
    for predicate, other_entity in site.index.incoming(entity.iri):
        title = INCOMING_LABELS.get(
            predicate, f"Pointing here ({short_name(predicate, site.base)})"
        )
        incoming.setdefault(title, []).append(other_entity)
    document_row = site.index.document(entity.iri) if entity.kind == "document" else None
    return render(
        request,
        site,
        "entity.html",
        entity=entity,
        kind_label=KIND_LABELS.get(entity.kind or "", "Resource"),
        names=names,
        types=types,
        authorities=authorities,
        other=other,
        roles=roles,
        cosigners=cosigners,
        n_cosigners=n_cosigners,
        incoming=incoming,
        document_row=document_row,
        alternates=links,
    )


def resource_page(
    request: Request, site: Site, value: str, triples: list, links: list, heading: str
) -> Response:
    """Any other IRI under the base: its statements as a table, with names for the IRIs."""
    iris = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    labels = site.index.labels(iris)
    rows = []
    for t in triples[:2000]:
        o, p = t.object, short_name(t.predicate.value, site.base)
        if isinstance(o, ox.NamedNode):
            url = site.url_of(request, o.value) if site.is_local(o.value) else safe_href(o.value)
            rows.append((p, labels.get(o.value) or short_name(o.value, site.base), url))
        else:
            rows.append((p, getattr(o, "value", str(o)), None))
    return render(
        request,
        site,
        "resource.html",
        iri=value,
        rows=rows,
        heading=heading,
        alternates=links,
        more=max(0, len(triples) - 2000),
    )


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
