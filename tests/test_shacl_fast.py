"""The fast SHACL engine gives exactly pySHACL's findings and verdict (a differential test).

Every comparison runs both engines on the same document graph: the project's letter, mutated
variants of it and of synthetic letters (Hypothesis), every corpus document, alternative shapes
graphs (without messages, and exercising the other constructs the compiler accepts), and small
hand-written graphs for each constraint component, whose expected findings are also spelled out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from archive.findings import Finding
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.extract import extract_file
from archive.rdf.namespaces import ARC, CITO, DCTERMS, FABIO, ORG, PROV, SCHEMA, SH, SKOS, TIME
from archive.rdf.uris import DEFAULT_BASE
from archive.shacl.compiled import (
    UnsupportedShapes,
    compile_shapes,
    validate_document_fast,
    validate_many,
)
from archive.shacl.reference import load_shapes, validate_document
from archive.synth import generate_letter

# Odd literals are the point here; rdflib warns about each one it cannot convert.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:rdflib.term")

B = DEFAULT_BASE
DOC = URIRef(f"{B}/id/document/calais-2014-07-10")
GRAPH = URIRef(f"{B}/graph/calais-2014-07-10")
EX = Namespace("https://example.org/x/")
PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix cito: <http://purl.org/spar/cito/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/x/> .
@prefix t: <https://example.org/shapes#> .
"""


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------


def key(f: Finding) -> tuple:
    return (f.rule, f.severity.value, f.message, f.focus, f.path, f.value, f.line, f.file)


def assert_same(doc: DocumentGraph, shapes: Graph | None = None, report: bool = False):
    """Both engines on one document: same verdict, same findings (as multisets)."""
    slow = validate_document(doc, shapes=shapes)
    fast = validate_document_fast(doc, shapes=shapes)
    expected, got = Counter(map(key, slow.findings)), Counter(map(key, fast.findings))
    assert got == expected, {"missing": expected - got, "extra": got - expected}
    assert fast.conforms == slow.conforms
    if report:
        assert isomorphic(fast.report, slow.report)
    return fast


def with_triples(doc: DocumentGraph, triples) -> DocumentGraph:
    return DocumentGraph(
        doc.slug, doc.uri, doc.graph, list(triples), source=doc.source, lines=doc.lines
    )


@pytest.fixture(scope="module")
def letter() -> DocumentGraph:
    return extract_file(Path(__file__).parent.parent / "tei" / "calais-2014-07-10.xml").documents[0]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> list[DocumentGraph]:
    out = tmp_path_factory.mktemp("synth")
    docs = []
    for i in range(24):
        path = out / f"letter-{i}.xml"
        path.write_bytes(generate_letter(i, 20240601))
        docs.extend(extract_file(path).documents)
    return docs


# ---------------------------------------------------------------------------------------------
# Real documents
# ---------------------------------------------------------------------------------------------


def test_the_letter(letter):
    fast = assert_same(letter, report=True)
    assert fast.conforms
    assert {f.rule for f in fast.findings} == {"shacl.PlaceShape.identifier"}


def test_synthetic_letters(synthetic):
    for doc in synthetic:
        assert_same(doc)


@pytest.mark.corpus
def test_every_corpus_document(corpus_files):
    n = 0
    for path in corpus_files:
        for doc in extract_file(path).documents:
            assert_same(doc)
            n += 1
    assert n > 50


def test_validate_many_keeps_documents_apart(letter, synthetic):
    """Documents are validated one by one: a fact in one graph never satisfies another."""
    no_title = with_triples(letter, [t for t in letter.triples if t[:2] != (DOC, SCHEMA.name)])
    docs = [no_title, synthetic[0], letter]
    results = list(validate_many(docs))
    assert [d for d, _ in results] == docs
    for doc, fast in results:
        slow = validate_document(doc)
        assert Counter(map(key, fast.findings)) == Counter(map(key, slow.findings))
    assert "shacl.DocumentTitle" in {f.rule for f in results[0][1].findings}
    assert "shacl.DocumentTitle" not in {f.rule for f in results[2][1].findings}


# ---------------------------------------------------------------------------------------------
# Mutations (Hypothesis)
# ---------------------------------------------------------------------------------------------

CLASSES = [
    SCHEMA.Person,
    SCHEMA.Organization,
    SCHEMA.Audience,
    SCHEMA.Place,
    SCHEMA.Event,
    SCHEMA.CreativeWork,
    SCHEMA.Message,
    SCHEMA.Thing,
    SKOS.Concept,
    SKOS.ConceptScheme,
    ORG.Post,
    ORG.Role,
    ORG.Membership,
    TIME.Interval,
    PROV.Entity,
    PROV.Activity,
    PROV.SoftwareAgent,
    FABIO.Letter,
    EX.Implicit,
    EX.Other,
]
EXTRA_PREDICATES = [
    RDF.type,
    RDFS.subClassOf,
    SCHEMA.about,
    SCHEMA.encoding,
    SCHEMA.citation,
    CITO.cites,
    SCHEMA.sha256,
    SCHEMA.license,
    SCHEMA.inLanguage,
    SCHEMA.dateCreated,
    ARC.notBefore,
    SCHEMA.name,
    SCHEMA.sameAs,
    DCTERMS.type,
    SCHEMA.mentions,
    EX.unrelated,
]
LEXICAL = [
    "2014-07-10",
    "2014-13-01",
    "2014",
    "20x4",
    "2014-07",
    "2014-7",
    "2014-07-10T10:00:00",
    "2014-07-10T25:00:00",
    "",
    "en",
    "fr-FR",
    "English!",
    "1",
    "01",
    "-3",
    "true",
    "maybe",
    "ab" * 32,
    "AB" * 32,
    "ab" * 31,
]
DATATYPES = [
    XSD.date,
    XSD.gYear,
    XSD.gYearMonth,
    XSD.dateTime,
    XSD.string,
    XSD.integer,
    XSD.boolean,
    XSD.decimal,
    XSD.anyURI,
    EX.customType,
]
LANGS = ["en", "EN", "fr-FR", "de-1901", "x-private"]

literals = st.one_of(
    st.builds(Literal, st.sampled_from(LEXICAL) | st.text(max_size=6)),
    st.builds(
        lambda t, lang: Literal(t, lang=lang), st.sampled_from(LEXICAL), st.sampled_from(LANGS)
    ),
    st.builds(
        lambda t, dt: Literal(t, datatype=dt), st.sampled_from(LEXICAL), st.sampled_from(DATATYPES)
    ),
)


def mutate(data: st.DataObject, triples: list) -> list:
    """Apply a few random edits: deletions, additions of odd values, retyping, blank nodes,
    subclass links (cycles included), literal swaps."""
    triples = list(triples)
    nodes = sorted(
        {n for s, _, o in triples for n in (s, o) if not isinstance(n, Literal)}, key=str
    )
    predicates = sorted({p for _, p, _ in triples} | set(EXTRA_PREDICATES), key=str)
    fresh = [BNode("hb0"), BNode("hb1"), EX.n0, EX.n1]
    anything = st.sampled_from(nodes + fresh + CLASSES)
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        kind = data.draw(
            st.sampled_from(
                ["del", "add", "retype", "bnode", "relit", "chain", "subclass", "dellink"]
            ),
            label="kind",
        )
        if kind == "del" and triples:
            del triples[data.draw(st.integers(0, len(triples) - 1))]
        elif kind == "add":
            s = data.draw(anything)
            p = data.draw(st.sampled_from(predicates))
            o = data.draw(anything | literals)
            triples.append((s, p, o))
        elif kind == "retype":
            node = data.draw(st.sampled_from(nodes))
            cls = data.draw(st.sampled_from(CLASSES))
            triples = [t for t in triples if not (t[0] == node and t[1] == RDF.type)]
            triples.append((node, RDF.type, cls))
        elif kind == "bnode":
            node = data.draw(st.sampled_from(nodes))
            blank = BNode(f"b{nodes.index(node)}")
            triples = [
                (blank if s == node else s, p, blank if o == node else o) for s, p, o in triples
            ]
        elif kind == "relit":
            spots = [i for i, t in enumerate(triples) if isinstance(t[2], Literal)]
            if spots:
                i = data.draw(st.sampled_from(spots))
                triples[i] = (triples[i][0], triples[i][1], data.draw(literals))
        elif kind == "chain":  # type a node two subclass steps below a class shapes ask for
            node = data.draw(st.sampled_from(nodes))
            triples += [
                (node, RDF.type, EX.Low),
                (EX.Low, RDFS.subClassOf, EX.Mid),
                (EX.Mid, RDFS.subClassOf, data.draw(st.sampled_from(CLASSES))),
            ]
        elif kind == "subclass":
            triples.append(
                (
                    data.draw(st.sampled_from(CLASSES)),
                    RDFS.subClassOf,
                    data.draw(st.sampled_from(CLASSES)),
                )
            )
        elif kind == "dellink":  # break a path: licence, encoding, provenance, citations ...
            p = data.draw(
                st.sampled_from(
                    [
                        SCHEMA.license,
                        SCHEMA.encoding,
                        SCHEMA.about,
                        PROV.wasDerivedFrom,
                        PROV.wasGeneratedBy,
                        PROV.wasAssociatedWith,
                        SCHEMA.citation,
                        CITO.cites,
                        SCHEMA.sha256,
                        RDF.type,
                    ]
                )
            )
            hits = [i for i, t in enumerate(triples) if t[1] == p]
            if hits:
                del triples[data.draw(st.sampled_from(hits))]
    return triples


SLOW = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(SLOW, max_examples=45)
@given(data=st.data())
def test_mutated_letter(letter, data):
    assert_same(with_triples(letter, mutate(data, letter.triples)))


@settings(SLOW, max_examples=90)
@given(data=st.data())
def test_mutated_synthetic_letters(synthetic, data):
    doc = data.draw(st.sampled_from(synthetic), label="letter")
    assert_same(with_triples(doc, mutate(data, doc.triples)), report=True)


# ---------------------------------------------------------------------------------------------
# Other shapes graphs: generic messages, and the constructs the project's shapes do not use
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes_without_messages() -> Graph:
    g = Graph()
    for prefix, ns in load_shapes().namespaces():
        g.bind(prefix, ns)
    for t in load_shapes():
        if t[1] != SH.message:
            g.add(t)
    return g


CUSTOM = (
    PREFIXES
    + f"""
t:PlaceNode a sh:NodeShape ;
    sh:targetClass schema:Place ;
    sh:property [
        sh:path [ sh:inversePath
                  [ sh:alternativePath ( schema:location schema:containedInPlace ) ] ] ;
        sh:maxCount 1 ] ,
      [ sh:path schema:name ; sh:datatype rdf:langString ; sh:severity sh:Info ] ,
      [ sh:path schema:name ; sh:pattern "^[A-Z]" ; sh:pattern "E" ; sh:flags "i" ;
        sh:severity sh:Warning ] .

t:Off a sh:NodeShape ; sh:targetClass schema:Person ; sh:deactivated true ; sh:class ex:Nothing .

t:Named a sh:NodeShape ;
    sh:targetNode <{DOC}> , ex:absent ;
    sh:class schema:CreativeWork , schema:Message ;
    sh:message "Named nodes must be works and messages."@en .

ex:Implicit a sh:NodeShape , rdfs:Class ;
    sh:property [ sh:path schema:name ; sh:minCount 1 ] .

t:WarnOrg a sh:NodeShape ;
    sh:targetClass schema:Organization ;
    sh:severity sh:Warning ;
    sh:property [ sh:path schema:name ; sh:maxCount 1 ] ;
    sh:or ( [ sh:path schema:sameAs ; sh:minCount 1 ; sh:severity sh:Warning ]
            [ sh:path schema:location ; sh:minCount 1 ] ) ;
    sh:node t:Soft .

t:Soft a sh:NodeShape ;
    sh:property [ sh:path org:classification ; sh:minCount 1 ; sh:severity sh:Warning ] .

t:Senders a sh:NodeShape ;
    sh:targetSubjectsOf schema:sender ;
    sh:property [
        sh:path schema:sender ;
        sh:nodeKind sh:BlankNodeOrIRI ;
        sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:severity sh:Warning ] ,
                    [ sh:path rdf:type ; sh:hasValue schema:Person ] ] ;
    sh:hasValue <{DOC}> ;
    sh:or ( [ sh:class schema:Message ] [ sh:datatype xsd:string ] ) ,
          ( [ sh:nodeKind sh:IRI ] [ sh:class schema:Thing ] ) .

t:Cited a sh:NodeShape ;
    sh:targetObjectsOf cito:cites ;
    sh:equals schema:sameAs ;
    sh:property [ sh:path ( schema:author schema:name ) ; sh:datatype xsd:string ; sh:maxCount 2 ] ,
        [ sh:path ( schema:author [ sh:alternativePath ( schema:name schema:sameAs ) ] ) ;
          sh:minCount 1 ; sh:nodeKind sh:Literal ] .

t:LanguageTop
    sh:path schema:inLanguage ;
    sh:targetSubjectsOf schema:encoding ;
    sh:pattern "^en" ;
    sh:severity sh:Info .
"""
)


@pytest.fixture(scope="module")
def custom_shapes() -> Graph:
    return Graph().parse(data=CUSTOM, format="turtle")


def test_custom_shapes_on_the_letter(letter, custom_shapes):
    fast = assert_same(letter, custom_shapes, report=True)
    rules = {f.rule for f in fast.findings}
    assert "shacl.Named" in rules  # ex:absent is targeted though it is not in the graph
    assert "shacl.LanguageTop" not in rules  # the letter is in English


def test_shapes_without_messages_on_the_letter(letter, shapes_without_messages):
    broken = with_triples(letter, [t for t in letter.triples if t[1] != SCHEMA.name])
    fast = assert_same(broken, shapes_without_messages)
    assert any(f.message.startswith("Less than 1 values on") for f in fast.findings)


@settings(SLOW, max_examples=40)
@given(data=st.data())
def test_mutations_with_other_shapes(synthetic, custom_shapes, shapes_without_messages, data):
    doc = data.draw(st.sampled_from(synthetic), label="letter")
    shapes = data.draw(st.sampled_from([custom_shapes, shapes_without_messages]), label="shapes")
    assert_same(with_triples(doc, mutate(data, doc.triples)), shapes)


# ---------------------------------------------------------------------------------------------
# Each constraint component on a small graph, with the expected findings spelled out
# ---------------------------------------------------------------------------------------------

S = URIRef("https://example.org/x/s")


def small(shapes_ttl: str, triples: list, lines: dict[str, int] | None = None):
    """Run both engines on a tiny document; return the fast findings as plain tuples."""
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    doc = DocumentGraph("s", str(S), "https://example.org/graph/s", triples, lines=lines or {})
    fast = assert_same(doc, shapes, report=True)
    return fast, sorted((f.rule, f.severity.value, f.focus, f.path, f.value) for f in fast.findings)


def test_min_and_max_count():
    fast, found = small(
        """t:A a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:name "p" ; sh:minCount 2 ; sh:maxCount 2 ;
                          sh:message "two" ] .""",
        [(S, RDF.type, EX.C), (S, EX.p, Literal("a"))],
        lines={str(S): 7},
    )
    assert found == [("shacl.A.p", "error", str(S), "ex:p", None)]
    assert fast.findings[0].line == 7 and fast.findings[0].message == "two"
    assert not fast.conforms


def test_class_follows_subclasses_and_survives_cycles():
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:name "p" ; sh:class ex:Top ; sh:message "m" ] .""",
        [
            (S, EX.p, EX.a),
            (EX.a, RDF.type, EX.Low),
            (EX.Low, RDFS.subClassOf, EX.Mid),
            (EX.Mid, RDFS.subClassOf, EX.Low),
            (EX.Mid, RDFS.subClassOf, EX.Top),
            (S, EX.p, EX.b),
            (EX.b, RDF.type, EX.Other),
            (EX.Other, RDFS.subClassOf, EX.Other),
            (S, EX.p, Literal("lit")),
        ],
    )
    assert found == [
        ("shacl.A.p", "error", str(S), "ex:p", '"lit"'),
        ("shacl.A.p", "error", str(S), "ex:p", str(EX.b)),
    ]


def test_target_class_includes_subclass_instances():
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetClass ex:Top ;
            sh:property [ sh:path ex:p ; sh:name "p" ; sh:minCount 1 ; sh:message "m" ] .""",
        [
            (S, RDF.type, EX.Low),
            (EX.Low, RDFS.subClassOf, EX.Top),
            (EX.Top, RDFS.subClassOf, EX.Low),
        ],
    )
    assert found == [("shacl.A.p", "error", str(S), "ex:p", None)]


def test_datatype_rules():
    values = [
        Literal("2014-07-10", datatype=XSD.date),  # fine
        Literal("2014-13-01", datatype=XSD.date),  # ill-typed
        Literal("plain"),  # xsd:string, not a date
        Literal("2014-07-10", lang="en"),  # rdf:langString
        EX.iri,  # not a literal
    ]
    doubles = [Literal("1.5", datatype=XSD.double), Literal("abc", datatype=XSD.double)]
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:name "p" ; sh:datatype xsd:date ; sh:message "m" ] ,
                        [ sh:path ex:q ; sh:name "q" ; sh:datatype xsd:string ; sh:message "m" ] ,
                        [ sh:path ex:r ; sh:name "r" ; sh:datatype xsd:double ;
                          sh:message "m" ] .""",
        [(S, EX.p, v) for v in values]
        + [(S, EX.q, Literal("a")), (S, EX.q, Literal("b", lang="en"))]
        + [(S, EX.r, v) for v in doubles],
    )
    assert sorted(v for *_, v in found) == sorted(
        [
            '"2014-13-01"^^<http://www.w3.org/2001/XMLSchema#date>',
            '"plain"',
            '"2014-07-10"@en',
            str(EX.iri),
            '"b"@en',
            '"abc"^^<http://www.w3.org/2001/XMLSchema#double>',  # ill-typed for rdflib
        ]
    )


def test_node_kind_pattern_and_has_value():
    bnode = BNode("https-blank")  # its id would match the pattern: a blank node never does
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:name "kind" ; sh:nodeKind sh:IRI ; sh:message "m" ] ,
                [ sh:path ex:p ; sh:name "pattern" ; sh:pattern "^https" ; sh:message "m" ] ,
                [ sh:path ex:p ; sh:name "has" ; sh:hasValue ex:wanted ; sh:message "m" ] .""",
        [(S, EX.p, EX.ok), (S, EX.p, bnode), (S, EX.p, Literal("https://example.org"))],
    )
    assert found == [
        ("shacl.A.has", "error", str(S), "ex:p", None),
        ("shacl.A.kind", "error", str(S), "ex:p", '"https://example.org"'),
        ("shacl.A.kind", "error", str(S), "ex:p", "_:https-blank"),
        ("shacl.A.pattern", "error", str(S), "ex:p", "_:https-blank"),
    ]


def test_equals_reports_the_symmetric_difference():
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:name "eq" ; sh:equals ex:q ; sh:message "m" ] .""",
        [(S, EX.p, EX.both), (S, EX.q, EX.both), (S, EX.p, EX.onlyP), (S, EX.q, EX.onlyQ)],
    )
    assert [v for *_, v in found] == [str(EX.onlyP), str(EX.onlyQ)]


def test_or_per_value_and_node_level():
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetClass ex:C ; sh:message "node-level" ;
            sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) ;
            sh:property [ sh:path ex:v ; sh:name "v" ; sh:message "m" ;
                          sh:or ( [ sh:datatype xsd:gYear ] [ sh:class ex:Year ] ) ] .""",
        [
            (S, RDF.type, EX.C),
            (S, EX.v, Literal("2014", datatype=XSD.gYear)),
            (S, EX.v, EX.y),
            (EX.y, RDF.type, EX.Year),
            (S, EX.v, Literal("2014")),
        ],
    )
    assert found == [
        ("shacl.A", "error", str(S), None, str(S)),
        ("shacl.A.v", "error", str(S), "ex:v", '"2014"'),
    ]


def test_node_reports_the_nested_results_too():
    fast, found = small(
        """t:A a sh:NodeShape ; sh:targetSubjectsOf ex:file ;
            sh:property [ sh:path ex:file ; sh:name "file" ; sh:node t:F ; sh:message "file" ] .
           t:F a sh:NodeShape ;
            sh:property [ sh:path ex:sum ; sh:name "sum" ; sh:pattern "^[0-9a-f]{4}$" ;
                          sh:message "sum" ] ,
                        [ sh:path ex:fmt ; sh:name "fmt" ; sh:minCount 1 ; sh:severity sh:Info ;
                          sh:message "fmt" ] .""",
        [
            (S, EX.file, EX.f1),
            (EX.f1, EX.sum, Literal("beef")),
            (S, EX.file, EX.f2),
            (EX.f2, EX.sum, Literal("BEEF")),
            (EX.f2, EX.fmt, Literal("xml")),
        ],
    )
    assert found == [
        ("shacl.A.file", "error", str(S), "ex:file", str(EX.f1)),  # only an Info inside
        ("shacl.A.file", "error", str(S), "ex:file", str(EX.f2)),
        ("shacl.F.fmt", "info", str(EX.f1), "ex:fmt", None),
        ("shacl.F.sum", "error", str(EX.f2), "ex:sum", '"BEEF"'),
    ]
    assert (None, SH.detail, None) in fast.report


def test_paths_sequence_alternative_inverse():
    _, found = small(
        """t:A a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ( ex:a ex:b ) ; sh:name "seq" ; sh:minCount 2 ; sh:message "m" ] ,
                [ sh:path [ sh:alternativePath ( ex:a ex:c ) ] ; sh:name "alt" ; sh:maxCount 1 ;
                  sh:message "m" ] ,
                [ sh:path [ sh:inversePath ex:a ] ; sh:name "inv" ; sh:minCount 1 ;
                  sh:message "m" ] .""",
        [
            (S, RDF.type, EX.C),
            (S, EX.a, EX.m),
            (EX.m, EX.b, EX.z),
            (S, EX.c, EX.k),
            (EX.m, RDF.type, EX.C),
            (S, EX.a, S),
        ],
    )
    assert found == [
        ("shacl.A.alt", "error", str(S), "ex:a|ex:c", None),
        ("shacl.A.seq", "error", str(EX.m), "ex:a/ex:b", None),
        ("shacl.A.seq", "error", str(S), "ex:a/ex:b", None),
    ]


def test_severity_and_conforms():
    fast, found = small(
        """t:A a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:name "p" ; sh:minCount 1 ; sh:severity sh:Warning ;
                          sh:message "m" ] ,
                        [ sh:path ex:q ; sh:name "q" ; sh:minCount 1 ; sh:severity sh:Info ;
                          sh:message "m" ] .""",
        [(S, RDF.type, EX.C)],
    )
    assert [(r, s) for r, s, *_ in found] == [("shacl.A.p", "warning"), ("shacl.A.q", "info")]
    assert fast.conforms


def test_report_is_only_built_when_asked(letter):
    fast = validate_document_fast(letter)
    assert fast._report is None
    report = fast.report
    (root,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(root, SH.conforms) == Literal(True)
    assert len(list(report.objects(root, SH.result))) == len(fast.findings)


# ---------------------------------------------------------------------------------------------
# The compiler refuses what it does not implement
# ---------------------------------------------------------------------------------------------

UNSUPPORTED = {
    "sh:in": "t:A sh:targetClass ex:C ; sh:in ( ex:a ) .",
    "sh:closed": "t:A sh:targetClass ex:C ; sh:closed true .",
    "sh:not": "t:A sh:targetClass ex:C ; sh:not [ sh:class ex:D ] .",
    "sh:and": "t:A sh:targetClass ex:C ; sh:and ( [ sh:class ex:D ] ) .",
    "sh:minLength": "t:A sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minLength 2 ] .",
    "sh:languageIn": (
        't:A sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:languageIn ( "en" ) ] .'
    ),
    "sh:sparql": 't:A sh:targetClass ex:C ; sh:sparql [ sh:select "SELECT $this WHERE {}" ] .',
    "zero-or-more path": (
        "t:A sh:targetClass ex:C ; sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; "
        "sh:minCount 1 ] ."
    ),
    "inverse sequence": (
        "t:A sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ( ex:p ex:q ) ] ; "
        "sh:minCount 1 ] ."
    ),
    "recursion": "t:A sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node t:A ] .",
    "two messages": 't:A sh:targetClass ex:C ; sh:class ex:D ; sh:message "a", "b" .',
    "minCount on a node shape": "t:A sh:targetClass ex:C ; sh:minCount 1 .",
    "custom component": (
        "ex:Comp a sh:ConstraintComponent ; sh:parameter [ sh:path ex:param ] . "
        "t:A sh:targetClass ex:C ; ex:param 1 ."
    ),
    "sh:target": "t:A sh:target [ a ex:TargetType ] ; sh:class ex:D .",
    "a literal as a shape": 't:A sh:targetClass ex:C ; sh:node "not a shape" .',
    "a negative count": (
        "t:A sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount -1 ] ."
    ),
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_unsupported_constructs_are_refused_when_compiling(construct):
    shapes = Graph().parse(data=PREFIXES + UNSUPPORTED[construct], format="turtle")
    with pytest.raises(UnsupportedShapes, match=r"shape|constraint component|implement"):
        compile_shapes(shapes)


def test_the_project_shapes_compile():
    program = compile_shapes()
    assert program is compile_shapes()  # compiled once
    named = {str(s.node).rsplit("#", 1)[-1] for s in program.top}
    assert {"DocumentShape", "LetterShape", "PlaceShape", "CitedWorkShape"} <= named


CHECKS: list[tuple[str, Callable[[list], list]]] = [
    ("graph typed nothing", lambda ts: [t for t in ts if not (t[0] == GRAPH and t[1] == RDF.type)]),
    ("no tool version", lambda ts: [t for t in ts if t[1] != SCHEMA.softwareVersion]),
    (
        "two sha256",
        lambda ts: (
            ts
            + [
                (o, SCHEMA.sha256, Literal("0" * 64))
                for s, p, o in ts
                if (s, p) == (DOC, SCHEMA.encoding)
            ]
        ),
    ),
    (
        "language tagged language",
        lambda ts: [
            (s, p, Literal(str(o), lang="en")) if p == SCHEMA.inLanguage else (s, p, o)
            for s, p, o in ts
        ],
    ),
]


@pytest.mark.parametrize("name, change", CHECKS, ids=[c[0] for c in CHECKS])
def test_targeted_breaks_of_the_letter(letter, name, change):
    fast = assert_same(with_triples(letter, change(list(letter.triples))), report=True)
    assert not fast.conforms


def test_owl_class_shape_is_an_implicit_target():
    shapes = Graph().parse(
        data=PREFIXES + "ex:K a owl:Class ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
        format="turtle",
    )
    doc = DocumentGraph("s", str(S), "g", [(S, RDF.type, URIRef(str(EX) + "K"))])
    fast = assert_same(doc, shapes)
    assert [f.focus for f in fast.findings] == [str(S)]
