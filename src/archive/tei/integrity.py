"""Referential integrity and date rules that no schema expresses.

- every local pointer (``#id``) resolves, and cross-file pointers resolve when the file is there;
- every stand-off entry is used, unless its list is ``type="authority"`` (a deliberate entry);
- every ``xml:id`` is unique;
- dates are ISO 8601 (W3C datatypes) and ranges are not inverted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from lxml import etree

from archive.findings import Finding, Layer, Severity
from archive.tei.parse import TEI_NS, XML_ID, ParsedXML, local_name
from archive.tei.pointers import id_index, iter_pointers, resolve_file

ENTRY_ELEMENTS = {"org", "person", "personGrp", "place", "event", "bibl", "biblStruct", "relation"}
STANDOFF_LISTS = {"listOrg", "listPerson", "listPlace", "listEvent", "listBibl"}
DATE_ATTRIBUTES = ("when", "notBefore", "notAfter", "from", "to")

_ISO = re.compile(
    r"^-?(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


def iso_date_problem(value: str) -> str | None:
    """Why a TEI date attribute value is not ISO 8601 (W3C), or ``None`` if it is fine."""
    if _TIME.match(value):
        return None
    m = _ISO.match(value)
    if not m:
        return "is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD or a date-time)"
    y, mo, d = int(m["y"]), m["m"], m["d"]
    if mo is not None and not 1 <= int(mo) <= 12:
        return f"has month {mo}, which does not exist"
    if d is not None:
        try:
            date(max(y, 1), int(mo), int(d))  # type: ignore[arg-type]
        except ValueError:
            return f"is not a calendar date (day {d} of month {mo})"
    return None


def _sort_key(value: str) -> str:
    """Comparable form of an ISO date: pad partial dates so '2014' <= '2014-07-10'."""
    return value.split("T")[0]


def _finding(rule: str, sev: Severity, msg: str, file: str, el: etree._Element, **kw) -> Finding:
    return Finding(rule, sev, msg, Layer.REFS, file=file, line=el.sourceline, **kw)


def check_integrity(parsed: ParsedXML, file: str) -> list[Finding]:
    """All referential and date findings for one parsed TEI document."""
    root = parsed.root
    return [
        *_duplicate_ids(root, file),
        *_pointers(parsed, root, file),
        *_dates(root, file),
    ]


# NCName (Namespaces in XML 1.0, XML 1.0 fifth edition name characters, without ':')
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*")


def _duplicate_ids(root: etree._Element, file: str) -> Iterator[Finding]:
    first: dict[str, etree._Element] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        xid = el.get(XML_ID)
        if xid is None:
            continue
        if not _NCNAME.fullmatch(xid):
            yield _finding(
                "refs.invalid-id",
                Severity.ERROR,
                f'xml:id="{xid}" on <{etree.QName(el).localname}> is not a valid identifier: an '
                "xml:id is an XML name without a colon (NCName): a letter or '_' first, then "
                "letters, digits, '-', '_' or '.'; no spaces, brackets or other punctuation",
                file,
                el,
                value=xid,
            )
        if xid in first:
            yield _finding(
                "refs.duplicate-id",
                Severity.ERROR,
                f'xml:id "{xid}" is used twice (first on line {first[xid].sourceline}); '
                "every xml:id must be unique",
                file,
                el,
                value=xid,
            )
        else:
            first[xid] = el


def _pointers(parsed: ParsedXML, root: etree._Element, file: str) -> Iterator[Finding]:
    ids = id_index(root)
    used: set[str] = set()
    other_files: dict[str, set[str] | None] = {}
    for el, attr, value, ptr in iter_pointers(root):
        if ptr.kind == "local":
            if ptr.target in ids:
                if ids[ptr.target] is not el:
                    used.add(ptr.target)
            else:
                yield _finding(
                    "refs.dangling",
                    Severity.ERROR,
                    f'<{local_name(el)} {attr}="{value}"> points at no element: '
                    f'there is no xml:id="{ptr.target}" in this document',
                    file,
                    el,
                    value=value,
                )
        elif ptr.kind == "file":
            yield from _cross_file(
                parsed, el, attr, value, ptr.target, ptr.fragment, other_files, file
            )
    yield from _unused_entries(root, used, file)


def _cross_file(
    parsed: ParsedXML,
    el: etree._Element,
    attr: str,
    value: str,
    target: str,
    fragment: str | None,
    cache: dict[str, set[str] | None],
    file: str,
) -> Iterator[Finding]:
    if target not in cache:
        path = resolve_file(parsed.path, target)
        cache[target] = _ids_in(path) if path else None
    ids = cache[target]
    if ids is None:
        yield _finding(
            "refs.cross-file-unresolved",
            Severity.WARNING,
            f'<{local_name(el)} {attr}="{value}"> points into {target}, which is not beside '
            "this file; the pointer cannot be checked or used",
            file,
            el,
            value=value,
        )
    elif fragment not in ids:
        yield _finding(
            "refs.dangling",
            Severity.ERROR,
            f'<{local_name(el)} {attr}="{value}"> points at no element: {target} has no '
            f'xml:id="{fragment}"',
            file,
            el,
            value=value,
        )


def _ids_in(path) -> set[str] | None:
    from archive.errors import ArchiveError
    from archive.tei.parse import parse_file

    try:
        other = parse_file(path)
    except (ArchiveError, OSError):
        return None
    return {x for x in (e.get(XML_ID) for e in other.root.iter() if isinstance(e.tag, str)) if x}


def _unused_entries(root: etree._Element, used: set[str], file: str) -> Iterator[Finding]:
    for lst in root.iter(*(f"{{{TEI_NS}}}{n}" for n in STANDOFF_LISTS)):
        if lst.get("type") == "authority" or not _in_standoff_or_header(lst):
            continue  # lists in the text are content (a personography), not stand-off
        for entry in lst:
            if not isinstance(entry.tag, str) or local_name(entry) not in ENTRY_ELEMENTS:
                continue
            xid = entry.get(XML_ID)
            if xid and xid not in used:
                yield _finding(
                    "refs.unused-entry",
                    Severity.WARNING,
                    f'stand-off <{local_name(entry)} xml:id="{xid}"> is never pointed at; '
                    'point at it from the text or put it in a list with type="authority"',
                    file,
                    entry,
                    value=xid,
                )


def _in_standoff_or_header(el: etree._Element) -> bool:
    return any(local_name(a) in {"standOff", "teiHeader"} for a in el.iterancestors())


@lru_cache(maxsize=1)
def datable_elements() -> frozenset[str]:
    """TEI elements whose @when, @notBefore, @notAfter, @from and @to are dates: the members of
    att.datable.w3c (directly or through att.datable), read from tei_all itself.

    Elsewhere the same attribute names mean other things: ``biblScope/@from`` and ``@to`` are
    page numbers, ``span/@from`` a pointer. Checking them as dates reports errors that are not.
    """
    from archive.tei.release import RNG_NS, tei_all_info

    rng = f"{{{RNG_NS}}}"
    tree = etree.parse(
        str(tei_all_info().path), etree.XMLParser(resolve_entities=False, no_network=True)
    )
    defines = {d.get("name"): d for d in tree.getroot().iterfind(f"{rng}define")}
    memo: dict[str, bool] = {}

    def datable(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in memo:
            return memo[name]
        if name.startswith("att.datable.w3c.attribute"):
            return True
        d = defines.get(name)
        if d is None or name in seen:
            return False
        found = any(
            datable(ref.get("name"), seen | {name})
            for ref in d.iter(f"{rng}ref")
            if ref.get("name", "").startswith("att.") and not _inside_element(ref, d)
        )
        memo[name] = found
        return found

    out = set()
    for d in defines.values():
        el = d.find(f"{rng}element")
        if el is None or not el.get("name"):
            continue
        if any(
            datable(ref.get("name"))
            for ref in el.iter(f"{rng}ref")
            if ref.get("name", "").startswith("att.") and not _inside_element(ref, el)
        ):
            out.add(el.get("name"))
    return frozenset(out | {"docDate"})  # docDate/@when: a W3C date of its own, not a class


def _inside_element(node: etree._Element, top: etree._Element) -> bool:
    """Whether ``node`` sits inside a nested <element> below ``top`` (another element's)."""
    parent = node.getparent()
    while parent is not None and parent is not top:
        if etree.QName(parent).localname == "element":
            return True
        parent = parent.getparent()
    return False


def _dates(root: etree._Element, file: str) -> Iterator[Finding]:
    datable = datable_elements()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        values = {a: el.get(a) for a in DATE_ATTRIBUTES if el.get(a) is not None}
        if not values:
            continue
        if etree.QName(el).namespace != TEI_NS or local_name(el) not in datable:
            continue  # not att.datable: @from/@to are page numbers or pointers there
        good = {}
        for attr, value in values.items():
            problem = iso_date_problem(value.strip())
            if problem:
                yield _finding(
                    "dates.not-iso",
                    Severity.ERROR,
                    f'<{local_name(el)} {attr}="{value}"> {problem}',
                    file,
                    el,
                    value=value,
                )
            else:
                good[attr] = value.strip()
        for lo, hi in (("notBefore", "notAfter"), ("from", "to")):
            if lo in good and hi in good and _sort_key(good[lo]) > _sort_key(good[hi]):
                yield _finding(
                    "dates.range-inverted",
                    Severity.ERROR,
                    f'<{local_name(el)}> has {lo}="{good[lo]}" after {hi}="{good[hi]}"',
                    file,
                    el,
                    value=f"{good[lo]}..{good[hi]}",
                )
