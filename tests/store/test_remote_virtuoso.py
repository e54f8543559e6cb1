"""The store against Virtuoso Open Source 7.2 (Debian's ``virtuoso-opensource``), where present.

The tests start a private Virtuoso (own folder, free ports), let its SPARQL endpoint update
(``GRANT SPARQL_UPDATE TO "SPARQL"``, as docs/store.md tells users to do), and run the same
saved queries with the same exact answers as on Oxigraph. They skip, saying why, where the
machine has no Virtuoso.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from archive.store.base import Outcome
from archive.store.client import Endpoint
from archive.store.remote import RemoteStore

from ..conftest import require_part
from .conftest import free_port
from .synthetic import BASE, build, small_archive
from .test_query_saved import run

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")

pytestmark = [pytest.mark.server]


@pytest.fixture(autouse=True)
def _virtuoso_installed() -> None:
    require_part(
        VIRTUOSO is not None and ISQL is not None and INI.is_file(),
        "Virtuoso",
        "install it with: apt-get install virtuoso-opensource",
    )


@dataclass
class Virtuoso:
    url: str
    process: subprocess.Popen


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\s*$", f"ServerPort = {sql_port}", ini)
    ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\s*$", f"ServerPort = {http_port}", ini)
    (folder / "virtuoso.ini").write_text(ini)
    log = open(folder / "out.log", "wb")  # noqa: SIM115 - closed at the end of the fixture
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],  # type: ignore[list-item]
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            pytest.fail(f"virtuoso exited: {(folder / 'out.log').read_text()[-2000:]}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("virtuoso did not start within 120 s")
        time.sleep(0.25)
    grant = subprocess.run(
        [ISQL, str(sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert grant.returncode == 0, grant.stdout + grant.stderr
    yield Virtuoso(url, process)
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def vstore(virtuoso: Virtuoso) -> Iterator[RemoteStore]:
    store = RemoteStore(Endpoint.from_url(virtuoso.url, retries=0))
    mine = f'FILTER (STRSTARTS(STR(?g), "{BASE}/"))'
    for (g,) in store._select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {mine} }}"
    ).values():
        store._update(f"DROP SILENT GRAPH <{g}>")
    yield store
    store.close()


def test_load_replace_remove_keep_the_index_exact(vstore: RemoteStore) -> None:
    docs = [build(x) for x in small_archive()]
    assert {r.outcome for r in vstore.load(docs)} == {Outcome.LOADED}
    assert {r.outcome for r in vstore.load(docs)} == {Outcome.UNCHANGED}
    assert [d.slug for d in vstore.documents()] == ["letter-a", "letter-b", "letter-c", "letter-d"]
    assert len(vstore.cosignatory_index()) == 8
    vstore.remove("letter-c")
    assert vstore.cosignatory_index() == vstore.computed_cosignatories()
    stats = vstore.stats()
    assert (stats.documents, stats.earliest, stats.latest) == (3, "2014-07-10", "2016")


def test_saved_queries_give_the_same_answers_as_on_oxigraph(vstore: RemoteStore) -> None:
    vstore.load([build(x) for x in small_archive()])
    assert run(vstore, "documents-by-signatory", "signatory=org/gisti") == [
        ("document/letter-a", "2014-07-10", "Letter A"),
        ("document/letter-b", "2014-09-01", "Letter B"),
        ("document/letter-c", "2015-03", "Letter C"),
    ]
    assert run(vstore, "co-signatory-pairs", "min=2") == [
        ("org/attac", "Attac", "org/gisti", "Gisti", "2"),
        ("org/gisti", "Gisti", "org/salam", "Salam", "2"),
    ]
    assert run(vstore, "documents-per-addressee-per-year", "addressee=person/valls") == [
        ("person/valls", "Valls", "2014", "1"),
        ("person/valls", "Valls", "2016", "1"),
    ]
    assert run(vstore, "citation-chain", "work=document/letter-a") == [
        ("1", "document/letter-b", "Letter B", None, None),
        ("1", "document/letter-d", "Letter D", None, None),
        ("2", "document/letter-c", "Letter C", "document/letter-b", "Letter B"),
    ]
    assert len(run(vstore, "organisations-by-town")) == 6
    assert len(run(vstore, "entity", "entity=org/gisti")) == 7


def test_export_reads_virtuoso_blank_nodes(vstore: RemoteStore) -> None:
    import io

    docs = [build(x) for x in small_archive()]
    vstore.load(docs)
    out = io.BytesIO()
    assert vstore.export(out, "nquads") == sum(len(set(d.triples)) for d in docs)


def test_virtuoso_does_not_apply_an_update_request_atomically(
    virtuoso: Virtuoso, vstore: RemoteStore
) -> None:
    """Documented difference (docs/store.md): an operation that fails part-way through a
    request leaves the earlier operations applied. Oxigraph rolls the whole request back."""
    closed = free_port()
    graph = f"{BASE}/graph/atomicity-check"
    update = (
        f'INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}/id/work/x> <{BASE}/p> "x" }} }} ; '
        f"LOAD <http://127.0.0.1:{closed}/none.ttl> INTO GRAPH <{graph}-2>"
    )
    r = httpx.post(virtuoso.url, data={"update": update}, timeout=30)
    assert r.status_code >= 400
    answer = vstore._select(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert answer.boolean is True


def test_the_merged_graph_is_a_named_graph_on_virtuoso(vstore: RemoteStore) -> None:
    """Virtuoso's default graph is the union of all its graphs (a bag): the store keeps the
    merged graph as {base}/graph/_merged and names it as each query's default graph."""
    docs = [build(x) for x in small_archive()]
    vstore.load(docs)
    assert vstore.merged_graph == f"{BASE}/graph/_merged"
    assert vstore.query_params() == {"default-graph-uri": f"{BASE}/graph/_merged"}
    q = "SELECT ?org ?name WHERE { ?org a schema:Organization ; schema:name ?name }"
    rows = vstore.query(q).values()
    assert len(rows) == len(set(rows)) == 6  # each organisation's name once, not per letter
    q = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{BASE}/id/org/gisti> a schema:NGO }} }}"
    graphs = {g for (g,) in vstore.query(q).values()}
    assert {f"{BASE}/graph/letter-{x}" for x in "abc"} <= graphs
    vstore.remove("letter-a")
    assert vstore.merged_in_step()
    assert vstore.stats().merged_graph == f"{BASE}/graph/_merged"


def test_the_web_endpoint_queries_the_merged_graph_on_virtuoso(
    vstore: RemoteStore, tmp_path: Path
) -> None:
    """`archive serve`'s /sparql names the merged graph as the default graph, as `archive
    query` does: a count without DISTINCT is the set answer, not one row per letter."""
    from starlette.testclient import TestClient

    from archive.web import create_app
    from archive.web.config import WebConfig

    vstore.load([build(x) for x in small_archive()])
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?org a schema:Organization ; schema:name ?name }"
    config = WebConfig(search_index=tmp_path / "search.sqlite", time_limit=30)
    with TestClient(create_app(vstore, config), raise_server_exceptions=False) as c:
        r = c.post("/sparql", data={"query": q})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "6"
