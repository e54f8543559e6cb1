"""The ``archive`` command: a thin layer over the stage modules.

Commands are imported when they are run (or listed by ``--help``), and each command module
imports the stages it needs inside its commands: ``archive validate`` loads neither the store
nor the deposit packages nor the synthetic generator.
"""

from __future__ import annotations

import importlib
import sys

import click

# command name -> the module of archive.cli that defines it (in its COMMANDS list);
# tests/test_cli_lazy.py checks that this table and the modules agree
COMMAND_MODULES = {
    "validate": "record",
    "extract": "record",
    "summary": "record",
    "oai": "oai",
    "load": "store",
    "remove": "store",
    "list": "store",
    "stats": "store",
    "export": "store",
    "describe": "store",
    "query": "store",
    "reindex": "store",
    "repair": "store",
    "deposit": "deposit",
    "generate": "generate",
    "serve": "serve",
    "cmif": "interchange",
    "new": "records",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(name)
        if module is None:
            return None
        commands = importlib.import_module(f"archive.cli.{module}").COMMANDS
        return next((c for c in commands if c.name == name), None)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from archive import __version__

        click.echo(f"archive, version {__version__}")
        ctx.exit()


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Advocacy documents as TEI P5 records, linked data, SPARQL stores and deposit packages."""


def main() -> None:
    from archive.cli.common import quiet_broken_pipe

    try:
        cli(prog_name="archive")
    except BrokenPipeError:
        quiet_broken_pipe()
    finally:
        try:
            sys.stdout.flush()  # a pipe closed early shows here, not in Python's shutdown
        except BrokenPipeError:
            quiet_broken_pipe()
