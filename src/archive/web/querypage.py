"""The query page: write SPARQL, or run a saved query with its parameters; rows as a table.

A plain HTML form (no script), so it works offline and in any browser. Queries go through the
same executor as ``/sparql`` (time and row limits included); IRIs in the answer link to their
pages here, with their names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive.errors import ArchiveError
from archive.store.queries import (
    bind_parameters,
    check_syntax,
    parse_params,
    query_form,
    saved_queries,
)
from archive.web.executor import EndpointBusy, QueryRefused, QueryTimeout, SparqlJob
from archive.web.linkeddata import site_of
from archive.web.pages import render
from archive.web.site import short_name
from archive.web.sparql import apply_row_limit
from archive.web.teihtml import safe_href

PAGE_ROWS = 1000
DATASET_NOTE = (
    "Queries see the archive's merged graph as their default graph: every statement of every "
    "document, each once, so counts need no DISTINCT (an organisation that 80 letters name is "
    "one row). Each document's graph is a named graph: GRAPH ?g { ... } says which documents "
    "state a fact (its provenance). The profile's prefixes (schema:, org:, cito:, prov:, "
    "skos:, dcterms:, ...) are declared."
)


@dataclass
class Cell:
    text: str
    url: str | None = None
    title: str | None = None
    lang: str | None = None


async def query_page(request: Request) -> Response:
    site = site_of(request)
    saved = saved_queries()
    params = request.query_params
    name = params.get("name") or ""
    text = params.get("query") or ""
    chosen = saved.get(name) if name else None
    values = {}
    error, status = None, 200
    to_run = None
    if name and chosen is None:
        error, status = f"There is no saved query named {name!r}.", 404
    elif chosen is not None:
        values = {p.name: params.get(p.name, "") for p in chosen.params}
        text = chosen.text
        if "run" in params:
            try:
                given = [f"{k}={v}" for k, v in values.items() if v.strip()]
                bound = parse_params(given, chosen, site.base)
                to_run = bind_parameters(chosen.text, bound)
            except ArchiveError as exc:
                error, status = str(exc), 400
    elif text:
        to_run = text
    if len(text.encode("utf-8")) > site.config.max_query_bytes:
        error, status, to_run = (
            f"The query is longer than {site.config.max_query_bytes:,} bytes.",
            413,
            None,
        )
    columns: list[str] = []
    rows: list[list[Cell]] = []
    boolean = None
    graph_text = None
    truncated = False
    seconds = None
    if to_run is not None and error is None:
        try:
            check_syntax(to_run)
            form = query_form(to_run)
            media = (
                "text/turtle"
                if form in ("CONSTRUCT", "DESCRIBE")
                else "application/sparql-results+json"
            )
            limited, _ = (
                apply_row_limit(to_run, PAGE_ROWS + 1) if form != "ASK" else (to_run, False)
            )
            answer = await site.executor.run(SparqlJob(limited, media))
            seconds = answer.seconds
            if media == "text/turtle":
                graph_text = answer.body.decode("utf-8", "replace")
            else:
                parsed = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
                if isinstance(parsed, ox.QueryBoolean):
                    boolean = bool(parsed)
                else:
                    columns = [v.value for v in parsed.variables]
                    raw = [[sol[i] for i in range(len(columns))] for sol in parsed]
                    truncated = len(raw) > PAGE_ROWS
                    rows = await run_in_threadpool(_cells, request, site, raw[:PAGE_ROWS])
        except ArchiveError as exc:
            error, status = str(exc), 400
        except QueryTimeout:
            error, status = f"The query was stopped after {site.config.time_limit:g} s.", 503
        except EndpointBusy:
            error, status = "Every query worker is busy; try again shortly.", 503
        except QueryRefused as exc:
            error, status = f"The query could not be run: {exc}", 400
    return render(
        request,
        site,
        "query.html",
        status=status,
        saved=list(saved.values()),
        chosen=chosen,
        values=values,
        text=text,
        error=error,
        columns=columns,
        rows=rows,
        boolean=boolean,
        graph_text=graph_text,
        truncated=truncated,
        ran=to_run is not None and error is None,
        seconds=seconds,
        dataset_note=DATASET_NOTE,
        page_rows=PAGE_ROWS,
    )


def _cells(request: Request, site, raw: list[list]) -> list[list[Cell]]:
    iris = {t.value for row in raw for t in row if isinstance(t, ox.NamedNode)}
    labels = site.index.labels(iris)
    out = []
    for row in raw:
        cells = []
        for t in row:
            if t is None:
                cells.append(Cell(""))
            elif isinstance(t, ox.NamedNode):
                url = (
                    site.url_of(request, t.value) if site.is_local(t.value) else safe_href(t.value)
                )
                cells.append(
                    Cell(labels.get(t.value) or short_name(t.value, site.base), url, t.value)
                )
            elif isinstance(t, ox.Literal):
                cells.append(Cell(t.value, lang=t.language))
            else:
                cells.append(Cell(str(t)))
        out.append(cells)
    return out


ROUTES = [Route("/query", query_page, methods=["GET", "HEAD"])]
