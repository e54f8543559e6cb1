"""BagIt 1.0 (RFC 8493): write a bag, read one from a folder, a zip or a tar, and check it.

bagit-python 1.9 writes ``BagIt-Version: 0.97``, moves files in place and stamps today's date, so
bags are written here, to the letter of RFC 8493 and byte for byte reproducibly; bagit-python stays
the independent validator that the tests run on what this module writes.

Reading never extracts anything to disk: members are read through a :class:`BagSource` with limits
on member counts, sizes, compression ratios and manifest sizes, and links are resolved by name and
refused when they leave the bag. A hostile package (path traversal, links out of the bag, zip bombs,
enormous manifests) therefore costs bounded time and memory and writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import struct
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from archive.errors import ArchiveError, MemberUnreadable, PackageUnreadable
from archive.findings import Finding, Layer, Severity

BAGIT_VERSION = "1.0"
ENCODING = "UTF-8"
WRITE_ALGORITHMS = ("sha512", "sha256")

# Algorithms a reader verifies. RFC 8493 names sha512 and sha256 as the ones to write; md5 and
# sha1 still occur in older bags and are verified (the profile decides whether they are allowed).
ALGORITHMS = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha224": hashlib.sha224,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
DIGEST_HEX = {name: f().digest_size * 2 for name, f in ALGORITHMS.items()}

MANIFEST_RE = re.compile(r"^manifest-([A-Za-z0-9]+)\.txt$")
TAGMANIFEST_RE = re.compile(r"^tagmanifest-([A-Za-z0-9]+)\.txt$")
_OXUM_RE = re.compile(r"^(\d+)\.(\d+)$")
_HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")
_CHUNK = 1 << 16


_READ_ERRORS = (
    OSError,
    RuntimeError,
    NotImplementedError,
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    tarfile.TarError,
)


class LimitExceeded(ArchiveError):
    """Reading the package would cross one of the :class:`Limits`; the package is refused."""

    def __init__(self, message: str, rule: str = "bag.too-large") -> None:
        super().__init__(message)
        self.rule = rule


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


@dataclass(frozen=True)
class Limits:
    """Bounds on what reading one package may cost. Generous for real deposits."""

    max_members: int = 100_000  # files, folders and links in the package
    max_total_bytes: int = 4 << 30  # uncompressed bytes in the package, and bytes read
    max_ratio: int = 200  # compression ratio of one zip member (checked above 1 MiB)
    max_manifest_bytes: int = 32 << 20  # one manifest file
    max_tag_bytes: int = 1 << 20  # bagit.txt, bag-info.txt and other small tag files

    @classmethod
    def from_env(cls) -> Limits:
        """``ARCHIVE_MAX_PACKAGE_BYTES`` and ``ARCHIVE_MAX_PACKAGE_FILES`` raise the defaults."""
        return cls(
            max_members=_env_int("ARCHIVE_MAX_PACKAGE_FILES", cls.max_members),
            max_total_bytes=_env_int("ARCHIVE_MAX_PACKAGE_BYTES", cls.max_total_bytes),
        )


# --------------------------------------------------------------------------- paths


def encode_path(path: str) -> str:
    """Manifest form of a path: RFC 8493 §2.1.3 percent-encodes ``%``, CR and LF."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(path: str) -> str:
    return re.sub(
        r"%(0[DdAa]|25)", lambda m: {"0D": "\r", "0A": "\n", "25": "%"}[m.group(1).upper()], path
    )


def unsafe_reason(name: str) -> str | None:
    """Why a path inside a package cannot be trusted, or None when it is a plain relative path."""
    if not name:
        return "empty path"
    if "\x00" in name:
        return "NUL character in path"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    parts = re.split(r"[/\\]", name.rstrip("/"))
    if any(p == ".." for p in parts):
        return "parent-directory reference ('..')"
    if any(p in ("", ".") for p in parts):
        return "empty or '.' path segment"
    return None


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class BagSummary:
    root: Path
    payload_bytes: int
    payload_files: int
    manifests: dict[str, dict[str, str]]  # algorithm -> payload path -> digest

    @property
    def oxum(self) -> str:
        return f"{self.payload_bytes}.{self.payload_files}"


def _digests(path: Path, algorithms: Iterable[str]) -> dict[str, str]:
    hashers = {a: ALGORITHMS[a]() for a in algorithms}
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            for h in hashers.values():
                h.update(chunk)
    return {a: h.hexdigest() for a, h in hashers.items()}


def tag_line(label: str, value: str) -> str:
    """One ``label: value`` line of a tag file, on one line.

    RFC 8493 §2.2.2 recommends folding lines longer than 79 characters, but bagit-python (the
    Library of Congress implementation) keeps the fold's line break and indentation inside the
    value it reads, which would corrupt identifiers and descriptions for such readers; one line
    per tag is read the same way by every implementation.
    """
    return f"{label}: {' '.join(value.split())}\n"


def _files_under(root: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath, name)
            if full.is_symlink() or not full.is_file():
                raise ArchiveError(f"not a regular file, cannot be bagged: {full}")
            out.append(full.relative_to(root).as_posix())
    return sorted(out)


def write_bag(
    root: Path, info: list[tuple[str, str]], algorithms: Iterable[str] = WRITE_ALGORITHMS
) -> BagSummary:
    """Turn ``root`` (whose ``data/`` holds the payload) into a BagIt 1.0 bag.

    Lines are sorted and nothing depends on the clock, so the same payload and the same ``info``
    give the same bytes. ``Payload-Oxum`` is computed here and replaces any value in ``info``.
    """
    algorithms = tuple(algorithms)
    data = root / "data"
    if not data.is_dir():
        raise ArchiveError(f"no payload directory {data}")
    payload = [f"data/{p}" for p in _files_under(data)]
    manifests: dict[str, dict[str, str]] = {a: {} for a in algorithms}
    total = 0
    for rel in payload:
        full = root / rel
        total += full.stat().st_size
        for alg, digest in _digests(full, algorithms).items():
            manifests[alg][rel] = digest
    summary = BagSummary(root, total, len(payload), manifests)

    (root / "bagit.txt").write_bytes(
        f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: {ENCODING}\n".encode()
    )
    items = [(k, v) for k, v in info if k != "Payload-Oxum"]
    at = next((i + 1 for i, (k, _) in enumerate(items) if k == "Bagging-Date"), len(items))
    items.insert(at, ("Payload-Oxum", summary.oxum))
    (root / "bag-info.txt").write_bytes("".join(tag_line(k, v) for k, v in items).encode())
    for alg in algorithms:
        lines = "".join(f"{d}  {encode_path(p)}\n" for p, d in sorted(manifests[alg].items()))
        (root / f"manifest-{alg}.txt").write_bytes(lines.encode())
    tagfiles = sorted(
        p.name for p in root.iterdir() if p.is_file() and not TAGMANIFEST_RE.match(p.name)
    )
    for alg in algorithms:
        lines = "".join(
            f"{_digests(root / name, [alg])[alg]}  {encode_path(name)}\n" for name in tagfiles
        )
        (root / f"tagmanifest-{alg}.txt").write_bytes(lines.encode())
    return summary


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Member:
    """One entry of a package, named relative to the bag's base directory."""

    name: str
    kind: str  # "file", "dir", "link", "other"
    size: int = 0
    target: str | None = None  # link target as stored
    hardlink: bool = False  # tar hard links name their target from the archive root


class Budget:
    """Bytes read so far across one validation; crossing the limit refuses the package."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise LimitExceeded(
                f"reading the package went past {self.limit:,} bytes; refused "
                "(raise ARCHIVE_MAX_PACKAGE_BYTES if the package is genuine)"
            )


class BagSource:
    """A bag on disk, in a zip or in a tar, read by member name without extracting anything."""

    kind = "folder"

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.members: dict[str, Member] = {}
        self.findings: list[Finding] = []  # what listing the members found
        self.budget = Budget(limits.max_total_bytes)
        self.display = str(path)

    # locations ---------------------------------------------------------------
    def location(self, name: str | None = None) -> str:
        if not name:
            return self.display
        sep = "/" if self.kind == "folder" else "!"
        return f"{self.display.rstrip('/')}{sep}{name}"

    def finding(
        self,
        rule: str,
        message: str,
        name: str | None = None,
        line: int | None = None,
        severity: Severity = Severity.ERROR,
        layer: Layer = Layer.BAG,
        value: str | None = None,
    ) -> Finding:
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            layer=layer,
            file=self.location(name),
            line=line,
            value=value,
        )

    # members -----------------------------------------------------------------
    def _add(self, member: Member) -> None:
        if len(self.members) >= self.limits.max_members:
            raise LimitExceeded(
                f"the package has more than {self.limits.max_members:,} members; refused "
                "(raise ARCHIVE_MAX_PACKAGE_FILES if it is genuine)",
                rule="bag.too-many-files",
            )
        reason = unsafe_reason(member.name)
        if reason:
            self.findings.append(
                self.finding(
                    "bag.unsafe-path",
                    f"member {member.name!r} refused: {reason}; it is never read",
                    value=member.name,
                )
            )
            return
        if member.name in self.members:
            self.findings.append(
                self.finding(
                    "bag.duplicate-entry",
                    f"{member.name} occurs more than once in the package; none of its copies is "
                    "trusted",
                    member.name,
                )
            )
            self.members[member.name] = Member(member.name, "other")
            return
        self.members[member.name] = member

    def resolve(self, name: str, depth: int = 0) -> str | None:
        """The file a member name stands for, following links that stay inside the bag."""
        member = self.members.get(name)
        if member is None:
            return None
        if member.kind != "link":
            return name if member.kind == "file" else None
        if depth > 8 or member.target is None:
            return None
        target = self._link_target(member)
        if target is None:
            return None
        return self.resolve(target, depth + 1)

    def _link_target(self, member: Member) -> str | None:
        """The in-bag name a link points at, or None when it leaves the bag."""
        raw = member.target or ""
        if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
            return None
        base = "" if member.hardlink else posixpath.dirname(member.name)
        joined = posixpath.normpath(posixpath.join(base, raw))
        if joined.startswith("..") or joined.startswith("/") or joined == ".":
            return None
        return joined

    def link_escapes(self, member: Member) -> bool:
        return self._link_target(member) is None

    def size(self, name: str) -> int:
        real = self.resolve(name)
        return self.members[real].size if real else 0

    # reading -----------------------------------------------------------------
    def _open(self, name: str) -> IO[bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def stream(self, name: str) -> Iterator[bytes]:
        """Chunks of a member (links followed inside the bag), counted against the budget."""
        real = self.resolve(name)
        if real is None:
            raise KeyError(name)
        try:
            with self._open(real) as fh:
                while chunk := fh.read(_CHUNK):
                    self.budget.take(len(chunk))
                    yield chunk
        except _READ_ERRORS as exc:
            raise MemberUnreadable(name, str(exc) or type(exc).__name__) from None

    def read(self, name: str, limit: int) -> bytes:
        """A whole member, refused when it is larger than ``limit``."""
        if self.size(name) > limit:
            raise LimitExceeded(f"{name} is larger than {limit:,} bytes", rule="bag.file-too-large")
        out = bytearray()
        for chunk in self.stream(name):
            out += chunk
            if len(out) > limit:
                raise LimitExceeded(
                    f"{name} is larger than {limit:,} bytes", rule="bag.file-too-large"
                )
        return bytes(out)

    def digests(self, name: str, algorithms: Iterable[str]) -> dict[str, str]:
        hashers = {a: ALGORITHMS[a]() for a in algorithms}
        for chunk in self.stream(name):
            for h in hashers.values():
                h.update(chunk)
        return {a: h.hexdigest() for a, h in hashers.items()}

    def close(self) -> None:
        pass

    def __enter__(self) -> BagSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FolderSource(BagSource):
    kind = "folder"

    def __init__(self, path: Path, limits: Limits) -> None:
        super().__init__(path, limits)
        self.root = path
        self._real_root = os.path.realpath(path)
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                rel = Path(full).relative_to(path).as_posix()
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    self._add(Member(rel, "link", 0, os.readlink(full)))
                elif stat.S_ISDIR(st.st_mode):
                    self._add(Member(rel, "dir"))
                elif stat.S_ISREG(st.st_mode):
                    self._add(Member(rel, "file", st.st_size))
                else:
                    self._add(Member(rel, "other"))

    def _link_target(self, member: Member) -> str | None:
        # On disk the kernel resolves links through linked folders too: ask it, then check.
        real = os.path.realpath(os.path.join(self.root, member.name))
        root = self._real_root
        if os.path.commonpath([real, root]) != root or real == root:
            return None
        return Path(real).relative_to(self._real_root).as_posix()

    def resolve(self, name: str, depth: int = 0) -> str | None:
        member = self.members.get(name)
        if member is None:
            return None
        if member.kind == "link":
            target = self._link_target(member)
            if target is None:
                return None
            full = os.path.join(self._real_root, target)
            if not os.path.isfile(full):
                return None
            if target not in self.members:  # reached through a linked folder
                self.members[target] = Member(target, "file", os.stat(full).st_size)
            return target
        return name if member.kind == "file" else None

    def _open(self, name: str) -> IO[bytes]:
        # O_NOFOLLOW: a file swapped for a link after listing is not followed
        fd = os.open(
            os.path.join(self._real_root, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        )
        return os.fdopen(fd, "rb")


def _single_base(names: list[str]) -> str | None:
    """The one top-level folder every member sits in (RFC 8493 §4), if there is one."""
    tops = {n.split("/", 1)[0] for n in names if n}
    if len(tops) == 1:
        top = next(iter(tops))
        if all(n == top or n.startswith(top + "/") for n in names) and any(
            n.startswith(top + "/") for n in names
        ):
            return top
    return None


def _zip_declared_count(path: Path) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile lists them."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        back = min(size, 65536 + 22)
        fh.seek(size - back)
        tail = fh.read(back)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (total,) = struct.unpack("<H", tail[at + 10 : at + 12])
    if total == 0xFFFF:  # ZIP64: the locator sits just before the record
        loc = tail.rfind(b"PK\x06\x06", 0, at)
        if loc >= 0 and loc + 40 <= len(tail):
            (total,) = struct.unpack("<Q", tail[loc + 32 : loc + 40])
    return total


class ZipSource(BagSource):
    kind = "zip"

    def __init__(self, path: Path, limits: Limits, display: str | None = None) -> None:
        super().__init__(path, limits)
        self.display = display or str(path)
        declared = _zip_declared_count(path)
        if declared is not None and declared > limits.max_members:
            raise LimitExceeded(
                f"the zip declares {declared:,} entries, more than {limits.max_members:,}; refused "
                "before listing them (raise ARCHIVE_MAX_PACKAGE_FILES if it is genuine)",
                rule="bag.too-many-files",
            )
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise PackageUnreadable(f"{path}: not a readable zip file ({exc})") from None
        infos = self.zf.infolist()
        names = [i.filename for i in infos]
        self.base = _single_base(names)
        if self.base is None:
            if "bagit.txt" in names:
                self.base = ""
                self.findings.append(
                    self.finding(
                        "bag.serialization-layout",
                        "the bag's files sit at the top of the archive; RFC 8493 §4 wants one "
                        "base folder that holds the bag",
                        severity=Severity.WARNING,
                    )
                )
            else:
                self.base = ""
                self.findings.append(
                    self.finding(
                        "bag.serialization-layout",
                        "the archive does not unpack to a single bag folder (RFC 8493 §4)",
                    )
                )
        self._infos: dict[str, zipfile.ZipInfo] = {}
        total = 0
        prefix = f"{self.base}/" if self.base else ""
        for info in infos:
            raw = info.filename
            if prefix and raw == self.base + "/":
                continue
            name = raw[len(prefix) :] if prefix and raw.startswith(prefix) else raw
            mode = info.external_attr >> 16
            if raw.endswith("/"):
                self._add(Member(name.rstrip("/"), "dir"))
                continue
            if stat.S_ISLNK(mode):
                target = (
                    self.zf.read(info)[:4096].decode("utf-8", "replace")
                    if (info.file_size <= 4096)
                    else ""
                )
                self._add(Member(name, "link", 0, target))
            else:
                total += info.file_size
                if total > limits.max_total_bytes:
                    raise LimitExceeded(
                        f"the zip unpacks to more than {limits.max_total_bytes:,} bytes; refused "
                        "(a zip bomb, or raise ARCHIVE_MAX_PACKAGE_BYTES if it is genuine)"
                    )
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > (1 << 20) and ratio > limits.max_ratio:
                    raise LimitExceeded(
                        f"{name} expands {ratio:,.0f} times ({info.compress_size:,} bytes to "
                        f"{info.file_size:,}); refused as a zip bomb",
                        rule="bag.zip-bomb",
                    )
                self._add(Member(name, "file", info.file_size))
            self._infos.setdefault(name, info)

    def _open(self, name: str) -> IO[bytes]:
        return self.zf.open(self._infos[name])

    def close(self) -> None:
        self.zf.close()


class TarSource(BagSource):
    kind = "tar"

    def __init__(self, path: Path, limits: Limits, display: str | None = None) -> None:
        super().__init__(path, limits)
        self.display = display or str(path)
        try:
            # open for the source's lifetime, closed by close(); compressed tars are read through
            # the same size limits as plain ones
            self.tf = tarfile.open(path, "r:*")  # noqa: SIM115
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise PackageUnreadable(f"{path}: not a readable tar file ({exc})") from None
        infos: list[tarfile.TarInfo] = []
        try:
            for ti in self.tf:
                infos.append(ti)
                if len(infos) > limits.max_members:
                    raise LimitExceeded(
                        f"the tar has more than {limits.max_members:,} members; refused",
                        rule="bag.too-many-files",
                    )
        except tarfile.TarError as exc:
            raise PackageUnreadable(f"{path}: damaged tar file ({exc})") from None
        names = [self._clean(ti.name) for ti in infos]
        self.base = _single_base(names)
        if self.base is None:
            self.base = ""
            ok = "bagit.txt" in names
            self.findings.append(
                self.finding(
                    "bag.serialization-layout",
                    "the bag's files sit at the top of the archive; RFC 8493 §4 wants one base "
                    "folder that holds the bag"
                    if ok
                    else "the archive does not unpack to a single bag folder (RFC 8493 §4)",
                    severity=Severity.WARNING if ok else Severity.ERROR,
                )
            )
        prefix = f"{self.base}/" if self.base else ""
        self._infos: dict[str, tarfile.TarInfo] = {}
        total = 0
        for ti, raw in zip(infos, names, strict=True):
            if prefix and raw == self.base:
                continue
            name = raw[len(prefix) :] if prefix and raw.startswith(prefix) else raw
            if ti.isdir():
                self._add(Member(name, "dir"))
            elif ti.issym():
                self._add(Member(name, "link", 0, ti.linkname))
            elif ti.islnk():
                target = self._clean(ti.linkname)
                target = (
                    target[len(prefix) :]
                    if prefix and target.startswith(prefix)
                    else ("../" + target)
                )
                self._add(Member(name, "link", 0, target, hardlink=True))
            elif ti.isreg():
                total += ti.size
                if total > limits.max_total_bytes:
                    raise LimitExceeded(
                        f"the tar holds more than {limits.max_total_bytes:,} bytes; refused"
                    )
                self._add(Member(name, "file", ti.size))
            else:
                self._add(Member(name, "other"))
            self._infos.setdefault(name, ti)

    @staticmethod
    def _clean(name: str) -> str:
        while name.startswith("./"):
            name = name[2:]
        return name.rstrip("/") if name not in ("/",) else name

    def _open(self, name: str) -> IO[bytes]:
        fh = self.tf.extractfile(self._infos[name])
        if fh is None:
            raise KeyError(name)
        return fh

    def close(self) -> None:
        self.tf.close()


def open_source(path: Path, limits: Limits | None = None, display: str | None = None) -> BagSource:
    """Open a bag folder, a ``.zip`` or a ``.tar`` for reading."""
    limits = limits or Limits.from_env()
    if path.is_dir():
        src: BagSource = FolderSource(path, limits)
        if display:
            src.display = display
        return src
    if not path.is_file():
        raise PackageUnreadable(f"no such package: {path}")
    if zipfile.is_zipfile(path):
        return ZipSource(path, limits, display)
    try:
        is_tar = tarfile.is_tarfile(path)
    except OSError:
        is_tar = False
    if is_tar:
        return TarSource(path, limits, display)
    raise PackageUnreadable(f"{path}: not a bag folder, a zip or a tar")


# --------------------------------------------------------------------------- checking


@dataclass
class BagContents:
    """What a bag declares, as read; ``findings`` says what is wrong with it (all of it)."""

    version: str | None = None
    encoding: str | None = None
    info: list[tuple[str, str, int]] = field(default_factory=list)  # label, value, line
    manifests: dict[str, dict[str, str]] = field(default_factory=dict)  # payload manifests
    tagmanifests: dict[str, dict[str, str]] = field(default_factory=dict)
    payload: list[str] = field(default_factory=list)  # files under data/
    tagfiles: list[str] = field(default_factory=list)  # files outside data/
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, bool] = field(default_factory=dict)  # payload file -> fixity verified

    def info_values(self, label: str) -> list[str]:
        return [v for k, v, _ in self.info if k == label]


def parse_tag_file(text: str) -> tuple[list[tuple[str, str, int]], list[tuple[int, str]]]:
    """``label: value`` lines with folding (RFC 8493 §2.2.2): tags and malformed lines."""
    tags: list[tuple[str, str, int]] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            bad.append((number, "empty line"))
            continue
        if line[0] in " \t":
            if tags:
                label, value, at = tags[-1]
                tags[-1] = (label, f"{value} {line.strip()}".strip(), at)
            else:
                bad.append((number, "continuation line with no tag before it"))
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip() or label != label.strip():
            bad.append((number, f"not a 'Label: value' line: {line[:80]!r}"))
            continue
        tags.append((label, value.strip(), number))
    return tags, bad


def _decode(src: BagSource, name: str, data: bytes, out: BagContents) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        out.findings.append(
            src.finding(
                "bag.tag-file-bom",
                f"{name} starts with a byte-order mark",
                name,
                severity=Severity.WARNING,
            )
        )
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.findings.append(
            src.finding("bag.tag-file-encoding", f"{name} is not UTF-8: {exc.reason}", name, line)
        )
        return None


def _read_bagit_txt(src: BagSource, out: BagContents) -> None:
    name = "bagit.txt"
    if src.resolve(name) is None:
        out.findings.append(
            src.finding(
                "bag.bagit-txt-missing",
                "bagit.txt is missing: without it this is not a bag (RFC 8493 §2.1.1)",
                name,
            )
        )
        return
    text = _decode(src, name, src.read(name, src.limits.max_tag_bytes), out)
    if text is None:
        return
    lines = text.splitlines()
    expected = ["BagIt-Version", "Tag-File-Character-Encoding"]
    tags, bad = parse_tag_file(text)
    for number, why in bad:
        out.findings.append(
            src.finding("bag.bagit-txt-malformed", f"bagit.txt: {why}", name, number)
        )
    labels = [t[0] for t in tags]
    if labels != expected or len(lines) != 2:
        out.findings.append(
            src.finding(
                "bag.bagit-txt-malformed",
                "bagit.txt must hold exactly two lines, 'BagIt-Version: M.N' then "
                f"'Tag-File-Character-Encoding: ENCODING'; found {labels or 'no tags'}",
                name,
                1,
            )
        )
    values = {k: (v, n) for k, v, n in tags}
    if "BagIt-Version" in values:
        version, number = values["BagIt-Version"]
        out.version = version
        if not re.fullmatch(r"\d+\.\d+", version):
            out.findings.append(
                src.finding(
                    "bag.bagit-txt-malformed",
                    f"BagIt-Version {version!r} is not M.N",
                    name,
                    number,
                    value=version,
                )
            )
        elif version not in ("0.97", "1.0"):
            out.findings.append(
                src.finding(
                    "bag.version-unsupported",
                    f"BagIt-Version {version} is not one this validator reads (1.0, 0.97)",
                    name,
                    number,
                    value=version,
                )
            )
    if "Tag-File-Character-Encoding" in values:
        enc, number = values["Tag-File-Character-Encoding"]
        out.encoding = enc
        if enc.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
            out.findings.append(
                src.finding(
                    "bag.encoding-unsupported",
                    f"Tag-File-Character-Encoding {enc!r}: only UTF-8 tag files are read",
                    name,
                    number,
                    value=enc,
                )
            )


def _read_bag_info(src: BagSource, out: BagContents) -> None:
    name = "bag-info.txt"
    if src.resolve(name) is None:
        return  # optional in RFC 8493; the profile says whether it is required
    text = _decode(src, name, src.read(name, src.limits.max_tag_bytes), out)
    if text is None:
        return
    tags, bad = parse_tag_file(text)
    for number, why in bad:
        out.findings.append(
            src.finding("bag.bag-info-malformed", f"bag-info.txt: {why}", name, number)
        )
    out.info = tags


def _read_manifest(
    src: BagSource, name: str, alg: str, payload: bool, out: BagContents
) -> dict[str, str] | None:
    try:
        data = src.read(name, src.limits.max_manifest_bytes)
    except LimitExceeded:
        out.findings.append(
            src.finding(
                "bag.manifest-too-large",
                f"{name} is {src.size(name):,} bytes, over the {src.limits.max_manifest_bytes:,}"
                "-byte limit for one manifest; it is not read",
                name,
            )
        )
        return None
    text = _decode(src, name, data, out)
    if text is None:
        return None
    entries: dict[str, str] = {}
    width = DIGEST_HEX[alg]
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = re.match(r"^(\S+)[ \t]+(.*)$", line)
        if not m or not m.group(2):
            out.findings.append(
                src.finding(
                    "bag.manifest-malformed",
                    f"{name}: not a 'checksum  path' line: {line[:80]!r}",
                    name,
                    number,
                )
            )
            continue
        digest, path = m.group(1), decode_path(m.group(2))
        if not _HEX_RE.match(digest) or len(digest) != width:
            out.findings.append(
                src.finding(
                    "bag.manifest-malformed",
                    f"{name}: {digest[:80]!r} is not a {alg} checksum ({width} hex digits)",
                    name,
                    number,
                    value=digest[:128],
                )
            )
            continue
        reason = unsafe_reason(path)
        if reason:
            out.findings.append(
                src.finding(
                    "bag.unsafe-path",
                    f"{name}: path {path[:200]!r} refused ({reason}); it is never opened",
                    name,
                    number,
                    value=path[:200],
                )
            )
            continue
        if payload and not path.startswith("data/"):
            out.findings.append(
                src.finding(
                    "bag.manifest-outside-payload",
                    f"{name}: {path} is outside data/; a payload manifest lists payload files only",
                    name,
                    number,
                    value=path,
                )
            )
            continue
        if not payload and path.startswith("data/"):
            out.findings.append(
                src.finding(
                    "bag.tagmanifest-payload",
                    f"{name}: {path} is a payload file; a tag manifest lists tag files",
                    name,
                    number,
                    severity=Severity.WARNING,
                    value=path,
                )
            )
        key = _nfc(path)
        if key in entries:
            out.findings.append(
                src.finding(
                    "bag.duplicate-entry",
                    f"{name}: {path} is listed more than once",
                    name,
                    number,
                    value=path,
                )
            )
            continue
        entries[key] = digest.lower()
    return entries


def _manifest_lines(src: BagSource, name: str) -> dict[str, int]:
    """Line number of each path in a manifest, for locating findings (manifest already read)."""
    try:
        text = src.read(name, src.limits.max_manifest_bytes).decode("utf-8", "replace")
    except (LimitExceeded, KeyError):
        return {}
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\S+[ \t]+(.*)$", line)
        if m:
            out.setdefault(_nfc(decode_path(m.group(1))), number)
    return out


def check_bag(src: BagSource, fixity: bool = True) -> BagContents:
    """Completeness and validity (RFC 8493 §3), reporting every problem, not the first.

    Members named unsafely, links that leave the bag and special files are reported and never
    read. ``LimitExceeded`` propagates: the caller turns it into a refusal.
    """
    out = BagContents()
    out.findings.extend(src.findings)
    _read_bagit_txt(src, out)
    _read_bag_info(src, out)

    files: dict[str, str] = {}  # nfc name -> stored name, for everything readable
    for name, member in sorted(src.members.items()):
        if member.kind == "dir":
            continue
        if member.kind == "other":
            if not any(f.value == name or f.file == src.location(name) for f in out.findings):
                out.findings.append(
                    src.finding(
                        "bag.special-file",
                        f"{name} is not a regular file (device, pipe or socket); it is never read",
                        name,
                    )
                )
            continue
        if member.kind == "link":
            if src.link_escapes(member):
                out.findings.append(
                    src.finding(
                        "bag.unsafe-link",
                        f"{name} is a link to {member.target!r}, outside the bag; it is never "
                        "followed",
                        name,
                        value=member.target,
                    )
                )
                continue
            if src.resolve(name) is None:
                out.findings.append(
                    src.finding(
                        "bag.broken-link",
                        f"{name} is a link to {member.target!r}, which is not a file in the bag",
                        name,
                        value=member.target,
                    )
                )
                continue
            out.findings.append(
                src.finding(
                    "bag.link",
                    f"{name} is a link (to {member.target!r}); links do not survive "
                    "every transfer, prefer plain files",
                    name,
                    severity=Severity.WARNING,
                )
            )
        files[_nfc(name)] = name
    out.payload = sorted(n for n in files.values() if n.startswith("data/"))
    out.tagfiles = sorted(n for n in files.values() if not n.startswith("data/"))
    if not any(n == "data" or n.startswith("data/") for n in src.members):
        out.findings.append(
            src.finding("bag.data-missing", "the payload directory data/ is missing", "data")
        )

    for name in out.tagfiles:
        if "/" in name:
            continue
        m, t = MANIFEST_RE.match(name), TAGMANIFEST_RE.match(name)
        match = m or t
        if not match:
            continue
        alg = match.group(1)
        if alg not in ALGORITHMS:
            out.findings.append(
                src.finding(
                    "bag.algorithm-unsupported",
                    f"{name}: checksum algorithm {alg!r} is not supported (supported: "
                    f"{', '.join(ALGORITHMS)}); its entries are not verified",
                    name,
                    value=alg,
                )
            )
            continue
        entries = _read_manifest(src, name, alg, payload=bool(m), out=out)
        if entries is not None:
            (out.manifests if m else out.tagmanifests)[alg] = entries
    if not any(MANIFEST_RE.match(n) for n in out.tagfiles):
        out.findings.append(
            src.finding(
                "bag.manifest-missing",
                "no payload manifest (manifest-<algorithm>.txt): a bag needs at least one "
                "(RFC 8493 §2.1.3)",
            )
        )

    payload_nfc = {_nfc(n): n for n in out.payload}
    for alg, entries in sorted(out.manifests.items()):
        mname = f"manifest-{alg}.txt"
        lines = _manifest_lines(src, mname)
        for path in sorted(entries):
            if path not in payload_nfc:
                out.findings.append(
                    src.finding(
                        "bag.file-missing",
                        f"{path} is listed in {mname} but is not in the bag",
                        mname,
                        lines.get(path),
                        value=path,
                    )
                )
        for key, name in sorted(payload_nfc.items()):
            if key not in entries:
                out.findings.append(
                    src.finding(
                        "bag.file-not-in-manifest",
                        f"{name} is in the payload but not listed in {mname} (every payload file "
                        "must be listed in every payload manifest)",
                        name,
                    )
                )
    tag_nfc = {_nfc(n): n for n in out.tagfiles}
    for alg, entries in sorted(out.tagmanifests.items()):
        mname = f"tagmanifest-{alg}.txt"
        lines = _manifest_lines(src, mname)
        for path in sorted(entries):
            if path not in tag_nfc and path not in payload_nfc:
                out.findings.append(
                    src.finding(
                        "bag.tagfile-missing",
                        f"{path} is listed in {mname} but is not in the bag",
                        mname,
                        lines.get(path),
                        value=path,
                    )
                )

    if fixity:
        _check_fixity(src, out, payload_nfc, tag_nfc)
    _check_oxum(src, out)
    return out


def _check_fixity(
    src: BagSource, out: BagContents, payload: dict[str, str], tags: dict[str, str]
) -> None:
    wanted: dict[str, dict[str, tuple[str, str]]] = {}  # name -> alg -> (expected, manifest)
    for alg, entries in out.manifests.items():
        for path, digest in entries.items():
            if path in payload:
                wanted.setdefault(payload[path], {})[alg] = (digest, f"manifest-{alg}.txt")
    for alg, entries in out.tagmanifests.items():
        for path, digest in entries.items():
            name = tags.get(path) or payload.get(path)
            if name:
                wanted.setdefault(name, {})[alg + "@tag"] = (digest, f"tagmanifest-{alg}.txt")
    line_cache: dict[str, dict[str, int]] = {}
    for name in sorted(wanted):
        algs = {k.split("@")[0] for k in wanted[name]}
        try:
            found = src.digests(name, algs)
        except MemberUnreadable as exc:
            out.findings.append(src.finding("bag.member-unreadable", str(exc), name))
            if name.startswith("data/"):
                out.checked[name] = False
            continue
        ok = True
        for key, (expected, manifest) in sorted(wanted[name].items()):
            alg = key.split("@")[0]
            if found[alg] != expected:
                ok = False
                lines = line_cache.setdefault(manifest, _manifest_lines(src, manifest))
                line = lines.get(_nfc(name))
                where = f" (line {line})" if line else ""
                out.findings.append(
                    src.finding(
                        "bag.checksum-mismatch",
                        f"{alg} checksum mismatch for {name}: {manifest}{where} expects "
                        f"{expected}, the file has {found[alg]}",
                        name,
                        value=found[alg],
                    )
                )
        if name.startswith("data/"):
            out.checked[name] = ok


def _check_oxum(src: BagSource, out: BagContents) -> None:
    oxums = [(v, n) for k, v, n in out.info if k == "Payload-Oxum"]
    if not oxums:
        return
    value, line = oxums[0]
    m = _OXUM_RE.match(value)
    if not m:
        out.findings.append(
            src.finding(
                "bag.oxum-malformed",
                f"Payload-Oxum {value!r} is not 'octets.streams'",
                "bag-info.txt",
                line,
                value=value,
            )
        )
        return
    octets = sum(src.size(n) for n in out.payload)
    streams = len(out.payload)
    if (int(m.group(1)), int(m.group(2))) != (octets, streams):
        out.findings.append(
            src.finding(
                "bag.oxum-mismatch",
                f"Payload-Oxum says {m.group(1)} bytes in {m.group(2)} files; the payload has "
                f"{octets} bytes in {streams} files",
                "bag-info.txt",
                line,
                value=value,
            )
        )
