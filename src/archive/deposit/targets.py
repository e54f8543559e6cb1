"""Deposit targets: the package each system ingests, and that system's rules to check it by.

- ``bagit``: the archive's BagIt 1.0 package (METS, PREMIS, RO-Crate); RFC 8493, the BagIt
  profile, METS, the PREMIS 3.0 XSD and the RO-Crate rules.
- ``archivematica``: a standard transfer (folder), or a bag laid out as one (zip, tar);
  Archivematica's transfer rules.
- ``dspace``: a Simple Archive Format folder (or zip) for ``dspace import``; the SAF rules.
- ``dspace-sword``: a SWORD v2 package, METS with DIM at the root of a zip; DSpace's METS SIP
  profile.
- ``eark``: an E-ARK SIP (CSIP 2.1, SIP 2.1); CSIP and SIP rules, by rule id.

``detect`` says which target a package on disk was made for; ``validate`` checks it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.deposit import archivematica, dspace, eark
from archive.deposit.bag import LimitExceeded, Limits, MemberUnreadable, open_source
from archive.deposit.profile import Profile
from archive.deposit.staged import Staged
from archive.deposit.validate import is_package as is_bag_or_archive
from archive.deposit.validate import validate_package
from archive.errors import UsageError
from archive.findings import Finding, Layer, Report, Severity

__all__ = ["TARGETS", "Staged", "detect", "get", "is_package", "validate"]


@dataclass(frozen=True)
class Target:
    name: str
    formats: tuple[str, ...]
    description: str
    layout: Callable[[Staged], str] | None = None  # writes the package; returns a summary
    check: Callable[..., None] | None = None  # (src, report, base, tei, level, shapes)
    flat_archive: bool = False  # zip members are the package itself, not one base folder


TARGETS: dict[str, Target] = {
    "bagit": Target(
        "bagit",
        ("folder", "zip", "tar"),
        "BagIt 1.0 with METS, PREMIS 3 and RO-Crate 1.2 (the archive's package)",
    ),
    "archivematica": Target(
        "archivematica",
        ("folder", "zip", "tar"),
        "Archivematica: a standard transfer (folder) or a bag laid out as one (zip, tar)",
        archivematica.layout,
        archivematica.check,
    ),
    "dspace": Target(
        "dspace",
        ("folder", "zip"),
        "DSpace Simple Archive Format, for `dspace import`",
        dspace.layout_saf,
        dspace.check_saf,
        flat_archive=True,
    ),
    "dspace-sword": Target(
        "dspace-sword",
        ("zip",),
        "DSpace SWORD v2 package: METS with DIM at the root of a zip",
        dspace.layout_sword,
        dspace.check_sword,
        flat_archive=True,
    ),
    "eark": Target(
        "eark",
        ("folder", "zip"),
        "E-ARK SIP (CSIP 2.x and SIP 2.x)",
        eark.layout,
        eark.check,
    ),
}


def get(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(
            f"unknown deposit target {name!r}; choose one of {', '.join(TARGETS)}"
        ) from None


def detect(path: Path) -> str | None:
    """The target a package on disk was made for, from its layout; None if it is none of them."""
    path = Path(path)
    if _is_flat_sword(path):
        return "dspace-sword"
    if (
        _zip_names(path)
        and any(re.fullmatch(r"[^/]+/dublin_core\.xml", n) for n in _zip_names(path))
        and "bagit.txt" not in {n.split("/", 1)[-1] for n in _zip_names(path)}
    ):
        return "dspace"
    try:
        src = open_source(path, Limits.from_env())
    except Exception:  # unreadable: the validator says why
        return None
    with src:
        names = set(src.members)
    if "bagit.txt" in names or any(n.startswith("manifest-") for n in names):
        return "archivematica" if {"data/objects", "data/metadata"} <= names else "bagit"
    if "METS.xml" in names:
        return "eark"
    if {"objects", "metadata"} <= names:
        return "archivematica"
    if any(n.endswith("/dublin_core.xml") for n in names):
        return "dspace"
    return None


def is_package(path: Path) -> bool:
    """A package of any target: a bag, an E-ARK SIP, a transfer or SAF folder, or an archive."""
    path = Path(path)
    if is_bag_or_archive(path):
        return True
    if not path.is_dir():
        return False
    if (path / "METS.xml").is_file() or (
        (path / "objects").is_dir() and (path / "metadata").is_dir()
    ):
        return True
    return any(
        (item / "dublin_core.xml").is_file() and (item / "contents").is_file()
        for item in path.iterdir()
        if item.is_dir()
    )


def _zip_names(path: Path) -> list[str]:
    if not path.is_file() or not zipfile.is_zipfile(path):
        return []
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()[: Limits.from_env().max_members]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def _is_flat_sword(path: Path) -> bool:
    return "mets.xml" in _zip_names(path)


def validate(
    path: Path,
    target: str | None = None,
    *,
    base: str | None = None,
    tei: bool = True,
    profile: Profile | None = None,
    limits: Limits | None = None,
    level: str | None = None,
    shapes: Any = None,
) -> Report:
    """Check a package with the rules of ``target`` (detected from its layout when None);
    its records at the conformance ``level`` (archive.tei.levels), with ``shapes`` when given."""
    name = target or detect(Path(path)) or "bagit"
    spec = get(name)
    if spec.check is None:
        plain = None if target is None else False
        return validate_package(path, base=base, tei=tei, profile=profile, limits=limits,
                                plain=plain, level=level, shapes=shapes)  # fmt: skip
    report = Report(files=[str(path)])
    try:
        src = open_source(Path(path), limits, flat=spec.flat_archive)
    except LimitExceeded as exc:
        report.add(Finding(exc.rule, Severity.ERROR, str(exc), Layer.BAG, file=str(path)))
        return report
    with src:
        report.extend(src.findings)
        try:
            spec.check(src, report, base=base, tei=tei, level=level, shapes=shapes)
        except LimitExceeded as exc:
            report.add(src.finding(exc.rule, str(exc)))
        except MemberUnreadable as exc:
            report.add(src.finding("bag.member-unreadable", str(exc), exc.name))
    return report
