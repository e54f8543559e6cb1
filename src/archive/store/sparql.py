"""Rendering terms and pieces of SPARQL for the store's own requests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Literal as RDFLiteral
from rdflib import URIRef

from archive.store.document import nt


def iri(value: str) -> str:
    return nt(URIRef(value))


def lit(value: object, datatype: URIRef | None = None) -> str:
    return RDFLiteral(value, datatype=datatype).n3() if datatype else RDFLiteral(value).n3()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def values_of(graphs: Iterable[str]) -> str:
    return " ".join(iri(g) for g in graphs)


def resend() -> bool:
    """For :meth:`Store._apply`: an update that is the same applied once or twice."""
    return False


def from_nt(value: str) -> ox.NamedNode | ox.Literal:
    """One term in N-Triples syntax (an index key component) as a pyoxigraph term."""
    [triple] = ox.parse(f"<urn:x:s> <urn:x:p> {value} .", format=ox.RdfFormat.N_TRIPLES)
    return triple.object  # type: ignore[return-value]


def looks_like_iri(ref: str) -> bool:
    return ":" in ref and not ref.startswith(("_:", ":"))
