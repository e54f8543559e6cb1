"""``archive new``: a draft record from a spreadsheet, valid at the project level, matched
against the store, and every malformed spreadsheet refused with its row and column."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from archive.cli import cli
from archive.errors import RecordInputError, UsageError
from archive.records import RecordInputs, new_record, read_people
from archive.records.people import parse_people
from archive.store.embedded import EmbeddedStore
from archive.tei.parse import TEI_NS, XML_ID, parse_bytes
from archive.validate.record import validate_file

T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS}
BASE = "https://advocacy-archive.example"

PEOPLE = """name,role,kind,place,authority,heading
Migreurop,sender,association-network,,,Association networks
Auberge des migrants,sender,association,Calais,,Associations
Collectif Nouveau,sender,association,Lille,,Associations
Parti communiste français,sender,political-party,,,Political parties
Europe Écologie Les Verts,sender,political-party,,https://www.wikidata.org/wiki/Q613786,\
Political parties
Manuel Valls,addressee,person,,http://www.wikidata.org/entity/Q10287,
Jeanne Exemple,addressee,person,,https://d-nb.info/gnd/118540238,
Home Office,copy,government-body,,,
Vice-Presidents of the committee,copy,group,,,
Migreurop,mentioned,association-network,,,
PCF,mentioned,political-party,,,
LDH,mentioned,association,,,
Parti communiste francais,mentioned,organisation,,,
"""
BODY = """Open letter to the Prime Minister

Dear Prime Minister,
the policy you pursue in Calais is that of your predecessors.

Signatories: Migreurop, Auberge des migrants (Calais), Collectif Nouveau (Lille).
"""


def inputs(**kw) -> RecordInputs:
    values = dict(
        title="Open letter on the camps (a test record)",
        date="2014-07-10",
        source="A PDF sent by one of the signatories",
        people=[],
        slug="test-letter-2014-07-10",
        today="2026-11-26",
    )
    values.update(kw)
    return RecordInputs(**values)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("new")
    (d / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (d / "body.txt").write_text(BODY, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, record_path: Path) -> Path:
    path = tmp_path_factory.mktemp("store") / "store"
    from archive.rdf.extract import extract_file

    store = EmbeddedStore(path)
    try:
        store.load(extract_file(record_path).documents)
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def drafted(files: Path, store_path: Path):
    store = EmbeddedStore(store_path)
    try:
        return new_record(inputs(), files / "people.csv", files / "body.txt", store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def tree(drafted) -> etree._Element:
    return parse_bytes(drafted.data).root


def by_id(root: etree._Element, xml_id: str) -> etree._Element:
    (el,) = root.xpath(f"//*[@xml:id='{xml_id}']")
    return el


# --- the draft ------------------------------------------------------------------------------


def test_the_draft_validates_at_the_project_level(drafted, tmp_path: Path) -> None:
    path = tmp_path / "draft.xml"
    path.write_bytes(drafted.data)
    report = validate_file(path).report  # every layer, as `archive validate` runs them
    assert report.errors() == []
    assert report.level == "project"


def test_the_draft_follows_the_practice(tree) -> None:
    assert tree.get(XML_ID) == "test-letter-2014-07-10"
    assert tree.findtext(".//t:idno[@type='archive']", namespaces=NS) == "test-letter-2014-07-10"
    assert tree.findtext(".//t:titleStmt/t:title[@type='main']", namespaces=NS).startswith("Open")
    assert tree.find(".//t:creation/t:date", namespaces=NS).get("when") == "2014-07-10"
    assert tree.find(".//t:catRef", namespaces=NS).get("target") == "#open-letter"
    sent = tree.find(".//t:correspAction[@type='sent']", namespaces=NS)
    assert [el.get("ref") for el in sent if el.tag != f"{T}date"] == [
        "#migreurop",
        "#auberge-des-migrants",
        "#collectif-nouveau",
        "#parti-communiste-francais",
        "#europe-ecologie-les-verts",
    ]
    assert sent.find("t:date", namespaces=NS).get("when") == "2014-07-10"
    cc = tree.find(".//t:correspAction[@subtype='cc']", namespaces=NS)
    assert [(etree.QName(el).localname, el.get("type")) for el in cc] == [
        ("orgName", None),
        ("rs", "group"),
    ]
    heads = tree.xpath("//t:standOff/t:listOrg[@type='signatories']/t:head/text()", namespaces=NS)
    assert heads == ["Association networks", "Associations", "Political parties"]
    assert by_id(tree, "auberge-des-migrants").find(f"{T}placeName").get("ref") == "#calais"
    assert by_id(tree, "collectif-nouveau").get("type") == "association"
    categories = tree.xpath(
        "//t:taxonomy[@xml:id='org-category']/t:category/@xml:id", namespaces=NS
    )
    assert set(categories) == {
        "association-network",
        "association",
        "political-party",
        "government-body",
    }


def test_what_needs_judgement_is_marked(tree, drafted) -> None:
    assert tree.find(".//t:revisionDesc", namespaces=NS).get("status") == "draft"
    note = tree.find(".//t:body/t:div/t:note[@type='todo']", namespaces=NS)
    assert "tag every organisation, person and place" in note.text
    assert tree.xpath("//t:text//*[@ref]", namespaces=NS) == []  # no name tagged by a guess
    assert [p.text for p in tree.iterfind(".//t:body/t:div/t:p", namespaces=NS)][1] == (
        "Dear Prime Minister, the policy you pursue in Calais is that of your predecessors."
    )
    assert any("tag the names in the text" in t for t in drafted.todo)
    assert any("near match" in t for t in drafted.todo)


def test_nothing_is_invented(tree) -> None:
    given = {
        "http://www.wikidata.org/entity/Q613786",
        "http://www.wikidata.org/entity/Q10287",
        "https://d-nb.info/gnd/118540238",
        "http://www.wikidata.org/entity/Q192821",  # the store's, for the same name and kind
    }
    assert set(tree.xpath("//t:idno[@type='URI']/text()", namespaces=NS)) == given
    assert set(tree.xpath("//@when", namespaces=NS)) == {"2014-07-10", "2026-11-26"}
    names = set(
        tree.xpath(
            "//t:standOff//*[self::t:orgName or self::t:persName or "
            "self::t:name or self::t:placeName][text()]/text()",
            namespaces=NS,
        )
    )
    assert names == {row.split(",")[0] for row in PEOPLE.splitlines()[1:]} | {"Calais", "Lille"}


def test_without_a_body_the_text_is_a_marked_gap(files: Path) -> None:
    record = new_record(inputs(), files / "people.csv")
    root = parse_bytes(record.data).root
    assert root.find(".//t:body/t:div/t:gap", namespaces=NS).get("reason") == "not transcribed"
    assert record.report.errors() == []
    assert record.todo[0].startswith("transcribe the text")


# --- the store ----------------------------------------------------------------------------


def test_exact_matches_are_the_same_node(drafted, tree) -> None:
    how = {e.name: (e.match.how, e.match.known.node) for e in drafted.matched}
    assert how["Migreurop"] == ("same name and kind", f"{BASE}/id/org/migreurop")
    assert how["Manuel Valls"] == ("same authority", f"{BASE}/id/person/wikidata-Q10287")
    assert how["Parti communiste français"] == (
        "same name and kind",
        f"{BASE}/id/org/wikidata-Q192821",
    )
    assert by_id(tree, "migreurop").tag == f"{T}org"  # the store's slug: the same node
    pcf = by_id(tree, "parti-communiste-francais")
    assert pcf.findtext(f"{T}idno") == "http://www.wikidata.org/entity/Q192821"
    assert "Collectif Nouveau" not in how and "Jeanne Exemple" not in how


def test_near_matches_are_suggested_never_applied(drafted, tree) -> None:
    suggested = {
        e.name: [(k.node.rsplit("/", 1)[-1], why) for k, why in e.match.suggestions]
        for e in drafted.suggestions
    }
    assert suggested["PCF"][0][0] == "wikidata-Q192821"
    assert "another name" in suggested["PCF"][0][1]
    assert suggested["LDH"][0][0] == "ldh"
    assert suggested["Parti communiste francais"][0][0] == "wikidata-Q192821"
    # not applied: its own slug (ldh is another node's), no authority taken from the store
    ldh = by_id(tree, "ldh-2")
    assert ldh.find(f"{T}idno") is None
    assert by_id(tree, "pcf").find(f"{T}idno") is None


def test_loaded_the_draft_shares_the_nodes(drafted, tmp_path: Path, record_path: Path) -> None:
    from archive.rdf.extract import extract_file

    path = tmp_path / "test-letter-2014-07-10.xml"
    path.write_bytes(drafted.data)
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.load(extract_file(record_path).documents + extract_file(path).documents)

        def graphs(node: str) -> int:
            q = (  # in documents' graphs, not the store's indexes
                f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?d ?p <{node}> }} "
                'FILTER(!CONTAINS(STR(?g), "/graph/_")) }'
            )
            return int(store.query(q).rows[0][0].value)

        assert graphs(f"{BASE}/id/org/migreurop") == 2
        assert graphs(f"{BASE}/id/org/wikidata-Q192821") == 2
        assert graphs(f"{BASE}/id/org/ldh") == 1  # a suggestion is not a match
        assert graphs(f"{BASE}/id/org/collectif-nouveau") == 1
    finally:
        store.close()


def test_a_slug_is_never_reused(files: Path, store_path: Path) -> None:
    store = EmbeddedStore(store_path)
    try:
        with pytest.raises(UsageError, match="already has a document"):
            new_record(inputs(slug="calais-2014-07-10"), files / "people.csv", store=store)
    finally:
        store.close()


# --- the spreadsheet ---------------------------------------------------------------------


def problems(data: bytes, tab: bool | None = None) -> list[str]:
    with pytest.raises(RecordInputError) as exc:
        parse_people(data, "people.csv", tab=tab)
    return [str(p) for p in exc.value.problems]


def test_every_problem_with_its_row_and_column() -> None:
    data = (
        b"name,role,kind,place,authority\n"
        b"Migreurop,sendr,association,,\n"
        b",sender,association,,\n"
        b"Gisti,sender,assocation,,\n"
        b"Manuel Valls,addressee,person,,https://www.wikidata.org/wiki/Manuel_Valls\n"
        b"Bernard Cazeneuve,addressee,person,,not a uri\n"
        b"Paris,mentioned,person,,http://www.geonames.org/2988507\n"
        b"Migreurop,sendr,association,,\n"
    )
    assert problems(data) == [
        "people.csv, row 2, column 'role': 'sendr' is not a role: use sender, addressee, copy, "
        "mentioned",
        "people.csv, row 3, column 'name': is empty: every row names someone or some body",
        "people.csv, row 4, column 'kind': 'assocation' is not a kind: use person, group, "
        "organisation, association-network, association, political-party, government-body, "
        "eu-institution, parliamentary-committee, higher-education-institution",
        "people.csv, row 5, column 'authority': 'https://www.wikidata.org/wiki/Manuel_Valls' is "
        "on an authority's site but is not the URI of one of its records (for example "
        "http://www.wikidata.org/entity/Q90, https://d-nb.info/gnd/118540238, "
        "http://viaf.org/viaf/24602065)",
        "people.csv, row 6, column 'authority': 'not a uri' is not a URI (nor URIs separated by "
        "spaces)",
        "people.csv, row 7, column 'authority': 'http://www.geonames.org/2988507' is a geonames "
        "URI: it identifies a place, not a person",
        "people.csv, row 8, column 'role': 'sendr' is not a role: use sender, addressee, copy, "
        "mentioned",
    ]


def test_missing_and_unknown_columns() -> None:
    assert problems(b"nom,role\nMigreurop,sender\n") == [
        "people.csv, row 1, column 'name': missing column (the header has 'nom', 'role'; the "
        "columns are name, role, kind, place, authority, heading; name, role, kind are "
        "required)",
        "people.csv, row 1, column 'kind': missing column (the header has 'nom', 'role'; the "
        "columns are name, role, kind, place, authority, heading; name, role, kind are "
        "required)",
        "people.csv, row 1, column 'nom': unknown column (use name, role, kind, place, "
        "authority, heading)",
    ]


def test_wrong_encoding_names_the_row() -> None:
    (message,) = problems(
        "name;role;kind\nGisti;sender;association\nRéseau;sender;association\n".encode("cp1252")
    )
    assert message.startswith("people.csv, row 3, column 'name': is not UTF-8: byte 0xe9")
    assert "Windows-1252" in message
    (message,) = problems(
        b"\xef\xbb\xbfname;role;kind;place\nGisti;sender;association;Saint-\xc9tienne\n"
    )
    assert message.startswith("people.csv, row 2, column 'place': is not UTF-8: byte 0xc9 at")


def test_contradictions_and_repeats() -> None:
    data = (
        b"name,role,kind,place,authority\n"
        b"Gisti,sender,association,Paris,\n"
        b"Gisti,sender,association,,\n"
        b"Gisti,mentioned,association,Lyon,\n"
        b"Valls,addressee,person,,http://www.wikidata.org/entity/Q10287\n"
        b"Valls,mentioned,person,,http://www.wikidata.org/entity/Q1\n"
    )
    assert problems(data) == [
        "people.csv, row 3, column 'name': repeats row 2 (same name, kind and role)",
        "people.csv, row 4, column 'place': row 2 gives 'Gisti' the place 'Paris'",
        "people.csv, row 6, column 'authority': row 5 gives 'Valls' another authority "
        "(http://www.wikidata.org/entity/Q10287)",
    ]


def test_malformed_and_hostile_files(tmp_path: Path) -> None:
    assert problems(b"") == [
        "people.csv, row 1: has no header row: name, role, kind, place, authority, heading"
    ]
    assert problems(b"name,role,kind\n") == ["people.csv: has a header but no rows"]
    assert "NUL" in problems(b"name,role,kind\nA\x00,sender,person\n")[0]
    (quote,) = problems(b'name,role,kind\n"Gisti,sender,association\n')
    assert quote.startswith("people.csv, row 2: a quoted cell opens on this row and is never")
    (late,) = problems(b'name,role,kind\n"Multi\nline",sender,person\n"Gisti,sender,person\n')
    assert late.startswith("people.csv, row 3: a quoted cell opens")  # rows, not lines
    assert problems(b"\xff\xfe\x00\xd8") == [
        "people.csv: starts as UTF-16 but byte 2 cannot be read; save it as 'CSV UTF-8'"
    ]
    big = tmp_path / "big.csv"
    big.write_bytes(b"name,role,kind\n" + b"x,sender,person\n" * 400_000)
    with pytest.raises(RecordInputError, match="the limit is"):
        read_people(big)


@pytest.mark.parametrize(
    "text, tab",
    [
        ("name\trole\tkind\nGisti\tsender\tassociation\n", True),
        ("\ufeffName;Role;Kind\nGisti;Sender;Association\n", None),
        ("name,role,kind,place\n\nGisti,sender,organization,Paris\n,,,\n", None),
    ],
)
def test_spreadsheet_dialects(text: str, tab: bool | None) -> None:
    (row,) = parse_people(text.encode(), "people.csv", tab=tab)
    assert (row.name, row.role, row.entity_kind) == ("Gisti", "sender", "org")
    (row,) = parse_people(text.encode("utf-16"), "people.csv", tab=tab)  # "Unicode text"
    assert (row.name, row.role, row.entity_kind) == ("Gisti", "sender", "org")


# Spreadsheets written the way archivists' software writes them, for letters nothing else in
# the tests describes: a French list from a spreadsheet in a French locale (semicolons, a
# byte-order mark, CRLF, quotes and a semicolon inside quoted cells, a blank row), a German one
# saved as TSV, with GND and VIAF identifiers and a plain-text body.
FRENCH = (
    "\ufeffName;Role;Kind;Place;Authority;Heading\r\n"
    '"Collectif ""Solidarité Migrants Wilson""";sender;association;Paris;;Associations\r\n'
    '"Cimade; service œcuménique d\'entraide";sender;association;;'
    "https://www.wikidata.org/wiki/Q2974012;Associations\r\n"
    "Élise Lucet-Ménard;sender;person;;;Personnalités\r\n"
    "Gérald Darmanin;addressee;person;;http://www.wikidata.org/entity/Q3103996;\r\n"
    ";;;;;\r\n"
    "Défenseur des droits;copy;government-body;;;\r\n"
    "Les députés de la commission des lois;copy;group;;;\r\n"
    "France terre d'asile;mentioned;association;;;\r\n"
)
GERMAN = (
    "name\trole\tkind\tplace\tauthority\theading\n"
    "Flüchtlingsrat Niedersachsen e.V.\tsender\tassociation\tHildesheim\t\t"
    "Unterzeichnende Organisationen\n"
    "PRO ASYL\tsender\tassociation\tFrankfurt am Main\thttps://d-nb.info/gnd/2013543-1\t"
    "Unterzeichnende Organisationen\n"
    "Stephan Weil\taddressee\tperson\t\thttps://viaf.org/viaf/69807478/\t\n"
    "Niedersächsischer Landtag\tcopy\tgovernment-body\t\t\t\n"
)
GERMAN_BODY = (
    "Wir fordern die Landesregierung auf, die Abschiebungen auszusetzen.\n\n"
    "Der Flüchtlingsrat Niedersachsen e.V. und PRO ASYL unterstützen diesen Appell.\n"
)


def test_spreadsheets_nobody_here_wrote(tmp_path: Path) -> None:
    from archive.interchange import cmif_bytes
    from archive.rdf.extract import extract_file
    from archive.tei.cmif import check_cmif

    french, german, body = tmp_path / "liste.csv", tmp_path / "appell.tsv", tmp_path / "b.txt"
    french.write_bytes(FRENCH.encode("utf-8"))
    german.write_text(GERMAN, encoding="utf-8")
    body.write_text(GERMAN_BODY, encoding="utf-8")
    fr = new_record(
        inputs(title="Lettre ouverte au ministre", date="2023-02-14", slug=None, language="fr"),
        french,
    )
    de = new_record(
        inputs(title="Offener Brief", date="2021-03", slug=None, language="de"), german, body
    )
    docs = []
    for record in (fr, de):
        path = tmp_path / f"{record.slug}.xml"
        path.write_bytes(record.data)
        assert validate_file(path).report.errors() == []
        docs += extract_file(path).documents
    assert (fr.slug, de.slug) == ("lettre-ouverte-au-ministre-2023-02-14", "offener-brief-2021-03")
    root = parse_bytes(fr.data).root
    names = [n.text for n in root.iterfind(".//t:standOff//t:orgName", NS)]
    assert 'Collectif "Solidarité Migrants Wilson"' in names
    assert "Cimade; service œcuménique d'entraide" in names
    assert root.findtext(".//t:org[t:idno]/t:idno", namespaces=NS) == (
        "http://www.wikidata.org/entity/Q2974012"
    )
    assert len(root.findall(".//t:correspAction[@subtype='cc']/*", NS)) == 2
    assert fr.entries and len(fr.entries) == 8  # 7 rows (one blank) + Paris
    assert "2 of the 6 entries occur in it as written" in de.todo[0]
    cmif = parse_bytes(cmif_bytes(docs).data).tree
    assert check_cmif(cmif, "cmif.xml") == []
    refs = {el.text: el.get("ref") for el in cmif.iterfind(".//t:correspAction/*", NS)}
    assert refs["PRO ASYL"] == "http://d-nb.info/gnd/2013543-1"
    assert refs["Stephan Weil"] == "http://viaf.org/viaf/69807478"
    assert refs["Élise Lucet-Ménard"] is None


# --- the command ---------------------------------------------------------------------------


def run(*args: str, cwd: Path):
    """The command in an empty folder of its own; what it left there."""
    folder = Path(tempfile.mkdtemp(dir=cwd))
    with contextlib.chdir(folder):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result, sorted(p.name for p in folder.iterdir())


def test_cli_writes_and_says_what_remains(files: Path, store_path: Path, tmp_path: Path) -> None:
    result, written = run(
        "new",
        "--title",
        "A test letter",
        "--date",
        "2014-07-10",
        "--source",
        "A PDF",
        "--people",
        str(files / "people.csv"),
        "--body",
        str(files / "body.txt"),
        "--store",
        str(store_path),
        cwd=tmp_path,
    )
    assert result.exit_code == 0, result.output
    assert written == ["a-test-letter-2014-07-10.xml"]
    out = result.stdout
    assert "wrote a-test-letter-2014-07-10.xml (draft): 14 entries from 13 rows" in out
    assert "  - Migreurop (org) -> org/migreurop (same name and kind)" in out
    assert "near matches in the store (not applied; check them):" in out
    assert "validation: valid at the project level, 0 error(s)" in out
    assert "to do:\n  1. tag the names in the text" in out


def test_cli_refuses_and_writes_nothing(files: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,role,kind\nGisti,signatory,association\n", encoding="utf-8")
    common = ["--title", "T", "--source", "S", "--no-store", "-o", "out.xml"]
    result, written = run(
        "new", *common, "--date", "2014-07-10", "--people", str(bad), cwd=tmp_path
    )
    assert result.exit_code == 1 and written == []
    assert "bad.csv, row 2, column 'role': 'signatory' is not a role" in result.stderr
    assert "nothing written" in result.stderr
    result, written = run(
        "new", *common, "--date", "10/07/2014", "--people", str(files / "people.csv"), cwd=tmp_path
    )
    assert result.exit_code == 2 and written == []
    assert "--date '10/07/2014' is not an ISO 8601 date" in result.stderr
    latin = tmp_path / "body.txt"
    latin.write_bytes("Chère Madame,\n".encode("latin-1"))
    result, written = run(
        "new",
        *common,
        "--date",
        "2014",
        "--people",
        str(files / "people.csv"),
        "--body",
        str(latin),
        cwd=tmp_path,
    )
    assert result.exit_code == 1 and written == []
    assert "body.txt: is not UTF-8: byte 0xe8 on line 1" in result.stderr


def test_cli_never_overwrites_a_draft(files: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        Path("draft.xml").write_text("work in progress", encoding="utf-8")
        args = [
            "new",
            "--title",
            "T",
            "--date",
            "2014",
            "--source",
            "S",
            "--no-store",
            "--people",
            str(files / "people.csv"),
            "-o",
            "draft.xml",
        ]
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and "--force" in result.stderr
        assert Path("draft.xml").read_text(encoding="utf-8") == "work in progress"
        assert runner.invoke(cli, [*args, "--force"]).exit_code == 0
        assert Path("draft.xml").read_bytes().startswith(b'<?xml version="1.0"')


def test_names_in_other_scripts_stay_apart(tmp_path: Path) -> None:
    """Names with no Latin letters get a slug from a hash of the name itself: two of them are
    two entries (and two titles two documents), never one."""
    people = tmp_path / "people.csv"
    people.write_text(
        "name,role,kind\nМеморіал,sender,association\n人权观察,sender,association\n",
        encoding="utf-8",
    )
    one = new_record(inputs(title="Відкритий лист", slug=None), people)
    other = new_record(inputs(title="公开信", slug=None), people)
    assert one.slug != other.slug
    ids = parse_bytes(one.data).root.xpath("//t:org/@xml:id", namespaces=NS)
    assert len(ids) == 2 and not any(i.endswith("-2") for i in ids)
