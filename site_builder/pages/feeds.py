"""Atom feeds (the site's, and one per tag) and the sitemap's dates.

Both feeds render through feed.xml with `explainers` (the entries, newest first) and `feed`: its
title, the page it is the feed of (`alternate`), and `updated`, the latest date of any entry. With
`feed_content: full` each entry also has `content`: the explainer's text as HTML (to be escaped
into <content type="html">), every link in it absolute so it works in a feed reader.
"""

from __future__ import annotations

import re

from ..i18n.catalogs import gettext
from .citations import PageRefs

_URL_ATTR_RE = re.compile(r'\s(href|src)="([^"]*)"')
_SRCSET_RE = re.compile(r'\ssrcset="([^"]*)"')
EPOCH = "1970-01-01T00:00:00Z"


def entries(index, refs, route, only=None) -> list[dict]:
    """Feed entries: the explainers as the home page lists them (in the feed's language on a site with
    several), those in `only` if given, each with its text (`content`) when the site asks for it."""
    from .context import explainers
    out = explainers(index, refs, only)
    if not refs.one_language:  # a language's feed has the explainers written in it
        out = [e for e in out if e["language"] == refs.language]
    if index.config.publish.feed_content == "full":
        for entry in out:
            entry["content"] = full_text(index, refs.version(entry["id"])[0], entry["abs_url"])
    return out


def full_text(index, id_: str, page: str) -> str:
    """An explainer's body as the feed carries it: references and citations filled in, every link absolute."""
    body = str(PageRefs(index).fill(index.item(id_).body))
    origin = index.urls.origin

    def absolute(url: str) -> str:
        if url.startswith("#"):
            return page + url
        if url.startswith("/") and not url.startswith("//"):
            return origin + url
        return url

    def srcset(m: re.Match) -> str:  # "url 480w, url 960w": each url made absolute
        candidates = (part.strip().partition(" ") for part in m.group(1).split(","))
        return ' srcset="' + ", ".join(absolute(url) + space + width for url, space, width in candidates) + '"'

    body = _URL_ATTR_RE.sub(lambda m: f' {m.group(1)}="{absolute(m.group(2))}"', body)
    return _SRCSET_RE.sub(srcset, body)


def _updated(items: list[dict]) -> str:
    """The latest date of any entry (its updated, else its date), as an Atom date-time."""
    dates = [(e["updated"] or e["date"]).full_iso() for e in items if e["updated"] or e["date"]]
    return max(dates) + "T00:00:00Z" if dates else EPOCH


def feed_context(index, route, refs) -> dict:
    """The site's feed (one per language on a site with several): every explainer."""
    from .context import common
    ctx = common(index, route, refs, index.config.title, index.config.description)
    from .corrections import site_corrections
    ctx["explainers"] = entries(index, refs, route)
    # corrections are written in the site's own language: its feed carries them, a translation's does not
    own = refs.one_language or refs.language == index.config.language
    ctx["corrections"] = site_corrections(index, refs) if own else []
    dated = ctx["explainers"] + [{"updated": None, "date": c["date"]} for c in ctx["corrections"]]
    ctx["feed"] = {"title": index.config.title, "subtitle": index.config.description,
                   "alternate": index.urls.absolute(ctx["site"]["urls"]["home"]), "updated": _updated(dated)}
    return ctx


def tag_feed_context(index, route, refs) -> dict:
    """A tag's feed: the explainers with that tag."""
    from .context import common
    title = f"{index.config.title}: #{route.key}"
    about = gettext(refs.language, "Explainers tagged %(tag)s.", tag=route.key)
    ctx = common(index, route, refs, title, about)
    ctx["explainers"] = entries(index, refs, route, set(index.tagged(route.key)))
    ctx["corrections"] = []
    ctx["feed"] = {"title": title, "subtitle": about,
                   "alternate": index.urls.absolute(index.urls.tag(route.key)), "updated": _updated(ctx["explainers"])}
    return ctx


def tag_feed(index, tag: str) -> dict:
    """What a tag page links to: its feed's address and title."""
    return {"url": index.urls.path(f"tags/{tag}/feed.xml"), "title": f"{index.config.title}: #{tag}"}


def sitemap_entries(index, routes) -> list[dict]:
    """The sitemap's entries (pages/languages.py: each page's address and its other languages' versions),
    each with `lastmod` where known: an explainer's or page's `updated` or `date` (from git when the site
    uses it), a fact sheet's last commit."""
    from .languages import sitemap_entries as with_alternates
    out = with_alternates(index, routes)
    for route, entry in zip(routes, out):
        entry["lastmod"] = ""
        if route.kind in ("explainer", "page"):
            doc = index.card_item(route.key)
            date = doc.updated or doc.date
            entry["lastmod"] = date.iso() if date is not None else ""
        elif route.kind == "fact" and index.config.publish.updated_from_git:
            date = index.file_date(route.key)
            entry["lastmod"] = date.iso() if date is not None else ""
    return out
