"""The web layer's speed: pages, search and /sparql on generated letters, and a load test.

For each size: generate letters (``archive generate``, seed 1), extract and bulk-load them into
an embedded store, build the search index beside it, then start ``archive serve`` (uvicorn, as
users run it) and, on the same store folder, ``oxigraph serve-read-only``, and measure:

- document and entity pages: a random sample of each, fetched once (p50, p95, max);
- search: names and title words of random entities and documents (p50, p95, max);
- /sparql against ``oxigraph serve``: every saved query (the heaviest parameters, and two with
  a light one), the same text sent to both, back to back and at once, fifteen rounds each;
  the median of the rounds' ratios (and its quartiles), and the ratio of the sums of medians;
- a bounded load test on loopback: CLIENTS concurrent clients for SECONDS seconds on a mix of
  pages, search and saved queries; errors, requests per second, p50 and p95.

The endpoint is started with a row limit above the largest answer, so both servers return the
same rows. Figures go to bench/results/web.json and a table to the terminal. Usage::

    .venv/bin/python bench/web.py --sizes 10000,100000      # tens of minutes at 100k
    .venv/bin/python bench/web.py --table                     # print the last figures again
    # a store built elsewhere (opened read-only; its search index is built beside the bench's
    # work folder from the store and the TEI files if it has none):
    .venv/bin/python bench/web.py --store /work/scratch/bench100k/store \
        --corpus /work/scratch/bench100k/corpus --no-load-test

Each figure is wall time measured by the client; the server's CPU time per request (read from
/proc) is printed beside it, because on a shared machine the wall time includes the time the
server waited for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "web.json"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
BASE = "https://advocacy-archive.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 50) * 1000, 1),
        "p95_ms": round(pct(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else float("nan"),
    }


# --- building the archive ----------------------------------------------------------------------


def _extract(path: str):
    from archive.rdf.extract import extract_file

    return extract_file(Path(path), BASE).documents


def build(n: int, seed: int, work: Path) -> dict:
    from archive.store.embedded import EmbeddedStore
    from archive.store.search import SearchIndex, index_path
    from archive.synth import iter_corpus

    letters, store_dir = work / "letters", work / "store"
    t0 = time.perf_counter()
    files = [str(p) for p in iter_corpus(n, seed, letters)]
    t1 = time.perf_counter()
    store = EmbeddedStore(store_dir, base=BASE)
    try:
        with ProcessPoolExecutor(2) as pool:
            docs = (d for batch in pool.map(_extract, files, chunksize=64) for d in batch)
            results = store.load(docs, bulk=True)
        t2 = time.perf_counter()
        sources = {r.graph: Path(r.source) for r in results if r.source}
        with SearchIndex(index_path(store), store.base) as index:
            counts = index.update(store, list(sources), sources)
        t3 = time.perf_counter()
    finally:
        store.close()
    size = sum(f.stat().st_size for f in (work / "store").rglob("*") if f.is_file())
    return {
        "documents": n,
        "generate_s": round(t1 - t0, 1),
        "extract_and_load_s": round(t2 - t1, 1),
        "search_index_s": round(t3 - t2, 1),
        "search_index_mb": round(index_path_size(store_dir) / 1e6, 1),
        "store_mb": round(size / 1e6, 1),
        "indexed": counts.indexed,
    }


def index_path_size(store_dir: Path) -> int:
    p = store_dir.with_name(store_dir.name + ".search.sqlite")
    return p.stat().st_size if p.exists() else 0


# --- servers ----------------------------------------------------------------------------------


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def start_archive(
    store_dir: Path, log: Path, index: Path | None = None
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    proc = subprocess.Popen(
        [
            str(BIN / "archive"),
            "serve",
            "--store",
            str(store_dir),
            *(["--search-index", str(index)] if index else []),
            "--port",
            str(port),
            "--workers",
            "2",
            "--row-limit",
            "10000000",
            "--time-limit",
            "600",
            "--log-level",
            "warning",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/", proc)
    return proc, url


def start_oxigraph(store_dir: Path, log: Path) -> tuple[subprocess.Popen, str] | None:
    binary = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not binary:
        return None
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(store_dir), "--bind", f"127.0.0.1:{port}"],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/query?query=ASK%7B%7D", proc)
    return proc, url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell work from waiting."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# --- measurements -----------------------------------------------------------------------------


def samples(index: Path, k: int, seed: int) -> dict[str, list[str]]:
    import sqlite3

    conn = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    rng = random.Random(seed)
    docs = [r[0] for r in conn.execute("SELECT slug FROM documents")]
    ents = [
        r[0]
        for r in conn.execute(
            "SELECT iri FROM entities WHERE kind IN ('org', 'person', 'place', 'event', 'work') "
            "AND EXISTS (SELECT 1 FROM roles WHERE roles.entity = entities.id)"
        )
    ]
    labels = [r[0] for r in conn.execute("SELECT label FROM entities WHERE label IS NOT NULL")]
    titles = [
        r[0] for r in conn.execute("SELECT title FROM documents WHERE title IS NOT NULL LIMIT 5000")
    ]
    top = {
        role: conn.execute(
            "SELECT e.iri FROM roles r JOIN entities e ON e.id = r.entity WHERE r.role = ? "
            "GROUP BY r.entity ORDER BY COUNT(*) DESC LIMIT 1",
            (role,),
        ).fetchone()[0]
        for role in ("sender", "to", "cites")
    }
    town = conn.execute(
        "SELECT value FROM facts WHERE predicate = 'https://schema.org/location' AND dtype = 'iri' "
        "GROUP BY value ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    any_senders = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT e.iri FROM roles r JOIN entities e ON e.id = r.entity "
            "WHERE r.role = 'sender'"
        )
    ]
    senders = [
        r[0]
        for r in conn.execute(
            "SELECT e.iri FROM roles r JOIN entities e ON e.id = r.entity WHERE r.role = 'sender' "
            "GROUP BY r.entity ORDER BY COUNT(*) DESC LIMIT 50"
        )
    ]
    conn.close()
    names = rng.sample(labels, min(k, len(labels)))  # what people search: names
    words = []  # single common words (in most titles): the worst case for ranking
    for text in rng.sample(titles, min(k // 4, len(titles))):
        ws = [w for w in text.split() if len(w) > 3 and w.isalpha()]
        if ws:
            words.append(rng.choice(ws))
    picked_docs = rng.sample(docs, min(k, len(docs)))
    picked_ents = rng.sample(ents, min(k, len(ents)))
    seen_docs, seen_ents = set(picked_docs), set(picked_ents)
    return {
        "documents": picked_docs,
        "entities": picked_ents,
        # for the cold load test: pages nobody asked for before (none in any cache)
        "fresh documents": rng.sample(
            [d for d in docs if d not in seen_docs], min(3000, len(docs) - len(seen_docs))
        ),
        "fresh entities": rng.sample(
            [e for e in ents if e not in seen_ents], min(1000, len(ents) - len(seen_ents))
        ),
        "search": names,
        "common words": words,
        "top": top,
        "town": town,
        "senders": rng.sample(senders, min(10, len(senders))),  # facets of busy signatories
        "any senders": rng.sample(any_senders, min(100, len(any_senders))),
    }


def timed_get(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url, headers={"accept": "text/html"})
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
    return elapsed


def measure_pages(url: str, s: dict, pid: int) -> dict:
    """Each URL once (cold: nothing of it cached yet), one request at a time."""
    out = {}
    groups = {
        "document pages": [f"{url}/document/{slug}.html" for slug in s["documents"]],
        "entity pages": [url + e[len(BASE) + 3 :] + ".html" for e in s["entities"]],
        "search": [f"{url}/search?{httpx.QueryParams({'q': w})}" for w in s["search"]],
        "search, common words": [
            f"{url}/search?{httpx.QueryParams({'q': w})}" for w in s["common words"]
        ],
        "document list, a facet": [
            f"{url}/documents?{httpx.QueryParams({'signatory': e})}" for e in s["senders"]
        ],
        "home page": [f"{url}/"] * 5,
    }
    with httpx.Client(timeout=120) as c:
        for label, urls in groups.items():
            cpu0 = cpu_seconds(pid)
            times = [timed_get(c, u) for u in urls]
            cpu = (cpu_seconds(pid) - cpu0) / max(1, len(urls))
            out[label] = {**summary_ms(times), "server_cpu_ms": round(cpu * 1000, 1)}
    return out


def saved_cases(s: dict) -> dict[str, str]:
    from archive.store.queries import bind_parameters, parse_params, saved_queries

    saved = saved_queries()
    cases = {
        "documents-by-signatory": {"signatory": f"<{s['top']['sender']}>"},
        "co-signatory-pairs": {},
        "co-signatories-of": {"signatory": f"<{s['top']['sender']}>"},
        "citation-chain": {"work": f"<{s['top']['cites']}>"},
        "documents-per-addressee-per-year": {},
        "documents-per-addressee-per-year (one addressee)": {"addressee": f"<{s['top']['to']}>"},
        "organisations-by-town": {},
        "organisations-by-town (one town)": {"town": f"<{s['town']}>"},
        "entity": {"entity": f"<{s['top']['sender']}>"},
    }
    out = {}
    for label, params in cases.items():
        q = saved[label.split(" (")[0]]
        bound = parse_params([f"{k}={v}" for k, v in params.items()], q, BASE)
        out[label] = bind_parameters(q.text, bound)
    return out


def measure_sparql(ours: str, oxigraph: str | None, s: dict, rounds: int = 15) -> dict:
    """Each saved query, the same text to both servers: one warm-up each, then ROUNDS rounds
    in which the two run it back to back, taking turns to go first, and ROUNDS rounds in which
    both are sent at once (each server then has a core of its own). The ratios are medians of
    the rounds' ratios: this machine's speed drifts by up to 40% within seconds (a plain Python
    loop, timed again and again, takes 0.19 to 0.28 s), and a ratio of two runs a moment apart,
    or at the same moment, cancels most of that drift, where a ratio of two medians does not.
    Also: each server's median (back to back), and the ratio of their sums over all queries."""
    from archive.rdf.namespaces import sparql_prefixes

    out: dict = {}
    accept = {"accept": "application/sparql-results+json"}

    def timed(c: httpx.Client, url: str, full: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        r = c.post(url, data={"query": full}, headers=accept)
        elapsed = time.perf_counter() - t0
        r.raise_for_status()
        return elapsed, len(r.json()["results"]["bindings"])

    def ratios(pairs: list[tuple[float, float]]) -> tuple[float, list[float]]:
        values = [a / b for a, b in pairs]
        return round(statistics.median(values), 3), [
            round(q, 3) for q in statistics.quantiles(values, n=4)[::2]
        ]

    with httpx.Client(timeout=900) as c, httpx.Client(timeout=900) as c2:
        for label, text in saved_cases(s).items():
            full = sparql_prefixes() + text
            ours_url = f"{ours}/sparql"
            entry: dict = {}
            entry["archive_first_s"], entry["rows"] = timed(c, ours_url, full)
            if not oxigraph:
                times = [timed(c, ours_url, full)[0] for _ in range(rounds)]
                entry["archive_median_s"] = round(statistics.median(times), 4)
                out[label] = entry
                continue
            theirs_url = f"{oxigraph}/query"  # the same dataset: the default (merged) graph
            entry["oxigraph_first_s"], rows = timed(c, theirs_url, full)
            assert rows == entry["rows"], label
            turns: list[tuple[float, float]] = []
            for k in range(rounds):
                if k % 2 == 0:
                    a, b = timed(c, ours_url, full)[0], timed(c, theirs_url, full)[0]
                else:
                    b, a = timed(c, theirs_url, full)[0], timed(c, ours_url, full)[0]
                turns.append((a, b))
            together: list[tuple[float, float]] = []
            with ThreadPoolExecutor(2) as pool:
                for _ in range(rounds):
                    fa = pool.submit(timed, c, ours_url, full)
                    fb = pool.submit(timed, c2, theirs_url, full)
                    together.append((fa.result()[0], fb.result()[0]))
            entry["archive_median_s"] = round(statistics.median(a for a, _ in turns), 4)
            entry["oxigraph_median_s"] = round(statistics.median(b for _, b in turns), 4)
            entry["ratio"], entry["ratio_quartiles"] = ratios(turns)
            entry["ratio_together"], entry["ratio_together_quartiles"] = ratios(together)
            out[label] = entry
    if oxigraph and out:
        ours_total = sum(e["archive_median_s"] for e in out.values())
        theirs_total = sum(e["oxigraph_median_s"] for e in out.values())
        out["all queries (sum of medians)"] = {
            "rows": sum(e["rows"] for e in out.values()),
            "archive_median_s": round(ours_total, 4),
            "oxigraph_median_s": round(theirs_total, 4),
            "ratio": round(ours_total / theirs_total, 3),
        }
    return out


def load_test(
    url: str, s: dict, clients: int, seconds: float, pid: int | None = None, cold: bool = False
) -> dict:
    """CLIENTS threads, each requesting pages in a loop for SECONDS (bounded in time and count).

    Closed loop: each client sends its next request when the last one is answered, so the
    latency is the server's work per request times the requests waiting before it (Little's
    law): with 20 clients and one server process, p50 is about 20 x its CPU time per request
    (divided by the cores it gets).

    Warm (the default): 253 pages that were all requested before, as a site's popular pages
    are. ``cold``: each request takes a page never requested before (documents and entities
    not in any cache), while there are some left."""
    from archive.rdf.namespaces import sparql_prefixes

    urls = [f"{url}/document/{d}.html" for d in s["documents"][:100]]
    urls += [url + e[len(BASE) + 3 :] + ".html" for e in s["entities"][:100]]
    urls += [f"{url}/search?{httpx.QueryParams({'q': w})}" for w in s["search"][:50]]
    urls += [f"{url}/", f"{url}/documents", f"{url}/documents?page=3&sort=-date"]
    fresh = [f"{url}/document/{d}.html" for d in s["fresh documents"]]
    fresh += [url + e[len(BASE) + 3 :] + ".html" for e in s["fresh entities"]]
    random.Random(seconds).shuffle(fresh)
    from archive.store.queries import bind_parameters, parse_params, saved_queries

    saved = saved_queries()["co-signatories-of"]  # of a signatory drawn at random, each time
    queries = [
        sparql_prefixes()
        + bind_parameters(saved.text, parse_params([f"signatory=<{e}>"], saved, BASE))
        for e in s["any senders"]
    ]
    sparqls = [f"{url}/sparql?{httpx.QueryParams({'query': q})}" for q in queries]
    lat: list[float] = []
    page_lat: list[float] = []
    sparql_lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(timeout=60) as c:
            for _ in range(100_000):
                if time.monotonic() > deadline:
                    return
                is_query = rng.random() < 0.05
                target = rng.choice(sparqls) if is_query else rng.choice(urls)
                if cold and not is_query:
                    with lock:
                        target = fresh.pop() if fresh else target
                accept = "application/sparql-results+json" if is_query else "text/html"
                t0 = time.perf_counter()
                try:
                    r = c.get(
                        target,
                        headers={"accept": accept},
                    )
                    ok = r.status_code == 200
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                elapsed = time.perf_counter() - t0
                with lock:
                    lat.append(elapsed)
                    (sparql_lat if is_query else page_lat).append(elapsed)
                    if not ok:
                        errors.append(f"{target[:120]}: {getattr(r, 'status_code', r)}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    cpu0 = cpu_seconds(pid) if pid else float("nan")
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(lat),
        "errors": len(errors),
        "first_errors": errors[:5],
        "requests_per_s": round(len(lat) / wall, 1),
        **summary_ms(lat),
        "pages": summary_ms(page_lat),
        "sparql": summary_ms(sparql_lat),
        "server_cpu_ms_per_request": round((cpu_seconds(pid) - cpu0) / max(1, len(lat)) * 1000, 1)
        if pid
        else None,
    }


def build_index(store_dir: Path, index: Path, corpus: Path | None) -> dict:
    """The search index of a store built elsewhere, which is opened read-only (and the TEI
    files kept from ``corpus``, matched by name and checked by SHA-256)."""
    from archive.store.embedded import EmbeddedStore
    from archive.store.search import SearchIndex

    store = EmbeddedStore(store_dir, base=BASE, read_only=True)
    try:
        docs = store.documents()
        sources = {}
        for d in docs:
            if d.source:
                path = Path(d.source)
                if corpus is not None:
                    path = corpus / path.name
                sources[d.graph] = path
        t0, cpu0 = time.perf_counter(), time.process_time()
        with SearchIndex(index, store.base) as ix:
            counts = ix.update(store, [d.graph for d in docs], sources)
        return {
            "documents": len(docs),
            "search_index_s": round(time.perf_counter() - t0, 1),
            "search_index_cpu_s": round(time.process_time() - cpu0, 1),
            "search_index_mb": round(index.stat().st_size / 1e6, 1),
            "indexed": counts.indexed,
            "sources": counts.sources,
        }
    finally:
        store.close()


def bench_size(n: int | None, args: argparse.Namespace) -> dict:
    if args.store:  # a store built elsewhere: read-only, never written to
        store_dir = Path(args.store)
        work = Path(args.workdir) / f"shared-{store_dir.name}"
        work.mkdir(parents=True, exist_ok=True)
        index = work / "search.sqlite"
        result: dict = {"store": str(store_dir)}
        if not index.exists():
            print(f"== building the search index of {store_dir} (read-only)", flush=True)
            tmp = index.with_suffix(".partial")
            tmp.unlink(missing_ok=True)
            corpus = Path(args.corpus) if args.corpus else None
            result["build"] = build_index(store_dir, tmp, corpus)
            tmp.rename(index)
            print(f"   {result['build']}", flush=True)
    else:
        assert n is not None
        work = Path(args.workdir) / f"n{n}"
        if work.exists() and not args.reuse:
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        result = {}
        store_dir, index = work / "store", work / "store.search.sqlite"
        if not store_dir.exists():
            print(f"== {n:,} letters: generate, extract, bulk-load, index", flush=True)
            result["build"] = build(n, args.seed, work)
            print(f"   {result['build']}", flush=True)
    import sqlite3

    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as conn:
        result["documents"] = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    s = samples(index, args.samples, args.seed)
    log = work / "servers.log"
    ours, ours_url = start_archive(store_dir, log, index)
    ox = start_oxigraph(store_dir, log)
    try:
        print(f"== {result['documents']:,} documents: pages and search", flush=True)
        result["pages"] = measure_pages(ours_url, s, ours.pid)
        print(f"   {result['pages']}", flush=True)
        print("== /sparql against oxigraph serve", flush=True)
        result["sparql"] = measure_sparql(ours_url, ox[1] if ox else None, s)
        print(f"   {result['sparql']}", flush=True)
        if args.clients and args.seconds:
            for key, cold in (("load", False), ("load, cold", True)):
                print(f"== {key} test: {args.clients} clients for {args.seconds:g} s", flush=True)
                result[key] = load_test(ours_url, s, args.clients, args.seconds, ours.pid, cold)
                print(f"   {result[key]}", flush=True)
    finally:
        stop(ours)
        if ox:
            stop(ox[0])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    sizes = [r.get("documents", 0) for r in results]
    lines = ["| | " + " | ".join(f"{n:,}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]

    def row(label: str, f) -> None:
        vals = []
        for r in results:
            try:
                vals.append(f(r))
            except (KeyError, TypeError):
                vals.append("–")
        lines.append(f"| {label} | " + " | ".join(vals) + " |")

    for key in (
        "document pages",
        "entity pages",
        "search",
        "search, common words",
        "document list, a facet",
        "home page",
    ):
        row(
            f"{key}, p50 / p95 (ms); server CPU per page (ms)",
            lambda r, k=key: (
                f"{r['pages'][k]['p50_ms']} / {r['pages'][k]['p95_ms']}; "
                f"{r['pages'][k].get('server_cpu_ms', '–')}"
            ),
        )
    cases = list(results[-1].get("sparql", {}))
    for case in cases:
        row(
            f"/sparql {case}: archive / oxigraph, median (s); ratio, back to back / at once",
            lambda r, c=case: "{} / {}; {} / {}".format(
                r["sparql"][c]["archive_median_s"],
                r["sparql"][c]["oxigraph_median_s"],
                r["sparql"][c]["ratio"],
                r["sparql"][c].get("ratio_together", "–"),
            ),
        )
    for key in ("load", "load, cold"):
        row(
            f"{key} test: requests/s, errors; p50 / p95 (ms); server CPU per request (ms)",
            lambda r, k=key: (
                f"{r[k]['requests_per_s']}, {r[k]['errors']}; "
                f"{r[k]['p50_ms']} / {r[k]['p95_ms']}; {r[k]['server_cpu_ms_per_request']}"
            ),
        )
    row(
        "search index build (s), size (MB)",
        lambda r: f"{r['build']['search_index_s']}, {r['build']['search_index_mb']}",
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workdir", default=str(HERE / "work" / "web"))
    ap.add_argument("--keep", action="store_true", help="Keep the generated stores.")
    ap.add_argument("--reuse", action="store_true", help="Reuse a kept store of the same size.")
    ap.add_argument("--table", action="store_true", help="Print the last figures again.")
    ap.add_argument("--store", help="Measure this store (built elsewhere; opened read-only).")
    ap.add_argument("--corpus", help="With --store: the folder of the TEI files it holds.")
    ap.add_argument(
        "--no-load-test", dest="seconds", action="store_const", const=0.0, help="Skip it."
    )
    ap.add_argument(
        "--append", action="store_true", help="Add the figures to those of the last run."
    )
    args = ap.parse_args(argv)
    if args.table:
        print(table(json.loads(RESULTS.read_text())["results"]))
        return 0
    if args.store:
        results = [bench_size(None, args)]
    else:
        results = [bench_size(int(n), args) for n in args.sizes.split(",")]
    if args.append and RESULTS.exists():
        results = json.loads(RESULTS.read_text())["results"] + results
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"measured": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "results": results},
            indent=2,
        )
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
