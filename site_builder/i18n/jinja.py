"""A Jinja environment speaking one language: `{% trans %}`, `_()` and the `date` filter.

Each language a site publishes gets an environment of its own (same loaders, same filters) with
that language's catalog installed, so every template a page reaches, imported macros included,
shows its interface text and dates in the page's language.
"""

from __future__ import annotations

from ..model import PartialDate
from .catalogs import translations


def install(env, language: str) -> None:
    """Give `env` the i18n extension with `language`'s catalog, and a `date` filter in that language."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks and indents are one space
    env.install_gettext_translations(translations(language), newstyle=True)

    def date(value) -> str:
        if isinstance(value, PartialDate):
            return value.display(language)
        return "" if value is None else str(value)

    env.filters["date"] = date
    env.globals["language"] = language
