"""The URI policy: ``{base}/id/{kind}/{slug}`` for things, ``{base}/graph/{slug}`` for documents.

The base is configurable (``--base`` or ``ARCHIVE_BASE``); the default sits under the reserved
``.example`` domain so that nothing minted by a test or a demo can be mistaken for a real URI.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from urllib.parse import quote, urlsplit

from archive.errors import UsageError

DEFAULT_BASE = "https://advocacy-archive.example"

KINDS = (
    "document",
    "org",
    "person",
    "group",
    "place",
    "event",
    "work",
    "post",
    "concept",
    "agent",
    "authority",
)


def base_problem(base: str) -> str | None:
    """Why a string cannot be the base of the archive's URIs, or None: it must be an absolute
    http(s) URL with a host, and nothing that is not allowed in an IRI (spaces, quotes ...)."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https"):
        return "is not an http(s) URL (a base looks like https://archive.example.org)"
    if not parts.netloc or not parts.hostname:
        return "has no host name"
    if parts.query or parts.fragment:
        return "must not have a query or a fragment"
    if re.search(r"[\s<>\"{}|\\^`]", base):
        return "contains characters that are not allowed in a URI (spaces, quotes, <>{}|\\^`)"
    return None


def checked_base(base: str) -> str:
    problem = base_problem(base)
    if problem:
        raise UsageError(f"the base URI {base!r} {problem}")
    return base.strip().rstrip("/")


def default_base() -> str:
    value = os.environ.get("ARCHIVE_BASE")
    if value:
        problem = base_problem(value)
        if problem:
            raise UsageError(f"ARCHIVE_BASE {value!r} {problem}")
    return (value or DEFAULT_BASE).rstrip("/")


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII, lower-case, hyphen-separated: 'Réseau chrétien' -> 'reseau-chretien'. A text
    with no Latin letters or digits gets a hash of itself, so two such texts stay apart."""
    original = text
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_length:
        text = text[:max_length].rstrip("-")
    return text or "x" + hashlib.sha1(original.encode()).hexdigest()[:8]


def safe_slug(text: str) -> str:
    """Keep a slug that is already URI-safe (xml:ids usually are); otherwise slugify it."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text):
        return text
    return slugify(text)


def short_hash(text: str, n: int = 12) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


class URIs:
    """Mints URIs under one base."""

    def __init__(self, base: str | None = None) -> None:
        self.base = checked_base(base) if base else default_base()

    def thing(self, kind: str, slug: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return f"{self.base}/id/{kind}/{quote(slug, safe='-._~')}"

    def graph(self, document_slug: str) -> str:
        return f"{self.base}/graph/{quote(document_slug, safe='-._~')}"

    def document(self, slug: str) -> str:
        return self.thing("document", slug)

    def concept(self, scheme: str, slug: str) -> str:
        return self.thing("concept", f"{scheme}/{slug}")

    def slug_of_graph(self, graph_uri: str) -> str | None:
        prefix = f"{self.base}/graph/"
        return graph_uri[len(prefix) :] if graph_uri.startswith(prefix) else None
