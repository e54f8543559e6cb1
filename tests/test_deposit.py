"""``archive deposit``: the letter's submission package, read back by independent implementations.

The package is checked by the LoC ``bagit`` validator, the BagIt profile specification's
``bagit_profile``, lxml XSD validation of the METS document against metsrw's METS schema, and the
``rocrate`` reader, besides the project's own package validator.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner
from lxml import etree
from rocrate.rocrate import ROCrate

from archive.cli import cli
from archive.deposit.build import RecordsInvalid, build_package, resolve_date
from archive.deposit.profile import PROFILE_PATH
from archive.errors import DepositError, UsageError

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-26"
NAME = "calais-2014-07-10"
METS = "{http://www.loc.gov/METS/}"
PREMIS = "{http://www.loc.gov/premis/v3}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def letter_zip(tmp_path_factory, record_path) -> Path:
    out = tmp_path_factory.mktemp("deposit") / f"{NAME}.zip"
    build_package([record_path], out, when=DATE)
    return out


@pytest.fixture(scope="module")
def letter_bag(letter_zip, tmp_path_factory) -> Path:
    """The package unpacked (we wrote it: no untrusted names)."""
    dest = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(letter_zip) as zf:
        zf.extractall(dest)
    return dest / NAME


def invalid_copy(record_path: Path, folder: Path) -> Path:
    """The letter with one dangling reference: a real record that fails validation."""
    text = record_path.read_text(encoding="utf-8")
    broken = folder / "broken-letter.xml"
    broken.write_text(
        text.replace('<orgName ref="#migreurop"/>', '<orgName ref="#nobody"/>', 1), encoding="utf-8"
    )
    return broken


# --------------------------------------------------------------------------- contents


def test_zip_is_one_base_folder_sorted_with_fixed_times_and_modes(letter_zip):
    with zipfile.ZipFile(letter_zip) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert all(n.startswith(f"{NAME}/") for n in names)
    assert {i.date_time for i in infos} == {(2026, 11, 26, 0, 0, 0)}
    modes = {i.filename: i.external_attr >> 16 for i in infos}
    assert oct(modes[f"{NAME}/bagit.txt"]) == "0o100644"
    assert oct(modes[f"{NAME}/data/"]) == "0o40755"


def test_payload_holds_every_part_the_issue_names(letter_bag):
    data = letter_bag / "data"
    files = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    for expected in (
        f"tei/{NAME}.xml",
        f"rdf/{NAME}.ttl",
        f"rdf/{NAME}.jsonld",
        f"rdf/{NAME}.nq",
        "reports/validation.json",
        "reports/validation.txt",
        f"reports/shacl/{NAME}.ttl",
        "mets.xml",
        "ro-crate-metadata.json",
    ):
        assert expected in files
    shapes = sorted(p.name for p in (ROOT / "shapes").glob("*") if p.is_file())
    assert shapes and all(f"shapes/{s}" in files for s in shapes)
    onto = sorted(p.name for p in (ROOT / "ontology").glob("*") if p.is_file())
    assert onto and all(f"ontology/{o}" in files for o in onto)
    source = (ROOT / "tei" / f"{NAME}.xml").read_bytes()
    assert (data / "tei" / f"{NAME}.xml").read_bytes() == source
    report = json.loads((data / "reports" / "validation.json").read_text())
    assert report["valid"] is True and report["files"] == [f"data/tei/{NAME}.xml"]


def test_the_loc_bagit_validator_accepts_the_bag(letter_bag):
    bag = bagit.Bag(str(letter_bag))
    bag.validate()
    assert bag.version_info == (1, 0)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert (letter_bag / "bagit.txt").read_bytes() == (
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    )
    info = bag.info
    assert info["Bagging-Date"] == DATE
    assert info["Source-Organization"] == "Advocacy Document Archive project"
    assert info["External-Identifier"] == f"https://advocacy-archive.example/id/document/{NAME}"
    assert info["Bag-Group-Identifier"] == "https://advocacy-archive.example"
    assert info["External-Description"].endswith("North Sea coasts")
    octets = sum(p.stat().st_size for p in (letter_bag / "data").rglob("*") if p.is_file())
    streams = sum(1 for p in (letter_bag / "data").rglob("*") if p.is_file())
    assert info["Payload-Oxum"] == f"{octets}.{streams}"
    tags = (letter_bag / "tagmanifest-sha256.txt").read_text()
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
        assert f"  {name}\n" in tags


def test_the_profile_specification_validator_accepts_the_bag(letter_zip, letter_bag):
    bagit_profile = pytest.importorskip("bagit_profile", reason="test extra bagit-profile>=1.3.1")
    data = json.loads(PROFILE_PATH.read_text())
    ident = data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]
    profile = bagit_profile.Profile(ident, profile=copy.deepcopy(data))
    assert profile.validate(bagit.Bag(str(letter_bag))), profile.report
    assert profile.validate_serialization(str(letter_zip))


def _independent_mets_schema(tmp_path: Path) -> etree.XMLSchema:
    """METS XSD from metsrw with its XLink import pointed at the local copy by editing the text."""
    import metsrw

    xsd = Path(metsrw.__file__).parent / "resources" / "mets.xsd"
    xlink = ROOT / "deposit" / "schemas" / "xlink.xsd"
    text = xsd.read_text(encoding="utf-8").replace(
        "http://www.loc.gov/standards/xlink/xlink.xsd", xlink.as_uri()
    )
    local = tmp_path / "mets.xsd"
    local.write_text(text, encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(local), etree.XMLParser(no_network=True)))


def test_lxml_validates_the_mets_against_the_mets_schema(letter_bag, tmp_path):
    tree = etree.parse(str(letter_bag / "data" / "mets.xml"))
    # the PREMIS schema is not available offline; xsi:type on PREMIS elements needs it
    for el in tree.iter(f"{PREMIS}*"):
        el.attrib.pop("{http://www.w3.org/2001/XMLSchema-instance}type", None)
    schema = _independent_mets_schema(tmp_path)
    assert schema.validate(tree), schema.error_log


def test_mets_describes_every_file_with_type_size_and_checksum(letter_bag):
    data = letter_bag / "data"
    root = etree.parse(str(data / "mets.xml")).getroot()
    described = {}
    for f in root.iter(f"{METS}file"):
        href = f.find(f"{METS}FLocat").get(f"{XLINK}href")
        described[href] = f
    expected = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    assert set(described) == expected - {"mets.xml", "ro-crate-metadata.json"}
    for href, f in described.items():
        raw = (data / href).read_bytes()
        assert f.get("SIZE") == str(len(raw))
        assert f.get("CHECKSUMTYPE") == "SHA-256"
        assert f.get("CHECKSUM") == hashlib.sha256(raw).hexdigest()
        assert f.get("MIMETYPE")
    assert described[f"tei/{NAME}.xml"].get("MIMETYPE") == "application/tei+xml"
    assert described[f"rdf/{NAME}.ttl"].get("MIMETYPE") == "text/turtle"
    pointed = {p.get("FILEID") for p in root.iter(f"{METS}fptr")}
    assert pointed == {f.get("ID") for f in described.values()}


def test_mets_carries_dublin_core_and_the_tei_header(letter_bag):
    root = etree.parse(str(letter_bag / "data" / "mets.xml")).getroot()
    dc = root.find(f"{METS}dmdSec/{METS}mdWrap[@MDTYPE='DC']")
    values: dict[str, list[str]] = {}
    for e in dc.iter("{http://purl.org/dc/elements/1.1/}*"):
        values.setdefault(etree.QName(e).localname, []).append(e.text)
    assert values["title"][0].startswith("Open letter to the French Prime Minister")
    assert values["date"] == ["2014-07-10"]
    assert values["rights"][0] == "https://creativecommons.org/licenses/by/4.0/"
    assert values["identifier"][0] == f"https://advocacy-archive.example/id/document/{NAME}"
    assert values["language"] == ["en"]
    assert "Calais" in values["subject"]
    assert len(values["creator"]) == 26  # the 26 signatories
    header = root.find(
        f"{METS}dmdSec/{METS}mdWrap[@MDTYPE='TEIHDR']/{METS}xmlData/"
        "{http://www.tei-c.org/ns/1.0}teiHeader"
    )
    assert header is not None
    source = etree.parse(str(ROOT / "tei" / f"{NAME}.xml")).getroot()[0]
    assert etree.tostring(header, method="c14n", exclusive=True) == etree.tostring(
        source, method="c14n", exclusive=True
    )


def test_premis_records_fixity_events_outcomes_and_the_agent(letter_bag):
    data = letter_bag / "data"
    root = etree.parse(str(data / "mets.xml")).getroot()
    tei = next(
        o
        for o in root.iter(f"{PREMIS}object")
        if o.findtext(f"{PREMIS}objectIdentifier/{PREMIS}objectIdentifierValue")
        == f"tei/{NAME}.xml"
    )
    digests = {
        f.findtext(f"{PREMIS}messageDigestAlgorithm"): f.findtext(f"{PREMIS}messageDigest")
        for f in tei.iter(f"{PREMIS}fixity")
    }
    raw = (data / "tei" / f"{NAME}.xml").read_bytes()
    assert digests == {
        "SHA-256": hashlib.sha256(raw).hexdigest(),
        "SHA-512": hashlib.sha512(raw).hexdigest(),
    }
    events = {e.findtext(f"{PREMIS}eventType"): e for e in root.iter(f"{PREMIS}event")}
    assert set(events) == {"metadata extraction", "validation", "information package creation"}
    outcome = f"{PREMIS}eventOutcomeInformation/{PREMIS}eventOutcome"
    assert events["validation"].findtext(outcome) == "pass"
    assert events["metadata extraction"].findtext(outcome) == "success"
    assert events["validation"].findtext(f"{PREMIS}eventDateTime") == f"{DATE}T00:00:00Z"
    agent = events["validation"].find(f"{PREMIS}linkingAgentIdentifier")
    assert agent.findtext(f"{PREMIS}linkingAgentRole") == "executing program"
    agents = {
        a.findtext(f"{PREMIS}agentIdentifier/{PREMIS}agentIdentifierValue"): a
        for a in root.iter(f"{PREMIS}agent")
    }
    software = agents[agent.findtext(f"{PREMIS}linkingAgentIdentifierValue")]
    assert software.findtext(f"{PREMIS}agentType") == "software"
    assert software.findtext(f"{PREMIS}agentName") == "archive"


def test_the_rocrate_library_reads_the_crate(letter_bag):
    data = letter_bag / "data"
    crate = ROCrate(str(data))
    assert crate.name.startswith("Open letter to the French Prime Minister")  # from the record
    assert crate.root_dataset["identifier"]["value"] == NAME
    assert crate.root_dataset["license"].id == "https://creativecommons.org/licenses/by/4.0/"
    entities = {e.id for e in crate.data_entities}
    expected = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    assert entities == expected - {"ro-crate-metadata.json"}
    tei = crate.get(f"tei/{NAME}.xml")
    assert tei["encodingFormat"] == "application/tei+xml"
    assert tei["contentSize"] == str((data / "tei" / f"{NAME}.xml").stat().st_size)
    raw = json.loads((data / "ro-crate-metadata.json").read_text())
    descriptor = next(e for e in raw["@graph"] if e["@id"] == "ro-crate-metadata.json")
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.2"}


def test_rdf_serialisations_agree(letter_bag):
    import pyoxigraph as ox
    from rdflib import Dataset, Graph
    from rdflib.compare import isomorphic

    rdf = letter_bag / "data" / "rdf"
    quads = list(ox.parse((rdf / f"{NAME}.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert {str(q.graph_name) for q in quads} == {
        f"<https://advocacy-archive.example/graph/{NAME}>"
    }
    nq = Dataset().parse(rdf / f"{NAME}.nq", format="nquads")
    ttl = Graph().parse(rdf / f"{NAME}.ttl", format="turtle")
    jsonld = Dataset().parse(rdf / f"{NAME}.jsonld", format="json-ld")
    union = Graph()
    for s, p, o, _ in nq.quads():
        union.add((s, p, o))
    union_jsonld = Graph()
    for s, p, o, _ in jsonld.quads():
        union_jsonld.add((s, p, o))
    assert len(union) == len(ttl) == len(union_jsonld) > 100
    assert isomorphic(union, ttl)
    assert isomorphic(union, union_jsonld)


# --------------------------------------------------------------------------- reproducible


def test_same_inputs_and_date_give_identical_bytes(letter_zip, record_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(resolve_date(DATE).timestamp())))
    again = tmp_path / f"{NAME}.zip"
    build_package([record_path], again)
    assert again.read_bytes() == letter_zip.read_bytes()
    other = tmp_path / "other" / f"{NAME}.zip"
    other.parent.mkdir()
    build_package([record_path], other, when="2026-11-27")
    assert other.read_bytes() != letter_zip.read_bytes()


def test_identical_across_processes_and_hash_seeds(letter_zip, record_path, tmp_path):
    out = tmp_path / f"{NAME}.zip"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "archive",
            "deposit",
            str(record_path),
            "--out",
            str(out),
            "--date",
            DATE,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == letter_zip.read_bytes()


def test_tar_and_folder_forms_are_reproducible_too(record_path, tmp_path):
    for n in ("a", "b"):
        (tmp_path / n).mkdir()
        build_package([record_path], tmp_path / n / f"{NAME}.tar", when=DATE)
        build_package([record_path], tmp_path / n / NAME, when=DATE)
    assert (tmp_path / "a" / f"{NAME}.tar").read_bytes() == (
        tmp_path / "b" / f"{NAME}.tar"
    ).read_bytes()
    with tarfile.open(tmp_path / "a" / f"{NAME}.tar") as tf:
        members = tf.getmembers()
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert [m.name for m in members] == sorted(m.name for m in members)
    for path in (tmp_path / "a" / NAME).rglob("*"):
        twin = tmp_path / "b" / NAME / path.relative_to(tmp_path / "a" / NAME)
        if path.is_file():
            assert path.read_bytes() == twin.read_bytes()
            assert path.stat().st_mtime == twin.stat().st_mtime


# --------------------------------------------------------------------------- safety


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_never_overwrites_unless_forced(record_path, tmp_path):
    out = tmp_path / f"{NAME}.zip"
    out.write_bytes(b"an earlier package")
    with pytest.raises(DepositError, match="already exists"):
        build_package([record_path], out, when=DATE)
    assert out.read_bytes() == b"an earlier package"
    build_package([record_path], out, when=DATE, force=True)
    assert zipfile.is_zipfile(out)
    assert _leftovers(tmp_path) == []


def test_a_failure_part_way_leaves_the_old_package_and_no_debris(record_path, tmp_path):
    out = tmp_path / NAME
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    empty = tmp_path / "no-shapes"
    empty.mkdir()
    with pytest.raises(DepositError, match="no SHACL shapes"):
        build_package([record_path], out, when=DATE, force=True, shapes_dir=empty)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert _leftovers(tmp_path) == []


def test_an_invalid_record_is_not_packaged(record_path, tmp_path):
    broken = invalid_copy(record_path, tmp_path)
    out = tmp_path / "broken.zip"
    with pytest.raises(RecordsInvalid) as exc:
        build_package([broken], out, when=DATE)
    assert not exc.value.report.valid
    assert any(
        f.rule == "refs.dangling" and f.file == "data/tei/broken-letter.xml"
        for f in exc.value.report
    )
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_allow_invalid_packages_it_and_the_report_inside_says_so(record_path, tmp_path):
    broken = invalid_copy(record_path, tmp_path)
    out = tmp_path / "broken"
    result = build_package([broken], out, when=DATE, allow_invalid=True)
    assert result.invalid == ["data/tei/broken-letter.xml"]
    report = json.loads((out / "data" / "reports" / "validation.json").read_text())
    assert report["valid"] is False and report["verdict"] == "invalid"
    rules = {f["rule"] for f in report["findings"]}
    assert {"refs.dangling", "deposit.packaged-invalid"} <= rules
    root = etree.parse(str(out / "data" / "mets.xml")).getroot()
    validation = next(
        e for e in root.iter(f"{PREMIS}event") if e.findtext(f"{PREMIS}eventType") == "validation"
    )
    assert validation.findtext(f"{PREMIS}eventOutcomeInformation/{PREMIS}eventOutcome") == "fail"
    bagit.Bag(str(out)).validate()  # the bag itself is still complete and valid


def test_usage_errors(record_path, tmp_path):
    with pytest.raises(UsageError):
        build_package([], tmp_path / "x.zip")
    with pytest.raises(UsageError):
        build_package([record_path], tmp_path / "x.zip", fmt="tar")
    with pytest.raises(UsageError):
        build_package([record_path], tmp_path / "x.zip", when="26/11/2026")
    with pytest.raises(UsageError):
        build_package([record_path], tmp_path / "missing-folder" / "x.zip")
    odd = tmp_path / "100%.xml"
    odd.write_bytes(record_path.read_bytes())
    with pytest.raises(UsageError, match="rename"):
        build_package([odd], tmp_path / "x.zip")


def test_source_date_epoch_must_be_a_number(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        resolve_date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651200")
    assert resolve_date().isoformat() == "2026-11-26T00:00:00+00:00"
    assert resolve_date("2026-11-26T12:00:00+02:00").isoformat() == "2026-11-26T10:00:00+00:00"


# --------------------------------------------------------------------------- command line


def test_cli_deposit_then_validate(record_path, tmp_path):
    runner = CliRunner()
    out = tmp_path / f"{NAME}.tar"
    result = runner.invoke(
        cli, ["deposit", str(record_path), "--out", str(out), "--tar", "--date", DATE]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (tar, BagIt 1.0" in result.output
    assert "records: 1 valid, 0 invalid" in result.output
    again = runner.invoke(cli, ["deposit", str(record_path), "--out", str(out), "--tar"])
    assert again.exit_code == 2 and "already exists" in again.output
    checked = runner.invoke(cli, ["validate", str(out), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["verdict"] == "valid"
    assert any(f["file"] == f"{out}!data/tei/{NAME}.xml" for f in report["findings"])


def test_cli_json_output_and_folder_form(record_path, tmp_path):
    out = tmp_path / NAME
    result = CliRunner().invoke(
        cli,
        [
            "deposit",
            str(record_path),
            "--out",
            str(out),
            "--format",
            "json",
            "--source-organization",
            "Depositor A",
            "--group-identifier",
            "https://advocacy-archive.example/collection-test",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "folder" and data["package"] == str(out)
    assert f"data/tei/{NAME}.xml" in data["files"]
    assert data["report"]["verdict"] == "valid"
    info = bagit.Bag(str(out)).info
    assert info["Source-Organization"] == "Depositor A"
    assert info["Bag-Group-Identifier"] == "https://advocacy-archive.example/collection-test"


def test_cli_refuses_an_invalid_record_with_exit_1(record_path, tmp_path):
    broken = invalid_copy(record_path, tmp_path)
    result = CliRunner().invoke(cli, ["deposit", str(broken), "--out", str(tmp_path / "b.zip")])
    assert result.exit_code == 1
    assert "refs.dangling" in result.output
    assert "not packaged" in result.output
    assert not (tmp_path / "b.zip").exists()
