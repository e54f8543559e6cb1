"""The web application's settings, with the defaults ``archive serve`` uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIME_LIMIT = 30.0  # seconds per SPARQL query
DEFAULT_ROW_LIMIT = 10_000  # rows (or solutions) per SPARQL answer
MAX_QUERY_BYTES = 1_000_000  # a query or request body larger than this is refused (413)


@dataclass(frozen=True)
class WebConfig:
    """How the application serves the archive.

    ``title`` names the collection on every page. ``time_limit`` and ``row_limit`` bound each
    SPARQL query; ``workers`` is how many queries of the embedded store run at once (each in
    its own process, so that a query over its time limit is really stopped); ``sparql_engine``
    is what runs in those processes: Oxigraph's server (``oxigraph``, the default where it is
    installed) or pyoxigraph (``pyoxigraph``). SPARQL Update is
    refused unless ``update_token`` is set, and then only with ``Authorization: Bearer TOKEN``.
    ``cache_dir`` holds deposit packages and validation reports built on request.
    """

    title: str = "Advocacy document archive"
    time_limit: float = DEFAULT_TIME_LIMIT
    row_limit: int = DEFAULT_ROW_LIMIT
    workers: int = 2
    sparql_engine: str = "auto"  # auto | oxigraph | pyoxigraph (archive.web.executor)
    update_token: str | None = None
    max_query_bytes: int = MAX_QUERY_BYTES
    page_size: int = 50
    cache_dir: Path | None = None
    search_index: Path | None = None
    sync_index: bool = True  # bring the search index in step with the store at start
