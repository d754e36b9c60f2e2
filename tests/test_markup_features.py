"""What long explainers need from Markdown: maths, highlighted code, callouts, heading self-links and a table
of contents; each with the located message its mistakes give, and valid, deterministic HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder.diagnostics import Problems
from site_builder.read.markup import MarkdownRenderer

from conftest import build, messages

THEME_CSS = Path(__file__).resolve().parent.parent / "site_builder/pages/theme/static/style.css"


def render(text: str, engine: str = "cmark-gfm", line0: int = 1, **kw) -> tuple[str, list[str], list]:
    problems = Problems()
    fragment, headings = MarkdownRenderer("allow", engine).render_with_headings(text, "content/explainers/x.md",
                                                                               problems, line0, **kw)
    return fragment.html, [d.format() for d in problems.items], headings


# Maths

def test_inline_and_display_maths_become_mathml_with_no_script():
    out, found, _ = render("Energy $E=mc^2$ here.\n\n$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$\n")
    assert found == []
    assert '<math display="inline"><mrow><mi>E</mi>' in out and "<msup><mi>c</mi><mn>2</mn></msup>" in out
    assert '<div class="math-display" tabindex="0"><math display="block">' in out and "<mfrac>" in out
    assert "$" not in out and "<script" not in out


@pytest.mark.parametrize("text", [
    "It cost $5 and $10.", "$5, $10 and $15.", "Ranges: $5$10.", "From $20 to $30, or $40", "A \\$x$ sign.",
    "Code `$x$` stays.", "```\n$x$\n```", "Two $ signs $ apart.", "$x\n\ny$",
])
def test_dollars_that_are_not_maths_stay_text(text):
    out, found, _ = render(text)
    assert "<math" not in out and found == [], out


def test_maths_is_not_markdown_inside():
    out, _, _ = render("Product $a_1 * b_2 * c_3$ and $x_i y_i$.")
    assert "<em>" not in out and "<msub><mi>a</mi><mn>1</mn></msub>" in out


def test_maths_in_an_indented_code_block_is_shown_as_written():
    out, found, _ = render("Text.\n\n    $\\frac{a}$ stays\n")
    assert found == [] and "<code>$\\frac{a}$ stays" in out


def test_maths_over_lines_of_a_block_quote_leaves_the_quote_marks_out():
    out, found, _ = render("> $$\n> a >\n> b\n> $$\n")
    assert found == [] and out.count("&#x0003E;") == 1, out  # the '>' of the TeX, not those of the quote


@pytest.mark.parametrize("tex, reason", [
    ("\\frac{a}", "a command is missing an argument"),
    ("a^", "'^' or '_' has nothing after it"),
    ("\\foo{x}", "unknown command '\\foo'"),
    ("{a", "a '{' that is never closed"),
    ("a}", "a '}' that closes nothing"),
    ("\\begin{matrix} a", "\\begin{...} without its \\end{...}"),
    ("\\left( a", "\\left without its \\right"),
])
def test_bad_tex_is_a_located_error(tex, reason):
    out, found, _ = render(f"Intro.\n\nSome $ok$ and ${tex}$ here.", line0=5)
    assert found[0].startswith(f"content/explainers/x.md:7:15: error: cannot read the maths '{tex}': {reason}")
    assert "hint: maths is TeX" in found[0] and len(found) == 1


def test_display_maths_error_points_at_its_opening_dollars():
    _, found, _ = render("Intro.\n\n$$\n\\frac{1}\n$$\n", line0=10)
    assert found[0].startswith("content/explainers/x.md:12:1: error: cannot read the maths")


def test_tex_cannot_write_html_or_links():
    out, found, _ = render("$\\text{<script>alert(1)</script>}$ and $\\href{javascript:alert(1)}{x}$")
    assert found == [] and "<script" not in out and "&lt;script&gt;" in out
    assert "javascript" not in out and "href" not in out


def test_maths_in_a_fact_sheet_field_is_located_in_the_yaml(make_site):
    root = make_site({
        "content/facts/people/ada.yml": "name: Ada\nsummary: Wrote $\\frac{1}$ first.\nrole: {value: Writer}\n",
    })
    assert "content/facts/people/ada.yml:2:16: error: cannot read the maths '\\frac{1}'" in "\n".join(messages(build(root)))


# Code

PYTHON = "Text.\n\n```python\ndef step(x):\n    return x + 1  # one more\n```\n"


def test_code_is_highlighted_with_token_classes_and_no_script():
    out, found, _ = render(PYTHON)
    assert found == []
    assert '<pre class="highlight" tabindex="0"><code class="language-python">' in out
    assert '<span class="k">def</span>' in out and '<span class="nf">step</span>' in out
    assert '<span class="c1"># one more</span>' in out and "<script" not in out


def test_code_text_is_escaped_when_highlighted():
    out, _, _ = render("```html\n<script>alert('x')</script>\n```\n")
    assert "<script>" not in out and "&lt;" in out


@pytest.mark.parametrize("text, where", [
    ("Intro.\n\n```pyhton\nprint(1)\n```\n", "4:1"),
    ("Intro.\n\n- item\n\n  ```pyhton\n  print(1)\n  ```\n", "6:3"),
    ("Intro.\n\n> ~~~pyhton\n> print(1)\n> ~~~\n", "4:3"),
    ("```python\nx\n```\n\n```pyhton\nprint(1)\n```\n\n```pyhton\ny\n```\n", "10:1"),  # the second of two
])
def test_an_unknown_language_is_left_plain_with_a_warning_at_its_fence(text, where):
    out, found, _ = render(text, line0=2)
    assert '<pre><code class="language-pyhton">' in out
    assert found[-1].startswith(f"content/explainers/x.md:{where}: warning: unknown code language 'pyhton' "
                                "(did you mean 'python")
    assert found[-1].count("\n") == 1 and "the block is shown without colours" in found[-1]


def test_plain_text_blocks_need_no_language_and_give_no_warning():
    out, found, _ = render("```text\n$x$ <b>\n```\n\n```\nplain\n```\n")
    assert found == [] and "<pre><code" in out and "highlight" not in out


# Callouts

@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "tip"])
def test_alerts_become_accessible_asides(kind):
    out, found, _ = render(f"> [!{kind}]\n> First *line*.\n>\n> - a list\n")
    title = kind.capitalize()
    assert found == []
    assert out.startswith(f'<aside class="callout {kind.lower()}" role="note" aria-label="{title}">\n'
                          f'<p class="callout-title">{title}</p>\n<p>First <em>line</em>.</p>')
    assert "<li>a list</li>" in out and out.endswith("</aside>") and "blockquote" not in out


def test_plain_quotes_and_quotes_inside_callouts_stay_quotes():
    out, _, _ = render("> Just a quote.\n\n> [!NOTE]\n> Said:\n>\n> > nested\n")
    assert out.startswith("<blockquote>\n<p>Just a quote.</p>") and "<blockquote>\n<p>nested" in out
    assert out.count("<aside") == 1 and out.count("</aside>") == 1


def test_a_misspelt_alert_is_a_quote_with_a_warning():
    out, found, _ = render("Text.\n\n> [!NOTES]\n> Careful.\n", line0=3)
    assert "<blockquote>" in out and "<aside" not in out
    assert found == ["content/explainers/x.md:5:3: warning: unknown callout '[!NOTES]' (did you mean 'NOTE'?)\n"
                     "    hint: callouts are [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] and [!CAUTION]"]


# Headings

def test_headings_get_unique_ids_and_a_named_self_link_beside_them():
    out, _, headings = render("## Notes\n\n## Notes\n\n## Main\n\n### Source 1\n")
    assert '<div class="heading heading-2"><h2 id="notes">Notes</h2><a class="self-link" href="#notes" ' \
           'aria-label="Link to section: Notes" data-pagefind-ignore><span aria-hidden="true">#</span></a></div>' in out
    assert [h.id for h in headings] == ["notes", "notes_1", "main_1", "source-1_1"]  # the theme's ids stay free
    assert [(h.level, h.text) for h in headings] == [(2, "Notes"), (2, "Notes"), (2, "Main"), (3, "Source 1")]


def test_a_heading_with_a_reference_or_maths_reads_as_words():
    _, found, headings = render("## [[people/ada-lovelace]] and [[people/x|Babbage]] on $x^2$ [@src]\n\n"
                                "## Why $\\alpha \\le \\frac{1}{2}$\n")
    assert found == [] and headings[0].text == "Ada Lovelace and Babbage on x^2"
    assert headings[1].text == "Why α ≤ frac12"  # symbols as themselves; no backslashes read aloud


def test_inline_text_gets_no_self_links():
    out, _, _ = render("<h2>Raw</h2>", inline=True)
    assert "self-link" not in out and 'id="raw"' in out


class PageCheck(HTMLParser):
    """Counts what makes HTML invalid here: a link inside a link, an id used twice."""

    def __init__(self):
        super().__init__()
        self.depth, self.nested, self.ids = 0, 0, []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id"]
        if tag == "a":
            self.nested += self.depth > 0
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "a":
            self.depth -= 1


EXPLAINER = """\
---
title: Everything at once
summary: A test.
date: 2024-01-01
{extra}---

## The [[people/ada|first]] [program](https://example.org/)

Text with $x^2$.

### Code

~~~python
print("hi")
~~~

## Notes

> [!TIP]
> A tip.

## Notes
"""
PEOPLE = {"content/facts/people/ada.yml": "name: Ada\nsummary: A person.\nrole: {value: Writer}\n"}


def test_an_explainer_gets_contents_valid_and_the_same_every_time(make_site, tmp_path):
    root = make_site({"content/explainers/all.md": EXPLAINER.format(extra=""), **PEOPLE})
    first, second = build(root), build(root)
    page = first.outputs["explainers/all/index.html"]
    assert page == second.outputs["explainers/all/index.html"]
    text = page.decode()
    nav = text[text.index('<nav class="toc"'):text.index("</nav>", text.index('<nav class="toc"'))]
    assert '<h2 id="toc-heading">Contents</h2>' in nav
    assert re.sub(r"\s+", "", nav.split("</h2>", 1)[1]) == (
        '<ol><li><ahref="#the-program">Thefirstprogram</a><ol><li><ahref="#code">Code</a></li></ol></li>'
        '<li><ahref="#notes">Notes</a></li><li><ahref="#notes_1">Notes</a></li></ol>')
    check = PageCheck()
    check.feed(text)
    assert check.nested == 0 and len(check.ids) == len(set(check.ids))


@pytest.mark.parametrize("extra, site, shown", [
    ("", "", True),
    ("toc: false\n", "", False),
    ("", "toc: false\n", False),
    ("toc: true\n", "toc: false\n", True),
    ("", "toc: {min_headings: 5}\n", False),
    ("", "toc: {max_level: 2}\n", True),
])
def test_contents_are_on_by_default_and_turned_off_per_explainer_or_site(make_site, extra, site, shown):
    from conftest import MINIMAL_SITE_YML
    root = make_site({"site.yml": MINIMAL_SITE_YML + site, "content/explainers/all.md": EXPLAINER.format(extra=extra),
                      **PEOPLE})
    result = build(root)
    assert result.ok, messages(result)
    assert ('class="toc"' in result.outputs["explainers/all/index.html"].decode()) is shown
    toc = result.index.item("explainers/all").toc
    assert bool(toc) is shown and (not toc or ("code" in [e.id for e in toc]) is ("max_level" not in site))


def test_few_headings_get_no_contents_unless_asked(make_site):
    short = "---\ntitle: Short\nsummary: S.\ndate: 2024-01-01\n{}---\n\n## One\n\n## Two\n"
    root = make_site({"content/explainers/a.md": short.format(""), "content/explainers/b.md": short.format("toc: true\n")})
    result = build(root)
    assert not result.index.item("explainers/a").toc
    assert [e.text for e in result.index.item("explainers/b").toc] == ["One", "Two"]


def test_templates_read_the_contents_as_data(make_site):
    template = "{% for e in doc.toc %}[{{ e.level }} {{ e.depth }} {{ e.id }} {{ e.text }}]{% endfor %}"
    root = make_site({"content/explainers/all.md": EXPLAINER.format(extra=""), **PEOPLE,
                      "templates/explainer.html": template})
    page = build(root).outputs["explainers/all/index.html"].decode()
    assert "[2 1 the-program The first program][3 2 code Code][2 1 notes Notes][2 1 notes_1 Notes]" in page


def test_contents_written_out_are_nested_lists_whatever_the_depths():
    from site_builder.model import Contents, TocEntry
    toc = Contents((TocEntry(2, "a", "A <b>"), TocEntry(3, "b", "B", 2), TocEntry(4, "c", "C", 3),
                    TocEntry(2, "d", "D"), TocEntry(3, "e", "E", 2)))
    assert re.sub(r"\s+", "", toc.__html__()) == (
        '<ol><li><ahref="#a">A&lt;b&gt;</a><ol><li><ahref="#b">B</a><ol><li><ahref="#c">C</a></li></ol></li></ol>'
        '</li><li><ahref="#d">D</a><ol><li><ahref="#e">E</a></li></ol></li></ol>')
    assert [e.id for e in toc] == ["a", "b", "c", "d", "e"] and len(toc) == 5 and toc[3].text == "D"
    assert not Contents() and Contents().__html__() == "<ol>\n</ol>"


@pytest.mark.parametrize("setting, message", [
    ("toc: maybe", "site.yml:5:6: error: toc must be true, false or {min_headings: 3, max_level: 3}"),
    ("toc: {min_heading: 2}", "site.yml:5:7: error: unknown toc setting 'min_heading' (did you mean 'min_headings'?)"),
    ("toc: {min_headings: 0}", "site.yml:5:21: error: toc.min_headings must be a whole number from 1"),
    ("toc: {max_level: 7}", "site.yml:5:18: error: toc.max_level must be a heading level from 1 to 6"),
])
def test_bad_toc_settings_are_located(make_site, setting, message):
    root = make_site({"site.yml": "title: T\nbase_url: https://example.org/\ntypes: {}\n\n" + setting + "\n"})
    assert message in "\n".join(messages(build(root)))


def test_a_toc_that_is_not_true_or_false_in_front_matter_is_located(make_site):
    root = make_site({"content/explainers/all.md": EXPLAINER.format(extra="toc: sometimes\n"), **PEOPLE})
    assert "content/explainers/all.md:5:6: error: toc must be true or false" in messages(build(root))


# The theme's colours

def _variables(css: str) -> tuple[dict, dict]:
    """The custom properties of :root, light and dark (the prefers-color-scheme: dark block)."""
    light = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", css[css.index(":root {"):css.index("}")]))
    dark_block = css[css.index("prefers-color-scheme: dark"):]
    dark = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", dark_block[:dark_block.index("}")]))
    return light, dark


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_and_callout_colours_pass_wcag_aa(scheme):
    css = THEME_CSS.read_text("utf-8")
    colours = dict(zip(("light", "dark"), _variables(css)))[scheme]
    used = set(re.findall(r"\.highlight [^{]*\{\s*color:\s*var\((--[\w-]+)\)", css))
    assert used >= {"--hl-comment", "--hl-keyword", "--hl-string", "--hl-number", "--hl-name"}
    pairs = [(v, "--code-bg") for v in used | {"--code-fg"}]
    pairs += [(v, "--card") for v in ("--note", "--tip", "--important", "--warning", "--caution", "--fg", "--accent")]
    pairs += [("--muted", "--bg"), ("--muted", "--card")]  # the self-links, the contents' heading
    low = {f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2) for fg, bg in pairs
           if contrast(colours[fg], colours[bg]) < 4.5}
    assert low == {}


def test_the_contrast_check_can_fail():
    assert contrast("#777777", "#eef3fa") < 4.5 < contrast("#5a6470", "#eef3fa")


def test_every_token_class_pygments_writes_for_common_code_is_styled_or_plain():
    from pygments.token import STANDARD_TYPES
    css = THEME_CSS.read_text("utf-8")
    styled = set(re.findall(r"\.highlight \.([\w-]+)", css))
    plain = {"", "n", "p", "w", "o", "x", "g", "l", "ld", "pm", "py", "nx", "esc", "ges"}  # the text's own colour
    assert set(STANDARD_TYPES.values()) - styled - plain == set()


TRANSLATED = ("---\ntitle: {title}\nsummary: S.\n{date}---\n\n## {a}\n\n> [!WARNING]\n> {w}\n\n## {b}\n\n"
              "### {c}\n")


def test_the_words_the_builder_adds_are_in_the_texts_language(make_site):
    from conftest import MINIMAL_SITE_YML
    root = make_site({"site.yml": MINIMAL_SITE_YML + "languages: [en, de]\n",
                      "content/explainers/all.md": TRANSLATED.format(title="All", date="date: 2024-01-01\n", a="One",
                                                                     w="Careful.", b="Two", c="Three"),
                      "content/explainers/all.de.md": TRANSLATED.format(title="Alles", date="", a="Eins",
                                                                        w="Vorsicht.", b="Zwei", c="Drei")})
    result = build(root)
    assert result.ok, messages(result)
    english = result.outputs["explainers/all/index.html"].decode()
    german = result.outputs["de/explainers/all/index.html"].decode()
    assert '<h2 id="toc-heading">Contents</h2>' in english and '<h2 id="toc-heading">Inhalt</h2>' in german
    assert 'aria-label="Link to section: One"' in english and 'aria-label="Link zum Abschnitt: Eins"' in german
    assert '<aside class="callout warning" role="note" aria-label="Warning">' in english
    assert '<aside class="callout warning" role="note" aria-label="Warnung">' in german
    assert '<p class="callout-title">Warnung</p>' in german and "Link to section" not in german


def test_a_renderer_for_another_language_is_made_once():
    from site_builder.config import SiteConfig
    md = MarkdownRenderer()
    config = SiteConfig(title="T", base_url="/", types={}, language="ko")
    assert md.for_config(config) is md.for_config(config) is not md
    assert md.for_config(config, "en") is md and md.for_config(config).language == "ko"
    html = md.for_config(config).render("## 하나\n\n> [!NOTE]\n> 참고.\n", "x.md", Problems()).html
    assert 'aria-label="섹션 링크: 하나"' in html and '<p class="callout-title">참고</p>' in html
    tip = md.in_language("de").render("> [!TIP]\n> Ein Tipp.\n", "x.yml", Problems()).html
    assert '<p class="callout-title">Tipp</p>' in tip and md.in_language("en") is md


def test_highlighted_code_given_back_is_used_without_a_lexer():
    from site_builder.read.highlight import Highlighter, block_digest

    first = Highlighter()
    first.made = []
    made = first.highlight("python", "x = 1\n")
    assert "<span" in made and first.made == [(block_digest("python", "x = 1\n"), made)]
    again = Highlighter()
    again.known.update(first.made)
    asked = []
    real = again.lexer
    again.lexer = lambda language: asked.append(language) or real(language)
    assert again.highlight("python", "x = 1\n") == made and asked == []  # no lexer was asked for
    assert again.highlight("python", "x = 2\n") != made and asked == ["python"]
    assert again.highlight("no-such-language", "x") is None


