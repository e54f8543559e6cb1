"""Fast SHACL validation of document graphs: the project's shapes compiled once, run on indexes.

pySHACL rebuilds its view of the shapes and walks rdflib graphs for every document, which
costs tens of milliseconds per small graph. Here the shapes graph is compiled once into plain
Python objects (targets, paths, constraint components), and each document is validated on two
small dictionaries built from its triples (subject -> predicate -> objects and
predicate -> object -> subjects). No rdflib Graph is built in the hot path.

The engine gives *exactly* the findings :func:`archive.shacl.validate_document` gives, so it
copies pySHACL's behaviour where pySHACL makes a choice the SHACL spec leaves open:

* severities: with ``allow_warnings`` a shape of severity sh:Warning or sh:Info always
  "conforms" (this matters inside sh:or and for ``conforms``);
* sh:node: a value fails when the nested validation produced any result, and the nested
  results are kept as ``sh:detail`` of the sh:node result (and are findings too);
* sh:datatype: a literal is ill-typed when rdflib says so (rdflib checks xsd:date,
  xsd:dateTime, numbers ...; it has no check for xsd:gYear / xsd:gYearMonth);
* results without sh:message get pySHACL's generic messages.

Anything the compiler does not implement (sh:in, sh:closed, zero-or-more paths, SPARQL
constraints, recursive shapes ...) is refused with :class:`UnsupportedShapes` when the shapes
are compiled, never skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from archive.errors import UnsupportedShapes
from archive.findings import Finding, Layer, Severity
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import SH, bind_all
from archive.shacl.reference import (
    SEVERITIES,
    ShaclResult,
    load_shapes,
    shape_names,
)
from archive.shacl.reference import (
    local_name as _local,
)
from archive.shacl.reference import (
    n3 as _n3,
)
from archive.shacl.reference import (
    path_text as _path_text,
)

DEFAULT_MESSAGE = "SHACL constraint violated"  # what archive.shacl says when a result has none
ALLOWED_SEVERITIES = frozenset({SH.Warning, SH.Info})  # pySHACL's allow_warnings=True
MAX_DEPTH = 15  # pySHACL's max_validation_depth

_TYPE = RDF.type  # namespace attribute look-ups are slow in the hot path
_SUBCLASS = RDFS.subClassOf
_EMPTY: frozenset = frozenset()
_EMPTY_D: dict = {}
_NO_RESULTS: list = []

# Predicates that may appear on a shape: the constraint parameters this engine implements,
# the targets, and the non-validating properties. Any other sh: predicate is refused.
_PARAMETERS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.pattern,
    SH.hasValue,
    SH.equals,
    SH["or"],
    SH.node,
    SH.property,
}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_OTHER_ALLOWED = {
    SH.path,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.deactivated,
    SH.flags,
}
_PATH_PREDICATES = {SH.alternativePath, SH.inversePath}
_DECLARATIONS = {SH.declare, SH.prefix, SH.namespace}  # prefix declarations for SPARQL
_NODE_KINDS = {
    SH.IRI,
    SH.BlankNode,
    SH.Literal,
    SH.BlankNodeOrIRI,
    SH.BlankNodeOrLiteral,
    SH.IRIOrLiteral,
}


# ---------------------------------------------------------------------------------------------
# Per-document data: two indexes over the document's triples
# ---------------------------------------------------------------------------------------------


class _Data:
    """What the compiled shapes need to know about one document graph."""

    __slots__ = ("_dg", "_supers", "doc", "inn", "out")

    def __init__(
        self, doc: DocumentGraph, triples: Iterable, fwd: dict[Node, Node], inv: dict[Node, Node]
    ) -> None:
        # fwd / inv map each indexed predicate to the one term object the compiled shapes look
        # it up with, so that later look-ups hit by identity (rdflib's __eq__ is slow Python).
        out: dict[Node, dict[Node, set[Node]]] = {}
        inn: dict[Node, dict[Node, set[Node]]] = {}
        for s, p, o in triples:
            fp = fwd.get(p)
            ip = inv.get(p)
            if fp is not None:
                p = fp
                d = out.get(s)
                if d is None:
                    out[s] = {p: {o}}
                else:
                    vs = d.get(p)
                    if vs is None:
                        d[p] = {o}
                    else:
                        vs.add(o)
            if ip is not None:
                p = ip
                d = inn.get(p)
                if d is None:
                    inn[p] = {o: {s}}
                else:
                    vs = d.get(o)
                    if vs is None:
                        d[o] = {s}
                    else:
                        vs.add(s)
        self.out = out
        self.inn = inn
        self.doc = doc
        self._supers: dict[Node, set[Node]] = {}
        self._dg: Any = None

    def supers(self, cls: Node) -> set[Node]:
        """``cls`` and everything it is an rdfs:subClassOf, transitively (cycle-safe)."""
        found = self._supers.get(cls)
        if found is None:
            found = {cls}
            todo = [cls]
            out = self.out
            while todo:
                for up in out.get(todo.pop(), _EMPTY_D).get(_SUBCLASS, _EMPTY):
                    if up not in found:
                        found.add(up)
                        todo.append(up)
            self._supers[cls] = found
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        """SHACL instance: ``node rdf:type/rdfs:subClassOf* cls`` in the data graph."""
        if _is_literal(node):
            return False
        supers = self.supers
        return any(cls in supers(t) for t in self.out.get(node, _EMPTY_D).get(_TYPE, ()))

    def instances(self, cls: Node) -> set[Node]:
        types = self.inn.get(_TYPE, _EMPTY_D)
        subs = self.inn.get(_SUBCLASS, _EMPTY_D)
        found = set(types.get(cls, ()))
        seen = {cls}
        todo = [cls]
        while todo:
            for sub in subs.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
                    found.update(types.get(sub, ()))
        return found

    def data_graph(self) -> Any:
        """The document as pySHACL sees it; only built to word generic messages or reports."""
        if self._dg is None:
            from pyshacl.graph_abstraction import DataGraph

            self._dg = DataGraph.from_rdflib(self.doc.to_graph())
        return self._dg


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class _Result:
    """One validation result, as pySHACL would put it in the report."""

    __slots__ = ("component", "details", "focus", "shape", "value")

    def __init__(
        self,
        shape: _Shape,
        component: _Component,
        focus: Node,
        value: Node | None = None,
        details: list[_Result] | None = None,
    ) -> None:
        self.shape = shape
        self.component = component
        self.focus = focus
        self.value = value
        self.details = details

    def messages(self, data: _Data) -> list[Node]:
        if self.shape.messages:
            return list(self.shape.messages)
        return [Literal(self.component.generic_message(self, data))]

    def walk(self) -> Iterator[_Result]:
        """This result and its sh:detail results, depth first."""
        yield self
        for d in self.details or ():
            yield from d.walk()


# ---------------------------------------------------------------------------------------------
# Constraint components
# ---------------------------------------------------------------------------------------------

FocusValues = list[tuple[Node, Any]]  # (focus node, its value nodes)


def _is_literal(v: Node) -> bool:
    """isinstance through rdflib's ABC metaclass is slow; exact types first."""
    t = type(v)
    return t is Literal or (t is not URIRef and t is not BNode and isinstance(v, Literal))


def _is_bnode(v: Node) -> bool:
    t = type(v)
    return t is BNode or (t is not URIRef and t is not Literal and isinstance(v, BNode))


class _Component:
    """One constraint component of one shape.

    ``evaluate`` is pySHACL's ``ConstraintComponent.evaluate``: (conforms, results) over all
    focus nodes. ``passes`` answers, without building results, whether evaluating one focus
    node would give no result at all; the hot path asks it first.
    """

    iri: URIRef = SH.ConstraintComponent
    shape: _Shape

    def evaluate(self, data: _Data, fvn: FocusValues) -> tuple[bool, list[_Result]]:
        raise NotImplementedError

    def passes(self, data: _Data, focus: Node, values: Any) -> bool:
        raise NotImplementedError

    def generic_message(self, result: _Result, data: _Data) -> str:
        raise NotImplementedError  # pragma: no cover - every component below words one

    def depth(self) -> int:
        """How many shapes deep validation goes below this component (pySHACL's limit)."""
        return 0


class _ValueTest(_Component):
    """A component that judges each value node on its own (class, datatype, kind, pattern)."""

    _message = ""

    def ok(self, data: _Data, v: Node) -> bool:
        raise NotImplementedError

    def evaluate(self, data, fvn):
        ok = self.ok
        bad = [_Result(self.shape, self, f, v) for f, vs in fvn for v in vs if not ok(data, v)]
        return not bad, bad

    def passes(self, data, focus, values):
        ok = self.ok
        for v in values:  # noqa: SIM110 - a plain loop is faster than all() in the hot path
            if not ok(data, v):
                return False
        return True

    def generic_message(self, result, data):
        return self._message


def _stringify(graph: Any, node: Node) -> str:
    from pyshacl.rdfutil import stringify_node

    return stringify_node(graph, node)


def _stringify_or_str(graph: Any, node: Node) -> str:
    try:
        return _stringify(graph, node)
    except (LookupError, ValueError):
        return str(node)


class _MinCount(_Component):
    iri = SH.MinCountConstraintComponent

    def __init__(self, shape: _Shape, count: Literal, path_text: str) -> None:
        self.shape = shape
        self.count = int(count.value)
        self._count_text = str(count.value)
        self._path_text = path_text

    def evaluate(self, data, fvn):
        n = self.count
        bad = [_Result(self.shape, self, f) for f, vs in fvn if len(vs) < n]
        return not bad, bad

    def passes(self, data, focus, values):
        return len(values) >= self.count

    def generic_message(self, result, data):
        focus = _stringify_or_str(data.data_graph(), result.focus)
        return f"Less than {self._count_text} values on {focus}->{self._path_text}"


class _MaxCount(_Component):
    iri = SH.MaxCountConstraintComponent

    def __init__(self, shape: _Shape, count: Literal, path_text: str) -> None:
        self.shape = shape
        self.count = int(count.value)
        self._count_text = str(count.value)
        self._path_text = path_text

    def evaluate(self, data, fvn):
        n = self.count
        bad = [_Result(self.shape, self, f) for f, vs in fvn if len(vs) > n]
        return not bad, bad

    def passes(self, data, focus, values):
        return len(values) <= self.count

    def generic_message(self, result, data):
        focus = _stringify(data.data_graph(), result.focus)
        return f"More than {self._count_text} values on {focus}->{self._path_text}"


class _Class(_ValueTest):
    """sh:class: ``rdf:type/rdfs:subClassOf*`` in the data graph; a literal never passes."""

    iri = SH.ClassConstraintComponent

    def __init__(self, shape: _Shape, classes: list[Node], message: str) -> None:
        self.shape = shape
        self.classes = classes
        self._message = message

    def ok(self, data, v):  # all classes at once, for passes()
        return all(data.is_instance(v, cls) for cls in self.classes)

    def evaluate(self, data, fvn):
        bad = None
        is_instance = data.is_instance
        for cls in self.classes:  # one result per (class, value), as pySHACL gives them
            for f, vs in fvn:
                for v in vs:
                    if not is_instance(v, cls):
                        if bad is None:
                            bad = []
                        bad.append(_Result(self.shape, self, f, v))
        return (True, _NO_RESULTS) if bad is None else (False, bad)


_ACTUAL_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


class _Datatype(_ValueTest):
    """pySHACL's reading of sh:datatype: same IRI, not ill-typed for rdflib, value of the
    Python type rdflib gives that datatype; a plain literal is xsd:string, a language-tagged
    one rdf:langString."""

    iri = SH.DatatypeConstraintComponent

    def __init__(self, shape: _Shape, datatype: URIRef, message: str) -> None:
        self.shape = shape
        self.datatype = datatype
        self._message = message
        self._actual = _ACTUAL_TYPES.get(datatype)

    def ok(self, data, v):
        if not _is_literal(v):
            return False
        rule = self.datatype
        dt = v.datatype
        if dt == rule:
            if getattr(v, "ill_typed", None) is True:
                return False
            return self._actual is None or isinstance(v.value, self._actual)
        if rule == RDFS.Literal:
            return True
        if rule == RDFS.Datatype and dt:
            return True
        if dt is None and v.language is None and rule == XSD.string:
            return isinstance(v.value, (str, bytes))
        if rule == RDF.langString and v.language:
            return isinstance(v.value, (str, bytes))
        return False


class _NodeKind(_ValueTest):
    iri = SH.NodeKindConstraintComponent

    def __init__(self, shape: _Shape, kind: URIRef, message: str) -> None:
        self.shape = shape
        self.kind = kind
        self._message = message
        self._iri = kind in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI)
        self._bnode = kind in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI)
        self._literal = kind in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)

    def ok(self, data, v):
        if _is_bnode(v):
            return self._bnode
        if _is_literal(v):
            return self._literal
        return self._iri


def _string_form(v: Node) -> str:
    """pySHACL's string of a value node for sh:pattern (SPARQL str())."""
    if _is_literal(v):
        if v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
            return str(v.value)
        return str(v)
    return str(v)


class _Pattern(_ValueTest):
    """sh:pattern on the string form; a blank node never matches."""

    iri = SH.PatternConstraintComponent

    def __init__(self, shape: _Shape, patterns: list[re.Pattern], message: str) -> None:
        self.shape = shape
        self.patterns = patterns
        self._message = message

    def ok(self, data, v):
        if _is_bnode(v):
            return False
        text = _string_form(v)
        return all(rx.search(text) for rx in self.patterns)

    def evaluate(self, data, fvn):
        bad = None
        for rx in self.patterns:  # one result per (pattern, value)
            search = rx.search
            for f, vs in fvn:
                for v in vs:
                    if _is_bnode(v) or not search(_string_form(v)):
                        if bad is None:
                            bad = []
                        bad.append(_Result(self.shape, self, f, v))
        return (True, _NO_RESULTS) if bad is None else (False, bad)


class _HasValue(_Component):
    """sh:hasValue: one result without sh:value when the term is not among the values."""

    iri = SH.HasValueConstraintComponent

    def __init__(self, shape: _Shape, values: set[Node], sg: Graph) -> None:
        self.shape = shape
        self.values = values
        self._set_text = str([_stringify(sg, s) for s in values])
        self._path_text = _stringify(sg, shape.path_node) if shape.path_node is not None else None

    def evaluate(self, data, fvn):
        bad = None
        for hv in self.values:
            for f, vs in fvn:
                if hv not in vs:
                    if bad is None:
                        bad = []
                    bad.append(_Result(self.shape, self, f))
        return (True, _NO_RESULTS) if bad is None else (False, bad)

    def passes(self, data, focus, values):
        return all(hv in values for hv in self.values)

    def generic_message(self, result, data):
        focus = _stringify(data.data_graph(), result.focus)
        if self._path_text:
            return (
                f"Node {focus}->{self._path_text} does not contain a value in the set: "
                f"{self._set_text}"
            )
        return f"Node {focus} value is not a in the set of values: {self._set_text}"


class _Equals(_Component):
    """sh:equals: one result for each value in the symmetric difference."""

    iri = SH.EqualsConstraintComponent

    def __init__(self, shape: _Shape, predicates: set[Node], sg: Graph) -> None:
        self.shape = shape
        self.predicates = predicates
        self._rules = ", ".join(_stringify(sg, p) for p in predicates)

    def evaluate(self, data, fvn):
        bad = None
        out = data.out
        for eq in self.predicates:
            for f, vs in fvn:
                other = out.get(f, _EMPTY_D).get(eq, _EMPTY)
                values = vs if isinstance(vs, (set, frozenset)) else set(vs)
                if values == other:
                    continue
                if bad is None:
                    bad = []
                bad.extend(_Result(self.shape, self, f, v) for v in values - other)
                bad.extend(_Result(self.shape, self, f, v) for v in other - values)
        return (True, _NO_RESULTS) if bad is None else (False, bad)

    def passes(self, data, focus, values):
        values = values if isinstance(values, (set, frozenset)) else set(values)
        got = data.out.get(focus, _EMPTY_D)
        return all(got.get(eq, _EMPTY) == values for eq in self.predicates)

    def generic_message(self, result, data):
        dg = data.data_graph()
        return f"Value of {_stringify(dg, result.focus)}->{self._rules} != " + _stringify(
            dg, result.value
        )


class _Or(_Component):
    """sh:or: a value fails when it conforms to none of the members (members of severity
    sh:Warning / sh:Info always conform under pySHACL's allow_warnings)."""

    iri = SH.OrConstraintComponent

    def __init__(self, shape: _Shape, lists: list[list[_Shape]], members_text: str) -> None:
        self.shape = shape
        self.lists = lists
        self._members_text = members_text

    def evaluate(self, data, fvn):
        bad = None
        for members in self.lists:
            for f, vs in fvn:
                for v in vs:
                    if not any(m.conforms_one(data, v) for m in members):
                        if bad is None:
                            bad = []
                        bad.append(_Result(self.shape, self, f, v))
        return (True, _NO_RESULTS) if bad is None else (False, bad)

    def passes(self, data, focus, values):
        for members in self.lists:
            for v in values:
                if not any(m.conforms_one(data, v) for m in members):
                    return False
        return True

    def generic_message(self, result, data):
        value = _stringify_or_str(data.data_graph(), result.value)
        return f"Node {value} must conform to one or more shapes in {self._members_text}"

    def depth(self) -> int:
        return max(m.depth() for ms in self.lists for m in ms)


class _NodeRef(_Component):
    """sh:node: a value fails if validating it against the shape produced *any* result; the
    nested results become the sh:detail of the sh:node result (pySHACL)."""

    iri = SH.NodeConstraintComponent

    def __init__(self, shape: _Shape, targets: list[_Shape], message: str) -> None:
        self.shape = shape
        self.targets = targets
        self._message = message

    def evaluate(self, data, fvn):
        bad = None
        for target in self.targets:
            for f, vs in fvn:
                for v in vs:
                    if target.clean(data, v):
                        continue
                    ok, nested = target.validate(data, (v,))
                    if not ok or nested:
                        if bad is None:
                            bad = []
                        bad.append(_Result(self.shape, self, f, v, list(nested)))
        return (True, _NO_RESULTS) if bad is None else (False, bad)

    def passes(self, data, focus, values):
        return all(t.clean(data, v) for t in self.targets for v in values)

    def generic_message(self, result, data):
        return self._message

    def depth(self) -> int:
        return max(t.depth() for t in self.targets)


class _Property(_Component):
    """sh:property: each value node is validated, on its own, against each property shape;
    their results pass up unchanged."""

    iri = SH.PropertyConstraintComponent

    def __init__(self, shape: _Shape, props: list[_Shape]) -> None:
        self.shape = shape
        self.props = props

    def evaluate(self, data, fvn):
        non_conformant = False
        results: list[_Result] = []
        values = [v for _, vs in fvn for v in vs]
        for prop in self.props:
            for v in values:
                if prop.clean(data, v):
                    continue
                ok, found = prop.validate(data, (v,))
                if not ok:
                    non_conformant = True
                if found:
                    results.extend(found)
        return not non_conformant, results

    def passes(self, data, focus, values):
        return all(p.clean(data, v) for p in self.props for v in values)

    def depth(self) -> int:
        return max(p.depth() for p in self.props)


# ---------------------------------------------------------------------------------------------
# Shapes and paths
# ---------------------------------------------------------------------------------------------

PathFn = Callable[[_Data, Node], Any]


class _Shape:
    """A compiled node or property shape."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.path: PathFn | None = None
        self.path_node: Node | None = None
        self.path_text: str | None = None
        self.severity: Node = SH.Violation
        self.allow_conform = False
        self.messages: tuple[Node, ...] = ()
        self.deactivated = False
        self.components: list[_Component] = []
        self.simple = True  # no sh:property: conforms exactly when it gives no result
        self.rule = ""
        self.target_nodes: list[Node] = []
        self.target_classes: list[Node] = []
        self.subjects_of: list[Node] = []
        self.objects_of: list[Node] = []

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.subjects_of or self.objects_of)

    def focus_nodes(self, data: _Data) -> set[Node]:
        found = set(self.target_nodes)
        for cls in self.target_classes:
            found |= data.instances(cls)
        for p in self.subjects_of:
            for subjects in data.inn.get(p, _EMPTY_D).values():
                found |= subjects
        for p in self.objects_of:
            found.update(data.inn.get(p, _EMPTY_D))
        return found

    def validate(self, data: _Data, focus: Iterable[Node]) -> tuple[bool, list[_Result]]:
        """pySHACL's Shape.validate with allow_warnings=True: (conforms, results)."""
        if self.deactivated:
            return True, _NO_RESULTS
        path = self.path
        fvn = [(f, (f,)) for f in focus] if path is None else [(f, path(data, f)) for f in focus]
        if not fvn:
            return True, _NO_RESULTS
        non_conformant = False
        results: list[_Result] = _NO_RESULTS
        for component in self.components:
            ok, found = component.evaluate(data, fvn)
            if not ok and not self.allow_conform and not non_conformant:
                non_conformant = any(r.shape.severity not in ALLOWED_SEVERITIES for r in found)
            if found:
                if results is _NO_RESULTS:
                    results = []
                results.extend(found)
        return not non_conformant, results

    def clean(self, data: _Data, v: Node) -> bool:
        """Would validating ``v`` against this shape give no result at all?"""
        if self.deactivated:
            return True
        values = (v,) if self.path is None else self.path(data, v)
        for component in self.components:  # noqa: SIM110 - hot path, see _ValueTest.passes
            if not component.passes(data, v, values):
                return False
        return True

    def conforms_one(self, data: _Data, v: Node) -> bool:
        """pySHACL's verdict for ``v`` alone. Without sh:property the verdict is "no result"
        (or always yes for a sh:Warning / sh:Info shape); sh:property passes up results of
        other severities, so then the full validation decides."""
        if self.simple:
            return self.allow_conform or self.clean(data, v)
        return self.validate(data, (v,))[0]

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.components), default=0)


def _path_value_fn(p: URIRef, inverse: bool) -> PathFn:
    if inverse:

        def step(data: _Data, node: Node) -> Any:
            return data.inn.get(p, _EMPTY_D).get(node, _EMPTY)

    else:

        def step(data: _Data, node: Node) -> Any:
            return data.out.get(node, _EMPTY_D).get(p, _EMPTY)

    return step


def _sequence_fn(steps: list[PathFn]) -> PathFn:
    first, rest = steps[0], steps[1:]

    def seq(data: _Data, node: Node) -> Any:
        current = first(data, node)
        for step in rest:
            if not current:
                return _EMPTY
            following: set[Node] = set()
            for n in current:
                following |= step(data, n)
            current = following
        return current

    return seq


def _alternative_fn(steps: list[PathFn]) -> PathFn:
    def alt(data: _Data, node: Node) -> Any:
        found: set[Node] = set()
        for step in steps:
            found |= step(data, node)
        return found

    return alt


# ---------------------------------------------------------------------------------------------
# The compiler
# ---------------------------------------------------------------------------------------------


@dataclass
class CompiledShapes:
    """A shapes graph compiled for fast validation of many document graphs."""

    shapes_graph: Graph
    top: list[_Shape]  # the shapes with targets, validated on every document
    forward: dict[Node, Node]  # predicates whose subject -> objects index is needed
    inverse: dict[Node, Node]  # predicates whose object -> subjects index is needed
    all_shapes: dict[Node, _Shape] = field(repr=False, default_factory=dict)

    def validate(self, doc: DocumentGraph, file: str | None = None) -> FastShaclResult:
        data = _Data(doc, doc.triples, self.forward, self.inverse)
        conforms = True
        results: list[_Result] = []
        for shape in self.top:
            if shape.deactivated:
                continue
            focus = shape.focus_nodes(data)
            if not focus:
                continue
            ok, found = shape.validate(data, focus)
            if not ok:
                conforms = False
            results.extend(found)
        return FastShaclResult(conforms, self, data, results, file)


class _Compiler:
    def __init__(self, sg: Graph) -> None:
        self.sg = sg
        self.names = shape_names(sg)
        self.shapes: dict[Node, _Shape] = {}
        self.in_progress: set[Node] = set()
        self.forward: dict[Node, Node] = {_TYPE: _TYPE, _SUBCLASS: _SUBCLASS}
        self.inverse: dict[Node, Node] = {_TYPE: _TYPE, _SUBCLASS: _SUBCLASS}
        self.report_like = _report_like_graph(sg)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def index(predicate: Node, which: dict[Node, Node]) -> Node:
        """Ask for an index on ``predicate``; returns the term object look-ups must use."""
        return which.setdefault(predicate, predicate)

    def fail(self, shape: Node, problem: str) -> UnsupportedShapes:
        return UnsupportedShapes(f"shape {_shape_label(self.sg, shape)}: {problem}")

    def single(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.sg.objects(node, predicate))
        if len(values) > 1:
            raise self.fail(node, f"more than one {_label(self.sg, predicate)}")
        return values[0] if values else None

    def items(self, head: Node, owner: Node, what: str) -> list[Node]:
        sg = self.sg
        out: list[Node] = []
        seen: set[Node] = set()
        node = head
        while node != RDF.nil:
            if node in seen or not isinstance(node, (BNode, URIRef)):
                raise self.fail(owner, f"the {what} list is not a well-formed RDF list")
            seen.add(node)
            firsts = list(sg.objects(node, RDF.first))
            rests = list(sg.objects(node, RDF.rest))
            if len(firsts) != 1 or len(rests) != 1:
                raise self.fail(owner, f"the {what} list is not a well-formed RDF list")
            out.append(firsts[0])
            node = rests[0]
        return out

    # -- discovery (as pySHACL's ShapesGraph does it) ------------------------------------------

    def discover(self) -> tuple[set[Node], set[Node]]:
        """Node shapes and property shapes, found the way pySHACL finds them."""
        sg = self.sg
        if any(True for _ in sg.subjects(RDF.type, SH.ConstraintComponent)) or any(
            True for _ in sg.subject_objects(SH.parameter)
        ):
            raise UnsupportedShapes(
                "the shapes graph declares custom constraint components (sh:ConstraintComponent "
                "/ sh:parameter), which this engine does not implement"
            )
        allowed = _PARAMETERS | _TARGETS | _OTHER_ALLOWED | _PATH_PREDICATES | _DECLARATIONS
        for p in set(sg.predicates()):
            if str(p).startswith(str(SH)) and p not in allowed:
                raise UnsupportedShapes(
                    f"the shapes graph uses {_label(sg, p)}, which the fast engine does not "
                    "implement"
                )
        defined_node = set(sg.subjects(RDF.type, SH.NodeShape))
        defined_prop = set(sg.subjects(RDF.type, SH.PropertyShape))
        for s in defined_node:
            if (s, SH.path, None) in sg:
                raise self.fail(s, "a sh:NodeShape cannot have a sh:path")
            if s in defined_prop:
                raise self.fail(s, "a shape cannot be both a sh:NodeShape and a sh:PropertyShape")
        # (sh:not, sh:and, sh:xone, sh:qualifiedValueShape were refused above)
        candidates: set[Node] = set()
        for p in (*_TARGETS, SH.property, SH.node):
            candidates.update(sg.subjects(p, None))
        for p in (SH.property, SH.node):
            candidates.update(sg.objects(None, p))
        for owner, head in sg.subject_objects(SH["or"]):
            members = self.items(head, owner, "sh:or")
            if not members:
                raise self.fail(owner, "sh:or needs a list of at least one shape")
            candidates.update(members)
        node_shapes = set(defined_node)
        prop_shapes = set(defined_prop)
        for s in candidates - defined_node - defined_prop:
            (prop_shapes if (s, SH.path, None) in sg else node_shapes).add(s)
        for s in prop_shapes:
            if len(list(sg.objects(s, SH.path))) != 1:
                raise self.fail(s, "a property shape needs exactly one sh:path")
        return node_shapes, prop_shapes

    # -- shapes --------------------------------------------------------------------------------

    def compile_all(self) -> CompiledShapes:
        node_shapes, prop_shapes = self.discover()
        self.prop_shapes = prop_shapes
        class_types = {RDFS.Class, OWL.Class, *self.sg.subjects(RDFS.subClassOf, RDFS.Class)}
        top: list[_Shape] = []
        for node in sorted(node_shapes | prop_shapes, key=str):
            shape = self.shape(node)
            if any(t in class_types for t in self.sg.objects(node, RDF.type)):
                shape.target_classes.append(node)  # implicit class target
            if shape.has_targets:
                top.append(shape)
        for shape in self.shapes.values():
            if shape.depth() > MAX_DEPTH:  # a chain of 16 shapes nests 15 deep
                raise self.fail(shape.node, "shapes nested too deep for pySHACL's limit")
        return CompiledShapes(self.sg, top, self.forward, self.inverse, dict(self.shapes))

    def shape(self, node: Node) -> _Shape:
        if node in self.shapes:
            return self.shapes[node]
        if node in self.in_progress:
            raise self.fail(node, "recursive shapes are not supported")
        if not isinstance(node, (URIRef, BNode)):
            raise UnsupportedShapes(
                f"{node.n3()} is used as a shape but is not an IRI or a blank node"
            )
        self.in_progress.add(node)
        try:
            shape = self._compile_shape(node)
        finally:
            self.in_progress.discard(node)
        self.shapes[node] = shape
        return shape

    def _compile_shape(self, node: Node) -> _Shape:
        sg = self.sg
        shape = _Shape(node)
        for p in set(sg.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in _PARAMETERS | _TARGETS | _OTHER_ALLOWED:
                raise self.fail(node, f"{_label(sg, p)} is not implemented by the fast engine")
        path_node = self.single(node, SH.path)
        if path_node is not None:
            shape.path_node = path_node
            shape.path = self.path(path_node, node)
            shape.path_text = _path_text(
                self.report_like, _copy_path(sg, path_node, self.report_like)
            )
        severity = self.single(node, SH.severity)
        if severity is not None:
            shape.severity = severity
        shape.allow_conform = shape.severity in ALLOWED_SEVERITIES
        messages = list(sg.objects(node, SH.message))
        if len(messages) > 1:
            raise self.fail(node, "more than one sh:message (pySHACL would pick one at random)")
        shape.messages = tuple(messages)
        deactivated = self.single(node, SH.deactivated)
        if deactivated is not None:
            if not isinstance(deactivated, Literal):
                raise self.fail(node, "sh:deactivated must be a literal")
            shape.deactivated = bool(deactivated.value)
        shape.rule = self.names.get(node) or ""
        shape.target_nodes = list(sg.objects(node, SH.targetNode))
        shape.target_classes = list(sg.objects(node, SH.targetClass))
        shape.subjects_of = [
            self.index(p, self.inverse) for p in sg.objects(node, SH.targetSubjectsOf)
        ]
        shape.objects_of = [
            self.index(p, self.inverse) for p in sg.objects(node, SH.targetObjectsOf)
        ]
        shape.components = self.components(shape)
        shape.simple = not any(isinstance(c, _Property) for c in shape.components)
        return shape

    def components(self, shape: _Shape) -> list[_Component]:
        sg = self.sg
        node = shape.node
        present = {p for p in sg.predicates(node, None) if p in _PARAMETERS}
        out: list[_Component] = []
        is_prop = shape.path_node is not None
        path_text = _stringify(sg, shape.path_node) if is_prop else ""
        for param in sorted(present, key=str):
            values = list(sg.objects(node, param))
            if param in (SH.minCount, SH.maxCount):
                if not is_prop:
                    raise self.fail(node, f"{_label(sg, param)} on a node shape")
                if len(values) != 1:
                    raise self.fail(node, f"exactly one {_label(sg, param)} is needed")
                count = values[0]
                if (
                    not (isinstance(count, Literal) and count.datatype == XSD.integer)
                    or not isinstance(count.value, int)
                    or count.value < 0
                ):
                    raise self.fail(node, f"{_label(sg, param)} must be an xsd:integer >= 0")
                kind = _MinCount if param == SH.minCount else _MaxCount
                out.append(kind(shape, count, path_text))
            elif param == SH["class"]:
                if len(values) < 2:
                    msg = f"Value does not have class {_stringify(sg, values[0])}"
                else:
                    msg = "Value class is not in classes ({})".format(
                        ", ".join(_stringify(sg, c) for c in values)
                    )
                out.append(_Class(shape, values, msg))
            elif param == SH.datatype:
                if len(values) != 1 or not isinstance(values[0], URIRef):
                    raise self.fail(node, "exactly one sh:datatype IRI is needed")
                msg = f"Value is not Literal with datatype {_stringify(sg, values[0])}"
                out.append(_Datatype(shape, values[0], msg))
            elif param == SH.nodeKind:
                if len(values) != 1 or values[0] not in _NODE_KINDS:
                    raise self.fail(node, "exactly one sh:nodeKind among the six SHACL kinds")
                msg = f"Value is not of Node Kind {_stringify(sg, values[0])}"
                out.append(_NodeKind(shape, values[0], msg))
            elif param == SH.pattern:
                out.append(self.pattern(shape, values))
            elif param == SH.hasValue:
                out.append(_HasValue(shape, set(values), sg))
            elif param == SH.equals:
                if not all(isinstance(v, URIRef) for v in values):
                    raise self.fail(node, "sh:equals needs a property IRI")
                out.append(_Equals(shape, {self.index(v, self.forward) for v in values}, sg))
            elif param == SH["or"]:
                out.append(self.or_component(shape, values))
            elif param == SH.node:
                targets = []
                for v in values:
                    if v in self.prop_shapes:
                        raise self.fail(node, "sh:node must point at a node shape")
                    targets.append(self.shape(v))
                if len(values) < 2:
                    msg = f"Value does not conform to Shape {_stringify(sg, values[0])}."
                else:
                    msg = "Value must conform to every Shape in ('{}').".format(
                        "', '".join(_stringify(sg, c) for c in values)
                    )
                out.append(_NodeRef(shape, targets, msg + " See details for more information."))
            elif param == SH.property:
                props = []
                for v in values:
                    if v not in self.prop_shapes:
                        raise self.fail(node, "sh:property must point at a shape with a sh:path")
                    props.append(self.shape(v))
                out.append(_Property(shape, props))
        return out

    def pattern(self, shape: _Shape, values: list[Node]) -> _Pattern:
        node = shape.node
        if not all(
            isinstance(v, Literal) and isinstance(v.value, (str, type(None))) for v in values
        ):
            raise self.fail(node, "sh:pattern must be a string literal")
        flags = list(self.sg.objects(node, SH.flags))
        re_flags = 0
        if flags:
            text = str(flags[0])
            if len(flags) > 1 or set(text.lower()) - {"i", "m"}:
                raise self.fail(node, "only the sh:flags 'i' and 'm' are implemented")
            if "i" in text.lower():
                re_flags |= re.I
            if "m" in text.lower():
                re_flags |= re.M
        compiled = []
        for v in values:
            text = str(v.value) if v.value is not None and len(v.value) > 1 else str(v)
            try:
                compiled.append(re.compile(text, re_flags))
            except re.error as exc:
                raise self.fail(
                    node, f"sh:pattern {text!r} is not a valid expression: {exc}"
                ) from exc
        if len(values) < 2:
            msg = f"Value does not match pattern '{values[0].value}'"
        else:
            msg = "Value does not match every pattern in ('{}')".format(
                "', '".join(str(v.value) for v in values)
            )
        return _Pattern(shape, compiled, msg)

    def or_component(self, shape: _Shape, heads: list[Node]) -> _Or:
        sg = self.sg
        lists = []
        texts = []
        for head in heads:
            members = self.items(head, shape.node, "sh:or")
            lists.append([self.shape(m) for m in dict.fromkeys(members)])
            texts.append(" , ".join(_stringify(sg, m) for m in sg.items(head)))
        members_text = texts[0] if len(texts) < 2 else " and ".join(f"({t})" for t in texts)
        return _Or(shape, lists, members_text)

    # -- paths ---------------------------------------------------------------------------------

    def path(self, node: Node, owner: Node, inverse: bool = False, depth: int = 0) -> PathFn:
        sg = self.sg
        if depth >= 10:
            raise self.fail(owner, "property path nested too deep")
        if isinstance(node, URIRef):
            return _path_value_fn(
                self.index(node, self.inverse if inverse else self.forward), inverse
            )
        if not isinstance(node, BNode):
            raise self.fail(owner, "a property path must be an IRI or a blank node")
        keys = set(sg.predicates(node, None))
        if RDF.first in keys:
            items = self.items(node, owner, "sequence path")
            if len(items) < 2:
                raise self.fail(owner, "a sequence path needs at least two members")
            if inverse:
                raise self.fail(
                    owner,
                    "an inverse of a sequence path is not implemented (pySHACL walks it in the "
                    "wrong order)",
                )
            return _sequence_fn([self.path(i, owner, inverse, depth + 1) for i in items])
        if len(keys) != 1:
            raise self.fail(owner, "a path node must have exactly one path property")
        (key,) = keys
        values = list(sg.objects(node, key))
        if len(values) != 1:
            raise self.fail(owner, f"{_label(sg, key)} needs exactly one value")
        if key == SH.inversePath:
            return self.path(values[0], owner, not inverse, depth + 1)
        if key == SH.alternativePath:
            items = self.items(values[0], owner, "sh:alternativePath")
            if len(items) < 2:
                raise self.fail(owner, "an alternative path needs at least two members")
            return _alternative_fn([self.path(i, owner, inverse, depth + 1) for i in items])
        raise self.fail(owner, f"the path {_label(sg, key)} is not implemented by the fast engine")


def _label(sg: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return sg.namespace_manager.normalizeUri(node)
        except Exception:  # pragma: no cover - normalizeUri falls back itself
            return f"<{node}>"
    return node.n3()


def _shape_label(sg: Graph, node: Node, depth: int = 0) -> str:
    """A name people can find in the Turtle: anonymous shapes by their path and owner."""
    if not isinstance(node, BNode) or depth > 3:
        return _label(sg, node)
    path = sg.value(node, SH.path)
    text = f"[sh:path {_label(sg, path)}]" if isinstance(path, URIRef) else "[anonymous shape]"
    owner = next(iter(sg.subjects(SH.property, node)), None)
    return f"{_shape_label(sg, owner, depth + 1)} {text}" if owner is not None else text


def _report_like_graph(sg: Graph) -> Graph:
    """An empty graph with the namespaces pySHACL's report gets (then archive.shacl's)."""
    g = Graph(bind_namespaces="core")
    for prefix, ns in sg.namespace_manager.namespaces():
        g.namespace_manager.bind(prefix, ns)
    bind_all(g)
    return g


def _copy_path(sg: Graph, path: Node, target: Graph) -> Node:
    """Copy a path's structure (blank nodes keep their ids, as in pySHACL's report)."""
    todo = [path]
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen or not isinstance(node, BNode):
            continue
        seen.add(node)
        for p, o in sg.predicate_objects(node):
            target.add((node, p, o))
            todo.append(o)
    return path


_COMPILED: dict[int, tuple[Graph, CompiledShapes]] = {}


def compile_shapes(shapes: Graph | None = None) -> CompiledShapes:
    """Compile a shapes graph (default: the project's) once; later calls reuse it."""
    sg = shapes if shapes is not None else load_shapes()
    cached = _COMPILED.get(id(sg))
    if cached is not None and cached[0] is sg:
        return cached[1]
    compiled = _Compiler(sg).compile_all()
    _COMPILED[id(sg)] = (sg, compiled)
    return compiled


# ---------------------------------------------------------------------------------------------
# Results as findings and as the W3C report
# ---------------------------------------------------------------------------------------------


class FastShaclResult(ShaclResult):
    """An :class:`archive.shacl.ShaclResult` (conforms, findings, report) whose findings and
    W3C report graph are only built when read: the report costs more than the validation."""

    def __init__(  # ShaclResult's dataclass fields become lazy properties here
        self,
        conforms: bool,
        program: CompiledShapes,
        data: _Data,
        results: list[_Result],
        file: str | None,
    ) -> None:
        self.conforms = conforms
        self.results = results  # top-level results; sh:node details hang below them
        self.file = file
        self._program = program
        self._data = data
        self._findings: list[Finding] | None = None
        self._report: Graph | None = None

    @property  # type: ignore[override]
    def findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = [
                _finding(r, self._data, self.file) for top in self.results for r in top.walk()
            ]
        return self._findings

    @property  # type: ignore[override]
    def report(self) -> Graph:
        if self._report is None:
            self._report = build_report(
                self._program.shapes_graph, self.conforms, self.results, self._data
            )
        return self._report

    def __repr__(self) -> str:
        return f"FastShaclResult(conforms={self.conforms}, results={len(self.results)})"


def _finding(result: _Result, data: _Data, file: str | None) -> Finding:
    shape = result.shape
    doc = data.doc
    message = result.messages(data)[0]
    focus = result.focus
    return Finding(
        rule="shacl." + (shape.rule or _local(result.component.iri)),
        severity=SEVERITIES.get(shape.severity, Severity.ERROR),  # type: ignore[arg-type]
        message=str(message) if message else DEFAULT_MESSAGE,
        layer=Layer.SHACL,
        file=file or (str(doc.source) if doc.source else None),
        line=doc.lines.get(str(focus)),
        focus=_n3(focus),
        path=shape.path_text,
        value=_n3(result.value) if result.value is not None else None,
    )


def build_report(sg: Graph, conforms: bool, results: list[_Result], data: _Data) -> Graph:
    """The W3C validation report, built the way pySHACL builds it (blank-node focus nodes,
    values, paths and anonymous shapes are copied in with their descriptions)."""
    from pyshacl.rdfutil import clone_blank_node

    report = Graph(bind_namespaces="core")
    for prefix, ns in sg.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, ns)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(conforms)))
    cloned: dict[tuple[int, str], Node] = {}

    def term(source: Any, node: Node) -> Node:
        if isinstance(node, Literal):
            return node
        key = (id(source), str(node))
        if key not in cloned:
            if isinstance(node, BNode):
                cloned[key] = clone_blank_node(source, node, report, keepid=True)
            else:
                cloned[key] = URIRef(str(node))
        return cloned[key]

    def add(result: _Result) -> BNode:
        r = BNode()
        shape = result.shape
        report.add((r, RDF.type, SH.ValidationResult))
        report.add((r, SH.sourceConstraintComponent, result.component.iri))
        report.add((r, SH.sourceShape, term(sg, shape.node)))
        report.add((r, SH.resultSeverity, shape.severity))
        report.add((r, SH.focusNode, term(data.data_graph(), result.focus)))
        if result.value is not None:
            report.add((r, SH.value, term(data.data_graph(), result.value)))
        if shape.path_node is not None:
            report.add((r, SH.resultPath, term(sg, shape.path_node)))
        for m in result.messages(data):
            report.add((r, SH.resultMessage, m))
        for d in result.details or ():
            report.add((r, SH.detail, add(d)))
        return r

    for result in results:
        report.add((root, SH.result, add(result)))
    bind_all(report)
    return report


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def validate_document_fast(
    doc: DocumentGraph, file: str | None = None, shapes: Graph | None = None
) -> FastShaclResult:
    """Validate one document's graph; same findings and verdict as
    :func:`archive.shacl.validate_document`."""
    return compile_shapes(shapes).validate(doc, file)


def validate_many(
    docs: Iterable[DocumentGraph], shapes: Graph | None = None, file: str | None = None
) -> Iterator[tuple[DocumentGraph, FastShaclResult]]:
    """Validate each document graph on its own (never their union), lazily, in order."""
    program = compile_shapes(shapes)
    for doc in docs:
        yield doc, program.validate(doc, file)
