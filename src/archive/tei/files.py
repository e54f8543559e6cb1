"""Which files in a folder are TEI records to read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

XML_SUFFIXES = {".xml", ".tei"}


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders walked (sorted) for ``*.xml`` / ``*.tei``, hidden entries skipped."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.is_file() and child.suffix.lower() in XML_SUFFIXES:
                    yield child
        else:
            yield path
