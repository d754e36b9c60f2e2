"""Languages: the theme's catalogs, dates per language, right-to-left scripts, and a site published in several
languages (routes, hreflang, the switcher, feeds, references from a translated page, lists, structured data)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import jinja2
import pytest
from babel.messages.checkers import python_format

from site_builder.build import BuildOptions, build_site
from site_builder.i18n import catalogs
from site_builder import search
from site_builder.i18n.locales import direction, format_partial, known, language_name
from site_builder.model import PartialDate

from conftest import build, messages

SITE_YML = """\
title: Test Site
base_url: https://example.org/t/
language: en
languages: [en, ko, ar]
types:
  person:
    folder: people
    label: [Person, People]
    fields:
      role: {type: text, required: true}
      born: {type: date}
"""

FILES = {
    "site.yml": SITE_YML,
    "content/facts/people/ada.yml": """\
        name: Ada Lovelace
        summary: A mathematician [@s-one].
        role: {value: writer, source: s-one}
        born: {value: 1815-12, source: s-one}
        translations:
          ko:
            name: 에이다 러브레이스
            summary: 수학자 [@s-one].
            body: 그는 [[bob]]과 일했다.
        """,
    "content/facts/people/bob.yml": "name: Bob\nsummary: An engineer.\nrole: {value: engineer, source: s-one}\n",
    "content/facts/sources/s-one.yml": "title: First report\ndate: 2024-01-02\n",
    "content/explainers/first.md": """\
        ---
        title: First
        summary: A story.
        date: 2024-03-01
        authors: [Desk]
        tags: [news]
        about: [people/ada]
        ---

        About [[people/ada]], [[people/bob]] and [[explainers/second]] [@s-one].
        """,
    "content/explainers/second.md": "---\ntitle: Second\nsummary: Another story.\ndate: 2024-02-01\n---\n\nOf [[bob]].\n",
    "content/explainers/first.ko.md": """\
        ---
        title: 첫째 이야기
        summary: 이야기 하나.
        ---

        [[people/ada]], [[people/bob]], [[bob|밥]], [[explainers/second]] [@s-one].
        """,
    "content/pages/about.md": "---\ntitle: About\n---\n\nHello.\n",
    "content/pages/about.ko.md": "---\ntitle: 소개\n---\n\n안녕하세요. [English](about.md)\n",
}


def text(result, out_path: str) -> str:
    data = result.outputs[out_path]
    return (data if isinstance(data, bytes) else data.read_bytes()).decode("utf-8")


@pytest.fixture
def site(make_site):
    result = build(make_site(FILES))
    assert result.ok, messages(result)
    assert messages(result) == []
    return result


# ---- the catalogs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", catalogs.SHIPPED)
def test_every_theme_string_is_translated_in_each_shipped_catalog(language):
    wanted = catalogs.theme_messages()
    assert len(wanted) >= 40 and "Skip to content" in wanted and "Timeline" in wanted
    catalog = catalogs.read_catalog(catalogs.catalog_file(language))
    plurals = {m.id[1] for m in catalog if isinstance(m.id, tuple)}
    problems = []
    for message_id, where in wanted.items():
        if message_id in plurals:
            continue
        message = catalog.get(message_id)
        if message is None:
            problems.append(f"{where}: {message_id!r} is not in {language}.po")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(f"{where}: {message_id!r} is not translated in {language}.po")
        try:
            python_format(catalog, message)  # the same %(name)s placeholders as the original
        except Exception as exc:
            problems.append(f"{where}: {message_id!r} in {language}.po: {exc}")
    stale = [m.id for m in catalog if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in wanted]
    assert problems == [] and stale == []


_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more, in any script


def _untranslated(source: str) -> list[str]:
    """Words a template shows as it is, outside {% trans %} blocks and _(), gettext() and ngettext() calls: its text
    between tags, the text of aria-label, title, alt and placeholder attributes, and phrases in string literals."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found, data, in_trans, calls, prev = [], [], False, [], ("", "")
    for line, kind, value in env.lex(source):
        if kind == "name" and value in ("trans", "endtrans") and prev[0] == "block_begin":
            in_trans = value == "trans"
        elif kind == "data" and not in_trans:
            data.append(value)
        elif kind == "operator" and value == "(":
            calls.append(prev[0] == "name" and prev[1] in ("_", "gettext", "ngettext"))
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string" and not in_trans and not (calls and calls[-1]):
            text = value[1:-1]
            if " " in text.strip() and _WORD.search(text) and not text.startswith("<"):  # a phrase, not a name or a tag
                found.append(f"line {line}: {value}")
        if kind != "whitespace":
            prev = (kind, value)
    html = re.sub(r"<!--.*?-->", " ", "".join(data), flags=re.S)
    found += [f'{name}="{value}"' for name, value in re.findall(r'\b(aria-label|title|alt|placeholder)="([^"]*)"', html)
              if _WORD.search(value)]
    shown = re.sub(r"&#?\w+;", " ", re.sub(r"<[^>]*>", " ", html))
    return found + _WORD.findall(shown)


@pytest.mark.parametrize("name", sorted(p.name for p in catalogs.LOCALE_DIR.parent.iterdir() if p.suffix in (".html", ".xml")))
def test_every_word_the_theme_shows_is_marked_for_translation(name):
    assert _untranslated((catalogs.LOCALE_DIR.parent / name).read_text("utf-8")) == []


def test_the_check_for_words_left_untranslated_finds_them():
    source = ('<nav aria-label="Pages of this list"><p>Page {{ n }} of {{ m }}</p>{{ jump(p, "Jump to a year") }}'
              '<a title="{{ _(\'Fine\') }}">{% trans %}Fine too{% endtrans %}</a>{{ _("Also fine", x="a b") }}'
              '<img alt="" src="x.png">&nbsp;{{ x|join(", ") }}{% if y in ("<h2", "<div class=\'a b\'") %}{% endif %}</nav>')
    assert _untranslated(source) == ['line 1: "Jump to a year"', 'aria-label="Pages of this list"', "Page", "of"]


@pytest.mark.parametrize("language,expected", [("en", "Timeline"), ("de", "Zeitleiste"), ("fr", "Chronologie"),
                                               ("ru", "Хронология"), ("ko", "연표"), ("pt-BR", "Timeline")])
def test_catalogs_load_for_each_language(language, expected):
    assert catalogs.translations(language).gettext("Timeline") == expected
    assert catalogs.gettext(language, "%(plural)s on this site.", plural="X").count("X") == 1


def test_a_regional_language_takes_its_base_languages_catalog():
    assert catalogs.catalog_file("de-AT").name == "de.po"
    assert catalogs.catalog_file("es") is None  # no catalog: the theme's English


def test_plural_forms_follow_the_language():
    ru = catalogs.translations("ru")
    forms = [ru.ngettext("%(num)d dated event.", "%(num)d dated events.", n) % {"num": n} for n in (1, 3, 5)]
    assert forms == ["1 датированное событие.", "3 датированных события.", "5 датированных событий."]


# ---- dates, names and direction -------------------------------------------------------------------------------


@pytest.mark.parametrize("language,day,month,year", [
    ("en", "March 1, 2024", "March 2024", "2024"),
    ("en-GB", "1 March 2024", "March 2024", "2024"),
    ("de", "1. März 2024", "März 2024", "2024"),
    ("fr", "1 mars 2024", "mars 2024", "2024"),
    ("ru", "1 марта 2024\u202fг.", "март 2024\u202fг.", "2024"),  # a narrow no-break space before г.
    ("ko", "2024년 3월 1일", "2024년 3월", "2024년"),
])
def test_dates_are_written_as_each_language_writes_them_and_a_partial_date_stays_partial(language, day, month, year):
    assert PartialDate(2024, 3, 1).display(language) == day
    assert PartialDate(2024, 3).display(language) == month
    assert PartialDate(2024).display(language) == year
    assert format_partial(2024, 3, 0, language) == month


def test_languages_known_named_and_directed():
    assert known("ko") and known("pt-BR") and not known("xx") and not known("EN") and not known("en_GB")
    assert [direction(c) for c in ("ar", "he", "fa", "ur", "en", "ko")] == ["rtl"] * 4 + ["ltr"] * 2
    assert language_name("ko") == "한국어" and language_name("ru") == "Русский" and language_name("en-GB") == "English"
    assert language_name("en", "ko") == "영어"


# ---- a site in three languages -------------------------------------------------------------------------------


def test_translations_are_served_under_their_language(site):
    paths = set(site.outputs)
    assert {"ko/index.html", "ko/explainers/first/index.html", "ko/about/index.html", "ko/people/ada/index.html",
            "ko/feed.xml", "ko/search/index.html", "ar/index.html", "ar/feed.xml"} <= paths
    # a fact page exists in a language only where the sheet has that translation; lists stay in the site's
    assert "ko/people/bob/index.html" not in paths and "ar/people/ada/index.html" not in paths
    assert "ko/explainers/second/index.html" not in paths and "ko/timeline/index.html" not in paths


def test_every_version_carries_hreflang_alternates_and_x_default(site):
    for path in ("explainers/first/index.html", "ko/explainers/first/index.html"):
        page = text(site, path)
        assert '<link rel="alternate" hreflang="en" href="https://example.org/t/explainers/first/">' in page
        assert '<link rel="alternate" hreflang="ko" href="https://example.org/t/ko/explainers/first/">' in page
        assert '<link rel="alternate" hreflang="x-default" href="https://example.org/t/explainers/first/">' in page
        assert 'hreflang="ar"' not in page.split("</head>")[0]  # no Arabic version of it
    assert "hreflang" not in text(site, "explainers/second/index.html").split("</head>")[0]  # one version only
    home = text(site, "ko/index.html")
    assert all(f'hreflang="{code}"' in home for code in ("en", "ko", "ar", "x-default"))


def test_the_language_switcher_lists_the_versions_and_marks_the_current_one(site):
    page = text(site, "ko/explainers/first/index.html")
    switcher = re.search(r'<nav class="languages" aria-label="언어">(.*?)</nav>', page, re.S).group(1)
    assert '<a href="/t/explainers/first/" hreflang="en" lang="en">English</a>' in switcher
    assert '<a href="/t/ko/explainers/first/" hreflang="ko" lang="ko" aria-current="page">한국어</a>' in switcher
    assert 'class="languages"' not in text(site, "explainers/second/index.html")
    assert 'lang="ar" dir="rtl">العربية</a>' in text(site, "index.html")


def test_a_translated_page_speaks_its_language(site):
    page = text(site, "ko/explainers/first/index.html")
    assert page.startswith('<!doctype html>\n<html lang="ko">')
    assert "본문으로 건너뛰기" in page and "출처" in page and "Skip to content" not in page
    assert '<time datetime="2024-03-01">2024년 3월 1일</time>' in page  # the original's date, in Korean
    assert "글: Desk" in page and 'href="/t/tags/news/"' in page  # authors and tags are the original's
    assert '<meta property="og:locale" content="ko">' in page
    assert '<link rel="alternate" type="application/atom+xml" title="Test Site" href="/t/ko/feed.xml">' in page
    assert 'action="/t/ko/search/"' in page
    assert '<html lang="ar" dir="rtl">' in text(site, "ar/index.html")
    assert '<html lang="en">' in text(site, "explainers/first/index.html")


def test_references_from_a_translated_page_go_to_the_version_in_its_language(site):
    body = text(site, "ko/explainers/first/index.html").split('<div class="body">')[1].split("</div>")[0]
    # the sheet has a Korean translation: its Korean page and name
    assert '<a class="ref" href="/t/ko/people/ada/" data-ref="people/ada">에이다 러브레이스</a>' in body
    # none: the sheet's own page, its name marked as English; the writer's own text is not marked
    assert '<a class="ref" href="/t/people/bob/" data-ref="people/bob" hreflang="en" lang="en">Bob</a>' in body
    assert '<a class="ref" href="/t/people/bob/" data-ref="people/bob" hreflang="en">밥</a>' in body
    assert 'href="/t/explainers/second/" data-ref="explainers/second" hreflang="en" lang="en">Second</a>' in body
    # and from the English original, the English pages
    english = text(site, "explainers/first/index.html")
    assert '<a class="ref" href="/t/people/ada/" data-ref="people/ada">Ada Lovelace</a>' in english
    # a file link names the file it means: the Korean page links to the English one
    assert 'href="/t/about/">English</a>' in text(site, "ko/about/index.html")


def test_a_translation_linking_to_its_original_is_not_among_the_originals_mentions(make_site):
    files = {**FILES, "content/explainers/second.ko.md": "---\ntitle: 둘째\nsummary: 또.\n---\n\n[English](second.md)\n"}
    result = build(make_site(files))
    assert result.ok, messages(result)
    mentions = text(result, "explainers/second/index.html").split('id="mentions-heading"')[1].split("</aside>")[0]
    assert 'href="/t/explainers/first/"' in mentions and "/explainers/second/" not in mentions


def test_a_fact_sheets_translation_has_its_own_page(site):
    page = text(site, "ko/people/ada/index.html")
    assert "<h1>에이다 러브레이스</h1>" in page and "수학자" in page
    assert '<th scope="row" lang="en">Role</th><td lang="en">writer' in page  # the fields stay as written
    assert '<time datetime="1815-12">1815년 12월</time>' in page
    assert "그는 <a class=\"ref\" href=\"/t/people/bob/\"" in page
    mentioned = page.split('id="mentions-heading"')[1]
    assert 'href="/t/ko/explainers/first/">첫째 이야기</a>' in mentioned and ">First<" not in mentioned


def test_lists_show_the_version_in_the_pages_language_and_mark_the_others(site):
    home = text(site, "ko/index.html")
    assert '<a href="/t/ko/explainers/first/">첫째 이야기</a>' in home
    assert '<a href="/t/explainers/second/" hreflang="en" lang="en">Second</a> <span class="in-language">영어</span>' in home
    assert '<p lang="en">Another story.</p>' in home
    english = text(site, "index.html")
    assert "첫째" not in english and english.count('href="/t/explainers/first/"') == 1
    # the English fact page lists the explainer once, in English, though both versions mention Ada
    mentions = text(site, "people/ada/index.html").split('id="mentions-heading"')[1]
    assert mentions.count("<li>") == 1 and ">First</a>" in mentions


def test_each_language_has_its_own_feed(site):
    ko = text(site, "ko/feed.xml")
    assert 'xml:lang="ko"' in ko and "<title>첫째 이야기</title>" in ko and "<title>Second</title>" not in ko
    assert '<link rel="alternate" type="text/html" href="https://example.org/t/ko/"/>' in ko
    en = text(site, "feed.xml")
    assert "<title>First</title>" in en and "<title>Second</title>" in en and "첫째" not in en
    assert "<entry>" not in text(site, "ar/feed.xml")


def test_one_sitemap_lists_every_version_with_its_alternates(site):
    sitemap = text(site, "sitemap.xml")
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in sitemap
    entry = re.search(r"<url><loc>https://example.org/t/ko/people/ada/</loc>(.*?)</url>", sitemap).group(1)
    assert entry == ('<xhtml:link rel="alternate" hreflang="en" href="https://example.org/t/people/ada/"/>'
                     '<xhtml:link rel="alternate" hreflang="ko" href="https://example.org/t/ko/people/ada/"/>'
                     '<xhtml:link rel="alternate" hreflang="x-default" href="https://example.org/t/people/ada/"/>')
    assert "<url><loc>https://example.org/t/people/bob/</loc></url>" in sitemap


def test_structured_data_gives_each_versions_language(site):
    def graph(path):
        return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text(site, path),
                                    re.S).group(1))["@graph"]
    article = next(n for n in graph("ko/explainers/first/index.html") if n["@type"] == "NewsArticle")
    assert article["inLanguage"] == "ko" and article["headline"] == "첫째 이야기"
    assert article["translationOfWork"] == {"@id": "https://example.org/t/explainers/first/#main"}
    assert article["datePublished"] == "2024-03-01"
    webpage, person = graph("ko/people/ada/index.html")[1:3]
    assert webpage["inLanguage"] == "ko" and webpage["name"] == person["name"] == "에이다 러브레이스"
    assert person["@id"] == "https://example.org/t/people/ada/#entity"  # one entity, whatever the page's language


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.langs: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "id" in found:
            self.ids.append(found["id"])
        for name in ("lang", "hreflang"):
            if name in found:
                self.langs.append(found[name])


def test_pages_keep_unique_ids_and_valid_lang_attributes(site):
    for path, data in site.outputs.items():
        if not path.endswith(".html"):
            continue
        parser = _Page()
        parser.feed(text(site, path))
        assert len(parser.ids) == len(set(parser.ids)), path
        assert all(code == "x-default" or known(code) for code in parser.langs), path


# ---- settings and mistakes ------------------------------------------------------------------------------------


def test_a_site_in_one_language_gets_no_alternates_and_its_language_everywhere(make_site):
    files = {k: v for k, v in FILES.items() if ".ko." not in k}
    files["site.yml"] = SITE_YML.replace("languages: [en, ko, ar]\n", "").replace("language: en", "language: de")
    files["content/facts/people/ada.yml"] = FILES["content/facts/people/ada.yml"].split("translations:")[0]
    result = build(make_site(files))
    assert result.ok, messages(result)
    page = text(result, "explainers/first/index.html")
    assert '<html lang="de">' in page and "Zum Inhalt springen" in page and "1. März 2024" in page
    assert 'hreflang' not in page and 'class="languages"' not in page
    assert not any(path.startswith(("ko/", "ar/")) for path in result.outputs)


@pytest.mark.parametrize("setting,message", [
    ("language: xx", "site.yml:3:11: error: unknown language 'xx'"),
    ("language: en\nlanguages: [ko, en]", "site.yml:4:13: error: the first of languages must be the site's language, 'en'"),
    ("language: en\nlanguages: [en, ko, ko]", "site.yml:4:21: error: language 'ko' is listed twice"),
    ("language: en\nlanguages: en", "site.yml:4:12: error: languages must be a list of language tags"),
])
def test_language_settings_are_checked(make_site, setting, message):
    result = build(make_site({"site.yml": SITE_YML.replace("language: en\nlanguages: [en, ko, ar]", setting)}))
    assert not result.ok
    assert any(m.startswith(message) for m in messages(result)), messages(result)


def test_a_fact_sheets_translations_are_checked(make_site):
    files = dict(FILES)
    files["content/facts/people/bob.yml"] = """\
        name: Bob
        summary: An engineer.
        role: {value: engineer, source: s-one}
        translations:
          ko: {summary: 기술자.}
          de: {name: Bob}
          en: {name: Bob}
          ar: {name: بوب, summary: مهندس., nickname: B}
        """
    result = build(make_site(files))
    assert [m for m in messages(result) if "bob.yml" in m] == [
        "content/facts/people/bob.yml:5:7: error: the 'ko' translation needs its own 'name'\n"
        "    hint: a translation has its own name, in its language",
        "content/facts/people/bob.yml:6:3: error: 'de' is not one of the site's languages (en, ko, ar)\n"
        "    hint: add it to languages: in site.yml",
        "content/facts/people/bob.yml:7:3: error: 'en' is the site's own language: the fact sheet itself is written in it\n"
        "    hint: translations are into the site's other languages",
        "content/facts/people/bob.yml:8:36: error: unknown translation key 'nickname' (did you mean 'name'?)\n"
        "    hint: a translation has name, summary, body",
    ]


def test_a_translation_may_not_set_what_it_shares_with_its_original(make_site):
    files = dict(FILES)
    files["content/explainers/first.ko.md"] = "---\ntitle: 첫째\nsummary: 하나.\ntags: [news]\n---\n\nText.\n"
    result = build(make_site(files))
    assert ("content/explainers/first.ko.md:4:1: error: 'tags' is shared with the original: a translation shows "
            "the original's\n    hint: set it in content/explainers/first.md") in messages(result)


@pytest.mark.skipif(not search.available(), reason="the pagefind package (with its binary) is not installed")
def test_search_keeps_an_index_per_language(make_site, tmp_path):
    result = build_site(make_site(FILES), BuildOptions(out=tmp_path / "out"))
    assert result.ok, messages(result)
    entry = json.loads(result.outputs["pagefind/pagefind-entry.json"])
    counts = {language: found["page_count"] for language, found in entry["languages"].items()}
    # English: 2 explainers, 1 page, 3 fact sheets; Korean: 1 explainer, 1 page, 1 fact sheet; no Arabic page is searched
    assert counts == {"en": 6, "ko": 3}
    assert list(entry["languages"]) == ["en", "ko"]  # in order of name: Pagefind lists them in no set order


def test_an_index_entry_lists_its_languages_in_order_of_name_and_nothing_else_changes():
    from site_builder.search.indexer import steady_entry
    written = ('{"version":"1.5.2","languages":{"ko":{"hash":"ko_1","wasm":null,"page_count":5},'
               '"en-gb":{"hash":"en-gb_2","wasm":"en-gb","page_count":9}},"include_characters":["_","‿"]}').encode()
    steady = steady_entry(written)
    assert steady == ('{"version":"1.5.2","languages":{"en-gb":{"hash":"en-gb_2","wasm":"en-gb","page_count":9},'
                      '"ko":{"hash":"ko_1","wasm":null,"page_count":5}},"include_characters":["_","‿"]}').encode()
    assert steady_entry(steady) == steady and json.loads(steady) == json.loads(written)
    assert steady_entry(b"not json") == b"not json" and steady_entry(b'{"version":1}') == b'{"version":1}'


def test_a_sheets_corrections_keep_their_language_and_stay_out_of_other_languages_feeds(make_site):
    files = dict(FILES)
    files["content/facts/people/bob.yml"] = FILES["content/facts/people/bob.yml"] + (
        "corrections:\n  - {date: 2024-05-01, text: The role was wrong.}\n"
        "translations:\n  ko: {name: 밥, summary: 기술자.}\n")
    result = build(make_site(files))
    assert result.ok, messages(result)
    ko = text(result, "ko/people/bob/index.html").split('id="corrections-heading"')[1]
    assert ko.startswith(">정정</h2>") and '<ul class="correction-list" lang="en">' in ko and "The role was wrong." in ko
    en = text(result, "people/bob/index.html").split('id="corrections-heading"')[1]
    assert en.startswith(">Corrections</h2>") and '<ul class="correction-list">' in en
    assert "Correction: Bob" in text(result, "feed.xml") and "Correction" not in text(result, "ko/feed.xml")


# ---- long lists in the site's language ---------------------------------------------------------------------


def _long_lists_site(language: str) -> dict:
    """A site in `language` whose type, tag and timeline lists run to two pages of ten, an undated page among them."""
    files = {"site.yml": SITE_YML.replace("language: en\nlanguages: [en, ko, ar]\n", f"language: {language}\nper_page: 10\n"),
             "content/facts/sources/s-one.yml": "title: First report\ndate: 2024-01-02\n"}
    for i in range(12):
        files[f"content/facts/people/p{i:02d}.yml"] = f"name: {chr(65 + i)}nne\nsummary: A writer.\nrole: {{value: writer}}\n"
        files[f"content/facts/events/e{i:02d}.yml"] = f"title: Event {i}\ndate: {2000 + i}-05-01\nsource: s-one\n"
        files[f"content/explainers/x{i:02d}.md"] = (f"---\ntitle: Story {i}\nsummary: A story.\ndate: {2010 + i}-03-01\n"
                                                    "tags: [news]\n---\n\nText.\n")
    files["content/pages/notes.md"] = "---\ntitle: Notes\ntags: [news]\n---\n\nText.\n"
    return files


@pytest.mark.parametrize("language,words", [
    ("ko", {"pages": "이 목록의 페이지", "page": "2페이지 중 1페이지", "next": "다음 페이지", "prev": "이전 페이지",
            "letter": "첫 글자로 이동", "year": "연도로 이동", "undated": "날짜 없음", "feed": "#news 피드",
            "title": "태그 ‘news’, 2페이지 중 2페이지", "subtitle": "태그가 news인 해설."}),
    ("de", {"pages": "Seiten dieser Liste", "page": "Seite 1 von 2", "next": "Nächste Seite", "prev": "Vorherige Seite",
            "letter": "Zu einem Buchstaben springen", "year": "Zu einem Jahr springen", "undated": "Ohne Datum",
            "feed": "Feed zu #news", "title": "Mit dem Schlagwort „news“, Seite 2 von 2",
            "subtitle": "Erklärstücke mit dem Schlagwort news."}),
], ids=["ko", "de"])
def test_long_lists_page_links_jump_lists_and_tag_feed_speak_the_sites_language(make_site, language, words):
    result = build(make_site(_long_lists_site(language)))
    assert result.ok, messages(result)
    people, tag, tag_2 = (text(result, p) for p in ("people/index.html", "tags/news/index.html", "tags/news/page/2/index.html"))
    timeline, timeline_2 = text(result, "timeline/index.html"), text(result, "timeline/page/2/index.html")
    assert f'<nav class="pagination" aria-label="{words["pages"]}">' in people
    assert f'<p>{words["page"]}</p>' in people and f'rel="next">{words["next"]}</a>' in people
    assert f'rel="prev">{words["prev"]}</a>' in tag_2 and f'rel="prev">{words["prev"]}</a>' in timeline_2
    assert f'<nav class="jump-list" aria-label="{words["letter"]}">' in people
    assert f'<nav class="jump-list" aria-label="{words["year"]}">' in tag and f'aria-label="{words["year"]}"' in timeline
    # the undated explainer's group: its label translated, its anchor the same in every language
    assert f'<a href="/t/tags/news/page/2/#jump-undated">{words["undated"]}</a>' in tag
    assert f'type="application/atom+xml">{words["feed"]}</a>' in tag
    assert f'<title>{words["title"]} · Test Site</title>' in tag_2
    assert f'<subtitle>{words["subtitle"]}</subtitle>' in text(result, "tags/news/feed.xml")
    for page in (people, tag, tag_2, timeline, timeline_2):
        assert not re.search(r"Pages of this list|Page \d+ of|Previous page|Next page|Jump to a|Undated|Feed of|, page \d",
                             page)


def test_what_babel_answered_is_kept_with_the_state_and_asked_again_of_no_one(tmp_path):
    """A command-line build after an edit need not load Babel: its answers come back with the saved state."""
    import subprocess
    import sys as system
    from site_builder.i18n import locales

    assert format_partial(2031, 7, 4, "de") == "4. Juli 2031"
    assert locales.answers()[("date", 2031, 7, 4, "de")] == "4. Juli 2031"
    locales.learned()  # (what a worker would send its parent)
    assert format_partial(2031, 7, 5, "de") and list(locales.learned()) == [("date", 2031, 7, 5, "de")]
    site = tmp_path / "site"
    (site / "content/explainers").mkdir(parents=True)
    (site / "site.yml").write_text("title: T\nbase_url: https://example.org/\nsearch: off\nlanguage: de\n")
    page = site / "content/explainers/one.md"
    page.write_text("---\ntitle: Eins\nsummary: Erstens.\ndate: 2024-03-01\n---\n\nText.\n")
    script = ("import sys\nfrom site_builder.cli import main\ncode = main(['build', sys.argv[1], '-q'])\n"
              "print(sorted(m for m in sys.modules if m.startswith('babel')))\n")
    run = lambda: subprocess.run([system.executable, "-c", script, str(site)], capture_output=True, text=True)  # noqa: E731
    first = run()
    assert first.returncode == 0 and "babel" in first.stdout, first.stderr
    page.write_text(page.read_text() + "\nMehr.\n")
    again = run()
    assert again.returncode == 0 and "babel.dates" not in again.stdout, again.stdout + again.stderr
    # (site.yml's language is checked before the state is read: Babel's core, but no language's data)
    assert "1. März 2024" in (site / "output/explainers/one/index.html").read_text()


def _format_in_worker(context, day: int) -> str:
    return format_partial(2033, 1, day, context)


def test_what_babel_told_a_worker_comes_back_to_its_parent():
    from site_builder import workers
    from site_builder.i18n import locales

    days = list(range(1, 29))
    shown = [part for chunk in workers.run(_format_in_worker, "fr", days, minimum=1) for part in chunk]
    assert shown[0] == "1 janvier 2033"
    assert all(locales.answers()[("date", 2033, 1, day, "fr")] == text for day, text in zip(days, shown))
