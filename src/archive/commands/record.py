"""Commands for this stage (filled in by the stage's owner)."""

import click

COMMANDS: list[click.Command] = []
