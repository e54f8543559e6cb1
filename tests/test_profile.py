"""The profile as data: every term the extractor, the shapes and the context use is declared."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from archive.rdf import profile as mappings
from archive.rdf.extract import extract_file
from archive.rdf.profiledoc import ONTOLOGY, PAGE, declared_terms, render
from archive.rdf.serialize import serialize

VOCAB_PREFIXES = (
    "https://schema.org/",
    "http://www.w3.org/ns/org#",
    "http://purl.org/spar/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2006/time#",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "https://advocacy-archive.example/ns#",
    "http://rdfs.org/ns/void#",
    "http://www.w3.org/ns/dcat#",
)


def vocabulary_terms(triples) -> set[str]:
    """Predicates and classes from the profile's vocabularies used in some triples."""
    out = set()
    for _, p, o in triples:
        if p != RDF.type:
            out.add(str(p))
        elif isinstance(o, URIRef):
            out.add(str(o))
    return {t for t in out if t.startswith(VOCAB_PREFIXES)}


@pytest.fixture(scope="module")
def declared() -> set[str]:
    return declared_terms()


def test_letter_uses_only_declared_terms(record_path, declared):
    (doc,) = extract_file(record_path).documents
    assert vocabulary_terms(doc.triples) - declared == set()


@pytest.mark.corpus
def test_corpus_extraction_uses_only_declared_terms(corpus_files, declared):
    used: set[str] = set()
    for path in corpus_files:
        for doc in extract_file(path).documents:
            used |= vocabulary_terms(doc.triples)
    assert used - declared == set()


def test_a_typo_would_be_caught(record_path, declared):
    (doc,) = extract_file(record_path).documents
    typo = [(s, URIRef("https://schema.org/sende"), o) for s, p, o in doc.triples[:1]]
    assert vocabulary_terms(doc.triples + typo) - declared == {"https://schema.org/sende"}


def test_shapes_use_only_declared_terms(declared):
    shapes = Graph().parse(ONTOLOGY.parent / "shapes" / "archive.ttl")
    sh = "http://www.w3.org/ns/shacl#"
    used = set()
    for pred in (
        "path",
        "class",
        "targetClass",
        "targetSubjectsOf",
        "targetObjectsOf",
        "hasValue",
        "equals",
        "inversePath",
    ):
        for o in shapes.objects(None, URIRef(sh + pred)):
            if isinstance(o, URIRef):
                used.add(str(o))
    for o in shapes.objects(None, RDF.first):  # sequence and alternative paths
        if isinstance(o, URIRef):
            used.add(str(o))
    used = {t for t in used if t.startswith(VOCAB_PREFIXES)}
    assert len(used) > 40
    assert used - declared == set()


def test_mappings_use_only_declared_terms(declared):
    terms = {str(c) for classes in mappings.ORG_CATEGORY_CLASSES.values() for c in classes}
    terms |= {str(c) for pair in mappings.DOCUMENT_TYPES.values() for c in pair}
    terms |= {str(c) for c in mappings.PLACE_TYPES.values()}
    terms |= {str(c) for c in mappings.WORK_TYPES.values()}
    assert terms - declared == set()


def test_context_terms_are_declared_and_round_trip(record_path, declared):
    context = json.loads((ONTOLOGY / "context.jsonld").read_text())["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    for term, value in context.items():
        if term.startswith("@") or term in prefixes:
            continue
        curie = value["@id"] if isinstance(value, dict) else value
        prefix, local = curie.split(":", 1)
        assert prefixes[prefix] + local in declared, term
    docs = extract_file(record_path).documents
    expected = Dataset()
    expected.parse(data=serialize(docs, "nquads"), format="nquads")
    back = Dataset()
    back.parse(data=serialize(docs, "jsonld"), format="json-ld")
    graph = URIRef(docs[0].graph)
    assert isomorphic(back.graph(graph), expected.graph(graph))


def test_profile_page_is_generated_from_the_ontology():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/profile.md is stale: run python -m archive.rdf.profiledoc"
    )


def test_concept_schemes_cover_the_mappings():
    concepts = Graph().parse(ONTOLOGY / "concepts.ttl")
    notations = {
        str(o)
        for o in concepts.objects(None, URIRef("http://www.w3.org/2004/02/skos/core#notation"))
    }
    assert set(mappings.ORG_CATEGORY_LABELS) <= notations
    assert set(mappings.DOCUMENT_TYPE_LABELS) <= notations


def test_store_graphs_and_dataset_description_use_only_declared_terms(
    record_path, tmp_path, declared
):
    from archive.store import open_store
    from archive.store.describe import DescribeOptions, describe

    from .store.synthetic import Letter, build

    docs = extract_file(record_path).documents
    with open_store(tmp_path / "store") as store:
        store.load([*docs, build(Letter("gone", "Gone", "2015", senders=["a", "b"]))])
        store.remove("gone")  # a tombstone
        options = DescribeOptions(
            endpoint_url="http://localhost:7878/query",
            download_url="https://archive.test/dump.nq",
            license="https://creativecommons.org/licenses/by/4.0/",
        )
        description = describe(store, options)
        internal = [
            (q.subject, q.predicate, q.object)
            for q in store.quads()
            if "/graph/_" in str(getattr(q.graph_name, "value", ""))
        ]
    assert internal
    as_rdflib = [
        (
            URIRef(p.value),
            URIRef(o.value) if hasattr(o, "value") and type(o).__name__ == "NamedNode" else o,
        )
        for _, p, o in internal
    ]
    used = vocabulary_terms(list(description))
    used |= vocabulary_terms([(None, p, o) for p, o in as_rdflib])
    assert used - declared == set()
