"""The query page in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

The browser loads ``/`` from the endpoint serving the real build, runs a gallery query through
YASGUI and reads the result table; every request to another host is blocked and recorded, which
shows the page works offline. Playwright never downloads a browser here: it is pointed at the
system's Chromium, and the test skips, loudly, only where that binary does not exist.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import Server, thread_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLE = "01-lead-ranking"
EXPECTED = Path(__file__).resolve().parents[1] / "examples" / "queries" / f"{EXAMPLE}.expected.json"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (f"BROWSER TEST NOT RUN: {CHROMIUM} is missing. Install Debian's Chromium "
                   "(apt-get install chromium, as ./run test does) to run it.")
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def kg_server(release: Any) -> Iterator[Server]:
    with thread_server(RELEASE_DIR=str(release.path), THREADS=2, ACCESS_LOG=False) as server:
        yield server


def run_example_in_page(browser: Any, url: str, example: str) -> tuple[list[list[str]], list[str], Any]:
    """Open the query page, run ``example`` from the gallery; the table's rows, blocked requests, page."""
    page = browser.new_page()
    page.set_default_timeout(20_000)
    host = urlsplit(url).netloc
    blocked: list[str] = []

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click(f'button.run-example[data-example="{example}"]')
    page.wait_for_selector(".yasr table tbody tr td")
    rows = page.eval_on_selector_all(
        ".yasr table tbody tr", "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText))"
    )
    return rows, blocked, page


def test_gallery_query_shows_its_table(browser: Any, kg_server: Server) -> None:
    rows, blocked, page = run_example_in_page(browser, kg_server.url, EXAMPLE)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert len(rows) == len(expected["rows"])
    first = " ".join(rows[0])
    assert "省发展改革委" in first and "20" in first
    assert blocked == []
    editor = page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()")
    assert "hgv:leadUnit" in editor
    download = page.get_attribute('#downloads a[data-format="csv"]', "href")
    assert "format=csv" in download and "leadUnit" in download
    with page.expect_popup() as popup:
        page.click(".yasr table tbody tr a[href*='development-reform-commission']")
    agency = popup.value
    agency.wait_for_load_state()
    assert urlsplit(agency.url).path == "/id/agency/henan/development-reform-commission"
    assert "河南省发展和改革委员会" in agency.inner_text("h1")
    page.close()


def test_editor_highlights_and_completes_project_prefixes(browser: Any, kg_server: Server) -> None:
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(kg_server.url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.locator(".yasqe .cm-keyword").count() > 0  # PREFIX, SELECT … are highlighted
    page.evaluate("document.querySelector('.yasqe .CodeMirror').CodeMirror.setValue('')")
    page.click(".yasqe .CodeMirror-code")
    page.keyboard.type("PREFIX hg")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    hints = page.locator(".CodeMirror-hints li").all_inner_texts()
    assert "hgv: <https://w3id.org/henan-gov/def#>" in hints
    assert any(h.startswith("hgd: <") for h in hints)
    page.close()
