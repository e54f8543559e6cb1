"""OAI-PMH 2.0 over the store: the six verbs, their arguments and every error condition.

:class:`Provider` answers one request, given as the list of its (name, value) arguments (so a
repeated argument is seen) and the base URL it was sent to, with the XML of the response. It
knows nothing of HTTP: :mod:`archive.oai.routes` serves it at ``/oai``.

Items are the store's documents, identified by their document IRI. Datestamps are the catalog's
``dcterms:modified`` (when the document was loaded or its content last changed; for a removed
document, when it was removed); lists follow the store's harvest order, and resumption tokens
carry the position in it (:mod:`archive.oai.tokens`). Sets: ``type`` (``type:open-letter``,
one per document type) and ``year`` (``year:2014``, the year of the document's date).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from lxml import etree

from archive.errors import OaiError
from archive.oai import formats, records, tokens
from archive.oai.formats import DC_NS, FORMATS, OAI_DC_NS, XSI_NS
from archive.store.base import Store
from archive.store.catalog import Change, DocumentInfo
from archive.store.search import SearchIndex

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI = f"{{{OAI_NS}}}"
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
MAX_SCAN = 50_000  # harvest-order entries one list request reads while looking for a page

VERBS: dict[str, tuple[set[str], set[str]]] = {
    # verb -> (required arguments, optional arguments); resumptionToken is exclusive
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
SET_NAMES = {"type": "Documents by type", "year": "Documents by the year of their date"}


@dataclass(frozen=True)
class ProviderSettings:
    """How the provider describes itself and pages its lists."""

    repository_name: str = "Advocacy document archive"
    # default: $ARCHIVE_ADMIN_EMAIL (comma-separated), else webmaster@ the base's host (RFC 2142)
    admin_emails: tuple[str, ...] = ()
    page_size: int = 100  # records (or headers) per page of a list


class Provider:
    """The OAI-PMH provider over one store (and the search index that keeps its TEI files)."""

    def __init__(
        self,
        store: Store,
        index: SearchIndex | None = None,
        settings: ProviderSettings | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self.settings = settings or ProviderSettings()
        self.base = store.base

    # -- the request -------------------------------------------------------------------------

    def respond(self, args: Sequence[tuple[str, str]], base_url: str) -> bytes:
        """The XML response to one request (an ``<error>`` response for a protocol error)."""
        root = etree.Element(f"{OAI}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
        etree.SubElement(root, f"{OAI}responseDate").text = _now()
        request = etree.SubElement(root, f"{OAI}request")
        request.text = base_url
        try:
            verb, params = self._check(args)
            for name in ("verb", *sorted(params)):
                request.set(name, verb if name == "verb" else params[name])
            if verb == "Identify":
                root.append(self._Identify(params, base_url))
            else:
                root.append(getattr(self, f"_{verb}")(params))
        except OaiError as exc:
            if exc.code in ("badVerb", "badArgument"):
                request.attrib.clear()  # the protocol: no attributes when the request is bad
            error = etree.SubElement(root, f"{OAI}error", code=exc.code)
            error.text = str(exc)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _check(self, args: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        verbs = [v for k, v in args if k == "verb"]
        if not verbs:
            raise OaiError("badVerb", "The verb argument is missing.")
        if len(verbs) > 1:
            raise OaiError("badVerb", "The verb argument is repeated.")
        verb = verbs[0]
        if verb not in VERBS:
            raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb.")
        required, optional = VERBS[verb]
        params: dict[str, str] = {}
        for name, value in args:
            if name == "verb":
                continue
            if name not in required | optional:
                raise OaiError("badArgument", f"{name!r} is not an argument of {verb}.")
            if name in params:
                raise OaiError("badArgument", f"The argument {name!r} is repeated.")
            if not value:
                raise OaiError("badArgument", f"The argument {name!r} is empty.")
            if not _xml_safe(value) or len(value) > 4000:
                raise OaiError("badArgument", f"The argument {name!r} is not a valid value.")
            if name == "metadataPrefix" and not PREFIX.match(value):
                raise OaiError("badArgument", f"{value!r} is not a metadataPrefix.")
            params[name] = value
        if "resumptionToken" in params:
            if len(params) > 1:
                raise OaiError(
                    "badArgument", "resumptionToken is an exclusive argument: send it alone."
                )
            return verb, params
        missing = sorted(required - params.keys())
        if missing:
            raise OaiError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}.")
        return verb, params

    # -- the verbs ---------------------------------------------------------------------------

    def _Identify(self, params: dict[str, str], base_url: str) -> etree._Element:
        el = etree.Element(f"{OAI}Identify")
        etree.SubElement(el, f"{OAI}repositoryName").text = self.settings.repository_name
        etree.SubElement(el, f"{OAI}baseURL").text = base_url
        etree.SubElement(el, f"{OAI}protocolVersion").text = "2.0"
        for email in self.settings.admin_emails or self._default_emails():
            etree.SubElement(el, f"{OAI}adminEmail").text = email
        first = self.store.changes(limit=1).changes
        earliest = _stamp(first[0].datestamp) if first else _now()
        etree.SubElement(el, f"{OAI}earliestDatestamp").text = earliest
        etree.SubElement(el, f"{OAI}deletedRecord").text = "persistent"
        etree.SubElement(el, f"{OAI}granularity").text = "YYYY-MM-DDThh:mm:ssZ"
        description = etree.SubElement(el, f"{OAI}description")
        dc = etree.SubElement(
            description, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS}
        )
        dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {FORMATS['oai_dc'].schema}")
        for text in (
            "Items are the archive's documents (open letters, press releases, petitions...), "
            "identified by their document IRI; a removed document stays as a deleted record.",
            "Sets: 'type' (type:open-letter, one set per document type, as the TEI record "
            "states it) and 'year' (year:2014, the year of the document's date). Deleted "
            "records belong to no set and are listed in every set-restricted list, so that "
            "a selective harvester learns of every removal.",
            "Metadata formats: oai_dc (mapped from the TEI header and the document's graph), "
            "tei (the whole TEI document) and rdf (the document's named graph in RDF/XML).",
            "Datestamps: when a document was loaded or its content last changed.",
        ):
            etree.SubElement(dc, f"{{{DC_NS}}}description").text = text
        etree.SubElement(dc, f"{{{DC_NS}}}identifier").text = self.base
        return el

    def _ListMetadataFormats(self, params: dict[str, str]) -> etree._Element:
        prefixes = list(FORMATS)
        if "identifier" in params:
            info, deleted = self._item(params["identifier"])
            if info is None or deleted is not None:
                raise OaiError(
                    "noMetadataFormats",
                    f"{params['identifier']} was removed: no metadata formats are available "
                    "for it (its header says so as a deleted record).",
                )
            prefixes = [p for p in prefixes if p != "tei" or self._tei(info) is not None]
        el = etree.Element(f"{OAI}ListMetadataFormats")
        for prefix in prefixes:
            fmt = FORMATS[prefix]
            mf = etree.SubElement(el, f"{OAI}metadataFormat")
            etree.SubElement(mf, f"{OAI}metadataPrefix").text = fmt.prefix
            etree.SubElement(mf, f"{OAI}schema").text = fmt.schema
            etree.SubElement(mf, f"{OAI}metadataNamespace").text = fmt.namespace
        return el

    def _ListSets(self, params: dict[str, str]) -> etree._Element:
        if "resumptionToken" in params:
            tokens.decode(params["resumptionToken"], "ListSets")
            # every set fits in one answer, so no token of ours names a later page
            raise OaiError("badResumptionToken", "This repository lists its sets in one page.")
        sets = self.sets()
        if not sets:
            raise OaiError(
                "noSetHierarchy", "The archive holds no documents, so it has no sets yet."
            )
        el = etree.Element(f"{OAI}ListSets")
        for spec, name in sets:
            s = etree.SubElement(el, f"{OAI}set")
            etree.SubElement(s, f"{OAI}setSpec").text = spec
            etree.SubElement(s, f"{OAI}setName").text = name
        return el

    def _GetRecord(self, params: dict[str, str]) -> etree._Element:
        prefix = self._prefix(params["metadataPrefix"])
        info, deleted = self._item(params["identifier"])
        el = etree.Element(f"{OAI}GetRecord")
        if deleted is not None:
            el.append(self._record(deleted, None, prefix))
            return el
        assert info is not None
        change = Change(
            sequence=info.sequence or 0,
            datestamp=info.modified or "",
            graph=info.graph,
            document=info.document or "",
            slug=info.slug or "",
            deleted=False,
            info=info,
        )
        page = self._render([change], prefix, with_metadata=True)
        if not page:
            raise OaiError(
                "cannotDisseminateFormat",
                f"{params['identifier']} is not available as {prefix}"
                + (" (the archive does not keep its TEI file)" if prefix == "tei" else "."),
            )
        el.extend(page)
        return el

    def _ListIdentifiers(self, params: dict[str, str]) -> etree._Element:
        return self._list("ListIdentifiers", params, with_metadata=False)

    def _ListRecords(self, params: dict[str, str]) -> etree._Element:
        return self._list("ListRecords", params, with_metadata=True)

    # -- lists -------------------------------------------------------------------------------

    def _list(self, verb: str, params: dict[str, str], with_metadata: bool) -> etree._Element:
        if "resumptionToken" in params:
            pos = tokens.decode(params["resumptionToken"], verb)
            if pos.prefix not in FORMATS:
                raise OaiError("badResumptionToken", "The resumptionToken is not valid.")
            self._check_dates(pos.since, pos.until, token=True)
        else:
            prefix = self._prefix(params["metadataPrefix"])
            since, until = params.get("from"), params.get("until")
            self._check_dates(since, until)
            set_spec = params.get("set")
            if set_spec is not None:
                self._check_set(set_spec)
            pos = tokens.Position(verb, prefix, set_spec, since, until, after=0, sent=0)
        assert pos.prefix is not None
        size = self.settings.page_size
        payloads: dict[str, etree._Element] | None = (
            {} if with_metadata and pos.prefix == "tei" else None
        )
        found, last_seen, more = self._scan(pos, size, payloads)
        if not found:
            # after a token, only when what followed it moved past ``until`` (changed since)
            raise OaiError("noRecordsMatch", "No records match the request's arguments.")
        el = etree.Element(f"{OAI}{verb}")
        el.extend(self._render(found, pos.prefix, with_metadata, payloads))
        if more or pos.sent:
            token = etree.SubElement(el, f"{OAI}resumptionToken", cursor=str(pos.sent))
            if more:
                token.text = tokens.encode(
                    tokens.Position(
                        verb,
                        pos.prefix,
                        pos.set,
                        pos.since,
                        pos.until,
                        last_seen,
                        pos.sent + len(found),
                    )
                )
        return el

    def _scan(
        self, pos: tokens.Position, size: int, payloads: dict[str, etree._Element] | None = None
    ) -> tuple[list[Change], int, bool]:
        """Up to ``size`` changes after ``pos`` that the request selects, the sequence of the
        last one, and whether another follows.

        With ``payloads`` (a ListRecords of TEI documents), the TEI roots are parsed into it,
        and a page ends before a document whose ``xml:id`` values one already in the page
        uses: ``xml:id`` must be unique in the response, and XML parsers (libxml2, so lxml and
        the harvesters built on it) refuse a response where it is not.
        """
        found: list[Change] = []
        after = pos.after
        scanned = 0
        ids: set[str] = set()
        while True:
            page = self.store.changes(
                since=pos.since,
                until=pos.until,
                after=after or None,
                limit=size + 1 if not pos.set else max(size + 1, 500),
            )
            if not page.changes:
                return found, after, False
            live = [c.info for c in page.changes if not c.deleted and c.info is not None]
            by_type = (pos.set or "").split(":")[0] == "type"
            types = records.document_types(self.store, live) if by_type else {}
            for change in page.changes:
                scanned += 1
                if not self._selected(change, pos, types):
                    continue
                if len(found) == size:
                    return found, found[-1].sequence, True
                if payloads is not None and not change.deleted and change.info is not None:
                    root = formats.tei_element(self._tei(change.info) or b"")
                    if root is None:
                        continue  # not kept, or not readable: not available as tei
                    own = {v for v in root.xpath("//@xml:id")}
                    if found and own & ids:
                        return found, found[-1].sequence, True
                    ids |= own
                    payloads[change.graph] = root
                found.append(change)
            after = page.changes[-1].sequence
            if page.cursor is None:
                return found, after, False
            if scanned >= MAX_SCAN and found:
                return found, found[-1].sequence, True

    def _selected(self, change: Change, pos: tokens.Position, types: dict[str, list[str]]) -> bool:
        if change.deleted:
            return True  # membership unknown once removed: every selective harvest hears of it
        info = change.info
        if info is None:
            return False
        if pos.prefix == "tei" and not self._has_tei(info):
            return False
        if pos.set:
            return pos.set in self._specs(info, types.get(change.graph, []), parents=True)
        return True

    # -- records -----------------------------------------------------------------------------

    def _render(
        self,
        changes: Sequence[Change],
        prefix: str,
        with_metadata: bool,
        payloads: dict[str, etree._Element] | None = None,
    ) -> list[etree._Element]:
        live = [c.info for c in changes if not c.deleted and c.info is not None]
        if with_metadata and prefix == "oai_dc":
            facts = records.document_facts(self.store, live)
            types = {g: f.types for g, f in facts.items()}
        else:
            facts, types = {}, records.document_types(self.store, live)
        out = []
        for change in changes:
            if change.deleted or change.info is None:
                out.append(
                    self._record(change, None, prefix)
                    if with_metadata
                    else self._header(change, [])
                )
                continue
            specs = self._specs(change.info, types.get(change.graph, []))
            if not with_metadata:
                out.append(self._header(change, specs))
                continue
            payload = (payloads or {}).get(change.graph)
            if payload is None:
                payload = self._metadata(change.info, prefix, facts)
            if payload is None:
                continue
            out.append(self._record(change, payload, prefix, specs))
        return out

    def _metadata(
        self, info: DocumentInfo, prefix: str, facts: dict[str, records.Facts]
    ) -> etree._Element | None:
        if prefix == "oai_dc":
            tei = self._tei(info)
            return formats.dublin_core(info, facts.get(info.graph) or records.Facts(), tei)
        if prefix == "tei":
            tei = self._tei(info)
            return formats.tei_element(tei) if tei is not None else None
        return formats.rdf_element(records.graph_triples(self.store, info.graph))

    def _record(
        self,
        change: Change,
        payload: etree._Element | None,
        prefix: str,
        specs: list[str] | None = None,
    ) -> etree._Element:
        record = etree.Element(f"{OAI}record")
        record.append(self._header(change, specs or []))
        if payload is not None:
            etree.SubElement(record, f"{OAI}metadata").append(payload)
        return record

    def _header(self, change: Change, specs: list[str]) -> etree._Element:
        header = etree.Element(f"{OAI}header")
        if change.deleted:
            header.set("status", "deleted")
        etree.SubElement(header, f"{OAI}identifier").text = change.document or change.graph
        etree.SubElement(header, f"{OAI}datestamp").text = _stamp(change.datestamp)
        for spec in specs:
            etree.SubElement(header, f"{OAI}setSpec").text = spec
        return header

    # -- sets --------------------------------------------------------------------------------

    def sets(self) -> list[tuple[str, str]]:
        """Every set (spec, name): the two parents, a set per document type and per year."""
        c = f"<{self.store.catalog_graph}>"
        q = f"""SELECT ?t (SAMPLE(?label) AS ?name) WHERE {{
  GRAPH {c} {{ ?g <https://schema.org/about> ?d }}
  GRAPH ?g {{ ?d <http://purl.org/dc/terms/type> ?t
              OPTIONAL {{ ?t <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }} }}
}} GROUP BY ?t"""
        types = []
        for t, name in self.store.query(q).values():
            slug = records.type_slug(self.base, t or "")
            if slug:
                types.append((f"type:{slug}", f"Documents of type: {name or slug}"))
        years = set()
        q = f"""SELECT DISTINCT ?date WHERE {{ GRAPH {c} {{
  ?g <https://schema.org/about> ?d ; <http://purl.org/dc/terms/date> ?date }} }}"""
        for (value,) in self.store.query(q).values():
            year = records.year_of(value)
            if year:
                years.add(year)
        out: list[tuple[str, str]] = []
        if types:
            out.append(("type", SET_NAMES["type"]))
            out.extend(sorted(types))
        if years:
            out.append(("year", SET_NAMES["year"]))
            out.extend((f"year:{y}", f"Documents dated {y}") for y in sorted(years))
        return out

    def _specs(self, info: DocumentInfo, types: list[str], parents: bool = False) -> list[str]:
        specs = []
        for t in types:
            slug = records.type_slug(self.base, t)
            if slug:
                specs.append(f"type:{slug}")
        year = records.year_of(info.date)
        if year:
            specs.append(f"year:{year}")
        if parents:
            specs += sorted({s.split(":", 1)[0] for s in specs})
        return specs

    def _check_set(self, spec: str) -> None:
        if not SET_SPEC.match(spec):
            raise OaiError("badArgument", f"{spec!r} is not a setSpec.")
        if not self.store.changes(limit=1).changes:
            raise OaiError("noSetHierarchy", "The archive holds no documents, so it has no sets.")

    # -- helpers -----------------------------------------------------------------------------

    def _prefix(self, prefix: str) -> str:
        if prefix not in FORMATS:
            raise OaiError(
                "cannotDisseminateFormat",
                f"{prefix!r} is not a metadata format of this repository ({', '.join(FORMATS)}).",
            )
        return prefix

    def _item(self, identifier: str) -> tuple[DocumentInfo | None, Change | None]:
        """A live document by its IRI, or the tombstone of a removed one."""
        if identifier.startswith(self.base + "/id/document/"):
            info = self.store.find(identifier)
            if info is not None and info.document == identifier:
                return info, None
            for change in self.store.tombstones():
                if change.document == identifier:
                    return None, change
        raise OaiError("idDoesNotExist", f"{identifier} is not an item of this repository.")

    def _has_tei(self, info: DocumentInfo) -> bool:
        if self.index is None or not info.sha256:
            return False
        row = self.index.conn.execute(
            "SELECT 1 FROM sources WHERE sha256 = ?", (info.sha256,)
        ).fetchone()
        return row is not None

    def _tei(self, info: DocumentInfo) -> bytes | None:
        if self.index is None or not info.sha256:
            return None
        found = self.index.source(info.sha256)
        return found[1] if found else None

    def _check_dates(self, since: str | None, until: str | None, token: bool = False) -> None:
        code = "badResumptionToken" if token else "badArgument"
        for name, value in (("from", since), ("until", until)):
            if value is not None and not _valid_stamp(value):
                raise OaiError(
                    code, f"{name}={value!r} is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ."
                )
        if since and until:
            if len(since) != len(until):
                raise OaiError(code, "from and until must have the same granularity.")
            if since > until:
                raise OaiError(code, "from is later than until.")

    def _default_emails(self) -> tuple[str, ...]:
        given = os.environ.get("ARCHIVE_ADMIN_EMAIL", "")
        emails = tuple(e.strip() for e in given.split(",") if "@" in e)
        if emails:
            return emails
        host = urlsplit(self.base).hostname or "localhost"
        return (f"webmaster@{host if '.' in host else host + '.localdomain'}",)


def _xml_safe(text: str) -> bool:
    """Whether XML 1.0 can carry the text (the request element echoes the arguments)."""
    return all(
        c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
        for c in text
    )


def _valid_stamp(value: str) -> bool:
    try:
        if DAY.match(value):
            date.fromisoformat(value)
            return True
        if SECOND.match(value):
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return True
    except ValueError:
        return False
    return False


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(value: str) -> str:
    """A datestamp at second granularity in UTC (``2026-11-26T04:51:03Z``)."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
