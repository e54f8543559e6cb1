"""Store commands: load, remove, list, stats, export, describe, query, reindex.

Every command works on the embedded store (``--store PATH`` or ``$ARCHIVE_STORE``, created by
``load``) or on a SPARQL 1.1 server (``--endpoint URL``), with the same options and output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from archive.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    base_option,
    err_console,
    fail,
    guarded,
    level_option,
    load_user_shapes,
    shapes_options,
    tei_files,
    write_output,
)
from archive.errors import QueryError, StoreError

# --- shared options ----------------------------------------------------------------------------


def store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--store or --endpoint (with its URLs, credentials, time-out and retries), and --base."""
    options = [
        click.option(
            "--store",
            "store_path",
            envvar="ARCHIVE_STORE",
            metavar="PATH",
            type=click.Path(file_okay=False, path_type=Path),
            help="Embedded store folder (default: $ARCHIVE_STORE, else "
            "~/.local/share/advocacy-archive/store); `load` creates it.",
        ),
        click.option(
            "--endpoint",
            envvar="ARCHIVE_ENDPOINT",
            metavar="URL",
            help="Use a SPARQL 1.1 server instead: its query URL, or its base URL "
            "(Oxigraph layout: /query, /update, /store).",
        ),
        click.option(
            "--update-url",
            envvar="ARCHIVE_UPDATE_URL",
            metavar="URL",
            help="SPARQL Update URL (default: derived from --endpoint).",
        ),
        click.option(
            "--store-url",
            "gsp_url",
            envvar="ARCHIVE_GSP_URL",
            metavar="URL",
            help="Graph Store Protocol URL (default: derived from --endpoint).",
        ),
        click.option(
            "--user",
            envvar="ARCHIVE_ENDPOINT_USER",
            metavar="NAME",
            help="Basic authentication user (password: $ARCHIVE_ENDPOINT_PASSWORD).",
        ),
        click.option(
            "--token",
            envvar="ARCHIVE_ENDPOINT_TOKEN",
            metavar="TOKEN",
            help="Bearer token (better: $ARCHIVE_ENDPOINT_TOKEN).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=60.0,
            show_default=True,
            help="Seconds to wait for the server per request.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(min=0),
            default=3,
            show_default=True,
            help="Retries of a request that failed for a transient reason.",
        ),
        base_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


# --- the search index beside the store (issue 12): a small hook after load, remove, reindex ---

search_index_option = click.option(
    "--search-index",
    envvar="ARCHIVE_SEARCH_INDEX",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The search index kept beside the store (default: STORE.search.sqlite beside an "
    "embedded store; a file per endpoint in the user's data folder for a server).",
)


def keep_search_index(action: Callable[[], object], what: str) -> None:
    """Run one search-index update; a failure is a warning (the store is already written)."""
    try:
        action()
    except Exception as exc:  # the store's work is done: never fail the command for this
        err_console.print(
            f"warning: the search index could not be updated after {what} ({exc}); "
            "run `archive reindex`"
        )


def open_from(opts: dict[str, Any], create: bool = False, read: bool = False):
    """The store the options name. Only ``load`` creates an embedded store: a mistyped
    ``--store`` given to another command must not answer with a new, empty store.

    ``read``: a reading command. It opens an embedded store read-only (nothing is written to
    its folder), and refuses a store that an interruption left unfinished, saying what to
    run; a writing command repairs such a store first, and says what it did.
    """
    from archive.errors import StoreNeedsRepair
    from archive.store import default_store_path, open_store
    from archive.store.embedded import is_store

    store_path = opts.pop("store_path", None)
    endpoint = opts.pop("endpoint", None)
    base = opts.pop("base", None)
    remote = {
        "update_url": opts.pop("update_url", None),
        "store_url": opts.pop("gsp_url", None),
        "username": opts.pop("user", None),
        "token": opts.pop("token", None),
        "timeout": opts.pop("timeout", 60.0),
        "retries": opts.pop("retries", 3),
    }
    if endpoint and store_path:
        endpoint, store_path = _command_line_wins(endpoint, store_path)
    if not endpoint:
        path = store_path or default_store_path()
        if not create and not is_store(path):
            what = "an empty folder" if path.is_dir() and not any(path.iterdir()) else "no store"
            if path.exists() and what == "no store":
                what = "a folder that holds no store"
            fail(f"{what} at {path}: `archive load` creates a store")
        if create and path.is_dir() and any(path.iterdir()) and not is_store(path):
            fail(
                f"{path} is a folder that holds other files and no store: give --store a new "
                "or empty folder (a store is never written among other files)"
            )
        store = open_store(path, base=base, read_only=read)
        repair = f"archive repair --store {path}"
    else:
        password = os.environ.get("ARCHIVE_ENDPOINT_PASSWORD")
        if password:
            remote["password"] = password
        store = open_store(endpoint=endpoint, base=base, **remote)
        repair = f"archive repair --endpoint {endpoint}"
    if read:
        try:
            store.check_ready()
        except StoreNeedsRepair as exc:
            store.close()
            fail(f"{exc}; run `{repair}` (a load or a removal repairs it first, too)")
    return store


def print_notes(store: Any) -> None:
    """What the store repaired before a writing command did its work."""
    for note in store.notes:
        err_console.print(f"note: {note}")
    store.notes = []


def _command_line_wins(endpoint: str, store_path: Path) -> tuple[str | None, Path | None]:
    """An option typed on the command line overrides one inherited from the environment,
    so that `--store` works in a shell that exports $ARCHIVE_ENDPOINT and vice versa."""
    ctx = click.get_current_context()
    given = {
        name: ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        for name in ("endpoint", "store_path")
    }
    if given["endpoint"] and not given["store_path"]:
        return endpoint, None
    if given["store_path"] and not given["endpoint"]:
        return None, store_path
    fail("give --store or --endpoint, not both")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


# --- load --------------------------------------------------------------------------------------


@click.command("load")
@click.argument("paths", nargs=-1, required=True, metavar="TEI...")
@store_options
@click.option(
    "--allow-invalid",
    is_flag=True,
    help="Load documents of files that fail validation (they are still reported).",
)
@click.option("--force", is_flag=True, help="Rewrite documents whose source has not changed.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Validation processes (default: one per core for more than 8 files).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Documents per write: per transaction, and per bulk write of new documents into "
    "the embedded store (default: 100).",
)
@click.option(
    "--atomic", is_flag=True, help="All documents in one transaction: all are loaded, or none."
)
@click.option(
    "--bulk/--no-bulk",
    default=None,
    help="Bulk path into an empty embedded store (default: when it is empty).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The report at the end.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@level_option
@search_index_option
@shapes_options
@guarded
def load_cmd(
    paths: tuple[str, ...],
    allow_invalid: bool,
    force: bool,
    jobs: int | None,
    batch_size: int | None,
    atomic: bool,
    bulk: bool | None,
    fmt: str,
    quiet: bool,
    level: str | None,
    search_index: Path | None,
    shapes_paths: tuple[str, ...],
    shapes_only: bool,
    **opts: Any,
) -> None:
    """Validate, extract and load TEI files (or folders of them), one named graph each.

    Loading is idempotent: a document whose TEI file is unchanged is left alone, a changed one
    replaces its graph. A file that fails validation is not loaded (unless --allow-invalid);
    each document is loaded whole or not at all, and the report lists every failure.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from archive.store.ingest import distinct_files, ingest

    files = tei_files(paths)
    total = len(distinct_files(files))
    shapes = load_user_shapes(shapes_paths, shapes_only)
    from archive.store import default_store_path

    named = None if opts.get("endpoint") else Path(opts.get("store_path") or default_store_path())
    fresh = named is not None and not named.exists()  # this load creates the store
    store = open_from(opts, create=True)
    if bulk and store.backend != "embedded":
        store.close()
        fail("--bulk is for the embedded store; a server loads in batches")
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console.real,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task("loading", total=total)
        try:
            report = ingest(
                files,
                store,
                allow_invalid=allow_invalid,
                force=force,
                jobs=jobs,
                batch_size=batch_size,
                atomic=atomic,
                bulk=bulk,
                on_file=lambda: progress.advance(task),
                level=level,
                shapes=shapes,
            )
            from archive.store.search import update_after_load  # issue 12: search index

            keep_search_index(
                lambda: update_after_load(store, report.results, search_index), "the load"
            )
        finally:
            store.close()
    counts = report.counts
    if fmt == "json":
        payload = {
            "store": store.location,
            "files": report.files,
            "seconds": round(report.seconds, 2),
            "level": report.level,
            "documents": counts,
            "invalid_files": [i.to_dict() for i in report.invalid],
            "failed_documents": [r.to_dict() for r in report.failed],
            "interrupted": report.interrupted,
            "not_attempted": report.not_attempted,
            "repaired": report.notes,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for note in report.notes:
            err_console.print(f"note: {note}")
        for i in report.invalid:
            note = " (loaded anyway: --allow-invalid)" if i.loaded else ""
            click.echo(f"{i.source}: {i.summary()}{note}")
        for r in report.failed:
            click.echo(f"{r.source or r.slug}: failed: {r.error}")
        click.echo(
            f"{counts['loaded']} loaded, {counts['replaced']} replaced, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed; "
            f"{len(report.rejected)} file(s) not loaded; {report.files} file(s) in "
            f"{report.seconds:.1f} s into {store.location}"
        )
        if report.interrupted:
            click.echo(
                f"interrupted: {report.not_attempted} file(s) not attempted; every document "
                "loaded is whole. Run the same command again to load the rest."
            )
        click.echo(_level_line(report.level))
    if fresh and not report.results and store.backend == "embedded" and named is not None:
        _forget_new_store(named, store, search_index)
    raise SystemExit(report.exit_code)


def _forget_new_store(path: Path, store: Any, search_index: Path | None) -> None:
    """A load that created a store and wrote no document leaves no empty store behind (a
    reading command would then answer '0 documents' instead of 'no store')."""
    import shutil

    from archive.store.search import index_path

    index = index_path(store, search_index)
    shutil.rmtree(path, ignore_errors=True)
    if index.parent == path.parent:
        index.unlink(missing_ok=True)
    err_console.print(f"note: nothing was loaded, so no store was kept at {path}")


def _level_line(level: str) -> str:
    from archive.tei.levels import Level, how_to_choose

    return f"level: {level} ({Level(level).description}); {how_to_choose()}"


# --- remove, list, stats, reindex --------------------------------------------------------------


@click.command("remove")
@click.argument("documents", nargs=-1, required=True, metavar="DOCUMENT...")
@store_options
@search_index_option
@guarded
def remove_cmd(documents: tuple[str, ...], search_index: Path | None, **opts: Any) -> None:
    """Remove documents (by slug, document URI or graph URI) with their graphs.

    Each leaves a tombstone (document, slug, graph, when it was removed) for harvesters; loading
    the document again clears it.
    """
    from archive.store.search import update_after_remove  # issue 12: search index

    with open_from(opts) as store:
        store.repair()
        print_notes(store)
        missing = [d for d in documents if store.find(d) is None]
        if missing:
            fail(f"not in the store: {', '.join(missing)} (nothing was removed)")
        removed = []
        try:
            for ref in documents:
                info = store.remove(ref)
                removed.append(info.graph)
                click.echo(f"removed {info.slug or info.graph} ({info.triples} triples)")
        finally:
            keep_search_index(
                lambda: update_after_remove(store, removed, search_index), "the removal"
            )


@click.command("list")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default=None,
    help="Default: table in a terminal, else tsv.",
)
@guarded
def list_cmd(fmt: str | None, **opts: Any) -> None:
    """The documents in the store, with their dates and triple counts; authority files (lists
    of people, places, organisations: not documents) apart, after them."""
    with open_from(opts, read=True) as store:
        entries = store.documents()
    docs = [d for d in entries if not d.is_authority]
    authority = [d for d in entries if d.is_authority]
    fmt = fmt or ("table" if _stdout_is_terminal() else "tsv")
    columns = [
        "slug",
        "date",
        "triples",
        "title",
        "loaded",
        "created",
        "sha256",
        "document",
        "graph",
        "source",
    ]
    if fmt == "json":
        click.echo(
            json.dumps([d.to_dict() for d in docs + authority], ensure_ascii=False, indent=2)
        )
        return
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow([*columns, "kind"])
        for d in docs + authority:
            row = ["" if getattr(d, c) is None else getattr(d, c) for c in columns]
            writer.writerow([*row, d.kind or "document"])
        sys.stdout.write(buf.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    parts = [(None, docs, ("slug", "date", "triples", "title", "loaded"))]
    if authority:  # no date to show: an authority file is not a document of a day
        parts.append(("authority files", authority, ("slug", "triples", "title", "loaded")))
    for title, part, shown in parts:
        tab = Table(header_style="bold", pad_edge=False, title=title)
        for c in shown:
            tab.add_column(c, justify="right" if c == "triples" else "left", overflow="fold")
        for d in part:
            cells = {
                "slug": d.slug or d.graph,
                "date": d.date or "",
                "triples": str(d.triples),
                "title": d.title or "",
                "loaded": d.loaded or "",
            }
            tab.add_row(*(cells[c] for c in shown))
        console.print(tab)
    footer = f"{len(docs)} document{'s' if len(docs) != 1 else ''}"
    if authority:
        footer += f", {len(authority)} authority file{'s' if len(authority) != 1 else ''}"
    console.print(footer)


@click.command("stats")
@store_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--check",
    is_flag=True,
    help="Also recompute the count indexes and the merged graph from the documents and "
    "compare (slow on large stores); exit 1 if one is out of step.",
)
@guarded
def stats_cmd(fmt: str, check: bool, **opts: Any) -> None:
    """Figures about the store: documents, triples, graphs, index, size."""
    with open_from(opts, read=True) as store:
        stats = store.stats()
        data = stats.to_dict()
        in_step = None
        if check:
            steps = store.indexes_in_step()
            steps["merged graph"] = store.merged_in_step()
            in_step = all(steps.values())
            data["indexes_in_step"] = steps
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        labels = {
            "location": "store",
            "backend": "backend",
            "documents": "documents",
            "document_triples": "triples in documents",
            "merged_triples": "triples in the merged graph",
            "quads": "quads (all graphs)",
            "graphs": "named graphs",
            "cosignatory_pairs": "co-signatory pairs",
            "tombstones": "removed (tombstones)",
            "merged_graph": "merged graph",
            "earliest": "earliest document",
            "latest": "latest document",
            "authority_files": "authority files",
            "undated": "undated documents",
            "last_loaded": "last loaded",
            "disk_bytes": "size on disk",
            "indexes_in_step": "indexes in step",
        }
        for key, value in data.items():
            if key == "authority_files" and not value:
                continue  # said only where there are some
            if key == "disk_bytes":
                value = f"{value / 1e6:.1f} MB"
            elif key == "indexes_in_step":  # {"cosignatories": True, ...} as people read it
                value = ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in value.items())
            click.echo(f"{labels.get(key, key) + ':':30s}{value}")
    if in_step is False:
        err_console.print(
            "an index or the merged graph is out of step with the documents: run `archive reindex`"
        )
        raise SystemExit(EXIT_INVALID)


@click.command("reindex")
@store_options
@search_index_option
@guarded
def reindex_cmd(search_index: Path | None, **opts: Any) -> None:
    """Recompute the count indexes (co-signatories, addressee-years), the merged graph and the
    search index from the documents."""
    from archive.store.search import index_path, rebuild_index  # issue 12: search index

    with open_from(opts) as store:
        store.repair()
        print_notes(store)
        sizes = store.rebuild_index()
        merged = store.rebuild_merged()
        for name, n in sizes.items():
            click.echo(f"{name} index rebuilt: {n} keys")
        click.echo(f"merged graph rebuilt: {merged} triples")
        counts = rebuild_index(store, search_index)
        click.echo(f"search index rebuilt: {counts} ({index_path(store, search_index)})")


@click.command("repair")
@store_options
@guarded
def repair_cmd(**opts: Any) -> None:
    """Finish what an interrupted load or rebuild left, and upgrade a store written by an
    earlier version; says what it did. Documents already written are kept (each is whole)."""
    with open_from(opts) as store:
        health = store.health()
        done = store.repair()
        location = store.location
    for line in done:
        click.echo(line)
    if health.ok:
        click.echo(f"nothing to repair: the store at {location} is consistent")


# --- export, describe ----------------------------------------------------------------------------


@click.command("export")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["nquads", "trig", "turtle", "ntriples", "jsonld"]),
    default="nquads",
    show_default=True,
)
@click.option("--graph", "-g", metavar="G", help="One graph: a document slug or a graph URI.")
@click.option(
    "--include-internal",
    is_flag=True,
    help="Also the store's own graphs (catalog, tombstones, indexes) and the merged graph.",
)
@click.option("--output", "-o", metavar="FILE", help="Write here (atomically) instead of stdout.")
@guarded
def export_cmd(
    fmt: str, graph: str | None, include_internal: bool, output: str | None, **opts: Any
) -> None:
    """Export the documents' graphs (or one of them) as RDF, streamed: memory stays flat
    whatever the size of the store."""
    from archive.fsutil import atomic_writer

    with open_from(opts, read=True) as store:
        if output and output != "-":
            with atomic_writer(Path(output)) as fh:
                n = store.export(fh, fmt, graph=graph, include_internal=include_internal)
            err_console.print(f"{n} statements written to {output}")
        else:
            store.export(sys.stdout.buffer, fmt, graph=graph, include_internal=include_internal)
            sys.stdout.buffer.flush()


@click.command("describe")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "jsonld", "ntriples", "xml"]),
    default="turtle",
    show_default=True,
)
@click.option("--title", default=None, help="The dataset's title.")
@click.option("--license", "license_", metavar="URI", help="The dataset's licence (an IRI).")
@click.option("--endpoint-url", metavar="URL", help="A public SPARQL endpoint to advertise.")
@click.option("--download-url", metavar="URL", help="Where the N-Quads dump is published.")
@click.option(
    "--subsets/--no-subsets",
    default=True,
    show_default=True,
    help="One void:subset per document graph.",
)
@click.option("--output", "-o", metavar="FILE")
@guarded
def describe_cmd(
    fmt: str,
    title: str | None,
    license_: str | None,
    endpoint_url: str | None,
    download_url: str | None,
    subsets: bool,
    output: str | None,
    **opts: Any,
) -> None:
    """A VoID + DCAT description of the store."""
    from archive.store.describe import DEFAULT_TITLE, DescribeOptions, describe

    with open_from(opts, read=True) as store:
        graph = describe(
            store,
            DescribeOptions(title or DEFAULT_TITLE, license_, endpoint_url, download_url, subsets),
        )
    rdflib_format = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "xml": "xml"}[fmt]
    write_output(graph.serialize(format=rdflib_format), output)


# --- query ---------------------------------------------------------------------------------------


@click.command("query")
@click.argument("query", required=False)
@store_options
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a query variable: an IRI (<...>, https://..., prefix:name, kind/slug) "
    "or a literal (Turtle syntax, or a bare word).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"]),
    default=None,
    help="Default: table in a terminal, else SPARQL JSON results; "
    "Turtle for CONSTRUCT and DESCRIBE.",
)
@click.option("--list", "list_", is_flag=True, help="List the saved queries.")
@click.option(
    "--queries",
    "query_dir",
    multiple=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="More saved queries (before $ARCHIVE_QUERIES and the project's queries/).",
)
@click.option("--show", is_flag=True, help="Print the query as it would run, without running.")
@click.option("--output", "-o", metavar="FILE")
@guarded
def query_cmd(
    query: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    list_: bool,
    query_dir: tuple[Path, ...],
    show: bool,
    output: str | None,
    **opts: Any,
) -> None:
    """Run QUERY: SPARQL text, a .rq file, or the name of a saved query (see --list).

    Queries see the merged graph as their default graph: every statement of every document,
    each once (no DISTINCT needed); GRAPH ?g {...} reaches each document's own graph.
    CONSTRUCT and DESCRIBE return RDF.
    """
    from archive.store import queries as q
    from archive.store.results import render

    dirs = q.query_dirs(list(query_dir))
    if list_:
        _list_queries(q.saved_queries(dirs), fmt)
        return
    if not query:
        fail("give a QUERY (SPARQL text, a .rq file or a saved query's name), or --list")
    saved = q.resolve(query, dirs)
    from archive.rdf.uris import URIs

    base = URIs(opts.get("base")).base
    bound = q.parse_params(params, saved, base)
    try:
        q.check_syntax(saved.text)
    except QueryError as exc:
        _point_at(saved.text, exc)
        raise
    if show:
        click.echo(q.bind_parameters(saved.text, bound))
        return
    with open_from(opts, read=True) as store:
        result = store.query(saved.text, bound)
    if fmt is None and result.kind == "graph":
        fmt = "turtle"
    elif fmt is None:
        fmt = "table" if (_stdout_is_terminal() and not output) else "json"
    out = render(result, fmt, base)
    write_output(out, output)


def _point_at(text: str, exc: QueryError) -> None:
    """Show the line of a syntax error with a caret under the column."""
    if exc.line is None:
        return
    lines = text.splitlines()
    if 1 <= exc.line <= len(lines):
        line = lines[exc.line - 1]
        err_console.print(f"  {exc.line:>4} | {line}", markup=False, highlight=False)
        col = max(1, exc.column or 1)
        err_console.print("       | " + " " * (col - 1) + "^", markup=False, highlight=False)


def _list_queries(saved: dict, fmt: str | None) -> None:
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in saved.values()], indent=2, ensure_ascii=False))
        return
    for name, s in saved.items():
        click.echo(f"{name}")
        if s.title:
            click.echo(f"    {s.title}: {s.answers}")
        for p in s.params:
            req = "required" if p.required else "optional"
            click.echo(f"    --param {p.name}=...  ({p.kind}, {req}) {p.description}")
        for ex in s.examples[:2]:
            click.echo(f"    e.g. {ex}")
    if not saved:
        click.echo("no saved queries found")


COMMANDS: list[click.Command] = [
    load_cmd,
    remove_cmd,
    list_cmd,
    stats_cmd,
    export_cmd,
    describe_cmd,
    query_cmd,
    reindex_cmd,
    repair_cmd,
]

__all__ = ["COMMANDS", "EXIT_ERROR", "StoreError"]
