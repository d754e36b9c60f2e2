"""A Jinja environment speaking one language: `{% trans %}`, `_()`, `ngettext()` and the `date` filter.

Each language a site publishes gets an environment of its own (same loaders, same filters) with
that language's catalog installed, so every template a page reaches, imported macros included,
shows its interface text and dates in the page's language.
"""

from __future__ import annotations

from markupsafe import Markup

from ..model import PartialDate
from .catalogs import translations


def install(env, language: str) -> None:
    """Give `env` the i18n extension with `language`'s catalog, and a `date` filter in that language."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks and indents are one space
    catalog = translations(language)
    env.install_gettext_translations(catalog, newstyle=True)
    # The extension's functions read the catalog through the template context on every call; each
    # environment has one catalog, so plain functions with the same (newstyle) calls do the same with
    # less work per string, and a string without values is looked up once.
    env.globals.update(_interface(catalog))

    def date(value) -> str:
        if isinstance(value, PartialDate):
            return value.display(language)
        return "" if value is None else str(value)

    env.filters["date"] = date
    env.globals["language"] = language


def _interface(catalog) -> dict:
    """gettext, _ and ngettext as Jinja's newstyle i18n calls them: translated, then %-formatted, as markup
    (the catalogs are the theme's own, trusted text; values are escaped as they are filled in)."""
    plain: dict[str, Markup] = {}

    def gettext(message: str, **values) -> Markup:
        if not values:
            found = plain.get(message)
            if found is None:
                found = plain[message] = Markup(catalog.gettext(message)) % {}
            return found
        return Markup(catalog.gettext(message)) % values

    def ngettext(singular: str, plural: str, num: int, **values) -> Markup:
        values.setdefault("num", num)
        return Markup(catalog.ngettext(singular, plural, num)) % values

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}
