"""Plan every output file: one Route per page, feed, asset; collisions reported before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Location, Problems
from ..model import FactSheet
from .resolve import Index, doc_key
from .urls import out_path_for


@dataclass(frozen=True, slots=True)
class Route:
    url: str
    out_path: str
    kind: str  # home, explainer, page, fact, type-index, timeline, tag, tags, 404, feed, sitemap, robots, data,
    # search, asset
    key: str = ""  # the id, type name, tag, or the rel_path of a copied file
    template: str = ""
    origin: str = ""  # the file that asked for this route (for collision messages)


def plan_routes(index: Index, static_files: dict[str, str], problems: Problems) -> list[Route]:
    """All routes of the site. static_files maps 'static/<name>' output paths to their origin."""
    urls = index.urls
    routes: list[Route] = []

    def add(url: str, kind: str, key: str = "", template: str = "", origin: str = "") -> None:
        routes.append(Route(url, out_path_for(url, urls.base), kind, key, template, origin))

    add(urls.home(), "home", template="home.html", origin="site.yml")
    for doc in sorted(index.docs.values(), key=doc_key):
        if doc.kind == "explainer":
            add(urls.explainer(doc.slug), "explainer", doc.id, "explainer.html", doc.rel_path)
        else:
            add(urls.page(doc.slug), "page", doc.id, "page.html", doc.rel_path)
    for tspec in index.config.types:
        add(urls.type_index(tspec.folder), "type-index", tspec.name, "type-index.html", "site.yml")
    for sheet in sorted(index.facts.values(), key=lambda s: s.id):
        add(urls.fact(sheet.id), "fact", sheet.id, fact_template(sheet), sheet.rel_path)
    add(urls.path("timeline/"), "timeline", template="timeline.html", origin="site.yml")
    add(urls.path("tags/"), "tags", template="tags.html", origin="site.yml")
    for tag in index.tags:
        add(urls.tag(tag), "tag", tag, "tag.html", "site.yml")
    add(urls.path("404.html"), "404", template="404.html", origin="site.yml")
    add(urls.path("feed.xml"), "feed", template="feed.xml", origin="site.yml")
    add(urls.path("sitemap.xml"), "sitemap", template="sitemap.xml", origin="site.yml")
    add(urls.path("robots.txt"), "robots", origin="site.yml")
    add(urls.path("data/facts.json"), "data", "facts", origin="site.yml")
    add(urls.path("data/cards.json"), "data", "cards", origin="site.yml")
    if index.config.search != "off":
        add(urls.path("search/"), "search", template="search.html", origin="site.yml")
    for rel in sorted(index.media):
        add(urls.media(rel), "asset", rel, origin=rel)
    for out, origin in sorted(static_files.items()):
        add(urls.path(out), "asset", origin, origin=origin)
    _check_collisions(routes, problems)
    return routes


def fact_template(sheet: FactSheet) -> str:
    return f"fact-{sheet.type}.html"


def _check_collisions(routes: list[Route], problems: Problems) -> None:
    seen: dict[str, Route] = {}
    for route in routes:
        first = seen.get(route.out_path)
        if first is None:
            seen[route.out_path] = route
            continue
        problems.error(f"'{route.origin}' and '{first.origin}' would both write {route.url}",
                       Location(route.origin), "rename one of them")
