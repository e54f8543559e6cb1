"""Synthetic corpora of open letters, for scale tests and benchmarks.

Each letter follows the project's TEI practice (``tei/calais-2014-07-10.xml``) and is marked
synthetic in its title, availability statement, classification, keywords and slug. Letter ``i``
of seed ``s`` depends only on ``(i, s)``: the generator never looks at the corpus size, so the
first 1,000 letters of a 10,000-letter corpus are byte for byte the 1,000-letter corpus, and a
corpus can be generated, extended or regenerated in pieces. Generation streams: one letter in
memory at a time, plus small bounded caches.

Citations point only at earlier letters (lower index *and* earlier date). A cited letter is a
stand-off ``<bibl>`` whose ``xml:id`` and ``<idno type="archive">`` are the cited letter's slug,
so that extraction can point the citation at the cited document's own node.

See ``docs/synthetic.md`` for the conventions and the shape of the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tempfile
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from archive.errors import UsageError
from archive.rdf.uris import slugify
from archive.synth.loader import load, string, strings
from archive.synth.pools import (
    CHANNEL_TOWNS,
    FIRST_DAY,
    ITALIAN_BORDER,
    NORTH_SEA_TOWNS,
    SPANISH_BORDER,
    Event,
    Office,
    Org,
    Place,
    Pools,
    Weighted,
    pools,
    sample_distinct,
)

SYNTH_VERSION = "1"  # bump whenever the output of a given (i, seed) changes
GENERATOR = f"archive.synth {SYNTH_VERSION}"
SLUG_PREFIX = "synthetic-"
MAX_DOCUMENTS = 1_000_000
MANIFEST = "synthetic-corpus.json"

_TEXTS = load("texts")  # topics and the templates of the letters' sentences

MONTHS = strings(_TEXTS["months"], "months")
YEAR_WEIGHTS = (3, 3, 4, 5, 6, 12, 12, 8, 7, 6, 6, 7, 6, 6, 5)  # 2010 .. 2024
# Signatories per letter: 94 % of letters have 2-15, a long tail goes up to 40 (mean 6.7).
# fmt: off
SIGNATORY_COUNTS = Weighted(
    list(range(2, 41)),
    [130, 150, 140, 120, 95, 75, 58, 45, 35, 27, 21, 17, 13, 11, 9, 7, 6, 5, 4, 4, 3, 3, 2, 2,
     2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
)
# fmt: on
ADDRESSEE_COUNTS = Weighted([1, 2, 3], [45, 40, 15])
CC_COUNTS = Weighted([0, 1, 2, 3, 4], [40, 25, 18, 10, 7])
CITATION_COUNTS = Weighted([0, 1, 2, 3], [30, 35, 22, 13])
CITO_LETTER = Weighted(
    [
        "cito:citesForInformation",
        "cito:citesAsEvidence",
        "cito:agreesWith",
        "cito:extends",
        "cito:citesAsRelated",
    ],
    [30, 25, 20, 10, 15],
)
CITO_PRESS = Weighted(
    ["cito:citesForInformation", "cito:citesAsEvidence", "cito:agreesWith", "cito:citesAsSource"],
    [40, 30, 20, 10],
)
LANG_NAMES = {"en": "English", "fr": "French", "nl": "Dutch"}


# ---------------------------------------------------------------------------------------------
# Topics and text templates. Templates are plain text with {slots}; slots are XML fragments.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    key: str
    phrase: str
    keywords: tuple[str, ...]
    weight: int
    where: str  # "" anywhere; "coast" Channel/North Sea; "land-border" Italy/Spain; "border" both
    paragraphs: tuple[str, ...]
    demands: tuple[str, ...]


WHERE = ("", "coast", "land-border", "border")


def _topic(entry: dict[str, Any]) -> Topic:
    """A topic from texts.json; ``where`` is checked: an unknown value would mean anywhere."""
    key = entry["key"]
    if entry["where"] not in WHERE:
        raise ValueError(f"texts.json: topic {key}: where must be one of {WHERE}")
    return Topic(
        key,
        string(entry["phrase"], f"topics/{key}/phrase"),
        strings(entry["keywords"], f"topics/{key}/keywords"),
        entry["weight"],
        entry["where"],
        strings(entry["paragraphs"], f"topics/{key}/paragraphs"),
        strings(entry["demands"], f"topics/{key}/demands"),
    )


TOPICS: tuple[Topic, ...] = tuple(_topic(entry) for entry in _TEXTS["topics"])

# Sentence templates: each tuple is drawn from by position, so its order is part of the output.
OPENINGS = strings(_TEXTS["openings"], "openings")
ADDRESSING = strings(_TEXTS["addressing"], "addressing")
EVENT_SENTENCES = strings(_TEXTS["event_sentences"], "event_sentences")
PREDECESSOR_SENTENCES = strings(_TEXTS["predecessor_sentences"], "predecessor_sentences")
CITATION_LETTERS = strings(_TEXTS["citation_letters"], "citation_letters")
CITATION_PRESS = strings(_TEXTS["citation_press"], "citation_press")
EU_SENTENCES = strings(_TEXTS["eu_sentences"], "eu_sentences")
DEMANDS = string(_TEXTS["demands"], "demands")
# One of these is added to the topic's own demands.
GENERIC_DEMANDS = strings(_TEXTS["generic_demands"], "generic_demands")
CLOSINGS = strings(_TEXTS["closings"], "closings")
SALUTES_END = strings(_TEXTS["salutes_end"], "salutes_end")


# ---------------------------------------------------------------------------------------------
# Determinism: every draw comes from a generator keyed by (seed, index, part).
# ---------------------------------------------------------------------------------------------


def _digest(seed: int, i: int, part: str) -> bytes:
    return hashlib.sha256(f"{GENERATOR}/{seed}/{i}/{part}".encode()).digest()


def _rng(seed: int, i: int, part: str) -> random.Random:
    return random.Random(int.from_bytes(_digest(seed, i, part), "big"))


_YEARS = Weighted(list(range(2010, 2010 + len(YEAR_WEIGHTS))), list(YEAR_WEIGHTS))


def letter_day(seed: int, i: int) -> int:
    """The letter's date as a proleptic Gregorian ordinal; cheap, for citation checks."""
    rng = _rng(seed, i, "date")
    year = _YEARS.pick(rng)
    start = date(year, 1, 1).toordinal()
    return start + rng.randrange(date(year + 1, 1, 1).toordinal() - start)


def slug_for(i: int, seed: int) -> str:
    """``synthetic-s{seed}-{i:06d}``: the document slug, root ``xml:id`` and archive idno."""
    return f"{SLUG_PREFIX}s{seed}-{i:06d}"


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def _long(day: int) -> str:
    d = date.fromordinal(day)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


_TAG = re.compile(r"<[^>]+>")


def plain(xml: str) -> str:
    """The text of an XML fragment built here (tags dropped, the three escapes undone)."""
    return _TAG.sub("", xml).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _join(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


# ---------------------------------------------------------------------------------------------
# What a letter is, before it is written out. Citing letters recompute it for cited ones.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterMeta:
    index: int
    seed: int
    slug: str
    day: int
    focus: str  # town slug
    topic: Topic
    to: tuple[str, ...]  # office keys
    signatories: tuple[str, ...]  # org slugs, in the order of the signed list
    head: str  # the letter's own heading, as plain text

    @property
    def title(self) -> str:
        return f"[SYNTHETIC] {self.head}"


CATEGORY_ORDER = {"association-network": 0, "association": 1, "political-party": 2}
CATEGORY_HEADS = (
    ("association-network", "association-networks", "Association networks"),
    ("association", "associations", "Associations"),
    ("political-party", "political-parties", "Political parties"),
)


def _sort_key(org: Org) -> tuple[int, str]:
    return CATEGORY_ORDER.get(org.category, 9), slugify(org.name)


def _topic_fits(topic: Topic, town: Place) -> bool:
    coast = town.name in CHANNEL_TOWNS or town.name in NORTH_SEA_TOWNS
    land = town.name in ITALIAN_BORDER or town.name in SPANISH_BORDER
    return {"coast": coast, "land-border": land, "border": coast or land}.get(topic.where, True)


def _office_candidates(p: Pools, town: Place, day: int) -> list[tuple[str, int]]:
    cands: list[tuple[str, int]] = []
    if town.country == "fr":
        cands += [
            ("fr-interior", 6),
            ("fr-prime-minister", 4),
            ("fr-president", 2),
            ("defender-of-rights", 1),
        ]
        prefect = "paris-prefect-of-police" if town.slug == "paris" else None
        if prefect is None and town.parent and town.parent.startswith(("dept-", "pas-de-calais")):
            code = p.places[town.parent].code
            prefect = f"prefect-{code}"
        if prefect:
            cands.append((prefect, 5))
    elif town.country == "be":
        cands += [("be-asylum", 6), ("be-prime-minister", 3)]
    else:
        cands += [("uk-home-secretary", 6), ("uk-prime-minister", 3)]
    if f"mayor-{town.slug}" in p.offices:
        cands.append((f"mayor-{town.slug}", 3))
    return [
        (k, w)
        for k, w in cands
        if k in p.offices and p.offices[k].since <= day and p.offices[k].holder(day)
    ]


def _topic_for(rng: random.Random, town: Place) -> Topic:
    fitting = [t for t in TOPICS if _topic_fits(t, town)]
    return Weighted(fitting, [t.weight for t in fitting]).pick(rng)


def _signatories(rng: random.Random, p: Pools, town: Place) -> list[str]:
    k = SIGNATORY_COUNTS.pick(rng)
    chosen: list[str] = []
    if rng.randrange(100) < 35:
        chosen.extend(p.coalitions.pick(rng)[:k])
    local = p.town_orgs.get(town.slug, [])
    if local and len(chosen) < k and rng.randrange(100) < 70:
        for slug in sample_distinct(
            rng, lambda: local[rng.randrange(min(len(local), 12))], 1 + rng.randrange(2), 6
        ):
            if slug not in chosen and len(chosen) < k:
                chosen.append(slug)
    region = p.region_pick.get(town.region)

    def draw() -> str:
        if region is not None and rng.randrange(100) < 45:
            return region.pick(rng)
        return p.global_pick.pick(rng)

    seen = set(chosen)
    attempts = 0
    while len(chosen) < k and attempts < k * 30:
        attempts += 1
        slug = draw()
        if slug not in seen:
            seen.add(slug)
            chosen.append(slug)
    return sorted(chosen, key=lambda s: _sort_key(p.orgs[s]))


def _title_head(p: Pools, meta_to: tuple[str, ...], day: int, topic: Topic, focus: Place) -> str:
    """The heading as XML: addressees and the focus place tagged."""
    parts = []
    for key in meta_to:
        office = p.offices[key]
        person = p.persons[office.holder(day)]  # type: ignore[index]
        parts.append(
            f'the {esc(office.label)}, <persName ref="#{person.slug}">{esc(person.name)}</persName>'
        )
    if len(parts) == 1:
        to = f"to {parts[0]}"
    elif len(parts) == 2:
        to = f"to {parts[0]}, and to {parts[1]}"
    else:
        to = "to " + ", to ".join(parts[:-1]) + f", and to {parts[-1]}"
    return (
        f"Open letter {to}, on {esc(topic.phrase)} in "
        f'<placeName ref="#{focus.slug}">{esc(focus.name)}</placeName>'
    )


@lru_cache(maxsize=8192)
def letter_meta(i: int, seed: int) -> LetterMeta:
    """Date, place, topic, addressees and signatories of letter ``i`` (cached, bounded)."""
    p = pools()
    rng = _rng(seed, i, "meta")
    day = letter_day(seed, i)
    focus = p.places[p.focus_pick.pick(rng)]
    topic = _topic_for(rng, focus)
    cands = _office_candidates(p, focus, day)
    n_to = min(ADDRESSEE_COUNTS.pick(rng), len(cands))
    pick = Weighted([k for k, _ in cands], [w for _, w in cands])
    to = tuple(sample_distinct(rng, lambda: pick.pick(rng), n_to, 40))
    signatories = tuple(_signatories(rng, p, focus))
    head = plain(_title_head(p, to, day, topic, focus))
    return LetterMeta(i, seed, slug_for(i, seed), day, focus.slug, topic, to, signatories, head)


def _cited_letters(rng: random.Random, meta: LetterMeta) -> list[int]:
    """Up to three earlier letters (lower index, earlier date); some letters become hubs."""
    i, seed = meta.index, meta.seed
    if i == 0:
        return []
    wanted = CITATION_COUNTS.pick(rng)
    chosen: list[int] = []
    for _ in range(wanted):
        for _attempt in range(8):
            r = rng.randrange(100)
            if r < 30:
                j = 97 * rng.randrange((i - 1) // 97 + 1)  # a "landmark" letter
            elif r < 55:
                j = i - 1 - rng.randrange(min(i, 300))  # one just before it in the corpus
            else:
                j = rng.randrange(i)
            if j not in chosen and letter_day(seed, j) < meta.day:
                chosen.append(j)
                break
    return chosen


def _cited_press(rng: random.Random, p: Pools, day: int) -> list[int]:
    if rng.randrange(100) >= 28:
        return []
    end = bisect_left(p.pr_days, day)
    if end == 0:
        return []
    n = 2 if rng.randrange(100) < 15 else 1
    window = min(end, 120)
    return sorted({end - 1 - rng.randrange(window) for _ in range(n)})


# ---------------------------------------------------------------------------------------------
# Writing one letter.
# ---------------------------------------------------------------------------------------------


class _Letter:
    """Collects what a letter names while its text is written, then writes the stand-off."""

    def __init__(self, meta: LetterMeta, p: Pools) -> None:
        self.meta = meta
        self.p = p
        self.orgs: dict[str, str] = {}  # slug -> group: signatories / cited / named
        self.persons: dict[str, list[str]] = {}  # slug -> affiliation elements
        self.places: dict[str, None] = {}
        self.events: dict[str, None] = {}
        self.bibls: list[str] = []
        self.langs: set[str] = {"en"}

    # --- fragments ---------------------------------------------------------------------------

    def lang_attr(self, lang: str | None, context: str = "en") -> str:
        """``xml:lang`` when a name's language differs from the language around it."""
        if lang:
            self.langs.add(lang)
        if lang and lang != context:
            return f' xml:lang="{lang}"'
        return ""

    def place(self, slug: str, text: str | None = None, context: str = "en") -> str:
        self.places[slug] = None
        pl = self.p.places[slug]
        return (
            f'<placeName ref="#{slug}"{self.lang_attr(pl.lang, context)}>'
            f"{esc(text if text is not None else pl.name)}</placeName>"
        )

    def org(
        self, slug: str, group: str = "named", text: str | None = None, context: str = "en"
    ) -> str:
        self.add_org(slug, group)
        o = self.p.orgs[slug]
        return (
            f'<orgName ref="#{slug}"{self.lang_attr(o.lang, context)}>'
            f"{esc(text or o.name)}</orgName>"
        )

    def add_org(self, slug: str, group: str) -> None:
        rank = {"signatories": 0, "cited": 1, "named": 2}
        current = self.orgs.get(slug)
        if current is None or rank[group] < rank[current]:
            self.orgs[slug] = group

    def office_holder(self, key: str) -> str:
        """Register the holder of an office at the letter's date; return the person's slug."""
        office = self.p.offices[key]
        slug = office.holder(self.meta.day)
        assert slug is not None
        aff = (
            f'<affiliation role="{office.role}" ref="#{office.ref}" '
            f'when="{_iso(self.meta.day)}">{esc(office.label)}</affiliation>'
        )
        self._affiliation(slug, aff, office)
        return slug

    def predecessor(self, key: str) -> str | None:
        office = self.p.offices[key]
        prev = office.predecessor(self.meta.day)
        if prev is None:
            return None
        start, end, slug = prev
        frm = f' from="{_iso(max(start, FIRST_DAY - 2000))}"'
        aff = (
            f'<affiliation role="{office.role}" ref="#{office.ref}"{frm} '
            f'to="{_iso(end - 1)}">{esc(office.label)}</affiliation>'
        )
        self._affiliation(slug, aff, office)
        return slug

    def _affiliation(self, slug: str, aff: str, office: Office) -> None:
        affs = self.persons.setdefault(slug, [])
        if aff not in affs:
            affs.append(aff)
        if office.ref in self.p.orgs:
            self.add_org(office.ref, "named")
        else:
            self.places[office.ref] = None

    def person(self, slug: str, text: str | None = None) -> str:
        person = self.p.persons[slug]
        return f'<persName ref="#{slug}">{esc(text or person.name)}</persName>'

    def event(self, ev: Event) -> str:
        self.events[ev.slug] = None
        self.places[ev.place] = None
        town = self.place(ev.place)
        return f'<rs type="event" ref="#{ev.slug}">{esc(ev.phrase).replace("{town}", town)}</rs>'

    def date(self, day: int) -> str:
        return f'<date when="{_iso(day)}">{_long(day)}</date>'

    # --- closure and stand-off ---------------------------------------------------------------

    def close(self) -> None:
        """Add what the listed entries point at: towns, parents, places they lie in."""
        changed = True
        while changed:
            changed = False
            for slug in list(self.orgs):
                o = self.p.orgs[slug]
                if o.town and o.town not in self.places:
                    self.places[o.town] = None
                    changed = True
                if o.parent and o.parent not in self.orgs:
                    self.add_org(o.parent, "named")
                    changed = True
            for slug in list(self.places):
                # Only the places the letter is about (and buildings) pull in the area they
                # lie in; other towns say where they lie only if that area is listed anyway.
                pl = self.p.places[slug]
                located = slug == self.meta.focus or pl.address or pl.type != "city"
                if located and pl.parent and pl.parent not in self.places:
                    self.places[pl.parent] = None
                    changed = True
            for slug in list(self.orgs):
                for _t, kind, ref in self.p.orgs[slug].parts:
                    if kind == "place" and ref not in self.places:
                        self.places[ref] = None
                        changed = True

    def standoff(self) -> list[str]:
        self.close()
        p = self.p
        out = ["  <standOff>"]
        signers = [s for s, g in self.orgs.items() if g == "signatories"]
        for category, n, head in CATEGORY_HEADS:
            group = [s for s in signers if p.orgs[s].category == category]
            if group:
                out.append(f'    <listOrg type="signatories" n="{n}">')
                out.append(f"      <head>{head}</head>")
                out.extend(self._org_entry(s) for s in group)
                out.append("    </listOrg>")
        cited = [s for s, g in self.orgs.items() if g == "cited"]
        if cited:
            out.append('    <listOrg type="cited">')
            out.append("      <head>Organisations whose documents the letter cites</head>")
            out.extend(self._org_entry(s) for s in cited)
            out.append("    </listOrg>")
        named = [s for s, g in self.orgs.items() if g == "named"]
        if named:
            out.append('    <listOrg type="named">')
            out.append("      <head>Other organisations named in the letter</head>")
            out.extend(self._org_entry(s) for s in named)
            out.append("    </listOrg>")
        units = [s for s in self.orgs if p.orgs[s].parent]
        if units:
            out.append("    <listRelation>")
            out.append(
                "      <head>Sections and federations tied to the organisation they "
                "belong to</head>"
            )
            for s in units:
                out.append(
                    f'      <relation name="unitOf" ref="http://www.w3.org/ns/org#unitOf" '
                    f'active="#{s}" passive="#{p.orgs[s].parent}"/>'
                )
            out.append("    </listRelation>")
        if self.persons:
            out.append("    <listPerson>")
            for slug, affs in self.persons.items():
                person = p.persons[slug]
                out.append(f'      <person xml:id="{slug}">')
                out.append(
                    f'        <persName xml:lang="{person.lang}">{esc(person.name)}</persName>'
                )
                self.langs.add(person.lang)
                out.extend(f"        {a}" for a in affs)
                out.append(
                    "        <note>A fictional person: the office is real, its holder is "
                    "invented for this synthetic document.</note>"
                )
                out.append("      </person>")
            out.append("    </listPerson>")
        out.append("    <listPlace>")
        out.extend(self._place_entry(s) for s in self.places)
        out.append("    </listPlace>")
        if self.events:
            out.append("    <listEvent>")
            for slug in self.events:
                ev = _event(p, slug)
                label = ev.label.replace("{town}", p.places[ev.place].name)
                out.append(
                    f'      <event xml:id="{slug}" when="{_iso(ev.day)}" where="#{ev.place}">'
                )
                out.append(f"        <label>{esc(label)}</label>")
                out.append("      </event>")
            out.append("    </listEvent>")
        if self.bibls:
            out.append("    <listBibl>")
            out.extend(self.bibls)
            out.append("    </listBibl>")
        out.append("  </standOff>")
        return out

    def _org_entry(self, slug: str) -> str:
        o = self.p.orgs[slug]
        self.langs.add(o.lang)
        lines = [
            f'      <org xml:id="{slug}" type="{o.category}">',
            f'        <orgName xml:lang="{o.lang}">{esc(o.name)}</orgName>',
        ]
        if o.abbr:
            lines.append(
                f'        <orgName type="abbreviation" xml:lang="{o.lang}">{esc(o.abbr)}</orgName>'
            )
        lines.extend(f'        <idno type="{t}">{esc(v)}</idno>' for t, v in o.idnos)
        if o.town:
            lines.append(f'        <placeName ref="#{o.town}"/>')
        lines.append("      </org>")
        return "\n".join(lines)

    def _place_entry(self, slug: str) -> str:
        pl = self.p.places[slug]
        lang = f' xml:lang="{pl.lang}"' if pl.lang else ""
        lines = [
            f'      <place xml:id="{slug}" type="{pl.type}">',
            f"        <placeName{lang}>{esc(pl.name)}</placeName>",
        ]
        if pl.code:
            lines.append(f'        <placeName type="code">{pl.code}</placeName>')
        parent = pl.parent if pl.parent in self.places else None
        if pl.address or parent:
            lines.append("        <location>")
            if pl.address:
                lines.append(
                    "          <address>"
                    + "".join(f"<addrLine>{esc(a)}</addrLine>" for a in pl.address)
                    + "</address>"
                )
            if parent:
                lines.append(f'          <placeName ref="#{parent}"/>')
            lines.append("        </location>")
        lines.extend(f'        <idno type="{t}">{esc(v)}</idno>' for t, v in pl.idnos)
        lines.append("      </place>")
        return "\n".join(lines)


@lru_cache(maxsize=1)
def _event_index() -> dict[str, int]:
    return {e.slug: n for n, e in enumerate(pools().events)}


def _event(p: Pools, slug: str) -> Event:
    return p.events[_event_index()[slug]]


class _Slots(dict):
    """Template slots computed on first use (and then reused)."""

    def __init__(self, makers: dict) -> None:
        super().__init__()
        self.makers = makers
        self.extra: dict[str, str] = {}

    def __missing__(self, key: str) -> str:
        if key in self.extra:
            return self.extra[key]
        value = self.makers[key]()
        self[key] = value
        return value


def _signed_item(doc: _Letter, slug: str) -> str:
    o = doc.p.orgs[slug]
    inner = []
    town_in_name = False
    for text, kind, ref in o.parts:
        if kind == "place":
            inner.append(doc.place(ref, text, context=o.lang))
            town_in_name = town_in_name or ref == o.town
        elif kind == "org":
            inner.append(doc.org(ref, "named", text, context=o.lang))
        else:
            inner.append(esc(text))
    if o.abbr:
        inner.append(f" ({esc(o.abbr)})")
    item = f'<orgName ref="#{slug}"{doc.lang_attr(o.lang)}>{"".join(inner)}</orgName>'
    if o.town and not town_in_name and o.category == "association":
        item += f" ({doc.place(o.town)})"
    return f"<item>{item}</item>"


def _address(doc: _Letter, key: str, person: str) -> str:
    p = doc.p
    office = p.offices[key]
    holder = p.persons[person]
    lines = [doc.person(person, office.address_f if holder.female else office.address_m)]
    ctx = office.lang
    if office.seat_org:
        lines.append(doc.org(office.seat_org, context=ctx))
    seat = p.places[office.seat] if office.seat else None
    if seat is not None and seat.address:
        lines.append(doc.place(seat.slug, context=ctx))
        town = p.places[seat.parent] if seat.parent else None
        for line in seat.address:
            if line == seat.name:
                continue
            if town and town.name in line:
                before, _, after = line.partition(town.name)
                lines.append(esc(before) + doc.place(town.slug, context=ctx) + esc(after))
            else:
                lines.append(esc(line))
    elif seat is not None:
        lines.append(doc.place(seat.slug, context=ctx))
    lang = f' xml:lang="{office.lang}"' if office.lang != "en" else ""
    if office.lang != "en":
        doc.langs.add(office.lang)
    body = "".join(f"\n            <addrLine>{line}</addrLine>" for line in lines)
    return f"          <address{lang}>{body}\n          </address>"


def _footnote(
    doc: _Letter,
    n: int,
    bibl_id: str,
    authors: tuple[str, ...],
    title: str,
    lang: str,
    day: int,
    kind: str,
    function: str,
    more: bool,
) -> str:
    names = ", ".join(doc.org(a, "cited") for a in authors)
    if more:
        names += " et al."
    what = "open letter" if kind == "open-letter" else "press release"
    return (
        f'<note place="foot" n="{n}" xml:id="fn{n}"><bibl type="citation" ana="{function}">'
        f'{names}, “<title ref="#{bibl_id}"{doc.lang_attr(lang)}>{esc(title)}</title>”, '
        f"{what} of {doc.date(day)}.</bibl></note>"
    )


def _bibl(
    bibl_id: str,
    kind: str,
    title: str,
    lang: str,
    authors: tuple[str, ...],
    day: int,
    archive_slug: str | None,
) -> str:
    lines = [
        f'      <bibl xml:id="{bibl_id}" type="{kind}">',
        f'        <title xml:lang="{lang}">{esc(title)}</title>',
    ]
    lines.extend(f'        <author><orgName ref="#{a}"/></author>' for a in authors)
    lines.append(f'        <date when="{_iso(day)}">{_long(day)}</date>')
    if archive_slug:
        lines.append(f'        <idno type="archive">{archive_slug}</idno>')
    lines.append(f'        <textLang mainLang="{lang}">{LANG_NAMES[lang]}</textLang>')
    lines.append("      </bibl>")
    return "\n".join(lines)


def generate_letter(i: int, seed: int) -> bytes:
    """The TEI document of letter ``i`` of corpus ``seed`` (UTF-8 bytes, byte-stable)."""
    _check_index(i, seed)
    p = pools()
    meta = letter_meta(i, seed)
    rng = _rng(seed, i, "body")
    doc = _Letter(meta, p)
    focus = p.places[meta.focus]
    day = meta.day
    country = {"fr": "france", "be": "belgium", "uk": "united-kingdom"}[focus.country]

    # Who it is addressed to, who gets a copy.
    to_people = [doc.office_holder(k) for k in meta.to]
    cc: list[tuple[str, str]] = []  # ("org", slug) | ("person", slug)
    cc_orgs = ["council-eu", "european-parliament", "european-commission"]
    cc_offices = ["eu-home-affairs"]
    if focus.country == "fr":
        cc_orgs.append("home-office")
        cc_offices += ["defender-of-rights", "uk-home-secretary"]
    elif focus.country == "be":
        cc_offices += ["fr-interior", "uk-home-secretary"]
    else:
        cc_offices += ["fr-interior", "be-asylum"]
    cc_offices = [
        k
        for k in cc_offices
        if k not in meta.to and p.offices[k].holder(day) and p.offices[k].since <= day
    ]
    options = [("org", s) for s in cc_orgs] + [("office", k) for k in cc_offices]
    for kind, value in sample_distinct(
        rng, lambda: options[rng.randrange(len(options))], CC_COUNTS.pick(rng), 30
    ):
        cc.append(("org", value) if kind == "org" else ("person", doc.office_holder(value)))

    # Citations.
    cited_letters = [letter_meta(j, seed) for j in _cited_letters(rng, meta)]
    cited_press = [p.press_releases[k] for k in _cited_press(rng, p, day)]

    # Fragments the templates use.
    region_towns = [
        s
        for s, pl in p.places.items()
        if pl.type == "city" and pl.region == focus.region and s != focus.slug
    ]
    near_slug = region_towns[rng.randrange(len(region_towns))] if region_towns else focus.slug
    area_slug = (
        focus.parent if focus.parent and p.places[focus.parent].type == "department" else country
    )
    police = {
        "fr": "crs" if rng.randrange(3) == 0 else "border-police",
        "be": "belgian-federal-police",
        "uk": "border-force",
    }[focus.country]
    gov = {"fr": "french-government", "be": "belgian-federal-government", "uk": "home-office"}[
        focus.country
    ]
    sea = "north-sea" if focus.name in NORTH_SEA_TOWNS else "english-channel"
    home_office = "home-office" if focus.country != "uk" else "french-government"
    # Slots are filled only when a template uses them, so that every listed entity is named.
    slots = _Slots(
        {
            "focus": lambda: doc.place(focus.slug),
            "near": lambda: doc.place(near_slug),
            "area": lambda: doc.place(area_slug),
            "country": lambda: doc.place(country),
            "police": lambda: doc.org(police),
            "gov": lambda: "the " + doc.org(gov),
            "home_office": lambda: doc.org(home_office),
            "sea": lambda: doc.place(sea, "Channel" if sea == "english-channel" else None),
            "eu": lambda: doc.org("european-union"),
        }
    )

    def fill(template: str, **extra: str) -> str:
        slots.extra = extra
        return esc(template).format_map(slots)

    paragraphs: list[str] = []
    topic = meta.topic
    paragraphs.append(fill(OPENINGS[rng.randrange(len(OPENINGS))], phrase=esc(topic.phrase)))
    for template in topic.paragraphs:
        if rng.randrange(100) < 80 or template is topic.paragraphs[0]:
            paragraphs.append(fill(template))

    # Events of the last two years at the focus place (or in its region).
    lo = bisect_left(p.event_days, day - 730)
    hi = bisect_left(p.event_days, day)
    local_events = [e for e in p.events[lo:hi] if e.place == focus.slug]
    if not local_events:
        local_events = [e for e in p.events[lo:hi] if p.places[e.place].region == focus.region]
    if local_events and rng.randrange(100) < 60:
        ev = local_events[-1 - rng.randrange(min(len(local_events), 5))]
        sentence = EVENT_SENTENCES[rng.randrange(len(EVENT_SENTENCES))]
        paragraphs.append(esc(sentence).format(date=doc.date(ev.day), event=doc.event(ev)))

    # Addressing the recipients, and sometimes their predecessor.
    first = meta.to[0]
    you_label = p.offices[first].label
    you = f"{esc(you_label)}, {doc.person(to_people[0])}"
    sentence = esc(ADDRESSING[rng.randrange(len(ADDRESSING))]).format(you=you)
    if rng.randrange(100) < 30:
        pred = doc.predecessor(first)
        if pred is not None:
            sentence += " " + esc(
                PREDECESSOR_SENTENCES[rng.randrange(len(PREDECESSOR_SENTENCES))]
            ).format(pred=doc.person(pred))
    paragraphs.append(sentence[0].upper() + sentence[1:])

    # Citations, as footnotes at their anchors.
    notes_n = 0
    if cited_letters:
        marks = []
        for cm in cited_letters:
            notes_n += 1
            authors = cm.signatories[:1]  # a footnote names the first signatory, "et al."
            function = CITO_LETTER.pick(rng)
            marks.append(
                _footnote(
                    doc,
                    notes_n,
                    cm.slug,
                    authors,
                    cm.title,
                    "en",
                    cm.day,
                    "open-letter",
                    function,
                    len(cm.signatories) > 1,
                )
            )
            doc.bibls.append(
                _bibl(cm.slug, "open-letter", cm.title, "en", authors, cm.day, cm.slug)
            )
        tpl = CITATION_LETTERS[rng.randrange(len(CITATION_LETTERS))]
        paragraphs.append(esc(tpl).replace("{notes}", "".join(marks)))
    if cited_press:
        marks = []
        for pr in cited_press:
            notes_n += 1
            function = CITO_PRESS.pick(rng)
            marks.append(
                _footnote(
                    doc,
                    notes_n,
                    pr.slug,
                    pr.authors,
                    pr.title,
                    pr.lang,
                    pr.day,
                    "press-release",
                    function,
                    False,
                )
            )
            doc.bibls.append(
                _bibl(pr.slug, "press-release", pr.title, pr.lang, pr.authors, pr.day, None)
            )
        tpl = CITATION_PRESS[rng.randrange(len(CITATION_PRESS))]
        paragraphs.append(esc(tpl).replace("{notes}", "".join(marks)))
    if topic.where == "land-border" or rng.randrange(100) < 15:
        paragraphs.append(fill(EU_SENTENCES[rng.randrange(len(EU_SENTENCES))]))

    demands = list(topic.demands)
    demands.append(GENERIC_DEMANDS[rng.randrange(len(GENERIC_DEMANDS))])
    if rng.randrange(2):
        demands.pop(rng.randrange(len(demands) - 1))
    paragraphs.append(fill(DEMANDS, demands=fill(_join(demands))))
    paragraphs.append(esc(CLOSINGS[rng.randrange(len(CLOSINGS))]))

    # The signatories, under the letter's own headings.
    signed: list[str] = []
    for category, _n, head in CATEGORY_HEADS:
        group = [s for s in meta.signatories if p.orgs[s].category == category]
        if not group:
            continue
        signed.append('            <list type="signatories" rend="dash">')
        signed.append(f"              <head>{head}</head>")
        for s in group:
            doc.add_org(s, "signatories")
            signed.append(f"              {_signed_item(doc, s)}")
        signed.append("            </list>")

    # Heading, opener, salutations.
    head_xml = _title_head(p, meta.to, day, topic, focus)
    addresses = [_address(doc, k, person) for k, person in zip(meta.to, to_people, strict=True)]
    salutes = ", ".join(p.offices[k].salute for k in meta.to) + ","
    postscript = None
    if cc:
        items = []
        for kind, slug in cc:
            if kind == "org":
                items.append("the " + doc.org(slug))
            else:
                office = next(o for o in p.offices.values() if o.holder(day) == slug)
                items.append(f"{doc.person(slug)}, {esc(office.label)}")
        postscript = f"A copy of this letter has been sent to {_join(items)}."

    # Put the pages together.
    body = [
        '      <div type="letter">',
        '        <pb n="1"/>',
        f"        <head>{head_xml}</head>",
        "        <opener>",
        f"          <dateline>{doc.place(focus.slug)}, {doc.date(day)}</dateline>",
        *addresses,
        f"          <salute>{esc(salutes)}</salute>",
        "        </opener>",
    ]
    page_break = 2 + rng.randrange(max(1, len(paragraphs) - 3))
    for n, para in enumerate(paragraphs):
        if n == page_break:
            body.append('        <pb n="2"/>')
        body.append(f"        <p>{para}</p>")
    body.append("        <closer>")
    body.append(f"          <salute>{SALUTES_END[rng.randrange(len(SALUTES_END))]}</salute>")
    if len(meta.signatories) > 12:
        body.append('          <pb n="3"/>')
    body.append("          <signed>")
    body.append("            <label>Signatories:</label>")
    body.extend(signed)
    body.append("          </signed>")
    body.append("        </closer>")
    if postscript:
        body.append("        <postscript>")
        body.append(f"          <p>{postscript}</p>")
        body.append("        </postscript>")
    body.append("      </div>")

    standoff = doc.standoff()  # after the text: it lists what the text named
    header = _header(doc, meta, to_people, cc)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="{meta.slug}" xml:lang="en">',
        *header,
        *standoff,
        "  <text>",
        "    <body>",
        *body,
        "    </body>",
        "  </text>",
        "</TEI>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def _header(
    doc: _Letter, meta: LetterMeta, to_people: list[str], cc: list[tuple[str, str]]
) -> list[str]:
    p = doc.p
    n = len(meta.signatories)
    day = _iso(meta.day)
    topic = meta.topic
    langs = sorted(doc.langs, key=lambda x: (x != "en", x))
    lang_desc = {
        "en": "English, the language of the letter",
        "fr": "French, in names, addresses and cited titles",
        "nl": "Dutch, in names and cited titles",
    }
    keywords = [*topic.keywords, p.places[meta.focus].name, "synthetic"]
    sent = "".join(f'\n          <orgName ref="#{s}"/>' for s in meta.signatories)
    to = "".join(f'\n          <persName ref="#{s}"/>' for s in to_people)
    ccs = "".join(
        f'\n          <{"orgName" if k == "org" else "persName"} ref="#{s}"/>' for k, s in cc
    )
    out = [
        "  <teiHeader>",
        "    <fileDesc>",
        "      <titleStmt>",
        f'        <title type="main">{esc(meta.title)}</title>',
        '        <title type="sub">[SYNTHETIC] A generated TEI P5 record for tests and '
        "benchmarks; it describes no real letter</title>",
        f"        <author>The {n} organisations that signed the letter (see the signatories and "
        "the correspondence description)</author>",
        "        <respStmt>",
        "          <resp>Synthetic generation of the text, header and stand-off lists</resp>",
        '          <orgName xml:id="archive-project">Advocacy Document Archive project</orgName>',
        "        </respStmt>",
        "      </titleStmt>",
        "      <publicationStmt>",
        "        <publisher>Advocacy Document Archive project</publisher>",
        f'        <idno type="archive">{meta.slug}</idno>',
        "        <availability>",
        '          <licence target="https://creativecommons.org/publicdomain/zero/1.0/">This '
        "synthetic document is dedicated to the public domain (CC0 1.0).</licence>",
        "          <p>SYNTHETIC DATA. This document was generated by a program "
        f"({GENERATOR}, seed {meta.seed}, document {meta.index}) for tests and benchmarks. "
        "It is not a real letter: its organisations, people, events and texts are invented; "
        "the places and the offices are real. Do not cite it as a source.</p>",
        "        </availability>",
        "      </publicationStmt>",
        "      <sourceDesc>",
        '        <bibl type="synthetic">',
        f'          <title xml:lang="en">{esc(meta.head)}</title>',
        f'          <date when="{day}">{_long(meta.day)}</date>',
        '          <textLang mainLang="en">English</textLang>',
        f"          <note>Generated by <ident>{GENERATOR}</ident> from seed "
        f"<ident>{meta.seed}</ident> as document <ident>{meta.index}</ident>; no source "
        "document exists.</note>",
        "        </bibl>",
        "      </sourceDesc>",
        "    </fileDesc>",
        "    <encodingDesc>",
        "      <projectDesc>",
        "        <p>The Advocacy Document Archive makes advocacy documents (open letters, press "
        "releases, petitions) durable, searchable archive records. This record belongs to a "
        "synthetic corpus made to test and measure the archive's tools at scale.</p>",
        "      </projectDesc>",
        "      <editorialDecl>",
        "        <interpretation>",
        "          <p>Every organisation, person, place, event and cited work named in the text is "
        "tagged and points with <att>ref</att> at one entry in the stand-off lists. Entities "
        "keep the same <att>xml:id</att> in every document of the corpus; invented ones start "
        "with <code>syn-</code>. Authority identifiers are given only for real entities whose "
        "identifiers are known; none is guessed.</p>",
        "        </interpretation>",
        "      </editorialDecl>",
        "      <classDecl>",
        '        <taxonomy xml:id="document-type">',
        "          <desc>Types of advocacy document.</desc>",
        '          <category xml:id="open-letter">',
        "            <catDesc>Open letter: a letter addressed to named recipients and published "
        "for a wider public.</catDesc>",
        "          </category>",
        "        </taxonomy>",
        '        <taxonomy xml:id="org-category">',
        "          <desc>Categories of organisation. The first three follow the headings of the "
        "letter's own list of signatories.</desc>",
        '          <category xml:id="association-network"><catDesc>Association network</catDesc>'
        "</category>",
        '          <category xml:id="association"><catDesc>Association</catDesc></category>',
        '          <category xml:id="political-party"><catDesc>Political party</catDesc>'
        "</category>",
        '          <category xml:id="government-body"><catDesc>Government body: a government, '
        "ministry or state service, including police forces</catDesc></category>",
        '          <category xml:id="eu-institution"><catDesc>Institution or body of the '
        "European Union</catDesc></category>",
        "        </taxonomy>",
        '        <taxonomy xml:id="record-status">',
        "          <desc>What kind of record this is.</desc>",
        '          <category xml:id="synthetic">',
        "            <catDesc>Synthetic record: generated by a program for tests and benchmarks; "
        "it describes no real document.</catDesc>",
        "          </category>",
        "        </taxonomy>",
        "      </classDecl>",
        "      <listPrefixDef>",
        '        <prefixDef ident="cito" matchPattern="([A-Za-z]+)" '
        'replacementPattern="http://purl.org/spar/cito/$1">',
        "          <p>Citation functions from the Citation Typing Ontology (CiTO).</p>",
        "        </prefixDef>",
        "      </listPrefixDef>",
        "    </encodingDesc>",
        "    <profileDesc>",
        "      <creation>",
        f'        <date when="{day}">{_long(meta.day)}</date>',
        "      </creation>",
        "      <langUsage>",
        *(f'        <language ident="{lg}">{lang_desc[lg]}</language>' for lg in langs),
        "      </langUsage>",
        "      <textClass>",
        '        <catRef scheme="#document-type" target="#open-letter"/>',
        '        <catRef scheme="#record-status" target="#synthetic"/>',
        "        <keywords>",
        *(f"          <term>{esc(k)}</term>" for k in keywords),
        "        </keywords>",
        "      </textClass>",
        "      <correspDesc>",
        f'        <correspAction type="sent">{sent}\n          <date when="{day}"/>',
        "        </correspAction>",
        f'        <correspAction type="received" subtype="to">{to}',
        "        </correspAction>",
    ]
    if cc:
        out += [
            f'        <correspAction type="received" subtype="cc">{ccs}',
            "        </correspAction>",
        ]
    out += [
        "      </correspDesc>",
        "    </profileDesc>",
        '    <revisionDesc status="published">',
        f'      <change who="#archive-project">Generated by {GENERATOR} from seed {meta.seed} '
        f"(document {meta.index}).</change>",
        "    </revisionDesc>",
        "  </teiHeader>",
    ]
    return out


# ---------------------------------------------------------------------------------------------
# Corpora on disk.
# ---------------------------------------------------------------------------------------------


def _check_index(i: int, seed: int) -> None:
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < MAX_DOCUMENTS:
        raise UsageError(
            f"document index must be an integer from 0 to {MAX_DOCUMENTS - 1}, not {i!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, not {seed!r}")


def file_name(i: int, seed: int) -> str:
    return f"{slug_for(i, seed)}.xml"


def iter_corpus(n: int, seed: int, out: Path, start: int = 0) -> Iterator[Path]:
    """Write letters ``start`` .. ``n - 1`` into ``out``, yielding each path once written.

    ``n`` is the size of the whole corpus, so ``start`` extends or resumes one: letters
    0..999 and then ``start=1000, n=10000`` give the same files as ``n=10000`` at once.
    Each file is written to a temporary name and renamed, so a file is complete or absent.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DOCUMENTS:
        raise UsageError(f"the number of documents must be from 0 to {MAX_DOCUMENTS:,}, not {n!r}")
    if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= n:
        raise UsageError(f"start must be from 0 to the number of documents ({n}), not {start!r}")
    _check_index(0, seed)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path exists and is not a folder: {out}")
    out.mkdir(parents=True, exist_ok=True)
    _write_manifest(out, n, seed)
    for i in range(start, n):
        path = out / file_name(i, seed)
        _write(path, generate_letter(i, seed))
        yield path


def generate_corpus(n: int, seed: int, out: Path, start: int = 0) -> list[Path]:
    """Write letters ``start`` .. ``n - 1`` of corpus ``seed`` into ``out``; return the paths."""
    return list(iter_corpus(n, seed, out, start))


def manifest(n: int, seed: int) -> dict[str, object]:
    return {
        "synthetic": True,
        "generator": GENERATOR,
        "seed": seed,
        "documents": n,
        "files": f"{SLUG_PREFIX}s{seed}-NNNNNN.xml, NNNNNN from 000000 to {max(n - 1, 0):06d}",
        "note": "Synthetic corpus for tests and benchmarks: no document in it is real.",
    }


def read_manifest(out: Path) -> dict[str, object] | None:
    try:
        data = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_manifest(out: Path, n: int, seed: int) -> None:
    old = read_manifest(out)
    if old and old.get("seed") == seed and old.get("generator") == GENERATOR:
        n = max(n, int(old.get("documents", 0) or 0))  # extending never shrinks the record
    _write(out / MANIFEST, (json.dumps(manifest(n, seed), indent=2) + "\n").encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Temporary file then rename: never a half-written letter (no fsync: these are
    regenerable test data, and an fsync per file would dominate the run time)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
