"""Extraction that is right on other projects' TEI, or says why not: one test per class of
problem seen on real files, each from a small TEI file written here."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from archive.rdf.extract import extract_file
from archive.rdf.namespaces import ARC, ORG, POS, RDF, SCHEMA, XSD
from archive.tei.integrity import check_integrity
from archive.tei.parse import parse_file
from archive.validate import validate_file

ARCHIVE = [sys.executable, "-m", "archive"]
BASE = "https://advocacy-archive.example/id/"

HEADER = """<teiHeader><fileDesc><titleStmt>{titles}</titleStmt>
<publicationStmt>{pub}</publicationStmt><sourceDesc>{source}</sourceDesc></fileDesc>
{encoding}<profileDesc>{profile}</profileDesc></teiHeader>"""


def tei(
    body: str = "<p>x</p>",
    *,
    titles: str = "<title>A letter</title>",
    pub: str = "<p>unpublished</p>",
    source: str = "<p>born digital</p>",
    encoding: str = "",
    profile: str = "",
    standoff: str = "",
    root: str = "",
) -> str:
    return (
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude"'
        f"{root}>"
        + HEADER.format(titles=titles, pub=pub, source=source, encoding=encoding, profile=profile)
        + (f"<standOff>{standoff}</standOff>" if standoff else "")
        + f"<text><body>{body}</body></text></TEI>"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def triples(path: Path):
    extraction = extract_file(path)
    return extraction, [t for d in extraction.documents for t in d.triples]


def rules(extraction) -> list[str]:
    return [f.rule for f in extraction.findings]


def test_pointer_lists_are_split_and_malformed_iris_are_findings(tmp_path):
    path = write(
        tmp_path,
        "licence.xml",
        tei(
            pub='<availability><licence target="https://creativecommons.org/licenses/by/4.0/ '
            'https://opensource.org/license/bsd-2-clause">CC BY or BSD</licence></availability>',
            body='<p><persName ref="http://example.org/a b">X</persName>'
            '<persName ref="https://d-nb.info/gnd/1 http://[bad">Y</persName></p>',
        ),
    )
    extraction, ts = triples(path)
    licences = {o for s, p, o in ts if p == SCHEMA.license}
    assert licences == {
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
        URIRef("https://opensource.org/license/bsd-2-clause"),
    }
    bad = [f for f in extraction.findings if f.rule == "extract.malformed-iri"]
    assert {f.value for f in bad} == {"http://[bad"}  # "http://example.org/a" + "b" split
    assert all(f.line == 2 or f.line is not None for f in bad)


GEO_PLACES = """<listPlace>
<place xml:id="space"><placeName>A</placeName><location><geo>48.85 2.35</geo></location></place>
<place xml:id="comma"><placeName>B</placeName>
  <location><geo>51.38951, -2.35837</geo></location></place>
<place xml:id="decimal"><placeName>C</placeName><location><geo>48,85 2,35</geo></location></place>
<place xml:id="range"><placeName>D</placeName><location><geo>95.5 2.35</geo></location></place>
<place xml:id="two"><placeName>E</placeName><location><geo>10 10</geo></location>
  <location><geo>11 11</geo></location></place>
<place xml:id="junk"><placeName>F</placeName><location><geo>north of here</geo></location></place>
</listPlace>"""


def _coords(ts, slug):
    node = URIRef(f"{BASE}place/geo-{slug}")
    return (
        next((o for s, p, o in ts if s == node and p == POS.lat), None),
        next((o for s, p, o in ts if s == node and p == POS.long), None),
    )


def test_geo_as_tei_says_and_never_invented(tmp_path):
    path = write(tmp_path, "geo.xml", tei(body=GEO_PLACES))
    extraction, ts = triples(path)
    dec = XSD.decimal
    assert _coords(ts, "space") == (Literal("48.85", datatype=dec), Literal("2.35", datatype=dec))
    assert _coords(ts, "comma") == (
        Literal("51.38951", datatype=dec),
        Literal("-2.35837", datatype=dec),
    )
    assert _coords(ts, "decimal") == (Literal("48.85", datatype=dec), Literal("2.35", datatype=dec))
    for slug in ("range", "two", "junk"):
        assert _coords(ts, slug) == (None, None), slug
    found = rules(extraction)
    assert found.count("extract.geo-irregular") == 2
    assert found.count("extract.geo-unreadable") == 2  # out of range, not numbers
    assert found.count("extract.geo-conflict") == 1


def test_geo_order_declared_in_geodecl(tmp_path):
    enc = (
        '<encodingDesc><geoDecl datum="WGS84">Coordinates are given as longitude, then '
        "latitude</geoDecl></encodingDesc>"
    )
    path = write(tmp_path, "geo.xml", tei(body=GEO_PLACES, encoding=enc))
    _, ts = triples(path)
    assert _coords(ts, "space") == (
        Literal("2.35", datatype=XSD.decimal),
        Literal("48.85", datatype=XSD.decimal),
    )
    # read as longitude latitude, "95.5 2.35" is a valid place
    assert _coords(ts, "range")[0] == Literal("2.35", datatype=XSD.decimal)


def test_date_rules_only_on_datable_attributes(tmp_path):
    path = write(
        tmp_path,
        "pages.xml",
        tei(
            source='<bibl><title>Journal</title><biblScope unit="page" from="12" to="3"/>'
            '<citedRange from="iv" to="ix"/></bibl>',
            body='<p><date from="2001-05" to="2001-02">then</date></p>',
        ),
    )
    found = check_integrity(parse_file(path), "pages.xml")
    assert [(f.rule, f.value) for f in found] == [("dates.range-inverted", "2001-05..2001-02")]


def test_the_title_is_the_documents_own_not_the_series(tmp_path):
    titles = (
        '<title level="s">Collected Letters</title>'
        '<title level="j">A Journal</title><title level="a">To my sister</title>'
    )
    path = write(tmp_path, "title.xml", tei(titles=titles))
    (doc,) = extract_file(path).documents
    assert doc.title == "To my sister"
    only_series = write(tmp_path, "series.xml", tei(titles='<title level="s">Letters</title>'))
    extraction = extract_file(only_series)
    assert extraction.documents[0].title is None
    assert "extract.title-series-only" in rules(extraction)


def test_names_in_natural_order(tmp_path):
    path = write(
        tmp_path,
        "names.xml",
        tei(
            body="<p>"
            '<persName key="a"><surname>Edgeworth</surname>, <forename>Maria</forename></persName>'
            '<persName key="b"><forename>Arthur</forename> <surname>Schnitzler</surname></persName>'
            '<persName key="c" xml:lang="hu"><surname>Bartók</surname> '
            "<forename>Béla</forename></persName>"
            '<persName key="d" type="sort"><surname>Wilde</surname>, <forename>Oscar</forename>'
            "</persName></p>"
        ),
    )
    _, ts = triples(path)
    names = {str(o) for s, p, o in ts if p == SCHEMA.name and "/person/" in str(s)}
    assert names == {"Maria Edgeworth", "Arthur Schnitzler", "Bartók Béla", "Wilde, Oscar"}
    alternates = {str(o) for s, p, o in ts if p == SCHEMA.alternateName}
    assert "Edgeworth, Maria" in alternates  # the sorted form, as written


PERSONS = """<listPerson>
<person xml:id="g1"><persName>J. W. von Goethe</persName>
  <idno type="GND">118540238</idno></person>
</listPerson>"""


def test_one_iri_per_person_from_ref_key_or_idno_in_every_file(tmp_path):
    a = write(
        tmp_path,
        "a.xml",
        tei(
            standoff=PERSONS,
            body='<p><persName ref="#g1">Goethe</persName>'
            '<persName ref="http://d-nb.info/gnd/118540238">Goethe</persName></p>',
        ),
    )
    b = write(
        tmp_path,
        "b.xml",
        tei(
            body='<p><persName key="gnd:118540238">Goethe</persName>'
            '<persName ref="https://d-nb.info/gnd/118540238/about/html">G.</persName></p>'
        ),
    )
    iris = set()
    for path in (a, b):
        _, ts = triples(path)
        iris |= {s for s, p, o in ts if p == RDF.type and o == SCHEMA.Person}
    assert iris == {URIRef(f"{BASE}person/gnd-118540238")}
    _, ts = triples(a)
    same = {o for s, p, o in ts if p == SCHEMA.sameAs}
    assert same == {URIRef("https://d-nb.info/gnd/118540238")}  # one canonical form


def test_same_name_same_kind_is_one_entity_in_a_file_not_across(tmp_path):
    letters = "".join(
        f'<correspDesc xml:id="l{n}"><correspAction type="sent"><persName>Arthur '
        f'Schnitzler</persName><date when="1900-01-0{n}"/></correspAction>'
        '<correspAction type="received"><persName>Hermann Bahr</persName></correspAction>'
        "</correspDesc>"
        for n in range(1, 4)
    )
    one = write(tmp_path, "one.xml", tei(profile=letters))
    two = write(tmp_path, "two.xml", tei(profile=letters))
    _, ts1 = triples(one)
    _, ts2 = triples(two)
    bahr1 = {o for s, p, o in ts1 if p == SCHEMA.toRecipient}
    assert len(bahr1) == 1  # three letters, one addressee
    bahr2 = {o for s, p, o in ts2 if p == SCHEMA.toRecipient}
    assert bahr1.isdisjoint(bahr2)  # a name alone never joins two files


def test_slug_rule_and_id_mismatch(tmp_path):
    path = write(
        tmp_path,
        "Letter_One.xml",
        tei(
            root=' xml:id="Letter_One"',
            pub='<idno type="archive">Letter_1</idno>',
        ),
    )
    extraction = extract_file(path)
    assert extraction.documents[0].slug == "letter-1"
    found = {f.rule: f for f in extraction.findings}
    assert "extract.slug-rule" in found and "letter-1" in found["extract.slug-rule"].message
    assert "extract.id-mismatch" in found


def test_xinclude_local_followed_remote_refused(tmp_path):
    (tmp_path / "people.xml").write_text(
        '<listPerson xmlns="http://www.tei-c.org/ns/1.0"><person xml:id="p1">'
        "<persName>Anne Example</persName></person></listPerson>"
    )
    path = write(
        tmp_path,
        "main.xml",
        tei(
            standoff='<xi:include href="people.xml"/><xi:include href="https://example.org/x.xml"/>'
            '<xi:include href="../../etc/hostname" parse="text"/>',
            body='<p><persName ref="#p1">Anne</persName></p>',
        ),
    )
    result = validate_file(path, level="tei", shacl=False)
    by_rule = {f.rule for f in result.report}
    assert {"xml.xinclude-included", "xml.xinclude-remote", "xml.xinclude-unresolved"} <= by_rule
    assert "refs.dangling" not in by_rule  # #p1 came in with the include
    names = {str(o) for d in result.documents for s, p, o in d.triples if p == SCHEMA.name}
    assert "Anne Example" in names


def test_msdesc_authors_scribes_dates_places(tmp_path):
    ms = (
        "<msDesc><msIdentifier><repository>Library</repository><idno>MS 1</idno>"
        '</msIdentifier><msContents><msItem><author><persName ref="#a">Ann</persName></author>'
        "<respStmt><resp>scribe</resp><persName>Sam Scribe</persName></respStmt></msItem>"
        '</msContents><physDesc><handDesc><handNote scribe="Other Hand"/></handDesc></physDesc>'
        '<history><origin><origDate when="1820-03-04"/><origPlace><placeName>Bath</placeName>'
        "</origPlace></origin></history></msDesc>"
    )
    path = write(
        tmp_path,
        "ms.xml",
        tei(
            source=ms,
            standoff='<listPerson><person xml:id="a"><persName>Ann A</persName>'
            "</person></listPerson>",
        ),
    )
    _, ts = triples(path)
    doc = URIRef(f"{BASE}document/ms")
    assert (doc, SCHEMA.dateCreated, Literal("1820-03-04", datatype=XSD.date)) in ts
    assert len([o for s, p, o in ts if s == doc and p == SCHEMA.author]) == 1
    assert len([o for s, p, o in ts if s == doc and p == SCHEMA.contributor]) == 2
    assert len([o for s, p, o in ts if s == doc and p == SCHEMA.locationCreated]) == 1


def test_a_letter_without_correspdesc_is_told(tmp_path):
    path = write(
        tmp_path,
        "letter.xml",
        tei(body="<div><opener><salute>Dear friend,</salute></opener><p>x</p></div>"),
    )
    extraction = extract_file(path)
    (f,) = [f for f in extraction.findings if f.rule == "extract.no-correspdesc"]
    assert "no correspondence metadata was found" in f.message


def test_authority_file_entries_are_entities_not_a_document(tmp_path):
    path = write(
        tmp_path,
        "persons.xml",
        tei(body="<head>People</head><p>Intro</p>" + PERSONS),
    )
    extraction = extract_file(path)
    (doc,) = extraction.documents
    assert doc.kind == "authority" and doc.date is None
    ts = doc.triples
    assert (URIRef(doc.uri), RDF.type, ARC.AuthorityFile) in ts
    assert not [t for t in ts if t[1] == SCHEMA.encoding]  # not a document
    assert (URIRef(doc.uri), SCHEMA.about, URIRef(f"{BASE}person/gnd-118540238")) in ts
    result = validate_file(path, level="tei")
    assert not [f for f in result.report if f.rule.startswith("shacl.Document")]


def test_unknown_organisation_category_is_a_finding_not_a_concept(tmp_path):
    path = write(
        tmp_path,
        "orgs.xml",
        tei(
            standoff='<listOrg><org xml:id="o" type="assocation"><orgName>O</orgName></org>'
            "</listOrg>",
            body='<p><orgName ref="#o">O</orgName></p>',
        ),
    )
    extraction, ts = triples(path)
    assert not [o for s, p, o in ts if p == ORG.classification]
    (f,) = [f for f in extraction.findings if f.rule == "extract.org-category-unknown"]
    assert f.value == "assocation"


def test_a_bad_language_tag_is_a_finding_not_an_internal_error(tmp_path):
    path = write(
        tmp_path, "lang.xml", tei(body='<p><persName key="x" xml:lang="f r">X</persName></p>')
    )
    assert "extract.bad-language-tag" in rules(extract_file(path))


# --- the same refusal, the same exit code, from every command ----------------------------------


@pytest.mark.parametrize(
    "content",
    [b"<TEI><unclosed></TEI>", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', b"<html/>"],
    ids=["not-well-formed", "entity", "not-tei"],
)
def test_same_refusal_same_exit_code(tmp_path, content):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    codes = {}
    for name, args in {
        "validate": ["validate", str(path)],
        "extract": ["extract", str(path)],
        "summary": ["summary", str(path)],
        "load": ["load", str(path), "--store", str(tmp_path / "s"), "-q"],
        "deposit": ["deposit", str(path), "--out", str(tmp_path / "p.zip")],
    }.items():
        run = subprocess.run([*ARCHIVE, *args], capture_output=True, text=True)
        assert "Traceback" not in run.stderr, name
        codes[name] = run.returncode
    assert set(codes.values()) == {1}, codes


# --- rough edges -----------------------------------------------------------------------------


def test_output_files_honour_the_umask(tmp_path, record_path):
    out = tmp_path / "out.ttl"
    run = subprocess.run(
        ["sh", "-c", f"umask 022 && {sys.executable} -m archive extract {record_path} -o {out}"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize("base", ["example.org", "https://exa mple.org", "ftp://example.org"])
def test_an_invalid_base_is_a_usage_error(record_path, base):
    for args, env in (
        (["extract", str(record_path), "--base", base], {}),
        (["summary", str(record_path)], {"ARCHIVE_BASE": base}),
    ):
        run = subprocess.run(
            [*ARCHIVE, *args], capture_output=True, text=True, env={**os.environ, **env}
        )
        assert run.returncode == 2 and "Traceback" not in run.stderr
        assert run.stderr.count("\n") < 6  # one message, not a flood of warnings


def test_summary_takes_format_json(record_path):
    run = subprocess.run(
        [*ARCHIVE, "summary", str(record_path), "--format", "json"], capture_output=True, text=True
    )
    assert run.returncode == 0 and run.stdout.lstrip().startswith("[")


def test_a_folder_meant_as_a_bag_without_bagit_txt(tmp_path):
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "manifest-sha256.txt").write_text("")
    (bag / "bag-info.txt").write_text("Source-Organization: X\n")
    for cmd in (["validate", str(bag)], ["load", str(bag), "--store", str(tmp_path / "s")]):
        run = subprocess.run([*ARCHIVE, *cmd], capture_output=True, text=True)
        assert "bagit.txt" in run.stdout + run.stderr and "declaration" in run.stdout + run.stderr
        assert run.returncode in (1, 2)


def test_a_group_is_named_by_its_persname_or_name(tmp_path):
    """TEI names a personGrp with persName (or name, orgName) among its parts, as the
    Edgeworth personography does: the group is named, and no shape calls it nameless."""
    path = write(
        tmp_path,
        "groups.xml",
        tei(
            body='<p><persName ref="#BailX1">the Baillies</persName> and '
            '<rs type="group" ref="#crew">the crew</rs></p>',
            standoff='<listPerson><personGrp xml:id="BailX1"><persName>Baillies (Family)'
            '</persName></personGrp><personGrp xml:id="crew" role="crew"><name>Crew of the '
            "Rose</name></personGrp></listPerson>",
        ),
    )
    _, ts = triples(path)
    names = {str(o) for s, p, o in ts if p == SCHEMA.name and "/group/" in str(s)}
    assert names == {"Baillies (Family)", "Crew of the Rose"}
    result = validate_file(path)
    assert not [f for f in result.report.findings if f.rule == "shacl.GroupShape.name"]


def test_findings_about_another_files_entries_name_that_file_not_a_line_here(tmp_path):
    """A letter points into a personography and a placeography beside it: what is wrong with
    their entries is not at a line of the letter, whose lines are far fewer."""
    (tmp_path / "people.xml").write_text(
        tei(
            body="<listPerson>"
            + "\n" * 40
            + '<personGrp xml:id="g1"><p>a nameless circle</p></personGrp></listPerson>'
            '<listPlace><place xml:id="rome"><placeName>Rome</placeName>'
            "<location><geo>41.9, 12.45</geo></location></place></listPlace>"
        ),
        encoding="utf-8",
    )
    letter = write(
        tmp_path,
        "letter.xml",
        tei(
            body='<p><rs type="group" ref="people.xml#g1">them</rs> in '
            '<placeName ref="people.xml#rome">Rome</placeName></p>'
        ),
    )
    assert len(letter.read_text().splitlines()) == 3
    found = validate_file(letter, label="letters/letter.xml").report.findings
    group = [f for f in found if f.rule == "shacl.GroupShape.name"]
    assert len(group) == 1
    assert group[0].file == "letters/letter.xml" and group[0].line is None
    assert "(described in letters/people.xml, line 43)" in group[0].message
    geo = [f for f in found if f.rule == "extract.geo-irregular"]
    assert len(geo) == 1 and geo[0].line is None
    assert geo[0].message.endswith("(in letters/people.xml, line 43)")
    assert all(f.line is None or f.line <= 3 for f in found), [(f.rule, f.line) for f in found]


CMIF_LETTERS = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt><title>Letters</title></titleStmt><publicationStmt><p>x</p></publicationStmt>
<sourceDesc><p>x</p></sourceDesc></fileDesc><profileDesc>
<correspDesc key="2">
  <correspAction type="sent"><persName>A</persName><date when="1900-01-01"/></correspAction>
</correspDesc>
<correspDesc key="1">
  <correspAction type="sent"><persName>B</persName><date when="1900-01-02"/></correspAction>
</correspDesc>
</profileDesc></teiHeader><text><body><p/></body></text></TEI>
"""


def test_shacl_findings_of_a_cmif_letter_are_at_its_correspdesc(tmp_path):
    path = write(tmp_path, "cmif.xml", CMIF_LETTERS)
    found = validate_file(path, level="tei").report.findings
    lines = {f.focus.rsplit("-", 1)[-1]: f.line for f in found if f.rule == "shacl.DocumentTitle"}
    assert lines == {"2": 4, "1": 7}


def test_cmif_letter_slugs_follow_the_slug_rule_and_stay_unique(tmp_path):
    """Keys as editions write them (R1, correspDesc_1, a key used twice, one that looks like
    a deduplicated one) give lower-case slugs with single hyphens, one per letter."""
    letters = "".join(
        f'<correspDesc key="{k}"><correspAction type="sent"><persName>A</persName>'
        f'<date when="1900-01-0{i}"/></correspAction></correspDesc>'
        for i, k in enumerate(["R1", "Letter_2", "a", "a", "a-2"], 1)
    )
    path = write(tmp_path, "1971_Schnitzler_Reinhardt.xml", tei(profile=letters))
    slugs = [d.slug for d in extract_file(path).documents]
    stem = "1971-schnitzler-reinhardt"
    assert slugs[:3] == [f"{stem}-r1", f"{stem}-letter-2", f"{stem}-a"]
    assert len(set(slugs)) == 5
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs), slugs


def test_summary_of_a_cmif_file_keeps_document_order(tmp_path):
    """Letters come as the file gives them, whatever their keys (here 2, then 1), each with
    its position and line, so that the order can be seen to be the file's."""
    path = write(tmp_path, "cmif.xml", CMIF_LETTERS)
    out = subprocess.run(
        [*ARCHIVE, "summary", str(path)], capture_output=True, text=True, check=True
    ).stdout
    documents = [line.split("/")[-1] for line in out.splitlines() if line.startswith("Document")]
    assert documents == ["cmif-2", "cmif-1"]
    assert "Letter     1 of 2, line 4 of the file" in out
    assert "Letter     2 of 2, line 7 of the file" in out
    assert out.index("- A") < out.index("- B")


@pytest.mark.parametrize(
    ("dateline", "head", "why"),
    [
        ("1111-11-11", "1822-04-24", "before 1400"),
        ("2999-01-01", None, "in the future"),
        ("1790-04-24", "1822-04-24", "more than 5 years away"),
        ("1820-04-24", "1822-04-24", None),
        ("1822-04", "1111-01-01", None),  # a placeholder elsewhere says nothing
    ],
)
def test_implausible_document_dates_are_warnings_and_kept(tmp_path, dateline, head, why):
    source = (
        f'<msDesc><msIdentifier><idno>x</idno></msIdentifier><head>Letter, <date when="{head}"/>'
        "</head></msDesc>"
        if head
        else "<p>born digital</p>"
    )
    path = write(
        tmp_path,
        "letter.xml",
        tei(
            source=source,
            body=f'<div type="letter"><opener><dateline>\n<date when="{dateline}"/>'
            "</dateline></opener><p>x</p></div>",
        ),
    )
    extraction, ts = triples(path)
    assert any(p == SCHEMA.dateCreated and str(o) == dateline for s, p, o in ts)  # kept
    found = [f for f in extraction.findings if f.rule == "extract.date-implausible"]
    if why is None:
        assert not found
        return
    (finding,) = found
    assert finding.severity.value == "warning" and finding.line == 4 and why in finding.message
    for level in ("project", "tei"):
        report = validate_file(path, level=level, shacl=False).report
        assert [f.severity.value for f in report.findings if f.rule == finding.rule] == ["warning"]
