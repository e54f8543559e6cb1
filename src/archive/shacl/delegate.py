"""The parts of a shapes graph the compiled engine leaves to pySHACL.

SHACL-SPARQL constraints (sh:sparql), SPARQL-based targets (sh:target) and custom constraint
components need a SPARQL engine; pySHACL has one. Every top-level shape that reaches such a
construct is validated by pySHACL (``use_shapes``), on the document's graph alone, and its
results come back as the compiled engine's own, so that findings and the W3C report treat both
the same way. :attr:`CompiledShapes.delegation_note` says which shapes went this way.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from archive.rdf.namespaces import SH

SKOLEM = "urn:x-archive:shape:"


class _ComponentOf:
    """A result's source constraint component, as pySHACL named it."""

    def __init__(self, iri: URIRef) -> None:
        self.iri = iri

    def describe(self, result: Any) -> str:
        return "SHACL constraint violated"


def _skolemised(program: Any) -> tuple[Graph, dict[URIRef, Node]]:
    """pySHACL's ``use_shapes`` takes IRIs: anonymous delegated shapes get one for the run."""
    cached = getattr(program, "_skolem", None)
    if cached is not None:
        return cached
    sg: Graph = program.shapes_graph
    mapping: dict[Node, URIRef] = {}
    for i, shape in enumerate(program.delegated):
        if isinstance(shape.node, BNode):
            mapping[shape.node] = URIRef(f"{SKOLEM}{i}")
    if mapping:
        copy = Graph()
        for prefix, ns in sg.namespaces():
            copy.bind(prefix, ns)
        for s, p, o in sg:
            copy.add((mapping.get(s, s), p, mapping.get(o, o)))
        sg = copy
    back = {v: k for k, v in mapping.items()}
    program._skolem = (sg, back)
    return sg, back


def validate_delegated(program: Any, doc: Any) -> list[Any]:
    """pySHACL's results for the delegated shapes on one document graph, as :class:`Result`."""
    from pyshacl import validate

    from archive.shacl.compiled import Result

    sg, back = _skolemised(program)
    use = [
        str(next((k for k, v in back.items() if v == s.node), s.node)) for s in program.delegated
    ]
    data = doc.to_graph() if hasattr(doc, "to_graph") else _graph(doc.triples)
    _, report, _ = validate(
        data,
        shacl_graph=sg,
        inference="none",
        advanced=True,
        allow_warnings=False,
        use_shapes=use,
    )
    out = []
    for r in report.subjects(SH.resultSeverity, None):
        source = report.value(r, SH.sourceShape)
        node = back.get(source, source) if isinstance(source, URIRef) else source
        shape = program.all_shapes.get(node)
        if shape is None:
            shape = _find_shape(program, report, source)
        if shape is None:
            continue
        path = report.value(r, SH.resultPath)
        own_path = shape.path_node
        messages = tuple(m for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal))
        out.append(
            Result(
                shape,
                _ComponentOf(
                    report.value(r, SH.sourceConstraintComponent) or SH.ConstraintComponent
                ),
                report.value(r, SH.focusNode),
                report.value(r, SH.value),
                path=path if isinstance(path, URIRef) and path != own_path else None,
                messages=None if shape.messages else messages or None,
            )
        )
    return out


def _find_shape(program: Any, report: Graph, source: Node) -> Any:
    """pySHACL copies anonymous shapes into its report; find ours by what they say."""
    if not isinstance(source, BNode):
        return None
    path = report.value(source, SH.path)
    for node, shape in program.all_shapes.items():
        if isinstance(node, BNode) and shape.path_node is not None and path is not None:
            if str(program.shapes_graph.value(node, SH.path)) == str(path):
                return shape
    return None


def _graph(triples: Any) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g
