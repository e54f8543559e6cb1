"""The Calais letter as a faithful TEI P5 record: text, names, stand-off, header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from archive.tei.parse import TEI_NS, XML_ID, lang_of, local_name, parse_file

T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS}

# Identifiers the design notes record as seen in public data; nothing else may appear.
KNOWN_IDENTIFIERS = {
    "http://www.wikidata.org/entity/" + q
    for q in (
        "Q329 Q157 Q10287 Q560890 Q192821 Q613786 Q8896 Q8889 Q458 Q142 Q145 Q90 Q41 Q34640 Q1693"
    ).split()
} | {"https://sws.geonames.org/390903/", "62193", "FR-62", "calais-2014-07-10"}
# Dates the letter gives (plus the edition's own date): nothing else may appear.
KNOWN_DATES = {"2014-07-10", "2012-05", "2002-12", "2014-07-02", "2026-11-26"}


@pytest.fixture(scope="module")
def root(record_path: Path) -> etree._Element:
    return parse_file(record_path).root


def reading_text(root: etree._Element) -> str:
    """The body as a reader sees it: page breaks as [page n], footnotes at their anchor as
    [note n: ...], list items after '- ', all whitespace normalised."""
    out: list[str] = []

    def walk(el: etree._Element) -> None:
        name = local_name(el)
        if name == "pb":
            out.append(f" [page {el.get('n')}] ")
        elif name == "note":
            out.append(f" [note {el.get('n')}: ")
        elif name == "item" and el.getparent().get("rend") == "dash":
            out.append(" - ")
        elif name in {"p", "head", "item", "addrLine", "salute", "label", "dateline"}:
            out.append(" ")
        if el.text:
            out.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                out.append(child.tail)
        if name == "note":
            out.append("] ")
        elif name in {"p", "head", "item", "addrLine", "salute", "label", "dateline"}:
            out.append(" ")

    walk(root.find(f"{T}text/{T}body"))
    return normalise("".join(out))


def normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\[ +", "[", text)
    text = re.sub(r" +\]", "]", text)
    return text.strip()


def transcription(path: Path) -> str:
    return normalise(path.read_text(encoding="utf-8"))


def test_body_matches_the_transcription_word_for_word(root):
    from tests.conftest import TRANSCRIPTION

    tei_words = reading_text(root).split(" ")
    txt_words = transcription(TRANSCRIPTION).split(" ")
    for i, (a, b) in enumerate(zip(tei_words, txt_words, strict=False)):
        assert a == b, (
            f"word {i}: TEI {a!r} != transcription {b!r}: ...{' '.join(tei_words[i - 5 : i + 5])}"
        )
    assert len(tei_words) == len(txt_words)


def seed_corrected_words(seed: str) -> tuple[list[str], list[str]]:
    """The seed's words with the documented extraction corrections applied.

    Returns (main text words, footnote words): the footnote is moved out of the page foot."""
    seed = seed.replace("http://migrant.es/", "")  # auto-link invented by the extraction
    seed = re.sub(r"Vice-\s*\n\s*Presidents", "Vice-Presidents", seed)  # hyphen at line end
    seed = re.sub(r"\b2\s*\n\s*nd\s*\n", "2nd", seed)  # split superscript
    seed = seed.replace("national1 ", "national ")  # footnote marker glued to its word
    head, rest = seed.split("Yours sincerely,", 1)
    note, tail = rest.split("Signatories :", 1)
    note = re.sub(r"^\s*1\s*\n", "", note)  # the footnote's own number
    main = head + " Yours sincerely, Signatories : " + tail
    return main.split(), note.split()


def test_transcription_is_the_seed_with_only_the_documented_corrections(seed_path):
    from tests.conftest import TRANSCRIPTION

    main, note = seed_corrected_words(seed_path.read_text(encoding="utf-8"))
    text = transcription(TRANSCRIPTION)
    note_text = re.search(r"\[note 1: (.*?)\]", text).group(1)
    without_markers = re.sub(r"\[note 1: .*?\]|\[page \d\]", " ", text).split()
    items = [w for w in without_markers if w != "-"]
    seed_items = [w for w in main if w != "-"]
    assert items == seed_items
    assert note_text.split() == note
    # the dashes (26 list bullets and three in names) are all kept, none added
    assert without_markers.count("-") == main.count("-") == 29


def test_page_breaks_where_the_source_shows_them(root):
    pbs = root.findall(f".//{T}body//{T}pb")
    assert [pb.get("n") for pb in pbs] == ["1", "2", "3"]
    text = reading_text(root)
    assert "In proof of this, many [page 2] people do manage" in text
    assert "Yours sincerely, [page 3] Signatories :" in text


def test_footnote_sits_at_its_anchor_and_cites_the_press_release(root):
    notes = root.findall(f".//{T}body//{T}note")
    assert len(notes) == 1
    note = notes[0]
    assert note.get("place") == "foot" and note.get("n") == "1"
    p = note.getparent()
    assert p.text is not None
    before = "".join(p.itertext()).split("ATD Quart Monde")[0]
    assert before.rstrip().endswith("by local, national")
    title = note.find(f".//{T}title")
    assert title.get("ref") == "#press-release-2014-07-02"
    assert lang_of(title) == "fr"


def test_every_name_points_at_one_standoff_entry(root):
    ids = {el.get(XML_ID): el for el in root.iter() if el.get(XML_ID)}
    standoff = root.find(f"{T}standOff")
    entries = {el.get(XML_ID) for el in standoff.iter() if el.get(XML_ID)}
    names = root.find(f"{T}text").iter(
        f"{T}persName", f"{T}orgName", f"{T}placeName", f"{T}rs", f"{T}title"
    )
    count = 0
    for el in names:
        ref = el.get("ref")
        assert ref, (
            f"line {el.sourceline}: <{local_name(el)}> {''.join(el.itertext())!r} has no @ref"
        )
        for target in ref.split():
            assert target.startswith("#") and target[1:] in entries, (el.sourceline, target)
            assert local_name(ids[target[1:]]) in {
                "org",
                "person",
                "personGrp",
                "place",
                "event",
                "bibl",
            }
        count += 1
    assert count > 100


def test_french_names_carry_xml_lang_fr(root):
    body = root.find(f"{T}text")
    signatories = body.findall(f".//{T}signed//{T}item/{T}orgName")
    assert len(signatories) == 26
    assert all(lang_of(o) == "fr" for o in signatories)
    crs = body.find(f".//{T}orgName[@ref='#crs']/{T}foreign")
    assert lang_of(crs) == "fr"
    for address in body.findall(f".//{T}opener/{T}address"):
        assert lang_of(address) == "fr"


def test_standoff_lists_each_entity_once_with_the_letters_grouping(root):
    so = root.find(f"{T}standOff")
    groups = {lst.get("n"): lst for lst in so.findall(f"{T}listOrg[@type='signatories']")}
    assert {k: len(v.findall(f"{T}org")) for k, v in groups.items()} == {
        "association-networks": 4,
        "associations": 19,
        "political-parties": 3,
    }
    assert {o.get("type") for o in groups["associations"].findall(f"{T}org")} == {"association"}
    assert {o.get("type") for o in groups["political-parties"].findall(f"{T}org")} == {
        "political-party"
    }
    names = [o.findtext(f"{T}orgName") for o in so.iter(f"{T}org")]
    assert len(names) == len(set(names))
    # sections tied to their parent
    relations = {(r.get("active"), r.get("passive")) for r in so.iter(f"{T}relation")}
    assert ("#ldh-ehess", "#ldh") in relations and ("#ldh-pas-de-calais", "#ldh") in relations
    # the place each organisation gives
    auberge = so.find(
        f".//{T}org[@{{http://www.w3.org/XML/1998/namespace}}id='auberge-des-migrants']"
    )
    assert auberge.find(f"{T}placeName").get("ref") == "#calais"


def test_offices_as_the_letter_states_them_without_invented_dates(root):
    persons = {p.get(XML_ID): p for p in root.iter(f"{T}person")}
    valls = persons["manuel-valls"].find(f"{T}affiliation")
    assert valls.get("when") == "2014-07-10" and valls.get("ref") == "#french-government"
    for pid in ("nicolas-sarkozy", "claude-gueant", "eric-besson"):
        aff = persons[pid].find(f"{T}affiliation")
        assert aff.get("role") == "minister-of-the-interior"
        assert aff.get("notAfter") == "2014-07-10" and aff.get("when") is None
    unnamed = persons["uk-prime-minister"]
    assert unnamed.find(f"{T}persName") is None  # the letter does not name the holder


def test_only_known_identifiers_and_dates(root):
    idnos = {(i.text or "").strip() for i in root.iter(f"{T}idno")}
    assert idnos <= KNOWN_IDENTIFIERS, idnos - KNOWN_IDENTIFIERS
    dates = {
        el.get(a)
        for el in root.iter()
        for a in ("when", "notBefore", "notAfter", "from", "to")
        if isinstance(el.tag, str) and el.get(a) and local_name(el) != "pb"
    }
    assert dates <= KNOWN_DATES, dates - KNOWN_DATES


def test_header_is_complete(root):
    h = root.find(f"{T}teiHeader")
    assert h.find("t:fileDesc/t:titleStmt/t:title[@type='main']", NS) is not None
    assert h.find("t:fileDesc/t:titleStmt/t:respStmt/t:resp", NS) is not None
    pub = h.find("t:fileDesc/t:publicationStmt", NS)
    assert pub.find("t:publisher", NS) is not None
    assert pub.findtext("t:idno[@type='archive']", namespaces=NS) == "calais-2014-07-10"
    licence = pub.find("t:availability/t:licence", NS)
    assert licence.get("target") == "https://creativecommons.org/licenses/by/4.0/"
    assert pub.find("t:date", NS).get("when")
    src = h.find("t:fileDesc/t:sourceDesc/t:bibl", NS)
    assert "English translation of a French open letter" in "".join(src.itertext())
    original = src.find("t:relatedItem[@type='original']", NS)
    assert original.find(".//t:textLang", NS).get("mainLang") == "fr"
    prof = h.find("t:profileDesc", NS)
    assert prof.find("t:creation/t:date", NS).get("when") == "2014-07-10"
    assert {lang.get("ident") for lang in prof.iterfind("t:langUsage/t:language", NS)} == {
        "en",
        "fr",
    }
    assert len(prof.findall("t:textClass/t:keywords/t:term", NS)) >= 3
    actions = prof.findall("t:correspDesc/t:correspAction", NS)
    by_kind = {(a.get("type"), a.get("subtype")): a for a in actions}
    assert len(by_kind[("sent", None)].findall("t:orgName", NS)) == 26
    assert len(list(by_kind[("received", "to")])) == 2
    assert len(list(by_kind[("received", "cc")])) == 5
    assert h.find("t:revisionDesc/t:change", NS).get("when")


def test_record_is_well_formed_utf8_without_entities(record_bytes):
    assert record_bytes.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<!ENTITY" not in record_bytes and b"<!DOCTYPE" not in record_bytes
    record_bytes.decode("utf-8")
