"""Query results as a terminal table or in the W3C formats (SPARQL 1.1 results, RDF).

The serialisers work on :class:`archive.store.QueryResult`, so the embedded store and a remote
server give byte-identical output for the same answer. The JSON, TSV and XML outputs are
checked in the tests by reading them back with pyoxigraph's results parser.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from archive.errors import UsageError
from archive.rdf.namespaces import PREFIX_IRIS, PREFIXES
from archive.store.base import OxTerm, QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
FORMATS = (*RESULT_FORMATS, "turtle", "ntriples", "jsonld")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def render(result: QueryResult, fmt: str, base: str | None = None) -> str | bytes:
    """The result in ``fmt``; tables are text, everything else bytes ready to write."""
    if result.kind == "graph":
        if fmt == "table":
            fmt = "turtle"
        elif fmt == "json":
            fmt = "jsonld"
        if fmt not in GRAPH_FORMATS:
            raise UsageError(
                f"a CONSTRUCT or DESCRIBE query returns RDF: --format "
                f"{' | '.join(GRAPH_FORMATS)} (not {fmt})"
            )
        prefixes = PREFIX_IRIS if fmt == "turtle" else None
        return ox.serialize(result.triples, format=GRAPH_FORMATS[fmt], prefixes=prefixes)
    if fmt == "table":
        return table(result, base)
    if fmt == "json":
        return to_json(result).encode("utf-8")
    if fmt == "csv":
        return to_csv(result).encode("utf-8")
    if fmt == "tsv":
        return to_tsv(result).encode("utf-8")
    if fmt == "xml":
        return to_xml(result).encode("utf-8")
    raise UsageError(
        f"unknown format {fmt!r} for a SELECT or ASK query ({', '.join(RESULT_FORMATS)})"
    )


# --- W3C SPARQL 1.1 results formats ------------------------------------------------------------


def _json_term(t: OxTerm) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    raise UsageError(f"cannot write {t!r} in SPARQL JSON results")


def to_json(result: QueryResult) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        for row in result.rows
    ]
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    )


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: plain values (IRIs, lexical forms, _:labels), CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":  # not covered by the W3C note: as pyoxigraph and Oxigraph write it
        return "true\r\n" if result.boolean else "false\r\n"
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else _csv_value(t) for t in row])
    return buf.getvalue()


def _csv_value(t: OxTerm) -> str:
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return t.value  # type: ignore[union-attr]


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax."""
    if result.kind == "ask":  # as pyoxigraph and Oxigraph write (and read) it
        return "true\n" if result.boolean else "false\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def to_xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        out += [
            "<head/>",
            f"<boolean>{'true' if result.boolean else 'false'}</boolean>",
            "</sparql>",
        ]
        return "\n".join(out) + "\n"
    out.append(
        "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables) + "</head>"
    )
    out.append("<results>")
    for row in result.rows:
        cells = []
        for v, t in zip(result.variables, row, strict=True):
            if t is None:
                continue
            cells.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        out.append("<result>" + "".join(cells) + "</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _xml_term(t: OxTerm) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    raise UsageError(f"cannot write {t!r} in SPARQL XML results")


# --- the terminal table ------------------------------------------------------------------------


def short(t: OxTerm | None, base: str | None = None) -> str:
    """A readable form: kind/slug for the archive's own things, prefix:name for the profile."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        value = t.value
        if base and value.startswith(f"{base}/id/"):
            return value[len(base) + 4 :]
        for prefix, ns in PREFIXES.items():
            ns = str(ns)
            if value.startswith(ns) and len(value) > len(ns):
                local = value[len(ns) :]
                if all(c.isalnum() or c in "-_." for c in local):
                    return f"{prefix}:{local}"
        return f"<{value}>"
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Literal):
        return f"{t.value}@{t.language}" if t.language else t.value
    return str(t)


def table(result: QueryResult, base: str | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    if result.kind == "ask":
        return "true" if result.boolean else "false"
    tab = Table(show_lines=False, header_style="bold", pad_edge=False)
    for v in result.variables:
        tab.add_column(v, overflow="fold")
    for row in result.rows:
        tab.add_row(*(short(t, base) for t in row), end_section=False)
    console = Console(file=io.StringIO(), width=_width(), highlight=False, soft_wrap=False)
    console.print(tab)
    n = len(result.rows)
    console.print(f"{n} row{'s' if n != 1 else ''}")
    return console.file.getvalue()  # type: ignore[attr-defined]


def _width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((120, 24)).columns)
