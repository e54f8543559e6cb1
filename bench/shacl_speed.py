"""Benchmark: the fast SHACL engine against pySHACL, one document graph at a time, same run.

    .venv/bin/python bench/shacl_speed.py [--n 10000] [--source synth|letter] [--pyshacl-n N]

Both engines validate the same document graphs (synthetic letters when ``archive.synth`` can
write them, otherwise the project's letter repeated under distinct document URIs), each graph
on its own, findings included. The script prints documents per second for each engine and
their ratio, checks that every document got the same findings from both, and writes the
figures to ``bench/results/shacl.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from rdflib import URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from archive.rdf.docgraph import DocumentGraph  # noqa: E402
from archive.rdf.extract import extract_file, extract_parsed  # noqa: E402
from archive.shacl.reference import validate_document  # noqa: E402
from archive.shacl.run import compile_shapes, validate_document_fast  # noqa: E402
from archive.tei.parse import parse_bytes  # noqa: E402

LETTER = ROOT / "tei" / "calais-2014-07-10.xml"
RESULTS = ROOT / "bench" / "results" / "shacl.json"


def synthetic_documents(n: int, seed: int) -> Iterator[DocumentGraph]:
    from archive.synth import generate as synth

    for i in range(n):
        data = synth.generate_letter(i, seed)
        yield from extract_parsed(parse_bytes(data), f"synthetic-{i}.xml").documents


def letter_copies(n: int) -> Iterator[DocumentGraph]:
    """The letter n times; each copy's document and graph URIs carry its number."""
    doc = extract_file(LETTER).documents[0]
    for i in range(n):
        slug = f"{doc.slug}-copy-{i}"

        def rename(term, slug=slug):
            if isinstance(term, URIRef) and doc.slug in term:
                return URIRef(str(term).replace(doc.slug, slug))
            return term

        triples = [(rename(s), p, rename(o)) for s, p, o in doc.triples]
        yield DocumentGraph(
            slug,
            rename(URIRef(doc.uri)),
            rename(URIRef(doc.graph)),
            triples,
            source=doc.source,
            lines=doc.lines,
        )


def key(f) -> tuple:
    return (f.rule, f.severity.value, f.message, f.focus, f.path, f.value, f.line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="document graphs (default 10000)")
    ap.add_argument(
        "--source",
        choices=["synth", "letter"],
        default=None,
        help="synthetic letters (default when archive.synth has them) or the letter",
    )
    ap.add_argument("--seed", type=int, default=1, help="synthetic corpus seed")
    ap.add_argument(
        "--pyshacl-n",
        type=int,
        default=None,
        help="validate only the first N graphs with pySHACL (default: all)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")

    source = args.source
    if source is None:
        try:
            from archive.synth import generate as synth

            source = "synth" if hasattr(synth, "generate_letter") else "letter"
        except ImportError:
            source = "letter"

    t0 = time.perf_counter()
    docs = list(
        synthetic_documents(args.n, args.seed) if source == "synth" else letter_copies(args.n)
    )[: args.n]
    build_s = time.perf_counter() - t0
    triples = sum(len(d) for d in docs)
    print(
        f"{len(docs)} document graphs ({source}), {triples / len(docs):.0f} triples each on "
        f"average, built in {build_s:.1f} s"
    )

    t0 = time.perf_counter()
    compile_shapes()
    compile_s = time.perf_counter() - t0

    n_slow = min(args.pyshacl_n or len(docs), len(docs))
    gc.collect()
    slow_findings = []
    t0 = time.perf_counter()
    for doc in docs[:n_slow]:
        slow_findings.append(validate_document(doc).findings)
    slow_s = time.perf_counter() - t0

    gc.collect()
    fast_findings = []
    t0 = time.perf_counter()
    for doc in docs:
        fast_findings.append(validate_document_fast(doc).findings)
    fast_s = time.perf_counter() - t0

    sample = docs[: min(200, len(docs))]
    t0 = time.perf_counter()
    for doc in sample:
        validate_document_fast(doc).turtle()
    report_s = time.perf_counter() - t0

    mismatches = sum(
        Counter(map(key, a)) != Counter(map(key, b))
        for a, b in zip(slow_findings, fast_findings, strict=False)
    )
    slow_rate = n_slow / slow_s
    fast_rate = len(docs) / fast_s
    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "documents": len(docs),
        "triples_per_document": round(triples / len(docs), 1),
        "pyshacl": {
            "documents": n_slow,
            "seconds": round(slow_s, 3),
            "docs_per_second": round(slow_rate, 1),
        },
        "fast": {
            "documents": len(docs),
            "seconds": round(fast_s, 3),
            "docs_per_second": round(fast_rate, 1),
            "compile_seconds": round(compile_s, 3),
        },
        "fast_with_w3c_report": {
            "documents": len(sample),
            "docs_per_second": round(len(sample) / report_s, 1),
        },
        "ratio": round(fast_rate / slow_rate, 1),
        "ratio_w3c_report": round(len(sample) / report_s / slow_rate, 1),
        "documents_compared": n_slow,
        "documents_with_different_findings": mismatches,
        "findings": sum(len(f) for f in fast_findings),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": _versions(),
    }
    print(f"pySHACL : {slow_rate:8.1f} docs/s ({n_slow} graphs, {slow_s:.1f} s)")
    print(
        f"fast    : {fast_rate:8.1f} docs/s ({len(docs)} graphs, {fast_s:.1f} s; "
        f"shapes compiled in {compile_s * 1000:.0f} ms)"
    )
    report_rate = len(sample) / report_s
    print(
        f"fast + W3C report: {report_rate:.1f} docs/s ({len(sample)} graphs; "
        f"{report_rate / slow_rate:.1f}x pySHACL)"
    )
    print(
        f"ratio   : {fast_rate / slow_rate:.1f}x; documents with different findings: "
        f"{mismatches} of {n_slow}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.out}")
    return 1 if mismatches else 0


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("pyshacl", "rdflib", "pyoxigraph")}


if __name__ == "__main__":
    sys.exit(main())
