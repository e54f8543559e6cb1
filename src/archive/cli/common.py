"""What every command shares: error handling, exit codes, the base URI and output helpers.

Exit codes (the public contract): 0 valid / done, 1 invalid, 2 could not run.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from archive.errors import ArchiveError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


class _ErrConsole:
    """The stderr console, made on first use: rich costs a tenth of a second to import, which
    a command that prints nothing to stderr (a valid record) should not pay."""

    _console: Console | None = None

    @property
    def real(self) -> Console:
        """The rich Console itself (for APIs that need one, such as a progress bar)."""
        if self._console is None:
            from rich.console import Console

            # markup=False: messages carry rule ids such as [refs.dangling] and user data with
            # brackets.
            type(self)._console = Console(
                stderr=True, highlight=False, soft_wrap=True, markup=False
            )
        return self._console  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


err_console: Any = _ErrConsole()


def error_text(message: str) -> Text:
    from rich.text import Text

    return Text.assemble(("error:", "bold red"), " ", message)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print a one-line error to stderr and exit; never a traceback."""
    err_console.print(error_text(message))
    raise SystemExit(code)


def quiet_broken_pipe() -> None:
    """The reader of our output went away (``archive export | head``): stop without a word,
    as a command killed by SIGPIPE does (exit 141), and without Python's complaint at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(141)


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
        except BrokenPipeError:
            quiet_broken_pipe()
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


def shapes_options(func: F) -> F:
    """``--shapes FILE_OR_DIR`` (repeatable) and ``--shapes-only``, on every validating command."""
    func = click.option(
        "--shapes-only",
        is_flag=True,
        help="Validate with the --shapes given instead of the project's shapes.",
    )(func)
    return click.option(
        "--shapes",
        "shapes_paths",
        multiple=True,
        metavar="FILE_OR_DIR",
        help="SHACL shapes of your own (Turtle, N-Triples, JSON-LD, RDF/XML; a folder: every "
        "such file in it), added to the project's shapes; repeatable.",
    )(func)


def load_user_shapes(paths: tuple[str, ...], only: bool) -> Any:
    """The shapes the options ask for, checked before any file is validated (a mistake in them
    is an error with its file and line, exit code 2); None for the project's alone."""
    if only and not paths:
        fail("--shapes-only needs at least one --shapes FILE_OR_DIR")
    if not paths:
        return None
    from archive.shacl.shapesfile import load_shapes

    return load_shapes(paths, with_project=not only)


def existing_paths(paths: tuple[str, ...]) -> list[Path]:
    """Resolve CLI path arguments; a missing path is a usage error (exit 2)."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            fail(f"no such file or folder: {p}")
        out.append(path)
    return out


def extract_reporting(files: tuple[str, ...], base: str | None) -> tuple[list[Any], int, int]:
    """The documents of TEI files, each finding of extraction printed on stderr with its line;
    with the number of files that could not be read as TEI, and of those giving no document."""
    from archive.errors import NotWellFormed, UnsafeInput
    from archive.rdf.extract import extract_file

    docs: list[Any] = []
    unreadable = empty = 0
    for path in tei_files(files):
        try:
            extraction = extract_file(path, base)
        except (NotWellFormed, UnsafeInput) as exc:
            line = f":{exc.line}" if getattr(exc, "line", None) else ""
            err_console.print(f"{path}{line}: error: {exc}")
            unreadable += 1
            continue
        empty += not extraction.documents
        for f in extraction.findings:
            err_console.print(f"{f.location()}: {f.severity.value} [{f.rule}] {f.message}")
        docs.extend(extraction.documents)
    return docs, unreadable, empty


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
