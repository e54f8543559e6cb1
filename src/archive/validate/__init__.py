"""Validation of one TEI record through every layer: XML, schemas, references, extraction, SHACL.

Packages are validated by :mod:`archive.deposit`; :mod:`archive.submissions` decides which
of the two a path is.
"""

from archive.validate.record import FileResult, run_shacl, validate_file, validate_readable

__all__ = ["FileResult", "run_shacl", "validate_file", "validate_readable"]
