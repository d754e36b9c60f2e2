"""Pages in several languages: which version of an item a page shows, the alternates and switcher.

A page in a language shows each item in that language where there is a version in it (a
translated explainer or page, a fact sheet's translation), else in the site's own language,
marked with that language so readers and screen readers know. What a translation shares with its
original (tags, `about`, and the date, authors and image it does not give itself) is filled in
here, so every page and the structured data show a translation the same way.
"""

from __future__ import annotations

from dataclasses import replace

from ..i18n.catalogs import gettext
from ..i18n.locales import direction, language_name
from ..model import Document, FactSheet
from ..site.index import Index
from ..site.routes import Route

ALTERNATE_KINDS = ("explainer", "page", "fact", "home", "search")


def page_language(index: Index, route: Route) -> str:
    return route.language or index.config.language


def names(index: Index, code: str) -> str:
    """A language's name for a switcher: in its own language, with its region only where the site has
    another version of the same language (pt-BR and pt-PT)."""
    base = code.split("-")[0]
    regional = sum(1 for other in index.config.published if other.split("-")[0] == base) > 1
    return language_name(code, None, regional)


def alternates(index: Index, route: Route) -> list[dict]:
    """Every version of this page, in the site's order of languages ([] for a page in one language only)."""
    config = index.config
    if len(config.published) < 2 or route.kind not in ALTERNATE_KINDS:
        return []
    if route.kind in ("explainer", "page", "fact"):
        found = [(language, index.url(id_, language)) for language, id_ in index.versions(route.key).items()]
    elif route.kind == "home":
        found = [(language, index.urls.home(_prefix(index, language))) for language in config.published]
    else:
        found = [(language, index.urls.path("search/", _prefix(index, language))) for language in config.published]
    if len(found) < 2:
        return []
    here = page_language(index, route)
    return [{"language": language, "name": names(index, language), "url": url, "abs_url": index.urls.absolute(url),
             "dir": direction(language), "current": language == here} for language, url in found]


def _prefix(index: Index, language: str) -> str:
    return "" if language == index.config.language else language


def site_languages(index: Index, route: Route) -> list[dict]:
    """The languages the site publishes, each with its home page."""
    here = page_language(index, route)
    return [{"language": language, "name": names(index, language), "dir": direction(language),
             "url": index.urls.home(_prefix(index, language)), "current": language == here}
            for language in index.config.published]


def marked(index: Index, language: str, page: str) -> dict:
    """How text in `language` is marked on a page in `page`'s language: its `lang`, and its language's
    name in the page's language ('영어' for English on a Korean page); empty where they are the same."""
    if language == page:
        return {"lang": "", "language_name": ""}
    return {"lang": language, "language_name": language_name(language, page)}


def shown_document(index: Index, id_: str) -> Document:
    """An explainer or page as its page shows it: a translation with what it shares with its original."""
    doc: Document = index.item(id_)
    if not doc.language or not index.has(doc.base_id):
        return doc
    original: Document = index.item(doc.base_id)
    dated = doc.date is not None  # a translation with its own date has its own `updated` only
    return replace(doc, date=doc.date if dated else original.date,
                   updated=doc.updated if dated else doc.updated or original.updated,
                   authors=doc.authors or original.authors, tags=original.tags, about=original.about,
                   image=doc.image or original.image)


def shown_sheet(index: Index, id_: str, language: str) -> FactSheet:
    """A fact sheet with its name, summary and body in `language` (as written, where it has no translation)."""
    sheet: FactSheet = index.item(id_)
    found = sheet.translation(language) if language != index.config.language else None
    if found is None:
        return sheet
    return replace(sheet, name=found.name, summary=found.summary, body=found.body)


def kind_label(language: str, kind: str) -> str:
    """'Explainer' or 'Page' in a language."""
    return gettext(language, "Explainer") if kind == "explainer" else gettext(language, "Page")


def _version_key(route: Route) -> tuple[str, str]:
    """What the versions of one page share: their kind, and the original's id (a translation's key is the
    original's id with its language: explainers/the-gift.ko)."""
    if route.language and route.kind in ("explainer", "page"):
        return route.kind, route.key.removesuffix("." + route.language)
    return route.kind, route.key


def sitemap_entries(index: Index, routes: list[Route]) -> list[dict]:
    """The sitemap's pages, each with its versions in the other languages (and x-default, the original)."""
    absolute, default = index.urls.absolute, index.config.language
    if len(index.config.published) < 2:
        return [{"loc": absolute(r.url), "alternates": []} for r in routes]
    order = {language: n for n, language in enumerate(index.config.published)}
    groups: dict[tuple[str, str], list[Route]] = {}
    for route in routes:
        groups.setdefault(_version_key(route), []).append(route)
    out = []
    for route in routes:
        group = sorted(groups[_version_key(route)], key=lambda r: order.get(r.language or default, len(order)))
        found = [{"hreflang": r.language or default, "href": absolute(r.url)} for r in group] if len(group) > 1 else []
        if found:
            found.append({"hreflang": "x-default", "href": found[0]["href"]})
        out.append({"loc": absolute(route.url), "alternates": found})
    return out
