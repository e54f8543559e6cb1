"""The spreadsheet of a letter's people and organisations: read, checked, every problem located.

Archivists list a letter's signatories, addressees and recipients of copies in a spreadsheet
long before anyone writes TEI. This module reads that list as CSV or TSV (UTF-8, as any
spreadsheet exports it) and checks every cell, so that a record is drafted from a list that is
whole and says what it means: a missing column, an unknown role or kind, an authority URI that
is not one, a file that is not UTF-8 are each reported with their row and column, all at once.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from archive.errors import RecordInputError
from archive.rdf.extract import authority_of, iri_problem, normalise_uri
from archive.rdf.profile import ORG_CATEGORY_CLASSES

MAX_BYTES = 5 * 1024 * 1024  # a list of a letter's people, not a database
MAX_FIELD = 10_000

COLUMNS = ("name", "role", "kind", "place", "authority", "heading")
REQUIRED = ("name", "role", "kind")
ROLES = ("sender", "addressee", "copy", "mentioned")
ORGANISATION = "organisation"
# person, group of people addressed as such, an organisation without a category, or one of the
# archive's organisation categories (docs/tei-practice.md).
KINDS = ("person", "group", ORGANISATION, *ORG_CATEGORY_CLASSES)
KIND_ALIASES = {"organization": ORGANISATION, "org": ORGANISATION}
# Which authorities identify which kind of thing: a GeoNames URI names a place, not a person.
PLACE_ONLY = {"geonames"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the spreadsheet, where a person can find it."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class PersonRow:
    """One row: someone (or some body) the letter involves, in one role."""

    row: int
    name: str
    role: str
    kind: str
    place: str | None
    authorities: tuple[str, ...]  # canonical authority IRIs
    heading: str | None

    @property
    def entity_kind(self) -> str:
        """person, group or org: what the archive makes of the row."""
        return self.kind if self.kind in ("person", "group") else "org"

    @property
    def category(self) -> str | None:
        return self.kind if self.kind in ORG_CATEGORY_CLASSES else None


def read_people(path: Path) -> list[PersonRow]:
    """The rows of a CSV or TSV file; :class:`RecordInputError` lists every problem."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RecordInputError([Problem(str(path), None, None, exc.strerror or str(exc))]) from None
    if size > MAX_BYTES:
        raise RecordInputError(
            [Problem(str(path), None, None, f"is {size:,} bytes; the limit is {MAX_BYTES:,}")]
        )
    return parse_people(path.read_bytes(), str(path), tab=path.suffix.lower() == ".tsv")


def parse_people(data: bytes, label: str, tab: bool | None = None) -> list[PersonRow]:
    text = _decode(data, label, tab)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise RecordInputError(
            [Problem(label, 1, None, "has no header row: " + ", ".join(COLUMNS))]
        )
    delimiter = "\t" if tab else _delimiter(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    rows: list[list[str]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem = _csv_problem(label, text, len(rows) + 1, start, str(exc))
            raise RecordInputError([problem]) from None
        rows.append(cells)
    header = [h.strip().casefold() for h in rows[0]]
    header = [KIND_ALIASES.get(h, h) if h else h for h in header]
    for col in REQUIRED:
        if col not in header:
            problems.append(
                Problem(
                    label,
                    1,
                    col,
                    f"missing column (the header has {', '.join(repr(h) for h in header)}; "
                    f"the columns are {', '.join(COLUMNS)}; {', '.join(REQUIRED)} are required)",
                )
            )
    for i, h in enumerate(header):
        if h and h not in COLUMNS:
            problems.append(
                Problem(label, 1, rows[0][i].strip(), f"unknown column (use {', '.join(COLUMNS)})")
            )
        elif h and header.index(h) != i:
            problems.append(Problem(label, 1, h, "appears twice in the header"))
        elif not h and any(len(r) > i and r[i].strip() for r in rows[1:]):
            problems.append(Problem(label, 1, f"#{i + 1}", "a column with values has no name"))
    if problems:
        raise RecordInputError(problems)
    out: list[PersonRow] = []
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank row
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                Problem(label, n, None, f"has {len(cells)} cells; the header has {len(header)}")
            )
            continue
        values = {
            h: " ".join(cells[i].split()) if i < len(cells) else "" for i, h in enumerate(header)
        }
        row = _row(values, n, label, problems)
        if row is not None:
            out.append(row)
    _duplicates(out, label, problems)
    if problems:
        raise RecordInputError(problems)
    if not out:
        raise RecordInputError([Problem(label, None, None, "has a header but no rows")])
    return out


def _csv_problem(label: str, text: str, row: int, start: int, error: str) -> Problem:
    """A row (``start``: its first line) the CSV reader could not split, said so that a
    person can fix it."""
    if "unexpected end of data" in error or "EOF" in error:
        lines = text.splitlines()
        line = lines[start - 1] if start - 1 < len(lines) else ""
        return Problem(
            label,
            row,
            None,
            f"a quoted cell opens on this row and is never closed (the line reads {line!r}); "
            'a double quote inside a quoted cell is written twice ("")',
        )
    return Problem(label, row, None, f"is not well-formed CSV: {error}")


def _column_at(data: bytes, offset: int, tab: bool | None) -> str | None:
    """The header's name for the column in which byte ``offset`` lies (on a row that has no
    quoted line breaks before it), so that an encoding error is found by row and column."""
    text = data.decode("utf-8", errors="replace")
    header = text.split("\n", 1)[0].rstrip("\r")
    before = data[:offset].decode("utf-8", errors="replace")
    line = before[before.rfind("\n") + 1 :]
    delimiter = "\t" if tab else _delimiter(header)
    names = next(csv.reader([header], delimiter=delimiter), [])
    cells = next(csv.reader([line], delimiter=delimiter), [""])
    index = len(cells) - 1
    if "\n" not in before or index >= len(names):
        return None  # in the header itself, or beyond it
    return names[index].strip() or None


def _decode(data: bytes, label: str, tab: bool | None = None) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16 with its byte-order mark (what
    spreadsheets save as "Unicode text"); anything else is refused with the row it fails on."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _no_nul(data.decode("utf-16").removeprefix("\ufeff"), label)
        except UnicodeDecodeError as exc:
            raise RecordInputError(
                [
                    Problem(
                        label,
                        None,
                        None,
                        f"starts as UTF-16 but byte {exc.start} cannot be read; save it as "
                        "'CSV UTF-8'",
                    )
                ]
            ) from None
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start
        row = data[:at].count(b"\n") + 1
        hint = ""
        try:
            data.decode("cp1252")
            hint = " (it looks like Windows-1252 or Latin-1: save it as 'CSV UTF-8')"
        except UnicodeDecodeError:
            pass
        raise RecordInputError(
            [
                Problem(
                    label,
                    row,
                    _column_at(data[bom:], exc.start, tab),
                    f"is not UTF-8: byte 0x{data[at]:02x} at offset {at} cannot "
                    f"be read{hint}; nothing was read",
                )
            ]
        ) from None
    return _no_nul(text, label)


def _no_nul(text: str, label: str) -> str:
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        raise RecordInputError([Problem(label, row, None, "holds a NUL character: not text")])
    return text


def _delimiter(header: str) -> str:
    """Tab, semicolon (spreadsheets in many locales) or comma: whichever splits the header
    into the most known column names."""
    best, score = ",", -1
    for d in ("\t", ";", ","):
        names = {c.strip().casefold() for c in header.split(d)}
        s = len(names & set(COLUMNS))
        if s > score:
            best, score = d, s
    return best


def _row(values: dict[str, str], n: int, label: str, problems: list[Problem]) -> PersonRow | None:
    before = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(Problem(label, n, column, message))

    name = values.get("name", "")
    if not name:
        problem("name", "is empty: every row names someone or some body")
    role = values.get("role", "").casefold()
    if not role:
        problem("role", f"is empty: use {', '.join(ROLES)}")
    elif role not in ROLES:
        problem("role", f"{values['role']!r} is not a role: use {', '.join(ROLES)}")
    kind = values.get("kind", "").casefold().replace(" ", "-")
    kind = KIND_ALIASES.get(kind, kind)
    if not kind:
        problem("kind", f"is empty: use {', '.join(KINDS)}")
    elif kind not in KINDS:
        problem("kind", f"{values['kind']!r} is not a kind: use {', '.join(KINDS)}")
    authorities = _authorities(values.get("authority", ""), kind, problem)
    place = values.get("place") or None
    if place and kind in ("person", "group"):
        problem("place", "is for organisations (the place an organisation gives after its name)")
    if len(problems) > before:
        return None
    return PersonRow(n, name, role, kind, place, authorities, values.get("heading") or None)


def _authorities(cell: str, kind: str, problem) -> tuple[str, ...]:
    """One URI, or several separated by spaces (as TEI's @ref); a cell that is not a list of
    URIs is one problem, said with the whole cell."""
    out: list[str] = []
    values = cell.split()
    if len(values) > 1 and not all(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v) for v in values):
        problem("authority", f"{cell!r} is not a URI (nor URIs separated by spaces)")
        return ()
    for value in values:
        why = iri_problem(value)
        if why is None and not re.match(r"^https?://", value):
            why = "is not an http(s) URI"
        if why:
            problem("authority", f"{value!r} {why}")
            continue
        found = authority_of(value)
        if found is None and _looks_like_authority(value):
            problem(
                "authority",
                f"{value!r} is on an authority's site but is not the URI of one of its "
                "records (for example http://www.wikidata.org/entity/Q90, "
                "https://d-nb.info/gnd/118540238, http://viaf.org/viaf/24602065)",
            )
            continue
        if found and found[0] in PLACE_ONLY:
            problem(
                "authority", f"{value!r} is a {found[0]} URI: it identifies a place, not a {kind}"
            )
            continue
        out.append(normalise_uri(value))
    return tuple(dict.fromkeys(out))


AUTHORITY_HOSTS = re.compile(
    r"^https?://(?:[a-z]+\.)?(?:wikidata\.org|viaf\.org|d-nb\.info|geonames\.org|"
    r"id\.loc\.gov|isni\.org)(?:/|$)",
    re.I,
)


def _looks_like_authority(value: str) -> bool:
    return bool(AUTHORITY_HOSTS.match(value))


def _duplicates(rows: list[PersonRow], label: str, problems: list[Problem]) -> None:
    """The same someone twice in one role, or one name and kind with two different authority
    identifiers: the list contradicts itself, and a person must say which is meant."""
    seen: dict[tuple[str, str, str], PersonRow] = {}
    identity: dict[tuple[str, str], PersonRow] = {}
    for r in rows:
        key = (r.name.casefold(), r.entity_kind, r.role)
        if key in seen:
            problems.append(
                Problem(
                    label, r.row, "name", f"repeats row {seen[key].row} (same name, kind and role)"
                )
            )
        seen.setdefault(key, r)
        ident = (r.name.casefold(), r.entity_kind)
        other = identity.get(ident)
        if (
            other
            and r.authorities
            and other.authorities
            and set(r.authorities) != set(other.authorities)
        ):
            problems.append(
                Problem(
                    label,
                    r.row,
                    "authority",
                    f"row {other.row} gives {r.name!r} another authority "
                    f"({' '.join(other.authorities)})",
                )
            )
        if other and r.place and other.place and r.place.casefold() != other.place.casefold():
            problems.append(
                Problem(
                    label,
                    r.row,
                    "place",
                    f"row {other.row} gives {r.name!r} the place {other.place!r}",
                )
            )
        if other and other.kind != r.kind:
            problems.append(
                Problem(
                    label,
                    r.row,
                    "kind",
                    f"row {other.row} gives {r.name!r} the kind {other.kind!r}",
                )
            )
        identity.setdefault(ident, r)
