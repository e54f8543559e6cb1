"""PREMIS 3 preservation metadata inside the METS document: objects with fixity, events, agents.

Each PREMIS object, event and agent is validated against the PREMIS 3.0 XML schema of the Library
of Congress, shipped with the project (``deposit/schemas/premis-v3-0.xsd``, provenance in
``deposit/schemas/README.md``) and compiled offline; then the project's own rules
(:func:`check_premis`) check what the schema cannot: controlled outcome values, ISO 8601 dates,
identifiers that resolve, the expected events, and fixity values that match the files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from lxml import etree

from archive.errors import SchemaUnavailable
from archive.findings import Finding, Layer, Severity, collector
from archive.resources import data_dir

PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
P = f"{{{PREMIS_NS}}}"
PREMIS_XSD = data_dir("deposit") / "schemas" / "premis-v3-0.xsd"

# PREMIS names for the digests the bag carries (LoC cryptographicHashFunctions vocabulary).
DIGEST_NAMES = {"sha256": "SHA-256", "sha512": "SHA-512"}
OUTCOMES = {"success", "failure", "pass", "fail", "warning"}

# Event types this archive records, from the LoC PREMIS eventType vocabulary.
EVENT_EXTRACTION = "metadata extraction"
EVENT_VALIDATION = "validation"
EVENT_PACKAGE = "information package creation"
REQUIRED_EVENTS = (EVENT_EXTRACTION, EVENT_VALIDATION, EVENT_PACKAGE)


@dataclass(frozen=True)
class ObjectFacts:
    """One file of the payload, as PREMIS describes it."""

    ident: str  # path relative to data/, e.g. "tei/calais-2014-07-10.xml"
    size: int
    mime: str
    digests: dict[str, str]  # algorithm (hashlib name) -> hex


@dataclass(frozen=True)
class AgentFacts:
    ident: str
    ident_type: str
    name: str
    type: str  # "software" or "organization"
    version: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class EventFacts:
    ident: str
    type: str
    when: str  # xsd:dateTime
    detail: str
    outcome: str
    outcome_note: str
    agents: tuple[tuple[str, str], ...] = ()  # (agent ident, role)
    sources: tuple[str, ...] = ()  # object idents the event read
    outcomes: tuple[str, ...] = ()  # object idents the event produced
    agent_type: str = "local"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, P + tag, **attrs)
    if text is not None:
        el.text = text
    return el


def object_element(obj: ObjectFacts) -> etree._Element:
    """``premis:object`` of type file: identifier, fixity for every digest, size and format."""
    el = etree.Element(P + "object", nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})
    el.set(f"{{{XSI_NS}}}type", "premis:file")
    el.set("version", "3.0")
    oid = _sub(el, "objectIdentifier")
    _sub(oid, "objectIdentifierType", "local")
    _sub(oid, "objectIdentifierValue", obj.ident)
    chars = _sub(el, "objectCharacteristics")
    _sub(chars, "compositionLevel", "0")
    for alg in sorted(obj.digests, key=lambda a: list(DIGEST_NAMES).index(a)):
        fix = _sub(chars, "fixity")
        _sub(fix, "messageDigestAlgorithm", DIGEST_NAMES[alg])
        _sub(fix, "messageDigest", obj.digests[alg])
        _sub(fix, "messageDigestOriginator", "archive")
    _sub(chars, "size", str(obj.size))
    fmt = _sub(chars, "format")
    des = _sub(fmt, "formatDesignation")
    _sub(des, "formatName", obj.mime)
    _sub(el, "originalName", obj.ident)
    return el


def event_element(ev: EventFacts) -> etree._Element:
    el = etree.Element(P + "event", nsmap={"premis": PREMIS_NS})
    el.set("version", "3.0")
    eid = _sub(el, "eventIdentifier")
    _sub(eid, "eventIdentifierType", "local")
    _sub(eid, "eventIdentifierValue", ev.ident)
    _sub(el, "eventType", ev.type)
    _sub(el, "eventDateTime", ev.when)
    _sub(_sub(el, "eventDetailInformation"), "eventDetail", ev.detail)
    info = _sub(el, "eventOutcomeInformation")
    _sub(info, "eventOutcome", ev.outcome)
    _sub(_sub(info, "eventOutcomeDetail"), "eventOutcomeDetailNote", ev.outcome_note)
    for agent, role in ev.agents:
        link = _sub(el, "linkingAgentIdentifier")
        _sub(link, "linkingAgentIdentifierType", ev.agent_type)
        _sub(link, "linkingAgentIdentifierValue", agent)
        _sub(link, "linkingAgentRole", role)
    for ident, role in [(s, "source") for s in ev.sources] + [(o, "outcome") for o in ev.outcomes]:
        link = _sub(el, "linkingObjectIdentifier")
        _sub(link, "linkingObjectIdentifierType", "local")
        _sub(link, "linkingObjectIdentifierValue", ident)
        _sub(link, "linkingObjectRole", role)
    return el


def agent_element(agent: AgentFacts) -> etree._Element:
    el = etree.Element(P + "agent", nsmap={"premis": PREMIS_NS})
    el.set("version", "3.0")
    aid = _sub(el, "agentIdentifier")
    _sub(aid, "agentIdentifierType", agent.ident_type)
    _sub(aid, "agentIdentifierValue", agent.ident)
    _sub(el, "agentName", agent.name)
    _sub(el, "agentType", agent.type)
    if agent.version:
        _sub(el, "agentVersion", agent.version)
    if agent.note:
        _sub(el, "agentNote", agent.note)
    return el


# --------------------------------------------------------------------------- checking

# Children, in the order PREMIS 3 requires, of the elements this archive writes; (name, min, max).
_ORDER: dict[str, list[tuple[str, int, int | None]]] = {
    "object": [
        ("objectIdentifier", 1, None),
        ("preservationLevel", 0, None),
        ("significantProperties", 0, None),
        ("objectCharacteristics", 1, None),
        ("originalName", 0, 1),
        ("storage", 0, None),
        ("signatureInformation", 0, None),
        ("environmentFunction", 0, None),
        ("environmentDesignation", 0, None),
        ("environmentRegistry", 0, None),
        ("environmentExtension", 0, None),
        ("relationship", 0, None),
        ("linkingEventIdentifier", 0, None),
        ("linkingRightsStatementIdentifier", 0, None),
    ],
    "objectCharacteristics": [
        ("compositionLevel", 0, 1),
        ("fixity", 0, None),
        ("size", 0, 1),
        ("format", 1, None),
        ("creatingApplication", 0, None),
        ("inhibitors", 0, None),
        ("objectCharacteristicsExtension", 0, None),
    ],
    "fixity": [
        ("messageDigestAlgorithm", 1, 1),
        ("messageDigest", 1, 1),
        ("messageDigestOriginator", 0, 1),
    ],
    "event": [
        ("eventIdentifier", 1, 1),
        ("eventType", 1, 1),
        ("eventDateTime", 1, 1),
        ("eventDetailInformation", 0, None),
        ("eventOutcomeInformation", 0, None),
        ("linkingAgentIdentifier", 0, None),
        ("linkingObjectIdentifier", 0, None),
    ],
    "eventOutcomeInformation": [("eventOutcome", 0, 1), ("eventOutcomeDetail", 0, None)],
    "linkingAgentIdentifier": [
        ("linkingAgentIdentifierType", 1, 1),
        ("linkingAgentIdentifierValue", 1, 1),
        ("linkingAgentRole", 0, None),
    ],
    "linkingObjectIdentifier": [
        ("linkingObjectIdentifierType", 1, 1),
        ("linkingObjectIdentifierValue", 1, 1),
        ("linkingObjectRole", 0, None),
    ],
    "agent": [
        ("agentIdentifier", 1, None),
        ("agentName", 0, None),
        ("agentType", 0, 1),
        ("agentVersion", 0, 1),
        ("agentNote", 0, None),
        ("agentExtension", 0, None),
        ("linkingEventIdentifier", 0, None),
        ("linkingRightsStatementIdentifier", 0, None),
        ("linkingEnvironmentIdentifier", 0, None),
    ],
}
_DATETIME = re.compile(r"^-?\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path.replace("p:", P))
    return found.text.strip() if found is not None and found.text else None


@dataclass
class PremisCheck:
    findings: list[Finding] = field(default_factory=list)
    objects: dict[str, etree._Element] = field(default_factory=dict)
    events: dict[str, etree._Element] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)


def _check_order(el: etree._Element, add: Callable[..., None]) -> None:
    spec = _ORDER.get(_local(el))
    if spec:
        names = [_local(c) for c in el if isinstance(c.tag, str) and c.tag.startswith(P)]
        position = 0
        counts: dict[str, int] = {}
        order = [n for n, _, _ in spec]
        for child in names:
            if child not in order:
                add(
                    "premis.structure",
                    f"premis:{_local(el)} has an unexpected child premis:{child}",
                    el,
                )
                continue
            at = order.index(child)
            if at < position:
                add(
                    "premis.structure",
                    f"premis:{child} is out of order in premis:{_local(el)} "
                    f"(PREMIS 3 order: {', '.join(order)})",
                    el,
                )
            position = max(position, at)
            counts[child] = counts.get(child, 0) + 1
        for name, low, high in spec:
            n = counts.get(name, 0)
            if n < low:
                add("premis.structure", f"premis:{_local(el)} lacks premis:{name}", el)
            if high is not None and n > high:
                add(
                    "premis.structure",
                    f"premis:{_local(el)} has {n} premis:{name}, at most {high} allowed",
                    el,
                )
    for child in el:
        if isinstance(child.tag, str) and child.tag.startswith(P):
            _check_order(child, add)


def check_premis(
    root: etree._Element,
    file: str,
    actual_digest: Callable[[str, str], str | None],
    actual_size: Callable[[str], int | None],
) -> list[Finding]:
    """The project's rules for the PREMIS parts of a METS document (see the module docstring).

    ``actual_digest(ident, algorithm)`` and ``actual_size(ident)`` give what the package holds
    for an object identifier (a path relative to ``data/``), or None when there is no such file.
    """
    check = PremisCheck()
    add = collector(check.findings, Layer.PACKAGE, file)

    top = [
        el
        for el in root.iter(P + "object", P + "event", P + "agent")
        if el.getparent() is None or not el.getparent().tag.startswith(P)
    ]
    if not top:
        add("premis.missing", "the METS document carries no PREMIS objects, events or agents")
        return check.findings
    _check_schema(top, add)
    for el in top:
        _check_order(el, add)
        kind = _local(el)
        if el.get("version") not in (None, "3.0"):
            add(
                "premis.version",
                f"premis:{kind} declares version {el.get('version')!r}, not 3.0",
                el,
                value=el.get("version"),
            )
        if kind == "object":
            xsi_type = el.get(f"{{{XSI_NS}}}type") or ""
            prefix, _, local = xsi_type.rpartition(":")
            if local not in ("file", "representation", "bitstream", "intellectualEntity") or (
                el.nsmap.get(prefix or None) != PREMIS_NS
            ):
                add(
                    "premis.object-type",
                    f"premis:object needs xsi:type premis:file, "
                    f"premis:representation, premis:bitstream or premis:intellectualEntity; found "
                    f"{xsi_type!r}",
                    el,
                    value=xsi_type,
                )
            ident = _text(el, "p:objectIdentifier/p:objectIdentifierValue")
            if ident:
                check.objects[ident] = el
        elif kind == "event":
            ident = _text(el, "p:eventIdentifier/p:eventIdentifierValue")
            if ident:
                if ident in check.events:
                    add("premis.duplicate-id", f"event identifier {ident!r} is used twice", el)
                check.events[ident] = el
        else:
            ident = _text(el, "p:agentIdentifier/p:agentIdentifierValue")
            if ident:
                check.agents.add(ident)

    for ident, el in sorted(check.objects.items()):
        size = actual_size(ident)
        if size is None:
            add(
                "premis.object-missing",
                f"PREMIS object {ident!r} is not a file of the package",
                el,
                value=ident,
            )
            continue
        declared = _text(el, "p:objectCharacteristics/p:size")
        if declared is not None and declared != str(size):
            add(
                "premis.size-mismatch",
                f"PREMIS size of {ident} is {declared}; the file has {size} bytes",
                el,
                value=declared,
            )
        for fix in el.iterfind(f"{P}objectCharacteristics/{P}fixity"):
            alg_name = _text(fix, "p:messageDigestAlgorithm") or ""
            digest = (_text(fix, "p:messageDigest") or "").lower()
            alg = {v: k for k, v in DIGEST_NAMES.items()}.get(alg_name)
            if alg is None:
                add(
                    "premis.fixity-algorithm",
                    f"PREMIS fixity of {ident} uses {alg_name!r}; "
                    f"this archive writes {', '.join(DIGEST_NAMES.values())}",
                    fix,
                    Severity.WARNING,
                    alg_name,
                )
                continue
            found = actual_digest(ident, alg)
            if found is not None and found != digest:
                add(
                    "premis.fixity-mismatch",
                    f"PREMIS {alg_name} of {ident}: expected {digest}, the file has {found}",
                    fix,
                    value=found,
                )

    seen_types = set()
    for ident, el in sorted(check.events.items()):
        etype = _text(el, "p:eventType") or ""
        seen_types.add(etype)
        when = _text(el, "p:eventDateTime") or ""
        if not _DATETIME.match(when) or not _parses(when):
            add(
                "premis.datetime",
                f"event {ident}: eventDateTime {when!r} is not an ISO 8601 date-time",
                el,
                value=when,
            )
        for outcome in el.iterfind(f"{P}eventOutcomeInformation/{P}eventOutcome"):
            value = (outcome.text or "").strip()
            if value not in OUTCOMES:
                add(
                    "premis.outcome",
                    f"event {ident}: eventOutcome {value!r} is not one of {sorted(OUTCOMES)}",
                    outcome,
                    value=value,
                )
        for link in el.iterfind(f"{P}linkingAgentIdentifier"):
            agent = _text(link, "p:linkingAgentIdentifierValue")
            if agent not in check.agents:
                add(
                    "premis.link-dangling",
                    f"event {ident} names agent {agent!r}, which the METS "
                    "document does not describe",
                    link,
                    value=agent,
                )
        for link in el.iterfind(f"{P}linkingObjectIdentifier"):
            obj = _text(link, "p:linkingObjectIdentifierValue") or ""
            if obj not in check.objects and actual_size(obj) is None:
                add(
                    "premis.link-dangling",
                    f"event {ident} names object {obj!r}, which is "
                    "neither described nor in the package",
                    link,
                    value=obj,
                )
        if not any(True for _ in el.iterfind(f"{P}linkingAgentIdentifier")):
            add("premis.no-agent", f"event {ident} does not say which agent ran it", el)
    for etype in REQUIRED_EVENTS:
        if etype not in seen_types:
            add(
                "premis.event-missing",
                f"no PREMIS event of type {etype!r}: this archive records "
                f"{', '.join(REQUIRED_EVENTS)}",
            )
    return check.findings


@lru_cache(maxsize=1)
def premis_schema() -> etree.XMLSchema:
    """The PREMIS 3.0 XSD, compiled once from the project's copy; nothing is fetched."""
    if not PREMIS_XSD.is_file():
        raise SchemaUnavailable(f"the PREMIS 3.0 schema is missing: {PREMIS_XSD}")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(str(PREMIS_XSD), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"the PREMIS 3.0 schema could not be compiled: {exc}") from None


def _check_schema(top: list[etree._Element], add: Callable[..., None]) -> None:
    """Each PREMIS object, event and agent against the PREMIS 3.0 XSD, as its own instance."""
    try:
        schema = premis_schema()
    except SchemaUnavailable as exc:
        add("premis.schema-unavailable", str(exc), severity=Severity.WARNING)
        return
    for el in top:
        instance = etree.fromstring(etree.tostring(el))  # keeps the in-scope namespaces
        if schema.validate(instance):
            continue
        for err in schema.error_log:
            add(
                "premis.schema",
                f"PREMIS 3.0 schema: {err.message}",
                line=(el.sourceline or 0) + max(err.line - 1, 0) or None,
            )


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def outcome_of(passed: bool) -> str:
    return "pass" if passed else "fail"
