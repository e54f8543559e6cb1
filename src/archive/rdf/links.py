"""Which entity each tagged name of a TEI document points at, as extraction decides it.

The reading view links every name to its entity page; the entity's URI must be the one the
extractor minted (keyed by authority URI, then stable slug), or the link would lead nowhere.
So this module asks the extractor's own resolver rather than repeating its rules.
"""

from __future__ import annotations

from lxml import etree

from archive.rdf.extract import _FileContext
from archive.rdf.uris import URIs
from archive.tei.parse import TEI_NS, ParsedXML, local_name

T = f"{{{TEI_NS}}}"
NAME_TAGS = ("persName", "orgName", "placeName", "rs", "name", "title", "bibl")


def name_links(
    parsed: ParsedXML, base: str | None = None, slug: str | None = None
) -> dict[etree._Element, list[str]]:
    """Element -> the URIs of the entities it names (only elements that name something).

    Names in the header and stand-off count only with ``@ref`` or ``@key``; names in the text
    also without them, as extraction keys them then by the document and their text.
    """
    ctx = _FileContext(parsed, str(parsed.path or "document"), URIs(base))
    scope = slug or ctx.file_slug
    text = parsed.root.find(f"{T}text")
    in_text = set(text.iter()) if text is not None else set()
    out: dict[etree._Element, list[str]] = {}
    for el in parsed.root.iter(*(f"{T}{n}" for n in NAME_TAGS)):
        name = local_name(el)
        if name == "bibl":
            if not el.get("corresp"):
                continue
        else:
            pointed = bool(el.get("ref") or el.get("key"))
            if (name == "title" or el not in in_text) and not pointed:
                continue
        try:
            entities = ctx.resolve(el, scope)
        except Exception:  # a name the extractor cannot resolve is simply not linked
            continue
        if entities:
            out[el] = [str(e.uri) for e in entities]
    return out
