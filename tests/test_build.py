"""Whole-site builds of small inline sites: pages, references, backlinks, citations, errors, output safety."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.output.write import OutputRefused

from conftest import build, messages

BRIDGES = {
    "site.yml": """
        title: Bridges of the World
        base_url: https://example.org/bridges/
        types:
          bridge:
            folder: bridges
            label: [Bridge, Bridges]
            fields:
              opened: {type: date}
              length_m: {type: number}
              cost: {type: money}
              builder: {type: ref, to: company}
              spans: {type: list, of: text}
          company:
            folder: companies
            label: [Company, Companies]
            fields:
              founded: {type: date}
        """,
    "content/facts/bridges/golden-gate.yml": """
        name: Golden Gate Bridge
        summary: Suspension bridge across the [[golden-gate-strait|Golden Gate strait]].
        aliases: [GGB]
        opened: {value: 1937-05, source: chronicle-1937}
        length_m: {value: 2737, source: chronicle-1937}
        cost: {value: {amount: 35000000, currency: USD}, source: chronicle-1937}
        builder: {value: companies/bethlehem-steel, source: chronicle-1937}
        spans: {value: [main, side], source: chronicle-1937}
        facts:
          - label: Colour
            value: International orange
            source: chronicle-1937
        """,
    "content/facts/bridges/golden-gate-strait.yml": """
        name: Golden Gate strait
        summary: The strait the bridge crosses [@chronicle-1937].
        """,
    "content/facts/companies/bethlehem-steel.yml": """
        name: Bethlehem Steel
        summary: A steel maker.
        founded: {value: 1857, source: chronicle-1937}
        """,
    "content/facts/sources/chronicle-1937.yml": """
        title: The bridge opens
        publisher: The Chronicle
        date: 1937-05-28
        url: https://example.com/bridge
        """,
    "content/facts/events/1937-05-27-opening.yml": """
        date: 1937-05-27
        title: The bridge opens to walkers
        involves: [bridges/golden-gate]
        source: chronicle-1937
        """,
    "content/explainers/why-orange.md": """
        ---
        title: Why the bridge is orange
        summary: A primer that stayed.
        date: 2024-02-20
        tags: [colour, bridges]
        about: [bridges/golden-gate]
        ---

        The [[golden-gate]] is orange [@chronicle-1937, p. 2]. Its maker was
        [[companies/bethlehem-steel|a steel firm]] [@chronicle-1937; @chronicle-1937].
        Read [the strait's page](../facts/bridges/golden-gate-strait.yml).
        """,
    "content/explainers/draft-one.md": """
        ---
        title: Not ready
        summary: A draft.
        date: 2024-03-01
        draft: true
        ---
        Draft text.
        """,
    "content/pages/about.md": """
        ---
        title: About
        ---
        About [[golden-gate]].
        """,
    "content/media/diagram.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}


def html_of(result, out_path: str) -> str:
    return result.outputs[out_path].decode()


def test_a_site_with_its_own_types_builds_every_page(make_site):
    result = build(make_site(BRIDGES))
    assert result.ok, messages(result)
    expected = {
        "index.html", "explainers/why-orange/index.html", "about/index.html",
        "bridges/index.html", "bridges/golden-gate/index.html", "bridges/golden-gate-strait/index.html",
        "companies/index.html", "companies/bethlehem-steel/index.html",
        "sources/index.html", "sources/chronicle-1937/index.html",
        "events/index.html", "events/1937-05-27-opening/index.html",
        "timeline/index.html", "tags/index.html", "tags/colour/index.html", "tags/bridges/index.html",
        "404.html", "feed.xml", "sitemap.xml", "explainers/index.html", "media/diagram.svg",
        "static/style.css", "static/favicon.svg",
    }
    assert expected <= set(result.outputs)
    assert "robots.txt" not in result.outputs  # a site below the root of its host: crawlers would not read it
    assert "explainers/draft-one/index.html" not in result.outputs


def test_drafts_build_only_when_asked(make_site):
    result = build(make_site(BRIDGES), drafts=True)
    assert "explainers/draft-one/index.html" in result.outputs


def test_references_citations_and_links_render(make_site):
    result = build(make_site(BRIDGES))
    page = html_of(result, "explainers/why-orange/index.html")
    assert '<a class="ref" href="/bridges/bridges/golden-gate/" data-ref="bridges/golden-gate">Golden Gate Bridge</a>' in page
    assert ">a steel firm</a>" in page
    assert 'href="/bridges/bridges/golden-gate-strait/"' in page
    # one source, cited three times: one number, three back-links, the locator shown
    assert page.count('href="#source-1"') == 3
    assert all(f'href="#cite-1-{i}"' in page for i in (1, 2, 3))
    assert '<span class="locator">p. 2</span>' in page
    assert "\ue000" not in page


def test_backlinks_and_events_on_fact_sheets(make_site):
    result = build(make_site(BRIDGES))
    gg = html_of(result, "bridges/golden-gate/index.html")
    mentioned = gg[gg.index('id="mentions-heading"'):gg.index('id="sources-heading"')]
    for title in ("Why the bridge is orange", "About"):
        assert title in mentioned
    assert "The bridge opens to walkers" not in mentioned  # an event is listed under Events, not again here
    assert "Not ready" not in gg  # drafts mention nothing
    assert 'href="/bridges/events/1937-05-27-opening/"' in gg[gg.index('id="events-heading"'):]
    company = html_of(result, "companies/bethlehem-steel/index.html")
    assert "Golden Gate Bridge" in company[company.index("Mentioned in"):]  # from a ref field
    source = html_of(result, "sources/chronicle-1937/index.html")
    assert "Why the bridge is orange" in source[source.index("Cited in"):]


def test_field_values_show_with_their_sources(make_site):
    result = build(make_site(BRIDGES))
    gg = html_of(result, "bridges/golden-gate/index.html")
    assert '<time datetime="1937-05">May 1937</time>' in gg
    assert "35,000,000 USD" in gg and "<td>2737<" in gg and "main, side" in gg
    assert gg.count('class="cite"') == 6  # five fields and one free-form fact, each sourced


def test_every_url_lives_under_the_base_path(make_site):
    result = build(make_site(BRIDGES))
    for out, data in result.outputs.items():
        if not out.endswith(".html"):
            continue
        for url in re.findall(r'(?:href|src)="([^"]+)"', data.decode()):
            assert url.startswith(("/bridges/", "#", "https://")), (out, url)
    assert "Sitemap: https://example.org/bridges/sitemap.xml" in result.notes[0]  # no robots.txt: a note says why


def test_base_url_option_moves_the_site(make_site):
    result = build(make_site(BRIDGES), base_url="https://news.example.com/x/")
    home = html_of(result, "index.html")
    assert 'href="/x/explainers/why-orange/"' in home
    assert '<link rel="canonical" href="https://news.example.com/x/">' in home
    for url in re.findall(r'(?:href|src)="(/[^"]*)"', home):
        assert url.startswith("/x/"), url


def test_site_templates_override_builtin_and_per_type(make_site):
    files = dict(BRIDGES)
    files["templates/fact-bridge.html"] = (
        '{% extends "fact.html" %}{% block fields %}<p class="custom">{{ rows.length_m.html if "length_m" in rows else "?" }} metres, '
        "{{ ref('bethlehem-steel') }}</p>{% endblock %}")
    files["templates/404.html"] = "<!doctype html><title>x</title><p>Gone {{ site.title }}</p>"
    result = build(make_site(files))
    assert result.ok, messages(result)
    assert '<p class="custom">2737 metres, <a class="ref"' in html_of(result, "bridges/golden-gate/index.html")
    assert "custom" not in html_of(result, "companies/bethlehem-steel/index.html")
    assert html_of(result, "404.html") == "<!doctype html><title>x</title><p>Gone Bridges of the World</p>"


def test_template_mistakes_are_located_errors(make_site):
    files = dict(BRIDGES)
    files["templates/404.html"] = "line one\n{{ no_such_variable }}\n"
    files["templates/tags.html"] = "{% if %}\n"
    result = build(make_site(files))
    assert not result.ok
    text = messages(result)
    assert any(m.startswith("templates/404.html:2: error: template error: 'no_such_variable' is undefined")
               for m in text), text
    assert any(m.startswith("templates/tags.html:1: error: template syntax") for m in text), text


def test_template_text_is_autoescaped(make_site):
    files = dict(BRIDGES)
    files["content/facts/companies/bethlehem-steel.yml"] = (
        "name: <script>alert(1)</script>\nsummary: x\nfounded: {value: 1857, source: chronicle-1937}\n")
    result = build(make_site(files))
    page = html_of(result, "companies/bethlehem-steel/index.html")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_problem_is_reported_in_one_run(make_site):
    files = dict(BRIDGES)
    files["content/explainers/bad.md"] = """
        ---
        title: Bad
        summary: Bad.
        date: 2024-02-30
        ---
        See [[golden-gat]] and [@chronicle-1973] and [x](../pages/nope.md).
        """
    files["content/facts/bridges/other.yml"] = "name: Other\nsummary: x\nopend: 1990\nbuilder: bridges/golden-gate\n"
    result = build(make_site(files))
    assert [m.splitlines()[0] for m in messages(result) if ": error:" in m] == [
        "content/explainers/bad.md:4:7: error: 'date': impossible date '2024-02-30': February 2024 has no day 30",
        "content/explainers/bad.md:6:5: error: unknown reference 'golden-gat' (did you mean 'golden-gate' or 'golden-gate-strait'?)",
        "content/explainers/bad.md:6:25: error: unknown source 'chronicle-1973' (did you mean 'chronicle-1937'?)",
        "content/explainers/bad.md:6:50: error: link to missing file 'content/pages/nope.md'",
        "content/facts/bridges/other.yml:3:1: error: unknown field 'opend' for type 'bridge' (did you mean 'opened'?)",
        "content/facts/bridges/other.yml:4:10: error: 'bridges/golden-gate' is a bridge, but 'builder' must refer to a company",
    ]


def test_ambiguous_short_ids_and_url_collisions(make_site):
    files = dict(BRIDGES)
    files["content/facts/companies/golden-gate.yml"] = "name: GG Inc\nsummary: x\n"
    files["content/pages/bridges.md"] = "---\ntitle: Clash\n---\nx\n"
    result = build(make_site(files))
    text = messages(result)
    assert any("'golden-gate' is ambiguous: it could be 'bridges/golden-gate' or 'companies/golden-gate'" in m
               for m in text)
    assert any("'content/pages/bridges.md' would be published at /bridges/bridges/, where the site's list of the "
               "type 'bridge' goes" in m for m in text)


def test_strict_turns_warnings_into_errors(make_site):
    files = dict(BRIDGES)
    files["content/facts/sources/unused.yml"] = "title: Nobody cites me\n"
    files["content/facts/companies/lonely.yml"] = "name: Lonely\nsummary: x\nfounded: 1900\n"
    root = make_site(files)
    relaxed = build(root)
    assert relaxed.ok
    warnings = [m.splitlines()[0] for m in messages(relaxed)]
    assert "content/facts/companies/lonely.yml:1:1: warning: nothing mentions 'companies/lonely'" in warnings
    assert "content/facts/companies/lonely.yml:3:10: warning: unsourced fact 'founded'" in warnings
    assert "content/facts/sources/unused.yml:1:1: warning: source 'unused' is not cited anywhere" in warnings
    assert not build(root, strict=True).ok


def test_undecodable_bytes_are_located(make_site):
    files = dict(BRIDGES)
    files["content/facts/companies/bytes.yml"] = b"name: Caf\xe9\nsummary: x\n"
    result = build(make_site(files))
    assert "content/facts/companies/bytes.yml:1:10: error: the file is not UTF-8 text (byte 0xe9)" in \
        [m.splitlines()[0] for m in messages(result)]



def test_file_names_that_are_not_utf8_are_located(make_site):
    root = make_site(dict(BRIDGES))
    try:
        (root / os.fsdecode(b"content/pages/caf\xe9.md")).write_text("---\ntitle: Cafe\n---\nText.\n", "utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    lines = [m.splitlines()[0] for m in messages(build(root))]
    assert "content/pages/caf\\xe9.md: error: the name of this file or folder is not UTF-8 text" in lines


# --- writing ------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_builds_are_deterministic(make_site, tmp_path):
    root = make_site(BRIDGES)
    build_site(root, BuildOptions(out=tmp_path / "a"))
    build_site(root, BuildOptions(out=tmp_path / "b"))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_failed_build_leaves_previous_output_untouched(make_site):
    root = make_site(BRIDGES)
    assert build(root, write=True).ok
    before = snapshot(root / "output")
    (root / "content/explainers/why-orange.md").write_text("---\ntitle: [broken\n---\n")
    assert not build(root, write=True).ok
    assert snapshot(root / "output") == before


def test_stale_files_are_removed_and_unchanged_ones_kept(make_site):
    root = make_site(BRIDGES)
    build(root, write=True)
    about = root / "output/about/index.html"
    kept = root / "output/bridges/golden-gate-strait/index.html"
    inode = kept.stat().st_ino  # a page this edit does not touch
    (root / "content/pages/about.md").unlink()
    (root / "content/explainers/why-orange.md").write_text(
        (root / "content/explainers/why-orange.md").read_text().replace("orange [@", "red [@"))
    result = build(root, write=True)
    assert result.ok
    assert not about.exists() and not (root / "output/about").exists()
    assert kept.stat().st_ino == inode  # kept, not written again
    again = build(root, write=True)
    assert again.stats.written == 0 and again.stats.removed == 0


def test_second_build_touches_nothing(make_site):
    root = make_site(BRIDGES)
    build(root, write=True)
    stat = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (root / "output").rglob("*") if p.is_file()}
    result = build(root, write=True)
    assert result.stats.written == 0
    assert stat == {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (root / "output").rglob("*") if p.is_file()}


@pytest.mark.parametrize("out", [".", "content/out", "templates/out", ".."])
def test_dangerous_output_folders_are_refused(make_site, out):
    root = make_site(BRIDGES)
    (root / "templates").mkdir(exist_ok=True)
    with pytest.raises(OutputRefused):
        build_site(root, BuildOptions(out=root / out))


def test_output_with_foreign_files_is_refused_and_kept(make_site, tmp_path):
    root = make_site(BRIDGES)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(OutputRefused, match="did not write"):
        build_site(root, BuildOptions(out=out))
    assert (out / "precious.txt").read_text() == "keep me"
    assert os.listdir(out) == ["precious.txt"]


def test_site_urls_relabelled_builtins_and_big_numbers(make_site):
    files = dict(BRIDGES)
    files["site.yml"] = textwrap.dedent(BRIDGES["site.yml"]).replace(
        "types:\n", "nav:\n  - {label: Explainers, url: '/#explainers'}\n  - {label: Timeline, url: /timeline/}\n"
        "types:\n  source:\n    fields:\n      url: {label: Address}\n", 1)
    files["content/pages/about.md"] = "---\ntitle: About\n---\nSee [the timeline](/timeline/#y1937) and [[golden-gate]].\n"
    result = build(make_site(files))
    assert result.ok, messages(result)
    home = html_of(result, "index.html")
    assert 'href="/bridges/#explainers"' in home and 'href="/bridges/timeline/"' in home
    assert 'href="/bridges/timeline/#y1937"' in html_of(result, "about/index.html")
    assert "<th scope=\"row\">Address</th>" in html_of(result, "sources/chronicle-1937/index.html")
