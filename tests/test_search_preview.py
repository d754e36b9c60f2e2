"""Search in the preview: the index catches up after the edited page is served, and a search made meanwhile
gets the previous results (in the browser, through the preview's own WSGI app), never an error."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from site_builder import search
from site_builder.preview.app import Preview, PreviewApp

from conftest import write_site
from search_site import search_site
from test_browser import CHROME, CHROME_ARGS, _missing, _require

pytestmark = pytest.mark.skipif(not search.available(), reason="the pagefind package (with its binary) is not installed")


class Held:
    """An index function that waits for `release` before doing its work."""

    def __init__(self, index):
        self.index, self.release, self.started = index, threading.Event(), threading.Event()

    def __call__(self, *args):
        self.started.set()
        assert self.release.wait(60)
        return self.index(*args)


def index_files(snapshot) -> dict:
    return {path: data for path, data in snapshot.files.items() if path.startswith("pagefind/")}


@pytest.fixture
def preview(tmp_path):
    site = write_site(tmp_path / "site", search_site(4))
    logged: list[str] = []
    p = Preview(site, log=logged.append, search=True)
    p.logged = logged
    yield p


def edit(preview, word: str):
    story = preview.root / "content/explainers/who-runs-the-harbour.md"
    story.write_text(story.read_text() + f"\nThe {word} came in at dawn.\n")
    return preview.rebuild({str(story)})


def test_the_edited_page_is_served_before_the_index_catches_up_and_the_old_index_stays_served(preview):
    first = preview.rebuild()
    assert first.built and not index_files(first)  # the index comes after the first build, not with it
    assert preview.search.wait(120)
    old = index_files(preview.snapshot)
    assert "pagefind/pagefind-entry.json" in old and "pagefind/shards.json" in old

    held = Held(preview.search.index)
    preview.search.index = held
    shown = edit(preview, "zanzibar")
    assert b"zanzibar" in shown.files["explainers/who-runs-the-harbour/index.html"]
    assert held.started.wait(60) and index_files(preview.snapshot) == old  # catching up: the previous index

    held.release.set()
    assert preview.search.wait(120)
    new = index_files(preview.snapshot)
    assert new["pagefind/pagefind-entry.json"] != old["pagefind/pagefind-entry.json"]
    named = [path for path in old if path.endswith((".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter"))]
    assert named and all(path in new for path in named)  # a search begun on the previous index can finish


def test_a_failing_indexer_in_the_preview_says_so_once_and_keeps_the_last_index(preview, tmp_path, monkeypatch):
    preview.rebuild()
    assert preview.search.wait(120)
    old = index_files(preview.snapshot)
    broken = tmp_path / "broken-pagefind"
    broken.write_text("#!/bin/sh\necho 'no index today' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    for word in ("ferry", "barge"):
        edit(preview, word)
        assert preview.search.wait(120)
    assert index_files(preview.snapshot) == old
    said = [line for line in preview.logged if "search index not built" in line]
    assert len(said) == 1 and "no index today" in said[0] and "search: off" in said[0]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.slow  # a real browser: the quick tier leaves it out
def test_a_writer_can_search_in_the_preview_while_the_index_catches_up(preview):
    _require(_missing())
    from playwright.sync_api import sync_playwright

    preview.rebuild()
    assert preview.search.wait(120)
    server = make_server("127.0.0.1", 0, PreviewApp(preview), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}{preview.snapshot.base}"

    def first_result(tab, query: str) -> str | None:
        tab.goto(f"{base}search/?q={query}")
        tab.wait_for_function("/[Rr]esult|Nothing found|not available/.test(document.getElementById('search-status')"
                              ".textContent)")
        assert "not available" not in tab.text_content("#search-status")
        link = tab.query_selector("#search-results li h2 a")
        return link.get_attribute("href") if link else None

    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROME, args=CHROME_ARGS)
            tab = chromium.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            assert first_result(tab, "harbourmistress") == "/notes/people/ada-quill/"
            held = Held(preview.search.index)
            preview.search.index = held
            edit(preview, "zanzibar")
            assert held.started.wait(60)
            assert first_result(tab, "harbourmistress") == "/notes/people/ada-quill/"  # the previous results
            assert first_result(tab, "zanzibar") is None  # not indexed yet: nothing, and no error
            held.release.set()
            assert preview.search.wait(120)
            assert first_result(tab, "zanzibar") == "/notes/explainers/who-runs-the-harbour/"
            chromium.close()
            assert errors == []
    finally:
        server.shutdown()
        server.server_close()
