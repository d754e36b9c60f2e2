"""The built-in theme's machine-readable side: JSON-LD, the facts export, the search index, print and head tags."""

from __future__ import annotations

import html
import json
import re
import sys

import pytest

from site_builder import search
from site_builder.build import BuildOptions, build_site
from site_builder.pages.structured import family_of, safe_json

from conftest import build, messages
from theme_site import SITE

LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(result, out_path: str) -> str:
    data = result.outputs[out_path]
    return (data if isinstance(data, bytes) else data.read_bytes()).decode("utf-8")


def ld(result, out_path: str) -> dict:
    found = LD_RE.findall(page(result, out_path))
    assert len(found) == 1, f"{out_path}: expected one JSON-LD block, found {len(found)}"
    return json.loads(found[0])


def nodes(graph: dict, type_: str) -> list[dict]:
    return [n for n in graph["@graph"] if n.get("@type") == type_]


@pytest.fixture
def site(make_site):
    root = make_site(SITE)
    result = build(root)
    assert result.ok, messages(result)
    return result


# ---------------------------------------------------------------- JSON-LD


def test_every_html_page_has_one_json_ld_block_naming_the_site(site):
    pages = [p for p in site.outputs if p.endswith(".html")]
    assert len(pages) > 15
    for out_path in pages:
        graph = ld(site, out_path)
        assert graph["@context"] == "https://schema.org"
        [website] = nodes(graph, "WebSite")
        assert website["url"] == "https://example.org/notes/"
        assert website["potentialAction"]["target"].startswith("https://example.org/notes/search/?q=")


def test_explainer_is_a_news_article_with_its_citations_in_order(site):
    graph = ld(site, "explainers/who-runs-the-harbour/index.html")
    [article] = nodes(graph, "NewsArticle")
    assert article["headline"] == "Who runs the harbour"
    assert article["datePublished"] == "2024-03-05" and article["dateModified"] == "2024-03-07"
    assert article["author"] == [{"@type": "Person", "name": "Desk Writer"}]
    assert article["url"] == article["mainEntityOfPage"] == "https://example.org/notes/explainers/who-runs-the-harbour/"
    assert [c["name"] for c in article["citation"]] == [
        "New harbour master appointed", "Morning show </script><script>alert(1)</script>"]
    gazette = article["citation"][0]
    assert gazette["url"] == "https://gazette.example.org/2019/harbour"
    assert gazette["datePublished"] == "2019-01-15"
    assert gazette["publisher"] == {"@type": "GovernmentOrganization", "name": "Harbour Authority",
                                    "url": "https://example.org/notes/organizations/harbour-authority/"}
    assert [a["@type"] for a in article["about"]] == ["Person", "GovernmentOrganization"]
    mentioned = {m["name"]: m["@type"] for m in article["mentions"]}
    assert mentioned == {"Claim: the first woman harbour master": "ClaimReview", "Grey Heron": "Thing"}
    assert article["keywords"] == ["harbour"]


def test_fact_sheets_use_their_types_schema_org_class_and_known_fields(site):
    graph = ld(site, "people/ada-quill/index.html")
    [person] = nodes(graph, "Person")
    assert person["name"] == "Ada Quill"
    assert person["alternateName"] == ["Harbourmistress", "A. Q. Quill"]
    assert person["birthDate"] == "1975-04"  # partial dates stay partial
    assert person["jobTitle"] == "Harbour master"
    assert person["affiliation"]["name"] == "Harbour Authority"
    assert person["subjectOf"][0]["headline"] == "Who runs the harbour"
    [webpage] = nodes(graph, "WebPage")
    assert webpage["mainEntity"] == {"@id": person["@id"]}
    assert [c["name"] for c in webpage["citation"]] == ["New harbour master appointed"]

    [org] = nodes(ld(site, "organizations/harbour-authority/index.html"), "GovernmentOrganization")
    assert org["foundingDate"] == "1890"
    assert org["sameAs"] == "https://harbour.example.org/"  # its website; "url" stays the fact sheet
    assert org["url"] == "https://example.org/notes/organizations/harbour-authority/"

    [ship] = nodes(ld(site, "ships/grey-heron/index.html"), "Thing")  # no schema_org: a plain Thing
    assert ship["name"] == "Grey Heron" and "launched" not in ship

    [event] = nodes(ld(site, "events/2019-01-15-appointed/index.html"), "Event")
    assert event["startDate"] == "2019-01-15"
    assert event["about"] == [{"@type": "Person", "name": "Ada Quill",
                               "url": "https://example.org/notes/people/ada-quill/"}]


def test_claims_become_claim_reviews_of_the_claim_as_made(site):
    graph = ld(site, "claims/first-woman/index.html")
    [review] = nodes(graph, "ClaimReview")
    assert review["claimReviewed"] == "Ada Quill is the first woman to run the harbour."
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "true"}
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["author"] == {"@type": "Organization", "name": "Harbour Radio"}
    assert claim["appearance"]["@type"] == "CreativeWork" and claim["datePublished"] == "2020"
    [publisher] = nodes(graph, "Organization")
    assert review["author"] == {"@id": publisher["@id"]}


def test_sources_are_creative_works_pointing_at_the_original(site):
    [work] = nodes(ld(site, "sources/gazette-2019/index.html"), "CreativeWork")
    assert work["url"] == "https://gazette.example.org/2019/harbour"
    assert work["mainEntityOfPage"] == "https://example.org/notes/sources/gazette-2019/"


def test_collections_list_their_items(site):
    graph = ld(site, "people/index.html")
    [collection] = nodes(graph, "CollectionPage")
    assert [i["name"] for i in collection["mainEntity"]["itemListElement"]] == ["Ada Quill"]
    home = nodes(ld(site, "index.html"), "CollectionPage")[0]
    assert home["mainEntity"]["itemListElement"][0]["url"].endswith("/explainers/who-runs-the-harbour/")


def test_json_ld_cannot_break_out_of_its_script_element(site):
    text = page(site, "explainers/who-runs-the-harbour/index.html")
    assert "<script>alert(1)" not in text
    blocks = LD_RE.findall(text)
    assert len(blocks) == 1 and "<" not in blocks[0] and ">" not in blocks[0]


def test_safe_json_escapes_everything_that_ends_or_confuses_a_script():
    tricky = {"a": "</script><!-- & \u2028\u2029 <SCRIPT>"}
    text = safe_json(tricky)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == tricky


def test_values_fit_the_range_of_their_property(make_site):
    yml = SITE["site.yml"].replace("      employer: {type: ref, to: organization}",
                                   "      employer: {type: ref, to: organization}\n              country: {type: text}")
    sheet = SITE["content/facts/people/ada-quill.yml"] + "country: Norway\n"
    root = make_site({**SITE, "site.yml": yml, "content/facts/people/ada-quill.yml": sheet})
    result = build(root)
    assert result.ok, messages(result)
    [person] = nodes(ld(result, "people/ada-quill/index.html"), "Person")
    assert person["nationality"] == {"@type": "Country", "name": "Norway"}


def test_schema_families_fall_back_to_thing():
    assert family_of("NewsMediaOrganization")[0] == "Organization"
    assert family_of("Report")[0] == "CreativeWork"
    assert family_of("Mountain") == ("Thing",)


# ---------------------------------------------------------------- head tags, print, search form


def test_head_has_canonical_open_graph_and_print_sheet(site):
    text = page(site, "explainers/who-runs-the-harbour/index.html")
    canonical = "https://example.org/notes/explainers/who-runs-the-harbour/"
    assert f'<link rel="canonical" href="{canonical}">' in text
    assert f'<meta property="og:url" content="{canonical}">' in text
    assert '<meta property="og:type" content="article">' in text
    assert '<meta property="article:published_time" content="2024-03-05">' in text
    assert '<link rel="stylesheet" href="/notes/static/print.css" media="print">' in text
    assert 'data-cards="/notes/data/cards.json"' in text
    assert 'data-search="/notes/pagefind/pagefind.js"' in text
    assert '<form class="site-search" role="search" action="/notes/search/" method="get">' in text


def test_every_page_has_an_icon_and_a_touch_icon_under_the_sub_folder(site):
    text = page(site, "people/ada-quill/index.html")
    assert '<link rel="icon" href="/notes/static/favicon.svg" type="image/svg+xml">' in text
    assert '<link rel="apple-touch-icon" href="/notes/static/apple-touch-icon.png">' in text
    assert {"static/favicon.svg", "static/apple-touch-icon.png"} <= set(site.outputs)
    png = site.outputs["static/apple-touch-icon.png"]
    data = png if isinstance(png, bytes) else png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 180  # 180 px wide


def test_every_in_page_link_has_its_target(site):
    for out_path in (p for p in site.outputs if p.endswith(".html")):
        text = page(site, out_path)
        ids = set(re.findall(r' id="([^"]+)"', text))
        missing = sorted(set(re.findall(r' href="#([^"]+)"', text)) - ids)
        assert missing == [], f"{out_path}: links to missing anchors {missing}"


def test_sources_without_an_address_carry_their_page_for_print(site):
    text = page(site, "explainers/who-runs-the-harbour/index.html")
    assert 'class="source-page" data-href="https://example.org/notes/sources/radio-2020/"' in text
    assert '<a class="ext" href="https://gazette.example.org/2019/harbour"' in text


def test_search_page_works_without_javascript(site):
    text = page(site, "search/index.html")
    assert '<link rel="canonical" href="https://example.org/notes/search/">' in text  # one page, whatever the query
    assert '<form id="search-form" class="search-form" role="search" action="/notes/search/" method="get"' in text
    for href in ("/notes/people/", "/notes/organizations/", "/notes/timeline/", "/notes/explainers/"):
        assert f'href="{href}"' in text


def test_only_articles_and_fact_sheets_are_marked_for_the_index(site):
    assert "data-pagefind-body" in page(site, "people/ada-quill/index.html")
    assert 'data-pagefind-meta="kind:Person"' in page(site, "people/ada-quill/index.html")
    assert "data-pagefind-body" in page(site, "explainers/who-runs-the-harbour/index.html")
    for out_path in ("index.html", "people/index.html", "timeline/index.html", "search/index.html"):
        assert "data-pagefind-body" not in page(site, out_path)


def test_search_off_leaves_out_the_search_page_and_form(make_site):
    root = make_site({**SITE, "site.yml": SITE["site.yml"].replace("language: en", "language: en\n        search: off")})
    result = build(root)
    assert result.ok, messages(result)
    assert "search/index.html" not in result.outputs
    text = page(result, "index.html")
    assert "site-search" not in text and "data-search=" not in text
    assert "potentialAction" not in json.dumps(ld(result, "index.html"))


def test_unknown_search_setting_is_a_located_error(make_site):
    root = make_site({**SITE, "site.yml": SITE["site.yml"].replace("language: en", "language: en\n        search: lunr")})
    result = build(root)
    assert not result.ok
    assert any(m.startswith("site.yml:5:9: error: search must be one of: pagefind, off") for m in messages(result))


# ---------------------------------------------------------------- /data/facts.json


def export(result) -> dict:
    return json.loads(page(result, "data/facts.json"))


def test_export_holds_every_fact_sheet_sorted_with_fields_and_sources(site):
    data = export(site)
    assert data["format"] == "site-builder facts export" and data["version"] == 1
    assert data["site"] == {"title": "Harbour Notes", "url": "https://example.org/notes/", "language": "en"}
    ids = [f["id"] for f in data["facts"]]
    assert ids == sorted(ids)
    assert set(ids) == {"claims/first-woman", "events/2019-01-15-appointed", "organizations/harbour-authority",
                        "people/ada-quill", "ships/grey-heron", "sources/gazette-2019", "sources/radio-2020"}
    ada = next(f for f in data["facts"] if f["id"] == "people/ada-quill")
    assert ada["name"] == "Ada Quill" and ada["type"] == "person"
    assert ada["url"] == "https://example.org/notes/people/ada-quill/"
    assert ada["aliases"] == ["Harbourmistress", "A. Q. Quill"]
    assert ada["fields"]["born"] == {"value": "1975-04", "sources": ["sources/gazette-2019"]}
    assert ada["fields"]["employer"]["value"] == "organizations/harbour-authority"
    assert ada["sources"] == ["sources/gazette-2019"]
    org = next(f for f in data["facts"] if f["id"] == "organizations/harbour-authority")
    assert org["fields"]["budget"]["value"] == {"amount": 1200000, "currency": "EUR"}
    claim = next(f for f in data["facts"] if f["id"] == "claims/first-woman")
    assert claim["facts"] == [{"label": "Checked against", "value": "Ada Quill’s appointment notice",
                               "sources": ["sources/gazette-2019"]}]
    event = next(f for f in data["facts"] if f["id"] == "events/2019-01-15-appointed")
    assert event["name"] == "Ada Quill appointed"
    assert event["fields"]["source"]["value"] == ["sources/gazette-2019"]
    radio = next(f for f in data["facts"] if f["id"] == "sources/radio-2020")
    assert radio["name"] == "Morning show </script><script>alert(1)</script>"
    assert "title" not in radio["fields"] and radio["fields"]["publisher"]["value"] == "Harbour Radio"
    person_type = next(t for t in data["types"] if t["name"] == "person")
    assert person_type["schema_org"] == "Person"
    assert {"name": "employer", "type": "ref", "label": "Employer", "to": ["organization"]} in person_type["fields"]


def test_export_is_the_same_bytes_for_the_same_site(make_site, tmp_path):
    root = make_site(SITE)
    first, second = build(root), build(root)
    assert page(first, "data/facts.json") == page(second, "data/facts.json")


# ---------------------------------------------------------------- the search index


@pytest.mark.skipif(not search.available(), reason="the pagefind package (with its binary) is not installed")
def test_search_index_is_built_under_the_sub_folder_and_reproducible(make_site, tmp_path):
    root = make_site(SITE)
    outs = []
    for name in ("one", "two"):
        result = build_site(root, BuildOptions(out=tmp_path / name))
        assert result.ok, messages(result)
        outs.append({p: b for p, b in result.outputs.items() if p.startswith("pagefind/")})
    assert "pagefind/pagefind.js" in outs[0] and "pagefind/pagefind-entry.json" in outs[0]
    assert not any(p.startswith("pagefind/pagefind-ui") for p in outs[0])
    assert outs[0] == outs[1]
    entry = json.loads(outs[0]["pagefind/pagefind-entry.json"])
    # the explainer, the about page and seven fact sheets; no lists, no home page, no search page
    assert entry["languages"]["en"]["page_count"] == 9
    assert json.loads(outs[0]["pagefind/shards.json"]) == {"merge": []}  # a small site is one index
    assert (tmp_path / "one" / "pagefind" / "pagefind.js").is_file()


def test_a_build_without_pagefind_still_passes_and_says_how_to_get_search(make_site, tmp_path, monkeypatch):
    for name in ("pagefind", "pagefind.service", "pagefind.index"):
        monkeypatch.setitem(sys.modules, name, None)  # as if the package were not installed
    assert not search.available()
    root = make_site(SITE)
    result = build_site(root, BuildOptions(out=tmp_path / "out"))
    assert result.ok, messages(result)
    assert not any(p.startswith("pagefind/") for p in result.outputs)
    assert "search/index.html" in result.outputs  # the page is there, with its plain links
    warning = next(d for d in result.diagnostics if "search index not built" in d.message)
    assert warning.severity == "warning" and "not installed" in warning.message
    assert "pip install 'site-builder[search]'" in warning.hint and "search: off" in warning.hint


def test_check_mode_never_runs_the_indexer(site):
    assert not any(p.startswith("pagefind/") for p in site.outputs)


def test_every_reference_has_a_card(site):
    cards = json.loads(page(site, "data/cards.json"))["cards"]
    assert cards["people/ada-quill"] == {"name": "Ada Quill", "kind": "Person", "summary": "Harbour master since 2019."}
    assert cards["explainers/who-runs-the-harbour"]["kind"] == "Explainer"
    assert list(cards) == sorted(f["id"] for f in export(site)["facts"]) + ["explainers/who-runs-the-harbour",
                                                                          "pages/about"]
    for out_path in site.outputs:
        if out_path.endswith(".html"):
            text = page(site, out_path)
            assert set(re.findall(r'data-ref="([^"]+)"', html.unescape(text))) <= set(cards), out_path
    text = page(site, "explainers/who-runs-the-harbour/index.html")
    assert '<a class="ref" href="/notes/people/ada-quill/" data-ref="people/ada-quill">Ada Quill</a>' in text


# ---------------------------------------------------------------- reading: citations, sources, fact sheets, nav


def variant(**files: str) -> dict:
    """The theme test site with some files replaced or added."""
    return SITE | files


def section(text: str, heading_id: str) -> str:
    """The HTML of the <section> or <aside> whose heading has this id."""
    start = text.rindex("<", 0, text.index(f'aria-labelledby="{heading_id}"'))
    tag = text[start + 1:text.index(" ", start)]
    return text[start:text.index(f"</{tag}>", start)]


GROUPED = """\
    ---
    title: Two sources
    date: 2024-03-06
    summary: A sentence that cites two sources at once, and one of them again.
    ---

    The harbour master was appointed in 2019 [@gazette-2019; @radio-2020, 12:30].
    The gazette said so first [@gazette-2019].
    """


def test_a_citation_group_is_one_bracket_with_a_link_per_source(make_site):
    result = build(make_site(variant(**{"content/explainers/two-sources.md": GROUPED})))
    assert result.ok, messages(result)
    text = page(result, "explainers/two-sources/index.html")
    group = re.search(r'in 2019<sup class="cites">\[(.*?)\]</sup>\.', text)  # hangs on the word: no space, no break
    assert group, text
    links = re.findall(r'<a href="#source-(\d)" id="cite-(\d-\d)" class="cite" title="[^"]+" aria-label="Source \d">(\d)</a>',
                       group.group(1))
    assert links == [("1", "1-1", "1"), ("2", "2-1", "2")]
    assert ", " in group.group(1)
    assert "][" not in text and "[1][2]" not in text


def test_a_source_list_entry_is_compact_on_screen_with_the_address_kept_for_print(make_site):
    result = build(make_site(variant(**{"content/explainers/two-sources.md": GROUPED})))
    text = page(result, "explainers/two-sources/index.html")
    sources = section(text, "sources-heading")
    first = sources[sources.index('id="source-1"'):sources.index('id="source-2"')]
    # the address by its host on screen, in full for print; back-links as letters, one per citing place
    assert ('<a class="ext" href="https://gazette.example.org/2019/harbour" rel="noopener">'
            '<span class="host">gazette.example.org</span>'
            '<span class="address">https://gazette.example.org/2019/harbour</span></a>') in first
    assert re.findall(r'<a class="backref" href="#(cite-[\d-]+)" aria-label="([^"]+)">(\w)</a>', first) == [
        ("cite-1-1", "Back to citation 1a", "a"), ("cite-1-2", "Back to citation 1b", "b")]
    second = sources[sources.index('id="source-2"'):]
    # one citing place: a single arrow, and the locator after it
    assert re.search(r'<a class="backref" href="#cite-2-1" aria-label="Back to citation 2">[^<]+</a>'
                     r' \(<span class="locator">12:30</span>\)', second)
    assert "https://gazette.example.org/2019/harbour</a>" not in text.replace('class="address">', "")


def test_sources_are_numbered_as_the_page_shows_them_and_a_hidden_marker_takes_no_number(make_site):
    # a site template that shows the birth date without its marker, and the employer first
    template = """\
        {% extends "fact.html" %}
        {% block fields %}
        <p class="employer">{{ rows.employer.html }}</p>
        <p class="born">{{ rows.born.html }}</p>
        {% endblock %}
        """
    result = build(make_site(variant(**{"templates/fact-person.html": template})))
    assert result.ok, messages(result)
    text = page(result, "people/ada-quill/index.html")
    assert 'class="cite"' not in text[text.index('<p class="born">'):text.index("</p>", text.index('<p class="born">'))]
    ids = set(re.findall(r' id="([^"]+)"', text))
    assert sorted(set(re.findall(r' href="#([^"]+)"', text)) - ids) == []
    assert 'aria-labelledby="sources-heading"' not in text  # nothing shown cites a source


def test_an_event_is_listed_under_events_and_not_again_under_mentioned_in(site):
    text = page(site, "people/ada-quill/index.html")
    event = 'href="/notes/events/2019-01-15-appointed/"'
    assert event in section(text, "events-heading")
    mentioned = section(text, "mentions-heading")
    assert event not in mentioned
    assert 'href="/notes/explainers/who-runs-the-harbour/"' in mentioned  # other mentions stay


def test_a_fact_sheets_body_comes_under_a_heading_of_its_own(make_site):
    heron = SITE["content/facts/ships/grey-heron.yml"].rstrip(" ") + "        body: Still afloat, and still in service.\n"
    own = SITE["content/facts/people/ada-quill.yml"].rstrip(" ") + "        body: |\n          ## Career\n\n          Pilot first.\n"
    result = build(make_site(variant(**{"content/facts/ships/grey-heron.yml": heron,
                                        "content/facts/people/ada-quill.yml": own})))
    assert result.ok, messages(result)
    text = page(result, "ships/grey-heron/index.html")
    notes = section(text, "notes-heading")
    assert '<h2 id="notes-heading">Notes</h2>' in notes and "Still afloat" in notes
    person = page(result, "people/ada-quill/index.html")
    assert "notes-heading" not in person and ">Career</h2>" in person  # a body with its own heading keeps it


NAV = """\
        nav:
          - {label: People, url: /people/}
          - {label: Timeline, url: /timeline/}
          - {label: Explainers, url: /#explainers}
          - {label: About, url: https://example.org/notes/about/}
          - {label: Elsewhere, url: https://example.com/people/}
        """


def nav_links(text: str) -> dict[str, str]:
    nav = text[text.index('<nav aria-label="Site">'):text.index("</nav>")]
    return {label: current for current, label in
            re.findall(r'<a href="[^"]*"(?: aria-current="([^"]+)")?>([^<]+)</a>', nav)}


@pytest.mark.parametrize("path, expected", [
    ("people/index.html", {"People": "page"}),
    ("people/ada-quill/index.html", {"People": "true"}),
    ("timeline/index.html", {"Timeline": "page"}),
    ("about/index.html", {"About": "page"}),
    ("index.html", {}),
    ("ships/grey-heron/index.html", {}),
])
def test_nav_marks_the_page_it_leads_to_and_the_pages_in_its_section(make_site, path, expected):
    result = build(make_site(variant(**{"site.yml": SITE["site.yml"].rstrip(" ") + NAV})))
    assert result.ok, messages(result)
    links = nav_links(page(result, path))
    assert set(links) == {"People", "Timeline", "Explainers", "About", "Elsewhere"}
    assert {label: current for label, current in links.items() if current} == expected


def test_the_default_nav_marks_the_type_of_a_fact_sheet(site):
    links = nav_links(page(site, "people/ada-quill/index.html"))
    assert links["People"] == "true"
    assert nav_links(page(site, "people/index.html"))["People"] == "page"
    assert nav_links(page(site, "timeline/index.html"))["Timeline"] == "page"
