"""What every route needs: the store, the search index, the settings, and IRI <-> URL mapping.

The archive's IRIs are minted under its base (``--base``); the application may be served from
any host and path (``http://127.0.0.1:8000``, behind a proxy, mounted under ``/archive``).
An IRI under the base maps to the path after the base, served relative to where the
application is mounted; a request path maps back the same way. Nothing assumes the base's
host is the one being served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from archive.rdf.namespaces import PREFIXES
from archive.store.base import Store
from archive.store.search import SearchIndex
from archive.web.config import WebConfig

HERE = Path(__file__).resolve().parent
KIND_LABELS = {
    "document": "Document",
    "org": "Organisation",
    "person": "Person",
    "group": "Group",
    "place": "Place",
    "event": "Event",
    "work": "Work",
    "post": "Office",
    "concept": "Concept",
    "agent": "Software agent",
}


@dataclass
class Site:
    store: Store
    index: SearchIndex
    config: WebConfig
    executor: Any  # ProcessExecutor or RemoteExecutor
    templates: Jinja2Templates

    @property
    def base(self) -> str:
        return self.store.base

    # IRIs and URLs ---------------------------------------------------------------------------

    def is_local(self, value: str) -> bool:
        return value.startswith(self.base + "/")

    def path_of(self, value: str) -> str | None:
        """The path (under the application's root) that serves an IRI under the base."""
        if not self.is_local(value):
            return None
        rest = value[len(self.base) :]
        if rest.startswith("/id/"):
            rest = rest[3:]  # the thing's page: /org/gisti for {base}/id/org/gisti
        return rest

    def url_of(self, request: Request, value: str, ext: str | None = None) -> str:
        """A link for an IRI: the page that describes it here, or the IRI itself elsewhere."""
        path = self.path_of(value)
        if path is None:
            return value
        if ext:
            path = f"{path}.{ext}"
        return request.scope.get("root_path", "") + quote(path, safe="/-._~%:@!$&'()*+,;=")

    def iri_of(self, path: str) -> str:
        """The IRI for a (decoded) request path, quoted as the archive mints IRIs."""
        return self.base + quote(path, safe="/-._~")

    def label(self, value: str) -> str:
        return self.index.label(value) or short_name(value, self.base)


def short_name(value: str, base: str) -> str:
    """A readable fallback for an IRI with no label: kind/slug, prefix:name or the IRI."""
    if value.startswith(f"{base}/id/"):
        return value[len(base) + 4 :]
    for prefix, ns in PREFIXES.items():
        ns = str(ns)
        if value.startswith(ns) and len(value) > len(ns):
            return f"{prefix}:{value[len(ns) :]}"
    return value


class LRU:
    """A small thread-safe cache (rendered documents, facet counts), bounded in entries."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
