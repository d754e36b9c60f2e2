"""What a reader's browser does with the built-in theme: headless Chromium driven by Playwright.

The site is built once into a temporary folder and served over loopback under its sub-folder
(/notes/), as it would be published. The browser is Debian's chromium (CI installs it); locally,
without it, these tests are skipped with the reason shown, and under CI=true they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest


from site_builder.pages import search
from site_builder.build import BuildOptions, build_site

from conftest import write_site
from theme_site import SITE

pytestmark = pytest.mark.slow  # a real browser: the quick tier leaves these out

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BASE = "/notes/"


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (Path(CHROME).is_file() and os.access(CHROME, os.X_OK)):
        return f"no Chromium at {CHROME} (Debian: apt-get install chromium)"
    return ""


def _require(reason: str) -> None:
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Build the test site under <root>/notes/ and serve <root> on a free loopback port."""
    tmp = tmp_path_factory.mktemp("browser")
    site = write_site(tmp / "site", SITE)
    out = tmp / "www" / BASE.strip("/")
    result = build_site(site, BuildOptions(out=out))
    assert result.ok, [d.format() for d in result.diagnostics]
    handler = functools.partial(_Quiet, directory=str(tmp / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{BASE}", out
    server.shutdown()
    server.server_close()
    shutil.rmtree(tmp / "www", ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    _require(_missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROME, args=CHROME_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def run_axe(tab) -> list[str]:
    tab.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    # target-size (WCAG 2.2) is off by default in axe; Lighthouse checks it, so do we
    result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations'],"
                          " rules: {'target-size': {enabled: true}}})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
            for v in result["violations"]]


def test_a_reference_navigates_to_its_fact_sheet(served, page):
    url, _ = served
    page.goto(url + "explainers/who-runs-the-harbour/")
    page.click('.body a.ref[data-ref="people/ada-quill"]')
    page.wait_for_url(url + "people/ada-quill/")
    assert page.text_content("h1") == "Ada Quill"
    assert "Harbourmistress" in page.text_content(".aliases")


def test_search_finds_an_entity_by_its_alias(served, page):
    _require("" if search.available() else "the pagefind package (with its binary) is not installed")
    url, _ = served
    page.goto(url + "explainers/who-runs-the-harbour/")
    page.fill("#site-search-q", "harbourmistress")
    page.press("#site-search-q", "Enter")  # the header form leads to the search page, which runs the query
    page.wait_for_url(url + "search/?q=harbourmistress")
    first = page.wait_for_selector("#search-results li a")
    assert first.get_attribute("href") == BASE + "people/ada-quill/"
    assert first.text_content() == "Ada Quill"
    assert "harbourmistress" in page.text_content("#search-status") and "1." in page.text_content("#search-status")
    assert run_axe(page) == []


def test_search_results_show_page_text_as_text(served, page):
    _require("" if search.available() else "the pagefind package (with its binary) is not installed")
    url, _ = served
    page.goto(url + "search/?q=alert")
    link = page.wait_for_selector('#search-results a[href="/notes/sources/radio-2020/"]')
    assert link.text_content() == "Morning show </script><script>alert(1)</script>"
    assert page.eval_on_selector_all("#search-results script, #search-results img", "els => els.length") == 0
    assert "</script>" in page.text_content("#search-results .search-excerpt mark")


def test_search_without_an_index_keeps_the_plain_links(served, browser):
    url, out = served
    index = out / "pagefind"
    hidden = out.parent / "pagefind-hidden"
    context = browser.new_context()
    tab = context.new_page()
    if index.exists():
        index.rename(hidden)
    try:
        tab.goto(url + "search/?q=heron")
        tab.wait_for_function("document.getElementById('search-status').textContent.includes('not available')")
        assert tab.is_visible('.search-browse a[href="/notes/ships/"]')
    finally:
        if hidden.exists():
            hidden.rename(index)
        context.close()


def test_a_card_appears_on_focus_and_escape_hides_it(served, page):
    url, _ = served
    page.goto(url + "explainers/who-runs-the-harbour/")
    link = '.body a.ref[data-ref="people/ada-quill"]'
    page.focus(link)
    card = page.wait_for_selector("#ref-card", state="visible")
    assert "Ada Quill" in card.text_content()
    assert "Harbour master since 2019." in card.text_content()
    assert page.get_attribute(link, "aria-describedby") == "ref-card"
    page.keyboard.press("Escape")
    page.wait_for_selector("#ref-card", state="hidden")
    assert page.get_attribute(link, "aria-describedby") is None
    page.hover('.body a.ref[data-ref="ships/grey-heron"]')  # the mouse gets the same card
    page.wait_for_function("document.getElementById('ref-card').textContent.includes('Grey Heron')")
    assert page.is_visible("#ref-card")


@pytest.mark.parametrize("path", ["", "explainers/who-runs-the-harbour/", "people/ada-quill/",
                                  "claims/first-woman/", "search/", "timeline/"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_pass_axe(served, browser, path, scheme):
    url, _ = served
    context = browser.new_context(color_scheme=scheme, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        tab.goto(url + path)
        assert run_axe(tab) == []
    finally:
        context.close()


def test_pages_fit_a_320_pixel_screen(served, browser):
    url, _ = served
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = context.new_page()
    try:
        for path in ("", "explainers/who-runs-the-harbour/", "people/ada-quill/", "claims/first-woman/",
                     "search/", "timeline/"):
            tab.goto(url + path)
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{path or 'home'} scrolls sideways at 320 px ({width} px wide)"
    finally:
        context.close()


def test_reading_works_without_javascript(served, browser):
    url, _ = served
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(url + "search/?q=heron")
        assert "needs JavaScript" in tab.text_content("#search-status")
        tab.goto(url + "explainers/who-runs-the-harbour/")
        tab.click('.body a.ref[data-ref="ships/grey-heron"]')
        tab.wait_for_url(url + "ships/grey-heron/")
        assert tab.text_content("h1") == "Grey Heron"
    finally:
        context.close()


def test_print_shows_sources_as_addresses_and_drops_the_chrome(served, page):
    url, _ = served
    page.goto(url + "explainers/who-runs-the-harbour/")
    # on screen: the host name and a link back to the citation, not the whole address
    assert page.text_content(".sources a.ext .host") == "gazette.example.org"
    assert page.is_visible(".sources a.ext .host") and not page.is_visible(".sources a.ext .address")
    assert page.is_visible(".sources .backref")
    page.emulate_media(media="print")
    assert page.is_visible(".sources a.ext .address") and not page.is_visible(".sources a.ext .host")
    assert not page.is_visible(".sources .backref")
    after = page.evaluate("getComputedStyle(document.querySelector('.sources a.source-page'), '::after').content")
    assert "https://example.org/notes/sources/radio-2020/" in after
    assert page.is_visible(".sources a.ext")
    assert "gazette.example.org" in page.text_content(".sources a.ext")
    assert not page.is_visible(".site-header nav")
    assert not page.is_visible(".site-search")


def test_one_measure_for_the_header_the_article_its_tables_and_lists(served, page):
    url, _ = served
    page.goto(url + "people/ada-quill/")
    boxes = page.evaluate("""() => {
        const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                               return [Math.round(r.left), Math.round(r.right)]; };
        const wrap = document.querySelector('.site-header .wrap'), style = getComputedStyle(wrap);
        const r = wrap.getBoundingClientRect();
        return {header: [Math.round(r.left + parseFloat(style.paddingLeft)), Math.round(r.right - parseFloat(style.paddingRight))],
                title: box('.article-header'), table: box('table.fields'), cards: box('ul.cards'),
                sources: box('.sources')};
    }""")
    assert len(set(map(tuple, boxes.values()))) == 1, boxes
    left, right = boxes["header"]
    assert 600 < right - left < 800  # a reading measure, not the whole 1280 px window


@pytest.fixture(scope="module")
def served_languages(tmp_path_factory):
    """The site of test_languages.py (English, Korean, Arabic) under <root>/t/, served on a free loopback port."""
    from test_languages import FILES

    tmp = tmp_path_factory.mktemp("languages")
    site = write_site(tmp / "site", FILES)
    result = build_site(site, BuildOptions(out=tmp / "www" / "t"))
    assert result.ok, [d.format() for d in result.diagnostics]
    handler = functools.partial(_Quiet, directory=str(tmp / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/t/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["ko/", "ko/explainers/first/", "ko/people/ada/", "ar/", "ko/search/"])
def test_translated_and_right_to_left_pages_pass_axe(served_languages, browser, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        tab.goto(served_languages + path)
        assert run_axe(tab) == []
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width} px wide)"
    finally:
        context.close()


def test_the_korean_search_page_finds_korean_pages_and_speaks_korean(served_languages, page):
    _require("" if search.available() else "the pagefind package (with its binary) is not installed")
    page.goto(served_languages + "ko/search/?q=" + "에이다")
    first = page.wait_for_selector("#search-results li a")
    assert first.get_attribute("href") == "/t/ko/people/ada/"
    page.wait_for_function("document.getElementById('search-status').textContent.includes('검색 결과')")
