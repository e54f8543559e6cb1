"""A VoID + DCAT description of the store, computed from what it holds.

Shape (documented with an example in ``docs/store.md``):

- ``{base}/dataset`` is a ``void:Dataset`` and a ``dcat:Dataset``: title, ``void:triples``
  (the distinct statements of all documents: the merged graph), ``void:distinctSubjects``,
  ``void:documents``, ``void:classes``/``void:properties``, ``void:uriSpace``,
  ``void:vocabulary``, ``dcterms:created``/``dcterms:modified`` (when the earliest document
  it holds was first loaded, and the latest change), ``dcterms:license`` when one is given;
- ``void:classPartition`` (``void:class``, ``void:entities``) and ``void:propertyPartition``
  (``void:property``, ``void:triples``), one per class and property;
- every document graph as a ``void:subset`` (``void:triples``, ``dcterms:modified``,
  ``schema:about`` the document, and the licences its TEI source declares);
- ``dcat:distribution``: an N-Quads dump (``dcat:downloadURL`` when one is given), and for a
  server (or a given ``endpoint_url``) a ``dcat:DataService`` with ``dcat:endpointURL``, also
  stated as ``void:sparqlEndpoint``.

Figures are those of the merged graph (every fact once, as queries see them); the store's own
graphs (catalog, indexes) are left out of every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from archive.rdf.namespaces import DCAT, DCTERMS, PREFIXES, PROV, RDF, SCHEMA, VOID, XSD, bind_all
from archive.store.base import Store, iri

DEFAULT_TITLE = "Advocacy document archive"


@dataclass
class DescribeOptions:
    title: str = DEFAULT_TITLE
    license: str | None = None
    endpoint_url: str | None = None  # a public SPARQL endpoint to advertise
    download_url: str | None = None  # where the N-Quads dump is published
    subsets: bool = True  # one void:subset per document graph


def describe(store: Store, options: DescribeOptions | None = None) -> Graph:
    opts = options or DescribeOptions()
    g = Graph()
    bind_all(g)
    ds = URIRef(f"{store.base}/dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(opts.title, lang="en")))
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Advocacy documents (open letters, press releases, petitions) as linked data: one "
                "named graph per document, extracted from its TEI P5 record.",
                lang="en",
            ),
        )
    )
    g.add((ds, VOID.uriSpace, Literal(f"{store.base}/id/")))
    if opts.license:
        g.add((ds, DCTERMS.license, URIRef(opts.license)))

    docs = store.documents()
    g.add((ds, VOID.documents, Literal(len(docs))))
    g.add((ds, VOID.triples, Literal(store._count_merged())))
    created = sorted(d.created or d.modified for d in docs if d.created or d.modified)
    changed = sorted(d.modified for d in docs if d.modified)
    if created:
        g.add((ds, DCTERMS.created, Literal(created[0], datatype=XSD.dateTime)))
        g.add((ds, DCTERMS.modified, Literal(changed[-1], datatype=XSD.dateTime)))

    def merged(pattern: str) -> str:
        return store._in_merged(pattern)

    ((subjects,),) = store._select(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {merged('?s ?p ?o')} }}"
    ).values()
    g.add((ds, VOID.distinctSubjects, Literal(int(subjects or 0))))

    classes = store._select(
        f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {merged("?s a ?c")} }}
GROUP BY ?c ORDER BY ?c"""
    ).values()
    g.add((ds, VOID.classes, Literal(len(classes))))
    for c, n in classes:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(c)))  # type: ignore[arg-type]
        g.add((part, VOID.entities, Literal(int(n))))  # type: ignore[arg-type]

    props = store._select(
        f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{ {merged("?s ?p ?o")} }}
GROUP BY ?p ORDER BY ?p"""
    ).values()
    g.add((ds, VOID.properties, Literal(len(props))))
    vocabularies = set()
    for p, n in props:
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(p)))  # type: ignore[arg-type]
        g.add((part, VOID.triples, Literal(int(n))))  # type: ignore[arg-type]
        for ns in PREFIXES.values():
            if str(p).startswith(str(ns)):
                vocabularies.add(str(ns))
    for ns in sorted(vocabularies):
        g.add((ds, VOID.vocabulary, URIRef(ns)))

    if opts.subsets:
        licences = _licences(store)
        for d in docs:
            sub = URIRef(d.graph)
            g.add((ds, VOID.subset, sub))
            g.add((sub, RDF.type, VOID.Dataset))
            g.add((sub, VOID.triples, Literal(d.triples)))
            if d.document:
                g.add((sub, SCHEMA.about, URIRef(d.document)))
            if d.loaded:
                g.add((sub, DCTERMS.modified, Literal(d.loaded, datatype=XSD.dateTime)))
            for lic in licences.get(d.graph, []):
                g.add((sub, DCTERMS.license, lic))

    dump = BNode()
    g.add((ds, DCAT.distribution, dump))
    g.add((dump, RDF.type, DCAT.Distribution))
    g.add(
        (dump, DCTERMS.title, Literal("N-Quads dump (archive export --format nquads)", lang="en"))
    )
    g.add(
        (
            dump,
            DCAT.mediaType,
            URIRef("https://www.iana.org/assignments/media-types/application/n-quads"),
        )
    )
    if opts.download_url:
        g.add((dump, DCAT.downloadURL, URIRef(opts.download_url)))
        g.add((ds, VOID.dataDump, URIRef(opts.download_url)))
    endpoint = opts.endpoint_url or (store.location if store.backend == "remote" else None)
    if endpoint:
        service = BNode()
        g.add((ds, VOID.sparqlEndpoint, URIRef(endpoint)))
        g.add((ds, DCAT.distribution, service))
        g.add((service, RDF.type, DCAT.Distribution))
        g.add((service, DCAT.accessURL, URIRef(endpoint)))
        g.add((service, DCAT.accessService, svc := BNode()))
        g.add((svc, RDF.type, DCAT.DataService))
        g.add((svc, DCAT.endpointURL, URIRef(endpoint)))
        g.add((svc, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
        g.add((svc, DCAT.servesDataset, ds))
    return g


def _licences(store: Store) -> dict[str, list]:
    """Licences that each document's TEI source declares (from the extractor's provenance)."""
    q = f"""SELECT ?g ?lic WHERE {{
  GRAPH {iri(store.catalog_graph)} {{ ?g {iri(SCHEMA.about)} ?doc }}
  GRAPH ?g {{ ?g {iri(PROV.wasDerivedFrom)} ?src . ?src {iri(SCHEMA.license)} ?lic
             FILTER (isIRI(?lic)) }}
}}"""
    out: dict[str, list] = {}
    for g, lic in store._select(q).values():
        out.setdefault(g, []).append(URIRef(lic))  # type: ignore[arg-type]
    return out
