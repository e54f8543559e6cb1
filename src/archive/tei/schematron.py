"""A small ISO Schematron processor (XPath 2.0, on lxml trees) for published rule files.

CMIF's Schematron declares ``queryBinding="xslt2"`` (it uses ``matches()``), which lxml's
XSLT 1.0 Schematron cannot run, and the pure-Python packages that can need a newer Python.
This module interprets the schema directly with elementpath's XPath 2.0: patterns, rules
(each node is handled by the first rule of a pattern whose context matches it, as ISO
Schematron says), ``assert`` and ``report`` with their ``role``, ``id`` and messages
(``value-of`` and ``name`` are filled in), ``let`` variables, and ``ns`` prefixes.

What it does not implement (abstract patterns and rules, ``extends``, phases, XSLT functions)
makes :func:`load_schematron` raise :class:`SchemaUnavailable` rather than check less than the
schema says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import elementpath
from elementpath import XPath2Parser, XPathContext
from lxml import etree

from archive.errors import SchemaUnavailable

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
S = f"{{{SCH_NS}}}"
SUPPORTED_BINDINGS = {None, "xslt2", "xpath2", "xslt3", "xpath3", "xpath31"}


@dataclass(frozen=True)
class Check:
    """One ``assert`` (fires when its test is false) or ``report`` (fires when true)."""

    kind: str  # "assert" or "report"
    test: str
    id: str | None
    role: str | None
    message: etree._Element


@dataclass(frozen=True)
class Rule:
    context: str
    lets: tuple[tuple[str, str], ...]
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Pattern:
    id: str | None
    lets: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Failure:
    """A check that fired: where (element and line), its id, role and message."""

    pattern: str | None
    id: str | None
    role: str | None
    message: str
    line: int | None
    location: str


@dataclass
class Schematron:
    title: str
    namespaces: dict[str, str]
    lets: tuple[tuple[str, str], ...]
    patterns: tuple[Pattern, ...]

    def validate(self, tree: etree._ElementTree | etree._Element) -> list[Failure]:
        """Every check that fires on the document, in pattern order, then document order."""
        doc = tree if isinstance(tree, etree._ElementTree) else tree.getroottree()
        parser = XPath2Parser(namespaces=self.namespaces)
        self._root = XPathContext(doc).root
        failures: list[Failure] = []
        variables = self._bind(parser, doc, None, self.lets, {})
        for pattern in self.patterns:
            pvars = self._bind(parser, doc, None, pattern.lets, variables)
            handled: set[object] = set()
            for rule in pattern.rules:
                for node in self._matches(parser, doc, rule.context, pvars):
                    key = _node_key(node)
                    if key in handled:
                        continue  # an earlier rule of this pattern took the node
                    handled.add(key)
                    rvars = self._bind(parser, doc, node, rule.lets, pvars)
                    for check in rule.checks:
                        value = self._boolean(parser, doc, node, check.test, rvars)
                        if value == (check.kind == "report"):
                            failures.append(self._failure(parser, doc, node, pattern, check, rvars))
        return failures

    # -- evaluation -----------------------------------------------------------------------

    def _context(self, doc: object, node: object, variables: dict) -> XPathContext:
        """A context on the document's one node tree (building a tree per test costs O(n))."""
        return XPathContext(self._root, item=node, variables=dict(variables))

    def _bind(self, parser, doc, node, lets, inherited: dict) -> dict:
        out = dict(inherited)
        for name, expr in lets:
            ctx = self._context(doc, node, out)
            try:
                out[name] = parser.parse(expr).evaluate(ctx)
            except elementpath.ElementPathError as exc:
                raise SchemaUnavailable(f"Schematron <let name={name!r}>: {exc}") from None
        return out

    def _matches(self, parser, doc, context: str, variables: dict) -> list[object]:
        """Nodes an XSLT match pattern matches: its branches evaluated from the root."""
        nodes: list[object] = []
        for branch in _split_union(context):
            expr = branch if branch.startswith("/") else "//" + branch
            try:
                found = list(parser.parse(expr).select(self._context(doc, None, variables)))
            except elementpath.ElementPathError as exc:
                raise SchemaUnavailable(f"Schematron rule context {context!r}: {exc}") from None
            nodes.extend(found)
        return nodes

    def _boolean(self, parser, doc, node, test: str, variables: dict) -> bool:
        try:
            token = parser.parse(test)
            return bool(token.boolean_value(token.select(self._context(doc, node, variables))))
        except elementpath.ElementPathError as exc:
            raise SchemaUnavailable(f"Schematron test {test!r}: {exc}") from None

    def _failure(self, parser, doc, node, pattern: Pattern, check: Check, variables) -> Failure:
        parts: list[str] = []
        msg = check.message
        if msg.text:
            parts.append(msg.text)
        for child in msg:
            if child.tag == f"{S}value-of":
                ctx = self._context(doc, node, variables)
                try:
                    value = parser.parse(child.get("select", ".")).evaluate(ctx)
                except elementpath.ElementPathError:
                    value = ""
                parts.append(_string(value))
            elif child.tag == f"{S}name":
                element = _element_of(node)
                parts.append(etree.QName(element).localname if element is not None else "")
            elif isinstance(child.tag, str):
                parts.append("".join(child.itertext()))
            if child.tail:
                parts.append(child.tail)
        element = _element_of(node)
        location = doc.getpath(element) if element is not None else "/"
        if _is_attribute(node):
            location += f"/@{getattr(node, 'name', '')}"
        return Failure(
            pattern=pattern.id,
            id=check.id,
            role=check.role,
            message=" ".join("".join(parts).split()),
            line=element.sourceline if element is not None else None,
            location=location,
        )


def _split_union(context: str) -> list[str]:
    """Top-level ``|`` branches of a match pattern (not inside brackets, parentheses, quotes)."""
    branches, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(context):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(context[start:i].strip())
            start = i + 1
    branches.append(context[start:].strip())
    return [b for b in branches if b]


def _is_attribute(node: object) -> bool:
    return type(node).__name__.endswith("AttributeNode")


def _element_of(node: object) -> etree._Element | None:
    """The lxml element a node is, or belongs to (an attribute's parent element)."""
    if isinstance(node, etree._Element):
        return node
    if _is_attribute(node):
        parent = getattr(node, "parent", None)
        return _element_of(parent) if parent is not None else None
    for attr in ("elem", "value", "obj"):
        inner = getattr(node, attr, None)
        if isinstance(inner, etree._Element):
            return inner
    return None


def _node_key(node: object) -> object:
    element = _element_of(node)
    if _is_attribute(node):
        return (id(element), getattr(node, "name", None))
    return id(element) if element is not None else id(node)


def _string(value: object) -> str:
    if isinstance(value, list):
        return " ".join(_string(v) for v in value)
    if isinstance(value, etree._Element):
        return "".join(value.itertext())
    return str(getattr(value, "string_value", value) if _is_attribute(value) else value)


def load_schematron(path: Path) -> Schematron:
    """Read an ISO Schematron file; refuse what this processor cannot run faithfully."""
    try:
        root = etree.parse(
            str(path), etree.XMLParser(resolve_entities=False, no_network=True)
        ).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"Schematron {path}: cannot be read: {exc}") from None
    if root.tag != f"{S}schema":
        raise SchemaUnavailable(f"Schematron {path}: the root is not ISO Schematron's <schema>")
    binding = root.get("queryBinding")
    if binding not in SUPPORTED_BINDINGS:
        raise SchemaUnavailable(f"Schematron {path}: queryBinding {binding!r} is not supported")
    unsupported = [
        el
        for el in root.iter()
        if (el.tag in (f"{S}pattern", f"{S}rule") and el.get("abstract") == "true")
        or el.tag in (f"{S}extends", f"{S}phase", f"{S}include")
        or (el.tag == f"{S}pattern" and el.get("is-a"))
    ]
    if unsupported:
        raise SchemaUnavailable(
            f"Schematron {path}: uses <{etree.QName(unsupported[0]).localname}> "
            f"(line {unsupported[0].sourceline}), which this processor does not implement"
        )
    namespaces = {ns.get("prefix"): ns.get("uri") for ns in root.findall(f"{S}ns")}

    def lets(el: etree._Element) -> tuple[tuple[str, str], ...]:
        return tuple((x.get("name"), x.get("value", "()")) for x in el.findall(f"{S}let"))

    patterns = []
    for pat in root.findall(f"{S}pattern"):
        rules = []
        for rule in pat.findall(f"{S}rule"):
            checks = tuple(
                Check(etree.QName(c).localname, c.get("test", ""), c.get("id"), c.get("role"), c)
                for c in rule
                if c.tag in (f"{S}assert", f"{S}report")
            )
            rules.append(Rule(rule.get("context", ""), lets(rule), checks))
        patterns.append(Pattern(pat.get("id"), lets(pat), tuple(rules)))
    title = root.find(f"{S}title")
    return Schematron(
        title=" ".join("".join(title.itertext()).split()) if title is not None else path.name,
        namespaces=namespaces,
        lets=lets(root),
        patterns=tuple(patterns),
    )
