"""``archive new``: draft a TEI record from a spreadsheet of the people and bodies involved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from archive.cli.common import EXIT_INVALID, err_console, fail, guarded
from archive.cli.store import open_from, store_options


@click.command("new")
@click.option("--title", required=True, help="The document's title.")
@click.option(
    "--date",
    required=True,
    metavar="DATE",
    help="The document's date: YYYY-MM-DD, YYYY-MM or YYYY.",
)
@click.option(
    "--source", required=True, help="What the text was taken from (a description or a URL)."
)
@click.option(
    "--people",
    required=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or TSV (UTF-8) with the columns name, role (sender, addressee, copy, mentioned), "
    "kind (person, group, organisation or an organisation category), place, authority, heading.",
)
@click.option(
    "--body",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The document's plain text (UTF-8); paragraphs separated by blank lines.",
)
@click.option("--slug", help="The document's slug (default: from the title and the date).")
@click.option(
    "--type",
    "doc_type",
    default="open-letter",
    show_default=True,
    help="open-letter, letter, press-release, petition, report or declaration.",
)
@click.option("--language", default="en", show_default=True, help="The text's language (BCP 47).")
@click.option(
    "--licence",
    default="https://creativecommons.org/licenses/by/4.0/",
    show_default=True,
    metavar="URI",
    help="The licence of the encoding.",
)
@click.option(
    "--publisher",
    default="Advocacy Document Archive project",
    show_default=True,
    help="Who publishes and encodes the record.",
)
@click.option("--out", "-o", "output", metavar="FILE", help="Where to write (default: SLUG.xml).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--no-store", is_flag=True, help="Do not match the names against the store.")
@store_options
@guarded
def new_cmd(
    title: str,
    date: str,
    source: str,
    people: Path,
    body: Path | None,
    slug: str | None,
    doc_type: str,
    language: str,
    licence: str,
    publisher: str,
    output: str | None,
    force: bool,
    no_store: bool,
    **opts: Any,
) -> None:
    """Draft a TEI record in the archive's practice from a title, a date, a source and a
    spreadsheet of the people and organisations involved (and the text, if there is one).

    Names that match an entity of the store (the same authority URI, or the same name and
    kind) become the same node; near matches are listed, never applied. The draft validates at
    the project level; what needs a person's judgement (tagging the names in the text, the
    letter's parts) is marked in it, and listed at the end. A malformed spreadsheet is reported
    row by row and column by column, and nothing is written (exit 1).
    """
    from archive.errors import RecordInputError
    from archive.records.draft import RecordInputs, document_slug
    from archive.records.new import check_inputs, new_record

    inputs = RecordInputs(
        title=title,
        date=date,
        source=source,
        people=[],
        slug=slug,
        doc_type=doc_type,
        language=language,
        licence=licence,
        publisher=publisher,
    )
    check_inputs(inputs)
    target = Path(output) if output else Path(f"{document_slug(inputs)}.xml")
    if target.exists() and not force:
        fail(f"{target} exists: a draft may hold work; give --force to overwrite it")
    store = None if no_store else _store(opts)
    try:
        record = new_record(inputs, people, body, store)
    except RecordInputError as exc:
        fail(str(exc), EXIT_INVALID)
    finally:
        if store is not None:
            store.close()
    if not output:
        target = Path(f"{record.slug}.xml")
        if target.exists() and not force:
            fail(f"{target} exists: a draft may hold work; give --force to overwrite it")
    from archive.fsutil import atomic_write

    atomic_write(target, record.data)
    _report(record, target, store is not None)


def _store(opts: dict[str, Any]):
    """The store named, or the default one if it exists: matching is a help, not a need."""
    from archive.store import default_store_path

    if not (opts.get("store_path") or opts.get("endpoint")) and not default_store_path().exists():
        err_console.print(f"no store at {default_store_path()}: names not matched", style="dim")
        return None
    return open_from(opts)


def _short(node: str, base: str) -> str:
    prefix = f"{base}/id/"
    return node[len(prefix) :] if node.startswith(prefix) else node


def _report(record, target: Path, matched: bool) -> None:
    entries = record.entries
    roles = {"sender": 0, "addressee": 0, "copy": 0, "mentioned": 0}
    for e in entries:
        for r in set(e.roles):
            roles[r] += 1
    rows = sum(len(e.rows) for e in entries if e.kind != "place")
    click.echo(
        f"wrote {target} (draft): {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} "
        f"from {rows} row{'' if rows == 1 else 's'}: "
        f"{roles['sender']} sender(s), {roles['addressee']} addressee(s), {roles['copy']} "
        f"cop{'y' if roles['copy'] == 1 else 'ies'}, {roles['mentioned']} mentioned, "
        f"{sum(e.kind == 'place' for e in entries)} place(s)"
    )
    base = record.base
    if record.matched:
        click.echo("already in the store (the same node as in its other documents):")
        for e in record.matched:
            extra = (
                f"; its authority {' '.join(e.from_store)} comes from the store"
                if e.from_store
                else ""
            )
            click.echo(
                f"  - {e.name} ({e.kind}) -> {_short(e.match.known.node, base)} "
                f"({e.match.how}{extra})"
            )
    elif matched:
        click.echo("already in the store: none")
    if record.suggestions:
        click.echo("near matches in the store (not applied; check them):")
        for e in record.suggestions:
            for k, why in e.match.suggestions:
                click.echo(
                    f"  - row {e.rows[0]} {e.name!r} ({e.kind}) ~ {k.label!r} "
                    f"{_short(k.node, base)}: {why}"
                )
    counts = record.report.counts
    click.echo(
        f"validation: valid at the project level, {counts['error']} error(s), "
        f"{counts['warning']} warning(s) (archive validate {target} lists them)"
    )
    click.echo("to do:")
    for n, item in enumerate(record.todo, 1):
        click.echo(f"  {n}. {item}")


COMMANDS: list[click.Command] = [new_cmd]
