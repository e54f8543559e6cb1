"""CMIF export: valid against the Correspondence SIG's schema and Schematron, faithful to the
records, and a round trip that keeps the correspondence part of every document's graph."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from archive.errors import UsageError
from archive.interchange import CmifHeader, cmif_bytes, cmif_url, correspondence_graph
from archive.interchange.cmif import edition_id
from archive.rdf.extract import extract_file
from archive.rdf.namespaces import ARC, SCHEMA
from archive.store.embedded import EmbeddedStore
from archive.synth.generate import generate_corpus
from archive.tei.cmif import check_cmif
from archive.tei.parse import TEI_NS, parse_bytes

T = {"t": TEI_NS}
BASE = "https://advocacy-archive.example"
FIXED = CmifHeader(date="2026-11-26T12:00:00Z")
ARCHIVE_BIN = Path(sys.executable).parent / "archive"

# Letters written for these tests: what the Calais record and the synthetic letters do not
# exercise (GND, VIAF and GeoNames identifiers, a place of sending, a date range with CMIF's
# certainty and evidence, blind copies, a letter with no addressee, a press release).
RICH = """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="{slug}">
  <teiHeader>
    <fileDesc>
      <titleStmt><title type="main">{title}</title></titleStmt>
      <publicationStmt>
        <publisher>Test</publisher><idno type="archive">{slug}</idno>
      </publicationStmt>
      <sourceDesc><p>Written for the tests.</p></sourceDesc>
    </fileDesc>
    <profileDesc>{corresp}</profileDesc>
  </teiHeader>
  <standOff>
    <listPerson>
      <person xml:id="goethe"><persName>Johann Wolfgang von Goethe</persName>
        <idno type="GND">118540238</idno><idno type="URI">https://viaf.org/viaf/24602065/</idno></person>
      <person xml:id="anna"><persName xml:lang="de">Anna Beispiel</persName></person>
      <person xml:id="karl"><persName>Karl Muster</persName></person>
    </listPerson>
    <listOrg>
      <org xml:id="society" type="association"><orgName>Weimar Reading Society</orgName></org>
    </listOrg>
    <listPlace><place xml:id="weimar" type="city"><placeName>Weimar</placeName>
      <idno type="URI">https://www.geonames.org/2812482/weimar.html</idno></place>
      <place xml:id="jena" type="city"><placeName>Jena</placeName></place></listPlace>
  </standOff>
  <text><body><div type="letter"><p>Text.</p></div></body></text>
</TEI>
"""
LETTER_RANGE = """<correspDesc>
      <correspAction type="sent"><persName ref="#goethe"/><orgName ref="#society"/>
        <placeName ref="#weimar"/>
        <date notBefore="1800-01-01" notAfter="1800-02-15" cert="low"/></correspAction>
      <correspAction type="received"><persName ref="#anna"/><placeName ref="#jena"/>
        <date when="1800-02-20"/></correspAction>
      <correspAction type="received" subtype="bcc"><persName ref="#karl"/></correspAction>
    </correspDesc>"""
LETTER_CONJECTURE = """<correspDesc>
      <correspAction type="sent">
        <persName ref="#anna"/><date when="1801-03" evidence="conjecture"/></correspAction>
      <correspAction type="received"><persName ref="#goethe"/></correspAction>
    </correspDesc>"""
LETTER_NO_ADDRESSEE = """<correspDesc>
      <correspAction type="sent"><persName ref="#karl"/><date when="1802"/></correspAction>
    </correspDesc>"""


def rich_files(folder: Path) -> list[Path]:
    letters = {
        "rich-range": ("A letter dated by a range", LETTER_RANGE),
        "rich-conjecture": ("A letter dated by conjecture", LETTER_CONJECTURE),
        "rich-no-addressee": ("A letter to nobody named", LETTER_NO_ADDRESSEE),
        "rich-press-release": ("A press release", ""),
    }
    out = []
    for slug, (title, corresp) in letters.items():
        path = folder / f"{slug}.xml"
        path.write_text(RICH.format(slug=slug, title=title, corresp=corresp), encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, record_path: Path) -> Path:
    d = tmp_path_factory.mktemp("cmif")
    generate_corpus(12, 5, d / "synthetic")
    (d / "records").mkdir()
    (d / "records" / record_path.name).write_bytes(record_path.read_bytes())
    (d / "rich").mkdir()
    rich_files(d / "rich")
    return d


def extract_all(paths: list[Path]) -> list:
    return [doc for p in paths for doc in extract_file(p).documents]


@pytest.fixture(scope="module")
def calais_docs(record_path: Path) -> list:
    return extract_file(record_path).documents


@pytest.fixture(scope="module")
def synthetic_docs(folder: Path) -> list:
    return extract_all(sorted((folder / "synthetic").glob("*.xml")))


@pytest.fixture(scope="module")
def rich_docs(folder: Path) -> list:
    return extract_all(sorted((folder / "rich").glob("*.xml")))


@pytest.fixture(scope="module")
def all_docs(calais_docs, synthetic_docs, rich_docs) -> list:
    return calais_docs + synthetic_docs + rich_docs


@pytest.fixture(scope="module")
def export(all_docs):
    return cmif_bytes(all_docs, header=FIXED)


@pytest.fixture(scope="module")
def tree(export) -> etree._ElementTree:
    return parse_bytes(export.data).tree


def read_back(data: bytes, folder: Path, name: str = "export.xml") -> list:
    path = folder / name
    path.write_bytes(data)
    return extract_file(path).documents


def same(a, b) -> bool:
    """Isomorphic, and if not, say what differs (to read in the failure)."""
    if isomorphic(a, b):
        return True
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    for t in sorted(only_a)[:15]:
        print("only in the original:", t)
    for t in sorted(only_b)[:15]:
        print("only after the round trip:", t)
    return False


# --- valid CMIF ----------------------------------------------------------------------------


def test_the_export_is_valid_cmif(tree) -> None:
    """The Correspondence SIG's RELAX NG schema and Schematron (vendored, unchanged), errors
    and warnings alike."""
    assert check_cmif(tree, "export.xml") == []


def test_the_check_would_see_a_broken_export(export) -> None:
    broken = parse_bytes(export.data).tree
    first = broken.find(f".//{{{TEI_NS}}}correspDesc")
    for action in first.findall(f"{{{TEI_NS}}}correspAction[@type='received']"):
        first.remove(action)
    first.set("source", "#elsewhere")
    rules = {f.rule for f in check_cmif(broken, "broken.xml")}
    assert {"cmif.schematron.E0002", "cmif.schematron.E0003"} <= rules


def test_one_correspdesc_per_letter_and_nothing_else(export, tree, all_docs) -> None:
    refs = tree.xpath("//t:correspDesc/@ref", namespaces=T)
    assert export.letters == len(refs) == len(all_docs) - 1
    assert export.skipped == [f"{BASE}/id/document/rich-press-release"]
    assert len(set(refs)) == len(refs)


def test_correspdesc_points_at_the_document_page_and_the_edition(tree) -> None:
    calais = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='calais-2014-07-10']")
    assert calais.get("ref") == f"{BASE}/document/calais-2014-07-10.html"
    bibl = tree.find(f".//{{{TEI_NS}}}sourceDesc/{{{TEI_NS}}}bibl")
    assert calais.get("source") == "#" + bibl.get("{http://www.w3.org/XML/1998/namespace}id")
    assert tree.findtext(f".//{{{TEI_NS}}}publicationStmt/{{{TEI_NS}}}idno") == cmif_url()


def test_the_edition_uuid_is_static_per_base() -> None:
    one = edition_id(BASE)
    assert one == edition_id(BASE) != edition_id("https://other.example")
    assert re.fullmatch(
        r"[a-f][0-9a-f]{7}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", one
    )


def test_names_are_written_out(tree) -> None:
    names = tree.xpath("//t:correspAction/*[not(self::t:date)]", namespaces=T)
    assert names and all((n.text or "").strip() for n in names)
    assert not tree.xpath("//t:correspAction/*[not(self::t:date)][*]", namespaces=T)


def test_the_calais_letter(tree) -> None:
    cd = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='calais-2014-07-10']")
    sent, to, cc = cd.findall(f"{{{TEI_NS}}}correspAction")
    assert len(sent.findall(f"{{{TEI_NS}}}orgName")) == 26  # organisations as senders, kept
    pcf = sent.find(f"{{{TEI_NS}}}orgName[@ref='http://www.wikidata.org/entity/Q192821']")
    assert pcf.text == "Parti communiste français"
    # a translation is dated by its original: the letter that was sent on 10 July 2014
    assert sent.find(f"{{{TEI_NS}}}date").attrib == {"when": "2014-07-10"}
    assert to.get("subtype") is None
    assert {p.get("ref") for p in to} == {
        "http://www.wikidata.org/entity/Q10287",
        "http://www.wikidata.org/entity/Q560890",
    }
    assert cc.get("subtype") == "cc"
    copies = {(etree.QName(p).localname, p.get("type"), p.text) for p in cc}
    assert ("orgName", None, "Home Office") in copies
    assert ("persName", None, "Prime Minister of the United Kingdom") in copies
    assert (
        "name",
        "group",
        "Vice-Presidents of the Civil Liberties, Justice and Home Affairs committee of the "
        "European Parliament",
    ) in copies


def test_authorities_in_the_forms_cmif_expects(tree) -> None:
    cd = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='rich-range']")
    goethe = cd.find(f".//{{{TEI_NS}}}persName[.='Johann Wolfgang von Goethe']")
    assert goethe.get("ref") == "http://viaf.org/viaf/24602065 http://d-nb.info/gnd/118540238"
    weimar = cd.find(f".//{{{TEI_NS}}}placeName")
    assert (weimar.get("ref"), weimar.text) == ("http://www.geonames.org/2812482", "Weimar")
    assert weimar.getparent().get("type") == "sent"
    society = cd.find(f".//{{{TEI_NS}}}orgName")
    assert society.text == "Weimar Reading Society" and society.get("ref") is None


def test_dates_as_the_record_states_them(tree, export) -> None:
    def date(key: str) -> dict:
        cd = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='{key}']")
        return dict(cd.find(f".//{{{TEI_NS}}}date").attrib)

    to = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='rich-range']/{{{TEI_NS}}}correspAction[2]")
    assert to.get("type") == "received" and to.get("subtype") is None
    assert [(etree.QName(el).localname, el.text, dict(el.attrib)) for el in to] == [
        ("persName", "Anna Beispiel", {}),
        ("placeName", "Jena", {}),
        ("date", None, {"when": "1800-02-20"}),
    ]
    assert date("rich-range") == {
        "notBefore": "1800-01-01",
        "notAfter": "1800-02-15",
        "cert": "low",
    }
    assert date("rich-conjecture") == {"when": "1801-03", "evidence": "conjecture"}
    undated = tree.xpath("//t:correspDesc[@ref][not(.//t:date)]", namespaces=T)
    assert undated == []  # every letter here has a date; none is invented for those without


def test_copies_blind_copies_and_the_unknown_addressee(tree, export) -> None:
    cd = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='rich-range']")
    bcc = cd.find(f"{{{TEI_NS}}}correspAction[@subtype='bcc']")
    assert [p.text for p in bcc] == ["Karl Muster"]
    lonely = tree.find(f".//{{{TEI_NS}}}correspDesc[@key='rich-no-addressee']")
    received = lonely.find(f"{{{TEI_NS}}}correspAction[@type='received']")
    assert [(p.tag, p.text) for p in received] == [(f"{{{TEI_NS}}}persName", "Unknown")]
    assert any("without an addressee" in note for note in export.notes)


def test_what_cmif_cannot_carry_is_counted_not_written(folder: Path) -> None:
    path = folder / "medium.xml"
    text = RICH.format(slug="medium", title="Medium", corresp=LETTER_RANGE)
    path.write_text(text.replace('cert="low"', 'cert="medium"'), encoding="utf-8")
    export = cmif_bytes(extract_file(path).documents, header=FIXED)
    assert b"cert=" not in export.data
    assert export.notes['date certainty "medium": dropped (CMIF allows only "low")'] == 1


# --- the round trip ------------------------------------------------------------------------


@pytest.mark.parametrize("corpus", ["calais_docs", "synthetic_docs", "rich_docs", "all_docs"])
def test_round_trip_keeps_the_correspondence(corpus: str, request, tmp_path: Path) -> None:
    """CMIF written, read back with `archive extract`'s reader: the same correspondence graph
    as the original documents' (letters, participants and who took part in which, kinds,
    names, authority IRIs, dates and places of sending and of receipt)."""
    docs = request.getfixturevalue(corpus)
    letters = [d for d in docs if d.uri != f"{BASE}/id/document/rich-press-release"]
    back = read_back(cmif_bytes(docs, header=FIXED).data, tmp_path)
    assert len(back) == len(letters)
    original = correspondence_graph(docs)
    assert same(original, correspondence_graph(back, by_url=True))
    assert len(original) > 5 * len(letters)  # not vacuous: every letter has its parts


def test_the_correspondence_part_holds_what_it_should(calais_docs) -> None:
    g = correspondence_graph(calais_docs)
    doc = URIRef(f"{BASE}/id/document/calais-2014-07-10")
    assert len(list(g.objects(doc, SCHEMA.sender))) == 26
    assert len(list(g.objects(doc, SCHEMA.toRecipient))) == 2
    assert len(list(g.objects(doc, SCHEMA.ccRecipient))) == 4
    assert len(list(g.objects(doc, ARC.ccAudience))) == 1
    assert g.value(doc, SCHEMA.dateCreated) == Literal(
        "2014-07-10", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")
    )
    valls = URIRef(f"{BASE}/id/person/wikidata-Q10287")
    assert g.value(valls, SCHEMA.name) == Literal("Manuel Valls")


@pytest.mark.parametrize(
    "change",
    [
        (b' subtype="cc"', b""),  # copies read as addressees
        (b"<orgName>Home Office</orgName>", b"<orgName>Home office</orgName>"),
        (b'<name type="group">', b"<persName>"),
        (b' ref="http://www.wikidata.org/entity/Q10287"', b""),
        (b'<date when="2014-07-10"/>', b'<date when="2014-07-11"/>'),
    ],
)
def test_the_round_trip_would_see_a_loss(change, calais_docs, tmp_path: Path) -> None:
    data = cmif_bytes(calais_docs, header=FIXED).data
    old, new = change
    assert old in data
    if old == b'<name type="group">':
        data = re.sub(rb'<name type="group">(.*?)</name>', rb"<persName>\1</persName>", data)
    else:
        data = data.replace(old, new, 1)
    back = read_back(data, tmp_path)
    assert not isomorphic(
        correspondence_graph(calais_docs), correspondence_graph(back, by_url=True)
    )


# --- the store ----------------------------------------------------------------------------


def test_the_store_gives_the_same_file_as_the_tei(folder: Path, all_docs, export) -> None:
    store = EmbeddedStore(folder / "store")
    try:
        store.load(all_docs)
        from_store = cmif_bytes(store, header=FIXED)
    finally:
        store.close()
    assert from_store.data == export.data
    assert from_store.letters == export.letters


def test_the_store_date_is_its_latest_load(folder: Path, calais_docs) -> None:
    store = EmbeddedStore(folder / "dated")
    try:
        store.load(calais_docs)
        loaded = store.documents()[0].loaded
        data = cmif_bytes(store).data
    finally:
        store.close()
    assert f'<date when="{loaded}"/>'.encode() in data


def test_header_options() -> None:
    header = CmifHeader(
        title="Letters",
        editor="Ada Example",
        editor_email="ada@example.org",
        publisher="Example Archive",
        url="https://example.org/cmif.xml",
        licence="cc0",
        date="2026-01-02T03:04:05Z",
    )
    tree = parse_bytes(cmif_bytes([], header=header).data).tree
    assert tree.findtext(".//t:editor/t:email", namespaces=T) == "ada@example.org"
    assert tree.find(".//t:licence", namespaces=T).get("target") == (
        "https://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert check_cmif(tree, "empty.xml") == []
    with pytest.raises(UsageError):
        CmifHeader(licence="cc-by-sa")
    with pytest.raises(UsageError):
        CmifHeader(date="yesterday")
    with pytest.raises(UsageError):
        CmifHeader(editor=" ")


# --- the command ---------------------------------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ARCHIVE_BIN), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_file(folder: Path, tmp_path: Path, record_path: Path) -> None:
    out = tmp_path / "cmif.xml"
    r = run(
        "cmif",
        str(record_path),
        str(folder / "rich"),
        "--out",
        str(out),
        "--date",
        "2026-11-26T12:00:00Z",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "4 letters from 5 documents in 2 paths; 1 document that is not correspondence" in (
        r.stderr
    )
    assert check_cmif(parse_bytes(out.read_bytes()).tree, out) == []


def test_cli_refuses_bad_input_and_writes_nothing(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmif.xml"
    out.write_text("before", encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><unclosed>", encoding="utf-8")
    r = run("cmif", str(folder / "rich"), str(bad), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1
    assert "nothing written" in r.stderr and "Traceback" not in r.stderr
    assert out.read_text(encoding="utf-8") == "before"
    r = run("cmif", "--store", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert r.returncode == 2 and "no store" in r.stderr
    r = run("cmif", str(folder / "rich"), "--date", "soon", cwd=tmp_path)
    assert r.returncode == 2 and "not an ISO 8601 date and time" in r.stderr
    r = run("cmif", str(folder / "rich"), "--licence", "cc-by-sa", cwd=tmp_path)
    assert r.returncode == 2


HOSTILE = {
    "entity-expansion": (
        '<?xml version="1.0"?>\n<!DOCTYPE TEI [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/>&b;</TEI>',
        "entity declarations are refused",
    ),
    "external-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/>&x;</TEI>',
        "entity declarations are refused",
    ),
    "empty": ("", "file is empty"),
}


@pytest.mark.parametrize("case", [*HOSTILE, "partial"])
def test_cli_refuses_hostile_and_partial_files(
    case: str, folder: Path, tmp_path: Path, record_path: Path
) -> None:
    """Hostile or cut-off TEI among good files: exit 1, the file named, the output left as it
    was (the export is written whole or not at all)."""
    bad = tmp_path / f"{case}.xml"
    if case == "partial":  # a transfer cut off half-way
        bad.write_bytes(record_path.read_bytes()[:20_000])
        expected = "not well-formed XML"
    else:
        text, expected = HOSTILE[case]
        bad.write_text(text, encoding="utf-8")
    out = tmp_path / "cmif.xml"
    out.write_text("the previous export", encoding="utf-8")
    r = run("cmif", str(folder / "rich"), str(bad), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert f"{bad.name}:" in r.stderr and expected in r.stderr
    assert "nothing written" in r.stderr and "Traceback" not in r.stderr
    assert out.read_text(encoding="utf-8") == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmif.xml", bad.name]


def test_cmif_unknown_is_nobody(tmp_path: Path) -> None:
    """CMIF writes an unknown participant as "Unknown": read back, it is no entity (two
    unknown addressees of two letters are not one person called Unknown)."""
    docs = extract_all(rich_files(tmp_path))
    data = cmif_bytes(docs, header=FIXED).data.replace(
        b"<persName>Anna Beispiel</persName>", b"<persName>Unknown</persName>"
    )
    path = tmp_path / "unknowns.xml"
    path.write_bytes(data)
    extraction = extract_file(path)
    nodes = {
        str(o) for d in extraction.documents for _, p, o in d.triples if p == SCHEMA.toRecipient
    }
    assert not any(n.endswith("-unknown") for n in nodes)
    assert sum(f.rule == "extract.participant-unknown" for f in extraction.findings) == 3


def test_receipt_is_in_the_graph(rich_docs, tmp_path: Path) -> None:
    """The date and place of receipt a record states are the document's (schema:dateReceived,
    arc:locationReceived), so the store and the CMIF file carry them; a range is said to be
    left out, not guessed."""
    g = correspondence_graph(rich_docs)
    doc = URIRef(f"{BASE}/id/document/rich-range")
    assert str(g.value(doc, SCHEMA.dateReceived)) == "1800-02-20"
    assert g.value(g.value(doc, ARC.locationReceived), SCHEMA.name) == Literal("Jena")
    path = tmp_path / "range.xml"
    text = RICH.format(slug="range", title="Range", corresp=LETTER_RANGE)
    path.write_text(text.replace('<date when="1800-02-20"/>', '<date notAfter="1800-03"/>'))
    extraction = extract_file(path)
    assert [f.rule for f in extraction.findings] == ["extract.receipt-range"]
    (doc_graph,) = extraction.documents
    assert not any(p == SCHEMA.dateReceived for _, p, _ in doc_graph.triples)
