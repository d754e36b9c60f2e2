"""An item as lists show it (its card: name, kind, date, summary, address), and a fact sheet's field values as its page
shows them."""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from ..i18n.catalogs import gettext
from ..model import Competing, FactSheet, FieldValue, Fragment, Money, PartialDate, Passage, RefValue, SourceRef
from ..site.index import Index
from .citations import Deferred, PageRefs, fragment_text
from .disputed import competing_html, competing_markup
from .languages import kind_label, marked


def plain(refs: PageRefs, fragment: Fragment | None) -> Markup:
    """A fragment for lists and cards: refs as text, no citation markers, no links."""
    return Markup(html.escape(fragment_text(refs.index, fragment)))


def card(index: Index, refs: PageRefs, id_: str) -> dict:
    """An item as lists show it, in the page's language where it has a version in it (else marked with its own).
    Made once a build for each item and language, and shared by every page that lists it (Index.derived)."""
    return dict(index.derived(("card", refs.language, id_), lambda: _card(index, refs, id_)))


def _card(index: Index, refs: PageRefs, id_: str) -> dict:
    id_, language = refs.version(id_)
    item = index.card_item(id_)  # a card shows card fields only (resolve.card_fields)
    url = index.url(id_, language)
    if isinstance(item, FactSheet):
        found = item.translation(language) if item.translations else None
        name, summary = (found.name, found.summary) if found is not None else (item.name, item.summary)
        out = {"id": id_, "name": name, "url": url, "kind": index.config.type(item.type).singular,
               "kind_lang": index.config.language if refs.language != index.config.language else "",
               "abs_url": index.urls.absolute(url), "summary": plain(refs, summary), "date": date_of(item)}
    else:
        date = item.date or (index.card_item(item.base_id).date if item.language and index.has(item.base_id) else None)
        out = {"id": id_, "name": item.title, "url": url, "kind": kind_label(refs.language, item.kind), "kind_lang": "",
               "abs_url": index.urls.absolute(url), "summary": Markup(html.escape(item.summary)), "date": date}
    out.update(language=language, **marked(index, language, refs.language))  # lang "" where it is the page's
    return out


def cards(index: Index, refs: PageRefs, ids) -> list[dict]:
    """Cards for items, each once in the page's language (an original and its translation are one item)."""
    seen: set[str] = set()
    out = []
    for id_ in ids:
        shown = refs.version(id_)[0]
        if shown not in seen:
            seen.add(shown)
            out.append(card(index, refs, id_))
    return out


def date_of(sheet: FactSheet) -> PartialDate | None:
    return sheet.date if isinstance(sheet.date, PartialDate) else None


def format_value(refs: PageRefs, fv: FieldValue) -> Markup:
    if isinstance(fv.value, Competing):
        return competing_html(refs, fv, format_field)
    return format_field(refs, fv.kind, fv.value)


def format_field(refs: PageRefs, kind: str, value) -> Markup:
    if isinstance(value, Fragment):
        return refs.later(value)
    if isinstance(value, Passage):
        return Deferred(lambda: _passage(refs, value), empty=False)
    if isinstance(value, Competing):
        return competing_markup(value, refs.language)
    if isinstance(value, PartialDate):
        return Markup(f'<time datetime="{value.iso()}">{value.display(refs.language)}</time>')
    if isinstance(value, Money):
        return Markup(html.escape(value.display()))
    if isinstance(value, RefValue):
        if refs.index.lookup(value.target) is None:  # reported by resolve
            return Markup(html.escape(value.target))
        return refs.ref(value.target)
    if isinstance(value, bool):
        return Markup(html.escape(gettext(refs.language, "yes") if value else gettext(refs.language, "no")))
    if isinstance(value, (int, float)):
        # group digits only from five figures up: years and numbers such as 2094 read better bare
        return Markup(f"{value:,}" if abs(value) >= 10000 else str(value))
    if kind == "url":
        safe = html.escape(value, quote=True)
        return Markup(f'<a href="{safe}" rel="noopener">{html.escape(_short_url(value))}</a>')
    if isinstance(value, tuple):
        if value and isinstance(value[0], SourceRef):
            return refs.later_markers(value)
        items = [format_field(refs, "", v) for v in value]
        return Markup(", ").join(items)
    return Markup(html.escape(str(value)))


def _passage(refs: PageRefs, value: Passage) -> Markup:
    """A source and the place in it: the source's name (a link to its sheet), the locator, a citation marker."""
    source = value.source.source
    locator = Markup(f'<span class="locator">{html.escape(value.locator)}</span>')
    if not refs.index.has(f"sources/{source}"):  # reported by resolve
        return Markup(html.escape(source)) + Markup(", ") + locator
    return refs.ref(f"sources/{source}") + Markup(", ") + locator + Markup(refs.group([(source, value.locator)]))


def _short_url(url: str) -> str:
    text = re.sub(r"^https?://(www\.)?", "", url)
    return text if len(text) <= 60 else text[:57] + "..."
