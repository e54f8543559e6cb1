"""Fixed pools for the synthetic corpus: real places, real offices, invented organisations and
people, invented press releases and events.

The pools are built once, from a fixed seed, and do not depend on the corpus seed: an
organisation keeps the same slug, name and town in every corpus, so that corpora made with
different seeds describe the same (synthetic) entities. Everything is drawn with integer
arithmetic (``randrange``, cumulative integer weights), never with floating-point maths,
so that the pools and the letters are the same on every platform and Python version.

The data drawn from (names, places, offices, titles) lives in ``data/*.json``, described in
``data/README.md``; this module holds the logic. The order of every list in those files is
part of the output: a draw picks an item by its position.

What is real: town, département and country names, and the offices (prime minister, minister
of the interior, prefects, mayors ...), with the public addresses of a few national offices.
What is invented: every organisation that signs or writes, every person (office holders
included), every press release and every event. The only authority identifiers are those
listed in ``/work/shared/design.md`` for entities named there (France, the United Kingdom,
Paris, Calais, Pas-de-Calais, the English Channel, the North Sea, EU institutions).
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, Generic, TypeVar

from archive.rdf.uris import slugify
from archive.synth.loader import load, pairs, strings

T = TypeVar("T")

POOL_SEED = 0x5E7A11  # fixed: pools never depend on the corpus seed
FIRST_DAY = date(2010, 1, 1).toordinal()
LAST_DAY = date(2024, 12, 31).toordinal()
SYN = "syn-"  # slug prefix of every invented entity: never clashes with a real record's slug


class Weighted(Generic[T]):
    """Weighted choice with integer weights: deterministic everywhere."""

    def __init__(self, items: Sequence[T], weights: Sequence[int]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self.items = list(items)
        self.cum: list[int] = []
        total = 0
        for w in weights:
            total += max(int(w), 0)
            self.cum.append(total)
        if total <= 0:
            raise ValueError("weights sum to zero")
        self.total = total

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cum, rng.randrange(self.total))]

    def __len__(self) -> int:
        return len(self.items)


def zipf_weights(n: int, offset: int = 4) -> list[int]:
    """Zipf-like (s = 1) popularity by rank, in integers: w(r) = 10^9 // (r + offset)."""
    return [10**9 // (r + offset) for r in range(1, n + 1)]


# ---------------------------------------------------------------------------------------------
# Places (real). Slugs of places already in tei/calais-2014-07-10.xml are the record's slugs.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    slug: str
    name: str
    type: str  # TEI place/@type: city, department, region, country, sea, building
    lang: str | None = None  # xml:lang of the name, when it is not language-neutral
    parent: str | None = None  # slug of the place it lies in
    code: str | None = None  # département number, as <placeName type="code">
    idnos: tuple[tuple[str, str], ...] = ()  # (type, value), only from design.md
    region: str = ""  # cluster for local co-signing
    country: str = ""  # fr, be, uk
    de: str = ""  # French genitive form: "de Calais", "du Havre", "du Nord"
    address: tuple[str, ...] = ()  # address lines (buildings only)


_PLACES = load("places")

# (code, name, genitive, prefecture town)
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = tuple(
    (d["code"], d["name"], d["de"], d["prefecture"]) for d in _PLACES["departments"]
)

# (name, département code or country, region, focus weight, size): size drives how many local
# associations the town has; focus weight how often letters are about it.
TOWNS: tuple[tuple[str, str, str, int, int], ...] = tuple(
    (t["name"], t["where"], t["region"], t["focus"], t["size"]) for t in _PLACES["towns"]
)

# Only membership is ever asked of these sets, so their iteration order does not matter.
DUTCH_TOWNS = frozenset(strings(_PLACES["dutch_towns"], "dutch_towns"))
# Towns on the Channel or North Sea coast: letters about them may name the sea.
CHANNEL_TOWNS = frozenset(strings(_PLACES["channel_towns"], "channel_towns"))
NORTH_SEA_TOWNS = frozenset(strings(_PLACES["north_sea_towns"], "north_sea_towns"))
ITALIAN_BORDER = frozenset(strings(_PLACES["italian_border"], "italian_border"))
SPANISH_BORDER = frozenset(strings(_PLACES["spanish_border"], "spanish_border"))
H_ASPIRE = frozenset(strings(_PLACES["h_aspire"], "h_aspire"))  # h aspiré: no elision
# Départements whose English name takes an article: "Prefect of the Nord".
ENGLISH_ARTICLE = frozenset(strings(_PLACES["english_article"], "english_article"))
# Towns in TOWNS that are not municipalities (no mayor, no town hall).
NOT_MUNICIPALITIES = frozenset(strings(_PLACES["not_municipalities"], "not_municipalities"))
# Authority identifiers of départements and towns, by slug (only those from design.md).
PLACE_IDNOS: dict[str, tuple[tuple[str, str], ...]] = {
    slug: pairs(value, f"idnos/{slug}") for slug, value in _PLACES["idnos"].items()
}


def genitive(name: str) -> str:
    """French 'de' + name: 'de Calais', "d'Arras", 'du Havre', 'des Sables'."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[0] in "AEIOUYÉÈÊÂÎÔHaeiouyéèêâîôh" and name not in H_ASPIRE:
        return "d'" + name
    return "de " + name


def genitive_parts(place: Place) -> tuple[str, str]:
    """Split the genitive into the particle and the (possibly contracted) name to tag:
    ('de ', 'Calais'), ("d'", 'Arras'), ('du ', 'Havre') for Le Havre."""
    if place.de.endswith(place.name):
        return place.de[: -len(place.name)], place.name
    particle, _, rest = place.de.partition(" ")
    return particle + " ", rest


def _fixed_place(entry: dict[str, Any]) -> Place:
    """A place given whole in places.json (countries, seas, the buildings of national offices)."""
    return Place(
        entry["slug"],
        entry["name"],
        entry["type"],
        lang=entry.get("lang"),
        parent=entry.get("parent"),
        code=entry.get("code"),
        idnos=pairs(entry.get("idnos", []), f"{entry['slug']}/idnos"),
        region=entry.get("region", ""),
        country=entry.get("country", ""),
        de=entry.get("de", ""),
        address=strings(entry.get("address", []), f"{entry['slug']}/address"),
    )


def _build_places() -> dict[str, Place]:
    places: dict[str, Place] = {}

    def add(p: Place) -> None:
        if p.slug in places:
            raise ValueError(f"duplicate place slug {p.slug}")
        places[p.slug] = p

    for entry in _PLACES["fixed_places"]:
        add(_fixed_place(entry))
    dept_slug = {
        code: ("pas-de-calais" if code == "62" else f"dept-{code}") for code, *_ in DEPARTMENTS
    }
    for code, name, gen, _pref in DEPARTMENTS:
        slug = dept_slug[code]
        # No link up to France: like the Calais record, a département stands on its own.
        add(
            Place(
                slug,
                name,
                "department",
                lang="fr",
                code=code,
                idnos=PLACE_IDNOS.get(slug, ()),
                country="fr",
                de=gen,
            )
        )
    for name, where, region, _w, _s in TOWNS:
        slug = slugify(name)
        if where == "be":
            parent, country = "belgium", "be"
        elif where == "uk":
            parent, country = "england", "uk"
        elif where == "75":
            parent, country = None, "fr"  # Paris is its own département (as in the record)
        else:
            parent, country = dept_slug[where], "fr"
        lang = "nl" if name in DUTCH_TOWNS else None
        add(
            Place(
                slug,
                name,
                "city",
                lang=lang,
                parent=parent,
                idnos=PLACE_IDNOS.get(slug, ()),
                region=region,
                country=country,
                de=genitive(name),
            )
        )
    unknown = sorted(set(PLACE_IDNOS) - set(places))
    if unknown:
        raise ValueError(f"places.json: identifiers for unknown places {unknown}")
    return places


# ---------------------------------------------------------------------------------------------
# Organisations: a few real public bodies (as addressees) and many invented signatories.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    lang: str
    category: str  # a category of the org-category taxonomy
    abbr: str | None = None
    town: str | None = None  # place slug
    parent: str | None = None  # org slug (org:unitOf)
    idnos: tuple[tuple[str, str], ...] = ()
    # The name as segments for the signed list: (text, kind, slug); kind "place"/"org" or "".
    parts: tuple[tuple[str, str, str], ...] = ()
    region: str = ""
    synthetic: bool = True


def _real(slug: str, name: str, lang: str, category: str, **kw) -> Org:
    return Org(slug, name, lang, category, synthetic=False, parts=((name, "", ""),), **kw)


_ORGS = load("organisations")

REAL_BODIES: tuple[Org, ...] = tuple(
    _real(
        body["slug"],
        body["name"],
        body["lang"],
        body["category"],
        abbr=body.get("abbr"),
        town=body.get("town"),
        idnos=pairs(body.get("idnos", []), f"{body['slug']}/idnos"),
    )
    for body in _ORGS["real_bodies"]
)

# Parts of invented names. Combinations may coincide with a real name by chance; every file
# is marked synthetic and every invented slug starts with "syn-".
FR_ASSOC_KINDS = strings(_ORGS["fr_association_kinds"], "fr_association_kinds")
FR_THEMES = strings(_ORGS["fr_themes"], "fr_themes")
FR_STANDALONE = strings(_ORGS["fr_standalone"], "fr_standalone")
FR_NETWORK_KINDS = strings(_ORGS["fr_network_kinds"], "fr_network_kinds")
FR_NETWORK_THEMES = strings(_ORGS["fr_network_themes"], "fr_network_themes")
# Appended to the kind: "", " national", " France", " nationale".
FR_NETWORK_SCOPES = strings(_ORGS["fr_network_scopes"], "fr_network_scopes")
# (wrong, right), applied in order: the scope agrees with the kind's gender.
FR_NETWORK_AGREEMENT = pairs(_ORGS["fr_network_agreement"], "fr_network_agreement")
FR_PARTIES = strings(_ORGS["parties"]["fr"], "parties/fr")
BE_PARTIES = strings(_ORGS["parties"]["be"], "parties/be")
NL_PARTIES = strings(_ORGS["parties"]["nl"], "parties/nl")
UK_PARTIES = strings(_ORGS["parties"]["uk"], "parties/uk")
NL_KINDS = strings(_ORGS["nl_kinds"], "nl_kinds")
NL_THEMES = strings(_ORGS["nl_themes"], "nl_themes")
UK_THEMES = strings(_ORGS["uk_themes"], "uk_themes")
UK_NETWORKS = strings(_ORGS["networks"]["uk"], "networks/uk")
BE_NETWORKS_FR = strings(_ORGS["networks"]["be_fr"], "networks/be_fr")
BE_NETWORKS_NL = strings(_ORGS["networks"]["be_nl"], "networks/be_nl")

# Words left out of initials (French, English and Dutch).
STOP = set(strings(_ORGS["initials_stop_words"], "initials_stop_words"))


def initials(name: str) -> str:
    """Upper-case ASCII initials of the significant words: 'Réseau Éducation sans …' -> 'RE…'."""
    words = name.replace("'", " ").replace("-", " ").split()
    letters = [w[0] for w in words if w.lower() not in STOP and w[0].isalpha()]
    abbr = "".join(letters)
    return unicodedata.normalize("NFKD", abbr).encode("ascii", "ignore").decode().upper()


# ---------------------------------------------------------------------------------------------
# People and offices.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    slug: str
    forename: str
    surname: str
    female: bool
    lang: str

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


@dataclass(frozen=True)
class Office:
    """A real office; its holders are invented people with invented tenures."""

    key: str
    label: str  # English, for the affiliation and the text: "Prefect of the Nord"
    role: str  # affiliation/@role
    ref: str  # slug of the org (or place) the office belongs to
    country: str  # fr, be, uk, eu
    lang: str  # language of the address block
    address_m: str  # first address line for a man: "Monsieur le Préfet du Nord"
    address_f: str
    salute: str  # "Dear Prefect"
    seat: str | None = None  # place slug of the building or town of the address
    seat_org: str | None = None  # org slug printed in the address (a prefecture, a town hall)
    scope: str | None = None  # place slug the office is tied to (town of a mayor, département)
    since: int = FIRST_DAY  # ordinal day the office exists from
    holders: tuple[tuple[int, int, str], ...] = field(default=(), compare=False)

    def holder(self, day: int) -> str | None:
        for start, end, slug in self.holders:
            if start <= day < end:
                return slug
        return None

    def predecessor(self, day: int) -> tuple[int, int, str] | None:
        prev = None
        for tenure in self.holders:
            if tenure[0] <= day < tenure[1]:
                return prev
            prev = tenure
        return None


_PEOPLE = load("people")

FR_FEMALE = strings(_PEOPLE["fr"]["female"], "fr/female")
FR_MALE = strings(_PEOPLE["fr"]["male"], "fr/male")
FR_SURNAMES = strings(_PEOPLE["fr"]["surnames"], "fr/surnames")
UK_FEMALE = strings(_PEOPLE["uk"]["female"], "uk/female")
UK_MALE = strings(_PEOPLE["uk"]["male"], "uk/male")
UK_SURNAMES = strings(_PEOPLE["uk"]["surnames"], "uk/surnames")
BE_FEMALE = strings(_PEOPLE["be"]["female"], "be/female")
BE_MALE = strings(_PEOPLE["be"]["male"], "be/male")
BE_SURNAMES = strings(_PEOPLE["be"]["surnames"], "be/surnames")
# Belgian forenames whose bearers' names are given in Dutch rather than French.
BE_DUTCH_FORENAMES = frozenset(strings(_PEOPLE["be"]["dutch_forenames"], "be/dutch_forenames"))
EU_FEMALE = strings(_PEOPLE["eu"]["female"], "eu/female")
EU_MALE = strings(_PEOPLE["eu"]["male"], "eu/male")
EU_SURNAMES = strings(_PEOPLE["eu"]["surnames"], "eu/surnames")


# ---------------------------------------------------------------------------------------------
# Invented press releases and events.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PressRelease:
    slug: str
    title: str
    lang: str
    day: int
    authors: tuple[str, ...]  # org slugs


@dataclass(frozen=True)
class Event:
    slug: str
    label: str  # English: "Eviction of a camp at Grande-Synthe"
    phrase: str  # in a sentence: "the eviction of the camp at {place}"
    day: int
    place: str  # place slug


_TEXTS = load("texts")

# Titles of invented press releases, by language; {town} is replaced by the place's name.
PR_TITLES_FR = strings(_TEXTS["press_release_titles"]["fr"], "press_release_titles/fr")
PR_TITLES_EN = strings(_TEXTS["press_release_titles"]["en"], "press_release_titles/en")
PR_TITLES_NL = strings(_TEXTS["press_release_titles"]["nl"], "press_release_titles/nl")
# (label, phrase, weight); {town} is replaced by the place's name
EVENT_KINDS: tuple[tuple[str, str, int], ...] = tuple(
    (kind["label"], kind["phrase"], kind["weight"]) for kind in _TEXTS["event_kinds"]
)


# ---------------------------------------------------------------------------------------------
# The pools, built once.
# ---------------------------------------------------------------------------------------------


@dataclass
class Pools:
    places: dict[str, Place]
    orgs: dict[str, Org]
    persons: dict[str, Person]
    offices: dict[str, Office]
    press_releases: list[PressRelease]  # sorted by day
    events: list[Event]  # sorted by day
    signatories: list[str]  # invented orgs, by popularity rank
    global_pick: Weighted[str]
    region_pick: dict[str, Weighted[str]]
    coalitions: Weighted[tuple[str, ...]]
    focus_pick: Weighted[str]  # town slugs
    town_orgs: dict[str, list[str]]  # town slug -> org slugs located there
    pr_days: list[int] = field(default_factory=list)
    event_days: list[int] = field(default_factory=list)


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _org_slug(name: str, taken: set[str]) -> str:
    return _unique(SYN + slugify(name, max_length=60), taken)


def _build_orgs(rng: random.Random, places: dict[str, Place]) -> tuple[dict[str, Org], list[str]]:
    """Invented organisations; returns them and the signatory popularity order."""
    orgs: dict[str, Org] = {o.slug: o for o in REAL_BODIES}
    taken: set[str] = set(orgs)
    towns = [places[slugify(t[0])] for t in TOWNS]
    sizes = {slugify(t[0]): t[4] for t in TOWNS}
    networks: list[str] = []
    parties: list[str] = []
    locals_: list[str] = []

    def add(org: Org) -> str:
        orgs[org.slug] = org
        return org.slug

    # National networks (France), with local sections in several towns.
    used_names: set[str] = set()
    fr_towns = [t for t in towns if t.country == "fr"]
    fr_town_pick = Weighted(fr_towns, [sizes[t.slug] for t in fr_towns])
    while len(networks) < 44:
        name = (
            f"{rng.choice(FR_NETWORK_KINDS)}{rng.choice(FR_NETWORK_SCOPES)} "
            f"{rng.choice(FR_NETWORK_THEMES)}"
        )
        for wrong, right in FR_NETWORK_AGREEMENT:
            name = name.replace(wrong, right)
        if name in used_names:
            continue
        used_names.add(name)
        abbr = initials(name) if rng.randrange(10) < 6 else None
        if abbr is not None and len(abbr) < 3:
            abbr = None
        # National bodies get no town (as GISTI or MRAP in the Calais record); sections do.
        slug = add(
            Org(
                _org_slug(name, taken),
                name,
                "fr",
                "association-network",
                abbr=abbr,
                parts=((name, "", ""),),
            )
        )
        networks.append(slug)
        for _ in range(rng.randrange(0, 12)):
            town = fr_town_pick.pick(rng)
            sname = f"{name} – section {town.de}"
            if sname in used_names:
                continue
            used_names.add(sname)
            locals_.append(
                add(
                    Org(
                        _org_slug(f"{abbr or name} {town.name}", taken),
                        sname,
                        "fr",
                        "association",
                        town=town.slug,
                        parent=slug,
                        region=town.region,
                        parts=(
                            (name, "org", slug),
                            (" – section ", "", ""),
                            (genitive_parts(town)[0], "", ""),
                            (genitive_parts(town)[1], "place", town.slug),
                        ),
                    )
                )
            )
    for name, lang in [(n, "fr") for n in BE_NETWORKS_FR] + [(n, "nl") for n in BE_NETWORKS_NL]:
        networks.append(
            add(
                Org(
                    _org_slug(name, taken),
                    name,
                    lang,
                    "association-network",
                    parts=((name, "", ""),),
                    region="belgique",
                )
            )
        )
    for name in UK_NETWORKS:
        networks.append(
            add(
                Org(
                    _org_slug(name, taken),
                    name,
                    "en",
                    "association-network",
                    abbr=initials(name) if rng.randrange(2) else None,
                    parts=((name, "", ""),),
                    region="uk",
                )
            )
        )

    # Parties, with federations in départements.
    dept_places = [p for p in places.values() if p.type == "department"]
    for name in FR_PARTIES:
        abbr = initials(name) if rng.randrange(10) < 7 else None
        slug = add(
            Org(
                _org_slug(name, taken),
                name,
                "fr",
                "political-party",
                abbr=abbr,
                parts=((name, "", ""),),
            )
        )
        parties.append(slug)
        for _ in range(rng.randrange(0, 6)):
            dept = rng.choice(dept_places)
            fname = f"{name} – fédération {dept.de}"
            if fname in used_names:
                continue
            used_names.add(fname)
            head = genitive_parts(dept)[0]
            # The town of a federation: the prefecture of its département.
            pref = next(d[3] for d in DEPARTMENTS if d[1] == dept.name)
            town = places[slugify(pref)]
            locals_.append(
                add(
                    Org(
                        _org_slug(f"{abbr or name} federation {dept.name}", taken),
                        fname,
                        "fr",
                        "political-party",
                        town=town.slug,
                        parent=slug,
                        region=town.region,
                        parts=(
                            (name, "org", slug),
                            (" – fédération ", "", ""),
                            (head, "", ""),
                            (dept.name, "place", dept.slug),
                        ),
                    )
                )
            )
    for names, lang, region in (
        (BE_PARTIES, "fr", "belgique"),
        (NL_PARTIES, "nl", "belgique"),
        (UK_PARTIES, "en", "uk"),
    ):
        for name in names:
            parties.append(
                add(
                    Org(
                        _org_slug(name, taken),
                        name,
                        lang,
                        "political-party",
                        parts=((name, "", ""),),
                        region=region,
                    )
                )
            )

    # Local associations, in proportion to the size of each town.
    for town in towns:
        for _ in range(sizes[town.slug] * 4):
            name, parts = _local_name(rng, town)
            if name in used_names:
                continue
            used_names.add(name)
            abbr = None
            if rng.randrange(4) == 0:
                # Initials of the name without the town, then the town's initial: "CSEC".
                bare = "".join(text for text, kind, _ in parts if kind != "place")
                abbr = initials(bare) + initials(town.name)[:1]
                if len(abbr) < 3:
                    abbr = None
            locals_.append(
                add(
                    Org(
                        _org_slug(name, taken),
                        name,
                        _lang_of_town(town),
                        "association",
                        abbr=abbr,
                        town=town.slug,
                        parts=parts,
                        region=town.region,
                    )
                )
            )

    # Popularity: national networks, parties and some well-known local associations rank
    # high; sections, federations and most local groups fill the long tail.
    rng.shuffle(locals_)
    prominent = [s for s in locals_ if orgs[s].parent is None][:120]
    national = networks + parties
    rng.shuffle(national)
    # The most popular signatories are national bodies, then a few prominent local groups.
    head = national[:20] + _interleave(rng, prominent, national[20:])
    chosen = set(prominent)
    tail = [s for s in locals_ if s not in chosen]
    order = head[:60] + _interleave(rng, head[60:], tail)
    return orgs, order


def _interleave(rng: random.Random, a: list[str], b: list[str]) -> list[str]:
    out: list[str] = []
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and (j >= len(b) or rng.randrange(4) == 0):
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out


def _lang_of_town(town: Place) -> str:
    if town.country == "uk":
        return "en"
    return "nl" if town.lang == "nl" else "fr"


def _local_name(rng: random.Random, town: Place) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """An invented local association's name, with the town tagged as a segment."""
    lang = _lang_of_town(town)
    tag = (town.name, "place", town.slug)
    if lang == "en":
        theme = rng.choice(UK_THEMES)
        return f"{town.name} {theme}", (tag, (f" {theme}", "", ""))
    if lang == "nl":
        kind, theme = rng.choice(NL_KINDS), rng.choice(NL_THEMES)
        return f"{kind} {theme} {town.name}", ((f"{kind} {theme} ", "", ""), tag)
    form = rng.randrange(10)
    particle, shown = genitive_parts(town)
    if form < 6:
        kind, theme = rng.choice(FR_ASSOC_KINDS), rng.choice(FR_THEMES)
        head = f"{kind} {theme} {particle}"
        return head + shown, ((head, "", ""), (shown, "place", town.slug))
    if form < 8:
        theme = rng.choice(FR_THEMES)
        return f"{theme} {town.name}", ((f"{theme} ", "", ""), tag)
    kind = rng.choice(FR_STANDALONE)
    head = f"{kind} {particle}"
    return head + shown, ((head, "", ""), (shown, "place", town.slug))


def _person(rng: random.Random, lang: str, taken: set[str]) -> Person:
    female = rng.randrange(2) == 0
    if lang == "en":
        first = rng.choice(UK_FEMALE if female else UK_MALE)
        sur = f"{rng.choice(UK_SURNAMES)}-{rng.choice(UK_SURNAMES)}"
    elif lang == "be":
        first = rng.choice(BE_FEMALE if female else BE_MALE)
        sur = f"{rng.choice(BE_SURNAMES)}-{rng.choice(BE_SURNAMES)}"
    elif lang == "eu":
        first = rng.choice(EU_FEMALE if female else EU_MALE)
        sur = rng.choice(EU_SURNAMES) + "-" + rng.choice(EU_SURNAMES)
    else:
        first = rng.choice(FR_FEMALE if female else FR_MALE)
        sur = f"{rng.choice(FR_SURNAMES)}-{rng.choice(FR_SURNAMES)}"
    a, _, b = sur.partition("-")
    if a == b:
        sur = a
    slug = _unique(SYN + slugify(f"{first} {sur}"), taken)
    plang = {"en": "en", "be": "fr", "eu": "en"}.get(lang, "fr")
    if lang == "be" and first in BE_DUTCH_FORENAMES:
        plang = "nl"
    return Person(slug, first, sur, female, plang)


_OFFICES = load("offices")


def _national_office(entry: dict[str, Any]) -> Office:
    """An office given whole in offices.json; ``since`` is an ISO date there."""
    since = entry.get("since")
    return Office(
        entry["key"],
        entry["label"],
        entry["role"],
        entry["ref"],
        entry["country"],
        entry["lang"],
        entry["address_m"],
        entry["address_f"],
        entry["salute"],
        seat=entry.get("seat"),
        seat_org=entry.get("seat_org"),
        scope=entry.get("scope"),
        since=date.fromisoformat(since).toordinal() if since else FIRST_DAY,
    )


def _offices(places: dict[str, Place], orgs: dict[str, Org]) -> list[Office]:
    """The real offices letters are addressed to; holders are filled in later."""
    out = [_national_office(entry) for entry in _OFFICES["national"]]
    prefect = _OFFICES["prefect"]
    for code, name, gen, pref in DEPARTMENTS:
        dept = places["pas-de-calais" if code == "62" else f"dept-{code}"]
        org_slug = "prefecture-" + slugify(name)
        orgs[org_slug] = _real(
            org_slug,
            prefect["prefecture"].format(de=gen),
            "fr",
            "government-body",
            town=slugify(pref),
        )
        out.append(
            Office(
                f"prefect-{code}",
                prefect["label"].format(name=_en_dept(name)),
                "prefect",
                org_slug,
                "fr",
                "fr",
                prefect["address_m"].format(de=gen),
                prefect["address_f"].format(de=gen),
                prefect["salute"],
                seat=slugify(pref),
                seat_org=org_slug,
                scope=dept.slug,
            )
        )
    mayor = _OFFICES["mayor"]
    for town_name, where, _region, weight, _size in TOWNS:
        if weight < 2 or where == "uk" or town_name in NOT_MUNICIPALITIES:
            continue
        town = places[slugify(town_name)]
        if where == "be":
            lang = "nl" if town.lang == "nl" else "fr"
            forms = mayor[f"be_{lang}"]
        else:
            lang, forms = "fr", mayor["fr"]
        hall = forms["town_hall"].format(name=town_name, de=town.de)
        m = forms["address_m"].format(name=town_name, de=town.de)
        f = forms["address_f"].format(name=town_name, de=town.de)
        org_slug = "town-hall-" + town.slug
        orgs[org_slug] = _real(org_slug, hall, lang, "government-body", town=town.slug)
        out.append(
            Office(
                f"mayor-{town.slug}",
                mayor["label"].format(name=town_name),
                "mayor",
                org_slug,
                town.country,
                lang,
                m,
                f,
                mayor["salute"],
                seat=town.slug,
                seat_org=org_slug,
                scope=town.slug,
            )
        )
    return out


def _en_dept(name: str) -> str:
    return f"the {name}" if name in ENGLISH_ARTICLE else name


def _tenures(
    rng: random.Random, office: Office, persons: dict[str, Person], taken: set[str]
) -> Office:
    lang = {"uk": "en", "be": "be", "eu": "eu"}.get(office.country, "fr")
    if office.role == "mayor":
        lengths = (2190,)  # six-year mandates, often renewed
    elif office.role in {"prefect", "prefect-of-police"}:
        lengths = (540, 730, 900, 1100)
    elif office.role == "defender-of-rights":
        lengths = (2190,)
    elif office.role == "commissioner-for-home-affairs":
        lengths = (1825,)
    else:
        lengths = (420, 700, 900, 1200, 1500)
    day = max(office.since, FIRST_DAY) - rng.randrange(0, 700)
    if office.since > FIRST_DAY:
        day = office.since
    holders: list[tuple[int, int, str]] = []
    current: Person | None = None
    while day <= LAST_DAY:
        end = day + rng.choice(lengths) + rng.randrange(0, 120)
        if current is None or not (office.role == "mayor" and rng.randrange(10) < 4):
            current = _person(rng, lang, taken)
            persons[current.slug] = current
        if holders and holders[-1][2] == current.slug:
            holders[-1] = (holders[-1][0], end, current.slug)
        else:
            holders.append((day, end, current.slug))
        day = end
    return replace(office, holders=tuple(holders))


@lru_cache(maxsize=1)
def pools() -> Pools:
    """Build the pools (about 0.1 s); the same on every call, every machine."""
    rng = random.Random(POOL_SEED)
    places = _build_places()
    orgs, order = _build_orgs(rng, places)
    persons: dict[str, Person] = {}
    taken_people: set[str] = set()
    offices = {o.key: _tenures(rng, o, persons, taken_people) for o in _offices(places, orgs)}

    weights = zipf_weights(len(order), offset=6)
    rank = {slug: r for r, slug in enumerate(order)}
    global_pick = Weighted(order, weights)
    by_region: dict[str, list[str]] = {}
    town_orgs: dict[str, list[str]] = {}
    for slug in order:
        org = orgs[slug]
        if org.region:
            by_region.setdefault(org.region, []).append(slug)
        if org.town:
            town_orgs.setdefault(org.town, []).append(slug)
    region_pick = {
        region: Weighted(slugs, zipf_weights(len(slugs), offset=2))
        for region, slugs in by_region.items()
    }
    # Coalitions: groups of organisations that tend to sign together.
    coalitions: list[tuple[str, ...]] = []
    regions = sorted(by_region)
    for _ in range(160):
        region = rng.choice(regions)
        members: list[str] = []
        size = 3 + rng.randrange(6)
        for _ in range(size * 4):
            if len(members) >= size:
                break
            slug = (region_pick[region] if rng.randrange(3) else global_pick).pick(rng)
            if slug not in members:
                members.append(slug)
        coalitions.append(tuple(sorted(members, key=rank.__getitem__)))
    coalition_pick = Weighted(coalitions, zipf_weights(len(coalitions), offset=3))

    town_slugs = [slugify(t[0]) for t in TOWNS]
    focus_pick = Weighted(town_slugs, [t[3] for t in TOWNS])

    press_releases = _press_releases(rng, places, orgs, global_pick, region_pick, focus_pick)
    events = _events(rng, places, focus_pick)
    p = Pools(
        places,
        orgs,
        persons,
        offices,
        press_releases,
        events,
        order,
        global_pick,
        region_pick,
        coalition_pick,
        focus_pick,
        town_orgs,
    )
    p.pr_days = [pr.day for pr in press_releases]
    p.event_days = [e.day for e in events]
    return p


def _press_releases(
    rng: random.Random,
    places: dict[str, Place],
    orgs: dict[str, Org],
    global_pick: Weighted[str],
    region_pick: dict[str, Weighted[str]],
    focus_pick: Weighted[str],
) -> list[PressRelease]:
    items: list[tuple[int, str, str, tuple[str, ...]]] = []
    for _ in range(600):
        town = places[focus_pick.pick(rng)]
        day = FIRST_DAY - 400 + rng.randrange(LAST_DAY - FIRST_DAY + 400)
        authors: list[str] = []
        for n in range(1 + rng.randrange(4)):
            local = n == 0 or rng.randrange(2) == 0
            pick = region_pick.get(town.region, global_pick) if local else global_pick
            slug = pick.pick(rng)
            if slug not in authors:
                authors.append(slug)
        lang = orgs[authors[0]].lang
        titles = {"en": PR_TITLES_EN, "nl": PR_TITLES_NL}.get(lang, PR_TITLES_FR)
        items.append((day, rng.choice(titles).format(town=town.name), lang, tuple(authors)))
    items.sort()
    return [
        PressRelease(f"{SYN}press-release-{n + 1:04d}", title, lang, day, authors)
        for n, (day, title, lang, authors) in enumerate(items)
    ]


def _events(rng: random.Random, places: dict[str, Place], focus_pick: Weighted[str]) -> list[Event]:
    kinds = Weighted(EVENT_KINDS, [k[2] for k in EVENT_KINDS])
    items = []
    for _ in range(900):
        town = places[focus_pick.pick(rng)]
        label, phrase, _w = kinds.pick(rng)
        day = FIRST_DAY - 200 + rng.randrange(LAST_DAY - FIRST_DAY + 200)
        items.append((day, label, phrase, town.slug))
    items.sort()
    return [
        Event(f"{SYN}event-{n + 1:04d}", label, phrase, day, town)
        for n, (day, label, phrase, town) in enumerate(items)
    ]


def sample_distinct(rng: random.Random, draw: Callable[[], T], k: int, limit: int) -> list[T]:
    """Up to ``k`` distinct draws, giving up after ``limit`` attempts."""
    out: list[T] = []
    seen: set[T] = set()
    for _ in range(limit):
        if len(out) >= k:
            break
        x = draw()
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
