"""Interchange: the archive's correspondence for other catalogues (CMIF for correspSearch)."""

from archive.interchange.cmif import CmifExport, CmifHeader, build_cmif, cmif_bytes, cmif_url
from archive.interchange.correspondence import correspondence_graph
from archive.interchange.letters import (
    Letter,
    Participant,
    letters_from_documents,
    letters_from_store,
)

__all__ = [
    "CmifExport",
    "CmifHeader",
    "Letter",
    "Participant",
    "build_cmif",
    "cmif_bytes",
    "cmif_url",
    "correspondence_graph",
    "letters_from_documents",
    "letters_from_store",
]
