"""TEI -> RDF: one named graph per document, in the linked-data profile of ``ontology/``.

General, not written for one letter. It reads the project's TEI practice fully and does its best
with TEI written elsewhere: CMIF files yield one document per ``correspDesc``; cross-file
pointers (``Personography.xml#id``) resolve when the file sits beside the document; ``@ref``
lists are split; ``@key`` and partial or conjectured dates are kept as the profile allows.
Whatever it cannot use becomes a finding with its line.

Entities are keyed by authority URI first (so the same person met through Wikidata in two
documents is one node), then by stable slug, never by position.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from lxml import etree
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from archive import TOOL_NAME, __version__
from archive.errors import ArchiveError
from archive.findings import Finding, Layer, Severity
from archive.rdf.docgraph import DocumentGraph, Triple
from archive.rdf.geo import read_geo
from archive.rdf.namespaces import (
    ARC,
    CITO,
    DCTERMS,
    ORG,
    POS,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    TIME,
    XSD,
)
from archive.rdf.profile import (
    AUTHORITIES,
    AUTHORITY_RANK,
    DOCUMENT_TYPE_LABELS,
    DOCUMENT_TYPES,
    IDNO_TEMPLATES,
    ORG_CATEGORY_CLASSES,
    ORG_CATEGORY_LABELS,
    PLACE_TYPES,
    WORK_TYPES,
)
from archive.rdf.uris import URIs, safe_slug, short_hash, slugify
from archive.tei.integrity import iso_date_problem
from archive.tei.parse import TEI_NS, XML_ID, XML_LANG, ParsedXML, lang_of, local_name, parse_file
from archive.tei.pointers import (
    Pointer,
    classify,
    id_index,
    prefix_defs,
    resolve_file,
    split_pointers,
)

T = f"{{{TEI_NS}}}"
NAME_KINDS = {
    "persName": "person",
    "orgName": "org",
    "placeName": "place",
    "name": None,
    "rs": None,
    "title": "work",
    "bibl": "work",
    "settlement": "place",
    "country": "place",
    "region": "place",
    "geogName": "place",
}
ENTRY_KINDS = {
    "person": "person",
    "personGrp": "group",
    "org": "org",
    "place": "place",
    "event": "event",
    "bibl": "work",
    "biblStruct": "work",
    "biblFull": "work",
    "msDesc": "work",
    "category": "concept",
}
RS_TYPES = {
    "person": "person",
    "persName": "person",
    "org": "org",
    "organisation": "org",
    "organization": "org",
    "place": "place",
    "event": "event",
    "group": "group",
    "work": "work",
    "bibl": "work",
}
SCHEMA_HTTP = "http://schema.org/"
# Relations the profile accepts from TEI <relation ref="...">.
RELATIONS = {str(ORG.unitOf): ORG.unitOf, str(ORG.subOrganizationOf): ORG.subOrganizationOf}
CITO_NS = str(CITO)


@dataclass
class Extraction:
    """What one TEI file yields: its documents and what could not be used."""

    documents: list[DocumentGraph] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Entity:
    kind: str
    uri: URIRef
    entry: etree._Element | None  # the stand-off (or cross-file) entry describing it
    authorities: tuple[str, ...] = ()
    scoped: bool = False  # keyed by name within one document: not linked across documents


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def text_of(el: etree._Element, skip_notes: bool = True) -> str:
    """Readable text of an element, without footnotes."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not (skip_notes and local_name(child) == "note"):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return normalise_space("".join(parts))


NAME_PARTS = ("roleName", "forename", "addName", "nameLink", "surname", "genName")
# Languages in which the family name comes first in ordinary use.
SURNAME_FIRST_LANGS = ("zh", "ja", "ko", "vi", "hu", "mn")


def display_name(el: etree._Element) -> str:
    """A name as it is read: a persName built from forename/surname in natural order.

    Markup order is not reading order: ``<surname>Edgeworth</surname>, <forename>Maria</forename>``
    is a sorted form, read "Maria Edgeworth". The written form is kept where it is the intention:
    ``persName/@type="sort"``, or a language whose names put the family name first.
    """
    parts = [
        (local_name(c), text_of(c))
        for c in el
        if isinstance(c.tag, str) and local_name(c) in NAME_PARTS and text_of(c)
    ]
    names = [n for n, _ in parts]
    if (
        local_name(el) != "persName"
        or "surname" not in names
        or "forename" not in names
        or names.index("surname") > names.index("forename")
        or (el.get("type") or "").lower() in ("sort", "sorted", "inverted")
        or (lang_of(el) or "").split("-")[0].lower() in SURNAME_FIRST_LANGS
    ):
        return text_of(el)
    ordered = [text for kind in NAME_PARTS for n, text in parts if n == kind]
    return " ".join(ordered)


def typed_date(value: str | None) -> Literal | None:
    """ISO 8601 value -> xsd:date / gYearMonth / gYear / dateTime literal, or None."""
    if not value:
        return None
    value = value.strip()
    if iso_date_problem(value):
        return None
    if "T" in value:
        return Literal(value, datatype=XSD.dateTime)
    digits = value.lstrip("-")
    n = digits.count("-")
    if re.fullmatch(r"\d{2}:\d{2}.*", value):
        return None  # a time of day alone is not a date
    return Literal(value, datatype=(XSD.gYear, XSD.gYearMonth, XSD.date)[n])


def ni_uri(sha256_hex: str) -> URIRef:
    """RFC 6920 named-information URI for a file's bytes."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).decode().rstrip("=")
    return URIRef(f"ni:///sha-256;{digest}")


def authority_of(uri: str) -> tuple[str, str, str] | None:
    """(authority, identifier, canonical URI) of an authority URI in any of its forms."""
    for name, pattern, template in AUTHORITIES:
        m = pattern.match(uri.strip())
        if m:
            return name, m[1], template.format(m[1])
    return None


def authority_slug(uri: str) -> str | None:
    found = authority_of(uri)
    return f"{found[0]}-{safe_slug(found[1])}" if found else None


def iri_problem(value: str) -> str | None:
    """Why a string is not an absolute IRI (RFC 3987, as pyoxigraph parses it), or None."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        return "has no scheme (it is not an absolute IRI)"
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return f"is not a valid IRI ({exc})"
    return None


def key_authority(key: str | None) -> str | None:
    """An authority IRI that a ``@key`` gives: a URI of a known authority, a prefixed
    identifier (``gnd:118540238``, ``viaf:12345``, ``wikidata:Q42``) or a bare Wikidata item
    (``Q42``). Any other key is a project's own identifier."""
    key = (key or "").strip()
    if not key:
        return None
    if authority_of(key):
        return normalise_uri(key)
    prefix, sep, local = key.partition(":")
    if sep and prefix.lower() in IDNO_TEMPLATES and re.fullmatch(r"[A-Za-z0-9-]+", local):
        return normalise_uri(IDNO_TEMPLATES[prefix.lower()].format(local))
    if re.fullmatch(r"Q[1-9]\d*", key):
        return normalise_uri(IDNO_TEMPLATES["wikidata"].format(key))
    return None


LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
ARCHIVE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _authority_rank(uri: str) -> tuple[int, str]:
    slug = authority_slug(uri)
    name = slug.split("-", 1)[0] if slug else ""
    return (AUTHORITY_RANK.get(name, 99), uri)


def normalise_uri(uri: str) -> str:
    """``http://schema.org/`` as ``https://``; an authority URI in its canonical form."""
    if uri.startswith(SCHEMA_HTTP):
        return str(SCHEMA) + uri[len(SCHEMA_HTTP) :]
    found = authority_of(uri)
    return found[2] if found else uri


@lru_cache(maxsize=32)
def _load_beside(
    path: Path, mtime_ns: int, size: int
) -> tuple[ParsedXML, dict[str, etree._Element]] | None:
    """Parse an authority file once (personographies are shared by many letters)."""
    try:
        parsed = parse_file(path)
    except (ArchiveError, OSError):
        return None
    return parsed, id_index(parsed.root)


class _FileContext:
    """Everything about one TEI file that all of its documents share."""

    def __init__(self, parsed: ParsedXML, file_label: str, uris: URIs) -> None:
        self.parsed = parsed
        self.root = parsed.root
        self.file = file_label
        # findings are about the file being extracted; an element of another file (an entry of
        # a personography it points into) is named by that file's label (id of its root -> label)
        self.doc_file = file_label
        self.doc_root = parsed.root
        self.foreign: dict[int, str] = {}
        self.uris = uris
        self.ids = id_index(self.root)
        self.prefixes = prefix_defs(self.root)
        self.sha256 = hashlib.sha256(parsed.data).hexdigest()
        self.findings: list[Finding] = []
        self._entities: dict[tuple[str, int], Entity] = {}
        self._named: dict[tuple[str, str], URIRef] = {}  # (kind, name) -> node, in this file
        idno = self.root.find(
            f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}idno[@type='archive']"
        )
        given = normalise_space(idno.text or "") if idno is not None else ""
        self.archive_slug = self._document_slug(given, idno, '<idno type="archive">')
        self.project_practice = bool(self.archive_slug)
        name = parsed.path.stem if parsed.path else "document"
        xml_id = self.root.get(XML_ID)
        if self.archive_slug:
            self.file_slug = self.archive_slug
        elif xml_id:
            self.file_slug = self._document_slug(xml_id, self.root, "TEI/@xml:id")
        else:
            self.file_slug = self._document_slug(name, self.root, "the file name")
        if given and xml_id and xml_id != given:
            self.finding(
                "extract.id-mismatch",
                Severity.WARNING,
                f'TEI/@xml:id "{xml_id}" and <idno type="archive">{given}</idno> disagree; '
                f"the document is identified by the idno ({self.archive_slug})",
                idno,
                value=xml_id,
            )

    def _document_slug(self, given: str, el: etree._Element | None, source: str) -> str:
        """A document slug that obeys the archive's rule (lower case ASCII letters and digits,
        single hyphens), and a finding that says why when the source's value does not."""
        if not given or ARCHIVE_SLUG.match(given):
            return given
        slug = slugify(given)
        self.finding(
            "extract.slug-rule",
            Severity.INFO if source == "the file name" else Severity.WARNING,
            f'{source} "{given}" does not follow the archive\'s slug rule (lower case letters '
            f"and digits separated by single hyphens); the document's slug is {slug!r}",
            el,
            value=given,
        )
        return slug

    def iri(self, value: str, el: etree._Element | None, attr: str) -> str | None:
        """``value`` if it is an absolute IRI, else a finding with its line and ``None``."""
        problem = iri_problem(value)
        if problem is None:
            return value
        where = f"<{local_name(el)} {attr}>" if el is not None else attr
        self.finding(
            "extract.malformed-iri",
            Severity.WARNING,
            f"{where}: {value!r} {problem}; ignored",
            el,
            value=value,
        )
        return None

    def finding(
        self,
        rule: str,
        severity: Severity,
        message: str,
        el: etree._Element | None,
        **kw: str | None,
    ) -> None:
        line = el.sourceline if el is not None else None
        other = self.elsewhere(el)
        if other is not None:  # not a line of this file: say where it is
            message += f" (in {other}, line {line})" if line else f" (in {other})"
            line = None
        found = Finding(rule, severity, message, Layer.EXTRACT, file=self.doc_file, line=line, **kw)
        if found not in self.findings:  # an entry described in many documents: said once
            self.findings.append(found)

    def elsewhere(self, el: etree._Element | None) -> str | None:
        """The label of the other file ``el`` belongs to, or None when it is in this one."""
        if el is None:
            return None
        root = el.getroottree().getroot()
        if root is self.doc_root:
            return None
        return self.foreign.get(id(root), "another file")

    def other_label(self, path: Path) -> str:
        """Another file as a finding names it: beside this file's label, as the pointer says."""
        if self.parsed.path is None:
            return str(path)
        rel = os.path.relpath(path, self.parsed.path.resolve().parent)
        return os.path.normpath(os.path.join(os.path.dirname(self.doc_file), rel))

    # -- entities -------------------------------------------------------------------------

    def entry_entity(self, entry: etree._Element, home: _FileContext | None = None) -> Entity:
        """The node for a stand-off (or cross-file) entry, keyed by authority, then slug."""
        home = home or self
        key = (home.file, id(entry))
        if key in self._entities:
            return self._entities[key]
        kind = ENTRY_KINDS.get(local_name(entry), "work")
        authorities = tuple(sorted(set(home.entry_authorities(entry)), key=_authority_rank))
        archive_idno = entry.find(f"{T}idno[@type='archive']")
        if kind == "work" and archive_idno is not None and (archive_idno.text or "").strip():
            uri = URIRef(self.uris.document(safe_slug(archive_idno.text.strip())))
        elif authorities and authority_slug(authorities[0]):
            uri = URIRef(self.uris.thing(kind, authority_slug(authorities[0])))  # type: ignore[arg-type]
        else:
            xid = entry.get(XML_ID)
            if xid and home.project_practice:
                slug = safe_slug(xid)
            elif xid:
                slug = f"{home.file_slug}-{safe_slug(xid)}"
            else:
                slug = f"{home.file_slug}-{short_hash(etree.tostring(entry).decode())}"
            uri = URIRef(self.uris.thing(kind, slug))
        entity = Entity(kind, uri, entry, authorities)
        self._entities[key] = entity
        return entity

    def entry_authorities(self, entry: etree._Element) -> Iterator[str]:
        """The authority IRIs of an entry, canonical: from its idno (a URI, or a bare number
        typed VIAF, GND ...), its @sameAs / @ref / @key, and the @ref of its names."""
        for idno in entry.findall(f"{T}idno"):
            value = normalise_space(idno.text or "")
            kind = (idno.get("type") or "").lower()
            if not value:
                continue
            if re.match(r"^https?://", value):
                if self.iri(value, idno, "text"):
                    yield normalise_uri(value)
            elif kind in IDNO_TEMPLATES and re.fullmatch(r"[A-Za-z0-9-]+", value):
                yield normalise_uri(IDNO_TEMPLATES[kind].format(value))
        for attr in ("sameAs", "ref"):
            for value in split_pointers(entry.get(attr)):
                ptr = classify(value, self.prefixes)
                if (
                    ptr.kind in ("uri", "prefixed")
                    and re.match(r"^https?://", ptr.target)
                    and self.iri(ptr.target, entry, f"@{attr}")
                ):
                    yield normalise_uri(ptr.target)
        key = key_authority(entry.get("key"))
        if key:
            yield key
        for name in entry:  # persName/orgName/placeName with @ref to an authority
            if isinstance(name.tag, str) and local_name(name) in NAME_KINDS:
                for value in split_pointers(name.get("ref")):
                    ptr = classify(value, self.prefixes)
                    if ptr.kind == "uri" and authority_slug(ptr.target):
                        yield normalise_uri(ptr.target)
                key = key_authority(name.get("key"))
                if key:
                    yield key

    def resolve(self, el: etree._Element, scope_slug: str) -> list[Entity]:
        """Entities a name (or rs, title, bibl) points at; a finding for what it cannot use."""
        kind = self.kind_of(el)
        values = split_pointers(el.get("ref"))
        if local_name(el) == "bibl":
            values += split_pointers(el.get("corresp"))
        out: list[Entity] = []
        uris: list[str] = []
        for value in values:
            ptr = classify(value, self.prefixes)
            if ptr.kind == "local":
                target = self.ids.get(ptr.target)
                if target is None:
                    self.finding(
                        "extract.dangling-ref",
                        Severity.ERROR,
                        f'@ref="{value}" points at no element; the name is not linked',
                        el,
                        value=value,
                    )
                elif local_name(target) in ENTRY_KINDS:
                    out.append(self.entry_entity(target))
                else:
                    self.finding(
                        "extract.ref-not-entity",
                        Severity.INFO,
                        f'@ref="{value}" points at <{local_name(target)}>, which is not '
                        "an entity entry; ignored",
                        el,
                        value=value,
                    )
            elif ptr.kind == "file":
                entity = self._cross_file(el, ptr, value)
                if entity:
                    out.append(entity)
            elif ptr.kind in ("uri", "prefixed"):
                if self.iri(ptr.target, el, "@ref"):
                    uris.append(normalise_uri(ptr.target))
            else:
                self.finding(
                    "extract.unresolvable-ref",
                    Severity.WARNING,
                    f'@ref="{value}" is neither a local pointer nor a URI; ignored',
                    el,
                    value=value,
                )
        if uris and kind:
            uris.sort(key=_authority_rank)
            slug = authority_slug(uris[0])
            if slug:
                out.append(Entity(kind, URIRef(self.uris.thing(kind, slug)), None, tuple(uris)))
            else:  # a URI from an unknown authority: keep it as identity, key by its hash
                out.append(
                    Entity(
                        kind,
                        URIRef(self.uris.thing(kind, f"uri-{short_hash(uris[0])}")),
                        None,
                        tuple(uris),
                    )
                )
        elif uris and not kind:
            self.finding(
                "extract.unknown-kind",
                Severity.WARNING,
                f"<{local_name(el)}> points at {uris[0]} but says not what kind of thing "
                "it names (use persName, orgName, placeName or rs/@type); ignored",
                el,
            )
        if not out and not uris:
            key = el.get("key")
            authority = key_authority(key)
            if authority and kind:
                slug = authority_slug(authority)
                out.append(Entity(kind, URIRef(self.uris.thing(kind, slug)), None, (authority,)))  # type: ignore[arg-type]
            elif key and kind:
                scope = self.file_slug if not self.project_practice else ""
                slug = f"{scope}-key-{safe_slug(key)}" if scope else f"key-{safe_slug(key)}"
                out.append(Entity(kind, URIRef(self.uris.thing(kind, slug)), None))
            elif kind and not values and display_name(el):
                out.append(self.named(kind, display_name(el)))
        return out

    def named(self, kind: str, name: str) -> Entity:
        """A thing known only by its name: one node per kind and name in this file (a CMIF
        file names one addressee in many letters), never joined across files."""
        key = (kind, " ".join(name.casefold().split()))
        uri = self._named.get(key)
        if uri is None:
            uri = URIRef(self.uris.thing(kind, f"{self.file_slug}-{slugify(name)}"))
            if uri in self._named.values():  # another name with the same slug ("Müller", "Muller")
                uri = URIRef(f"{uri}-{short_hash(key[1], 6)}")
            self._named[key] = uri
        return Entity(kind, uri, None, scoped=True)

    def _cross_file(self, el: etree._Element, ptr: Pointer, value: str) -> Entity | None:
        path = resolve_file(self.parsed.path, ptr.target)
        loaded = None
        if path is not None:
            st = path.stat()
            loaded = _load_beside(path, st.st_mtime_ns, st.st_size)
        if loaded is None:
            self.finding(
                "extract.cross-file-unresolved",
                Severity.WARNING,
                f'@ref="{value}": {ptr.target} is not beside this file (or not readable '
                "TEI); the name is kept without its authority entry",
                el,
                value=value,
            )
            return None
        other, ids = loaded
        self.foreign.setdefault(id(other.root), self.other_label(path))
        target = ids.get(ptr.fragment or "")
        if target is None or local_name(target) not in ENTRY_KINDS:
            self.finding(
                "extract.dangling-ref",
                Severity.ERROR,
                f'@ref="{value}": {ptr.target} has no entry with xml:id="{ptr.fragment}"',
                el,
                value=value,
            )
            return None
        home = _FileContext.__new__(_FileContext)
        home.parsed, home.root, home.file = other, other.root, str(path)
        home.doc_file, home.doc_root, home.foreign = self.doc_file, self.doc_root, self.foreign
        home.findings = self.findings
        home.prefixes = prefix_defs(other.root)
        home.project_practice = False
        home.file_slug = slugify(path.stem)
        return self.entry_entity(target, home)

    def kind_of(self, el: etree._Element) -> str | None:
        name = local_name(el)
        if name == "rs" or name == "name":
            t = (el.get("type") or "").lower()
            if t in RS_TYPES:
                return RS_TYPES[t]
            for value in split_pointers(el.get("ref")):  # infer from the entry pointed at
                if value.startswith("#") and value[1:] in self.ids:
                    return ENTRY_KINDS.get(local_name(self.ids[value[1:]]))
            return None
        return NAME_KINDS.get(name)


class _DocBuilder:
    """Accumulates the triples of one document graph, describing each entity once."""

    def __init__(self, ctx: _FileContext, slug: str) -> None:
        self.ctx = ctx
        self.slug = slug
        self.doc = URIRef(ctx.uris.document(slug))
        self.graph = URIRef(ctx.uris.graph(slug))
        self.triples: list[Triple] = []
        self._seen: set[Triple] = set()
        self.described: set[URIRef] = set()
        self.lines: dict[str, int] = {str(self.doc): ctx.root.sourceline or 1}
        self.elsewhere: dict[str, str] = {}  # nodes described by another file's entries

    def bnode(self, key: str) -> BNode:
        """A blank node stable for this document: its label hashes the graph and a key.

        Labels must differ between documents: an N-Quads file (a bulk load, an export) shares
        blank-node labels across its graphs, so equal labels would merge nodes of two documents.
        """
        return BNode("b" + short_hash(f"{self.graph}|{key}", 20))

    def add(self, s: Node, p: Node, o: Node | None) -> None:
        if o is None:
            return
        t = (s, p, o)
        if t not in self._seen:
            self._seen.add(t)
            self.triples.append(t)

    def value(self, s: Node, p: Node) -> Node | None:
        return next((o for s2, p2, o in self.triples if s2 == s and p2 == p), None)

    def literal(self, s: Node, p: Node, text: str | None, lang: str | None = None) -> None:
        text = normalise_space(text or "")
        if text:
            if lang and not LANG_TAG.match(lang):
                self.ctx.finding(
                    "extract.bad-language-tag",
                    Severity.WARNING,
                    f'xml:lang="{lang}" is not a BCP 47 language tag; the text is kept without '
                    "a language",
                    next(
                        (e for e in self.ctx.root.iter() if e.get(XML_LANG) == lang),
                        self.ctx.root,
                    ),
                    value=lang,
                )
                lang = None
            self.add(s, p, Literal(text, lang=lang or None))

    def name_from(self, s: Node, el: etree._Element | None) -> None:
        """schema:name from an element's text, in its language (nothing if there is none)."""
        if el is not None:
            self.literal(s, SCHEMA.name, text_of(el), lang_of(el))

    def note_line(self, node: Node, el: etree._Element | None) -> None:
        if el is None or not el.sourceline or str(node) in self.lines:
            return
        other = self.ctx.elsewhere(el)
        if other is None:
            self.lines[str(node)] = el.sourceline
        else:
            self.elsewhere.setdefault(str(node), f"{other}, line {el.sourceline}")

    # -- entity descriptions --------------------------------------------------------------

    def describe(self, entity: Entity, mention: etree._Element | None = None) -> URIRef:
        self.note_line(entity.uri, entity.entry if entity.entry is not None else mention)
        if entity.uri in self.described:
            return entity.uri
        self.described.add(entity.uri)
        s = entity.uri
        for uri in entity.authorities:
            self.add(s, SCHEMA.sameAs, URIRef(uri))
        describer = {
            "org": self._org,
            "person": self._person,
            "group": self._group,
            "place": self._place,
            "event": self._event,
            "work": self._work,
            "concept": self._concept,
        }[entity.kind]
        describer(s, entity.entry, mention)
        if entity.entry is not None:
            self._identifiers(s, entity.entry)
        return s

    def _names(
        self,
        s: URIRef,
        entry: etree._Element | None,
        mention: etree._Element | None,
        tag: str,
        *more: str,
    ) -> None:
        """schema:name from the main name, schema:alternateName from abbreviations and variants.
        The names are the entry's ``tag`` children, else those of the first of ``more`` (then
        ``name``) that it has."""
        names: list[etree._Element] = []
        for t in (tag, *more, "name") if entry is not None else ():
            names = entry.findall(f"{T}{t}")  # type: ignore[union-attr]
            if names:
                break
        main_done = False
        has_main = any(n.get("type") in (None, "main", "full", "reg") for n in names)
        for n in names:
            text = display_name(n)
            if not text:
                continue
            if not main_done and (n.get("type") in (None, "main", "full", "reg") or not has_main):
                self.literal(s, SCHEMA.name, text, lang_of(n))
                main_done = True
            else:
                self.literal(s, SCHEMA.alternateName, text, lang_of(n))
            if text != text_of(n):  # the sorted form, as written, for catalogues
                self.literal(s, SCHEMA.alternateName, text_of(n), lang_of(n))
        if not main_done and entry is None and mention is not None and display_name(mention):
            self.literal(s, SCHEMA.name, display_name(mention), lang_of(mention))
            if display_name(mention) != text_of(mention):
                self.literal(s, SCHEMA.alternateName, text_of(mention), lang_of(mention))

    def _identifiers(self, s: URIRef, entry: etree._Element) -> None:
        for idno in entry.findall(f"{T}idno"):
            value = normalise_space(idno.text or "")
            kind = idno.get("type") or ""
            if not value or re.match(r"^https?://", value) or kind.lower() in IDNO_TEMPLATES:
                continue
            if kind == "archive":
                continue
            pv = self.bnode(f"{s}|{kind}|{value}")
            self.add(s, SCHEMA.identifier, pv)
            self.add(pv, RDF.type, SCHEMA.PropertyValue)
            self.literal(pv, SCHEMA.propertyID, kind or "local")
            self.literal(pv, SCHEMA.value, value)
        for note in entry.findall(f"{T}note"):
            if not note.get("type"):
                self.literal(s, SCHEMA.description, text_of(note, skip_notes=False), lang_of(note))

    def _org(self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None) -> None:
        self.add(s, RDF.type, SCHEMA.Organization)
        self._names(s, entry, mention, "orgName")
        category = entry.get("type") if entry is not None else None
        if category is None and mention is not None:
            category = mention.get("type")
        if category and category in ORG_CATEGORY_CLASSES:
            for cls in ORG_CATEGORY_CLASSES[category]:
                self.add(s, RDF.type, cls)
            concept = self.concept("org-category", category, ORG_CATEGORY_LABELS.get(category))
            self.add(s, ORG.classification, concept)
        elif category:  # a typo must not mint a new concept in the archive's scheme
            known = ", ".join(sorted(ORG_CATEGORY_CLASSES))
            self.ctx.finding(
                "extract.org-category-unknown",
                Severity.WARNING,
                f'@type="{category}" is not an organisation category of the archive ({known}); '
                "the organisation is left without a category",
                entry if entry is not None else mention,
                value=category,
            )
        if entry is not None:
            for place in entry.findall(f"{T}placeName"):
                for target in self.ctx.resolve(place, self.slug):
                    self.add(s, SCHEMA.location, self.describe(target, place))
            for child in entry.findall(f"{T}org"):  # nested org: a unit of this one
                unit = self.describe(self.ctx.entry_entity(child), child)
                self.add(unit, ORG.unitOf, s)
                self.add(unit, RDF.type, ORG.OrganizationalUnit)

    def _person(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SCHEMA.Person)
        self._names(s, entry, mention, "persName")
        if entry is None:
            return
        for pn in entry.findall(f"{T}persName")[:1]:
            self.literal(
                s, SCHEMA.givenName, " ".join(text_of(f) for f in pn.findall(f"{T}forename"))
            )
            self.literal(
                s, SCHEMA.familyName, " ".join(text_of(f) for f in pn.findall(f"{T}surname"))
            )
        for tag, prop in (("birth", SCHEMA.birthDate), ("death", SCHEMA.deathDate)):
            ev = entry.find(f"{T}{tag}")
            if ev is not None:
                self.add(s, prop, typed_date(ev.get("when")))
        for aff in entry.findall(f"{T}affiliation"):
            self._office(s, aff)

    def _group(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SCHEMA.Audience)
        # TEI names a group (personGrp) with name, persName or orgName among its parts
        self._names(s, entry, mention, "name", "persName", "orgName")
        if entry is not None:
            for aff in entry.findall(f"{T}affiliation"):
                self._office(s, aff, holder_is_group=True)

    def _office(self, s: URIRef, aff: etree._Element, holder_is_group: bool = False) -> None:
        """An office: org:Post held, tenure as org:Membership dated only as the source allows."""
        role = aff.get("role") or (slugify(text_of(aff)) if text_of(aff) else None)
        if not role:
            self.ctx.finding(
                "extract.affiliation-without-role",
                Severity.INFO,
                "<affiliation> without @role or text; not modelled",
                aff,
            )
            return
        role_label = role.replace("-", " ")
        role_concept = self.concept("role", safe_slug(role), role_label)
        org_entity = None
        for target in self.ctx.resolve(aff, self.slug):
            org_entity = target
            break
        where = self.describe(org_entity, aff) if org_entity else None
        scope = org_entity.uri.rsplit("/", 1)[-1] if org_entity else "x"
        post = URIRef(self.ctx.uris.thing("post", f"{scope}-{safe_slug(role)}"))
        self.add(post, RDF.type, ORG.Post)
        self.add(post, ORG.role, role_concept)
        # One label per post whoever describes it: role and scope, never a document's wording.
        scope_name = self._name_of(where) if where is not None else None
        post_label = f"{role_label}, {scope_name}" if scope_name else role_label
        self.add(post, SKOS.prefLabel, Literal(post_label, lang="en"))
        if org_entity and org_entity.kind == "org":
            self.add(post, ORG.postIn, where)
        elif org_entity and org_entity.kind == "place":
            self.add(post, DCTERMS.spatial, where)
        if (aff.get("type") or "").lower() in ("claimed", "claim"):
            self._claim(s, aff, post, role_concept)
            return
        if holder_is_group:
            self.literal(s, SCHEMA.audienceType, text_of(aff), lang_of(aff))
            self.add(post, ARC.heldByGroup, s)
            return
        self.add(s, ORG.holds, post)
        membership = self.bnode(f"{s}|{post}|{aff.sourceline}")
        self.add(membership, RDF.type, ORG.Membership)
        self.add(membership, ORG.member, s)
        self.add(membership, ORG.role, role_concept)
        self.literal(membership, RDFS.label, text_of(aff), lang_of(aff))  # as the source words it
        if org_entity and org_entity.kind == "org":
            self.add(membership, ORG.organization, where)
        interval = self._interval(aff, membership)
        if interval is not None:
            self.add(membership, ORG.memberDuring, interval)

    def _claim(self, s: URIRef, aff: etree._Element, post: URIRef, role: URIRef) -> None:
        """An office the document says someone held, which the edition does not vouch for
        (affiliation type="claimed"): a schema:Claim that appears in the document, about the
        person, naming the post; never org:holds or an org:Membership, which state a fact."""
        claim = self.bnode(f"claim|{s}|{post}|{aff.sourceline}")
        self.add(claim, RDF.type, SCHEMA.Claim)
        self.add(claim, SCHEMA.appearance, self.doc)
        self.add(claim, SCHEMA.about, s)
        self.add(claim, ARC.claimedPost, post)
        self.add(claim, ORG.role, role)
        self.literal(claim, SCHEMA.text, text_of(aff), lang_of(aff))
        entry = aff.getparent()
        for note in entry.findall(f"{T}note") if entry is not None else []:
            self.literal(claim, SCHEMA.description, text_of(note, skip_notes=False), lang_of(note))
        interval = self._interval(aff, claim)
        if interval is not None:
            self.add(claim, ARC.claimedDuring, interval)

    def _name_of(self, node: Node) -> str | None:
        names = [o for s, p, o in self.triples if s == node and p == SCHEMA.name]
        names.sort(key=lambda n: (getattr(n, "language", None) not in ("en", None), str(n)))
        return str(names[0]) if names else None

    def _interval(self, el: etree._Element, anchor: Node) -> BNode | None:
        """A time:Interval for a dated affiliation; without dates, none (nothing invented)."""
        when, nb, na = el.get("when"), el.get("notBefore"), el.get("notAfter")
        start, end = el.get("from"), el.get("to")
        if not any((when, nb, na, start, end)):
            return None
        iv = self.bnode(f"{anchor}|interval")
        self.add(iv, RDF.type, TIME.Interval)
        if when and typed_date(when) is not None:
            inst = self.bnode(f"{anchor}|inside")
            self.add(iv, TIME.inside, inst)
            self.add(inst, RDF.type, TIME.Instant)
            self._instant_value(inst, when)
        for value, prop in ((start, TIME.hasBeginning), (end, TIME.hasEnd)):
            if value and typed_date(value) is not None:
                inst = self.bnode(f"{anchor}|{prop}")
                self.add(iv, prop, inst)
                self.add(inst, RDF.type, TIME.Instant)
                self._instant_value(inst, value)
        self.add(iv, ARC.notBefore, typed_date(nb))
        self.add(iv, ARC.notAfter, typed_date(na))
        return iv

    def _instant_value(self, inst: BNode, value: str) -> None:
        lit = typed_date(value)
        if lit is None:
            return
        prop = {
            XSD.date: TIME.inXSDDate,
            XSD.gYearMonth: TIME.inXSDgYearMonth,
            XSD.gYear: TIME.inXSDgYear,
            XSD.dateTime: TIME.inXSDDateTimeStamp,
        }[lit.datatype]
        self.add(inst, prop, lit)

    def _place(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SCHEMA.Place)
        self._names(s, entry, mention, "placeName")
        if entry is None:
            return
        ptype = (entry.get("type") or "").lower()
        if ptype in PLACE_TYPES:
            self.add(s, RDF.type, PLACE_TYPES[ptype])
        for code in entry.findall(f"{T}placeName[@type='code']"):
            # A place named by its number (a French département, "59" or "62") is identified
            # by that code, whether or not the entry also gives a name or an authority.
            value = text_of(code)
            if value:
                kind = code.get("subtype") or "code"
                pv = self.bnode(f"{s}|{kind}|{value}")
                self.add(s, SCHEMA.identifier, pv)
                self.add(pv, RDF.type, SCHEMA.PropertyValue)
                self.literal(pv, SCHEMA.propertyID, kind)
                self.literal(pv, SCHEMA.value, value)
        geos: list[etree._Element] = []
        for loc in entry.findall(f"{T}location"):
            for pn in loc.findall(f"{T}placeName"):
                for target in self.ctx.resolve(pn, self.slug):
                    self.add(s, SCHEMA.containedInPlace, self.describe(target, pn))
            for addr in loc.findall(f"{T}address"):
                lines = [text_of(a) for a in addr if isinstance(a.tag, str)]
                self.literal(s, SCHEMA.address, ", ".join(x for x in lines if x), lang_of(addr))
            geos += loc.findall(f"{T}geo")
        self._geo(s, geos)

    def _geo(self, s: URIRef, geos: list[etree._Element]) -> None:
        """One pair of coordinates per place (pos:lat, pos:long), read as TEI says. A place with
        several locations that give different coordinates (a town that moved, two sources that
        disagree) gets none: which one holds is for the editor to say, not for the extractor."""
        read = []
        for geo in geos:
            coords = read_geo(geo)
            if coords.problem:
                self.ctx.finding("extract.geo-unreadable", Severity.WARNING, coords.problem, geo)
            elif coords.note:
                self.ctx.finding("extract.geo-irregular", Severity.INFO, coords.note, geo)
            if coords.lat is not None:
                read.append((coords.lat, coords.long, geo))
        if len({(lat, long) for lat, long, _ in read}) > 1:
            lines = ", ".join(str(g.sourceline) for _, _, g in read)
            self.ctx.finding(
                "extract.geo-conflict",
                Severity.WARNING,
                f"the place has {len(read)} locations with different coordinates (lines "
                f"{lines}); none is recorded: keep one <geo>, or type the locations "
                "(location/@type, dates) and keep the current one",
                read[0][2],
            )
            return
        if read:
            lat, long, _ = read[0]
            self.add(s, POS.lat, Literal(str(lat), datatype=XSD.decimal))
            self.add(s, POS.long, Literal(str(long), datatype=XSD.decimal))

    def _event(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SCHEMA.Event)
        if entry is None:
            self.name_from(s, mention)
            return
        self.name_from(s, entry.find(f"{T}label"))
        desc = entry.find(f"{T}desc")
        if desc is not None:
            self.literal(s, SCHEMA.description, text_of(desc), lang_of(desc))
        self.add(s, SCHEMA.startDate, typed_date(entry.get("when") or entry.get("from")))
        self.add(s, SCHEMA.endDate, typed_date(entry.get("to")))
        self.add(s, ARC.notBefore, typed_date(entry.get("notBefore")))
        self.add(s, ARC.notAfter, typed_date(entry.get("notAfter")))
        for value in split_pointers(entry.get("where")):
            ptr = classify(value, self.ctx.prefixes)
            target = self.ctx.ids.get(ptr.target) if ptr.kind == "local" else None
            if target is not None and local_name(target) == "place":
                self.add(s, SCHEMA.location, self.describe(self.ctx.entry_entity(target), entry))

    def _work(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SCHEMA.CreativeWork)
        if entry is None:
            self.name_from(s, mention)
            return
        wtype = entry.get("type") or ""
        if wtype in WORK_TYPES:
            self.add(s, RDF.type, WORK_TYPES[wtype])
        title = entry.find(f".//{T}title")
        if title is not None:
            self.literal(s, SCHEMA.name, text_of(title), lang_of(title))
        date = entry.find(f"{T}date")
        if date is not None:
            self.add(s, SCHEMA.dateCreated, typed_date(date.get("when")))
        lang = entry.find(f"{T}textLang")
        if lang is not None and lang.get("mainLang"):
            self.add(s, SCHEMA.inLanguage, Literal(lang.get("mainLang")))
        for author in entry.findall(f"{T}author"):
            names = [n for n in author if isinstance(n.tag, str) and local_name(n) in NAME_KINDS]
            for n in names:
                for target in self.ctx.resolve(n, self.slug):
                    self.add(s, SCHEMA.author, self.describe(target, n))
            if not names and text_of(author):
                self.literal(s, ARC.authorName, text_of(author), lang_of(author))

    def _concept(
        self, s: URIRef, entry: etree._Element | None, mention: etree._Element | None
    ) -> None:
        self.add(s, RDF.type, SKOS.Concept)
        if entry is not None:
            desc = entry.find(f"{T}catDesc")
            self.literal(
                s, SKOS.prefLabel, text_of(desc) if desc is not None else entry.get(XML_ID)
            )

    def concept(self, scheme: str, slug: str, label: str | None) -> URIRef:
        uri = URIRef(self.ctx.uris.thing("concept", f"{scheme}-{slug}"))
        if uri not in self.described:
            self.described.add(uri)
            scheme_uri = URIRef(self.ctx.uris.thing("concept", scheme))
            self.add(uri, RDF.type, SKOS.Concept)
            self.add(uri, SKOS.inScheme, scheme_uri)
            self.add(scheme_uri, RDF.type, SKOS.ConceptScheme)
            self.literal(uri, SKOS.prefLabel, label or slug.replace("-", " "), "en")
            if scheme == "role":
                self.add(uri, RDF.type, ORG.Role)
        return uri


def extract_file(path: Path, base: str | None = None, file_label: str | None = None) -> Extraction:
    """Parse (safely), follow its local XIncludes, and extract one TEI file."""
    from archive.tei.xinclude import expand_includes

    parsed = parse_file(path)
    label = file_label or str(path)
    included = expand_includes(parsed, label)
    extraction = extract_parsed(parsed, label, base)
    extraction.findings[:0] = included
    return extraction


def extract_parsed(parsed: ParsedXML, file_label: str, base: str | None = None) -> Extraction:
    """Extract every document of one parsed TEI file."""
    ctx = _FileContext(parsed, file_label, URIs(base))
    root = ctx.root
    if root.tag != f"{T}TEI":
        ctx.finding(
            "extract.not-tei",
            Severity.ERROR,
            f"root element is <{local_name(root)}>, not TEI's <TEI>; nothing extracted",
            root,
        )
        return Extraction([], ctx.findings)
    corresp = root.findall(f"{T}teiHeader/{T}profileDesc/{T}correspDesc")
    documents: list[DocumentGraph] = []
    lists = authority_lists(root) if not corresp else []
    if lists:
        documents.append(_build_authority(ctx, lists))
    elif len(corresp) > 1:
        used: set[str] = set()
        for n, cd in enumerate(corresp, 1):
            # the archive's slug rule (lower case, single hyphens) holds for each letter too
            stem = slug = f"{ctx.file_slug}-{_corresp_key(cd, n, ctx)}"
            i = 1
            while slug in used:  # two letters with one key: the second is stem-2, and so on
                i += 1
                slug = f"{stem}-{i}"
            used.add(slug)
            documents.append(_build(ctx, slug, cd, whole_file=False))
    else:
        documents.append(
            _build(ctx, ctx.file_slug, corresp[0] if corresp else None, whole_file=True)
        )
    for doc in documents:
        doc.findings = [f for f in ctx.findings]  # file-level findings shared by its documents
    return Extraction(documents, list(ctx.findings))


AUTHORITY_LISTS = {"listPerson", "listPlace", "listOrg", "listBibl", "listEvent", "listNym"}
_AUTHORITY_PROSE = {"head", "p", "ab", "note", "div", "listRelation", "divGen"}


def authority_lists(root: etree._Element) -> list[etree._Element]:
    """The entry lists of an authority file (a personography, placeography, bibliography),
    or nothing when the file is a document.

    An authority file has no correspondence description and its body holds only lists of
    entries, with headings and paragraphs of introduction (in divisions or not); or it has an
    empty body and its lists in ``standOff``.
    """
    body = root.find(f"{T}text/{T}body")
    found: list[etree._Element] = []

    def walk(el: etree._Element) -> bool:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = local_name(child)
            if name in AUTHORITY_LISTS:
                found.append(child)
            elif name == "div":
                if not walk(child):
                    return False
            elif name not in _AUTHORITY_PROSE:
                return False
        return True

    if body is not None and walk(body) and found:
        return found
    standoff = root.find(f"{T}standOff")
    if standoff is not None and (body is None or not text_of(body)):
        return [c for c in standoff if isinstance(c.tag, str) and local_name(c) in AUTHORITY_LISTS]
    return []


def _build_authority(ctx: _FileContext, lists: list[etree._Element]) -> DocumentGraph:
    """An authority file: its entries as entities that documents point at, described in one
    graph whose subject is the file as a dataset (``schema:Dataset``, ``arc:AuthorityFile``),
    not a document: it has no date, sender or text to catalogue."""
    b = _DocBuilder(ctx, ctx.file_slug)
    node = URIRef(ctx.uris.thing("authority", ctx.file_slug))
    b.doc = node
    b.lines[str(node)] = ctx.root.sourceline or 1
    b.add(node, RDF.type, SCHEMA.Dataset)
    b.add(node, RDF.type, ARC.AuthorityFile)
    b.add(node, SCHEMA.identifier, Literal(ctx.file_slug))
    t = own_title(ctx.root, ctx)
    title = text_of(t) if t is not None else None
    if t is not None:
        b.literal(node, SCHEMA.name, title, lang_of(t))
    count = 0
    for lst in lists:
        for entry in lst:
            if isinstance(entry.tag, str) and local_name(entry) in ENTRY_KINDS:
                b.add(node, SCHEMA.about, b.describe(ctx.entry_entity(entry), entry))
                count += 1
    ctx.finding(
        "extract.authority-file",
        Severity.INFO,
        f"an authority file ({count} entries in "
        + ", ".join(sorted({local_name(x) for x in lists}))
        + "): its entries are entities that documents point at; it is not itself a document",
        lists[0],
    )
    _provenance(b, ctx.root.find(f"{T}teiHeader"), title)
    return DocumentGraph(
        slug=ctx.file_slug,
        uri=str(node),
        graph=str(b.graph),
        triples=b.triples,
        source=ctx.parsed.path,
        sha256=ctx.sha256,
        date=None,
        title=title,
        lines=b.lines,
        kind="authority",
        elsewhere=b.elsewhere,
    )


def _corresp_key(cd: etree._Element, n: int, ctx: _FileContext) -> str:
    """A letter's key in its file, as a slug: its xml:id, @key or @n (lower case, so that
    ``R1`` gives ``r1``), else a hash of its @ref, else its position (reported)."""
    for value in (cd.get(XML_ID), cd.get("key"), cd.get("n")):
        if value and value.strip():
            return slugify(value)
    ref = cd.get("ref") or cd.get("sameAs")
    if ref:
        return short_hash(ref)
    ctx.finding(
        "extract.corresp-by-position",
        Severity.INFO,
        f"correspDesc number {n} has no xml:id, @key, @n or @ref; its document is "
        "keyed by its position in the file, which changes if letters are reordered",
        cd,
    )
    return f"c{n}"


def _build(
    ctx: _FileContext, slug: str, corresp: etree._Element | None, whole_file: bool
) -> DocumentGraph:
    b = _DocBuilder(ctx, slug)
    doc = b.doc
    root = ctx.root
    if corresp is not None and not whole_file and corresp.sourceline:
        b.lines[str(doc)] = corresp.sourceline  # a letter of a CMIF file is its correspDesc
    header = root.find(f"{T}teiHeader")
    # -- type ---------------------------------------------------------------------------------
    dtype = _document_type(root, corresp)
    schema_cls, fabio_cls = DOCUMENT_TYPES.get(dtype, (SCHEMA.CreativeWork, None))
    b.add(doc, RDF.type, schema_cls)
    if schema_cls != SCHEMA.CreativeWork:
        b.add(doc, RDF.type, SCHEMA.CreativeWork)
    b.add(doc, RDF.type, fabio_cls)
    b.add(doc, DCTERMS.type, b.concept("document-type", dtype, DOCUMENT_TYPE_LABELS.get(dtype)))
    b.add(doc, SCHEMA.identifier, Literal(slug))
    # -- title, date, language ----------------------------------------------------------------
    title = None
    if whole_file:
        t = own_title(root, ctx)
        if t is not None:
            title = text_of(t)
            b.literal(doc, SCHEMA.name, title, lang_of(t))
    date_el = _date_element(root, corresp, whole_file)
    date_value = None
    original = _original_work(b, root) if whole_file else None
    if date_el is not None and original is not None and date_el.get("type") != "translation":
        # A translation is dated by its original: the dates of creation and sending describe
        # the letter that was written and sent; the translation's own date is not known.
        date_value = _dates(b, original, date_el, SCHEMA.dateCreated)
        b.add(doc, ARC.ownDateUnknown, Literal(True))
        b.add(doc, ARC.originalDate, b.value(original, SCHEMA.dateCreated))
    elif date_el is not None:
        date_value = _dates(b, doc, date_el, SCHEMA.dateCreated)
    if date_el is not None:
        _check_date_plausible(ctx, date_el, date_value, _date_candidates(root, corresp, whole_file))
    elif corresp is not None:
        sent = corresp.find(f"{T}correspAction[@type='sent']/{T}date")
        if sent is not None and text_of(sent):
            ctx.finding(
                "extract.date-text-only",
                Severity.WARNING,
                f'the date "{text_of(sent)}" is given only as text, not as ISO 8601 '
                "(@when, @notBefore, @notAfter); the document has no usable date",
                sent,
                value=text_of(sent),
            )
    lang = _language(root) if whole_file else None
    if lang:
        b.add(doc, SCHEMA.inLanguage, Literal(lang))
    # -- correspondence -------------------------------------------------------------------------
    if corresp is not None:
        _correspondence(b, corresp)
    elif whole_file and (dtype in ("letter", "open-letter") or _looks_like_letter(root)):
        ctx.finding(
            "extract.no-correspdesc",
            Severity.WARNING,
            "a letter with no <correspDesc>: no correspondence metadata was found, so its "
            "senders, addressees, dates and places of sending are unknown to the archive "
            "(add a correspDesc to the profileDesc)",
            header,
        )
    if whole_file and header is not None:
        _manuscript(b, header)
    if corresp is not None and corresp.get("ref"):
        for value in split_pointers(corresp.get("ref")):
            if re.match(r"^https?://", value) and ctx.iri(value, corresp, "@ref"):
                b.add(doc, SCHEMA.url, Literal(value, datatype=XSD.anyURI))
    # -- header: keywords, original, licence ------------------------------------------------
    if whole_file and header is not None:
        for term in header.iterfind(f".//{T}keywords/{T}term"):
            b.literal(doc, SCHEMA.keywords, text_of(term), lang_of(term))
        _original(b, header)
    # -- text: mentions and citations ---------------------------------------------------------
    if whole_file:
        _mentions(b, root)
        for rel in root.iter(f"{T}relation"):
            _relation(b, rel)
    # -- provenance -----------------------------------------------------------------------------
    _provenance(b, header, title)
    return DocumentGraph(
        slug=slug,
        uri=str(doc),
        graph=str(b.graph),
        triples=b.triples,
        source=ctx.parsed.path,
        sha256=ctx.sha256,
        date=date_value,
        title=title,
        lines=b.lines,
        elsewhere=b.elsewhere,
    )


def own_title(root: etree._Element, ctx: _FileContext) -> etree._Element | None:
    """The document's own title: ``title[@type='main']``, else an analytic or monographic
    title (``@level`` a or m), else the first title with no level; never a series or journal
    title (``@level`` s or j), which names what the document belongs to."""
    titles = [
        t for t in root.iterfind(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title") if text_of(t)
    ]
    own = [t for t in titles if t.get("level") not in ("s", "j")]
    for test in (
        lambda t: t.get("type") == "main",
        lambda t: t.get("level") in ("a", "m"),
        lambda t: t.get("type") in (None, "full", "desc") and t.get("level") is None,
        lambda t: t.get("type") != "sub",
    ):
        found = next((t for t in own if test(t)), None)
        if found is not None:
            return found
    if titles:
        ctx.finding(
            "extract.title-series-only",
            Severity.WARNING,
            f"the titleStmt has only series or journal titles (level s or j), such as "
            f'"{text_of(titles[0])}"; they name what the document belongs to, not the '
            "document, which is left without a title",
            titles[0],
        )
    return None


LETTER_PARTS = tuple(f"{T}{n}" for n in ("opener", "closer", "salute", "dateline", "signed"))


def _looks_like_letter(root: etree._Element) -> bool:
    """A text with a letter's parts (opener, closer, salute ...) or a division typed letter."""
    text = root.find(f"{T}text")
    if text is None:
        return False
    if any(True for _ in text.iter(*LETTER_PARTS)):
        return True
    return any(d.get("type") == "letter" for d in text.iter(f"{T}div"))


def _manuscript(b: _DocBuilder, header: etree._Element) -> None:
    """What a manuscript description says of the document: its authors (schema:author), its
    scribes (schema:contributor), and where it was written (schema:locationCreated). Its date
    (history/origin/origDate) is one of the document's date candidates."""
    ctx = b.ctx
    for ms in header.iterfind(f"{T}fileDesc/{T}sourceDesc//{T}msDesc"):
        for author in ms.iterfind(f".//{T}msItem/{T}author"):
            _agents(b, author, SCHEMA.author)
        for resp in ms.iterfind(f".//{T}msItem/{T}respStmt"):
            what = resp.find(f"{T}resp")
            if "scri" in text_of(what if what is not None else resp).lower():
                for name in resp:
                    if isinstance(name.tag, str) and local_name(name) in PARTICIPANTS[:2]:
                        _agents(b, name, SCHEMA.contributor, wrapper=False)
        for hand in ms.iterfind(f".//{T}handNote"):
            for value in split_pointers(hand.get("scribeRef")):
                ptr = classify(value, ctx.prefixes)
                target = ctx.ids.get(ptr.target) if ptr.kind == "local" else None
                if target is not None and local_name(target) in ("person", "personGrp"):
                    node = b.describe(ctx.entry_entity(target), hand)
                    b.add(b.doc, SCHEMA.contributor, node)
            if hand.get("scribe") and not hand.get("scribeRef"):
                node = b.describe(ctx.named("person", hand.get("scribe")), hand)
                b.add(b.doc, SCHEMA.contributor, node)
        for place in ms.iterfind(f".//{T}history/{T}origin/{T}origPlace"):
            names = [n for n in place if isinstance(n.tag, str) and local_name(n) in NAME_KINDS]
            for n in names or [place]:
                if local_name(n) == "origPlace":
                    entities = [ctx.named("place", text_of(n))] if text_of(n) else []
                else:
                    entities = ctx.resolve(n, b.slug)
                for entity in entities:
                    b.add(b.doc, SCHEMA.locationCreated, b.describe(entity, n))


def _agents(b: _DocBuilder, el: etree._Element, prop: URIRef, wrapper: bool = True) -> None:
    """People or organisations an element names (``author`` wraps names; a name is one)."""
    names = (
        [n for n in el if isinstance(n.tag, str) and local_name(n) in PARTICIPANTS]
        if wrapper
        else [el]
    )
    for n in names:
        for entity in b.ctx.resolve(n, b.slug):
            b.add(b.doc, prop, b.describe(entity, n))
    if wrapper and not names and text_of(el):  # a name alone says not whether person or body
        b.literal(b.doc, ARC.authorName, text_of(el), lang_of(el))


def _document_type(root: etree._Element, corresp: etree._Element | None) -> str:
    for cat in root.iterfind(f"{T}teiHeader/{T}profileDesc/{T}textClass/{T}catRef"):
        for value in split_pointers(cat.get("target")):
            key = value.lstrip("#")
            if key in DOCUMENT_TYPES:
                return key
    for div in root.iterfind(f"{T}text/{T}body/{T}div"):
        if div.get("type") in DOCUMENT_TYPES:
            return str(div.get("type"))
    return "letter" if corresp is not None else "document"


def _date_element(
    root: etree._Element, corresp: etree._Element | None, whole_file: bool
) -> etree._Element | None:
    found = _date_candidates(root, corresp, whole_file)
    return found[0] if found else None


def _date_candidates(
    root: etree._Element, corresp: etree._Element | None, whole_file: bool
) -> list[etree._Element]:
    """The elements that date the document's writing, the most authoritative first: its
    creation, the sending, the dateline, the manuscript's origin and catalogue heading."""
    candidates: list[etree._Element | None] = []
    if whole_file:
        candidates.append(root.find(f"{T}teiHeader/{T}profileDesc/{T}creation/{T}date"))
    if corresp is not None:
        candidates.append(corresp.find(f"{T}correspAction[@type='sent']/{T}date"))
    if whole_file:
        candidates.append(root.find(f".//{T}text//{T}dateline//{T}date"))
        candidates.append(
            root.find(f"{T}teiHeader/{T}fileDesc/{T}sourceDesc//{T}msDesc/{T}history//{T}origDate")
        )
        candidates.append(
            root.find(f"{T}teiHeader/{T}fileDesc/{T}sourceDesc/{T}msDesc/{T}head//{T}date")
        )
    if whole_file:  # every date of the catalogue heading, not only its first
        candidates += root.iterfind(
            f"{T}teiHeader/{T}fileDesc/{T}sourceDesc/{T}msDesc/{T}head//{T}date"
        )
    out: list[etree._Element] = []
    for el in candidates:
        if el is None or any(el is o for o in out):
            continue
        if (
            any(el.get(a) for a in ("when", "notBefore", "notAfter", "from", "to"))
            or typed_date(text_of(el)) is not None
        ):
            out.append(el)
    return out


EARLIEST_PLAUSIBLE_YEAR = 1400  # before printing and most archival correspondence
PLAUSIBLE_DISTANCE_YEARS = 5  # from the other dates a document gives for its writing


def _year(value: str | None) -> int | None:
    m = re.match(r"^(-?\d{4,})", (value or "").strip())
    return int(m[1]) if m else None


def _check_date_plausible(
    ctx: _FileContext, el: etree._Element, value: str | None, others: list[etree._Element]
) -> None:
    """A warning, never an error, for a date that is probably a placeholder or a slip
    (``1111-11-11``): before 1400, after today, or more than five years from every other date
    the document gives for its writing. The date is kept as written: the editor decides."""
    year = _year(value)
    if year is None or value is None:
        return
    today = datetime.date.today().isoformat()
    reason = None
    if year < EARLIEST_PLAUSIBLE_YEAR:
        reason = f"it is before {EARLIEST_PLAUSIBLE_YEAR}"
    elif value.strip()[: len(today)] > today[: len(value.strip())]:
        reason = "it is in the future"
    else:
        elsewhere = [
            (
                o,
                _year(
                    o.get("when")
                    or o.get("from")
                    or o.get("notBefore")
                    or o.get("notAfter")
                    or text_of(o)
                ),
            )
            for o in others
            if o is not el
        ]
        # other dates that are themselves placeholders say nothing about this one
        elsewhere = [
            (o, y)
            for o, y in elsewhere
            if y is not None and EARLIEST_PLAUSIBLE_YEAR <= y <= int(today[:4])
        ]
        if elsewhere and all(abs(y - year) > PLAUSIBLE_DISTANCE_YEARS for _, y in elsewhere):
            o, y = elsewhere[0]
            reason = (
                f"the document's other dates of writing are more than "
                f"{PLAUSIBLE_DISTANCE_YEARS} years away (<{local_name(o)}> on line "
                f"{o.sourceline} gives {y})"
            )
    if reason:
        ctx.finding(
            "extract.date-implausible",
            Severity.WARNING,
            f'the document is dated "{value}", which looks like a placeholder or a slip: '
            f"{reason}; the date is kept as written, check it against the source",
            el,
            value=value,
        )


def _dates(b: _DocBuilder, s: URIRef, el: etree._Element, prop: URIRef) -> str | None:
    """Exact date -> ``prop``; partial or conjectured ones -> arc:notBefore/notAfter/certainty."""
    when = el.get("when") or el.get("from")
    if not any(el.get(a) for a in ("when", "from", "notBefore", "notAfter")):
        when = text_of(el) or None  # <date>1951</date>: usable only if the text is ISO 8601
    lit = typed_date(when)
    if when and lit is None:
        b.ctx.finding(
            "extract.date-unreadable",
            Severity.ERROR,
            f'date "{when}" is not ISO 8601; the document has no usable date',
            el,
            value=when,
        )
    b.add(s, prop, lit)
    b.add(s, ARC.notBefore, typed_date(el.get("notBefore")))
    b.add(s, ARC.notAfter, typed_date(el.get("notAfter")))
    if el.get("cert"):
        b.add(s, ARC.dateCertainty, Literal(el.get("cert")))
    if el.get("evidence"):
        b.add(s, ARC.dateEvidence, Literal(el.get("evidence")))
    return when or el.get("notBefore") or el.get("notAfter")


def _language(root: etree._Element) -> str | None:
    text = root.find(f"{T}text")
    if text is not None and lang_of(text):
        return lang_of(text)
    lang = root.find(f"{T}teiHeader/{T}profileDesc/{T}langUsage/{T}language")
    return lang.get("ident") if lang is not None else None


PARTICIPANTS = ("persName", "orgName", "name", "rs")
GROUP_COPY = {SCHEMA.ccRecipient: ARC.ccAudience, SCHEMA.bccRecipient: ARC.bccAudience}


def _correspondence(b: _DocBuilder, corresp: etree._Element) -> None:
    for action in corresp.findall(f"{T}correspAction"):
        atype, subtype = action.get("type"), (action.get("subtype") or "to")
        if atype == "sent":
            prop = SCHEMA.sender
        elif atype == "received":
            prop = {"cc": SCHEMA.ccRecipient, "bcc": SCHEMA.bccRecipient}.get(
                subtype, SCHEMA.toRecipient
            )
        else:
            b.ctx.finding(
                "extract.corresp-action",
                Severity.INFO,
                f'correspAction type="{atype}" is not modelled (only sent/received)',
                action,
            )
            continue
        for el in action:
            if not isinstance(el.tag, str):
                continue
            name = local_name(el)
            if name in PARTICIPANTS:
                if _unknown_participant(el):
                    b.ctx.finding(
                        "extract.participant-unknown",
                        Severity.INFO,
                        f"<{name}>{text_of(el)}</{name}> says the participant is unknown (as "
                        "CMIF writes it): no entity is made, so unknown people are not merged "
                        "into one",
                        el,
                    )
                    continue
                entities = b.ctx.resolve(el, b.slug)
                if not entities and not (el.get("ref") or el.get("key")):  # else reported
                    b.ctx.finding(
                        "extract.participant-unknown",
                        Severity.WARNING,
                        f"<{name}> in correspAction names nobody usable (no @ref and no text)",
                        el,
                    )
                for entity in entities:
                    if entity.kind not in ("person", "org", "group"):
                        b.ctx.finding(
                            "extract.participant-not-agent",
                            Severity.WARNING,
                            f"<{name}> in correspAction points at a {entity.kind}, "
                            "not a person or organisation",
                            el,
                        )
                    node = b.describe(entity, el)
                    if entity.kind == "group" and prop in GROUP_COPY:
                        # ccRecipient and bccRecipient range over Person, Organization and
                        # ContactPoint: a group (schema:Audience) is a recipient (whose range
                        # includes Audience) that received a copy.
                        b.add(b.doc, SCHEMA.recipient, node)
                        b.add(b.doc, GROUP_COPY[prop], node)
                    else:
                        b.add(b.doc, prop, node)
            elif name == "placeName":
                prop = SCHEMA.locationCreated if atype == "sent" else ARC.locationReceived
                for entity in b.ctx.resolve(el, b.slug):
                    b.add(b.doc, prop, b.describe(entity, el))
            elif name == "date" and atype == "received":
                _date_received(b, el)


def _date_received(b: _DocBuilder, el: etree._Element) -> None:
    """When the letter was received (schema:dateReceived): an exact, partial or open date
    (``@when``, ``@from``); a range of receipt dates is not modelled, and said so."""
    value = el.get("when") or el.get("from")
    if value is None and (el.get("notBefore") or el.get("notAfter")):
        b.ctx.finding(
            "extract.receipt-range",
            Severity.INFO,
            "a date of receipt known only as a range (@notBefore/@notAfter) is not modelled; "
            "only an exact or partial date of receipt (@when) is",
            el,
        )
        return
    if value is None and typed_date(text_of(el)) is not None:
        value = text_of(el)
    lit = typed_date(value)
    if value and lit is None:
        b.ctx.finding(
            "extract.date-unreadable",
            Severity.WARNING,
            f'date of receipt "{value}" is not ISO 8601; it is not used',
            el,
            value=value,
        )
    b.add(b.doc, SCHEMA.dateReceived, lit)


UNKNOWN_NAMES = {"unknown", "[unknown]"}  # CMIF's documented marker for an unknown participant


def _unknown_participant(el: etree._Element) -> bool:
    """A name that says nobody is known (CMIF: "if the sender or addressee is unknown please
    indicate this by the string 'Unknown'"), with nothing that identifies anyone."""
    return (
        not (el.get("ref") or el.get("key"))
        and text_of(el).casefold() in UNKNOWN_NAMES
        and not len(el)
    )


def _original_work(b: _DocBuilder, root: etree._Element) -> URIRef | None:
    """The node of the original a translation translates (relatedItem type="original")."""
    rel = root.find(f"{T}teiHeader/{T}fileDesc/{T}sourceDesc//{T}relatedItem[@type='original']")
    return URIRef(b.ctx.uris.thing("work", f"{b.slug}-original")) if rel is not None else None


def _original(b: _DocBuilder, header: etree._Element) -> None:
    for rel in header.iterfind(f"{T}fileDesc/{T}sourceDesc//{T}relatedItem[@type='original']"):
        work = URIRef(b.ctx.uris.thing("work", f"{b.slug}-original"))
        b.add(b.doc, SCHEMA.translationOfWork, work)
        b.add(work, RDF.type, SCHEMA.CreativeWork)
        b.note_line(work, rel)
        for lang in rel.iterfind(f".//{T}textLang"):
            if lang.get("mainLang"):
                b.add(work, SCHEMA.inLanguage, Literal(lang.get("mainLang")))
        for title in rel.iterfind(f".//{T}title"):
            b.literal(work, SCHEMA.name, text_of(title), lang_of(title))
        for note in rel.iterfind(f".//{T}note"):
            b.literal(work, SCHEMA.description, text_of(note), lang_of(note))


MENTION_TAGS = tuple(f"{T}{n}" for n in ("persName", "orgName", "placeName", "rs", "name", "title"))


def _mentions(b: _DocBuilder, root: etree._Element) -> None:
    text = root.find(f"{T}text")
    if text is None:
        return
    for entry in text.iter(*ENTRY_TAGS):  # lists in the text: a personography names them all
        if local_name(entry.getparent()).startswith("list") and not _inside_entry(entry):
            b.add(b.doc, SCHEMA.mentions, b.describe(b.ctx.entry_entity(entry), entry))
    for el in text.iter(*MENTION_TAGS):
        if local_name(el) == "title" and not el.get("ref"):
            continue  # a title without a pointer is just a title
        if _inside_entry(el):
            continue  # the name of an entry describes it; it is not a mention
        for entity in b.ctx.resolve(el, b.slug):
            node = b.describe(entity, el)
            if entity.kind == "work":
                _cite(b, node, el)
            else:
                b.add(b.doc, SCHEMA.mentions, node)
    for bibl in text.iter(f"{T}bibl"):
        if bibl.get("corresp"):
            for entity in b.ctx.resolve(bibl, b.slug):
                _cite(b, b.describe(entity, bibl), bibl)


ENTRY_TAGS = tuple(f"{T}{n}" for n in ("person", "personGrp", "org", "place", "event"))


def _inside_entry(el: etree._Element) -> bool:
    for a in el.iterancestors():
        name = local_name(a)
        if name in ("person", "personGrp", "org", "place", "event"):
            return True
        if name in ("bibl", "biblStruct") and local_name(a.getparent()) == "listBibl":
            return True
    return False


def _cite(b: _DocBuilder, work: URIRef, el: etree._Element) -> None:
    """cito:cites always, the precise CiTO function where the text gives one, schema:citation."""
    b.add(b.doc, CITO.cites, work)
    b.add(b.doc, SCHEMA.citation, work)
    holder = (
        el
        if el.get("ana")
        else next((a for a in el.iterancestors(f"{T}bibl") if a.get("ana")), None)
    )
    if holder is None:
        return
    for value in split_pointers(holder.get("ana")):
        ptr = classify(value, b.ctx.prefixes)
        if (
            ptr.kind in ("prefixed", "uri")
            and ptr.target.startswith(CITO_NS)
            and b.ctx.iri(ptr.target, holder, "@ana")
        ):
            b.add(b.doc, URIRef(ptr.target), work)


def _relation(b: _DocBuilder, rel: etree._Element) -> None:
    prop = RELATIONS.get(rel.get("ref") or "")
    if prop is None:
        b.ctx.finding(
            "extract.relation-unknown",
            Severity.INFO,
            f'<relation ref="{rel.get("ref")}" name="{rel.get("name")}"> is not a '
            "relation the profile models; ignored",
            rel,
        )
        return
    for a in split_pointers(rel.get("active")):
        for p in split_pointers(rel.get("passive")):
            ea, ep = b.ctx.ids.get(a.lstrip("#")), b.ctx.ids.get(p.lstrip("#"))
            if ea is None or ep is None:
                continue  # dangling pointers are reported by the integrity rules
            unit = b.describe(b.ctx.entry_entity(ea), rel)
            parent = b.describe(b.ctx.entry_entity(ep), rel)
            b.add(unit, prop, parent)
            b.add(unit, RDF.type, ORG.OrganizationalUnit)


def _provenance(b: _DocBuilder, header: etree._Element | None, title: str | None) -> None:
    ctx = b.ctx
    f = ni_uri(ctx.sha256)
    g = b.graph
    if not str(b.doc).startswith(ctx.uris.thing("authority", "")):
        b.add(b.doc, SCHEMA.encoding, f)  # a document is encoded by its TEI file
    b.add(g, RDF.type, PROV.Entity)
    b.add(g, SCHEMA.about, b.doc)
    b.add(g, PROV.wasDerivedFrom, f)
    b.add(f, RDF.type, PROV.Entity)
    b.add(f, RDF.type, SCHEMA.MediaObject)
    b.add(f, SCHEMA.sha256, Literal(ctx.sha256))
    b.add(f, SCHEMA.encodingFormat, Literal("application/tei+xml"))
    if ctx.parsed.path is not None:
        b.add(f, SCHEMA.name, Literal(ctx.parsed.path.name))
    if header is not None:
        for lic in header.iterfind(f"{T}fileDesc/{T}publicationStmt/{T}availability/{T}licence"):
            # @target is a list of pointers (teidata.pointer+): each is one licence IRI.
            targets = [t for t in split_pointers(lic.get("target")) if ctx.iri(t, lic, "@target")]
            for target in targets:
                b.add(f, SCHEMA.license, URIRef(target))
            if not targets and text_of(lic):
                b.literal(f, SCHEMA.license, text_of(lic), lang_of(lic))
    activity = b.bnode("extraction")
    agent = URIRef(ctx.uris.thing("agent", f"{TOOL_NAME}-{__version__}"))
    b.add(g, PROV.wasGeneratedBy, activity)
    b.add(activity, RDF.type, PROV.Activity)
    b.add(activity, RDFS.label, Literal("TEI to RDF extraction", lang="en"))
    b.add(activity, PROV.used, f)
    b.add(activity, PROV.wasAssociatedWith, agent)
    b.add(agent, RDF.type, PROV.SoftwareAgent)
    b.add(agent, RDF.type, SCHEMA.SoftwareApplication)
    b.add(agent, SCHEMA.name, Literal(TOOL_NAME))
    b.add(agent, SCHEMA.softwareVersion, Literal(__version__))


def extract_many(paths: Iterable[Path], base: str | None = None) -> Extraction:
    """Extract several files into one Extraction (documents and findings concatenated)."""
    out = Extraction()
    for path in paths:
        one = extract_file(path, base)
        out.documents.extend(one.documents)
        out.findings.extend(one.findings)
    return out
