"""E-ARK SIP (CSIP 2.1, SIP 2.1): the package, and the CSIP and SIP rules checked by rule id.

Layout (a folder named by the package's identity, or a zip of it)::

    ID/METS.xml                                  root METS, PROFILE E-ARK-SIP.xml
    ID/metadata/descriptive/dc-STEM.xml          Dublin Core of each record (mdRef, MDTYPE DC)
    ID/metadata/preservation/premis.xml          PREMIS 3: objects, events, agents (mdRef)
    ID/representations/rep1/METS.xml             representation METS
    ID/representations/rep1/data/...             the TEI records and their RDF
    ID/documentation/...                         validation reports, shapes, ontology
    ID/schemas/...                               METS, XLink, PREMIS 3.0 and TEI schemas

:func:`check` applies the CSIP structure rules (CSIPSTR*) and the METS rules of CSIP and SIP that
this archive relies on, each finding named ``eark.RULEID``; the tests also run the
``eark-validator`` package on what :func:`layout` writes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree

from archive.deposit import premis
from archive.deposit.bag import BagSource
from archive.deposit.mets import DC_NS, OAI_DC_NS, XLINK_LOCAL, _mets_xsd_path, mets_schema
from archive.deposit.staged import Staged
from archive.errors import NotWellFormed, UnsafeInput
from archive.findings import Layer, Report, Severity
from archive.resources import data_dir
from archive.tei.parse import parse_bytes

METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
M = f"{{{METS_NS}}}"
X = f"{{{XLINK_NS}}}"
C = f"{{{CSIP_NS}}}"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
CONTENT_CATEGORY = "Textual works – Digital"
CONTENT_INFORMATION = "TEI P5 records with their linked data (RDF)"
REP = "representations/rep1"
MIMES = {
    ".xml": "application/xml",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nq": "application/n-quads",
    ".json": "application/json",
    ".txt": "text/plain",
    ".xsd": "application/xml",
    ".rng": "application/xml",
}


def _mime(rel: str) -> str:
    if rel.startswith(f"{REP}/data/") and rel.endswith(".xml"):
        return "application/tei+xml"
    return MIMES.get(Path(rel).suffix, "application/octet-stream")


class _Ids:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, text: str) -> str:
        base = "ID-" + re.sub(r"[^A-Za-z0-9._-]", "-", text)
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        return ident


def _file_attrs(root: Path, rel: str, created: str) -> dict[str, str]:
    data = (root / rel).read_bytes()
    return {
        "MIMETYPE": _mime(rel),
        "SIZE": str(len(data)),
        "CREATED": created,
        "CHECKSUM": hashlib.sha256(data).hexdigest(),
        "CHECKSUMTYPE": "SHA-256",
    }


def _link(el: etree._Element, href: str) -> None:
    el.set("LOCTYPE", "URL")
    el.set(X + "type", "simple")
    el.set(X + "href", quote(href))


def _mets_root(objid: str, label: str, staged: Staged, representation: bool) -> etree._Element:
    nsmap = {"mets": METS_NS, "xlink": XLINK_NS, "xsi": XSI_NS, "csip": CSIP_NS, "sip": SIP_NS}
    root = etree.Element(M + "mets", nsmap=nsmap)
    root.set("OBJID", objid)
    root.set("LABEL", label)
    root.set("TYPE", CONTENT_CATEGORY)
    root.set(C + "CONTENTINFORMATIONTYPE", "OTHER")
    root.set(C + "OTHERCONTENTINFORMATIONTYPE", CONTENT_INFORMATION)
    root.set("PROFILE", SIP_PROFILE)
    root.set(
        f"{{{XSI_NS}}}schemaLocation", f"{METS_NS} schemas/mets.xsd {XLINK_NS} schemas/xlink.xsd"
    )
    hdr = etree.SubElement(
        root, M + "metsHdr", CREATEDATE=staged.stamp, LASTMODDATE=staged.stamp, RECORDSTATUS="NEW"
    )
    hdr.set(C + "OAISPACKAGETYPE", "SIP")
    software, _, version = staged.software.partition(" ")
    agent = etree.SubElement(hdr, M + "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, M + "name").text = software
    note = etree.SubElement(agent, M + "note")
    note.text = version
    note.set(C + "NOTETYPE", "SOFTWARE VERSION")
    if not representation:
        for org in staged.orgs:  # SIP15-18: the submitting agent
            agent = etree.SubElement(hdr, M + "agent", ROLE="CREATOR", TYPE="ORGANIZATION")
            etree.SubElement(agent, M + "name").text = org
    return root


def _write_mets(root: etree._Element, path: Path) -> None:
    etree.indent(root, space="  ")
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _file_grp(
    parent: etree._Element,
    use: str,
    files: list[str],
    top: Path,
    stamp: str,
    ids: _Ids,
    prefix: str = "",
) -> etree._Element:
    grp = etree.SubElement(parent, M + "fileGrp", USE=use, ID=ids(f"grp-{use}"))
    for rel in files:
        f = etree.SubElement(grp, M + "file", ID=ids(f"file-{rel}"), **_file_attrs(top, rel, stamp))
        _link(etree.SubElement(f, M + "FLocat"), rel[len(prefix) :] if prefix else rel)
    return grp


def _dc_xml(staged: Staged, index: int) -> bytes:
    rec = staged.records[index]
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    for name, value in rec.dc.items():
        etree.SubElement(root, f"{{{DC_NS}}}{name}").text = value
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _premis_xml(staged: Staged, top: Path, files: list[str]) -> bytes:
    """premis:premis with an object per representation file, the archive's events and agents."""
    root = etree.Element(premis.P + "premis", nsmap={"premis": premis.PREMIS_NS, "xsi": XSI_NS})
    root.set("version", "3.0")
    packaged = etree.fromstring(staged.read("mets.xml"))
    for rel in files:
        data = (top / rel).read_bytes()
        obj = premis.ObjectFacts(
            rel,
            len(data),
            _mime(rel),
            {
                "sha256": hashlib.sha256(data).hexdigest(),
                "sha512": hashlib.sha512(data).hexdigest(),
            },
        )
        root.append(premis.object_element(obj))
    renamed = {f"tei/{Path(r).name}": r for r in files} | {f"rdf/{Path(r).name}": r for r in files}
    for kind in ("event", "agent"):
        for el in packaged.iter(premis.P + kind):
            copy = etree.fromstring(etree.tostring(el))
            for value in copy.iter(premis.P + "linkingObjectIdentifierValue"):
                value.text = renamed.get(value.text or "", value.text)
            root.append(copy)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def layout(staged: Staged) -> str:
    """Write the SIP into ``staged.root``; returns 'N file(s)'."""
    top = staged.root
    stamp = staged.stamp
    objid = staged.identity.objid
    # representation: the records and their RDF
    data_files: list[str] = []
    for rec in staged.records:
        for rel in rec.files:
            target = f"{REP}/data/{Path(rel).name}"
            (top / target).parent.mkdir(parents=True, exist_ok=True)
            (top / target).write_bytes(staged.read(rel))
            data_files.append(target)
    docs: list[str] = []
    for path in sorted(staged.data.rglob("*")):
        rel = path.relative_to(staged.data).as_posix()
        if path.is_file() and rel.split("/", 1)[0] in ("reports", "shapes", "ontology"):
            target = f"documentation/{rel}"
            (top / target).parent.mkdir(parents=True, exist_ok=True)
            (top / target).write_bytes(path.read_bytes())
            docs.append(target)
    schemas = {
        "schemas/mets.xsd": _mets_xsd_path(),
        "schemas/xlink.xsd": XLINK_LOCAL,
        "schemas/premis-v3-0.xsd": premis.PREMIS_XSD,
        "schemas/archive-tei.rng": data_dir("tei") / "archive-tei.rng",
    }
    for rel, source in schemas.items():
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_bytes(Path(source).read_bytes())
    descriptive = []
    for i, rec in enumerate(staged.records):
        rel = f"metadata/descriptive/dc-{rec.key}.xml"
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_bytes(_dc_xml(staged, i))
        descriptive.append(rel)
    preservation = "metadata/preservation/premis.xml"
    (top / preservation).parent.mkdir(parents=True, exist_ok=True)
    (top / preservation).write_bytes(_premis_xml(staged, top, data_files))

    # representation METS
    ids = _Ids()
    rep = _mets_root(f"{objid}-rep1", f"{staged.identity.title} (representation 1)", staged, True)
    rep_sec = etree.SubElement(rep, M + "fileSec", ID=ids("rep-filesec"))
    rep_grp = _file_grp(rep_sec, "Data", data_files, top, stamp, ids, prefix=f"{REP}/")
    smap = etree.SubElement(rep, M + "structMap", TYPE="PHYSICAL", LABEL="CSIP", ID=ids("rep-map"))
    div = etree.SubElement(smap, M + "div", ID=ids("rep-div"), LABEL=f"{REP}")
    data_div = etree.SubElement(div, M + "div", ID=ids("rep-data"), LABEL="Data")
    etree.SubElement(data_div, M + "fptr", FILEID=rep_grp.get("ID", ""))
    _write_mets(rep, top / REP / "METS.xml")

    # root METS
    ids = _Ids()
    root = _mets_root(objid, staged.identity.title, staged, False)
    dmd_ids = []
    for rel in descriptive:
        dmd = etree.SubElement(
            root, M + "dmdSec", ID=ids(f"dmd-{rel}"), CREATED=stamp, STATUS="CURRENT"
        )
        ref = etree.SubElement(dmd, M + "mdRef", MDTYPE="DC")
        _link(ref, rel)
        for k, v in _file_attrs(top, rel, stamp).items():
            ref.set(k, v if k != "MIMETYPE" else "text/xml")
        dmd_ids.append(dmd.get("ID", ""))
    amd = etree.SubElement(root, M + "amdSec", ID=ids("amd"))
    digi = etree.SubElement(amd, M + "digiprovMD", ID=ids("premis"), STATUS="CURRENT")
    ref = etree.SubElement(digi, M + "mdRef", MDTYPE="PREMIS")
    _link(ref, preservation)
    for k, v in _file_attrs(top, preservation, stamp).items():
        ref.set(k, v if k != "MIMETYPE" else "text/xml")
    file_sec = etree.SubElement(root, M + "fileSec", ID=ids("filesec"))
    doc_grp = _file_grp(file_sec, "Documentation", docs, top, stamp, ids)
    schema_grp = _file_grp(file_sec, "Schemas", sorted(schemas), top, stamp, ids)
    rep_grp = _file_grp(file_sec, "Representations/rep1", [f"{REP}/METS.xml"], top, stamp, ids)
    rep_grp.set(C + "CONTENTINFORMATIONTYPE", "OTHER")  # CSIP62, CSIP63
    rep_grp.set(C + "OTHERCONTENTINFORMATIONTYPE", CONTENT_INFORMATION)
    smap = etree.SubElement(root, M + "structMap", TYPE="PHYSICAL", LABEL="CSIP", ID=ids("map"))
    div = etree.SubElement(smap, M + "div", ID=ids("div-root"), LABEL=objid)
    etree.SubElement(
        div,
        M + "div",
        ID=ids("div-metadata"),
        LABEL="Metadata",
        DMDID=" ".join(dmd_ids),
        ADMID=digi.get("ID", ""),
    )
    for grp, label in ((doc_grp, "Documentation"), (schema_grp, "Schemas")):
        sub = etree.SubElement(div, M + "div", ID=ids(f"div-{label}"), LABEL=label)
        etree.SubElement(sub, M + "fptr", FILEID=grp.get("ID", ""))
    sub = etree.SubElement(div, M + "div", ID=ids("div-rep1"), LABEL="Representations/rep1")
    mptr = etree.SubElement(sub, M + "mptr")
    _link(mptr, f"{REP}/METS.xml")
    mptr.set(X + "title", "Representation 1")
    etree.SubElement(sub, M + "fptr", FILEID=rep_grp.get("ID", ""))
    _write_mets(root, top / "METS.xml")
    count = sum(1 for p in top.rglob("*") if p.is_file())
    return f"{count} file(s)"


# --------------------------------------------------------------------------- checking

Add = Callable[..., None]


def _adder(src: BagSource, report: Report) -> Add:
    def add(
        rule: str, message: str, name: str | None = None, line: int | None = None, **kw: Any
    ) -> None:
        rule = rule if "." in rule else f"eark.{rule}"  # input.* rules keep their own names
        report.add(src.finding(rule, message, name, line, layer=Layer.PACKAGE, **kw))

    return add


def check(
    src: BagSource,
    report: Report,
    *,
    base: str | None = None,
    tei: bool = True,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """CSIP structure rules, then the root and representation METS by CSIP and SIP rule ids."""
    add = _adder(src, report)
    names = {n for n, m in src.members.items() if m.kind == "file"}
    dirs = {n for n, m in src.members.items() if m.kind == "dir"} | {
        n.rsplit("/", i)[0] for n in names for i in range(1, n.count("/") + 1)
    }
    if "METS.xml" not in names:
        add("CSIPSTR4", "the package has no METS.xml at its root (CSIPSTR4, MUST)", "METS.xml")
        return
    for folder, rule in (
        ("metadata", "CSIPSTR5"),
        ("representations", "CSIPSTR9"),
        ("schemas", "CSIPSTR15"),
        ("documentation", "CSIPSTR16"),
    ):
        if folder not in dirs:
            add(rule, f"no {folder}/ folder ({rule}, SHOULD)", folder, severity=Severity.WARNING)
    if "metadata/preservation" not in dirs:
        add(
            "CSIPSTR6",
            "no metadata/preservation/ folder (CSIPSTR6, SHOULD)",
            "metadata/preservation",
            severity=Severity.WARNING,
        )
    reps = sorted({n.split("/")[1] for n in names if n.startswith("representations/")})
    for rep in reps:
        if f"representations/{rep}/data" not in dirs:
            add(
                "CSIPSTR11",
                f"representations/{rep} has no data/ folder (CSIPSTR11, SHOULD)",
                f"representations/{rep}",
                severity=Severity.WARNING,
            )
        if f"representations/{rep}/METS.xml" not in names:
            add(
                "CSIPSTR12",
                f"representations/{rep} has no METS.xml (CSIPSTR12, SHOULD)",
                f"representations/{rep}",
                severity=Severity.WARNING,
            )
    referenced = _check_mets(src, "METS.xml", names, add, root_mets=True)
    for rep in reps:
        name = f"representations/{rep}/METS.xml"
        if name in names:
            referenced |= {
                f"representations/{rep}/{r}"
                for r in _check_mets(src, name, names, add, root_mets=False)
            }
    for name in sorted(names - referenced - {"METS.xml"}):
        add(
            "CSIP58",
            f"{name} is in the package but no METS file section or metadata "
            "reference names it (CSIP58, SHOULD)",
            name,
            severity=Severity.WARNING,
        )
    if tei:
        from archive.deposit.validate import check_records

        records = sorted(
            n
            for n in names
            if n.startswith("representations/") and "/data/" in n and n.endswith(".xml")
        )
        check_records(src, records, base, report, level=level, shapes=shapes)


def _read(src: BagSource, name: str, add: Add) -> etree._Element | None:
    try:
        return parse_bytes(src.read(name, 64 << 20)).root
    except NotWellFormed as exc:
        add("mets-not-well-formed", f"{name} is not well-formed XML: {exc}", name, exc.line)
    except UnsafeInput as exc:
        add(exc.rule, str(exc), name, exc.line)
    return None


def _check_ref(
    src: BagSource,
    mets: str,
    el: etree._Element,
    rules: tuple[str, ...],
    add: Add,
    names: set[str],
    href_attr: str = X + "href",
) -> str | None:
    """LOCTYPE, xlink:type, href, MIMETYPE, SIZE, CREATED, CHECKSUM, CHECKSUMTYPE of a reference;
    the referenced member (relative to the METS document's folder) when it resolves."""
    loctype, linktype, href_rule, mime, size, created, checksum, ctype = rules
    line = el.sourceline
    if el.get("LOCTYPE") != "URL":
        add(loctype, f"@LOCTYPE must be URL ({loctype})", mets, line)
    if el.get(X + "type") != "simple":
        add(linktype, f"@xlink:type must be simple ({linktype})", mets, line)
    href = unquote(el.get(href_attr) or "")
    folder = mets.rsplit("/", 1)[0] + "/" if "/" in mets else ""
    target = f"{folder}{href}"
    if not href or href.startswith("/") or ".." in href.split("/") or "://" in href:
        add(
            href_rule,
            f"@xlink:href {href!r} does not name a file of the package ({href_rule})",
            mets,
            line,
            value=href,
        )
        return None
    for attr, rule in (
        ("MIMETYPE", mime),
        ("SIZE", size),
        ("CREATED", created),
        ("CHECKSUM", checksum),
        ("CHECKSUMTYPE", ctype),
    ):
        if rule and not el.get(attr):
            add(rule, f"@{attr} is missing ({rule}, MUST)", mets, line)
    if target not in names:
        add(
            href_rule,
            f"{href} is referenced but not in the package ({href_rule})",
            mets,
            line,
            value=href,
        )
        return None
    if el.get("SIZE") and el.get("SIZE") != str(src.size(target)):
        add(
            size,
            f"@SIZE of {href} is {el.get('SIZE')}; the file has {src.size(target)} bytes ({size})",
            mets,
            line,
        )
    alg = {"SHA-256": "sha256", "SHA-512": "sha512", "MD5": "md5", "SHA-1": "sha1"}.get(
        el.get("CHECKSUMTYPE") or ""
    )
    if el.get("CHECKSUM") and alg:
        actual = src.digests(target, [alg])[alg]
        if actual != (el.get("CHECKSUM") or "").lower():
            add(
                checksum,
                f"@CHECKSUM of {href} does not match the file ({checksum}): expected "
                f"{el.get('CHECKSUM')}, found {actual}",
                mets,
                line,
                value=actual,
            )
    elif el.get("CHECKSUMTYPE") and not alg:
        add(
            ctype,
            f"@CHECKSUMTYPE {el.get('CHECKSUMTYPE')!r} is not one this validator computes",
            mets,
            line,
            severity=Severity.WARNING,
        )
    return href


def _check_mets(src: BagSource, name: str, names: set[str], add: Add, root_mets: bool) -> set[str]:
    """One METS document by CSIP (and, for the root, SIP) rules; the hrefs it references."""
    root = _read(src, name, add)
    referenced: set[str] = set()
    if root is None:
        return referenced
    if root.tag != M + "mets":
        add("mets-root", f"the root element of {name} is not mets:mets", name, root.sourceline)
        return referenced
    schema = mets_schema()
    if not schema.validate(root.getroottree()):
        for err in schema.error_log:
            add("mets-schema", f"METS schema: {err.message}", name, err.line)
    line = root.sourceline
    if not root.get("OBJID"):
        add("CSIP1", "mets/@OBJID is missing (CSIP1, MUST)", name, line)
    if not root.get("TYPE"):
        add("CSIP2", "mets/@TYPE (content category) is missing (CSIP2, MUST)", name, line)
    elif root.get("TYPE") == "OTHER" and not root.get(C + "OTHERTYPE"):
        add("CSIP3", "mets/@TYPE is OTHER but @csip:OTHERTYPE is missing (CSIP3)", name, line)
    if root.get(C + "CONTENTINFORMATIONTYPE") == "OTHER" and not root.get(
        C + "OTHERCONTENTINFORMATIONTYPE"
    ):
        add(
            "CSIP5",
            "@csip:CONTENTINFORMATIONTYPE is OTHER without "
            "@csip:OTHERCONTENTINFORMATIONTYPE (CSIP5)",
            name,
            line,
        )
    profile = root.get("PROFILE")
    if not profile:
        add("CSIP6", "mets/@PROFILE is missing (CSIP6, MUST)", name, line)
    elif root_mets and profile != SIP_PROFILE:
        add(
            "SIP2",
            f"mets/@PROFILE is {profile!r}; a SIP declares {SIP_PROFILE} (SIP2, MUST)",
            name,
            line,
        )
    hdr = root.find(M + "metsHdr")
    if hdr is None:
        add("CSIP117", "mets/metsHdr is missing (CSIP117, MUST)", name, line)
    else:
        if not hdr.get("CREATEDATE"):
            add("CSIP7", "metsHdr/@CREATEDATE is missing (CSIP7, MUST)", name, hdr.sourceline)
        package_type = hdr.get(C + "OAISPACKAGETYPE")
        if not package_type:
            add(
                "CSIP9",
                "metsHdr/@csip:OAISPACKAGETYPE is missing (CSIP9, MUST)",
                name,
                hdr.sourceline,
            )
        elif root_mets and package_type != "SIP":
            add(
                "SIP4",
                f"@csip:OAISPACKAGETYPE is {package_type!r}, not SIP (SIP4, MUST)",
                name,
                hdr.sourceline,
            )
        software = [
            a
            for a in hdr.iterfind(M + "agent")
            if a.get("ROLE") == "CREATOR"
            and a.get("TYPE") == "OTHER"
            and a.get("OTHERTYPE") == "SOFTWARE"
        ]
        if len(software) != 1:
            add(
                "CSIP10",
                "metsHdr needs exactly one agent ROLE=CREATOR TYPE=OTHER "
                "OTHERTYPE=SOFTWARE for the software that made the package (CSIP10-13)",
                name,
                hdr.sourceline,
            )
        else:
            agent = software[0]
            if not (agent.findtext(M + "name") or "").strip():
                add(
                    "CSIP14",
                    "the software agent has no name (CSIP14, MUST)",
                    name,
                    agent.sourceline,
                )
            note = agent.find(M + "note")
            if note is None or not (note.text or "").strip():
                add(
                    "CSIP15",
                    "the software agent has no note with its version (CSIP15, MUST)",
                    name,
                    agent.sourceline,
                )
            elif note.get(C + "NOTETYPE") != "SOFTWARE VERSION":
                add(
                    "CSIP16",
                    "the software agent's note needs @csip:NOTETYPE='SOFTWARE "
                    "VERSION' (CSIP16, MUST)",
                    name,
                    note.sourceline,
                )
        if root_mets:
            others = [a for a in hdr.iterfind(M + "agent") if a not in software]
            if not others:
                add(
                    "SIP15", "metsHdr names no submitting agent (SIP15, MUST)", name, hdr.sourceline
                )
            for agent in others:
                if agent.get("TYPE") not in ("ORGANIZATION", "INDIVIDUAL"):
                    add(
                        "SIP17",
                        "an agent's @TYPE must be ORGANIZATION or INDIVIDUAL (SIP17)",
                        name,
                        agent.sourceline,
                    )
    ref_rules = {
        "dmd": ("CSIP22", "CSIP23", "CSIP24", "CSIP26", "CSIP27", "CSIP28", "CSIP29", "CSIP30"),
        "digiprov": (
            "CSIP36",
            "CSIP37",
            "CSIP38",
            "CSIP40",
            "CSIP41",
            "CSIP42",
            "CSIP43",
            "CSIP44",
        ),
        "file": ("CSIP77", "CSIP78", "CSIP79", "CSIP68", "CSIP69", "CSIP70", "CSIP71", "CSIP72"),
    }
    for dmd in root.iterfind(M + "dmdSec"):
        if not dmd.get("CREATED"):
            add("CSIP19", "dmdSec/@CREATED is missing (CSIP19, MUST)", name, dmd.sourceline)
        for ref in dmd.iterfind(M + "mdRef"):
            if not ref.get("MDTYPE"):
                add(
                    "CSIP25", "dmdSec/mdRef/@MDTYPE is missing (CSIP25, MUST)", name, ref.sourceline
                )
            href = _check_ref(src, name, ref, ref_rules["dmd"], add, names)
            if href:
                referenced.add(href)
    premis_refs = []
    for digi in root.iterfind(f"{M}amdSec/{M}digiprovMD"):
        for ref in digi.iterfind(M + "mdRef"):
            if not ref.get("MDTYPE"):
                add(
                    "CSIP39",
                    "digiprovMD/mdRef/@MDTYPE is missing (CSIP39, MUST)",
                    name,
                    ref.sourceline,
                )
            href = _check_ref(src, name, ref, ref_rules["digiprov"], add, names)
            if href:
                referenced.add(href)
                if ref.get("MDTYPE") == "PREMIS":
                    premis_refs.append(href)
    if root_mets and not premis_refs:
        add(
            "CSIP32",
            "no digiprovMD references PREMIS preservation metadata (CSIP32, SHOULD)",
            name,
            severity=Severity.WARNING,
        )
    for href in premis_refs:
        _check_premis_file(src, href, add)
    file_sec = root.find(M + "fileSec")
    uses: dict[str, str] = {}
    if file_sec is None:
        add(
            "CSIP58",
            "mets/fileSec is missing (CSIP58, SHOULD)",
            name,
            line,
            severity=Severity.WARNING,
        )
    else:
        if not file_sec.get("ID"):
            add("CSIP59", "fileSec/@ID is missing (CSIP59, MUST)", name, file_sec.sourceline)
        for grp in file_sec.iterfind(M + "fileGrp"):
            use = grp.get("USE") or ""
            if not use:
                add("CSIP64", "fileGrp/@USE is missing (CSIP64, MUST)", name, grp.sourceline)
            if not grp.get("ID"):
                add("CSIP65", "fileGrp/@ID is missing (CSIP65, MUST)", name, grp.sourceline)
            uses[grp.get("ID", "")] = use
            files = grp.findall(M + "file")
            if not files:
                add("CSIP66", f"fileGrp {use!r} has no file (CSIP66, MUST)", name, grp.sourceline)
            for f in files:
                if not f.get("ID"):
                    add("CSIP67", "file/@ID is missing (CSIP67, MUST)", name, f.sourceline)
                loc = f.find(M + "FLocat")
                if loc is None:
                    add("CSIP76", "file has no FLocat (CSIP76, MUST)", name, f.sourceline)
                    continue
                for attr in ("MIMETYPE", "SIZE", "CREATED", "CHECKSUM", "CHECKSUMTYPE"):
                    if not f.get(attr):
                        continue
                    loc.set(attr, f.get(attr, ""))  # checked with the locator
                href = _check_ref(src, name, loc, ref_rules["file"], add, names)
                if href:
                    referenced.add(href)
        if root_mets:
            values = set(uses.values())
            if not any(u == "Schemas" for u in values):
                add(
                    "CSIP113",
                    "no fileGrp USE='Schemas' references the XML schemas used (CSIP113, MUST)",
                    name,
                    file_sec.sourceline,
                )
            if not any(u.startswith("Representations") for u in values):
                add(
                    "CSIP114",
                    "no fileGrp USE='Representations/...' (CSIP114, MUST)",
                    name,
                    file_sec.sourceline,
                )
    _check_struct_map(src, name, root, uses, names, add, root_mets, referenced)
    return referenced


def _check_struct_map(
    src: BagSource,
    name: str,
    root: etree._Element,
    uses: dict[str, str],
    names: set[str],
    add: Add,
    root_mets: bool,
    referenced: set[str],
) -> None:
    maps = [
        s
        for s in root.iterfind(M + "structMap")
        if s.get("TYPE") == "PHYSICAL" and s.get("LABEL") == "CSIP"
    ]
    if not maps:
        add(
            "CSIP81",
            "no structMap TYPE='PHYSICAL' LABEL='CSIP' (CSIP80-82, MUST)",
            name,
            root.sourceline,
        )
        return
    smap = maps[0]
    if not smap.get("ID"):
        add("CSIP83", "structMap/@ID is missing (CSIP83, MUST)", name, smap.sourceline)
    divs = smap.findall(M + "div")
    if len(divs) != 1:
        add(
            "CSIP84",
            "the CSIP structMap must hold a single div (CSIP84, MUST)",
            name,
            smap.sourceline,
        )
        return
    top = divs[0]
    if not top.get("ID"):
        add("CSIP85", "the main div has no @ID (CSIP85, MUST)", name, top.sourceline)
    labels = {d.get("LABEL"): d for d in top.iterfind(M + "div")}
    for div in top.iterfind(M + "div"):
        if not div.get("ID"):
            add(
                "CSIP106",
                f"div {div.get('LABEL')!r} has no @ID (CSIP89/94/98/102/106, MUST)",
                name,
                div.sourceline,
            )
        for fptr in div.iterfind(M + "fptr"):
            if fptr.get("FILEID") not in uses:
                add(
                    "CSIP116",
                    f"fptr points at {fptr.get('FILEID')!r}, which is no fileGrp "
                    "(CSIP116/118/119, MUST)",
                    name,
                    fptr.sourceline,
                )
    if not root_mets:
        return
    ids = {el.get("ID") for el in root.iter() if isinstance(el.tag, str) and el.get("ID")}
    meta = labels.get("Metadata")
    if meta is None and root.find(M + "dmdSec") is not None:
        add(
            "CSIP88",
            "no 'Metadata' division for the metadata sections (CSIP88, MUST)",
            name,
            top.sourceline,
        )
    elif meta is not None:
        for attr, rule in (("DMDID", "CSIP92"), ("ADMID", "CSIP91")):
            for ref in (meta.get(attr) or "").split():
                if ref not in ids:
                    add(
                        rule,
                        f"the Metadata division's @{attr} names {ref!r}, which is not "
                        f"in the document ({rule})",
                        name,
                        meta.sourceline,
                    )
    for use, label, rule in (
        ("Documentation", "Documentation", "CSIP93"),
        ("Schemas", "Schemas", "CSIP97"),
    ):
        if use in uses.values() and label not in labels:
            add(
                rule,
                f"no '{label}' division for the {use} file group ({rule}, SHOULD)",
                name,
                top.sourceline,
                severity=Severity.WARNING,
            )
    for label, div in labels.items():
        if not (label or "").startswith("Representations/"):
            continue
        for mptr in div.iterfind(M + "mptr"):
            href = _check_ref(
                src, name, mptr, ("CSIP112", "CSIP111", "CSIP110", "", "", "", "", ""), add, names
            )
            if href:
                referenced.add(href)


def _check_premis_file(src: BagSource, href: str, add: Add) -> None:
    """The referenced PREMIS file against the PREMIS 3.0 schema (metadata/preservation)."""
    try:
        root = parse_bytes(src.read(href, 64 << 20)).root
    except (NotWellFormed, UnsafeInput) as exc:
        add("premis-not-well-formed", f"{href}: {exc}", href)
        return
    schema = premis.premis_schema()
    if not schema.validate(root.getroottree()):
        for err in schema.error_log:
            add("premis-schema", f"PREMIS 3.0 schema: {err.message}", href, err.line)
