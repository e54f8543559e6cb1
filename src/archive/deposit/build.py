"""Deposit: one submission information package (a BagIt 1.0 bag) from TEI records.

The payload holds the TEI files, their RDF (Turtle, JSON-LD, N-Quads), the shapes and ontology
they were checked against, the validation report, a METS document (Dublin Core, the wrapped TEI
header, files, structure, PREMIS 3) and RO-Crate metadata. The bag declares the archive's BagIt
profile (``deposit/bagit-profile.json``).

Packages are reproducible: the same inputs and the same date (``--date`` or
``SOURCE_DATE_EPOCH``) give the same bytes. They are built in a temporary folder beside the
target, checked with the package validator, and only then renamed into place, so a failure leaves
what was there before (or nothing) and never a half-written package.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree
from rdflib import Literal, URIRef

from archive import TOOL_NAME, __version__
from archive.deposit import crate, mets, premis
from archive.deposit.bag import write_bag
from archive.deposit.profile import Profile, default_profile
from archive.errors import DepositError, UsageError
from archive.findings import Finding, Layer, Report, Severity
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import SCHEMA
from archive.rdf.serialize import canonical_turtle, serialize
from archive.rdf.uris import default_base
from archive.resources import data_dir
from archive.tei.parse import TEI_NS, parse_bytes, read_limited

SHAPES_DIR = data_dir("shapes")
ONTOLOGY_DIR = data_dir("ontology")
FORMATS = ("folder", "zip", "tar")
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry

MIME_BY_SUFFIX = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nq": "application/n-quads",
    ".json": "application/json",
    ".txt": "text/plain",
    ".rng": "application/xml",
    ".xsd": "application/xml",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".md": "text/markdown",
}
T = f"{{{TEI_NS}}}"


class RecordsInvalid(DepositError):
    """A record failed validation and ``allow_invalid`` was not given: nothing was written."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class PackageResult:
    path: Path
    format: str
    report: Report  # the records' validation report, as packaged
    files: list[str]  # payload files, relative to data/
    oxum: str
    invalid: list[str] = field(default_factory=list)  # TEI files packaged although invalid
    profile: str = ""
    package_report: Report | None = None  # the package validator's check of what was built


# --------------------------------------------------------------------------- dates


def resolve_date(value: str | None = None) -> datetime:
    """The package's date: ``value`` (ISO date or date-time), else ``SOURCE_DATE_EPOCH``, else now.

    A date alone means midnight UTC; a date-time without an offset is taken as UTC.
    """
    if value:
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                f"--date {value!r} is not an ISO 8601 date (YYYY-MM-DD) or date-time"
            ) from None
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.strip().isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds")
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- formats


def infer_format(out: Path, fmt: str | None) -> str:
    """``--zip`` / ``--tar`` win; otherwise the suffix of ``--out`` decides; else a folder."""
    suffix = out.name.lower()
    guessed = "zip" if suffix.endswith(".zip") else "tar" if suffix.endswith(".tar") else "folder"
    if fmt is None:
        return guessed
    if fmt not in FORMATS:
        raise UsageError(f"unknown package format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt != guessed and guessed != "folder":
        raise UsageError(f"--out {out} ends in .{guessed} but a {fmt} package was asked for")
    return fmt


def bag_name(out: Path) -> str:
    name = out.name
    for suffix in (".zip", ".tar"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    if not name or name.startswith(".") or "/" in name:
        raise UsageError(f"cannot name a package after {out}")
    return name


# --------------------------------------------------------------------------- RDF


def rdf_files(docs: Sequence[DocumentGraph]) -> dict[str, bytes]:
    """Turtle, JSON-LD and N-Quads of the documents of one TEI file; same input, same bytes."""
    return {
        ".ttl": serialize(docs, "turtle"),
        ".jsonld": serialize(docs, "jsonld"),
        ".nq": serialize(docs, "nquads"),
    }


# --------------------------------------------------------------------------- metadata


def _texts(root: etree._Element, path: str) -> list[str]:
    out = []
    for el in root.iterfind(path.replace("t:", T)):
        text = " ".join("".join(el.itertext()).split())
        if text and text not in out:
            out.append(text)
    return out


def _name_of(doc: DocumentGraph, node: object) -> str | None:
    names = sorted(
        (o for s, p, o in doc.triples if s == node and p == SCHEMA.name and isinstance(o, Literal)),
        key=lambda o: (o.language != "en", str(o)),
    )
    return str(names[0]) if names else None


def dublin_core(root: etree._Element, docs: Sequence[DocumentGraph]) -> mets.DublinCore:
    """Simple Dublin Core from the TEI header and the extracted graph; nothing made up."""
    header = "t:teiHeader/t:fileDesc/"
    titles = _texts(root, header + "t:titleStmt/t:title[@type='main']") or _texts(
        root, header + "t:titleStmt/t:title"
    )
    creators: list[str] = []
    for doc in docs:
        # in the order extraction met them (the order of the letter's correspDesc)
        senders = dict.fromkeys(
            o for s, p, o in doc.triples if s == URIRef(doc.uri) and p == SCHEMA.sender
        )
        for node in senders:
            name = _name_of(doc, node)
            if name and name not in creators:
                creators.append(name)
    if not creators:
        creators = _texts(root, header + "t:titleStmt/t:author")
    dates = sorted({d.date for d in docs if d.date})
    langs = (
        [root.get("{http://www.w3.org/XML/1998/namespace}lang")]
        if root.get("{http://www.w3.org/XML/1998/namespace}lang")
        else []
    )
    licences = [
        el.get("target")
        for el in root.iterfind(
            f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}availability/{T}licence"
        )
        if el.get("target")
    ]
    return mets.DublinCore(
        title=titles[:1],
        creator=creators,
        subject=_texts(root, "t:teiHeader/t:profileDesc/t:textClass/t:keywords/t:term"),
        publisher=_texts(root, header + "t:publicationStmt/t:publisher"),
        date=dates,
        type=["Text"],
        format=["application/tei+xml"],
        identifier=[d.uri for d in docs] + _texts(root, header + "t:publicationStmt/t:idno"),
        language=langs,
        rights=licences + _texts(root, header + "t:publicationStmt/t:availability/t:licence"),
    )


def _mime(path: str) -> str:
    if path.startswith("tei/") and path.endswith(".xml"):
        return "application/tei+xml"
    if path == "mets.xml" or path.endswith(".xml"):
        return "application/xml"
    return MIME_BY_SUFFIX.get(Path(path).suffix.lower(), "application/octet-stream")


def _facts(data_dir: Path, rel: str) -> premis.ObjectFacts:
    raw = (data_dir / rel).read_bytes()
    return premis.ObjectFacts(
        ident=rel,
        size=len(raw),
        mime=_mime(rel),
        digests={
            "sha256": hashlib.sha256(raw).hexdigest(),
            "sha512": hashlib.sha512(raw).hexdigest(),
        },
    )


def _copy_tree(src: Path, dest: Path) -> list[str]:
    """Copy the visible regular files of a folder (sorted); return their relative paths."""
    out = []
    if not src.is_dir():
        return out
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_file() and not path.is_symlink():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
            out.append(rel.as_posix())
    return out


# --------------------------------------------------------------------------- serialising


def _normalise_tree(root: Path, when: datetime) -> None:
    """Fixed permissions and times on everything written, for identical folders and archives."""
    ts = max(when, ZIP_EPOCH).timestamp()
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            p = os.path.join(dirpath, name)
            os.chmod(p, 0o644)
            os.utime(p, (ts, ts))
        os.chmod(dirpath, 0o755)
        os.utime(dirpath, (ts, ts))


def _entries(bagdir: Path) -> list[tuple[str, Path]]:
    out = [(bagdir.name + "/", bagdir)]
    for path in sorted(bagdir.rglob("*"), key=lambda p: p.relative_to(bagdir).as_posix()):
        rel = f"{bagdir.name}/{path.relative_to(bagdir).as_posix()}"
        out.append((rel + "/" if path.is_dir() else rel, path))
    return out


def write_zip(bagdir: Path, target: Path, when: datetime) -> None:
    stamp = max(when, ZIP_EPOCH).timetuple()[:6]
    with zipfile.ZipFile(target, "w") as zf:
        for name, path in _entries(bagdir):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            if path.is_dir():
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                zf.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes(), compresslevel=9)


def write_tar(bagdir: Path, target: Path, when: datetime) -> None:
    mtime = int(max(when, ZIP_EPOCH).timestamp())
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tf:
        for name, path in _entries(bagdir):
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tf.addfile(info)
            else:
                data = path.read_bytes()
                info.mode = 0o644
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _put_in_place(built: Path, out: Path, force: bool) -> None:
    """Rename ``built`` to ``out``; with ``force`` the old package goes only once the new is in."""
    if not (out.exists() or out.is_symlink()):
        os.rename(built, out)
        return
    if not force:
        raise DepositError(f"{out} already exists; use --force to replace it")
    aside = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, aside)
    try:
        os.rename(built, out)
    except BaseException:
        os.rename(aside, out)
        raise
    _remove(aside)


# --------------------------------------------------------------------------- building


def build_package(
    tei_paths: Sequence[Path],
    out: Path,
    *,
    fmt: str | None = None,
    when: str | None = None,
    force: bool = False,
    allow_invalid: bool = False,
    base: str | None = None,
    source_organizations: Sequence[str] = (),
    group_identifier: str | None = None,
    profile: Profile | None = None,
    shapes_dir: Path = SHAPES_DIR,
    ontology_dir: Path = ONTOLOGY_DIR,
    check: bool = True,
) -> PackageResult:
    """Validate the records, build the package beside ``out`` and rename it into place.

    Raises :class:`RecordsInvalid` (nothing written) when a record fails validation and
    ``allow_invalid`` is false, and :class:`DepositError` when the package cannot be written or
    ``out`` exists and ``force`` is false.
    """
    from archive.validate import validate_file

    if not tei_paths:
        raise UsageError("no TEI files to deposit")
    fmt = infer_format(out, fmt)
    name = bag_name(out)
    names = [p.name for p in tei_paths]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(
            f"two inputs share the file name {dupes[0]}; a package holds each TEI "
            "file under its own name"
        )
    for p in tei_paths:
        if not p.is_file():
            raise UsageError(f"not a file: {p}")
        if any(c in p.name for c in "%\r\n") or p.name.startswith("."):
            raise UsageError(
                f"rename {p.name!r}: a packaged file name may not start with '.' or "
                "hold '%', CR or LF (bagit-python mis-reads RFC 8493's encoding)"
            )
    if (out.exists() or out.is_symlink()) and not force:
        raise DepositError(f"{out} already exists; use --force to replace it")
    if not out.parent.is_dir():
        raise UsageError(f"no such folder for the package: {out.parent}")
    dt = resolve_date(when)
    stamp = _stamp(dt)
    base = (base or default_base()).rstrip("/")
    profile = profile or default_profile()

    # 1. validate every record, from the very bytes that will be packaged
    report = Report()
    results = []
    sources: dict[str, bytes] = {}
    for path in tei_paths:
        data = read_limited(path)
        label = f"data/tei/{path.name}"
        result = validate_file(path, base, label=label, data=data, w3c_report=True)
        sources[path.name] = data
        results.append(result)
        report.merge(result.report)
    invalid = [r.label for r in results if not r.valid]
    if invalid and not allow_invalid:
        raise RecordsInvalid(
            f"{len(invalid)} record(s) failed validation and were not packaged "
            f"({', '.join(invalid)}); fix them, or deposit with --allow-invalid",
            report,
        )
    if invalid:
        report.add(
            Finding(
                "deposit.packaged-invalid",
                Severity.WARNING,
                f"packaged although {len(invalid)} record(s) failed validation (--allow-invalid): "
                f"{', '.join(invalid)}",
                Layer.PACKAGE,
                file="data/reports/validation.json",
            )
        )

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        bagdir = tmp / name
        data_dir = bagdir / "data"
        (data_dir / "tei").mkdir(parents=True)
        (data_dir / "rdf").mkdir()
        (data_dir / "reports").mkdir()

        records: list[mets.Record] = []
        events: list[premis.EventFacts] = []
        actions: list[crate.CrateAction] = []
        crate_docs: list[crate.CrateDocument] = []
        about: dict[str, str] = {}
        software = f"{TOOL_NAME}-{__version__}"
        orgs = list(source_organizations)
        licences: list[str] = []
        keywords: list[str] = []
        for path, result in zip(tei_paths, results, strict=True):
            stem = Path(path.name).stem
            tei_rel = f"tei/{path.name}"
            (data_dir / tei_rel).write_bytes(sources[path.name])
            parsed = result.parsed or parse_bytes(sources[path.name], path=path)
            root = parsed.root
            docs = result.documents
            files = [tei_rel]
            if docs:
                for suffix, blob in rdf_files(docs).items():
                    rel = f"rdf/{stem}{suffix}"
                    (data_dir / rel).write_bytes(blob)
                    files.append(rel)
            shacl_text = result.report.shacl_reports.get(result.label)
            if shacl_text:
                rel = f"reports/shacl/{stem}.ttl"
                (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (data_dir / rel).write_bytes(canonical_turtle(shacl_text))
            dc = dublin_core(root, docs)
            if not source_organizations:
                orgs += [p for p in dc.publisher if p not in orgs]
            licences += [r for r in dc.rights if r.startswith("http") and r not in licences]
            keywords += [k for k in dc.subject if k not in keywords]
            header = root.find(f"{T}teiHeader")
            label = (dc.title or [path.name])[0]
            counts = result.report.counts
            verdict = "valid" if result.valid else "invalid"
            ev_val = premis.EventFacts(
                ident=f"validation-{stem}",
                type=premis.EVENT_VALIDATION,
                when=stamp,
                detail="TEI P5 validation (project customisation, tei_all), referential "
                "integrity and date rules, SHACL shapes on the extracted graph",
                outcome=premis.outcome_of(result.valid),
                outcome_note=f"{verdict}: {counts['error']} error(s), {counts['warning']} "
                f"warning(s), {counts['info']} info; see reports/validation.json",
                agents=((software, "executing program"),),
                sources=(tei_rel,),
                outcomes=("reports/validation.json",),
            )
            triples = sum(len(d) for d in docs)
            ev_ext = premis.EventFacts(
                ident=f"extraction-{stem}",
                type=premis.EVENT_EXTRACTION,
                when=stamp,
                detail="Extraction of linked data (RDF) from the TEI record: one named graph "
                "per document, serialised as Turtle, JSON-LD and N-Quads",
                outcome="success" if docs else "failure",
                outcome_note=f"{len(docs)} document(s), {triples} triple(s)",
                agents=((software, "executing program"),),
                sources=(tei_rel,),
                outcomes=tuple(f for f in files if f.startswith("rdf/")),
            )
            events += [ev_ext, ev_val]
            records.append(
                mets.Record(stem, label, tei_rel, dc, header, files, [ev_ext.ident, ev_val.ident])
            )
            for f in files:
                if docs and len(docs) == 1:
                    about[f] = docs[0].uri
            for d in docs:
                crate_docs.append(crate.CrateDocument(d.uri, d.title, d.date))
            actions += [
                crate.CrateAction(
                    f"#extraction-{stem}",
                    "CreateAction",
                    f"RDF extraction from {path.name}",
                    stamp,
                    (tei_rel,),
                    tuple(f for f in files if f.startswith("rdf/")),
                ),
                crate.CrateAction(
                    f"#validation-{stem}",
                    "AssessAction",
                    f"Validation of {path.name}",
                    stamp,
                    (tei_rel,),
                    ("reports/validation.json",),
                    description=ev_val.outcome_note,
                ),
            ]

        shapes = [f"shapes/{p}" for p in _copy_tree(shapes_dir, data_dir / "shapes")]
        onto = [f"ontology/{p}" for p in _copy_tree(ontology_dir, data_dir / "ontology")]
        if not shapes:
            raise DepositError(f"no SHACL shapes to package in {shapes_dir}")
        if not onto:
            raise DepositError(f"no ontology files to package in {ontology_dir}")
        report.files = [f"data/tei/{p.name}" for p in tei_paths]
        (data_dir / "reports" / "validation.json").write_text(
            report.to_json() + "\n", encoding="utf-8"
        )
        (data_dir / "reports" / "validation.txt").write_text(
            report.to_text() + "\n", encoding="utf-8"
        )
        if not orgs:
            raise UsageError(
                "no Source-Organization: the TEI headers name no publisher; give "
                "--source-organization"
            )

        described = sorted(
            p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file()
        )
        objects = [_facts(data_dir, rel) for rel in described]
        agents = [premis.AgentFacts(software, "local", TOOL_NAME, "software", __version__)]
        agents += [premis.AgentFacts(o, "name", o, "organization") for o in orgs]
        package_event = premis.EventFacts(
            ident="package-creation",
            type=premis.EVENT_PACKAGE,
            when=stamp,
            detail=f"BagIt {profile.identifier} submission package {name} made by "
            f"{TOOL_NAME} {__version__}",
            outcome="success",
            outcome_note="packaged although some records failed validation (--allow-invalid)"
            if invalid
            else "all records passed validation",
            agents=((software, "executing program"), *((o, "implementer") for o in orgs)),
            sources=tuple(r.tei_path for r in records),
        )
        events.append(package_event)
        if len(records) == 1:
            description = (
                f"TEI P5 record with its linked data, validation report and "
                f"preservation metadata: {records[0].label}"
            )
        else:
            description = (
                f"{len(records)} TEI P5 records with their linked data, validation "
                "report and preservation metadata"
            )
        identifiers = [d.uri for r in results for d in r.documents]
        mets_bytes = mets.build_mets(
            mets.MetsInput(
                objid=name,
                label=description,
                created=stamp,
                organisations=orgs,
                software=f"{TOOL_NAME} {__version__}",
                records=records,
                objects=objects,
                events=events,
                agents=agents,
            )
        )
        (data_dir / "mets.xml").write_bytes(mets_bytes)
        crate_files = [
            crate.CrateFile(o.ident, o.size, o.mime, Path(o.ident).name, about.get(o.ident))
            for o in [*objects, _facts(data_dir, "mets.xml")]
        ]
        crate_bytes = crate.build_crate(
            crate.CrateInput(
                name=name,
                description=description,
                date_published=dt.date().isoformat(),
                licences=licences,
                organisations=orgs,
                software_name=TOOL_NAME,
                software_version=__version__,
                identifiers=identifiers,
                files=crate_files,
                documents=crate_docs,
                actions=actions,
                keywords=keywords,
            )
        )
        (data_dir / crate.METADATA).write_bytes(crate_bytes)

        info = [("Source-Organization", o) for o in orgs]
        info += [("Bagging-Date", dt.date().isoformat())]
        info += [("External-Identifier", i) for i in identifiers or [name]]
        info += [
            ("External-Description", description),
            ("Bag-Group-Identifier", group_identifier or base),
            ("Bag-Software-Agent", f"{TOOL_NAME} {__version__}"),
            ("BagIt-Profile-Identifier", profile.identifier),
        ]
        summary = write_bag(bagdir, info)
        _normalise_tree(bagdir, dt)

        package_report = None
        if check:
            from archive.deposit.validate import validate_package

            package_report = validate_package(bagdir, base=base, tei=False, profile=profile)
            if not package_report.valid:
                problems = "; ".join(f"[{f.rule}] {f.message}" for f in package_report.errors())
                raise DepositError(f"the package failed its own check, nothing written: {problems}")

        if fmt == "folder":
            built = bagdir
        else:
            built = tmp / f"{name}.{fmt}"
            (write_zip if fmt == "zip" else write_tar)(bagdir, built, dt)
            os.chmod(built, 0o644)
        _put_in_place(built, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    return PackageResult(
        path=out,
        format=fmt,
        report=report,
        files=[*described, "mets.xml", crate.METADATA],
        oxum=summary.oxum,
        invalid=invalid,
        profile=profile.identifier,
        package_report=package_report,
    )
