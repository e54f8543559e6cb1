"""Hand-built and synthetic DocumentGraphs for the store tests and the store benchmark.

The store is tested against the extractor's interface (``archive.docgraph.DocumentGraph``)
with graphs built here from the profile's terms, so that it can be tested before, and
independently of, TEI extraction. Nothing here is real data: names are made up and marked
as such, and URIs sit under the reserved ``.example`` base.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import CITO, FABIO, SCHEMA
from archive.rdf.uris import URIs

BASE = "https://advocacy-archive.example"


@dataclass
class Letter:
    """A letter described by slugs; ``build`` turns it into a DocumentGraph."""

    slug: str
    title: str
    date: str  # ISO 8601 date, year-month or year
    senders: list[str] = field(default_factory=list)  # org slugs
    to: list[str] = field(default_factory=list)  # person slugs
    cc: list[str] = field(default_factory=list)  # person slugs
    mentions: list[str] = field(default_factory=list)  # place slugs
    cites: list[str] = field(default_factory=list)  # document slugs
    org_towns: dict[str, str] = field(default_factory=dict)  # org slug -> place slug
    version: str = "1"  # changes the source digest, as an edited TEI file would


def _date_literal(date: str) -> Literal:
    kind = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(date)]
    return Literal(date, datatype=kind)


def name_of(slug: str) -> str:
    return slug.replace("-", " ").title()


def build(letter: Letter, base: str = BASE) -> DocumentGraph:
    u = URIs(base)
    doc = URIRef(u.document(letter.slug))
    graph = u.graph(letter.slug)
    t: list = [
        (doc, RDF.type, SCHEMA.Message),
        (doc, RDF.type, FABIO.Letter),
        (doc, SCHEMA.name, Literal(letter.title, lang="en")),
        (doc, SCHEMA.dateCreated, _date_literal(letter.date)),
        (doc, SCHEMA.inLanguage, Literal("en")),
    ]
    for slug in letter.senders:
        org = URIRef(u.thing("org", slug))
        t += [
            (doc, SCHEMA.sender, org),
            (org, RDF.type, SCHEMA.Organization),
            (org, RDF.type, SCHEMA.NGO),
            (org, SCHEMA.name, Literal(name_of(slug), lang="fr")),
        ]
        town = letter.org_towns.get(slug)
        if town:
            place = URIRef(u.thing("place", town))
            t += [
                (org, SCHEMA.location, place),
                (place, RDF.type, SCHEMA.Place),
                (place, RDF.type, SCHEMA.City),
                (place, SCHEMA.name, Literal(name_of(town))),
            ]
    for prop, people in ((SCHEMA.toRecipient, letter.to), (SCHEMA.ccRecipient, letter.cc)):
        for slug in people:
            person = URIRef(u.thing("person", slug))
            t += [
                (doc, prop, person),
                (person, RDF.type, SCHEMA.Person),
                (person, SCHEMA.name, Literal(name_of(slug))),
            ]
    for slug in letter.mentions:
        place = URIRef(u.thing("place", slug))
        t += [
            (doc, SCHEMA.mentions, place),
            (place, RDF.type, SCHEMA.Place),
            (place, SCHEMA.name, Literal(name_of(slug))),
        ]
    for slug in letter.cites:
        t += [(doc, CITO.cites, URIRef(u.document(slug)))]
    sha = hashlib.sha256(f"{letter.slug}:{letter.version}".encode()).hexdigest()
    source, activity = BNode(), BNode()
    t += [
        (URIRef(graph), PROV.wasDerivedFrom, source),
        (source, RDF.type, PROV.Entity),
        (source, SCHEMA.sha256, Literal(sha)),
        (URIRef(graph), PROV.wasGeneratedBy, activity),
        (activity, RDF.type, PROV.Activity),
    ]
    # de-duplicate, keeping order, as an extractor building an rdflib Graph would
    seen: set = set()
    triples = [x for x in t if not (x in seen or seen.add(x))]
    return DocumentGraph(
        slug=letter.slug,
        uri=str(doc),
        graph=graph,
        triples=triples,
        sha256=sha,
        date=letter.date,
        title=letter.title,
    )


# --- a small fixture with exact, hand-checked answers -------------------------------------

TOWNS = {
    "attac": "paris",
    "gisti": "paris",
    "mrap": "paris",
    "salam": "calais",
    "auberge": "calais",
    "ldh-62": "arras",
}


def small_archive() -> list[Letter]:
    """Four letters whose query answers are worked out by hand in the tests."""
    return [
        Letter(
            "letter-a",
            "Letter A",
            "2014-07-10",
            senders=["attac", "gisti", "mrap"],
            to=["valls", "cazeneuve"],
            cc=["hollande"],
            mentions=["calais"],
            org_towns=TOWNS,
        ),
        Letter(
            "letter-b",
            "Letter B",
            "2014-09-01",
            senders=["attac", "gisti", "salam"],
            to=["cazeneuve"],
            mentions=["calais", "paris"],
            cites=["letter-a"],
            org_towns=TOWNS,
        ),
        Letter(
            "letter-c",
            "Letter C",
            "2015-03",
            senders=["gisti", "salam", "auberge"],
            to=["cazeneuve"],
            cites=["letter-b"],
            org_towns=TOWNS,
        ),
        Letter(
            "letter-d",
            "Letter D",
            "2016",
            senders=["ldh-62", "attac"],
            to=["valls"],
            cites=["letter-c", "letter-a"],
            org_towns=TOWNS,
        ),
    ]


# --- a synthetic corpus for benchmarks ------------------------------------------------------


def synthetic_letters(
    n: int, seed: int = 1, orgs: int = 5000, towns: int = 400, people: int = 300
) -> list[Letter]:
    """``n`` letters with Zipf-like popular signatories, about 170 triples each."""
    rng = random.Random(seed)
    org_slugs = [f"org-{i}" for i in range(orgs)]
    cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(orgs)))
    town_of = {s: f"town-{rng.randrange(towns)}" for s in org_slugs}
    person_slugs = [f"person-{i}" for i in range(people)]
    out = []
    for i in range(n):
        k = rng.randint(5, 30)
        senders = list(dict.fromkeys(rng.choices(org_slugs, cum_weights=cum, k=k)))
        year = rng.randint(1990, 2024)
        cites = [f"doc-{rng.randrange(i)}" for _ in range(rng.randint(0, 3))] if i else []
        out.append(
            Letter(
                f"doc-{i}",
                f"Synthetic letter {i}",
                f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                senders=senders,
                to=rng.sample(person_slugs, rng.randint(1, 3)),
                cc=rng.sample(person_slugs, rng.randint(0, 2)),
                mentions=[f"town-{rng.randrange(towns)}" for _ in range(rng.randint(1, 5))],
                cites=cites,
                org_towns={s: town_of[s] for s in senders},
            )
        )
    return out


def synth_corpus_letters(n: int, seed: int = 1) -> list[Letter]:
    """``n`` letters with the co-signing structure of ``archive.synth`` (coalitions, local
    groups, Zipf-popular national organisations), built without writing and extracting TEI."""
    from datetime import date

    from archive.synth.generate import letter_meta
    from archive.synth.pools import pools

    p = pools()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        m = letter_meta(i, seed)
        cites = [f"synthetic-s{seed}-{rng.randrange(i):06d}" for _ in range(rng.randint(0, 2))]
        towns = {s: p.orgs[s].town for s in m.signatories if p.orgs[s].town}
        out.append(
            Letter(
                m.slug,
                m.title,
                date.fromordinal(m.day).isoformat(),
                senders=list(m.signatories),
                to=list(m.to),
                mentions=[m.focus],
                cites=cites if i else [],
                org_towns=towns,
            )
        )
    return out
