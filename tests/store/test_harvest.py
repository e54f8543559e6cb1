"""What a harvester (OAI-PMH) needs from the store: datestamps that move only when content
changes, tombstones for removed documents, and a stable order it can page through with a cursor
while documents are loaded and removed. On both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from archive.errors import UsageError
from archive.store.base import Store
from archive.store.catalog import Change

from .synthetic import BASE, Letter, build, small_archive


def letters(n: int, prefix: str = "h") -> list:
    return [
        build(Letter(f"{prefix}-{i:02d}", f"Letter {i}", "2015", senders=["attac", f"o{i}"]))
        for i in range(n)
    ]


def load(store: Store, docs, **kw):
    if store.backend == "embedded":
        kw.setdefault("bulk", True)
    return store.load(docs, **kw)


def harvest(store: Store, limit: int, between=None, **kw) -> list[Change]:
    """Every page, calling ``between(page_number)`` after each."""
    out: list[Change] = []
    cursor, page = None, 0
    while True:
        result = store.changes(after=cursor, limit=limit, **kw)
        out += result.changes
        page += 1
        if between:
            between(page)
        if result.cursor is None:
            return out
        cursor = result.cursor


def test_datestamps_move_only_when_the_content_changes(store: Store) -> None:
    docs = [build(x) for x in small_archive()]
    load(store, docs)
    first = {d.slug: d for d in store.documents()}
    assert all(d.created == d.modified for d in first.values())
    assert sorted(d.sequence for d in first.values()) == [1, 2, 3, 4]

    load(store, docs)  # the same files again
    load(store, docs[:2], force=True)  # rewritten, same content
    again = {d.slug: d for d in store.documents()}
    assert {s: (d.modified, d.sequence) for s, d in again.items()} == {
        s: (d.modified, d.sequence) for s, d in first.items()
    }

    changed = build(replace(small_archive()[1], title="Letter B, revised", version="2"))
    load(store, [changed])
    b = store.find("letter-b")
    assert b is not None and b.title == "Letter B, revised"
    assert b.created == first["letter-b"].created  # first loaded: unchanged
    assert b.modified >= first["letter-b"].modified  # type: ignore[operator]
    assert b.sequence == 5  # after everything else


def test_removal_leaves_a_tombstone_that_a_reload_clears(store: Store) -> None:
    load(store, [build(x) for x in small_archive()])
    created = store.find("letter-c").created  # type: ignore[union-attr]
    store.remove("letter-c")
    [tomb] = store.tombstones()
    assert (tomb.slug, tomb.graph, tomb.document, tomb.deleted) == (
        "letter-c",
        f"{BASE}/graph/letter-c",
        f"{BASE}/id/document/letter-c",
        True,
    )
    assert tomb.created == created and tomb.datestamp >= created  # type: ignore[operator]
    assert tomb.sequence == 5
    page = store.changes()
    assert [(c.slug, c.deleted) for c in page.changes] == [
        ("letter-a", False),
        ("letter-b", False),
        ("letter-d", False),
        ("letter-c", True),
    ]
    assert page.cursor is None
    load(store, [build(small_archive()[2])])
    assert store.tombstones() == []
    assert [(c.slug, c.deleted, c.sequence) for c in store.changes().changes][-1] == (
        "letter-c",
        False,
        6,
    )


def test_a_harvest_during_loads_neither_loses_nor_repeats_a_record(store: Store) -> None:
    load(store, letters(10))

    def meanwhile(page: int) -> None:
        if page == 1:  # after the first page: new documents, an edit, a removal
            load(store, letters(3, prefix="new"))
            load(store, [build(Letter("h-00", "Letter 0, edited", "2015", version="2"))])
            load(store, [build(Letter("h-08", "Letter 8, edited", "2015", version="2"))])
            store.remove("h-09")
        if page == 3:
            store.remove("new-00")

    got = harvest(store, 3, between=meanwhile)
    seen = [(c.slug, c.sequence) for c in got]
    assert len(seen) == len(set(seen))  # nothing twice
    assert [c.sequence for c in got] == sorted(c.sequence for c in got)  # in order
    latest = {}
    for c in got:
        latest[c.slug] = c
    live = {d.slug: d for d in store.documents()}
    # the harvester ends with the store's state: every live document in its latest version...
    for slug, info in live.items():
        assert latest[slug].deleted is False and latest[slug].datestamp == info.modified
    # ... and every removed one as deleted
    assert {s for s, c in latest.items() if c.deleted} == {"h-09", "new-00"}
    assert "Letter 8, edited" in {c.info.title for c in got if c.info}  # type: ignore[union-attr]


def test_since_and_until_bound_the_datestamps(store: Store) -> None:
    load(store, letters(5))
    stamp = store.documents()[0].modified
    assert stamp is not None
    day = stamp[:10]
    assert len(store.changes(since=day).changes) == 5
    assert len(store.changes(since=stamp, until=stamp).changes) == 5  # seconds, inclusive
    assert store.changes(until="2000-01-01").changes == []
    assert store.changes(since="2999-01-01").changes == []
    page = store.changes(since=day, limit=2)
    assert len(page.changes) == 2 and page.cursor == page.changes[-1].sequence
    rest = store.changes(since=day, after=page.cursor, limit=10)
    assert [c.sequence for c in rest.changes] == [3, 4, 5] and rest.cursor is None
    with pytest.raises(UsageError):
        store.changes(limit=0)


def test_changes_carry_what_a_record_needs(store: Store) -> None:
    load(store, [build(x) for x in small_archive()])
    [a, *_] = store.changes().changes
    assert a.info is not None
    assert (a.slug, a.document, a.info.title, a.info.date) == (
        "letter-a",
        f"{BASE}/id/document/letter-a",
        "Letter A",
        "2014-07-10",
    )
    assert a.to_dict()["deleted"] is False and a.to_dict()["sequence"] == 1
