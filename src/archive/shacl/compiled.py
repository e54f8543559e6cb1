"""SHACL Core, compiled: a shapes graph turned once into Python objects, run on each document.

pySHACL rebuilds its view of the shapes and walks rdflib graphs for every document, which costs
tens of milliseconds per small graph. Here the shapes graph is compiled once into targets, paths
and constraint components, and each document is validated on two small dictionaries built from
its triples (subject -> predicate -> objects, predicate -> object -> subjects).

Semantics are those of the SHACL Recommendation, checked by the W3C test suite (``tests/core``,
vendored in ``tests/shacl_w3c``), where pySHACL and the suite disagree the suite wins:

* every target, every path form (sequence, alternative, inverse of any path, zero-or-more,
  one-or-more, zero-or-one) and every Core constraint component;
* conformance of a node to a shape (sh:node, sh:not, sh:and, sh:or, sh:xone, qualified value
  shapes) means *no result at all*, whatever the severity;
* recursive shapes: a node being checked against a shape that is already being checked for the
  same node is taken to conform (the specification leaves recursion to implementations; this
  choice always terminates and never invents a violation);
* sh:datatype checks the lexical form (``"20x4"^^xsd:gYear`` fails), ranges compare typed
  literals as SPARQL does (:mod:`archive.shacl.xsd`), sh:pattern is XPath ``fn:matches``
  (:mod:`archive.shacl.xpathregex`);
* boolean parameters (sh:deactivated, sh:closed, sh:uniqueLang, sh:qualifiedValueShapesDisjoint)
  count only when they are ``true``.

Shapes that use SHACL-SPARQL (sh:sparql), SPARQL-based targets or custom constraint components
are not compiled: every top-level shape that reaches one is validated by pySHACL, and the result
says so (:attr:`CompiledShapes.delegated`). A valid shapes graph is never refused; an ill-formed
one (a broken list, a count that is not an integer ...) raises :class:`ShapesError`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from archive.errors import ShapesError
from archive.findings import Finding, Layer, Severity
from archive.rdf.namespaces import SH
from archive.shacl import xsd
from archive.shacl.xpathregex import compile_pattern

SEVERITIES = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
DEFAULT_MESSAGE = "SHACL constraint violated"

_TYPE = RDF.type
_SUBCLASS = RDFS.subClassOf
_EMPTY: frozenset = frozenset()
_EMPTY_D: dict = {}
_TRUE = Literal(True)
_XSD_STRING = str(XSD.string)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# What pySHACL validates for us: SHACL-SPARQL constraints, SPARQL-based and custom targets.
_FOREIGN = {SH.sparql: "SHACL-SPARQL (sh:sparql)", SH.target: "a SPARQL-based target (sh:target)"}
_NODE_KINDS = {
    SH.IRI: (True, False, False),
    SH.BlankNode: (False, True, False),
    SH.Literal: (False, False, True),
    SH.BlankNodeOrIRI: (True, True, False),
    SH.BlankNodeOrLiteral: (False, True, True),
    SH.IRIOrLiteral: (True, False, True),
}


def _is_literal(v: Node) -> bool:
    """isinstance through rdflib's ABC metaclass is slow; exact types first."""
    t = type(v)
    return t is Literal or (t is not URIRef and t is not BNode and isinstance(v, Literal))


def _is_bnode(v: Node) -> bool:
    t = type(v)
    return t is BNode or (t is not URIRef and t is not Literal and isinstance(v, BNode))


_IRIS: dict[str, URIRef] = {}  # text -> URIRef, so that an IRI met again is not made again


def _iri(text: str) -> URIRef:
    found = _IRIS.get(text)
    if found is None:
        if len(_IRIS) >= 50_000:
            _IRIS.clear()
        found = _IRIS[text] = URIRef(text)
    return found


def _is_true(v: Node | None) -> bool:
    """Only the literal ``true`` (xsd:boolean) switches a boolean parameter on."""
    return isinstance(v, Literal) and v.datatype == XSD.boolean and str(v) == "true"


# ---------------------------------------------------------------------------------------------
# Per-document data
# ---------------------------------------------------------------------------------------------


class _Data:
    """One document graph as the compiled shapes read it, and the state of one validation."""

    __slots__ = (
        "_instances",
        "assumed",
        "doc",
        "inn",
        "memo",
        "out",
        "rest",
        "stack",
    )

    def __init__(self, doc: Any, triples: Iterable, program: CompiledShapes) -> None:
        # Only what the compiled shapes read is kept (most of the time of a small document goes
        # here). rdflib's __eq__ is slow Python, and a look-up that finds an equal but not
        # identical term costs more than the rest of the work, so: predicates are found by
        # identity (CompiledShapes.pair, by their text the first time) and stored under the one
        # term object the shapes look them up with; the inverse index keys IRIs by their text.
        # The values of a
        # node on a predicate are a 1-tuple while there is one (no hash of the term: a
        # Literal's is slow Python) and a set from the second on; the subjects of an object in
        # the inverse index are a list (see inverse_values).
        out: dict[Node, dict[Node, Any]] = {}
        rest: dict[Node, list[tuple[Node, Node, Node]]] = {}
        inverse = [defaultdict(list) for _ in program.inverse_terms]
        seen = program.pair_of.get
        pair = program.pair
        out_get = out.get
        rest_get = rest.get
        uriref = URIRef
        for t in triples:
            s, p, o = t
            fp, ip, keep = seen(p) or pair(p)
            if fp is not None:
                d = out_get(s)
                if d is None:
                    out[s] = {fp: (o,)}
                else:
                    vs = d.get(fp)
                    if vs is None:
                        d[fp] = (o,)
                    elif type(vs) is tuple:
                        d[fp] = {vs[0], o}
                    else:
                        vs.add(o)
            elif keep:  # sh:closed: the other properties, kept as they come (no index)
                r = rest_get(s)
                if r is None:
                    rest[s] = [t]
                else:
                    r.append(t)
            if ip is not None:
                inverse[ip][str(o) if type(o) is uriref else o].append(s)
        self.out = out
        self.inn: dict[Node, dict[Any, list[Node]]] = dict(
            zip(program.inverse_terms, inverse, strict=True)
        )
        self.rest = rest
        self.doc = doc
        self._instances: dict[Node, set[Node]] = {}
        self.memo: dict[tuple[Any, Node], bool] = {}
        self.stack: set[tuple[Any, Node]] = set()
        self.assumed = 0

    def inverse_values(self, p: Node, node: Node) -> Any:
        """The subjects of ``node`` on ``p`` (a set, or a 1-tuple, as values always are)."""
        d = self.inn.get(p)
        if d is None:
            return _EMPTY
        found = d.get(str(node) if type(node) is URIRef else node)
        if not found:
            return _EMPTY
        return (found[0],) if len(found) == 1 else set(found)

    def is_instance(self, node: Node, cls: Node) -> bool:
        """SHACL instance: ``node rdf:type/rdfs:subClassOf* cls`` in the data graph (the
        instances of each class are gathered once per document, from the rdf:type index)."""
        found = self._instances.get(cls)
        if found is None:
            found = self._instances[cls] = self.instances(cls)
        return node in found

    def instances(self, cls: Node) -> set[Node]:
        types = self.inn.get(_TYPE, _EMPTY_D)
        subs = self.inn.get(_SUBCLASS, _EMPTY_D)
        key = str(cls) if type(cls) is URIRef else cls
        found = set(types.get(key, ()))
        seen = {key}
        todo = [key]
        while todo:
            for sub in subs.get(todo.pop(), ()):
                k = str(sub) if type(sub) is URIRef else sub
                if k not in seen:
                    seen.add(k)
                    todo.append(k)
                    found.update(types.get(k, ()))
        return found

    def values(self, node: Node, p: Node) -> Any:
        return self.out.get(node, _EMPTY_D).get(p, _EMPTY)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class Result:
    """One validation result: the shape and component that produced it, the focus node, the
    value (or None), the path when it is not the shape's own (sh:closed), nested details."""

    __slots__ = ("component", "details", "focus", "messages", "path", "shape", "value")

    def __init__(
        self,
        shape: Shape,
        component: Constraint,
        focus: Node,
        value: Node | None = None,
        path: Node | None = None,
        details: list[Result] | None = None,
        messages: tuple[Node, ...] | None = None,
    ) -> None:
        self.shape = shape
        self.component = component
        self.focus = focus
        self.value = value
        self.path = path
        self.details = details
        self.messages = messages

    @property
    def path_node(self) -> Node | None:
        return self.path if self.path is not None else self.shape.path_node

    @property
    def severity(self) -> Node:
        return self.shape.severity

    def all_messages(self) -> tuple[Node, ...]:
        if self.messages is not None:
            return self.messages
        if self.shape.messages:
            return self.shape.messages
        return (Literal(self.component.describe(self)),)

    def walk(self) -> Iterator[Result]:
        yield self
        for d in self.details or ():
            yield from d.walk()


# ---------------------------------------------------------------------------------------------
# Constraint components
# ---------------------------------------------------------------------------------------------


class Constraint:
    """One constraint of one shape. ``results`` gives the validation results for one focus node
    and its value nodes; ``ok`` only says whether there would be none (the fast path used for
    conformance checks and by ``results`` of most components)."""

    iri: URIRef = SH.ConstraintComponent
    refs: tuple[Shape, ...] = ()

    def results(self, data: _Data, shape: Shape, focus: Node, values: Any) -> list[Result] | None:
        raise NotImplementedError

    def ok(self, data: _Data, focus: Node, values: Any) -> bool:
        raise NotImplementedError

    def describe(self, result: Result) -> str:
        return DEFAULT_MESSAGE


class _ValueTest(Constraint):
    """A component that judges each value node on its own; one result per failing value."""

    def test(self, data: _Data, v: Node) -> bool:
        raise NotImplementedError

    def results(self, data, shape, focus, values):
        test = self.test
        bad = None
        for v in values:
            if not test(data, v):
                if bad is None:
                    bad = []
                bad.append(Result(shape, self, focus, v))
        return bad

    def ok(self, data, focus, values):
        test = self.test
        for v in values:  # noqa: SIM110 - a plain loop is faster than all() in the hot path
            if not test(data, v):
                return False
        return True


def _show(node: Node | None) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, URIRef):
        return f"<{node}>"
    return node.n3()


class _Class(_ValueTest):
    iri = SH.ClassConstraintComponent

    def __init__(self, cls: Node) -> None:
        self.cls = cls

    def test(self, data, v):
        return data.is_instance(v, self.cls)

    def results(self, data, shape, focus, values):
        key = self.cls
        is_instance = data.is_instance
        bad = None
        for v in values:
            if not is_instance(v, key):
                if bad is None:
                    bad = []
                bad.append(Result(shape, self, focus, v))
        return bad

    def ok(self, data, focus, values):
        key = self.cls
        is_instance = data.is_instance
        for v in values:  # noqa: SIM110
            if not is_instance(v, key):
                return False
        return True

    def describe(self, result):
        return f"Value {_show(result.value)} is not an instance of {_show(self.cls)}"


class _Datatype(_ValueTest):
    iri = SH.DatatypeConstraintComponent

    def __init__(self, datatype: Node) -> None:
        self.datatype = datatype
        # xsd.literal_ok with the datatype's side worked out once (IRIs compared as text)
        self.text = str(datatype) if type(datatype) is URIRef else None
        self.lang_string = datatype == RDF.langString

    def test(self, data, v):
        if not _is_literal(v):
            return False
        if self.text is None:
            return xsd.literal_ok(v, self.datatype)
        dt = v.datatype
        if dt is None:
            if v.language:
                return self.lang_string
            return self.text == _XSD_STRING
        if type(dt) is not URIRef or str(dt) != self.text:
            return False
        if self.lang_string:
            return bool(v.language)
        return xsd.well_formed(str(v), self.text)

    def describe(self, result):
        return (
            f"Value {_show(result.value)} is not a well-formed literal of datatype "
            f"{_show(self.datatype)}"
        )


class _NodeKind(_ValueTest):
    iri = SH.NodeKindConstraintComponent

    def __init__(self, kind: Node) -> None:
        self.kind = kind
        self._iri, self._bnode, self._literal = _NODE_KINDS[kind]  # type: ignore[index]

    def test(self, data, v):
        if _is_bnode(v):
            return self._bnode
        if _is_literal(v):
            return self._literal
        return self._iri

    def describe(self, result):
        return f"Value {_show(result.value)} is not of node kind {_show(self.kind)}"


class _Range(_ValueTest):
    """sh:minInclusive, sh:minExclusive, sh:maxInclusive, sh:maxExclusive (SPARQL order)."""

    _ACCEPT: ClassVar[dict] = {
        SH.minInclusive: (SH.MinInclusiveConstraintComponent, (1, 0), "at least"),
        SH.minExclusive: (SH.MinExclusiveConstraintComponent, (1,), "greater than"),
        SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, (-1, 0), "at most"),
        SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, (-1,), "less than"),
    }

    def __init__(self, param: Node, bound: Node) -> None:
        self.iri, self.accept, self._words = self._ACCEPT[param]  # type: ignore[index]
        self.bound = bound
        self.bound_key = xsd.sort_key(bound)  # once, not for every value

    def test(self, data, v):
        return xsd.compare_keys(xsd.sort_key(v), self.bound_key) in self.accept

    def describe(self, result):
        return f"Value {_show(result.value)} is not {self._words} {_show(self.bound)}"


class _Length(_ValueTest):
    def __init__(self, param: Node, n: int) -> None:
        self.minimum = param == SH.minLength
        self.iri = (
            SH.MinLengthConstraintComponent if self.minimum else SH.MaxLengthConstraintComponent
        )
        self.n = n

    def test(self, data, v):
        if _is_bnode(v):
            return False
        size = len(str(v))
        return size >= self.n if self.minimum else size <= self.n

    def describe(self, result):
        words = "shorter than" if self.minimum else "longer than"
        return f"Value {_show(result.value)} is {words} {self.n} characters (or a blank node)"


class _Pattern(_ValueTest):
    iri = SH.PatternConstraintComponent

    def __init__(self, pattern: str, flags: str) -> None:
        self.pattern = pattern
        self.flags = flags
        self.search = compile_pattern(pattern, flags).search

    def test(self, data, v):
        return not _is_bnode(v) and self.search(str(v)) is not None

    def describe(self, result):
        flags = f" (flags {self.flags!r})" if self.flags else ""
        return f"Value {_show(result.value)} does not match the pattern {self.pattern!r}{flags}"


class _LanguageIn(_ValueTest):
    iri = SH.LanguageInConstraintComponent

    def __init__(self, ranges: list[str]) -> None:
        self.ranges = [r.lower() for r in ranges]
        self.exact = frozenset(self.ranges)
        self.any = "*" in self.exact
        self.prefixes = tuple(r + "-" for r in self.ranges)

    def test(self, data, v):
        if not _is_literal(v):
            return False
        language = v.language
        if not language:
            return False
        tag = language.lower()
        # SPARQL langMatches: basic filtering (RFC 4647)
        return self.any or tag in self.exact or tag.startswith(self.prefixes)

    def describe(self, result):
        return f"Value {_show(result.value)} is not in one of the languages {self.ranges}"


class _In(_ValueTest):
    iri = SH.InConstraintComponent

    def __init__(self, members: list[Node]) -> None:
        self.members = members
        self.allowed = set(members)

    def test(self, data, v):
        return v in self.allowed

    def describe(self, result):
        shown = ", ".join(_show(m) for m in self.members)
        return f"Value {_show(result.value)} is not one of {shown}"


class _Not(_ValueTest):
    iri = SH.NotConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.refs = (shape,)

    def test(self, data, v):
        return not self.shape.conforms(data, v)

    def describe(self, result):
        return f"Value {_show(result.value)} conforms to {self.shape.label}, which it must not"


class _And(_ValueTest):
    iri = SH.AndConstraintComponent

    def __init__(self, shapes: list[Shape]) -> None:
        self.refs = tuple(shapes)

    def test(self, data, v):
        for s in self.refs:  # noqa: SIM110
            if not s.conforms(data, v):
                return False
        return True

    def describe(self, result):
        return f"Value {_show(result.value)} does not conform to every shape of an sh:and"


class _Or(_ValueTest):
    iri = SH.OrConstraintComponent

    def __init__(self, shapes: list[Shape]) -> None:
        self.refs = tuple(shapes)

    def test(self, data, v):
        for s in self.refs:  # noqa: SIM110
            if s.conforms(data, v):
                return True
        return False

    def describe(self, result):
        return f"Value {_show(result.value)} conforms to none of the shapes of an sh:or"


class _Xone(_ValueTest):
    iri = SH.XoneConstraintComponent

    def __init__(self, shapes: list[Shape]) -> None:
        self.refs = tuple(shapes)

    def test(self, data, v):
        return sum(1 for s in self.refs if s.conforms(data, v)) == 1

    def describe(self, result):
        return f"Value {_show(result.value)} does not conform to exactly one shape of an sh:xone"


class _NodeRef(_ValueTest):
    """sh:node: one result per value node that does not conform; why it does not (the nested
    results) is kept as the result's sh:detail."""

    iri = SH.NodeConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.refs = (shape,)

    def test(self, data, v):
        return self.shape.conforms(data, v)

    def results(self, data, shape, focus, values):
        bad = None
        target = self.shape
        for v in values:
            if not target.conforms(data, v):
                if bad is None:
                    bad = []
                bad.append(Result(shape, self, focus, v, details=target.validate(data, (v,))))
        return bad

    def describe(self, result):
        return f"Value {_show(result.value)} does not conform to the shape {self.shape.label}"


class _Count(Constraint):
    def __init__(self, param: Node, n: int) -> None:
        self.minimum = param == SH.minCount
        self.iri = (
            SH.MinCountConstraintComponent if self.minimum else SH.MaxCountConstraintComponent
        )
        self.n = n

    def ok(self, data, focus, values):
        return len(values) >= self.n if self.minimum else len(values) <= self.n

    def results(self, data, shape, focus, values):
        return None if self.ok(data, focus, values) else [Result(shape, self, focus)]

    def describe(self, result):
        return f"{'Fewer' if self.minimum else 'More'} than {self.n} value(s) on the path"


class _HasValue(Constraint):
    iri = SH.HasValueConstraintComponent

    def __init__(self, value: Node) -> None:
        self.value = value

    def ok(self, data, focus, values):
        return self.value in values

    def results(self, data, shape, focus, values):
        return None if self.value in values else [Result(shape, self, focus)]

    def describe(self, result):
        return f"The value {_show(self.value)} is missing"


class _UniqueLang(Constraint):
    iri = SH.UniqueLangConstraintComponent

    def _duplicates(self, values: Any) -> list[str]:
        seen: dict[str, int] = {}
        for v in values:
            if _is_literal(v) and v.language:
                tag = v.language.lower()
                seen[tag] = seen.get(tag, 0) + 1
        return [t for t, n in seen.items() if n > 1]

    def ok(self, data, focus, values):
        return not self._duplicates(values)

    def results(self, data, shape, focus, values):
        dups = self._duplicates(values)
        return [Result(shape, self, focus) for _ in dups] or None

    def describe(self, result):
        return "More than one value has the same language tag"


class _PairCompare(Constraint):
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals against another property."""

    def __init__(self, param: Node, predicate: Node) -> None:
        self.param = param
        self.predicate = predicate
        self.equals = param == SH.equals
        self.disjoint = param == SH.disjoint
        # what xsd.compare must give for each pair (sh:lessThan, sh:lessThanOrEquals)
        self.accept = (-1,) if param == SH.lessThan else (-1, 0)
        self.iri = {
            SH.equals: SH.EqualsConstraintComponent,
            SH.disjoint: SH.DisjointConstraintComponent,
            SH.lessThan: SH.LessThanConstraintComponent,
            SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
        }[param]  # type: ignore[index]

    def bad_values(self, data: _Data, focus: Node, values: Any) -> list[Node]:
        other = data.values(focus, self.predicate)
        if self.equals:
            if type(values) is tuple and type(other) is tuple and len(values) == len(other) == 1:
                v, o = values[0], other[0]  # one value each (no hash of a Literal)
                return [] if v is o or v == o else [v, o]
            mine = values if isinstance(values, (set, frozenset)) else set(values)
            if not isinstance(other, (set, frozenset)):
                other = set(other)
            if mine == other:
                return []
            return [*(v for v in mine if v not in other), *(o for o in other if o not in mine)]
        if self.disjoint:
            return [v for v in values if v in other]
        if not values or not other:
            return []
        accept = self.accept
        key = xsd.sort_key
        compare = xsd.compare_keys
        others = [key(o) for o in other]
        return [v for v in values for ko in others if compare(key(v), ko) not in accept]

    def ok(self, data, focus, values):
        return not self.bad_values(data, focus, values)

    def results(self, data, shape, focus, values):
        return [Result(shape, self, focus, v) for v in self.bad_values(data, focus, values)] or None

    def describe(self, result):
        words = {
            SH.equals: "is not shared with",
            SH.disjoint: "is also a value of",
            SH.lessThan: "is not less than the values of",
            SH.lessThanOrEquals: "is not less than or equal to the values of",
        }[self.param]  # type: ignore[index]
        return f"Value {_show(result.value)} {words} {_show(self.predicate)}"


class _Qualified(Constraint):
    """sh:qualifiedValueShape with sh:qualifiedMinCount / sh:qualifiedMaxCount."""

    def __init__(self, minimum: bool, n: int, shape: Shape, siblings: list[Shape]) -> None:
        self.minimum = minimum
        self.iri = (
            SH.QualifiedMinCountConstraintComponent
            if minimum
            else SH.QualifiedMaxCountConstraintComponent
        )
        self.n = n
        self.shape = shape
        self.siblings = siblings
        self.refs = (shape, *siblings)

    def count(self, data: _Data, values: Any) -> int:
        n = 0
        conforms = self.shape.conforms
        siblings = self.siblings
        for v in values:
            if conforms(data, v):
                for s in siblings:
                    if s.conforms(data, v):
                        break
                else:
                    n += 1
        return n

    def ok(self, data, focus, values):
        n = self.count(data, values)
        return n >= self.n if self.minimum else n <= self.n

    def results(self, data, shape, focus, values):
        return None if self.ok(data, focus, values) else [Result(shape, self, focus)]

    def describe(self, result):
        words = "Fewer" if self.minimum else "More"
        return f"{words} than {self.n} value(s) conform to the shape {self.shape.label}"


class _Closed(Constraint):
    iri = SH.ClosedConstraintComponent

    def __init__(self, allowed: set[Node]) -> None:
        self.allowed = allowed

    def bad(self, data: _Data, values: Any) -> Iterator[tuple[Node, Node, Node]]:
        allowed = self.allowed
        for v in values:
            for p, objects in data.out.get(v, _EMPTY_D).items():
                if p not in allowed:
                    for o in objects:
                        yield v, p, o
            # what rest keeps is never allowed (allowed predicates are indexed or not kept)
            for _, p, o in dict.fromkeys(data.rest.get(v, ())):
                yield v, p, o

    def ok(self, data, focus, values):
        allowed = self.allowed
        rest = data.rest
        for v in values:
            for p in data.out.get(v, _EMPTY_D):  # an indexed predicate always has a value
                if p not in allowed:
                    return False
            if v in rest:  # what rest keeps is never allowed
                return False
        return True

    def results(self, data, shape, focus, values):
        # the focus of each result is the value node that has the property (SHACL 4.8.1)
        return [Result(shape, self, v, o, path=p) for v, p, o in self.bad(data, values)] or None

    def describe(self, result):
        return f"Property {_show(result.path)} is not allowed on a closed shape"


class _Property(Constraint):
    iri = SH.PropertyConstraintComponent

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.refs = (shape,)

    def ok(self, data, focus, values):
        prop = self.shape
        for v in values:  # noqa: SIM110
            if not prop.conforms(data, v):
                return False
        return True

    def results(self, data, shape, focus, values):
        out = None
        prop = self.shape
        if prop.cyclic:
            for v in values:
                found = prop.validate(data, (v,))
                if found:
                    if out is None:
                        out = []
                    out.extend(found)
            return out
        if prop.deactivated:
            return None
        path = prop.path  # a property shape always has one
        constraints = prop.constraints
        pred = prop.predicate
        out_get = data.out.get
        for v in values:
            vals = path(data, v) if pred is None else out_get(v, _EMPTY_D).get(pred, _EMPTY)
            for c in constraints:
                found = c.results(data, prop, v, vals)
                if found:
                    if out is None:
                        out = []
                    out.extend(found)
        return out


# value tests that look at the value alone (no other shape): see Shape.quick
_QUICK = {_Class, _Datatype, _NodeKind, _Range, _Length, _Pattern, _LanguageIn, _In}


class _Foreign(Constraint):
    """A constraint this engine leaves to pySHACL (SHACL-SPARQL, custom components)."""

    def __init__(self, iri: URIRef, what: str) -> None:
        self.iri = iri
        self.what = what

    def ok(self, data, focus, values):  # pragma: no cover - delegated shapes never run here
        raise RuntimeError("a delegated constraint was evaluated by the compiled engine")

    results = ok  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# Shapes and paths
# ---------------------------------------------------------------------------------------------

PathFn = Callable[[_Data, Node], Any]


class Shape:
    """A compiled node or property shape."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.path: PathFn | None = None
        self.predicate: Node | None = None  # the path when it is one predicate, forwards
        self.path_node: Node | None = None
        self.path_text: str | None = None
        self.severity: Node = SH.Violation
        self.messages: tuple[Node, ...] = ()
        self.deactivated = False
        self.constraints: list[Constraint] = []
        self.rule = ""
        self.label = ""
        self.target_nodes: list[Node] = []
        self.target_classes: list[Node] = []
        self.subjects_of: list[Node] = []
        self.objects_of: list[Node] = []
        self.foreign: list[str] = []  # what pySHACL has to validate in this shape
        # can this shape reach itself through sh:node, sh:property, sh:and ...? Only then can a
        # check of it be under way further up, and only then is the recursion guard needed.
        self.cyclic = True
        # the value tests of a shape that is no more than value tests on the node itself (an
        # sh:class, sh:nodeKind ... inside sh:or, sh:not, a qualified value shape): conforms()
        # runs them straight, with nothing to remember (set by the compiler, see set_quick)
        self.quick: tuple[_ValueTest, ...] | None = None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.subjects_of or self.objects_of)

    def focus_nodes(self, data: _Data) -> set[Node]:
        found = set(self.target_nodes)
        for cls in self.target_classes:
            found |= data.instances(cls)
        for p in self.subjects_of:
            for subjects in data.inn.get(p, _EMPTY_D).values():
                found.update(subjects)
        for p in self.objects_of:
            # the inverse index keys IRIs by their text
            found.update(_iri(k) if type(k) is str else k for k in data.inn.get(p, _EMPTY_D))
        return found

    def validate(self, data: _Data, focus: Iterable[Node]) -> list[Result]:
        """Every result of validating these focus nodes against this shape."""
        if self.deactivated:
            return []
        out: list[Result] = []
        path = self.path
        if not self.cyclic and path is None:
            self._validate_node(data, focus, out)
            return out
        if not self.cyclic:
            constraints = self.constraints
            for f in focus:
                values = (f,) if path is None else path(data, f)
                for c in constraints:
                    found = c.results(data, self, f, values)
                    if found:
                        out.extend(found)
            return out
        stack = data.stack
        for f in focus:
            key = (self, f)
            if key in stack:  # the same check is already under way further up: recursion
                data.assumed += 1
                continue
            stack.add(key)
            try:
                values = (f,) if path is None else path(data, f)
                for c in self.constraints:
                    found = c.results(data, self, f, values)
                    if found:
                        out.extend(found)
            finally:
                stack.discard(key)
        return out

    def _validate_node(self, data: _Data, focus: Iterable[Node], out: list[Result]) -> None:
        """:meth:`validate` of a node shape that cannot reach itself, with its property shapes
        checked inline (what _Property.results and _Count.results do, without their calls:
        most of the work of a document is here)."""
        constraints = self.constraints
        out_get = data.out.get
        for f in focus:
            values = (f,)
            row = None
            for c in constraints:
                if type(c) is not _Property or c.shape.cyclic:
                    found = c.results(data, self, f, values)
                    if found:
                        out.extend(found)
                    continue
                prop = c.shape
                if prop.deactivated:
                    continue
                pred = prop.predicate
                if pred is not None:
                    if row is None:
                        row = out_get(f, _EMPTY_D)
                    vals = row.get(pred, _EMPTY)
                else:
                    vals = prop.path(data, f)  # type: ignore[misc]
                for pc in prop.constraints:
                    if type(pc) is _Count:
                        n = len(vals)
                        if n < pc.n if pc.minimum else n > pc.n:
                            out.append(Result(prop, pc, f))
                        continue
                    found = pc.results(data, prop, f, vals)
                    if found:
                        out.extend(found)

    def conforms(self, data: _Data, v: Node) -> bool:
        """Does ``v`` conform (validating it gives no result at all, whatever the severity)?"""
        if self.deactivated:
            return True
        quick = self.quick
        if quick is not None:
            for c in quick:  # noqa: SIM110
                if not c.test(data, v):
                    return False
            return True
        key = (self, v)
        memo = data.memo
        known = memo.get(key)
        if known is not None:
            return known
        if not self.cyclic:  # nothing below can be assumed about this check: no guard
            values = (v,) if self.path is None else self.path(data, v)
            ok = True
            for c in self.constraints:
                if not c.ok(data, v, values):
                    ok = False
                    break
            memo[key] = ok
            return ok
        stack = data.stack
        if key in stack:
            data.assumed += 1
            return True
        stack.add(key)
        before = data.assumed
        try:
            values = (v,) if self.path is None else self.path(data, v)
            ok = True
            for c in self.constraints:
                if not c.ok(data, v, values):
                    ok = False
                    break
        finally:
            stack.discard(key)
        if data.assumed == before:  # not decided under a recursive assumption: keep it
            memo[key] = ok
        return ok

    def reachable(self) -> Iterator[Shape]:
        seen: set[int] = set()
        todo: list[Shape] = [self]
        while todo:
            s = todo.pop()
            if id(s) in seen:
                continue
            seen.add(id(s))
            yield s
            for c in s.constraints:
                todo.extend(c.refs)


def _closure(step: PathFn, node: Node, data: _Data, include_self: bool) -> set[Node]:
    found: set[Node] = {node} if include_self else set()
    todo = [node]
    seen = {node}
    while todo:
        for n in step(data, todo.pop()):
            found.add(n)
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return found


# ---------------------------------------------------------------------------------------------
# The compiled program
# ---------------------------------------------------------------------------------------------


@dataclass
class CompiledShapes:
    """A shapes graph compiled for fast validation of many document graphs."""

    shapes_graph: Graph
    top: list[Shape]  # the shapes with targets, validated on every document
    forward: dict[Node, Node]  # predicates whose subject -> objects index is needed
    inverse: dict[Node, Node]  # predicates whose object -> subjects index is needed
    every_predicate: bool = False  # sh:closed needs every property of a node (_Data.rest)
    all_shapes: dict[Node, Shape] = field(repr=False, default_factory=dict)
    delegated: list[Shape] = field(default_factory=list)  # validated by pySHACL
    digest: str = ""
    source: str = ""  # what the shapes were loaded from, for messages
    report_cache: Any = field(default=None, repr=False)  # report.ReportCache, made when needed
    # predicates every closed shape allows and no shape reads: not kept at all
    unread: frozenset = frozenset()
    # predicate -> (its term in the forward index or None, its place in inverse_terms or None,
    # whether it goes to _Data.rest): IRIs by their text, any term by itself; no_pair otherwise
    pairs_text: dict[str, tuple] = field(default_factory=dict, repr=False)
    pairs_term: dict[Node, tuple] = field(default_factory=dict, repr=False)
    no_pair: tuple = (None, None, False)
    inverse_terms: list[Node] = field(default_factory=list, repr=False)
    pair_of: dict[Node, tuple] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        every = self.every_predicate
        self.no_pair = (None, None, every)
        self.inverse_terms = list(dict.fromkeys(self.inverse.values()))
        position = {t: i for i, t in enumerate(self.inverse_terms)}
        for p in {**self.forward, **self.inverse, **dict.fromkeys(self.unread)}:
            fp = self.forward.get(p)
            ip = self.inverse.get(p)
            pair = (
                fp,
                None if ip is None else position[ip],
                every and fp is None and p not in self.unread,
            )
            self.pairs_term[p] = pair
            if type(p) is URIRef:
                self.pairs_text[str(p)] = pair

    def pair(self, p: Node) -> tuple:
        """What the index does with predicate ``p``, remembered under the data's own term
        object, so that the next look-up of that object is by identity (extraction emits one
        object per predicate; equal but distinct rdflib terms compare in slow Python)."""
        if type(p) is URIRef:
            found = self.pairs_text.get(str(p), self.no_pair)
        else:
            found = self.pairs_term.get(p, self.no_pair)
        if len(self.pair_of) < 1024:  # data that makes ever new predicate objects: no growth
            self.pair_of[p] = found
        return found

    def validate(self, doc: Any, file: str | None = None) -> ShaclOutcome:
        data = _Data(doc, doc.triples, self)
        results: list[Result] = []
        for shape in self.top:
            if shape.deactivated:
                continue
            focus = shape.focus_nodes(data)
            if focus:
                results.extend(shape.validate(data, focus))
        if self.delegated:
            results.extend(validate_delegated(self, doc))
        return ShaclOutcome(self, doc, results, file)

    def write_report(self, pairs: list[tuple[Any, list[Result]]], bnode_prefix: str = "b") -> str:
        """The W3C validation report (Turtle) of (document, results) pairs of this program."""
        from archive.shacl.report import ReportCache, write_report

        if self.report_cache is None:
            self.report_cache = ReportCache(self.shapes_graph)
        return write_report(self.shapes_graph, pairs, bnode_prefix, self.report_cache)

    @property
    def delegation_note(self) -> str | None:
        if not self.delegated:
            return None
        what = sorted({w for s in self.delegated for r in s.reachable() for w in r.foreign})
        names = ", ".join(sorted(s.label for s in self.delegated))
        return (
            f"shape(s) {names} use {', '.join(what)}, which the compiled engine does not "
            "implement: pySHACL validated them"
        )


# ---------------------------------------------------------------------------------------------
# The compiler
# ---------------------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, sg: Graph, names: dict[Node, str], where: Callable[[Node], Any]) -> None:
        self.sg = sg
        self.names = names
        self.where = where  # node -> (file, line) for error messages
        self.shapes: dict[Node, Shape] = {}
        self.forward: dict[Node, Node] = {}
        self.inverse: dict[Node, Node] = {_TYPE: _TYPE, _SUBCLASS: _SUBCLASS}
        self.every = False
        self.closed: list[_Closed] = []
        self.custom_params = self._custom_parameters()
        self.pending_qualified: list[tuple[Shape, Node]] = []

    # -- helpers -------------------------------------------------------------------------------

    def fail(self, node: Node, problem: str, param: Node | None = None) -> ShapesError:
        """The error for a shape, at the line of its ``param`` statement when known."""
        file, line = self.where(node, param) if param is not None else self.where(node)
        return ShapesError(f"shape {label_of(self.sg, node)}: {problem}", file, line)

    def single(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.sg.objects(node, predicate))
        if len(values) > 1:
            raise self.fail(node, f"more than one {qname(self.sg, predicate)}", predicate)
        return values[0] if values else None

    def items(self, head: Node, owner: Node, what: str, param: Node | None = None) -> list[Node]:
        return rdf_list(
            self.sg, head, lambda problem: self.fail(owner, f"{what}: {problem}", param)
        )

    def integer(self, node: Node, param: Node, value: Node) -> int:
        if not (isinstance(value, Literal) and xsd.well_formed(str(value), str(XSD.integer))):
            raise self.fail(
                node, f"{qname(self.sg, param)} must be an integer, not {value.n3()}", param
            )
        if value.datatype != XSD.integer:
            raise self.fail(node, f"{qname(self.sg, param)} must be an xsd:integer", param)
        return int(str(value))

    @staticmethod
    def index(predicate: Node, which: dict[Node, Node]) -> Node:
        """Ask for an index on ``predicate``; returns the term object look-ups must use."""
        return which.setdefault(predicate, predicate)

    def _custom_parameters(self) -> dict[Node, Node]:
        """Parameters of custom constraint components declared in the shapes graph."""
        sg = self.sg
        out: dict[Node, Node] = {}
        components = set(sg.subjects(RDF.type, SH.ConstraintComponent))
        for sub in list(sg.subjects(RDFS.subClassOf, SH.ConstraintComponent)):
            components |= set(sg.subjects(RDF.type, sub))
        for comp in components:
            for param in sg.objects(comp, SH.parameter):
                for p in sg.objects(param, SH.path):
                    if not str(p).startswith(str(SH)):
                        out[p] = comp
        return out

    # -- discovery -----------------------------------------------------------------------------

    def discover(self) -> tuple[list[Node], set[Node]]:
        """Every shape that can be validated directly: those with targets (explicit or implicit)."""
        sg = self.sg
        candidates: set[Node] = set(sg.subjects(RDF.type, SH.NodeShape)) | set(
            sg.subjects(RDF.type, SH.PropertyShape)
        )
        for p in (*_TARGETS, SH.target):
            candidates.update(sg.subjects(p, None))
        class_types = {RDFS.Class, OWL.Class}
        todo = list(class_types)
        while todo:  # SHACL instances of rdfs:Class in the shapes graph
            for sub in sg.subjects(RDFS.subClassOf, todo.pop()):
                if sub not in class_types:
                    class_types.add(sub)
                    todo.append(sub)
        implicit = {
            s
            for s in candidates | set(sg.subjects(SH.property, None))
            if any(t in class_types for t in sg.objects(s, RDF.type))
        }
        return sorted(candidates | implicit, key=str), implicit

    def compile_all(self) -> CompiledShapes:
        roots, implicit = self.discover()
        top: list[Shape] = []
        for node in roots:
            if isinstance(node, Literal):
                raise self.fail(node, "a literal cannot be a shape")
            shape = self.shape(node)
            if node in implicit:
                shape.target_classes.append(node)
            if shape.has_targets:
                top.append(shape)
        self.resolve_qualified()
        self.mark_cycles()
        unread = self.index_closed()
        compiled = [s for s in top if not any(r.foreign for r in s.reachable())]
        delegated = [s for s in top if any(r.foreign for r in s.reachable())]
        return CompiledShapes(
            self.sg,
            compiled,
            self.forward,
            self.inverse,
            self.every,
            dict(self.shapes),
            delegated,
            unread=unread,
        )

    def index_closed(self) -> frozenset:
        """sh:closed reads every property of a node but reports only those its shape does not
        allow: a predicate every closed shape allows and no shape reads is not kept at all (most
        of a document's rdf:type triples, say); the others allowed are indexed forwards, so
        that what _Data.rest keeps is never allowed. Returns the predicates not kept."""
        if not self.closed:
            return frozenset()
        always = set.intersection(*(c.allowed for c in self.closed))
        for c in self.closed:
            for p in c.allowed:
                if p not in always:
                    self.index(p, self.forward)
        for p in (_TYPE, _SUBCLASS):  # the properties every node may have
            if p not in always:
                self.index(p, self.forward)
        for c in self.closed:
            c.allowed = {self.forward.get(p, p) for p in c.allowed}
        return frozenset(p for p in always if p not in self.forward)

    # -- shapes --------------------------------------------------------------------------------

    def shape(self, node: Node) -> Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        if isinstance(node, Literal):
            raise self.fail(node, "a literal cannot be a shape")
        shape = Shape(node)
        self.shapes[node] = shape  # before the constraints: recursive shapes point back here
        sg = self.sg
        shape.rule = self.names.get(node) or local_name(node)
        shape.label = label_of(sg, node)
        path_node = self.single(node, SH.path)
        if path_node is not None:
            shape.path_node = path_node
            shape.path = self.path(path_node, node)
            shape.path_text = path_text(sg, path_node)
            if isinstance(path_node, URIRef):
                shape.predicate = self.index(path_node, self.forward)
        severity = self.single(node, SH.severity)
        if severity is not None:
            if not isinstance(severity, URIRef):
                raise self.fail(node, "sh:severity must be an IRI", SH.severity)
            shape.severity = severity
        shape.messages = tuple(sg.objects(node, SH.message))
        shape.deactivated = any(_is_true(v) for v in sg.objects(node, SH.deactivated))
        shape.target_nodes = list(sg.objects(node, SH.targetNode))
        shape.target_classes = list(sg.objects(node, SH.targetClass))
        shape.subjects_of = [
            self.index(p, self.inverse) for p in sg.objects(node, SH.targetSubjectsOf)
        ]
        shape.objects_of = [
            self.index(p, self.inverse) for p in sg.objects(node, SH.targetObjectsOf)
        ]
        for p in sg.predicates(node, None):
            if p in _FOREIGN:
                shape.foreign.append(_FOREIGN[p])
            elif p in self.custom_params:
                shape.foreign.append(
                    f"the custom constraint component {qname(sg, self.custom_params[p])}"
                )
        shape.constraints = self.constraints(shape)
        return shape

    def constraints(self, shape: Shape) -> list[Constraint]:
        sg = self.sg
        node = shape.node
        is_prop = shape.path_node is not None
        out: list[Constraint] = []
        objects = {}
        for p, o in sg.predicate_objects(node):
            objects.setdefault(p, []).append(o)

        def each(param: Node) -> list[Node]:
            return sorted(objects.get(param, ()), key=lambda n: (type(n).__name__, str(n)))

        for cls in each(SH["class"]):
            out.append(_Class(cls))
        for dt in each(SH.datatype):
            if not isinstance(dt, URIRef):
                raise self.fail(node, "sh:datatype must be an IRI", SH.datatype)
            out.append(_Datatype(dt))
        for kind in each(SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise self.fail(
                    node, f"sh:nodeKind {kind.n3()} is not one of the six SHACL kinds", SH.nodeKind
                )
            out.append(_NodeKind(kind))
        if is_prop:
            for param in (SH.minCount, SH.maxCount):
                for v in each(param):
                    n = self.integer(node, param, v)
                    if n < 0:
                        raise self.fail(node, f"{qname(sg, param)} must not be negative", param)
                    out.append(_Count(param, n))
        for param in (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive):
            for v in each(param):
                if not isinstance(v, Literal):
                    raise self.fail(node, f"{qname(sg, param)} must be a literal", param)
                out.append(_Range(param, v))
        for param in (SH.minLength, SH.maxLength):
            for v in each(param):
                out.append(_Length(param, self.integer(node, param, v)))
        flags = each(SH.flags)
        if len(flags) > 1:
            raise self.fail(node, "more than one sh:flags", SH.flags)
        if flags and not isinstance(flags[0], Literal):
            raise self.fail(node, "sh:flags must be a string", SH.flags)
        for v in each(SH.pattern):
            if not isinstance(v, Literal) or v.language:
                raise self.fail(node, "sh:pattern must be a string literal", SH.pattern)
            try:
                out.append(_Pattern(str(v), str(flags[0]) if flags else ""))
            except ShapesError as exc:
                raise self.fail(node, exc.problem, SH.pattern) from None
        for head in each(SH.languageIn):
            ranges = self.items(head, node, "sh:languageIn", SH.languageIn)
            if not all(isinstance(r, Literal) and not r.language for r in ranges):
                raise self.fail(node, "sh:languageIn must list strings", SH.languageIn)
            out.append(_LanguageIn([str(r) for r in ranges]))
        if is_prop:
            for v in each(SH.uniqueLang):
                if not (isinstance(v, Literal) and v.datatype == XSD.boolean):
                    raise self.fail(node, "sh:uniqueLang must be an xsd:boolean", SH.uniqueLang)
                if _is_true(v):
                    out.append(_UniqueLang())
        pairs = (SH.equals, SH.disjoint) + ((SH.lessThan, SH.lessThanOrEquals) if is_prop else ())
        for param in pairs:
            for v in each(param):
                if not isinstance(v, URIRef):
                    raise self.fail(node, f"{qname(sg, param)} must be a property IRI", param)
                out.append(_PairCompare(param, self.index(v, self.forward)))
        for v in each(SH["not"]):
            out.append(_Not(self.shape(v)))
        for param, kind in ((SH["and"], _And), (SH["or"], _Or), (SH.xone, _Xone)):
            for head in each(param):
                members = self.items(head, node, qname(sg, param), param)
                out.append(kind([self.shape(m) for m in members]))
        for v in each(SH.node):
            out.append(_NodeRef(self.shape(v)))
        for v in each(SH.property):
            if (v, SH.path, None) not in sg:
                raise self.fail(v, "a value of sh:property must have an sh:path")
            out.append(_Property(self.shape(v)))
        if is_prop and objects.get(SH.qualifiedValueShape):
            self.pending_qualified.append((shape, node))
        for v in each(SH.hasValue):
            out.append(_HasValue(v))
        for head in each(SH["in"]):
            out.append(_In(self.items(head, node, "sh:in", SH["in"])))
        closed = each(SH.closed)
        if any(_is_true(v) for v in closed):
            allowed: set[Node] = set()
            for head in each(SH.ignoredProperties):
                allowed.update(self.items(head, node, "sh:ignoredProperties", SH.ignoredProperties))
            for prop in objects.get(SH.property, ()):
                for p in sg.objects(prop, SH.path):
                    if isinstance(p, URIRef):
                        allowed.add(p)
            self.every = True
            closed = _Closed(allowed)  # indexed once every shape is known (index_closed)
            self.closed.append(closed)
            out.append(closed)
        return out

    def mark_cycles(self) -> None:
        """``Shape.cyclic``: whether a shape can reach itself (then a check of it may already be
        under way when it is reached again, and the recursion guard applies)."""
        for shape in self.shapes.values():
            seen: set[int] = set()
            todo = [r for c in shape.constraints for r in c.refs]
            cyclic = False
            while todo:
                s = todo.pop()
                if s is shape:
                    cyclic = True
                    break
                if id(s) in seen:
                    continue
                seen.add(id(s))
                todo.extend(r for c in s.constraints for r in c.refs)
            shape.cyclic = cyclic
        for shape in self.shapes.values():
            if (
                shape.path is None
                and not shape.cyclic
                and not shape.foreign
                and all(type(c) in _QUICK for c in shape.constraints)
            ):
                shape.quick = tuple(shape.constraints)  # type: ignore[arg-type]

    def resolve_qualified(self) -> None:
        """Qualified value shapes need their siblings, so they are built after every shape."""
        sg = self.sg
        for shape, node in self.pending_qualified:
            disjoint = any(_is_true(v) for v in sg.objects(node, SH.qualifiedValueShapesDisjoint))
            for q in sg.objects(node, SH.qualifiedValueShape):
                siblings: list[Shape] = []
                if disjoint:
                    for parent in sg.subjects(SH.property, node):
                        for other in sg.objects(parent, SH.property):
                            for sq in sg.objects(other, SH.qualifiedValueShape):
                                if sq != q and self.shape(sq) not in siblings:
                                    siblings.append(self.shape(sq))
                target = self.shape(q)
                for param, minimum in ((SH.qualifiedMinCount, True), (SH.qualifiedMaxCount, False)):
                    for v in sg.objects(node, param):
                        n = self.integer(node, param, v)
                        shape.constraints.append(_Qualified(minimum, n, target, siblings))

    # -- paths ---------------------------------------------------------------------------------

    def path(self, node: Node, owner: Node, inverse: bool = False, depth: int = 0) -> PathFn:
        """A function giving the values of a SHACL path (or of its inverse) from a node."""
        sg = self.sg
        if depth > 50:
            raise self.fail(owner, "the property path is nested too deep (a cycle?)", SH.path)
        if isinstance(node, URIRef):
            if inverse:
                p = self.index(node, self.inverse)
                return lambda data, n: data.inverse_values(p, n)
            p = self.index(node, self.forward)
            return lambda data, n: data.out.get(n, _EMPTY_D).get(p, _EMPTY)
        if not isinstance(node, BNode):
            raise self.fail(owner, "a property path must be an IRI or a blank node", SH.path)
        if (node, RDF.first, None) in sg:
            items = self.items(node, owner, "the sequence path", SH.path)
            if len(items) < 2:
                raise self.fail(owner, "a sequence path needs at least two members", SH.path)
            steps = [self.path(i, owner, inverse, depth + 1) for i in items]
            if inverse:
                steps.reverse()
            return _sequence(steps)
        kinds = {
            SH.inversePath,
            SH.alternativePath,
            SH.zeroOrMorePath,
            SH.oneOrMorePath,
            SH.zeroOrOnePath,
        }
        keys = [p for p in set(sg.predicates(node, None)) if p in kinds]
        if len(keys) != 1:
            raise self.fail(
                owner, "a path blank node must be a list or have exactly one path property"
            )
        (key,) = keys
        values = list(sg.objects(node, key))
        if len(values) != 1:
            raise self.fail(owner, f"{qname(sg, key)} needs exactly one value", SH.path)
        inner = values[0]
        if key == SH.inversePath:
            return self.path(inner, owner, not inverse, depth + 1)
        if key == SH.alternativePath:
            items = self.items(inner, owner, "sh:alternativePath", SH.path)
            if len(items) < 2:
                raise self.fail(owner, "an alternative path needs at least two members", SH.path)
            alts = [self.path(i, owner, inverse, depth + 1) for i in items]

            def alternative(data: _Data, n: Node) -> set[Node]:
                found: set[Node] = set()
                for step in alts:
                    found.update(step(data, n))
                return found

            return alternative
        step = self.path(inner, owner, inverse, depth + 1)
        if key == SH.zeroOrOnePath:
            return lambda data, n: {n} | set(step(data, n))
        include_self = key == SH.zeroOrMorePath
        return lambda data, n: _closure(step, n, data, include_self)


def _sequence(steps: list[PathFn]) -> PathFn:
    first, rest = steps[0], steps[1:]

    def seq(data: _Data, node: Node) -> Any:
        current = first(data, node)
        for step in rest:
            if not current:
                return _EMPTY
            if len(current) == 1:  # one node: its values are the next step's, as they are
                for n in current:
                    current = step(data, n)
                continue
            following: set[Node] = set()
            for n in current:
                following.update(step(data, n))
            current = following
        return current

    return seq


# ---------------------------------------------------------------------------------------------
# Names, labels and lists in a shapes graph
# ---------------------------------------------------------------------------------------------


def rdf_list(sg: Graph, head: Node, fail: Callable[[str], Exception]) -> list[Node]:
    """The members of a well-formed RDF list; anything else is an ill-formed shapes graph."""
    out: list[Node] = []
    seen: set[Node] = set()
    node = head
    while node != RDF.nil:
        if node in seen:
            raise fail("the list is circular")
        if not isinstance(node, (BNode, URIRef)):
            raise fail(f"{node.n3()} is not an RDF list")
        seen.add(node)
        firsts = list(sg.objects(node, RDF.first))
        rests = list(sg.objects(node, RDF.rest))
        if len(firsts) != 1 or len(rests) != 1:
            raise fail(
                "not a well-formed RDF list (each cell needs one rdf:first and one rdf:rest)"
            )
        out.append(firsts[0])
        node = rests[0]
    return out


def local_name(uri: Node) -> str:
    text = str(uri)
    tail = text.rsplit("#", 1)[-1] if "#" in text else text.rstrip("/").rsplit("/", 1)[-1]
    return tail or text


def qname(sg: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return sg.namespace_manager.normalizeUri(node)
        except Exception:  # pragma: no cover - normalizeUri falls back itself
            return f"<{node}>"
    return node.n3()


def label_of(sg: Graph, node: Node, depth: int = 0) -> str:
    """A name people can find in the Turtle: anonymous shapes by their label, path and owner."""
    if not isinstance(node, BNode) or depth > 3:
        return qname(sg, node)
    label = sg.value(node, RDFS.label) or sg.value(node, SH.name)
    path = sg.value(node, SH.path)
    text = f"[{label}]" if label else f"[sh:path {path_text(sg, path)}]" if path else "[shape]"
    owner = next(iter(sg.subjects(SH.property, node)), None)
    return f"{label_of(sg, owner, depth + 1)} {text}" if owner is not None else text


def path_text(sg: Graph, path: Node | None, depth: int = 0) -> str:
    """A SHACL path in SPARQL property path syntax, with prefixed names."""
    if path is None:
        return ""
    if isinstance(path, URIRef) or depth > 20:
        return qname(sg, path)
    if (path, RDF.first, None) in sg:
        return "/".join(path_text(sg, p, depth + 1) for p in sg.items(path))
    for key, fmt in (
        (SH.alternativePath, None),
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = sg.value(path, key)
        if inner is None:
            continue
        if fmt is None:
            return "|".join(path_text(sg, p, depth + 1) for p in sg.items(inner))
        text = path_text(sg, inner, depth + 1)
        if not isinstance(inner, URIRef):
            text = f"({text})"
        return fmt.format(text)
    return path.n3()


def _slug(text: str) -> str:
    return "-".join(str(text).split())


def shape_names(sg: Graph) -> dict[Node, str]:
    """Readable rule ids: ``DocumentTitle`` for named shapes (IRI local names), ``PlaceShape.
    identifier`` for the anonymous property shapes inside a node shape (from rdfs:label or
    sh:name), an anonymous shape's label alone when nothing owns it."""
    names: dict[Node, str] = {}

    def name(node: Node, depth: int = 0) -> str:
        if node in names:
            return names[node]
        if isinstance(node, URIRef):
            found = local_name(node)
        else:
            label = sg.value(node, RDFS.label) or sg.value(node, SH.name)
            owner = next(iter(sg.subjects(SH.property, node)), None)
            own = _slug(label) if label else "property" if owner is not None else "shape"
            found = f"{name(owner, depth + 1)}.{own}" if owner is not None and depth < 5 else own
        names[node] = found
        return found

    shapes = (
        set(sg.subjects(RDF.type, SH.NodeShape))
        | set(sg.subjects(RDF.type, SH.PropertyShape))
        | set(sg.subjects(SH.property, None))
        | set(sg.objects(None, SH.property))
        | set(sg.subjects(SH.path, None))
    )
    for p in _TARGETS:
        shapes |= set(sg.subjects(p, None))
    for s in shapes:
        if not isinstance(s, Literal):
            name(s)
    return names


# ---------------------------------------------------------------------------------------------
# Compiling, by content
# ---------------------------------------------------------------------------------------------


def graph_digest(sg: Graph) -> str:
    """The content of a shapes graph (its triples, blank node labels included): what the
    compiled program is cached by, so that a graph changed after its first use is recompiled."""
    h = hashlib.sha256()
    for line in sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in sg):
        h.update(line.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


_CACHE: OrderedDict[str, CompiledShapes] = OrderedDict()
_CACHE_SIZE = 16


def _no_location(node: Node, predicate: Node | None = None) -> tuple[None, None]:
    return None, None


def compile_graph(
    sg: Graph,
    digest: str | None = None,
    where: Callable[[Node], Any] | None = None,
    source: str = "",
) -> CompiledShapes:
    """Compile a shapes graph, or reuse the compilation of a graph with the same content."""
    key = digest or graph_digest(sg)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    compiled = _Compiler(sg, shape_names(sg), where or _no_location).compile_all()
    compiled.digest = key
    compiled.source = source
    _CACHE[key] = compiled
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


# ---------------------------------------------------------------------------------------------
# Outcomes: findings and the W3C report, built when read
# ---------------------------------------------------------------------------------------------


class ShaclOutcome:
    """The results of one document graph: ``conforms`` (no result at all, as the W3C report
    says), ``findings`` for the archive's report, ``report`` (the W3C report as Turtle)."""

    def __init__(
        self, program: CompiledShapes, doc: Any, results: list[Result], file: str | None
    ) -> None:
        self.program = program
        self.doc = doc
        self.results = results
        self.file = file
        self._findings: list[Finding] | None = None

    @property
    def conforms(self) -> bool:
        return not self.results

    @property
    def findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = results_to_findings(
                self.results, self.doc, self.file, self.program.shapes_graph
            )
        return self._findings

    def findings_with_shapes(self) -> list[tuple[Finding, Shape]]:
        """The findings, each with the shape whose result it reports."""
        return findings_with_shapes(self.results, self.doc, self.file, self.program.shapes_graph)

    def turtle(self, bnode_prefix: str = "b") -> str:
        return self.program.write_report([(self.doc, self.results)], bnode_prefix)

    @property
    def report(self) -> Graph:
        """The W3C validation report as an rdflib Graph (parsed from :meth:`turtle`)."""
        return Graph().parse(data=self.turtle(), format="turtle")

    def __repr__(self) -> str:
        return f"ShaclOutcome(conforms={self.conforms}, results={len(self.results)})"


FastShaclResult = ShaclOutcome  # the name earlier versions used


def _preferred(messages: tuple[Node, ...], lang: str = "en") -> str:
    """One message for a finding: English first, then untagged, then any."""
    if not messages:
        return DEFAULT_MESSAGE
    for m in messages:
        if isinstance(m, Literal) and m.language and m.language.lower().split("-")[0] == lang:
            return str(m)
    for m in messages:
        if not (isinstance(m, Literal) and m.language):
            return str(m)
    return str(messages[0])


def _message(result: Result) -> str:
    """_preferred(result.all_messages()), without making a Literal of the component's own
    description when the shape gives no message (rdflib's Literal() is slow)."""
    if result.messages is None and not result.shape.messages:
        return result.component.describe(result)
    return _preferred(result.all_messages())


def _n3(node: Node | None) -> str | None:
    if node is None:
        return None
    return str(node) if isinstance(node, URIRef) else node.n3()


def result_to_finding(result: Result, doc: Any, file: str | None, sg: Graph) -> Finding:
    shape = result.shape
    focus = result.focus
    path = result.path
    path_shown = qname(sg, path) if path is not None else shape.path_text
    message = _message(result)
    line = None
    if hasattr(doc, "locate"):
        line, message = doc.locate(str(focus), message)
    return Finding(
        rule="shacl." + (shape.rule or local_name(result.component.iri)),
        severity=SEVERITIES.get(shape.severity, Severity.ERROR),  # type: ignore[arg-type]
        message=message,
        layer=Layer.SHACL,
        file=file or (str(doc.source) if getattr(doc, "source", None) else None),
        line=line,
        focus=_n3(focus),
        path=path_shown or None,
        value=_n3(result.value),
    )


def results_to_findings(
    results: list[Result], doc: Any, file: str | None, sg: Graph
) -> list[Finding]:
    """One finding per result. A sh:node result whose details say why is folded into the first
    of them (the most precise finding leads; the sh:node result is its echo)."""
    return [f for f, _ in findings_with_shapes(results, doc, file, sg)]


def findings_with_shapes(
    results: list[Result], doc: Any, file: str | None, sg: Graph
) -> list[tuple[Finding, Shape]]:
    """:func:`results_to_findings`, each finding with the shape whose result leads it (whose
    shapes file it comes from: the project's, or a repository's own)."""
    out: list[tuple[Finding, Shape]] = []
    for r in results:
        if r.details:
            inner = findings_with_shapes(r.details, doc, file, sg)
            if inner:
                outer = result_to_finding(r, doc, file, sg)
                first, shape = inner[0]
                if SEVERITIES.get(r.shape.severity, Severity.ERROR).rank < first.severity.rank:
                    out.append((outer, r.shape))  # the outer result is more severe: it leads
                    out.extend(inner)
                    continue
                out.append((first.with_echoes(outer), shape))
                out.extend(inner[1:])
                continue
        out.append((result_to_finding(r, doc, file, sg), r.shape))
    return out


# ---------------------------------------------------------------------------------------------
# What pySHACL validates for us: SHACL-SPARQL, SPARQL-based targets, custom components
# ---------------------------------------------------------------------------------------------
#
# Every top-level shape that reaches such a construct is validated by pySHACL (``use_shapes``),
# on the document's graph alone, and its results come back as this engine's own, so that
# findings and the W3C report treat both the same way.

SKOLEM = "urn:x-archive:shape:"


class _ComponentOf:
    """A result's source constraint component, as pySHACL named it."""

    def __init__(self, iri: URIRef) -> None:
        self.iri = iri

    def describe(self, result: Any) -> str:
        return "SHACL constraint violated"


def _skolemised(program: Any) -> tuple[Graph, dict[URIRef, Node]]:
    """pySHACL's ``use_shapes`` takes IRIs: anonymous delegated shapes get one for the run."""
    cached = getattr(program, "_skolem", None)
    if cached is not None:
        return cached
    sg: Graph = program.shapes_graph
    mapping: dict[Node, URIRef] = {}
    for i, shape in enumerate(program.delegated):
        if isinstance(shape.node, BNode):
            mapping[shape.node] = URIRef(f"{SKOLEM}{i}")
    if mapping:
        copy = Graph()
        for prefix, ns in sg.namespaces():
            copy.bind(prefix, ns)
        for s, p, o in sg:
            copy.add((mapping.get(s, s), p, mapping.get(o, o)))
        sg = copy
    back = {v: k for k, v in mapping.items()}
    program._skolem = (sg, back)
    return sg, back


def validate_delegated(program: Any, doc: Any) -> list[Result]:
    """pySHACL's results for the delegated shapes on one document graph, as :class:`Result`."""
    from pyshacl import validate

    sg, back = _skolemised(program)
    use = [
        str(next((k for k, v in back.items() if v == s.node), s.node)) for s in program.delegated
    ]
    data = doc.to_graph() if hasattr(doc, "to_graph") else _graph(doc.triples)
    _, report, _ = validate(
        data,
        shacl_graph=sg,
        inference="none",
        advanced=True,
        allow_warnings=False,
        use_shapes=use,
    )
    out = []
    for r in report.subjects(SH.resultSeverity, None):
        source = report.value(r, SH.sourceShape)
        node = back.get(source, source) if isinstance(source, URIRef) else source
        shape = program.all_shapes.get(node)
        if shape is None:
            shape = _find_shape(program, report, source)
        if shape is None:
            continue
        path = report.value(r, SH.resultPath)
        own_path = shape.path_node
        messages = tuple(m for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal))
        out.append(
            Result(
                shape,
                _ComponentOf(
                    report.value(r, SH.sourceConstraintComponent) or SH.ConstraintComponent
                ),
                report.value(r, SH.focusNode),
                report.value(r, SH.value),
                path=path if isinstance(path, URIRef) and path != own_path else None,
                messages=None if shape.messages else messages or None,
            )
        )
    return out


def _find_shape(program: Any, report: Graph, source: Node) -> Any:
    """pySHACL copies anonymous shapes into its report; find ours by what they say."""
    if not isinstance(source, BNode):
        return None
    path = report.value(source, SH.path)
    for node, shape in program.all_shapes.items():
        if (
            isinstance(node, BNode)
            and shape.path_node is not None
            and path is not None
            and str(program.shapes_graph.value(node, SH.path)) == str(path)
        ):
            return shape
    return None


def _graph(triples: Any) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g
