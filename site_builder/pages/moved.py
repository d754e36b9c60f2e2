"""Redirect pages: what an old address (`redirect_from:`) shows, through redirect.html.

The page sends the reader on at once (a meta refresh), names the new address as canonical, asks
search engines not to index it, and shows a link for readers whose browser does not follow."""

from __future__ import annotations

from ..i18n.catalogs import gettext


def redirect_context(index, route, refs) -> dict:
    from .context import common
    target, title = index.url(route.key), index.title(route.key)
    about = gettext(refs.language, "%(title)s has moved to %(url)s.", title=title, url=target)
    ctx = common(index, route, refs, title, about)
    ctx["target"] = {"url": target, "abs_url": index.urls.absolute(target), "title": title}
    return ctx
