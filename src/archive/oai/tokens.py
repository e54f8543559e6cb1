"""Resumption tokens: the whole state of a list request, in the token itself.

A token holds the request's arguments and the position in the store's harvest order (the
sequence number of the last record sent), not an offset and not a server-side session: it
stays valid across server restarts, and records loaded or removed meanwhile come after the
position (every write takes a higher sequence number), so a harvest neither loses nor repeats
one. The token is URL-safe base64 of a small JSON object; anything else is answered with
``badResumptionToken``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass

from archive.errors import OaiError

VERSION = 1
LIST_VERBS = ("ListIdentifiers", "ListRecords", "ListSets")


@dataclass(frozen=True)
class Position:
    """Where a list request goes on: its arguments, the last sequence sent, and how many
    records were sent before (the ``cursor`` attribute harvesters may show)."""

    verb: str
    prefix: str | None
    set: str | None
    since: str | None
    until: str | None
    after: int
    sent: int


def encode(position: Position) -> str:
    data = {"v": VERSION, **asdict(position)}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(token: str, verb: str) -> Position:
    """The position a token stands for, or ``badResumptionToken`` when it is not one of ours,
    was altered, or belongs to another verb."""
    bad = OaiError("badResumptionToken", "The resumptionToken is not valid (or has been altered).")
    if not token or len(token) > 2000 or not token.isascii():
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise bad
    if data.get("verb") != verb:
        raise OaiError("badResumptionToken", f"The resumptionToken was not issued for {verb}.")
    try:
        position = Position(**{k: v for k, v in data.items() if k != "v"})
    except TypeError:
        raise bad from None
    texts = (position.prefix, position.set, position.since, position.until)
    if not all(t is None or isinstance(t, str) for t in texts):
        raise bad
    if not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0
        for n in (position.after, position.sent)
    ):
        raise bad
    if verb != "ListSets" and not position.prefix:
        raise bad
    return position
