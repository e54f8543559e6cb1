"""``archive new``: a draft TEI record from a title, a date, a source and a spreadsheet.

The steps are plain functions: check the inputs (every problem located, nothing written), match
the list against the store, draft the record, validate it at the project level (a draft that
does not validate is a bug, never written), and say what a person still has to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import ArchiveError, RecordInputError, UsageError
from archive.findings import Report
from archive.rdf.extract import ARCHIVE_SLUG, LANG_TAG, iri_problem
from archive.rdf.profile import DOCUMENT_TYPES
from archive.rdf.uris import URIs
from archive.records.draft import (
    Entry,
    RecordInputs,
    build_record,
    document_slug,
    entries_of,
)
from archive.records.matching import KnownEntities
from archive.records.people import MAX_BYTES, Problem, read_people
from archive.store.base import Store
from archive.tei.integrity import iso_date_problem
from archive.validate.record import validate_file

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class NewRecord:
    """A drafted record, what the store matched and suggested, and what is left to do."""

    slug: str
    data: bytes
    entries: list[Entry]
    report: Report
    base: str
    todo: list[str] = field(default_factory=list)

    @property
    def matched(self) -> list[Entry]:
        return [e for e in self.entries if e.match.known is not None]

    @property
    def suggestions(self) -> list[Entry]:
        return [e for e in self.entries if e.match.suggestions]


def check_inputs(inputs: RecordInputs) -> None:
    """The options, each checked: a usage error names the option."""
    if not inputs.title.strip():
        raise UsageError("--title is empty")
    if not inputs.source.strip():
        raise UsageError("--source is empty: say what the text was taken from")
    if not DATE.match(inputs.date) or iso_date_problem(inputs.date):
        why = iso_date_problem(inputs.date) or "is not YYYY, YYYY-MM or YYYY-MM-DD"
        raise UsageError(f"--date {inputs.date!r} {why}")
    if inputs.slug is not None and not ARCHIVE_SLUG.match(inputs.slug):
        raise UsageError(
            f"--slug {inputs.slug!r} does not follow the archive's slug rule (lower case "
            "letters and digits separated by single hyphens)"
        )
    if inputs.doc_type not in DOCUMENT_TYPES:
        raise UsageError(f"--type {inputs.doc_type!r}: use {', '.join(DOCUMENT_TYPES)}")
    if not LANG_TAG.match(inputs.language):
        raise UsageError(f"--language {inputs.language!r} is not a BCP 47 language tag")
    if iri_problem(inputs.licence):
        raise UsageError(f"--licence {inputs.licence!r} {iri_problem(inputs.licence)}")


def read_body(path: Path) -> str:
    """The plain text of the document (UTF-8); a problem says where."""
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise RecordInputError(
            [Problem(str(path), None, None, f"is {len(data):,} bytes; the limit is {MAX_BYTES:,}")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordInputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"is not UTF-8: byte 0x{data[exc.start]:02x} on line {line} cannot be read "
                    "(save the text as UTF-8)",
                )
            ]
        ) from None


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def new_record(
    inputs: RecordInputs,
    people: Path,
    body: Path | None = None,
    store: Store | None = None,
) -> NewRecord:
    """Draft a record; raise :class:`UsageError` or :class:`RecordInputError` (every problem
    of the spreadsheet, located) before anything is drafted."""
    check_inputs(inputs)
    problems: list[Problem] = []
    rows = []
    try:
        rows = read_people(people)
    except RecordInputError as exc:
        problems += exc.problems
    text = None
    if body is not None:
        try:
            text = read_body(body)
        except RecordInputError as exc:
            problems += exc.problems
    if problems:
        raise RecordInputError(problems)
    inputs = replace(inputs, people=rows, body=text, today=inputs.today or today())
    slug = document_slug(inputs)
    if not ARCHIVE_SLUG.match(slug):
        raise UsageError(f"the title gives no usable slug ({slug!r}): give one with --slug")
    known = None
    if store is not None:
        if store.find(slug) is not None:
            raise UsageError(
                f"the store already has a document {slug!r}: a slug is never reused; choose "
                "another with --slug"
            )
        known = KnownEntities.from_store(store)
    entries = entries_of(rows, known)
    data = build_record(inputs, entries)
    result = validate_file(Path(f"{slug}.xml"), store.base if store else None, data=data)
    if result.report.errors():
        lines = "; ".join(f.message for f in result.report.errors())
        raise ArchiveError(
            f"internal error: the draft of {slug} does not validate ({lines}). This is a bug in "
            "archive new; please report it with its inputs."
        )
    record = NewRecord(slug, data, entries, result.report, URIs(store.base if store else None).base)
    record.todo = what_remains(record, inputs)
    return record


def what_remains(record: NewRecord, inputs: RecordInputs) -> list[str]:
    """What a person must still do, in the order it is best done."""
    todo = []
    if inputs.body:
        found = [e for e in record.entries if e.name in inputs.body]
        shown = ", ".join(repr(e.name) for e in found[:5]) + (" ..." if len(found) > 5 else "")
        todo.append(
            f"tag the names in the text, each with @ref to its entry (orgName, persName, "
            f"placeName, rs): {len(found)} of the {len(record.entries)} entries occur in it "
            f"as written"
            + (f" ({shown})" if found else "")
            + "; the others may be worded differently, abbreviated or only implied"
        )
        todo.append(
            "mark up the document's parts: opener, dateline, salute, closer, the signed list of "
            "signatories under their headings, postscript, footnotes, page breaks"
        )
    else:
        todo.append(
            'transcribe the text in place of <gap reason="not transcribed"/>, then tag '
            "the names in it and mark up the document's parts"
        )
    if record.suggestions:
        todo.append(
            f"check the {sum(len(e.match.suggestions) for e in record.suggestions)} near "
            "match(es) with the store listed above; where one is the same entity, give the "
            "entry its authority URI or its xml:id"
        )
    todo.append(
        "add what the list cannot say: offices of the people addressed (affiliation), the "
        "language of names in another language (xml:lang), abbreviations, the types of places"
    )
    todo.append(
        'remove the note type="todo", set revisionDesc/@status to "published", and run '
        "archive validate"
    )
    return todo
