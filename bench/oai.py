"""The OAI-PMH provider's speed: a full ListRecords harvest in oai_dc, page by page.

A harvester's whole walk through the archive: ``ListRecords&metadataPrefix=oai_dc``, then
every resumption token until the list ends, each page answered by
:class:`archive.oai.Provider` (the code behind ``/oai``, without the HTTP round trip, which
adds the same small cost to every page). Printed: records, pages, records per second, and the
time of one page (p50, p95, max; the first and the last page, since a harvest must not slow
down as it goes), wall and CPU time. Every page is parsed and its records counted.

The store is opened read-only, and its search index (which keeps the TEI files the
``description`` falls back on) through SQLite's read-only mode: nothing is written, so the
shared 100k store can be measured as it is.

    .venv/bin/python bench/oai.py --store /work/scratch/bench100k/store
    .venv/bin/python bench/oai.py --generate 2000        # a store of its own, in a temp folder

Figures go to bench/results/oai.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "oai.json"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BASE = "https://advocacy-archive.example"


class ReadOnlySources:
    """The TEI files of a search index, read through SQLite's read-only mode."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def source(self, sha256: str) -> tuple[str, bytes] | None:
        row = self.conn.execute(
            "SELECT name, data FROM sources WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return (row[0], zlib.decompress(row[1])) if row else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]


def harvest(store_path: Path, page_size: int) -> dict:
    from archive.oai import Provider, ProviderSettings
    from archive.store import open_store

    store = open_store(store_path, read_only=True, base=os.environ.get("ARCHIVE_BASE", BASE))
    index_file = store_path.with_name(store_path.name + ".search.sqlite")
    index = ReadOnlySources(index_file) if index_file.exists() else None
    provider = Provider(store, index, ProviderSettings(page_size=page_size))  # type: ignore[arg-type]
    args = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]
    times: list[float] = []
    records = deleted = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while True:
        t = time.perf_counter()
        data = provider.respond(args, "http://127.0.0.1:8000/oai")
        times.append(time.perf_counter() - t)
        root = etree.fromstring(data)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise SystemExit(f"the provider answered {error.get('code')}: {error.text}")
        for header in root.iter(f"{OAI}header"):
            records += 1
            deleted += header.get("status") == "deleted"
        token = root.findtext(f".//{OAI}resumptionToken")
        if not token:
            break
        args = [("verb", "ListRecords"), ("resumptionToken", token)]
        if len(times) % 100 == 0:
            print(f"  {records:,} records, {len(times):,} pages", file=sys.stderr)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    return {
        "store": str(store_path),
        "documents": records - deleted,
        "deleted": deleted,
        "page_size": page_size,
        "pages": len(times),
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "records_per_second": round(records / wall, 1),
        "page_ms": {
            "p50": round(pct(times, 50) * 1000, 1),
            "p95": round(pct(times, 95) * 1000, 1),
            "max": round(max(times) * 1000, 1),
            "first": round(times[0] * 1000, 1),
            "last_full": round(times[-2 if len(times) > 1 else -1] * 1000, 1),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def generate(n: int, work: Path) -> Path:
    archive = [sys.executable, "-m", "archive"]
    corpus, store = work / "corpus", work / "store"
    env = {**os.environ, "ARCHIVE_BASE": BASE}
    subprocess.run(
        [*archive, "generate", str(n), "--seed", "1", "--out", str(corpus)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*archive, "load", "--store", str(store), str(corpus)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return store


def table(r: dict) -> str:
    p = r["page_ms"]
    return "\n".join(
        [
            f"full ListRecords harvest, oai_dc, {r['page_size']} records a page",
            f"  records         {r['documents']:,} (+{r['deleted']:,} deleted) "
            f"in {r['pages']:,} pages",
            f"  time            {r['seconds']:,} s wall, {r['cpu_seconds']:,} s CPU",
            f"  records/second  {r['records_per_second']:,}",
            f"  one page (ms)   p50 {p['p50']}  p95 {p['p95']}  max {p['max']}  "
            f"first {p['first']}  last full {p['last_full']}",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="an existing embedded store (opened read-only)")
    ap.add_argument("--generate", type=int, metavar="N", help="generate and load N letters")
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--keep", action="store_true", help="keep the generated store")
    opts = ap.parse_args()
    if not opts.store and not opts.generate:
        ap.error("give --store PATH or --generate N")
    work = None
    try:
        if opts.store:
            store = opts.store
        else:
            work = Path(tempfile.mkdtemp(prefix="oai-bench-"))
            print(f"generating and loading {opts.generate:,} letters in {work}", file=sys.stderr)
            store = generate(opts.generate, work)
        result = harvest(store, opts.page_size)
    finally:
        if work is not None and not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps([*previous, result], indent=2) + "\n")
    print(table(result))
    print("(measured on whatever machine ran it; a shared, loaded machine gives slower figures)")


if __name__ == "__main__":
    main()
