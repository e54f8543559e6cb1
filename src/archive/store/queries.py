"""Saved queries (``queries/*.rq``), query parameters, and the syntax check.

A saved query is a ``.rq`` file whose leading ``#`` comment block documents it::

    # title: Documents by signatory
    # answers: Which documents did this organisation or person sign?
    # param: signatory iri required  The sender: an IRI, prefix:name or kind/slug.
    # example: archive query documents-by-signatory --param signatory=org/gisti

Parameters are bound the same way on every backend: a ``VALUES`` block is placed at the start
of the query's top-level ``WHERE`` group, so a bound variable constrains the whole pattern
(pyoxigraph's own substitutions exist only in the embedded store). The block is written on the
line where the group opens, so syntax errors keep their line numbers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from archive.errors import QueryError, UsageError
from archive.rdf.namespaces import PREFIX_IRIS, PREFIXES, XSD
from archive.rdf.uris import URIs
from archive.resources import data_dir

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
PARAM_KINDS = ("iri", "string", "literal", "integer", "year", "date")
PROJECT_QUERIES = data_dir("queries")
NATURAL_QUERIES = PROJECT_QUERIES / "natural"  # as a researcher writes them (tests, bench)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "literal"
    required: bool = False
    description: str = ""


@dataclass
class SavedQuery:
    name: str
    text: str
    path: Path | None = None
    title: str = ""
    answers: str = ""
    params: list[Param] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    notes: str = ""
    matches: str = ""  # the saved query that answers the same question (natural queries)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "answers": self.answers,
            "params": [p.__dict__ for p in self.params],
            "examples": self.examples,
            "path": str(self.path) if self.path else None,
        }


# --- the header ------------------------------------------------------------------------------


def parse_header(text: str, name: str, path: Path | None = None) -> SavedQuery:
    fields: dict[str, list[str]] = {}
    key: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if key is None:
                continue
            break
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        m = re.match(r"\s?([a-z]+):\s*(.*)$", body)
        if m:
            key = m.group(1)
            fields.setdefault(key, []).append(m.group(2).strip())
        elif key and body.strip():
            fields[key][-1] = (fields[key][-1] + " " + body.strip()).strip()
    params = []
    for spec in fields.get("param", []):
        parts = spec.split(None, 3)
        if len(parts) < 2 or parts[1] not in PARAM_KINDS:
            raise QueryError(
                f"saved query {name}: bad param line {spec!r} "
                f"(expected: NAME KIND required|optional DESCRIPTION, KIND one of "
                f"{', '.join(PARAM_KINDS)})"
            )
        required = len(parts) > 2 and parts[2] == "required"
        desc = parts[3] if len(parts) > 3 else ""
        if len(parts) > 2 and parts[2] not in ("required", "optional"):
            desc = " ".join(parts[2:])
        params.append(Param(parts[0].lstrip("?$"), parts[1], required, desc))
    return SavedQuery(
        name=name,
        text=text,
        path=path,
        title=" ".join(fields.get("title", [])),
        answers=" ".join(fields.get("answers", [])),
        params=params,
        examples=fields.get("example", []),
        notes=" ".join(fields.get("notes", [])),
        matches=" ".join(fields.get("matches", [])),
    )


def query_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Where saved queries are looked up: ``--queries``, ``$ARCHIVE_QUERIES``, the project's."""
    dirs = list(extra or [])
    env = os.environ.get("ARCHIVE_QUERIES")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs.append(PROJECT_QUERIES)
    return dirs


def saved_queries(dirs: list[Path] | None = None) -> dict[str, SavedQuery]:
    """Every saved query by name; an earlier directory wins over a later one."""
    out: dict[str, SavedQuery] = {}
    for d in dirs if dirs is not None else query_dirs():
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.rq")):
            if path.stem not in out:
                out[path.stem] = parse_header(path.read_text(encoding="utf-8"), path.stem, path)
    return out


def resolve(arg: str, dirs: list[Path] | None = None) -> SavedQuery:
    """QUERY as given on the command line: a ``.rq`` file, a saved query's name, or SPARQL."""
    path = Path(arg)
    if arg.endswith((".rq", ".sparql")) or (NAME.match(arg) and path.is_file()):
        if not path.is_file():
            raise UsageError(f"no such query file: {arg}")
        return parse_header(path.read_text(encoding="utf-8"), path.stem, path)
    if NAME.match(arg):
        saved = saved_queries(dirs)
        if arg in saved:
            return saved[arg]
        raise UsageError(
            f"no saved query named {arg!r} (see `archive query --list`); "
            "to run SPARQL, give the query text or a .rq file"
        )
    return SavedQuery(name="(query)", text=arg)


# --- syntax ----------------------------------------------------------------------------------

_checker: ox.Store | None = None


_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def syntax_error(exc: SyntaxError, what: str = "query", text: str | None = None) -> QueryError:
    """pyoxigraph's 'error at L:C: message' as a QueryError with line and column.

    pyoxigraph reports the position just after where its parser gave up, past any white space;
    with the query text at hand, the position is moved back to the last character read.
    """
    message_text = str(exc)
    m = _POSITION.search(message_text)
    if not m:
        return QueryError(f"SPARQL syntax error in the {what}: {message_text}")
    line, column = int(m.group(1)), int(m.group(2))
    if text is not None:
        line, column = _last_read(text, line, column)
    message = _tidy(m.group(3).strip())
    return QueryError(
        f"SPARQL syntax error in the {what} at line {line}, column {column}: {message}",
        line=line,
        column=column,
    )


def _last_read(text: str, line: int, column: int) -> tuple[int, int]:
    lines = text.split("\n")
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    i = min(offset, len(text)) - 1
    while i > 0 and text[i].isspace():
        i -= 1
    i = max(i, 0)
    before = text[:i]
    return before.count("\n") + 1, i - (before.rfind("\n") + 1) + 1


def _tidy(message: str) -> str:
    """Shorten the parser's list of expected tokens, and say 'unknown prefix' plainly."""
    if "Prefix not found" in message:
        return "unknown prefix (declare it with PREFIX, or use a profile prefix)"
    if message.startswith("expected one of") and len(message) > 160:
        items = message[len("expected one of ") :].split(", ")
        return "expected one of " + ", ".join(items[:8]) + ", …"
    return message


def check_syntax(text: str) -> None:
    """Parse the query here, so that errors point at the user's line and column on any backend.

    The profile's prefixes are predeclared. The check parses only: an in-memory store builds
    the (lazy) result iterator, which is never consumed.
    """
    global _checker
    if _checker is None:
        _checker = ox.Store()
    prefixes = PREFIX_IRIS
    try:
        _checker.query(text, prefixes=prefixes)
    except SyntaxError as exc:
        if _is_update(text):
            raise QueryError(
                "this is a SPARQL Update, and queries are read-only: `archive load` and "
                "`archive remove` change the store"
            ) from exc
        raise syntax_error(exc, text=text) from exc


def _is_update(text: str) -> bool:
    """Whether a text that is no query is a SPARQL Update: parsed by rdflib's grammar only,
    never run (a LOAD would fetch)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:  # pyparsing's ParseException, or anything else: not an update
        return False
    return True


# --- parameters ------------------------------------------------------------------------------


def parse_value(
    raw: str, kind: str = "literal", base: str | None = None
) -> ox.NamedNode | ox.Literal:
    """A ``--param`` value as an RDF term.

    IRIs may be written ``<...>``, absolute (``https://...``), as ``prefix:name`` with a profile
    prefix, or as ``kind/slug`` under the base (``org/gisti`` is ``{base}/id/org/gisti``).
    Literals may be written in Turtle (``"Calais"@fr``, ``"2014"^^xsd:gYear``, ``42``); a bare
    word is a plain string.
    """
    raw = raw.strip()
    if kind == "iri":
        return _iri_value(raw, base)
    if kind == "string":
        return _turtle_term(raw) if raw.startswith(('"', "'")) else ox.Literal(raw)  # type: ignore[return-value]
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise UsageError(f"expected an integer, got {raw!r}")
        return ox.Literal(raw, datatype=ox.NamedNode(str(XSD.integer)))
    if kind == "year":
        if not re.fullmatch(r"-?\d{4,}", raw):
            raise UsageError(f"expected a year such as 2014, got {raw!r}")
        return ox.Literal(raw)
    if kind == "date":
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", raw):
            raise UsageError(f"expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got {raw!r}")
        dt = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(raw)]
        return ox.Literal(raw, datatype=ox.NamedNode(str(dt)))
    # literal, or undeclared: guess from the syntax
    if raw.startswith("<") or re.match(r"^[a-z][a-z0-9+.-]*://", raw) or _prefixed(raw):
        return _iri_value(raw, base)
    if (
        raw.startswith(('"', "'"))
        or re.fullmatch(r"[+-]?\d+(\.\d+)?", raw)
        or raw
        in (
            "true",
            "false",
        )
    ):
        return _turtle_term(raw)  # type: ignore[return-value]
    return ox.Literal(raw)


def _prefixed(raw: str) -> bool:
    m = re.match(r"^([A-Za-z][\w-]*):[^/]", raw)
    return bool(m and m.group(1) in PREFIXES)


def _iri_value(raw: str, base: str | None) -> ox.NamedNode:
    value = raw
    if raw.startswith("<") and raw.endswith(">"):
        value = raw[1:-1]
    elif _prefixed(raw):
        prefix, local = raw.split(":", 1)
        value = str(PREFIXES[prefix]) + local
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw):
        kind, _, slug = raw.partition("/")
        if not slug:
            raise UsageError(
                f"{raw!r} is not an IRI: give <IRI>, https://..., prefix:name or kind/slug"
            )
        try:
            value = URIs(base).thing(kind, slug)
        except ValueError as exc:
            raise UsageError(f"{raw!r}: {exc}") from exc
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise UsageError(f"{raw!r} is not a valid IRI: {exc}") from exc


def _turtle_term(raw: str) -> ox.NamedNode | ox.Literal:
    prologue = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    try:
        triples = list(
            ox.parse(f"{prologue}<urn:x:s> <urn:x:p> {raw} .", format=ox.RdfFormat.TURTLE)
        )
    except SyntaxError as exc:
        raise UsageError(f"cannot read {raw!r} as an RDF term: {exc}") from exc
    if len(triples) != 1:
        raise UsageError(f"{raw!r} is not one RDF term")
    return triples[0].object  # type: ignore[return-value]


def parse_params(
    pairs: list[str] | tuple[str, ...], query: SavedQuery, base: str | None = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """``name=value`` strings, typed by the saved query's declarations; required ones checked."""
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for item in pairs:
        name, sep, raw = item.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UsageError(f"--param takes NAME=VALUE, got {item!r}")
        declared = query.param(name)
        if query.params and declared is None:
            known = ", ".join(p.name for p in query.params)
            raise UsageError(f"{query.name} has no parameter {name!r} (it takes: {known})")
        out[name] = parse_value(raw, declared.kind if declared else "literal", base)
    missing = [p.name for p in query.params if p.required and p.name not in out]
    if missing:
        example = f" (e.g. {query.examples[0]})" if query.examples else ""
        raise UsageError(
            f"{query.name} needs --param {' and --param '.join(m + '=...' for m in missing)}"
            + example
        )
    return out


def bind_parameters(text: str, params: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Insert ``VALUES (?a ?b) { (..) }`` just inside the query's top-level WHERE group."""
    if not params:
        return text
    at = _where_group_start(text)
    if at is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    names = list(params)
    block = (
        " VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(str(params[n]) for n in names)
        + ") } "
    )
    return text[:at] + block + text[at:]


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE (comments, strings and IRIs skipped)."""
    for _, value, depth in sparql_tokens(text):
        if depth == 0 and value in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return value
    return "SELECT"


def _where_group_start(text: str) -> int | None:
    """Offset just after the '{' that opens the top-level WHERE group (None if there is none)."""
    form: str | None = None
    saw_where = False
    opened = 0
    for offset, value, depth in sparql_tokens(text):
        if depth != 0:
            continue
        if value in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE") and form is None:
            form = value
        elif value == "WHERE":
            saw_where = True
        elif value == "{":
            opened += 1
            if saw_where or form in ("SELECT", "ASK", "DESCRIBE"):
                return offset + 1
            if form == "CONSTRUCT" and opened == 2:
                return offset + 1
    return None


def sparql_tokens(text: str) -> Iterator[tuple[int, str, int]]:
    """(offset, KEYWORD or brace, depth) for keywords and braces outside strings, comments, IRIs,
    variables and prefixed names: enough to find a query's form, WHERE group and LIMIT."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRIREF.match(text, i)
            if m:
                i = m.end()
                continue
        if c in "?$":
            m = _WORD.match(text, i + 1)
            i += 1 + (len(m.group(0)) if m else 0)
            continue
        if c.isalpha() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")):
            m = _WORD.match(text, i)
            word = m.group(0) if m else c
            if i + len(word) < n and text[i + len(word)] == ":":
                i += len(word) + 1  # a prefixed name, not a keyword
                continue
            yield i, word.upper(), depth
            i += len(word)
            continue
        if c == "{":
            yield i, "{", depth
            depth += 1
        elif c == "}":
            depth -= 1
            yield i, "}", depth
        i += 1


_IRIREF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
