"""The archive's BagIt profile (BagIt Profiles 1.4.0) and conformance checks against a profile.

``bagit_profile`` (the profile specification's own Python validator) is the second reader of the
published profile.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from archive.deposit.bag import Limits, open_source, write_bag
from archive.deposit.bagcheck import check_bag
from archive.deposit.profile import (
    PROFILE_PATH,
    Profile,
    ProfileError,
    check_profile,
    default_profile,
    load_profile,
    profile_problems,
)

PROFILE = json.loads(PROFILE_PATH.read_text(encoding="utf-8"))
IDENT = PROFILE["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]


def test_the_published_profile_is_well_formed_and_under_the_placeholder_base():
    assert profile_problems(PROFILE) == []
    assert IDENT.startswith("https://advocacy-archive.example/")
    assert PROFILE["BagIt-Profile-Info"]["BagIt-Profile-Version"] == "1.4.0"
    assert PROFILE["Accept-BagIt-Version"] == ["1.0"]
    assert set(PROFILE["Manifests-Required"]) == {"sha256", "sha512"}
    for tag in (
        "Source-Organization",
        "Bagging-Date",
        "Payload-Oxum",
        "External-Identifier",
        "External-Description",
        "Bag-Group-Identifier",
    ):
        assert PROFILE["Bag-Info"][tag]["required"] is True
    assert "BagIt-Profile-Identifier" not in PROFILE["Bag-Info"]  # as the specification asks


def test_the_specification_validator_accepts_the_profile():
    bagit_profile = pytest.importorskip("bagit_profile", reason="test extra bagit-profile>=1.3.1")
    profile = bagit_profile.Profile(IDENT, profile=copy.deepcopy(PROFILE))
    assert profile.profile_version_info == (1, 4, 0)


def test_default_profile_honours_the_environment(tmp_path, monkeypatch):
    other = copy.deepcopy(PROFILE)
    other["BagIt-Profile-Info"]["BagIt-Profile-Identifier"] = "https://deploy.example/p.json"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(other))
    monkeypatch.setenv("ARCHIVE_BAGIT_PROFILE", str(path))
    assert default_profile().identifier == "https://deploy.example/p.json"


@pytest.mark.parametrize(
    "broken, why",
    [
        ("[]", "JSON object"),
        ("{}", "BagIt-Profile-Info"),
        ('{"BagIt-Profile-Info": {"Source-Organization": "x"}}', "lacks"),
        ("not json", "cannot read"),
    ],
)
def test_unusable_profiles_are_refused(tmp_path, broken, why):
    path = tmp_path / "p.json"
    path.write_text(broken)
    with pytest.raises(ProfileError, match=why):
        load_profile(path)


def _bag(root: Path, info_extra=(), files=None) -> Path:
    for rel, data in (files or {"tei/a.xml": b"<TEI/>"}).items():
        target = root / "data" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    write_bag(root, [("Bagging-Date", "2026-11-26"), *info_extra])
    return root


def _check(root: Path, profile: Profile, serialization: str | None = None):
    with open_source(root, Limits()) as src:
        bag = check_bag(src)
        return check_profile(src, bag, profile, serialization)


def _small_profile(**changes) -> Profile:
    data = {
        "BagIt-Profile-Info": {
            "BagIt-Profile-Identifier": "https://x.example/p.json",
            "Source-Organization": "x",
            "External-Description": "x",
            "Version": "1",
            "BagIt-Profile-Version": "1.4.0",
        },
        "Bag-Info": {
            "Source-Organization": {"required": True},
            "Bagging-Date": {"required": True, "repeatable": False},
            "Colour": {"values": ["red", "blue"]},
        },
        "Manifests-Required": ["sha512"],
        "Manifests-Allowed": ["sha512", "sha256"],
        "Accept-BagIt-Version": ["1.0"],
        "Allow-Fetch.txt": False,
        "Serialization": "optional",
        "Accept-Serialization": ["application/zip"],
        "Payload-Files-Required": ["data/tei/", "data/mets.xml"],
        "Payload-Files-Allowed": ["data/tei/*", "data/mets.xml"],
        "Tag-Files-Allowed": ["bagit.txt", "bag-info.txt", "manifest-*.txt", "tagmanifest-*.txt"],
    }
    data.update(changes)
    return Profile(data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"], data)


def test_every_profile_violation_is_reported(tmp_path):
    root = _bag(
        tmp_path / "bag",
        [("Colour", "green"), ("Bagging-Date", "2026-11-27")],
        {"tei/a.xml": b"<TEI/>", "extra/notes.txt": b"x"},
    )
    (root / "fetch.txt").write_text("http://x.example/f 1 data/f\n")
    (root / "notes.txt").write_text("tag file\n")
    found = {
        (f.rule, f.file.rsplit("/", 1)[-1])
        for f in _check(root, _small_profile(), "application/x-tar")
    }
    assert ("profile.not-declared", "bag-info.txt") in found
    assert ("profile.bag-info-required", "bag-info.txt") in found  # Source-Organization
    assert ("profile.bag-info-value", "bag-info.txt") in found  # Colour: green
    assert ("profile.bag-info-repeated", "bag-info.txt") in found  # Bagging-Date twice
    assert ("profile.fetch-not-allowed", "fetch.txt") in found
    assert ("profile.tag-file-not-allowed", "notes.txt") in found
    assert ("profile.payload-file-required", "mets.xml") in found
    assert ("profile.payload-file-not-allowed", "notes.txt") in found
    assert any(rule == "profile.serialization" for rule, _ in found)


def test_manifest_rules_and_bagit_version(tmp_path):
    root = _bag(
        tmp_path / "bag",
        [("Source-Organization", "x"), ("BagIt-Profile-Identifier", "https://x.example/p.json")],
        {"tei/a.xml": b"<TEI/>", "mets.xml": b"<mets/>"},
    )
    assert _check(root, _small_profile()) == []
    profile = _small_profile(
        **{
            "Manifests-Required": ["sha512", "md5"],
            "Manifests-Allowed": ["sha512", "md5"],
            "Accept-BagIt-Version": ["0.97"],
        }
    )
    rules = sorted(f.rule for f in _check(root, profile))
    assert rules == [
        "profile.bagit-version",
        "profile.manifest-not-allowed",
        "profile.manifest-required",
    ]
