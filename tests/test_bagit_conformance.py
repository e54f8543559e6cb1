"""The Library of Congress BagIt conformance suite, run through ``archive validate``.

Every bag of versions 0.97 and 1.0 must get the suite's verdict: ``valid`` and ``warning`` bags
exit 0 (``warning`` bags with at least one warning), ``invalid`` bags and the ``linux-only`` and
``windows-only`` unsafe-path bags exit 1 (paths unsafe on Windows are refused on every system).
Versions 0.93-0.95 are refused with a finding that names the version; 0.96 bags are read.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

SUITE = Path(__file__).parent / "suites" / "bagit-conformance"
VALID = ("valid", "warning")


def _bags(*versions: str) -> list[tuple[str, str, Path]]:
    out = []
    for version in versions:
        for category in sorted(p for p in (SUITE / version).iterdir() if p.is_dir()):
            for bag in sorted(p for p in category.iterdir() if p.is_dir()):
                out.append((version, category.name, bag))
    return out


def _validate(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("version", "category", "bag"),
    _bags("v0.97", "v1.0"),
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_the_validator_agrees_with_the_loc_suite(version, category, bag, tmp_path):
    if bag.name == "special-system-files":
        bag = shutil.copytree(bag, tmp_path / bag.name)  # restore the file upstream lost
        (bag / "data" / ".DS_Store").write_bytes(b"")
    code, report = _validate(bag)
    findings = report["findings"]
    errors = [f"{f['rule']}: {f['message']}" for f in findings if f["severity"] == "error"]
    if category in VALID:
        assert code == 0, errors
        assert not any(f["layer"] != "bag" and f["severity"] == "error" for f in findings)
    else:
        assert code == 1
        assert any(f["layer"] == "bag" for f in findings if f["severity"] == "error")
    if category == "warning":
        assert any(f["severity"] == "warning" for f in findings), findings


@pytest.mark.parametrize(("version", "category", "bag"), _bags("v0.96"), ids=str)
def test_bagit_0_96_bags_are_read(version, category, bag):
    code, report = _validate(bag)
    assert code == 0, report["findings"]


@pytest.mark.parametrize(("version", "category", "bag"), _bags("v0.93", "v0.94", "v0.95"), ids=str)
def test_older_versions_are_refused_with_a_finding_that_says_so(version, category, bag):
    code, report = _validate(bag)
    assert code == 1
    refused = [f for f in report["findings"] if f["rule"] == "bag.version-unsupported"]
    assert refused and version[1:] in refused[0]["message"]
    assert "predates 0.96" in refused[0]["message"]


def test_the_published_special_system_files_bag_is_incomplete_as_published():
    code, report = _validate(SUITE / "v0.97" / "warning" / "special-system-files")
    rules = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    assert code == 1 and "bag.file-missing" in rules


def test_the_plain_bag_verdict_comes_from_the_bagit_layer_alone():
    code, report = _validate(SUITE / "v1.0" / "valid" / "basicBag")
    assert code == 0
    assert [f["rule"] for f in report["findings"]] == ["bag.plain"]
