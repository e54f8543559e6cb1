"""The SPARQL 1.1 Protocol and Graph Store Protocol over HTTP, with auth, time-outs and retries.

Reads are retried on transport errors and on the statuses a busy server answers with
(429, 502, 503, 504). An update is retried only when it cannot have been applied (the
connection was refused, or the server said 429/503 before running it); when the outcome is
unknown (the connection dropped after the request was sent, a read time-out) the caller gets
:class:`UpdateOutcomeUnknown` and decides, since only it knows how to check whether the update
landed (the store checks its catalog).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

import httpx

from archive import TOOL_NAME, __version__
from archive.errors import QueryError, StoreError, StoreUnavailable, UpdateOutcomeUnknown

RETRY_STATUSES = {429, 502, 503, 504}
NOT_APPLIED_STATUSES = {429, 503}  # the server refused before running the update

SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL 1.1 server listens, and how to talk to it.

    ``from_url`` derives the update and Graph Store URLs from the query URL for the common
    layouts (Oxigraph ``/query`` ``/update`` ``/store``; Fuseki ``/ds/query`` ``/ds/update``
    ``/ds/data``; Virtuoso and others: one ``/sparql`` URL for both); each can be overridden.
    """

    query_url: str
    update_url: str
    store_url: str | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    # Not used by the store, whose queries see its merged default graph (docs/store.md); kept
    # for callers that ask a server for the union of all graphs (Oxigraph's parameter name).
    union_parameter: str | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        update_url: str | None = None,
        store_url: str | None = None,
        **options: object,
    ) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"not an http(s) SPARQL endpoint URL: {url!r}")
        path = parts.path.rstrip("/")

        def with_path(p: str) -> str:
            return urlunsplit((parts.scheme, parts.netloc, p, parts.query, ""))

        if path.endswith("/query"):  # Oxigraph at the root, Fuseki under /dataset
            stem = path[: -len("/query")]
            query = url
            guess_update = with_path(stem + "/update")
            guess_store = with_path(stem + ("/data" if stem else "/store"))
        elif path.endswith("/sparql"):  # Virtuoso and most others: one URL for both
            query = guess_update = url
            guess_store = with_path(path[: -len("/sparql")] + "/sparql-graph-crud")
        else:  # a bare server URL: Oxigraph's layout
            query = with_path(path + "/query")
            guess_update, guess_store = with_path(path + "/update"), with_path(path + "/store")
        return cls(
            query_url=query,
            update_url=update_url or guess_update,
            store_url=store_url or guess_store,
            **options,  # type: ignore[arg-type]
        )

    @classmethod
    def from_env(cls, url: str, **overrides: object) -> Endpoint:
        """Credentials from the environment, so that they stay out of shell history."""
        env = os.environ
        options: dict[str, object] = {
            "username": env.get("ARCHIVE_ENDPOINT_USER") or None,
            "password": env.get("ARCHIVE_ENDPOINT_PASSWORD") or None,
            "token": env.get("ARCHIVE_ENDPOINT_TOKEN") or None,
        }
        options.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_url(url, **options)  # type: ignore[arg-type]

    def with_options(self, **changes: object) -> Endpoint:
        return replace(self, **changes)  # type: ignore[arg-type]


class SparqlHTTP:
    """One HTTP client per store: connection reuse, auth and time-outs in one place."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        auth: httpx.Auth | None = None
        headers = {"User-Agent": f"{TOOL_NAME}/{__version__}"}
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        elif endpoint.username is not None:
            auth = httpx.BasicAuth(endpoint.username, endpoint.password or "")
        self.client = httpx.Client(
            auth=auth,
            headers=headers,
            timeout=httpx.Timeout(endpoint.timeout, connect=min(10.0, endpoint.timeout)),
            follow_redirects=True,
        )

    def close(self) -> None:
        self.client.close()

    # -- requests -----------------------------------------------------------------------------

    def query(
        self,
        text: str,
        accept: str = SPARQL_JSON,
        union: bool = False,
        default_graph: str | None = None,
    ) -> httpx.Response:
        """POST a query (form-encoded, as every SPARQL 1.1 server accepts).

        ``default_graph``: the query's default graph (the protocol's ``default-graph-uri``);
        otherwise the server's default graph.
        """
        response = self._send(
            "POST",
            self.endpoint.query_url,
            idempotent=True,
            what="query",
            data=self._query_form(text, default_graph),
            params=self._union(union),
            headers={"Accept": accept},
        )
        _check_complete(response)
        return response

    @contextmanager
    def stream_query(
        self, text: str, accept: str = SPARQL_JSON, default_graph: str | None = None
    ) -> Iterator[httpx.Response]:
        """A query whose answer is read as it arrives (exports): retried like :meth:`query`
        until the answer starts, never once rows have been read."""
        attempts = max(1, self.endpoint.retries + 1)
        last: Exception | None = None
        url = self.endpoint.query_url
        for attempt in range(attempts):
            if attempt:
                time.sleep(self._delay(attempt, last))
            request = self.client.build_request(
                "POST", url, data=self._query_form(text, default_graph), headers={"Accept": accept}
            )
            try:
                response = self.client.send(request, stream=True)
            except (httpx.ConnectError, httpx.TimeoutException) as exc:
                last = exc
                continue
            try:
                if response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                    last = _HTTPStatus(response)
                    continue
                if response.status_code >= 400:
                    response.read()
                    raise _error_for(response, "query", url)
                _check_complete(response)
                yield response
                return
            finally:
                response.close()
        raise StoreUnavailable(
            f"cannot reach the SPARQL endpoint {url}: {last} ({attempts} attempt(s))"
        )

    @staticmethod
    def _query_form(text: str, default_graph: str | None) -> dict[str, str]:
        if default_graph:
            return {"query": text, "default-graph-uri": default_graph}
        return {"query": text}

    def _union(self, union: bool) -> dict[str, str]:
        if union and self.endpoint.union_parameter:
            return {self.endpoint.union_parameter: ""}
        return {}

    def update(self, text: str) -> None:
        self._send(
            "POST",
            self.endpoint.update_url,
            idempotent=False,
            what="update",
            data={"update": text},
        )

    def get_graph(self, graph: str, accept: str = "application/n-triples") -> httpx.Response:
        """Graph Store Protocol GET of one named graph."""
        if not self.endpoint.store_url:
            raise StoreError("no Graph Store Protocol URL is configured (--store-url)")
        return self._send(
            "GET",
            self.endpoint.store_url,
            idempotent=True,
            what="graph store request",
            params={"graph": graph},
            headers={"Accept": accept},
        )

    def ping(self) -> None:
        self.query("ASK {}", accept=SPARQL_JSON)

    # -- the retry loop -----------------------------------------------------------------------

    def _send(self, method: str, url: str, *, idempotent: bool, what: str, **kw) -> httpx.Response:
        attempts = max(1, self.endpoint.retries + 1)
        last: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self._delay(attempt, last))
            try:
                response = self.client.request(method, url, **kw)
            except httpx.ConnectError as exc:  # nothing was sent: safe to retry anything
                last = exc
                continue
            except httpx.TimeoutException as exc:
                if not idempotent and not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                    raise UpdateOutcomeUnknown(
                        f"the {what} to {url} timed out after {self.endpoint.timeout:g} s; "
                        "it may or may not have been applied"
                    ) from exc
                last = exc
                continue
            except httpx.TransportError as exc:
                if not idempotent:
                    raise UpdateOutcomeUnknown(
                        f"the connection to {url} failed during the {what} ({exc}); "
                        "it may or may not have been applied"
                    ) from exc
                last = exc
                continue
            status = response.status_code
            retryable = RETRY_STATUSES if idempotent else NOT_APPLIED_STATUSES
            if status in retryable and attempt + 1 < attempts:
                last = _HTTPStatus(response)
                continue
            if status >= 400:
                raise _error_for(response, what, url)
            return response
        if isinstance(last, _HTTPStatus):
            raise _error_for(last.response, what, url)
        if isinstance(last, httpx.TimeoutException):
            raise StoreUnavailable(
                f"the {what} to {url} timed out after {self.endpoint.timeout:g} s "
                f"({attempts} attempt(s)); raise --timeout for long queries"
            )
        raise StoreUnavailable(
            f"cannot reach the SPARQL endpoint {url}: {last} ({attempts} attempt(s))"
        )

    def _delay(self, attempt: int, last: Exception | None) -> float:
        if isinstance(last, _HTTPStatus):
            after = last.response.headers.get("Retry-After", "")
            if after.isdigit():
                return min(float(after), 30.0)
        return min(self.endpoint.backoff * 2 ** (attempt - 1), 10.0)


def _check_complete(response: httpx.Response) -> None:
    """Virtuoso cuts answers at ResultSetMaxRows (10,000 by default) and says so only in a
    header: an answer cut short is an error here, never a silently wrong result."""
    cut = response.headers.get("X-SPARQL-MaxRows")
    if cut:
        raise StoreError(
            f"the server cut its answer at {cut} rows (Virtuoso: ResultSetMaxRows in the "
            "[SPARQL] section of virtuoso.ini); raise that limit above the size of the store "
            "and restart the server"
        )


class _HTTPStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error_for(response: httpx.Response, what: str, url: str) -> StoreError | QueryError:
    status = response.status_code
    body = response.text.strip()
    if len(body) > 2000:
        body = body[:2000] + " …"
    if status in (401, 403):
        return StoreError(
            f"the server refused the {what} ({status} {response.reason_phrase}): check the "
            "credentials (--user with the password in ARCHIVE_ENDPOINT_PASSWORD, or --token "
            "or ARCHIVE_ENDPOINT_TOKEN)"
        )
    if status == 404:
        return StoreError(f"{url} answered 404 Not Found: is it the right {what} URL? {body}")
    if status == 400 and what in ("query", "update"):
        return QueryError(f"the server rejected the {what}: {body}")
    return StoreError(f"the {what} failed: {status} {response.reason_phrase} from {url}: {body}")


@contextmanager
def client(endpoint: Endpoint) -> Iterator[SparqlHTTP]:
    http = SparqlHTTP(endpoint)
    try:
        yield http
    finally:
        http.close()
