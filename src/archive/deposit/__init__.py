"""Deposit packages: BagIt with METS, PREMIS and RO-Crate, written and validated."""

from archive.deposit.build import PackageResult, RecordsInvalid, build_package
from archive.deposit.validate import is_package, validate_package

__all__ = ["PackageResult", "RecordsInvalid", "build_package", "is_package", "validate_package"]
