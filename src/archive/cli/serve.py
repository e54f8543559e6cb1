"""``archive serve``: the archive on the web (pages, linked data, search, SPARQL endpoint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from archive.cli.common import err_console, fail, guarded
from archive.cli.store import open_from, search_index_option, store_options


@click.command("serve")
@store_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--title", default=None, help="The collection's name on every page.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds a SPARQL query may run before it is stopped.",
)
@click.option(
    "--row-limit",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Rows a SPARQL answer may have.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=2,
    show_default=True,
    help="SPARQL queries run at once (embedded store: one process each).",
)
@click.option(
    "--sparql-engine",
    type=click.Choice(["auto", "oxigraph", "pyoxigraph"]),
    default="auto",
    show_default=True,
    help="What runs embedded-store queries: Oxigraph's compiled server (auto: where the "
    "oxigraph command is installed) or pyoxigraph in a Python process.",
)
@click.option(
    "--update-token",
    envvar="ARCHIVE_UPDATE_TOKEN",
    default=None,
    help="Accept SPARQL Update at /sparql with 'Authorization: Bearer TOKEN' "
    "(default: read-only). Better given as $ARCHIVE_UPDATE_TOKEN.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where deposit packages and reports built on request are kept (default: a temp dir).",
)
@search_index_option
@click.option("--log-level", type=click.Choice(["warning", "info", "debug"]), default="info")
@guarded
def serve_cmd(
    host: str,
    port: int,
    title: str | None,
    time_limit: float,
    row_limit: int,
    workers: int,
    sparql_engine: str,
    update_token: str | None,
    cache_dir: Path | None,
    search_index: Path | None,
    log_level: str,
    **opts: Any,
) -> None:
    """Serve the store on the web: a page for every document and entity, RDF by content
    negotiation for every IRI, search, a query page, a SPARQL 1.1 endpoint at /sparql, OAI-PMH
    2.0 at /oai and the CMIF file at /cmif.xml (docs/oai.md).

    IRIs are minted under --base; the server answers for them at the host it runs on
    (http://HOST:PORT/id/org/gisti for {base}/id/org/gisti). While it runs it holds an
    embedded store's lock: stop it to load more documents, or serve a SPARQL server's data
    with --endpoint.
    """
    import uvicorn

    from archive.store.search import index_path
    from archive.web.app import create_app
    from archive.web.config import WebConfig

    _check_port(host, port)
    # Without an update token the server only reads: an embedded store is opened read-only
    # (nothing written to its folder; a store an interruption left unfinished is refused).
    store = open_from(opts, read=update_token is None)
    config = WebConfig(
        title=title or WebConfig.title,
        time_limit=time_limit,
        row_limit=row_limit,
        workers=workers,
        sparql_engine=sparql_engine,
        update_token=update_token,
        cache_dir=cache_dir,
        search_index=search_index,
    )
    try:
        app = create_app(store, config)
        err_console.print(
            f"serving {store.location} (IRIs under {store.base}, search index "
            f"{index_path(store, search_index)}) at http://{host}:{port}/ ; Ctrl-C stops"
        )
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    finally:
        store.close()


def _check_port(host: str, port: int) -> None:
    """Refuse at once (exit 2) when the address cannot be listened on, before opening the store."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


COMMANDS: list[click.Command] = [serve_cmd]
