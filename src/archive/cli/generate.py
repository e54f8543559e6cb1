"""``archive generate``: write a synthetic corpus of open letters for scale tests and benchmarks."""

from __future__ import annotations

import time
from pathlib import Path

import click

from archive.cli.common import err_console, fail, guarded


def _check_out(out: Path, seed: int, start: int, force: bool) -> None:
    """Refuse to mix a corpus into a folder that holds something else (exit 2)."""
    from archive.synth.generate import GENERATOR, MANIFEST, read_manifest

    if out.exists() and not out.is_dir():
        fail(f"output path exists and is not a folder: {out}")
    if not out.exists():
        parent = next((p for p in out.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            fail(f"cannot create {out}: {parent} is not a folder")
        return
    try:
        entries = [e.name for e in out.iterdir()]
    except OSError as exc:
        fail(f"cannot read the output folder {out}: {exc.strerror or exc}")
    if not entries or force:
        return
    previous = read_manifest(out)
    if (
        start > 0
        and previous
        and previous.get("seed") == seed
        and (previous.get("generator") == GENERATOR)
    ):
        return  # extending a corpus of the same seed and generator version
    hint = ""
    if start > 0 and previous:
        hint = (
            f" (its {MANIFEST} is for seed {previous.get('seed')} and "
            f"{previous.get('generator')}, not seed {seed} and {GENERATOR})"
        )
    fail(
        f"output folder {out} is not empty{hint}; choose an empty folder, or use --force to "
        "write into it (files of the same names are replaced, others are left alone)"
    )


@click.command("generate")
@click.argument("n", type=int, metavar="N")
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Corpus seed: the same N and seed give byte-identical files.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Folder to write the letters into (created if missing).",
)
@click.option(
    "--start",
    type=int,
    default=0,
    show_default=True,
    help="First letter to write: extends or resumes a corpus of the same seed "
    "already in DIR (letters START..N-1 are written).",
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress on stderr (shown only on a terminal)."
)
@guarded
def generate(n: int, seed: int, out: Path, start: int, force: bool, quiet: bool) -> None:
    """Write N synthetic open letters (TEI P5, marked [SYNTHETIC]) into DIR.

    Letter i depends only on i and the seed, so a corpus of 1,000 is the first 1,000 letters
    of a corpus of 10,000. Letters cite only earlier letters. See docs/synthetic.md.
    """
    from archive.synth.generate import MANIFEST, MAX_DOCUMENTS, file_name, iter_corpus

    if not 0 <= n <= MAX_DOCUMENTS:
        fail(f"N must be from 0 to {MAX_DOCUMENTS:,}, not {n}")
    if seed < 0:
        fail(f"--seed must be a non-negative integer, not {seed}")
    if not 0 <= start <= n:
        fail(f"--start must be from 0 to N ({n}), not {start}")
    _check_out(out, seed, start, force)
    began = time.perf_counter()
    step = max(1000, (n - start) // 20)
    progress = not quiet and err_console.is_terminal
    written = 0
    for written, _path in enumerate(iter_corpus(n, seed, out, start), 1):
        if progress and written % step == 0:
            err_console.print(f"{start + written:,} / {n:,} letters", highlight=False)
    elapsed = time.perf_counter() - began
    rate = f", {written / elapsed:,.0f} letters/s" if written and elapsed > 0 else ""
    span = f" (documents {start}..{n - 1}, seed {seed})" if written else ""
    click.echo(f"wrote {written:,} synthetic letters{span} to {out} in {elapsed:.1f} s{rate}")
    if force:
        expected = {file_name(i, seed) for i in range(n)} | {MANIFEST}
        others = sum(1 for e in out.iterdir() if e.name not in expected)
        if others:
            err_console.print(
                f"[yellow]warning:[/] {others} other file(s) in {out} were left as they were",
                highlight=False,
            )


COMMANDS: list[click.Command] = [generate]
