"""SHACL validation of document graphs, one graph at a time.

pySHACL validates the union of whatever graph it is given, so a store-wide run would let one
document supply another's missing fact. Each document's graph is therefore validated on its
own, and each result is mapped back to the TEI element (and line) the focus node came from.
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
from archive.resources import data_dir

SHAPES_DIR = data_dir("shapes")
SEVERITIES = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


def shapes_path() -> Path:
    """The shapes shipped with the project (``shapes/`` at the repository root)."""
    return SHAPES_DIR


@lru_cache(maxsize=4)
def load_shapes(path: str | None = None) -> Graph:
    g = Graph()
    root = Path(path) if path else SHAPES_DIR
    files = sorted(root.glob("*.ttl")) if root.is_dir() else [root]
    if not files:
        from archive.errors import ArchiveError

        raise ArchiveError(f"no SHACL shapes found in {root}")
    for f in files:
        g.parse(f, format="turtle")
    return g


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
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_warnings=True,
    )
    bind_all(report)
    return ShaclResult(
        bool(conforms), list(findings_from_report(report, doc, file, shapes)), report
    )


def findings_from_report(
    report: Graph, doc: DocumentGraph, file: str | None = None, shapes: Graph | None = None
) -> Iterable[Finding]:
    for result in report.subjects(predicate=None, object=SH.ValidationResult):
        yield result_to_finding(report, result, doc, file, shapes)


def result_to_finding(
    report: Graph, result: Node, doc: DocumentGraph, file: str | None, shapes: Graph | None = None
) -> Finding:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    severity = SEVERITIES.get(report.value(result, SH.resultSeverity), Severity.ERROR)  # type: ignore[arg-type]
    message = report.value(result, SH.resultMessage)
    value = report.value(result, SH.value)
    source = report.value(result, SH.sourceShape)
    rule = "shacl." + (
        shape_names(shapes or load_shapes()).get(source) or _component(report, result)
    )
    return Finding(
        rule=rule,
        severity=severity,
        message=str(message) if message else "SHACL constraint violated",
        layer=Layer.SHACL,
        file=file or (str(doc.source) if doc.source else None),
        line=doc.lines.get(str(focus)) if focus is not None else None,
        focus=n3(focus),
        path=path_text(report, path),
        value=n3(value) if value is not None else None,
    )


_SHAPE_NAMES: dict[int, dict[Node, str]] = {}


def shape_names(shapes: Graph) -> dict[Node, str]:
    """Readable rule ids: ``DocumentTitle`` for named shapes, ``PlaceShape.identifier`` for
    the anonymous property shapes inside a node shape."""
    key = id(shapes)
    if key not in _SHAPE_NAMES:
        names: dict[Node, str] = {}
        for shape in set(shapes.subjects(SH.property, None)) | set(
            shapes.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), SH.NodeShape)
        ):
            if isinstance(shape, URIRef):
                names[shape] = local_name(shape)
            for prop in shapes.objects(shape, SH.property):
                if isinstance(prop, URIRef):
                    names[prop] = local_name(prop)
                else:
                    label = shapes.value(prop, SH.name)
                    slug = "-".join(str(label).split()) if label else "property"
                    names[prop] = f"{names.get(shape, local_name(shape))}.{slug}"
        _SHAPE_NAMES[key] = names
    return _SHAPE_NAMES[key]


def local_name(uri: Node) -> str:
    text = str(uri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def _component(report: Graph, result: Node) -> str:
    component = report.value(result, SH.sourceConstraintComponent)
    return local_name(component) if isinstance(component, URIRef) else "constraint"


def n3(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    return node.n3()


def path_text(report: Graph, path: Node | None) -> str | None:
    """A readable SHACL path: prefixed names, sequences joined by '/'."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return report.namespace_manager.normalizeUri(path)
    from rdflib.collection import Collection

    first = report.value(path, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"))
    if first is not None:
        return "/".join(path_text(report, p) or "?" for p in Collection(report, path))
    alt = report.value(path, SH.alternativePath)
    if alt is not None:
        return "|".join(path_text(report, p) or "?" for p in Collection(report, alt))
    inv = report.value(path, SH.inversePath)
    if inv is not None:
        return "^" + (path_text(report, inv) or "?")
    return path.n3()
