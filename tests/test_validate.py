"""``archive validate``: every layer, every finding, clear errors and exit codes for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.cli import cli
from archive.submissions import validate_paths
from archive.validate import validate_file


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_record_is_valid(record_path):
    result = validate_file(record_path)
    assert result.valid
    assert {f.layer.value for f in result.report} == {"shacl"}  # warnings only
    assert len(result.documents) == 1


def test_text_report_and_exit_code(record_path):
    code, out, _ = run("validate", str(record_path))
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("VALID: 0 error(s)")


def test_json_report_follows_the_documented_schema(record_path, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(record_path.read_bytes().replace(b'ref="#attac"', b'ref="#atac"', 1))
    code, out, _ = run("validate", "--format", "json", str(broken))
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "invalid" and data["valid"] is False
    assert data["counts"]["error"] >= 1
    schema = json.loads((Path(__file__).parent.parent / "docs" / "report.schema.json").read_text())
    import jsonschema

    jsonschema.validate(data, schema)
    dangling = [f for f in data["findings"] if f["rule"] == "refs.dangling"]
    assert dangling and dangling[0]["line"] > 1 and dangling[0]["file"] == str(broken)


def test_shacl_format_is_a_w3c_report(record_path, tmp_path):
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    code, out, _ = run("validate", "--format", "shacl", str(record_path))
    assert code == 0  # the archive's verdict: warnings never make a record invalid
    g = Graph().parse(data=out, format="turtle")
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    # ... but a W3C report with any result, warnings too, does not conform (SHACL 3.1)
    assert g.value(report, SH.conforms).toPython() is False
    results = list(g.objects(report, SH.result))
    shacl_findings = [f for f in validate_file(record_path).report if f.layer.value == "shacl"]
    assert len(results) == len(shacl_findings) > 0
    assert {g.value(r, SH.resultSeverity) for r in results} == {SH.Warning}
    again = run("validate", "--format", "shacl", str(record_path))[1]
    assert again == out  # the same input gives the same bytes


def test_all_layers_report_at_once(record_path, tmp_path):
    """A copy broken in several layers reports every problem, each with its line."""
    data = record_path.read_bytes()
    data = data.replace(b"<p>The policy", b"<p><foo>x</foo>The policy", 1)  # schema layers
    data = data.replace(b'ref="#claude-gueant"', b'ref="#nobody"', 1)  # references
    data = data.replace(b'<org xml:id="attac"', b'<org xml:id="migreurop"', 1)  # duplicate id
    data = data.replace(b'<title type="main">', b'<title type="sub">', 1)
    f = tmp_path / "many.xml"
    f.write_bytes(data)
    report = validate_file(f).report
    everything = [e for x in report for e in x.all()]
    rules = {x.rule for x in everything}
    assert {"schema.project", "tei.conformance", "refs.dangling", "refs.duplicate-id"} <= rules
    assert all(x.line for x in everything if x.layer.value in {"schema", "tei", "refs"})
    foo = [x for x in report if x.rule == "schema.project" and "<foo>" in x.message]
    assert foo and foo[0].line == data[: data.index(b"<foo>")].count(b"\n") + 1
    # not TEI P5 either: an element TEI P5 does not define, folded into the project's finding
    assert [e.message.split(": ", 1)[1] for e in foo[0].echoes] == [
        "element <foo> is not defined in TEI P5 (at /TEI/text/body/div/p[1]/foo)"
    ]


def test_a_bad_date_is_one_finding_with_its_echoes(record_path, tmp_path):
    """The date rules lead; the project schema (at the date) and TEI P5 (at the <bibl> that
    holds it, all libxml2 can say for certain on the reduced grammar) are its echoes."""
    data = record_path.read_bytes().replace(
        b'<date when="2014-07-02">2 July', b'<date when="2014-7-2">2 July', 1
    )
    f = tmp_path / "date.xml"
    f.write_bytes(data)
    report = validate_file(f).report
    errors = report.errors()
    assert [(e.rule, e.line) for e in errors] == [
        ("dates.not-iso", data[: data.index(b'when="2014-7-2"')].count(b"\n") + 1)
    ]
    assert [(e.rule, e.message.split(": ", 1)[1]) for e in errors[0].echoes] == [
        (
            "schema.project",
            "attribute @when is not allowed on <date>, or its value is not valid: "
            "when='2014-7-2' (at /TEI/standOff/listBibl/bibl/date)",
        ),
        (
            "tei.conformance",
            "<bibl> or what it holds does not conform (at /TEI/standOff/listBibl/bibl)",
        ),
    ]


@pytest.mark.parametrize(
    "name, content, rule",
    [
        ("empty.xml", b"", "xml.not-well-formed"),
        ("binary.xml", bytes(range(256)) * 4, "xml.not-well-formed"),
        ("page.html", b"<!DOCTYPE html><html><body><p>Hi<br></body></html>", "xml.not-well-formed"),
        ("xhtml.xml", b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "tei.root"),
        ("wrongns.xml", b'<TEI xmlns="http://www.tei-c.org/ns/2.0"><teiHeader/></TEI>', "tei.root"),
        ("nons.xml", b"<TEI><teiHeader/></TEI>", "tei.root"),
        (
            "laughs.xml",
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<TEI xmlns="http://www.tei-c.org/ns/1.0">&b;</TEI>',
            "input.entity-declaration",
        ),
        (
            "xxe.xml",
            b'<!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<TEI xmlns="http://www.tei-c.org/ns/1.0">&x;</TEI>',
            "input.entity-declaration",
        ),
    ],
)
def test_hostile_and_broken_files_are_findings_not_tracebacks(tmp_path, name, content, rule):
    f = tmp_path / name
    f.write_bytes(content)
    code, out, err = run("validate", "--format", "json", str(f))
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert rule in {x["rule"] for x in findings}
    assert "Traceback" not in out + err


def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path):
    f = tmp_path / "huge.xml"
    with open(f, "wb") as fh:
        fh.write(b'<TEI xmlns="http://www.tei-c.org/ns/1.0">')
        fh.seek(50 * 1024 * 1024)
        fh.write(b"</TEI>")
    code, out, _ = run("validate", "--format", "json", str(f))
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["rule"] == "input.too-large" and "ARCHIVE_MAX_BYTES" in finding["message"]


def test_usage_errors_exit_2(tmp_path):
    code, _, err = run("validate", str(tmp_path / "missing.xml"))
    assert code == 2 and "no such file" in err
    code, _, _ = run("validate", "--format", "yaml", "x")
    assert code == 2


def test_unreadable_file_is_reported(tmp_path, record_path):
    f = tmp_path / "locked.xml"
    f.write_bytes(record_path.read_bytes())
    f.chmod(0)
    try:
        if os.access(f, os.R_OK):
            pytest.skip("running as a user who can read mode-000 files (root)")
        code, out, _ = run("validate", "--format", "json", str(f))
        assert code == 1
        assert json.loads(out)["findings"][0]["rule"] == "input.unreadable"
    finally:
        f.chmod(0o644)


@pytest.mark.slow
def test_a_folder_of_1000_files(tmp_path, record_path):
    folder = tmp_path / "many"
    folder.mkdir()
    good = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"/>'
    for i in range(1000):
        (folder / f"f{i:04}.xml").write_bytes(good if i % 100 else b"<broken")
    (folder / "notes.txt").write_text("not XML, not looked at")
    report = validate_paths([folder], shacl=False)
    assert len(report.files) == 1000
    not_xml = [f for f in report if f.rule == "xml.not-well-formed"]
    assert len(not_xml) == 10


def test_command_line_entry_point_never_prints_a_traceback(tmp_path):
    f = tmp_path / "x.xml"
    f.write_bytes(b"\x00\x01garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "archive", "validate", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


# -- property-based: mutated records never crash the validator ---------------------------------


@pytest.fixture(scope="module")
def record_text(record_path) -> str:
    return record_path.read_text(encoding="utf-8")


MUTATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**9),
        st.sampled_from(["delete", "insert", "swap", "truncate", "dup"]),
        st.text(alphabet="<>/&;\"'=# xml:idrefTEI\x00é", min_size=0, max_size=12),
    ),
    min_size=1,
    max_size=4,
)


def mutate(text: str, ops) -> str:
    for pos, op, chunk in ops:
        i = pos % (len(text) + 1)
        if op == "delete":
            text = text[:i] + text[i + len(chunk) + 1 :]
        elif op == "insert":
            text = text[:i] + chunk + text[i:]
        elif op == "swap":
            j = (i * 7919) % (len(text) + 1)
            text = (
                text[: min(i, j)]
                + text[max(i, j) : min(i, j) + max(i, j) - min(i, j)]
                + text[max(i, j) :]
            )
        elif op == "truncate":
            text = text[:i]
        elif op == "dup":
            text = text[:i] + text[i : i + 200] + text[i:]
    return text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=MUTATIONS)
def test_mutated_records_give_findings_never_exceptions(tmp_path_factory, record_text, ops):
    f = tmp_path_factory.mktemp("mut") / "m.xml"
    f.write_bytes(mutate(record_text, ops).encode("utf-8", "surrogatepass"))
    result = validate_file(f, shacl=False)
    assert result.report.exit_code in (0, 1)
    for finding in result.report:
        assert finding.rule and finding.message and finding.file == str(f)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=MUTATIONS)
def test_mutated_records_through_shacl(tmp_path_factory, record_text, ops):
    f = tmp_path_factory.mktemp("mut") / "m.xml"
    f.write_bytes(mutate(record_text, ops).encode("utf-8", "surrogatepass"))
    result = validate_file(f)
    assert result.report.exit_code in (0, 1)


def test_show_limits_the_listing_not_the_counts(record_path):
    code, out, _ = run("validate", "--show", "error", str(record_path))
    assert code == 0
    assert out.strip().splitlines() == ["VALID: 0 error(s), 14 warning(s), 0 info in 1 file"]
