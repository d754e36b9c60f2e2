"""Extending the built-in theme: a site template extends the built-in one of the same name through the prefix
'theme/'; `site-builder theme --path` tells where the theme is and `--copy NAME` copies a template to start from."""

from __future__ import annotations

from site_builder.cli import main
from site_builder.pages.templates import THEME_DIR

from conftest import build, messages

SITE = {
    "content/facts/people/ada.yml": "name: Ada\nsummary: A mathematician.\nrole: Writer\n",
    "content/explainers/hello.md": "---\ntitle: Hello\nsummary: A greeting.\ndate: 2024-01-02\n---\nAbout [[people/ada]].\n",
}
BANNER = '{% extends "theme/explainer.html" %}{% block main %}<p class="banner">Read this</p>{{ super() }}{% endblock %}'


def test_a_site_template_extends_the_built_in_one_of_the_same_name(make_site):
    result = build(make_site({**SITE, "templates/explainer.html": BANNER}))
    assert [m for m in messages(result) if "error" in m] == []
    page = result.outputs["explainers/hello/index.html"].decode()
    assert '<p class="banner">Read this</p>' in page and '<article class="explainer">' in page


def test_extending_itself_is_a_located_error_that_says_what_to_write(make_site):
    result = build(make_site({**SITE, "templates/explainer.html": BANNER.replace("theme/", "")}))
    assert [m for m in messages(result) if ": error: " in m] == [(
        "templates/explainer.html:1: error: template 'explainer.html' extends or includes itself, which never ends "
        "(rendering /explainers/hello/)\n"
        '    hint: to build on the built-in explainer.html, write {% extends "theme/explainer.html" %}')]
    assert "maximum recursion" not in "\n".join(messages(result))


def test_theme_path_prints_the_built_in_theme_folder(capsys):
    assert main(["theme", "--path"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(THEME_DIR) and (THEME_DIR / "explainer.html").is_file()


def test_theme_copy_copies_one_template_and_never_overwrites(make_site, capsys):
    root = make_site(dict(SITE))
    assert main(["theme", str(root), "--copy", "fact.html"]) == 0
    copied = root / "templates/fact.html"
    assert copied.read_bytes() == (THEME_DIR / "fact.html").read_bytes()
    assert 'extends "theme/fact.html"' in capsys.readouterr().err
    copied.write_text(copied.read_text() + "<!-- mine -->")
    assert main(["theme", str(root), "--copy", "fact.html"]) == 1
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert copied.read_text().endswith("<!-- mine -->")
    assert main(["theme", str(root), "--copy", "theme/tag.html"]) == 0  # the prefix is the theme's name too
    assert build(root).ok


def test_theme_copy_of_an_unknown_name_or_outside_a_site_exits_2(make_site, tmp_path, capsys):
    root = make_site(dict(SITE))
    assert main(["theme", str(root), "--copy", "explaner.html"]) == 2
    err = capsys.readouterr().err
    assert "the built-in theme has no 'explaner.html' (did you mean 'explainer.html'" in err
    assert not (root / "templates").exists()
    assert main(["theme", str(tmp_path / "nowhere"), "--copy", "explainer.html"]) == 2
    assert "no site.yml" in capsys.readouterr().err
