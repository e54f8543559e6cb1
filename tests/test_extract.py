"""Extraction: the letter read back with SPARQL, and robustness on 50 real TEI files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from archive.rdf.extract import extract_file, typed_date
from archive.rdf.namespaces import SCHEMA, sparql_prefixes
from archive.rdf.uris import DEFAULT_BASE

B = DEFAULT_BASE
DOC = f"<{B}/id/document/calais-2014-07-10>"


@pytest.fixture(scope="module")
def letter(record_path):
    extraction = extract_file(record_path)
    assert extraction.findings == []
    (doc,) = extraction.documents
    return doc


@pytest.fixture(scope="module")
def store(letter):
    s = ox.Store()
    s.extend(letter.ox_quads())
    return s


def ask(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    rows = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    out = [tuple(t.value if t is not None else None for t in row) for row in rows]
    return sorted(out, key=lambda r: tuple(x or "" for x in r))


def test_one_named_graph_per_document(letter, store):
    graphs = {str(g.value) for g in store.named_graphs()}
    assert graphs == {f"{B}/graph/calais-2014-07-10"}
    assert letter.uri == f"{B}/id/document/calais-2014-07-10"
    assert letter.date == "2014-07-10"


def test_who_sent_it(store):
    rows = ask(store, f"SELECT ?name WHERE {{ {DOC} schema:sender ?s . ?s schema:name ?name }}")
    names = [r[0] for r in rows]
    assert len(names) == 26
    assert {
        "Migreurop",
        "ATTAC",
        "Parti communiste français",
        "T'OP! Théâtre de l'Opprimé 59/62",
        "Ligue des droits de l'homme (Fédération du Pas-de-Calais)",
    } <= set(names)
    kinds = ask(
        store,
        f"""SELECT ?cat (COUNT(?s) AS ?n) WHERE {{ {DOC} schema:sender ?s .
        ?s org:classification ?c . ?c skos:prefLabel ?cat }} GROUP BY ?cat""",
    )
    assert kinds == [("association", "19"), ("association network", "4"), ("political party", "3")]


def test_to_whom_and_copies(store):
    to = ask(store, f"SELECT ?name WHERE {{ {DOC} schema:toRecipient ?p . ?p schema:name ?name }}")
    assert to == [("Bernard Cazeneuve",), ("Manuel Valls",)]
    cc = ask(
        store,
        f"""SELECT ?r ?label WHERE {{ {DOC} schema:ccRecipient|arc:ccAudience ?r .
        OPTIONAL {{ ?r schema:name ?n }} OPTIONAL {{ ?m org:member ?r ; rdfs:label ?o }}
        BIND(COALESCE(?n, ?o) AS ?label) }}""",
    )
    assert [r[1] for r in cc] == [
        "Vice-Presidents of the Civil Liberties, Justice and Home Affairs committee of the "
        "European Parliament",
        "Home Office",
        "Council of the European Union",
        "President of the Civil Liberties, Justice and Home Affairs committee of the European "
        "Parliament",
        "Prime Minister of the United Kingdom",
    ]


def test_what_it_cites_and_who_wrote_that(store):
    rows = ask(
        store,
        f"""SELECT ?title ?date ?author WHERE {{
        {DOC} cito:cites ?w ; cito:citesForInformation ?w ; schema:citation ?w .
        ?w a fabio:PressRelease ; schema:name ?title ; schema:dateCreated ?date ;
           schema:author/schema:name ?author }}""",
    )
    assert {r[0] for r in rows} == {
        "A l’égard des exilés à Calais : Les mêmes violences, la même incohérence, les mêmes échecs"
    }
    assert {r[1] for r in rows} == {"2014-07-02"}
    assert sorted(r[2] for r in rows) == [
        "ATD Quart Monde",
        "CCFD-Terre Solidaire",
        "Emmaüs France",
        "La Cimade",
        "Médecins du Monde",
        "Secours Catholique",
    ]


def test_people_and_places_it_names(store):
    people = ask(
        store,
        f"""SELECT ?name WHERE {{ {DOC} schema:mentions ?p .
        ?p a schema:Person ; schema:name ?name }}""",
    )
    assert [r[0] for r in people] == [
        "Bernard Cazeneuve",
        "Claude Guéant",
        "Eric Besson",
        "François Hollande",
        "Manuel Valls",
        "Nicolas Sarkozy",
    ]
    places = {
        r[0]
        for r in ask(
            store,
            f"""SELECT ?name WHERE {{ {DOC} schema:mentions ?p .
        ?p a schema:Place ; schema:name ?name }}""",
        )
    }
    assert {
        "Calais",
        "Sangatte",
        "Greece",
        "English Channel",
        "North Sea",
        "England",
        "France",
        "Paris",
        "Hôtel de Matignon",
        "Albias",
        "Norrent-Fontes",
    } <= places


def test_which_signatories_give_which_town(store):
    rows = ask(
        store,
        f"""SELECT ?org ?town WHERE {{ {DOC} schema:sender ?o .
        ?o schema:name ?org ; schema:location/schema:name ?town . ?o schema:location ?p .
        ?p a schema:City }}""",
    )
    assert ("Auberge des migrants", "Calais") in rows
    assert ("Histoire d'eux", "Albias") in rows
    assert ("Compagnie Naje", "Antony") in rows
    towns = {r[1] for r in rows}
    assert towns == {
        "Calais",
        "Paris",
        "Antony",
        "Lille",
        "Albias",
        "Cherbourg",
        "Norrent-Fontes",
        "Steenvoorde",
    }


def test_names_keep_their_language_tags(letter):
    langs = {(str(o), o.language) for s, p, o in letter.triples if p == SCHEMA.name}
    assert ("Migreurop", "fr") in langs
    assert ("Home Office", "en") in langs
    assert ("Hôtel de Matignon", "fr") in langs


def test_offices_without_invented_dates(store):
    rows = ask(
        store,
        """SELECT ?name ?label ?inside ?notAfter WHERE {
        ?m a org:Membership ; org:member ?p ; org:memberDuring ?i ; rdfs:label ?label .
        OPTIONAL { ?p schema:name ?name }
        OPTIONAL { ?i time:inside/time:inXSDDate ?inside }
        OPTIONAL { ?i arc:notAfter ?notAfter } }""",
    )
    valls = [r for r in rows if r[0] == "Manuel Valls"]
    assert valls == [("Manuel Valls", "French Prime Minister", "2014-07-10", None)]
    sarkozy = [r for r in rows if r[0] == "Nicolas Sarkozy"]
    assert sarkozy == [
        ("Nicolas Sarkozy", "preceding minister of the interior", None, "2014-07-10")
    ]
    # no begin or end instants anywhere: the letter gives none
    assert ask(store, "SELECT ?i WHERE { ?i time:hasBeginning|time:hasEnd ?x }") == []


def test_sections_are_units_and_cosigning_is_not_membership(store):
    rows = ask(store, """SELECT ?u ?p WHERE { ?u org:unitOf ?p }""")
    assert {(u.rsplit("/", 1)[1], p.rsplit("/", 1)[1]) for u, p in rows} == {
        ("ldh-ehess", "ldh"),
        ("ldh-pas-de-calais", "ldh"),
        ("libe", "wikidata-Q8889"),
    }
    assert ask(store, "SELECT ?a WHERE { ?a org:memberOf ?b }") == []


def test_authorities_become_same_as_and_keys(store):
    rows = ask(store, """SELECT ?x ?id WHERE { ?x schema:sameAs ?id }""")
    assert (f"{B}/id/person/wikidata-Q10287", "http://www.wikidata.org/entity/Q10287") in rows
    assert (f"{B}/id/place/wikidata-Q41", "https://sws.geonames.org/390903/") in rows
    assert len(rows) == 16  # exactly the identifiers the record gives


def test_provenance(letter, store, record_bytes):
    sha = hashlib.sha256(record_bytes).hexdigest()
    rows = ask(
        store,
        f"""SELECT ?sha ?tool ?version WHERE {{
        <{B}/graph/calais-2014-07-10> prov:wasDerivedFrom ?f ; prov:wasGeneratedBy ?a ;
            schema:about {DOC} .
        ?f schema:sha256 ?sha . ?a prov:used ?f ; prov:wasAssociatedWith ?t .
        ?t a prov:SoftwareAgent ; schema:name ?tool ; schema:softwareVersion ?version }}""",
    )
    from archive import __version__

    assert rows == [(sha, "archive", __version__)]
    assert letter.sha256 == sha


def test_extraction_is_deterministic(record_path, letter):
    again = extract_file(record_path).documents[0]
    assert again.nquads() == letter.nquads()


def test_one_term_object_per_predicate(letter):
    """Extraction emits one object per predicate: the SHACL index and the store find them by
    identity (rdflib's Namespace would make a new URIRef at every ``SCHEMA.name``)."""
    assert SCHEMA.name is SCHEMA.name
    predicates = [p for _, p, _ in letter.triples]
    assert len({id(p) for p in predicates}) == len(set(predicates))


def test_base_is_configurable(record_path):
    doc = extract_file(record_path, base="https://archive.test/").documents[0]
    assert doc.uri == "https://archive.test/id/document/calais-2014-07-10"
    assert all(
        "advocacy-archive.example/id" not in str(t) for triple in doc.triples for t in triple
    )


@pytest.mark.parametrize(
    "value, datatype",
    [
        ("2014-07-10", "date"),
        ("2014-07", "gYearMonth"),
        ("2014", "gYear"),
        ("2014-07-10T10:00:00", "dateTime"),
        ("10 July 2014", None),
        ("", None),
    ],
)
def test_typed_dates(value, datatype):
    lit = typed_date(value)
    assert (lit.datatype.split("#")[1] if lit is not None else None) == datatype


# -- robustness on real TEI written elsewhere -------------------------------------------------


@pytest.mark.corpus
def test_no_crash_on_any_corpus_file(corpus_files):
    for path in corpus_files:
        extraction = extract_file(path)  # raises nothing for well-formed files
        assert extraction.documents, path.name
        lines = len(path.read_bytes().splitlines())
        for f in extraction.findings:
            # a line of this file, or (about an entry of a file it points into) that file named
            if f.line is None:
                assert re.search(r"\(in .+\.xml, line \d+\)$", f.message), (path.name, f)
            else:
                assert 1 <= f.line <= lines, (path.name, f.rule, f.line)


@pytest.mark.corpus
def test_letters_yield_senders_recipients_and_dates(corpus_dir):
    path = corpus_dir / "correspDesc" / "examples__example01_basic.xml"
    (doc,) = extract_file(path).documents
    s = ox.Store()
    s.extend(doc.ox_quads())
    rows = ask(
        s,
        """SELECT ?sender ?recipient ?date WHERE { ?d schema:sender/schema:name ?sender ;
        schema:toRecipient/schema:name ?recipient ; schema:dateCreated ?date }""",
    )
    assert len(rows) == 1 and all(rows[0])


@pytest.mark.corpus
def test_cmif_yields_one_document_per_correspdesc(corpus_dir):
    path = corpus_dir / "schnitzler-cmif" / "1971_Schnitzler_Reinhardt.xml"
    data = path.read_bytes()
    docs = extract_file(path).documents
    assert len(docs) == data.count(b"<correspDesc")
    assert len({d.graph for d in docs}) == len(docs)
    first = docs[0]
    assert first.slug.endswith("-r1")  # the key R1, as the slug rule says
    assert first.date == "1902-08-31"
    senders = [o for s, p, o in first.triples if p == SCHEMA.sender]
    assert [str(x).rsplit("/", 1)[1] for x in senders] == ["gnd-118599380"]
    # the same person in two letters is one node
    reinhardt = {str(o) for d in docs for s, p, o in d.triples if p == SCHEMA.sender}
    assert f"{B}/id/person/gnd-118599380" in reinhardt


@pytest.mark.corpus
def test_cross_file_refs_resolve_beside_the_file(corpus_dir):
    path = corpus_dir / "me-tei" / "Encoded_Letters__Edgeworth_Beinecke_1848-05-16.xml"
    (doc,) = extract_file(path).documents
    senders = {o for s, p, o in doc.triples if p == SCHEMA.sender}
    # Maria Edgeworth's personography entry carries her VIAF number: the node is keyed by it
    assert {str(x) for x in senders} == {f"{B}/id/person/viaf-71477273"}


@pytest.mark.corpus
def test_conjectured_and_partial_dates_are_kept(corpus_dir):
    found_bounds = found_cert = False
    for path in sorted((corpus_dir / "schnitzler-cmif").glob("*.xml")):
        for doc in extract_file(path).documents:
            preds = {str(p).rsplit("#", 1)[-1] for _, p, _ in doc.triples}
            found_bounds |= bool({"notBefore", "notAfter"} & preds)
            found_cert |= "dateCertainty" in preds or "dateEvidence" in preds
    assert found_bounds and found_cert


def test_several_uris_in_one_ref_are_split(tmp_path: Path):
    f = tmp_path / "letter.xml"
    f.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>T</title>'
        "</titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc></fileDesc>"
        '<profileDesc><correspDesc><correspAction type="sent"><persName ref="'
        'http://www.wikidata.org/entity/Q1 https://d-nb.info/gnd/123">A</persName>'
        '<date when="1900"/></correspAction></correspDesc></profileDesc></teiHeader>'
        "<text><body><p/></body></text></TEI>",
        encoding="utf-8",
    )
    (doc,) = extract_file(f).documents
    same = sorted(str(o) for s, p, o in doc.triples if p == SCHEMA.sameAs)
    assert same == ["http://www.wikidata.org/entity/Q1", "https://d-nb.info/gnd/123"]
    assert doc.date == "1900"


def test_key_and_unlinked_names(tmp_path: Path):
    f = tmp_path / "letter.xml"
    f.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>T</title>'
        "</titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc></fileDesc>"
        '<profileDesc><correspDesc><correspAction type="sent"><persName key="P42">A</persName>'
        '</correspAction><correspAction type="received"><persName>B C</persName></correspAction>'
        "</correspDesc></profileDesc></teiHeader><text><body><p/></body></text></TEI>",
        encoding="utf-8",
    )
    (doc,) = extract_file(f).documents
    sender = next(o for s, p, o in doc.triples if p == SCHEMA.sender)
    recipient = next(o for s, p, o in doc.triples if p == SCHEMA.toRecipient)
    assert str(sender).endswith("/id/person/letter-key-P42")
    assert str(recipient).endswith("/id/person/letter-b-c")  # scoped to this document


def test_blank_nodes_never_shared_between_documents(tmp_path):
    """N-Quads (bulk loads, exports) share blank-node labels across graphs: labels must differ."""
    from rdflib import BNode

    from archive.synth.generate import generate_letter

    labels = []
    for i in (0, 1, 2):
        f = tmp_path / f"l{i}.xml"
        f.write_bytes(generate_letter(i, 7))
        (doc,) = extract_file(f).documents
        labels.append({t for triple in doc.triples for t in triple if isinstance(t, BNode)})
    assert all(labels)
    assert not (labels[0] & labels[1]) and not (labels[1] & labels[2])


def test_the_tool_is_one_agent_across_documents(record_path, tmp_path):
    from archive import __version__
    from archive.rdf.namespaces import PROV, RDF

    (doc,) = extract_file(record_path).documents
    agents = {s for s, p, o in doc.triples if p == RDF.type and o == PROV.SoftwareAgent}
    assert {str(a) for a in agents} == {f"{B}/id/agent/archive-{__version__}"}


# --- the record and the profile (issue 11) ------------------------------------------------------


def test_bessons_office_is_the_letters_claim_not_a_fact(store):
    held = ask(store, f"SELECT ?post WHERE {{ <{B}/id/person/eric-besson> org:holds ?post }}")
    assert held == []
    assert ask(store, f"SELECT ?m WHERE {{ ?m org:member <{B}/id/person/eric-besson> }}") == []
    claims = ask(
        store,
        f"""SELECT ?doc ?role ?text WHERE {{ ?c a schema:Claim ; schema:appearance ?doc ;
        schema:about <{B}/id/person/eric-besson> ; org:role ?role ; schema:text ?text }}""",
    )
    assert claims == [
        (
            f"{B}/id/document/calais-2014-07-10",
            f"{B}/id/concept/role-minister-of-the-interior",
            "preceding minister of the interior",
        )
    ]


def test_the_group_in_copy_is_in_range(store):
    # schema:ccRecipient ranges over Person, Organization, ContactPoint: never an Audience
    assert (
        ask(store, f"SELECT ?r WHERE {{ {DOC} schema:ccRecipient ?r . ?r a schema:Audience }}")
        == []
    )
    groups = ask(store, f"SELECT ?r WHERE {{ {DOC} arc:ccAudience ?r ; schema:recipient ?r }}")
    assert groups == [(f"{B}/id/group/libe-vice-presidents",)]


def test_the_translation_is_dated_by_its_original(store):
    assert ask(store, f"SELECT ?d WHERE {{ {DOC} schema:dateCreated ?d }}") == []
    assert ask(store, f"SELECT ?u WHERE {{ {DOC} arc:ownDateUnknown ?u }}") == [("true",)]
    original = ask(
        store, f"SELECT ?d WHERE {{ {DOC} schema:translationOfWork/schema:dateCreated ?d }}"
    )
    assert original == [("2014-07-10",)]


def test_departements_by_number_resolved_alike(store):
    codes = ask(
        store,
        f"""SELECT ?place ?v WHERE {{ VALUES ?place {{ <{B}/id/place/dept-59>
        <{B}/id/place/pas-de-calais> }} ?place schema:identifier ?pv .
        ?pv schema:propertyID "INSEE" ; schema:value ?v }}""",
    )
    assert codes == [(f"{B}/id/place/dept-59", "59"), (f"{B}/id/place/pas-de-calais", "62")]
