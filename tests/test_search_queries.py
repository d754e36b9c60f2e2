"""Search works as well in shards as in one index: a set of queries, each run in the browser against a single
index (Pagefind run over the published pages, as before the index was sharded) and against the sharded one.

Both copies of the site are served under /notes/ and searched through the search page itself (site.js,
which merges the shards); each query must find the same pages in both, with the same top result, and
that top result must be the page the query is about.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading

import pytest

from site_builder import search
from site_builder.build import BuildOptions, build_site
from site_builder.search import shards
from site_builder.search.stage import EXCLUDED

from conftest import messages, write_site
from search_site import search_site
from test_browser import CHROME, CHROME_ARGS, _missing, _require, _Quiet

BASE = "/notes/"
QUERIES = [  # (what it tests, query, the page it is about)
    ("an entity by one of its aliases", "harbourmistress", "people/ada-quill/"),
    ("a phrase from an explainer", "toured the quay", "explainers/the-northern-port/"),
    ("a word from a fact sheet's body", "kestrel", "ships/grey-heron/"),
    ("a word in a non-Latin script (Cyrillic)", "Заря", "ships/zarya/"),
    ("a word in a non-Latin script (Hangul)", "평양", "explainers/the-northern-port/"),
    ("a word on many pages, in many shards", "tide", None),
]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The same site twice under <root>/<name>/notes/: 'single' indexed as one index, 'sharded' in shards of 4 pages."""
    if not search.available():
        pytest.skip("the pagefind package (with its binary) is not installed")
    tmp = tmp_path_factory.mktemp("queries")
    site = write_site(tmp / "site", search_site(20))  # no two fact sheets alike: no ties to break either way
    patch = pytest.MonkeyPatch()
    patch.setattr(shards, "LIMIT", 4)
    try:
        result = build_site(site, BuildOptions(out=tmp / "www" / "sharded" / "notes", disk_cache=False))
    finally:
        patch.undo()
    assert result.ok, messages(result)
    assert len(result.indexed) >= 8
    single = tmp / "www" / "single" / "notes"
    shutil.copytree(tmp / "www" / "sharded" / "notes", single)
    _index_as_before(single, [r.out_path for r in result.routes if r.spec.searched], tmp / "scratch")
    servers = {}
    for name in ("single", "sharded"):  # each at the root of its own address, as the site is published
        handler = functools.partial(_Quiet, directory=str(tmp / "www" / name))
        servers[name] = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=servers[name].serve_forever, daemon=True).start()
    yield {name: f"http://127.0.0.1:{server.server_address[1]}" for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _index_as_before(out, searched: list[str], scratch) -> None:
    """Replace the sharded index with one made the way it was before: Pagefind over a copy of the pages."""
    for rel in searched:
        (scratch / "site" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / rel, scratch / "site" / rel)
    shutil.rmtree(out / "pagefind")
    subprocess.run([search.executable(), "--site", str(scratch / "site"), "--output-path", str(out / "pagefind"),
                    "--force-language", "en", "--exclude-selectors", ", ".join(EXCLUDED), "--silent"],
                   cwd=scratch, check=True, capture_output=True)
    (out / "pagefind" / "shards.json").write_text('{"merge":[]}\n')
    assert not any(p.name.startswith("s") and p.is_dir() for p in (out / "pagefind").iterdir())


@pytest.fixture(scope="module")
def browser():
    _require(_missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROME, args=CHROME_ARGS)
        yield chromium
        chromium.close()


def results(browser, url: str, fetched: list[str] | None = None) -> tuple[int, list[str]]:
    """Run a query on the search page: (the number of results it reports, the addresses it lists, in order);
    `fetched` gets the address of every request the page makes."""
    context = browser.new_context()
    tab = context.new_page()
    if fetched is not None:
        tab.on("request", lambda request: fetched.append(request.url))
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        tab.goto(url)
        tab.wait_for_function("/[Rr]esult|Nothing found|not available/.test("
                              "document.getElementById('search-status').textContent)")
        status = tab.text_content("#search-status")
        assert "not available" not in status, status
        hrefs = tab.eval_on_selector_all("#search-results li h2 a", "links => links.map(a => a.getAttribute('href'))")
    finally:
        context.close()
    assert errors == [], errors
    found = re.search(r":\s*(\d+)\.\s*$", status)  # "Results for “query”: N."
    count = int(found.group(1)) if found else 0
    return count, hrefs


@pytest.mark.parametrize("what, query, page", QUERIES, ids=[q[1] for q in QUERIES])
def test_a_query_finds_the_same_pages_in_one_index_and_in_shards(sites, browser, what, query, page):
    single = results(browser, f"{sites['single']}{BASE}search/?q={query}")
    sharded = results(browser, f"{sites['sharded']}{BASE}search/?q={query}")
    count, shown = single
    assert count > (5 if page is None else 0), f"{what}: '{query}' finds {count} pages"
    if page is not None:
        assert shown[0] == BASE + page, f"{what}: '{query}' puts {shown[0]} first"
    assert sharded[0] == count, f"{what}: {count} results in one index, {sharded[0]} in shards"
    assert sharded[1][0] == shown[0], f"{what}: the top result differs"
    if count <= len(shown):  # every result is listed: the same pages
        assert sorted(sharded[1]) == sorted(shown)


def test_a_query_loads_only_the_shards_its_words_lead_to(sites, browser):
    fetched: list[str] = []
    count, shown = results(browser, f"{sites['sharded']}{BASE}search/?q=harbourmistress", fetched)
    assert shown[:1] == [BASE + "people/ada-quill/"]
    shards = {url.split("/pagefind/")[1].split("/")[0] for url in fetched
              if "/pagefind/s" in url and url.endswith("pagefind-entry.json")}
    assert len(shards) <= 1  # the shard that holds the word, if it is not the primary; not all of them
