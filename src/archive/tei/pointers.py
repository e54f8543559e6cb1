"""Pointers in TEI: splitting ``@ref`` lists, expanding prefixed pointers, finding xml:ids.

Shared by the integrity rules and by extraction so that both read pointers the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from archive.tei.parse import TEI_NS, XML_ID

# Attributes whose values are (lists of) pointers, by TEI's datatypes.
POINTER_ATTRIBUTES = (
    "ref",
    "target",
    "corresp",
    "who",
    "active",
    "passive",
    "mutual",
    "where",
    "scheme",
    "sameAs",
    "ana",
    "source",
    "facs",
    "resp",
    "prev",
    "next",
    "copyOf",
    "nymRef",
)
# The attributes whose targets count as "uses" of a stand-off entry.
REF_LIKE = ("ref", "target", "corresp", "who", "active", "passive", "mutual", "where", "sameAs")

_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Pointer:
    """One pointer value, classified."""

    raw: str
    kind: str  # "local" (#id), "file" (other.xml#id), "uri" (absolute), "prefixed", "other"
    target: str  # id for local, URI for uri/prefixed, path for file
    fragment: str | None = None  # id in another file


def split_pointers(value: str | None) -> list[str]:
    """``@ref`` may hold several URIs separated by whitespace."""
    return value.split() if value else []


def prefix_defs(root: etree._Element) -> dict[str, list[tuple[str, str]]]:
    """``listPrefixDef``: ident -> [(matchPattern, replacementPattern)]."""
    defs: dict[str, list[tuple[str, str]]] = {}
    for pd in root.iter(f"{{{TEI_NS}}}prefixDef"):
        ident = pd.get("ident")
        match, repl = pd.get("matchPattern"), pd.get("replacementPattern")
        if ident and match and repl:
            defs.setdefault(ident, []).append((match, repl))
    return defs


def expand_prefixed(value: str, defs: dict[str, list[tuple[str, str]]]) -> str | None:
    """Expand ``prefix:rest`` with the document's prefixDef rules, or ``None``."""
    prefix, _, rest = value.partition(":")
    for match, repl in defs.get(prefix, ()):
        try:
            if re.fullmatch(match, rest):
                # TEI uses $1-style references in replacementPattern.
                return re.sub(match, re.sub(r"\$(\d)", r"\\\1", repl), rest, count=1)
        except re.error:
            return None
    return None


def classify(value: str, defs: dict[str, list[tuple[str, str]]]) -> Pointer:
    if value.startswith("#"):
        return Pointer(value, "local", value[1:])
    prefix = value.split(":", 1)[0]
    if ":" in value and prefix in defs:
        expanded = expand_prefixed(value, defs)
        if expanded:
            return Pointer(value, "prefixed", expanded)
        return Pointer(value, "other", value)
    if _URI_SCHEME.match(value):
        return Pointer(value, "uri", value)
    path, sep, frag = value.partition("#")
    if sep and path and frag:
        return Pointer(value, "file", path, frag)
    return Pointer(value, "other", value)


_WITH_ID = etree.XPath(
    "descendant-or-self::*[@xml:id]", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
)


def id_index(root: etree._Element) -> dict[str, etree._Element]:
    """First element carrying each xml:id (duplicates are reported by the integrity rules)."""
    index: dict[str, etree._Element] = {}
    for el in _WITH_ID(root):  # in C: iterating every element in Python cost 5 ms a letter
        xid = el.get(XML_ID)
        if xid not in index:
            index[xid] = el
    return index


def resolve_file(base_file: Path | None, relative: str) -> Path | None:
    """A cross-file pointer resolves only to a file beside (or below) the pointing file."""
    if base_file is None or "://" in relative:
        return None
    candidate = (base_file.parent / relative).resolve()
    try:
        candidate.relative_to(base_file.parent.resolve())
    except ValueError:  # ../ escapes are not followed
        return None
    return candidate if candidate.is_file() else None


def iter_pointers(root: etree._Element) -> Iterator[tuple[etree._Element, str, str, Pointer]]:
    """(element, attribute, value, pointer) for every pointer in a document, in order."""
    defs = prefix_defs(root)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in (*REF_LIKE, "scheme", "ana", "source"):
            for value in split_pointers(el.get(attr)):
                yield el, attr, value, classify(value, defs)


def files_pointed_at(root: etree._Element, path: Path) -> list[Path]:
    """The files beside ``path`` that its pointers reach into (``Personography.xml#p1``), each
    once, in the order first met: what a package of this file must hold for them to resolve."""
    found: dict[Path, None] = {}
    for _el, _attr, _value, ptr in iter_pointers(root):
        if ptr.kind == "file" and (target := resolve_file(path, ptr.target)):
            found.setdefault(target)
    return list(found)
