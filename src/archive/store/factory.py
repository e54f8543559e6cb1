"""Opening a store: the embedded one on disk, or a SPARQL 1.1 server.

The interface (:mod:`archive.store.base`) knows neither backend; this module picks one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from archive.store.base import Store
from archive.store.client import Endpoint
from archive.store.embedded import EmbeddedStore
from archive.store.remote import RemoteStore


def default_store_path() -> Path:
    """``$ARCHIVE_STORE``, else the user's data directory (XDG), created on first use."""
    env = os.environ.get("ARCHIVE_STORE")
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "advocacy-archive" / "store"


def open_store(
    path: str | Path | None = None,
    endpoint: str | None = None,
    base: str | None = None,
    read_only: bool = False,
    **endpoint_options: Any,
) -> Store:
    """The embedded store at ``path`` (default :func:`default_store_path`), or a SPARQL server.

    ``read_only``: open an embedded store without writing anything to its folder (it must
    exist); reading commands do, so that they never create or change a store.
    """
    if endpoint:
        ep = Endpoint.from_env(endpoint, **endpoint_options)
        return RemoteStore(ep, base=base)
    where = Path(path) if path else default_store_path()
    return EmbeddedStore(where, base=base, read_only=read_only)
