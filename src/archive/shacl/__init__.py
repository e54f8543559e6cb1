"""SHACL: the project's shapes, applied to one document graph at a time.

:mod:`archive.shacl.compiled` is the engine validation uses; :mod:`archive.shacl.reference`
runs pySHACL, the reference it is tested against.
"""

from archive.shacl.compiled import compile_shapes, validate_document_fast, validate_many
from archive.shacl.reference import ShaclResult, load_shapes, validate_document

__all__ = [
    "ShaclResult",
    "compile_shapes",
    "load_shapes",
    "validate_document",
    "validate_document_fast",
    "validate_many",
]
