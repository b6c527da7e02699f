"""The query page in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

The browser loads ``/`` from the endpoint serving the real build, runs a gallery query through
YASGUI and reads the result table; every request to another host is blocked and recorded, which
shows the page works offline. Further tests cover share links, the editor's text across reloads,
plain versus raw result values, how errors read, download names, and that Chinese renders as
glyphs, not boxes. Playwright never downloads a browser here: it is pointed at the system's
Chromium, and the tests skip, loudly, only where that binary does not exist.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import Server, thread_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXAMPLE = "01-lead-ranking"
EXPECTED = Path(__file__).resolve().parents[1] / "examples" / "queries" / f"{EXAMPLE}.expected.json"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (
            f"BROWSER TEST NOT RUN: {CHROMIUM} is missing. Install Debian's Chromium "
            "(apt-get install chromium, as ./run test does) to run it."
        )
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def kg_server(release: Any) -> Iterator[Server]:
    # A short time limit, so that the 503 test waits 3 s rather than the default 5.
    with thread_server(RELEASE_DIR=str(release.path), THREADS=2, ACCESS_LOG=False, QUERY_TIMEOUT_S=3) as server:
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


# Helpers for the tests below ----------------------------------------------------------------

EDITOR = "document.querySelector('.yasqe .CodeMirror').CodeMirror"
CELLS = "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))"


def open_page(browser: Any, url: str, **options: Any) -> Any:
    """A fresh page (its own context, so its own localStorage) with the editor ready."""
    page = browser.new_page(**options)
    page.set_default_timeout(20_000)
    page.goto(url)
    page.wait_for_selector(".yasqe .CodeMirror")
    return page


def editor_text(page: Any) -> str:
    return page.evaluate(f"{EDITOR}.getValue()")


def run_in_editor(page: Any, query: str) -> None:
    page.evaluate(f"text => {EDITOR}.setValue(text)", query)
    page.click(".yasqe .CodeMirror-code")
    page.keyboard.press("Control+Enter")


def table_rows(page: Any) -> list[list[str]]:
    page.wait_for_selector(".yasr table tbody tr td")
    return page.eval_on_selector_all(".yasr table tbody tr", CELLS)


def example_query(name: str) -> str:
    return (Path(__file__).resolve().parents[1] / "examples" / "queries" / f"{name}.rq").read_text(encoding="utf-8")


# Share links, ?query= and run=1 ---------------------------------------------------------------


def test_share_link_reopens_the_query_and_run_1_runs_it(browser: Any, kg_server: Server) -> None:
    query = example_query(EXAMPLE).replace("ORDER BY", "# shared, 共享\nORDER BY")
    page = open_page(browser, kg_server.url + "/")
    page.evaluate(f"text => {EDITOR}.setValue(text)", query)
    share = page.get_attribute("#share-link", "href")
    share_run = page.get_attribute("#share-run-link", "href")
    page.click(".yasqe_share")  # YASGUI's own share button offers the same link
    assert page.input_value(".yasqe_sharePopup input") == share
    page.close()
    opened = open_page(browser, share)
    assert editor_text(opened) == query
    assert opened.locator(".yasr table tbody tr").count() == 0  # not run without run=1
    opened.close()
    ran = open_page(browser, share_run)
    assert editor_text(ran) == query
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert len(table_rows(ran)) == len(expected["rows"])
    ran.close()


# The editor's text across reloads -------------------------------------------------------------


def test_editor_keeps_its_text_across_a_reload_unless_the_url_names_a_query(browser: Any, kg_server: Server) -> None:
    page = open_page(browser, kg_server.url + "/")
    page.evaluate(f"{EDITOR}.setValue('')")
    page.click(".yasqe .CodeMirror-code")
    page.keyboard.type("SELECT ?kept WHERE { ?kept ?p ?o } LIMIT 3")
    typed = editor_text(page)
    assert "?kept" in typed
    page.reload()
    page.wait_for_selector(".yasqe .CodeMirror")
    assert editor_text(page) == typed
    page.goto(kg_server.url + "/?query=ASK%20%7B%7D")  # same storage, but the URL names the query
    page.wait_for_selector(".yasqe .CodeMirror")
    assert editor_text(page) == "ASK {}"
    page.close()


# Plain values by default, raw terms on request ---------------------------------------------


def test_results_show_plain_values_and_raw_terms_on_request(browser: Any, kg_server: Server) -> None:
    rows, _, page = run_example_in_page(browser, kg_server.url, EXAMPLE)
    assert rows[0] == ["hgd:agency/henan/development-reform-commission", "省发展改革委", "20"]
    page.click(".tableControls label.switch:has-text('Simple view')")
    page.wait_for_function("() => document.querySelector('.yasr table tbody td sup') !== null")
    raw = " ".join(page.eval_on_selector_all(".yasr table tbody tr", CELLS)[0])
    assert '"省发展改革委"@zh' in raw and '"20"^^xsd:integer' in raw
    page.close()


# Errors read as sentences; downloads are named after the query --------------------------------


def error_box(page: Any) -> dict[str, Any]:
    """The error text YASR shows, its white-space style, and whether anything scrolls sideways."""
    page.wait_for_selector(".yasr .errorResult pre")
    return page.eval_on_selector(
        ".yasr .errorResult pre",
        """pre => ({
        text: pre.innerText, whiteSpace: getComputedStyle(pre).whiteSpace,
        lines: Math.round(pre.getBoundingClientRect().height / parseFloat(getComputedStyle(pre).lineHeight)),
        overflows: pre.scrollWidth > pre.clientWidth
                   || document.documentElement.scrollWidth > document.documentElement.clientWidth})""",
    )


@pytest.mark.parametrize(
    "query, status, words",
    [
        ("SELECT ?s WHERE { ?s ?p }", "400 Bad Request", "malformed query"),
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
            "503 Service Unavailable",
            "did not finish within the time limit",
        ),
    ],
)
def test_error_messages_wrap_in_the_page(browser: Any, kg_server: Server, query: str, status: str, words: str) -> None:
    page = open_page(browser, kg_server.url + "/", viewport={"width": 480, "height": 800})
    run_in_editor(page, query)
    box = error_box(page)
    assert box["text"].startswith(status) and words in box["text"]
    assert box["whiteSpace"] == "pre-wrap" and not box["overflows"]
    assert box["lines"] >= 2  # the sentence wrapped in the narrow page instead of running off it
    page.close()


def test_downloads_are_named_after_the_query(browser: Any, kg_server: Server) -> None:
    page = open_page(browser, kg_server.url + "/")
    page.click(f'button.run-example[data-example="{EXAMPLE}"]')
    assert page.get_attribute('#downloads a[data-format="csv"]', "download") == f"{EXAMPLE}.csv"
    assert page.get_attribute('#downloads a[data-format="turtle"]', "download") == f"{EXAMPLE}.ttl"
    with page.expect_download() as download:
        page.click('#downloads a[data-format="tsv"]')
    assert download.value.suggested_filename == f"{EXAMPLE}.tsv"
    run_in_editor(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    name = page.get_attribute('#downloads a[data-format="json"]', "download")
    assert name.startswith("query-") and len(name) == len("query-12345678.json")
    run_in_editor(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 2")
    assert page.get_attribute('#downloads a[data-format="json"]', "download") != name  # per query text
    page.close()


# Chinese renders as glyphs -----------------------------------------------------------------


def cjk_font() -> str | None:
    """A font fontconfig offers for Chinese, or None."""
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return listed.strip().splitlines()[0] if listed.strip() else None


def cell_shot(page: Any, text: str) -> bytes:
    """A screenshot of the first result cell's value showing ``text``."""
    cell = page.locator(".yasr table tbody tr:first-child td span.nonIri").first
    cell.evaluate("(span, text) => { span.textContent = text; }", text)
    return cell.screenshot()


def test_chinese_labels_render_as_glyphs_not_boxes(browser: Any, kg_server: Server) -> None:
    if cjk_font() is None:
        pytest.skip(
            "no CJK font (fc-list :lang=zh is empty): Chinese would render as boxes; "
            "install fonts-wqy-zenhei, as ./run test does"
        )
    rows, _, page = run_example_in_page(browser, kg_server.url, EXAMPLE)
    assert rows[0][1] == "省发展改革委"
    label = cell_shot(page, "省发展改革委")
    other = cell_shot(page, "教育厅卫生委")
    tofu = cell_shot(page, "\ue000" * 6)  # a private-use character: no glyph, so a box
    # Missing glyphs would all be the same box: two different labels would look alike, and like the box.
    assert label != other and label != tofu and other != tofu
    page.close()
