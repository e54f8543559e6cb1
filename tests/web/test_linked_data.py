"""Dereferenceable IRIs: 303 from /id/, content negotiation, suffix URLs, Vary, 406, Link,
conditional GET, CORS, and IRIs whose base is not the host being served."""

from __future__ import annotations

import email.utils

import pyoxigraph as ox
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from archive.rdf import extract_file
from archive.store.embedded import EmbeddedStore
from archive.store.ingest import ingest
from archive.store.search import update_after_load
from archive.web import create_app
from archive.web.config import WebConfig

from ..conftest import RECORD
from .conftest import BASE

DOC = "/document/calais-2014-07-10"
GISTI = f"{BASE}/id/org/gisti"

THING_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

RECORD_TRIPLES = len(extract_file(RECORD).documents[0].triples)  # its named graph


def parse(body: bytes, fmt: ox.RdfFormat) -> list:
    return list(ox.parse(body, format=fmt))


@pytest.mark.parametrize(
    "accept,ext",
    [
        ("text/html", "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("application/xhtml+xml", "html"),
        ("*/*", "html"),
        (None, "html"),
        ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ],
)
def test_id_iri_answers_303_to_the_representation_asked_for(client, accept, ext):
    headers = {"accept": accept} if accept else {}
    r = client.get("/id/org/gisti", headers=headers, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/org/gisti.{ext}"
    assert r.headers["vary"] == "Accept"
    assert 'rel="alternate describedby"; type="text/turtle"' in r.headers["link"]


@pytest.mark.parametrize("media,fmt", THING_TYPES.items())
def test_every_rdf_type_of_an_entity_parses_and_states_its_names(client, media, fmt):
    r = client.get("/org/gisti", headers={"accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["vary"] == "Accept"
    assert r.headers["content-location"].startswith("/org/gisti.")
    assert r.headers["access-control-allow-origin"] == "*"
    triples = parse(r.content, fmt)
    names = {t.object.value for t in triples if t.predicate.value == "https://schema.org/name"}
    assert "Groupe d'information et de soutien des immigré.e.s" in names
    # set semantics: one statement once, whatever the number of documents stating it
    assert len(triples) == len(set(triples))


@pytest.mark.parametrize(
    "media,fmt",
    [
        ("application/trig", ox.RdfFormat.TRIG),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
    ],
)
def test_a_document_as_its_named_graph(client, media, fmt):
    r = client.get(DOC, headers={"accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    quads = parse(r.content, fmt)
    assert {q.graph_name.value for q in quads} == {f"{BASE}/graph/calais-2014-07-10"}
    assert len(quads) == RECORD_TRIPLES


def test_a_document_as_its_tei_file(client):
    r = client.get(DOC, headers={"accept": "application/tei+xml"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/tei+xml"
    assert r.content == RECORD.read_bytes()


@pytest.mark.parametrize(
    "ext,media",
    [
        ("html", "text/html"),
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("trig", "application/trig"),
        ("nq", "application/n-quads"),
        ("xml", "application/tei+xml"),
    ],
)
def test_suffix_urls_are_stable_whatever_the_accept_header(client, ext, media):
    r = client.get(f"{DOC}.{ext}", headers={"accept": "image/png"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "vary" not in r.headers  # not negotiated


def test_406_lists_what_is_available(client):
    r = client.get("/org/gisti", headers={"accept": "image/png"})
    assert r.status_code == 406
    for media in ("text/html", "text/turtle", "application/ld+json", "application/n-triples"):
        assert media in r.text
    assert r.headers["vary"] == "Accept"
    r = client.get("/id/document/calais-2014-07-10", headers={"accept": "application/pdf"})
    assert r.status_code == 406 and "application/tei+xml" in r.text and "application/trig" in r.text


def test_a_suffix_a_thing_does_not_have_is_404_naming_the_others(client):
    r = client.get("/org/gisti.xml")
    assert r.status_code == 404 and ".ttl" in r.text


def test_bad_accept_header_is_400_not_500(client):
    for accept in ("garbage", "text/html;q=x", "*/html", "text/html;q=7"):
        r = client.get("/org/gisti", headers={"accept": accept})
        assert r.status_code == 400, accept
        assert "Accept" in r.text


def test_link_header_names_every_alternate(client):
    r = client.get(f"{DOC}.html")
    link = r.headers["link"]
    for ext in ("ttl", "jsonld", "nt", "rdf", "trig", "nq", "xml"):
        assert f"<{DOC}.{ext}>" in link
    assert 'rel="alternate describedby"' in link


def test_etag_and_last_modified_give_304(client):
    r = client.get(f"{DOC}.ttl")
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert email.utils.parsedate_to_datetime(modified).year >= 2026
    assert client.get(f"{DOC}.ttl", headers={"if-none-match": etag}).status_code == 304
    assert client.get(f"{DOC}.ttl", headers={"if-modified-since": modified}).status_code == 304
    assert client.get(f"{DOC}.ttl", headers={"if-none-match": '"other"'}).status_code == 200
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(f"{DOC}.ttl", headers={"if-modified-since": old}).status_code == 200
    # different representations, different tags
    assert client.get(f"{DOC}.nt").headers["etag"] != etag
    e = client.get("/org/gisti.ttl").headers["etag"]
    assert client.get("/org/gisti.ttl", headers={"if-none-match": e}).status_code == 304


def test_graph_iris_dereference(client):
    g = "/graph/calais-2014-07-10"
    r = client.get(g, headers={"accept": "application/n-quads"})
    assert r.status_code == 200 and r.headers["vary"] == "Accept"
    r = client.get(g, headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{DOC}.html"
    assert client.get("/graph/no-such-graph").status_code == 404


def test_every_kind_of_iri_in_a_document_answers(client, web_store):
    """Every IRI under the base that the Calais graph uses answers with 200 (after the 303)."""
    r = client.get(f"{DOC}.nt")
    iris = {
        term.value
        for t in parse(r.content, ox.RdfFormat.N_TRIPLES)
        for term in (t.subject, t.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(BASE + "/")
    }
    assert len(iris) > 60
    for iri in sorted(iris):
        path = iri[len(BASE) :]
        r = client.get(path, headers={"accept": "text/turtle"})
        assert r.status_code == 200, (iri, r.status_code, r.text[:200])


def test_unknown_iri_is_404(client):
    assert client.get("/id/org/no-such-org").status_code == 404
    assert client.get("/org/no-such-org.ttl").status_code == 404
    r = client.get("/id/org/no-such-org", headers={"accept": "text/html"})
    assert r.status_code == 404 and "<html" in r.text and "no-such-org" in r.text


def test_cors_on_rdf_not_on_pages(client):
    assert client.get("/org/gisti.ttl").headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/org/gisti.html").headers


def test_the_profile_namespace_answers(client):
    r = client.get("/ns", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and "@prefix" in r.text


@pytest.fixture(scope="module")
def other_base(tmp_path_factory):
    """An archive minted under a base with a path, served from elsewhere, mounted under /a."""
    base = "https://archive.example.org/collection"
    path = tmp_path_factory.mktemp("other-base") / "store"
    store = EmbeddedStore(path, base=base)
    report = ingest([RECORD], store, jobs=1)
    update_after_load(store, report.results)
    app = Starlette(routes=[Mount("/a", create_app(store, WebConfig(workers=1)))])
    with TestClient(app, base_url="http://127.0.0.1:9999") as c:
        yield base, c
    store.close()


def test_iris_map_to_the_served_host_when_the_base_is_elsewhere(other_base):
    base, c = other_base
    r = c.get("/a/id/org/gisti", headers={"accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/a/org/gisti.ttl"
    r = c.get("/a/org/gisti.ttl")
    assert r.status_code == 200
    assert f"<{base}/id/org/gisti>" in r.text or "collection/id/org/gisti" in r.text
    page = c.get("/a/document/calais-2014-07-10.html").text
    assert 'href="/a/org/gisti"' in page  # links to the served host, not the base's
    assert "advocacy-archive.example/id" not in page
    assert 'href="/a/static/style.css"' in page
