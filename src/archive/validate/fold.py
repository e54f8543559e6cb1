"""One mistake, one finding: the echoes of a mistake folded into its most precise finding.

A bad date (``<date when="2014-13-10">``) is seen by every layer: the date rules ("month 13
does not exist"), the project schema and TEI P5 ("attribute @when is not valid"), extraction
("the document has no usable date") and the shapes ("the document has no date"). They are one
mistake. The most precise finding leads; the others become its ``echoes``, still in the JSON
report and in ``--show all``, but not counted again.

Echoes are recognised conservatively, in one file:

* at the same line, a finding of a less precise layer that names the same value
  (``when='2014-13-10'``) as a finding of a more precise one;
* at the same line, a TEI P5 finding that says what the project schema said, or that the
  element the project schema rejected does not conform to TEI P5 either;
* a TEI P5 finding about an element (``(at /TEI/standOff/listBibl/bibl)``) that holds the
  element a project schema finding is about: the customisation is a subset of TEI P5, so what
  TEI P5 rejects the project schema rejects too, and says more precisely;
* a SHACL finding about a property that extraction said it could not produce
  (``schema:dateCreated`` for an unreadable date), in the same document.
"""

from __future__ import annotations

import re

from archive.findings import Finding, Layer

# most precise first: the rules that name the mistake, then the schemas, extraction, shapes
PRECISION = {
    Layer.INPUT: 0,
    Layer.XML: 0,
    Layer.REFS: 1,
    Layer.SCHEMA: 2,
    Layer.TEI: 3,
    Layer.EXTRACT: 4,
    Layer.SHACL: 5,
}
# what an extraction finding means the graph lacks: SHACL findings on these paths echo it
DEPRIVES = {
    "extract.date-unreadable": ("schema:dateCreated",),
}


def _names_value(echo: Finding, value: str) -> bool:
    if echo.value == value:
        return True
    text = echo.message
    return f"'{value}'" in text or f'"{value}"' in text


def _same_schema_message(a: Finding, b: Finding) -> bool:
    """The project schema's and TEI P5's finding say the same after their label."""
    return a.message.split(": ", 1)[-1] == b.message.split(": ", 1)[-1]


_AT = re.compile(r"\(at (/[^)]*)\)$")


def _at(f: Finding) -> str | None:
    m = _AT.search(f.message)
    return m[1] if m else None


def _holds(outer: Finding, inner: Finding) -> bool:
    """``outer``'s element is ``inner``'s or one of its ancestors (schema findings' paths)."""
    o, i = _at(outer), _at(inner)
    return o is not None and i is not None and (i == o or i.startswith(o + "/"))


def _echoes(lead: Finding, other: Finding) -> bool:
    if other is lead or other.file != lead.file:
        return False
    if PRECISION.get(other.layer, 9) <= PRECISION.get(lead.layer, 9) and not (
        lead.layer is Layer.SCHEMA and other.layer is Layer.TEI
    ):
        return False
    if other.layer is Layer.SHACL:
        paths = DEPRIVES.get(lead.rule, ())
        return bool(other.path) and other.value is None and any(p in other.path for p in paths)
    if lead.layer is Layer.SCHEMA and other.layer is Layer.TEI and _holds(other, lead):
        return True
    if other.line is None or other.line != lead.line:
        return False
    if lead.layer is Layer.SCHEMA and other.layer is Layer.TEI:
        # TEI P5 rejects what the project schema rejected at the same element
        return _same_schema_message(lead, other) or "does not conform" in other.message
    return lead.value is not None and _names_value(other, lead.value)


def fold(findings: list[Finding]) -> list[Finding]:
    """The findings of one file with echoes folded under the finding they echo. A finding
    keeps its severity; a lead is never less severe than what it absorbs."""
    order = sorted(range(len(findings)), key=lambda i: PRECISION.get(findings[i].layer, 9))
    absorbed: dict[int, list[int]] = {}
    taken: set[int] = set()
    for i in order:
        if i in taken:
            continue
        lead = findings[i]
        for j in order:
            if j == i or j in taken or j in absorbed:
                continue
            other = findings[j]
            if other.severity.rank < lead.severity.rank:
                continue  # never hide an error under a warning
            if _echoes(lead, other) or any(
                _echoes(findings[k], other) for k in absorbed.get(i, ())
            ):
                absorbed.setdefault(i, []).append(j)
                taken.add(j)
    out = []
    for i, f in enumerate(findings):
        if i in taken:
            continue
        if i in absorbed:
            f = f.with_echoes(*(findings[j] for j in absorbed[i]))
        out.append(f)
    return out
