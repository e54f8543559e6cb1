"""Content negotiation on ``Accept`` (RFC 9110, section 12.5.1), and the errors it can end in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"^\s*({_TOKEN}|\*)/({_TOKEN}|\*)\s*((?:;[^,]*)?)$")


class BadAccept(ValueError):
    """An Accept header that cannot be read."""


class NotAcceptable(Exception):
    """Nothing on offer fits the Accept header."""

    def __init__(self, offered: Sequence[str]) -> None:
        super().__init__(", ".join(offered))
        self.offered = list(offered)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match (2 exact, 1 type/*, 0 */*), or -1."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    if len(header) > 4096:
        raise BadAccept("the Accept header is longer than 4096 characters")
    out = []
    for i, part in enumerate(p for p in header.split(",") if p.strip()):
        m = _RANGE.match(part)
        if not m:
            raise BadAccept(f"cannot read {part.strip()!r} in the Accept header as a media range")
        t, s, params = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if t == "*" and s != "*":
            raise BadAccept(f"{t}/{s} is not a media range")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError as exc:
                    raise BadAccept(f"bad q value {value.strip()!r} in the Accept header") from exc
                if not 0 <= q <= 1:
                    raise BadAccept(f"q={value.strip()} is out of range in the Accept header")
        out.append(MediaRange(t, s, q, i))
    return out


def choose(header: str | None, offered: Sequence[str]) -> str:
    """The offered type the client prefers: highest q, then the most specific range, then the
    server's order (``offered`` lists the server's preference first)."""
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for pos, media_type in enumerate(offered):
        q, spec = 0.0, -1
        for r in ranges:
            s = r.matches(media_type)
            if s > spec:
                q, spec = r.q, s
        if spec < 0 or q <= 0:
            continue
        key = (q, spec, -pos)
        if best is None or key > best:
            best, chosen = key, media_type
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen


def prefers_html(header: str | None) -> bool:
    """A browser: text/html asked for explicitly and at least as much as anything else."""
    try:
        ranges = parse_accept(header)
    except BadAccept:
        return False
    html = max((r.q for r in ranges if r.type == "text" and r.subtype == "html"), default=0.0)
    other = max(
        (r.q for r in ranges if not (r.type == "text" and r.subtype == "html") and r.type != "*"),
        default=0.0,
    )
    return html > 0 and html >= other
