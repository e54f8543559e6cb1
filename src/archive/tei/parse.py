"""Safe XML parsing: no network, no DTD loading, no entity declarations, bounded size.

Submissions come from anywhere. The parser never fetches anything, and documents that declare
entities are refused before libxml2 sees them (the billion-laughs and external-entity attacks
both need a declaration), so a hostile file costs a bounded amount of time and memory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from archive.errors import NotWellFormed, UnsafeInput

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
XML_ID = f"{{{XML_NS}}}id"

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def max_bytes() -> int:
    """Size limit for one XML file: ``ARCHIVE_MAX_BYTES`` or 32 MiB."""
    value = os.environ.get("ARCHIVE_MAX_BYTES")
    return int(value) if value and value.isdigit() else DEFAULT_MAX_BYTES


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )


@dataclass(frozen=True)
class ParsedXML:
    """A parsed document and the bytes it came from (for hashing and line mapping)."""

    tree: etree._ElementTree
    data: bytes
    path: Path | None

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_bytes(data: bytes, limit: int | None = None) -> None:
    """Refuse input that must not reach the parser, with a rule id and a readable reason."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise UnsafeInput(
            f"file is {len(data):,} bytes, over the {limit:,}-byte limit for one XML file "
            "(raise it with ARCHIVE_MAX_BYTES if the file is genuine)",
            rule="input.too-large",
        )
    if not data.strip():
        raise NotWellFormed("file is empty: no XML document in it", line=1, column=1)
    head = data[:8192]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and b"\x00" in head:
        raise NotWellFormed(
            "binary data, not an XML document", line=_line_of(head, head.index(b"\x00"))
        )
    doctype = _DOCTYPE.search(data)
    if doctype:
        entity = _ENTITY.search(data, doctype.end())
        if entity:
            raise UnsafeInput(
                "the document declares entities in its DOCTYPE; entity declarations are refused "
                "because they enable entity-expansion ('billion laughs') and external-entity "
                "attacks. Replace entities by the characters they stand for.",
                rule="input.entity-declaration",
                line=_line_of(data, entity.start()),
            )


def parse_bytes(data: bytes, path: Path | None = None, limit: int | None = None) -> ParsedXML:
    """Parse untrusted bytes; raise :class:`NotWellFormed` or :class:`UnsafeInput`."""
    check_bytes(data, limit)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        message = exc.msg or str(exc)
        if exc.msg and ", line " in message:
            message = message.rsplit(", line ", 1)[0]
        raise NotWellFormed(f"not well-formed XML: {message}", line=line, column=column) from None
    except ValueError as exc:  # e.g. a Unicode string with an encoding declaration
        raise NotWellFormed(f"not well-formed XML: {exc}", line=1, column=1) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeInput(
            "the document declares entities in its DOCTYPE; entity declarations are refused",
            rule="input.entity-declaration",
            line=1,
        )
    _refuse_unresolved_entities(tree, data)
    return ParsedXML(tree=tree, data=data, path=path)


# what a reference cannot be inside (comments, CDATA, processing instructions), or a reference
_REFERENCE_SCAN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|&([A-Za-z_:][A-Za-z0-9_.:-]*);", re.DOTALL
)
_PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def _refuse_unresolved_entities(tree: etree._ElementTree, data: bytes) -> None:
    """A reference to an entity the document does not declare (``&x;``) is well-formed XML when
    the DOCTYPE names an external DTD, which the parser never fetches: libxml2 keeps it as an
    unexpanded node in the text, and drops it from attribute values, so its text silently
    vanishes. What it stands for is unknown, so the document is refused, naming each reference
    and its line. One linear scan, only for documents with a DOCTYPE."""
    found: list[tuple[str, int | None]] = []
    more = 0
    doctype = _DOCTYPE.search(data)
    if doctype and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        subset = data.find(b"[", doctype.end(), data.find(b">", doctype.end()) + 1)
        start = data.find(b"]>", subset) + 2 if subset >= 0 else data.find(b">", doctype.end())
        line, at = 1, 0
        for m in _REFERENCE_SCAN.finditer(data, start):
            if m[1] is None or m[1] in _PREDEFINED:
                continue
            if len(found) == 10:
                more += 1
                continue
            line += data.count(b"\n", at, m.start())
            at = m.start()
            found.append((m[1].decode("ascii"), line))
    if not found:  # another encoding: the references libxml2 kept in the text
        found = [(e.name, e.sourceline) for e in tree.iter(etree.Entity)]  # type: ignore[arg-type]
    if not found:
        return
    system = tree.docinfo.system_url
    dtd = f'its DTD ("{system}") is' if system else "DTDs are"
    refs = ", ".join(f"&{name}; (line {line})" for name, line in found[:10])
    more += max(0, len(found) - 10)
    if more:
        refs += f" and {more} more"
    many = len(found) + more > 1
    raise UnsafeInput(
        f"undeclared entity reference{'s' if many else ''} {refs}: the document does not "
        f"declare {'them' if many else 'it'} and {dtd} never fetched, so the text "
        f"{'they stand' if many else 'it stands'} for is unknown and would be lost. Replace "
        "each by the characters it stands for (a character reference such as &#233; is fine).",
        rule="input.entity-unresolved",
        line=found[0][1],
    )


def read_limited(path: Path, limit: int | None = None) -> bytes:
    """Read a file without ever holding more than the limit (plus one byte) in memory."""
    limit = max_bytes() if limit is None else limit
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        size = path.stat().st_size
        raise UnsafeInput(
            f"file is {size:,} bytes, over the {limit:,}-byte limit for one XML file "
            "(raise it with ARCHIVE_MAX_BYTES if the file is genuine)",
            rule="input.too-large",
        )
    return data


def parse_file(path: Path, limit: int | None = None) -> ParsedXML:
    """Read and parse a file safely. ``OSError`` propagates: an unreadable path is not a finding."""
    return parse_bytes(read_limited(path, limit), path=path, limit=limit)


def tei(tag: str) -> str:
    """Clark name of a TEI element."""
    return f"{{{TEI_NS}}}{tag}"


_LOCAL_NAMES: dict[str, str] = {}  # Clark name -> local name (QName() costs ~1 µs a call)


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 10_000:  # bounded: a hostile file may invent any number
            _LOCAL_NAMES[tag] = name
    return name


def lang_of(el: etree._Element) -> str | None:
    """The in-scope xml:lang of an element (inherited, as XML says)."""
    node: etree._Element | None = el
    while node is not None:
        lang = node.get(XML_LANG)
        if lang is not None:
            return lang or None
        node = node.getparent()
    return None
