"""The W3C SPARQL 1.1 Protocol test cases (vendored in w3c-protocol/, see its README), run
against /sparql: every query test and every negative test as the manifest describes it. The
endpoint is read-only, so the tests that expect an update to succeed are checked to be
refused with 403 instead."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from starlette.testclient import TestClient

from archive.store.embedded import EmbeddedStore
from archive.web import create_app
from archive.web.config import WebConfig

HERE = Path(__file__).parent / "w3c-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
DATA = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": HERE / f"data{i}.nt" for i in (1, 2, 3)}

MANIFEST = Graph().parse(HERE / "manifest.ttl", format="turtle")
_MANIFEST_NODE = next(MANIFEST.subjects(RDF.type, MF.Manifest))
ENTRIES = list(Collection(MANIFEST, MANIFEST.value(_MANIFEST_NODE, MF.entries)))


def name_of(test: URIRef) -> str:
    return str(test).rsplit("#", 1)[-1]


def requests_of(test: URIRef) -> list[dict]:
    action = MANIFEST.value(test, MF.action)
    out = []
    for req in Collection(MANIFEST, MANIFEST.value(action, HT.requests)):
        headers = {}
        hlist = MANIFEST.value(req, HT.headers)
        if hlist is not None:
            for h in Collection(MANIFEST, hlist):
                headers[str(MANIFEST.value(h, HT.fieldName))] = str(
                    MANIFEST.value(h, HT.fieldValue)
                )
        body = MANIFEST.value(req, HT.body)
        content = None
        if body is not None:
            encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
            content = str(MANIFEST.value(body, CNT.chars)).encode(encoding.lower())
        resp = MANIFEST.value(req, HT.resp)
        statuses = {str(s).rsplit("#", 1)[-1] for s in MANIFEST.objects(resp, MF.expectedStatus)}
        boolean = MANIFEST.value(resp, MF.expectedBoolean)
        fmt = MANIFEST.value(resp, MF.expectedFormat)
        out.append(
            {
                "method": str(MANIFEST.value(req, HT.methodName)),
                "path": str(MANIFEST.value(req, HT.absolutePath)),
                "headers": headers,
                "content": content,
                "statuses": statuses,
                "boolean": None if boolean is None else boolean.toPython(),
                "format": None if fmt is None else str(fmt),
            }
        )
    return out


def is_update(test: URIRef) -> bool:
    return name_of(test).startswith("update_")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> TestClient:
    store = EmbeddedStore(tmp_path_factory.mktemp("w3c") / "store")
    for graph, path in DATA.items():
        for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            store.ox_store.add(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)))
    store.ox_store.flush()
    with TestClient(create_app(store, WebConfig(workers=1)), base_url="http://www.example") as c:
        yield c
    store.close()


def test_the_manifest_is_read_whole():
    assert len(ENTRIES) == 34
    assert sum(1 for t in ENTRIES if name_of(t).startswith("bad_")) == 14


@pytest.mark.parametrize("test", ENTRIES, ids=name_of)
def test_protocol(endpoint: TestClient, test: URIRef):
    for req in requests_of(test):
        r = endpoint.request(
            req["method"], req["path"], headers=req["headers"], content=req["content"]
        )
        if (
            is_update(test)
            and req["method"] == "POST"
            and (
                req["headers"].get("content-type", "").startswith("application/sparql-update")
                or (req["content"] or b"").startswith(b"update=")
            )
        ):
            # not applicable to a read-only endpoint: refused, and nothing changes
            assert r.status_code == 403, r.text
            return
        classes = {f"StatusCode{r.status_code // 100}xx"}
        assert classes & req["statuses"], (name_of(test), r.status_code, r.text[:300])
        if req["format"] == "boolean":
            ctype = r.headers["content-type"].split(";")[0]
            fmt = {
                "application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            }[ctype]
            answer = ox.parse_query_results(r.content, fmt)
            assert isinstance(answer, ox.QueryBoolean)
            if req["boolean"] is not None:
                assert bool(answer) is req["boolean"], name_of(test)
        elif req["format"] == "tabular":
            assert r.headers["content-type"].split(";")[0] in (
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
            )
        elif req["format"] == "RDF":
            ctype = r.headers["content-type"].split(";")[0]
            fmt = ox.RdfFormat.from_media_type(ctype)
            assert fmt is not None, ctype
            list(ox.parse(r.content, format=fmt))
