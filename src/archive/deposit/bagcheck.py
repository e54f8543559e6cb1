"""Checking a bag to the letter of RFC 8493: completeness, validity, fetch.txt, name collisions.

What the RFC forbids is an error; what it allows is accepted (tag files in any declared encoding,
a leading ``./`` in manifest paths, md5sum's ``*`` marker, ``Label : value`` separators), with a
warning where other tools may stumble. Anything stricter is the profile's business
(:mod:`archive.deposit.profile`), reported there as ``profile.*``. The Library of Congress BagIt
conformance suite (``tests/suites/bagit-conformance``) is the judge: the tests run it on every
bag of versions 0.97 and 1.0.

Manifests are read as streams, line by line, and kept as path -> binary digest, so a manifest of
hundreds of thousands of lines costs about its own size in memory (``bench/bag_manifest.py``).
Nothing listed in ``fetch.txt`` is ever fetched.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.deposit.bag import (
    ALGORITHMS,
    DIGEST_HEX,
    MANIFEST_RE,
    TAGMANIFEST_RE,
    BagSource,
    LimitExceeded,
    MemberUnreadable,
    decode_path,
    unsafe_reason,
)
from archive.findings import Finding, Severity

SUPPORTED_VERSIONS = ("0.96", "0.97", "1.0")
FETCH_SCHEMES = ("http", "https", "ftp", "ftps", "sftp")
# Files an operating system makes on its own; harmless, but rarely meant to be preserved.
SYSTEM_FILES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"}
MAX_PER_RULE = 1000  # findings of one rule about one manifest; the rest are counted
_OXUM_RE = re.compile(r"^(\d+)\.(\d+)$")
_HEX_RE = re.compile(r"^[0-9A-Fa-f]+$")
_BAGIT_LINES = (
    re.compile(r"^BagIt-Version: (.*)$"),
    re.compile(r"^Tag-File-Character-Encoding: (.*)$"),
)


@dataclass
class FetchEntry:
    url: str
    length: str
    path: str
    line: int


@dataclass
class BagContents:
    """What a bag declares, as read; ``findings`` says what is wrong with it (all of it)."""

    version: str | None = None
    encoding: str = "utf-8"  # Python codec of the tag files
    info: list[tuple[str, str, int]] = field(default_factory=list)  # label, value, line
    # algorithm -> path as listed (decoded, without './') -> binary digest
    manifests: dict[str, dict[str, bytes]] = field(default_factory=dict)
    tagmanifests: dict[str, dict[str, bytes]] = field(default_factory=dict)
    payload: list[str] = field(default_factory=list)  # files under data/
    tagfiles: list[str] = field(default_factory=list)  # files outside data/
    fetch: list[FetchEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, bool] = field(default_factory=dict)  # payload file -> fixity verified
    aliases: dict[str, str] = field(default_factory=dict)  # listed path -> file it stands for

    def info_values(self, label: str) -> list[str]:
        return [v for k, v, _ in self.info if k == label]

    def digest(self, alg: str, name: str) -> str | None:
        """The hex digest a payload manifest gives for a payload file, if any."""
        entries = self.manifests.get(alg, {})
        raw = entries.get(name)
        if raw is None:
            for listed, target in self.aliases.items():
                if target == name and listed in entries:
                    raw = entries[listed]
                    break
        return raw.hex() if raw is not None else None


# --------------------------------------------------------------------------- reading text


class _Chunks(io.RawIOBase):
    """A member's chunks (counted against the budget) as a raw stream for TextIOWrapper."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._rest:
            try:
                self._rest = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def _text_lines(
    src: BagSource, name: str, encoding: str, out: BagContents
) -> Iterator[tuple[int, str]]:
    """Numbered lines of a tag file in the bag's encoding, streamed; a decoding error is a
    finding and ends the file. CR, LF and CRLF all end a line (RFC 8493 §2.1)."""
    stream = io.TextIOWrapper(
        io.BufferedReader(_Chunks(src.stream(name))), encoding=encoding, newline=None
    )
    number = 0
    try:
        for number, line in enumerate(stream, 1):
            text = line.rstrip("\n")
            if number == 1 and text.startswith("\ufeff"):
                if encoding == "utf-8":
                    out.findings.append(
                        src.finding(
                            "bag.tag-file-bom",
                            f"{name} starts with a byte-order mark; some BagIt tools read it as "
                            "part of the first line",
                            name,
                            1,
                            severity=Severity.WARNING,
                        )
                    )
                text = text[1:]
            yield number, text
    except UnicodeDecodeError as exc:
        out.findings.append(
            src.finding(
                "bag.tag-file-encoding",
                f"{name} is not {encoding} as bagit.txt declares: {exc.reason}",
                name,
                number + 1,
            )
        )


def parse_tag_file(text: str) -> tuple[list[tuple[str, str, int]], list[tuple[int, str]]]:
    """``label: value`` lines with folding (RFC 8493 §2.2.2): tags and malformed lines."""
    return _parse_tags(enumerate(text.splitlines(), 1), [])


def _parse_tags(
    lines: Iterator[tuple[int, str]] | enumerate[str], lax: list[int]
) -> tuple[list[tuple[str, str, int]], list[tuple[int, str]]]:
    tags: list[tuple[str, str, int]] = []
    bad: list[tuple[int, str]] = []
    for number, line in lines:
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
        if not sep or not label.strip():
            bad.append((number, f"not a 'Label: value' line: {line[:80]!r}"))
            continue
        if label != label.rstrip() or not value.startswith((" ", "\t")) or value[1:2] in " \t":
            lax.append(number)
        tags.append((label.strip(), value.strip(), number))
    return tags, bad


# --------------------------------------------------------------------------- tag files


def _read_bagit_txt(src: BagSource, out: BagContents) -> None:
    """The bag declaration: UTF-8 without a byte-order mark, exactly two lines (§2.1.1)."""
    name = "bagit.txt"
    if src.resolve(name) is None:
        out.findings.append(
            src.finding(
                "bag.bagit-txt-missing",
                "bagit.txt, the bag declaration, is missing: without it this is not a bag "
                "(RFC 8493 §2.1.1)",
                name,
            )
        )
        return
    data = src.read(name, src.limits.max_tag_bytes)
    if data.startswith(b"\xef\xbb\xbf"):
        out.findings.append(
            src.finding(
                "bag.bagit-txt-bom",
                "bagit.txt starts with a byte-order mark, which RFC 8493 §2.1.1 forbids",
                name,
                1,
            )
        )
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.findings.append(
            src.finding(
                "bag.tag-file-encoding",
                f"bagit.txt is not UTF-8 (RFC 8493 §2.1.1): {exc.reason}",
                name,
                data[: exc.start].count(b"\n") + 1,
            )
        )
        return
    lines = text.splitlines()
    values: list[str | None] = []
    for number, pattern in enumerate(_BAGIT_LINES, 1):
        line = lines[number - 1] if len(lines) >= number else ""
        m = pattern.match(line)
        values.append(m.group(1) if m else None)
        if not m:
            out.findings.append(
                src.finding(
                    "bag.bagit-txt-malformed",
                    f"bagit.txt line {number} must be '{pattern.pattern[1:-6]} VALUE' (one colon, "
                    f"one space; RFC 8493 §2.1.1); found {line[:80]!r}",
                    name,
                    number,
                )
            )
    if len(lines) > 2:
        out.findings.append(
            src.finding(
                "bag.bagit-txt-malformed",
                f"bagit.txt holds {len(lines)} lines; RFC 8493 §2.1.1 allows exactly two",
                name,
                3,
            )
        )
    version, encoding = values
    if version is not None:
        out.version = version
        if not re.fullmatch(r"\d+\.\d+", version):
            out.findings.append(
                src.finding(
                    "bag.bagit-txt-malformed",
                    f"BagIt-Version {version!r} is not M.N",
                    name,
                    1,
                    value=version,
                )
            )
        elif version not in SUPPORTED_VERSIONS:
            older = tuple(int(p) for p in version.split(".")) < (0, 96)
            why = (
                "predates 0.96 (its tag files and manifests differ: package-info.txt, no tag "
                "manifests) and is refused"
                if older
                else "is not a version this validator knows"
            )
            out.findings.append(
                src.finding(
                    "bag.version-unsupported",
                    f"BagIt-Version {version} {why}; this validator reads BagIt "
                    f"{', '.join(SUPPORTED_VERSIONS)}",
                    name,
                    1,
                    value=version,
                )
            )
    if encoding is not None:
        try:
            out.encoding = codecs.lookup(encoding).name
        except LookupError:
            out.findings.append(
                src.finding(
                    "bag.encoding-unsupported",
                    f"Tag-File-Character-Encoding {encoding!r} is not a character encoding this "
                    "validator knows; the other tag files cannot be read",
                    name,
                    2,
                    value=encoding,
                )
            )
            out.encoding = ""


def _read_bag_info(src: BagSource, out: BagContents) -> None:
    name = "bag-info.txt"
    if src.resolve(name) is None or not out.encoding:
        return  # optional in RFC 8493; the profile says whether it is required
    if src.size(name) > src.limits.max_tag_bytes:
        raise LimitExceeded(
            f"{name} is larger than {src.limits.max_tag_bytes:,} bytes", rule="bag.file-too-large"
        )
    lax: list[int] = []
    tags, bad = _parse_tags(_text_lines(src, name, out.encoding, out), lax)
    for number, why in bad:
        out.findings.append(
            src.finding("bag.bag-info-malformed", f"bag-info.txt: {why}", name, number)
        )
    for number in lax[:MAX_PER_RULE]:
        out.findings.append(
            src.finding(
                "bag.bag-info-separator",
                "bag-info.txt: RFC 8493 §2.2.2 writes 'Label: value' (a colon right after the "
                "label, then one space); this line is read, but other tools may not",
                name,
                number,
                severity=Severity.WARNING,
            )
        )
    out.info = tags


# --------------------------------------------------------------------------- manifests


class _Capped:
    """Findings of one rule about one file, up to MAX_PER_RULE; the rest counted in one more."""

    def __init__(self, src: BagSource, out: BagContents) -> None:
        self.src = src
        self.out = out
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, rule: str, file: str, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        key = (rule, file)
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] <= MAX_PER_RULE:
            self.out.findings.append(self.src.finding(rule, *args, **kwargs))

    def close(self) -> None:
        for (rule, file), n in sorted(self.counts.items()):
            if n > MAX_PER_RULE:
                self.out.findings.append(
                    self.src.finding(
                        rule,
                        f"… and {n - MAX_PER_RULE:,} more [{rule}] findings about {file} "
                        f"(only the first {MAX_PER_RULE:,} are listed)",
                        file,
                    )
                )


def _clean_manifest_path(raw: str) -> tuple[str, str | None]:
    """The path a manifest line names, and what was tolerated to read it (or None)."""
    path = decode_path(raw)
    if path.startswith("*") and not path.startswith("**"):
        return path[1:], "binary-marker"  # md5sum -b output: "digest *path"
    if path.startswith("./"):
        return path[2:], "dot-slash"
    return path, None


def read_manifest(
    src: BagSource, name: str, alg: str, payload: bool, out: BagContents
) -> dict[str, bytes] | None:
    """One manifest, streamed: listed path -> binary digest. Every bad line is a finding."""
    if src.size(name) > src.limits.max_manifest_bytes:
        out.findings.append(
            src.finding(
                "bag.manifest-too-large",
                f"{name} is {src.size(name):,} bytes, over the {src.limits.max_manifest_bytes:,}"
                "-byte limit for one manifest; it is not read",
                name,
            )
        )
        return None
    capped = _Capped(src, out)
    entries: dict[str, bytes] = {}
    lines: dict[str, int] = {}  # only for paths listed twice
    width = DIGEST_HEX[alg]
    strict_duplicates = out.version == "1.0"
    tolerated: dict[str, int] = {}
    members = src.members
    for number, line in _text_lines(src, name, out.encoding or "utf-8", out):
        if not line.strip():
            continue
        m = re.match(r"^(\S+)[ \t]+(.*)$", line)
        if not m or not m.group(2):
            capped.add(
                "bag.manifest-malformed",
                name,
                f"{name}: not a 'checksum  path' line: {line[:80]!r}",
                name,
                number,
            )
            continue
        digest = m.group(1)
        path, how = _clean_manifest_path(m.group(2))
        if not _HEX_RE.match(digest) or len(digest) != width:
            capped.add(
                "bag.manifest-malformed",
                name,
                f"{name}: {digest[:80]!r} is not a {alg} checksum ({width} hex digits)",
                name,
                number,
                value=digest[:128],
            )
            continue
        reason = unsafe_reason(path)
        if reason:
            capped.add(
                "bag.unsafe-path",
                name,
                f"{name}: path {path[:200]!r} refused ({reason}); it is never opened",
                name,
                number,
                value=path[:200],
            )
            continue
        if payload and not path.startswith("data/"):
            capped.add(
                "bag.manifest-outside-payload",
                name,
                f"{name}: {path} is outside data/; a payload manifest lists payload files only "
                "(RFC 8493 §2.1.3)",
                name,
                number,
                value=path,
            )
            continue
        if not payload and path.startswith("data/"):
            capped.add(
                "bag.tagmanifest-payload",
                name,
                f"{name}: {path} is a payload file; a tag manifest lists tag files "
                "(RFC 8493 §2.2.1)",
                name,
                number,
                severity=Severity.WARNING,
                value=path,
            )
        if how and how not in tolerated:
            tolerated[how] = number
        raw = bytes.fromhex(digest)
        if path in entries:
            first = lines.get(path)
            same = entries[path] == raw
            if strict_duplicates or not same:
                why = (
                    "RFC 8493 §2.1.3 allows one entry per file" if same else "with another checksum"
                )
                capped.add(
                    "bag.duplicate-entry",
                    name,
                    f"{name}: {path} is listed more than once ({why})",
                    name,
                    number,
                    value=path,
                )
            else:
                capped.add(
                    "bag.duplicate-entry",
                    name,
                    f"{name}: {path} is listed twice with the same checksum (BagIt "
                    f"{out.version} does not forbid it; BagIt 1.0 does)",
                    name,
                    number,
                    severity=Severity.WARNING,
                    value=path,
                )
            if first is None:
                lines[path] = number
            continue
        member = members.get(path)
        entries[member.name if member is not None else path] = raw  # share the member's string
    capped.close()
    messages = {
        "binary-marker": "paths marked with md5sum's binary '*' are read without the '*' "
        "(RFC 8493 §2.1.3 puts the path right after the whitespace)",
        "dot-slash": "paths starting with './' are read relative to the bag (RFC 8493 allows "
        "it; some tools do not)",
    }
    for how, number in sorted(tolerated.items()):
        out.findings.append(
            src.finding(
                f"bag.manifest-{how}",
                f"{name}: {messages[how]}",
                name,
                number,
                severity=Severity.WARNING,
            )
        )
    return entries


def manifest_lines(src: BagSource, out: BagContents, name: str, wanted: set[str]) -> dict[str, int]:
    """Line numbers of some listed paths, for locating findings: a second streamed pass that
    keeps only what it is asked for."""
    found: dict[str, int] = {}
    if not wanted:
        return found
    scratch = BagContents(encoding=out.encoding)
    try:
        for number, line in _text_lines(src, name, out.encoding or "utf-8", scratch):
            m = re.match(r"^\S+[ \t]+(.*)$", line)
            if m:
                path = _clean_manifest_path(m.group(1))[0]
                if path in wanted and path not in found:
                    found[path] = number
    except (LimitExceeded, KeyError, MemberUnreadable):
        pass
    return found


# --------------------------------------------------------------------------- names


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


class _Names:
    """Payload files by exact name, by Unicode normalisation and by case, for collisions."""

    def __init__(self, names: list[str]) -> None:
        self.exact = set(names)
        self.nfc: dict[str, list[str]] = {}
        self.folded: dict[str, list[str]] = {}
        for n in names:
            self.nfc.setdefault(unicodedata.normalize("NFC", n), []).append(n)
            self.folded.setdefault(_fold(n), []).append(n)

    def resolve(self, path: str) -> tuple[str | None, str | None]:
        """The file a listed path stands for, and how it differs ("normalisation", "case")."""
        if path in self.exact:
            return path, None
        same = self.nfc.get(unicodedata.normalize("NFC", path), [])
        if len(same) == 1:
            return same[0], "Unicode normalisation"
        folded = self.folded.get(_fold(path), [])
        if len(folded) == 1:
            return folded[0], "case"
        return None, None


def _check_collisions(src: BagSource, out: BagContents, names: _Names) -> None:
    for group in sorted(names.folded.values()):
        if len(group) > 1:
            out.findings.append(
                src.finding(
                    "bag.name-collision",
                    f"payload files {', '.join(repr(g) for g in sorted(group))} differ only in "
                    "case or Unicode normalisation: on Windows and macOS file systems they are "
                    "one file, and unpacking the bag there loses all but one",
                    sorted(group)[0],
                    severity=Severity.WARNING,
                    value=sorted(group)[0],
                )
            )


# --------------------------------------------------------------------------- fetch.txt


def _fetch_path_problem(path: str) -> str | None:
    if path.startswith("~"):
        return "starts with '~' (a home directory)"
    if "\\" in path:
        return "holds a backslash (a Windows path separator, or a UNC or drive path)"
    if re.search(r"%[A-Za-z_][A-Za-z0-9_]*%", path) or "$" in path:
        return "holds an environment variable"
    reason = unsafe_reason(path)
    if reason:
        return reason
    if not path.startswith("data/"):
        return "is not a payload path (fetch.txt lists payload files only, RFC 8493 §2.2.3)"
    return None


def _read_fetch(src: BagSource, out: BagContents) -> None:
    """fetch.txt (RFC 8493 §2.2.3): 'URL LENGTH FILENAME' lines, checked, never fetched."""
    name = "fetch.txt"
    if src.resolve(name) is None or not out.encoding:
        return
    if src.size(name) > src.limits.max_manifest_bytes:
        out.findings.append(
            src.finding("bag.fetch-too-large", f"{name} is too large to read", name)
        )
        return
    capped = _Capped(src, out)
    for number, line in _text_lines(src, name, out.encoding, out):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) != 3:
            capped.add(
                "bag.fetch-malformed",
                name,
                f"fetch.txt: not a 'URL LENGTH FILENAME' line: {line[:80]!r}",
                name,
                number,
            )
            continue
        url, length, raw = parts
        path = decode_path(raw)
        scheme = urlsplit(url).scheme.lower() if ":" in url else ""
        if scheme not in FETCH_SCHEMES or not urlsplit(url).netloc:
            capped.add(
                "bag.fetch-unsafe-url",
                name,
                f"fetch.txt: {url[:120]!r} is not an absolute URL with a network scheme "
                f"({', '.join(FETCH_SCHEMES)}); file:, data: and script URLs are refused",
                name,
                number,
                value=url[:200],
            )
        if length != "-" and not length.isdigit():
            capped.add(
                "bag.fetch-malformed",
                name,
                f"fetch.txt: length {length[:40]!r} is neither a number of octets nor '-'",
                name,
                number,
                value=length[:40],
            )
        problem = _fetch_path_problem(path)
        if problem:
            capped.add(
                "bag.fetch-unsafe-path",
                name,
                f"fetch.txt: {path[:200]!r} {problem}; it would be written outside the payload",
                name,
                number,
                value=path[:200],
            )
            continue
        out.fetch.append(FetchEntry(url, length, path, number))
    capped.close()


def _check_fetch(src: BagSource, out: BagContents, names: _Names) -> None:
    for entry in out.fetch:
        for alg, entries in sorted(out.manifests.items()):
            if entry.path not in entries:
                out.findings.append(
                    src.finding(
                        "bag.fetch-not-in-manifest",
                        f"fetch.txt lists {entry.path}, which manifest-{alg}.txt does not "
                        "(RFC 8493 §2.2.3: every fetched file is in every payload manifest)",
                        "fetch.txt",
                        entry.line,
                        value=entry.path,
                    )
                )
        if names.resolve(entry.path)[0] is None:
            out.findings.append(
                src.finding(
                    "bag.fetch-not-retrieved",
                    f"{entry.path} is listed in fetch.txt and is not in the bag: the bag is not "
                    "complete (RFC 8493 §3). This validator never fetches anything; fetch it, "
                    "then validate again",
                    "fetch.txt",
                    entry.line,
                    value=entry.path,
                )
            )


# --------------------------------------------------------------------------- the bag


def _list_members(src: BagSource, out: BagContents) -> None:
    files: list[str] = []
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
        files.append(name)
    out.payload = [n for n in files if n.startswith("data/")]
    out.tagfiles = [n for n in files if not n.startswith("data/")]
    for name in out.payload:
        leaf = name.rsplit("/", 1)[-1]
        if leaf.lower() in SYSTEM_FILES or leaf.startswith("._"):
            out.findings.append(
                src.finding(
                    "bag.system-file",
                    f"{name} is a file an operating system makes on its own (Finder, Explorer); "
                    "it is rarely meant to be preserved",
                    name,
                    severity=Severity.WARNING,
                )
            )
    if not any(n == "data" or n.startswith("data/") for n in src.members):
        out.findings.append(
            src.finding(
                "bag.data-missing",
                "the payload directory data/ is missing (RFC 8493 §2.1.2)",
                "data",
            )
        )


def check_bag(src: BagSource, fixity: bool = True) -> BagContents:
    """Completeness and validity (RFC 8493 §3), reporting every problem, not the first.

    Members named unsafely, links that leave the bag and special files are reported and never
    read. ``LimitExceeded`` propagates: the caller turns it into a refusal.
    """
    out = BagContents()
    out.findings.extend(src.findings)
    _read_bagit_txt(src, out)
    known = out.version in SUPPORTED_VERSIONS
    if out.version and re.fullmatch(r"\d+\.\d+", out.version) and not known:
        return out  # another format: its files are not read as BagIt 1.0 files
    _read_bag_info(src, out)
    _list_members(src, out)

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
        if not out.encoding:
            continue
        entries = read_manifest(src, name, alg, payload=bool(m), out=out)
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
    _read_fetch(src, out)

    names = _Names(out.payload)
    _check_collisions(src, out, names)
    fetched = {e.path for e in out.fetch}
    listed: dict[str, set[str]] = {}  # payload file -> manifests that list it
    for alg, entries in sorted(out.manifests.items()):
        mname = f"manifest-{alg}.txt"
        missing: list[str] = []
        for path in entries:
            target, how = names.resolve(path)
            if target is None:
                if path not in fetched:
                    missing.append(path)
                continue
            listed.setdefault(target, set()).add(alg)
            if how:
                out.aliases[path] = target
        where = manifest_lines(src, out, mname, set(missing[:MAX_PER_RULE]))
        capped = _Capped(src, out)
        for path in sorted(missing):
            capped.add(
                "bag.file-missing",
                mname,
                f"{path} is listed in {mname} but is not in the bag",
                mname,
                where.get(path),
                value=path,
            )
        for name in out.payload:
            if alg not in listed.get(name, ()):
                capped.add(
                    "bag.file-not-in-manifest",
                    mname,
                    f"{name} is in the payload but not listed in {mname} (every payload file "
                    "must be listed in every payload manifest, RFC 8493 §2.1.3)",
                    name,
                )
        capped.close()
    _report_aliases(src, out)
    _check_fetch(src, out, names)

    tag_names = _Names(out.tagfiles)
    for alg, entries in sorted(out.tagmanifests.items()):
        mname = f"tagmanifest-{alg}.txt"
        missing = [
            p for p in entries if tag_names.resolve(p)[0] is None and names.resolve(p)[0] is None
        ]
        where = manifest_lines(src, out, mname, set(missing[:MAX_PER_RULE]))
        capped = _Capped(src, out)
        for path in sorted(missing):
            capped.add(
                "bag.tagfile-missing",
                mname,
                f"{path} is listed in {mname} but is not in the bag",
                mname,
                where.get(path),
                value=path,
            )
        capped.close()

    if fixity:
        _check_fixity(src, out, names, tag_names)
    _check_oxum(src, out)
    return out


def _report_aliases(src: BagSource, out: BagContents) -> None:
    by_target: dict[str, set[str]] = {}
    for listed, target in out.aliases.items():
        by_target.setdefault(target, set()).add(listed)
    for target, listed in sorted(by_target.items()):
        names = sorted(listed)
        out.findings.append(
            src.finding(
                "bag.name-collision",
                f"the manifests name {target!r} as {', '.join(repr(n) for n in names)}: names "
                "that differ only in case or Unicode normalisation are one file on Windows and "
                "macOS file systems and different files elsewhere; read as the file that is "
                "there",
                target,
                severity=Severity.WARNING,
                value=target,
            )
        )


def _check_fixity(src: BagSource, out: BagContents, names: _Names, tags: _Names) -> None:
    # file -> (alg, manifest) -> [(listed path, expected digest)]
    wanted: dict[str, dict[tuple[str, str], list[tuple[str, bytes]]]] = {}
    for kind, manifests, resolvers in (
        ("manifest", out.manifests, (names,)),
        ("tagmanifest", out.tagmanifests, (tags, names)),
    ):
        for alg, entries in manifests.items():
            for path, digest in entries.items():
                target = next((t for r in resolvers if (t := r.resolve(path)[0])), None)
                if target:
                    key = (alg, f"{kind}-{alg}.txt")
                    wanted.setdefault(target, {}).setdefault(key, []).append((path, digest))
    mismatches: list[tuple[str, str, str, str, str, str]] = []
    for name in sorted(wanted):
        algs = {alg for alg, _ in wanted[name]}
        try:
            found = src.digests(name, algs)
        except MemberUnreadable as exc:
            out.findings.append(src.finding("bag.member-unreadable", str(exc), name))
            if name.startswith("data/"):
                out.checked[name] = False
            continue
        ok = True
        for (alg, manifest), expected in sorted(wanted[name].items()):
            for listed, digest in expected:
                if found[alg] != digest.hex():
                    ok = False
                    mismatches.append((name, alg, manifest, listed, digest.hex(), found[alg]))
        if name.startswith("data/"):
            out.checked[name] = ok
    wanted_lines: dict[str, set[str]] = {}
    for _, _, manifest, listed, _, _ in mismatches[: MAX_PER_RULE * 4]:
        wanted_lines.setdefault(manifest, set()).add(listed)
    lines = {m: manifest_lines(src, out, m, paths) for m, paths in wanted_lines.items()}
    capped = _Capped(src, out)
    for name, alg, manifest, listed, expected, actual in mismatches:
        line = lines.get(manifest, {}).get(listed)
        where = f" (line {line})" if line else ""
        capped.add(
            "bag.checksum-mismatch",
            manifest,
            f"{alg} checksum mismatch for {name}: {manifest}{where} expects {expected}, "
            f"the file has {actual}",
            name,
            value=actual,
        )
    capped.close()


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
