"""A TEI document as HTML: the reading view and the header panel.

Everything taken from the TEI is escaped (``html.escape``); no element or attribute of the
source is ever copied into the page. Links are made only from what the archive resolved (entity
pages) or from ``http``, ``https`` and ``mailto`` targets, so a ``javascript:`` URL in ``@ref``
or ``@target`` renders as inert text. Names nested in names (an organisation's section named
with its parent) become separate links, since HTML does not allow a link inside a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as esc

from lxml import etree
from markupsafe import Markup

from archive.tei.parse import TEI_NS, XML_ID, XML_LANG, local_name

T = f"{{{TEI_NS}}}"
SAFE_SCHEMES = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
NAME_CLASSES = {
    "persName": "person",
    "orgName": "org",
    "placeName": "place",
    "rs": "name",
    "name": "name",
    "title": "work",
    "bibl": "work",
}
BLOCKS = {
    "p": ("p", None),
    "opener": ("div", "opener"),
    "closer": ("div", "closer"),
    "postscript": ("div", "postscript"),
    "signed": ("div", "signed"),
    "dateline": ("p", "dateline"),
    "salute": ("p", "salute"),
    "address": ("address", None),
    "label": ("p", "label"),
    "trailer": ("p", "trailer"),
    "byline": ("p", "byline"),
    "argument": ("div", "argument"),
    "epigraph": ("blockquote", "epigraph"),
    "quote": ("q", None),
    "q": ("q", None),
    "said": ("q", None),
    "cit": ("span", "cit"),
    "lg": ("div", "lg"),
    "l": ("span", "l"),
    "table": ("table", None),
    "row": ("tr", None),
    "cell": ("td", None),
    "floatingText": ("div", "floating"),
    "title": ("cite", None),
    "bibl": ("span", "bibl"),
}
INLINE = {
    "foreign": ("i", None),
    "term": ("i", "term"),
    "emph": ("em", None),
    "mentioned": ("i", None),
    "soCalled": ("q", None),
    "abbr": ("abbr", None),
    "add": ("ins", None),
    "del": ("del", None),
    "sic": ("span", "sic"),
    "unclear": ("span", "unclear"),
    "num": ("span", "num"),
    "measure": ("span", "measure"),
    "seg": ("span", None),
    "addrLine": ("span", "addrLine"),
}
HI = {"superscript": "sup", "sup": "sup", "subscript": "sub", "italic": "i", "bold": "b"}
SKIP = {"note_hidden", "figDesc", "graphic", "binaryObject", "media"}


@dataclass
class Footnote:
    number: str
    anchor_id: str
    note_id: str
    html: Markup


@dataclass
class Rendered:
    body: Markup
    footnotes: list[Footnote] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


Linker = Callable[[etree._Element], tuple[str, str] | None]  # element -> (href, title)


class Renderer:
    """One pass over ``<text>``; footnotes collected on the way, numbered as the TEI does.

    Built with plain strings and ``html.escape`` (every piece of the source goes through it):
    markupsafe's ``Markup.format`` cost most of a page's time.
    """

    def __init__(self, linker: Linker) -> None:
        self.linker = linker
        self.footnotes: list[Footnote] = []
        self.pages: list[str] = []
        self.used_ids: set[str] = set()

    def render_text(self, root: etree._Element) -> Rendered:
        text = root.find(f"{T}text")
        if text is None:
            return Rendered(Markup(""))
        body = self.children(text, None, depth=1)
        return Rendered(Markup(body), self.footnotes, self.pages)

    # -- pieces ----------------------------------------------------------------------------------

    def _text(self, s: str | None, link: tuple[str, str] | None) -> str:
        if not s:
            return ""
        if link is None or not s.strip():
            return esc(s)
        href, title = link
        return f'<a class="name" href="{esc(href)}" title="{esc(title)}">{esc(s)}</a>'

    def children(self, el: etree._Element, link: tuple[str, str] | None, depth: int) -> str:
        out = [self._text(el.text, link)]
        for child in el:
            if isinstance(child.tag, str):
                out.append(self.element(child, link, depth))
            out.append(self._text(child.tail, link))
        return "".join(out)

    def _attrs(self, el: etree._Element, cls: str | None = None, **extra: str | None) -> str:
        parts = []
        if cls:
            parts.append(f' class="{esc(cls)}"')
        lang = el.get(XML_LANG)
        if lang:
            parts.append(f' lang="{esc(lang)}"')
        for key, value in extra.items():
            if value is not None:
                parts.append(f' {key.rstrip("_").replace("_", "-")}="{esc(value)}"')
        return "".join(parts)

    def _wrap(self, tag: str, el: etree._Element, inner: str, cls: str | None = None, **kw) -> str:
        return f"<{tag}{self._attrs(el, cls, **kw)}>{inner}</{tag}>"

    def element(self, el: etree._Element, link: tuple[str, str] | None, depth: int) -> str:
        name = local_name(el)
        if name in ("div", "body", "front", "back", "group", "text"):
            inner = self.children(el, link, depth + 1)
            cls = "tei-div" + (f" tei-{el.get('type')}" if el.get("type") else "")
            return self._wrap("section", el, inner, re.sub(r"[^\w -]", "", cls))
        if name == "head":
            parent = local_name(el.getparent()) if el.getparent() is not None else ""
            if parent in ("list", "listOrg", "listPerson", "listPlace", "table"):
                return self._wrap("h4", el, self.children(el, link, depth), "list-head")
            level = min(6, depth + 1)
            return self._wrap(f"h{level}", el, self.children(el, link, depth))
        if name == "pb":
            n = el.get("n") or str(len(self.pages) + 1)
            self.pages.append(n)
            ident = self._unique(f"page-{re.sub(r'[^A-Za-z0-9_-]', '-', n)}")
            return (
                f'<span class="pb" id="{esc(ident)}" role="separator" '
                f'aria-label="page {esc(n)}">page {esc(n)}</span>'
            )
        if name == "lb":
            return "<br>"
        if name in ("cb", "milestone", "anchor") or name in SKIP:
            return ""
        if name == "note":
            return self.note(el, depth)
        if name == "list":
            items = []
            head = ""
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                if local_name(child) == "head":
                    head = self._wrap("h4", child, self.children(child, link, depth), "list-head")
                elif local_name(child) == "item":
                    items.append(self._wrap("li", child, self.children(child, link, depth)))
                else:
                    items.append(self.element(child, link, depth))
            tag = "ol" if el.get("type") in ("ordered", "numbered") else "ul"
            lst = f"<{tag}{self._attrs(el, 'tei-list')}>{''.join(items)}</{tag}>"
            return f'<div class="list-block">{head}{lst}</div>'
        if name == "item":
            return self._wrap("li", el, self.children(el, link, depth))
        if name == "choice":
            for preferred in ("corr", "expan", "reg"):
                chosen = el.find(f"{T}{preferred}")
                if chosen is not None:
                    return self.children(chosen, link, depth)
            return self.children(el, link, depth)
        if name == "date":
            when = el.get("when")
            if when and re.fullmatch(r"-?\d{4}(-\d{2}(-\d{2})?)?", when):
                return self._wrap("time", el, self.children(el, link, depth), datetime=when)
            return self._wrap("span", el, self.children(el, link, depth), "date")
        if name == "hi":
            rend = (el.get("rend") or "").strip()
            tag = HI.get(rend, "span")
            cls = None if tag != "span" else "hi"
            return self._wrap(tag, el, self.children(el, link, depth), cls)
        if name in ("ref", "ptr"):
            target = (el.get("target") or "").split()
            href = target[0] if target else ""
            inner = self.children(el, link, depth) if name == "ref" else esc(href)
            if href and SAFE_SCHEMES.match(href) and link is None:
                return f'<a class="ext" href="{esc(href)}" rel="nofollow noopener">{inner}</a>'
            return self._wrap("span", el, inner, "ref")
        if name in NAME_CLASSES and (
            name not in ("title", "bibl") or el.get("ref") or el.get("corresp")
        ):
            target = self.linker(el)
            inner = self.children(el, target or link, depth)
            return self._wrap("span", el, inner, f"tei-name {NAME_CLASSES[name]}")
        if name in BLOCKS:
            tag, cls = BLOCKS[name]
            return self._wrap(tag, el, self.children(el, link, depth), cls)
        if name in INLINE:
            tag, cls = INLINE[name]
            return self._wrap(tag, el, self.children(el, link, depth), cls)
        if name == "gap":
            return '<span class="gap" title="text omitted">[…]</span>'
        if name == "figure":
            heads = [self.children(h, link, depth) for h in el.findall(f"{T}head")]
            return f'<span class="figure">[figure{": " + heads[0] if heads else ""}]</span>'
        # anything else: its content, in a span that says what it was
        return self._wrap("span", el, self.children(el, link, depth), f"tei-{name}")

    def note(self, el: etree._Element, depth: int) -> str:
        place = el.get("place") or ""
        if place not in ("foot", "end", "bottom") and el.get("type") != "footnote":
            return self._wrap("span", el, self.children(el, None, depth), "note-inline")
        number = el.get("n") or str(len(self.footnotes) + 1)
        base = re.sub(r"[^A-Za-z0-9_-]", "-", el.get(XML_ID) or f"fn{number}")
        note_id = self._unique(f"note-{base}")
        anchor_id = self._unique(f"noteref-{base}")
        html = Markup(self.children(el, None, depth))
        self.footnotes.append(Footnote(number, anchor_id, note_id, html))
        return (
            f'<sup class="noteref"><a id="{esc(anchor_id)}" href="#{esc(note_id)}" '
            f'role="doc-noteref" aria-label="note {esc(number)}">{esc(number)}</a></sup>'
        )

    def _unique(self, ident: str) -> str:
        out, n = ident, 2
        while out in self.used_ids:
            out, n = f"{ident}-{n}", n + 1
        self.used_ids.add(out)
        return out


def safe_href(value: str | None) -> str | None:
    """An external link only for http(s) and mailto: anything else is not a link."""
    if value and SAFE_SCHEMES.match(value.strip()):
        return value.strip()
    return None


# --- the header panel ---------------------------------------------------------------------------


def text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and local_name(child) != "note":
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return " ".join("".join(parts).split())


@dataclass
class Header:
    title: str = ""
    title_lang: str | None = None
    subtitle: str = ""
    date: str = ""
    date_when: str | None = None
    publisher: str = ""
    idno: str = ""
    source: str = ""
    original: str = ""
    licence: str = ""
    licence_url: str | None = None
    availability: list[str] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # when, who, what
    status: str = ""
    correspondence: dict[str, list[etree._Element]] = field(default_factory=dict)
    editorial: list[str] = field(default_factory=list)


def header_of(root: etree._Element) -> Header:
    h = Header()
    hd = root.find(f"{T}teiHeader")
    if hd is None:
        return h
    ts = hd.find(f"{T}fileDesc/{T}titleStmt")
    if ts is not None:
        main = ts.find(f"{T}title[@type='main']")
        if main is None:
            main = ts.find(f"{T}title")
        h.title = text_of(main)
        h.title_lang = main.get(XML_LANG) if main is not None else None
        h.subtitle = text_of(ts.find(f"{T}title[@type='sub']"))
    ps = hd.find(f"{T}fileDesc/{T}publicationStmt")
    if ps is not None:
        h.publisher = text_of(ps.find(f"{T}publisher"))
        h.idno = text_of(ps.find(f"{T}idno"))
        lic = ps.find(f"{T}availability/{T}licence")
        if lic is not None:
            h.licence = text_of(lic)
            h.licence_url = safe_href(lic.get("target"))
        h.availability = [text_of(p) for p in ps.findall(f"{T}availability/{T}p") if text_of(p)]
    sd = hd.find(f"{T}fileDesc/{T}sourceDesc")
    if sd is not None:
        first = next((c for c in sd if isinstance(c.tag, str)), None)
        if first is not None:
            bits = [text_of(first.find(f"{T}title")), text_of(first.find(f"{T}date"))]
            note = first.find(f"{T}note")
            summary = ", ".join(b for b in bits if b)
            h.source = summary or text_of(first)
            if note is not None:
                h.source += (". " if h.source else "") + " ".join("".join(note.itertext()).split())
        orig = sd.find(f".//{T}relatedItem[@type='original']")
        if orig is not None:
            h.original = " ".join("".join(orig.itertext()).split())
    creation = hd.find(f"{T}profileDesc/{T}creation/{T}date")
    if creation is not None:
        h.date = text_of(creation)
        h.date_when = creation.get("when")
    for lang in hd.iterfind(f"{T}profileDesc/{T}langUsage/{T}language"):
        h.languages.append((lang.get("ident") or "", text_of(lang)))
    h.keywords = [text_of(t) for t in hd.iterfind(f".//{T}keywords/{T}term") if text_of(t)]
    rd = hd.find(f"{T}revisionDesc")
    if rd is not None:
        h.status = rd.get("status") or ""
        for ch in rd.iter(f"{T}change"):
            h.changes.append((ch.get("when") or "", (ch.get("who") or "").lstrip("#"), text_of(ch)))
    for ed in hd.iterfind(f"{T}encodingDesc/{T}editorialDecl/*"):
        if isinstance(ed.tag, str):
            h.editorial.append(" ".join("".join(ed.itertext()).split()))
    for action in hd.iterfind(f"{T}profileDesc/{T}correspDesc/{T}correspAction"):
        kind = action.get("type") or ""
        if kind == "received":
            kind = "cc" if action.get("subtype") == "cc" else "to"
        h.correspondence.setdefault(kind, []).extend(
            c
            for c in action
            if isinstance(c.tag, str) and local_name(c) in ("persName", "orgName", "name", "rs")
        )
    return h
