"""``archive cmif``: the archive's letters as one CMIF file for correspSearch."""

from __future__ import annotations

from typing import Any

import click

from archive.cli.common import (
    EXIT_INVALID,
    err_console,
    extract_reporting,
    fail,
    guarded,
    write_output,
)
from archive.cli.store import open_from, store_options


@click.command("cmif")
@click.argument("files", nargs=-1, metavar="[TEI...]")
@click.option("--out", "-o", "output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option(
    "--title", help="The file's title (default: Letters of the Advocacy Document Archive)."
)
@click.option(
    "--edition",
    help="The archive the letters are published in, as CMIF's sourceDesc cites it "
    "(default: Advocacy Document Archive).",
)
@click.option(
    "--editor",
    help="Who answers for the file (CMIF's titleStmt/editor; default: the archive project).",
)
@click.option("--editor-email", metavar="ADDRESS", help="The editor's e-mail address.")
@click.option(
    "--publisher",
    help="Who publishes the metadata; correspSearch credits it (default: the archive project).",
)
@click.option(
    "--publisher-url", metavar="URL", help="The publisher's web site (default: the base)."
)
@click.option(
    "--url",
    metavar="URL",
    help="Where the file is published (CMIF's idno; default: {base}/cmif.xml, where "
    "`archive serve` publishes it).",
)
@click.option(
    "--licence",
    type=click.Choice(["cc-by", "cc0"]),
    default="cc-by",
    show_default=True,
    help="The file's licence: CMIF accepts CC BY 4.0 or CC0 1.0.",
)
@click.option(
    "--date",
    metavar="DATETIME",
    help="When the data last changed (default: the store's latest load; for TEI files, "
    "$SOURCE_DATE_EPOCH or now).",
)
@store_options
@guarded
def cmif_cmd(
    files: tuple[str, ...],
    output: str | None,
    title: str | None,
    edition: str | None,
    editor: str | None,
    editor_email: str | None,
    publisher: str | None,
    publisher_url: str | None,
    url: str | None,
    licence: str,
    date: str | None,
    **opts: Any,
) -> None:
    """Write one CMIF 1.1 file of every letter in the store (or of the TEI files given).

    CMIF (the Correspondence Metadata Interchange Format of the TEI Correspondence SIG) is what
    correspSearch harvests: for each letter its senders, addressees and recipients of copies,
    with their authority identifiers, and its date and place of sending. Documents that are not
    correspondence are left out; what CMIF cannot carry is counted on stderr.
    """
    from archive.interchange.cmif import CmifHeader, cmif_bytes

    fields = {
        "title": title,
        "edition": edition,
        "editor": editor,
        "editor_email": editor_email,
        "publisher": publisher,
        "publisher_url": publisher_url,
        "url": url,
        "licence": licence,
        "date": date,
    }
    header = CmifHeader(**{k: v for k, v in fields.items() if v is not None})
    if files:
        base = opts.get("base")
        docs, unreadable, _ = extract_reporting(files, base)
        if unreadable:
            fail(f"{unreadable} file(s) could not be read as TEI; nothing written", EXIT_INVALID)
        export = cmif_bytes(docs, base, header)
        origin = _count(len(docs), "document") + " in " + _count(len(files), "path")
    else:
        with open_from(opts) as store:
            export = cmif_bytes(store, header=header)
            origin = f"the store at {store.location}"
    write_output(export.data, output)
    where = f"wrote {output}" if output not in (None, "-") else "CMIF 1.1"
    skipped = len(export.skipped)
    left_out = (
        f"; {_count(skipped, 'document')} that {'is' if skipped == 1 else 'are'} not "
        "correspondence left out"
        if skipped
        else ""
    )
    err_console.print(f"{where}: {_count(export.letters, 'letter')} from {origin}{left_out}")
    for note, n in sorted(export.notes.items()):
        err_console.print(f"  {n} × {note}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


COMMANDS: list[click.Command] = [cmif_cmd]
