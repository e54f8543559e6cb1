"""``archive deposit``: the submission package a digital library accepts (``--target``).

Package validation lives behind ``archive validate`` (it accepts packages as well as TEI files).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive.cli.common import (
    EXIT_INVALID,
    base_option,
    err_console,
    error_text,
    guarded,
    level_option,
    load_user_shapes,
    shapes_options,
    tei_files,
)

COMMANDS: list[click.Command] = []


TARGET_NAMES = ["bagit", "archivematica", "dspace", "dspace-sword", "eark"]


@click.command("deposit")
@click.argument("tei", nargs=-1, required=True, metavar="TEI...")
@click.option(
    "--target",
    type=click.Choice(TARGET_NAMES),
    default="bagit",
    show_default=True,
    help="The system to deposit in: the archive's BagIt package, an Archivematica transfer, a "
    "DSpace Simple Archive Format folder or SWORD package, or an E-ARK SIP.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    metavar="PATH",
    help="The package to write: a folder, or PATH.zip / PATH.tar.",
)
@click.option("--zip", "as_zip", is_flag=True, help="Write a .zip (also implied by --out X.zip).")
@click.option("--tar", "as_tar", is_flag=True, help="Write a .tar (also implied by --out X.tar).")
@click.option(
    "--date",
    "when",
    metavar="DATE",
    help="Date of the package (YYYY-MM-DD or ISO date-time); default "
    "$SOURCE_DATE_EPOCH, else now. Same inputs + same date = same bytes.",
)
@click.option("--force", is_flag=True, help="Replace an existing package at --out.")
@click.option(
    "--allow-invalid",
    is_flag=True,
    help="Package records that fail validation; the report inside says so.",
)
@click.option(
    "--source-organization",
    multiple=True,
    metavar="NAME",
    help="Source-Organization of the bag (repeatable); default: the TEI publisher(s).",
)
@click.option(
    "--contact-email",
    metavar="EMAIL",
    help="The depositor's contact (bag-info Contact-Email, the crate's contactPoint).",
)
@click.option(
    "--group-identifier",
    metavar="URI",
    help="Bag-Group-Identifier; default: the base URI of the archive.",
)
@click.option(
    "--profile",
    "profile_path",
    metavar="FILE",
    help="BagIt profile JSON (default: $ARCHIVE_BAGIT_PROFILE or deposit/bagit-profile.json).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the result.",
)
@level_option
@shapes_options
@base_option
@guarded
def deposit(
    tei: tuple[str, ...],
    target: str,
    out: str,
    as_zip: bool,
    as_tar: bool,
    when: str | None,
    force: bool,
    allow_invalid: bool,
    source_organization: tuple[str, ...],
    contact_email: str | None,
    group_identifier: str | None,
    profile_path: str | None,
    output_format: str,
    level: str | None,
    shapes_paths: tuple[str, ...],
    shapes_only: bool,
    base: str | None,
) -> None:
    """Validate TEI records and write one submission package for a digital library.

    By default (--target bagit) a BagIt 1.0 bag holding the TEI, its RDF (Turtle, JSON-LD,
    N-Quads), the shapes and ontology, the validation report, METS (Dublin Core, TEI header,
    PREMIS 3) and RO-Crate metadata, declaring the archive's BagIt profile. Other targets lay the
    same validated files out as Archivematica, DSpace or E-ARK expect. Check a package with:
    archive validate PACKAGE
    """
    from archive.deposit.build import RecordsInvalid, build_package
    from archive.deposit.profile import load_profile
    from archive.errors import UsageError

    if as_zip and as_tar:
        raise UsageError("choose one of --zip and --tar")
    fmt = "zip" if as_zip else "tar" if as_tar else None
    paths = tei_files(tei)
    shapes = load_user_shapes(shapes_paths, shapes_only)
    profile = load_profile(Path(profile_path)) if profile_path else None
    try:
        result = build_package(
            paths,
            Path(out),
            target=target,
            fmt=fmt,
            when=when,
            force=force,
            allow_invalid=allow_invalid,
            base=base,
            source_organizations=source_organization,
            contact_email=contact_email,
            group_identifier=group_identifier,
            profile=profile,
            level=level,
            shapes=shapes,
        )
    except RecordsInvalid as exc:
        if output_format == "json":
            click.echo(
                json.dumps(
                    {"package": None, "report": exc.report.to_dict()}, ensure_ascii=False, indent=2
                )
            )
        else:
            click.echo(exc.report.to_text())
        err_console.print(error_text(str(exc)))
        raise SystemExit(EXIT_INVALID) from None

    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "package": str(result.path),
                    "target": result.target,
                    "identifier": result.identifier,
                    "format": result.format,
                    "profile": result.profile,
                    "payload_oxum": result.oxum or None,
                    "summary": result.summary,
                    "files": [f"data/{f}" for f in result.files],
                    "invalid_records": result.invalid,
                    "report": result.report.to_dict(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    counts = result.report.counts
    records = len(result.report.files)
    if result.target == "bagit":
        click.echo(f"wrote {result.path} ({result.format}, BagIt 1.0, profile {result.profile})")
        click.echo(f"  payload: {len(result.files)} files, Payload-Oxum {result.oxum}")
    else:
        click.echo(f"wrote {result.path} ({result.format}, {TARGET_LABELS[result.target]})")
        click.echo(f"  package {result.identifier}: {result.summary}")
    click.echo(
        f"  records: {records - len(result.invalid)} valid, {len(result.invalid)} invalid "
        f"({counts['error']} error(s), {counts['warning']} warning(s))"
    )
    if result.invalid:
        err_console.print(
            f"[bold yellow]warning:[/] packaged {len(result.invalid)} invalid record(s) "
            f"(--allow-invalid): {', '.join(result.invalid)}; data/reports/validation.json says so",
            markup=True,
            highlight=False,
        )


TARGET_LABELS = {
    "archivematica": "Archivematica transfer",
    "dspace": "DSpace Simple Archive Format",
    "dspace-sword": "DSpace SWORD v2 METS package",
    "eark": "E-ARK SIP",
}

COMMANDS.append(deposit)
