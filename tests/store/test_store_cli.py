"""The store commands end to end: real TEI through validation and extraction into the store."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID

from archive.cli import cli
from archive.rdf.namespaces import SCHEMA
from archive.store.embedded import EmbeddedStore


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def loaded(store_dir: Path, record_path: Path) -> Path:
    r = run("load", str(record_path), "--store", str(store_dir))
    assert r.exit_code == 0, r.output + r.stderr
    return store_dir


def test_load_is_idempotent_and_reported(store_dir: Path, record_path: Path) -> None:
    r = run("load", str(record_path), "--store", str(store_dir))
    assert r.exit_code == 0, r.stderr
    assert "1 loaded, 0 replaced, 0 unchanged, 0 failed" in r.output
    r = run("load", str(record_path), "--store", str(store_dir), "--format", "json")
    report = json.loads(r.output)
    assert report["documents"] == {"loaded": 0, "replaced": 0, "unchanged": 1, "failed": 0}
    assert report["invalid_files"] == [] and report["failed_documents"] == []


def test_list_and_stats(loaded: Path) -> None:
    r = run("list", "--store", str(loaded), "--format", "json")
    [doc] = json.loads(r.output)
    assert doc["slug"] == "calais-2014-07-10" and doc["date"] == "2014-07-10"
    assert doc["triples"] > 100 and len(doc["sha256"]) == 64
    r = run("list", "--store", str(loaded), "--format", "tsv")
    assert r.output.splitlines()[0].split("\t")[:3] == ["slug", "date", "triples"]
    r = run("stats", "--store", str(loaded), "--format", "json", "--check")
    stats = json.loads(r.output)
    assert stats["documents"] == 1 and stats["document_triples"] == doc["triples"]
    assert stats["cosignatory_pairs"] == 325  # 26 signatories
    assert stats["indexes_in_step"] == {
        "cosignatories": True,
        "addressee-years": True,
        "merged graph": True,
    }


def test_query_formats_and_saved_queries(loaded: Path) -> None:
    r = run("query", "co-signatories-of", "-p", "signatory=org/gisti", "--store", str(loaded))
    data = json.loads(r.output)  # not a terminal: SPARQL JSON results
    assert len(data["results"]["bindings"]) == 25
    r = run(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { ?d a schema:Message }",
        "--store",
        str(loaded),
        "--format",
        "csv",
    )
    assert r.output.splitlines() == ["n", "1"]
    r = run(
        "query", "DESCRIBE <https://advocacy-archive.example/id/org/gisti>", "--store", str(loaded)
    )
    g = Graph().parse(data=r.output, format="turtle")
    assert (
        URIRef("https://advocacy-archive.example/id/org/gisti"),
        RDF.type,
        SCHEMA.Organization,
    ) in g
    r = run("query", "--list")
    for name in (
        "documents-by-signatory",
        "co-signatory-pairs",
        "citation-chain",
        "documents-per-addressee-per-year",
        "organisations-by-town",
        "entity",
    ):
        assert name in r.output


def test_query_errors_point_at_the_problem(loaded: Path, tmp_path: Path) -> None:
    f = tmp_path / "broken.rq"
    f.write_text("SELECT ?d\nWHERE {\n  ?d a schema:Message .\n  FILTER (?d = }\n")
    r = run("query", str(f), "--store", str(loaded))
    assert r.exit_code == 2
    assert "line 4, column 16" in r.stderr
    assert "FILTER (?d = }" in r.stderr and "^" in r.stderr
    r = run("query", "documents-by-signatory", "--store", str(loaded))
    assert r.exit_code == 2 and "needs --param signatory" in r.stderr
    r = run("query", "no-such-query", "--store", str(loaded))
    assert r.exit_code == 2 and "no saved query" in r.stderr


def test_show_prints_the_bound_query(loaded: Path) -> None:
    r = run("query", "entity", "-p", "entity=org/gisti", "--show", "--store", str(loaded))
    assert "VALUES (?entity) { (<https://advocacy-archive.example/id/org/gisti>) }" in r.output


def test_export_and_describe(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "dump.nq"
    r = run("export", "--store", str(loaded), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    listed = json.loads(run("list", "--store", str(loaded), "--format", "json").output)
    assert len(quads) == listed[0]["triples"]
    r = run("export", "--store", str(loaded), "--format", "turtle", "--graph", "calais-2014-07-10")
    assert len(Graph().parse(data=r.output, format="turtle")) == listed[0]["triples"]
    r = run(
        "describe",
        "--store",
        str(loaded),
        "--license",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert r.exit_code == 0, r.stderr
    g = Graph().parse(data=r.output, format="turtle")
    ds = URIRef("https://advocacy-archive.example/dataset")
    assert g.value(ds, VOID.triples) == Literal(listed[0]["triples"])
    assert g.value(ds, VOID.documents) == Literal(1)
    assert (ds, VOID.subset, URIRef(listed[0]["graph"])) in g
    org_parts = [
        p
        for p in g.objects(ds, VOID.classPartition)
        if g.value(p, VOID["class"]) == SCHEMA.Organization
    ]
    assert len(org_parts) == 1 and int(g.value(org_parts[0], VOID.entities)) > 26
    senders = [
        p
        for p in g.objects(ds, VOID.propertyPartition)
        if g.value(p, VOID.property) == SCHEMA.sender
    ]
    assert int(g.value(senders[0], VOID.triples)) == 26


def test_remove(loaded: Path) -> None:
    r = run("remove", "calais-2014-07-10", "--store", str(loaded))
    assert r.exit_code == 0 and "removed calais-2014-07-10" in r.output
    assert json.loads(run("list", "--store", str(loaded), "--format", "json").output) == []
    r = run("remove", "calais-2014-07-10", "--store", str(loaded))
    assert r.exit_code == 2 and "not in the store" in r.stderr


def test_invalid_files_are_not_loaded_unless_allowed(
    store_dir: Path, record_path: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        record_path.read_text(encoding="utf-8").replace(
            '<idno type="archive">calais-2014-07-10</idno>',
            '<idno type="archive">calais-2014-07-10</idno><bogus/>',
        ),
        encoding="utf-8",
    )
    broken = tmp_path / "broken.xml"
    broken.write_text("<TEI><unclosed></TEI>")
    r = run("load", str(bad), str(broken), "--store", str(store_dir))
    assert r.exit_code == 1
    assert f"{bad}: invalid:" in r.output and f"{broken}: invalid:" in r.output
    assert "0 loaded" in r.output and "2 file(s) not loaded" in r.output
    assert not store_dir.exists()  # nothing loaded: no new, empty store kept
    r = run("load", str(bad), str(broken), "--store", str(store_dir), "--allow-invalid")
    assert r.exit_code == 1  # the unreadable one still fails
    assert "1 loaded" in r.output and "loaded anyway" in r.output
    assert len(json.loads(run("list", "--store", str(store_dir), "--format", "json").output)) == 1


def test_a_folder_loads_in_parallel(store_dir: Path, tmp_path: Path) -> None:
    from archive.synth.generate import file_name, generate_letter

    folder = tmp_path / "letters"
    folder.mkdir()
    for i in range(10):
        (folder / file_name(i, 4)).write_bytes(generate_letter(i, 4))
    r = run("load", str(folder), "--store", str(store_dir), "--jobs", "2", "--format", "json")
    assert r.exit_code == 0, r.output + r.stderr
    report = json.loads(r.output)
    assert report["files"] == 10 and report["documents"]["loaded"] == 10
    r = run("stats", "--store", str(store_dir), "--format", "json", "--check")
    assert all(json.loads(r.output)["indexes_in_step"].values())


def test_a_store_in_use_is_a_clear_error(loaded: Path) -> None:
    holder = EmbeddedStore(loaded)
    try:
        r = run("list", "--store", str(loaded))
        assert r.exit_code == 2
        assert "in use by another process" in r.stderr
    finally:
        holder.close()


def test_usage_errors(store_dir: Path, tmp_path: Path) -> None:
    r = run("load", str(tmp_path / "missing.xml"), "--store", str(store_dir))
    assert r.exit_code == 2 and "no such file" in r.stderr
    r = run("list", "--store", str(store_dir), "--endpoint", "http://127.0.0.1:1/")
    assert r.exit_code == 2 and "not both" in r.stderr
    env = {"ARCHIVE_STORE": str(store_dir), "ARCHIVE_ENDPOINT": "http://127.0.0.1:1/"}
    r = run("list", env=env)
    assert r.exit_code == 2 and "not both" in r.stderr


@pytest.mark.parametrize(
    "command", [["list"], ["stats"], ["query", "co-signatory-pairs"], ["remove", "x"], ["export"]]
)
def test_reading_a_store_that_does_not_exist_does_not_create_one(command, tmp_path: Path) -> None:
    typo = tmp_path / "stroe"
    r = run(*command, "--store", str(typo))
    assert r.exit_code == 2 and f"no store at {typo}" in r.stderr
    assert not typo.exists()


def test_a_store_on_the_command_line_beats_an_endpoint_in_the_environment(
    store_dir: Path, record_path: Path
) -> None:
    env = {"ARCHIVE_ENDPOINT": "http://127.0.0.1:1/"}  # nothing listens there
    r = run("load", str(record_path), "--store", str(store_dir), env=env)
    assert r.exit_code == 0, r.stderr
    assert EmbeddedStore(store_dir, read_only=True).documents()[0].slug == "calais-2014-07-10"


@pytest.mark.server
def test_the_same_commands_against_a_server(oxigraph, record_path: Path) -> None:
    ep = ["--endpoint", oxigraph.url, "--retries", "0"]
    unused = oxigraph.location.parent / "never-created"
    r = run("load", str(record_path), *ep, env={"ARCHIVE_STORE": str(unused)})
    assert r.exit_code == 0, r.output + r.stderr
    assert "1 loaded" in r.output and not unused.exists()  # the command line wins
    [doc] = json.loads(run("list", *ep, "--format", "json").output)
    assert doc["slug"] == "calais-2014-07-10"
    r = run("query", "co-signatories-of", "-p", "signatory=org/gisti", *ep, "--format", "csv")
    assert len(r.output.splitlines()) == 26
    r = run("describe", *ep)
    g = Graph().parse(data=r.output, format="turtle")
    assert (
        URIRef("https://advocacy-archive.example/dataset"),
        VOID.sparqlEndpoint,
        URIRef(f"{oxigraph.url}/query"),
    ) in g
    r = run("export", *ep, "--format", "nquads")
    assert len(r.output.splitlines()) == doc["triples"]
    r = run("remove", "calais-2014-07-10", *ep)
    assert r.exit_code == 0


# --- small things seen --------------------------------------------------------------------------


def test_the_same_file_twice_in_one_load_is_one_file(store_dir: Path, record_path: Path) -> None:
    r = run(
        "load",
        str(record_path),
        str(record_path),
        str(record_path.parent),
        "--store",
        str(store_dir),
    )
    assert r.exit_code == 0, r.output + r.stderr
    assert "1 loaded, 0 replaced, 0 unchanged, 0 failed; 0 file(s) not loaded; 1 file(s)" in (
        r.output
    )


def test_two_files_that_give_the_same_document_are_refused_naming_both(
    store_dir: Path, record_path: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin.xml"
    twin.write_text(record_path.read_text(encoding="utf-8") + "<!-- a copy -->\n", "utf-8")
    # in one load: the second file is refused, naming the first
    r = run("load", str(record_path), str(twin), "--store", str(store_dir))
    assert r.exit_code == 1
    assert f"{twin}: failed: refused: it gives the document" in r.output
    assert f"which {record_path} also gives in this load" in r.output
    assert "1 loaded" in r.output and "1 failed" in r.output
    # in a later load, against the file the document came from: the same refusal
    r = run("load", str(twin), "--store", str(store_dir))
    assert r.exit_code == 1
    assert "already in the store from calais-2014-07-10.xml" in r.output
    assert "archive remove calais-2014-07-10" in r.output
    [doc] = json.loads(run("list", "--store", str(store_dir), "--format", "json").output)
    assert doc["source"] == "calais-2014-07-10.xml"  # untouched
    # the same through the Python API (every command that loads goes through it)
    from archive.rdf.extract import extract_file
    from archive.store import open_store

    with open_store(store_dir) as store:
        [result] = store.load(extract_file(twin).documents)
    assert result.outcome.value == "failed" and "already in the store" in (result.error or "")


@pytest.mark.parametrize(
    "command",
    [["list"], ["stats"], ["query", "entity", "-p", "entity=org/x"], ["export"], ["describe"]],
)
def test_reading_commands_never_write(command, loaded: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run(*command, "--store", str(empty))
    assert r.exit_code == 2 and "an empty folder at" in r.stderr
    assert list(empty.iterdir()) == []  # no database created there
    before = {f.name: (f.stat().st_mtime_ns, f.stat().st_size) for f in loaded.iterdir()}
    r = run(*command, "--store", str(loaded))
    assert r.exit_code == 0, r.stderr
    after = {f.name: (f.stat().st_mtime_ns, f.stat().st_size) for f in loaded.iterdir()}
    assert after == before  # not a byte of the store's folder changed


def test_stats_keeps_the_latest_date_when_a_document_is_undated(store_dir: Path) -> None:
    from archive.store import open_store

    from .synthetic import Letter, build

    undated = build(Letter("undated", "Undated", "2015"))
    undated.date = None
    with open_store(store_dir) as store:
        store.load(
            [
                build(Letter("early", "Early", "2011-02-03")),
                undated,
                build(Letter("late", "Late", "2019-12")),
            ]
        )
    stats = json.loads(run("stats", "--store", str(store_dir), "--format", "json").output)
    assert (stats["earliest"], stats["latest"], stats["undated"]) == ("2011-02-03", "2019-12", 1)


def test_export_streams_to_a_file_atomically(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "dump.nq"
    out.write_text("old")
    r = run("export", "--store", str(loaded), "--include-internal", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    graphs = {type(q.graph_name).__name__ for q in quads}
    assert graphs == {"NamedNode", "DefaultGraph"}  # documents, the store's graphs, merged
    assert not list(tmp_path.glob(".dump.nq.*"))  # no temporary file left


PERSONOGRAPHY = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt><title>People named in the letters</title></titleStmt>
<publicationStmt><p>unpublished</p></publicationStmt>
<sourceDesc><p>born digital</p></sourceDesc></fileDesc></teiHeader>
<text><body><head>People</head><p>The people the letters name.</p>
<listPerson type="authority">
<person xml:id="g1"><persName>J. W. von Goethe</persName><idno type="GND">118540238</idno></person>
<person xml:id="s1"><persName>Friedrich Schiller</persName>
  <idno type="GND">118607626</idno></person>
</listPerson></body></text></TEI>
"""


def test_an_authority_file_is_listed_apart_and_never_an_undated_document(
    loaded: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.xml"
    people.write_text(PERSONOGRAPHY, encoding="utf-8")
    r = run("load", str(people), "--store", str(loaded), "--level", "tei")
    assert r.exit_code == 0, r.output + r.stderr
    stats = json.loads(run("stats", "--store", str(loaded), "--format", "json").output)
    assert (stats["documents"], stats["authority_files"], stats["undated"]) == (1, 1, 0)
    text = run("stats", "--store", str(loaded)).output
    assert "authority files:              1" in text and "undated documents:            0" in text
    table = run("list", "--store", str(loaded), "--format", "table").output
    documents, apart = table.split("authority files")
    assert "calais-2014-07-10" in documents and "people" not in documents
    assert "people" in apart and "People named in the letters" in apart
    assert table.rstrip().endswith("1 document, 1 authority file")
    rows = run("list", "--store", str(loaded), "--format", "tsv").output.splitlines()
    assert rows[0].split("\t")[-1] == "kind"
    assert [(r.split("\t")[0], r.split("\t")[-1]) for r in rows[1:]] == [
        ("calais-2014-07-10", "document"),
        ("people", "authority"),
    ]
    listed = json.loads(run("list", "--store", str(loaded), "--format", "json").output)
    assert [d.get("kind") for d in listed] == [None, "authority"]
    # the search index counts it among the catalog's entries: in step after the load
    from archive.store import open_store
    from archive.store.search import SearchIndex, index_path

    with open_store(loaded, read_only=True) as store:
        index = SearchIndex(index_path(store, None), store.base)
        assert index.in_step(store)


def test_an_update_is_refused_as_an_update_and_stats_check_reads_plainly(loaded: Path) -> None:
    r = run("query", "--store", str(loaded), "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert r.exit_code == 2
    assert "this is a SPARQL Update, and queries are read-only" in r.stderr
    r = run("stats", "--store", str(loaded), "--check")
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("indexes in step:"))
    assert line.split(":", 1)[1].split() == [
        "cosignatories", "yes,", "addressee-years", "yes,", "merged", "graph", "yes"
    ]  # fmt: skip


def test_a_store_is_never_written_among_other_files(tmp_path: Path, record_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("mine")
    r = run("load", str(record_path), "--store", str(folder))
    assert r.exit_code == 2
    assert "holds other files and no store" in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["readme.txt"]


def test_an_edited_copy_with_the_name_of_a_loaded_file_is_not_its_new_version_in_one_load(
    tmp_path: Path, record_path: Path
) -> None:
    """The store knows a source by its file name. Loading the original (already in the store)
    with an edited copy of the same name from another folder refuses the copy, naming the
    original, instead of replacing the document with it unseen."""
    store = str(tmp_path / "s")
    assert run("load", str(record_path), "--store", store).exit_code == 0
    copy = tmp_path / "other" / record_path.name
    copy.parent.mkdir()
    copy.write_text(record_path.read_text(encoding="utf-8").replace("Calais", "Calays", 1))
    r = run("load", str(record_path), str(copy), "--store", store)
    assert r.exit_code == 1
    assert "0 replaced, 1 unchanged, 1 failed" in r.output
    assert f"which {record_path} also gives in this load" in r.output


def test_a_load_that_loads_nothing_keeps_no_new_store(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<x/>")
    r = run("load", str(bad), "--store", str(tmp_path / "s"))
    assert r.exit_code == 1
    assert "no store was kept" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xml"]
    r = run("list", "--store", str(tmp_path / "s"))
    assert r.exit_code == 2 and "no store at" in r.stderr
