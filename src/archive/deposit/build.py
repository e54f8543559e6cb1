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
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from archive import TOOL_NAME, __version__
from archive.deposit import crate, mets, premis
from archive.deposit.bag import write_bag
from archive.deposit.dublincore import dublin_core
from archive.deposit.packing import normalise_tree, put_in_place, write_tar, write_zip
from archive.deposit.profile import Profile, default_profile
from archive.deposit.validate import validate_package
from archive.errors import DepositError, UsageError
from archive.findings import Finding, Layer, Report, Severity
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.serialize import canonical_turtle, serialize
from archive.rdf.uris import default_base
from archive.resources import data_dir
from archive.shacl.shapesfile import Shapes
from archive.tei.parse import TEI_NS, parse_bytes, read_limited
from archive.validate import FileResult, validate_file

SHAPES_DIR = data_dir("shapes")
ONTOLOGY_DIR = data_dir("ontology")
FORMATS = ("folder", "zip", "tar")

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
    shapes: Shapes | None = None,
) -> PackageResult:
    """Validate the records, build the package beside ``out`` and rename it into place.

    Raises :class:`RecordsInvalid` (nothing written) when a record fails validation and
    ``allow_invalid`` is false, and :class:`DepositError` when the package cannot be written or
    ``out`` exists and ``force`` is false.
    """
    fmt = infer_format(out, fmt)
    name = bag_name(out)
    check_inputs(tei_paths, out, force)
    dt = resolve_date(when)
    base = (base or default_base()).rstrip("/")
    profile = profile or default_profile()
    records = validate_records(tei_paths, base, allow_invalid, shapes)

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        bagdir = tmp / name
        payload = Payload(bagdir / "data", _stamp(dt), list(source_organizations))
        for record in records:
            payload.add_record(record, derive_publishers=not source_organizations)
        described = payload.finish(records.report, shapes_dir, ontology_dir, shapes)
        identifiers = [d.uri for r in records for d in r.result.documents]
        description = _description(payload.records)
        payload.write_mets(name, description, profile.identifier, invalid=bool(records.invalid))
        payload.write_crate(name, description, dt, identifiers)
        info = _bag_info(payload.orgs, dt, identifiers or [name], description)
        info += [
            ("Bag-Group-Identifier", group_identifier or base),
            ("Bag-Software-Agent", f"{TOOL_NAME} {__version__}"),
            ("BagIt-Profile-Identifier", profile.identifier),
        ]
        summary = write_bag(bagdir, info)
        normalise_tree(bagdir, dt)
        package_report = _self_check(bagdir, base, profile) if check else None
        built = bagdir if fmt == "folder" else tmp / f"{name}.{fmt}"
        if fmt != "folder":
            (write_zip if fmt == "zip" else write_tar)(bagdir, built, dt)
            os.chmod(built, 0o644)
        put_in_place(built, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    return PackageResult(
        path=out,
        format=fmt,
        report=records.report,
        files=[*described, "mets.xml", crate.METADATA],
        oxum=summary.oxum,
        invalid=records.invalid,
        profile=profile.identifier,
        package_report=package_report,
    )


def check_inputs(tei_paths: Sequence[Path], out: Path, force: bool) -> None:
    """Refuse, before any work, what could not be packaged faithfully or would overwrite."""
    if not tei_paths:
        raise UsageError("no TEI files to deposit")
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


@dataclass
class Record:
    """One TEI file to package: its bytes as validated, and what validation found."""

    path: Path
    data: bytes
    result: FileResult

    @property
    def stem(self) -> str:
        return Path(self.path.name).stem


@dataclass
class Records:
    items: list[Record]
    report: Report
    invalid: list[str]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.items)


def validate_records(
    tei_paths: Sequence[Path], base: str, allow_invalid: bool, shapes: Shapes | None = None
) -> Records:
    """Validate every record from the very bytes that will be packaged (with ``shapes``, a
    repository's own shapes, when given)."""
    report = Report()
    items = []
    for path in tei_paths:
        data = read_limited(path)
        result = validate_file(
            path, base, label=f"data/tei/{path.name}", data=data, w3c_report=True, shapes=shapes
        )
        items.append(Record(path, data, result))
        report.merge(result.report)
    invalid = [r.result.label for r in items if not r.result.valid]
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
    return Records(items, report, invalid)


SOFTWARE = f"{TOOL_NAME}-{__version__}"


@dataclass
class Payload:
    """The bag's ``data/`` folder as it is written, and what METS and RO-Crate will say of it."""

    root: Path
    stamp: str
    orgs: list[str]
    records: list[mets.Record] = field(default_factory=list)
    events: list[premis.EventFacts] = field(default_factory=list)
    actions: list[crate.CrateAction] = field(default_factory=list)
    documents: list[crate.CrateDocument] = field(default_factory=list)
    about: dict[str, str] = field(default_factory=dict)
    licences: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    objects: list[premis.ObjectFacts] = field(default_factory=list)

    def __post_init__(self) -> None:
        for folder in ("tei", "rdf", "reports"):
            (self.root / folder).mkdir(parents=True)

    def write(self, rel: str, data: bytes) -> None:
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_bytes(data)

    def add_record(self, record: Record, derive_publishers: bool) -> None:
        """The TEI file, its RDF and SHACL report, and its METS, PREMIS and crate entries."""
        result, stem = record.result, record.stem
        tei_rel = f"tei/{record.path.name}"
        self.write(tei_rel, record.data)
        root = (result.parsed or parse_bytes(record.data, path=record.path)).root
        docs = result.documents
        files = [tei_rel]
        if docs:
            for suffix, blob in rdf_files(docs).items():
                files.append(f"rdf/{stem}{suffix}")
                self.write(files[-1], blob)
        shacl_text = result.report.shacl_reports.get(result.label)
        if shacl_text:
            self.write(f"reports/shacl/{stem}.ttl", canonical_turtle(shacl_text))
        dc = dublin_core(root, docs)
        if derive_publishers:
            self.orgs += [p for p in dc.publisher if p not in self.orgs]
        self.licences += [r for r in dc.rights if r.startswith("http") and r not in self.licences]
        self.keywords += [k for k in dc.subject if k not in self.keywords]
        rdf = tuple(f for f in files if f.startswith("rdf/"))
        extraction, validation = _record_events(record, tei_rel, rdf, self.stamp)
        self.events += [extraction, validation]
        label = (dc.title or [record.path.name])[0]
        header = root.find(f"{T}teiHeader")
        self.records.append(
            mets.Record(
                stem, label, tei_rel, dc, header, files, [extraction.ident, validation.ident]
            )
        )
        if len(docs) == 1:
            self.about.update(dict.fromkeys(files, docs[0].uri))
        self.documents += [crate.CrateDocument(d.uri, d.title, d.date) for d in docs]
        name = record.path.name
        self.actions += [
            crate.CrateAction(
                f"#extraction-{stem}", "CreateAction", f"RDF extraction from {name}",
                self.stamp, (tei_rel,), rdf,
            ),
            crate.CrateAction(
                f"#validation-{stem}", "AssessAction", f"Validation of {name}", self.stamp,
                (tei_rel,), ("reports/validation.json",), description=validation.outcome_note,
            ),
        ]  # fmt: skip

    def finish(
        self, report: Report, shapes_dir: Path, ontology_dir: Path, shapes: Shapes | None = None
    ) -> list[str]:
        """Shapes, ontology and the validation reports; the PREMIS facts of every payload file.
        With a repository's own shapes, the files the records were checked against are packaged
        (``shapes/`` keeps their names; the project's only when they were used)."""
        if shapes is not None:
            for f in shapes.files:
                target = self.root / "shapes" / f.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.read_bytes())
        elif not _copy_tree(shapes_dir, self.root / "shapes"):
            raise DepositError(f"no SHACL shapes to package in {shapes_dir}")
        if not _copy_tree(ontology_dir, self.root / "ontology"):
            raise DepositError(f"no ontology files to package in {ontology_dir}")
        report.files = [f"data/{r.tei_path}" for r in self.records]
        self.write("reports/validation.json", (report.to_json() + "\n").encode("utf-8"))
        self.write("reports/validation.txt", (report.to_text() + "\n").encode("utf-8"))
        if not self.orgs:
            raise UsageError(
                "no Source-Organization: the TEI headers name no publisher; give "
                "--source-organization"
            )
        described = sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )
        self.objects = [_facts(self.root, rel) for rel in described]
        return described

    def write_mets(self, name: str, description: str, profile: str, invalid: bool) -> None:
        agents = [premis.AgentFacts(SOFTWARE, "local", TOOL_NAME, "software", __version__)]
        agents += [premis.AgentFacts(o, "name", o, "organization") for o in self.orgs]
        package_event = premis.EventFacts(
            ident="package-creation",
            type=premis.EVENT_PACKAGE,
            when=self.stamp,
            detail=f"BagIt {profile} submission package {name} made by {TOOL_NAME} {__version__}",
            outcome="success",
            outcome_note="packaged although some records failed validation (--allow-invalid)"
            if invalid
            else "all records passed validation",
            agents=((SOFTWARE, "executing program"), *((o, "implementer") for o in self.orgs)),
            sources=tuple(r.tei_path for r in self.records),
        )
        mets_bytes = mets.build_mets(
            mets.MetsInput(
                objid=name,
                label=description,
                created=self.stamp,
                organisations=self.orgs,
                software=f"{TOOL_NAME} {__version__}",
                records=self.records,
                objects=self.objects,
                events=[*self.events, package_event],
                agents=agents,
            )
        )
        self.write("mets.xml", mets_bytes)

    def write_crate(
        self, name: str, description: str, dt: datetime, identifiers: list[str]
    ) -> None:
        files = [
            crate.CrateFile(o.ident, o.size, o.mime, Path(o.ident).name, self.about.get(o.ident))
            for o in [*self.objects, _facts(self.root, "mets.xml")]
        ]
        crate_bytes = crate.build_crate(
            crate.CrateInput(
                name=name,
                description=description,
                date_published=dt.date().isoformat(),
                licences=self.licences,
                organisations=self.orgs,
                software_name=TOOL_NAME,
                software_version=__version__,
                identifiers=identifiers,
                files=files,
                documents=self.documents,
                actions=self.actions,
                keywords=self.keywords,
            )
        )
        self.write(crate.METADATA, crate_bytes)


def _record_events(
    record: Record, tei_rel: str, rdf: tuple[str, ...], stamp: str
) -> tuple[premis.EventFacts, premis.EventFacts]:
    """The PREMIS extraction and validation events of one record."""
    result, stem = record.result, record.stem
    counts = result.report.counts
    verdict = "valid" if result.valid else "invalid"
    docs = result.documents
    extraction = premis.EventFacts(
        ident=f"extraction-{stem}",
        type=premis.EVENT_EXTRACTION,
        when=stamp,
        detail="Extraction of linked data (RDF) from the TEI record: one named graph "
        "per document, serialised as Turtle, JSON-LD and N-Quads",
        outcome="success" if docs else "failure",
        outcome_note=f"{len(docs)} document(s), {sum(len(d) for d in docs)} triple(s)",
        agents=((SOFTWARE, "executing program"),),
        sources=(tei_rel,),
        outcomes=rdf,
    )
    validation = premis.EventFacts(
        ident=f"validation-{stem}",
        type=premis.EVENT_VALIDATION,
        when=stamp,
        detail="TEI P5 validation (project customisation, tei_all), referential "
        "integrity and date rules, SHACL shapes on the extracted graph",
        outcome=premis.outcome_of(result.valid),
        outcome_note=f"{verdict}: {counts['error']} error(s), {counts['warning']} "
        f"warning(s), {counts['info']} info; see reports/validation.json",
        agents=((SOFTWARE, "executing program"),),
        sources=(tei_rel,),
        outcomes=("reports/validation.json",),
    )
    return extraction, validation


def _description(records: Sequence[mets.Record]) -> str:
    if len(records) == 1:
        return (
            "TEI P5 record with its linked data, validation report and "
            f"preservation metadata: {records[0].label}"
        )
    return (
        f"{len(records)} TEI P5 records with their linked data, validation "
        "report and preservation metadata"
    )


def _bag_info(
    orgs: Sequence[str], dt: datetime, identifiers: Sequence[str], description: str
) -> list[tuple[str, str]]:
    info = [("Source-Organization", o) for o in orgs]
    info += [("Bagging-Date", dt.date().isoformat())]
    info += [("External-Identifier", i) for i in identifiers]
    info += [("External-Description", description)]
    return info


def _self_check(bagdir: Path, base: str, profile: Profile) -> Report:
    """The package validator on what was built: a package that fails it is never put in place."""
    report = validate_package(bagdir, base=base, tei=False, profile=profile)
    if not report.valid:
        problems = "; ".join(f"[{f.rule}] {f.message}" for f in report.errors())
        raise DepositError(f"the package failed its own check, nothing written: {problems}")
    return report
