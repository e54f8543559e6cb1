"""Namespaces of the linked-data profile (see ``ontology/profile.ttl``).

rdflib 7.6's ``WGS`` constant carries a wrong ``https`` IRI, so ``POS`` is declared here.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD


class Terms(Namespace):
    """A namespace that makes each of its terms once.

    rdflib's ``Namespace`` builds a new ``URIRef`` at every ``SCHEMA.name`` (microseconds each),
    and equal but distinct terms compare in slow Python when they meet as dictionary keys; here
    a term is kept as an attribute of its namespace after its first use, so extraction emits
    one object per predicate and every later look-up of it is by identity.
    """

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term


SCHEMA = Terms("https://schema.org/")
SCHEMA_HTTP = "http://schema.org/"  # normalised to SCHEMA on input
ORG = Terms("http://www.w3.org/ns/org#")
CITO = Terms("http://purl.org/spar/cito/")
FABIO = Terms("http://purl.org/spar/fabio/")
POS = Terms("http://www.w3.org/2003/01/geo/wgs84_pos#")
SH = Terms("http://www.w3.org/ns/shacl#")
ARC = Terms("https://advocacy-archive.example/ns#")  # local terms; fixed, not the base

PREFIXES: dict[str, Namespace] = {
    "schema": SCHEMA,
    "org": ORG,
    "cito": CITO,
    "fabio": FABIO,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "void": VOID,
    "dcat": DCAT,
    "time": TIME,
    "pos": POS,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "arc": ARC,
}
# the same as plain strings, as pyoxigraph takes them (queries' and writers' prefixes)
PREFIX_IRIS: dict[str, str] = {p: str(ns) for p, ns in PREFIXES.items()}

__all__ = [
    "ARC",
    "CITO",
    "DCAT",
    "DCTERMS",
    "FABIO",
    "ORG",
    "OWL",
    "POS",
    "PREFIXES",
    "PREFIX_IRIS",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SCHEMA_HTTP",
    "SH",
    "SKOS",
    "TIME",
    "VOID",
    "XSD",
    "Terms",
]


def sparql_prefixes() -> str:
    """PREFIX lines for every profile namespace, for queries written against the profile."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def bind_all(graph) -> None:  # rdflib Graph or Dataset
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
