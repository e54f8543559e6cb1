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
from dataclasses import dataclass
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
    max_manifest_bytes: int = 1 << 30  # one manifest file (read as a stream, line by line)
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


def _layout_finding(src: BagSource, flat: bool) -> Finding:
    """RFC 8493 §4: a serialised bag MUST unpack to a single base directory that holds the bag."""
    where = (
        "the bag's files sit at the top of the archive"
        if flat
        else "the archive does not unpack to a single folder"
    )
    return src.finding(
        "bag.serialization-layout",
        f"{where}: RFC 8493 §4 requires a serialised bag to unpack to one base directory that "
        "holds the bag; the bag is read from the top of the archive",
    )


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

    def __init__(
        self, path: Path, limits: Limits, display: str | None = None, flat: bool = False
    ) -> None:
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
        self.base = "" if flat else _single_base(names)
        if self.base is None:
            self.base = ""
            self.findings.append(_layout_finding(self, "bagit.txt" in names))
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

    def __init__(
        self, path: Path, limits: Limits, display: str | None = None, flat: bool = False
    ) -> None:
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
        self.base = "" if flat else _single_base(names)
        if self.base is None:
            self.base = ""
            self.findings.append(_layout_finding(self, "bagit.txt" in names))
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


def open_source(
    path: Path, limits: Limits | None = None, display: str | None = None, flat: bool = False
) -> BagSource:
    """Open a bag folder, a ``.zip`` or a ``.tar`` for reading.

    ``flat``: the archive's members are the package itself (a SWORD zip), not one base folder.
    """
    limits = limits or Limits.from_env()
    if path.is_dir():
        src: BagSource = FolderSource(path, limits)
        if display:
            src.display = display
        return src
    if not path.is_file():
        raise PackageUnreadable(f"no such package: {path}")
    if zipfile.is_zipfile(path):
        return ZipSource(path, limits, display, flat)
    try:
        is_tar = tarfile.is_tarfile(path)
    except OSError:
        is_tar = False
    if is_tar:
        return TarSource(path, limits, display, flat)
    raise PackageUnreadable(f"{path}: not a bag folder, a zip or a tar")
