"""Deposit packages: BagIt with METS, PREMIS and RO-Crate, and the packages of Archivematica,
DSpace and E-ARK, written and validated."""

from archive.deposit.build import PackageResult, RecordsInvalid, build_package
from archive.deposit.targets import TARGETS, detect, is_package
from archive.deposit.targets import validate as validate_target
from archive.deposit.validate import validate_package

__all__ = [
    "TARGETS",
    "PackageResult",
    "RecordsInvalid",
    "build_package",
    "detect",
    "is_package",
    "validate_package",
    "validate_target",
]
