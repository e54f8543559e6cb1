"""``/cmif.xml``: the archive's letters as one CMIF file, at a stable URL for correspSearch.

The file is what ``archive cmif`` writes for the whole store
(:func:`archive.interchange.cmif.cmif_bytes`). It is built on the first request after each
change of the store (a load or a removal moves the store's last sequence number), kept in
memory, and served with an ``ETag`` so that a harvester's conditional request costs nothing.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive.web.linkeddata import Problem
from archive.web.site import Site

PATH = "/cmif.xml"  # the interchange package's CMIF_PATH: `archive cmif` names it as the URL
MEDIA_TYPE = "application/xml; charset=utf-8"  # as correspSearch fetches it (TEI in XML)


@dataclass(frozen=True)
class Built:
    state: tuple[int, str | None]
    data: bytes
    etag: str


_lock = threading.Lock()


def _build(site: Site, cache: dict[str, Built]) -> Built:
    layout = site.store.layout(refresh=True)
    state = (layout.last_sequence, layout.last_datestamp)
    with _lock:
        built = cache.get("cmif")
        if built is not None and built.state == state:
            return built
        try:
            from archive.interchange.cmif import cmif_bytes
        except ImportError:
            raise Problem(404, "This version of the archive has no CMIF writer.") from None
        data = cmif_bytes(site.store).data
        built = Built(state, data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"')
        cache["cmif"] = built
        return built


async def cmif_file(request: Request) -> Response:
    site: Site = request.app.state.site
    cache = getattr(request.app.state, "cmif_cache", None)
    if cache is None:
        cache = request.app.state.cmif_cache = {}
    built = await anyio.to_thread.run_sync(_build, site, cache)
    headers = {"ETag": built.etag, "Access-Control-Allow-Origin": "*"}
    if built.etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(built.data, media_type=MEDIA_TYPE, headers=headers)


ROUTES = [Route(PATH, cmif_file, methods=["GET", "HEAD"], name="cmif")]
