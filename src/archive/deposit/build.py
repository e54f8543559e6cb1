"""Deposit: one submission information package from TEI records, for the system that ingests it.

The archive's own package (target ``bagit``) is a BagIt 1.0 bag whose payload holds the TEI
files, their RDF (Turtle, JSON-LD, N-Quads), the shapes and ontology they were checked against,
the validation report, a METS document (Dublin Core, the wrapped TEI header, files, structure,
PREMIS 3) and RO-Crate 1.2 metadata, declaring the archive's BagIt profile
(``deposit/bagit-profile.json``). The other targets (:mod:`archive.deposit.targets`) lay the same
validated files out as Archivematica, DSpace or an E-ARK archive expect.

The package's identity comes from its records (:mod:`archive.deposit.identity`), never from the
name of the file it is written to. Packages are reproducible: the same inputs and the same date
(``--date`` or ``SOURCE_DATE_EPOCH``) give the same bytes; without a date, events carry the time
they happened (:class:`Clock`). Packages are built in a temporary folder beside the target,
checked by the target's validator, and only then renamed into place, so a failure leaves what was
there before (or nothing) and never a half-written package. Options are keyword arguments of
:func:`build_package`, so that new ones (the shapes to validate with, a conformance level) add
without disturbing callers.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from archive import TOOL_NAME, __version__
from archive.deposit import crate, mets, premis, targets
from archive.deposit.bag import write_bag
from archive.deposit.dublincore import dublin_core
from archive.deposit.identity import Identity, package_identity
from archive.deposit.letter import Document, describe
from archive.deposit.packing import normalise_tree, put_in_place, write_tar, write_zip
from archive.deposit.profile import Profile, default_profile
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
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

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
    target: str = "bagit"
    identifier: str = ""  # the package's identity (METS OBJID), from the records
    summary: str = ""  # what the target's layout wrote, in a few words


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


@dataclass(frozen=True)
class Clock:
    """When things happened, for PREMIS and RO-Crate.

    With a package date (``--date`` or ``SOURCE_DATE_EPOCH``) every event carries that date: the
    reproducible-build convention, same inputs and date, same bytes. Without one, each event
    carries the time it really happened (validation and extraction of each record, then the
    package's creation), and the package date is the time the build started.
    """

    date: datetime
    fixed: bool

    @classmethod
    def of(cls, when: str | None) -> Clock:
        fixed = bool(when or os.environ.get("SOURCE_DATE_EPOCH"))
        return cls(resolve_date(when), fixed)

    def stamp(self, real: datetime | None = None) -> str:
        """The time of an event that happened at ``real`` (now, if not given)."""
        if self.fixed:
            return _stamp(self.date)
        return _stamp(real or datetime.now(UTC))


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
    target: str = "bagit",
    fmt: str | None = None,
    when: str | None = None,
    force: bool = False,
    allow_invalid: bool = False,
    base: str | None = None,
    source_organizations: Sequence[str] = (),
    group_identifier: str | None = None,
    contact_email: str | None = None,
    profile: Profile | None = None,
    shapes_dir: Path = SHAPES_DIR,
    ontology_dir: Path = ONTOLOGY_DIR,
    check: bool = True,
    level: str | None = None,
    shapes: Shapes | None = None,
) -> PackageResult:
    """Validate the records, build the package for ``target`` beside ``out``, check it with the
    target's rules and rename it into place.

    ``target`` is one of :data:`archive.deposit.targets.TARGETS`. Raises
    :class:`RecordsInvalid` (nothing written) when a record fails validation and
    ``allow_invalid`` is false, and :class:`DepositError` when the package cannot be written or
    ``out`` exists and ``force`` is false.
    """
    spec = targets.get(target)
    fmt = infer_format(out, fmt)
    if fmt not in spec.formats:
        raise UsageError(
            f"a {target} package is written as {' or '.join(spec.formats)}, not as a {fmt}"
        )
    check_inputs(tei_paths, out, force)
    if contact_email is not None and not EMAIL_RE.match(contact_email):
        raise UsageError(f"--contact-email {contact_email!r} is not an e-mail address")
    clock = Clock.of(when)
    base = (base or default_base()).rstrip("/")
    profile = profile or default_profile()
    records = validate_records(tei_paths, base, allow_invalid, clock, level, shapes)
    identity = package_identity(records)

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        bagdir = tmp / identity.objid
        payload = Payload(bagdir / "data", clock, list(source_organizations))
        for record in records:
            payload.add_record(record, derive_publishers=not source_organizations)
        described = payload.finish(records.report, shapes_dir, ontology_dir, shapes)
        identifiers = [d.uri for r in records for d in r.result.documents]
        description = _description(payload.records)
        payload.write_mets(identity, description, profile.identifier, bool(records.invalid))
        payload.write_crate(identity, description, clock, base, contact_email)
        info = _bag_info(payload.orgs, clock.date, identifiers or [identity.objid], description)
        if contact_email:
            info.insert(len(payload.orgs), ("Contact-Email", contact_email))
        info += [
            ("Bag-Group-Identifier", group_identifier or base),
            ("Bag-Software-Agent", f"{TOOL_NAME} {__version__}"),
            ("BagIt-Profile-Identifier", profile.identifier),
        ]
        built_root = bagdir
        oxum = ""
        if target == "bagit":
            oxum = write_bag(bagdir, info).oxum
            summary = f"Payload-Oxum {oxum}"
        else:
            built_root = tmp / f"{identity.objid}.{target}" / identity.objid
            built_root.mkdir(parents=True)
            summary = spec.layout(
                targets.Staged(
                    data=bagdir / "data",
                    root=built_root,
                    identity=identity,
                    records=payload.records,
                    documents=payload.documents,
                    orgs=payload.orgs,
                    stamp=clock.stamp(),
                    software=f"{TOOL_NAME} {__version__}",
                    bag_info=info,
                    serialized=fmt != "folder",
                    contact_email=contact_email,
                )
            )
        normalise_tree(built_root, clock.date)
        package_report = None
        if check:
            package_report = _self_check(built_root, base, profile, target)
        built = built_root if fmt == "folder" else tmp / f"{identity.objid}.{fmt}"
        if fmt != "folder":
            (write_zip if fmt == "zip" else write_tar)(
                built_root, built, clock.date, flat=spec.flat_archive
            )
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
        oxum=oxum,
        invalid=records.invalid,
        profile=profile.identifier,
        package_report=package_report,
        target=target,
        identifier=identity.objid,
        summary=summary,
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
    started: datetime | None = None  # when its validation (and extraction) began
    finished: datetime | None = None  # ... and ended

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
    tei_paths: Sequence[Path],
    base: str,
    allow_invalid: bool,
    clock: Clock | None = None,
    level: str | None = None,
    shapes: Shapes | None = None,
) -> Records:
    """Validate every record from the very bytes that will be packaged, at the conformance
    ``level`` and with ``shapes`` (a repository's own shapes) when given."""
    report = Report()
    items = []
    for path in tei_paths:
        data = read_limited(path)
        started = datetime.now(UTC)
        result = validate_file(
            path,
            base,
            label=f"data/tei/{path.name}",
            data=data,
            w3c_report=True,
            level=level,
            shapes=shapes,
        )
        items.append(Record(path, data, result, started, datetime.now(UTC)))
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
    clock: Clock
    orgs: list[str]
    records: list[mets.Record] = field(default_factory=list)
    events: list[premis.EventFacts] = field(default_factory=list)
    actions: list[crate.CrateAction] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    about: dict[str, str] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)  # URL -> what the records say of it
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
        licences = _licences(root)
        for url, text in licences.items():
            self.licences.setdefault(url, text)
        self.keywords += [k for k in dc.subject if k not in self.keywords]
        rdf = tuple(f for f in files if f.startswith("rdf/"))
        extraction, validation = _record_events(
            record,
            tei_rel,
            rdf,
            self.clock.stamp(record.started),
            self.clock.stamp(record.finished),
        )
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
        self.documents += [describe(d, list(licences), dc.language) for d in docs]
        name = record.path.name
        self.actions += [
            crate.CrateAction(
                f"#extraction-{stem}",
                "CreateAction",
                f"RDF extraction from {name}",
                extraction.when,
                (tei_rel,),
                rdf,
            ),
            crate.CrateAction(
                f"#validation-{stem}",
                "AssessAction",
                f"Validation of {name}",
                validation.when,
                (tei_rel,),
                ("reports/validation.json",),
                description=validation.outcome_note,
            ),
        ]

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

    def write_mets(self, identity: Identity, description: str, profile: str, invalid: bool) -> None:
        agents = [premis.AgentFacts(SOFTWARE, "local", TOOL_NAME, "software", __version__)]
        agents += [premis.AgentFacts(o, "name", o, "organization") for o in self.orgs]
        created = self.clock.stamp()
        package_event = premis.EventFacts(
            ident="package-creation",
            type=premis.EVENT_PACKAGE,
            when=created,
            detail=f"Submission information package {identity.objid} (BagIt, profile {profile}) "
            f"made by {TOOL_NAME} {__version__}",
            outcome="success",
            outcome_note="packaged although some records failed validation (--allow-invalid)"
            if invalid
            else "all records passed validation",
            agents=((SOFTWARE, "executing program"), *((o, "implementer") for o in self.orgs)),
            sources=tuple(r.tei_path for r in self.records),
        )
        mets_bytes = mets.build_mets(
            mets.MetsInput(
                objid=identity.objid,
                label=description,
                created=created,
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
        self,
        identity: Identity,
        description: str,
        clock: Clock,
        base: str,
        contact_email: str | None,
    ) -> None:
        files = [
            crate.CrateFile(
                o.ident,
                o.size,
                o.mime,
                Path(o.ident).name,
                self.about.get(o.ident),
                _file_description(o.ident, self.records),
            )
            for o in [*self.objects, _facts(self.root, "mets.xml")]
        ]
        crate_bytes = crate.build_crate(
            crate.CrateInput(
                name=identity.title,
                description=description,
                date_published=clock.date.date().isoformat(),
                licences=self.licences,
                organisations=self.orgs,
                software_name=TOOL_NAME,
                software_version=__version__,
                software_url=base + "/",
                package_id=identity.objid,
                files=files,
                documents=self.documents,
                actions=self.actions,
                keywords=self.keywords,
                contact_email=contact_email,
            )
        )
        self.write(crate.METADATA, crate_bytes)


def _licences(root: etree._Element) -> dict[str, str]:
    """Licence URL -> the header's words about it (TEI ``availability/licence``)."""
    out: dict[str, str] = {}
    for el in root.iterfind(
        f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}availability/{T}licence"
    ):
        url = el.get("target")
        if url:
            out.setdefault(url, " ".join("".join(el.itertext()).split()) or url)
    return out


_FOLDERS = {
    "shapes": "SHACL shapes the records were checked against",
    "ontology": "The linked-data profile (ontology, SKOS concepts, JSON-LD context) of the records",
}
_RDF = {".ttl": "Turtle", ".jsonld": "JSON-LD", ".nq": "N-Quads (one named graph per document)"}


def _file_description(rel: str, records: Sequence[mets.Record]) -> str:
    """What one payload file is, in a sentence (RO-Crate data entities carry a description)."""
    folder, _, leaf = rel.partition("/")
    stem = Path(leaf).stem
    label = next((r.label for r in records if r.key == stem), stem)
    if folder == "tei":
        return f"TEI P5 record: {label}"
    if folder == "rdf":
        return f"Linked data extracted from tei/{stem}.xml, as {_RDF.get(Path(leaf).suffix, 'RDF')}"
    if rel.startswith("reports/shacl/"):
        return f"W3C SHACL validation report of the linked data of tei/{stem}.xml"
    if rel == "reports/validation.json":
        return "Validation report of the records (every layer), for machines"
    if rel == "reports/validation.txt":
        return "Validation report of the records (every layer), as text"
    if rel == "mets.xml":
        return "METS document: Dublin Core, TEI headers, files with checksums, PREMIS 3 events"
    return f"{_FOLDERS.get(folder, folder)}: {leaf}"


def _record_events(
    record: Record, tei_rel: str, rdf: tuple[str, ...], started: str, finished: str
) -> tuple[premis.EventFacts, premis.EventFacts]:
    """The PREMIS extraction and validation events of one record."""
    result, stem = record.result, record.stem
    counts = result.report.counts
    verdict = "valid" if result.valid else "invalid"
    docs = result.documents
    extraction = premis.EventFacts(
        ident=f"extraction-{stem}",
        type=premis.EVENT_EXTRACTION,
        when=started,
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
        when=finished,
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


def _self_check(root: Path, base: str, profile: Profile, target: str) -> Report:
    """The target's validator on what was built: a package that fails it is never put in place."""
    report = targets.validate(root, target, base=base, tei=False, profile=profile)
    if not report.valid:
        problems = "; ".join(f"[{f.rule}] {f.message}" for f in report.errors())
        raise DepositError(f"the package failed its own check, nothing written: {problems}")
    return report
