"""TEI ``<geo>`` coordinates, read as the TEI says, or not at all.

TEI's default notation is latitude then longitude, in decimal degrees, separated by white space.
A ``geoDecl`` may declare another order ("longitude latitude"); ``geo/@decls`` picks one when a
file declares several. Real files also separate the two numbers with a comma, or write decimal
commas: both are read when unambiguous, and said so. A value outside ±90 (latitude) or ±180
(longitude), or anything ambiguous, gives no coordinate and a finding: a coordinate is never
guessed, swapped on suspicion or rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from archive.tei.parse import TEI_NS, XML_ID

NUM = r"[+-]?\d+(?:\.\d+)?"
DNUM = r"[+-]?\d+,\d+"
_SPACE = re.compile(rf"^({NUM})\s+({NUM})(?:\s+{NUM})?$")  # an altitude may follow
_COMMA = re.compile(rf"^({NUM})\s*,\s*({NUM})$")
_DECIMAL_COMMA = re.compile(rf"^({DNUM})\s+({DNUM})$")
_LONG_FIRST = re.compile(r"\b(long(itude)?|lon|lng|x)\b.*\b(lat(itude)?|y)\b", re.I | re.S)


@dataclass(frozen=True)
class Coordinates:
    lat: Decimal | None
    long: Decimal | None
    problem: str | None = None  # why nothing could be used (a warning)
    note: str | None = None  # how an irregular but unambiguous value was read (an info)


def _order(geo: etree._Element) -> str:
    """``latlong`` or ``longlat``: from the geoDecl that applies (``@decls``, else the only one)."""
    root = geo.getroottree().getroot()
    decls = list(root.iter(f"{{{TEI_NS}}}geoDecl"))
    chosen = None
    for ref in (geo.get("decls") or "").split():
        chosen = next((d for d in decls if d.get(XML_ID) == ref.lstrip("#")), chosen)
    if chosen is None and len(decls) == 1:
        chosen = decls[0]
    text = " ".join("".join(chosen.itertext()).split()) if chosen is not None else ""
    return "longlat" if text and _LONG_FIRST.search(text) else "latlong"


def read_geo(geo: etree._Element) -> Coordinates:
    text = " ".join("".join(geo.itertext()).split())
    note = None
    m = _SPACE.match(text)
    if m is None:
        m = _COMMA.match(text)
        if m is not None:
            note = (
                f"'{text}' separates the two numbers with a comma; TEI separates them with "
                "white space"
            )
    if m is None:
        m = _DECIMAL_COMMA.match(text)
        if m is not None:
            note = f"'{text}' uses decimal commas; read as decimal points"
    if m is None:
        return Coordinates(
            None,
            None,
            problem=f"<geo>{text}</geo> is not two decimal numbers (latitude and longitude "
            "separated by white space, as TEI says); no coordinates are recorded",
        )
    try:
        first, second = (Decimal(v.replace(",", ".")) for v in (m[1], m[2]))
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        return Coordinates(None, None, problem=f"<geo>{text}</geo> is not readable")
    order = _order(geo)
    lat, long = (first, second) if order == "latlong" else (second, first)
    if not (-90 <= lat <= 90) or not (-180 <= long <= 180):
        which = "latitude" if not (-90 <= lat <= 90) else "longitude"
        read_as = "latitude longitude" if order == "latlong" else "longitude latitude"
        return Coordinates(
            None,
            None,
            problem=f"<geo>{text}</geo>, read as {read_as}, gives a {which} out of range "
            "(±90 for latitude, ±180 for longitude); no coordinates are recorded",
        )
    return Coordinates(lat, long, note=note)
