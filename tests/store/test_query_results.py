"""Output formats: the W3C results formats read back by an independent parser, the table, RDF."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from rdflib import Graph

from archive.errors import UsageError
from archive.store.base import QueryResult
from archive.store.results import render, short, to_csv

XSD = "http://www.w3.org/2001/XMLSchema#"
ROWS = [
    (
        ox.NamedNode("https://advocacy-archive.example/id/org/gisti"),
        ox.Literal('Groupe d\'information, "soutien"\nimmigré·e·s', language="fr"),
        ox.Literal("2", datatype=ox.NamedNode(XSD + "integer")),
    ),
    (ox.BlankNode("b0"), ox.Literal("plain <&> text"), None),
]
SELECT = QueryResult("select", variables=["who", "name", "n"], rows=ROWS)
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_results_formats_read_back_identically(fmt: str) -> None:
    data = render(SELECT, fmt)
    parsed = ox.parse_query_results(data, FORMATS[fmt])
    assert [v.value for v in parsed.variables] == ["who", "name", "n"]
    rows = [tuple(sol[i] for i in range(3)) for sol in parsed]
    assert rows[0] == ROWS[0]
    assert isinstance(rows[1][0], ox.BlankNode)  # labels may be renamed by the parser
    assert rows[1][1:] == ROWS[1][1:]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_ask_results_read_back(fmt: str) -> None:
    for value in (True, False):
        data = render(QueryResult("ask", boolean=value), fmt)
        assert bool(ox.parse_query_results(data, FORMATS[fmt])) is value


def test_csv_follows_the_sparql_csv_rules() -> None:
    text = to_csv(SELECT)
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["who", "name", "n"]
    assert rows[1] == [
        "https://advocacy-archive.example/id/org/gisti",
        'Groupe d\'information, "soutien"\nimmigré·e·s',
        "2",
    ]
    assert rows[2] == ["_:b0", "plain <&> text", ""]
    assert to_csv(QueryResult("ask", boolean=True)).splitlines() == ["true"]


def test_json_omits_unbound_variables() -> None:
    data = json.loads(render(SELECT, "json"))
    assert "n" not in data["results"]["bindings"][1]
    assert data["results"]["bindings"][0]["name"]["xml:lang"] == "fr"


def test_table_is_readable() -> None:
    text = render(SELECT, "table", base="https://advocacy-archive.example")
    assert "org/gisti" in text and "2 rows" in text
    assert short(ox.NamedNode("https://schema.org/Message")) == "schema:Message"
    assert short(ox.NamedNode("http://example.org/a?b=c")) == "<http://example.org/a?b=c>"


def test_graph_results_are_rdf() -> None:
    triples = [
        ox.Triple(
            ox.NamedNode("https://advocacy-archive.example/id/document/a"),
            ox.NamedNode("https://schema.org/name"),
            ox.Literal("A", language="en"),
        )
    ]
    result = QueryResult("graph", triples=triples)
    for fmt, rdflib_fmt in (
        ("table", "turtle"),
        ("turtle", "turtle"),
        ("ntriples", "nt"),
        ("json", "json-ld"),
        ("jsonld", "json-ld"),
        ("xml", "xml"),
    ):
        g = Graph().parse(data=render(result, fmt), format=rdflib_fmt)
        assert len(g) == 1, fmt
    assert b"schema:name" in render(result, "turtle")  # the profile's prefixes
    with pytest.raises(UsageError, match="returns RDF"):
        render(result, "csv")
