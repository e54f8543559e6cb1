"""Harvesting the store: what changed, in a stable order, page by page (OAI-PMH's needs).

See :meth:`Harvesting.changes`."""

from __future__ import annotations

from archive.errors import UsageError
from archive.store import catalog as cat
from archive.store.catalog import (
    FIELDS,
    Change,
    ChangePage,
)
from archive.store.sparql import iri, lit


class Harvesting:
    """Part of :class:`archive.store.base.Store` (a mixin: it uses the store's primitives)."""

    def changes(
        self,
        since: str | None = None,
        until: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> ChangePage:
        """Documents loaded or changed, and documents removed (tombstones), in harvest order.

        The order is by datestamp, then by sequence number (the order the store wrote them
        in); it is total and stable, and every write comes after every record already in the
        store, so a harvest that pages with ``after=page.cursor`` neither loses nor repeats a
        record while documents are loaded or removed. ``since`` and ``until`` bound the
        datestamps, inclusively, at their own granularity (``2026-11-29`` or
        ``2026-11-29T12:00:00Z``). A changed document moves to the end with its new datestamp;
        a removed one is answered by its tombstone.
        """
        if limit < 1:
            raise UsageError("limit must be at least 1")
        layout = self.layout(refresh=True)
        last = layout.last_sequence
        cursor = after or 0
        if since and after is None:
            first = self._first_sequence_since(since)
            if first is None:
                return ChangePage([], None)
            cursor = first - 1
        out: list[Change] = []
        window = max(256, limit)
        while cursor < last:
            high = min(cursor + window, last)
            for change in self._changes_between(cursor + 1, high):
                if until and change.datestamp[: len(until)] > until:
                    return ChangePage(out, None)
                if since and change.datestamp[: len(since)] < since:
                    continue
                out.append(change)
                if len(out) == limit:
                    more = change.sequence < last
                    return ChangePage(out, change.sequence if more else None)
            cursor = high
        return ChangePage(out, None)

    def _first_sequence_since(self, since: str) -> int | None:
        stamp = lit(since)
        q = f"""SELECT (MIN(?n) AS ?first) WHERE {{
  {{ GRAPH {iri(self.catalog_graph)} {{ ?e {cat.SEQUENCE} ?n ; {cat.MODIFIED} ?m }} }}
  UNION {{ GRAPH {iri(self.tombstone_graph)} {{ ?e {cat.SEQUENCE} ?n ; {cat.MODIFIED} ?m }} }}
  FILTER (SUBSTR(STR(?m), 1, {len(since)}) >= {stamp}) }}"""
        ((first,),) = self._select(q).values()
        return int(first) if first is not None else None

    def _changes_between(self, low: int, high: int) -> list[Change]:
        numbers = " ".join(str(i) for i in range(low, high + 1))
        q = f"""SELECT ?e ?deleted ?p ?o WHERE {{ VALUES ?n {{ {numbers} }}
  {{ GRAPH {iri(self.catalog_graph)} {{ ?e {cat.SEQUENCE} ?n ; ?p ?o }} BIND (false AS ?deleted) }}
  UNION
  {{ GRAPH {iri(self.tombstone_graph)} {{ ?e {cat.SEQUENCE} ?n ; ?p ?o }} BIND (true AS ?deleted) }}
}}"""
        entries: dict[tuple[str, bool], dict[str, str]] = {}
        for e, deleted, p, o in self._select(q).rows:
            key = (e.value, deleted.value == "true")  # type: ignore[union-attr]
            prop = p.value  # type: ignore[union-attr]
            if prop in FIELDS:
                entries.setdefault(key, {})[FIELDS[prop]] = o.value  # type: ignore[union-attr]
        out = []
        for (graph, deleted), e in entries.items():
            if "sequence" not in e or "modified" not in e:
                continue
            info = None if deleted else self._info(graph, e)
            out.append(
                Change(
                    sequence=int(e["sequence"]),
                    datestamp=e["modified"],
                    graph=graph,
                    document=e.get("document", ""),
                    slug=e.get("slug") or self.uris.slug_of_graph(graph) or graph,
                    deleted=deleted,
                    created=e.get("created"),
                    info=info,
                )
            )
        out.sort(key=lambda c: c.sequence)
        return out

    def tombstones(self) -> list[Change]:
        """Every removed document still remembered, oldest removal first."""
        q = f"""SELECT ?e ?p ?o WHERE {{ GRAPH {iri(self.tombstone_graph)} {{ ?e ?p ?o }} }}"""
        entries: dict[str, dict[str, str]] = {}
        for e, p, o in self._select(q).values():
            if p in FIELDS:
                entries.setdefault(e, {})[FIELDS[p]] = o  # type: ignore[index]
        out = [
            Change(
                sequence=int(v.get("sequence") or 0),
                datestamp=v.get("modified", ""),
                graph=g,  # type: ignore[arg-type]
                document=v.get("document", ""),
                slug=v.get("slug") or self.uris.slug_of_graph(g) or g,  # type: ignore[arg-type]
                deleted=True,
                created=v.get("created"),
            )
            for g, v in entries.items()
        ]
        return sorted(out, key=lambda c: c.sequence)
