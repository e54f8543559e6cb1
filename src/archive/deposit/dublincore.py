"""Simple Dublin Core of a TEI record, from its header and its extracted graph.

Every package format describes its records in Dublin Core (METS ``dmdSec``, and the metadata
files other repositories ingest); nothing here is made up: a field the record does not give
stays empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree
from rdflib import Literal, URIRef

from archive.deposit.mets import DublinCore
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.namespaces import SCHEMA
from archive.tei.parse import TEI_NS, XML_NS

T = f"{{{TEI_NS}}}"


def _texts(root: etree._Element, path: str) -> list[str]:
    out = []
    for el in root.iterfind(path.replace("t:", T)):
        text = " ".join("".join(el.itertext()).split())
        if text and text not in out:
            out.append(text)
    return out


def _name_of(doc: DocumentGraph, node: object) -> str | None:
    names = sorted(
        (o for s, p, o in doc.triples if s == node and p == SCHEMA.name and isinstance(o, Literal)),
        key=lambda o: (o.language != "en", str(o)),
    )
    return str(names[0]) if names else None


def dublin_core(root: etree._Element, docs: Sequence[DocumentGraph]) -> DublinCore:
    """Simple Dublin Core from the TEI header and the extracted graph; nothing made up."""
    header = "t:teiHeader/t:fileDesc/"
    titles = _texts(root, header + "t:titleStmt/t:title[@type='main']") or _texts(
        root, header + "t:titleStmt/t:title"
    )
    creators: list[str] = []
    for doc in docs:
        # in the order extraction met them (the order of the letter's correspDesc)
        senders = dict.fromkeys(
            o for s, p, o in doc.triples if s == URIRef(doc.uri) and p == SCHEMA.sender
        )
        for node in senders:
            name = _name_of(doc, node)
            if name and name not in creators:
                creators.append(name)
    if not creators:
        creators = _texts(root, header + "t:titleStmt/t:author")
    dates = sorted({d.date for d in docs if d.date})
    langs = [root.get(f"{{{XML_NS}}}lang")] if root.get(f"{{{XML_NS}}}lang") else []
    licences = [
        el.get("target")
        for el in root.iterfind(
            f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}availability/{T}licence"
        )
        if el.get("target")
    ]
    return DublinCore(
        title=titles[:1],
        creator=creators,
        subject=_texts(root, "t:teiHeader/t:profileDesc/t:textClass/t:keywords/t:term"),
        publisher=_publishers(root, header),
        date=dates,
        type=["Text"],
        format=["application/tei+xml"],
        identifier=[d.uri for d in docs] + _texts(root, header + "t:publicationStmt/t:idno"),
        language=langs,
        rights=licences + _texts(root, header + "t:publicationStmt/t:availability/t:licence"),
    )


def _publishers(root: etree._Element, header: str) -> list[str]:
    """Who makes the record available: TEI's publisher, else its distributor, else its
    authority ("responsible for making a work available, other than a publisher or
    distributor", TEI P5 3.12.2.4), each Dublin Core's publisher."""
    for role in ("publisher", "distributor", "authority"):
        if names := _texts(root, header + f"t:publicationStmt/t:{role}"):
            return names
    return []
