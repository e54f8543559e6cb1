"""Referential integrity and dates: broken copies of the record are caught, with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.tei.integrity import check_integrity, iso_date_problem
from archive.tei.parse import parse_bytes, parse_file


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def findings_for(data: bytes, path: Path | None = None):
    return check_integrity(parse_bytes(data, path=path), "copy.xml")


def test_the_record_has_no_integrity_findings(record_path):
    assert check_integrity(parse_file(record_path), "record") == []


def test_dangling_ref_is_reported_at_its_line(record_bytes):
    needle = b'<persName ref="#claude-gueant">'
    broken = record_bytes.replace(needle, b'<persName ref="#claude-gueant-typo">', 1)
    found = [f for f in findings_for(broken) if f.rule == "refs.dangling"]
    assert len(found) == 1
    assert found[0].line == line_of(record_bytes, needle)
    assert "claude-gueant-typo" in found[0].message
    # the entry is no longer used by anything else either: a warning, not silence
    unused = [f for f in findings_for(broken) if f.rule == "refs.unused-entry"]
    assert [f.value for f in unused] == ["claude-gueant"]


def test_one_of_several_refs_dangling(record_bytes):
    broken = record_bytes.replace(b'ref="#calais"/>', b'ref="#calais #nowhere"/>', 1)
    found = [f for f in findings_for(broken) if f.rule == "refs.dangling"]
    assert [f.value for f in found] == ["#nowhere"]


def test_duplicate_xml_id_is_reported_at_the_second_use(record_bytes):
    needle = b'<org xml:id="attac" type="association">'
    broken = record_bytes.replace(needle, b'<org xml:id="migreurop" type="association">', 1)
    found = [f for f in findings_for(broken) if f.rule == "refs.duplicate-id"]
    assert len(found) == 1
    assert found[0].line == line_of(record_bytes, needle)
    assert "first on line" in found[0].message


def test_unused_standoff_entry_is_a_warning_unless_deliberate(record_bytes):
    extra = b'<org xml:id="unused-org" type="association"><orgName>Nobody</orgName></org>'
    broken = record_bytes.replace(b"</listOrg>", extra + b"</listOrg>", 1)
    found = [f for f in findings_for(broken) if f.rule == "refs.unused-entry"]
    assert [(f.severity.value, f.value) for f in found] == [("warning", "unused-org")]
    deliberate = record_bytes.replace(
        b"<listPerson>", b'<listOrg type="authority">' + extra + b"</listOrg><listPerson>", 1
    )
    assert not [f for f in findings_for(deliberate) if f.rule == "refs.unused-entry"]


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2014-07-10", True),
        ("2014-07", True),
        ("2014", True),
        ("2014-07-10T12:00:00Z", True),
        ("2014-13", False),
        ("2014-02-30", False),
        ("10/07/2014", False),
        ("July 2014", False),
        ("2014-7-10", False),
    ],
)
def test_iso_dates(value, ok):
    assert (iso_date_problem(value) is None) is ok


def test_bad_and_inverted_dates_in_a_copy(record_bytes):
    broken = record_bytes.replace(b'when="2002-12"', b'when="12/2002"', 1)
    broken = broken.replace(
        b'notAfter="2014-07-10" where="#calais"',
        b'notBefore="2015-01-01" notAfter="2014-07-10" where="#calais"',
        1,
    )
    rules = sorted(f.rule for f in findings_for(broken))
    assert rules == ["dates.not-iso", "dates.range-inverted"]


def test_cross_file_refs_resolve_beside_the_file(tmp_path):
    persons = tmp_path / "persons.xml"
    persons.write_bytes(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listPerson>'
        b'<person xml:id="p1"><persName>A</persName></person></listPerson></body></text></TEI>'
    )
    letter = (
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>'
        b'<persName ref="persons.xml#p1">A</persName> <persName ref="persons.xml#p2">B</persName>'
        b' <persName ref="missing.xml#p3">C</persName></p></body></text></TEI>'
    )
    found = findings_for(letter, path=tmp_path / "letter.xml")
    assert sorted((f.rule, f.value) for f in found) == [
        ("refs.cross-file-unresolved", "missing.xml#p3"),
        ("refs.dangling", "persons.xml#p2"),
    ]


def test_cross_file_refs_never_leave_the_folder(tmp_path):
    (tmp_path / "outside.xml").write_bytes(b'<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="x"/>')
    sub = tmp_path / "sub"
    sub.mkdir()
    letter = (
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>'
        b'<persName ref="../outside.xml#x">A</persName></p></body></text></TEI>'
    )
    found = findings_for(letter, path=sub / "letter.xml")
    assert [f.rule for f in found] == ["refs.cross-file-unresolved"]


def test_an_xml_id_that_is_not_an_ncname_is_an_error_at_every_level(tmp_path):
    """CMIF's templates keep xml:id="[UUID]": the report names the attribute and its value,
    not only the element that holds it, and no level makes it valid."""
    from archive.validate import validate_file

    text = (
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>t'
        "</title></titleStmt><publicationStmt><p>x</p></publicationStmt><sourceDesc>\n"
        '<bibl xml:id="[UUID]">b</bibl><bibl xml:id="b-1.x">c</bibl><bibl xml:id="é_2">d</bibl>'
        "</sourceDesc></fileDesc></teiHeader><text><body><p/></body></text></TEI>"
    )
    (found,) = [f for f in check_integrity(parse_bytes(text.encode()), "t.xml") if "id" in f.rule]
    assert (found.rule, found.line, found.value) == ("refs.invalid-id", 2, "[UUID]")
    assert 'xml:id="[UUID]" on <bibl>' in found.message
    path = tmp_path / "t.xml"
    path.write_text(text, encoding="utf-8")
    for level in ("project", "tei", "cmif"):
        report = validate_file(path, level=level, shacl=False).report
        assert "refs.invalid-id" in {f.rule for f in report.errors() for f in f.all()}, level
