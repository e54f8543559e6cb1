"""What a submission is: TEI files, folders of them, or deposit packages; one report for all.

This sits above both :mod:`archive.validate` (one TEI record) and :mod:`archive.deposit`
(packages), so that neither needs to know about the other's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from archive.deposit.validate import is_package, validate_package
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
