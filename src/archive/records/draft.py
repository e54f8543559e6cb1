"""A new TEI record in the archive's practice, drafted from a title, a date, a source, a list of
people and organisations and, when there is one, the plain text of the document.

The draft holds everything that is fact in the inputs, encoded as the Calais record is: the
header (title, responsibility, publisher, identifier, licence, source, date, language, type,
the correspondence description), stand-off lists of every organisation, person, group and
place the list names (grouped under the letter's own headings), and the text as paragraphs.
What takes a person's judgement is not guessed: the names in the text are not tagged, the
letter's parts (opener, closer, signatures) are not marked up, and a ``note type="todo"`` at
the head of the text, the ``revisionDesc status="draft"`` and ``archive new``'s report say so.
Nothing is invented: no identifier, date or name the inputs and the store do not give.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree

from archive.rdf.profile import DOCUMENT_TYPE_LABELS, ORG_CATEGORY_LABELS
from archive.rdf.uris import slugify
from archive.records.matching import KnownEntities, Match, same_name
from archive.records.people import PersonRow
from archive.tei.parse import TEI_NS, XML_ID, XML_LANG

T = f"{{{TEI_NS}}}"
PROJECT = "Advocacy Document Archive project"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DOCUMENT_TYPE_DESCRIPTIONS = {
    "open-letter": "Open letter: a letter addressed to named recipients and published for a "
    "wider public.",
    "letter": "Letter: a letter addressed to named recipients.",
    "press-release": "Press release: a statement issued to the press.",
    "petition": "Petition: a formal request addressed to an authority and signed by many.",
    "report": "Report: an account of an investigation or a situation.",
    "declaration": "Declaration: a public statement of position.",
}
ORG_CATEGORY_DESCRIPTIONS = {
    "association-network": "Association network",
    "association": "Association",
    "political-party": "Political party",
    "government-body": "Government body: a government, ministry or state service, including "
    "police forces",
    "eu-institution": "Institution or body of the European Union",
    "parliamentary-committee": "Committee of a parliament",
    "higher-education-institution": "Institution of higher education and research",
}
TODO_NOTE = (
    "Draft made by archive new. To do before publication: tag every organisation, person and "
    "place named in the text (orgName, persName, placeName, rs) with @ref to its entry in the "
    "stand-off lists; mark up the letter's parts (opener, dateline, salute, closer, the signed "
    "list of signatories under their headings, postscript, footnotes) and its page breaks; "
    "then remove this note and set revisionDesc/@status to published."
)
ELEMENT = {"org": "orgName", "person": "persName", "place": "placeName"}
LIST_OF = {"org": "listOrg", "person": "listPerson", "group": "listPerson", "place": "listPlace"}
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Entry:
    """One entity of the new record: one or more rows of the list (one per role)."""

    kind: str  # org, person, group, place
    name: str
    xml_id: str = ""
    category: str | None = None
    place: Entry | None = None
    authorities: list[str] = field(default_factory=list)
    heading: str | None = None
    roles: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    match: Match = field(default_factory=Match)
    from_store: list[str] = field(default_factory=list)  # authorities the store supplied

    @property
    def signatory(self) -> bool:
        return "sender" in self.roles


@dataclass(frozen=True)
class RecordInputs:
    title: str
    date: str  # ISO 8601: the document's date
    source: str  # what the text was taken from
    people: list[PersonRow]
    body: str | None = None
    slug: str | None = None
    doc_type: str = "open-letter"
    language: str = "en"
    publisher: str = PROJECT
    licence: str = CC_BY
    today: str = ""  # the date of this encoding (revisionDesc, publicationStmt)


def document_slug(inputs: RecordInputs) -> str:
    """The given slug, else the title's first words and the date: ``open-letter-...-2014-07-10``."""
    if inputs.slug:
        return inputs.slug
    words = slugify(inputs.title, max_length=48)
    return f"{words}-{inputs.date}" if inputs.date not in words else words


def entries_of(rows: list[PersonRow], known: KnownEntities | None) -> list[Entry]:
    """One entry per someone (name and kind), its places, matched against the store; xml:ids
    are the archive-wide slugs the entries' nodes get (an exact match keeps the store's)."""
    entries: dict[tuple[str, str], Entry] = {}
    for r in rows:
        key = (r.entity_kind, same_name(r.name))
        e = entries.get(key)
        if e is None:
            e = entries[key] = Entry(kind=r.entity_kind, name=r.name, category=r.category)
        e.roles.append(r.role)
        e.rows.append(r.row)
        e.authorities += [a for a in r.authorities if a not in e.authorities]
        e.heading = e.heading or r.heading
        if r.place and e.place is None:
            pkey = ("place", same_name(r.place))
            if pkey not in entries:
                entries[pkey] = Entry(kind="place", name=r.place)
            e.place = entries[pkey]
            entries[pkey].rows.append(r.row)
    out = list(entries.values())
    used: set[str] = set()
    for e in out:
        if known is not None:
            e.match = known.match(e.kind, e.name, tuple(e.authorities))
        slug = None
        if e.match.known is not None and known is not None:
            if not e.authorities and e.match.known.authorities:
                e.from_store = list(e.match.known.authorities)
                e.authorities = list(e.from_store)
            if not e.authorities:  # keyed by its slug in the store: the same slug, the same node
                slug = e.match.known.slug(known.uris)
        if not slug or slug in used or not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", slug):
            slug = _free_slug(e, used, known)
        e.xml_id = slug
        used.add(slug)
    return out


def _free_slug(e: Entry, used: set[str], known: KnownEntities | None) -> str:
    base = slugify(e.name, max_length=60)
    if not base[0].isalpha():
        base = f"{e.kind}-{base}"
    slug, n = base, 1
    # A slug another node of the store has would merge this entry into it: only an exact match
    # may do that (and then the entry has the store's slug, or an authority that keys it).
    while slug in used or (known is not None and known.taken(e.kind, slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def build_record(inputs: RecordInputs, entries: list[Entry]) -> bytes:
    slug = document_slug(inputs)
    root = etree.Element(f"{T}TEI", nsmap={None: TEI_NS})
    root.set(XML_ID, slug)
    root.set(XML_LANG, inputs.language)
    header = _sub(root, "teiHeader")
    _file_desc(_sub(header, "fileDesc"), inputs, slug, entries)
    _encoding_desc(_sub(header, "encodingDesc"), inputs, entries)
    _profile_desc(_sub(header, "profileDesc"), inputs, entries)
    revision = _sub(header, "revisionDesc", status="draft")
    _sub(
        revision,
        "change",
        text=f"Drafted by archive new from a list of {len(inputs.people)} rows of people and "
        "organisations"
        + (" and the plain text of the document" if inputs.body else "")
        + ": header, correspondence description and stand-off lists. The names in the text "
        "are not tagged yet.",
        when=inputs.today,
        who="#archive-project",
        status="draft",
    )
    _stand_off(_sub(root, "standOff"), entries)
    _text(_sub(root, "text"), inputs)
    etree.indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, xml_id: str = "", **attrs: str
) -> etree._Element:
    values = {XML_ID: xml_id} if xml_id else {}
    values.update({k: v for k, v in attrs.items() if v})
    el = etree.SubElement(parent, f"{T}{tag}", values)
    if text is not None:
        el.text = text
    return el


def _file_desc(fd: etree._Element, inputs: RecordInputs, slug: str, entries: list[Entry]) -> None:
    ts = _sub(fd, "titleStmt")
    _sub(ts, "title", inputs.title, type="main")
    resp = _sub(ts, "respStmt")
    _sub(
        resp, "resp", "TEI encoding, drafted by archive new from a list of people and organisations"
    )
    _sub(resp, "orgName", inputs.publisher, xml_id="archive-project")
    ps = _sub(fd, "publicationStmt")
    _sub(ps, "publisher", inputs.publisher)
    _sub(ps, "idno", slug, type="archive")
    availability = _sub(ps, "availability")
    statement = (
        "The encoding (markup, header, stand-off lists and editorial notes) is licensed under the "
        "Creative Commons Attribution 4.0 International licence (CC BY 4.0)."
        if inputs.licence == CC_BY
        else f"The encoding (markup, header, stand-off lists and editorial notes) is licensed "
        f"under {inputs.licence}."
    )
    _sub(availability, "licence", statement, target=inputs.licence)
    _sub(
        availability,
        "p",
        "The text of the document belongs to its authors; no licence for it is stated in the "
        "inputs this draft was made from.",
    )
    if inputs.today:
        _sub(ps, "date", inputs.today, when=inputs.today)
    sd = _sub(fd, "sourceDesc")
    bibl = _sub(sd, "bibl")
    source = " ".join(inputs.source.split())
    if re.fullmatch(r"https?://\S+", source):
        _sub(bibl, "ref", source, target=source)
    else:
        bibl.text = source
    last = bibl[-1] if len(bibl) else None
    if last is not None:
        last.tail = ", "
    else:
        bibl.text = f"{source}, "
    _sub(bibl, "date", inputs.date, when=inputs.date)


def _encoding_desc(ed: etree._Element, inputs: RecordInputs, entries: list[Entry]) -> None:
    _sub(
        _sub(ed, "projectDesc"),
        "p",
        "The Advocacy Document Archive makes advocacy documents (open letters, press releases, "
        "petitions) durable, searchable archive records: TEI P5 transcriptions with stand-off "
        "lists of the organisations, people, places, events and works they name, and linked "
        "data derived from them.",
    )
    editorial = _sub(ed, "editorialDecl")
    n_rows = len(inputs.people)
    _sub(
        _sub(editorial, "interpretation"),
        "p",
        f"The stand-off lists and the correspondence description come from a list of {n_rows} "
        "rows of people and organisations (name, role, kind, place, authority URI, heading). "
        "Authority identifiers are given only where that list or the archive's store gives "
        "them; none is guessed. The names in the text are not tagged yet.",
    )
    if inputs.body:
        _sub(
            _sub(editorial, "segmentation"),
            "p",
            "Paragraphs follow the blank lines of the plain text the draft was made from; its "
            "line breaks within a paragraph are not recorded.",
        )
    classes = _sub(ed, "classDecl")
    types = _sub(classes, "taxonomy", xml_id="document-type")
    _sub(types, "desc", "Types of advocacy document.")
    cat = _sub(types, "category", xml_id=inputs.doc_type)
    _sub(
        cat,
        "catDesc",
        DOCUMENT_TYPE_DESCRIPTIONS.get(inputs.doc_type)
        or DOCUMENT_TYPE_LABELS.get(inputs.doc_type, inputs.doc_type),
    )
    used = sorted({e.category for e in entries if e.category}, key=list(ORG_CATEGORY_LABELS).index)
    if used:
        orgs = _sub(classes, "taxonomy", xml_id="org-category")
        _sub(orgs, "desc", "Categories of organisation.")
        for c in used:
            category = _sub(orgs, "category", xml_id=c)
            _sub(category, "catDesc", ORG_CATEGORY_DESCRIPTIONS[c])


def _profile_desc(pd: etree._Element, inputs: RecordInputs, entries: list[Entry]) -> None:
    creation = _sub(pd, "creation")
    _sub(creation, "date", inputs.date, when=inputs.date)
    langs = _sub(pd, "langUsage")
    _sub(langs, "language", f"The language of the text ({inputs.language})", ident=inputs.language)
    tc = _sub(pd, "textClass")
    _sub(tc, "catRef", scheme="#document-type", target=f"#{inputs.doc_type}")
    actions = [
        ("sent", None, [e for e in entries if "sender" in e.roles]),
        ("received", "to", [e for e in entries if "addressee" in e.roles]),
        ("received", "cc", [e for e in entries if "copy" in e.roles]),
    ]
    if not any(people for _, _, people in actions):
        return
    cd = _sub(pd, "correspDesc")
    for type_, subtype, people in actions:
        if not people and type_ == "received":
            continue
        action = _sub(cd, "correspAction", type=type_, subtype=subtype or "")
        for e in people:
            if e.kind == "group":
                _sub(action, "rs", type="group", ref=f"#{e.xml_id}")
            else:
                _sub(action, ELEMENT[e.kind], ref=f"#{e.xml_id}")
        if type_ == "sent":
            _sub(action, "date", when=inputs.date)


def _stand_off(so: etree._Element, entries: list[Entry]) -> None:
    orgs = [e for e in entries if e.kind == "org"]
    headings: dict[str | None, list[Entry]] = defaultdict(list)
    for e in orgs:
        if e.signatory:
            headings[e.heading].append(e)
    for heading, members in headings.items():
        lst = _sub(so, "listOrg", type="signatories", n=slugify(heading) if heading else "")
        if heading:
            _sub(lst, "head", heading)
        for e in members:
            _org(lst, e)
    others = [e for e in orgs if not e.signatory]
    if others:
        lst = _sub(so, "listOrg", type="named")
        _sub(lst, "head", "Other organisations named in the letter")
        for e in others:
            _org(lst, e)
    people = [e for e in entries if e.kind in ("person", "group")]
    if people:
        lst = _sub(so, "listPerson")
        for e in people:
            if e.kind == "group":
                el = _sub(lst, "personGrp", xml_id=e.xml_id)
                _sub(el, "name", e.name)
            else:
                el = _sub(lst, "person", xml_id=e.xml_id)
                _sub(el, "persName", e.name)
            _idnos(el, e)
    places = [e for e in entries if e.kind == "place"]
    if places:
        lst = _sub(so, "listPlace")
        for e in places:
            el = _sub(lst, "place", xml_id=e.xml_id)
            _sub(el, "placeName", e.name)
            _idnos(el, e)


def _org(lst: etree._Element, e: Entry) -> None:
    el = _sub(lst, "org", xml_id=e.xml_id, type=e.category or "")
    _sub(el, "orgName", e.name)
    if e.place is not None:
        _sub(el, "placeName", ref=f"#{e.place.xml_id}")
    _idnos(el, e)


def _idnos(el: etree._Element, e: Entry) -> None:
    for a in e.authorities:
        _sub(el, "idno", a, type="URI")


def _text(text: etree._Element, inputs: RecordInputs) -> None:
    div = _sub(
        _sub(text, "body"), "div", type="letter" if "letter" in inputs.doc_type else inputs.doc_type
    )
    _sub(div, "note", TODO_NOTE, type="todo")
    paragraphs = paragraphs_of(inputs.body or "")
    if not paragraphs:
        _sub(div, "gap", reason="not transcribed")
        return
    for para in paragraphs:
        _sub(div, "p", para)


def paragraphs_of(body: str) -> list[str]:
    """Paragraphs of plain text: separated by blank lines (or form feeds, which PDF extraction
    leaves at page breaks), their lines joined, spaces collapsed, characters XML cannot hold
    dropped."""
    body = XML_ILLEGAL.sub(lambda m: "\n\n" if m.group() == "\x0c" else "", body)
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
