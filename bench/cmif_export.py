"""Benchmark: the CMIF export of a whole store (what `archive cmif` and `{base}/cmif.xml` do).

    .venv/bin/python bench/cmif_export.py [--n 10000] [--seed 1] [--keep]

Generates ``n`` synthetic letters (`archive generate`), loads them into a fresh embedded store
(bulk path), then times the export twice (wall and CPU time): reading the letters from the
store (one SPARQL query per 500 documents) and writing the file; a third run measures the peak
Python memory (tracemalloc, which slows the code, so it is not timed). Prints letters per
second, the file's size and the peak memory, and writes the figures to
``bench/results/cmif.json``. The work folder (bench/work/cmif-N) is deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import shutil
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from archive.interchange.cmif import CmifHeader, build_cmif  # noqa: E402
from archive.interchange.letters import letters_from_store  # noqa: E402
from archive.rdf.extract import extract_file  # noqa: E402
from archive.store.embedded import EmbeddedStore  # noqa: E402
from archive.synth.generate import iter_corpus  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cmif.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    work = ROOT / "bench" / "work" / f"cmif-{args.n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        t = time.perf_counter()
        docs = [
            d
            for p in iter_corpus(args.n, args.seed, work / "tei")
            for d in extract_file(p).documents
        ]
        prepared = time.perf_counter() - t
        store = EmbeddedStore(work / "store")
        store.load(docs, bulk=True)
        del docs
        figures = {}
        # Timed runs without tracemalloc (it slows Python code several times), CPU time beside
        # wall time (the machine may be shared); then one run for the peak memory alone.
        for run in ("first", "second", "memory"):
            if run == "memory":
                tracemalloc.start()
            t0, c0 = time.perf_counter(), time.process_time()
            letters = letters_from_store(store)
            t1, c1 = time.perf_counter(), time.process_time()
            out = io.BytesIO()
            export = build_cmif(letters, out, store.base, CmifHeader(date="2026-11-26T00:00:00Z"))
            t2, c2 = time.perf_counter(), time.process_time()
            if run == "memory":
                figures["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
                tracemalloc.stop()
                continue
            figures[run] = {
                "read_seconds": round(t1 - t0, 2),
                "read_cpu_seconds": round(c1 - c0, 2),
                "write_seconds": round(t2 - t1, 2),
                "write_cpu_seconds": round(c2 - c1, 2),
                "letters_per_second": round(export.letters / (t2 - t0), 1),
            }
            print(run, figures[run], flush=True)
        store.close()
        result = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "letters": export.letters,
            "file_mb": round(len(out.getvalue()) / 1e6, 1),
            "prepare_seconds": round(prepared, 1),
            **figures,
        }
        print(json.dumps(result, indent=2))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
