"""The SPARQL 1.1 Protocol endpoint: requests, formats, descriptions, refusals and limits,
with a real client (SPARQLWrapper) against a live server, and over a remote store."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from starlette.testclient import TestClient

from archive.rdf import extract_file
from archive.rdf.namespaces import RDF, SCHEMA
from archive.store.client import Endpoint
from archive.store.ingest import ingest
from archive.store.remote import RemoteStore
from archive.store.search import update_after_load
from archive.synth import generate_corpus
from archive.web import create_app
from archive.web.config import WebConfig
from archive.web.sparql import apply_row_limit

from ..conftest import RECORD, ROOT
from .conftest import BASE, N_SYNTHETIC, LiveServer

COUNT_LETTERS = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a schema:Message }"
N_DOCS = N_SYNTHETIC + 2
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

RECORD_TRIPLES = len(extract_file(RECORD).documents[0].triples)  # its named graph


def n_of(response: httpx.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_direct_agree(client):
    a = client.get("/sparql", params={"query": COUNT_LETTERS})
    b = client.post("/sparql", data={"query": COUNT_LETTERS})
    c = client.post(
        "/sparql", content=COUNT_LETTERS, headers={"content-type": "application/sparql-query"}
    )
    assert a.status_code == b.status_code == c.status_code == 200
    assert n_of(a) == n_of(b) == n_of(c) == N_DOCS
    assert a.headers["content-type"].startswith("application/sparql-results+json")
    assert a.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "accept,media,fmt",
    [
        ("application/sparql-results+json", "application/sparql-results+json", "JSON"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "XML"),
        ("text/csv", "text/csv", "CSV"),
        ("text/tab-separated-values", "text/tab-separated-values", "TSV"),
        ("application/json", "application/sparql-results+json", "JSON"),
    ],
)
def test_results_formats_by_accept(client, accept, media, fmt):
    q = "SELECT ?d WHERE { ?d schema:identifier ?id } ORDER BY ?d"
    r = client.get("/sparql", params={"query": q}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert r.headers["vary"] == "Accept"
    if fmt == "CSV":  # pyoxigraph reads no CSV results (lossy): read it as CSV
        rows = [line.split(",")[0] for line in r.text.splitlines()[1:]]
        assert r.text.startswith("d\r\n")
    else:
        parsed = ox.parse_query_results(r.content, getattr(ox.QueryResultsFormat, fmt))
        rows = [s["d"].value for s in parsed]
    assert f"{BASE}/id/document/calais-2014-07-10" in rows and len(rows) >= N_DOCS


@pytest.mark.parametrize(
    "accept,fmt",
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_and_describe_formats(client, accept, fmt):
    doc = f"<{BASE}/id/document/calais-2014-07-10>"
    q = f"CONSTRUCT {{ ?o schema:name ?n }} WHERE {{ {doc} schema:sender ?o . ?o schema:name ?n }}"
    r = client.post("/sparql", data={"query": q}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    triples = list(ox.parse(r.content, format=fmt))
    assert len(triples) == len(set(triples)) >= 26
    if fmt == ox.RdfFormat.TURTLE:  # written with the profile's prefixes, whatever the engine
        assert b"@prefix schema: <https://schema.org/>" in r.content
        assert b"schema:name" in r.content
    r = client.get(
        "/sparql", params={"query": f"DESCRIBE <{BASE}/id/org/gisti>"}, headers={"accept": accept}
    )
    assert r.status_code == 200 and list(ox.parse(r.content, format=fmt))


def test_dataset_parameters(client):
    g = f"{BASE}/graph/calais-2014-07-10"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": g})
    assert n_of(r) == RECORD_TRIPLES
    q = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post("/sparql", data={"query": q, "named-graph-uri": [g]})
    assert n_of(r) == 1


def test_service_description_on_get_without_query(client):
    r = client.get("/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    g = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.object.value == f"{sd}Service" for t in g)
    assert any(
        t.predicate.value == f"{sd}endpoint" and t.object.value.endswith("/sparql") for t in g
    )
    assert any(t.object.value == f"{sd}SPARQL11Query" for t in g)
    assert not any(t.object.value == f"{sd}SPARQL11Update" for t in g)  # read-only


def test_void_description(client):
    r = client.get("/.well-known/void", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    g = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    docs = [t.object.value for t in g if t.predicate.value == f"{void}documents"]
    assert docs == [str(N_DOCS)]
    assert any(t.predicate.value == f"{void}sparqlEndpoint" for t in g)
    assert client.get("/dataset", headers={"accept": "application/ld+json"}).status_code == 200


def test_browser_get_goes_to_the_query_page(client):
    r = client.get(
        "/sparql",
        params={"query": COUNT_LETTERS},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/query?query=")


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "CLEAR ALL", "DROP GRAPH <urn:x>"],
)
def test_updates_are_refused(client, update):
    r = client.post("/sparql", data={"update": update})
    assert r.status_code == 403 and "read-only" in r.text
    r = client.post(
        "/sparql", content=update, headers={"content-type": "application/sparql-update"}
    )
    assert r.status_code == 403
    assert n_of(client.get("/sparql", params={"query": COUNT_LETTERS})) == N_DOCS


def test_bad_requests_are_4xx_with_a_message(client):
    cases = [
        client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x"}),
        client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]),
        client.post("/sparql", content="ASK {}", headers={"content-type": "text/plain"}),
        client.post("/sparql", content="query=ASK%20%7B%7D"),
        client.post(
            "/sparql",
            content="ASK {}".encode("utf-16"),
            headers={"content-type": "application/sparql-query; charset=UTF-16"},
        ),
        client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"}),
        client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "no good"}),
        client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"}),
        client.put("/sparql", content="ASK {}"),
        client.post(
            "/sparql", content=b"\xff\xfe", headers={"content-type": "application/sparql-query"}
        ),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        assert r.text.strip() and "Traceback" not in r.text
    assert "line 1" in cases[0].text


def test_a_query_over_one_megabyte_is_refused(client):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000
    r = client.post("/sparql", content=big, headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413
    r = client.post("/sparql", data={"query": big})
    assert r.status_code == 413


def test_row_limit_rewrites_only_what_it_must():
    assert apply_row_limit("SELECT * WHERE { ?s ?p ?o } LIMIT 5", 100) == (
        "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
        False,
    )
    text, applied = apply_row_limit("SELECT * WHERE { ?s ?p ?o } LIMIT 500", 100)
    assert applied and text.endswith("LIMIT 100")
    text, applied = apply_row_limit("SELECT * WHERE { { SELECT * { ?s ?p ?o } LIMIT 9 } }", 100)
    assert applied and text.endswith("LIMIT 100")
    text, _ = apply_row_limit("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", 100)
    assert "LIMIT 100\nVALUES ?s" in text
    text, _ = apply_row_limit('SELECT * WHERE { ?s ?p "} LIMIT 1" } # LIMIT 2', 100)
    assert text.endswith("\nLIMIT 100")
    for q in (text, "SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }"):
        ox.Store().query(apply_row_limit(q, 100)[0])  # still valid SPARQL


ENGINES = ["oxigraph", "pyoxigraph"]  # Oxigraph's server as the worker, or a Python worker


def test_the_default_engine_is_oxigraphs_server_where_it_is_installed(web_store):
    from archive.web.executor import ProcessExecutor, ServerExecutor, embedded_executor

    path = str(web_store.path)
    assert isinstance(embedded_executor(path, WebConfig()), ServerExecutor)
    assert isinstance(
        embedded_executor(path, WebConfig(sparql_engine="pyoxigraph")), ProcessExecutor
    )


def test_without_the_oxigraph_command(web_store, monkeypatch):
    """auto falls back to Python workers; asking for Oxigraph's server says what to install."""
    from archive.errors import ArchiveError
    from archive.web import executor

    monkeypatch.setattr(executor, "oxigraph_command", lambda: None)
    path = str(web_store.path)
    assert isinstance(executor.embedded_executor(path, WebConfig()), executor.ProcessExecutor)
    with pytest.raises(ArchiveError, match="pip install oxigraph"):
        executor.embedded_executor(path, WebConfig(sparql_engine="oxigraph"))


@pytest.mark.parametrize("engine", ENGINES)
def test_row_limit_and_time_limit(web_store, engine):
    config = WebConfig(workers=2, time_limit=1.5, row_limit=7, sparql_engine=engine)
    with TestClient(create_app(web_store, config)) as c:
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 200 and r.headers["x-sparql-maxrows"] == "7"
        assert len(r.json()["results"]["bindings"]) == 7
        started = time.monotonic()
        slow: dict[str, httpx.Response] = {}
        t = threading.Thread(
            target=lambda: slow.setdefault("r", c.get("/sparql", params={"query": SLOW}))
        )
        t.start()
        time.sleep(0.3)
        # the server answers other requests while the slow query runs
        quick = c.get("/sparql", params={"query": COUNT_LETTERS})
        page = c.get("/org/gisti.html")
        assert quick.status_code == 200 and page.status_code == 200
        assert time.monotonic() - started < 1.5
        t.join(30)
        assert slow["r"].status_code == 503 and "stopped after 1.5 s" in slow["r"].text
        assert time.monotonic() - started < 10
        # the worker was replaced: queries still run
        assert n_of(c.get("/sparql", params={"query": COUNT_LETTERS})) == N_DOCS


@pytest.mark.parametrize("engine", ENGINES)
def test_updates_with_the_token(tmp_path, engine):
    from archive.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store", base=BASE)
    try:
        config = WebConfig(workers=1, update_token="s3cret", sparql_engine=engine)
        with TestClient(create_app(store, config)) as c:
            update = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
            assert c.post("/sparql", data={"update": update}).status_code == 403
            bad = {"authorization": "Bearer wrong"}
            assert c.post("/sparql", data={"update": update}, headers=bad).status_code == 403
            good = {"authorization": "Bearer s3cret"}
            assert c.post("/sparql", data={"update": update}, headers=good).status_code == 204
            ask = "ASK { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"  # named: not merged
            r = c.get("/sparql", params={"query": ask})
            assert r.json()["boolean"] is True  # the workers see the write
            assert c.post("/sparql", data={"update": "INSERT {"}, headers=good).status_code == 400
    finally:
        store.close()


def test_sparqlwrapper_against_a_live_server(live):
    client = SPARQLWrapper(f"{live.url}/sparql")
    client.setQuery(f"PREFIX schema: <https://schema.org/>\n{COUNT_LETTERS}")
    for fmt in (JSON, XML, CSV, TSV):
        client.setReturnFormat(fmt)
        result = client.query()
        assert result.response.status == 200
        body = result.convert()
        if fmt == JSON:
            assert int(body["results"]["bindings"][0]["n"]["value"]) == N_DOCS
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery("ASK { ?s ?p ?o }")
    assert client.query().convert()["boolean"] is True
    client.setQuery(
        f"CONSTRUCT {{ <{BASE}/id/org/gisti> ?p ?o }} WHERE {{ <{BASE}/id/org/gisti> ?p ?o }}"
    )
    client.setReturnFormat(TURTLE)
    graph = client.query().convert()
    assert b"gisti" in graph if isinstance(graph, bytes) else len(graph) > 0
    client.setQuery("SELECT ?x WHERE { ?x")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        client.query()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_answer_arrives_whole_from_the_server_users_run(web_store, tmp_path, engine):
    """uvicorn runs on uvloop where it is installed (a dependency on Linux and macOS), and
    uvloop leaves the worker's pipe non-blocking: an answer larger than the pipe's buffer was
    then cut off half-read (EAGAIN), a 400, and the worker killed."""
    import importlib.util
    import sys

    if sys.platform != "win32":  # uvloop does not exist there
        assert importlib.util.find_spec("uvloop"), "uvicorn should run on uvloop here"
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5000"
    expected = len(list(web_store.ox_store.query(query)))
    config = WebConfig(workers=1, cache_dir=tmp_path, sparql_engine=engine)
    with LiveServer(create_app(web_store, config)) as live, httpx.Client(timeout=60) as c:
        for _ in range(3):
            r = c.post(
                f"{live.url}/sparql",
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert r.status_code == 200, r.text
            assert len(r.content) > 500_000, "the answer must exceed a pipe's buffer"
            assert len(r.json()["results"]["bindings"]) == expected == 5000


def test_over_a_remote_store(oxigraph, tmp_path):
    store = RemoteStore(Endpoint.from_url(oxigraph.url, retries=1), base=BASE)
    try:
        report = ingest([RECORD], store, jobs=1)
        update_after_load(store, report.results, tmp_path / "search.sqlite")
        config = WebConfig(search_index=tmp_path / "search.sqlite", time_limit=10)
        server = LiveServer(create_app(store, config)).start()
        try:
            r = httpx.get(f"{server.url}/sparql", params={"query": COUNT_LETTERS}, timeout=30)
            assert r.status_code == 200 and n_of(r) == 1
            r = httpx.post(
                f"{server.url}/sparql",
                data={"query": "CONSTRUCT WHERE { ?s schema:sender ?o }"},
                headers={"accept": "application/n-triples"},
                timeout=30,
            )
            assert r.status_code == 200 and len(r.text.splitlines()) == 26
            r = httpx.get(
                f"{server.url}/sparql", params={"query": "SELECT * WHERE { ?x"}, timeout=30
            )
            assert r.status_code == 400
            r = httpx.get(f"{server.url}/org/gisti.ttl", timeout=30)
            assert r.status_code == 200 and "Groupe d'information" in r.text
            page = httpx.get(f"{server.url}/document/calais-2014-07-10.html", timeout=30)
            assert page.status_code == 200 and 'href="/org/gisti"' in page.text
            r = httpx.post(f"{server.url}/sparql", data={"update": "CLEAR ALL"}, timeout=30)
            assert r.status_code == 403
        finally:
            server.stop()
    finally:
        store.close()


def test_json_answer_is_the_w3c_format(client):
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(r.text) == {"head": {}, "boolean": True}


# --- the dataset: the merged graph with set semantics, as `archive query` sees it (issue 9) ---

PER_TOWN = (ROOT / "queries" / "natural" / "organisations-per-town.rq").read_text(encoding="utf-8")


def towns_as_sets(files) -> dict[str, int]:
    """Organisations per town, from the documents' triples as a set (the true answer)."""
    facts = {t for f in files for d in extract_file(f).documents for t in d.triples}
    orgs = {s for s, p, o in facts if p == RDF.type and o == SCHEMA.Organization}
    counts: dict[str, int] = {}
    for s, p, o in facts:
        if p == SCHEMA.location and s in orgs:
            counts[str(o)] = counts.get(str(o), 0) + 1
    return counts


def towns_answered(response: httpx.Response) -> dict[str, int]:
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return {r["town"]["value"]: int(r["organisations"]["value"]) for r in rows}


def test_a_natural_count_over_sparql_is_the_set_answer(client, web_archive, web_store):
    """No DISTINCT: an organisation many letters name counts once, as with `archive query`."""
    want = towns_as_sets(web_archive.files)
    assert max(want.values()) > 1  # a town with several organisations, each named by letters
    got = towns_answered(client.post("/sparql", data={"query": PER_TOWN}))
    assert got == want
    rows = web_store.query(PER_TOWN).rows
    assert {str(t.value): int(n.value) for t, n in rows} == want  # the same as `archive query`
    # provenance stays queryable: the letters that state an organisation's type
    stated: dict = {}
    for f in web_archive.files:
        for d in extract_file(f).documents:
            for s, p, o in d.triples:
                if p == RDF.type and o == SCHEMA.Organization:
                    stated[s] = stated.get(s, 0) + 1
    org, letters = max(stated.items(), key=lambda kv: kv[1])
    assert letters > 1
    q = f"SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH ?g {{ <{org}> a schema:Organization }} }}"
    assert n_of(client.post("/sparql", data={"query": q})) == letters
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{org}> a schema:Organization }}"
    assert n_of(client.post("/sparql", data={"query": q})) == 1


def test_a_natural_count_over_sparql_on_a_remote_store_is_the_set_answer(oxigraph, tmp_path):
    files = generate_corpus(12, 3, tmp_path / "letters")
    store = RemoteStore(Endpoint.from_url(oxigraph.url, retries=1), base=BASE)
    try:
        ingest(files, store, jobs=1)
        config = WebConfig(search_index=tmp_path / "search.sqlite", time_limit=20)
        with TestClient(create_app(store, config), raise_server_exceptions=False) as c:
            got = towns_answered(c.post("/sparql", data={"query": PER_TOWN}))
        want = towns_as_sets(files)
        assert max(want.values()) > 1
        assert got == want
    finally:
        store.close()


def test_a_malformed_answer_from_a_worker_is_the_workers_failure():
    """A status, length or chunk size that is not a number ends the worker (RuntimeError, a
    400 with a message), instead of escaping as a ValueError (a 500)."""
    from archive.web.executor import _number

    assert _number([b"1a"], 16) == 26 and _number(["200"], 10) == 200
    for fields in ([], [b"HTTP/1.1"], [b"zz"]):
        with pytest.raises(RuntimeError, match="malformed answer"):
            _number(fields, 16)
