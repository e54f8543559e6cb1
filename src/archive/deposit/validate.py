"""Validation of submission packages: BagIt, the archive's profile, METS and PREMIS, RO-Crate,
then the TEI and SHACL layers on the records inside, every finding located in the package.

Layers run in order and each reports all it finds. A package refused as hostile (traversal, links
out of the bag, bombs, enormous manifests) stops at the layer that refused it; the report says
why. Nothing from the package is written to disk except the TEI records handed to the record
validator, under names this module chooses, in a private temporary folder.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from archive.deposit import crate, mets
from archive.deposit.bag import (
    BagSource,
    LimitExceeded,
    Limits,
    MemberUnreadable,
    PackageUnreadable,
    open_source,
)
from archive.deposit.bagcheck import BagContents, check_bag
from archive.deposit.profile import Profile, ProfileError, check_profile, default_profile
from archive.errors import NotWellFormed, UnsafeInput
from archive.findings import Finding, Layer, Report, Severity
from archive.tei.parse import max_bytes, parse_bytes

__all__ = ["PackageUnreadable", "is_package", "validate_package"]

PACKAGE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
SERIALIZATIONS = {"zip": "application/zip", "tar": "application/x-tar"}


def is_package(path: Path) -> bool:
    """A bag folder (``bagit.txt``, or ``data/`` with a manifest) or a ``.zip`` / ``.tar``."""
    if path.is_dir():
        # a bag, or a folder that is one but for its declaration (bagit.txt is then reported)
        return (path / "bagit.txt").is_file() or (
            (path / "data").is_dir() and any(path.glob("manifest-*.txt"))
        )
    return path.name.lower().endswith(PACKAGE_SUFFIXES)


class _Facts:
    """What the package really holds, for the METS, PREMIS and RO-Crate checks."""

    def __init__(self, src: BagSource, bag: BagContents) -> None:
        self.src = src
        self.bag = bag
        self.payload = {p[len("data/") :] for p in bag.payload}
        self._digests: dict[tuple[str, str], str] = {}

    def size(self, ident: str) -> int | None:
        return self.src.size(f"data/{ident}") if ident in self.payload else None

    def digest(self, ident: str, alg: str) -> str | None:
        if ident not in self.payload:
            return None
        name = f"data/{ident}"
        known = self.bag.digest(alg, name)
        if known and self.bag.checked.get(name):
            return known  # already verified against the file
        key = (ident, alg)
        if key not in self._digests:
            self._digests[key] = self.src.digests(name, [alg])[alg]
        return self._digests[key]


def validate_package(
    path: Path,
    base: str | None = None,
    *,
    tei: bool = True,
    profile: Profile | None = None,
    limits: Limits | None = None,
    plain: bool | None = None,
    level: str | None = None,
    shapes: Any = None,
) -> Report:
    """Validate a package (bag folder, ``.zip`` or ``.tar``): one report, every finding.

    ``plain`` checks the bag by RFC 8493 alone (True), as the archive's package (False), or
    decides from what the bag declares (None: the archive's profile, or ``data/mets.xml``).
    Raises :class:`PackageUnreadable` when the path cannot be opened as a package at all
    (exit code 2); everything wrong *inside* a package is a finding.
    """
    src = None
    try:
        src = open_source(Path(path), limits)
    except LimitExceeded as exc:
        report = Report(files=[str(path)])
        report.add(Finding(exc.rule, Severity.ERROR, str(exc), Layer.BAG, file=str(path)))
        return report
    try:
        return _validate(src, base, tei, profile, plain, level=level, shapes=shapes)
    finally:
        src.close()


def is_archive_bag(bag: BagContents, profile: Profile | None) -> bool:
    """A bag made as this archive's package: it declares the profile or carries data/mets.xml."""
    declared = bag.info_values("BagIt-Profile-Identifier")
    return "data/mets.xml" in bag.payload or (
        profile is not None and profile.identifier in declared
    )


def _validate(
    src: BagSource,
    base: str | None,
    tei: bool,
    profile: Profile | None,
    plain: bool | None,
    level: str | None = None,
    shapes: Any = None,
) -> Report:
    report = Report(files=[src.display])
    try:
        bag = check_bag(src)
    except LimitExceeded as exc:
        report.extend(src.findings)
        report.add(src.finding(exc.rule, str(exc)))
        return report
    except MemberUnreadable as exc:  # a tag file that cannot be read
        report.extend(src.findings)
        report.add(src.finding("bag.member-unreadable", str(exc), exc.name))
        return report
    report.extend(bag.findings)
    if bag.version is None and not bag.payload:
        return report  # not a bag at all: nothing further can be said

    try:
        profile = profile or default_profile()
    except ProfileError as exc:
        report.add(
            src.finding(
                "profile.unavailable", str(exc), layer=Layer.PACKAGE, severity=Severity.WARNING
            )
        )
        profile = None
    if plain is None:
        plain = not is_archive_bag(bag, profile)
    if plain:
        report.add(
            src.finding(
                "bag.plain",
                "checked as a plain BagIt bag (RFC 8493): it declares no BagIt profile this "
                "validator has and holds no archive package (data/mets.xml), so only the BagIt "
                "layer ran",
                severity=Severity.INFO,
            )
        )
        return report
    if profile is not None:
        declared = bag.info_values("BagIt-Profile-Identifier")
        for ident in declared:
            if ident != profile.identifier:
                report.add(
                    src.finding(
                        "profile.unknown",
                        f"the bag declares profile {ident}, which this validator does not have; "
                        f"it is checked against the archive's profile {profile.identifier}",
                        "bag-info.txt",
                        severity=Severity.WARNING,
                        layer=Layer.PACKAGE,
                        value=ident,
                    )
                )
        report.extend(check_profile(src, bag, profile, SERIALIZATIONS.get(src.kind)))

    facts = _Facts(src, bag)
    try:
        _check_metadata(src, bag, facts, report)
        _check_rdf(src, bag, report)
        if tei:
            _check_records(src, bag, base, report, level=level, shapes=shapes)
    except LimitExceeded as exc:
        report.add(src.finding(exc.rule, str(exc)))
    except MemberUnreadable as exc:
        report.add(src.finding("bag.member-unreadable", str(exc), exc.name))
    return report


def _read_xml(src: BagSource, name: str, report: Report, rule: str):  # type: ignore[no-untyped-def]
    try:
        data = src.read(name, max_bytes())
        return parse_bytes(data).root
    except NotWellFormed as exc:
        report.add(
            src.finding(f"{rule}.not-well-formed", str(exc), name, exc.line, layer=Layer.PACKAGE)
        )
    except UnsafeInput as exc:
        report.add(src.finding(exc.rule, str(exc), name, exc.line, layer=Layer.PACKAGE))
    return None


def _check_metadata(src: BagSource, bag: BagContents, facts: _Facts, report: Report) -> None:
    if "data/mets.xml" in bag.payload:
        root = _read_xml(src, "data/mets.xml", report, "mets")
        if root is not None:
            report.extend(
                mets.check_mets(
                    root, src.location("data/mets.xml"), facts.payload, facts.digest, facts.size
                )
            )
    elif not any(
        f.rule == "profile.payload-file-required" and f.file and f.file.endswith("data/mets.xml")
        for f in report
    ):
        report.add(
            src.finding(
                "mets.missing",
                "the package has no METS document (data/mets.xml)",
                "data/mets.xml",
                layer=Layer.PACKAGE,
            )
        )
    name = f"data/{crate.METADATA}"
    if name in bag.payload:
        data = src.read(name, 64 << 20)
        report.extend(crate.check_crate(data, src.location(name), facts.payload, facts.size))
    elif not any(
        f.rule == "profile.payload-file-required" and f.file and f.file.endswith(crate.METADATA)
        for f in report
    ):
        report.add(
            src.finding(
                "crate.missing",
                f"the package has no RO-Crate metadata ({name})",
                name,
                layer=Layer.PACKAGE,
            )
        )
    verdict = "data/reports/validation.json"
    if verdict in bag.payload:
        try:
            packaged = json.loads(src.read(verdict, 64 << 20).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.add(
                src.finding(
                    "package.report-unreadable",
                    f"the packaged validation report is not JSON: {exc}",
                    verdict,
                    layer=Layer.PACKAGE,
                )
            )
        else:
            if isinstance(packaged, dict) and packaged.get("valid") is False:
                counts = packaged.get("counts", {})
                report.add(
                    src.finding(
                        "package.records-invalid",
                        f"the packaged validation report says the records are invalid "
                        f"({counts.get('error', '?')} error(s)): they were deposited with "
                        "--allow-invalid",
                        verdict,
                        severity=Severity.WARNING,
                        layer=Layer.PACKAGE,
                    )
                )


def _tei_files(bag: BagContents) -> list[str]:
    return [p for p in bag.payload if p.startswith("data/tei/") and p.endswith(".xml")]


def _check_rdf(src: BagSource, bag: BagContents, report: Report) -> None:
    """Each record has its three RDF serialisations, and each one parses."""
    import pyoxigraph as ox

    for name in _tei_files(bag):
        stem = Path(name).stem
        for suffix in (".ttl", ".jsonld", ".nq"):
            rdf = f"data/rdf/{stem}{suffix}"
            if rdf not in bag.payload:
                report.add(
                    src.finding(
                        "package.rdf-missing", f"{name} has no {rdf}", rdf, layer=Layer.PACKAGE
                    )
                )
                continue
            data = src.read(rdf, max_bytes())
            try:
                if suffix == ".jsonld":
                    from rdflib import Dataset

                    Dataset().parse(data=data, format="json-ld")
                else:
                    fmt = ox.RdfFormat.TURTLE if suffix == ".ttl" else ox.RdfFormat.N_QUADS
                    for _ in ox.parse(data, format=fmt):
                        pass
            except Exception as exc:  # every parser error is a finding here
                line = getattr(exc, "lineno", None)
                report.add(
                    src.finding(
                        "package.rdf-unparseable",
                        f"{rdf} does not parse: {str(exc)[:300]}",
                        rdf,
                        line,
                        layer=Layer.PACKAGE,
                    )
                )


def _check_records(
    src: BagSource,
    bag: BagContents,
    base: str | None,
    report: Report,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """The TEI and SHACL layers on each record, located as ``package!data/tei/file.xml``."""
    names = _tei_files(bag)
    if not names:
        if not any(f.rule == "profile.payload-file-required" for f in report):
            report.add(
                src.finding(
                    "package.no-records",
                    "the package holds no TEI record (data/tei/*.xml)",
                    "data/tei",
                    layer=Layer.PACKAGE,
                )
            )
        return
    payload = set(bag.payload)
    check_records(
        src,
        names,
        base,
        report,
        {n: nq for n in names if (nq := f"data/rdf/{Path(n).stem}.nq") in payload},
        level=level,
        shapes=shapes,
    )


def check_records(
    src: BagSource,
    names: list[str],
    base: str | None,
    report: Report,
    packaged_nquads: dict[str, str] | None = None,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """The full record validation on TEI members of any package, findings located inside it,
    at the conformance ``level`` and with ``shapes`` (a repository's own) when given.

    ``packaged_nquads`` maps a TEI member to the N-Quads member packaged with it, which must
    equal what this version extracts (else ``package.rdf-differs``).
    """
    from archive.rdf.serialize import serialize
    from archive.validate import validate_file

    packaged_nquads = packaged_nquads or {}
    with tempfile.TemporaryDirectory(prefix="archive-package-") as tmp:
        staged: dict[str, Path] = {}
        for name in names:
            leaf = Path(name).name
            if leaf in {p.name for p in staged.values()}:
                leaf = f"{len(staged)}-{leaf}"
            target = Path(tmp, leaf)
            target.write_bytes(src.read(name, max_bytes()))
            staged[name] = target
        for name, path in staged.items():
            result = validate_file(path, base, label=src.location(name), level=level, shapes=shapes)
            report.merge(result.report)
            report.files = [f for f in report.files if f != result.label]
            packaged = packaged_nquads.get(name)
            if result.documents and packaged:
                fresh = serialize(result.documents, "nquads")
                if src.read(packaged, max_bytes()) != fresh:
                    report.add(
                        src.finding(
                            "package.rdf-differs",
                            f"{packaged} differs from the RDF this version extracts from {name} "
                            "(another tool version or base URI, or an edited file)",
                            packaged,
                            severity=Severity.WARNING,
                            layer=Layer.PACKAGE,
                        )
                    )
