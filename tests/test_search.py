"""The search index: what of a page is indexed, how pages fall into shards, the indexer process, and an index
brought up to date shard by shard (only where indexed text changed), reproducible, and harmless when it fails."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from site_builder import search
from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.search import routing, shards
from site_builder.search.extract import indexed_page
from site_builder.search.indexer import Indexer, SearchError, executable, process_count
from site_builder.search.stage import EXCLUDED, page_url

from conftest import messages, write_site
from search_site import search_site

needs_pagefind = pytest.mark.skipif(not search.available(), reason="the pagefind package (with its binary) is not installed")


def html(main: str, head: str = "<title>Ada · Site</title>", header: str = "", footer: str = "",
         body: str = ' class="kind-fact"', around: tuple[str, str] = ("", "")) -> bytes:
    header = header or ('<header class="site-header"><div class="wrap"><a class="site-title" href="/">Site</a>'
                        '<nav><ul><li><a id="n1" href="/people/">People</a></li></ul></nav>'
                        '<form role="search"><input id="q" name="q"></form></div></header>')
    footer = footer or '<footer class="site-footer"><div class="wrap"><p>Site · <a href="/feed.xml">Feed</a></p></div></footer>'
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">{head}\n</head>\n<body{body}>\n'
            f'<a class="skip" href="#main">Skip to content</a>\n{header}\n{around[0]}'
            f'<main id="main" class="wrap" data-pagefind-body data-pagefind-meta="kind:Person">\n{main}\n</main>'
            f'{around[1]}\n{footer}\n<script type="application/ld+json">{{"@type": "Person"}}</script>\n</body>\n</html>\n'
            ).encode("utf-8")


MAIN = '<article><h1>Ada Quill</h1><p class="aliases">Also known as: Harbourmistress</p><p>Runs the port.</p></article>'
MENTIONS = '<aside aria-labelledby="m" data-pagefind-ignore><h2 id="m">Mentioned in</h2><ul><li><a href="/e/">{}</a></li></ul></aside>'


# ---------------------------------------------------------------- the indexed part of a page


def test_the_indexed_part_is_the_region_with_the_html_tag_and_the_regions_ancestors():
    found = indexed_page(html(MAIN))
    assert found.region
    assert found.page == (b'<html lang="en"><head></head><body class="kind-fact"><main id="main" class="wrap" '
                          b'data-pagefind-body data-pagefind-meta="kind:Person"> ' + MAIN.encode() + b" </main></body></html>")
    wrapped = indexed_page(html(MAIN, around=('<div class="page">', "</div>")))
    assert wrapped.page.startswith(b'<html lang="en"><head></head><body class="kind-fact"><div class="page"><main ')
    assert wrapped.page.endswith(b"</main></div></body></html>")


def test_what_lies_outside_the_region_leaves_the_digest_alone():
    base = indexed_page(html(MAIN)).digest
    assert indexed_page(html(MAIN, head='<title>Ada · Renamed</title><link rel="stylesheet" href="/new.css">')).digest == base
    assert indexed_page(html(MAIN, footer='<footer><p>A new footer</p><img src="/logo.png" alt=""></footer>')).digest \
        != base  # an image after the title could become the result's image: taken whole, so it counts
    assert indexed_page(html(MAIN, footer="<footer><p>A new footer, with a link</p></footer>")).digest == base
    assert indexed_page(html(MAIN, header='<header class="tweaked"><a href="/">Site</a><nav><a id="x" href="/t/">'
                                          'Timeline</a></nav></header>')).digest == base
    assert indexed_page(html(MAIN.replace("Runs the port.", "Runs the harbour."))).digest != base
    assert indexed_page(html(MAIN, body=' class="kind-explainer"')).digest != base  # the region's ancestors count


def test_ignored_parts_are_dropped_unless_pagefind_reads_something_in_them():
    one = indexed_page(html(MAIN + MENTIONS.format("First explainer")))
    two = indexed_page(html(MAIN + MENTIONS.format("Second explainer")))
    assert one.digest == two.digest == indexed_page(html(MAIN)).digest
    with_meta = MENTIONS.replace("<ul>", '<ul data-pagefind-filter="tag">')
    assert indexed_page(html(MAIN + with_meta.format("x"))).digest != indexed_page(html(MAIN + with_meta.format("y"))).digest
    with_image = MENTIONS.replace("<ul>", '<img src="/a.png" alt="a"><ul>')
    assert b'<img src="/a.png"' in indexed_page(html(MAIN + with_image.format("x"))).page


@pytest.mark.parametrize("page", [
    html(MAIN).replace(b" data-pagefind-body", b""),  # no region: the whole body is indexed
    html(MAIN + '<section data-pagefind-body><p>Two regions</p></section>'),
    html(MAIN, header='<header data-pagefind-meta="section:People"><a href="/">Site</a></header>'),
    html(MAIN, header='<header><h1>Site</h1></header>'),  # the first h1 titles the result
    html(MAIN, around=("<p>Unclosed", "")),  # an end tag left implied: not followed, so not cut
    html(MAIN, footer="<footer><title>Late title</title></footer><title>x</title>"),
], ids=["no-region", "two-regions", "meta-outside", "h1-outside", "implied-end", "title-outside-head"])
def test_a_page_this_reader_cannot_vouch_for_is_taken_whole(page):
    found = indexed_page(page)
    assert found.page == page
    assert found.region == (b"data-pagefind-body" in page)


# ---------------------------------------------------------------- shards


PATHS = [f"people/p{n:03d}/index.html" for n in range(300)]


def test_shards_hold_at_most_the_limit_whatever_order_the_pages_come_in():
    planned = shards.plan(PATHS, limit=40)
    assert len(planned) > 300 // 40
    assert all(0 < len(members) <= 40 for members in planned.values())
    assert sorted(p for members in planned.values() for p in members) == sorted(PATHS)
    assert shards.plan(list(reversed(PATHS)), limit=40) == planned
    assert shards.plan(PATHS[:30], limit=40) == {"": sorted(PATHS[:30])}  # a small site: one index


def test_adding_a_page_moves_no_other_page_unless_its_shard_splits():
    def where(planned):
        return {p: name for name, members in planned.items() for p in members}

    before = where(shards.plan(PATHS, limit=40))
    splits = 0
    for n in range(300, 360):
        new = f"people/p{n:03d}/index.html"
        after = where(shards.plan(list(before) + [new], limit=40))
        moved = {p for p in before if after[p] != before[p]}
        if moved:  # only the pages of the new page's shard, which split in two
            splits += 1
            old_shard = {p for p, name in before.items() if name == before.get(next(iter(moved)))}
            assert moved <= old_shard and all(after[p].startswith(before[p]) for p in moved)
            assert after[new].startswith(before[next(iter(moved))])
        before = after
    assert splits < 10


def test_the_primary_shard_sits_at_the_top_with_the_library_and_the_others_in_folders_of_their_own():
    files = {"pagefind.js": "js", "pagefind-worker.js": "w", "wasm.en.pagefind": "wasm",
             "pagefind-entry.json": "entry", "fragment/en_1.pf_fragment": "f"}
    assert shards.folder("0", "0", "pagefind") == "pagefind/" and shards.folder("10", "0", "pagefind") == "pagefind/s10/"
    assert shards.placed(files, "pagefind/", True) == {f"pagefind/{rel}": v for rel, v in files.items()}
    assert shards.placed(files, "pagefind/s10/", False) == {
        "pagefind/s10/pagefind-entry.json": "entry", "pagefind/s10/fragment/en_1.pf_fragment": "f"}
    assert shards.listing(["s10/", "s11/"], {}) == b'{"merge":["s10/","s11/"]}\n'
    assert shards.listing(["s1/"], {7: {"path": "r7/", "ids": {"en_1": "1"}}}) == \
        b'{"merge":["s1/"],"route":{"7":{"path":"r7/","ids":{"en_1":"1"}}}}\n'


def test_result_addresses_are_the_pages_addresses_relative_to_the_site():
    assert page_url("people/ada-quill/index.html") == "/people/ada-quill/"
    assert page_url("index.html") == "/"
    assert page_url("notes.html") == "/notes.html"


def test_the_indexers_run_side_by_side_only_as_far_as_the_memory_budget_allows(monkeypatch):
    from site_builder.search import indexer
    monkeypatch.setattr(indexer, "cpu_count", lambda: 4)
    assert process_count([100, 100, 100], budget=1000) == 3
    assert process_count([100] * 8, budget=1000) == 4
    assert process_count([400, 100, 100], budget=1000) == 2
    assert process_count([4000, 100], budget=1000) == 1  # one at a time, however large


# ---------------------------------------------------------------- the indexer (a real Pagefind)


def rendered(root: Path) -> dict[str, bytes]:
    result = build_site(root, BuildOptions(), write=False)
    assert result.ok, messages(result)
    return {r.out_path: result.outputs[r.out_path] for r in result.routes if r.spec.searched}


@needs_pagefind
def test_the_indexed_part_gives_the_very_index_the_whole_page_gives(tmp_path):
    pages = rendered(write_site(tmp_path / "site", search_site(4)))
    cut = {path: indexed_page(data) for path, data in pages.items()}
    assert all(found.page != pages[path] and len(found.page) < len(pages[path]) for path, found in cut.items())
    config = {"force_language": "en", "exclude_selectors": EXCLUDED}
    with Indexer(executable(), config) as indexer:
        whole = indexer.index((page_url(p), data) for p, data in sorted(pages.items()))
        part = indexer.index((page_url(p), cut[p].page) for p in sorted(pages))
    assert whole == part
    assert any(p.startswith("fragment/") for p in whole)


def fake_indexer(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-pagefind"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(script))
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("script, said", [
    ("echo 'pagefind: cannot index today' >&2\nexit 1\n", "the indexer stopped (exit status 1): pagefind: cannot index today"),
    ("cat >/dev/null & printf 'not base64,'\nsleep 5\n", "an answer that could not be read"),
])
def test_a_broken_indexer_is_a_warning_that_says_how_to_fix_it_and_the_site_still_builds(tmp_path, monkeypatch,
                                                                                         script, said):
    root = write_site(tmp_path / "site", search_site(2))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", fake_indexer(tmp_path, script))
    result = build_site(root, BuildOptions(out=tmp_path / "out"))
    assert result.ok, messages(result)
    warning = next(d for d in result.diagnostics if d.message.startswith("search index not built"))
    assert warning.severity == "warning" and said in warning.message, warning.message
    assert "pip install --force-reinstall 'site-builder[search]'" in warning.hint and "search: off" in warning.hint
    assert not any(p.startswith("pagefind/") for p in result.outputs) and result.indexed is None
    assert (tmp_path / "out" / "people" / "ada-quill" / "index.html").is_file()
    assert (tmp_path / "out" / "search" / "index.html").is_file()


def test_an_indexer_that_never_answers_is_stopped_at_its_deadline(tmp_path, monkeypatch):
    from site_builder.search import indexer
    monkeypatch.setattr(indexer, "budget", lambda pages, size: (0.5, None))
    binary = fake_indexer(tmp_path, "exec sleep 30\n")
    with pytest.raises(SearchError, match="took longer than"):
        with Indexer(binary, {}) as slow:
            slow.index([("/a/", b"<html><body>a</body></html>")])


def test_an_indexer_that_cannot_be_run_is_a_warning(tmp_path, monkeypatch):
    root = write_site(tmp_path / "site", search_site(2))
    missing = tmp_path / "no-such-pagefind"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(missing))
    result = build_site(root, BuildOptions(out=tmp_path / "out"))
    assert result.ok and result.indexed is None
    assert any("cannot be run" in d.message for d in result.diagnostics if d.severity == "warning")


@needs_pagefind
def test_pages_without_an_html_element_are_a_warning_about_the_template_not_the_indexer(tmp_path):
    files = search_site(2)
    files["templates/base.html"] = ('<title>{{ page.title }}</title>\n<main id="main"{% if page.kind in '
                                    '("explainer", "page", "fact") %} data-pagefind-body{% endif %}>\n'
                                    '{% block main %}{% endblock %}\n</main>\n')
    root = write_site(tmp_path / "site", files)
    result = build_site(root, BuildOptions(out=tmp_path / "out"))
    assert result.ok, messages(result)
    warning = next(d for d in result.diagnostics if d.message.startswith("search index not built"))
    assert "no page has an <html> element" in warning.message, warning.message
    assert warning.location.rel_path == "templates/base.html"
    assert "<html>" in warning.hint and "<body>" in warning.hint and "reinstall" not in warning.hint
    assert not any(p.startswith("pagefind/") for p in result.outputs) and result.indexed is None
    assert (tmp_path / "out" / "people" / "ada-quill" / "index.html").is_file()


def test_a_page_says_whether_it_has_an_html_element_whether_or_not_it_is_cut():
    assert indexed_page(html(MAIN)).rooted
    assert indexed_page(b"<!doctype html><HTML lang=en><body><p>whole</p></body></HTML>").rooted
    assert not indexed_page(b'<main data-pagefind-body><h1>Ada</h1></main>').rooted
    assert not indexed_page(b"<htmlish><p>no</p></htmlish>").rooted


@needs_pagefind
@pytest.mark.parametrize("budget, cores, processes", [(1, 4, 1), (2**30, 4, 4), (2**30, 1, 1)])
def test_shards_are_indexed_by_as_many_processes_as_cores_and_the_memory_budget_allow(tmp_path, monkeypatch,
                                                                                      budget, cores, processes):
    from site_builder.search import indexer
    launched = []
    real = indexer.launch
    monkeypatch.setattr(indexer, "launch", lambda *args: launched.append(1) or real(*args))
    monkeypatch.setattr(indexer, "cpu_count", lambda: cores)
    pages = rendered(write_site(tmp_path / "site", search_site(30)))
    sources = search.Sources(lambda path, data: path, lambda path: b"", None)
    done = search.update_index(pages, search.SearchMemory(), "en", sources, limit=6, budget=budget)
    assert done.problems == () and len([n for n in done.indexed if not n.startswith("r")]) >= 5
    assert len(launched) == 2 * processes  # as many for the shards, then as many for the routing indexes


# ---------------------------------------------------------------- an index kept up to date


def on_disk(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}


@pytest.fixture
def small_shards(monkeypatch):
    monkeypatch.setattr(shards, "LIMIT", 6)


def shards_of(result) -> list[str]:
    return [name for name in result.indexed if not name.startswith("r")]


def routes_of(result) -> list[str]:
    return [name for name in result.indexed if name.startswith("r")]


def shard_of(out_path: str, planned: dict) -> str:
    return next(name for name, members in planned.items() if out_path in members)


@needs_pagefind
def test_only_the_shards_whose_indexed_text_changed_are_indexed_again(tmp_path, small_shards):
    root = write_site(tmp_path / "site", search_site(30))
    state, out = BuildState(), tmp_path / "out"
    first = build_site(root, BuildOptions(out=out, disk_cache=False), cache=state)
    assert first.ok, messages(first)
    names = set(state.search.shards)
    assert len(names) >= 5 and set(shards_of(first)) == names and routes_of(first)
    planned = shards.plan([p for p in state.search.pages], shards.LIMIT)

    again = build_site(root, BuildOptions(out=out, disk_cache=False), cache=state)
    assert again.indexed == [] and again.stats.written == 0  # nothing changed: nothing indexed, nothing written

    pilot = root / "content/facts/people/pilot-07.yml"
    pilot.write_text(pilot.read_text().replace("keeps the", "keeps and mends the"))
    edited = build_site(root, BuildOptions(out=out, disk_cache=False), cache=state)
    assert shards_of(edited) == [shard_of("people/pilot-07/index.html", planned)]
    assert routes_of(edited) == [f"r{routing.bucket('m')}"]  # a new word, 'mends': its bucket's routing index

    # the header, footer and head of every page change; the indexed text of none
    write_site(root, {"templates/site-head.html": '<meta name="robots" content="noarchive">\n'})
    tweaked = build_site(root, BuildOptions(out=out, disk_cache=False), cache=state)
    assert len(tweaked.rendered) > 30 and tweaked.indexed == []

    # a new reference: the explainer's text changes, the fact sheet only gains a 'Mentioned in' line
    target = next(p for p in ("people/pilot-%02d/index.html" % n for n in range(30))
                  if shard_of(p, planned) != shard_of("explainers/who-runs-the-harbour/index.html", planned))
    story = root / "content/explainers/who-runs-the-harbour.md"
    story.write_text(story.read_text() + f"\nSee also [[{target.removesuffix('/index.html')}]].\n")
    linked = build_site(root, BuildOptions(out=out, disk_cache=False), cache=state)
    assert target in linked.rendered
    assert shards_of(linked) == [shard_of("explainers/who-runs-the-harbour/index.html", planned)]

    clean = build_site(root, BuildOptions(out=tmp_path / "clean", disk_cache=False))
    assert on_disk(out) == on_disk(tmp_path / "clean")  # incremental == clean, byte for byte


@needs_pagefind
def test_the_sharded_index_is_the_same_bytes_for_the_same_pages(tmp_path, small_shards):
    root = write_site(tmp_path / "site", search_site(30))
    one = build_site(root, BuildOptions(out=tmp_path / "one", disk_cache=False))
    two = build_site(root, BuildOptions(out=tmp_path / "two", disk_cache=False))
    assert one.ok and two.ok
    assert len(shards_of(one)) >= 5
    assert on_disk(tmp_path / "one") == on_disk(tmp_path / "two")
    listed = (tmp_path / "one" / "pagefind" / "shards.json").read_text()
    assert all((tmp_path / "one" / "pagefind" / folder / "pagefind-entry.json").is_file()
               for folder in json.loads(listed)["merge"])
    assert not (tmp_path / "one" / "pagefind" / "s1" / "pagefind.js").exists()  # the library once, at the top


@needs_pagefind
def test_a_command_line_build_keeps_its_index_in_the_saved_state(tmp_path, small_shards):
    root = write_site(tmp_path / "site", search_site(30))
    first = build_site(root)
    assert first.ok and len(shards_of(first)) >= 5
    again = build_site(root)
    assert again.indexed == []
    folder = sorted(p for p in (root / "output" / "pagefind").iterdir() if p.name.startswith("s"))[0]
    next(folder.joinpath("fragment").iterdir()).unlink()  # a file of one shard went missing
    healed = build_site(root)
    assert healed.ok and healed.indexed == [folder.name[1:]]
    clean = build_site(root, BuildOptions(out=tmp_path / "clean", disk_cache=False))
    assert clean.ok and on_disk(root / "output") == on_disk(tmp_path / "clean")


@needs_pagefind
def test_a_site_that_shrinks_to_one_index_drops_its_shards_and_routing(tmp_path, monkeypatch):
    monkeypatch.setattr(shards, "LIMIT", 20)
    root = write_site(tmp_path / "site", search_site(30))
    state = BuildState()
    big = build_site(root, BuildOptions(out=tmp_path / "out", disk_cache=False), cache=state)
    assert len(shards_of(big)) >= 2 and routes_of(big)
    assert "route" in json.loads(big.outputs["pagefind/shards.json"])
    for path in (root / "content/facts/people").glob("pilot-*.yml"):
        path.unlink()
    small = build_site(root, BuildOptions(out=tmp_path / "out", disk_cache=False), cache=state)
    assert small.ok and shards_of(small) == [""] and routes_of(small) == []
    assert json.loads(small.outputs["pagefind/shards.json"]) == {"merge": []}
    assert not any(p.startswith(("pagefind/s", "pagefind/r")) for p in small.outputs if p != "pagefind/shards.json")
    assert not any((tmp_path / "out" / "pagefind").glob("[rs][0-9]*"))


@needs_pagefind
def test_search_off_indexes_nothing(tmp_path):
    files = search_site(2)
    files["site.yml"] = files["site.yml"].replace("language: en", "language: en\n        search: off")
    root = write_site(tmp_path / "site", files)
    result = build_site(root, BuildOptions(out=tmp_path / "out"))
    assert result.ok and result.indexed is None and not any(p.startswith("pagefind/") for p in result.outputs)
    assert not (tmp_path / "out" / "pagefind").exists()
    assert os.listdir(tmp_path / "out")


@needs_pagefind
def test_a_site_in_several_languages_is_one_index_with_an_index_per_language(tmp_path):
    def page(lang: str, words: str) -> bytes:
        return (f'<!doctype html><html lang="{lang}"><head><title>{words}</title></head><body>'
                f'<main data-pagefind-body><h1>{words}</h1><p>{words}</p></main></body></html>').encode("utf-8")

    pages = {f"p{n}/index.html": page("en", f"harbour pilot {n}") for n in range(4)}
    pages.update({f"ko/p{n}/index.html": page("ko", f"항구 도선사 {n}") for n in range(3)})
    sources = search.Sources(lambda path, data: path, lambda path: b"", None)
    done = search.update_index(pages, search.SearchMemory(), None, sources, limit=2)
    assert done.problems == () and done.indexed == ("",)  # one index, however small the shard limit
    entry = json.loads(done.outputs["pagefind/pagefind-entry.json"])
    assert {name: lang["page_count"] for name, lang in entry["languages"].items()} == {"en": 4, "ko": 3}
    assert json.loads(done.outputs["pagefind/" + shards.SHARDS_FILE])["merge"] == []
