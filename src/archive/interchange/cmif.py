"""CMIF export: the archive's letters as one Correspondence Metadata Interchange Format file.

correspSearch (https://correspsearch.net) and other letter catalogues harvest CMIF 1.1 files:
one TEI file whose header holds a ``correspDesc`` per letter. This module writes that file from
the letters of :mod:`archive.interchange.letters`, following the Correspondence SIG's
documentation: names written out, authority IRIs in ``@ref`` in the forms CMIF expects,
``correspDesc/@ref`` at the document's page, ``@source`` at the one ``bibl`` that describes the
archive, a date on an action only where the record gives one.

What CMIF cannot say is left out and counted (:class:`CmifExport.notes`), never approximated
by inventing: see the README's "What CMIF cannot carry".

The web layer publishes the same bytes at ``{base}/cmif.xml`` (:func:`cmif_url`) by calling
:func:`cmif_bytes` with its store.
"""

from __future__ import annotations

import io
import os
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from lxml import etree

from archive.errors import UsageError
from archive.interchange.letters import (
    Letter,
    LetterDate,
    Participant,
    letters_from_documents,
    letters_from_store,
)
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.extract import authority_of
from archive.rdf.uris import URIs
from archive.store.base import Store
from archive.tei.parse import TEI_NS, XML_NS

CMIF_PATH = "/cmif.xml"  # where the web layer publishes the file, under the base
SCHEMA_PI = (
    'href="https://raw.githubusercontent.com/TEI-Correspondence-SIG/CMIF/master/schema/'
    'cmi-customization.rng" type="application/xml" '
    'schematypens="http://relaxng.org/ns/structure/1.0"'
)
PROJECT = "Advocacy Document Archive project"
DEFAULT_TITLE = "Letters of the Advocacy Document Archive"
DEFAULT_EDITION = "Advocacy Document Archive"
# The two licences CMIF accepts, with the statement its documentation asks for.
LICENCES = {
    "cc-by": (
        "https://creativecommons.org/licenses/by/4.0/",
        "This file is licensed under the terms of the Creative Commons License CC-BY 4.0",
    ),
    "cc0": (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "This file is dedicated to the public domain under the Creative Commons CC0 1.0 "
        "Universal Public Domain Dedication",
    ),
}
# The URI form CMIF's documentation and correspSearch use for each authority (the archive keeps
# its own canonical form; ``archive extract`` reads every form back to it).
CMIF_FORMS = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "viaf": "http://viaf.org/viaf/{}",
    "gnd": "http://d-nb.info/gnd/{}",
    "geonames": "http://www.geonames.org/{}",
    "lcnaf": "http://id.loc.gov/authorities/names/{}",
    "isni": "https://isni.org/isni/{}",
}
AUTHORITY_ORDER = ("wikidata", "viaf", "gnd", "geonames", "lcnaf", "isni")
UNKNOWN = "Unknown"  # CMIF's documented name for a sender or addressee who is not known
ELEMENT = {"person": "persName", "org": "orgName", "group": "name", "place": "placeName"}
CMIF_CERTAINTY = "low"  # the only @cert CMIF 1.1 allows
CMIF_EVIDENCE = "conjecture"  # the only @evidence CMIF 1.1 allows

T = f"{{{TEI_NS}}}"


def cmif_url(base: str | None = None) -> str:
    """The stable URL at which the archive publishes its CMIF file."""
    return URIs(base).base + CMIF_PATH


def document_page(document: str, base: str) -> str:
    """The document's page, where ``archive serve`` shows its reading view:
    ``{base}/document/{slug}.html`` for ``{base}/id/document/{slug}`` (whose IRI answers a
    browser with a 303 to that page). correspSearch links each letter to ``correspDesc/@ref``."""
    prefix = f"{base}/id/"
    return f"{base}/{document[len(prefix) :]}.html" if document.startswith(prefix) else document


@dataclass(frozen=True)
class CmifHeader:
    """What the file says about itself. correspSearch credits ``publisher`` (CC BY attribution)
    and writes to ``editor``; a real deployment sets both (``archive cmif --publisher ...``)."""

    title: str = DEFAULT_TITLE
    edition: str = DEFAULT_EDITION  # the archive the letters are published in (sourceDesc)
    editor: str = PROJECT
    editor_email: str | None = None
    publisher: str = PROJECT
    publisher_url: str | None = None  # default: the base
    url: str | None = None  # the file's own URL; default {base}/cmif.xml
    licence: str = "cc-by"
    date: str | None = None  # xsd:dateTime of the last change; default: now

    def __post_init__(self) -> None:
        if self.licence not in LICENCES:
            raise UsageError(
                f"CMIF accepts the licences {' and '.join(LICENCES)}, not {self.licence!r}"
            )
        for label in ("title", "edition", "editor", "publisher"):
            if not getattr(self, label).strip():
                raise UsageError(f"the CMIF file's {label} must not be empty")
        if self.date is not None and not _is_datetime(self.date):
            raise UsageError(
                f"the CMIF file's date {self.date!r} is not an ISO 8601 date and time "
                "(2026-11-26T10:00:00Z)"
            )


@dataclass
class CmifExport:
    """The file and what the export could not carry."""

    data: bytes
    letters: int
    skipped: list[str] = field(default_factory=list)  # documents that are not correspondence
    notes: Counter[str] = field(default_factory=Counter)  # what CMIF could not carry, counted


def edition_id(base: str) -> str:
    """A UUID for the ``bibl`` that describes the archive: the same for the same base, every
    time the file is written (CMIF asks for a static one), and starting with a letter (an
    ``xml:id`` must)."""
    n = 0
    while True:
        value = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}{CMIF_PATH}#edition-{n}"))
        if value[0].isalpha():
            return value
        n += 1


def cmif_form(authority: str) -> str:
    found = authority_of(authority)
    if not found:
        return authority
    return CMIF_FORMS.get(found[0], "{}").format(found[1]) if found[0] in CMIF_FORMS else found[2]


def _authority_key(uri: str) -> tuple[int, str]:
    found = authority_of(uri)
    return (AUTHORITY_ORDER.index(found[0]) if found else len(AUTHORITY_ORDER), uri)


def build_cmif(
    letters: Iterable[Letter],
    out: IO[bytes],
    base: str | None = None,
    header: CmifHeader | None = None,
) -> CmifExport:
    """Write the CMIF file of ``letters`` to ``out`` (streamed: a large archive is never
    held as one tree)."""
    header = header or CmifHeader()
    base = URIs(base).base
    source = edition_id(base)
    export = CmifExport(data=b"", letters=0)
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f"<?xml-model {SCHEMA_PI}?>\n".encode())
    out.write(f'<TEI xmlns="{TEI_NS}">\n  <teiHeader>\n'.encode())
    out.write(_fragment(_file_desc(header, base, source), 2, indent=False))
    out.write(b"    <profileDesc>\n")
    for letter in letters:
        if not letter.is_correspondence:
            export.skipped.append(letter.document)
            continue
        out.write(_fragment(_corresp_desc(letter, base, source, export.notes), 3))
        export.letters += 1
    out.write(b"    </profileDesc>\n  </teiHeader>\n")
    out.write(b"  <text>\n    <body>\n      <p/>\n    </body>\n  </text>\n</TEI>\n")
    return export


def _fragment(el: etree._Element, level: int, indent: bool = True) -> bytes:
    """One element of the header, indented at ``level``, without the namespace declaration
    that the root already makes (the file's only namespace is TEI's)."""
    if indent:
        etree.indent(el, space="  ", level=level)
    text = etree.tostring(el, encoding="unicode").replace(f' xmlns="{TEI_NS}"', "", 1)
    return f"{'  ' * level}{text}\n".encode()


def _file_desc(header: CmifHeader, base: str, source: str) -> etree._Element:
    fd = etree.Element(f"{T}fileDesc", nsmap={None: TEI_NS})
    ts = etree.SubElement(fd, f"{T}titleStmt")
    etree.SubElement(ts, f"{T}title").text = header.title.strip()
    editor = etree.SubElement(ts, f"{T}editor")
    editor.text = header.editor.strip()
    if header.editor_email:
        editor.text += " "
        etree.SubElement(editor, f"{T}email").text = header.editor_email.strip()
    ps = etree.SubElement(fd, f"{T}publicationStmt")
    publisher = etree.SubElement(ps, f"{T}publisher")
    ref = etree.SubElement(publisher, f"{T}ref", target=header.publisher_url or base)
    ref.text = header.publisher.strip()
    etree.SubElement(ps, f"{T}idno", type="url").text = header.url or base + CMIF_PATH
    etree.SubElement(ps, f"{T}date", when=header.date or now_iso())
    availability = etree.SubElement(ps, f"{T}availability")
    target, statement = LICENCES[header.licence]
    etree.SubElement(availability, f"{T}licence", target=target).text = statement
    sd = etree.SubElement(fd, f"{T}sourceDesc")
    bibl = etree.SubElement(sd, f"{T}bibl", type="online")
    bibl.set(f"{{{XML_NS}}}id", source)
    bibl.text = f"{header.edition.strip()}, "
    edition = etree.SubElement(bibl, f"{T}ref", target=base)
    edition.text = base
    etree.indent(fd, space="  ", level=2)
    edition.tail = None  # mixed content: no indentation inside the citation
    return fd


def _corresp_desc(letter: Letter, base: str, source: str, notes: Counter[str]) -> etree._Element:
    cd = etree.Element(
        f"{T}correspDesc",
        ref=document_page(letter.document, base),
        source=f"#{source}",
        nsmap={None: TEI_NS},
    )
    if letter.slug:
        cd.set("key", letter.slug)
    sent = etree.SubElement(cd, f"{T}correspAction", type="sent")
    _participants(sent, letter.senders, notes, "sender")
    for place in letter.places:
        _name(sent, place, notes, "place of sending")
    _date(sent, letter.date, notes)
    actions = []
    for subtype, people in (("to", letter.to), ("cc", letter.cc), ("bcc", letter.bcc)):
        if not people:
            continue
        received = etree.SubElement(cd, f"{T}correspAction", type="received")
        if subtype != "to":
            received.set("subtype", subtype)
        _participants(received, people, notes, "recipient")
        actions.append(received)
    if not letter.recipients:  # CMIF requires a receiving action; it names who is unknown
        received = etree.SubElement(cd, f"{T}correspAction", type="received")
        etree.SubElement(received, f"{T}persName").text = UNKNOWN
        notes['letters without an addressee: written as persName "Unknown", as CMIF asks'] += 1
        actions.append(received)
    # The place and date of receipt are the letter's (the archive does not tie them to one
    # group of recipients): they go with the first receiving action.
    for place in letter.places_received:
        _name(actions[0], place, notes, "place of receipt")
    for when in letter.received:
        _date(actions[0], LetterDate(when=when), notes)
    return cd


def _participants(
    action: etree._Element, people: list[Participant], notes: Counter[str], role: str
) -> None:
    written = [p for p in people if _name(action, p, notes, role) is not None]
    if not written:
        etree.SubElement(action, f"{T}persName").text = UNKNOWN
        if role == "sender":
            notes['letters without a sender: written as persName "Unknown", as CMIF asks'] += 1


def _name(
    action: etree._Element, p: Participant, notes: Counter[str], role: str
) -> etree._Element | None:
    if p.kind is None or (p.kind == "place") != role.startswith("place of"):
        notes[f"{role}s that are not a person, organisation or group: left out"] += 1
        return None
    el = etree.SubElement(action, f"{T}{ELEMENT[p.kind]}")
    if p.kind == "group":
        el.set("type", "group")
        notes['groups (name type="group"): valid CMIF, which correspSearch may not index'] += 1
    if p.authorities:
        el.set("ref", " ".join(cmif_form(a) for a in sorted(p.authorities, key=_authority_key)))
    if p.name:
        el.text = p.name
        if p.by_office:
            notes["people known only by their office: written with the office as their name"] += 1
    else:
        el.text = UNKNOWN
        notes[f'{role}s without a name in the record: written as "{UNKNOWN}"'] += 1
    return el


def _date(action: etree._Element, date: LetterDate, notes: Counter[str]) -> None:
    if not date:
        return
    el = etree.SubElement(action, f"{T}date")
    for attr, value in (
        ("when", date.when),
        ("notBefore", date.not_before),
        ("notAfter", date.not_after),
    ):
        if value:
            if "T" in value:  # CMIF dates are days, months or years
                value = value.split("T", 1)[0]
                notes["times of day: dropped (CMIF dates are YYYY-MM-DD, YYYY-MM or YYYY)"] += 1
            el.set(attr, value)
    if date.certainty:
        if date.certainty == CMIF_CERTAINTY:
            el.set("cert", CMIF_CERTAINTY)
        else:
            notes[f'date certainty "{date.certainty}": dropped (CMIF allows only "low")'] += 1
    if date.evidence:
        if date.evidence == CMIF_EVIDENCE:
            el.set("evidence", CMIF_EVIDENCE)
        else:
            notes[f'date evidence "{date.evidence}": dropped (CMIF allows only "conjecture")'] += 1


def now_iso() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` (reproducible builds), in UTC to the second."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


def cmif_bytes(
    source: Store | Iterable[DocumentGraph],
    base: str | None = None,
    header: CmifHeader | None = None,
) -> CmifExport:
    """The CMIF file of everything in a store, or of extracted documents.

    With a store, the base is the store's and the file's date defaults to the latest load, so
    that the same store gives the same bytes (the web layer can serve it with a stable ETag).
    """
    if isinstance(source, Store):
        letters = letters_from_store(source)
        base = source.base
        if header is None or header.date is None:
            from dataclasses import replace

            latest = last_loaded(source)
            header = replace(header or CmifHeader(), date=latest) if latest else header
    else:
        letters = letters_from_documents(source)
    buffer = io.BytesIO()
    export = build_cmif(letters, buffer, base, header)
    export.data = buffer.getvalue()
    return export


def last_loaded(store: Store) -> str | None:
    """When the store last changed by a load (the catalog's latest ``dcterms:modified``)."""
    times = [d.loaded for d in store.documents() if d.loaded]
    if not times:
        return None
    latest = max(times)
    return latest if _is_datetime(latest) else None
