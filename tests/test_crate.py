"""RO-Crate 1.2 by the RO-Crate validator (``roc-validator``), offline; the letter's entity.

The validator runs in its own venv (``.venv/rocrate``, made by ``make setup``: it pins rich<14,
under which the CLI prints differently) through ``tests/tools/rocrate_offline.py``, which seeds its
HTTP cache with the RO-Crate 1.2 context the project ships (``deposit/ro-crate/``) and runs it
with ``offline=True``, so nothing is fetched.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from archive.deposit import build_package
from tests.conftest import ROOT, require_part

NAME = "calais-2014-07-10"
DATE = "2026-11-26"
CONTEXT_URL = "https://w3id.org/ro/crate/1.2/context"
CONTEXT = ROOT / "deposit" / "ro-crate" / "context-1.2.jsonld"
PREMIS = "{http://www.loc.gov/premis/v3}"
# What RO-Crate 1.2 recommends and the records cannot give without inventing it: ROR and ORCID
# identifiers, web sites and contact points of the letter's senders and recipients (and of the
# depositor, beyond the e-mail given with --contact-email).
UNMET_WITHOUT_FACTS = {
    "ro-crate-1.2_86.2",  # Organization: url
    "ro-crate-1.2_89.0",  # Organization: ROR identifier as @id
    "ro-crate-1.2_90.1",  # Organization: contactPoint
    "ro-crate-1.2_91.0",  # Person: ORCID identifier as @id
}


@pytest.fixture(scope="module")
def crate_dir(tmp_path_factory, record_path) -> Path:
    out = tmp_path_factory.mktemp("crate") / NAME
    build_package([record_path], out, when=DATE, contact_email="archive@example.org")
    return out / "data"


def _roc_validate(crate: Path, severity: str) -> dict:
    python = ROOT / ".venv" / "rocrate" / "bin" / "python"
    require_part(python.is_file(), "roc-validator (.venv/rocrate)", "run `make setup`")
    tool = Path(__file__).parent / "tools" / "rocrate_offline.py"
    run = subprocess.run(
        [str(python), str(tool), str(crate), str(CONTEXT), severity],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_shipped_context_is_the_ro_crate_1_2_context():
    context = json.loads(CONTEXT.read_text(encoding="utf-8"))
    assert context["@id"] == CONTEXT_URL and context["version"] == "1.2.0"
    assert context["@context"]["sender"] == "http://schema.org/sender"


def test_roc_validator_passes_required_and_asks_only_for_facts_the_records_lack(crate_dir):
    """One run at RECOMMENDED level covers the REQUIRED checks too (the validator is slow)."""
    result = _roc_validate(crate_dir, "RECOMMENDED")
    issues = result["issues"]
    assert not [i for i in issues if i["severity"] == "REQUIRED"]
    checks = {i["check"] for i in issues}
    assert checks <= UNMET_WITHOUT_FACTS, checks - UNMET_WITHOUT_FACTS
    crate = json.loads((crate_dir / "ro-crate-metadata.json").read_text())
    parties = {e["@id"] for e in crate["@graph"] if e.get("@type") in ("Organization", "Person")}
    assert {i["entity"].removeprefix("./") for i in issues} <= parties
    assert (
        len(parties) == 33
    )  # 26 senders, 2 addressees, 4 copied (one more is an Audience), depositor


def test_roc_validator_fails_a_broken_crate(crate_dir, tmp_path):
    import shutil

    broken = shutil.copytree(crate_dir, tmp_path / "data")
    meta = broken / "ro-crate-metadata.json"
    doc = json.loads(meta.read_text())
    for entity in doc["@graph"]:
        if entity["@id"] == "./":
            del entity["datePublished"]
    meta.write_text(json.dumps(doc))
    result = _roc_validate(broken, "REQUIRED")
    assert not result["passed"]
    assert any("datePublished" in i["message"] for i in result["issues"])


def test_the_letters_entity_carries_senders_recipients_date_language_and_licence(crate_dir):
    crate = json.loads((crate_dir / "ro-crate-metadata.json").read_text())
    graph = {e["@id"]: e for e in crate["@graph"]}
    letter = graph[graph["./"]["about"]["@id"]]
    assert letter["@id"] == f"https://advocacy-archive.example/id/document/{NAME}"
    assert letter["@type"] == "Message"
    assert letter["dateCreated"] == "2014-07-10"
    assert letter["inLanguage"] == "en"
    assert letter["license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    assert len(letter["sender"]) == 26
    assert len(letter["toRecipient"]) == 2 and len(letter["ccRecipient"]) == 4
    group = letter["recipient"]  # the one copy to a group of office holders (arc:ccAudience)
    assert graph[group["@id"]]["@type"] == "Audience"
    valls = graph["https://advocacy-archive.example/id/person/wikidata-Q10287"]
    assert (valls["@type"], valls["name"]) == ("Person", "Manuel Valls")
    assert graph["https://advocacy-archive.example/id/org/gisti"]["@type"] == "Organization"
    assert graph["https://creativecommons.org/licenses/by/4.0/"]["description"].startswith(
        "The encoding (markup, header"
    )
    publisher = graph[graph["./"]["publisher"]["@id"]]
    assert graph[publisher["contactPoint"]["@id"]]["email"] == "archive@example.org"


def _event_times(package: Path) -> dict[str, str]:
    root = etree.parse(str(package / "data" / "mets.xml")).getroot()
    return {
        ev.findtext(f"{PREMIS}eventIdentifier/{PREMIS}eventIdentifierValue"): ev.findtext(
            f"{PREMIS}eventDateTime"
        )
        for ev in root.iter(f"{PREMIS}event")
    }


def test_premis_event_times_are_real_unless_a_package_date_is_given(
    tmp_path, record_path, monkeypatch
):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = datetime.now(UTC).replace(microsecond=0)
    build_package([record_path], tmp_path / "real")
    after = datetime.now(UTC)
    times = {
        k: datetime.fromisoformat(v.replace("Z", "+00:00"))
        for k, v in _event_times(tmp_path / "real").items()
    }
    assert all(before <= t <= after for t in times.values()), times
    assert times[f"extraction-{NAME}"] <= times[f"validation-{NAME}"] <= times["package-creation"]
    # the reproducible-build convention: every event carries the package date
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH", str(int(datetime(2026, 11, 26, tzinfo=UTC).timestamp()))
    )
    build_package([record_path], tmp_path / "fixed")
    assert set(_event_times(tmp_path / "fixed").values()) == {"2026-11-26T00:00:00Z"}
    assert os.environ["SOURCE_DATE_EPOCH"]
