"""Nothing broken passes: links written as addresses of the site are checked against the planned routes, and
'[[' or '[@' that would show as typed are warned about (errors with --strict)."""

from __future__ import annotations

from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.cli import main

from conftest import build, messages

SITE = {
    "site.yml": """
        title: Test Site
        base_url: https://example.org/sub/
        nav:
          - {label: Timeline, url: /timeline}
          - {label: Mail, url: "mailto:desk@example.org"}
          - {label: Elsewhere, url: "https://example.com/methodology/"}
        types:
          person:
            folder: people
            fields:
              role: {type: text}
              home: {type: url}
        """,
    "content/facts/people/ada.yml": """
        name: Ada
        summary: A mathematician [@notes].
        role: {value: Writer, source: notes}
        home: {value: "https://example.org/sub/explainers/hello/", source: notes}
        """,
    "content/facts/sources/notes.yml": "title: The Notes\n",
    "content/media/a b.png": b"\x89PNG",
    "content/explainers/hello.md": """
        ---
        title: Hello
        summary: A greeting.
        date: 2024-01-02
        ---
        About [[people/ada]] [@notes]: [home](/), [list](/people/#top), [file](/media/a%20b.png),
        [index](/people/ada/index.html), [feed](/feed.xml?x=1) and ![pic](</media/a b.png>).
        """,
}


def test_good_addresses_pass_and_are_written_under_the_base_path(make_site):
    result = build(make_site(dict(SITE)))
    assert messages(result) == []
    page = result.outputs["explainers/hello/index.html"].decode()
    assert 'href="/sub/people/#top"' in page and 'href="/sub/media/a%20b.png"' in page


def test_broken_addresses_are_errors_with_a_did_you_mean(make_site):
    root = make_site({**SITE, "content/explainers/hello.md": SITE["content/explainers/hello.md"]
                      + "[no](/explainers/helo/) ![x](/media/nothere.png) [abs](https://example.org/sub/peple/ada/)\n"})
    found = [m.splitlines()[0] for m in messages(build(root))]
    assert found == [
        "content/explainers/hello.md:8:6: error: link to '/explainers/helo/': the site has no page or file there "
        "(did you mean '/explainers/hello/' or '/explainers/'?)",
        "content/explainers/hello.md:8:30: error: link to '/media/nothere.png': the site has no page or file there "
        "(did you mean '/media/a b.png'?)",
        "content/explainers/hello.md:8:56: error: link to 'https://example.org/sub/peple/ada/': the site has no page "
        "or file there (did you mean 'https://example.org/sub/people/ada/' or 'https://example.org/sub/people/'?)",
    ]


def test_a_nav_link_and_a_url_field_into_the_site_are_checked(make_site):
    site_yml = SITE["site.yml"].replace("url: /timeline}", "url: /methodology/}")
    sheet = SITE["content/facts/people/ada.yml"].replace("/explainers/hello/", "/explainers/gone/")
    found = [m.splitlines()[0] for m in messages(build(make_site({**SITE, "site.yml": site_yml,
                                                                   "content/facts/people/ada.yml": sheet})))]
    assert found == [
        "site.yml:4:28: error: nav link '/methodology/' (Timeline): the site has no page or file there",
        "content/facts/people/ada.yml:4:15: error: link to 'https://example.org/sub/explainers/gone/': the site has "
        "no page or file there (did you mean 'https://example.org/sub/explainers/' or "
        "'https://example.org/sub/explainers/hello/'?)",
    ]


def test_adding_the_page_a_link_names_mends_it_in_the_next_build(make_site):
    root = make_site({**SITE, "content/explainers/hello.md": SITE["content/explainers/hello.md"] + "[x](/about/)\n"})
    state = BuildState()
    assert not build_site(root, BuildOptions(), write=False, cache=state).ok
    (root / "content/pages").mkdir()
    (root / "content/pages/about.md").write_text("---\ntitle: About\n---\nText.\n")
    assert build_site(root, BuildOptions(), write=False, cache=state, changed={"content/pages/about.md"}).ok


def test_open_forms_are_warnings_and_errors_under_strict(make_site, capsys):
    text = SITE["content/explainers/hello.md"] + "See [[people/ada] and [@notes, p. 4\n        and [@ notes] too.\n"
    root = make_site({**SITE, "content/explainers/hello.md": text})
    assert main(["check", str(root)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "content/explainers/hello.md:8:5: warning: '[[people/ada]' is not closed: a reference ends with ']]' in its "
        "paragraph",
        "    hint: write [[folder/id]] or [@source-id]; to show the brackets as they are, write \\[",
        "content/explainers/hello.md:8:23: warning: '[@notes,' is not closed: a citation ends with ']' on its line",
        "    hint: write [[folder/id]] or [@source-id]; to show the brackets as they are, write \\[",
        "content/explainers/hello.md:9:5: warning: '[@ notes]': a citation has no space after '@'",
        "    hint: write [@source-id]",
    ]
    assert main(["check", str(root), "--strict"]) == 1
    err = capsys.readouterr().err
    assert err.count("[strict]") == 3 and err.rstrip().endswith("check failed: 3 errors")


def test_brackets_in_code_or_escaped_are_left_alone(make_site):
    text = SITE["content/explainers/hello.md"] + "Write `[[people/x]` or \\[[people/x] or \\[@x.\n"
    assert messages(build(make_site({**SITE, "content/explainers/hello.md": text}))) == []
