"""Downloads built on request from a document's TEI file: its deposit package, its report.

Both are made by the archive's own stages (``archive.deposit.build_package``,
``archive.validate.validate_file``), dated with the document's load time so that the same
document gives the same bytes, and kept in a cache folder keyed by the TEI file's SHA-256.
File names come from the catalog's slug, never from the request path: no path traversal.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from archive.errors import ArchiveError
from archive.web.linkeddata import Problem, site_of
from archive.web.site import Site

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _lock(key: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(key, threading.Lock())


def cache_dir(site: Site) -> Path:
    if site.config.cache_dir is not None:
        path = Path(site.config.cache_dir)
    else:
        path = Path(tempfile.gettempdir()) / f"archive-web-cache-{site.index.path.stem}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _document(site: Site, slug: str):
    if not SLUG.match(slug):
        raise Problem(404, f"No document {slug!r} in this archive.")
    row = site.index.document(site.store.uris.document(slug))
    if row is None or row.slug != slug:
        raise Problem(404, f"No document {slug!r} in this archive.")
    source = site.index.source(row.sha256 or "")
    if source is None:
        raise Problem(
            404,
            "The TEI file of this document is not kept here, so neither its "
            "deposit package nor its validation report can be made.",
        )
    return row, source


def _tei_copy(workdir: Path, name: str, data: bytes) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name) or "doc.xml"
    if not safe.endswith((".xml", ".tei")):
        safe += ".xml"
    path = workdir / safe
    path.write_bytes(data)
    return path


def package(request: Request) -> Response:
    site = site_of(request)
    slug = request.path_params["slug"]
    row, (name, data) = _document(site, slug)
    out = cache_dir(site) / f"{row.sha256}-{slug}.zip"
    with _lock(str(out)):
        if not out.exists():
            from archive.deposit import build_package

            with tempfile.TemporaryDirectory(prefix="archive-web-") as tmp:
                tei = _tei_copy(Path(tmp), name, data)
                target = Path(tmp) / f"{slug}.zip"
                try:
                    build_package(
                        [tei],
                        target,
                        fmt="zip",
                        when=row.loaded,
                        base=site.base,
                        allow_invalid=True,
                        force=True,
                    )
                except ArchiveError as exc:
                    raise Problem(409, f"The deposit package could not be built: {exc}") from exc
                shutil.move(str(target), out)
    return FileResponse(out, media_type="application/zip", filename=f"{slug}.zip")


def report(request: Request) -> Response:
    site = site_of(request)
    slug = request.path_params["slug"]
    fmt = request.path_params["fmt"]
    if fmt not in ("txt", "json"):
        raise Problem(404, "Reports are .txt or .json.")
    row, (name, data) = _document(site, slug)
    out = cache_dir(site) / f"{row.sha256}-{slug}.report.{fmt}"
    with _lock(str(out)):
        if not out.exists():
            from archive.validate import validate_file

            with tempfile.TemporaryDirectory(prefix="archive-web-") as tmp:
                tei = _tei_copy(Path(tmp), name, data)
                result = validate_file(tei, site.base, label=name)
            text = result.report.to_json() if fmt == "json" else result.report.to_text()
            out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    media = "application/json" if fmt == "json" else "text/plain; charset=utf-8"
    return FileResponse(
        out, media_type=media, filename=f"{slug}.report.{fmt}", content_disposition_type="inline"
    )


ROUTES = [
    Route("/download/{slug}/package.zip", package, methods=["GET", "HEAD"]),
    Route("/download/{slug}/report.{fmt}", report, methods=["GET", "HEAD"]),
]
