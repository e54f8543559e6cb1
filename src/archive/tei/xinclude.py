"""XInclude (``xi:include``), followed safely: local files in the folder only, never the network.

Editions split big files with XInclude (a header in one file, letters in others). libxml2's own
XInclude would fetch whatever ``href`` names; this does what a submission reader may: a relative
``href`` to a file beside the including one or below it (never ``../`` out of the folder), parsed
with the same safe parser (no DTDs, no entities, the size limit), to a bounded depth, without
cycles. A remote ``href`` (``http:``, ``file:``, any scheme) is refused with a finding, and the
include's ``xi:fallback`` is used if it has one. Every include is reported: what was included,
or why not.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from archive.errors import ArchiveError
from archive.findings import Finding, Layer, Severity
from archive.tei.parse import XML_ID, ParsedXML, max_bytes, parse_bytes, read_limited
from archive.tei.pointers import resolve_file

XI_NS = "http://www.w3.org/2001/XInclude"
XI = f"{{{XI_NS}}}"
MAX_DEPTH = 10
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ELEMENT_SCHEME = re.compile(r"^element\(([^/()]+)\)$")


def has_includes(parsed: ParsedXML) -> bool:
    return any(True for _ in parsed.root.iter(f"{XI}include"))


def expand_includes(parsed: ParsedXML, file: str) -> list[Finding]:
    """Replace each ``xi:include`` of the tree by what it includes (in place); the findings."""
    findings: list[Finding] = []
    if parsed.path is None or not has_includes(parsed):
        return findings
    budget = [max_bytes()]
    _expand(parsed.root, parsed, file, findings, [str(parsed.path.resolve())], budget)
    return findings


def _expand(
    root: etree._Element,
    parsed: ParsedXML,
    file: str,
    findings: list[Finding],
    chain: list[str],
    budget: list[int],
) -> None:
    for inc in list(root.iter(f"{XI}include")):
        href = (inc.get("href") or "").strip()
        line = inc.sourceline

        def say(rule: str, severity: Severity, message: str, line=line, href=href) -> None:
            findings.append(
                Finding(rule, severity, message, Layer.XML, file=file, line=line, value=href)
            )

        if not href:
            say(
                "xml.xinclude-unresolved",
                Severity.WARNING,
                "<xi:include> without @href (an include from the same document) is not followed",
            )
            _fallback(inc)
            continue
        if _SCHEME.match(href) or href.startswith("//"):
            say(
                "xml.xinclude-remote",
                Severity.WARNING,
                f'<xi:include href="{href}"> names a remote resource; the archive never fetches '
                "anything while reading a submission, so it is not included"
                + (" (its xi:fallback is used)" if _has_fallback(inc) else ""),
            )
            _fallback(inc)
            continue
        target = resolve_file(parsed.path, href)
        if target is None:
            say(
                "xml.xinclude-unresolved",
                Severity.WARNING,
                f'<xi:include href="{href}">: no such file beside this one (includes are '
                "followed only to files in the submission's folder); not included",
            )
            _fallback(inc)
            continue
        key = str(target.resolve())
        if key in chain:
            say(
                "xml.xinclude-cycle",
                Severity.ERROR,
                f'<xi:include href="{href}"> includes a file that includes this one; not included',
            )
            _fallback(inc)
            continue
        if len(chain) > MAX_DEPTH:
            say(
                "xml.xinclude-too-deep",
                Severity.ERROR,
                f"<xi:include> nested more than {MAX_DEPTH} deep; not included",
            )
            _fallback(inc)
            continue
        try:
            data = read_limited(target, budget[0])
        except (ArchiveError, OSError) as exc:
            say("xml.xinclude-unresolved", Severity.WARNING, f"{href} cannot be read: {exc}")
            _fallback(inc)
            continue
        budget[0] -= len(data)
        if (inc.get("parse") or "xml") == "text":
            _replace_with_text(inc, data.decode(inc.get("encoding") or "utf-8", "replace"))
            say("xml.xinclude-included", Severity.INFO, f"included {href} as text")
            continue
        try:
            included = parse_bytes(data, path=target)
        except ArchiveError as exc:
            say("xml.xinclude-unresolved", Severity.ERROR, f"{href} is not usable XML: {exc}")
            _fallback(inc)
            continue
        node = included.root
        pointer = (inc.get("xpointer") or "").strip()
        if pointer:
            m = _ELEMENT_SCHEME.match(pointer)
            wanted = m[1] if m else pointer
            node = next((e for e in included.root.iter() if e.get(XML_ID) == wanted), None)
            if node is None:
                say(
                    "xml.xinclude-unresolved",
                    Severity.WARNING,
                    f'{href} has no element with xml:id="{wanted}" (xpointer "{pointer}"); '
                    "not included",
                )
                _fallback(inc)
                continue
        node = copy.deepcopy(node)
        _expand(node, included, file, findings, [*chain, key], budget)
        _replace(inc, node)
        say(
            "xml.xinclude-included",
            Severity.INFO,
            f"included <{etree.QName(node).localname}> from {href}"
            + (f" (xpointer {pointer})" if pointer else ""),
        )


def _has_fallback(inc: etree._Element) -> bool:
    return inc.find(f"{XI}fallback") is not None


def _fallback(inc: etree._Element) -> None:
    """Replace the include by its fallback's content, or remove it (keeping the text after)."""
    fb = inc.find(f"{XI}fallback")
    parent = inc.getparent()
    if parent is None:
        return
    index = parent.index(inc)
    children = list(fb) if fb is not None else []
    lead = (fb.text or "") if fb is not None else ""
    _append_text(parent, index, lead + (inc.tail or "") if not children else lead)
    for offset, child in enumerate(children):
        parent.insert(index + 1 + offset, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + (inc.tail or "")
    parent.remove(inc)


def _append_text(parent: etree._Element, index: int, text: str) -> None:
    if not text:
        return
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        prev = parent[index - 1]
        prev.tail = (prev.tail or "") + text


def _replace(inc: etree._Element, node: etree._Element) -> None:
    parent = inc.getparent()
    if parent is None:
        return
    node.tail = inc.tail
    parent.replace(inc, node)


def _replace_with_text(inc: etree._Element, text: str) -> None:
    parent = inc.getparent()
    if parent is None:
        return
    _append_text(parent, parent.index(inc), text + (inc.tail or ""))
    parent.remove(inc)
