"""The pages in a real browser: Debian's Chromium, driven by Playwright (pointed at the system
executable: Playwright's own browser download is not used). Each page visited is kept as a
screenshot in build/screenshots/; the console must stay free of errors, and a hostile record
must run no script."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ROOT, require_part
from .conftest import HOSTILE_SLUG

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        sync_playwright = None
    require_part(
        sync_playwright is not None and Path(CHROMIUM).is_file(),
        "Chromium with Playwright",
        "apt-get install chromium, and pip install -e '.[test]' (Playwright, used with the "
        "system Chromium; no browser download)",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose console errors, page errors, failed requests and dialogs are recorded."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"),
        )
        self.page.on(
            "dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss())
        )

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def test_document_to_signatory_and_back(live, tab):
    page = tab.page
    page.goto(f"{live.url}/document/calais-2014-07-10.html")
    assert page.title().startswith("Open letter to the French Prime Minister")
    assert page.locator(".tei-text .pb").count() == 3
    tab.shot("document")
    page.locator(".closer a.name", has_text="Groupe d'information et de soutien").click()
    page.wait_for_url("**/org/gisti")
    assert page.locator("h1").inner_text() == "Groupe d'information et de soutien des immigré.e.s"
    assert page.locator(".cosigners tbody tr").count() == 25
    tab.shot("entity-gisti")
    page.go_back()
    page.wait_for_url("**/document/calais-2014-07-10.html")
    # the footnote, both ways
    page.locator("sup.noteref a").click()
    assert page.evaluate("location.hash").startswith("#note-")
    page.locator(".footnotes a.backref").click()
    assert page.evaluate("location.hash").startswith("#noteref-")
    assert tab.problems == []


def test_search_a_name_and_open_a_hit(live, tab):
    page = tab.page
    page.goto(f"{live.url}/")
    tab.shot("home")
    page.fill("#q-top", "Migreurop")
    page.press("#q-top", "Enter")
    page.wait_for_url("**/search?q=Migreurop")
    assert page.locator(".entity-hits li").count() >= 1
    assert page.locator(".doc-hits ol.hits li").count() >= 2
    tab.shot("search")
    page.locator(".doc-hits ol.hits li a").first.click()
    page.wait_for_load_state()
    assert page.locator("article.document h1").count() == 1
    assert page.locator("a.name", has_text="Migreurop").count() >= 1
    tab.shot("search-hit")
    assert tab.problems == []


def test_run_a_saved_query_and_see_its_rows(live, tab):
    page = tab.page
    page.goto(f"{live.url}/query")
    page.get_by_role("link", name="Co-signatories of one signatory").click()
    page.fill("#p-signatory", "org/gisti")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("table.results tbody tr")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 25
    assert page.locator("table.results a", has_text="ATTAC").count() == 1
    tab.shot("query")
    assert tab.problems == []


def test_hostile_record_runs_no_script(live, tab):
    page = tab.page
    page.goto(f"{live.url}/document/{HOSTILE_SLUG}.html")
    assert page.get_by_text('<script>alert("name")</script>', exact=False).count() >= 1
    assert page.locator("a[href^='javascript']").count() == 0
    page.get_by_text("a hostile link").click()  # inert: nothing happens
    tab.shot("hostile")
    assert tab.problems == []
    assert page.evaluate("document.scripts.length") == 1  # the JSON-LD data block only
