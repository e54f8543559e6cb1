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


class _Writer:
    def __init__(self, sg: Graph, bnode_prefix: str) -> None:
        self.sg = sg
        self.bnode_prefix = bnode_prefix
        self.prefixes: dict[str, str] = {}
        for prefix, ns in sg.namespace_manager.namespaces():
            if prefix and str(ns) not in self.prefixes.values():
                self.prefixes.setdefault(prefix, str(ns))
        for prefix, ns in PREFIXES.items():
            if prefix not in self.prefixes and str(ns) not in self.prefixes.values():
                self.prefixes[prefix] = str(ns)
        self.prefixes["sh"] = _SH
        self._by_ns = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: -len(x[0]))
        self.data_bnodes: dict[Node, str] = {}
        self.used: set[str] = {"sh"}

    def iri(self, node: URIRef) -> str:
        text = str(node)
        for ns, prefix in self._by_ns:
            if text.startswith(ns):
                local = text[len(ns) :]
                if local == "" or _LOCAL.match(local):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return "<" + text.replace(">", "%3E").replace(" ", "%20") + ">"

    def literal(self, lit: Literal) -> str:
        text = (
            str(lit)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        if lit.language:
            return f'"{text}"@{lit.language}'
        if (
            lit.datatype is not None
            and str(lit.datatype) != "http://www.w3.org/2001/XMLSchema#string"
        ):
            return f'"{text}"^^{self.iri(lit.datatype)}'
        return f'"{text}"'

    def data_term(self, node: Node) -> str:
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
        sg = self.sg
        if isinstance(node, URIRef) or depth > 20:
            return self.iri(node) if isinstance(node, URIRef) else node.n3()
        if (node, RDF.first, None) in sg:
            return "( " + " ".join(self.path(p, depth + 1) for p in sg.items(node)) + " )"
        for key in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            inner = sg.value(node, key)
            if inner is not None:
                return f"[ {self.iri(key)} {self.path(inner, depth + 1)} ]"
        alt = sg.value(node, SH.alternativePath)
        if alt is not None:
            members = " ".join(self.path(p, depth + 1) for p in sg.items(alt))
            return f"[ sh:alternativePath ( {members} ) ]"
        return "[]"

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
        lines.append(f"{inner}sh:resultSeverity {self.iri(r.severity)}")
        lines.append(f"{inner}sh:sourceConstraintComponent {self.iri(r.component.iri)}")
        lines.append(f"{inner}sh:sourceShape {self.shape_term(r.shape)}")
        if r.value is not None:
            lines.append(f"{inner}sh:value {self.data_term(r.value)}")
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


def write_report(sg: Graph, docs: Iterable[tuple[Any, list[Any]]], bnode_prefix: str = "b") -> str:
    """One ``sh:ValidationReport`` for the results of one or more document graphs."""
    w = _Writer(sg, bnode_prefix)
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
