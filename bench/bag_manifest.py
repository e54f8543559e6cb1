"""Memory of reading BagIt manifests: the streamed reader against the manifest's size (not a test).

    .venv/bin/python bench/bag_manifest.py                  # 300,000 lines
    .venv/bin/python bench/bag_manifest.py --lines 500000 --files 20000

For a manifest of N lines (SHA-512, paths like a real deposit's), in a bag folder made under
``--workdir``: the peak Python memory (tracemalloc) of ``archive.deposit.bagcheck.read_manifest``
and what it keeps, each against the manifest's size in bytes. With ``--files M`` it also times a
full ``check_bag`` (listing, both manifests, fixity) of a real bag of M small files and reports
its peak resident memory, measured in a child process. Before the streamed reader (the whole
manifest read, decoded and split at once, then read again for line numbers) the reader alone
peaked at 5.1x a 48 MB manifest of 300,000 lines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_manifest(root: Path, lines: int) -> int:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    with open(root / "manifest-sha512.txt", "w", encoding="utf-8") as fh:
        for i in range(lines):
            path = f"data/tei/{i // 1000:04d}/letter-{i:07d}.xml"
            fh.write(f"{hashlib.sha512(path.encode()).hexdigest()}  {path}\n")
    return (root / "manifest-sha512.txt").stat().st_size


def reader(root: Path) -> dict[str, float]:
    from archive.deposit.bag import Limits, open_source
    from archive.deposit.bagcheck import BagContents, read_manifest

    size = (root / "manifest-sha512.txt").stat().st_size
    with open_source(root, Limits()) as src:
        out = BagContents(version="1.0")
        tracemalloc.start()
        started = time.perf_counter()
        entries = read_manifest(src, "manifest-sha512.txt", "sha512", True, out)
        seconds = time.perf_counter() - started
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert entries is not None and not out.findings
    return {
        "lines": len(entries),
        "manifest_mb": size / 1e6,
        "peak_mb": peak / 1e6,
        "peak_ratio": peak / size,
        "kept_mb": kept / 1e6,
        "kept_ratio": kept / size,
        "seconds_traced": seconds,
    }


def full_check(root: Path) -> dict[str, float]:
    """In this (child) process: a whole check_bag, fixity included; peak RSS."""
    from archive.deposit.bag import Limits, open_source
    from archive.deposit.bagcheck import check_bag

    started = time.perf_counter()
    with open_source(root, Limits(max_members=10_000_000)) as src:
        out = check_bag(src)
    seconds = time.perf_counter() - started
    errors = [f.rule for f in out.findings if f.severity.value == "error"]
    assert not errors, errors[:5]
    return {
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def make_bag(root: Path, files: int) -> int:
    from archive.deposit.bag import write_bag

    for i in range(files):
        target = root / "data" / "tei" / f"{i // 1000:04d}" / f"letter-{i:07d}.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f"<letter n='{i}'/>\n".encode())
    write_bag(root, [("Source-Organization", "bench")])
    return (root / "manifest-sha512.txt").stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--files", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "work" / "bag")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(full_check(args.child)))
        return
    shutil.rmtree(args.workdir, ignore_errors=True)
    figures: dict[str, object] = {}
    try:
        make_manifest(args.workdir / "manifest-only", args.lines)
        figures["reader"] = r = reader(args.workdir / "manifest-only")
        print(
            f"read_manifest, {r['lines']:,} lines, {r['manifest_mb']:.1f} MB: peak "
            f"{r['peak_mb']:.1f} MB ({r['peak_ratio']:.2f}x the manifest), kept "
            f"{r['kept_mb']:.1f} MB ({r['kept_ratio']:.2f}x)"
        )
        if args.files:
            size = make_bag(args.workdir / "bag", args.files)
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(args.workdir / "bag")],
                capture_output=True,
                text=True,
                check=True,
            )
            figures["check_bag"] = c = json.loads(child.stdout) | {"files": args.files}
            print(
                f"check_bag, {args.files:,} files (manifest {size / 1e6:.1f} MB): "
                f"{c['seconds']:.1f} s, peak RSS {c['peak_rss_mb']:.0f} MB"
            )
    finally:
        shutil.rmtree(args.workdir, ignore_errors=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "bag_manifest.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
