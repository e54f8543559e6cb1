"""``archive extract`` and ``archive summary`` on the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from archive.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    "fmt, parser",
    [("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads"), ("jsonld", "json-ld")],
)
def test_extract_formats_parse_back(record_path, fmt, parser):
    result = run("extract", str(record_path), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "turtle":
        g = Graph().parse(data=result.stdout, format=parser)
        assert len(g) == 711
    else:
        ds = Dataset()
        ds.parse(data=result.stdout, format=parser)
        graphs = {str(c.identifier) for c in ds.graphs() if len(c)}
        assert "https://advocacy-archive.example/graph/calais-2014-07-10" in graphs


def test_extract_is_byte_identical_across_runs(record_path):
    assert (
        run("extract", str(record_path), "--format", "jsonld").stdout
        == run("extract", str(record_path), "--format", "jsonld").stdout
    )


def test_extract_writes_a_file_and_honours_the_base(record_path, tmp_path):
    out = tmp_path / "out.nq"
    result = run(
        "extract",
        str(record_path),
        "--format",
        "nquads",
        "-o",
        str(out),
        "--base",
        "https://archive.test",
    )
    assert result.exit_code == 0
    assert "<https://archive.test/id/document/calais-2014-07-10>" in out.read_text()


def test_extract_reports_what_it_cannot_use_and_exits_1_on_non_tei(tmp_path, record_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<not-closed>")
    result = run("extract", str(bad), str(record_path))
    assert result.exit_code == 1
    assert "bad.xml:1: error: not well-formed XML" in result.stderr
    assert "calais-2014-07-10" in result.stdout  # the good file is still extracted


@pytest.mark.corpus
def test_extract_a_folder_with_cross_file_refs(corpus_dir):
    result = run("extract", str(corpus_dir / "me-tei"), "--format", "nquads")
    assert result.exit_code == 0
    assert "/id/person/viaf-71477273>" in result.stdout
    assert "extract.dangling-ref" in result.stderr  # EdgeX3 is missing from the personography


def test_summary_text_and_json(record_path):
    text = run("summary", str(record_path))
    assert text.exit_code == 0
    assert "Senders (26):" in text.stdout and "Addressees (2):" in text.stdout
    assert "Prime Minister of the United Kingdom (not named)" in text.stdout
    data = json.loads(run("summary", str(record_path), "--json").stdout)
    (s,) = data
    assert s["counts"]["organisations"] == 42 and s["counts"]["people"] == 8
    assert (
        len(s["copies"]) == 5
        and s["date"].startswith("unknown (a translation")
        and "2014-07-10" in s["date"]
    )


def test_summary_of_a_missing_file_exits_2(tmp_path):
    result = run("summary", str(tmp_path / "nope.xml"))
    assert result.exit_code == 2 and "no such file" in result.stderr


@pytest.mark.parametrize(
    "command, options",
    [("validate", []), ("extract", []), ("load", ["--store"]), ("deposit", ["--out"])],
)
def test_a_folder_without_tei_is_a_usage_error_not_a_pass(command, options, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notes.txt").write_text("not TEI")
    (folder / "loop").symlink_to(folder)  # a cycle is walked once, not forever
    target = tmp_path / "out.zip"
    r = run(command, str(folder), *[a for o in options for a in (o, str(target))])
    assert r.exit_code == 2
    assert "no TEI files" in r.stderr and "Traceback" not in r.stderr
    assert not target.exists()  # no store created, no package written


def test_a_reader_that_goes_away_stops_the_command_quietly(tmp_path):
    """`archive extract ... | head -1`: no 'Broken pipe' error and no traceback; the exit code
    is the one a command killed by SIGPIPE has (141), as for git or cat."""
    import subprocess
    import sys

    from archive.synth import generate_corpus

    generate_corpus(5, 1, tmp_path / "letters")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive",
            "extract",
            str(tmp_path / "letters"),
            "--format",
            "nquads",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before the first line is written
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert b"Broken pipe" not in err and b"Traceback" not in err and b"error" not in err
