"""The SPARQL Update requests that keep a document's graph, the merged graph, the catalog and
the count indexes in step, sent so that a lost answer is checked, never guessed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from archive.errors import StoreError, UpdateOutcomeUnknown
from archive.rdf.namespaces import XSD
from archive.store import catalog as cat
from archive.store.index import INDEXES, CountIndex, Key, NTriple
from archive.store.sparql import chunks, from_nt, iri, values_of


class Updates:
    """Part of :class:`archive.store.base.Store` (a mixin: it uses the store's primitives)."""

    def _apply(self, update: str, landed: Callable[[], bool] | None) -> None:
        """Send an update; when a server's answer was lost, check whether it landed (and send
        it again if not). ``resend``: the update can be applied twice to the same effect."""
        try:
            self._update(update)
        except UpdateOutcomeUnknown:
            if landed is not None and landed():
                return
            if landed is None:
                raise
            self._update(update)  # not applied: it is safe to send again

    def _landed(self, expected: dict[str, str | None]) -> bool:
        found = {d.graph: d.sha256 for d in self._catalog(expected)}
        return all(found.get(g) == sha for g, sha in expected.items())

    def _merged_release(self, graphs: list[str]) -> str:
        """Take these documents' triples out of the merged graph, unless another document
        (not one of these) states them too."""
        gs = ", ".join(iri(g) for g in graphs)
        return f"""DELETE {{ {self._in_merged("?s ?p ?o")} }}
WHERE {{ VALUES ?g {{ {values_of(graphs)} }} GRAPH ?g {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }}
    FILTER ({self._document_graph_filter("?h")} && ?h NOT IN ({gs})) }} }}"""

    def _merged_copy(self, graphs: list[str]) -> str:
        return f"""INSERT {{ {self._in_merged("?s ?p ?o")} }}
WHERE {{ VALUES ?g {{ {values_of(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"""

    def _tombstone_delete(self, graphs: list[str]) -> str:
        t = iri(self.tombstone_graph)
        return f"""DELETE {{ GRAPH {t} {{ ?g ?p ?o }} }}
WHERE {{ VALUES ?g {{ {values_of(graphs)} }} GRAPH {t} {{ ?g ?p ?o }} }}"""

    def _catalog_delete(self, graphs: list[str]) -> str:
        c = iri(self.catalog_graph)
        return f"""DELETE {{ GRAPH {c} {{ ?g ?p ?o }} }}
WHERE {{ VALUES ?g {{ {values_of(graphs)} }} GRAPH {c} {{ ?g ?p ?o }} }}"""

    def _state_ops(self, sequence: int, stamp: str) -> list[str]:
        c = iri(self.catalog_graph)
        return [
            f"DELETE WHERE {{ GRAPH {c} {{ {c} {cat.LAST_SEQUENCE} ?n }} }}",
            f"DELETE WHERE {{ GRAPH {c} {{ {c} {cat.MODIFIED} ?m }} }}",
            f"INSERT DATA {{ GRAPH {c} {{ {c} {cat.LAST_SEQUENCE} {cat.integer(sequence)} . "
            f"{c} {cat.MODIFIED} {cat.datetime_literal(stamp)} }} }}",
        ]

    def _old_keys(self, graphs: list[str]) -> dict[str, Counter[Key]]:
        """Each index's keys of the stored documents ``graphs``, negated (to subtract)."""
        deltas: dict[str, Counter[Key]] = {index.name: Counter() for index in INDEXES}
        if not graphs:
            return deltas
        predicates = tuple({p for index in INDEXES for p in index.predicates})
        for doc, triples in self._stored_triples(graphs, predicates).values():
            for index in INDEXES:
                deltas[index.name].subtract(index.keys(doc, triples))
        return deltas

    def _stored_triples(
        self, graphs: list[str] | None, predicates: Iterable[str]
    ) -> dict[str, tuple[str, list[NTriple]]]:
        """graph -> (document, its triples with these predicates), as stored."""
        values = ""
        if graphs is not None:
            values = "VALUES ?g { " + values_of(graphs) + " }"
        preds = " ".join(predicates)
        q = f"""SELECT ?g ?doc ?p ?o WHERE {{
  {values}
  GRAPH {iri(self.catalog_graph)} {{ ?g {cat.ABOUT} ?doc }}
  VALUES ?p {{ {preds} }}
  GRAPH ?g {{ ?doc ?p ?o }}
}}"""
        out: dict[str, tuple[str, list[NTriple]]] = {}
        for g, doc, p, o in self._select(q).rows:
            entry = out.setdefault(g.value, (str(doc), []))  # type: ignore[union-attr]
            entry[1].append((str(doc), str(p), str(o)))
        return out

    def index_triples(self, index: CountIndex, counts: dict[Key, int]) -> Iterator[ox.Triple]:
        """An index for ``counts``, written whole."""
        count = ox.NamedNode(str(index.count))
        props = [ox.NamedNode(str(p)) for p in index.properties]
        integer = ox.NamedNode(str(XSD.integer))
        for key, k in counts.items():
            if k <= 0:
                continue
            node = ox.NamedNode(index.node(self.base, key))
            for prop, value in zip(props, key, strict=True):
                yield ox.Triple(node, prop, from_nt(value))
            yield ox.Triple(node, count, ox.Literal(str(k), datatype=integer))

    def _index_ops(
        self, index: CountIndex, delta: Counter[Key], current: dict[str, int] | None = None
    ) -> list[str]:
        """DELETE DATA / INSERT DATA that add ``delta`` to an index's counts.

        The current counts are read first and the new ones written as data: measured on
        pyoxigraph, a ``DELETE/INSERT ... WHERE`` computing the counts in SPARQL cost several
        times more per key than writing the computed triples.
        """
        changed = {key: k for key, k in delta.items() if k}
        if not changed:
            return []
        if current is None:
            current = self._key_counts(index, [index.node(self.base, k) for k in changed])
        graph = iri(index.graph(self.base))
        count = iri(index.count)
        props = [iri(p) for p in index.properties]
        integer = iri(XSD.integer)
        deletes, inserts = [], []
        for key, k in sorted(changed.items()):
            node = f"<{index.node(self.base, key)}>"  # a hash under the base: a safe IRI
            old = current.get(node[1:-1], 0)
            new = old + k
            if new < 0:
                raise StoreError(
                    f"the {index.name} index is out of step with the documents ({key}); "
                    "run `archive reindex`"
                )
            described = "\n".join(f"{node} {p} {v} ." for p, v in zip(props, key, strict=True))
            if old:
                deletes.append(f'{node} {count} "{old}"^^{integer} .')
            if new:
                inserts.append(f'{node} {count} "{new}"^^{integer} .')
            if not old and new:
                inserts.append(described)
            elif old and not new:
                deletes.append(described)
        ops = []
        if deletes:
            ops.append(f"DELETE DATA {{ GRAPH {graph} {{\n" + "\n".join(deletes) + "\n} }")
        if inserts:
            ops.append(f"INSERT DATA {{ GRAPH {graph} {{\n" + "\n".join(inserts) + "\n} }")
        return ops

    def _key_counts(self, index: CountIndex, nodes: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(nodes, 20000):
            q = f"""SELECT ?node ?n WHERE {{ VALUES ?node {{ {" ".join(f"<{p}>" for p in part)} }}
  GRAPH {iri(index.graph(self.base))} {{ ?node {iri(index.count)} ?n }} }}"""
            for node, k in self._select(q).values():
                out[node] = int(k)  # type: ignore[index,arg-type]
        return out
