"""The W3C SHACL test suite (``tests/core``), run against the compiled engine.

The suite is vendored in ``tests/shacl_w3c`` (origin and licence in its LICENSE.md). Each test
validates a data graph against a shapes graph and compares the report with the expected one as
the suite's README says: same ``sh:conforms``, and the results isomorphic once reduced to the
predicates the suite compares (``sh:resultMessage`` only where the expected report has one,
``sh:detail`` dropped). The suite wins: where the engine or pySHACL disagree with it, they are
wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from archive.errors import ShapesError
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import SH
from archive.shacl.compiled import compile_graph
from archive.shacl.shapesfile import exact_literals

SUITE = Path(__file__).parent / "shacl_w3c" / "core"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
KEPT = {
    SH.result,
    SH.conforms,
    SH.focusNode,
    SH.resultPath,
    SH.resultSeverity,
    SH.sourceConstraint,
    SH.sourceConstraintComponent,
    SH.sourceShape,
    SH.value,
}


@dataclass
class Case:
    name: str
    manifest: Path
    graph: Graph
    node: URIRef

    def __str__(self) -> str:
        return self.name


def _load(path: Path) -> Graph:
    with exact_literals():  # "1"^^xsd:boolean must stay "1" (uniqueLang-002)
        return Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


def cases() -> list[Case]:
    out: list[Case] = []
    todo = [SUITE / "manifest.ttl"]
    while todo:
        path = todo.pop(0)
        g = _load(path)
        for inc in g.objects(None, MF.include):
            todo.append(Path(str(inc).removeprefix("file://")))
        for head in g.objects(None, MF.entries):
            for entry in g.items(head):
                if (entry, RDF.type, SHT.Validate) in g:
                    name = f"{path.parent.name}/{str(entry).rsplit('/', 1)[-1]}"
                    out.append(Case(name, path, g, entry))
    return out


CASES = cases()


def test_the_suite_is_complete():
    assert len(CASES) == 98  # every sht:Validate entry of tests/core


def graph_at(case: Case, ref: URIRef) -> Graph:
    path = Path(str(ref).removeprefix("file://"))
    return case.graph if path == case.manifest else _load(path)


def subgraph(g: Graph, root: BNode | URIRef, keep_messages: set) -> Graph:
    """The report's triples the suite compares, from ``root`` down (results, paths)."""
    out = Graph()
    out.add((root, RDF.type, SH.ValidationReport))
    for p, o in g.predicate_objects(root):
        if p in KEPT:
            out.add((root, p, o))
    for r in g.objects(root, SH.result):
        out.add((r, RDF.type, SH.ValidationResult))
        for p, o in g.predicate_objects(r):
            if p in KEPT or (p == SH.resultMessage and o in keep_messages):
                out.add((r, p, o))
            if p == SH.resultPath and isinstance(o, BNode):
                _copy_structure(g, o, out)
    return out


def _copy_structure(g: Graph, node: BNode, out: Graph) -> None:
    todo = [node]
    seen = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, o in g.predicate_objects(n):
            out.add((n, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _literal_conforms(v) -> bool:
    return isinstance(v, Literal) and v.toPython() is True


@pytest.mark.parametrize("case", CASES, ids=str)
def test_w3c_core(case: Case) -> None:
    g = case.graph
    action = g.value(case.node, MF.action)
    data = graph_at(case, g.value(action, SHT.dataGraph))
    shapes = graph_at(case, g.value(action, SHT.shapesGraph))
    expected_root = g.value(case.node, MF.result)
    if expected_root == SHT.Failure:
        with pytest.raises(ShapesError):
            compile_graph(shapes)
        return
    program = compile_graph(shapes)
    doc = DocumentGraph("t", "urn:x-test:doc", "urn:x-test:graph", list(data))
    outcome = program.validate(doc)
    with exact_literals():
        actual_graph = Graph().parse(data=outcome.turtle(), format="turtle")
    (actual_root,) = actual_graph.subjects(RDF.type, SH.ValidationReport)
    expected_conforms = _literal_conforms(g.value(expected_root, SH.conforms))
    assert outcome.conforms == expected_conforms
    messages = set(g.objects(None, SH.resultMessage))
    expected = subgraph(g, expected_root, messages)
    actual = subgraph(actual_graph, actual_root, messages)
    # the expected report's literals are as written in the suite's Turtle: compare terms alike
    assert isomorphic(actual, expected), (
        "\n--- expected\n"
        + expected.serialize(format="turtle")
        + "\n--- actual\n"
        + actual.serialize(format="turtle")
    )


def test_labels_are_read():  # the manifests name every test
    assert all(c.graph.value(c.node, RDFS.label) for c in CASES)
