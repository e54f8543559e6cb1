"""The W3C SHACL validation report, written as Turtle text straight from the results.

Building the report as an rdflib graph and serialising it costs far more than validating; here
each result is written once, in a fixed order, so that the same input gives the same bytes:

* ``sh:conforms`` is false as soon as there is any result, warnings and infos included (SHACL
  3.1: a report conforms only when it has no result; the archive's own verdict, which lets
  warnings pass, is separate);
* each result is its own statement ``_:report sh:result [ ... ] .``, so reports of several
  files merge by concatenation (:func:`merge_reports`);
* paths are written out in full for each result (``( ex:a ex:b )``, ``[ sh:inversePath ex:p ]``),
  nested sh:node results as ``sh:detail``; blank nodes of the data are labelled per file,
  anonymous shapes by a label derived from what they say, the same in every run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from archive.rdf.namespaces import PREFIXES, SH

_SH = str(SH)
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
HEADER_END = "# results\n"


class ReportCache:
    """What a report of one shapes graph writes again and again, rendered once: prefixes, IRIs
    (those of the shapes and, up to a bound, of the data), paths and shape terms. Kept on the
    compiled program (:attr:`CompiledShapes.report_cache`), so every report of a run shares it."""

    IRI_LIMIT = 50_000  # data IRIs remembered; past it the cache starts again

    def __init__(self, sg: Graph) -> None:
        self.sg = sg
        self.prefixes: dict[str, str] = {}
        for prefix, ns in sg.namespace_manager.namespaces():
            if prefix and str(ns) not in self.prefixes.values():
                self.prefixes.setdefault(prefix, str(ns))
        for prefix, ns in PREFIXES.items():
            if prefix not in self.prefixes and str(ns) not in self.prefixes.values():
                self.prefixes[prefix] = str(ns)
        self.prefixes["sh"] = _SH
        self._by_ns = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: -len(x[0]))
        self.iris: dict[str, tuple[str, str | None]] = {}
        self.paths: dict[Node, tuple[str, frozenset[str]]] = {}

    def iri(self, node: URIRef | str) -> tuple[str, str | None]:
        """The IRI as Turtle (a prefixed name where one fits), and the prefix it uses."""
        text = str(node)
        hit = self.iris.get(text)
        if hit is not None:
            return hit
        found: tuple[str, str | None] = (
            "<" + text.replace(">", "%3E").replace(" ", "%20") + ">",
            None,
        )
        for ns, prefix in self._by_ns:
            if text.startswith(ns):
                local = text[len(ns) :]
                if local == "" or _LOCAL.match(local):
                    found = (f"{prefix}:{local}", prefix)
                    break
        if len(self.iris) >= self.IRI_LIMIT:
            self.iris.clear()
        self.iris[text] = found
        return found

    def path(self, node: Node) -> tuple[str, frozenset[str]]:
        hit = self.paths.get(node)
        if hit is None:
            used: set[str] = set()
            hit = (self._path(node, used, 0), frozenset(used))
            self.paths[node] = hit
        return hit

    def _path(self, node: Node, used: set[str], depth: int) -> str:
        sg = self.sg
        if isinstance(node, URIRef) or depth > 20:
            if not isinstance(node, URIRef):
                return node.n3()
            text, prefix = self.iri(node)
            if prefix:
                used.add(prefix)
            return text
        if (node, RDF.first, None) in sg:
            return "( " + " ".join(self._path(p, used, depth + 1) for p in sg.items(node)) + " )"
        for key in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            inner = sg.value(node, key)
            if inner is not None:
                step = self._path(key, used, depth + 1)
                return f"[ {step} {self._path(inner, used, depth + 1)} ]"
        alt = sg.value(node, SH.alternativePath)
        if alt is not None:
            used.add("sh")
            members = " ".join(self._path(p, used, depth + 1) for p in sg.items(alt))
            return f"[ sh:alternativePath ( {members} ) ]"
        return "[]"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class _Writer:
    def __init__(self, cache: ReportCache, bnode_prefix: str) -> None:
        self.cache = cache
        self.sg = cache.sg
        self.bnode_prefix = bnode_prefix
        self.prefixes = cache.prefixes
        self.data_bnodes: dict[Node, str] = {}
        self.used: set[str] = {"sh"}

    def iri(self, node: URIRef) -> str:
        text, prefix = self.cache.iri(node)
        if prefix is not None:
            self.used.add(prefix)
        return text

    def literal(self, lit: Literal) -> str:
        text = _escape(str(lit))
        if lit.language:
            return f'"{text}"@{lit.language}'
        datatype = lit.datatype
        if datatype is not None and str(datatype) != _XSD_STRING:
            return f'"{text}"^^{self.iri(datatype)}'
        return f'"{text}"'

    def data_term(self, node: Node) -> str:
        t = type(node)
        if t is URIRef:
            return self.iri(node)  # type: ignore[arg-type]
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            label = self.data_bnodes.get(node)
            if label is None:
                label = f"_:{self.bnode_prefix}{len(self.data_bnodes)}"
                self.data_bnodes[node] = label
            return label
        return self.iri(node)  # type: ignore[arg-type]

    def shape_term(self, shape: Any) -> str:
        node = shape.node
        if isinstance(node, BNode):
            return "_:shape_" + shape_key(shape)
        return self.iri(node)

    def path(self, node: Node, depth: int = 0) -> str:
        text, used = self.cache.path(node)
        self.used |= used
        return text

    def _fixed(self, r: Any) -> list[str]:
        """The lines of a result that depend only on its shape and component (rendered once per
        shape and component, kept on the compiled shape)."""
        shape = r.shape
        iri = r.component.iri
        cache = shape.__dict__.setdefault("_report_lines", {})
        hit = cache.get(iri)
        if hit is None:
            outer = self.used
            self.used = set()
            lines = [
                f"sh:resultSeverity {self.iri(shape.severity)}",
                f"sh:sourceConstraintComponent {self.iri(iri)}",
                f"sh:sourceShape {self.shape_term(shape)}",
            ]
            hit = (lines, frozenset(self.used))
            cache[iri] = hit
            self.used = outer
        self.used |= hit[1]
        return hit[0]

    def result(self, r: Any, indent: str) -> str:
        inner = indent + "    "
        lines = [
            f"{inner}a sh:ValidationResult",
            f"{inner}sh:focusNode {self.data_term(r.focus)}",
        ]
        path = r.path_node
        if path is not None:
            lines.append(
                f"{inner}sh:resultPath "
                + (self.iri(path) if isinstance(path, URIRef) else self.path(path))
            )
        lines.extend(inner + line for line in self._fixed(r))
        if r.value is not None:
            lines.append(f"{inner}sh:value {self.data_term(r.value)}")
        if r.messages is None and not r.shape.messages:  # the component's own words
            lines.append(f'{inner}sh:resultMessage "{_escape(r.component.describe(r))}"')
        else:
            for m in r.all_messages():
                if isinstance(m, Literal):
                    lines.append(f"{inner}sh:resultMessage {self.literal(m)}")
        for d in sorted(r.details or (), key=_order):
            lines.append(f"{inner}sh:detail [\n{self.result(d, inner)}\n{inner}]")
        return " ;\n".join(lines)

    def header(self, conforms: bool) -> str:
        out = [
            f"@prefix {p}: <{ns}> ." for p, ns in sorted(self.prefixes.items()) if p in self.used
        ]
        out.append("")
        out.append("_:report a sh:ValidationReport ;")
        out.append(f"    sh:conforms {'true' if conforms else 'false'} .")
        out.append("")
        return "\n".join(out) + "\n"


def _order(r: Any) -> tuple[str, ...]:
    def key(n: Node | None) -> str:
        if n is None:
            return ""
        return "" if isinstance(n, BNode) else n.n3()

    return (
        key(r.focus),
        str(r.shape.path_text or ""),
        str(r.component.iri),
        r.shape.rule,
        key(r.value),
    )


def shape_key(shape: Any) -> str:
    """A label for an anonymous shape that is the same in every run (blank node ids are not)."""
    cached = getattr(shape, "_report_key", None)
    if cached is None:
        text = f"{shape.rule}|{shape.path_text}|{shape.label}"
        cached = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        shape._report_key = cached
    return cached


def write_report(
    sg: Graph,
    docs: Iterable[tuple[Any, list[Any]]],
    bnode_prefix: str = "b",
    cache: ReportCache | None = None,
) -> str:
    """One ``sh:ValidationReport`` for the results of one or more document graphs (``cache``:
    the compiled program's, so that what does not change is rendered once per run)."""
    w = _Writer(cache if cache is not None and cache.sg is sg else ReportCache(sg), bnode_prefix)
    body: list[str] = []
    conforms = True
    for _doc, results in docs:
        for r in sorted(results, key=_order):
            conforms = False
            body.append(f"_:report sh:result [\n{w.result(r, '')}\n] .\n")
    return w.header(conforms) + HEADER_END + "".join(body)


def file_prefix(label: str) -> str:
    """Blank-node labels of one file's report, distinct from every other file's."""
    return "f" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:10] + "_"


def merge_reports(texts: Iterable[str]) -> str:
    """Reports written by :func:`write_report` (with distinct blank-node prefixes), as one."""
    prefixes: dict[str, str] = {}
    bodies: list[str] = []
    conforms = True
    for text in texts:
        head, _, body = text.partition(HEADER_END)
        for line in head.splitlines():
            if line.startswith("@prefix "):
                prefixes.setdefault(line, line)
            elif line.strip() == "sh:conforms false .":
                conforms = False
        bodies.append(body)
    out = [*sorted(prefixes), "", "_:report a sh:ValidationReport ;"]
    out.append(f"    sh:conforms {'true' if conforms else 'false'} .")
    return "\n".join(out) + "\n\n" + HEADER_END + "".join(bodies)
