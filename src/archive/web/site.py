"""What every route needs: the store, the search index, the settings, and IRI <-> URL mapping.

The archive's IRIs are minted under its base (``--base``); the application may be served from
any host and path (``http://127.0.0.1:8000``, behind a proxy, mounted under ``/archive``).
An IRI under the base maps to the path after the base, served relative to where the
application is mounted; a request path maps back the same way. Nothing assumes the base's
host is the one being served.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
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
_count_lock = threading.Lock()
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
    _statements: tuple[int, int] | None = None  # (index generation, merged triples)
    _counting: bool = False
    pages: PageCache = field(default_factory=lambda: PageCache(64_000_000))

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
        return request.scope.get("root_path", "") + _quoted(path)

    def absolute_url(self, request: Request, value: str, ext: str | None = None) -> str:
        """:meth:`url_of` with the scheme and host the request came to (for schema.org)."""
        if self.path_of(value) is None:
            return value
        url = request.url
        return f"{url.scheme}://{url.netloc}{self.url_of(request, value, ext)}"

    def iri_of(self, path: str) -> str:
        """The IRI for a (decoded) request path, quoted as the archive mints IRIs."""
        return self.base + quote(path, safe="/-._~")

    def label(self, value: str) -> str:
        return self.index.label(value) or short_name(value, self.base)

    # what the archive knows, each fact once ------------------------------------------------------

    def statements(self) -> int | None:
        """Triples in the store's merged graph (each fact once, however many documents state
        it), for the current state of the index; None until first counted. Counting takes
        seconds at 100,000 documents, so it runs in a thread and pages never wait for it."""
        generation = self.index.generation
        with _count_lock:
            known = self._statements
            if known is not None and known[0] == generation:
                return known[1]
            if not self._counting:
                self._counting = True
                threading.Thread(
                    target=self._count_statements, args=(generation,), daemon=True
                ).start()
        return known[1] if known else None

    def _count_statements(self, generation: int) -> None:
        try:
            rows = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").values()
            value = (generation, int(rows[0][0] or 0))
        except Exception:  # a page without the count is better than no page
            value = None
        with _count_lock:
            if value is not None:
                self._statements = value
            self._counting = False


@functools.lru_cache(maxsize=100_000)
def _quoted(path: str) -> str:
    """A path as a URL (cached: a page links hundreds of names, quote() is slow)."""
    return quote(path, safe="/-._~%:@!$&'()*+,;=")


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


class PageCache:
    """Rendered HTML pages, bounded in bytes, keyed by the index's state and the URL: a page
    read again (the home page, a popular letter) costs a dictionary look-up, not a rendering.
    Entries of an older state of the index are never served (their key names it)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._data: OrderedDict[Any, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> bytes | None:
        with self._lock:
            body = self._data.get(key)
            if body is not None:
                self._data.move_to_end(key)
            return body

    def put(self, key: Any, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._data[key] = body
            self.size += len(body)
            while self.size > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self.size -= len(dropped)
