"""What a submission is: TEI files, folders of them, or deposit packages; one report for all.

This sits above both :mod:`archive.validate` (one TEI record) and :mod:`archive.deposit`
(packages), so that neither needs to know about the other's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from archive.findings import Report
from archive.shacl.shapesfile import Shapes
from archive.tei.files import expand_paths
from archive.validate.record import FileResult, validate_readable


def validate_paths(
    paths: Iterable[Path],
    base: str | None = None,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    shacl: bool = True,
    w3c_report: bool = False,
    shapes: Shapes | None = None,
) -> Report:
    """Validate files and folders (and deposit packages); one merged report."""
    report = Report()
    for path in paths:
        if _maybe_package(path):
            from archive.deposit.validate import is_package, validate_package

            if is_package(path):
                report.merge(validate_package(path, base=base, shapes=shapes))
                continue
        for file in expand_paths([path]):
            result = validate_readable(
                file, base, shacl=shacl, w3c_report=w3c_report, shapes=shapes
            )
            report.merge(result.report)
            if on_file:
                on_file(result)
    return report


def _maybe_package(path: Path) -> bool:
    """Whether ``path`` could be a deposit package (the deposit layer then says): not a TEI
    file, nor a folder without ``bagit.txt``. Validating records never loads the deposit layer."""
    if path.is_dir():
        return (path / "bagit.txt").exists()
    return not path.name.lower().endswith(".xml")
