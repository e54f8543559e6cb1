"""Advocacy documents as TEI P5 records, linked data, SHACL-checked stores and deposit packages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("advocacy-archive")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

TOOL_NAME = "archive"
