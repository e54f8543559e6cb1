"""SHACL: shapes applied to one document graph at a time.

:mod:`archive.shacl.compiled` is the engine validation uses (all of SHACL Core; what needs
SPARQL goes to pySHACL)); :mod:`archive.shacl.shapesfile`
reads the project's and a repository's shapes files; :mod:`archive.shacl.report` writes the W3C
report; :mod:`archive.shacl.reference` runs pySHACL, the reference the engine is tested against.
"""

from archive.shacl.compiled import CompiledShapes, ShaclOutcome
from archive.shacl.reference import ShaclResult, load_shapes, validate_document
from archive.shacl.run import compile_shapes, validate_document_fast, validate_many
from archive.shacl.shapesfile import Shapes, project_shapes
from archive.shacl.shapesfile import load_shapes as load_shapes_files

__all__ = [
    "CompiledShapes",
    "ShaclOutcome",
    "ShaclResult",
    "Shapes",
    "compile_shapes",
    "load_shapes",
    "load_shapes_files",
    "project_shapes",
    "validate_document",
    "validate_document_fast",
    "validate_many",
]
