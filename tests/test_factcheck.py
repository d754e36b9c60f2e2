"""The forms and checks that keep a fact-check honest: competing values, dates that cannot lie, mirrors
declared, archived copies, corrections, and claims attributed to whoever made them."""

from __future__ import annotations

import json
import re

import pytest

from site_builder.build import BuildOptions, BuildState, build_site

from conftest import build, messages, write_site

SITE_YML = """\
title: The Desk
base_url: https://example.org/desk/
sources: {require_via: true}
types:
  person:
    folder: people
    label: [Person, People]
    schema_org: Person
    fields:
      role: {type: text}
      born: {type: date}
  organization:
    folder: organizations
    label: [Organization, Organizations]
    schema_org: NewsMediaOrganization
    fields:
      url: {type: url}
      host: {type: list, of: text}
  car:
    folder: cars
    label: [Car, Cars]
    fields:
      price: {type: money}
      model: {type: text}
      length_mm: {type: number}
  claim:
    folder: claims
    label: [Claim, Claims]
    schema_org: ClaimReview
    fields:
      claim: {type: text, required: true}
      claimant: {type: party}
      appearance: {type: passage}
      verdict: {type: text}
"""

FILES = {
    "site.yml": SITE_YML,
    "content/facts/organizations/daily.yml": """
        name: Daily News
        summary: A newspaper.
        url: {value: "https://www.daily.example/", source: daily-1}
        """,
    "content/facts/organizations/wire.yml": """
        name: The Wire
        summary: A news agency.
        host: {value: [wire.example, wire-news.example], source: wire-1}
        """,
    "content/facts/sources/daily-1.yml": """
        title: Leader's age in doubt
        publisher: organizations/daily
        date: 2024-02-20
        url: https://daily.example/age
        """,
    "content/facts/sources/wire-1.yml": """
        title: Limousine handed over
        publisher: organizations/wire
        date: 2024-05-01
        url: https://news.wire-news.example/limo
        via: https://mirror.example/limo
        archive: https://archive.example/limo
        """,
    "content/facts/sources/wire-2.yml": """
        title: Copy of an agency story
        publisher: organizations/wire
        date: 2024-02
        via: https://aggregator.example/story
        """,
    "content/facts/people/kim.yml": """
        name: Kim
        summary: A leader who rides a [[cars/limo]] and is the subject of [[claims/age]].
        role: {value: Leader, source: daily-1}
        born:
          values:
            - {value: 1982, source: daily-1, note: as hinted at home}
            - {value: 1984, source: wire-1, note: as the US lists it}
          note: never confirmed
        """,
    "content/facts/cars/limo.yml": """
        name: Limo
        summary: An armoured car, from [[organizations/daily]] and [[organizations/wire]] reports.
        price:
          values:
            - {value: {amount: 1600000, currency: USD}, source: wire-1}
            - {value: {amount: 500000, currency: USD}, source: daily-1}
        model:
          values:
            - {value: limousine, source: wire-1}
            - {value: short sedan, source: wire-2}
        length_mm: {values: [{value: 6600, source: wire-1}, {value: 6200, source: daily-1}]}
        """,
    "content/facts/claims/age.yml": """
        name: "Claim: Kim is 40"
        summary: Disputed.
        claim: {value: Kim is 40, source: daily-1}
        claimant: {value: organizations/daily, source: daily-1, note: in its own words}
        appearance: {source: daily-1, locator: second paragraph}
        verdict: {value: disputed, source: wire-1}
        corrections:
          - {date: 2024-06-02, text: "We had charged the claim to [[organizations/wire]]."}
        """,
    "content/explainers/story.md": """
        ---
        title: The story
        summary: What happened.
        date: 2024-02-21
        updated: 2024-05-01
        corrections:
          - date: 2024-06-01
            text: We misspelt a name; see [@daily-1].
        ---

        [[people/kim]] got a car [@daily-1]. It was handed over [@wire-1, p. 2]. The copy [@wire-2].
        """,
}


@pytest.fixture
def site(make_site):
    return make_site(dict(FILES))


def page(result, path: str) -> str:
    data = result.outputs[path]
    return data.decode("utf-8") if isinstance(data, bytes) else data


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))


def test_the_example_site_is_clean_even_under_strict(site):
    result = build(site, strict=True)
    assert messages(result) == []


# ------------------------------------------------------------------------------------ competing values


def test_competing_values_are_shown_side_by_side_as_disputed(site):
    html = page(build(site), "people/kim/index.html")
    row = re.search(r'<tr class="field-born">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="disputed">Disputed</span><ul class="competing"' in row
    values = re.findall(r'<li><span class="value">(.*?)</span>(.*?)</li>', row)
    assert [re.sub("<[^>]+>", "", v) for v, _ in values] == ["1982", "1984"]
    assert all('class="cite"' in rest for _, rest in values)  # each value with its own source
    assert "as hinted at home" in values[0][1] and "never confirmed" in row


def test_lists_and_cards_show_a_range_or_disputed_never_one_value(site):
    result = build(site)
    index, refs = result.index, None
    from site_builder.pages.citations import PageRefs
    from site_builder.pages.context import sheet_card
    refs = PageRefs(index)
    car = sheet_card(index, refs, "cars/limo")
    assert str(car["field"]["price"]) == "500,000–1,600,000 USD"
    assert str(car["field"]["model"]) == "disputed"
    assert "6200–6600" in str(car["field"]["length_mm"])
    assert car["disputed"] == ["price", "model", "length_mm"]
    assert "1982–1984" in str(sheet_card(index, refs, "people/kim")["field"]["born"])


def test_the_export_and_json_ld_carry_every_competing_value(site):
    result = build(site)
    facts = {f["id"]: f for f in json.loads(page(result, "data/facts.json"))["facts"]}
    born = facts["people/kim"]["fields"]["born"]
    assert born["disputed"] is True and "value" not in born
    assert [(v["value"], v["sources"], v.get("note")) for v in born["values"]] == [
        ("1982", ["sources/daily-1"], "as hinted at home"), ("1984", ["sources/wire-1"], "as the US lists it")]
    assert born["note"] == "never confirmed"
    graph = json_ld(page(result, "people/kim/index.html"))["@graph"]
    person = next(n for n in graph if n["@type"] == "Person")
    assert person["birthDate"] == ["1982", "1984"]


@pytest.mark.parametrize("field, expected", [
    ("born: {values: [{value: 1982, source: daily-1}]}",
     "people/kim.yml:4:16: error: 'values' of 'born' must list at least two values"),
    ("born: {values: [{value: 1982, source: daily-1}, 1984]}",
     "people/kim.yml:4:49: error: each competing value needs 'value' and its 'source'"),
    ("born: {values: [{value: 1982}, {value: 1984}], source: daily-1}",
     "people/kim.yml:4:48: error: unknown key 'source' beside 'values'"),
    ("born: {values: [{value: 1982, source: daily-1}, {value: 1984}]}",
     "people/kim.yml:4:57: warning: unsourced fact 'born'"),
    ("born: {values: [{value: 1982, source: daily-1}, {value: 19840, source: daily-1}]}",
     "people/kim.yml:4:57: error: 'born': expected a date such as 2024, 2024-02 or 2024-02-18"),
])
def test_mistakes_in_competing_values_are_located(make_site, field, expected):
    files = dict(FILES)
    files["content/facts/people/kim.yml"] = ("name: Kim\nsummary: A leader of [[cars/limo]] and [[claims/age]].\n"
                                             f"role: {{value: Leader, source: daily-1}}\n{field}\n")
    result = build(make_site(files))
    assert any(m.startswith("content/facts/" + expected) for m in messages(result)), messages(result)


def test_a_built_in_field_holds_one_value(make_site):
    files = dict(FILES)
    files["content/facts/sources/wire-2.yml"] = ("title: Copy\npublisher: organizations/wire\nvia: https://a.example/x\n"
                                                 "date: {values: [{value: 2024}, {value: 2023}]}\n")
    result = build(make_site(files))
    assert "content/facts/sources/wire-2.yml:4:16: error: 'date' cannot hold competing values here" in \
        "\n".join(messages(result))


# ------------------------------------------------------------------------------------ dates that cannot lie


def story(updated: str = "", date: str = "2024-02-21", cite: str = "[@wire-1]") -> str:
    return (f"---\ntitle: The story\nsummary: What happened.\ndate: {date}\n{updated}---\n\n"
            f"[[people/kim]] got a car [@daily-1]. Later {cite}.\n")


def test_citing_a_later_source_without_updated_is_a_warning_naming_both_dates(make_site):
    site = make_site({**FILES, "content/explainers/story.md": story()})
    result = build(site)
    assert messages(result) == [
        "content/explainers/story.md:7:45: warning: this explainer is dated 2024-02-21 but cites 'wire-1', "
        "dated 2024-05-01, and has no 'updated' date\n"
        "    hint: add 'updated: 2024-05-01' (or a later date) to the front matter"]
    assert result.ok and not build(site, strict=True).ok


@pytest.mark.parametrize("updated, warned", [
    ("updated: 2024-04-30\n", True), ("updated: 2024-05-01\n", False), ("updated: 2024-05\n", False),
    ("updated: 2025\n", False), ("", True),
])
def test_updated_must_reach_the_newest_cited_source(make_site, updated, warned):
    result = build(make_site({**FILES, "content/explainers/story.md": story(updated)}))
    assert any("cites 'wire-1'" in m for m in messages(result)) == warned


def test_a_date_known_only_to_the_month_is_not_after_a_day_in_it(make_site):
    # wire-2 is dated 2024-02: it may be from before 21 February, so nothing is claimed
    result = build(make_site({**FILES, "content/explainers/story.md": story(cite="[@wire-2]")}))
    assert messages(result) == []


def test_a_correction_moves_updated_forward(make_site):
    result = build(make_site(dict(FILES)))
    doc = result.index.item("explainers/story")
    assert doc.updated.iso() == "2024-06-01"
    html = page(result, "explainers/story/index.html")
    article = next(n for n in json_ld(html)["@graph"] if n["@type"] == "NewsArticle")
    assert article["dateModified"] == "2024-06-01"
    assert 'updated <time datetime="2024-06-01">' in html


def test_a_new_date_on_a_source_checks_the_explainers_that_cite_it_again(make_site):
    site = make_site({**FILES, "content/explainers/story.md": story("updated: 2024-05-01\n")})
    state = BuildState()
    options = BuildOptions(disk_cache=False)
    assert messages(build_site(site, options, write=False, cache=state)) == []
    source = site / "content/facts/sources/wire-1.yml"
    source.write_text(source.read_text().replace("date: 2024-05-01", "date: 2024-07-09"))
    again = build_site(site, options, write=False, cache=state, changed=[str(source)])
    assert [m.splitlines()[0] for m in messages(again)] == [
        "content/explainers/story.md:8:45: warning: this explainer is dated 2024-02-21, updated 2024-05-01, "
        "but cites 'wire-1', dated 2024-07-09"]
    assert messages(again) == messages(build(site))


# ------------------------------------------------------------------------------------ mirrors and archives


def test_a_source_off_its_publishers_host_must_say_via(make_site):
    files = dict(FILES)
    files["content/facts/sources/daily-1.yml"] = FILES["content/facts/sources/daily-1.yml"].replace(
        "https://daily.example/age", "https://mirror.example/age")
    result = build(make_site(files))
    assert messages(result) == [
        "content/facts/sources/daily-1.yml:4:6: error: source 'daily-1' is read on mirror.example, not on its "
        "publisher's site (daily.example)\n"
        "    hint: put the address of the copy you read in via:, and the original's address, if you know it, in url:"]


def test_via_is_not_required_unless_the_site_asks(make_site):
    files = dict(FILES, **{"site.yml": SITE_YML.replace("sources: {require_via: true}\n", "")})
    files["content/facts/sources/daily-1.yml"] = FILES["content/facts/sources/daily-1.yml"].replace(
        "https://daily.example/age", "https://mirror.example/age")
    assert messages(build(make_site(files))) == []


def test_the_original_is_linked_first_then_the_copy_read_then_the_archive(site):
    html = page(build(site), "explainers/story/index.html")
    entry = re.search(r'<li id="source-2".*?</li>', html, re.S).group(0)
    original, copy, archive = (entry.index(a) for a in ("https://news.wire-news.example/limo",
                                                         "https://mirror.example/limo", "https://archive.example/limo"))
    assert original < copy < archive
    assert "(read via" in entry and ">archived copy</a>" in entry
    only_copy = re.search(r'<li id="source-3".*?</li>', html, re.S).group(0)
    assert ". Read via <a" in only_copy and "aggregator.example" in only_copy
    sheet = page(build(site), "sources/wire-1/index.html")
    assert "<th scope=\"row\">Read via</th>" in sheet and "<th scope=\"row\">Archived copy</th>" in sheet


@pytest.mark.parametrize("setting, expected", [
    ("sources: [require_via]", "site.yml:3:10: error: sources must be a mapping, e.g. {require_via: true}"),
    ("sources: {require_mirror: true}", "site.yml:3:11: error: unknown sources setting 'require_mirror'"),
    ("sources: {require_via: yes please}", "site.yml:3:24: error: sources.require_via must be true or false"),
])
def test_the_sources_setting_is_checked(make_site, setting, expected):
    site = make_site({**FILES, "site.yml": SITE_YML.replace("sources: {require_via: true}", setting)})
    assert messages(build(site))[0].startswith(expected)


def test_an_archive_address_is_checked_as_an_address(make_site):
    files = dict(FILES)
    files["content/facts/sources/wire-1.yml"] = FILES["content/facts/sources/wire-1.yml"].replace(
        "https://archive.example/limo", "archive.example/limo")
    assert "content/facts/sources/wire-1.yml:6:10: error: 'archive' must be an http(s) address" in \
        messages(build(make_site(files)))[0]


# ------------------------------------------------------------------------------------ corrections


def test_corrections_stand_at_the_foot_of_the_page_and_on_the_corrections_page(site):
    result = build(site)
    html = page(result, "explainers/story/index.html")
    foot = html[html.index('<section class="corrections"'):]
    assert '<li id="correction-2024-06-01">' in foot and "We misspelt a name" in foot
    assert html.index('<section class="corrections"') > html.index('class="body"')
    log = page(result, "corrections/index.html")
    entries = re.findall(r'<a href="(/desk/[^"]+#correction-[^"]+)">([^<]+)</a>', log)
    assert entries == [("/desk/claims/age/#correction-2024-06-02", "Claim: Kim is 40"),
                       ("/desk/explainers/story/#correction-2024-06-01", "The story")]  # newest first
    assert "https://example.org/desk/corrections/" in page(result, "sitemap.xml")


def test_the_feed_carries_every_correction(site):
    feed = page(build(site), "feed.xml")
    assert "<title>Correction: The story</title>" in feed and "<title>Correction: Claim: Kim is 40</title>" in feed
    assert "<id>https://example.org/desk/explainers/story/#correction-2024-06-01</id>" in feed
    assert "<summary>We misspelt a name; see.</summary>" in feed  # as plain text: no citation marker
    assert feed.index("<updated>2024-06-02T00:00:00Z</updated>") < feed.index("<entry>")


def test_a_page_named_corrections_opens_the_list(make_site):
    files = {**FILES, "content/pages/corrections.md": "---\ntitle: Corrections policy\n---\n\nWe correct openly.\n"}
    result = build(make_site(files))
    assert messages(result) == []
    html = page(result, "corrections/index.html")
    assert "<h1>Corrections policy</h1>" in html and "We correct openly." in html
    assert html.index("We correct openly.") < html.index("Every correction")
    assert [r.kind for r in result.routes if r.url == "/desk/corrections/"] == ["corrections"]


def test_the_corrections_pages_own_corrections_are_where_their_links_lead(make_site):
    files = {**FILES, "content/pages/corrections.md": "---\ntitle: Corrections\ncorrections:\n"
             "  - {date: 2024-07-01, text: We said the wrong thing.}\n  - {date: 2024-07-01, text: And again.}\n---\n\nHi.\n"}
    result = build(make_site(files))
    assert messages(result) == []
    html = page(result, "corrections/index.html")
    for anchor in ("correction-2024-07-01", "correction-2024-07-01-2"):
        assert f'href="/desk/corrections/#{anchor}"' in html and html.count(f'id="{anchor}"') == 1


def test_no_corrections_no_corrections_page(make_site):
    files = {k: v for k, v in FILES.items()}
    files["content/explainers/story.md"] = story("updated: 2024-05-01\n")
    files["content/facts/claims/age.yml"] = FILES["content/facts/claims/age.yml"].split("corrections:")[0]
    result = build(make_site(files))
    assert "corrections/index.html" not in result.outputs


@pytest.mark.parametrize("entry, expected", [
    ("  - {date: 2024-13-01, text: x}", "7:12: error: correction date: impossible date '2024-13-01': there is no month 13"),
    ("  - {text: x}", "7:5: error: each correction needs a 'date': the day it was made"),
    ("  - {date: 2024-06-01}", "7:5: error: each correction needs 'text': what was wrong, and what was changed"),
    ("  - {date: 2024-06-01, text: x, by: me}", "7:33: error: unknown correction key 'by'"),
    ("  - a note", "7:5: error: each correction needs 'date' and 'text'"),
])
def test_mistakes_in_corrections_are_located(make_site, entry, expected):
    text = f"---\ntitle: The story\nsummary: What happened.\ndate: 2024-02-21\nupdated: 2024-05-01\ncorrections:\n{entry}\n---\n\n[[people/kim]].\n"
    result = build(make_site({**FILES, "content/explainers/story.md": text}))
    assert [m for m in messages(result) if "story.md" in m][0].startswith("content/explainers/story.md:" + expected)


# ------------------------------------------------------------------------------------ claim attribution


def test_who_said_it_and_where_is_explicit_on_the_page_and_in_json_ld(site):
    result = build(site)
    html = page(result, "claims/age/index.html")
    row = re.search(r'<tr class="field-appearance">(.*?)</tr>', html, re.S).group(1)
    assert 'href="/desk/sources/daily-1/"' in row and '<span class="locator">second paragraph</span>' in row
    assert 'class="cite"' in row
    review = next(n for n in json_ld(html)["@graph"] if n["@type"] == "ClaimReview")
    claim = review["itemReviewed"]
    assert claim["author"] == {"@type": "NewsMediaOrganization", "name": "Daily News",
                               "url": "https://example.org/desk/organizations/daily/"}
    assert claim["appearance"]["url"] == "https://daily.example/age"
    assert claim["appearance"]["description"] == "second paragraph"
    assert claim["datePublished"] == "2024-02-20"


def test_a_claim_charged_to_a_source_is_authored_by_its_publisher(make_site):
    files = dict(FILES)
    files["content/facts/claims/age.yml"] = FILES["content/facts/claims/age.yml"].replace(
        "claimant: {value: organizations/daily,", "claimant: {value: sources/daily-1,")
    html = page(build(make_site(files)), "claims/age/index.html")
    review = next(n for n in json_ld(html)["@graph"] if n["@type"] == "ClaimReview")
    assert review["itemReviewed"]["author"]["name"] == "Daily News"


@pytest.mark.parametrize("line, expected", [
    ("claimant: {value: A spokesman, source: daily-1}",
     "4:19: warning: 'claimant' is free text, not the id of a fact sheet (person, organization or source)"),
    ("claimant: {value: cars/limo, source: daily-1}",
     "4:19: error: 'cars/limo' is a car, but 'claimant' must refer to a person or an organization or a source"),
    ("claimant: {value: people/nobody, source: daily-1}", "4:19: error: unknown reference 'people/nobody'"),
])
def test_a_claimant_must_be_a_person_an_organization_or_a_source(make_site, line, expected):
    files = dict(FILES)
    files["content/facts/claims/age.yml"] = re.sub(r"claimant: .*", line, FILES["content/facts/claims/age.yml"])
    result = build(make_site(files))
    assert [m for m in messages(result) if "age.yml" in m][0].startswith("content/facts/claims/age.yml:" + expected)


@pytest.mark.parametrize("line, expected", [
    ("appearance: {source: daily-1}", "5:13: error: 'appearance' needs a locator: the place in the source"),
    ("appearance: daily-1", "5:13: error: 'appearance' must be {source: <source-id>, locator: <the place in it>}"),
    ("appearance: {source: [daily-1], locator: p. 1}", "5:22: error: 'appearance' names one source"),
    ("appearance: {source: daily-9, locator: p. 1}", "5:22: error: unknown source 'daily-9'"),
])
def test_mistakes_in_a_passage_are_located(make_site, line, expected):
    files = dict(FILES)
    files["content/facts/claims/age.yml"] = re.sub(r"appearance: .*", line, FILES["content/facts/claims/age.yml"])
    result = build(make_site(files))
    assert [m for m in messages(result) if "age.yml" in m][0].startswith("content/facts/claims/age.yml:" + expected)


def test_new_forms_survive_the_saved_state_of_a_command_line_build(site):
    first = build_site(site, BuildOptions(), write=True)
    assert first.ok
    source = site / "content/facts/sources/wire-1.yml"
    source.write_text(source.read_text().replace("date: 2024-05-01", "date: 2024-08-01"))
    again = build_site(site, BuildOptions(), write=True)  # from the state the first build saved
    assert [m.splitlines()[0] for m in messages(again)] == [
        "content/explainers/story.md:11:58: warning: this explainer is dated 2024-02-21, updated 2024-06-01, "
        "but cites 'wire-1', dated 2024-08-01"]
    write_site(site, {"content/explainers/story.md": FILES["content/explainers/story.md"].replace(
        "updated: 2024-05-01", "updated: 2024-08-01")})
    assert messages(build_site(site, BuildOptions(), write=True)) == []


# ------------------------------------------------------------------------------------ in the site's language


def test_a_fact_check_site_in_korean_says_everything_in_korean(make_site):
    files = dict(FILES, **{"site.yml": SITE_YML.replace("sources: {require_via: true}\n",
                                                        "sources: {require_via: true}\nlanguage: ko\n")})
    files["content/explainers/story.md"] = FILES["content/explainers/story.md"].replace(
        "updated: 2024-05-01\n", "updated: 2024-05-01\n        redirect_from: [/old-story/]\n")
    result = build(make_site(files))
    assert messages(result) == []
    kim = page(result, "people/kim/index.html")
    assert '<span class="disputed">이견 있음</span><ul class="competing" aria-label="서로 다른 값 2개">' in kim
    from site_builder.pages.citations import PageRefs
    from site_builder.pages.context import sheet_card
    assert str(sheet_card(result.index, PageRefs(result.index), "cars/limo")["field"]["model"]) == "이견 있음"
    story = page(result, "explainers/story/index.html")
    assert 'class="cite" title="Leader&#x27;s age in doubt" aria-label="출처 1">1</a>' in story
    assert '</a> (경유: <a class="ext via" href="https://mirror.example/limo"' in story
    assert '<a class="ext archive" href="https://archive.example/limo" rel="noopener">보관된 사본</a>' in story
    assert '2024년 2월. 경유: <a class="ext via" href="https://aggregator.example/story"' in story
    log = page(result, "corrections/index.html")
    assert "<title>정정 · The Desk</title>" in log and '<meta name="description" content="The Desk의 모든 정정.">' in log
    assert '<h2 id="log-heading">모든 정정</h2>' in log and '>The story</a> <span class="kind">해설</span>' in log
    feed = page(result, "feed.xml")
    assert "<title>정정: The story</title>" in feed and "<title>정정: Claim: Kim is 40</title>" in feed
    moved = page(result, "old-story/index.html")
    assert '<p>이 페이지의 새 주소는 <a href="/desk/explainers/story/">https://example.org/desk/explainers/story/</a>입니다.</p>' in moved
    explainers = page(result, "explainers/index.html")
    assert "<title>해설 · The Desk</title>" in explainers and 'content="The Desk의 모든 해설."' in explainers
    english = re.compile(r"Disputed|competing value|[Rr]ead via|archived copy|Every correction|Correction:|has moved|"
                         r'aria-label="Source|Every explainer|>Explainer<')
    for path in ("people/kim/index.html", "cars/limo/index.html", "explainers/story/index.html", "corrections/index.html",
                 "feed.xml", "old-story/index.html", "explainers/index.html"):
        assert not english.search(page(result, path)), path


def test_a_corrections_page_without_corrections_in_german(make_site):
    files = {"site.yml": SITE_YML + "language: de\n",
             "content/pages/corrections.md": "---\ntitle: Korrekturen\nsummary: So korrigieren wir.\ndate: 2024-01-01\n"
                                             "updated: 2024-03-01\n---\n\nWir korrigieren offen.\n"}
    html = page(build(make_site(files)), "corrections/index.html")
    assert '<p class="meta">Aktualisiert am <time datetime="2024-03-01">1. März 2024</time></p>' in html
    assert '<h2 id="log-heading">Alle Korrekturen</h2>' in html and "<p>Bisher keine Korrekturen.</p>" in html
    assert "Updated" not in html and "No corrections" not in html
