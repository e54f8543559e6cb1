"""The ``archive`` command: a thin layer over the stage modules."""

from __future__ import annotations

import click

from archive import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="archive")
def cli() -> None:
    """Advocacy documents as TEI P5 records, linked data, SPARQL stores and deposit packages."""


def _register() -> None:
    from archive.cli import deposit, generate, interchange, record, records, store

    for module in (record, store, deposit, generate, interchange, records):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="archive")
