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
