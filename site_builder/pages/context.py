"""What each kind of page gives its template: plain data, with Markdown already filled in display order."""

from __future__ import annotations

import html
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from ..text import plain_text
from ..i18n.catalogs import gettext
from ..i18n.locales import direction
from ..model import Competing, Document, FactSheet, Fragment
from .citations import PageRefs
from .corrections import correction_notes, corrections_context
from .disputed import competing_rows
from .languages import alternates, shown_document, shown_sheet, site_languages
from ..site.index import Index
from ..site.routes import Route
from .structured import json_ld
from .feeds import feed_context, tag_feed, tag_feed_context
from .images import lead_image, media_helper, share_image
from .listing import paged_context, paginate, with_anchors
from .moved import redirect_context
from .items import card, cards, date_of, format_field, format_value, plain


def site_url(urls, url: str) -> str:
    """A root-relative URL written by a site ('/timeline/', '/#explainers') moved under the base path."""
    if not url.startswith("/") or url.startswith("//"):
        return url
    path, hash_, fragment = url[1:].partition("#")
    path, mark, query = path.partition("?")  # the query and fragment are kept as written
    return urls.path(path) + mark + query + hash_ + fragment


def nav_state(urls, link: str, page_url: str) -> str:
    """aria-current for a navigation link: "page" on the page it leads to, "true" on the pages inside
    its section (a fact sheet under its type's list, an explainer under /explainers/), else ""."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:  # an absolute link counts only when it points into this site
        if not urls.origin or f"{parts.scheme}://{parts.netloc}" != urls.origin:
            return ""
    elif not parts.path.startswith("/"):
        return ""
    if parts.fragment or parts.query:  # a part of a page (/#explainers) or a query is not the page itself
        return ""
    path = unquote(parts.path)
    path = path.removesuffix("index.html")
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    here = unquote(page_url).removesuffix("index.html")
    if here == path:
        return "page"
    if path.endswith("/") and path != urls.home() and path.startswith(urls.home()) and here.startswith(path):
        return "true"
    return ""


def common(index: Index, route: Route, refs: PageRefs, title: str, description: str) -> dict:
    config, urls = index.config, index.urls
    language, prefix = refs.language, route.language
    lang = "" if language == config.language else config.language  # site.yml's text is in the site's language
    types = [{"name": t.name, "label": t.plural, "singular": t.singular, "url": urls.type_index(t.folder),
              "count": index.type_count(t.name), "description": t.description, "lang": lang,
              "current": nav_state(urls, urls.type_index(t.folder), route.url)}
             for t in config.types]
    nav = [{"label": label, "url": site_url(urls, url), "current": nav_state(urls, site_url(urls, url), route.url),
            "lang": lang} for label, url in config.nav]
    return {
        "site": {"title": config.title, "description": config.description, "language": config.language,
                 "languages": site_languages(index, route), "base_url": config.base_url, "base": urls.base,
                 "author": config.author, "copyright": config.copyright, "nav": nav, "types": types, "lang": lang,
                 "urls": {"home": urls.home(prefix), "timeline": urls.path("timeline/"), "tags": urls.path("tags/"),
                          "feed": urls.path("feed.xml", prefix), "explainers": urls.path("explainers/", prefix),
                          "search": urls.path("search/", prefix) if config.search != "off" else "",
                          "facts": urls.path("data/facts.json"), "cards": urls.path("data/cards.json")}},
        "page": {"url": route.url, "canonical": urls.absolute(route.url), "kind": route.kind,
                 "title": title, "description": description, "json_ld": json_ld(index, route, title),
                 "language": language, "dir": direction(language), "alternates": alternates(index, route),
                 "share": None, "prev": "", "next": ""},
        "ref": refs.ref,
        "static": urls.static,
        "absolute": urls.absolute,
        "url_for": lambda id_: index.url(*refs.version(index.known(id_))),
        "sheets": lambda type_name: sheets_of(index, refs, type_name),
        "sheet": lambda id_: sheet_card(index, refs, index.known(id_)),
        "media": media_helper(index),
    }


def sheet_card(index: Index, refs: PageRefs, id_: str) -> dict:
    """A card plus each field as plain text ("field") for templates that pick facts out of sheets."""
    sheet = index.item(id_)
    values = {}
    for fv in sheet.fields:
        shown = (plain(refs, fv.value) if isinstance(fv.value, Fragment)
                 else format_field(PageRefs(index, refs.language), fv.kind, fv.value))
        values[fv.name] = Markup(html.escape(plain_text(str(shown)))) if not isinstance(fv.value, Fragment) else shown
    return card(index, refs, id_) | {"field": values, "raw": {fv.name: fv.value for fv in sheet.fields},
                                     "disputed": [fv.name for fv in sheet.fields if isinstance(fv.value, Competing)]}


def sheets_of(index: Index, refs: PageRefs, type_name: str) -> list[dict]:
    """Every fact sheet of a type, as sheet cards: events by date, the rest by name."""
    return [sheet_card(index, refs, i) for i in index.ids_of_type(type_name)]


def explainer_context(index: Index, route: Route, refs: PageRefs) -> dict:
    doc: Document = shown_document(index, route.key)  # a translation with what it shares with its original
    about = cards(index, refs, (i for i in (index.lookup(r.target) for r in doc.about) if i))
    body = refs.later(doc.body)
    ctx = common(index, route, refs, doc.title, doc.summary)
    ctx.update({
        "doc": doc, "body": body, "about": about, "sources": refs.later_entries(),
        "scheduled": doc.date if index.shown is not None and index.shown.marked and index.shown.scheduled(doc) else None,
        "tags": [{"name": t, "url": index.urls.tag(t)} for t in doc.tags],
        # a translation that links to its original is the same page, not another that mentions it
        "mentions": cards(index, refs, (i for i in index.backlinks(doc.base_id) if index.links_of(i).base != doc.base_id)),
        "image": lead_image(index, doc.image), "corrections": correction_notes(refs, doc),
    })
    ctx["page"]["share"] = share_image(index, route, doc.image)
    return ctx


def _is_text(value) -> bool:
    """Whether a field's value is text written in the sheet (not a date, number or reference)."""
    return isinstance(value, (str, Fragment)) or (isinstance(value, tuple) and any(_is_text(v) for v in value))


def fact_context(index: Index, route: Route, refs: PageRefs) -> dict:
    sheet: FactSheet = shown_sheet(index, route.key, refs.language)  # its name, summary and body translated
    # the fields, facts and aliases are written in the site's language: marked so on a translated page
    untranslated = index.config.language if refs.language != index.config.language else ""
    tspec = index.config.type(sheet.type)
    summary = refs.later(sheet.summary)
    rows = []
    for fv in sheet.fields:
        if tspec.builtin and fv.name in ("title", "summary"):
            continue
        spec = tspec.field(fv.name)
        value = format_value(refs, fv)
        publisher_link = fv.name == "publisher" and isinstance(fv.value, Fragment) and "/" in fv.value.source
        if publisher_link and index.lookup(fv.value.source.strip()):
            value = refs.ref(fv.value.source.strip())
        disputed = isinstance(fv.value, Competing)
        rows.append({"name": fv.name, "label": spec.display_label if spec else fv.name, "kind": fv.kind,
                     "html": value, "sources": refs.later_markers(fv.sources), "note": refs.later(fv.note),
                     "value": fv.value, "disputed": disputed,
                     "competing": competing_rows(refs, fv, format_field) if disputed else [],
                     "lang": untranslated if _is_text(fv.value) else ""})
    facts = [{"label": f.label, "html": refs.later(f.value), "sources": refs.later_markers(f.sources),
              "note": refs.later(f.note)} for f in sheet.facts]
    body = refs.later(sheet.body)
    event_ids = index.events_for(sheet.id)
    events = cards(index, refs, event_ids)
    # an event that refers to this sheet is listed under its events already, not again among the mentions
    mentions = cards(index, refs, (i for i in index.backlinks(sheet.id) if i not in event_ids))
    cited_in = cards(index, refs, index.citers(sheet.id))
    ctx = common(index, route, refs, sheet.name, plain(refs, sheet.summary))
    ctx.update({
        "untranslated": untranslated,
        "sheet": sheet, "type": {"name": tspec.name, "label": tspec.singular, "plural": tspec.plural,
                                 "url": index.urls.type_index(tspec.folder), "schema_org": tspec.schema_org},
        "summary": summary, "fields": rows, "rows": {r["name"]: r for r in rows}, "facts": facts, "body": body,
        "aliases": list(sheet.aliases), "events": events, "mentions": mentions, "cited_in": cited_in,
        "sources": refs.later_entries(), "image": lead_image(index, sheet.image),
        "corrections": correction_notes(refs, sheet),
    })
    ctx["page"]["share"] = share_image(index, route, sheet.image)
    return ctx


def type_index_context(index: Index, route: Route, refs: PageRefs) -> dict:
    tspec = index.config.type(route.key.partition("/")[0])  # page 2 on: 'type/2'
    ids = index.ids_of_type(tspec.name)
    paging = paginate(index, route, ids, "year" if tspec.name == "event" else "letter")
    described = tspec.description or gettext(refs.language, "%(plural)s on this site.", plural=tspec.plural)
    ctx = common(index, route, refs, tspec.plural, described)
    ctx.update({"type": {"name": tspec.name, "label": tspec.singular, "plural": tspec.plural,
                         "description": tspec.description},
                "items": with_anchors(cards(index, refs, paging["ids"]), paging)})
    paged_context(ctx, paging, tspec.plural)
    return ctx


def timeline_context(index: Index, route: Route, refs: PageRefs) -> dict:
    ids = index.ids_of_type("event")
    paging = paginate(index, route, ids, "year", lambda label, id_: id_.replace("/", "-"))
    events = [index.item(i) for i in paging["ids"]]
    rows = []
    for sheet in events:
        fv = sheet.field("source")
        rows.append({"id": sheet.id, "name": sheet.name, "url": index.url(sheet.id), "date": date_of(sheet),
                     "summary": refs.later(sheet.summary),
                     "sources": refs.later_markers(fv.value if fv is not None else ()),
                     "involves": cards(index, refs, (i for i in (index.lookup(r.target) for r in _involves(sheet)) if i))})
    years = sorted({r["date"].year for r in rows if r["date"]})
    ctx = common(index, route, refs, gettext(refs.language, "Timeline"),
                 gettext(refs.language, "Every dated event on this site, in order."))
    ctx.update({"events": rows, "years": years, "sources": refs.later_entries(), "total": len(ids)})
    paged_context(ctx, paging, gettext(refs.language, "Timeline"))
    return ctx


def _involves(sheet: FactSheet) -> tuple:
    fv = sheet.field("involves")
    return fv.value if fv is not None else ()


class DocView:
    """An explainer as a list item offers it: reading any of its attributes makes the page depend on
    the whole explainer (its body included), which the card fields alone do not."""

    __slots__ = ("_index", "_id")

    def __init__(self, index: Index, id_: str):
        self._index, self._id = index, id_

    def __getattr__(self, name: str):
        return getattr(self._index.item(self._id), name)


def explainers(index: Index, refs: PageRefs, only: set[str] | None = None) -> list[dict]:
    """Every explainer, newest first, each in the page's language where it is translated into it; only
    those shown as one of `only` if given (a tag's feed: cards for its explainers alone, not the site's).
    Each entry is made once a build for each language and shared by every list that shows it (the home
    page, the list of explainers, the feeds, the sitemap); each page gets entries of its own to change."""
    out = []
    for id_ in index.ids_of_kind("explainer"):
        if only is None or refs.version(id_)[0] in only:
            out.append(dict(index.derived(("entry", refs.language, id_), lambda: _entry(index, refs, id_))))
    return out


def _entry(index: Index, refs: PageRefs, id_: str) -> dict:
    shown = refs.version(id_)[0]
    d = index.card_item(id_)  # tags, and the date, authors and updated a translation does not give, are the original's
    t = index.card_item(shown) if shown != id_ else d
    updated = t.updated if t.date else t.updated or d.updated  # with its own date, a translation's own
    return card(index, refs, id_) | {"tags": list(d.tags), "updated": updated, "authors": list(t.authors or d.authors),
                                     "doc": DocView(index, shown)}


def explainers_context(index: Index, route: Route, refs: PageRefs) -> dict:
    """The list of every explainer, newest first, under the text of the site's page at /explainers/ if any."""
    page = index.item(route.key) if route.key else None
    title = page.title if page is not None else gettext(refs.language, "Explainers")
    about = page.summary if page is not None and page.summary else gettext(
        refs.language, "Every explainer on %(site)s.", site=index.config.title)
    ctx = common(index, route, refs, title, about)
    ctx.update({"doc": page, "intro": refs.later(page.body) if page is not None else None,
                "explainers": explainers(index, refs), "sources": refs.later_entries()})
    return ctx


def home_context(index: Index, route: Route, refs: PageRefs) -> dict:
    ctx = common(index, route, refs, index.config.title, index.config.description)
    ctx.update({"explainers": explainers(index, refs),
                "pages": cards(index, refs, index.ids_of_kind("page")),
                "events": cards(index, refs, index.ids_of_type("event"))})
    return ctx


def tag_context(index: Index, route: Route, refs: PageRefs) -> dict:
    tag = route.key.partition("/")[0]  # page 2 on: 'tag/2'
    paging = paginate(index, route, list(index.tagged(tag)), "year")
    title = gettext(refs.language, "Tagged “%(tag)s”", tag=tag)
    ctx = common(index, route, refs, title, gettext(refs.language, "Explainers tagged %(tag)s.", tag=tag))
    ctx.update({"tag": tag, "items": with_anchors(cards(index, refs, paging["ids"]), paging),
                "feed": tag_feed(index, tag)})
    paged_context(ctx, paging, title)
    return ctx


def tags_context(index: Index, route: Route, refs: PageRefs) -> dict:
    ctx = common(index, route, refs, gettext(refs.language, "Tags"), gettext(refs.language, "Every tag used on this site."))
    ctx.update({"tags": [{"name": t, "url": index.urls.tag(t), "count": count} for t, count in index.tag_counts().items()]})
    return ctx


def page_context(index: Index, route: Route, refs: PageRefs) -> dict:
    return explainer_context(index, route, refs)


def simple_context(index: Index, route: Route, refs: PageRefs) -> dict:
    titles = {"404": gettext(refs.language, "Page not found"), "feed": index.config.title,
              "sitemap": gettext(refs.language, "Sitemap")}
    ctx = common(index, route, refs, titles.get(route.kind, ""), index.config.description)
    ctx["explainers"] = explainers(index, refs)
    if route.kind == "feed" and not refs.one_language:  # a language's feed has the explainers written in it
        ctx["explainers"] = [e for e in ctx["explainers"] if e["language"] == refs.language]
    if route.kind == "sitemap":
        ctx["entries"] = []  # filled by the caller, which knows every route
    return ctx


def search_context(index: Index, route: Route, refs: PageRefs) -> dict:
    ctx = common(index, route, refs, gettext(refs.language, "Search"),
                 gettext(refs.language, "Search the explainers and fact sheets of %(site)s.", site=index.config.title))
    ctx["explainers"] = explainers(index, refs)
    return ctx


CONTEXTS = {
    "home": home_context, "explainers": explainers_context, "explainer": explainer_context, "page": page_context, "fact": fact_context,
    "type-index": type_index_context, "timeline": timeline_context, "tag": tag_context, "tags": tags_context,
    "404": simple_context, "feed": feed_context, "sitemap": simple_context, "search": search_context,
    "corrections": corrections_context,
    "tag-feed": tag_feed_context, "redirect": redirect_context,
}
