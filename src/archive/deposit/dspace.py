"""DSpace: the Simple Archive Format for ``dspace import``, and a SWORD v2 METS package.

**Simple Archive Format** (DSpace manual, "Importing and Exporting Items via Simple Archive
Format"): an archive folder with one folder per item; each item folder holds
``dublin_core.xml`` (``<dublin_core schema="dc">`` with ``<dcvalue element= qualifier=>``),
``contents`` (one line per file: the name, then tab-separated ``bundle:``, ``permissions:``,
``description:``, ``primary:`` options) and the files. One item per TEI record: the TEI
(primary), its RDF, and ``license.txt`` (the record's licence statement, bundle LICENSE).
Written as a zip, the item folders sit at the top of the zip (``dspace import --zip``).

**SWORD v2** (package ``http://purl.org/net/sword/package/METSDSpaceSIP``, DSpace's "METS SIP
profile"): a zip with ``mets.xml`` at its root whose ``dmdSec`` wraps DIM (DSpace Intermediate
Metadata), a ``fileSec`` with every file and its MD5, and a ``structMap``. One item per package.

Rule ids (``saf.*``, ``sword.*``) are this project's; each names the manual's requirement.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree

from archive.deposit.bag import BagSource
from archive.deposit.letter import addressees
from archive.deposit.mets import DublinCore, Record, mets_schema
from archive.deposit.staged import Staged
from archive.errors import NotWellFormed, UnsafeInput, UsageError
from archive.findings import Layer, Report, Severity
from archive.tei.parse import parse_bytes

METS_NS = "http://www.loc.gov/METS/"
DIM_NS = "http://www.dspace.org/xmlns/dspace/dim"
XLINK_NS = "http://www.w3.org/1999/xlink"
M = f"{{{METS_NS}}}"
SWORD_PACKAGE = "http://purl.org/net/sword/package/METSDSpaceSIP"
SWORD_PROFILE = "DSpace METS SIP Profile 1.0"
CONTENTS_KEYS = ("bundle", "permissions", "description", "primary")
RDF_LABELS = {".ttl": "Turtle", ".jsonld": "JSON-LD", ".nq": "N-Quads"}


def dc_fields(dc: DublinCore, description: str) -> list[tuple[str, str | None, str]]:
    """(element, qualifier, value) in DSpace's dc registry for one record's Dublin Core."""
    out: list[tuple[str, str | None, str]] = []
    for name, value in dc.items():
        if name == "creator":
            out.append(("contributor", "author", value))
        elif name == "date":
            out.append(("date", "created", value))
        elif name == "language":
            out.append(("language", "iso", value))
        elif name == "format":
            out.append(("format", "mimetype", value))
        elif name in ("identifier", "rights"):
            url = value.startswith(("http://", "https://"))
            out.append((name, "uri" if url else ("other" if name == "identifier" else None), value))
        else:
            out.append((name, None, value))
    if description:
        out.append(("description", None, description))
    return out


def _record_files(staged: Staged, rec: Record) -> list[tuple[str, str, str, bool]]:
    """(data-relative path, file name in the item, description, primary) of one record."""
    files = [(rec.tei_path, rec.tei_path.split("/")[-1], f"TEI P5 record: {rec.label}", True)]
    for rel in rec.files:
        if rel.startswith("rdf/"):
            suffix = "." + rel.rsplit(".", 1)[-1]
            label = RDF_LABELS.get(suffix, "RDF")
            files.append((rel, rel.split("/")[-1], f"Linked data of the record ({label})", False))
    return files


def _description(staged: Staged, rec: Record) -> str:
    stem = rec.tei_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    doc = next((d for d in staged.documents if d.slug == stem), None)
    if doc is None and len(staged.documents) == 1 and len(staged.records) == 1:
        doc = staged.documents[0]
    return addressees(doc) if doc is not None else ""


def _licence_text(rec: Record) -> str:
    texts = [v for v in rec.dc.rights if not v.startswith(("http://", "https://"))]
    urls = [v for v in rec.dc.rights if v.startswith(("http://", "https://"))]
    return "\n\n".join([*texts, *urls]) + "\n" if texts or urls else ""


# --------------------------------------------------------------------------- SAF


def layout_saf(staged: Staged) -> str:
    """One item folder per record; returns 'N item(s)'."""
    for rec in staged.records:
        item = staged.root / rec.key
        item.mkdir()
        root = etree.Element("dublin_core", schema="dc")
        for element, qualifier, value in dc_fields(rec.dc, _description(staged, rec)):
            dv = etree.SubElement(root, "dcvalue", element=element, qualifier=qualifier or "none")
            dv.text = value
        etree.indent(root, space="  ")
        (item / "dublin_core.xml").write_bytes(
            etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        )
        lines = []
        for rel, name, description, primary in _record_files(staged, rec):
            (item / name).write_bytes(staged.read(rel))
            line = f"{name}\tbundle:ORIGINAL\tdescription:{' '.join(description.split())}"
            lines.append(line + ("\tprimary:true" if primary else ""))
        licence = _licence_text(rec)
        if licence:
            (item / "license.txt").write_text(licence, encoding="utf-8")
            lines.append("license.txt\tbundle:LICENSE")
        (item / "contents").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{len(staged.records)} item(s)"


def _adder(src: BagSource, report: Report):  # type: ignore[no-untyped-def]
    def add(
        rule: str, message: str, name: str | None = None, line: int | None = None, **kw: Any
    ) -> None:
        report.add(src.finding(rule, message, name, line, layer=Layer.PACKAGE, **kw))

    return add


def _xml(src: BagSource, name: str, add: Any, rule: str) -> etree._Element | None:
    try:
        return parse_bytes(src.read(name, 64 << 20)).root
    except NotWellFormed as exc:
        add(f"{rule}-malformed", f"{name} is not well-formed XML: {exc}", name, exc.line)
    except UnsafeInput as exc:
        add(exc.rule, str(exc), name, exc.line)
    return None


def check_saf(
    src: BagSource,
    report: Report,
    *,
    base: str | None = None,
    tei: bool = True,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """DSpace's Simple Archive Format rules on an archive folder (or a zip of one)."""
    add = _adder(src, report)
    items: dict[str, set[str]] = {}
    for name, member in sorted(src.members.items()):
        if member.kind == "dir":
            if "/" not in name:
                items.setdefault(name, set())
            continue
        if "/" not in name:
            add(
                "saf.layout",
                f"{name} sits in the archive folder, which holds item folders only; "
                "dspace import ignores it",
                name,
                severity=Severity.WARNING,
            )
            continue
        item, rest = name.split("/", 1)
        items.setdefault(item, set()).add(rest)
    if not items:
        add("saf.no-items", "the archive holds no item folder")
    records: list[str] = []
    for item, files in sorted(items.items()):
        if "dublin_core.xml" not in files:
            add("saf.dc-missing", f"item {item} has no dublin_core.xml", f"{item}/dublin_core.xml")
        else:
            _check_dc(src, f"{item}/dublin_core.xml", add)
        for meta in sorted(f for f in files if re.fullmatch(r"metadata_[A-Za-z0-9]+\.xml", f)):
            root = _xml(src, f"{item}/{meta}", add, "saf.metadata")
            schema = meta[len("metadata_") : -len(".xml")]
            if root is not None and root.get("schema") != schema:
                add(
                    "saf.metadata-schema",
                    f'{meta} must declare schema="{schema}"',
                    f"{item}/{meta}",
                    root.sourceline,
                )
        if "contents" not in files:
            add("saf.contents-missing", f"item {item} has no contents file", f"{item}/contents")
            continue
        listed = _check_contents(src, item, files, add)
        extra = files - listed - {"contents", "dublin_core.xml", "handle", "collections"}
        for name in sorted(f for f in extra if not re.fullmatch(r"metadata_\w+\.xml", f)):
            add(
                "saf.file-unlisted",
                f"{item}/{name} is not listed in contents; dspace import leaves it out",
                f"{item}/{name}",
                severity=Severity.WARNING,
            )
        records += [f"{item}/{n}" for n in sorted(listed) if n.endswith(".xml") and n in files]
    if tei:
        from archive.deposit.validate import check_records

        tei_names = [n for n in records if _is_tei(src, n)]
        check_records(src, tei_names, base, report, level=level, shapes=shapes)


def _is_tei(src: BagSource, name: str) -> bool:
    head = next(iter(src.stream(name)), b"")[:4096]
    return b"http://www.tei-c.org/ns/1.0" in head


def _check_dc(src: BagSource, name: str, add: Any) -> None:
    root = _xml(src, name, add, "saf.dc")
    if root is None:
        return
    if root.tag != "dublin_core":
        add(
            "saf.dc-root",
            f"the root element of {name} is <{root.tag}>, not <dublin_core>",
            name,
            root.sourceline,
        )
        return
    if root.get("schema", "dc") != "dc":
        add(
            "saf.dc-root",
            f"dublin_core.xml declares schema {root.get('schema')!r}; it holds the "
            "dc schema (other schemas go in metadata_SCHEMA.xml)",
            name,
            root.sourceline,
        )
    titles = 0
    for dv in root:
        if not isinstance(dv.tag, str):
            continue
        if dv.tag != "dcvalue" or not dv.get("element"):
            add("saf.dc-value", f"<{dv.tag}> is not a <dcvalue element=...>", name, dv.sourceline)
            continue
        if dv.get("element") == "title" and dv.get("qualifier", "none") == "none":
            titles += 1
        if not (dv.text or "").strip():
            add(
                "saf.dc-value",
                f"dc.{dv.get('element')} is empty",
                name,
                dv.sourceline,
                severity=Severity.WARNING,
            )
    if not titles:
        add("saf.title-missing", "no dc.title: DSpace requires a title for every item", name)


def _check_contents(src: BagSource, item: str, files: set[str], add: Any) -> set[str]:
    name = f"{item}/contents"
    listed: set[str] = set()
    text = src.read(name, 1 << 20).decode("utf-8", "replace")
    primaries = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        filename = fields[0].strip()
        if "/" in filename or filename in ("..", "."):
            add(
                "saf.contents-line",
                f"{filename!r} is not a file of the item folder",
                name,
                number,
                value=filename,
            )
            continue
        listed.add(filename)
        if filename not in files:
            add(
                "saf.file-missing",
                f"contents lists {filename}, which is not in {item}/",
                name,
                number,
                value=filename,
            )
        for option in fields[1:]:
            key, sep, _ = option.partition(":")
            if not sep or key not in CONTENTS_KEYS:
                add(
                    "saf.contents-line",
                    f"option {option!r}: contents options are "
                    f"{', '.join(k + ':' for k in CONTENTS_KEYS)}",
                    name,
                    number,
                )
            elif key == "primary":
                primaries += 1
    if primaries > 1:
        add("saf.contents-primary", "more than one file is marked primary:true", name)
    return listed


# --------------------------------------------------------------------------- SWORD v2


def layout_sword(staged: Staged) -> str:
    """mets.xml (DSpace METS SIP profile, DIM) and the files of the one record; '1 item'."""
    if len(staged.records) != 1:
        raise UsageError(
            f"a SWORD package holds one item; {len(staged.records)} records were given: deposit "
            "each on its own, or use --target dspace (one item folder per record)"
        )
    rec = staged.records[0]
    nsmap = {"mets": METS_NS, "xlink": XLINK_NS, "dim": DIM_NS}
    root = etree.Element(M + "mets", nsmap=nsmap)
    root.set("OBJID", staged.identity.objid)
    root.set("LABEL", rec.label)
    root.set("PROFILE", SWORD_PROFILE)
    hdr = etree.SubElement(root, M + "metsHdr", CREATEDATE=staged.stamp)
    for org in staged.orgs:
        agent = etree.SubElement(hdr, M + "agent", ROLE="CUSTODIAN", TYPE="ORGANIZATION")
        etree.SubElement(agent, M + "name").text = org
    agent = etree.SubElement(hdr, M + "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, M + "name").text = staged.software
    dmd = etree.SubElement(root, M + "dmdSec", ID="dmd-dim")
    wrap = etree.SubElement(
        dmd,
        M + "mdWrap",
        LABEL="DIM Metadata",
        MDTYPE="OTHER",
        OTHERMDTYPE="DIM",
        MIMETYPE="text/xml",
    )
    dim = etree.SubElement(etree.SubElement(wrap, M + "xmlData"), f"{{{DIM_NS}}}dim")
    for element, qualifier, value in dc_fields(rec.dc, _description(staged, rec)):
        field = etree.SubElement(dim, f"{{{DIM_NS}}}field", mdschema="dc", element=element)
        if qualifier:
            field.set("qualifier", qualifier)
        field.text = value
    file_sec = etree.SubElement(root, M + "fileSec")
    grp = etree.SubElement(file_sec, M + "fileGrp", ID="grp-content", USE="CONTENT")
    smap = etree.SubElement(root, M + "structMap", ID="struct", LABEL="DSpace", TYPE="LOGICAL")
    item = etree.SubElement(smap, M + "div", ID="div-item", DMDID="dmd-dim", TYPE="DSpace Item")
    for n, (rel, name, description, _primary) in enumerate(_record_files(staged, rec), 1):
        data = staged.read(rel)
        (staged.root / name).write_bytes(data)
        f = etree.SubElement(
            grp,
            M + "file",
            ID=f"file-{n}",
            MIMETYPE=_mime(name),
            SIZE=str(len(data)),
            CHECKSUM=hashlib.md5(data).hexdigest(),
            CHECKSUMTYPE="MD5",
        )
        loc = etree.SubElement(f, M + "FLocat", LOCTYPE="URL")
        loc.set(f"{{{XLINK_NS}}}type", "simple")
        loc.set(f"{{{XLINK_NS}}}href", quote(name))
        loc.set(f"{{{XLINK_NS}}}title", description)
        div = etree.SubElement(item, M + "div", ID=f"div-{n}", TYPE="DSpace Object Contents")
        etree.SubElement(div, M + "fptr", FILEID=f"file-{n}")
    etree.indent(root, space="  ")
    (staged.root / "mets.xml").write_bytes(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    )
    return "1 item"


def _mime(name: str) -> str:
    if name.endswith(".xml"):
        return "application/tei+xml"
    return {"ttl": "text/turtle", "jsonld": "application/ld+json", "nq": "application/n-quads"}.get(
        name.rsplit(".", 1)[-1], "application/octet-stream"
    )


def check_sword(
    src: BagSource,
    report: Report,
    *,
    base: str | None = None,
    tei: bool = True,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """The DSpace METS SIP profile on a SWORD v2 zip."""
    add = _adder(src, report)
    if src.resolve("mets.xml") is None:
        add("sword.mets-missing", "the package has no mets.xml at the root of the zip", "mets.xml")
        return
    root = _xml(src, "mets.xml", add, "sword.mets")
    if root is None:
        return
    if root.tag != M + "mets":
        add("sword.mets-root", f"the root element is {root.tag}, not mets:mets", "mets.xml")
        return
    schema = mets_schema()
    if not schema.validate(root.getroottree()):
        for err in schema.error_log:
            add("sword.mets-schema", f"METS schema: {err.message}", "mets.xml", err.line)
    if root.get("PROFILE") != SWORD_PROFILE:
        add(
            "sword.profile",
            f"mets/@PROFILE is {root.get('PROFILE')!r}, not {SWORD_PROFILE!r}",
            "mets.xml",
            root.sourceline,
        )
    dims = root.findall(f"{M}dmdSec/{M}mdWrap[@OTHERMDTYPE='DIM']/{M}xmlData/{{{DIM_NS}}}dim")
    mods = root.findall(f"{M}dmdSec/{M}mdWrap[@MDTYPE='MODS']")
    if not dims and not mods:
        add("sword.dmd", "no dmdSec wraps DIM (MDTYPE OTHER, OTHERMDTYPE DIM) or MODS", "mets.xml")
    for dim in dims:
        titles = [f for f in dim if f.get("element") == "title" and not f.get("qualifier")]
        if not titles:
            add("sword.title-missing", "the DIM gives no dc.title", "mets.xml", dim.sourceline)
    described: set[str] = set()
    for f in root.iter(M + "file"):
        for loc in f.iterfind(M + "FLocat"):
            href = unquote(loc.get(f"{{{XLINK_NS}}}href") or "")
            if href.startswith("/") or ".." in href.split("/") or "://" in href:
                add(
                    "sword.href",
                    f"FLocat {href!r} leaves the package",
                    "mets.xml",
                    loc.sourceline,
                    value=href,
                )
                continue
            described.add(href)
            if src.resolve(href) is None:
                add(
                    "sword.file-missing",
                    f"mets.xml lists {href}, which is not in the zip",
                    "mets.xml",
                    loc.sourceline,
                    value=href,
                )
                continue
            ctype = (f.get("CHECKSUMTYPE") or "").upper()
            alg = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256"}.get(ctype)
            if f.get("CHECKSUM") and alg:
                actual = src.digests(href, [alg])[alg]
                if actual != (f.get("CHECKSUM") or "").lower():
                    add(
                        "sword.checksum-mismatch",
                        f"{ctype} of {href}: mets.xml expects "
                        f"{f.get('CHECKSUM')}, the file has {actual}",
                        href,
                        value=actual,
                    )
    files = {n for n, m in src.members.items() if m.kind == "file"}
    for name in sorted(files - described - {"mets.xml"}):
        add(
            "sword.file-not-described",
            f"{name} is in the zip but not in mets.xml's fileSec",
            name,
            severity=Severity.WARNING,
        )
    pointed = {p.get("FILEID") for p in root.iter(M + "fptr")}
    for f in root.iter(M + "file"):
        if f.get("ID") not in pointed:
            add(
                "sword.structmap",
                f"file {f.get('ID')} is not placed in the structMap",
                "mets.xml",
                f.sourceline,
            )
    if tei:
        from archive.deposit.validate import check_records

        tei_names = sorted(n for n in described & files if n.endswith(".xml") and _is_tei(src, n))
        check_records(src, tei_names, base, report, level=level, shapes=shapes)
