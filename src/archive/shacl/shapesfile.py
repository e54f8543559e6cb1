"""Shapes from files: the project's, and a repository's own (``archive validate --shapes``).

A repository that validates submissions brings its own rules. Its shapes files are read with
line numbers, so that a mistake in them is reported where it is: a file that is not RDF, a term
in the SHACL namespace that SHACL does not define (``sh:minCont``), a broken RDF list, a shape
that targets nothing and that no other shape uses. Each is a :class:`ShapesError` naming the file
and line (exit code 2 on the command line).

A :class:`Shapes` knows the content it was read from (a SHA-256 of the files), which is what its
compiled program is cached by: the same files are compiled once per process, a changed file is
read and compiled again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.namespace._SH import SH as SH_TERMS
from rdflib.term import Node

from archive.errors import ShapesError
from archive.rdf.namespaces import SH
from archive.resources import data_dir

SHAPES_DIR = data_dir("shapes")
RDF_SUFFIXES = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "turtle",  # N-Triples is Turtle: read with line numbers
    ".n3": "turtle",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".trig": "trig",
    ".nq": "nquads",
}
# rdflib lists the SHACL vocabulary, less the terms that are Python keywords
KNOWN_TERMS = frozenset(
    str(SH) + name for name in (*SH_TERMS.__annotations__, "class", "and", "or", "not", "in")
)
_SHAPE_REFS = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_PARAMETERS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minInclusive,
    SH.minExclusive, SH.maxInclusive, SH.maxExclusive, SH.minLength, SH.maxLength, SH.pattern,
    SH.languageIn, SH.uniqueLang, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
    SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.property, SH.qualifiedValueShape,
    SH.closed, SH.hasValue, SH["in"], SH.sparql,
}  # fmt: skip


@dataclass(eq=False)
class Shapes:
    """A shapes graph read from files, with where each node was written."""

    graph: Graph
    digest: str
    files: tuple[Path, ...] = ()
    locations: dict[Node, tuple[str, int | None]] = field(default_factory=dict, repr=False)
    project: bool = True  # the project's shapes are part of it
    # the line of each statement (subject, predicate, object), where the file has lines
    statements: dict[tuple[Node, Node, Node], int] = field(default_factory=dict, repr=False)

    def where(
        self, node: Node, predicate: Node | None = None, obj: Node | None = None
    ) -> tuple[str | None, int | None]:
        """The file and line of ``node``: of its statement with ``predicate`` (and ``obj``)
        when there is one (where a mistake is), else of its first statement."""
        file, line = self.locations.get(node, (None, None))
        if predicate is not None and line is not None:
            if obj is not None:
                return file, self.statements.get((node, predicate, obj), line)
            lines = [n for (s, p, _), n in self.statements.items() if s == node and p == predicate]
            if lines:
                return file, min(lines)
        return file, line

    def compiled(self) -> Any:
        from archive.shacl.compiled import compile_graph

        return compile_graph(self.graph, self.digest, self.where, ", ".join(map(str, self.files)))

    def __reduce__(self) -> tuple[Any, ...]:
        """Worker processes read the same files again rather than receive a pickled graph."""
        user = tuple(f for f in self.files if not _is_project_file(f))
        return (load_shapes, (user, self.project))


def _is_project_file(path: Path) -> bool:
    try:
        return path.resolve().parent == SHAPES_DIR.resolve()
    except OSError:  # pragma: no cover
        return False


@contextmanager
def exact_literals() -> Iterator[None]:
    """Read literals as written: rdflib otherwise "normalises" ``"1"^^xsd:boolean`` to ``true``
    and ``"none"^^xsd:boolean`` to ``false``, which changes what SHACL sees."""
    import rdflib

    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before


# ---------------------------------------------------------------------------------------------
# Reading one file, with line numbers
# ---------------------------------------------------------------------------------------------


def _parse_turtle(
    data: bytes, graph: Graph, file: str, locations: dict, statements: dict | None = None
) -> None:
    """rdflib's Turtle parser, recording the line of each node's first statement (and of each
    statement: the line where its object ends, where a mistake in it is written)."""
    from rdflib.plugins.parsers.notation3 import BadSyntax, RDFSink, SinkParser

    class LineSink(RDFSink):
        parser: Any = None

        def makeStatement(self, quadruple, why=None):
            f, p, s, o = quadruple
            line = self.parser.lines + 1
            for term in (s, o):
                n = self.normalise(f, term)
                if not isinstance(n, Literal):
                    locations.setdefault(n, (file, line))
            if statements is not None:
                key = (self.normalise(f, s), self.normalise(f, p), self.normalise(f, o))
                statements.setdefault(key, line)
            super().makeStatement(quadruple, why)

    sink = LineSink(graph)
    parser = SinkParser(sink, baseURI=Path(file).resolve().as_uri(), turtle=True)
    sink.parser = parser
    try:
        parser.feed(data.decode("utf-8"))
        parser.endDoc()
    except UnicodeDecodeError as exc:
        raise ShapesError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file) from None
    except BadSyntax as exc:
        line = getattr(exc, "lines", None)
        reason = getattr(exc, "_why", None) or str(exc)
        raise ShapesError(f"not valid Turtle: {reason}", file, (line or 0) + 1) from None
    for prefix, namespace in parser._bindings.items():
        graph.bind(prefix, namespace, override=False)


def read_file(path: Path, graph: Graph, locations: dict, statements: dict | None = None) -> None:
    """Add one RDF file to ``graph``; anything unreadable is a :class:`ShapesError`."""
    file = str(path)
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ShapesError(
            "not a shapes file: the name should end in " + ", ".join(sorted(RDF_SUFFIXES)), file
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ShapesError(f"cannot read it: {exc.strerror or exc}", file) from None
    if fmt == "turtle":
        with exact_literals():
            _parse_turtle(data, graph, file, locations, statements)
        return
    part = Graph()
    try:
        with exact_literals():
            part.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many kinds for bad input
        line = getattr(exc, "lineno", None) or getattr(exc, "getLineNumber", lambda: None)()
        raise ShapesError(f"not valid {fmt.upper()}: {exc}", file, line) from None
    for t in part:
        graph.add(t)
        for n in (t[0], t[2]):
            if not isinstance(n, Literal):
                locations.setdefault(n, (file, None))
    for prefix, ns in part.namespaces():
        graph.bind(prefix, ns, override=False)


def shapes_files(path: Path) -> list[Path]:
    """A file, or the RDF files in a folder (recursively, in name order)."""
    if path.is_dir():
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RDF_SUFFIXES
        )
        if not found:
            raise ShapesError("no shapes files (*.ttl, *.nt, *.jsonld, *.rdf ...) in it", str(path))
        return found
    if not path.exists():
        raise ShapesError("no such file or folder", str(path))
    return [path]


# ---------------------------------------------------------------------------------------------
# Checks a repository's shapes must pass
# ---------------------------------------------------------------------------------------------


def check_terms(graph: Graph, own: set[Node], where: Any) -> None:
    """Every IRI in the SHACL namespace must be a term SHACL defines (a typo is not ignored)."""
    ns = str(SH)
    for t in graph:
        if t[0] not in own:
            continue
        for term in t:
            if (
                isinstance(term, URIRef)
                and str(term).startswith(ns)
                and str(term) not in KNOWN_TERMS
            ):
                file, line = where(*t)
                raise ShapesError(
                    f"sh:{str(term)[len(ns) :]} is not a SHACL term (see https://www.w3.org/TR/shacl/)",
                    file,
                    line,
                )


def check_targets(graph: Graph, own: set[Node], where: Any) -> int:
    """A shape of the user's files that has no target and that no other shape refers to would
    never check anything: almost always a mistake (a misspelt target, a forgotten sh:property).
    Returns how many shapes were found."""
    declared = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    with_params = {s for p in _PARAMETERS for s in graph.subjects(p, None)}
    shapes = declared | with_params
    targeted = {
        s
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
        for s in graph.subjects(p, None)
    }
    referenced: set[Node] = set()
    for p in _SHAPE_REFS:
        referenced.update(graph.objects(None, p))
    for p in _SHAPE_LISTS:
        for head in graph.objects(None, p):
            try:
                referenced.update(graph.items(head))
            except Exception:  # a broken list is reported when compiling
                continue
    classes = {
        s for s in shapes if any(t in (RDFS.Class, OWL.Class) for t in graph.objects(s, RDF.type))
    }
    for s in sorted(shapes & own, key=str):
        if isinstance(s, Literal) or s in targeted or s in referenced or s in classes:
            continue
        if isinstance(s, BNode) and (None, None, s) in graph:
            continue  # an anonymous shape used by some other construct
        file, line = where(s)
        from archive.shacl.compiled import label_of

        raise ShapesError(
            f"shape {label_of(graph, s)} targets nothing and no other shape uses it, so it would "
            "never check anything: give it sh:targetClass, sh:targetNode, sh:targetSubjectsOf or "
            "sh:targetObjectsOf, or refer to it from another shape",
            file,
            line,
        )
    return len(shapes & own)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _stamp(paths: Sequence[Path]) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def load_shapes(paths: Iterable[str | Path] = (), with_project: bool = True) -> Shapes:
    """The project's shapes (unless ``with_project`` is false) and the shapes in ``paths``
    (files or folders). A user's file is checked (SHACL terms, lists, targets) and compiled
    before it is used, so that a mistake stops the run with its file and line."""
    files: list[Path] = []
    if with_project:
        files.extend(sorted(SHAPES_DIR.glob("*.ttl")))
    user: list[Path] = []
    for p in paths:
        user.extend(shapes_files(Path(p)))
    files.extend(user)
    if not files:
        raise ShapesError("no shapes to validate with: give --shapes FILE_OR_DIR")
    return _load(tuple(files), len(user), with_project, _stamp(files))


@lru_cache(maxsize=8)
def _load(files: tuple[Path, ...], n_user: int, with_project: bool, stamp: tuple) -> Shapes:
    graph = Graph()
    locations: dict[Node, tuple[str, int | None]] = {}
    statements: dict[tuple[Node, Node, Node], int] = {}
    h = hashlib.sha256()
    user_files = files[len(files) - n_user :] if n_user else ()
    own: set[Node] = set()
    for f in files:
        before = set(graph.all_nodes()) if f in user_files else None
        read_file(f, graph, locations, statements if f in user_files else None)
        h.update(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
        if before is not None:
            own |= set(graph.all_nodes()) - before
    shapes = Shapes(graph, h.hexdigest(), files, locations, with_project, statements)
    if user_files:
        check_terms(graph, own, shapes.where)
        if check_targets(graph, own, shapes.where) == 0:
            raise ShapesError(
                "no SHACL shapes in it (nothing typed sh:NodeShape or sh:PropertyShape, nothing "
                "with a target or a constraint)",
                ", ".join(map(str, user_files)),
            )
        shapes.compiled()  # ill-formed constructs are reported now, with their line
    return shapes


def project_shapes() -> Shapes:
    """The shapes shipped with the project (``shapes/``), read again when a file changes."""
    return load_shapes((), True)
