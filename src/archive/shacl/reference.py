"""pySHACL on one document graph: the reference the compiled engine is tested against.

pySHACL validates the union of whatever graph it is given, so each document's graph is
validated on its own, and each result is mapped back to the TEI element (and line) its focus
node came from. It runs with ``allow_warnings=False``: SHACL says a node conforms to a shape only
when validating it gives no result at all, whatever the severity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from archive.findings import Finding, Layer, Severity
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import SH, bind_all
from archive.shacl.compiled import (
    SEVERITIES,
    graph_digest,
    local_name,
)
from archive.shacl.compiled import (
    path_text as _shapes_path_text,
)
from archive.shacl.compiled import (
    shape_names as _shape_names,
)
from archive.shacl.shapesfile import SHAPES_DIR, project_shapes

__all__ = ["SEVERITIES", "ShaclResult", "load_shapes", "shape_names", "validate_document"]


def shapes_path() -> Path:
    """The shapes shipped with the project (``shapes/`` at the repository root)."""
    return SHAPES_DIR


def load_shapes(path: str | None = None) -> Graph:
    """The project's shapes graph, or the shapes in ``path`` (a file or a folder) alone."""
    if path is None:
        return project_shapes().graph
    from archive.shacl.shapesfile import load_shapes as load

    return load([path], with_project=False).graph


@lru_cache(maxsize=8)
def _names(digest: str, sg: Graph) -> dict[Node, str]:
    return _shape_names(sg)


def shape_names(shapes: Graph) -> dict[Node, str]:
    """Readable rule ids for the shapes of a graph (cached by the graph's content)."""
    return _names(graph_digest(shapes), shapes)


@dataclass
class ShaclResult:
    conforms: bool
    findings: list[Finding]
    report: Graph  # the W3C validation report


def validate_document(
    doc: DocumentGraph, file: str | None = None, shapes: Graph | None = None
) -> ShaclResult:
    """Validate one document's graph with pySHACL; findings carry TEI lines where known."""
    from pyshacl import validate

    data = doc.to_graph()
    shapes = shapes if shapes is not None else load_shapes()
    conforms, report, _ = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False
    )
    bind_all(report)
    names = shape_names(shapes)
    return ShaclResult(
        bool(conforms), list(findings_from_report(report, doc, file, shapes, names)), report
    )


def findings_from_report(
    report: Graph,
    doc: DocumentGraph,
    file: str | None,
    shapes: Graph,
    names: dict[Node, str],
) -> Iterable[Finding]:
    for result in report.subjects(predicate=SH.resultSeverity, object=None):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        source = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        rule = names.get(source) or (local_name(component) if component else "constraint")
        yield Finding(
            rule="shacl." + rule,
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), Severity.ERROR),  # type: ignore[arg-type]
            message=str(message) if message else "SHACL constraint violated",
            layer=Layer.SHACL,
            file=file or (str(doc.source) if doc.source else None),
            line=doc.lines.get(str(focus)) if focus is not None else None,
            focus=n3(focus),
            path=_shapes_path_text(report, path) if path is not None else None,
            value=n3(value) if value is not None else None,
        )


def n3(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    return node.n3()
