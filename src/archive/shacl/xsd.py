"""XSD literals as SHACL needs them: is a literal well-formed for its datatype, and how do two
literals compare (SPARQL's ``<`` and ``=``, which sh:minInclusive, sh:lessThan ... use).

rdflib checks some lexical forms (xsd:date, numbers) but not others (xsd:gYear, xsd:byte's
range), so ``"20x4"^^xsd:gYear`` or ``"300"^^xsd:byte`` would pass sh:datatype. The rules here
follow XML Schema 1.1 Part 2 for the built-in datatypes; a datatype they do not know is taken
as well-formed (SHACL cannot judge it either).
"""

from __future__ import annotations

import math
import re
from calendar import monthrange
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from rdflib import Literal
from rdflib.namespace import RDF, XSD

_X = str(XSD)
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
_DURATION = re.compile(
    r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
)
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_FLOAT = re.compile(r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)")
_NCNAME = r"[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*"
_NAME = r"[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7\u00C0-\uFFFF]*"

_DATE_FORMS = {
    "date": re.compile(rf"({_YEAR})-(\d\d)-(\d\d)({_TZ})?"),
    "dateTime": re.compile(rf"({_YEAR})-(\d\d)-(\d\d)T({_TIME})({_TZ})?"),
    "dateTimeStamp": re.compile(rf"({_YEAR})-(\d\d)-(\d\d)T({_TIME})({_TZ})"),
    "time": re.compile(rf"({_TIME})({_TZ})?"),
    "gYear": re.compile(rf"({_YEAR})({_TZ})?"),
    "gYearMonth": re.compile(rf"({_YEAR})-(\d\d)({_TZ})?"),
    "gMonth": re.compile(rf"--(\d\d)({_TZ})?"),
    "gMonthDay": re.compile(rf"--(\d\d)-(\d\d)({_TZ})?"),
    "gDay": re.compile(rf"---(\d\d)({_TZ})?"),
}

# integer types: (minimum, maximum), None for unbounded
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}

# compiled when first needed: the Name-like ones cover most of Unicode and take long to compile
_PATTERNS: dict[str, str] = {
    "boolean": r"true|false|1|0",
    "decimal": _DECIMAL.pattern,
    "float": _FLOAT.pattern,
    "double": _FLOAT.pattern,
    "duration": _DURATION.pattern,
    "dayTimeDuration": r"-?P(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?",
    "yearMonthDuration": r"-?P(?=\d)(?:\d+Y)?(?:\d+M)?",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
    "base64Binary": r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]|"
    r"(?:[A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?",
    "language": r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*",
    "NCName": _NCNAME,
    "ID": _NCNAME,
    "IDREF": _NCNAME,
    "ENTITY": _NCNAME,
    "Name": _NAME,
    "NMTOKEN": r"[\w.:\-\u00B7\u00C0-\uFFFF]+",
    "NMTOKENS": r"[\w.:\-\u00B7\u00C0-\uFFFF]+(?: [\w.:\-\u00B7\u00C0-\uFFFF]+)*",
    "IDREFS": rf"{_NCNAME}(?: {_NCNAME})*",
    "ENTITIES": rf"{_NCNAME}(?: {_NCNAME})*",
    "QName": rf"(?:{_NCNAME}:)?{_NCNAME}",
}


def _date_ok(kind: str, m: re.Match[str]) -> bool:
    """Month and day ranges (February 29th only in leap years)."""
    if kind in ("date", "dateTime", "dateTimeStamp"):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if not 1 <= month <= 12:
            return False
        leap_year = 2000 if year % 400 == 0 or (year % 4 == 0 and year % 100) else 2001
        return 1 <= day <= monthrange(leap_year, month)[1]
    if kind == "gYearMonth":
        return 1 <= int(m[2]) <= 12
    if kind == "gMonth":
        return 1 <= int(m[1]) <= 12
    if kind == "gMonthDay":
        month, day = int(m[1]), int(m[2])
        return 1 <= month <= 12 and 1 <= day <= monthrange(2000, month)[1]
    if kind == "gDay":
        return 1 <= int(m[1]) <= 31
    return True


@lru_cache(maxsize=65536)
def well_formed(lexical: str, datatype: str) -> bool:
    """Is ``lexical`` in the lexical space of ``datatype`` (an XSD or RDF datatype IRI)?"""
    if not datatype.startswith(_X):
        return True  # rdf:langString is checked by the caller; other datatypes are unknown
    kind = datatype[len(_X) :]
    if kind in ("string", "anyURI", "anySimpleType", "anyAtomicType"):
        return True
    if kind == "normalizedString":
        return not any(c in lexical for c in "\r\n\t")
    if kind == "token":
        return (
            not any(c in lexical for c in "\r\n\t")
            and "  " not in lexical
            and lexical == lexical.strip(" ")
        )
    if kind in _INTEGER_RANGES:
        if not _INTEGER.fullmatch(lexical):
            return False
        low, high = _INTEGER_RANGES[kind]
        value = int(lexical)
        return (low is None or value >= low) and (high is None or value <= high)
    form = _DATE_FORMS.get(kind)
    if form is not None:
        m = form.fullmatch(lexical)
        return m is not None and _date_ok(kind, m)
    if kind in _PATTERNS:
        return _pattern(kind).fullmatch(lexical) is not None
    return True  # a datatype of the XSD namespace this module does not know


@cache
def _pattern(kind: str) -> re.Pattern[str]:
    return re.compile(_PATTERNS[kind])


def literal_ok(lit: Literal, datatype: Any) -> bool:
    """sh:datatype: the literal has exactly this datatype and is well-formed for it."""
    dt = lit.datatype
    if dt is None:
        dt = RDF.langString if lit.language else XSD.string
    if dt != datatype:
        return False
    if dt == RDF.langString:
        return bool(lit.language)
    return well_formed(str(lit), str(dt))


# ---------------------------------------------------------------------------------------------
# Comparison (SPARQL operators): a key per literal, comparable only within one family
# ---------------------------------------------------------------------------------------------

_NUMERIC = {*(_X + k for k in _INTEGER_RANGES), _X + "decimal", _X + "float", _X + "double"}
_TEMPORAL = {
    _X + "dateTime": "dateTime",
    _X + "dateTimeStamp": "dateTime",
    _X + "date": "date",
    _X + "time": "time",
    _X + "gYear": "gYear",
    _X + "gYearMonth": "gYearMonth",
    _X + "gMonth": "gMonth",
    _X + "gMonthDay": "gMonthDay",
    _X + "gDay": "gDay",
}


def _tz_minutes(tz: str | None) -> int | None:
    if not tz:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    return sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def _seconds(h: str, mi: str, s: str) -> Decimal:
    return int(h) * 3600 + int(mi) * 60 + Decimal(s)


def _temporal_key(kind: str, lexical: str) -> tuple[Decimal, int | None] | None:
    """Seconds since a fixed origin (local time) and the timezone offset in minutes."""
    form = _DATE_FORMS["dateTime" if kind == "dateTime" else kind]
    m = form.fullmatch(lexical)
    if m is None or not _date_ok(kind, m):
        return None
    groups = m.groups()
    tz = _tz_minutes(groups[-1])
    if kind in ("dateTime", "date"):
        from datetime import date

        y, mo, d = int(groups[0]), int(groups[1]), int(groups[2])
        if not 1 <= y <= 9999:
            return None  # outside Python's calendar: not compared
        days = date(y, mo, d).toordinal()
        secs = Decimal(days * 86400)
        if kind == "dateTime":
            h, mi, s = groups[3].split(":")
            secs += _seconds(h, mi, s)
        return secs, tz
    if kind == "time":
        h, mi, s = groups[0].split(":")
        return _seconds(h, mi, s), tz
    if kind == "gYear":
        return Decimal(int(groups[0])), tz
    if kind == "gYearMonth":
        return Decimal(int(groups[0]) * 12 + int(groups[1])), tz
    if kind == "gMonth":
        return Decimal(int(groups[0])), tz
    if kind == "gMonthDay":
        return Decimal(int(groups[0]) * 100 + int(groups[1])), tz
    return Decimal(int(groups[0])), tz  # gDay


_UNIT = {"dateTime": 1, "time": 1}  # timezone offsets shift these by seconds


_KEYS: dict[tuple[str, str], Any] = {}  # (lexical, datatype) -> sort key: parsed once
_KEYS_LIMIT = 65536


def sort_key(lit: Any) -> tuple[str, Any] | None:
    """(family, value) for literals SPARQL can order, None for everything else."""
    if type(lit) is not Literal and not isinstance(lit, Literal):
        return None
    dt = lit.datatype
    lexical = str(lit)
    if dt is None:
        return None if lit.language else ("string", lexical)
    ds = str(dt)
    k = (lexical, ds)
    hit = _KEYS.get(k, _KEYS)
    if hit is not _KEYS:
        return hit
    if len(_KEYS) >= _KEYS_LIMIT:
        _KEYS.clear()
    found = _KEYS[k] = _typed_key(lexical, ds)
    return found


def _typed_key(lexical: str, ds: str) -> tuple[str, Any] | None:
    """:func:`sort_key` of a literal with a datatype (its lexical form and datatype IRI)."""
    if ds == _X + "string":
        return ("string", lexical)
    if ds in _NUMERIC:
        if not well_formed(lexical, ds):
            return None
        if ds in (_X + "float", _X + "double"):
            text = lexical.replace("INF", "inf")
            return ("number", float(text))
        try:
            return ("number", Decimal(lexical))
        except InvalidOperation:  # pragma: no cover - the lexical check rules this out
            return None
    if ds == _X + "boolean":
        if not well_formed(lexical, ds):
            return None
        return ("boolean", lexical in ("true", "1"))
    kind = _TEMPORAL.get(ds)
    if kind is not None:
        key = _temporal_key(kind, lexical)
        return None if key is None else (kind, key)
    return None


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 as SPARQL orders ``a`` and ``b``; None when they cannot be compared (an
    error in SPARQL, so every range constraint on them fails)."""
    return compare_keys(sort_key(a), sort_key(b))


def compare_keys(ka: Any, kb: Any) -> int | None:
    """:func:`compare` on the two literals' :func:`sort_key` (a bound's key is computed once)."""
    if ka is None or kb is None or ka[0] != kb[0]:
        return None
    family, va, vb = ka[0], ka[1], kb[1]
    if family in ("string", "boolean"):
        return (va > vb) - (va < vb)
    if family == "number":
        if (isinstance(va, float) and math.isnan(va)) or (isinstance(vb, float) and math.isnan(vb)):
            return None
        try:
            return (va > vb) - (va < vb)
        except TypeError:  # pragma: no cover - Decimal and float compare in Python 3
            return None
    (sa, ta), (sb, tb) = va, vb
    if (ta is None) == (tb is None):
        if ta is not None:
            scale = 60 if family in _UNIT else 0
            sa, sb = sa - ta * scale, sb - tb * scale
            if family not in _UNIT and ta != tb:
                return None if sa == sb else (sa > sb) - (sa < sb)
        return (sa > sb) - (sa < sb)
    # one side has a timezone, the other not: ordered only if 14 hours apart (XSD 3.2.7.4)
    if family not in _UNIT:
        return None if sa == sb else (sa > sb) - (sa < sb)
    zoned, local = (sa - ta * 60, sb) if ta is not None else (sb - tb * 60, sa)
    margin = 14 * 3600
    if local - margin > zoned:
        result = 1  # the local time is later whatever its zone
    elif local + margin < zoned:
        result = -1
    else:
        return None
    return result if ta is None else -result
