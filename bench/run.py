"""The archive's benchmark: ingest, the floor, saved queries, SHACL, memory (not a test).

    .venv/bin/python bench/run.py                      # 1k and 10k synthetic letters
    .venv/bin/python bench/run.py --sizes 1000,10000,100000

On this machine, in one run, for each corpus size N (synthetic letters, archive.synth):

- **ingest**: ``archive.ingest`` (parse, schema check, references, extraction, SHACL, load into
  a fresh on-disk embedded store) in its own process: seconds, documents per second, peak memory;
- **floor**: parsing the same TEI files with lxml plus bulk-loading the same quads (the store's
  own N-Quads export) into a fresh pyoxigraph store, in its own process; the ratio ingest/floor
  (goal: at most 5 at 10k);
- **queries**: every saved query (parameters chosen from the data: the most prolific signatory,
  the most cited document, the most addressed recipient, the biggest town), first run and best of
  three, on the embedded store and on an Oxigraph server serving the same store (goal: under a
  second at 100k on the embedded store);
- **growth**: adding 200 more letters to the store of size N, transactionally (per-document
  validation and loading must not slow down as the store grows);
- **SHACL**: ``bench/shacl_speed.py`` (pySHACL one graph at a time against the compiled shapes,
  same graphs, same run; goal: 10x at 10k), up to ``--shacl-max`` documents.

Figures go to ``bench/results/bench.json`` and a table to the terminal. Work files (corpus,
stores, dumps) go to ``--workdir`` (default ``bench/work``, git-ignored) and are reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
GROWTH = 200


# --- helpers run in child processes (``bench/run.py _ingest ...``) -----------------------------


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # Linux: kilobytes


def child_ingest(listing: str, store_dir: str, jobs: str) -> dict:
    from archive.store import open_store
    from archive.store.ingest import ingest

    files = [Path(p) for p in Path(listing).read_text().split("\n") if p]
    t0 = time.perf_counter()
    with open_store(store_dir) as store:
        report = ingest(files, store, jobs=int(jobs))
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "counts": report.counts,
        "rejected": len(report.rejected),
        "peak_rss_mb": peak_rss_mb(),
    }


def child_floor(listing: str, dump: str, store_dir: str) -> dict:
    import pyoxigraph as ox
    from lxml import etree

    files = [Path(p) for p in Path(listing).read_text().split("\n") if p]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    t0 = time.perf_counter()
    for f in files:
        etree.fromstring(f.read_bytes(), parser)
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store = ox.Store(store_dir)
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    store.flush()
    load_s = time.perf_counter() - t0
    return {
        "parse_seconds": parse_s,
        "bulk_load_seconds": load_s,
        "seconds": parse_s + load_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_growth(listing: str, store_dir: str) -> dict:
    """Add letters to a store of size N: validation alone, then validation and loading."""
    from archive.store import open_store
    from archive.store.ingest import ingest
    from archive.validate.record import validate_readable

    files = [Path(p) for p in Path(listing).read_text().split("\n") if p]
    t0 = time.perf_counter()
    for f in files:
        validate_readable(f, tei_all="auto")
    validate_s = time.perf_counter() - t0
    with open_store(store_dir) as store:
        t0 = time.perf_counter()
        report = ingest(files, store, jobs=1, bulk=False)
        seconds = time.perf_counter() - t0
    n = max(1, len(files))
    return {
        "documents": report.counts["loaded"],
        "seconds": seconds,
        "ms_per_document": 1000 * seconds / n,
        "validate_ms_per_document": 1000 * validate_s / n,
        "store_ms_per_document": 1000 * max(0.0, seconds - validate_s) / n,
    }


def child(argv: list[str]) -> None:
    fn = {"_ingest": child_ingest, "_floor": child_floor, "_growth": child_growth}[argv[0]]
    print(json.dumps(fn(*argv[1:])))


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the measurements -----------------------------------------------------------------------


def corpus(workdir: Path, n: int, seed: int) -> list[Path]:
    """The first n letters of the seed's corpus (generated once, reused: 1k is a prefix of 10k)."""
    from archive.synth.generate import file_name, generate_corpus

    folder = workdir / f"corpus-s{seed}"
    missing = [i for i in range(n) if not (folder / file_name(i, seed)).exists()]
    if missing:
        t0 = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        generate_corpus(n, seed, folder, start=missing[0])
        print(
            f"  generated letters {missing[0]}..{n - 1} in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
    return [folder / file_name(i, seed) for i in range(n)]


def listing(workdir: Path, name: str, files: list[Path]) -> str:
    path = workdir / f"{name}.txt"
    path.write_text("\n".join(str(f) for f in files))
    return str(path)


def choose_params(store) -> dict[str, dict[str, str]]:
    """Parameters for the saved queries, taken from the data: the heaviest cases."""

    from archive.rdf.namespaces import sparql_prefixes

    def one(query: str) -> str | None:
        rows = store.query(sparql_prefixes() + query).values()
        return rows[0][0] if rows else None

    signatory = one(
        "SELECT ?s WHERE { ?d schema:sender ?s } GROUP BY ?s ORDER BY DESC(COUNT(?d)) LIMIT 1"
    )
    cited = one("SELECT ?w WHERE { ?d cito:cites ?w } GROUP BY ?w ORDER BY DESC(COUNT(?d)) LIMIT 1")
    addressee = one(
        "SELECT ?a WHERE { ?d schema:toRecipient ?a } GROUP BY ?a ORDER BY DESC(COUNT(?d)) LIMIT 1"
    )
    town = one(
        "SELECT ?t WHERE { ?o schema:location ?t } GROUP BY ?t ORDER BY DESC(COUNT(?o)) LIMIT 1"
    )
    return {
        "documents-by-signatory": {"signatory": f"<{signatory}>"},
        "co-signatory-pairs": {},
        "co-signatories-of": {"signatory": f"<{signatory}>"},
        "citation-chain": {"work": f"<{cited}>"},
        "documents-per-addressee-per-year": {},
        "documents-per-addressee-per-year (one addressee)": {"addressee": f"<{addressee}>"},
        "organisations-by-town": {},
        "organisations-by-town (one town)": {"town": f"<{town}>"},
        "entity": {"entity": f"<{signatory}>"},
    }


def time_queries(store, cases: dict[str, dict[str, str]], repeat: int = 3) -> dict[str, dict]:
    from archive.store.queries import parse_params, saved_queries

    saved = saved_queries()
    out = {}
    for label, params in cases.items():
        name = label.split(" (")[0]
        q = saved[name]
        bound = parse_params([f"{k}={v}" for k, v in params.items()], q, store.base)
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = store.query(q.text, bound)
            rows = len(result.rows)
            times.append(time.perf_counter() - t0)
        out[label] = {"rows": rows, "first_s": round(times[0], 4), "best_s": round(min(times), 4)}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_queries(store_dir: Path, cases: dict[str, dict[str, str]]) -> dict[str, dict]:
    """The same queries through an Oxigraph server serving the same store folder."""
    from archive.store import open_store

    binary = shutil.which("oxigraph", path=str(Path(PYTHON).parent)) or shutil.which("oxigraph")
    if not binary:
        return {"skipped": "no oxigraph server binary (pip install oxigraph)"}
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(store_dir), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        store = open_store(endpoint=url, timeout=600.0)
        return time_queries(store, cases)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def shacl(n: int, seed: int, out: Path) -> dict:
    subprocess.run(
        [
            PYTHON,
            str(BENCH / "shacl_speed.py"),
            "--n",
            str(n),
            "--seed",
            str(seed),
            "--out",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(out.read_text())


def bench_size(n: int, args: argparse.Namespace) -> dict:
    from archive.store import open_store

    work = args.workdir
    print(f"== {n:,} letters", flush=True)
    files = corpus(work, n + GROWTH, args.seed)
    main, extra = files[:n], files[n:]
    store_dir = work / f"store-{n}"
    floor_dir = work / f"floor-{n}"
    dump = work / f"dump-{n}.nq"
    for d in (store_dir, floor_dir):
        shutil.rmtree(d, ignore_errors=True)
    result: dict = {"documents": n}

    ingest = run_child("_ingest", listing(work, f"files-{n}", main), str(store_dir), str(args.jobs))
    ingest["docs_per_second"] = round(n / ingest["seconds"], 1)
    result["ingest"] = ingest
    print(
        f"  ingest: {ingest['seconds']:.1f} s, {ingest['docs_per_second']} docs/s, "
        f"peak {ingest['peak_rss_mb']} MB",
        flush=True,
    )

    with open_store(store_dir) as store:
        stats = store.stats()
        result["quads"] = stats.quads
        result["document_triples"] = stats.document_triples
        with open(dump, "wb") as fh:
            store.export(fh, "nquads", include_internal=True)
        cases = choose_params(store)
        result["queries_embedded"] = time_queries(store, cases)
    result["disk_mb"] = round(
        sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / 1e6, 1
    )
    worst = max(q["best_s"] for q in result["queries_embedded"].values())
    print(
        f"  {result['quads']:,} quads; slowest saved query (embedded, best of 3): {worst:.3f} s",
        flush=True,
    )

    floor = run_child("_floor", listing(work, f"files-{n}", main), str(dump), str(floor_dir))
    result["floor"] = floor
    result["ingest_over_floor"] = round(ingest["seconds"] / floor["seconds"], 2)
    print(
        f"  floor: {floor['seconds']:.1f} s (parse {floor['parse_seconds']:.1f} s, bulk load "
        f"{floor['bulk_load_seconds']:.1f} s); ingest/floor = {result['ingest_over_floor']}",
        flush=True,
    )
    shutil.rmtree(floor_dir, ignore_errors=True)
    dump.unlink(missing_ok=True)

    if not args.no_server:
        result["queries_server"] = server_queries(store_dir, cases)
        if "skipped" not in result["queries_server"]:
            worst = max(q["best_s"] for q in result["queries_server"].values())
            print(f"  slowest saved query (Oxigraph server, best of 3): {worst:.3f} s", flush=True)

    growth = run_child("_growth", listing(work, f"extra-{n}", extra), str(store_dir))
    result["growth"] = growth
    print(
        f"  adding {GROWTH} letters to it: {growth['ms_per_document']:.1f} ms per letter",
        flush=True,
    )

    if n <= args.shacl_max:
        s = shacl(n, args.seed, work / f"shacl-{n}.json")
        result["shacl"] = s
        print(
            f"  SHACL: pySHACL {s['pyshacl']['docs_per_second']} docs/s, compiled "
            f"{s['fast']['docs_per_second']} docs/s, ratio {s['ratio']}x, documents with "
            f"different findings: {s['documents_with_different_findings']}",
            flush=True,
        )
    if not args.keep:
        shutil.rmtree(store_dir, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    sizes = [r["documents"] for r in results]
    head = f"{'':44}" + "".join(f"{n:>14,}" for n in sizes)
    rows = [head]

    def row(label: str, values: list) -> None:
        rows.append(f"{label:44}" + "".join(f"{v:>14}" for v in values))

    row("quads", [f"{r['quads']:,}" for r in results])
    row("ingest docs/s", [r["ingest"]["docs_per_second"] for r in results])
    row("ingest / floor (goal <= 5 at 10k)", [r["ingest_over_floor"] for r in results])
    row("ingest peak memory (MB)", [r["ingest"]["peak_rss_mb"] for r in results])
    row("floor peak memory (MB)", [r["floor"]["peak_rss_mb"] for r in results])
    row("store on disk (MB)", [r["disk_mb"] for r in results])
    row(
        "add a letter to the store (ms)",
        [round(r["growth"]["ms_per_document"], 1) for r in results],
    )
    row(
        "  of which validation (ms)",
        [round(r["growth"]["validate_ms_per_document"], 1) for r in results],
    )
    row(
        "  of which the store (ms)",
        [round(r["growth"]["store_ms_per_document"], 1) for r in results],
    )
    row(
        "SHACL compiled / pySHACL (goal >= 10)",
        [r.get("shacl", {}).get("ratio", "-") for r in results],
    )
    for where in ("embedded", "server"):
        if all(isinstance(r.get(f"queries_{where}", {}).get("entity"), dict) for r in results):
            row(
                f"slowest query, first run, {where} (s)",
                [max(q["first_s"] for q in r[f"queries_{where}"].values()) for r in results],
            )
    for label in results[0]["queries_embedded"]:
        row(f"q {label[:36]} (s)", [r["queries_embedded"][label]["best_s"] for r in results])
    if "queries_server" in results[0] and "skipped" not in results[0]["queries_server"]:
        for label in results[0]["queries_server"]:
            row(f"server {label[:31]} (s)", [r["queries_server"][label]["best_s"] for r in results])
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--shacl-max",
        type=int,
        default=10_000,
        help="largest size at which pySHACL is run (it does ~30-75 docs/s)",
    )
    ap.add_argument("--no-server", action="store_true", help="skip the Oxigraph server queries")
    ap.add_argument("--keep", action="store_true", help="keep the stores in the workdir")
    ap.add_argument("--workdir", type=Path, default=BENCH / "work")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "bench.json")
    ap.add_argument(
        "--table", action="store_true", help="only print the table of the figures in --out"
    )
    args = ap.parse_args(argv)
    if args.table:
        print(table(json.loads(args.out.read_text(encoding="utf-8"))["sizes"]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = [bench_size(n, args) for n in sizes]
    from archive import __version__

    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "archive": __version__,
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "jobs": args.jobs,
        "seed": args.seed,
        "sizes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(results))
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child(sys.argv[1:])
    else:
        sys.exit(main())
