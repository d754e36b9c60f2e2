"""The linked site as pages read it, and the record of what each page read.

`Links` is what linking learned of one item (its name, place in lists, what it refers to and
cites, its problems): plain data, so it is saved between command-line builds, and enough for any
page that only names, lists or links to the item. `Tables` are the site-wide lists made from the
links of every item (backlinks, citers, events per entity, tags, lists per kind and type).

`Index` is what templates and page code read. Every read goes through one of its methods, and
while a recorder is on (`Index.recording`), each method notes the key of what it read: the
render stage keeps those keys per page and renders a page again only when one of its keys
changed. With no recorder on, a read costs one attribute test more than a dict lookup.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from ..config import SiteConfig
from ..diagnostics import Diagnostic
from .urls import Urls

ALL = "*"


class Unreadable(LookupError):
    """An id whose file could not be read: a page that needs it is not made (the file's own error says why)."""


def key(table: str, name: str) -> str:
    """A dependency key: a table's letter and the name read in it."""
    return f"{table}\x00{name}"


@dataclass(frozen=True, slots=True)
class Links:
    """What linking learned of one item (an explainer, page or fact sheet)."""

    id: str
    rel_path: str
    digest: str  # of its source file
    kind: str  # "explainer", "page" or "fact"
    type: str  # the fact type's name, or the kind
    title: str  # title, or a fact sheet's name
    slug: str
    order: tuple  # its place in lists of its kind or type
    tags: tuple[str, ...]
    card: str  # a digest of what a card or list shows of it
    out: frozenset[str]  # ids it refers to
    cited: tuple[str, ...]  # ids of the sources it cites
    about: tuple[str, ...]  # for an event: the ids of what it is about
    names: frozenset[str]  # what it looked up (see link.World): when one of them changes, it is linked again
    corrected: tuple  # the last day its newest correction may mean, (y, m, d); () when it has none
    language: str  # a translation's language ("" for an original, which is in the site's language)
    base: str  # the original's id (its own, for an original)
    titles: tuple[tuple[str, str], ...]  # a fact sheet's name in each language it is translated into
    redirects: tuple[tuple[str, int, int], ...]  # its old addresses (redirect_from), each with its line and column
    image: str  # the rel_path of its own image, or ""
    site_links: tuple  # (prefix, path under the base, line, col) of each link into the site: see sitelinks.py
    problems: tuple[Diagnostic, ...]

    @property
    def head(self) -> tuple:
        """What a link to it shows: its name (in each language) and where it lives."""
        return (self.title, self.kind, self.type, self.slug, self.language, self.titles)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages a fact sheet is translated into."""
        return tuple(language for language, _ in self.titles)

    def rank(self) -> tuple:
        """Its place among backlinks and citers: explainers, then pages, then fact sheets, each by name."""
        return ({"explainer": 0, "page": 1}.get(self.kind, 2), self.title.lower(), self.id)


@dataclass
class Tables:
    """The site-wide lists, made from every item's links (see link.py for how they are kept up to date)."""

    backlinks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> ids that refer to it
    citers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source id -> ids that cite it
    events: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> events about it, by date
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> explainers, newest first
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # explainer/page -> ids in list order
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fact type -> ids in list order
    docs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "all" -> every explainer and page, in order
    corrected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ALL -> ids with corrections, newest first
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # an original's id -> its translations' ids
    translated: dict[str, tuple[str, ...]] = field(default_factory=dict)  # language -> fact sheets translated into it
    redirects: dict[str, tuple[str, ...]] = field(default_factory=dict)  # old path -> ids that claim it
    warnings: dict[str, tuple[Diagnostic, ...]] = field(default_factory=dict)  # sheet id -> site-wide warnings

    # what each Index method reads, by table letter (the keys `key` makes)
    NAMES = {"backlinks": "B", "citers": "W", "events": "E", "tags": "T", "kinds": "K", "types": "Y", "docs": "D",
             "corrected": "Q", "versions": "V", "translated": "X", "redirects": "A"}


class Index:
    """The whole site, linked, as rendering reads it."""

    def __init__(self, config: SiteConfig, urls: Urls, links: dict[str, Links], tables: Tables, world,
                 item_of: Callable[[Links], object], shown=None):
        self.config, self.urls, self.media = config, urls, world.media
        self._links, self._tables, self._world, self._item_of = links, tables, world, item_of
        self.shown = shown  # link.Shown: what the build publishes (its `today` is fixed for the build state)
        self.recorder: set[str] | None = None
        self.store = None  # where images the build makes are kept (incremental/images.py), set by the build
        self._derived: dict = {}  # name -> (value, the keys making it read): see derived()

    @contextmanager
    def recording(self):
        """`with index.recording() as keys:` collects the key of every read inside the block."""
        previous, self.recorder = self.recorder, set()
        try:
            yield self.recorder
        finally:
            self.recorder = previous

    def drop_derived(self) -> None:
        """Forget what derived() made (at the end of rendering). Its values may hold the index itself (a
        list entry's view of its explainer), and a cycle through the index would keep the whole site in
        memory until Python's cycle collector runs, which a build holds off."""
        self._derived.clear()

    def derived(self, name, make: Callable[[], object]):
        """make(), made once a build (an Index lives for one build) for each `name`: a value many pages derive
        alike from the site, like a long list's cards. Every page that asks for it notes the keys that making
        it read, as if it had made it itself, so it depends on what it would have read. The value is shared:
        it is not to be changed."""
        found = self._derived.get(name)
        if found is None:
            outer = self.recorder
            with self.recording() as keys:
                try:
                    value = make()
                finally:
                    if outer is not None:
                        outer.update(keys)
            self._derived[name] = (value, frozenset(keys))
            return value
        if self.recorder is not None:
            self.recorder.update(found[1])
        return found[0]

    def _note(self, table: str, name: str) -> None:
        if self.recorder is not None:
            self.recorder.add(sys.intern(f"{table}\x00{name}"))  # interned: one string per key in the saved state

    # ---- what exists
    def lookup(self, target: str) -> str | None:
        """The full id for a written id or a unique short id (a fact sheet's file name)."""
        self._note("L", target)
        if target in self._world.ids:
            return target
        found = self._world.short.get(target)
        return found[0] if found and len(found) == 1 else None

    def has(self, id_: str) -> bool:
        self._note("L", id_)
        return id_ in self._world.ids

    def known(self, target: str) -> str:
        """lookup(), for a template or page that cannot go on without the item: KeyError when nothing has
        the id, Unreadable when its file could not be read."""
        found = self.lookup(target)
        if found is not None:
            return found
        held = self._world.held_item(target)
        if held is not None and held.why == "unreadable":
            raise Unreadable(target)
        raise KeyError(target)

    # ---- what a link to an item shows
    def _head(self, id_: str) -> Links:
        self._note("H", id_)
        return self._links[id_]

    def title(self, id_: str, language: str = "") -> str:
        """Its name; a fact sheet's in `language` where it is translated into it."""
        links = self._head(id_)
        if language and links.titles:
            return dict(links.titles).get(language, links.title)
        return links.title

    def type_of(self, id_: str) -> str:
        return self._head(id_).type

    def kind_of(self, id_: str) -> tuple[str, str]:
        """('fact', type name) or ('doc', 'explainer' or 'page')."""
        links = self._head(id_)
        return ("fact", links.type) if links.kind == "fact" else ("doc", links.kind)

    def url(self, id_: str, language: str = "") -> str:
        """Its address; a fact sheet's page in `language` where it is translated into it."""
        links = self._head(id_)
        if links.kind == "fact":
            return self.urls.fact(id_, language if language in links.languages else "")
        if links.kind == "explainer":
            return self.urls.explainer(links.slug, links.language)
        return self.urls.page(links.slug, links.language)

    # ---- languages
    def versions(self, id_: str) -> dict[str, str]:
        """Every version of an item by language, in the site's order of languages: an explainer's or page's
        original and its translations ({'en': 'explainers/x', 'ko': 'explainers/x.ko'}); a fact sheet is one
        item in every language it is translated into ({'en': 'people/y', 'ko': 'people/y'})."""
        links = self._head(id_)
        default = self.config.language
        if links.kind == "fact":
            found = {default: id_, **{language: id_ for language in links.languages}}
        elif self.has(links.base):
            found = {default: links.base}
            found.update((other.rpartition(".")[2], other) for other in self._table("versions", links.base))
        else:  # a translation whose original is missing (an error, reported by resolve)
            found = {links.language: id_}
        order = {language: n for n, language in enumerate(self.config.published)}
        return dict(sorted(found.items(), key=lambda pair: order.get(pair[0], len(order))))

    def translated(self, language: str) -> tuple[str, ...]:
        """The fact sheets translated into a language, in list order."""
        return self._table("translated", language)

    def version(self, id_: str, language: str) -> tuple[str, str]:
        """(id, language) of the version a reader of `language` is sent to: the translation into it
        where there is one, else the original."""
        found = self.versions(id_)
        if language in found:
            return found[language], language
        first = next(iter(found))
        return found[first], first

    def url_for_path(self, rel_path: str) -> str | None:
        """The URL of a site file (a media file, or the page made from a content file)."""
        self._note("P", rel_path)
        if rel_path in self.media:
            return self.urls.media(rel_path)
        id_ = self._world.by_path.get(rel_path)
        return self.url(id_) if id_ else None

    # ---- items, whole or as cards
    def item(self, id_: str):
        """The parsed explainer, page or fact sheet: everything in it."""
        self._note("I", id_)
        return self._item_of(self._links[id_])

    def card_item(self, id_: str):
        """The item behind a card or list entry: read only its card fields (link.card_fields) from it."""
        self._note("C", id_)
        return self._item_of(self._links[id_])

    def links_of(self, id_: str) -> Links:
        """What linking learned of an item (read as its card: the same fields and more)."""
        self._note("C", id_)
        return self._links[id_]

    # ---- site-wide lists
    def _table(self, name: str, id_: str) -> tuple[str, ...]:
        self._note(Tables.NAMES[name], id_)
        return getattr(self._tables, name).get(id_, ())

    def backlinks(self, id_: str) -> tuple[str, ...]:
        return self._table("backlinks", id_)

    def citers(self, id_: str) -> tuple[str, ...]:
        return self._table("citers", id_)

    def events_for(self, id_: str) -> tuple[str, ...]:
        return self._table("events", id_)

    def tagged(self, tag: str) -> tuple[str, ...]:
        return self._table("tags", tag)

    def ids_of_kind(self, kind: str) -> list[str]:
        """Explainers (newest first) or pages (by slug)."""
        return list(self._table("kinds", kind))

    def ids_of_type(self, type_name: str) -> list[str]:
        """The fact sheets of a type: events by date, the rest by name."""
        return list(self._table("types", type_name))

    def type_count(self, type_name: str) -> int:
        return len(self._table("types", type_name))

    def corrected(self) -> tuple[str, ...]:
        """Every explainer, page and fact sheet that has corrections, the most recently corrected first."""
        return self._table("corrected", ALL)

    def tag_counts(self) -> dict[str, int]:
        """Every tag with the number of explainers that carry it, by tag."""
        self._note("T", ALL)
        return {tag: len(ids) for tag, ids in sorted(self._tables.tags.items())}

    def outgoing(self, id_: str) -> frozenset[str]:
        """The ids an item refers to."""
        self._note("O", id_)
        return self._links[id_].out

    def fact_ids(self) -> list[str]:
        """Every fact sheet's id, sorted."""
        self._note("F", ALL)
        return sorted(i for i, type_name in self._world.ids.items() if not i.startswith(("explainers/", "pages/")))

    def doc_order(self) -> list[str]:
        """Every explainer and page in list order (newest first; undated pages by slug, after them)."""
        return list(self._table("docs", "all"))

    # ---- media, old addresses, dates (images, redirects, git dates)
    def media_info(self, rel_path: str):
        """A media file's MediaInfo (an image's size, or why it cannot be read), or None."""
        self._note("G", rel_path)
        return self._world.info.get(rel_path)

    def redirect_paths(self) -> dict[str, tuple[str, ...]]:
        """Every old address written in a redirect_from, with the ids that claim it, by path."""
        self._note("A", ALL)
        return dict(sorted(self._tables.redirects.items()))

    def share_cards(self) -> bool:
        """Whether the site makes share cards (share_cards in site.yml, and its size for auto)."""
        self._note("S", ALL)
        return self._world.cards

    def file_date(self, id_: str):
        """The date of the last commit that touched an item's file (updated_from_git), or None."""
        self._note("U", id_)
        return self._world.dates.get(self._world.paths.get(id_, ""))

    def place_of(self, id_: str) -> tuple[str, str, str]:
        """(kind, type, rel_path) of an item, for planning its route (what exists, not what it shows)."""
        self._note("L", id_)
        type_name = self._world.ids[id_]
        kind = type_name if type_name in ("explainer", "page") else "fact"
        return kind, type_name, self._world.paths[id_]
