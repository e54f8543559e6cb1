"""What a target's layout receives: the archive's built payload and what is known of it.

The archive's own package is built first (``data/``: TEI, RDF, shapes, ontology, reports, METS,
RO-Crate); each other target lays out its package from those files and these facts, so every
target carries the same validated bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.deposit.identity import Identity
from archive.deposit.letter import Document
from archive.deposit.mets import Record


@dataclass(frozen=True)
class Staged:
    data: Path  # the archive package's data/ folder, fully written
    root: Path  # the folder the target's package is written into (empty)
    identity: Identity
    records: list[Record]  # one per TEI file: Dublin Core, header, files (relative to data/)
    documents: list[Document]
    orgs: list[str]  # the submitting organisations
    stamp: str  # xsd:dateTime of the package
    software: str  # "archive 0.1.0"
    bag_info: list[tuple[str, str]]  # the tags the archive's bag carries
    serialized: bool  # written as a zip or tar afterwards
    contact_email: str | None = None

    def read(self, rel: str) -> bytes:
        return (self.data / rel).read_bytes()
