"""Validating OAI-PMH responses against the vendored schemas, offline.

``OAI-PMH.xsd`` processes the content of ``<metadata>`` and ``<description>`` strictly: each
must be valid against the schema of its own namespace. ``oai_dc`` is loaded beside it; a
``tei`` or ``rdf`` record's payload is checked by its own standard in the tests (the TEI file
byte for byte, the RDF graph by isomorphism), and for the envelope's check it is replaced by
an empty ``oai_dc:dc``, so that the envelope (header, datestamps, tokens) is still validated.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent / "schemas"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
LOCAL = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
}
DRIVER = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="{OAI}" schemaLocation="{HERE / "OAI-PMH.xsd"}"/>
  <xs:import namespace="{OAI_DC}" schemaLocation="{HERE / "oai_dc.xsd"}"/>
</xs:schema>"""


class Offline(etree.Resolver):
    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        name = LOCAL.get(url)
        if name:
            return self.resolve_filename(str(HERE / name), context)
        if url and url.startswith(str(HERE)):
            return None  # a vendored file, by its path
        raise OSError(f"the schemas must not fetch {url}")


@cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Offline())
    return etree.XMLSchema(etree.fromstring(DRIVER.encode(), parser))


def validate(data: bytes) -> etree._Element:
    """Parse a response and check it against OAI-PMH.xsd (and oai_dc.xsd); return its root."""
    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    checked = copy.deepcopy(root)
    for metadata in checked.iter(f"{{{OAI}}}metadata"):
        for child in list(metadata):
            if etree.QName(child).namespace != OAI_DC:
                metadata.remove(child)
                metadata.append(etree.Element(f"{{{OAI_DC}}}dc"))
    s = schema()
    if not s.validate(checked):
        raise AssertionError(f"not valid against OAI-PMH.xsd: {s.error_log}")
    return root
