"""What a submission is: TEI files, folders of them, or deposit packages; one report for all.

This sits above both :mod:`archive.validate` (one TEI record) and :mod:`archive.deposit`
(packages), so that neither needs to know about the other's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from archive.findings import Finding, Layer, Report, Severity
from archive.shacl.shapesfile import Shapes
from archive.tei.files import expand_paths
from archive.validate.record import FileResult, validate_readable


def undeclared_bag(path: Path) -> str:
    """What makes a folder without bagit.txt look like a bag (a payload folder with manifests
    or bag-info.txt), or "" when it is an ordinary folder of TEI files."""
    if not path.is_dir() or (path / "bagit.txt").exists():
        return ""
    marks = sorted(
        p.name
        for p in path.iterdir()
        if p.is_file()
        and (
            p.name.startswith(("manifest-", "tagmanifest-"))
            or p.name in ("bag-info.txt", "fetch.txt")
        )
    )
    if marks and (path / "data").is_dir():
        return "data/, " + ", ".join(marks)
    return ""


def validate_paths(
    paths: Iterable[Path],
    base: str | None = None,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    shacl: bool = True,
    w3c_report: bool = False,
    level: str | None = None,
    target: str | None = None,
    shapes: Shapes | None = None,
) -> Report:
    """Validate files and folders (and deposit packages); one merged report.

    A package is checked by the rules of the system it was made for: ``target`` names it
    (``bagit``, ``archivematica``, ``dspace``, ``dspace-sword``, ``eark``), else its layout says.
    """
    report = Report()
    for path in paths:
        if _maybe_package(path):
            from archive.deposit.targets import is_package
            from archive.deposit.targets import validate as validate_package

            if is_package(path) or (target and path.is_file()):
                report.merge(validate_package(path, target, base=base, level=level, shapes=shapes))
                continue
        if undeclared_bag(path):
            report.files.append(str(path))
            report.add(
                Finding(
                    "bag.declaration-missing",
                    Severity.ERROR,
                    "this folder is laid out as a BagIt bag (" + undeclared_bag(path) + ") but "
                    "has no bagit.txt, the bag declaration (RFC 8493, 2.1.1), so it is not a "
                    "bag; add bagit.txt ('BagIt-Version: 1.0' and 'Tag-File-Character-Encoding: "
                    "UTF-8'), or rebuild the package with archive deposit",
                    Layer.BAG,
                    file=str(path),
                )
            )
            continue
        for file in expand_paths([path]):
            result = validate_readable(
                file, base, shacl=shacl, w3c_report=w3c_report, level=level, shapes=shapes
            )
            report.merge(result.report)
            if on_file:
                on_file(result)
    return report


def _maybe_package(path: Path) -> bool:
    """Whether ``path`` could be a deposit package (the deposit layer then says): a folder, or a
    file that is not XML. Validating TEI files never loads the deposit layer."""
    return path.is_dir() or not path.name.lower().endswith(".xml")
