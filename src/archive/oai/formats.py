"""The metadata formats: ``oai_dc`` (required), ``tei`` (the whole TEI file) and ``rdf`` (the
document's named graph as RDF/XML).

``oai_dc`` is mapped from the document's graph (what the TEI header and text state, as the
extractor read them) and from the TEI header for what the graph does not keep (an abstract or
a summary): title; creator = senders and authors; contributor = scribes and other
contributors the header names; subject = keywords; description; date (the document's date as
the catalog gives it); type (the document type's label, and ``Text`` from the DCMI Type
vocabulary); format; identifier = the document IRI; language; relation = works it cites;
coverage = the places it was written in or mentions; rights = the licence of the TEI file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from lxml import etree

from archive.errors import NotWellFormed, UnsafeInput
from archive.oai.records import Facts, Value
from archive.store.catalog import DocumentInfo
from archive.tei.parse import TEI_NS, parse_bytes

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TEI_MEDIA_TYPE = "application/tei+xml"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    name: str


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat(
            "oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS, "Dublin Core"
        ),
        MetadataFormat(
            "tei",
            "https://www.tei-c.org/release/xml/tei/custom/schema/xsd/tei_all.xsd",
            TEI_NS,
            "TEI P5 (the whole TEI document)",
        ),
        MetadataFormat(
            "rdf",
            "http://www.openarchives.org/OAI/2.0/rdf.xsd",
            RDF_NS,
            "RDF/XML of the document's named graph",
        ),
    )
}

DC_ORDER = (
    "title",
    "creator",
    "subject",
    "description",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "language",
    "relation",
    "coverage",
    "rights",
)
T = f"{{{TEI_NS}}}"
# Where a TEI header states a description the graph does not keep, in order of preference.
DESCRIPTION_PATHS = (
    f"{T}profileDesc/{T}abstract",
    f"{T}fileDesc/{T}sourceDesc//{T}msContents/{T}summary",
    f"{T}fileDesc/{T}notesStmt/{T}note",
)


def dublin_core(info: DocumentInfo, facts: Facts, tei: bytes | None) -> etree._Element:
    """The ``oai_dc:dc`` record of one document."""
    dc = etree.Element(
        f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {FORMATS['oai_dc'].schema}")
    fields: dict[str, list[Value]] = {k: list(v) for k, v in facts.fields.items()}
    if "description" not in fields and tei is not None:
        fields["description"] = _header_descriptions(tei)
    if info.date:
        fields["date"] = [Value(info.date)]
    fields["type"] = [*fields.get("type", []), Value("Text", "en")]
    fields["format"] = [Value(TEI_MEDIA_TYPE)]
    if info.document:
        fields["identifier"] = [Value(info.document)]
    for name in DC_ORDER:
        for value in fields.get(name, []):
            if not value.text.strip():
                continue
            el = etree.SubElement(dc, f"{{{DC_NS}}}{name}")
            el.text = _xml_text(value.text)
            if value.lang:
                el.set(f"{{{XML_NS}}}lang", value.lang)
    return dc


def _header_descriptions(tei: bytes) -> list[Value]:
    if not any(tag in tei for tag in (b"abstract", b"summary", b"notesStmt")):
        return []  # most records state none: no need to parse them
    try:
        root = parse_bytes(tei).tree.getroot()
    except (NotWellFormed, UnsafeInput):
        return []
    header = root.find(f"{T}teiHeader")
    if header is None:
        return []
    for path in DESCRIPTION_PATHS:
        found = []
        for el in header.iterfind(path):
            text = " ".join("".join(el.itertext()).split())
            if text:
                found.append(Value(text, _lang(el)))
        if found:
            return found
    return []


def _lang(el: etree._Element) -> str | None:
    while el is not None:
        lang = el.get(f"{{{XML_NS}}}lang")
        if lang:
            return lang
        el = el.getparent()
    return None


def tei_element(tei: bytes) -> etree._Element | None:
    """The TEI document's root element, to embed in a record (None when it cannot be read)."""
    try:
        return parse_bytes(tei).tree.getroot()
    except (NotWellFormed, UnsafeInput):
        return None


def rdf_element(triples: list[ox.Triple]) -> etree._Element | None:
    """The graph as an ``rdf:RDF`` element (None when RDF/XML cannot express it: a predicate
    IRI that cannot be split into a namespace and a local name)."""
    try:
        data = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    except (ValueError, OSError):
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)


def _xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (lxml would refuse them)."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    )
