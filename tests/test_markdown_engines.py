"""Python-Markdown as a second engine: its settings in site.yml, its extensions, and the same site from both
engines (references, citations, file links, contents, maths and callouts alike)."""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.config import load_config
from site_builder.diagnostics import Problems
from site_builder.read.markup import MarkdownRenderer

from conftest import MINIMAL_SITE_YML, build, messages

ROOT = Path(__file__).resolve().parent.parent
TOP = "title: T\nbase_url: https://example.org/\ntypes: {}\n"


def config_messages(text: str) -> tuple[object, list[str]]:
    problems = Problems()
    config = load_config(TOP + text, "site.yml", problems)
    return config, [d.format() for d in problems.items]


@pytest.mark.parametrize("text, engine, raw_html", [
    ("", "cmark-gfm", "allow"),
    ("markdown: python-markdown\n", "python-markdown", "allow"),
    ("markdown: {engine: python-markdown, raw_html: escape}\n", "python-markdown", "escape"),
    ("markdown: {raw_html: escape}\n", "cmark-gfm", "escape"),
])
def test_the_engine_is_chosen_in_site_yml(text, engine, raw_html):
    config, found = config_messages(text)
    assert found == [] and (config.markdown_engine, config.raw_html) == (engine, raw_html)


def test_extensions_are_loaded_with_their_options():
    config, found = config_messages("markdown: python-markdown\nmarkdown_extensions:\n  - admonition\n"
                                    "  - pymdownx.tilde: {smart_delete: false}\n")
    assert found == []
    assert config.markdown_extensions == (("admonition", "{}"), ("pymdownx.tilde", '{"smart_delete": false}'))


@pytest.mark.parametrize("text, message", [
    ("markdown: markdown-it\n",
     "site.yml:4:11: error: the markdown engine must be one of: cmark-gfm, python-markdown"),
    ("markdown: {engine: pyhton-markdown}\n",
     "site.yml:4:20: error: the markdown engine must be one of: cmark-gfm, python-markdown "
     "(did you mean 'python-markdown'?)"),
    ("markdown: {engin: cmark-gfm}\n", "site.yml:4:12: error: unknown markdown setting 'engin' (did you mean 'engine'?)"),
    ("markdown: [a]\n", "site.yml:4:11: error: markdown must be an engine name or a mapping, e.g. {raw_html: escape}"),
    ("markdown: python-markdown\nmarkdown_extensions:\n  - admonitin\n",
     "site.yml:6:5: error: unknown Markdown extension 'admonitin' (did you mean 'admonition'?)"),
    ("markdown: python-markdown\nmarkdown_extensions: [pymdownx.tilda]\n",
     "site.yml:5:23: error: unknown Markdown extension 'pymdownx.tilda' (did you mean 'pymdownx.tilde'"),
    ("markdown: python-markdown\nmarkdown_extensions: [{toc: {no_such_option: 1}}]\n",
     "site.yml:5:23: error: the Markdown extension 'toc' does not accept these options"),
    ("markdown: python-markdown\nmarkdown_extensions: admonition\n",
     "site.yml:5:22: error: markdown_extensions must be a list of extension names"),
    ("markdown: python-markdown\nmarkdown_extensions: [[admonition]]\n",
     "site.yml:5:23: error: each markdown extension is a name, or a name with its options"),
    ("markdown_extensions: [admonition]\n", "site.yml:4:22: error: markdown_extensions need the python-markdown engine"),
])
def test_bad_engine_settings_are_located(text, message):
    _, found = config_messages(text)
    assert any(f.startswith(message) for f in found), found


def test_python_markdown_extensions_work_and_raw_html_can_be_escaped():
    md = MarkdownRenderer("allow", "python-markdown", (("admonition", "{}"), ("pymdownx.tilde", "{}")))
    out = md.render("!!! note\n    Careful.\n\n~~gone~~ and \\$5", "x.md", Problems()).html
    assert '<div class="admonition note">' in out and "<del>gone</del>" in out and "$5" in out and "\\$" not in out
    escaped = MarkdownRenderer("escape", "python-markdown").render("<b>hi</b>\n\n<script>x()</script>\n\n`<i>`",
                                                                     "x.md", Problems()).html
    assert "<b>" not in escaped and "<script" not in escaped and "&lt;script&gt;" in escaped
    assert "<code>&lt;i&gt;</code>" in escaped


EXPLAINER = """\
---
title: Both engines
summary: The same page from either engine.
date: 2024-01-01
---

## What [[people/ada|Ada]] wrote

She wrote it [@src, p. 4]; see [her sheet](../facts/people/ada.yml) and $x_1 + x_2$.

$$
\\frac{a}{b}
$$

## The code

```python
def f(x):
    return x
```

> [!WARNING]
> Read *this*.

### Further

Done.
"""
FILES = {
    "content/explainers/both.md": EXPLAINER,
    "content/facts/people/ada.yml": "name: Ada\nsummary: A person.\nrole: {value: Writer, source: src}\n",
    "content/facts/sources/src.yml": "title: A source\n",
}


def words(page: bytes) -> str:
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", page.decode(), flags=re.S)
    return " ".join(html.unescape(text).split())


def test_references_citations_links_contents_maths_and_callouts_work_alike(make_site, tmp_path):
    pages = {}
    for engine in ("cmark-gfm", "python-markdown"):
        root = make_site({"site.yml": MINIMAL_SITE_YML + f"markdown: {engine}\n", **FILES})
        result = build(root)
        assert result.ok and messages(result) == [], messages(result)
        pages[engine] = result.outputs["explainers/both/index.html"]
        page = pages[engine].decode()
        assert 'href="/people/ada/"' in page and 'href="#source-1"' in page and "p. 4" in page
        assert '<nav class="toc"' in page and '<aside class="callout warning" role="note"' in page
        assert '<math display="block">' in page and '<span class="k">def</span>' in page
        assert 'aria-label="Link to section: What Ada wrote"' in page
        assert [e.id for e in result.index.item("explainers/both").toc] == ["what-wrote", "the-code", "further"]
    assert words(pages["cmark-gfm"]) == words(pages["python-markdown"])


def test_changing_the_engine_rebuilds_from_the_cache_with_the_new_one(make_site):
    root = make_site({**FILES, "content/explainers/both.md": EXPLAINER + "\n!!! note\n    Admonition.\n"})
    first = build_site(root, BuildOptions())
    assert "admonition" not in (root / "output/explainers/both/index.html").read_text("utf-8") and first.ok
    (root / "site.yml").write_text(MINIMAL_SITE_YML + "markdown: python-markdown\nmarkdown_extensions: [admonition]\n")
    second = build_site(root, BuildOptions())
    assert second.ok and '<div class="admonition note">' in (root / "output/explainers/both/index.html").read_text()


def bundled_site(tmp_path: Path, extra: str) -> dict:
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    if (ROOT / "templates").is_dir():
        shutil.copytree(ROOT / "templates", root / "templates")
    (root / "site.yml").write_text((ROOT / "site.yml").read_text("utf-8") + extra, "utf-8")
    result = build_site(root, BuildOptions(strict=True), write=False)
    assert result.ok and result.diagnostics == [], [d.format() for d in result.diagnostics]
    return result.outputs


def test_the_bundled_site_reads_the_same_from_both_engines(tmp_path):
    """The differential test: every page's text, engine against engine (docs/writing.md lists where the two
    differ; the bundled site uses none of those)."""
    cmark = bundled_site(tmp_path / "a", "")
    python = bundled_site(tmp_path / "b", "\nmarkdown: python-markdown\n")
    assert sorted(cmark) == sorted(python)
    pages = [k for k in cmark if k.endswith(".html")]
    assert len(pages) > 200
    differ = [k for k in pages if words(cmark[k]) != words(python[k])]
    assert differ == []
    assert sum(cmark[k] != python[k] for k in pages) > 0  # the HTML is each engine's own: the test compares two


@pytest.mark.parametrize("text", [
    "Para\n- a\n- b\n",  # Python-Markdown needs a blank line before a list
    "- a\n  - b\n",  # and four spaces to nest one
    "~~gone~~",  # strikethrough is pymdownx.tilde's
    "See https://example.org",  # bare addresses are pymdownx.magiclink's
    "1) one\n2) two\n",  # lists numbered with ')'
    "| a |\n| - |\n| `x|y` |\n",  # a pipe in code in a table cell
])
def test_the_documented_differences_are_real(text):
    """docs/writing.md lists these; if an engine changes, the list must too."""
    def tags(engine: str) -> list[str]:
        return re.findall(r"<(\w+)", MarkdownRenderer("allow", engine).render(text, "x.md", Problems()).html)
    assert tags("cmark-gfm") != tags("python-markdown")


def test_the_converters_load_only_when_something_is_parsed():
    """A build that parses nothing (an edit to a template, a no-change build) pays for none of them."""
    import subprocess
    import sys
    code = ("import sys, site_builder.build, site_builder.config, site_builder.read.markup\n"
            "print([m for m in ('cmarkgfm', 'pygments', 'latex2mathml', 'markdown') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cmark_gives_back_the_memory_of_each_conversion():
    """cmarkgfm's one-call converter keeps the tree and the HTML of every page it converts; ours frees
    both, or a preview edited all day (and a build's parent, which parses too) would keep them all."""
    from site_builder.read.engines import Cmark, _kept
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("reads the resident memory from /proc")

    def resident() -> int:  # bytes
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    engine = Cmark("allow")
    assert engine._free is not _kept and engine._free_tree is not _kept  # the library lets us free them
    text = "## Part\n\n" + "A line with *emphasis*, a [link](https://example.org/) and `code`.\n\n" * 100
    html_once = engine.convert(text)
    before = resident()
    for _ in range(3000):  # about 70 KB each were kept: 200 MiB
        assert engine.convert(text) == html_once
    assert resident() - before < 40 * 2**20
