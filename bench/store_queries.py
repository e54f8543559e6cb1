"""Store benchmark: load N synthetic letters, then time every saved query (not a test).

    .venv/bin/python -m tests.store.bench_store load 100000 /tmp/bench-store
    .venv/bin/python -m tests.store.bench_store queries /tmp/bench-store

Figures go in docs/store.md. Timings are wall-clock on the machine it runs on.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from archive.queries import parse_params, saved_queries
from archive.store_embedded import EmbeddedStore

from .synthetic import build, synthetic_letters

# the heaviest cases in the synthetic corpus (seed 1, 100,000 letters): the sender of most
# letters (9,931), the most cited letter, the addressee of most letters (13,318)
HEAVY_ORG = "org/syn-union-nationale-pour-la-dignite-des-exiles"
CASES = [
    ("documents-by-signatory", [f"signatory={HEAVY_ORG}"]),
    ("co-signatory-pairs", []),
    ("co-signatory-pairs", ["min=50"]),
    ("co-signatories-of", [f"signatory={HEAVY_ORG}"]),
    ("citation-chain", ["work=document/synthetic-s1-000000"]),
    ("documents-per-addressee-per-year", []),
    ("documents-per-addressee-per-year", ["addressee=person/syn-isabelle-roussel-prevost"]),
    ("organisations-by-town", []),
    ("organisations-by-town", ["town=place/calais"]),
    ("entity", [f"entity={HEAVY_ORG}"]),
]


def load(n: int, path: Path, batch: int = 500) -> None:
    store = EmbeddedStore(path)
    t0 = time.perf_counter()
    letters = synthetic_letters(n)
    gen = 0.0
    written = 0
    for i in range(0, n, batch):
        g0 = time.perf_counter()
        docs = [build(x) for x in letters[i : i + batch]]
        gen += time.perf_counter() - g0
        results = store.load(docs, batch_size=batch)
        failed = [r for r in results if r.outcome.value == "failed"]
        if failed:
            raise SystemExit(f"failed: {failed[:3]}")
        written += sum(r.triples for r in results)
        if (i // batch) % 20 == 0:
            el = time.perf_counter() - t0
            print(f"{i + batch} docs {written} triples {el:.0f}s", flush=True)
    t1 = time.perf_counter()
    store.optimize()
    t2 = time.perf_counter()
    stats = store.stats()
    print(
        json.dumps(
            {
                "documents": n,
                "load_s": round(t1 - t0, 1),
                "generation_s": round(gen, 1),
                "optimize_s": round(t2 - t1, 1),
                "quads": stats.quads,
                "cosignatory_pairs": stats.cosignatory_pairs,
                "disk_mb": round(stats.disk_bytes / 1e6),
            }
        )
    )


def _extract_one(i: int) -> list:
    """Generate synthetic letter ``i`` (seed 1) as TEI and extract it, as ``archive load`` would
    (SHACL validation is left out: it is not the store's cost)."""
    import tempfile

    from archive.extract import extract_file
    from archive.synth import file_name, generate_letter

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / file_name(i, 1)
        f.write_bytes(generate_letter(i, 1))
        docs = extract_file(f).documents
    for d in docs:
        d.source = None
        d.lines = {}
    return docs


def load_real(n: int, path: Path, jobs: int = 2) -> None:
    """Letters from ``archive.synth``, extracted by ``archive.extract``, bulk-loaded."""
    from concurrent.futures import ProcessPoolExecutor

    store = EmbeddedStore(path)
    t0 = time.perf_counter()
    done = 0

    def docs():
        nonlocal done
        with ProcessPoolExecutor(jobs) as pool:
            for batch in pool.map(_extract_one, range(n), chunksize=200):
                done += 1
                if done % 10000 == 0:
                    print(f"{done} docs {time.perf_counter() - t0:.0f}s", flush=True)
                yield from batch

    results = store.load(docs())
    t1 = time.perf_counter()
    failed = [r for r in results if r.outcome.value == "failed"]
    stats = store.stats()
    print(
        json.dumps(
            {
                "documents": n,
                "failed": len(failed),
                "load_s_incl_extract_and_optimize": round(t1 - t0, 1),
                "quads": stats.quads,
                "document_triples": stats.document_triples,
                "cosignatory_pairs": stats.cosignatory_pairs,
                "disk_mb": round(stats.disk_bytes / 1e6),
            }
        ),
        flush=True,
    )


def queries(path: Path, repeat: int = 3) -> None:
    store = EmbeddedStore(path)
    saved = saved_queries()
    for name, args in CASES:
        q = saved[name]
        params = parse_params(args, q)
        times = []
        rows = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = store.query(q.text, params)
            rows = len(r.rows) if r.kind == "select" else len(r.triples)
            times.append(time.perf_counter() - t0)
        label = name + (" " + " ".join(args) if args else "")
        print(
            f"{label[:90]:90s} rows={rows:7d} first={times[0]:.3f}s best={min(times):.3f}s",
            flush=True,
        )


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "load-real":
        load_real(int(sys.argv[2]), Path(sys.argv[3]))
    elif cmd == "load":
        load(int(sys.argv[2]), Path(sys.argv[3]))
    elif cmd == "queries":
        queries(Path(sys.argv[2]))
