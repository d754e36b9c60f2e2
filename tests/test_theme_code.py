"""The built-in theme's compiled templates are kept between runs; a site's templates never are."""

from __future__ import annotations

import shutil

from site_builder.build import read_config, BuildOptions
from site_builder.pages.templates import ThemeCode, make_environment

from conftest import write_site

SITE = {
    "site.yml": "title: T\nbase_url: https://example.org/\n",
    "templates/note.html": "<p>{{ title }}</p>\n",
}


def _env(root, folder, tag="one"):
    config, _ = read_config(root, BuildOptions())
    return make_environment(root, {"templates/note.html": SITE["templates/note.html"]}, config, ThemeCode(folder, tag))


def test_theme_templates_are_kept_and_read_back_with_the_same_result(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    folder = tmp_path / "kept"
    first = _env(root, folder).get_template("home.html")
    kept = sorted(p.name for p in folder.iterdir())
    assert kept, "compiling a theme template keeps its code"
    again = _env(root, folder)
    bucket = again.bytecode_cache.get_bucket(again, "home.html", first.filename, again.loader.get_source(again, "home.html")[0])
    assert bucket.code is not None and bucket.code.co_filename == first.filename
    assert again.get_template("home.html").filename == first.filename
    assert sorted(p.name for p in folder.iterdir()) == kept  # nothing new: read, not compiled again


def test_a_site_template_is_never_kept(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    folder = tmp_path / "kept"
    env = _env(root, folder)
    assert env.get_template("note.html").render(title="x") == "<p>x</p>\n"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_another_tag_a_changed_source_or_a_damaged_file_means_compiling_again(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    folder = tmp_path / "kept"
    env = _env(root, folder)
    template = env.get_template("page.html")
    source = env.loader.get_source(env, "page.html")[0]
    (path,) = folder.iterdir()
    for cache, text in ((ThemeCode(folder, "two"), source), (ThemeCode(folder, "one"), source + " ")):
        assert cache.get_bucket(env, "page.html", template.filename, text).code is None
    path.write_bytes(path.read_bytes()[:60])  # cut short
    assert ThemeCode(folder, "one").get_bucket(env, "page.html", template.filename, source).code is None
    assert _env(root, folder).get_template("page.html").filename == template.filename  # compiled again
    assert ThemeCode(folder, "one").get_bucket(env, "page.html", template.filename, source).code is not None


def test_a_compiled_catalog_is_kept_and_a_changed_or_damaged_one_compiled_again(tmp_path, monkeypatch):
    from site_builder.i18n import catalogs

    locale, compiled = tmp_path / "locale", tmp_path / "compiled"
    locale.mkdir()
    shutil.copy(catalogs.LOCALE_DIR / "de.po", locale / "de.po")
    monkeypatch.setattr(catalogs, "LOCALE_DIR", locale)
    monkeypatch.setattr(catalogs, "COMPILED_DIR", compiled)
    made = []
    real = catalogs._compile
    monkeypatch.setattr(catalogs, "_compile", lambda path: made.append(path.name) or real(path))

    def german(message: str) -> str:
        catalogs.translations.cache_clear()
        return catalogs.translations("de").gettext(message)

    word = german("Contents")
    assert word != "Contents" and made == ["de.po"]
    assert german("Contents") == word and made == ["de.po"]  # read back, not compiled again
    (locale / "de.po").write_text((locale / "de.po").read_text().replace(f'msgstr "{word}"', 'msgstr "Inhalt!"'))
    assert german("Contents") == "Inhalt!" and len(made) == 2
    assert len(list(compiled.glob("de-*.mo"))) == 1  # the form of the old catalog went
    next(compiled.glob("de-*.mo")).write_bytes(b"damaged")
    assert german("Contents") == "Inhalt!" and len(made) == 3
    catalogs.translations.cache_clear()
