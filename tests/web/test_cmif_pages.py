"""Every letter of the CMIF export points (correspDesc/@ref) at a page the web layer serves,
and the document's IRI sends a browser there."""

from __future__ import annotations

from lxml import etree

from archive.interchange import cmif_bytes
from archive.tei.parse import TEI_NS

from .conftest import BASE


def test_correspdesc_ref_is_the_served_page(web_store, client) -> None:
    export = cmif_bytes(web_store)
    refs = etree.fromstring(export.data).xpath("//t:correspDesc/@ref", namespaces={"t": TEI_NS})
    assert len(refs) == export.letters > 1
    for ref in refs:
        assert ref.startswith(BASE + "/document/") and ref.endswith(".html")
        page = client.get(ref[len(BASE) :], headers={"Accept": "text/html"})
        assert page.status_code == 200, ref
        assert "text/html" in page.headers["content-type"]
    iri = refs[0].replace("/document/", "/id/document/").removesuffix(".html")
    seen = client.get(iri[len(BASE) :], headers={"Accept": "text/html"}, follow_redirects=False)
    assert seen.status_code == 303 and seen.headers["location"].endswith(refs[0][len(BASE) :])
