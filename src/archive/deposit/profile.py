"""BagIt Profiles 1.4.0: the archive's profile, and conformance of a bag to a profile.

The profile is a JSON file the project publishes (``deposit/bagit-profile.json``). Bags declare it
with ``BagIt-Profile-Identifier``; the validator looks the identifier up among profiles it has on
disk and never fetches one from the network.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.deposit.bag import MANIFEST_RE, TAGMANIFEST_RE, BagSource
from archive.deposit.bagcheck import BagContents
from archive.errors import ArchiveError
from archive.findings import Finding, Layer, Severity
from archive.resources import data_dir

DEPOSIT_DIR = data_dir("deposit")
PROFILE_PATH = DEPOSIT_DIR / "bagit-profile.json"
PROFILE_SPEC_VERSION = "1.4.0"

_INFO_REQUIRED = (
    "Source-Organization",
    "External-Description",
    "Version",
    "BagIt-Profile-Identifier",
)


class ProfileError(ArchiveError):
    """A profile file that cannot be used (not JSON, or not a BagIt profile)."""


@dataclass(frozen=True)
class Profile:
    identifier: str
    data: dict[str, Any]
    path: Path | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def version(self) -> str:
        return str(self.data["BagIt-Profile-Info"].get("Version", ""))


def profile_problems(data: Any) -> list[str]:
    """What makes a JSON value not a usable BagIt profile (1.4.0)."""
    if not isinstance(data, dict):
        return ["a profile is a JSON object"]
    problems = []
    info = data.get("BagIt-Profile-Info")
    if not isinstance(info, dict):
        return ["'BagIt-Profile-Info' is missing"]
    problems += [f"BagIt-Profile-Info lacks '{k}'" for k in _INFO_REQUIRED if not info.get(k)]
    for key in (
        "Manifests-Required",
        "Manifests-Allowed",
        "Tag-Manifests-Required",
        "Tag-Manifests-Allowed",
        "Tag-Files-Required",
        "Tag-Files-Allowed",
        "Payload-Files-Required",
        "Payload-Files-Allowed",
        "Accept-Serialization",
        "Accept-BagIt-Version",
    ):
        if key in data and not (
            isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])
        ):
            problems.append(f"'{key}' must be a list of strings")
    if not data.get("Accept-BagIt-Version"):
        problems.append("'Accept-BagIt-Version' needs at least one version")
    if data.get("Serialization", "optional") not in ("forbidden", "required", "optional"):
        problems.append("'Serialization' is forbidden, required or optional")
    for req, allowed in (
        ("Manifests-Required", "Manifests-Allowed"),
        ("Tag-Manifests-Required", "Tag-Manifests-Allowed"),
    ):
        if allowed in data and isinstance(data.get(req), list):
            missing = set(data[req]) - set(data[allowed])
            if missing:
                problems.append(f"'{allowed}' must include {sorted(missing)} from '{req}'")
    bag_info = data.get("Bag-Info", {})
    if not isinstance(bag_info, dict) or not all(isinstance(v, dict) for v in bag_info.values()):
        problems.append("'Bag-Info' maps tag names to objects")
    return problems


def load_profile(path: Path) -> Profile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"cannot read BagIt profile {path}: {exc}") from None
    problems = profile_problems(data)
    if problems:
        raise ProfileError(f"{path} is not a usable BagIt profile: {'; '.join(problems)}")
    return Profile(data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"], data, path)


def default_profile() -> Profile:
    """The archive's profile: ``ARCHIVE_BAGIT_PROFILE`` or ``deposit/bagit-profile.json``."""
    env = os.environ.get("ARCHIVE_BAGIT_PROFILE")
    return load_profile(Path(env) if env else PROFILE_PATH)


def _matches(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/") and path.startswith(pattern):
            return True
        if fnmatch.fnmatchcase(path, pattern):
            return True
    return False


def check_profile(
    src: BagSource, bag: BagContents, profile: Profile, serialization: str | None
) -> list[Finding]:
    """Conformance of one bag to one profile, every constraint checked.

    ``serialization`` is the MIME type of the archive the bag came in, or None for a folder.
    """
    out: list[Finding] = []

    def add(
        rule: str,
        message: str,
        name: str | None = None,
        line: int | None = None,
        severity: Severity = Severity.ERROR,
        value: str | None = None,
    ) -> None:
        out.append(src.finding(rule, message, name, line, severity, Layer.PACKAGE, value))

    ident = f"profile {profile.identifier}"
    declared = bag.info_values("BagIt-Profile-Identifier")
    if profile.identifier not in declared:
        add(
            "profile.not-declared",
            f"bag-info.txt does not declare BagIt-Profile-Identifier {profile.identifier}",
            "bag-info.txt",
        )

    accepted = profile.get("Accept-BagIt-Version", [])
    if bag.version and bag.version not in accepted:
        add(
            "profile.bagit-version",
            f"BagIt-Version {bag.version} is not accepted by the {ident} ({', '.join(accepted)})",
            "bagit.txt",
            1,
            value=bag.version,
        )

    mode = profile.get("Serialization", "optional")
    kinds = profile.get("Accept-Serialization", [])
    if serialization is None and mode == "required":
        add("profile.serialization", f"the {ident} requires a serialized (archived) bag")
    elif serialization is not None and mode == "forbidden":
        add("profile.serialization", f"the {ident} forbids serialized bags")
    elif serialization is not None and kinds and serialization not in kinds:
        add(
            "profile.serialization",
            f"{serialization} is not an accepted serialization ({', '.join(kinds)})",
        )

    has_bag_info = any(n == "bag-info.txt" for n in bag.tagfiles)
    if not has_bag_info:
        add("profile.bag-info-missing", f"bag-info.txt is required by the {ident}", "bag-info.txt")
    for tag, rule in profile.get("Bag-Info", {}).items():
        lines = [(v, n) for k, v, n in bag.info if k == tag]
        if rule.get("required") and not lines:
            add(
                "profile.bag-info-required",
                f"bag-info.txt lacks {tag}, which the {ident} requires",
                "bag-info.txt",
            )
        allowed = rule.get("values") or []
        for value, number in lines:
            if allowed and value not in allowed:
                add(
                    "profile.bag-info-value",
                    f"{tag} is {value!r}; the {ident} allows {allowed}",
                    "bag-info.txt",
                    number,
                    value=value,
                )
            if not value.strip():
                add("profile.bag-info-value", f"{tag} is empty", "bag-info.txt", number)
        if rule.get("repeatable") is False and len(lines) > 1:
            add(
                "profile.bag-info-repeated",
                f"{tag} occurs {len(lines)} times; the {ident} allows it once",
                "bag-info.txt",
                lines[1][1],
            )

    present = {m.group(1) for n in bag.tagfiles if (m := MANIFEST_RE.match(n))}
    tag_present = {m.group(1) for n in bag.tagfiles if (m := TAGMANIFEST_RE.match(n))}
    for key_req, key_allowed, have, prefix in (
        ("Manifests-Required", "Manifests-Allowed", present, "manifest"),
        ("Tag-Manifests-Required", "Tag-Manifests-Allowed", tag_present, "tagmanifest"),
    ):
        for alg in profile.get(key_req, []):
            if alg not in have:
                add(
                    f"profile.{prefix}-required",
                    f"{prefix}-{alg}.txt is required by the {ident}",
                    f"{prefix}-{alg}.txt",
                )
        if key_allowed in profile.data:
            for alg in sorted(have - set(profile.get(key_allowed))):
                add(
                    f"profile.{prefix}-not-allowed",
                    f"{prefix}-{alg}.txt is not allowed by the {ident} "
                    f"({key_allowed}: {profile.get(key_allowed)})",
                    f"{prefix}-{alg}.txt",
                )

    fetch = "fetch.txt" in bag.tagfiles
    if fetch and profile.get("Allow-Fetch.txt", True) is False:
        add("profile.fetch-not-allowed", f"fetch.txt is not allowed by the {ident}", "fetch.txt")
    if not fetch and profile.get("Fetch.txt-Required", False):
        add("profile.fetch-required", f"fetch.txt is required by the {ident}", "fetch.txt")

    if profile.get("Data-Empty", False):
        sizes = [src.size(n) for n in bag.payload]
        if len(sizes) > 1 or any(sizes):
            add("profile.data-not-empty", f"the {ident} requires an empty payload", "data")

    for name in profile.get("Tag-Files-Required", []):
        if name not in bag.tagfiles:
            add("profile.tag-file-required", f"{name} is required by the {ident}", name)
    allowed_tags = profile.get("Tag-Files-Allowed")
    if allowed_tags is not None:
        for name in bag.tagfiles:
            if (
                MANIFEST_RE.match(name)
                or TAGMANIFEST_RE.match(name)
                or name in ("bagit.txt", "bag-info.txt", "fetch.txt")
            ):
                continue  # governed by their own constraints
            if not _matches(name, allowed_tags):
                add(
                    "profile.tag-file-not-allowed",
                    f"tag file {name} is not allowed by the {ident}",
                    name,
                )

    for entry in profile.get("Payload-Files-Required", []):
        if entry.endswith("/"):
            if not any(p.startswith(entry) for p in bag.payload):
                add(
                    "profile.payload-file-required",
                    f"the {ident} requires files under {entry}",
                    entry.rstrip("/"),
                )
        elif entry not in bag.payload:
            add("profile.payload-file-required", f"{entry} is required by the {ident}", entry)
    allowed_payload = profile.get("Payload-Files-Allowed")
    if allowed_payload is not None:
        for name in bag.payload:
            if not _matches(name, allowed_payload):
                add(
                    "profile.payload-file-not-allowed",
                    f"payload file {name} is not allowed by the {ident}",
                    name,
                )
    return out
