"""A repository's own shapes: ``--shapes`` and ``--shapes-only`` on validate, load and deposit,
findings named from the shape, and bad shapes files stopped with their file and line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.errors import ShapesError
from archive.shacl import load_shapes_files
from archive.validate import validate_file

RULES = """@prefix sh:     <http://www.w3.org/ns/shacl#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix repo:   <https://repository.example/shapes#> .

repo:ManySigners
    a sh:NodeShape ;
    sh:targetClass schema:Message ;
    sh:property [
        rdfs:label "thirty signatories" ;
        sh:path schema:sender ;
        sh:minCount 30 ;
        sh:message "At least 30 signatories."@en , "Au moins 30 signataires."@fr ;
    ] .
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture()
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.ttl"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_user_shapes_add_to_the_project_shapes(record_path, rules):
    code, out = run("validate", str(record_path), "--shapes", str(rules), "--format", "json")
    assert code == 1
    data = json.loads(out)
    rules_found = {f["rule"] for f in data["findings"]}
    assert "shacl.ManySigners.thirty-signatories" in rules_found
    assert "shacl.PlaceShape.identifier" in rules_found  # the project's shapes still run
    mine = [f for f in data["findings"] if f["rule"] == "shacl.ManySigners.thirty-signatories"]
    assert mine[0]["message"] == "At least 30 signatories."
    assert data["file_verdicts"][0]["verdict"] == "invalid"


def test_shapes_only_replaces_the_project_shapes(record_path, rules):
    code, out = run(
        "validate", str(record_path), "--shapes-only", "--shapes", str(rules), "--format", "json"
    )
    assert code == 1
    rules_found = {f["rule"] for f in json.loads(out)["findings"]}
    assert rules_found == {"shacl.ManySigners.thirty-signatories"}


def test_a_folder_of_shapes_and_the_python_api(record_path, rules):
    shapes = load_shapes_files([rules.parent], with_project=False)
    result = validate_file(record_path, shapes=shapes)
    assert [f.rule for f in result.report.findings if f.layer.value == "shacl"] == [
        "shacl.ManySigners.thirty-signatories"
    ]


BAD = {
    "not RDF": ("this is not turtle\n", 1, "not valid Turtle"),
    "unknown term": (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<S> sh:targetNode <a> ;\n  sh:minCont 1 .\n",
        3,
        "sh:minCont is not a SHACL term",
    ),
    "bad count, further down": (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<S> sh:targetNode <a> ;\n"
        '  sh:property [\n    sh:path <p> ;\n    sh:maxCount "two" ;\n  ] .\n',
        5,
        "sh:maxCount must be an integer",
    ),
    "broken list": (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n\n"
        "<S> sh:targetNode <a> ;\n  sh:in [ rdf:first <a> ] .\n",
        5,
        "not a well-formed RDF list",
    ),
    "targets nothing": (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n\n<S> sh:path <p> ; sh:minCount 1 .\n",
        4,
        "targets nothing",
    ),
    "bad pattern": (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        '<S> sh:targetNode <a> ;\n  sh:pattern "(" .\n',
        3,
        "not a valid XPath regular expression",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_shapes_files_name_file_and_line(case, record_path, tmp_path):
    text, line, words = BAD[case]
    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ShapesError) as err:
        load_shapes_files([path])
    assert err.value.file == str(path) and err.value.line == line and words in str(err.value)
    code, out = run("validate", str(record_path), "--shapes", str(path))
    assert code == 2
    assert f"{path}:{line}: " in out and words in out and "Traceback" not in out


def test_load_and_deposit_take_the_same_options(record_path, rules, tmp_path):
    store = tmp_path / "store"
    code, out = run("load", str(record_path), "--store", str(store), "--shapes", str(rules))
    assert code == 1 and "invalid" in out  # refused by the repository's rule
    code, out = run("load", str(record_path), "--store", str(store))
    assert code == 0
    # now in the store, but not unchanged for other shapes: validated again, and refused
    code, out = run("load", str(record_path), "--store", str(store), "--shapes", str(rules))
    assert code == 1 and "thirty-signatories" in out and "0 unchanged" in out
    package = tmp_path / "p.zip"
    code, out = run(
        "deposit", str(record_path), "--out", str(package), "--date", "2026-11-26",
        "--shapes", str(rules),
    )  # fmt: skip
    assert code == 1 and not package.exists()
    code, _ = run("validate", str(record_path), "--shapes-only")
    assert code == 2
