"""The identity of a package, from its records: never from the name of the file it is written to.

One document: its slug (``calais-2014-07-10``) names the package (METS ``OBJID``, the bag's base
directory, the E-ARK package folder) and its title names the crate. Several: a name made from
their sorted URIs, so that the same records always make the same identity, in any order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from archive.rdf.docgraph import DocumentGraph


class _HasDocuments(Protocol):
    @property
    def documents(self) -> list[DocumentGraph]: ...


@dataclass(frozen=True)
class Identity:
    objid: str  # an NCName-safe, file-name-safe identifier
    title: str  # a human-readable name
    uris: tuple[str, ...]  # the documents' URIs


def package_identity(records: Iterable[object]) -> Identity:
    """The identity of the package that holds ``records`` (each with ``.result.documents``)."""
    docs: list[DocumentGraph] = []
    for record in records:
        docs.extend(record.result.documents)  # type: ignore[attr-defined]
    uris = tuple(sorted({d.uri for d in docs}))
    if len(docs) == 1:
        doc = docs[0]
        return Identity(_safe(doc.slug), doc.title or doc.slug, uris)
    digest = hashlib.sha256("\n".join(uris).encode("utf-8")).hexdigest()[:16]
    titles = sorted({d.title or d.slug for d in docs})
    shown = "; ".join(titles[:3]) + ("; …" if len(titles) > 3 else "")
    return Identity(f"documents-{digest}", f"{len(uris)} documents: {shown}", uris)


def _safe(slug: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-._" else "-" for c in slug).strip(".-")
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"document-{cleaned}"
    return cleaned
