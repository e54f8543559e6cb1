"""The web layer's speed: pages, search and /sparql on generated letters, and a load test.

For each size: generate letters (``archive generate``, seed 1), extract and bulk-load them into
an embedded store, build the search index beside it, then start ``archive serve`` (uvicorn, as
users run it) and, on the same store folder, ``oxigraph serve-read-only``, and measure:

- document and entity pages: a random sample of each, fetched once (p50, p95, max);
- search: names and title words of random entities and documents (p50, p95, max);
- /sparql against ``oxigraph serve``: every saved query (the heaviest parameters), the same
  text sent to both, alternately, best of three each; the ratio;
- a bounded load test on loopback: CLIENTS concurrent clients for SECONDS seconds on a mix of
  pages, search and saved queries; errors, requests per second, p50 and p95.

The endpoint is started with a row limit above the largest answer, so both servers return the
same rows. Figures go to bench/results/web.json and a table to the terminal. Usage::

    .venv/bin/python bench/web.py --sizes 10000,100000      # tens of minutes at 100k
    .venv/bin/python bench/web.py --table                     # print the last figures again
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
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


def start_archive(store_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    proc = subprocess.Popen(
        [
            str(BIN / "archive"),
            "serve",
            "--store",
            str(store_dir),
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


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# --- measurements -----------------------------------------------------------------------------


def samples(work: Path, k: int, seed: int) -> dict[str, list[str]]:
    import sqlite3

    conn = sqlite3.connect(work / "store.search.sqlite")
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
    conn.close()
    names = rng.sample(labels, min(k, len(labels)))  # what people search: names
    words = []  # single common words (in most titles): the worst case for ranking
    for text in rng.sample(titles, min(k // 4, len(titles))):
        ws = [w for w in text.split() if len(w) > 3 and w.isalpha()]
        if ws:
            words.append(rng.choice(ws))
    return {
        "documents": rng.sample(docs, min(k, len(docs))),
        "entities": rng.sample(ents, min(k, len(ents))),
        "search": names,
        "common words": words,
        "top": top,
        "town": town,
    }


def timed_get(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url, headers={"accept": "text/html"})
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
    return elapsed


def measure_pages(url: str, s: dict) -> dict:
    out = {}
    with httpx.Client(timeout=120) as c:
        out["document pages"] = summary_ms(
            [timed_get(c, f"{url}/document/{slug}.html") for slug in s["documents"]]
        )
        out["entity pages"] = summary_ms(
            [timed_get(c, url + e[len(BASE) + 3 :] + ".html") for e in s["entities"]]
        )
        out["search"] = summary_ms(
            [timed_get(c, f"{url}/search?{httpx.QueryParams({'q': w})}") for w in s["search"]]
        )
        out["search, common words"] = summary_ms(
            [timed_get(c, f"{url}/search?{httpx.QueryParams({'q': w})}") for w in s["common words"]]
        )
        out["document list, a facet"] = summary_ms(
            [
                timed_get(
                    c, f"{url}/documents?{httpx.QueryParams({'signatory': s['top']['sender']})}"
                )
                for _ in range(5)
            ]
        )
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


def measure_sparql(ours: str, oxigraph: str | None, s: dict, repeat: int = 3) -> dict:
    from archive.rdf.namespaces import sparql_prefixes

    out = {}
    accept = {"accept": "application/sparql-results+json"}
    with httpx.Client(timeout=900) as c:
        for label, text in saved_cases(s).items():
            full = sparql_prefixes() + text
            mine, theirs, rows = [], [], None
            for _ in range(repeat):  # alternately, so that both see the same machine load
                t0 = time.perf_counter()
                r = c.post(f"{ours}/sparql", data={"query": full}, headers=accept)
                mine.append(time.perf_counter() - t0)
                r.raise_for_status()
                rows = len(r.json()["results"]["bindings"])
                if oxigraph:
                    t0 = time.perf_counter()
                    r2 = c.post(
                        f"{oxigraph}/query",
                        params={"union-default-graph": ""},
                        data={"query": full},
                        headers=accept,
                    )
                    theirs.append(time.perf_counter() - t0)
                    r2.raise_for_status()
                    assert len(r2.json()["results"]["bindings"]) == rows, label
            entry = {
                "rows": rows,
                "archive_best_s": round(min(mine), 4),
                "archive_first_s": round(mine[0], 4),
            }
            if theirs:
                entry["oxigraph_best_s"] = round(min(theirs), 4)
                entry["ratio"] = round(min(mine) / min(theirs), 3)
            out[label] = entry
    return out


def load_test(url: str, s: dict, clients: int, seconds: float) -> dict:
    """CLIENTS threads, each requesting pages in a loop for SECONDS (bounded in time and count)."""
    from archive.rdf.namespaces import sparql_prefixes

    urls = [f"{url}/document/{d}.html" for d in s["documents"][:100]]
    urls += [url + e[len(BASE) + 3 :] + ".html" for e in s["entities"][:100]]
    urls += [f"{url}/search?{httpx.QueryParams({'q': w})}" for w in s["search"][:50]]
    urls += [f"{url}/", f"{url}/documents", f"{url}/documents?page=3&sort=-date"]
    light = saved_cases(s)["co-signatories-of"]
    sparql = f"{url}/sparql?{httpx.QueryParams({'query': sparql_prefixes() + light})}"
    lat: list[float] = []
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
                target = sparql if is_query else rng.choice(urls)
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
                    if not ok:
                        errors.append(f"{target[:120]}: {getattr(r, 'status_code', r)}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
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
    }


def bench_size(n: int, args: argparse.Namespace) -> dict:
    work = Path(args.workdir) / f"n{n}"
    if work.exists() and not args.reuse:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"documents": n}
    if not (work / "store").exists():
        print(f"== {n:,} letters: generate, extract, bulk-load, index", flush=True)
        result["build"] = build(n, args.seed, work)
        print(f"   {result['build']}", flush=True)
    s = samples(work, args.samples, args.seed)
    log = work / "servers.log"
    ours, ours_url = start_archive(work / "store", log)
    ox = start_oxigraph(work / "store", log)
    try:
        print("== pages and search", flush=True)
        result["pages"] = measure_pages(ours_url, s)
        print(f"   {result['pages']}", flush=True)
        print("== /sparql against oxigraph serve", flush=True)
        result["sparql"] = measure_sparql(ours_url, ox[1] if ox else None, s)
        print(f"   {result['sparql']}", flush=True)
        print(f"== load test: {args.clients} clients for {args.seconds:g} s", flush=True)
        result["load"] = load_test(ours_url, s, args.clients, args.seconds)
        print(f"   {result['load']}", flush=True)
    finally:
        stop(ours)
        if ox:
            stop(ox[0])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    sizes = [r["documents"] for r in results]
    lines = ["| | " + " | ".join(f"{n:,}" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]

    def row(label: str, f) -> None:
        vals = []
        for r in results:
            try:
                vals.append(f(r))
            except (KeyError, TypeError):
                vals.append("–")
        lines.append(f"| {label} | " + " | ".join(vals) + " |")

    for key in ("document pages", "entity pages", "search", "search, common words"):
        row(
            f"{key}, p50 / p95 (ms)",
            lambda r, k=key: f"{r['pages'][k]['p50_ms']} / {r['pages'][k]['p95_ms']}",
        )
    cases = list(results[-1].get("sparql", {}))
    for case in cases:
        row(
            f"/sparql {case}: archive / oxigraph (s), ratio",
            lambda r, c=case: "{archive_best_s} / {oxigraph_best_s} ({ratio})".format(
                **r["sparql"][c]
            ),
        )
    row(
        "load test: requests/s, errors",
        lambda r: f"{r['load']['requests_per_s']}, {r['load']['errors']}",
    )
    row("load test p50 / p95 (ms)", lambda r: f"{r['load']['p50_ms']} / {r['load']['p95_ms']}")
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
    args = ap.parse_args(argv)
    if args.table:
        print(table(json.loads(RESULTS.read_text())["results"]))
        return 0
    results = [bench_size(int(n), args) for n in args.sizes.split(",")]
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
