"""sh:pattern with the semantics SHACL gives it: SPARQL REGEX, that is XPath ``fn:matches``.

Python's ``re`` differs from XPath regular expressions: ``$`` also matches before a final
newline, ``.`` matches a carriage return, ``\\p{L}``, ``\\i``, ``\\c`` and character class
subtraction (``[a-z-[aeiou]]``) do not exist, and the flags mean other things (``x`` allows
``#`` comments in Python, ``q`` does not exist). elementpath's translator turns the XPath
syntax into an equivalent Python expression; the flags are handled here as XPath 3.1 defines
them: ``s`` dot-all, ``m`` multi-line, ``i`` case-insensitive, ``x`` whitespace removed (outside
character classes), ``q`` the whole expression taken literally.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.errors import ShapesError

FLAGS = frozenset("smixq")


def _strip_whitespace(pattern: str) -> str:
    """The ``x`` flag: whitespace is removed, except inside character class expressions."""
    out = []
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        if depth or ch not in " \t\n\r":
            out.append(ch)
        i += 1
    return "".join(out)


# -- the common case without elementpath ------------------------------------------------------
#
# elementpath takes a third of a second to import; most patterns in shapes (a language tag, a
# checksum, an identifier) use only syntax that XPath and Python read alike: ASCII letters,
# digits and a few punctuation characters, classes of those (``[A-Za-z0-9]``, ``[^a-f]``),
# groups, alternation, the quantifiers ``* + ? {n} {n,} {n,m}``, ``^`` first and ``$`` last.
# For those the translation is written here, as elementpath writes it (groups non-capturing,
# ``$`` not matching before a final newline); anything else goes to elementpath.

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-:/@,'\"")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_CLASS = re.compile(r"\[\^?(?:[A-Za-z0-9](?:-[A-Za-z0-9])?)+\]")
_COUNT = re.compile(r"\{\d{1,4}(?:,(?:\d{1,4})?)?\}")
_RANGE = re.compile(r"([A-Za-z0-9])-([A-Za-z0-9])")


def _class_ok(text: str) -> bool:
    """ASCII ranges within one kind (a-z, A-Z, 0-9), low to high: the same set in both."""
    for lo, hi in _RANGE.findall(text):
        kinds = {c.isdigit() or (c.isupper() and "A") or "a" for c in (lo, hi)}
        if len(kinds) != 1 or lo > hi:
            return False
    return True


def translate_simple(pattern: str) -> str | None:
    """The Python expression for an XPath pattern of the simple kind, or None."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    depth = 0
    atom = False  # may a quantifier follow?
    while i < n:
        ch = pattern[i]
        if ch in _PLAIN:
            out.append(ch)
            atom = True
            i += 1
        elif ch == "[":
            m = _CLASS.match(pattern, i)
            if m is None or not _class_ok(m[0]):
                return None
            out.append(m[0])
            atom = True
            i = m.end()
        elif ch == "(":
            out.append("(?:")
            depth += 1
            atom = False
            i += 1
        elif ch == ")":
            if depth == 0 or out[-1] in ("(?:", "|"):
                return None
            out.append(")")
            depth -= 1
            atom = True
            i += 1
        elif ch == "|":
            out.append("|")
            atom = False
            i += 1
        elif ch in "*+?" or ch == "{":
            if not atom:
                return None
            if ch == "{":
                m = _COUNT.match(pattern, i)
                if m is None:
                    return None
                low, _, high = m[0][1:-1].partition(",")
                if high and int(high) < int(low):
                    return None
                out.append(m[0])
                i = m.end()
            else:
                out.append(ch)
                i += 1
            atom = False  # no lazy or stacked quantifiers
        elif ch == "^" and i == 0:
            out.append("^")
            i += 1
        elif ch == "$" and i == n - 1:
            out.append("$(?!\\n\\Z)")
            i += 1
        else:
            return None
    if depth:
        return None
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str, flags: str = "") -> re.Pattern[str]:
    """A Python expression that ``search``es exactly as ``fn:matches(input, pattern, flags)``.

    An invalid expression or flag raises :class:`ShapesError` (the shapes graph is ill-formed).
    """
    bad = set(flags) - FLAGS
    if bad:
        raise ShapesError(
            f"sh:flags {flags!r} has {', '.join(sorted(bad))}: XPath knows only s, m, i, x and q"
        )
    py_flags = re.IGNORECASE if "i" in flags else 0
    if "q" in flags:
        return re.compile(re.escape(pattern), py_flags)
    if flags in ("", "i"):
        simple = translate_simple(pattern)
        if simple is not None:
            return re.compile(simple, py_flags)
    from elementpath.regex import RegexError, translate_pattern

    if "x" in flags:
        pattern = _strip_whitespace(pattern)
    if "s" in flags:
        py_flags |= re.DOTALL
    if "m" in flags:
        py_flags |= re.MULTILINE
    try:
        translated = translate_pattern(pattern, py_flags, "1.1")
        return re.compile(translated, py_flags)
    except (RegexError, re.error, OverflowError, IndexError) as exc:
        raise ShapesError(
            f"sh:pattern {pattern!r} is not a valid XPath regular expression: {exc}"
        ) from None


def matches(text: str, pattern: str, flags: str = "") -> bool:
    """``fn:matches(text, pattern, flags)``."""
    return compile_pattern(pattern, flags).search(text) is not None
