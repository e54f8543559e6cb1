"""``archive oai``: one OAI-PMH request answered from the store, as ``/oai`` answers it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from archive.cli.common import EXIT_INVALID, err_console, fail, guarded, write_output
from archive.cli.store import open_from, search_index_option, store_options


@click.command("oai")
@click.argument("arguments", nargs=-1, metavar="NAME=VALUE...")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000/oai",
    show_default=True,
    help="The provider's base URL, as the response names it (where `archive serve` answers).",
)
@click.option("--page-size", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--title", default=None, help="The repository's name (as `archive serve --title`).")
@search_index_option
@store_options
@guarded
def oai_cmd(
    arguments: tuple[str, ...],
    base_url: str,
    page_size: int,
    title: str | None,
    search_index: Path | None,
    **opts: Any,
) -> None:
    """Answer one OAI-PMH 2.0 request from the store and print the XML response: what a
    harvester gets from /oai with the same arguments (verb=Identify, verb=ListRecords
    metadataPrefix=oai_dc, resumptionToken=..., and so on).

    Exit code 1 when the response is an OAI-PMH error (badArgument, noRecordsMatch...), which
    is named on stderr.
    """
    from lxml import etree

    from archive.oai import Provider, ProviderSettings
    from archive.store.search import SearchIndex, index_path

    args = []
    for item in arguments:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"{item!r}: give each argument as NAME=VALUE (verb=Identify)")
        args.append((name, value))
    with open_from(opts, read=True) as store:
        path = index_path(store, search_index)
        index = SearchIndex(path, store.base, create=False) if path.exists() else None
        settings = ProviderSettings(
            page_size=page_size, **({"repository_name": title} if title else {})
        )
        data = Provider(store, index, settings).respond(args, base_url)
        if index is not None:
            index.close()
    root = etree.fromstring(data)
    etree.indent(root, space="  ")
    write_output(etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n", None)
    sys.stdout.flush()
    error = root.find("{http://www.openarchives.org/OAI/2.0/}error")
    if error is not None:
        err_console.print(f"OAI-PMH error {error.get('code')}: {error.text}")
        raise SystemExit(EXIT_INVALID)


COMMANDS: list[click.Command] = [oai_cmd]
