"""Fixed pools for the synthetic corpus: real places, real offices, invented organisations and
people, invented press releases and events.

The pools are built once, from a fixed seed, and do not depend on the corpus seed: an
organisation keeps the same slug, name and town in every corpus, so that corpora made with
different seeds describe the same (synthetic) entities. Everything is drawn with integer
arithmetic (``randrange``, cumulative integer weights), never with floating-point maths,
so that the pools and the letters are the same on every platform and Python version.

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
from typing import Generic, TypeVar

from archive.rdf.uris import slugify

T = TypeVar("T")

POOL_SEED = 0x5E7A11  # fixed: pools never depend on the corpus seed
FIRST_DAY = date(2010, 1, 1).toordinal()
LAST_DAY = date(2024, 12, 31).toordinal()
SYN = "syn-"  # slug prefix of every invented entity: never clashes with a real record's slug

WIKIDATA = "http://www.wikidata.org/entity/"


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


# (code, name, genitive, prefecture town)
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("59", "Nord", "du Nord", "Lille"),
    ("62", "Pas-de-Calais", "du Pas-de-Calais", "Arras"),
    ("80", "Somme", "de la Somme", "Amiens"),
    ("76", "Seine-Maritime", "de la Seine-Maritime", "Rouen"),
    ("50", "Manche", "de la Manche", "Saint-Lô"),
    ("14", "Calvados", "du Calvados", "Caen"),
    ("93", "Seine-Saint-Denis", "de la Seine-Saint-Denis", "Bobigny"),
    ("92", "Hauts-de-Seine", "des Hauts-de-Seine", "Nanterre"),
    ("94", "Val-de-Marne", "du Val-de-Marne", "Créteil"),
    ("06", "Alpes-Maritimes", "des Alpes-Maritimes", "Nice"),
    ("05", "Hautes-Alpes", "des Hautes-Alpes", "Gap"),
    ("13", "Bouches-du-Rhône", "des Bouches-du-Rhône", "Marseille"),
    ("69", "Rhône", "du Rhône", "Lyon"),
    ("33", "Gironde", "de la Gironde", "Bordeaux"),
    ("44", "Loire-Atlantique", "de la Loire-Atlantique", "Nantes"),
    ("31", "Haute-Garonne", "de la Haute-Garonne", "Toulouse"),
    ("67", "Bas-Rhin", "du Bas-Rhin", "Strasbourg"),
    ("35", "Ille-et-Vilaine", "d'Ille-et-Vilaine", "Rennes"),
    ("34", "Hérault", "de l'Hérault", "Montpellier"),
    ("38", "Isère", "de l'Isère", "Grenoble"),
    ("64", "Pyrénées-Atlantiques", "des Pyrénées-Atlantiques", "Pau"),
    ("54", "Meurthe-et-Moselle", "de Meurthe-et-Moselle", "Nancy"),
    ("57", "Moselle", "de la Moselle", "Metz"),
    ("29", "Finistère", "du Finistère", "Quimper"),
    ("21", "Côte-d'Or", "de la Côte-d'Or", "Dijon"),
    ("63", "Puy-de-Dôme", "du Puy-de-Dôme", "Clermont-Ferrand"),
    ("37", "Indre-et-Loire", "d'Indre-et-Loire", "Tours"),
    ("45", "Loiret", "du Loiret", "Orléans"),
    ("87", "Haute-Vienne", "de la Haute-Vienne", "Limoges"),
    ("25", "Doubs", "du Doubs", "Besançon"),
    ("86", "Vienne", "de la Vienne", "Poitiers"),
    ("49", "Maine-et-Loire", "de Maine-et-Loire", "Angers"),
    ("72", "Sarthe", "de la Sarthe", "Le Mans"),
    ("60", "Oise", "de l'Oise", "Beauvais"),
    ("66", "Pyrénées-Orientales", "des Pyrénées-Orientales", "Perpignan"),
)

# (name, département code or country, region, focus weight, size): size drives how many local
# associations the town has; focus weight how often letters are about it.
TOWNS: tuple[tuple[str, str, str, int, int], ...] = (
    ("Calais", "62", "cote-opale", 40, 14),
    ("Sangatte", "62", "cote-opale", 3, 2),
    ("Boulogne-sur-Mer", "62", "cote-opale", 3, 5),
    ("Wimereux", "62", "cote-opale", 1, 2),
    ("Norrent-Fontes", "62", "cote-opale", 2, 2),
    ("Saint-Omer", "62", "cote-opale", 2, 3),
    ("Arras", "62", "nord-interieur", 2, 5),
    ("Lens", "62", "nord-interieur", 1, 4),
    ("Béthune", "62", "nord-interieur", 1, 3),
    ("Liévin", "62", "nord-interieur", 1, 2),
    ("Dunkerque", "59", "cote-opale", 10, 9),
    ("Grande-Synthe", "59", "cote-opale", 14, 5),
    ("Gravelines", "59", "cote-opale", 2, 2),
    ("Loon-Plage", "59", "cote-opale", 3, 2),
    ("Steenvoorde", "59", "cote-opale", 2, 2),
    ("Hazebrouck", "59", "cote-opale", 1, 2),
    ("Lille", "59", "nord-interieur", 8, 14),
    ("Roubaix", "59", "nord-interieur", 1, 5),
    ("Tourcoing", "59", "nord-interieur", 1, 4),
    ("Valenciennes", "59", "nord-interieur", 1, 4),
    ("Douai", "59", "nord-interieur", 1, 3),
    ("Cambrai", "59", "nord-interieur", 1, 2),
    ("Maubeuge", "59", "nord-interieur", 1, 2),
    ("Amiens", "80", "picardie", 2, 6),
    ("Abbeville", "80", "picardie", 1, 2),
    ("Beauvais", "60", "picardie", 1, 3),
    ("Rouen", "76", "normandie", 2, 7),
    ("Le Havre", "76", "normandie", 3, 6),
    ("Dieppe", "76", "normandie", 1, 2),
    ("Cherbourg", "50", "normandie", 3, 4),
    ("Saint-Lô", "50", "normandie", 1, 2),
    ("Caen", "14", "normandie", 3, 7),
    ("Ouistreham", "14", "normandie", 4, 2),
    ("Bayeux", "14", "normandie", 1, 2),
    ("Paris", "75", "idf", 25, 30),
    ("Saint-Denis", "93", "idf", 3, 6),
    ("Montreuil", "93", "idf", 1, 5),
    ("Aubervilliers", "93", "idf", 2, 3),
    ("Bobigny", "93", "idf", 1, 2),
    ("Antony", "92", "idf", 1, 2),
    ("Nanterre", "92", "idf", 1, 3),
    ("Créteil", "94", "idf", 1, 3),
    ("Ivry-sur-Seine", "94", "idf", 1, 3),
    ("Vincennes", "94", "idf", 1, 2),
    ("Nice", "06", "alpes-sud", 5, 8),
    ("Menton", "06", "alpes-sud", 7, 3),
    ("Breil-sur-Roya", "06", "alpes-sud", 3, 2),
    ("Antibes", "06", "alpes-sud", 1, 2),
    ("Briançon", "05", "alpes-sud", 9, 4),
    ("Gap", "05", "alpes-sud", 2, 3),
    ("Marseille", "13", "alpes-sud", 4, 12),
    ("Aix-en-Provence", "13", "alpes-sud", 1, 4),
    ("Arles", "13", "alpes-sud", 1, 2),
    ("Grenoble", "38", "alpes-sud", 2, 7),
    ("Lyon", "69", "est", 4, 12),
    ("Villeurbanne", "69", "est", 1, 4),
    ("Strasbourg", "67", "est", 3, 8),
    ("Nancy", "54", "est", 1, 5),
    ("Metz", "57", "est", 2, 5),
    ("Dijon", "21", "est", 1, 4),
    ("Besançon", "25", "est", 1, 4),
    ("Clermont-Ferrand", "63", "est", 1, 4),
    ("Bordeaux", "33", "sud-ouest", 3, 9),
    ("Toulouse", "31", "sud-ouest", 3, 10),
    ("Pau", "64", "sud-ouest", 1, 3),
    ("Bayonne", "64", "sud-ouest", 5, 4),
    ("Hendaye", "64", "sud-ouest", 2, 2),
    ("Perpignan", "66", "sud-ouest", 2, 4),
    ("Montpellier", "34", "sud-ouest", 2, 7),
    ("Béziers", "34", "sud-ouest", 1, 2),
    ("Limoges", "87", "sud-ouest", 1, 3),
    ("Poitiers", "86", "sud-ouest", 1, 3),
    ("Nantes", "44", "ouest", 4, 10),
    ("Saint-Nazaire", "44", "ouest", 1, 3),
    ("Rennes", "35", "ouest", 3, 8),
    ("Quimper", "29", "ouest", 1, 2),
    ("Brest", "29", "ouest", 1, 4),
    ("Angers", "49", "ouest", 1, 4),
    ("Le Mans", "72", "ouest", 1, 4),
    ("Tours", "37", "ouest", 1, 4),
    ("Orléans", "45", "ouest", 1, 4),
    ("Bruxelles", "be", "belgique", 10, 12),
    ("Liège", "be", "belgique", 2, 5),
    ("Namur", "be", "belgique", 1, 3),
    ("Charleroi", "be", "belgique", 1, 3),
    ("Mons", "be", "belgique", 1, 2),
    ("Tournai", "be", "belgique", 1, 2),
    ("Gent", "be", "belgique", 2, 5),
    ("Antwerpen", "be", "belgique", 2, 5),
    ("Brugge", "be", "belgique", 1, 3),
    ("Leuven", "be", "belgique", 1, 3),
    ("Oostende", "be", "belgique", 2, 2),
    ("Zeebrugge", "be", "belgique", 3, 1),
    ("London", "uk", "uk", 6, 14),
    ("Dover", "uk", "uk", 5, 3),
    ("Folkestone", "uk", "uk", 2, 2),
    ("Canterbury", "uk", "uk", 1, 3),
    ("Brighton", "uk", "uk", 1, 4),
    ("Hastings", "uk", "uk", 1, 2),
    ("Portsmouth", "uk", "uk", 1, 2),
    ("Southampton", "uk", "uk", 1, 2),
    ("Oxford", "uk", "uk", 1, 3),
    ("Birmingham", "uk", "uk", 1, 5),
    ("Manchester", "uk", "uk", 1, 5),
    ("Leeds", "uk", "uk", 1, 4),
    ("Sheffield", "uk", "uk", 1, 3),
    ("Liverpool", "uk", "uk", 1, 4),
    ("Bristol", "uk", "uk", 1, 4),
    ("Newcastle upon Tyne", "uk", "uk", 1, 3),
    ("Norwich", "uk", "uk", 1, 2),
)

DUTCH_TOWNS = frozenset({"Gent", "Antwerpen", "Brugge", "Leuven", "Oostende", "Zeebrugge"})
# Towns on the Channel or North Sea coast: letters about them may name the sea.
CHANNEL_TOWNS = frozenset(
    {
        "Calais",
        "Sangatte",
        "Boulogne-sur-Mer",
        "Wimereux",
        "Cherbourg",
        "Ouistreham",
        "Le Havre",
        "Dieppe",
        "Dover",
        "Folkestone",
        "Hastings",
        "Portsmouth",
        "Southampton",
        "Brighton",
    }
)
NORTH_SEA_TOWNS = frozenset(
    {
        "Dunkerque",
        "Grande-Synthe",
        "Gravelines",
        "Loon-Plage",
        "Oostende",
        "Zeebrugge",
    }
)
ITALIAN_BORDER = frozenset({"Menton", "Breil-sur-Roya", "Briançon", "Nice"})
SPANISH_BORDER = frozenset({"Hendaye", "Bayonne", "Perpignan"})


def genitive(name: str) -> str:
    """French 'de' + name: 'de Calais', "d'Arras", 'du Havre', 'des Sables'."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    aspirate = {"Hazebrouck", "Hendaye", "Hastings"}  # h aspiré: no elision
    if name[0] in "AEIOUYÉÈÊÂÎÔHaeiouyéèêâîôh" and name not in aspirate:
        return "d'" + name
    return "de " + name


def genitive_parts(place: Place) -> tuple[str, str]:
    """Split the genitive into the particle and the (possibly contracted) name to tag:
    ('de ', 'Calais'), ("d'", 'Arras'), ('du ', 'Havre') for Le Havre."""
    if place.de.endswith(place.name):
        return place.de[: -len(place.name)], place.name
    particle, _, rest = place.de.partition(" ")
    return particle + " ", rest


def _build_places() -> dict[str, Place]:
    places: dict[str, Place] = {}

    def add(p: Place) -> None:
        if p.slug in places:
            raise ValueError(f"duplicate place slug {p.slug}")
        places[p.slug] = p

    add(Place("france", "France", "country", idnos=(("URI", WIKIDATA + "Q142"),), country="fr"))
    add(
        Place(
            "united-kingdom",
            "United Kingdom",
            "country",
            idnos=(("URI", WIKIDATA + "Q145"),),
            country="uk",
        )
    )
    add(Place("england", "England", "country", parent="united-kingdom", country="uk"))
    add(Place("belgium", "Belgium", "country", country="be"))
    add(Place("english-channel", "English Channel", "sea", idnos=(("URI", WIKIDATA + "Q34640"),)))
    add(Place("north-sea", "North Sea", "sea", idnos=(("URI", WIKIDATA + "Q1693"),)))
    add(
        Place(
            "hotel-de-matignon",
            "Hôtel de Matignon",
            "building",
            lang="fr",
            parent="paris",
            address=("57, rue de Varenne", "75700 Paris"),
            country="fr",
        )
    )
    add(
        Place(
            "place-beauvau",
            "Place Beauvau",
            "square",
            lang="fr",
            parent="paris",
            address=("Place Beauvau", "75800 Paris Cedex 08"),
            country="fr",
        )
    )
    add(
        Place(
            "palais-de-l-elysee",
            "Palais de l'Élysée",
            "building",
            lang="fr",
            parent="paris",
            address=("55, rue du Faubourg Saint-Honoré", "75008 Paris"),
            country="fr",
        )
    )
    add(
        Place(
            "downing-street",
            "10 Downing Street",
            "building",
            parent="london",
            address=("10 Downing Street", "London SW1A 2AA"),
            country="uk",
        )
    )
    for code, name, gen, _pref in DEPARTMENTS:
        slug = "pas-de-calais" if code == "62" else f"dept-{code}"
        idnos = (("ISO3166-2", "FR-62"),) if code == "62" else ()
        # No link up to France: like the Calais record, a département stands on its own.
        add(
            Place(slug, name, "department", lang="fr", code=code, idnos=idnos, country="fr", de=gen)
        )
    dept_slug = {
        code: ("pas-de-calais" if code == "62" else f"dept-{code}") for code, *_ in DEPARTMENTS
    }
    for name, where, region, _w, _s in TOWNS:
        slug = slugify(name)
        idnos: tuple[tuple[str, str], ...] = ()
        if where == "be":
            parent, country = "belgium", "be"
        elif where == "uk":
            parent, country = "england", "uk"
        elif where == "75":
            parent, country = None, "fr"  # Paris is its own département (as in the record)
        else:
            parent, country = dept_slug[where], "fr"
        if slug == "calais":
            idnos = (("INSEE", "62193"),)
        elif slug == "paris":
            idnos = (("URI", WIKIDATA + "Q90"),)
        lang = "nl" if name in DUTCH_TOWNS else None
        add(
            Place(
                slug,
                name,
                "city",
                lang=lang,
                parent=parent,
                idnos=idnos,
                region=region,
                country=country,
                de=genitive(name),
            )
        )
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


REAL_BODIES: tuple[Org, ...] = (
    _real("french-government", "French government", "en", "government-body"),
    _real("home-office", "Home Office", "en", "government-body"),
    _real("border-police", "border police", "en", "government-body"),
    _real("crs", "compagnies républicaines de sécurité", "fr", "government-body", abbr="CRS"),
    _real("border-force", "Border Force", "en", "government-body"),
    _real("belgian-federal-government", "Belgian federal government", "en", "government-body"),
    _real("belgian-federal-police", "Belgian federal police", "en", "government-body"),
    _real("defenseur-des-droits", "Défenseur des droits", "fr", "government-body"),
    _real("prefecture-de-police", "Préfecture de police", "fr", "government-body", town="paris"),
    _real(
        "european-union",
        "European Union",
        "en",
        "eu-institution",
        idnos=(("URI", WIKIDATA + "Q458"),),
    ),
    _real(
        "council-eu",
        "Council of the European Union",
        "en",
        "eu-institution",
        idnos=(("URI", WIKIDATA + "Q8896"),),
    ),
    _real(
        "european-parliament",
        "European Parliament",
        "en",
        "eu-institution",
        idnos=(("URI", WIKIDATA + "Q8889"),),
    ),
    _real("european-commission", "European Commission", "en", "eu-institution"),
)

# Parts of invented names. Combinations may coincide with a real name by chance; every file
# is marked synthetic and every invented slug starts with "syn-".
FR_ASSOC_KINDS = (
    "Collectif",
    "Association",
    "Comité",
    "Groupe",
    "Cercle",
    "Collectif citoyen",
    "Amicale",
    "Atelier",
)
FR_THEMES = (
    "Solidarité Exilés",
    "Accueil des exilés",
    "Soutien aux migrants",
    "Hospitalité",
    "Entraide migrants",
    "Fraternité sans frontières",
    "Droits des étrangers",
    "Terre d'accueil",
    "Aide aux réfugiés",
    "Citoyens solidaires",
    "Accueil et partage",
    "Un toit pour tous",
    "Soutien aux sans-papiers",
    "Mineurs isolés solidarité",
    "Éducation et exil",
    "Santé exilés",
    "Alphabétisation et accueil",
    "Femmes en exil",
    "Chemins d'asile",
    "Passerelles",
    "Main tendue",
    "Écoute et accueil",
    "Bienvenue aux réfugiés",
    "Exil et dignité",
    "Repas solidaires",
    "Hébergement citoyen",
    "Vigilance frontières",
    "Maraudes solidaires",
)
FR_STANDALONE = (
    "Maison de l'hospitalité",
    "Point d'accueil solidaire",
    "Permanence juridique",
    "Cantine solidaire",
    "Réseau local d'hébergement",
    "Vestiaire solidaire",
)
FR_NETWORK_KINDS = (
    "Réseau",
    "Coordination",
    "Fédération",
    "Plateforme",
    "Observatoire",
    "Union",
    "Alliance",
    "Mouvement",
)
FR_NETWORK_THEMES = (
    "pour l'hospitalité",
    "des collectifs d'accueil",
    "Droits et Frontières",
    "Solidarité Exilés",
    "des citoyens solidaires",
    "Accueil sans frontières",
    "pour le droit d'asile",
    "contre l'enfermement des étrangers",
    "Migrations et Droits",
    "des maraudes citoyennes",
    "pour la dignité des exilés",
    "des juristes solidaires",
    "Éducation sans papiers",
    "des soignants solidaires",
    "des villes accueillantes",
    "pour l'accès au droit",
    "Mineurs en exil",
    "des amis des exilés",
    "Chrétiens et migrants",
    "laïque de solidarité",
    "des familles solidaires",
    "Frontières ouvertes",
)
FR_NETWORK_SCOPES = ("", " national", " France", " nationale")  # appended to the kind
FR_PARTIES = (
    "Parti de la Gauche solidaire",
    "Mouvement écologiste et citoyen",
    "Alliance démocrate et sociale",
    "Union pour l'hospitalité",
    "Parti citoyen européen",
    "Gauche républicaine unie",
    "Parti des écologistes sociaux",
    "Mouvement pour une République solidaire",
    "Rassemblement des Verts et des Citoyens",
    "Parti socialiste démocratique",
    "Nouvelle Gauche écologiste",
    "Parti ouvrier et solidaire",
    "Initiative citoyenne",
    "Parti humaniste européen",
)
BE_PARTIES = ("Parti écologiste et solidaire (Belgique)", "Gauche citoyenne belge")
NL_PARTIES = ("Groen en Solidair", "Partij voor Gastvrijheid")
UK_PARTIES = ("Progressive Alliance Party", "Green Solidarity Party", "Radical Democrats")
NL_KINDS = ("Werkgroep", "Platform", "Comité", "Vereniging", "Collectief")
NL_THEMES = (
    "Vluchtelingen",
    "Solidariteit met vluchtelingen",
    "Welkom",
    "Gastvrijheid",
    "Mensen zonder papieren",
    "Migranten",
    "Burgers voor vluchtelingen",
    "Onthaal",
)
UK_THEMES = (
    "Refugee Solidarity",
    "Migrant Support Network",
    "Sanctuary Circle",
    "Refugee Hospitality Group",
    "Friends of Refugees",
    "Migrant Rights Group",
    "Asylum Support Forum",
    "Refugee Welcome Collective",
    "Migrant Solidarity Kitchen",
    "Action for Refugees",
    "Borders Watch",
    "Refugee Legal Aid Group",
)
UK_NETWORKS = (
    "National Refugee Solidarity Network",
    "Coalition for Safe Passage",
    "Migrant Rights Alliance",
    "Federation of Refugee Support Groups",
    "Network for Asylum Justice",
)
BE_NETWORKS_FR = (
    "Coordination belge pour l'accueil",
    "Plateforme citoyenne d'hospitalité",
    "Réseau wallon pour le droit d'asile",
)
BE_NETWORKS_NL = ("Vlaams Platform Gastvrijheid", "Netwerk Migratie en Rechten")

STOP = {
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "et",
    "aux",
    "au",
    "à",
    "pour",
    "en",
    "d",
    "l",
    "for",
    "of",
    "the",
    "and",
    "voor",
    "met",
    "van",
    "contre",
    "sans",
}


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


FR_FEMALE = (
    "Claire",
    "Isabelle",
    "Nathalie",
    "Sophie",
    "Catherine",
    "Valérie",
    "Sandrine",
    "Élise",
    "Hélène",
    "Anne",
    "Marion",
    "Juliette",
    "Agnès",
    "Florence",
    "Laure",
    "Cécile",
    "Martine",
    "Odile",
    "Bénédicte",
    "Aurélie",
    "Delphine",
    "Mathilde",
)
FR_MALE = (
    "Jean",
    "Pierre",
    "Laurent",
    "Olivier",
    "Thierry",
    "Christophe",
    "Frédéric",
    "Stéphane",
    "Didier",
    "Pascal",
    "Alain",
    "Bruno",
    "Hervé",
    "Gilles",
    "Arnaud",
    "Julien",
    "Mathieu",
    "Antoine",
    "Yves",
    "Rémi",
    "Vincent",
    "Sébastien",
)
FR_SURNAMES = (
    "Delmas",
    "Renaud",
    "Caron",
    "Vasseur",
    "Lemaire",
    "Duhamel",
    "Carpentier",
    "Maréchal",
    "Leclercq",
    "Dufour",
    "Masson",
    "Perrin",
    "Guérin",
    "Boyer",
    "Gauthier",
    "Barbier",
    "Brunet",
    "Roussel",
    "Lacroix",
    "Fabre",
    "Picard",
    "Aubert",
    "Lemoine",
    "Rolland",
    "Marchand",
    "Lebrun",
    "Charpentier",
    "Prévost",
    "Deschamps",
    "Fleury",
    "Langlois",
    "Baudry",
    "Cordier",
    "Tessier",
    "Joubert",
    "Maillard",
)
UK_FEMALE = ("Harriet", "Eleanor", "Fiona", "Alison", "Rebecca", "Charlotte", "Imogen", "Judith")
UK_MALE = ("Edward", "Richard", "Jonathan", "Alistair", "Graham", "Nigel", "Rupert", "Oliver")
UK_SURNAMES = (
    "Ashworth",
    "Penrose",
    "Whitcombe",
    "Hartley",
    "Fairbairn",
    "Pembury",
    "Aldridge",
    "Thornley",
    "Kingsford",
    "Blackwood",
    "Ellery",
    "Marchbank",
)
BE_FEMALE = ("Els", "Katrien", "Sofie", "Marie", "Nathalie", "Annick", "Veerle", "Anne-Sophie")
BE_MALE = ("Koen", "Pieter", "Wouter", "Luc", "Olivier", "Jean-Marc", "Bart", "Didier")
BE_SURNAMES = (
    "Peeters",
    "Janssens",
    "Maes",
    "Claes",
    "Wouters",
    "Dubois",
    "Lambert",
    "Hermans",
    "Goossens",
    "Mertens",
    "Lejeune",
    "Jacobs",
)
EU_FEMALE = ("Ingrid", "Maria", "Katarina", "Elena", "Anneli")
EU_MALE = ("Henrik", "Tomasz", "Marco", "Andreas", "Luis")
EU_SURNAMES = ("Lindqvist", "Novak", "Ferreira", "Kowalczyk", "Bauer", "Rossetti", "Varga")


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


PR_TITLES_FR = (
    "{town} : les mêmes violences, les mêmes échecs",
    "Expulsions à {town} : la mise à l'abri n'est pas une option",
    "{town} : des enfants à la rue, encore",
    "L'accès à l'eau est un droit, à {town} comme ailleurs",
    "Harcèlement des bénévoles à {town} : ça suffit",
    "{town} : la frontière tue",
    "Plan grand froid à {town} : des centaines de personnes laissées dehors",
    "Demandeurs d'asile sans hébergement à {town}",
    "Pour un accueil digne à {town}",
    "{town} : nous demandons la fin des démantèlements",
)
PR_TITLES_EN = (
    "{town}: the same violence, the same failures",
    "Evictions in {town} must stop",
    "{town}: children are sleeping rough again",
    "Water is a right, in {town} as anywhere",
    "Stop harassing volunteers in {town}",
    "{town}: the border kills",
    "Cold weather plan leaves hundreds outside in {town}",
    "A dignified welcome in {town}, now",
)
PR_TITLES_NL = (
    "{town}: mensen zonder opvang, opnieuw",
    "Stop de uitzettingen in {town}",
    "Een menswaardig onthaal in {town}",
)
EVENT_KINDS: tuple[tuple[str, str, int], ...] = (
    # (label, phrase, weight); {town} is replaced by the place's name
    ("Eviction of a camp at {town}", "the eviction of the camp at {town}", 10),
    ("Police operation against exiles at {town}", "the police operation at {town}", 6),
    ("Death of an exiled person at {town}", "the death of a young man at {town}", 3),
    ("Closure of a day centre at {town}", "the closure of the day centre at {town}", 3),
    ("Opening of a reception centre at {town}", "the opening of a reception centre at {town}", 2),
    ("Arrest of volunteers at {town}", "the arrest of volunteers at {town}", 2),
    ("Cold weather emergency at {town}", "the cold weather emergency at {town}", 3),
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
        name = name.replace("Fédération national ", "Fédération nationale ")
        name = name.replace("Coordination national ", "Coordination nationale ")
        name = name.replace("Plateforme national ", "Plateforme nationale ")
        name = name.replace("Alliance national ", "Alliance nationale ")
        name = name.replace("Union national ", "Union nationale ")
        name = name.replace("Réseau nationale ", "Réseau national ")
        name = name.replace("Observatoire nationale ", "Observatoire national ")
        name = name.replace("Mouvement nationale ", "Mouvement national ")
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
    if lang == "be" and first in {
        "Els",
        "Katrien",
        "Sofie",
        "Veerle",
        "Koen",
        "Pieter",
        "Wouter",
        "Bart",
    }:
        plang = "nl"
    return Person(slug, first, sur, female, plang)


def _offices(places: dict[str, Place], orgs: dict[str, Org]) -> list[Office]:
    """The real offices letters are addressed to; holders are filled in later."""
    out = [
        Office(
            "fr-president",
            "President of the French Republic",
            "president",
            "france",
            "fr",
            "fr",
            "Monsieur le Président de la République",
            "Madame la Présidente de la République",
            "Dear President",
            seat="palais-de-l-elysee",
        ),
        Office(
            "fr-prime-minister",
            "French Prime Minister",
            "prime-minister",
            "french-government",
            "fr",
            "fr",
            "Monsieur le Premier ministre",
            "Madame la Première ministre",
            "Dear Prime Minister",
            seat="hotel-de-matignon",
        ),
        Office(
            "fr-interior",
            "French Minister of the Interior",
            "minister-of-the-interior",
            "french-government",
            "fr",
            "fr",
            "Monsieur le Ministre de l'Intérieur",
            "Madame la Ministre de l'Intérieur",
            "Dear Minister",
            seat="place-beauvau",
        ),
        Office(
            "defender-of-rights",
            "Defender of Rights",
            "defender-of-rights",
            "defenseur-des-droits",
            "fr",
            "fr",
            "Monsieur le Défenseur des droits",
            "Madame la Défenseure des droits",
            "Dear Defender of Rights",
            seat="paris",
            seat_org="defenseur-des-droits",
            since=date(2011, 6, 1).toordinal(),
        ),
        Office(
            "paris-prefect-of-police",
            "Prefect of Police of Paris",
            "prefect-of-police",
            "prefecture-de-police",
            "fr",
            "fr",
            "Monsieur le Préfet de police",
            "Madame la Préfète de police",
            "Dear Prefect",
            seat="paris",
            seat_org="prefecture-de-police",
            scope="paris",
        ),
        Office(
            "uk-home-secretary",
            "Home Secretary",
            "home-secretary",
            "home-office",
            "uk",
            "en",
            "The Home Secretary",
            "The Home Secretary",
            "Dear Home Secretary",
            seat="london",
            seat_org="home-office",
        ),
        Office(
            "uk-prime-minister",
            "Prime Minister of the United Kingdom",
            "prime-minister",
            "united-kingdom",
            "uk",
            "en",
            "The Prime Minister",
            "The Prime Minister",
            "Dear Prime Minister",
            seat="downing-street",
        ),
        Office(
            "be-prime-minister",
            "Prime Minister of Belgium",
            "prime-minister",
            "belgian-federal-government",
            "be",
            "fr",
            "Monsieur le Premier Ministre",
            "Madame la Première Ministre",
            "Dear Prime Minister",
            seat="bruxelles",
            seat_org="belgian-federal-government",
        ),
        Office(
            "be-asylum",
            "Belgian Secretary of State for Asylum and Migration",
            "secretary-of-state-for-asylum-and-migration",
            "belgian-federal-government",
            "be",
            "fr",
            "Monsieur le Secrétaire d'État à l'Asile et la Migration",
            "Madame la Secrétaire d'État à l'Asile et la Migration",
            "Dear Secretary of State",
            seat="bruxelles",
            seat_org="belgian-federal-government",
        ),
        Office(
            "eu-home-affairs",
            "European Commissioner for Home Affairs",
            "commissioner-for-home-affairs",
            "european-commission",
            "eu",
            "en",
            "The Commissioner for Home Affairs",
            "The Commissioner for Home Affairs",
            "Dear Commissioner",
            seat="bruxelles",
            seat_org="european-commission",
        ),
    ]
    for code, name, gen, pref in DEPARTMENTS:
        dept = places["pas-de-calais" if code == "62" else f"dept-{code}"]
        org_slug = "prefecture-" + slugify(name)
        orgs[org_slug] = _real(
            org_slug, f"Préfecture {gen}", "fr", "government-body", town=slugify(pref)
        )
        out.append(
            Office(
                f"prefect-{code}",
                f"Prefect of {_en_dept(name)}",
                "prefect",
                org_slug,
                "fr",
                "fr",
                f"Monsieur le Préfet {gen}",
                f"Madame la Préfète {gen}",
                "Dear Prefect",
                seat=slugify(pref),
                seat_org=org_slug,
                scope=dept.slug,
            )
        )
    for town_name, where, _region, weight, _size in TOWNS:
        if weight < 2 or where == "uk" or town_name == "Zeebrugge":  # not a municipality
            continue
        town = places[slugify(town_name)]
        if where == "be":
            hall = ("Stad " if town.lang == "nl" else "Ville de ") + town_name
            lang = "nl" if town.lang == "nl" else "fr"
            m = ("De Burgemeester van " if lang == "nl" else "Monsieur le Bourgmestre ") + (
                town_name if lang == "nl" else town.de
            )
            f = ("De Burgemeester van " if lang == "nl" else "Madame la Bourgmestre ") + (
                town_name if lang == "nl" else town.de
            )
        else:
            hall, lang = f"Mairie {town.de}", "fr"
            m, f = f"Monsieur le Maire {town.de}", f"Madame la Maire {town.de}"
        org_slug = "town-hall-" + town.slug
        orgs[org_slug] = _real(org_slug, hall, lang, "government-body", town=town.slug)
        out.append(
            Office(
                f"mayor-{town.slug}",
                f"Mayor of {town_name}",
                "mayor",
                org_slug,
                town.country,
                lang,
                m,
                f,
                "Dear Mayor",
                seat=town.slug,
                seat_org=org_slug,
                scope=town.slug,
            )
        )
    return out


def _en_dept(name: str) -> str:
    return (
        f"the {name}"
        if name
        in {
            "Nord",
            "Pas-de-Calais",
            "Calvados",
            "Rhône",
            "Finistère",
            "Doubs",
            "Loiret",
            "Bas-Rhin",
            "Val-de-Marne",
            "Puy-de-Dôme",
        }
        else name
    )


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
