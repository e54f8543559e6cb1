"""The archive's benchmark: ingest, the floor, saved and natural queries, memory (not a test).

    .venv/bin/python bench/run.py                      # 1k and 10k synthetic letters
    .venv/bin/python bench/run.py --sizes 1000,10000,100000

On this machine, in one run, for each corpus size N (synthetic letters, archive.synth):

- **ingest**: ``archive.ingest`` (parse, schema check, references, extraction, SHACL, load into
  a fresh on-disk embedded store) in its own process: seconds, documents per second, peak memory;
- **floor**: parsing the same TEI files with lxml plus bulk-loading the same quads (the store's
  own N-Quads export) into a fresh pyoxigraph store, in its own process; the ratio ingest/floor
  (goal: at most 2 at 10k);
- **export**: ``archive export --include-internal`` of the whole store to a file, in its own
  process: seconds and peak memory (goal: flat, whatever the store's size);
- **queries**: every saved query and every natural query (``queries/natural/``: written as a
  researcher would, no DISTINCT, no index terms), parameters chosen from the data (the most
  prolific signatory, the most cited document), first run and best of three, on the embedded
  store, on an Oxigraph server serving the same store, and on Virtuoso (where installed) loaded
  with the same quads; each natural query's ratio to the saved query that answers the same
  question (goal: at most 5, and under 5 s at 100k on the embedded store; the saved queries
  under a second at 100k);
- **adding letters**: ``--add`` more letters ingested into the store of size N and into an empty
  store, each in its own process (goal: at most 2x slower into the full store);
- **SHACL**: ``bench/shacl_speed.py`` (pySHACL one graph at a time against the compiled shapes,
  same graphs, same run; goal: 10x at 10k), up to ``--shacl-max`` documents.

Figures go to ``bench/results/bench.json`` and a table to the terminal. Work files (corpus,
stores, dumps) go to ``--workdir`` (default ``bench/work``, git-ignored); the stores and dumps of
a size are deleted when it is done (``--keep`` keeps them).
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
SLOW = 60.0  # s: a query whose first run takes longer is not repeated


# --- helpers run in child processes (``bench/run.py _ingest ...``) -----------------------------


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of its finished children (workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
        "cpu_seconds": round(cpu_seconds(), 1),
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
        "cpu_seconds": round(cpu_seconds(), 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def child_export(store_dir: str, dump: str) -> dict:
    from archive.fsutil import atomic_writer
    from archive.store import open_store

    t0 = time.perf_counter()
    with open_store(store_dir, read_only=True) as store, atomic_writer(Path(dump)) as fh:
        n = store.export(fh, "nquads", include_internal=True)
    return {
        "seconds": time.perf_counter() - t0,
        "statements": n,
        "bytes": Path(dump).stat().st_size,
        "peak_rss_mb": peak_rss_mb(),
    }


def child(argv: list[str]) -> None:
    fn = {"_ingest": child_ingest, "_floor": child_floor, "_export": child_export}[argv[0]]
    print(json.dumps(fn(*argv[1:])))


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the measurements -----------------------------------------------------------------------


def corpus(workdir: Path, n: int, seed: int, folder: Path | None = None) -> list[Path]:
    """The first n letters of the seed's corpus (generated once, reused: 1k is a prefix of 10k)."""
    from archive.synth.generate import file_name, generate_corpus

    folder = folder or workdir / f"corpus-s{seed}"
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


def choose_params(store) -> dict[str, str]:
    """Parameters from the data: the heaviest cases."""

    def one(query: str) -> str:
        rows = store.query(query).values()
        return f"<{rows[0][0]}>"

    signatory = one(
        "SELECT ?s WHERE { ?d schema:sender ?s } GROUP BY ?s ORDER BY DESC(COUNT(?d)) LIMIT 1"
    )
    return {
        "signatory": signatory,
        "entity": signatory,
        "work": one(
            "SELECT ?w WHERE { ?d cito:cites ?w } GROUP BY ?w ORDER BY DESC(COUNT(?d)) LIMIT 1"
        ),
        "addressee": one(
            "SELECT ?a WHERE { ?d schema:toRecipient ?a } GROUP BY ?a "
            "ORDER BY DESC(COUNT(?d)) LIMIT 1"
        ),
        "town": one(
            "SELECT ?t WHERE { ?o schema:location ?t } GROUP BY ?t ORDER BY DESC(COUNT(?o)) LIMIT 1"
        ),
    }


def cases(params: dict[str, str]) -> list[tuple[str, object, dict[str, str]]]:
    """(label, query, parameters): every saved query (required parameters only, plus the
    one-addressee and one-town forms), then every natural query."""
    from archive.store.queries import NATURAL_QUERIES, saved_queries

    out: list[tuple[str, object, dict[str, str]]] = []
    for name, q in saved_queries().items():
        required = {p.name: params[p.name] for p in q.params if p.required}
        out.append((name, q, required))
        if name == "documents-per-addressee-per-year":
            out.append((f"{name} (one addressee)", q, {"addressee": params["addressee"]}))
        if name == "organisations-by-town":
            out.append((f"{name} (one town)", q, {"town": params["town"]}))
    for name, q in saved_queries([NATURAL_QUERIES]).items():
        out.append((f"natural {name}", q, {p.name: params[p.name] for p in q.params}))
    return out


def time_queries(store, params: dict[str, str], repeat: int = 3) -> dict[str, dict]:
    from archive.store.queries import parse_params

    out: dict[str, dict] = {}
    for label, q, given in cases(params):
        bound = parse_params([f"{k}={v}" for k, v in given.items()], q, store.base)
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            try:
                result = store.query(q.text, bound)  # type: ignore[attr-defined]
            except Exception as exc:  # a server's time-out or refusal is a figure too
                out[label] = {"error": str(exc)[:200]}
                break
            rows = len(result.rows)
            times.append(time.perf_counter() - t0)
            if times[0] > SLOW:
                break
        if label in out:
            continue
        entry = {"rows": rows, "first_s": round(times[0], 4), "best_s": round(min(times), 4)}
        matches = getattr(q, "matches", "")
        if matches:
            entry["matches"] = matches
        out[label] = entry
        print(f"    {label}: {entry['best_s']:.3f} s ({rows} rows)", flush=True)
    for entry in out.values():
        saved = out.get(entry.get("matches", ""), {})
        if "best_s" in entry and saved.get("best_s"):
            entry["ratio"] = round(entry["best_s"] / saved["best_s"], 2)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_queries(store_dir: Path, params: dict[str, str]) -> dict[str, dict]:
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
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        store = open_store(endpoint=url, timeout=1800.0)
        return time_queries(store, params)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def virtuoso_queries(
    work: Path, dump: Path, params: dict[str, str], memory_gb: float = 2.0
) -> dict:
    """Virtuoso, where installed: the same quads bulk-loaded, the same queries."""
    sys.path.insert(0, str(BENCH))
    import virtuoso

    from archive.rdf.uris import URIs
    from archive.store import open_store

    if not virtuoso.available():
        return {"skipped": "Virtuoso is not installed (apt-get install virtuoso-opensource)"}
    folder = work / "virtuoso"
    server = virtuoso.Virtuoso(folder, memory_gb=memory_gb)
    try:
        data = folder / "store.nq"
        t0 = time.perf_counter()
        quads = virtuoso.virtuoso_dump(dump, data, URIs().base)
        convert = time.perf_counter() - t0
        seconds = server.bulk_load(data)
        data.unlink()
        print(f"  Virtuoso: {quads:,} quads bulk-loaded in {seconds:.0f} s", flush=True)
        store = open_store(endpoint=server.url, timeout=1800.0)
        result: dict = {"load_s": round(seconds, 1), "convert_s": round(convert, 1)}
        result["queries"] = time_queries(store, params)
        store.close()
        return result
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


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
    shared = args.store is not None  # a store built before (read only: never written here)
    files = corpus(work, n + (0 if shared else args.add), args.seed, args.corpus)
    main, extra = files[:n], files[n:]
    store_dir = args.store if shared else work / f"store-{n}"
    floor_dir = work / f"floor-{n}"
    empty_dir = work / f"empty-{n}"
    dump = work / f"dump-{n}.nq"
    for d in (floor_dir, empty_dir) if shared else (store_dir, floor_dir, empty_dir):
        shutil.rmtree(d, ignore_errors=True)
    result: dict = {"documents": n}

    if shared:  # its build was the ingest: `bench/run.py _ingest LISTING STORE JOBS > FILE`
        ingest = json.loads(args.ingest_figures.read_text(encoding="utf-8"))
        assert ingest["counts"]["loaded"] == n, ingest["counts"]
    else:
        listed = listing(work, f"files-{n}", main)
        ingest = run_child("_ingest", listed, str(store_dir), str(args.jobs))
    ingest["docs_per_second"] = round(n / ingest["seconds"], 1)
    result["ingest"] = ingest
    print(
        f"  ingest: {ingest['seconds']:.1f} s, {ingest['docs_per_second']} docs/s, "
        f"peak {ingest['peak_rss_mb']} MB",
        flush=True,
    )

    export = run_child("_export", str(store_dir), str(dump))
    result["export"] = export
    print(
        f"  export: {export['statements']:,} statements, {export['bytes'] / 1e6:,.0f} MB in "
        f"{export['seconds']:.0f} s, peak {export['peak_rss_mb']} MB",
        flush=True,
    )

    with open_store(store_dir, read_only=True) as store:
        stats = store.stats()
        result["quads"] = stats.quads
        result["document_triples"] = stats.document_triples
        result["merged_triples"] = stats.merged_triples
        result["cosignatory_pairs"] = stats.cosignatory_pairs
        params = choose_params(store)
        print("  queries, embedded:", flush=True)
        result["queries_embedded"] = time_queries(store, params)
    result["disk_mb"] = round(
        sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / 1e6, 1
    )

    floor = run_child("_floor", listing(work, f"files-{n}", main), str(dump), str(floor_dir))
    result["floor"] = floor
    result["ingest_over_floor"] = round(ingest["seconds"] / floor["seconds"], 2)
    result["ingest_over_floor_cpu"] = round(ingest["cpu_seconds"] / floor["cpu_seconds"], 2)
    print(
        f"  floor: {floor['seconds']:.1f} s (parse {floor['parse_seconds']:.1f} s, bulk load "
        f"{floor['bulk_load_seconds']:.1f} s); ingest/floor = {result['ingest_over_floor']} "
        f"(CPU time: {ingest['cpu_seconds']} s / {floor['cpu_seconds']} s = "
        f"{result['ingest_over_floor_cpu']})",
        flush=True,
    )
    shutil.rmtree(floor_dir, ignore_errors=True)

    if not args.no_server:
        print("  queries, Oxigraph server:", flush=True)
        result["queries_server"] = server_queries(store_dir, params)
    if not args.no_virtuoso:
        result["virtuoso"] = virtuoso_queries(work, dump, params, args.virtuoso_gb)
    dump.unlink(missing_ok=True)

    if shared:
        result["adding"] = {"skipped": "the shared store is read-only"}
        return result
    adding = listing(work, f"extra-{n}", extra)
    into_empty = run_child("_ingest", adding, str(empty_dir), str(args.jobs))
    into_full = run_child("_ingest", adding, str(store_dir), str(args.jobs))
    shutil.rmtree(empty_dir, ignore_errors=True)
    result["adding"] = {
        "documents": len(extra),
        "into_empty": into_empty,
        "into_full": into_full,
        "ratio": round(into_full["seconds"] / into_empty["seconds"], 2),
    }
    print(
        f"  adding {len(extra)} letters: {into_full['seconds']:.1f} s into the store of {n:,} "
        f"({into_full['peak_rss_mb']} MB), {into_empty['seconds']:.1f} s into an empty one "
        f"({into_empty['peak_rss_mb']} MB): {result['adding']['ratio']}x",
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


def _cell(entry: dict | None) -> str:
    """first run / best of three, in seconds, and the ratio to the matching saved query."""
    if not entry or "best_s" not in entry:
        return "-" if not entry else "error"
    text = f"{entry['first_s']:.2f}/{entry['best_s']:.2f}"
    return text + (f" x{entry['ratio']:g}" if "ratio" in entry else "")


def table(results: list[dict]) -> str:
    sizes = [r["documents"] for r in results]
    head = f"{'':52}" + "".join(f"{n:>20,}" for n in sizes)
    rows = [head]

    def row(label: str, values: list) -> None:
        rows.append(f"{label:52}" + "".join(f"{v:>20}" for v in values))

    row("quads", [f"{r['quads']:,}" for r in results])
    row(
        "triples in documents / in the merged graph",
        [f"{r['document_triples'] / max(1, r['merged_triples']):.1f}x" for r in results],
    )
    row("ingest docs/s", [r["ingest"]["docs_per_second"] for r in results])
    row("ingest / floor (goal <= 2 at 10k)", [r["ingest_over_floor"] for r in results])
    row("ingest / floor in CPU time", [r.get("ingest_over_floor_cpu", "-") for r in results])
    row(
        "ingest peak memory (MB) (goal < 500 at 100k)",
        [r["ingest"]["peak_rss_mb"] for r in results],
    )
    row("floor peak memory (MB)", [r["floor"]["peak_rss_mb"] for r in results])
    row("export peak memory (MB)", [r["export"]["peak_rss_mb"] for r in results])
    row("export MB of N-Quads", [round(r["export"]["bytes"] / 1e6) for r in results])
    row("store on disk (MB)", [r["disk_mb"] for r in results])
    row(
        "adding letters: into full / into empty (goal <= 2)",
        [r["adding"].get("ratio", "-") for r in results],
    )
    row(
        "SHACL compiled / pySHACL (goal >= 10)",
        [r.get("shacl", {}).get("ratio", "-") for r in results],
    )
    rows.append("queries: first run / best of 3, seconds; xN: natural over the saved query")
    backends = [
        ("emb", lambda r: r.get("queries_embedded", {})),
        ("srv", lambda r: r.get("queries_server", {})),
        ("vir", lambda r: r.get("virtuoso", {}).get("queries", {})),
    ]
    labels = list(dict.fromkeys(k for r in results for k in r.get("queries_embedded", {})))
    for label in labels:
        for where, of in backends:
            entries = [of(r).get(label) for r in results]
            if any(entries):
                row(f"{where} {label[:47]}", [_cell(e) for e in entries])
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--add", type=int, default=1000, help="letters added to the full store")
    ap.add_argument(
        "--shacl-max",
        type=int,
        default=10_000,
        help="largest size at which pySHACL is run (it does ~30-75 docs/s)",
    )
    ap.add_argument("--no-server", action="store_true", help="skip the Oxigraph server queries")
    ap.add_argument("--no-virtuoso", action="store_true", help="skip Virtuoso")
    ap.add_argument(
        "--virtuoso-gb",
        type=float,
        default=2.0,
        help="Virtuoso's buffers (6 for the 39 million quads of 100,000 letters)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the stores in the workdir")
    ap.add_argument("--workdir", type=Path, default=BENCH / "work")
    ap.add_argument(
        "--store",
        type=Path,
        help="an existing store of the one size given (read only: its build was the ingest; "
        "no letters are added to it)",
    )
    ap.add_argument("--ingest-figures", type=Path, help="with --store: its build's figures")
    ap.add_argument("--corpus", type=Path, help="the letters' folder (default: in --workdir)")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "bench.json")
    ap.add_argument(
        "--table", action="store_true", help="only print the table of the figures in --out"
    )
    args = ap.parse_args(argv)
    if args.table:
        print(table(json.loads(args.out.read_text(encoding="utf-8"))["sizes"]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.store and (len(sizes) != 1 or not args.ingest_figures):
        ap.error("--store needs one size and --ingest-figures")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = [bench_size(n, args) for n in sizes]
    for r in results:
        r["when"] = datetime.now(UTC).isoformat(timespec="seconds")
        r["load_average"] = os.getloadavg()
    from archive import __version__

    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "archive": __version__,
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average": os.getloadavg(),
        "jobs": args.jobs,
        "seed": args.seed,
        "sizes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():  # figures of other sizes, from earlier runs, stay (with their date)
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
        measured = {r["documents"] for r in results}
        kept = [r for r in earlier.get("sizes", []) if r["documents"] not in measured]
        for r in kept:
            r.setdefault("when", earlier.get("when"))
        figures["sizes"] = sorted(kept + results, key=lambda r: r["documents"])
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(figures["sizes"]))
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child(sys.argv[1:])
    else:
        sys.exit(main())
