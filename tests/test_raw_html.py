"""Raw HTML and media: with `raw_html: escape` no media file that could run script is published; with
`raw_html: allow` raw HTML is kept, but no attribute keeps an active URL, however it is spelled."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.diagnostics import Problems
from site_builder.read.markup import MarkdownRenderer, link_scheme

from conftest import MINIMAL_SITE_YML, build, messages
from test_security import emitted_urls

ESCAPE = MINIMAL_SITE_YML + "markdown: {raw_html: escape}\n"
PAGE = "---\ntitle: About\n---\nSee [the chart](../media/chart.svg).\n"
CLEAN_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>A chart of Ontario</title>'
             '<a href="https://example.org/"><rect width="10" height="10" fill="orange"/></a></svg>\n')

HOSTILE = {
    "script.html": ("<!doctype html>\n<p>Hi</p>\n<script>alert(document.domain)</script>\n", 3, 1),
    "onload.svg": ('<svg xmlns="http://www.w3.org/2000/svg"\n     onload="alert(1)"/>\n', 2, 6),
    "upper.svg": ('<svg xmlns="http://www.w3.org/2000/svg">\n<rect ONCLICK = "alert(1)"/></svg>\n', 2, 7),
    "prefixed.svg": ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml">\n'
                     '  <h:script>alert(1)</h:script></svg>\n', 2, 3),
    "link.svg": ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">\n'
                 '<a x:href="jav&#x61;scr&#x0A;ipt:alert(1)"><text>click</text></a></svg>\n', 2, 1),
    "animate.svg": ('<svg xmlns="http://www.w3.org/2000/svg"><a><animate attributeName="href"\n'
                    ' values="x;javascript:alert(1)"/><text>click</text></a></svg>\n', 2, 1),
    "comment.html": ("<!-- --!><a href='&#106;avascript:alert(1)'>x</a> -->\n", 1, 1),
    "srcdoc.html": ("<iframe srcdoc='&lt;script&gt;alert(1)&lt;/script&gt;'></iframe>\n", 1, 9),
    "refresh.html": ('<meta http-equiv="refresh" content="0;url=data:text/html,x">\n', 1, 7),
    "xslt.svg": ('<?xml-stylesheet type="text/xsl" href="evil.xsl"?>\n<svg/>\n', 1, 1),
    "entity.svg": ('<!DOCTYPE svg [\n<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]>\n<svg>&x;</svg>\n', 2, 1),
}


def site_with(make_site, name: str, data: bytes, config: str = ESCAPE):
    return make_site({"site.yml": config, "content/pages/about.md": PAGE.replace("chart.svg", name),
                      f"content/media/{name}": data})


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_media_that_could_run_script_are_located_errors_when_html_is_escaped(make_site, name):
    text, line, col = HOSTILE[name]
    result = build(site_with(make_site, name, text.encode()))
    assert not result.ok
    found = [d for d in result.diagnostics if d.location.rel_path == f"content/media/{name}"]
    assert [(d.severity, d.location.line, d.location.col) for d in found] == [("error", line, col)], messages(result)
    assert found[0].message.startswith("this media file could run script in a reader's browser")


@pytest.mark.parametrize("data", [
    "<svg onload='alert(1)'/>".encode("utf-16"),
    gzip.compress(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    b"\x1f\x8b not really gzip",
], ids=["utf-16", "svgz", "broken-gzip"])
def test_media_the_check_cannot_read_or_must_unpack_are_checked_or_refused(make_site, data):
    result = build(site_with(make_site, "chart.svgz", data))
    assert any(d.location.rel_path == "content/media/chart.svgz" and d.severity == "error"
               for d in result.diagnostics), messages(result)


def test_clean_svg_and_any_media_with_raw_html_allowed_are_published(make_site):
    result = build(site_with(make_site, "chart.svg", CLEAN_SVG.encode()))
    assert result.ok, messages(result)
    assert "media/chart.svg" in result.outputs
    trusted = build(site_with(make_site, "script.html", HOSTILE["script.html"][0].encode(), MINIMAL_SITE_YML))
    assert trusted.ok and "media/script.html" in trusted.outputs  # raw_html: allow trusts every writer


def test_the_error_is_told_again_by_every_build_until_the_file_is_fixed(make_site):
    from site_builder.build import BuildOptions, build_site
    root = site_with(make_site, "onload.svg", HOSTILE["onload.svg"][0].encode())
    for _ in range(2):
        result = build_site(root, BuildOptions())
        assert not result.ok and any("could run script" in d.message for d in result.diagnostics)
    (root / "content/media/onload.svg").write_text(CLEAN_SVG)
    assert build_site(root, BuildOptions()).ok


def test_check_active_reads_the_decoded_text_too():
    from site_builder.read.media import check_active
    assert check_active("m/x.svg", b"<svg><a href='&#x6A;avascript&colon;x'/></svg>") is not None
    assert check_active("m/x.svg", CLEAN_SVG.encode()) is None


# --- raw_html: allow: every attribute spelling --------------------------------------------------

ACTIVE = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "jav&#x61;script:alert(1)",
          "&#106;avascript:alert(1)", "java&Tab;script:alert(1)", "java&#x0A;script:x", "javascript&colon;x",
          "vbscript:x", "data:text/html,<script>alert(1)</script>", "&#x20;javascript:x", "jav&amp;#x61;script:x"]
ATTRIBUTES = ["href", "HREF", "Href", "src", "SRC", "action", "formaction", "xlink:href", "data", "poster",
              "background"]
ELEMENTS = ["a", "A", "img", "iframe", "form", "button", "object", "video", "svg", "table", "embed", "area"]
QUOTES = ['"{}"', "'{}'", "{}"]
SPACES = ["", " ", "\t", "\n"]


def _html_attribute(element: str, name: str, value: str, quote: str, space: str) -> str:
    value = value.replace(" ", "&#x20;") if quote == "{}" else value
    return f"<{element} {name}{space}={space}{quote.format(value)}>x</{element.split()[0]}>"


def assert_no_active_attribute(html_text: str) -> None:
    for value in emitted_urls(html_text) + _all_url_values(html_text):
        assert link_scheme(value) in ("", "http", "https", "mailto", "tel"), (value, html_text)


def _all_url_values(html_text: str) -> list[str]:
    from html.parser import HTMLParser

    found = []

    class Values(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(v for n, v in attrs if v is not None and n.rpartition(":")[2] in
                         ("href", "src", "action", "formaction", "data", "poster", "background"))
    Values().feed(html_text)
    return found


@pytest.mark.parametrize("name", ATTRIBUTES)
@pytest.mark.parametrize("quote", QUOTES)
@pytest.mark.parametrize("space", SPACES[:2])
def test_every_attribute_spelling_loses_its_active_url(name, quote, space):
    for element in ("a", "iframe", "img"):
        for value in ACTIVE:
            text = "Before " + _html_attribute(element, name, value, quote, space) + " after.\n"
            html_text = MarkdownRenderer("allow").render(text, "content/pages/x.md", Problems()).html
            assert_no_active_attribute(html_text)
            if quote != "{}" and "<" not in value:  # (unquoted, some values are not HTML: CommonMark shows them as text)
                assert f"<{element}" in html_text.lower()  # the element stays: raw HTML is trusted


def test_allowed_raw_html_keeps_scripts_handlers_and_safe_links():
    text = ('<div onclick="go()">x</div>\n\n<script>let a = 1 < 2;</script>\n\n'
            '<a href="https://e.org/?a=1&amp;b=2" title="t">ok</a> <a href="../about/">rel</a>\n')
    html_text = MarkdownRenderer("allow").render(text, "content/pages/x.md", Problems()).html
    assert 'onclick="go()"' in html_text and "<script>let a = 1 < 2;</script>" in html_text
    assert emitted_urls(html_text) == ["https://e.org/?a=1&b=2", "../about/"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ELEMENTS), st.sampled_from(ATTRIBUTES), st.sampled_from(ACTIVE),
                          st.sampled_from(QUOTES), st.sampled_from(SPACES)), min_size=1, max_size=4),
       st.sampled_from(["", "\n\n", " ", "<div>", "</p>", "<!-- x -->", "`", "\\"]))
def test_fuzzed_attributes_never_keep_an_active_url(parts, glue):
    text = glue.join(_html_attribute(*part) for part in parts)
    html_text = MarkdownRenderer("allow").render(text, "content/pages/x.md", Problems()).html
    assert_no_active_attribute(html_text)
