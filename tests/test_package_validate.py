"""Package validation: the letter's package is valid; each tampering is reported precisely.

Copies of the package are tampered with (one byte of the TEI, a deleted file, an added file, a
corrupted manifest line, a broken METS) and the findings are checked by rule, file and line.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.deposit.bag import Limits, write_bag
from archive.deposit.bagcheck import parse_tag_file
from archive.deposit.build import build_package
from archive.deposit.validate import PackageUnreadable, is_package, validate_package
from archive.findings import Severity

NAME = "calais-2014-07-10"
TEI = f"data/tei/{NAME}.xml"


@pytest.fixture(scope="module")
def package(tmp_path_factory, record_path) -> Path:
    out = tmp_path_factory.mktemp("pkg") / NAME
    build_package([record_path], out, when="2026-11-26")
    return out


@pytest.fixture
def copy(package, tmp_path) -> Path:
    target = tmp_path / NAME
    shutil.copytree(package, target)
    return target


def errors(report) -> set[tuple[str, str, int | None]]:
    """(rule, location relative to the package, line) of every error."""
    out = set()
    for f in report.findings:
        if f.severity is Severity.ERROR:
            where = f.file.split(NAME, 1)[-1].lstrip("/!") if f.file else ""
            out.add((f.rule, where, f.line))
    return out


def rebag(folder: Path) -> None:
    """Recompute the manifests after an edit, so that only the later layers see it."""
    tags, _ = parse_tag_file((folder / "bag-info.txt").read_text())
    write_bag(folder, [(k, v) for k, v, _ in tags if k != "Payload-Oxum"])


def manifest_line(folder: Path, manifest: str, path: str) -> int:
    lines = (folder / manifest).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(f"  {path}"))


# --------------------------------------------------------------------------- valid packages


def test_is_package(package, tmp_path):
    assert is_package(package)
    assert is_package(tmp_path / "x.zip") and is_package(tmp_path / "x.tar")
    assert not is_package(tmp_path / "x.xml")


def test_the_letters_package_is_valid_through_every_layer(package):
    report = validate_package(package)
    assert report.valid, report.to_text()
    layers = {f.layer.value for f in report.findings}
    assert "shacl" in layers  # the TEI/SHACL layers ran inside the package
    tei = [f for f in report.findings if f.layer.value == "shacl"]
    assert tei and all(f.file == f"{package}/{TEI}" and f.line for f in tei)
    assert not any(f.rule.startswith("premis.") for f in report)  # the PREMIS 3.0 XSD passed


def test_premis_is_validated_against_the_premis_3_schema(copy):
    mets = copy / "data" / "mets.xml"
    text = mets.read_text(encoding="utf-8")
    text = text.replace("<premis:size>", "<premis:size>x", 1)  # not an xs:long any more
    mets.write_text(
        text.replace(
            "<premis:agentType>",
            "<premis:agentColour>red</premis:agentColour><premis:agentType>",
            1,
        ),
        encoding="utf-8",
    )
    rebag(copy)
    found = [f for f in validate_package(copy, tei=False) if f.rule == "premis.schema"]
    messages = " ".join(f.message for f in found)
    assert len(found) >= 2 and all(f.line for f in found)
    assert "agentColour" in messages and "size" in messages


def test_findings_in_a_zip_are_located_with_an_exclamation_mark(package, tmp_path):
    zipped = tmp_path / f"{NAME}.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for p in sorted(package.rglob("*")):
            if p.is_file():
                zf.write(p, f"{NAME}/{p.relative_to(package).as_posix()}")
    report = validate_package(zipped)
    assert report.valid, report.to_text()
    assert any(f.file == f"{zipped}!{TEI}" and f.line for f in report)


# --------------------------------------------------------------------------- tampering


def test_one_changed_byte_of_the_tei(copy):
    path = copy / TEI
    data = bytearray(path.read_bytes())
    at = data.index(b"Calais", 2000)
    data[at] = ord("K")  # still well-formed, different bytes
    path.write_bytes(bytes(data))
    found = errors(validate_package(copy, tei=False))
    assert ("bag.checksum-mismatch", TEI, None) in found
    assert sum(1 for r, w, _ in found if r == "bag.checksum-mismatch") == 1  # one finding/file
    mismatch = next(
        f for f in validate_package(copy, tei=False).findings if f.rule == "bag.checksum-mismatch"
    )
    assert mismatch.message.startswith(("sha256 checksum mismatch", "sha512 checksum mismatch"))
    assert "expects" in mismatch.message and mismatch.value in mismatch.message
    rules = {r for r, _, _ in found}
    assert {"mets.checksum-mismatch", "premis.fixity-mismatch"} <= rules


def test_a_deleted_file(copy):
    (copy / "data" / "rdf" / f"{NAME}.ttl").unlink()
    found = errors(validate_package(copy, tei=False))
    line = manifest_line(copy, "manifest-sha256.txt", f"data/rdf/{NAME}.ttl")
    assert ("bag.file-missing", "manifest-sha256.txt", line) in found
    assert ("bag.file-missing", "manifest-sha512.txt", line) in found
    assert ("bag.oxum-mismatch", "bag-info.txt", 3) in found
    assert ("package.rdf-missing", f"data/rdf/{NAME}.ttl", None) in found
    mets = [(w, ln) for r, w, ln in found if r == "mets.file-missing"]
    assert len(mets) == 1 and mets[0][0] == "data/mets.xml" and mets[0][1] > 1
    assert ("crate.file-missing", "data/ro-crate-metadata.json", None) in found


def test_an_added_file(copy):
    (copy / "data" / "notes.txt").write_text("added after bagging\n")
    found = errors(validate_package(copy, tei=False))
    assert ("bag.file-not-in-manifest", "data/notes.txt", None) in found
    assert ("bag.oxum-mismatch", "bag-info.txt", 3) in found
    assert ("profile.payload-file-not-allowed", "data/notes.txt", None) in found
    assert ("crate.file-not-described", "data/ro-crate-metadata.json", None) in found
    assert any(r == "mets.file-not-described" for r, _, _ in found)


def test_a_corrupted_manifest_line(copy):
    manifest = copy / "manifest-sha512.txt"
    lines = manifest.read_text().splitlines()
    line = manifest_line(copy, "manifest-sha512.txt", TEI)
    lines[line - 1] = lines[line - 1].replace(lines[line - 1][:10], "not-hex!!!", 1)
    manifest.write_text("\n".join(lines) + "\n")
    found = errors(validate_package(copy, tei=False))
    assert ("bag.manifest-malformed", "manifest-sha512.txt", line) in found
    assert ("bag.file-not-in-manifest", TEI, None) in found
    assert ("bag.checksum-mismatch", "manifest-sha512.txt", None) in found  # tag manifest


def test_a_broken_mets_is_reported_with_its_line(copy):
    mets = copy / "data" / "mets.xml"
    text = mets.read_text(encoding="utf-8")
    text = text.replace("<mets:structMap ", "<mets:structureMap ", 1).replace(
        "</mets:structMap>", "</mets:structureMap>", 1
    )
    mets.write_text(text, encoding="utf-8")
    rebag(copy)  # bag-valid again: only METS is wrong
    report = validate_package(copy, tei=False)
    schema = [f for f in report.findings if f.rule == "mets.schema"]
    expected = next(
        n for n, line in enumerate(text.splitlines(), 1) if "<mets:structureMap" in line
    )
    assert schema and schema[0].line == expected
    assert "structureMap" in schema[0].message
    assert not any(f.layer.value == "bag" and f.severity is Severity.ERROR for f in report)


def test_a_mets_that_is_not_xml(copy):
    mets = copy / "data" / "mets.xml"
    mets.write_bytes(mets.read_bytes().replace(b"</mets:mets>", b"</mets:mess>"))
    rebag(copy)
    found = [
        f for f in validate_package(copy, tei=False).findings if f.rule == "mets.not-well-formed"
    ]
    assert len(found) == 1 and found[0].line is not None


def test_a_mets_lying_about_a_file(copy):
    mets = copy / "data" / "mets.xml"
    text = mets.read_text(encoding="utf-8")
    size = (copy / TEI).stat().st_size
    mets.write_text(text.replace(f'SIZE="{size}"', 'SIZE="1"', 1), encoding="utf-8")
    rebag(copy)
    found = {
        f.rule for f in validate_package(copy, tei=False).findings if f.severity is Severity.ERROR
    }
    # the RO-Crate describes mets.xml, whose size changed with the edit
    assert found == {"mets.size-mismatch", "crate.size-mismatch"}


def test_broken_tei_inside_the_package_is_located_by_file_and_line(copy):
    path = copy / TEI
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[199] = lines[199].replace("<", "<<", 1)
    path.write_text("".join(lines), encoding="utf-8")
    rebag(copy)
    report = validate_package(copy)
    xml = [f for f in report.findings if f.rule == "xml.not-well-formed"]
    assert len(xml) == 1
    assert xml[0].file == f"{copy}/{TEI}" and xml[0].line == 200
    assert not report.valid


def test_packaged_invalid_records_are_flagged(copy):
    report_path = copy / "data" / "reports" / "validation.json"
    report_path.write_text(report_path.read_text().replace('"valid": true', '"valid": false', 1))
    rebag(copy)
    found = [
        f for f in validate_package(copy, tei=False).findings if f.rule == "package.records-invalid"
    ]
    assert len(found) == 1 and found[0].severity is Severity.WARNING


# --------------------------------------------------------------------------- hostile packages


def _zip(package: Path, target: Path, extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(package.rglob("*")):
            if p.is_file():
                zf.write(p, f"{NAME}/{p.relative_to(package).as_posix()}")
        for name, data in extra.items():
            zf.writestr(name, data)
    return target


def test_traversal_members_are_refused_and_nothing_is_written(package, tmp_path):
    evil = _zip(package, tmp_path / "evil.zip", {f"{NAME}/data/../../../escaped.txt": b"x"})
    report = validate_package(evil, tei=False)
    assert any(f.rule == "bag.unsafe-path" for f in report)
    assert not report.valid
    assert not list(tmp_path.parent.rglob("escaped.txt"))


def test_a_zip_bomb_is_refused_as_a_finding(package, tmp_path):
    bomb = _zip(package, tmp_path / "bomb.zip", {f"{NAME}/data/zeros.bin": b"\0" * (8 << 20)})
    report = validate_package(bomb)
    assert [f.rule for f in report.errors()] == ["bag.zip-bomb"]


def test_an_enormous_manifest_is_refused(copy):
    with open(copy / "manifest-sha256.txt", "a") as fh:
        fh.write(("0" * 64 + "  data/x\n") * 2000)
    report = validate_package(copy, tei=False, limits=Limits(max_manifest_bytes=64 << 10))
    assert any(f.rule == "bag.manifest-too-large" for f in report.errors())


def test_a_link_out_of_the_bag_is_refused(copy, tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<secret/>")
    (copy / "data" / "tei" / "linked.xml").symlink_to(secret)
    report = validate_package(copy, tei=False)
    assert ("bag.unsafe-link", "data/tei/linked.xml", None) in errors(report)


def test_not_a_package_is_exit_2(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(PackageUnreadable):
        validate_package(junk)
    result = CliRunner().invoke(cli, ["validate", str(junk)])
    assert result.exit_code == 2
    assert "not a bag folder, a zip or a tar" in result.output


def test_cli_exit_1_and_json_for_a_tampered_package(copy):
    (copy / "data" / "notes.txt").write_text("x")
    result = CliRunner().invoke(cli, ["validate", str(copy), "--format", "json"])
    assert result.exit_code == 1
    assert '"verdict": "invalid"' in result.output
    assert '"rule": "bag.file-not-in-manifest"' in result.output


def test_a_compressed_tar_is_read_through_the_same_limits(package, tmp_path):
    import tarfile

    target = tmp_path / f"{NAME}.tar.gz"
    with tarfile.open(target, "w:gz") as tf:
        tf.add(package, arcname=NAME)
    report = validate_package(target, tei=False)
    assert report.valid, report.to_text()
    assert is_package(target)


def test_a_bag_declaring_another_profile(copy):
    info = copy / "bag-info.txt"
    info.write_text(
        info.read_text().replace(
            "https://advocacy-archive.example/deposit/bagit-profile-v1.json",
            "https://other.example/profile.json",
        )
    )
    rebag(copy)
    report = validate_package(copy, tei=False)
    rules = {(f.rule, f.severity.value) for f in report.findings}
    assert ("profile.unknown", "warning") in rules
    assert ("profile.not-declared", "error") in rules
