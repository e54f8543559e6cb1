"""The package's METS document: Dublin Core and the TEI header, files, structure, PREMIS 3.

METS is checked against the METS 1.12 schema that the ``metsrw`` package ships, offline: its import
of the LoC XLink schema is resolved to the copy in ``deposit/schemas/xlink.xsd`` (provenance in
``deposit/schemas/README.md``), and the parser never touches the network.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote

from lxml import etree

from archive.deposit import premis
from archive.deposit.profile import DEPOSIT_DIR
from archive.errors import SchemaUnavailable
from archive.findings import Finding, Layer, Severity, collector

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
TEI_NS = "http://www.tei-c.org/ns/1.0"
M = f"{{{METS_NS}}}"
XLINK_LOC = "http://www.loc.gov/standards/xlink/xlink.xsd"
XLINK_LOCAL = DEPOSIT_DIR / "schemas" / "xlink.xsd"
METS_LOCATION = "http://www.loc.gov/standards/mets/mets.xsd"
PREMIS_LOCATION = "http://www.loc.gov/standards/premis/v3/premis.xsd"

# fileGrp USE values, by payload folder.
GROUPS = {
    "tei": "TEI",
    "rdf": "RDF",
    "shapes": "SHAPES",
    "ontology": "ONTOLOGY",
    "reports": "REPORTS",
}


@dataclass(frozen=True)
class DublinCore:
    """Simple Dublin Core for one record, each element a list (DC elements repeat)."""

    title: list[str] = field(default_factory=list)
    creator: list[str] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    publisher: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)
    identifier: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)

    def items(self) -> Iterable[tuple[str, str]]:
        for name in (
            "title",
            "creator",
            "subject",
            "publisher",
            "date",
            "type",
            "format",
            "identifier",
            "source",
            "language",
            "rights",
        ):
            for value in getattr(self, name):
                yield name, value


@dataclass(frozen=True)
class Record:
    """One TEI file of the package and what METS says about it."""

    key: str  # the TEI file's stem, unique in the package
    label: str
    tei_path: str  # relative to data/
    dc: DublinCore
    header: etree._Element | None  # the TEI header to wrap
    files: list[str]  # every payload file (relative to data/) that belongs to this record
    events: list[str]  # PREMIS event identifiers about this record


@dataclass(frozen=True)
class MetsInput:
    objid: str
    label: str
    created: str  # xsd:dateTime
    organisations: list[str]
    software: str  # "archive 0.1.0"
    records: list[Record]
    objects: list[premis.ObjectFacts]  # every file METS describes, relative to data/
    events: list[premis.EventFacts]
    agents: list[premis.AgentFacts]


def xml_id(text: str) -> str:
    """An xsd:ID from a path or name: NCName characters only, never starting with a digit."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", text)
    return cleaned if re.match(r"^[A-Za-z_]", cleaned) else f"_{cleaned}"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, M + tag, **{k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _ids(items: Iterable[str], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for item in items:
        base = xml_id(f"{prefix}-{item}")
        ident, n = base, 1
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        out[item] = ident
    return out


def build_mets(inp: MetsInput) -> bytes:
    """The METS document as bytes; deterministic for the same input."""
    nsmap = {
        "mets": METS_NS,
        "xlink": XLINK_NS,
        "xsi": XSI_NS,
        "premis": premis.PREMIS_NS,
        "dc": DC_NS,
        "oai_dc": OAI_DC_NS,
    }
    root = etree.Element(M + "mets", nsmap=nsmap)
    root.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{METS_NS} {METS_LOCATION} {premis.PREMIS_NS} {PREMIS_LOCATION}",
    )
    root.set("OBJID", inp.objid)
    root.set("LABEL", inp.label)
    root.set("TYPE", "submission information package")

    hdr = _el(root, "metsHdr", CREATEDATE=inp.created, RECORDSTATUS="Complete")
    for org in inp.organisations:
        _el(_el(hdr, "agent", ROLE="CREATOR", TYPE="ORGANIZATION"), "name", org)
    _el(_el(hdr, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE"), "name", inp.software)

    file_ids = _ids((o.ident for o in inp.objects), "file")
    tech_ids = _ids((o.ident for o in inp.objects), "techmd")
    event_ids = _ids((e.ident for e in inp.events), "digiprov")
    agent_ids = _ids((a.ident for a in inp.agents), "digiprov-agent")

    headers: list[tuple[etree._Element, etree._Element]] = []
    for rec in inp.records:
        dmd = _el(root, "dmdSec", ID=xml_id(f"dmd-dc-{rec.key}"))
        wrap = _el(dmd, "mdWrap", MDTYPE="DC", MIMETYPE="text/xml", LABEL="Dublin Core")
        dc = etree.SubElement(_el(wrap, "xmlData"), f"{{{OAI_DC_NS}}}dc")
        for name, value in rec.dc.items():
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value
        if rec.header is not None:
            dmd = _el(root, "dmdSec", ID=xml_id(f"dmd-teihdr-{rec.key}"))
            wrap = _el(dmd, "mdWrap", MDTYPE="TEIHDR", MIMETYPE="text/xml", LABEL="TEI header")
            headers.append((_el(wrap, "xmlData"), rec.header))

    amd = _el(root, "amdSec", ID="amd")
    for obj in inp.objects:
        tech = _el(amd, "techMD", ID=tech_ids[obj.ident])
        wrap = _el(tech, "mdWrap", MDTYPE="PREMIS:OBJECT", MIMETYPE="text/xml")
        _el(wrap, "xmlData").append(premis.object_element(obj))
    for ev in inp.events:
        dp = _el(amd, "digiprovMD", ID=event_ids[ev.ident])
        wrap = _el(dp, "mdWrap", MDTYPE="PREMIS:EVENT", MIMETYPE="text/xml")
        _el(wrap, "xmlData").append(premis.event_element(ev))
    for agent in inp.agents:
        dp = _el(amd, "digiprovMD", ID=agent_ids[agent.ident])
        wrap = _el(dp, "mdWrap", MDTYPE="PREMIS:AGENT", MIMETYPE="text/xml")
        _el(wrap, "xmlData").append(premis.agent_element(agent))

    file_sec = _el(root, "fileSec")
    by_group: dict[str, list[premis.ObjectFacts]] = {}
    for obj in inp.objects:
        by_group.setdefault(obj.ident.split("/", 1)[0], []).append(obj)
    for folder in sorted(by_group, key=lambda g: (list(GROUPS).index(g) if g in GROUPS else 99, g)):
        grp = _el(
            file_sec, "fileGrp", USE=GROUPS.get(folder, folder.upper()), ID=xml_id(f"grp-{folder}")
        )
        for obj in by_group[folder]:
            f = _el(
                grp,
                "file",
                ID=file_ids[obj.ident],
                MIMETYPE=obj.mime,
                SIZE=str(obj.size),
                CHECKSUM=obj.digests["sha256"],
                CHECKSUMTYPE="SHA-256",
                ADMID=tech_ids[obj.ident],
            )
            loc = _el(f, "FLocat", LOCTYPE="URL")
            loc.set(f"{{{XLINK_NS}}}type", "simple")
            loc.set(f"{{{XLINK_NS}}}href", quote(obj.ident))

    smap = _el(root, "structMap", TYPE="logical", LABEL="Submission information package")
    top = _el(
        smap,
        "div",
        TYPE="package",
        LABEL=inp.label,
        ADMID=" ".join(event_ids[e.ident] for e in inp.events if e.type == premis.EVENT_PACKAGE)
        or None,
    )
    placed: set[str] = set()
    for rec in inp.records:
        dmdids = [xml_id(f"dmd-dc-{rec.key}")]
        if rec.header is not None:
            dmdids.append(xml_id(f"dmd-teihdr-{rec.key}"))
        div = _el(
            top,
            "div",
            TYPE="record",
            LABEL=rec.label,
            DMDID=" ".join(dmdids),
            ADMID=" ".join(event_ids[e] for e in rec.events) or None,
        )
        for path in rec.files:
            _el(div, "fptr", FILEID=file_ids[path])
            placed.add(path)
    rest: dict[str, list[str]] = {}
    for obj in inp.objects:
        if obj.ident not in placed:
            rest.setdefault(obj.ident.split("/", 1)[0], []).append(obj.ident)
    labels = {
        "shapes": "SHACL shapes the records were checked against",
        "ontology": "Ontology of the linked-data profile",
        "reports": "Validation report",
        "rdf": "Linked data",
        "tei": "TEI records",
    }
    for folder, paths in sorted(rest.items()):
        div = _el(top, "div", TYPE=folder, LABEL=labels.get(folder, folder))
        for path in paths:
            _el(div, "fptr", FILEID=file_ids[path])

    etree.indent(root, space="  ")
    for holder, header in headers:  # after indenting: the TEI header keeps its own whitespace
        holder.append(copy.deepcopy(header))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------- checking


def _mets_xsd_path() -> Path:
    try:
        ref = resources.files("metsrw") / "resources" / "mets.xsd"
    except ModuleNotFoundError:
        raise SchemaUnavailable(
            "the metsrw package (which ships mets.xsd) is not installed"
        ) from None
    path = Path(str(ref))
    if not path.is_file():
        raise SchemaUnavailable(f"mets.xsd not found at {path}")
    return path


class _LocalSchemas(etree.Resolver):
    """Map the schema locations METS imports to local copies; refuse everything else."""

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url in (XLINK_LOC, "xlink.xsd") or url.endswith("/xlink/xlink.xsd"):
            return self.resolve_filename(str(XLINK_LOCAL), context)
        return self.resolve_string(b"", context) if url.startswith("http") else None


@lru_cache(maxsize=1)
def mets_schema() -> etree.XMLSchema:
    """The METS XSD, compiled once, with no network access."""
    if not XLINK_LOCAL.is_file():
        raise SchemaUnavailable(f"local XLink schema missing: {XLINK_LOCAL}")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemas())
    doc = etree.parse(str(_mets_xsd_path()), parser)
    try:
        return etree.XMLSchema(doc)
    except etree.XMLSchemaParseError as exc:
        raise SchemaUnavailable(f"the METS schema could not be compiled offline: {exc}") from None


def _without_premis_types(root: etree._Element) -> etree._ElementTree:
    """A copy without ``xsi:type`` on PREMIS elements, for the METS schema alone.

    METS wraps PREMIS in ``xmlData`` (processed laxly), but libxml2 still insists on resolving
    ``xsi:type="premis:file"``, which needs the PREMIS schema that is not available offline.
    The PREMIS rules check that attribute instead.
    """
    tree = copy.deepcopy(root.getroottree())
    for el in tree.iter(f"{{{premis.PREMIS_NS}}}*"):
        el.attrib.pop(f"{{{XSI_NS}}}type", None)
    return tree


def check_mets(
    root: etree._Element,
    file: str,
    payload: Iterable[str],
    actual_digest: Callable[[str, str], str | None],
    actual_size: Callable[[str], int | None],
    exempt: Iterable[str] = ("mets.xml", "ro-crate-metadata.json"),
) -> list[Finding]:
    """METS schema validity, then the archive's rules: fileSec matches the payload, PREMIS.

    ``payload`` are paths relative to ``data/``; ``actual_*`` give the package's real values.
    """
    out: list[Finding] = []
    add = collector(out, Layer.PACKAGE, file)

    if root.tag != M + "mets":
        add("mets.root", f"the root element is {root.tag}, not mets:mets", root)
        return out
    try:
        schema = mets_schema()
    except SchemaUnavailable as exc:
        add("mets.schema-unavailable", str(exc), severity=Severity.WARNING)
    else:
        if not schema.validate(_without_premis_types(root)):
            for err in schema.error_log:
                add("mets.schema", f"METS schema: {err.message}", line=err.line)

    payload = set(payload)
    described: set[str] = set()
    file_ids: set[str] = set()
    for f in root.iter(M + "file"):
        if f.get("ID"):
            file_ids.add(f.get("ID", ""))
        for loc in f.iterfind(M + "FLocat"):
            href = loc.get(f"{{{XLINK_NS}}}href") or ""
            path = unquote(href)
            if (
                re.match(r"^[a-z][a-z0-9+.-]*:", path, re.I)
                or path.startswith("/")
                or ".." in (path.split("/"))
            ):
                add(
                    "mets.href",
                    f"FLocat {href!r} does not name a file inside the package",
                    loc,
                    value=href,
                )
                continue
            described.add(path)
            size = actual_size(path)
            if size is None or path not in payload:
                add(
                    "mets.file-missing",
                    f"METS lists {path}, which is not in the package",
                    loc,
                    value=path,
                )
                continue
            if f.get("SIZE") is not None and f.get("SIZE") != str(size):
                add(
                    "mets.size-mismatch",
                    f"METS gives {path} SIZE {f.get('SIZE')}; the file has {size} bytes",
                    f,
                    value=f.get("SIZE"),
                )
            ctype = (f.get("CHECKSUMTYPE") or "").upper()
            alg = {
                "SHA-256": "sha256",
                "SHA-512": "sha512",
                "SHA-1": "sha1",
                "MD5": "md5",
                "SHA-384": "sha384",
            }.get(ctype)
            if f.get("CHECKSUM") and alg:
                found = actual_digest(path, alg)
                if found is not None and found != f.get("CHECKSUM", "").lower():
                    add(
                        "mets.checksum-mismatch",
                        f"METS {ctype} of {path}: expected "
                        f"{f.get('CHECKSUM')}, the file has {found}",
                        f,
                        value=found,
                    )
            elif not f.get("CHECKSUM"):
                add("mets.checksum-missing", f"METS gives no checksum for {path}", f)
            if not f.get("MIMETYPE"):
                add("mets.mimetype-missing", f"METS gives no MIME type for {path}", f)
    for path in sorted(payload - described - set(exempt)):
        add(
            "mets.file-not-described",
            f"data/{path} is in the package but not in the METS file section",
            value=path,
        )
    pointed = {p.get("FILEID") for p in root.iter(M + "fptr")}
    for f in root.iter(M + "file"):
        if f.get("ID") not in pointed:
            add(
                "mets.file-not-in-structmap",
                f"file {f.get('ID')} is not placed in the structural map",
                f,
                severity=Severity.WARNING,
            )
    if root.find(f"{M}dmdSec/{M}mdWrap[@MDTYPE='DC']") is None:
        add("mets.dc-missing", "no Dublin Core descriptive metadata (dmdSec with MDTYPE DC)")
    if root.find(f"{M}dmdSec/{M}mdWrap[@MDTYPE='TEIHDR']") is None:
        add("mets.teiheader-missing", "no wrapped TEI header (dmdSec with MDTYPE TEIHDR)")
    out.extend(premis.check_premis(root, file, actual_digest, actual_size))
    return out
