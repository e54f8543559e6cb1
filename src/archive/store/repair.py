"""Repairing the store: finishing an interrupted load or rebuild, upgrading an older format."""

from __future__ import annotations

from collections import Counter

from archive.rdf.namespaces import ARC, XSD
from archive.store import catalog as cat
from archive.store.catalog import (
    STORE_FORMAT,
    Layout,
    now_iso,
)
from archive.store.index import INDEXES, Key
from archive.store.sparql import chunks, iri, lit, resend, values_of

REBUILD_CHUNK = 50_000  # index keys per request when rebuilding
REPAIR_CHUNK = 500  # documents per request when finishing an interrupted load


class Repairing:
    """Part of :class:`archive.store.base.Store` (a mixin: it uses the store's primitives)."""

    def rebuild_index(self) -> dict[str, int]:
        """Recompute every count index from the document graphs; returns their key counts."""
        self._mark_unfinished("indexes")
        sizes = {}
        for index in INDEXES:
            counts = self.computed_counts(index)
            # in parts, to bound memory (one request for 770,000 pairs took 11 GB)
            self._apply(f"DROP SILENT GRAPH {iri(index.graph(self.base))}", resend)
            items = list(counts.items())
            for part in chunks(items, REBUILD_CHUNK):
                self._apply(
                    " ;\n".join(self._index_ops(index, Counter(dict(part)), current={})), resend
                )
            sizes[index.name] = len(counts)
        self._mark_finished("indexes")
        return sizes

    def rebuild_merged(self) -> int:
        """Recompute the merged graph from the document graphs; returns its size."""
        self._mark_unfinished("merged graph")
        m = self.layout().merged
        self._apply(f"DROP SILENT GRAPH {iri(m)}" if m else "DROP SILENT DEFAULT", resend)
        graphs = [d.graph for d in self._catalog()]
        for part in chunks(graphs, REPAIR_CHUNK):
            self._apply(self._merged_copy(list(part)), resend)
        self._mark_finished("merged graph")
        return self._count_merged()

    def _mark_unfinished(self, what: str) -> None:
        c = iri(self.catalog_graph)
        triple = f"{c} {iri(ARC.unfinished)} {lit(what)}"
        self._apply(f"INSERT DATA {{ GRAPH {c} {{ {triple} }} }}", resend)

    def _mark_finished(self, what: str) -> None:
        c = iri(self.catalog_graph)
        triple = f"{c} {iri(ARC.unfinished)} {lit(what)}"
        self._apply(f"DELETE DATA {{ GRAPH {c} {{ {triple} }} }}", resend)
        self._layout = None

    def repair(self) -> list[str]:
        """Bring the store to a state it can answer from; returns what was done.

        Finishes an interrupted load (applies the index share of the documents it wrote),
        redoes an interrupted rebuild, removes temporary files, and upgrades a store written
        by an earlier version (format 1: it gets its merged graph, harvest datestamps and
        co-signatory pairs in IRI order). Documents a load wrote are whole (each was written in
        one transaction or one atomic bulk write); nothing is lost.
        """
        done: list[str] = []
        removed = self._remove_temporary_files()
        if removed:
            done.append(f"removed {removed} temporary file(s) of an interrupted load")
        layout = self.layout(refresh=True)
        if layout.format is not None and layout.format < STORE_FORMAT:
            done += self._upgrade()
            layout = self.layout(refresh=True)
        pending = self._pending_graphs()
        if "indexes" in layout.unfinished:  # a rebuild, or a load into an empty store: redo all
            self.rebuild_index()
            self._clear_pending()
            done.append(
                "redid the count indexes an interrupted load or rebuild left unfinished"
                + (f" ({len(pending)} document(s) it had written are kept)" if pending else "")
            )
        elif pending:
            for part in chunks(pending, REPAIR_CHUNK):
                self._finish_pending(list(part), None)
            done.append(
                f"finished an interrupted load: applied the index share of {len(pending)} "
                "document(s) it had written"
            )
        if "merged graph" in layout.unfinished:
            self.rebuild_merged()
            done.append("redid an interrupted rebuild of the merged graph")
        self._layout = None
        self.notes += done
        return done

    def _remove_temporary_files(self) -> int:
        return 0

    def _pending_graphs(self) -> list[str]:
        q = f"""SELECT ?g WHERE {{ GRAPH {iri(self.catalog_graph)} {{
  ?g {cat.PENDING} ?x }} }}"""
        return sorted({g for (g,) in self._select(q).values()})  # type: ignore[misc]

    def _clear_pending(self) -> None:
        """Clear every pending flag (their index shares are in the indexes: a load into an
        empty store wrote them whole), the tombstones of live documents, and tidy the state."""
        c, t = iri(self.catalog_graph), iri(self.tombstone_graph)
        layout = self._read_layout()
        ops = [
            f"DELETE WHERE {{ GRAPH {c} {{ ?g {cat.PENDING} ?x }} }}",
            f"""DELETE {{ GRAPH {t} {{ ?g ?p ?o }} }}
WHERE {{ GRAPH {c} {{ ?g a {cat.DOCUMENT_GRAPH} }} GRAPH {t} {{ ?g ?p ?o }} }}""",
            *self._state_ops(layout.last_sequence, layout.last_datestamp or now_iso()),
        ]
        self._apply(" ;\n".join(ops), resend)

    def _finish_pending(self, graphs: list[str], keys: dict[str, Counter[Key]] | None) -> None:
        """Apply the index share of documents a bulk write stored, clear their flags, and
        tidy the state (a bulk write can only add): one transaction."""
        if keys is None:
            keys = {index.name: Counter() for index in INDEXES}
            predicates = tuple({p for index in INDEXES for p in index.predicates})
            for doc, triples in self._stored_triples(graphs, predicates).values():
                for index in INDEXES:
                    keys[index.name].update(index.keys(doc, triples))
        c = iri(self.catalog_graph)
        ops = [
            f"""DELETE {{ GRAPH {c} {{ ?g {cat.PENDING} ?x }} }}
WHERE {{ VALUES ?g {{ {values_of(graphs)} }} GRAPH {c} {{ ?g {cat.PENDING} ?x }} }}""",
            self._tombstone_delete(graphs),
        ]
        for index in INDEXES:
            ops += self._index_ops(index, keys[index.name])
        layout = self._read_layout()
        ops += self._state_ops(layout.last_sequence, layout.last_datestamp or now_iso())
        self._apply(" ;\n".join(ops), lambda: not set(graphs) & set(self._pending_graphs()))

    def _upgrade(self) -> list[str]:
        """Format 1 -> 2: harvest datestamps and sequence numbers for every catalog entry, the
        merged graph, the indexes rebuilt (co-signatory pairs in IRI order), the state."""
        docs = sorted(self._catalog(), key=lambda d: (d.modified or "", d.slug or d.graph))
        c = iri(self.catalog_graph)
        merged = self._decide_merged_graph()
        state = [f"{c} {cat.TYPE} {cat.CATALOG}"]
        if merged:
            state.append(f"{c} {cat.MERGED} {iri(merged)}")
        self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(state)} }} }}", resend)
        self._layout = Layout(STORE_FORMAT, merged)
        last = now_iso()
        for start, part in enumerate(chunks(docs, REPAIR_CHUNK)):
            lines = []
            for i, d in enumerate(part, start=start * REPAIR_CHUNK + 1):
                g = iri(d.graph)
                stamp = d.modified or last
                lines += [
                    f"{g} {cat.CREATED} {cat.datetime_literal(stamp)}",
                    f"{g} {cat.SEQUENCE} {cat.integer(i)}",
                ]
            self._apply(f"INSERT DATA {{ GRAPH {c} {{ {' . '.join(lines)} }} }}", resend)
        stamp = max([d.modified or "" for d in docs] or [last]) or last
        self._apply(" ;\n".join(self._state_ops(len(docs), stamp)), resend)
        self.rebuild_merged()
        self.rebuild_index()
        self._apply(
            f"INSERT DATA {{ GRAPH {c} {{ {c} {cat.FORMAT} {lit(STORE_FORMAT, XSD.integer)} }} }}",
            resend,
        )
        self._layout = None
        return [
            f"upgraded the store from format 1 to {STORE_FORMAT}: merged graph built, "
            f"indexes rebuilt, harvest order given to {len(docs)} document(s)"
        ]
