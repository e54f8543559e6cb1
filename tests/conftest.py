"""Shared fixtures. Tests that need ../shared/corpus skip *with a reason* when it is absent.

Tests that need a program that is not a Python package (Chromium, Virtuoso) call
:func:`require_part`: on a developer's machine they skip and say how to install it; under
``CI=true`` (where ``.ci/run`` installs them) a missing part fails the test instead.
"""

from __future__ import annotations

import os
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
    for name in [n for n in os.environ if n.startswith("ARCHIVE_")]:
        monkeypatch.delenv(name)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_part(available: bool, what: str, how: str) -> None:
    """Skip (saying how to get ``what``) when it is missing; under CI=true, fail instead."""
    if available:
        return
    message = f"{what} is not available; {how}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: .ci/run must install it)", pytrace=False)
    pytest.skip(message)
