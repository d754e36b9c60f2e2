"""Plan every output file: one Route per page, feed, data file and asset; collisions reported before writing.

Each route has a kind, and each kind's properties live in one table (`KINDS`): the template it
renders through, whether it is an HTML page (listed in the sitemap), whether search indexes it,
whether it is a file copied as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..diagnostics import Location, Problems
from .index import Index
from .urls import out_path_for


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    template: str = ""  # the template it renders through ("": made by code, or copied)
    html: bool = False  # an HTML page: listed in the sitemap
    searched: bool = False  # indexed for search
    copied: bool = False  # a file copied as it is, not rendered


KINDS = {k.name: k for k in (
    Kind("home", "home.html", html=True),
    Kind("explainer", "explainer.html", html=True, searched=True),
    Kind("page", "page.html", html=True, searched=True),
    Kind("fact", "fact.html", html=True, searched=True),
    Kind("type-index", "type-index.html", html=True),
    Kind("explainers", "explainers.html", html=True),
    Kind("timeline", "timeline.html", html=True),
    Kind("tags", "tags.html", html=True),
    Kind("tag", "tag.html", html=True),
    Kind("corrections", "corrections.html", html=True, searched=True),
    Kind("404", "404.html"),
    Kind("feed", "feed.xml"),
    Kind("sitemap", "sitemap.xml"),
    Kind("search", "search.html"),
    Kind("robots"),
    Kind("data"),
    Kind("asset", copied=True),
    Kind("tag-feed", "feed.xml"),  # the rest: see extra_routes.py
    Kind("redirect", "redirect.html"),  # an old address: a small page that sends the reader on (not in the sitemap)
    Kind("card"),  # a share card (PNG), made by code
    Kind("resized"),  # a resized copy of a large image, made by code
)}


CORRECTIONS_PAGE = "pages/corrections"  # a page of this id opens the site's list of corrections


@dataclass(frozen=True, slots=True)
class Route:
    url: str
    out_path: str
    kind: str  # a name in KINDS
    key: str = ""  # the id, type name, tag, or the rel_path of a copied file
    template: str = ""
    origin: str = ""  # the file that asked for this route (for collision messages)
    language: str = ""  # a page in another of the site's languages, under /<language>/ ("": the site's own)

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    def template_names(self) -> list[str]:
        """The templates tried in order: a fact sheet's type's own, then the generic one; for a page in
        another language, each name in that language first (home.ko.html, then home.html)."""
        if self.kind == "fact":
            names = [self.template, "fact.html"]
        elif self.kind == "type-index":
            names = [f"type-index-{self.key.partition('/')[0]}.html", "type-index.html"]  # (page 2 on: 'name/2')
        else:
            names = [self.template] if self.template else []
        if self.language:
            return [n for name in names for n in (language_name(name, self.language), name)]
        return names


def language_name(template: str, language: str) -> str:
    """A template's name for one language: home.html -> home.ko.html."""
    stem, dot, ext = template.rpartition(".")
    return f"{stem}.{language}.{ext}" if dot else f"{template}.{language}"


@dataclass(frozen=True)
class Planned:
    """The plan stage's record: every route, the files copied as they are, and the collisions found."""

    routes: list[Route]
    copies: dict  # out_path -> the file (a Path) copied there
    problems: tuple
    statics: tuple[str, ...] = ()  # the static files it was planned with
    pages: list[Route] = field(default_factory=list)  # the routes rendered (not copied), in order
    sitemap: list[Route] = field(default_factory=list)  # the HTML pages, in order
    position: dict[str, int] = field(default_factory=dict)  # a page's out_path -> its place in pages

    def __post_init__(self):
        pages = [r for r in self.routes if not KINDS[r.kind].copied]
        object.__setattr__(self, "pages", pages)
        object.__setattr__(self, "sitemap", [r for r in pages if KINDS[r.kind].html])
        object.__setattr__(self, "position", {r.out_path: i for i, r in enumerate(pages)})

    @cached_property
    def out_paths(self) -> frozenset[str]:
        """Every file the routes write (made once per plan: a build that keeps the last plan reuses it)."""
        return frozenset(r.out_path for r in self.routes)


def plan_routes(index: Index, static_files: dict[str, str], problems: Problems) -> list[Route]:
    """All routes of the site. static_files maps 'static/<name>' output paths to their origin."""
    urls = index.urls
    routes: list[Route] = []

    def add(url: str, kind: str, key: str = "", template: str | None = None, origin: str = "site.yml",
            language: str = "") -> None:
        template = KINDS[kind].template if template is None else template
        routes.append(Route(url, out_path_for(url, urls.base), kind, key, template, origin, language))

    add(urls.home(), "home")
    intro = _document_routes(index, add)
    for language in ("", *index.config.published[1:]):  # the list of every explainer, in each language
        page = intro.get(language, "")
        add(urls.path("explainers/", language), "explainers", page,
            origin=index.place_of(page)[2] if page else "site.yml", language=language)
    if not index.has(CORRECTIONS_PAGE) and index.corrected():
        add(urls.path("corrections/"), "corrections")
    for tspec in index.config.types:
        add(urls.type_index(tspec.folder), "type-index", tspec.name)
    for id_ in index.fact_ids():
        _, type_name, rel = index.place_of(id_)
        add(urls.fact(id_), "fact", id_, f"fact-{type_name}.html", rel)
    for language in index.config.published[1:]:  # each fact sheet's page in the languages it is translated into
        for id_ in index.translated(language):
            _, type_name, rel = index.place_of(id_)
            add(urls.fact(id_, language), "fact", id_, f"fact-{type_name}.html", rel, language)
    add(urls.path("timeline/"), "timeline")
    add(urls.path("tags/"), "tags")
    for tag in index.tag_counts():
        add(urls.tag(tag), "tag", tag)
    add(urls.path("404.html"), "404")
    add(urls.path("feed.xml"), "feed")
    add(urls.path("sitemap.xml"), "sitemap")
    if urls.base == "/":  # crawlers read robots.txt at the root of a host only: see robots_note
        add(urls.path("robots.txt"), "robots")
    add(urls.path("data/facts.json"), "data", "facts")
    add(urls.path("data/cards.json"), "data", "cards")
    if index.config.search != "off":
        add(urls.path("search/"), "search")
    for language in index.config.published[1:]:  # each other language's home page, feed and search page
        add(urls.home(language), "home", language=language)
        add(urls.path("feed.xml", language), "feed", language=language)
        if index.config.search != "off":
            add(urls.path("search/", language), "search", language=language)
    for rel in sorted(index.media):
        add(urls.media(rel), "asset", rel, origin=rel)
    for out, origin in sorted(static_files.items()):
        add(urls.path(out), "asset", origin, origin=origin)
    from .extra_routes import extra_routes
    routes.extend(extra_routes(index, routes, problems))
    _check_collisions(routes, problems)
    return routes


def _document_routes(index: Index, add) -> dict[str, str]:
    """The routes of explainers and pages; returns, per language, the page written at /explainers/ (the
    list of explainers goes under its text) instead of routing it itself."""
    urls = index.urls
    intro: dict[str, str] = {}
    for id_ in index.doc_order():
        kind, _, rel = index.place_of(id_)
        slug, _, language = id_.partition("/")[2].partition(".")  # a translation's id ends in its language
        if kind == "page" and slug == "explainers":
            intro[language] = id_
            continue
        kind = "corrections" if id_ == CORRECTIONS_PAGE else kind
        add(urls.explainer(slug, language) if kind == "explainer" else urls.page(slug, language), kind, id_,
            origin=rel, language=language)
    return intro


def robots_note(urls) -> str:
    """What to tell the site builder when the site lives below the root of its host, where no robots.txt of
    the site's can be read ('' at the root)."""
    if urls.base == "/" or not urls.origin:
        return ""
    return (f"no robots.txt was written: crawlers read it only at the root of the host ({urls.origin}/robots.txt), "
            f"outside this site. To point them at this site's pages, add this line to that file: "
            f"Sitemap: {urls.absolute(urls.path('sitemap.xml'))}")


# what each kind of built-in page is, for messages ({key}: the route's key)
BUILT_IN = {"home": "home page", "type-index": "list of the type '{key}'", "timeline": "timeline",
            "tags": "list of tags", "tag": "page of the tag '{key}'", "404": "not-found page", "feed": "feed",
            "sitemap": "sitemap", "robots": "robots.txt", "data": "data file", "search": "search page",
            "explainers": "list of explainers", "asset": "file '{key}'"}


def _check_collisions(routes: list[Route], problems: Problems) -> None:
    seen: dict[str, Route] = {}
    for route in routes:
        first = seen.get(route.out_path)
        if first is None:
            seen[route.out_path] = route
            continue
        written = [r for r in (first, route) if r.origin.startswith("content/")]
        if len(written) == 1:  # a writer's file where a page of the site's own goes
            mine, theirs = written[0], route if written[0] is first else first
            what = BUILT_IN.get(theirs.kind, theirs.kind).format(key=theirs.key)
            problems.error(f"'{mine.origin}' would be published at {route.url}, where the site's {what} goes "
                           "(the address comes from the file's name, so no line is given)", Location(mine.origin),
                           "rename the file" + (", or give the type another folder in site.yml"
                                                if theirs.kind == "type-index" else ""))
            continue
        problems.error(f"'{route.origin}' and '{first.origin}' would both write {route.url} (the addresses come "
                       "from names, so no line is given)", Location(route.origin), "rename one of them")
