"""OAI-PMH 2.0 at /oai on the embedded store: the verbs, the formats, the sets, the dates and
every error condition, each response validated against OAI-PMH.xsd and oai_dc.xsd."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from lxml import etree

from archive.oai.tokens import Position, encode
from archive.store.embedded import EmbeddedStore
from archive.store.search import update_after_remove

from ..conftest import RECORD
from .conftest import (
    BASE,
    DC,
    OAI,
    PAGE,
    Client,
    error_code,
    identifiers,
    letters,
    load,
    make_app,
    token_of,
)
from .xsd import validate

CALAIS = f"{BASE}/id/document/calais-2014-07-10"
TEI_NS = "http://www.tei-c.org/ns/1.0"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@dataclass
class Archive:
    store: EmbeddedStore
    client: Client
    live: list[str]  # document IRIs
    removed: str  # the IRI of a removed document


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("oai")
    store = EmbeddedStore(root / "store", base=BASE)
    load(store, [RECORD, *letters(root, 16, 0)])
    gone = [d for d in store.documents() if d.document != CALAIS][3]
    store.remove(gone.graph)
    update_after_remove(store, [gone.graph])
    live = sorted(d.document for d in store.documents() if d.document)
    yield Archive(store, Client(make_app(store)), live, gone.document or "")
    store.close()


def harvest(client: Client, verb: str = "ListIdentifiers", **args: str) -> list[etree._Element]:
    """Every page of a list request, following the resumption tokens."""
    pages = [client.get(verb=verb, **args)]
    while (token := token_of(pages[-1])) is not None:
        pages.append(client.get(verb=verb, resumptionToken=token))
    return pages


def headers(pages: list[etree._Element]) -> list[etree._Element]:
    return [h for p in pages for h in p.iter(f"{OAI}header")]


# -- Identify, formats, sets --------------------------------------------------------------------


def test_identify(archive: Archive) -> None:
    root = archive.client.get(verb="Identify")
    ident = root.find(f"{OAI}Identify")
    assert ident.findtext(f"{OAI}baseURL") == "http://testserver/oai"
    assert ident.findtext(f"{OAI}protocolVersion") == "2.0"
    assert ident.findtext(f"{OAI}deletedRecord") == "persistent"
    assert ident.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    first = min(d.modified for d in archive.store.documents())
    assert ident.findtext(f"{OAI}earliestDatestamp") <= first
    described = " ".join(e.text for e in ident.iter(f"{DC}description"))
    assert "type:open-letter" in described and "year:2014" in described
    assert root.find(f"{OAI}request").get("verb") == "Identify"


def test_list_metadata_formats(archive: Archive) -> None:
    root = archive.client.get(verb="ListMetadataFormats")
    prefixes = [e.text for e in root.iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc", "tei", "rdf"]
    one = archive.client.get(verb="ListMetadataFormats", identifier=CALAIS)
    assert [e.text for e in one.iter(f"{OAI}metadataPrefix")] == prefixes


def test_list_sets_by_type_and_year(archive: Archive) -> None:
    root = archive.client.get(verb="ListSets")
    specs = [e.text for e in root.iter(f"{OAI}setSpec")]
    assert {"type", "type:open-letter", "year", "year:2014"} <= set(specs)
    years = {d.date[:4] for d in archive.store.documents() if d.date}
    assert {s.split(":")[1] for s in specs if s.startswith("year:")} == years


def test_set_selective_harvest(archive: Archive) -> None:
    pages = harvest(archive.client, metadataPrefix="oai_dc", set="year:2014")
    live = [h for h in headers(pages) if h.get("status") != "deleted"]
    want = {d.document for d in archive.store.documents() if (d.date or "").startswith("2014")}
    assert {h.findtext(f"{OAI}identifier") for h in live} == want
    assert all("year:2014" in [s.text for s in h.iter(f"{OAI}setSpec")] for h in live)
    # the parent set holds every dated document; a set nothing is in matches nothing
    parent = headers(harvest(archive.client, metadataPrefix="oai_dc", set="year"))
    assert len([h for h in parent if h.get("status") != "deleted"]) == len(archive.live)
    # a set no document is in: only the removal (whose sets are no longer known) is listed
    none = archive.client.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="year:1700")
    assert [h.get("status") for h in none.iter(f"{OAI}header")] == ["deleted"]


# -- records ------------------------------------------------------------------------------------


def test_get_record_oai_dc_mapping(archive: Archive) -> None:
    root = archive.client.get(verb="GetRecord", identifier=CALAIS, metadataPrefix="oai_dc")
    dc = root.find(f".//{OAI}metadata")[0]

    def values(name: str) -> list[str]:
        return [e.text for e in dc.iter(f"{DC}{name}")]

    assert values("title")[0].startswith("Open letter to the French Prime Minister")
    assert "Migreurop" in values("creator") and "ATTAC" in values("creator")
    assert "Manuel Valls" not in values("creator")  # an addressee, not a creator
    assert {"asylum", "human rights", "Calais"} <= set(values("subject"))
    assert values("date") == ["2014-07-10"]
    assert values("type") == ["open letter", "Text"]
    assert values("language") == ["en"]
    assert values("identifier") == [CALAIS]
    assert values("rights") == ["https://creativecommons.org/licenses/by/4.0/"]
    assert values("relation") == [f"{BASE}/id/work/press-release-2014-07-02"]
    assert {"Calais", "Sangatte", "Lille"} <= set(values("coverage"))
    header = root.find(f".//{OAI}header")
    assert [s.text for s in header.iter(f"{OAI}setSpec")] == ["type:open-letter", "year:2014"]
    info = archive.store.find(CALAIS)
    assert header.findtext(f"{OAI}datestamp") == info.modified


def test_get_record_tei_is_the_whole_file(archive: Archive) -> None:
    root = archive.client.get(verb="GetRecord", identifier=CALAIS, metadataPrefix="tei")
    tei = root.find(f".//{OAI}metadata")[0]
    assert etree.QName(tei).namespace == TEI_NS and etree.QName(tei).localname == "TEI"
    original = etree.parse(str(RECORD)).getroot()
    c14n = {"method": "c14n", "exclusive": True}
    assert etree.tostring(tei, **c14n) == etree.tostring(original, **c14n)


def test_get_record_rdf_is_the_document_graph(archive: Archive) -> None:
    root = archive.client.get(verb="GetRecord", identifier=CALAIS, metadataPrefix="rdf")
    rdf = root.find(f".//{OAI}metadata")[0]
    assert etree.QName(rdf).namespace == RDF_NS
    got = [q.triple for q in ox.parse(etree.tostring(rdf), format=ox.RdfFormat.RDF_XML)]
    graph = archive.store.find(CALAIS).graph
    want = [q.triple for q in archive.store.quads(graph)]
    assert len(got) == len(want)
    named = lambda ts: {t for t in ts if not any(isinstance(x, ox.BlankNode) for x in t)}  # noqa: E731
    assert named(got) == named(want)


def test_list_records_pages_and_formats(archive: Archive) -> None:
    for prefix in ("oai_dc", "tei", "rdf"):
        pages = harvest(archive.client, "ListRecords", metadataPrefix=prefix)
        if prefix != "tei":
            assert len(pages) == -(-(len(archive.live) + 1) // PAGE)
        else:  # a page ends where two TEI files would share an xml:id (the parser refuses it)
            assert len(pages) > -(-(len(archive.live) + 1) // PAGE)
        records = [r for p in pages for r in p.iter(f"{OAI}record")]
        ids = [r.findtext(f"{OAI}header/{OAI}identifier") for r in records]
        assert sorted(ids) == sorted([*archive.live, archive.removed])
        for r in records:
            deleted = r.find(f"{OAI}header").get("status") == "deleted"
            assert (r.find(f"{OAI}metadata") is None) == deleted
        # the closing token is empty, its cursor counts the records sent before
        last = pages[-1].find(f".//{OAI}resumptionToken")
        before = sum(len(list(p.iter(f"{OAI}record"))) for p in pages[:-1])
        assert last.text is None and int(last.get("cursor")) == before


def test_deleted_record(archive: Archive) -> None:
    root = archive.client.get(verb="GetRecord", identifier=archive.removed, metadataPrefix="oai_dc")
    header = root.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert root.find(f".//{OAI}metadata") is None
    listed = headers(harvest(archive.client, metadataPrefix="oai_dc"))
    deleted = [h.findtext(f"{OAI}identifier") for h in listed if h.get("status") == "deleted"]
    assert deleted == [archive.removed]
    # the removal is the latest change: it comes last, with the latest datestamp
    assert listed[-1].get("status") == "deleted"
    formats = archive.client.get(verb="ListMetadataFormats", identifier=archive.removed)
    assert error_code(formats) == "noMetadataFormats"


# -- dates --------------------------------------------------------------------------------------


def test_from_until_day_and_second(archive: Archive) -> None:
    stamps = sorted({d.modified for d in archive.store.documents()})
    day = stamps[0][:10]
    by_day = identifiers(
        archive.client.get(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day})
    )
    assert by_day  # everything was loaded today
    last = stamps[-1]
    pages = harvest(archive.client, metadataPrefix="oai_dc", **{"from": last, "until": last})
    got = {i for p in pages for i in identifiers(p)}
    want = {d.document for d in archive.store.documents() if d.modified == last}
    assert want <= got  # and the removal, if it took the same second
    assert got - want <= {archive.removed}
    before = archive.client.get(verb="ListIdentifiers", metadataPrefix="oai_dc", until="2000-01-01")
    assert error_code(before) == "noRecordsMatch"
    future = archive.client.get(
        verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2999-01-01T00:00:00Z"}
    )
    assert error_code(future) == "noRecordsMatch"


# -- errors -------------------------------------------------------------------------------------

ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ""}, "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ({"verb": "Identify", "set": "x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    (
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2014-13-01"}, "badArgument"),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2014-01-01T00:00:00"},
        "badArgument",
    ),
    (
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2014-01-01",
            "until": "2015-01-01T00:00:00Z",
        },
        "badArgument",
    ),
    (
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2015-01-01",
            "until": "2014-01-01",
        },
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "not a set"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": CALAIS}, "badArgument"),
    ({"verb": "ListIdentifiers", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListIdentifiers", "resumptionToken": "e30"}, "badResumptionToken"),
    (
        {
            "verb": "ListRecords",
            "resumptionToken": encode(
                Position("ListIdentifiers", "oai_dc", None, None, None, 3, 3)
            ),
        },
        "badResumptionToken",
    ),
    (
        {
            "verb": "ListRecords",
            "resumptionToken": encode(Position("ListRecords", "marc", None, None, None, 3, 3)),
        },
        "badResumptionToken",
    ),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    (
        {"verb": "GetRecord", "identifier": CALAIS, "metadataPrefix": "marc21"},
        "cannotDisseminateFormat",
    ),
    (
        {
            "verb": "GetRecord",
            "identifier": f"{BASE}/id/document/nothing",
            "metadataPrefix": "oai_dc",
        },
        "idDoesNotExist",
    ),
    (
        {"verb": "GetRecord", "identifier": "not even a URI", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    ({"verb": "ListMetadataFormats", "identifier": f"{BASE}/id/org/gisti"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-12-31"}, "noRecordsMatch"),
]


@pytest.mark.parametrize(("args", "code"), ERRORS)
def test_error_conditions(archive: Archive, args, code: str) -> None:
    pairs = list(args.items()) if isinstance(args, dict) else args
    root = archive.client.get(*pairs)
    assert error_code(root) == code
    request = root.find(f"{OAI}request")
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # the protocol: no attributes echoed
    assert request.text == "http://testserver/oai"


def test_post_is_answered_like_get(archive: Archive) -> None:
    by_post = archive.client.post(verb="ListIdentifiers", metadataPrefix="oai_dc")
    by_get = archive.client.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers(by_post) == identifiers(by_get)
    assert error_code(archive.client.post(verb="Nope")) == "badVerb"
    wrong = archive.client.http.post(
        "/oai", content=b"verb=Identify", headers={"content-type": "text/plain"}
    )
    assert wrong.status_code == 415


def test_hostile_arguments_never_fail(archive: Archive) -> None:
    for query in (
        "verb=%FF%FE",
        "verb=Identify&%00=1",
        "verb=GetRecord&identifier=%01&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=a%20b",
        "verb=GetRecord&identifier=%3Cx%3E&metadataPrefix=oai%0Adc",
        "&&&=",
        "verb=ListRecords&resumptionToken=" + "A" * 5000,
    ):
        r = archive.client.http.get("/oai?" + query)
        assert r.status_code == 200
        assert error_code(validate(r.content)) in ("badVerb", "badArgument", "badResumptionToken")


def test_empty_store_has_no_set_hierarchy(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "empty", base=BASE)
    try:
        client = Client(make_app(store, tmp_path / "index.sqlite"))
        assert error_code(client.get(verb="ListSets")) == "noSetHierarchy"
        root = client.get(verb="ListRecords", metadataPrefix="oai_dc", set="year:2014")
        assert error_code(root) == "noSetHierarchy"
        assert (
            error_code(client.get(verb="ListRecords", metadataPrefix="oai_dc")) == "noRecordsMatch"
        )
        client.get(verb="Identify")  # valid, with an earliest datestamp even so
    finally:
        store.close()


def test_tokens_survive_a_restart(archive: Archive) -> None:
    """A token holds the position, not a session: a new application continues the list."""
    first = archive.client.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = token_of(first)
    other = Client(make_app(archive.store))
    rest = harvest(other, resumptionToken=token)
    ids = identifiers(first) + [i for p in rest for i in identifiers(p)]
    assert sorted(ids) == sorted([*archive.live, archive.removed])


def test_description_from_the_tei_header() -> None:
    """The graph keeps no abstract: dc:description comes from the header when it states one."""
    from archive.oai.formats import dublin_core
    from archive.oai.records import Facts
    from archive.store.catalog import DocumentInfo

    tei = RECORD.read_bytes().replace(
        b"<profileDesc>",
        b'<profileDesc><abstract xml:lang="fr"><p>Une lettre <hi>ouverte</hi>.</p></abstract>',
        1,
    )
    info = DocumentInfo(
        CALAIS.replace("/id/document/", "/graph/"), CALAIS, "x", None, None, 0, None
    )
    dc = dublin_core(info, Facts(), tei)
    (description,) = dc.iter(f"{DC}description")
    assert description.text == "Une lettre ouverte."
    assert description.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert not list(dublin_core(info, Facts(), RECORD.read_bytes()).iter(f"{DC}description"))
