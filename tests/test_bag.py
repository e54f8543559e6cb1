"""BagIt 1.0 writing and checking (archive.bag), on small bags made here.

The LoC ``bagit`` validator is the independent second reader of what ``write_bag`` writes.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import bagit
import pytest

from archive.deposit.bag import (
    Limits,
    PackageUnreadable,
    decode_path,
    encode_path,
    open_source,
    unsafe_reason,
    write_bag,
)
from archive.deposit.bagcheck import check_bag
from archive.findings import Severity

INFO = [
    ("Source-Organization", "Test organisation"),
    ("Bagging-Date", "2026-11-26"),
    ("External-Description", "A bag made by the tests"),
]


def make_bag(root: Path, files: dict[str, bytes] | None = None) -> Path:
    files = files or {
        "a.txt": b"hello\n",
        "sub/b.xml": b"<b/>\n",
        "odd%name.txt": b"percent\n",
    }
    for rel, data in files.items():
        target = root / "data" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    write_bag(root, INFO)
    return root


def rules(report_findings) -> list[str]:
    return sorted(f.rule for f in report_findings if f.severity is Severity.ERROR)


def check(path: Path, limits: Limits | None = None):
    with open_source(path, limits or Limits()) as src:
        return check_bag(src)


def zip_folder(folder: Path, target: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return target


# --------------------------------------------------------------------------- writing


def test_written_bag_is_bagit_1_0_and_the_loc_validator_accepts_it(tmp_path):
    # bagit-python 1.9 does not decode %25 (RFC 8493 §2.1.3), so no '%' in names here
    root = make_bag(
        tmp_path / "bag",
        {"a.txt": b"hello\n", "sub/b.xml": b"<b/>\n", "with space.txt": b"percent\n"},
    )
    assert (root / "bagit.txt").read_bytes() == (
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    )
    bag = bagit.Bag(str(root))
    assert bag.version_info == (1, 0)
    bag.validate()  # raises on any problem
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Payload-Oxum"] == f"{6 + 5 + 8}.3"


def test_manifests_are_sorted_and_percent_encode_special_characters(tmp_path):
    root = make_bag(tmp_path / "bag")
    lines = (root / "manifest-sha256.txt").read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(paths)
    assert "data/odd%25name.txt" in paths
    digest = hashlib.sha256(b"hello\n").hexdigest()
    assert f"{digest}  data/a.txt" in lines
    tags = [
        line.split("  ", 1)[1]
        for line in (root / "tagmanifest-sha512.txt").read_text().splitlines()
    ]
    assert tags == ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt"]


def test_payload_oxum_sits_after_bagging_date_and_tags_stay_on_one_line(tmp_path):
    long = "word " * 40
    (tmp_path / "bag" / "data").mkdir(parents=True)
    (tmp_path / "bag" / "data" / "x").write_bytes(b"x")
    write_bag(tmp_path / "bag", [*INFO, ("External-Identifier", long)])
    lines = (tmp_path / "bag" / "bag-info.txt").read_text().splitlines()
    assert lines[1:3] == ["Bagging-Date: 2026-11-26", "Payload-Oxum: 1.1"]
    assert lines[-1] == "External-Identifier: " + long.strip()
    assert bagit.Bag(str(tmp_path / "bag")).info["External-Identifier"] == long.strip()


def test_path_encoding_round_trips():
    name = "data/100%\r\nsure.txt"
    assert encode_path(name) == "data/100%25%0D%0Asure.txt"
    assert decode_path(encode_path(name)) == name


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "data/../../x",
        "/etc/passwd",
        "C:\\x",
        "data/./x",
        "data//x",
        "data\\..\\x",
        "a\x00b",
        "",
    ],
)
def test_unsafe_paths_are_recognised(name):
    assert unsafe_reason(name) is not None


def test_plain_paths_are_safe():
    assert unsafe_reason("data/tei/calais-2014-07-10.xml") is None


# --------------------------------------------------------------------------- checking


@pytest.mark.parametrize("form", ["folder", "zip", "tar"])
def test_a_good_bag_has_no_errors_in_every_form(tmp_path, form):
    root = make_bag(tmp_path / "bag")
    path = root
    if form == "zip":
        path = zip_folder(root, tmp_path / "bag.zip")
    elif form == "tar":
        path = tmp_path / "bag.tar"
        with tarfile.open(path, "w") as tf:
            tf.add(root, arcname="bag")
    contents = check(path)
    assert rules(contents.findings) == []
    assert contents.version == "1.0"
    assert contents.payload == ["data/a.txt", "data/odd%name.txt", "data/sub/b.xml"]
    assert set(contents.manifests) == {"sha256", "sha512"}


def test_one_changed_byte_is_reported_with_algorithm_expected_and_found(tmp_path):
    root = make_bag(tmp_path / "bag")
    before = hashlib.sha256(b"hello\n").hexdigest()
    (root / "data" / "a.txt").write_bytes(b"hellO\n")
    after = hashlib.sha256(b"hellO\n").hexdigest()
    found = [f for f in check(root).findings if f.rule == "bag.checksum-mismatch"]
    assert len(found) == 2  # one per manifest
    sha256 = next(f for f in found if f.message.startswith("sha256"))
    assert sha256.file == f"{root}/data/a.txt"
    assert before in sha256.message and after in sha256.message
    assert "manifest-sha256.txt (line 1)" in sha256.message
    assert sha256.value == after


def test_every_problem_is_reported_not_the_first(tmp_path):
    root = make_bag(tmp_path / "bag")
    (root / "data" / "a.txt").write_bytes(b"changed\n")  # checksum and size
    (root / "data" / "sub" / "b.xml").unlink()  # missing
    (root / "data" / "new.txt").write_bytes(b"new\n")  # not in manifest
    text = (root / "manifest-sha256.txt").read_text().splitlines()
    text[1] = "not-a-checksum  data/odd%25name.txt"
    (root / "manifest-sha256.txt").write_text("\n".join(text) + "\n")
    found = check(root).findings
    got = {(f.rule, f.file, f.line) for f in found if f.severity is Severity.ERROR}
    assert ("bag.file-missing", f"{root}/manifest-sha256.txt", 3) in got
    assert ("bag.file-missing", f"{root}/manifest-sha512.txt", 3) in got
    assert ("bag.file-not-in-manifest", f"{root}/data/new.txt", None) in got
    assert ("bag.manifest-malformed", f"{root}/manifest-sha256.txt", 2) in got
    assert ("bag.file-not-in-manifest", f"{root}/data/odd%name.txt", None) in got
    assert ("bag.oxum-mismatch", f"{root}/bag-info.txt", 3) in got
    assert ("bag.checksum-mismatch", f"{root}/data/a.txt", None) in got
    # the tag manifest noticed the edited manifest
    assert ("bag.checksum-mismatch", f"{root}/manifest-sha256.txt", None) in got


def test_malformed_bagit_txt_and_bag_info(tmp_path):
    root = make_bag(tmp_path / "bag")
    (root / "bagit.txt").write_bytes(b"BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n")
    (root / "bag-info.txt").write_bytes(b"Source-Organization: x\nthis line has no colon\n")
    found = check(root).findings
    assert any(f.rule == "bag.bagit-txt-malformed" and f.line == 1 for f in found)
    assert any(f.rule == "bag.bag-info-malformed" and f.line == 2 for f in found)


def test_missing_bagit_txt_and_unsupported_encoding(tmp_path):
    root = make_bag(tmp_path / "bag")
    (root / "bagit.txt").write_bytes(
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: KLINGON-7\n"
    )
    assert "bag.encoding-unsupported" in rules(check(root).findings)
    (root / "bagit.txt").unlink()
    assert "bag.bagit-txt-missing" in rules(check(root).findings)


def test_unsupported_algorithm_and_missing_manifest(tmp_path):
    root = make_bag(tmp_path / "bag")
    (root / "manifest-sha256.txt").rename(root / "manifest-whirlpool.txt")
    (root / "manifest-sha512.txt").unlink()
    found = rules(check(root).findings)
    assert "bag.algorithm-unsupported" in found
    assert "bag.manifest-missing" not in found  # a manifest is there, just not readable
    (root / "manifest-whirlpool.txt").unlink()
    assert "bag.manifest-missing" in rules(check(root).findings)


def test_payload_oxum_malformed(tmp_path):
    root = make_bag(tmp_path / "bag")
    text = (root / "bag-info.txt").read_text().replace("Payload-Oxum: 19.3", "Payload-Oxum: lots")
    (root / "bag-info.txt").write_text(text)
    assert "bag.oxum-malformed" in rules(check(root).findings)


# --------------------------------------------------------------------------- hostile packages


@pytest.mark.parametrize("evil", ["../../outside.txt", "/etc/passwd", "data/../../outside.txt"])
def test_path_traversal_in_a_manifest_is_refused_and_never_opened(tmp_path, evil):
    root = make_bag(tmp_path / "bag")
    secret = tmp_path / "outside.txt"
    secret.write_bytes(b"secret")
    digest = hashlib.sha256(b"wrong").hexdigest()
    with open(root / "manifest-sha256.txt", "a") as fh:
        fh.write(f"{digest}  {evil}\n")
    found = check(root).findings
    unsafe = [f for f in found if f.rule in ("bag.unsafe-path", "bag.manifest-outside-payload")]
    assert len(unsafe) == 1 and unsafe[0].line == 4
    # had the path been followed, a checksum mismatch would name it
    assert not any(f.rule == "bag.checksum-mismatch" and "outside" in f.message for f in found)


def test_archive_members_with_traversal_or_absolute_names_are_refused(tmp_path):
    root = make_bag(tmp_path / "bag")
    path = zip_folder(root, tmp_path / "evil.zip", {"bag/../../evil.txt": b"x", "/abs.txt": b"y"})
    found = check(path).findings
    assert sum(f.rule == "bag.unsafe-path" for f in found) >= 1
    assert not (tmp_path.parent / "evil.txt").exists()


def test_symlink_out_of_a_bag_folder_is_refused_and_not_read(tmp_path):
    root = make_bag(tmp_path / "bag")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    os.symlink(secret, root / "data" / "link.txt")
    found = check(root).findings
    link = [f for f in found if f.rule == "bag.unsafe-link"]
    assert len(link) == 1 and link[0].file.endswith("data/link.txt")


def test_symlink_inside_a_bag_folder_is_followed_with_a_warning(tmp_path):
    root = make_bag(tmp_path / "bag")
    os.symlink("a.txt", root / "data" / "same.txt")
    found = check(root).findings
    assert any(f.rule == "bag.link" and f.severity is Severity.WARNING for f in found)
    assert any(f.rule == "bag.file-not-in-manifest" and f.file.endswith("same.txt") for f in found)


def _tar_with(tmp_path: Path, members: list[tarfile.TarInfo]) -> Path:
    root = make_bag(tmp_path / "bag")
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tf:
        tf.add(root, arcname="bag")
        for info in members:
            tf.addfile(info, io.BytesIO(b"") if info.isreg() else None)
    return path


def test_tar_links_that_leave_the_bag_are_refused(tmp_path):
    sym = tarfile.TarInfo("bag/data/passwd")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    up = tarfile.TarInfo("bag/data/up")
    up.type, up.linkname = tarfile.SYMTYPE, "../../../outside"
    hard = tarfile.TarInfo("bag/data/hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "elsewhere/file"
    found = check(_tar_with(tmp_path, [sym, up, hard])).findings
    refused = sorted(f.file.rsplit("!", 1)[1] for f in found if f.rule == "bag.unsafe-link")
    assert refused == ["data/hard", "data/passwd", "data/up"]


def test_tar_device_files_are_refused(tmp_path):
    dev = tarfile.TarInfo("bag/data/null")
    dev.type = tarfile.CHRTYPE
    found = check(_tar_with(tmp_path, [dev])).findings
    assert any(f.rule == "bag.special-file" for f in found)


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        zf.writestr("bag/data/zeros", b"\0" * (8 << 20))
    assert path.stat().st_size < 100_000
    from archive.deposit.bag import LimitExceeded

    with pytest.raises(LimitExceeded) as exc:
        check(path)
    assert exc.value.rule == "bag.zip-bomb"


def test_a_package_larger_than_the_limit_is_refused(tmp_path):
    root = make_bag(tmp_path / "bag", {"big.bin": os.urandom(5000)})
    from archive.deposit.bag import LimitExceeded

    with pytest.raises(LimitExceeded) as exc:
        check(zip_folder(root, tmp_path / "b.zip"), Limits(max_total_bytes=4000))
    assert exc.value.rule == "bag.too-large"


def test_too_many_members_are_refused_from_the_zip_directory_record(tmp_path):
    root = make_bag(tmp_path / "bag", {f"f{i}.txt": b"x" for i in range(30)})
    from archive.deposit.bag import LimitExceeded

    with pytest.raises(LimitExceeded) as exc:
        check(zip_folder(root, tmp_path / "many.zip"), Limits(max_members=10))
    assert exc.value.rule == "bag.too-many-files"


def test_an_enormous_manifest_is_not_read(tmp_path):
    root = make_bag(tmp_path / "bag")
    with open(root / "manifest-sha256.txt", "a") as fh:
        for i in range(200):
            fh.write(f"{'0' * 64}  data/f{i}.txt\n")
    found = check(root, Limits(max_manifest_bytes=4096)).findings
    assert any(
        f.rule == "bag.manifest-too-large" and f.file.endswith("manifest-sha256.txt") for f in found
    )


def test_duplicate_zip_entries_are_reported(tmp_path):
    root = make_bag(tmp_path / "bag")
    path = tmp_path / "dup.zip"
    zip_folder(root, path)
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as zf:
        zf.writestr("bag/data/a.txt", b"second copy\n")
    assert "bag.duplicate-entry" in rules(check(path).findings)


def test_something_that_is_not_a_package_cannot_be_opened(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not an archive")
    with pytest.raises(PackageUnreadable):
        open_source(junk)
    with pytest.raises(PackageUnreadable):
        open_source(tmp_path / "absent")


def test_a_corrupt_zip_member_is_a_finding_not_a_crash(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"hello, stored without compression\n"})
    path = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, f"bag/{p.relative_to(root).as_posix()}")
    raw = bytearray(path.read_bytes())
    at = raw.index(b"hello, stored")
    raw[at] = ord("J")  # the CRC no longer matches
    path.write_bytes(bytes(raw))
    found = check(path).findings
    bad = [f for f in found if f.rule == "bag.member-unreadable"]
    assert len(bad) == 1 and bad[0].file == f"{path}!data/a.txt"
    assert "CRC" in bad[0].message
