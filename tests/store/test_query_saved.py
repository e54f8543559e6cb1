"""The saved queries: documented, parameterised, and right on a fixture checked by hand.

Expected answers for the project's own records (the Calais letter) belong in
``EXPECTED_ON_RECORDS`` below: one entry per (query, params) with the exact rows, run against a
store loaded through the real pipeline (validate -> extract -> load).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from archive.errors import QueryError, UsageError
from archive.store.base import Store
from archive.store.queries import (
    PARAM_KINDS,
    bind_parameters,
    check_syntax,
    parse_params,
    parse_value,
    query_form,
    resolve,
    saved_queries,
)
from archive.validate import validate_file

from .synthetic import BASE, build, small_archive

REQUIRED_QUERIES = {
    "documents-by-signatory",
    "co-signatory-pairs",
    "co-signatories-of",
    "citation-chain",
    "documents-per-addressee-per-year",
    "organisations-by-town",
    "entity",
}


def short(value: str | None) -> str | None:
    if value is None:
        return None
    for prefix in (
        f"{BASE}/id/",
        "https://schema.org/",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def run(store: Store, name: str, *params: str) -> list[tuple]:
    q = saved_queries()[name]
    result = store.query(q.text, parse_params(params, q, BASE))
    return [tuple(short(v) for v in row) for row in result.values()]


@pytest.fixture
def loaded(store: Store) -> Store:
    docs = [build(x) for x in small_archive()]
    kw = {"bulk": False} if store.backend == "embedded" else {}
    store.load(docs, **kw)
    return store


# --- the library itself -------------------------------------------------------------------------


def test_every_required_query_exists_and_is_documented() -> None:
    saved = saved_queries()
    assert set(saved) >= REQUIRED_QUERIES
    for name, q in saved.items():
        assert q.title and q.answers, name
        assert q.examples and all(e.startswith(f"archive query {name}") for e in q.examples), name
        assert all(p.kind in PARAM_KINDS and p.description for p in q.params), name
        check_syntax(q.text)
        for p in q.params:  # every declared parameter is a variable of the query
            assert f"?{p.name}" in q.text, (name, p.name)


def test_examples_name_their_required_parameters() -> None:
    for name, q in saved_queries().items():
        for p in q.params:
            if p.required:
                assert all(f"{p.name}=" in e for e in q.examples), (name, p.name)


# --- exact answers on the hand-built fixture -----------------------------------------------------


def test_documents_by_signatory(loaded: Store) -> None:
    assert run(loaded, "documents-by-signatory", "signatory=org/gisti") == [
        ("document/letter-a", "2014-07-10", "Letter A"),
        ("document/letter-b", "2014-09-01", "Letter B"),
        ("document/letter-c", "2015-03", "Letter C"),
    ]
    assert run(loaded, "documents-by-signatory", "signatory=org/nobody") == []


def test_co_signatory_pairs(loaded: Store) -> None:
    assert run(loaded, "co-signatory-pairs") == [
        ("org/attac", "Attac", "org/gisti", "Gisti", "2"),
        ("org/gisti", "Gisti", "org/salam", "Salam", "2"),
        ("org/attac", "Attac", "org/ldh-62", "Ldh 62", "1"),
        ("org/attac", "Attac", "org/mrap", "Mrap", "1"),
        ("org/attac", "Attac", "org/salam", "Salam", "1"),
        ("org/auberge", "Auberge", "org/gisti", "Gisti", "1"),
        ("org/auberge", "Auberge", "org/salam", "Salam", "1"),
        ("org/gisti", "Gisti", "org/mrap", "Mrap", "1"),
    ]
    assert run(loaded, "co-signatory-pairs", "min=2") == [
        ("org/attac", "Attac", "org/gisti", "Gisti", "2"),
        ("org/gisti", "Gisti", "org/salam", "Salam", "2"),
    ]


def test_co_signatories_of(loaded: Store) -> None:
    assert run(loaded, "co-signatories-of", "signatory=org/gisti") == [
        ("org/attac", "Attac", "2"),
        ("org/salam", "Salam", "2"),
        ("org/auberge", "Auberge", "1"),
        ("org/mrap", "Mrap", "1"),
    ]


def test_citation_chain(loaded: Store) -> None:
    assert run(loaded, "citation-chain", "work=document/letter-a") == [
        ("1", "document/letter-b", "Letter B", None, None),
        ("1", "document/letter-d", "Letter D", None, None),
        ("2", "document/letter-c", "Letter C", "document/letter-b", "Letter B"),
    ]


def test_documents_per_addressee_per_year(loaded: Store) -> None:
    assert run(loaded, "documents-per-addressee-per-year") == [
        ("person/cazeneuve", "Cazeneuve", "2014", "2"),
        ("person/cazeneuve", "Cazeneuve", "2015", "1"),
        ("person/valls", "Valls", "2014", "1"),
        ("person/valls", "Valls", "2016", "1"),
    ]
    assert run(loaded, "documents-per-addressee-per-year", "addressee=person/valls") == [
        ("person/valls", "Valls", "2014", "1"),
        ("person/valls", "Valls", "2016", "1"),
    ]


def test_organisations_by_town(loaded: Store) -> None:
    assert run(loaded, "organisations-by-town") == [
        ("place/arras", "Arras", "org/ldh-62", "Ldh 62"),
        ("place/calais", "Calais", "org/auberge", "Auberge"),
        ("place/calais", "Calais", "org/salam", "Salam"),
        ("place/paris", "Paris", "org/attac", "Attac"),
        ("place/paris", "Paris", "org/gisti", "Gisti"),
        ("place/paris", "Paris", "org/mrap", "Mrap"),
    ]
    assert run(loaded, "organisations-by-town", "town=place/arras") == [
        ("place/arras", "Arras", "org/ldh-62", "Ldh 62"),
    ]


def test_entity(loaded: Store) -> None:
    rows = run(loaded, "entity", "entity=org/gisti")
    assert [r[0] for r in rows] == ["out"] * 4 + ["in"] * 3
    assert [int(r[4]) for r in rows] == sorted((int(r[4]) for r in rows[:4]), reverse=True) + [
        int(r[4]) for r in rows[4:]
    ]  # most documents first, within each direction
    assert sorted(rows, key=str) == sorted(
        [
            ("out", "type", "NGO", None, "3"),
            ("out", "type", "Organization", None, "3"),
            ("out", "location", "place/paris", "Paris", "3"),
            ("out", "name", "Gisti", None, "3"),
            ("in", "sender", "document/letter-a", "Letter A", "1"),
            ("in", "sender", "document/letter-b", "Letter B", "1"),
            ("in", "sender", "document/letter-c", "Letter C", "1"),
        ],
        key=str,
    )


# --- expected answers on the project's records (through the real pipeline) ---------------------

# (query, params) -> exact rows (shortened as by ``short``), read off the TEI record by hand:
# its correspDesc (26 senders, addressed to Valls and Cazeneuve), its standOff (the three
# organisations placed in Calais) and footnote 1 (the cited press release).
CALAIS = "document/calais-2014-07-10"
CALAIS_TITLE = (
    "Open letter to the French Prime Minister, Manuel Valls, and to "
    "the French Minister of the Interior, Bernard Cazeneuve, on the migratory situation "
    "in Calais and its surroundings, as well as on the English Channel and the North Sea "
    "coasts"
)
EXPECTED_ON_RECORDS: dict[tuple[str, tuple[str, ...]], list[tuple]] = {
    ("documents-by-signatory", ("signatory=org/gisti",)): [(CALAIS, "2014-07-10", CALAIS_TITLE)],
    ("documents-per-addressee-per-year", ()): [
        ("person/wikidata-Q10287", "Manuel Valls", "2014", "1"),
        ("person/wikidata-Q560890", "Bernard Cazeneuve", "2014", "1"),
    ],
    ("citation-chain", ("work=work/press-release-2014-07-02",)): [
        ("1", CALAIS, CALAIS_TITLE, None, None)
    ],
    ("organisations-by-town", ("town=place/calais",)): [
        ("place/calais", "Calais", "org/auberge-des-migrants", "Auberge des migrants"),
        ("place/calais", "Calais", "org/ouverture-humanite", "Ouverture & Humanité"),
        ("place/calais", "Calais", "org/reveil-voyageur", "Le Réveil Voyageur"),
    ],
}


@pytest.mark.parametrize("key", sorted(EXPECTED_ON_RECORDS), ids=lambda k: k[0])
def test_saved_queries_on_the_records(key, records_store: Store) -> None:
    name, params = key
    assert run(records_store, name, *params) == EXPECTED_ON_RECORDS[key]


def test_co_signatory_pairs_on_the_record(records_store: Store) -> None:
    """26 signatories: C(26, 2) = 325 pairs, each signing one document together."""
    rows = run(records_store, "co-signatory-pairs")
    assert len(rows) == 325 and {r[4] for r in rows} == {"1"}
    assert all(r[1] and r[3] for r in rows)  # every signatory of the record has a name
    partners = run(records_store, "co-signatories-of", "signatory=org/gisti")
    assert len(partners) == 25


@pytest.fixture(scope="module")
def records_store(tmp_path_factory, record_path) -> Store:
    from archive.store.embedded import EmbeddedStore

    result = validate_file(record_path, BASE, tei_all="auto")
    assert result.report.valid, result.report.to_text()
    store = EmbeddedStore(tmp_path_factory.mktemp("records") / "store", base=BASE)
    store.load(result.documents)
    return store


# --- parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("org/gisti", "iri", ox.NamedNode(f"{BASE}/id/org/gisti")),
        ("<http://example.org/x>", "iri", ox.NamedNode("http://example.org/x")),
        ("https://example.org/y", "iri", ox.NamedNode("https://example.org/y")),
        ("schema:Organization", "iri", ox.NamedNode("https://schema.org/Organization")),
        ("schema:Organization", "literal", ox.NamedNode("https://schema.org/Organization")),
        (
            "42",
            "integer",
            ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
        ('"Calais"@fr', "literal", ox.Literal("Calais", language="fr")),
        ("Calais", "literal", ox.Literal("Calais")),
        ("Calais", "string", ox.Literal("Calais")),
        (
            "2014-07",
            "date",
            ox.Literal(
                "2014-07", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth")
            ),
        ),
        ("2014", "year", ox.Literal("2014")),
    ],
)
def test_parse_value(raw: str, kind: str, expected) -> None:
    assert parse_value(raw, kind, BASE) == expected


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("gisti", "iri"),
        ("nokind/x", "iri"),
        ("4.5", "integer"),
        ("July", "date"),
        ('"unclosed', "literal"),
    ],
)
def test_bad_values_are_usage_errors(raw: str, kind: str) -> None:
    with pytest.raises(UsageError):
        parse_value(raw, kind, BASE)


def test_parse_params_checks_names_and_required_ones() -> None:
    q = saved_queries()["documents-by-signatory"]
    with pytest.raises(UsageError, match="needs --param signatory"):
        parse_params([], q, BASE)
    with pytest.raises(UsageError, match="no parameter 'who'"):
        parse_params(["who=org/x"], q, BASE)
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_params(["signatory"], q, BASE)
    assert parse_params(["?signatory=org/x"], q, BASE) == {
        "signatory": ox.NamedNode(f"{BASE}/id/org/x")
    }


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://e/>\nSELECT * { ?s ex:where ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        '# a comment with WHERE { inside\nSELECT ?s WHERE { ?s ?p ?o FILTER(?o != "}{ WHERE") }',
    ],
)
def test_bind_parameters_opens_the_where_group(text: str) -> None:
    bound = bind_parameters(text, {"o": ox.Literal("x")})
    check_syntax(bound)
    assert bound.count("VALUES (?o)") == 1
    assert bound.count("\n") == text.count("\n")  # line numbers unchanged
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    store.add(ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("y")))
    if "ex:where" in text:
        return
    answer = store.query(bound)
    if isinstance(answer, ox.QueryBoolean):
        assert bool(answer)
    else:
        subjects = {str(getattr(x, "subject", None) or x["s"]) for x in answer}
        assert subjects == {"<http://e/a>"}


def test_parameters_bind_the_top_level_group_only() -> None:
    """A subquery is evaluated on its own: a variable it does not project is not constrained."""
    text = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }"
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    store.add(ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("y")))
    rows = list(store.query(bind_parameters(text, {"o": ox.Literal("x")})))
    assert len(rows) == 2


def test_query_form() -> None:
    assert query_form("PREFIX a: <http://e/select>\n# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }") == (
        "CONSTRUCT"
    )
    assert query_form("describe <http://e/x>") == "DESCRIBE"
    assert query_form("ASK {}") == "ASK"


def test_syntax_errors_point_at_line_and_column() -> None:
    with pytest.raises(QueryError) as info:
        check_syntax("SELECT ?x\nWHERE {\n  ?x schema:name ?n\n  FILTER(?n = }")
    assert (info.value.line, info.value.column) == (4, 15)  # the stray "}"
    assert "line 4, column 15" in str(info.value)
    with pytest.raises(QueryError, match="unknown prefix"):
        check_syntax("SELECT * WHERE { ?s nope:p ?o }")


def test_resolve_names_files_and_text(tmp_path) -> None:
    assert resolve("co-signatory-pairs").name == "co-signatory-pairs"
    f = tmp_path / "mine.rq"
    f.write_text("# title: Mine\n# answers: Everything\nSELECT * { ?s ?p ?o }\n")
    mine = resolve(str(f))
    assert (mine.name, mine.title, mine.answers) == ("mine", "Mine", "Everything")
    assert resolve("SELECT * { ?s ?p ?o }").name == "(query)"
    with pytest.raises(UsageError, match="no saved query named"):
        resolve("no-such-query")
    with pytest.raises(UsageError, match="no such query file"):
        resolve(str(tmp_path / "missing.rq"))
