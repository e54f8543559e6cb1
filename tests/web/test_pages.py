"""The pages: the reading view of a document, its header panel, downloads and citation data;
entity pages; the collection (home, list, facets) and search."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser

import lxml.html
import pytest
from lxml import etree
from starlette.testclient import TestClient

from archive.deposit import validate_package
from archive.tei.parse import TEI_NS
from archive.web import create_app
from archive.web.config import WebConfig

from ..conftest import RECORD
from .conftest import BASE, N_SYNTHETIC

DOC = "/document/calais-2014-07-10.html"


class Page(HTMLParser):
    """Just enough of a page: links, ids, elements with lang, meta tags, JSON-LD, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.lang_fr: list[str] = []
        self.meta: list[tuple[str, str]] = []
        self.jsonld: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self._in_jsonld = False
        self._stack: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append((a["href"], a))
        if tag == "meta" and "name" in a:
            self.meta.append((a["name"], a.get("content", "")))
        if tag == "script":
            self.scripts.append(a)
            self._in_jsonld = a.get("type") == "application/ld+json"
        if a.get("lang") == "fr":
            self.lang_fr.append(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(data)


@pytest.fixture(scope="module")
def doc_page(client) -> tuple[str, Page]:
    r = client.get(DOC)
    assert r.status_code == 200
    return r.text, Page(r.text)


def test_every_tagged_name_links_to_an_entity_page_that_answers(client, doc_page):
    html, page = doc_page
    tei = etree.parse(str(RECORD)).getroot().find(f"{{{TEI_NS}}}text")
    tagged = [
        el
        for el in tei.iter(
            *(f"{{{TEI_NS}}}{n}" for n in ("persName", "orgName", "placeName", "rs", "title"))
        )
        if el.get("ref")
    ]
    spans = lxml.html.fromstring(html).find_class("tei-name")
    assert len(spans) == len(tagged) > 100
    unlinked = [s.text_content() for s in spans if not s.xpath(".//a[@class='name']")]
    assert unlinked == []
    names = [href for href, a in page.links if "name" in a.get("class", "").split()]
    for href in sorted(set(names)):
        assert href.startswith("/") and not href.startswith("/id/"), href
        r = client.get(href, headers={"accept": "text/html"})
        assert r.status_code == 200, href


def test_signatories_are_grouped_under_the_letters_headings_with_places(doc_page):
    html, _ = doc_page
    closer = html[html.index('class="closer"') :]
    for heading in ("Association networks", "Associations", "Political parties"):
        assert f'<h4 class="list-head">{heading}</h4>' in closer
    # Auberge des migrants (Calais): the organisation and its place, both linked
    item = re.search(r"<li>.*?Auberge des migrants.*?</li>", closer, re.S).group(0)
    assert 'href="/org/auberge-des-migrants"' in item and 'href="/place/calais"' in item
    assert (
        closer.index("Association networks")
        < closer.index("Migreurop")
        < closer.index("Political parties")
        < closer.index("Parti de Gauche")
    )


def test_the_footnote_is_linked_both_ways(doc_page):
    html, page = doc_page
    refs = [(h, a) for h, a in page.links if a.get("role") == "doc-noteref"]
    backs = [(h, a) for h, a in page.links if a.get("role") == "doc-backlink"]
    assert len(refs) == 1 and len(backs) == 1
    note_id = refs[0][0].lstrip("#")
    anchor_id = refs[0][1]["id"]
    assert note_id in page.ids and backs[0][0] == f"#{anchor_id}"
    note = html[html.index(f'id="{note_id}"') :]
    assert "Secours Catholique" in note[:3000] and "<sup>nd</sup>" in note[:3000]
    # the note sits at its anchor: after "national", before the rest of the sentence
    body = html[: html.index('class="footnotes"')]
    assert body.index("national<sup") < body.index("and international associations")


def test_page_breaks_opener_closer_and_french_passages(doc_page):
    html, page = doc_page
    assert [m for m in re.findall(r'class="pb" id="page-(\d+)"', html)] == ["1", "2", "3"]
    for part in (
        'class="opener"',
        'class="closer"',
        'class="postscript"',
        'class="dateline"',
        'class="salute"',
        "<address",
    ):
        assert part in html
    assert html.count('lang="fr"') >= 30
    assert "address" in page.lang_fr  # the French postal addresses
    crs = r'<i lang="fr"><a class="name" href="/org/crs"[^>]*>compagnies républicaines de sécurités'
    assert re.search(crs, html)


def test_header_panel(doc_page):
    html, _ = doc_page
    panel = html[html.index('class="panel"') : html.index('class="reading"')]
    for text in (
        "Senders (26)",
        "Addressees (2)",
        "Copies to (5)",
        "Manuel Valls",
        "Home Office",
        "CC BY 4.0",
        "First TEI P5 edition",
        "Revision history (published)",
        "000_5392c1dee33cf027.txt",
        "10 July 2014",
    ):
        assert text in panel, text
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in panel


def test_cite_this_and_machine_readable_descriptions(doc_page):
    html, page = doc_page
    iri = f"{BASE}/id/document/calais-2014-07-10"
    assert f'<code class="iri">{iri}</code>' in html
    meta = dict(page.meta)
    assert meta["DC.identifier"] == iri and meta["citation_publication_date"] == "2014/07/10"
    assert meta["citation_title"].startswith("Open letter to the French Prime Minister")
    assert sum(1 for k, _ in page.meta if k == "citation_author") == 26
    [data] = [json.loads(j) for j in page.jsonld]
    assert data["@context"] == "https://schema.org" and data["@id"] == iri
    assert data["dateCreated"] == "2014-07-10" and len(data["sender"]) == 26
    assert {
        "@type": "Person",
        "name": "Manuel Valls",
        "@id": f"{BASE}/id/person/wikidata-Q10287",
    } in data["toRecipient"]
    # the only script is the JSON-LD data block
    assert [s.get("type") for s in page.scripts] == ["application/ld+json"]


def test_downloads(client, doc_page, tmp_path):
    _, page = doc_page
    hrefs = {h for h, _ in page.links}
    for href in (
        "/document/calais-2014-07-10.xml",
        "/document/calais-2014-07-10.ttl",
        "/document/calais-2014-07-10.jsonld",
        "/document/calais-2014-07-10.nq",
        "/download/calais-2014-07-10/package.zip",
        "/download/calais-2014-07-10/report.txt",
    ):
        assert href in hrefs, href
    r = client.get("/download/calais-2014-07-10/package.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(r.content)).testzip()
    path = tmp_path / "package.zip"
    path.write_bytes(r.content)
    report = validate_package(path, base=BASE)
    assert report.valid, report.to_text()
    again = client.get("/download/calais-2014-07-10/package.zip")
    assert again.content == r.content  # the same document gives the same bytes
    r = client.get("/download/calais-2014-07-10/report.txt")
    assert r.status_code == 200 and "VALID: 0 error(s), " in r.text
    r = client.get("/download/calais-2014-07-10/report.json")
    assert json.loads(r.text)["valid"] is True


def test_entity_page(client):
    html = client.get("/person/wikidata-Q10287.html").text
    assert "Manuel Valls" in html and "(fr)" in html
    assert (
        'href="http://www.wikidata.org/entity/Q10287"' in html
        or "wikidata.org/entity/Q10287" in html
    )
    assert "schema:Person" in html
    assert "Addressed to it: 2 documents" in html  # Calais and the hostile copy
    assert "2014-07-10" in html


def test_organisation_page_cosignatories_and_roles(client):
    html = client.get("/org/gisti.html").text
    assert "Signed: 2 documents" in html
    m = re.search(r"Signed with \((\d+) co-signator", html)
    assert m and int(m.group(1)) == 25
    row = re.search(r'<a href="/org/attac"[^>]*>ATTAC</a></td><td class="n">(\d+)</td>', html)
    assert row and row.group(1) == "2"
    assert "GISTI" in html  # the abbreviation, among the names


def test_place_lists_the_organisations_based_there(client):
    html = client.get("/place/calais.html").text
    section = html[html.index("Organisations based here") :]
    for name in ("Auberge des migrants", "Le Réveil Voyageur", "Ouverture &amp; Humanité"):
        assert name in section


def test_work_lists_who_cites_it(client):
    html = client.get("/work/press-release-2014-07-02.html").text
    assert "Cited by: 2 documents" in html
    assert 'href="/document/calais-2014-07-10"' in html


def test_names_not_bare_iris(client):
    for path in ("/org/gisti.html", DOC, "/documents", "/place/calais.html"):
        html = client.get(path).text
        visible = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])
        shown = [m for m in re.findall(r"https://advocacy-archive\.example/id/\S+", visible)]
        # only in the "IRI:" line, the citation and the stable identifier
        assert len(shown) <= 3, (path, shown[:5])


def test_home_counts_and_latest(client):
    html = client.get("/").text
    assert f"<strong>{N_SYNTHETIC + 2}</strong> documents" in html
    assert "organisations" in html and "Latest documents" in html


def test_document_list_pages_sorts_and_facets(client):
    html = client.get("/documents").text
    assert f"{N_SYNTHETIC + 2} documents." in html
    dates = re.findall(r'<td class="date">([^<]*)</td>', html)
    assert dates == sorted(dates) and len(dates) == N_SYNTHETIC + 2
    html = client.get("/documents?sort=-date").text
    dates = re.findall(r'<td class="date">([^<]*)</td>', html)
    assert dates == sorted(dates, reverse=True)
    html = client.get("/documents?sort=title").text
    titles = re.findall(r'<td><a href="[^"]+"[^>]*>([^<]*)</a></td>', html)
    assert titles == sorted(titles, key=str.lower)
    for facet in ("Year", "Signatory", "Addressee", "Kind of organisation (signatories)"):
        assert f"<h2>{facet}" in html
    html = client.get("/documents?year=2014").text
    assert "2 documents." in html or "documents." in html
    dates = re.findall(r'<td class="date">([^<]*)</td>', html)
    assert dates and all(d.startswith("2014") for d in dates)
    html = client.get(f"/documents?signatory={BASE}/id/org/gisti").text
    assert "2 documents." in html
    html = client.get(f"/documents?orgkind={BASE}/id/concept/org-category-political-party").text
    n = int(re.search(r"(\d+) documents?\.", html).group(1))
    assert 2 <= n < N_SYNTHETIC + 2


def test_document_list_paging(client, web_store):
    with TestClient(create_app(web_store, WebConfig(page_size=10, workers=1))) as small:
        one = small.get("/documents").text
        two = small.get("/documents?page=2").text
        assert "Page 1 of 4" in one and "Page 2 of 4" in two
        assert 'rel="next" href="?page=2"' in one and 'rel="prev" href="?"' in two
        rows = [re.findall(r'<td><a href="([^"]+)"', h) for h in (one, two)]
        assert len(rows[0]) == len(rows[1]) == 10 and not set(rows[0]) & set(rows[1])
    html = client.get("/documents?page=999").text
    assert "documents." in html  # an empty page beyond the end, not an error
    assert client.get("/documents?page=abc").status_code == 200
    assert client.get("/documents?sort=nonsense").status_code == 200


def test_search_titles_names_and_full_text(client):
    html = client.get("/search?q=gisti").text
    assert "Names" in html and 'href="/org/gisti"' in html
    assert 'href="/document/calais-2014-07-10"' in html
    html = client.get("/search?q=reseau+chretien").text  # accents folded
    assert "Réseau chrétien" in html
    html = client.get("/search?q=hunger+strike").text  # full text
    assert "<mark>hunger</mark>" in html and "calais-2014-07-10" in html
    html = client.get("/search?q=" + "%22)(*&^%25").text
    assert client.get("/search?q=AND+OR+NOT+NEAR").status_code == 200
    assert "<h1>Search</h1>" in html
