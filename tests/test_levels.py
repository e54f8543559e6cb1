# ruff: noqa: E501  (the CMIF test file is kept as a CMIF file is written)
"""Conformance levels: project (strict), tei (any valid TEI P5), cmif (CMIF 1.1 + Schematron)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from archive.errors import SchemaUnavailable, UsageError
from archive.findings import Severity
from archive.tei.cmif import check_cmif
from archive.tei.levels import Level, level_from
from archive.tei.schematron import load_schematron
from archive.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = [sys.executable, "-m", "archive"]
CORPUS = ROOT.parent / "shared" / "corpus" / "tei"

# A correspondence file of our own making, valid CMIF 1.1 (schema and Schematron).
CMIF = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader>
    <fileDesc>
      <titleStmt><title>Letters of an invented society</title>
        <editor>An Editor<email>editor@example.org</email></editor></titleStmt>
      <publicationStmt>
        <publisher><ref target="https://example.org">Example</ref></publisher>
        <idno type="url">https://example.org/cmif.xml</idno>
        <date when="2024-01-01"/>
        <availability><licence target="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</licence></availability>
      </publicationStmt>
      <sourceDesc>
        <bibl type="online" xml:id="a1b2c3d4-0000-4000-8000-000000000001">Example letters</bibl>
      </sourceDesc>
    </fileDesc>
    <profileDesc>
      <correspDesc ref="https://example.org/letter/1" source="#a1b2c3d4-0000-4000-8000-000000000001">
        <correspAction type="sent">
          <persName ref="https://d-nb.info/gnd/118540238">Goethe, Johann Wolfgang von</persName>
          <date when="1800-01-02"/>
        </correspAction>
        <correspAction type="received">
          <persName>Anne Example</persName>
        </correspAction>
      </correspDesc>
      <correspDesc ref="https://example.org/letter/2" source="#a1b2c3d4-0000-4000-8000-000000000001">
        <correspAction type="sent">
          <persName ref="http://d-nb.info/gnd/118540238">Goethe</persName>
          <date when="1800-02-03"/>
        </correspAction>
        <correspAction type="received">
          <persName>Anne Example</persName>
        </correspAction>
      </correspDesc>
    </profileDesc>
  </teiHeader>
  <text><body><p/></body></text>
</TEI>
"""


@pytest.fixture(scope="module")
def cmif_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cmif") / "letters.xml"
    path.write_text(CMIF, encoding="utf-8")
    return path


def test_level_names_and_environment(monkeypatch):
    monkeypatch.delenv("ARCHIVE_LEVEL", raising=False)
    assert level_from(None) is Level.PROJECT
    monkeypatch.setenv("ARCHIVE_LEVEL", "TEI")
    assert level_from(None) is Level.TEI
    assert level_from("cmif") is Level.CMIF
    monkeypatch.setenv("ARCHIVE_LEVEL", "strict")
    with pytest.raises(UsageError, match="ARCHIVE_LEVEL"):
        level_from(None)


def test_the_project_level_refuses_what_the_tei_level_accepts(cmif_file):
    strict = validate_file(cmif_file, level="project")
    assert not strict.valid
    assert any(f.rule == "schema.project" and f.severity is Severity.ERROR for f in strict.report)
    loose = validate_file(cmif_file, level="tei")
    assert loose.valid, loose.report.to_text()
    # the archive's practice is still reported, as warnings
    assert any(f.rule == "schema.project" and f.severity is Severity.WARNING for f in loose.report)
    assert loose.report.level == "tei"
    assert "VALID at the tei level" in loose.report.to_text()


def test_impossible_dates_stay_errors_at_every_level(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text(
        CMIF.replace('when="1800-01-02"', 'notBefore="1800-05-01" notAfter="1800-01-01"')
    )
    result = validate_file(path, level="tei")
    assert [f.rule for f in result.report.errors()] == ["dates.range-inverted"]


def test_cmif_file_of_our_own_is_valid_cmif(cmif_file):
    result = validate_file(cmif_file, level="cmif")
    assert result.valid, result.report.to_text()
    assert not [f for f in result.report if f.rule.startswith("cmif.")]


def test_cmif_schematron_rules_fire(tmp_path):
    broken = CMIF.replace(
        'source="#a1b2c3d4-0000-4000-8000-000000000001">\n        <correspAction type="sent">\n'
        '          <persName ref="http://d-nb',
        'source="#nowhere">\n        <correspAction type="sent">\n          <persName ref="http://d-nb',
    ).replace('<date when="1800-02-03"/>', "<date>in February</date>")
    tree = etree.fromstring(broken.encode())
    rules = sorted(f.rule for f in check_cmif(tree, "x.xml"))
    assert "cmif.schematron.E0003" in rules  # @source points at no bibl
    assert "cmif.schematron.E0004" in rules  # a date with no dating attribute


def test_cmif_schema_rejects_what_cmif_1_1_forbids(cmif_file):
    dated = CMIF.replace('<date when="1800-01-02"/>', '<date when="1800-01-02" cert="high"/>')
    findings = check_cmif(etree.fromstring(dated.encode()), "x.xml")
    assert {f.rule for f in findings if f.severity is Severity.ERROR} == {"cmif.schema"}


def test_schematron_processor_refuses_what_it_cannot_run(tmp_path):
    sch = tmp_path / "abstract.sch"
    sch.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern abstract="true" id="a"><rule context="x"><assert test="1">x</assert></rule>'
        "</pattern></schema>"
    )
    with pytest.raises(SchemaUnavailable, match="does not implement"):
        load_schematron(sch)


def test_cli_level_option_env_and_usage_error(cmif_file, tmp_path):
    run = subprocess.run(
        [*ARCHIVE, "validate", str(cmif_file), "--level", "cmif", "--no-shacl", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["level"] == "cmif"
    bad = subprocess.run(
        [*ARCHIVE, "validate", str(cmif_file)],
        capture_output=True,
        text=True,
        env={"ARCHIVE_LEVEL": "loose", "PATH": "/usr/bin:/bin"},
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_load_summary_names_the_level_and_how_to_choose(cmif_file, tmp_path):
    store = tmp_path / "store"
    refused = subprocess.run(
        [*ARCHIVE, "load", str(cmif_file), "--store", str(store), "-q"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1
    assert "level: project" in refused.stdout and "--level project|tei|cmif" in refused.stdout
    loaded = subprocess.run(
        [*ARCHIVE, "load", str(cmif_file), "--store", str(store), "-q", "--level", "tei"],
        capture_output=True,
        text=True,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert loaded.stdout.startswith("2 loaded")
    assert "level: tei" in loaded.stdout


@pytest.mark.corpus
def test_corpus_files_that_are_valid_tei_load_at_the_tei_level(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/tei is absent")
    validity = json.loads((CORPUS / "validation.json").read_text())
    valid_tei = sorted(CORPUS / name for name, v in validity.items() if v.get("lxml"))
    assert len(valid_tei) == 48
    store = tmp_path / "store"
    run = subprocess.run(
        [*ARCHIVE, "load", *map(str, valid_tei), "--store", str(store), "-q", "--level", "tei"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 file(s) not loaded" in run.stdout
