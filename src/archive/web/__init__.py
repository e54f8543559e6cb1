"""The archive on the web: dereferenceable IRIs, pages, search, a SPARQL endpoint.

``create_app(store, config)`` returns an ASGI application (Starlette) that any ASGI server can
run; ``archive serve`` runs it with uvicorn. Imports are lazy so that the SPARQL worker
processes, which import this package, start quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from archive.web.config import WebConfig


def create_app(store: Any, config: WebConfig | None = None, **kwargs: Any) -> Starlette:
    """The application over an open store (see :func:`archive.web.app.create_app`)."""
    from archive.web.app import create_app as _create_app

    return _create_app(store, config, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "WebConfig":
        from archive.web.config import WebConfig

        return WebConfig
    raise AttributeError(name)


__all__ = ["WebConfig", "create_app"]
