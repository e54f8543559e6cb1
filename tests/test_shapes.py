"""SHACL shapes: the letter conforms, and each shape catches a small broken graph."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from archive.rdf.docgraph import DocumentGraph
from archive.rdf.extract import extract_file
from archive.rdf.namespaces import CITO, DCTERMS, FABIO, ORG, PROV, SCHEMA, SKOS, TIME
from archive.rdf.uris import DEFAULT_BASE
from archive.shacl.reference import load_shapes, validate_document
from tests.conftest import RECORD

B = DEFAULT_BASE
DOC = URIRef(f"{B}/id/document/calais-2014-07-10")
GRAPH = URIRef(f"{B}/graph/calais-2014-07-10")
MIGREUROP = URIRef(f"{B}/id/org/migreurop")
LILLE = URIRef(f"{B}/id/place/lille")
ELECTION = URIRef(f"{B}/id/event/presidential-election-2012")
PRESS = URIRef(f"{B}/id/work/press-release-2014-07-02")
VALLS = URIRef(f"{B}/id/person/wikidata-Q10287")
GROUP = URIRef(f"{B}/id/group/libe-vice-presidents")


@pytest.fixture(scope="module")
def letter() -> DocumentGraph:
    return extract_file(RECORD).documents[0]


def run(letter: DocumentGraph, mutate: Callable[[Graph], None]):
    g = Graph()
    for t in letter.triples:
        g.add(t)
    mutate(g)
    doc = DocumentGraph(letter.slug, letter.uri, letter.graph, list(g), lines=letter.lines)
    return validate_document(doc)


def test_the_letter_has_warnings_only(letter):
    result = run(letter, lambda g: None)
    assert not result.conforms  # SHACL: any result, warnings too, and the report does not conform
    assert {f.severity.value for f in result.findings} == {"warning"}
    assert {f.rule for f in result.findings} == {"shacl.PlaceShape.identifier"}


def file_node(g: Graph) -> URIRef:
    return g.value(DOC, SCHEMA.encoding)


def first(g: Graph, s, p):
    return g.value(s, p)


CASES: list[tuple[str, Callable[[Graph], None], str, str]] = [
    ("no title", lambda g: g.remove((DOC, SCHEMA.name, None)), "shacl.DocumentTitle", "error"),
    (
        "no date",
        lambda g: (
            g.remove((DOC, SCHEMA.dateCreated, None)),
            g.remove((None, SCHEMA.dateCreated, None)),  # the original's date dates a translation
        ),
        "shacl.DocumentDated",
        "error",
    ),
    (
        "untyped date",
        lambda g: g.set((DOC, SCHEMA.dateCreated, Literal("10 July 2014"))),
        "shacl.DocumentDateTyped",
        "error",
    ),
    (
        "no licence",
        lambda g: g.remove((file_node(g), SCHEMA.license, None)),
        "shacl.DocumentLicence",
        "error",
    ),
    (
        "not a creative work",
        lambda g: g.remove((DOC, RDF.type, SCHEMA.CreativeWork)),
        "shacl.DocumentShape",
        "error",
    ),
    (
        "no language",
        lambda g: g.remove((DOC, SCHEMA.inLanguage, None)),
        "shacl.DocumentLanguage",
        "warning",
    ),
    (
        "bad language tag",
        lambda g: g.set((DOC, SCHEMA.inLanguage, Literal("English!"))),
        "shacl.DocumentLanguageTag",
        "error",
    ),
    (
        "no document type",
        lambda g: g.remove((DOC, DCTERMS.type, None)),
        "shacl.DocumentType",
        "warning",
    ),
    (
        "citation only in CiTO",
        lambda g: g.remove((DOC, SCHEMA.citation, None)),
        "shacl.DocumentCitesConsistent",
        "error",
    ),
    (
        "cites a non-work",
        lambda g: (g.add((DOC, CITO.cites, LILLE)), g.add((DOC, SCHEMA.citation, LILLE))),
        "shacl.DocumentCitedWork",
        "error",
    ),
    ("no sender", lambda g: g.remove((DOC, SCHEMA.sender, None)), "shacl.LetterSender", "error"),
    (
        "sender is a place",
        lambda g: g.add((DOC, SCHEMA.sender, LILLE)),
        "shacl.LetterSenderAgent",
        "error",
    ),
    (
        "no addressee",
        lambda g: g.remove((DOC, SCHEMA.toRecipient, None)),
        "shacl.LetterRecipient",
        "warning",
    ),
    (
        "copy to a place",
        lambda g: g.add((DOC, SCHEMA.ccRecipient, LILLE)),
        "shacl.LetterCopyAgent",
        "error",
    ),
    (
        "letter not fabio",
        lambda g: g.remove((DOC, RDF.type, FABIO.Letter)),
        "shacl.LetterFabio",
        "warning",
    ),
    (
        "organisation without name",
        lambda g: g.remove((MIGREUROP, SCHEMA.name, None)),
        "shacl.OrganizationShape.name",
        "error",
    ),
    (
        "organisation without category",
        lambda g: g.remove((MIGREUROP, ORG.classification, None)),
        "shacl.OrganizationShape.category",
        "warning",
    ),
    (
        "organisation located at a person",
        lambda g: g.add((MIGREUROP, SCHEMA.location, VALLS)),
        "shacl.OrganizationShape.place",
        "error",
    ),
    (
        "person without name or office",
        lambda g: (g.remove((VALLS, SCHEMA.name, None)), g.remove((VALLS, ORG.holds, None))),
        "shacl.PersonShape",
        "error",
    ),
    (
        "group without name",
        lambda g: g.remove((GROUP, SCHEMA.name, None)),
        "shacl.GroupShape.name",
        "error",
    ),
    (
        "place without name",
        lambda g: g.remove((LILLE, SCHEMA.name, None)),
        "shacl.PlaceShape.name",
        "error",
    ),
    (
        "event without name",
        lambda g: g.remove((ELECTION, SCHEMA.name, None)),
        "shacl.EventShape.name",
        "error",
    ),
    (
        "event without date",
        lambda g: g.remove((ELECTION, SCHEMA.startDate, None)),
        "shacl.EventShape.date",
        "warning",
    ),
    (
        "event with untyped date",
        lambda g: g.set((ELECTION, SCHEMA.startDate, Literal("May 2012"))),
        "shacl.EventShape.typed-start-date",
        "error",
    ),
    (
        "cited work without title",
        lambda g: g.remove((PRESS, SCHEMA.name, None)),
        "shacl.CitedWorkShape.title",
        "warning",
    ),
    (
        "cited work without author",
        lambda g: g.remove((PRESS, SCHEMA.author, None)),
        "shacl.CitedWorkShape.author",
        "warning",
    ),
    (
        "tenure without holder",
        lambda g: [
            g.remove((m, ORG.member, None)) for m in list(g.subjects(RDF.type, ORG.Membership))[:1]
        ],
        "shacl.MembershipShape.holder",
        "error",
    ),
    (
        "office without role",
        lambda g: [g.remove((p, ORG.role, None)) for p in list(g.subjects(RDF.type, ORG.Post))[:1]],
        "shacl.PostShape.role",
        "error",
    ),
    (
        "period that says nothing",
        lambda g: [
            g.remove((i, p, None))
            for i in list(g.subjects(RDF.type, TIME.Interval))[:1]
            for p in (TIME.inside, URIRef("https://advocacy-archive.example/ns#notAfter"))
        ],
        "shacl.IntervalShape",
        "error",
    ),
    (
        "concept outside any scheme",
        lambda g: [
            g.remove((c, SKOS.inScheme, None)) for c in list(g.subjects(RDF.type, SKOS.Concept))[:1]
        ],
        "shacl.ConceptShape.scheme",
        "error",
    ),
    (
        "graph without source",
        lambda g: g.remove((GRAPH, PROV.wasDerivedFrom, None)),
        "shacl.DocumentGraph",
        "error",
    ),
    (
        "bad checksum",
        lambda g: g.set((file_node(g), SCHEMA.sha256, Literal("abc"))),
        "shacl.DocumentEncoding",
        "error",
    ),
    (
        "tool without version",
        lambda g: g.remove((None, SCHEMA.softwareVersion, None)),
        "shacl.DocumentGraph",
        "error",
    ),
]


@pytest.mark.parametrize("name, mutate, rule, severity", CASES, ids=[c[0] for c in CASES])
def test_each_shape_catches_its_break(letter, name, mutate, rule, severity):
    result = run(letter, mutate)
    found = {(f.rule, f.severity.value) for f in result.findings}
    assert (rule, severity) in found, sorted(found - {("shacl.PlaceShape.identifier", "warning")})
    if severity == "error":
        assert not result.conforms


def test_every_named_shape_is_exercised():
    shapes = load_shapes()
    from rdflib.namespace import SH

    from archive.shacl.reference import shape_names

    names = shape_names(shapes)
    rules = {rule.removeprefix("shacl.") for _, _, rule, _ in CASES}
    uncovered = set()
    for node in shapes.subjects(RDF.type, SH.NodeShape):
        produced = {names[node]} | {names[p] for p in shapes.objects(node, SH.property)}
        if not produced & rules:
            uncovered.add(names[node])
    # provenance sub-shapes are exercised through DocumentGraph / DocumentEncoding
    assert uncovered == {"ProvenanceShape", "TeiFileShape", "ExtractionShape", "SoftwareShape"}


def test_findings_point_back_to_the_tei(letter, record_bytes):
    result = run(letter, lambda g: g.remove((MIGREUROP, SCHEMA.name, None)))
    (finding,) = [f for f in result.findings if f.rule == "shacl.OrganizationShape.name"]
    expected = record_bytes[: record_bytes.index(b'<org xml:id="migreurop"')].count(b"\n") + 1
    assert finding.line == expected
    assert finding.focus == str(MIGREUROP)
    assert finding.path == "schema:name"


def test_shapes_are_documented():
    shapes = load_shapes()
    from rdflib.namespace import SH

    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert shapes.value(shape, SH.name) and shapes.value(shape, SH.description), shape
        if (shape, SH["class"], None) in shapes or (shape, SH["or"], None) in shapes:
            assert shapes.value(shape, SH.message), shape
    for prop in shapes.objects(None, SH.property):
        assert shapes.value(prop, SH.name), prop
        assert shapes.value(prop, SH.message), prop


def test_the_w3c_report_is_produced(letter):
    result = run(letter, lambda g: g.remove((DOC, SCHEMA.name, None)))
    from rdflib.namespace import SH

    reports = list(result.report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert result.report.value(reports[0], SH.conforms) == Literal(False)
