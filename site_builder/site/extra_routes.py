"""The routes besides one per item and list: further pages of long lists, per-tag feeds, share cards,
resized copies of large images, and redirect pages for old addresses (checked against every other route).

`plan_routes` (routes.py) calls `extra_routes` with the routes it planned; what these depend on is
in build.PLAN_KEYS (list lengths, tags, which items have images, image sizes, old addresses).
"""

from __future__ import annotations

import math
from urllib.parse import unquote

from ..diagnostics import Location, Problems
from .media import resized_path, resized_widths, shareable
from .urls import out_path_for

CARD_NAME = "card.png"  # a page's share card is published beside it: /explainers/x/card.png


def page_key(base: str, number: int) -> str:
    """The route key of page `number` of a list whose first page has the key `base`."""
    return base if number == 1 else f"{base}/{number}"


def split_page(route_key: str) -> tuple[str, int]:
    """(base key, page number) of a list page's route key (type names, tags and "" have no '/')."""
    base, slash, number = route_key.partition("/")
    return (base, int(number)) if slash else (base, 1)


def page_count(length: int, per_page: int) -> int:
    return max(1, math.ceil(length / per_page))


def list_pages(index) -> list[tuple[str, str, str]]:
    """(first page's URL, kind, base key) of every list that may run to several pages."""
    urls = index.urls
    out = [(urls.type_index(t.folder), "type-index", t.name) for t in index.config.types]
    out.append((urls.path("timeline/"), "timeline", ""))
    out.extend((urls.tag(tag), "tag", tag) for tag in index.tag_counts())
    return out


def list_length(index, kind: str, base: str) -> int:
    if kind == "tag":
        return len(index.tagged(base))
    return index.type_count("event" if kind == "timeline" else base)


def numbered_url(first: str, number: int) -> str:
    """The URL of page `number` of a list: /sources/, /sources/page/2/, ..."""
    return first if number == 1 else f"{first}page/{number}/"


def extra_routes(index, planned: list, problems: Problems) -> list:
    """The routes `plan_routes` adds to those it planned (see the module's docstring)."""
    from .routes import Route
    urls, out = index.urls, []

    def add(url: str, kind: str, key: str, template: str = "", origin: str = "site.yml") -> None:
        out.append(Route(url, out_path_for(url, urls.base), kind, key, template, origin))

    per_page = index.config.publish.per_page
    for first, kind, base in list_pages(index):
        for number in range(2, page_count(list_length(index, kind, base), per_page) + 1):
            add(numbered_url(first, number), kind, page_key(base, number), f"{kind}.html")
    for tag in index.tag_counts():
        add(urls.path(f"tags/{tag}/feed.xml"), "tag-feed", tag, "feed.xml")
    if index.share_cards():
        for id_ in [i for i in index.doc_order() if i.startswith("explainers/")] + index.fact_ids():
            links = index.links_of(id_)
            if not (links.image and shareable(index.media_info(links.image))):
                add(index.url(id_) + CARD_NAME, "card", id_, origin=links.rel_path)
    for rel in sorted(index.media):
        for width in resized_widths(index.media_info(rel)):
            add(urls.media(resized_path(rel, width)), "resized", f"{rel}|{width}", origin=rel)
    return out + _redirects(index, planned + out, problems)


def _redirects(index, planned: list, problems: Problems) -> list:
    """A redirect page for each old address; one that is some page's address, or another item's old
    address too, is an error at the redirect_from entry (the first item, by kind and name, keeps it)."""
    from .routes import Route
    urls = index.urls
    taken = {r.out_path: r for r in planned}
    mine: dict[str, tuple[str, str]] = {}  # out_path -> (path, id) of the redirect that has it
    out = []
    for path, ids in index.redirect_paths().items():
        url = urls.path(unquote(path[1:]))
        out_path = out_path_for(url, urls.base)
        for id_ in ids:
            links = index.links_of(id_)
            where = next((Location(links.rel_path, line, col) for p, line, col in links.redirects if p == path),
                         Location(links.rel_path))
            if out_path in taken:
                owner = taken[out_path]
                problems.error(f"redirect_from '{path}' is the address of {_what(owner)}", where,
                               "a page lives there now: remove this old address")
            elif out_path in mine:
                problems.error(f"redirect_from '{path}' is also an old address of "
                               f"{index.links_of(mine[out_path][1]).rel_path}", where,
                               "an old address can lead to one page only: keep it on one of them")
            else:
                mine[out_path] = (path, id_)
                out.append(Route(url, out_path, "redirect", id_, "redirect.html", links.rel_path))
    return sorted(out, key=lambda r: r.out_path)


def _what(route) -> str:
    if route.origin and route.origin != "site.yml":
        return route.origin
    return f"the site's {route.kind.replace('-', ' ')} page"
