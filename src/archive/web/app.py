"""The ASGI application: ``create_app(store)`` wires the areas together.

One module per area, each with its ``ROUTES``: linked data (:mod:`archive.web.linkeddata`),
pages (:mod:`archive.web.pages`), the query page, SPARQL (:mod:`archive.web.sparql`),
downloads. Another area (an OAI-PMH provider at ``/oai``, a CMIF file) mounts the same way:
pass its routes in ``extra_routes`` (they come before the catch-all linked-data routes), and it
finds the store, the search index and the settings in ``request.app.state.site``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from archive import __version__
from archive.errors import ArchiveError
from archive.oai import routes as oai
from archive.store.base import Store
from archive.store.search import SearchIndex, index_path
from archive.web import cmif, downloads, linkeddata, pages, querypage, sparql
from archive.web.config import WebConfig
from archive.web.executor import RemoteExecutor, embedded_executor
from archive.web.linkeddata import Problem
from archive.web.negotiate import prefers_html
from archive.web.site import HERE, Site

log = logging.getLogger("archive.web")

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Every answer carries the CSP and its companions (no inline script can run)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def _error_response(request: Request, status: int, message: str, headers: dict | None = None):
    headers = dict(headers or {})
    site: Site | None = getattr(request.app.state, "site", None)
    if (
        request.method != "HEAD"
        and site is not None
        and prefers_html(request.headers.get("accept"))
    ):
        try:
            response = pages.render(
                request, site, "error.html", status=status, status_code=status, message=message
            )
            response.headers.update(headers)
            return response
        except Exception:  # never fail while failing
            log.exception("rendering an error page failed")
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return _error_response(request, exc.status, exc.message, exc.headers)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Nothing here.", 405: "That method is not allowed here."}
    return _error_response(
        request,
        exc.status_code,
        exc.detail
        if exc.detail and exc.status_code not in messages
        else messages.get(exc.status_code, str(exc.detail)),
        dict(exc.headers or {}),
    )


async def _archive_error(request: Request, exc: Exception) -> Response:
    return _error_response(request, 400, str(exc))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", request.url.path, exc_info=exc)
    return _error_response(
        request, 500, "Internal error: this is a bug in the archive's web application."
    )


def create_app(
    store: Store,
    config: WebConfig | None = None,
    *,
    index: SearchIndex | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The application over ``store`` (embedded or remote). It takes ownership of neither:
    close the store yourself after the application has shut down."""
    config = config or WebConfig()
    index = index or SearchIndex(index_path(store, config.search_index), store.base)
    if getattr(store, "path", None) is not None:
        executor = embedded_executor(str(store.path), config)  # type: ignore[attr-defined]
    else:
        executor = RemoteExecutor(
            store.endpoint,  # type: ignore[attr-defined]
            config.time_limit,
            store.query_params,  # type: ignore[attr-defined]
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the package: no stat() per page
        cache_size=-1,
    )
    env.globals["version"] = __version__
    templates = Jinja2Templates(env=env)
    site = Site(store, index, config, executor, templates)

    def sync_index() -> None:
        try:
            if not index.in_step(store):
                counts = index.sync(store)
                log.warning("search index brought in step with the store: %s", counts)
        except Exception:
            log.exception("could not bring the search index in step with the store")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if config.sync_index:
            threading.Thread(target=sync_index, daemon=True, name="index-sync").start()
        try:
            executor.start()
        except Exception:
            log.exception("the SPARQL workers could not start; they will start on first use")
        yield
        executor.close()

    def home(request: Request) -> Response:
        return pages.home(request, site)

    def documents(request: Request) -> Response:
        return pages.documents(request, site)

    def search(request: Request) -> Response:
        return pages.search(request, site)

    def favicon(request: Request) -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    def robots(request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /sparql\nDisallow: /download/\n")

    routes: list[BaseRoute] = [
        Route("/", home, methods=["GET", "HEAD"], name="home"),
        Route("/documents", documents, methods=["GET", "HEAD"], name="documents"),
        Route("/search", search, methods=["GET", "HEAD"], name="search"),
        Route("/favicon.ico", favicon, methods=["GET", "HEAD"]),
        Route("/robots.txt", robots, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        *querypage.ROUTES,
        *sparql.ROUTES,
        *downloads.ROUTES,
        *oai.ROUTES,  # OAI-PMH 2.0 at /oai (archive.oai)
        *cmif.ROUTES,  # the CMIF file at /cmif.xml, for correspSearch
        *extra_routes,
        *linkeddata.ROUTES,
        Route("/{path:path}", linkeddata.generic, methods=["GET", "HEAD"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            Problem: _problem,
            HTTPException: _http,
            ArchiveError: _archive_error,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.site = site
    return app


def static_dir() -> Path:
    return HERE / "static"
