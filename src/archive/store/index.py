"""Count indexes the store maintains beside the documents, for questions that join every document.

An index counts, for each key (a tuple of RDF terms), the documents that have it: the pairs of
senders who signed together, the (addressee, year) of each letter. Counting these from the
documents at query time means a join over every document (measured: seconds to tens of seconds
at 100,000 letters); read from an index, they answer in milliseconds.

Each index lives in its own named graph, ``{base}/graph/_index/{name}``, one node per key::

    <{base}/graph/_index/cosignatories/{hash of the key}> arc:first <a> ; arc:second <b> ;
        arc:cosignedDocuments 3 .

The store adds a document's keys when it loads it, subtracts them when it replaces or removes
it (in the same transaction), and drops a node whose count reaches zero. Keys are computed here,
from triples in N-Triples syntax, so that new documents (rdflib terms) and stored ones (read
back from the store) give the same keys.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rdflib import URIRef

from archive.rdf.namespaces import ARC, SCHEMA

NTriple = tuple[str, str, str]  # subject, predicate, object in N-Triples syntax
Key = tuple[str, ...]  # key components in N-Triples syntax

SENDER = f"<{SCHEMA.sender}>"
TO = f"<{SCHEMA.toRecipient}>"
DATE = f"<{SCHEMA.dateCreated}>"
ORIGINAL_DATE = f"<{ARC.originalDate}>"  # a translation whose own date is unknown


@dataclass(frozen=True)
class CountIndex:
    name: str  # the graph is {base}/graph/_index/{name}
    count: URIRef  # the count's property: its own per index, so that a query can sort one
    # index's counts without joining (sorting on IRIs is what makes such queries slow)
    properties: tuple[URIRef, ...]  # one per key component
    predicates: tuple[str, ...]  # the document triples the keys depend on (N-Triples IRIs)
    keys: Callable[[str, Iterable[NTriple]], set[Key]]  # (document IRI, triples) -> keys
    doc: str = ""

    def graph(self, base: str) -> str:
        return f"{base}/graph/_index/{self.name}"

    def node(self, base: str, key: Key) -> str:
        digest = hashlib.sha256("\n".join(key).encode("utf-8")).hexdigest()[:32]
        return f"{self.graph(base)}/{digest}"


def _objects(doc: str, triples: Iterable[NTriple], predicate: str) -> list[str]:
    return [o for s, p, o in triples if s == doc and p == predicate]


def cosignatory_keys(doc: str, triples: Iterable[NTriple]) -> set[Key]:
    """Every pair of the document's senders named by IRI, in IRI order (by the IRIs' text,
    as ``STR(?a) < STR(?b)`` compares them: not by their N-Triples form, in which ``<a>``
    sorts after ``<a-b>``)."""
    senders = sorted(
        {o for o in _objects(doc, triples, SENDER) if o.startswith("<")}, key=lambda o: o[1:-1]
    )
    return set(itertools.combinations(senders, 2))


def addressee_year_keys(doc: str, triples: Iterable[NTriple]) -> set[Key]:
    """(addressee, year) for each direct addressee named by IRI and each year of the document."""
    triples = list(triples)
    years = set()
    for o in _objects(doc, triples, DATE) or _objects(doc, triples, ORIGINAL_DATE):
        if o.startswith('"') and o[1:5].isdigit():
            years.add(f'"{o[1:5]}"')
    return {(a, y) for a in _objects(doc, triples, TO) if a.startswith("<") for y in years}


COSIGNATORIES = CountIndex(
    name="cosignatories",
    count=ARC.cosignedDocuments,
    properties=(ARC.first, ARC.second),
    predicates=(SENDER,),
    keys=cosignatory_keys,
    doc="pairs of senders (schema:sender) who signed documents together",
)
ADDRESSEE_YEARS = CountIndex(
    name="addressee-years",
    count=ARC.addressedDocuments,
    properties=(ARC.addressee, ARC.year),
    predicates=(TO, DATE, ORIGINAL_DATE),
    keys=addressee_year_keys,
    doc="direct addressees (schema:toRecipient) by year of schema:dateCreated",
)
INDEXES: tuple[CountIndex, ...] = (COSIGNATORIES, ADDRESSEE_YEARS)


class KeyCounts:
    """Counts per index key, kept small: each term is stored once, a key of two terms is one
    integer, and the counts are kept in sorted runs of packed integers (12 bytes a key), not in
    one dict. Measured on 770,000 pairs: 64 MB as a dict of integers, 20 MB in runs (770,000
    pairs as tuples of strings took hundreds of megabytes).

    Keys are counted in a dict until it holds ``run`` keys; the dict is then sorted into a run.
    :meth:`items` merges the runs, adding up the counts of a key found in several."""

    def __init__(self, run: int = 100_000) -> None:
        self._ids: dict[str, int] = {}
        self._terms: list[str] = []
        self._run = run
        self._open: dict[str, dict[int, int]] = {index.name: {} for index in INDEXES}
        self._runs: dict[str, list[tuple[array, array]]] = {index.name: [] for index in INDEXES}

    def _id(self, term: str) -> int:
        found = self._ids.get(term)
        if found is None:
            found = self._ids[term] = len(self._terms)
            self._terms.append(term)
        return found

    def add(self, name: str, keys: Iterable[Key]) -> None:
        counts = self._open[name]
        for first, second in keys:
            code = self._id(first) << 32 | self._id(second)
            counts[code] = counts.get(code, 0) + 1
        if len(counts) >= self._run:
            self._close_run(name)

    def _close_run(self, name: str) -> None:
        counts = self._open[name]
        codes = sorted(counts)
        self._runs[name].append((array("Q", codes), array("I", [counts[c] for c in codes])))
        self._open[name] = {}

    def items(self, name: str) -> Iterator[tuple[Key, int]]:
        """Each key once, with its count (the runs merged; this closes the open run)."""
        if self._open[name]:
            self._close_run(name)
        runs = [zip(codes, ns, strict=True) for codes, ns in self._runs[name]]
        terms = self._terms
        merged = heapq.merge(*runs, key=lambda item: item[0])
        for code, group in itertools.groupby(merged, key=lambda item: item[0]):
            yield (terms[code >> 32], terms[code & 0xFFFFFFFF]), sum(n for _, n in group)

    def clear(self, name: str) -> None:
        self._open[name] = {}
        self._runs[name] = []
