"""Shared fixtures. Tests that need ../shared/corpus skip *with a reason* when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tei" / "calais-2014-07-10.xml"
TRANSCRIPTION = ROOT / "tei" / "calais-2014-07-10.txt"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "tei"
SEED = SHARED / "seed" / "000_5392c1dee33cf027.txt"


@pytest.fixture(scope="session")
def record_path() -> Path:
    return RECORD


@pytest.fixture(scope="session")
def record_bytes() -> bytes:
    return RECORD.read_bytes()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared TEI corpus not found at {CORPUS} (a clone outside the workspace)")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_files(corpus_dir: Path) -> list[Path]:
    files = sorted(corpus_dir.rglob("*.xml"))
    assert len(files) == 50, f"expected the 50 corpus files, found {len(files)}"
    return files


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip(f"seed text not found at {SEED} (a clone outside the workspace)")
    return SEED


@pytest.fixture(autouse=True)
def _no_archive_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell's $ARCHIVE_STORE or $ARCHIVE_ENDPOINT must not steer the tests."""
    import os

    for name in [n for n in os.environ if n.startswith("ARCHIVE_")]:
        monkeypatch.delenv(name)
