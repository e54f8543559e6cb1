"""The profile's mappings from TEI categories to RDF classes and concepts.

Kept as data in one place: the ontology (``ontology/profile.ttl``) documents the same choices,
and a test checks that every term used here is declared there.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from archive.rdf.namespaces import FABIO, ORG, SCHEMA

# Organisation categories (the letter's own grouping first) -> classes besides schema:Organization.
ORG_CATEGORY_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "association-network": (SCHEMA.NGO, ORG.FormalOrganization),
    "association": (SCHEMA.NGO, ORG.FormalOrganization),
    "political-party": (SCHEMA.PoliticalParty, ORG.FormalOrganization),
    "government-body": (SCHEMA.GovernmentOrganization, ORG.FormalOrganization),
    "eu-institution": (SCHEMA.GovernmentOrganization, ORG.FormalOrganization),
    "parliamentary-committee": (SCHEMA.GovernmentOrganization, ORG.OrganizationalUnit),
    "higher-education-institution": (SCHEMA.EducationalOrganization, ORG.FormalOrganization),
}

ORG_CATEGORY_LABELS: dict[str, str] = {
    "association-network": "association network",
    "association": "association",
    "political-party": "political party",
    "government-body": "government body",
    "eu-institution": "institution of the European Union",
    "parliamentary-committee": "parliamentary committee",
    "higher-education-institution": "institution of higher education and research",
}

# Document types -> (schema.org class, FaBiO class).
DOCUMENT_TYPES: dict[str, tuple[URIRef, URIRef]] = {
    "open-letter": (SCHEMA.Message, FABIO.Letter),
    "letter": (SCHEMA.Message, FABIO.Letter),
    "press-release": (SCHEMA.CreativeWork, FABIO.PressRelease),
    "petition": (SCHEMA.CreativeWork, FABIO.Expression),
    "report": (SCHEMA.CreativeWork, FABIO.ReportDocument),
    "declaration": (SCHEMA.CreativeWork, FABIO.Expression),
}

DOCUMENT_TYPE_LABELS: dict[str, str] = {
    "open-letter": "open letter",
    "letter": "letter",
    "press-release": "press release",
    "petition": "petition",
    "report": "report",
    "declaration": "declaration",
}

# TEI place/@type -> schema.org class besides schema:Place.
PLACE_TYPES: dict[str, URIRef] = {
    "city": SCHEMA.City,
    "town": SCHEMA.City,
    "village": SCHEMA.City,
    "settlement": SCHEMA.City,
    "country": SCHEMA.Country,
    "state": SCHEMA.State,
    "department": SCHEMA.AdministrativeArea,
    "region": SCHEMA.AdministrativeArea,
    "county": SCHEMA.AdministrativeArea,
    "district": SCHEMA.AdministrativeArea,
    "sea": SCHEMA.SeaBodyOfWater,
    "ocean": SCHEMA.OceanBodyOfWater,
    "river": SCHEMA.RiverBodyOfWater,
    "lake": SCHEMA.LakeBodyOfWater,
    "government-building": SCHEMA.GovernmentBuilding,
    "continent": SCHEMA.Continent,
}

# Listed work types (bibl/@type) -> FaBiO class besides schema:CreativeWork.
WORK_TYPES: dict[str, URIRef] = {
    "press-release": FABIO.PressRelease,
    "pressRelease": FABIO.PressRelease,
    "letter": FABIO.Letter,
    "open-letter": FABIO.Letter,
    "report": FABIO.ReportDocument,
    "book": FABIO.Book,
    "journal-article": FABIO.JournalArticle,
    "web-page": FABIO.WebPage,
}

# Authorities: name, the pattern of their URIs (every form seen in the wild: http or https,
# www or not, entity or wiki page, a trailing slash or a page name), and the one canonical URI
# each identifier is written as. The same identifier in any form is one authority IRI, so that
# one person met through @ref, @key or idno, in any file, is one node.
AUTHORITIES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "wikidata",
        re.compile(
            r"^https?://(?:www\.|m\.)?wikidata\.org/(?:entity|wiki)/(Q[1-9]\d*)(?:[/#?].*)?$"
        ),
        "http://www.wikidata.org/entity/{}",
    ),
    (
        "viaf",
        re.compile(r"^https?://(?:www\.)?viaf\.org/viaf/([1-9]\d*)(?:[/#?].*)?$"),
        "http://viaf.org/viaf/{}",
    ),
    (
        "gnd",
        re.compile(r"^https?://d-nb\.info/gnd/([0-9]+[0-9X-]*)(?:[/#?].*)?$"),
        "https://d-nb.info/gnd/{}",
    ),
    (
        "geonames",
        re.compile(r"^https?://(?:sws\.|www\.)?geonames\.org/([1-9]\d*)(?:[/#?].*)?$"),
        "https://sws.geonames.org/{}/",
    ),
    (
        "lcnaf",
        re.compile(r"^https?://id\.loc\.gov/authorities/names/([a-z]+\d+)(?:\.html)?(?:[/#?].*)?$"),
        "http://id.loc.gov/authorities/names/{}",
    ),
    (
        "isni",
        re.compile(r"^https?://(?:www\.)?isni\.org/isni/(\d{15}[\dX])(?:[/#?].*)?$"),
        "https://isni.org/isni/{}",
    ),
)
AUTHORITY_RANK = {"wikidata": 0, "viaf": 1, "gnd": 2, "geonames": 3, "lcnaf": 4, "isni": 5}

# idno/@type values (and @key prefixes such as ``gnd:118540238``) that carry a bare authority
# identifier -> URI template.
IDNO_TEMPLATES: dict[str, str] = {
    "viaf": "http://viaf.org/viaf/{}",
    "gnd": "https://d-nb.info/gnd/{}",
    "wikidata": "http://www.wikidata.org/entity/{}",
    "wd": "http://www.wikidata.org/entity/{}",
    "geonames": "https://sws.geonames.org/{}/",
    "lcnaf": "http://id.loc.gov/authorities/names/{}",
    "isni": "https://isni.org/isni/{}",
}
