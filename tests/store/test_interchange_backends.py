"""CMIF export and the matching of `archive new` read any store the commands accept: the same
answers from the embedded store and from a real Oxigraph server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.interchange import CmifHeader, cmif_bytes
from archive.rdf.extract import extract_file
from archive.records.matching import KnownEntities
from archive.store.base import Store

FIXED = CmifHeader(date="2026-11-26T12:00:00Z")
ARCHIVE_BIN = Path(sys.executable).parent / "archive"


def test_cmif_from_any_store(store: Store, record_path: Path, tmp_path: Path) -> None:
    from archive.synth.generate import generate_corpus

    paths = [record_path, *generate_corpus(3, 9, tmp_path / "synthetic")]
    docs = [d for p in paths for d in extract_file(p).documents]
    store.load(docs)
    from_store = cmif_bytes(store, header=FIXED)
    assert from_store.letters == 4
    assert from_store.data == cmif_bytes(docs, header=FIXED).data
    store.remove(docs[0].slug)  # a removed document (its tombstone) is no letter
    after = cmif_bytes(store, header=FIXED)
    assert after.letters == 3 and docs[0].slug.encode() not in after.data
    assert after.data == cmif_bytes(docs[1:], header=FIXED).data


def test_known_entities_from_any_store(store: Store, record_path: Path) -> None:
    store.load(extract_file(record_path).documents)
    known = KnownEntities.from_store(store)
    match = known.match("org", "migreurop")
    assert match.known is not None and match.known.node.endswith("/id/org/migreurop")
    pcf = known.match("org", "Parti communiste français")
    assert pcf.known.authorities == ("http://www.wikidata.org/entity/Q192821",)
    assert known.taken("org", "ldh") and not known.taken("org", "ldh-2")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ARCHIVE_BIN), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_commands_over_a_server_and_embedded(oxigraph, record_path: Path, tmp_path: Path) -> None:
    """`archive cmif` and `archive new` with --endpoint (a real Oxigraph server) answer as
    with --store (an embedded store): the same file, the same matches."""
    embedded = ["--store", str(tmp_path / "store")]
    served = ["--endpoint", oxigraph.url]
    for where in (embedded, served):
        r = _cli("load", str(record_path), *where, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    files = {}
    for name, where in (("embedded", embedded), ("served", served)):
        out = tmp_path / f"{name}.xml"
        r = _cli("cmif", *where, "--out", str(out), "--date", "2026-11-26T12:00:00Z", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "1 letter from the store at" in r.stderr
        files[name] = out.read_bytes()
    assert files["embedded"] == files["served"]
    assert b'<orgName ref="http://www.wikidata.org/entity/Q192821">' in files["served"]
    people = tmp_path / "people.csv"
    people.write_text(
        "name,role,kind,authority\n"
        "Migreurop,sender,association-network,\n"
        "Manuel Valls,addressee,person,http://www.wikidata.org/entity/Q10287\n",
        encoding="utf-8",
    )
    outputs = {}
    for name, where in (("embedded", embedded), ("served", served)):
        r = _cli(
            "new", "--title", "A letter", "--date", "2015-01-02", "--source", "A PDF",
            "--people", str(people), "--out", f"{name}-draft.xml", *where, cwd=tmp_path,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        outputs[name] = r.stdout.replace(f"{name}-draft.xml", "DRAFT")
        assert "Migreurop (org) -> org/migreurop (same name and kind)" in r.stdout
        assert "Manuel Valls (person) -> person/wikidata-Q10287 (same authority)" in r.stdout
    assert outputs["embedded"] == outputs["served"]
    assert (tmp_path / "embedded-draft.xml").read_bytes() == (
        tmp_path / "served-draft.xml"
    ).read_bytes()
