"""What every command shares: error handling, exit codes, the base URI and output helpers.

Exit codes (the public contract): 0 valid / done, 1 invalid, 2 could not run.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.text import Text

from archive.errors import ArchiveError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2

# markup=False: messages carry rule ids such as [refs.dangling] and user data with brackets.
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def error_text(message: str) -> Text:
    return Text.assemble(("error:", "bold red"), " ", message)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print a one-line error to stderr and exit; never a traceback."""
    err_console.print(error_text(message))
    raise SystemExit(code)


def guarded(func: F) -> F:
    """Turn expected and unexpected failures into a readable message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit, click.Abort):
            raise
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except ArchiveError as exc:
            fail(str(exc))
        except OSError as exc:
            where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
            fail(f"{exc.strerror or exc}{where}")
        except MemoryError:
            fail("out of memory")
        except Exception as exc:  # a bug: say so plainly, still no traceback
            fail(
                f"internal error ({type(exc).__name__}: {exc}). This is a bug in archive; "
                "please report it with the command you ran."
            )
        return None

    return wrapper  # type: ignore[return-value]


def _check_base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A base that cannot mint URIs is a usage error (exit 2), said once, before any work."""
    from archive.rdf.uris import base_problem

    if value is not None and base_problem(value):
        raise click.BadParameter(f"{value!r} {base_problem(value)}")
    return value


base_option = click.option(
    "--base",
    envvar="ARCHIVE_BASE",
    default=None,
    metavar="URI",
    callback=_check_base,
    help="Base for minted URIs (default: $ARCHIVE_BASE or https://advocacy-archive.example).",
)


level_option = click.option(
    "--level",
    envvar="ARCHIVE_LEVEL",
    type=click.Choice(["project", "tei", "cmif"], case_sensitive=False),
    default=None,
    help="Conformance level: project (the archive's customisation, strict; the default), tei "
    "(any valid TEI P5) or cmif (CMIF 1.1); default $ARCHIVE_LEVEL, else project.",
)


def existing_paths(paths: tuple[str, ...]) -> list[Path]:
    """Resolve CLI path arguments; a missing path is a usage error (exit 2)."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            fail(f"no such file or folder: {p}")
        out.append(path)
    return out


def tei_files(paths: tuple[str, ...]) -> list[Path]:
    """The TEI files named, and those in the folders named; none at all is a usage error."""
    from archive.tei.files import expand_paths

    given = existing_paths(paths)
    files = list(expand_paths(given))
    if not files:
        from archive.submissions import undeclared_bag

        for path in given:
            if undeclared_bag(path):
                fail(
                    f"{path} is laid out as a BagIt bag ({undeclared_bag(path)}) but has no "
                    "bagit.txt: the bag declaration is missing"
                )
        fail("no TEI files (*.xml, *.tei) in the paths given")
    return files


def write_output(text: str | bytes, output: str | None) -> None:
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from archive.fsutil import atomic_write

    atomic_write(Path(output), text.encode("utf-8") if isinstance(text, str) else text)
