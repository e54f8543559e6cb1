"""``archive validate``, ``archive extract`` and ``archive summary``."""

from __future__ import annotations

import json
import sys

import click

from archive.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    base_option,
    err_console,
    existing_paths,
    extract_reporting,
    fail,
    guarded,
    level_option,
    load_user_shapes,
    shapes_options,
    write_output,
)
from archive.findings import Report


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "shacl"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, shacl for the W3C SHACL validation report (Turtle).",
)
@click.option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--no-shacl", is_flag=True, help="Skip the SHACL layer (faster, less complete).")
@click.option(
    "--show",
    type=click.Choice(["error", "warning", "info", "all"]),
    default="info",
    show_default=True,
    help="In the text report, list findings of this severity and above (the counts and the "
    "verdict always cover every finding); all: every finding with the echoes of each mistake "
    "in other layers.",
)
@level_option
@click.option(
    "--target",
    type=click.Choice(["bagit", "archivematica", "dspace", "dspace-sword", "eark"]),
    help="Check packages by the rules of this system (default: the one their layout shows).",
)
@shapes_options
@base_option
@guarded
def validate(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    no_shacl: bool,
    show: str,
    level: str | None,
    shapes_paths: tuple[str, ...],
    shapes_only: bool,
    base: str | None,
    target: str | None = None,
) -> None:
    """Validate TEI files, folders of them, or deposit packages, through every layer.

    Layers: well-formedness (safe parser), the project's TEI customisation, full TEI P5,
    references and dates, extraction, SHACL. Every finding is reported, not the first.
    Exit code 0 valid (warnings allowed), 1 invalid, 2 could not run.
    """
    from archive.submissions import validate_paths

    resolved = existing_paths(paths)
    if fmt == "shacl" and no_shacl:
        fail("--format shacl needs the SHACL layer; drop --no-shacl")
    shapes = load_user_shapes(shapes_paths, shapes_only)
    progress = _progress() if sys.stderr.isatty() else None
    report = validate_paths(
        resolved,
        base,
        shacl=not no_shacl,
        w3c_report=fmt == "shacl",
        on_file=(lambda r: progress(r.label)) if progress else None,
        level=level,
        target=target,
        shapes=shapes,
    )
    if not report.files:
        fail("no TEI files (*.xml, *.tei) or deposit packages in the paths given")
    if fmt == "json":
        write_output(report.to_json(), output)
    elif fmt == "shacl":
        write_output(_w3c_report(report), output)
    else:
        from archive.findings import Severity

        if show == "all":
            write_output(report.to_text(Severity.INFO, echoes=True), output)
        else:
            write_output(report.to_text(Severity(show)), output)
    raise SystemExit(report.exit_code)


def _progress():
    count = 0

    def tick(label: str) -> None:
        nonlocal count
        count += 1
        if count % 25 == 0:
            err_console.print(f"validated {count} files…", style="dim")

    return tick


def _w3c_report(report: Report) -> str:
    """One W3C validation report for all files; files that never reached SHACL are noted."""
    from archive.shacl.report import merge_reports

    merged = merge_reports(report.shacl_reports[f] for f in sorted(report.shacl_reports))
    missing = [f for f in report.files if f not in report.shacl_reports]
    if missing:
        err_console.print(
            f"note: {len(missing)} file(s) did not reach the SHACL layer (see the text report): "
            + ", ".join(missing[:5])
            + (" …" if len(missing) > 5 else "")
        )
    return merged


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "trig", "nquads", "jsonld"]),
    default="turtle",
    show_default=True,
    help="turtle merges the documents' graphs; trig, nquads and jsonld keep one named "
    "graph per document.",
)
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")
@base_option
@guarded
def extract(files: tuple[str, ...], fmt: str, output: str | None, base: str | None) -> None:
    """Extract the RDF of TEI files (or folders of them), one named graph per document.

    What extraction cannot use is reported on stderr with its line. Exit code 1 when a file
    could not be read as TEI at all.
    """
    from archive.rdf.serialize import serialize

    docs, unreadable, empty = extract_reporting(files, base)
    failed = unreadable + empty
    if docs:
        write_output(serialize(docs, fmt), output)
    raise SystemExit(EXIT_INVALID if failed else EXIT_OK)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.option("--json", "as_json", is_flag=True, hidden=True, help="Same as --format json.")
@base_option
@guarded
def summary(file: str, fmt: str, as_json: bool, base: str | None) -> None:
    """Summarise one TEI document: entities by kind, senders, addressees, copies."""
    from archive.errors import NotWellFormed, UnsafeInput
    from archive.rdf.extract import extract_file
    from archive.rdf.summary import render, summarise_all

    (path,) = existing_paths((file,))
    try:
        extraction = extract_file(path, base)
    except (NotWellFormed, UnsafeInput) as exc:  # a finding about the file, as elsewhere: 1
        line = f":{exc.line}" if getattr(exc, "line", None) else ""
        fail(f"{file}{line}: {exc}", EXIT_INVALID)
    if not extraction.documents:
        fail(f"{file}: no document could be extracted", EXIT_INVALID)
    summaries = summarise_all(extraction.documents)
    if as_json or fmt == "json":
        write_output(
            json.dumps([s.to_dict() for s in summaries], ensure_ascii=False, indent=2), None
        )
    else:
        write_output("\n\n".join(render(s) for s in summaries), None)


COMMANDS: list[click.Command] = [validate, extract, summary]
_ = EXIT_ERROR  # documented in _common; re-exported for readers of this module
