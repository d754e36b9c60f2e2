"""Contents, heading links, code, maths and callouts in a reader's browser: axe finds nothing in light or
dark, the heading links are reached by keyboard with their names, nothing widens the page, maths is drawn.
Skipped without Chromium, failed under CI=true without it (as tests/test_browser.py)."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from site_builder.build import BuildOptions, build_site

from conftest import MINIMAL_SITE_YML, write_site
from test_browser import _Quiet, browser, run_axe  # noqa: F401 (browser is a fixture)

EXPLAINER = r"""---
title: Every feature in a browser
summary: Contents, heading links, code, maths and callouts.
date: 2024-01-01
---

A mean: $\bar{x} = \frac{1}{n}\sum_{i=1}^{n} x_i$, and money: $5 and $10.

## A wide program

```python
def a_function_with_a_long_name(first_argument, second_argument, third_argument, fourth_argument):
    return [first_argument + second_argument * third_argument for _ in range(fourth_argument)]  # long
```

## Wide maths

$$
\sum_{i=1}^{n} \frac{x_i - \bar{x}}{\sigma} + \sum_{j=1}^{m} \frac{y_j - \bar{y}}{\tau} + \sum_{k=1}^{p} \frac{z_k - \bar{z}}{\rho} + \sum_{l=1}^{q} w_l
$$

### Callouts about [[people/ada|Ada]]

> [!NOTE]
> A note with a [link](https://example.org/).

> [!TIP]
> A tip.

> [!IMPORTANT]
> Important.

> [!WARNING]
> A warning.

> [!CAUTION]
> Caution.
"""
FILES = {
    "site.yml": MINIMAL_SITE_YML,
    "content/explainers/all.md": EXPLAINER,
    "content/facts/people/ada.yml": "name: Ada\nsummary: A person.\nrole: Writer\n",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("markup-browser")
    site = write_site(tmp / "site", FILES)
    result = build_site(site, BuildOptions(out=tmp / "www"))
    assert result.ok, [d.format() for d in result.diagnostics]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/explainers/all/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_features_pass_axe_and_fit_a_phone(served, browser, scheme):  # noqa: F811
    context = browser.new_context(color_scheme=scheme, viewport={"width": 320, "height": 640})
    tab = context.new_page()
    try:
        tab.goto(served)
        assert run_axe(tab) == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= 320  # wide code and maths scroll alone
        keyword = tab.evaluate("getComputedStyle(document.querySelector('.highlight .k')).color")
        text = tab.evaluate("getComputedStyle(document.querySelector('.highlight')).color")
        assert keyword != text  # the theme's colours reach the code
        sizes = tab.evaluate("['note', 'tip'].map(k => getComputedStyle("
                             "document.querySelector(`aside.${k} p:not(.callout-title)`)).fontSize)")
        assert sizes[0] == sizes[1]  # a note callout is not the small print of a fact sheet's .note
    finally:
        context.close()


def test_heading_links_are_reached_by_keyboard_with_their_names(served, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        tab.goto(served)
        names: list[str] = []
        for _ in range(60):
            tab.keyboard.press("Tab")
            focused = tab.evaluate("[document.activeElement.className, document.activeElement.getAttribute('aria-label')]")
            if focused[0] == "self-link":
                if focused[1] in names:  # round the page once
                    break
                names.append(focused[1])
        assert names == ["Link to section: A wide program", "Link to section: Wide maths",
                         "Link to section: Callouts about Ada"]
        link = tab.get_by_role("link", name="Link to section: Wide maths")
        assert link.count() == 1
        link.click()
        assert tab.evaluate("location.hash") == "#wide-maths"
        assert tab.get_by_role("note", name="Warning").count() == 1
        assert tab.get_by_role("navigation", name="Contents").count() == 1
        height = tab.evaluate("document.querySelector('math[display=block]').getBoundingClientRect().height")
        assert height > 20  # drawn as maths: a fraction is taller than a line of text
    finally:
        context.close()
