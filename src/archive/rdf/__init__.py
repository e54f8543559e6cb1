"""Linked data: the profile's namespaces and URIs, extraction from TEI, serialisation."""

from archive.rdf.docgraph import DocumentGraph
from archive.rdf.extract import Extraction, extract_file, extract_parsed
from archive.rdf.serialize import serialize
from archive.rdf.summary import summarise
from archive.rdf.uris import URIs

__all__ = [
    "DocumentGraph",
    "Extraction",
    "URIs",
    "extract_file",
    "extract_parsed",
    "serialize",
    "summarise",
]
