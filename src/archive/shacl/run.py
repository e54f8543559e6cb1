"""Validating document graphs with shapes: the project's, a repository's own, or a graph.

The compiled program is cached by the content of the shapes (:mod:`archive.shacl.compiled`),
so these functions can be called once per document without compiling anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph

from archive.rdf.docgraph import DocumentGraph
from archive.shacl.compiled import CompiledShapes, ShaclOutcome, compile_graph
from archive.shacl.shapesfile import Shapes, project_shapes


def compile_shapes(shapes: Any = None) -> CompiledShapes:
    """The compiled program for ``shapes``: None (the project's shapes), a :class:`Shapes`
    (read from files), an rdflib Graph, or an already compiled program."""
    if isinstance(shapes, CompiledShapes):
        return shapes
    if isinstance(shapes, Graph):
        return compile_graph(shapes)
    loaded: Shapes = project_shapes() if shapes is None else shapes
    return loaded.compiled()


def validate_document_fast(
    doc: DocumentGraph, file: str | None = None, shapes: Any = None
) -> ShaclOutcome:
    """Validate one document's graph against the shapes (default: the project's)."""
    return compile_shapes(shapes).validate(doc, file)


def validate_many(
    docs: Iterable[DocumentGraph], shapes: Any = None, file: str | None = None
) -> Iterator[tuple[DocumentGraph, ShaclOutcome]]:
    """Validate each document graph on its own (never their union), lazily, in order."""
    program = compile_shapes(shapes)
    for doc in docs:
        yield doc, program.validate(doc, file)
