"""``/oai``: the provider over HTTP, GET and POST (form-encoded), as the protocol asks.

The web application (:func:`archive.web.app.create_app`) mounts :data:`ROUTES`; a route finds
the store, the search index and the collection's title in ``request.app.state.site``. Protocol
errors are answered with HTTP 200 and an ``<error>`` element; only what is not an OAI-PMH
request at all (a body over the size limit, a body that is not a form) gets an HTTP error,
and never a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from archive.oai.protocol import Provider, ProviderSettings

MEDIA_TYPE = "text/xml; charset=utf-8"
MAX_BODY = 64 * 1024  # an OAI-PMH request is a handful of short arguments
FORM = "application/x-www-form-urlencoded"


def provider_of(request: Request) -> Provider:
    """One provider per application, made on first use from the site's store and index."""
    state = request.app.state
    provider = getattr(state, "oai_provider", None)
    if provider is None:
        site: Any = state.site
        settings = ProviderSettings(repository_name=site.config.title)
        provider = Provider(site.store, site.index, settings)
        state.oai_provider = provider
    return provider


async def oai(request: Request) -> Response:
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != FORM:
            return PlainTextResponse(
                f"An OAI-PMH POST request is form-encoded ({FORM}).\n", status_code=415
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse("The request is too large.\n", status_code=413)
        try:
            args = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return PlainTextResponse("The request body is not UTF-8.\n", status_code=400)
    else:
        args = parse_qsl(request.url.query, keep_blank_values=True)
    base_url = str(request.url.replace(query="", fragment=""))
    provider = provider_of(request)
    data = await anyio.to_thread.run_sync(provider.respond, args, base_url)
    return Response(data, media_type=MEDIA_TYPE)


ROUTES = [Route("/oai", oai, methods=["GET", "POST", "HEAD"], name="oai")]
