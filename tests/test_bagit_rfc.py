"""RFC 8493 to the letter, beyond the LoC suite: fetch.txt, name collisions, encodings, layout."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from archive.deposit.bag import Limits, open_source, write_bag
from archive.deposit.bagcheck import check_bag
from archive.findings import Severity

INFO = [("Source-Organization", "Test"), ("Bagging-Date", "2026-11-26")]


def bag(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / "data" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "data" / rel).write_bytes(data)
    write_bag(root, INFO)
    return root


def findings(path: Path):
    with open_source(path, Limits()) as src:
        return check_bag(src).findings


def by_rule(found, rule: str):
    return [f for f in found if f.rule == rule]


def add_fetch(root: Path, lines: list[str], listed: dict[str, bytes] | None = None) -> None:
    """Write fetch.txt and list the fetched files in the manifests, as a bag maker would."""
    (root / "fetch.txt").write_text("".join(line + "\n" for line in lines))
    for alg in ("sha256", "sha512"):
        manifest = root / f"manifest-{alg}.txt"
        text = manifest.read_text()
        for path, data in (listed or {}).items():
            text += f"{hashlib.new(alg, data).hexdigest()}  {path}\n"
        manifest.write_text(text)
        (root / f"tagmanifest-{alg}.txt").unlink()  # optional; not recomputed here


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("file:///etc/passwd 10 data/x.txt", "bag.fetch-unsafe-url"),
        ("javascript:alert(1) - data/x.txt", "bag.fetch-unsafe-url"),
        ("https://example.org/x - /etc/passwd", "bag.fetch-unsafe-path"),
        ("https://example.org/x - ../outside.txt", "bag.fetch-unsafe-path"),
        ("https://example.org/x - ~/x.txt", "bag.fetch-unsafe-path"),
        ("https://example.org/x - data\\..\\..\\x.txt", "bag.fetch-unsafe-path"),
        ("https://example.org/x - bag-info.txt", "bag.fetch-unsafe-path"),
        ("https://example.org/x ten data/x.txt", "bag.fetch-malformed"),
        ("https://example.org/x", "bag.fetch-malformed"),
    ],
)
def test_fetch_txt_is_checked_at_the_bagit_level(tmp_path, line, rule):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    add_fetch(root, [line])
    found = by_rule(findings(root), rule)
    assert found and found[0].severity is Severity.ERROR and found[0].line == 1


def test_a_file_listed_in_fetch_txt_is_never_fetched_and_the_bag_is_incomplete(tmp_path):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    add_fetch(root, ["https://example.org/b.txt 1 data/b.txt"], {"data/b.txt": b"b"})
    found = findings(root)
    assert [f.value for f in by_rule(found, "bag.fetch-not-retrieved")] == ["data/b.txt"]
    assert not by_rule(found, "bag.file-missing")  # reported once, as not fetched
    (root / "data" / "b.txt").write_bytes(b"b")  # fetched by hand: now complete
    assert not [
        f for f in findings(root) if f.severity is Severity.ERROR and f.rule != "bag.oxum-mismatch"
    ]


def test_a_fetched_file_must_be_in_every_payload_manifest(tmp_path):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    add_fetch(root, ["https://example.org/a.txt 1 data/a.txt", "https://e.org/c - data/c.txt"])
    assert {f.value for f in by_rule(findings(root), "bag.fetch-not-in-manifest")} == {"data/c.txt"}


def test_names_that_differ_only_in_case_or_normalisation_are_a_finding(tmp_path):
    root = bag(tmp_path / "b", {"Report.txt": b"1", "report.txt": b"2", "N\u00fa.txt": b"3"})
    (root / "data" / "Nu\u0301.txt").write_bytes(b"4")  # the same name, decomposed
    write_bag(root, INFO)
    found = by_rule(findings(root), "bag.name-collision")
    assert len(found) == 2 and all(f.severity is Severity.WARNING for f in found)


def test_bagit_txt_with_a_byte_order_mark_is_an_error(tmp_path):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    (root / "bagit.txt").write_bytes(b"\xef\xbb\xbf" + (root / "bagit.txt").read_bytes())
    found = by_rule(findings(root), "bag.bagit-txt-bom")
    assert found and found[0].severity is Severity.ERROR


def test_tag_files_in_a_declared_encoding_other_than_utf8_are_read(tmp_path):
    root = bag(tmp_path / "b", {"caf\u00e9.txt": b"x"})
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-16\n")
    for name in ("manifest-sha256.txt", "manifest-sha512.txt", "bag-info.txt"):
        text = (root / name).read_text(encoding="utf-8")
        (root / name).write_bytes(text.encode("utf-16"))
    (root / "tagmanifest-sha256.txt").unlink()
    (root / "tagmanifest-sha512.txt").unlink()
    found = findings(root)
    assert not [f for f in found if f.severity is Severity.ERROR], found


def test_a_serialisation_without_one_base_directory_is_an_error(tmp_path):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    target = tmp_path / "flat.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    found = by_rule(findings(target), "bag.serialization-layout")
    assert found and found[0].severity is Severity.ERROR


def test_a_long_manifest_with_problems_is_reported_in_bounded_findings(tmp_path):
    root = bag(tmp_path / "b", {"a.txt": b"a"})
    with open(root / "manifest-sha256.txt", "a") as fh:
        for i in range(2500):
            fh.write(f"{'0' * 64}  data/missing-{i}.txt\n")
    missing = by_rule(findings(root), "bag.file-missing")
    assert len(missing) == 1001  # 1,000 listed, and one that counts the rest
    assert "1,500 more" in missing[-1].message
