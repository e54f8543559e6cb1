"""RO-Crate 1.2 by the RO-Crate validator (``roc-validator``), offline; the letter's entity.

The validator resolves the RO-Crate 1.2 JSON-LD context through its HTTP cache; the test seeds
that cache (in a temporary folder) with the context the project ships
(``deposit/ro-crate/context-1.2.jsonld``) and runs the validator with ``offline=True``, so
nothing is fetched.
"""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from archive.deposit import build_package
from tests.conftest import ROOT

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


@pytest.fixture(scope="module")
def offline_cache(tmp_path_factory) -> Path:
    """A requests-cache database holding the shipped RO-Crate 1.2 context for its URL."""
    import requests
    import urllib3
    from requests_cache import CachedSession

    path = tmp_path_factory.mktemp("http-cache") / "http_cache"
    response = requests.Response()
    response.status_code = 200
    response._content = CONTEXT.read_bytes()
    response.headers["Content-Type"] = "application/ld+json"
    response.url = CONTEXT_URL
    response.request = requests.Request(
        "GET", CONTEXT_URL, headers={"Accept": "application/ld+json, application/json, */*;q=0.1"}
    ).prepare()
    response.raw = urllib3.HTTPResponse(
        body=io.BytesIO(b""),
        headers=response.headers,
        status=200,
        preload_content=False,
        request_url=CONTEXT_URL,
    )
    CachedSession(str(path), expire_after=-1).cache.save_response(response)
    return path


def _roc_validate(crate: Path, cache: Path, severity: str):
    from rocrate_validator import services
    from rocrate_validator.models import ValidationSettings

    settings = ValidationSettings(
        rocrate_uri=str(crate),
        profile_identifier="ro-crate-1.2",
        requirement_severity=severity,
        offline=True,
        cache_path=str(cache),
        cache_max_age=-1,
    )
    return services.validate(settings)


def test_the_shipped_context_is_the_ro_crate_1_2_context():
    context = json.loads(CONTEXT.read_text(encoding="utf-8"))
    assert context["@id"] == CONTEXT_URL and context["version"] == "1.2.0"
    assert context["@context"]["sender"] == "http://schema.org/sender"


def test_roc_validator_passes_required_and_asks_only_for_facts_the_records_lack(
    crate_dir, offline_cache
):
    """One run at RECOMMENDED level covers the REQUIRED checks too (the validator is slow)."""
    result = _roc_validate(crate_dir, offline_cache, "RECOMMENDED")
    issues = result.get_issues()
    required = [(i.check.identifier, i.message) for i in issues if i.severity.name == "REQUIRED"]
    assert not required
    checks = {i.check.identifier for i in issues}
    assert checks <= UNMET_WITHOUT_FACTS, checks - UNMET_WITHOUT_FACTS
    crate = json.loads((crate_dir / "ro-crate-metadata.json").read_text())
    parties = {e["@id"] for e in crate["@graph"] if e.get("@type") in ("Organization", "Person")}
    assert {i.violatingEntity.removeprefix("./") for i in issues} <= parties
    assert (
        len(parties) == 33
    )  # 26 senders, 2 addressees, 4 copied (one more is an Audience), depositor


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
    assert len(letter["toRecipient"]) == 2 and len(letter["ccRecipient"]) == 5
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
