"""TEI P5 input: safe parsing, the project's schema and TEI P5, pointers, integrity rules."""

from archive.tei.files import expand_paths
from archive.tei.integrity import check_integrity
from archive.tei.parse import ParsedXML, parse_bytes, parse_file
from archive.tei.schema import check_project, check_schemas, check_tei_all

__all__ = [
    "ParsedXML",
    "check_integrity",
    "check_project",
    "check_schemas",
    "check_tei_all",
    "expand_paths",
    "parse_bytes",
    "parse_file",
]
