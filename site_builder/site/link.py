"""The link stage: bring every item's links, and the site-wide lists made from them, up to date.

Given the content files parsing found changed (every file, on a cold build), linking
  1. updates what exists (the World: ids, short ids, paths, media) and notes which names changed;
  2. links again the changed items, and the unchanged ones that looked up a changed name (and,
     when anything exists that did not before or the other way round, those with problems, whose
     "did you mean" may change);
  3. takes each re-linked item's old contributions out of the site-wide lists and puts its new
     ones in, then sorts again only the lists it touched;
  4. reports the keys (see index.key) whose value changed: a page that read none of them is
     as it was.
There is one way to link: a cold build is this, starting from nothing.
"""

from __future__ import annotations

import bisect
import datetime
import posixpath
from dataclasses import dataclass, field

from ..config import SiteConfig
from ..diagnostics import Diagnostic
from ..model import Document, FactSheet, MediaInfo, PartialDate, SourceFile
from ..read.parse import Parsed
from .checks import world_facts
from .dates import dated_items, update_dates
from .index import ALL, Index, Links, Tables, key
from .media import image_keys, media_keys, update_cards, update_media
from .resolve import resolve_item, site_warnings
from .world import DRAFT, UNREADABLE, Held, World
from .urls import Urls


class LinkMemo:
    """What linking left for the next build: the world, every visible item's links, the site-wide lists."""

    def __init__(self):
        self.world = World()
        self.links: dict[str, Links] = {}
        self.problems: dict[str, tuple[Diagnostic, ...]] = {}  # id -> the problems of its links, where it has any
        self.site_links: dict[str, tuple[str, tuple]] = {}  # id -> (rel_path, its links into the site), if any
        self.tables = Tables()


@dataclass(frozen=True)
class Shown:
    """Which items a build publishes: drafts only when asked, explainers dated after today only when asked."""

    drafts: bool = False
    future: bool = False
    today: datetime.date = field(default_factory=datetime.date.today)
    marked: bool = False  # pages say when an explainer is scheduled for a later date (the preview's)

    def held_back(self, item) -> str:
        """Why the item is not published ("" when it is): DRAFT, or the date it is scheduled for."""
        if not isinstance(item, Document):
            return ""
        if item.draft and not self.drafts:
            return DRAFT
        if self.scheduled(item) and not self.future:
            return item.date.iso()
        return ""

    def scheduled(self, item) -> bool:
        """An explainer dated after today (shown only with --future, as the preview does)."""
        return (isinstance(item, Document) and item.kind == "explainer" and item.date is not None
                and (item.date.year, item.date.month, item.date.day) > (self.today.year, self.today.month,
                                                                          self.today.day))


@dataclass(frozen=True)
class Linked:
    index: Index
    changed: frozenset[str]  # keys (index.key) whose value changed since the last build
    problems: tuple[Diagnostic, ...]


def link(config: SiteConfig, urls: Urls, parsed: Parsed, media: dict[str, MediaInfo], memo: LinkMemo,
         shown: Shown = Shown(), unread: dict[str, SourceFile] | None = None,
         dates: dict[str, PartialDate] | None = None) -> Linked:
    """`media`: every media file's MediaInfo; `unread`: the content files discovery could not read (not UTF-8,
    too large), by rel_path; `dates`: the content files' git dates (site/dates.py), if used."""
    fresh, removed, held = _changed_items(parsed, memo, shown)
    held.update(_unread_changes(memo.world, parsed, unread or {}))
    names = _update_world(memo, fresh, removed, frozenset(media))
    for rel, entry in held.items():
        names.update(memo.world.hold(rel, entry))
    names |= update_media(memo.world, media)
    todo = dict(fresh)
    if names:
        anything_new = any(n.startswith(("id:", "media:")) for n in names)
        for id_, links in memo.links.items():
            if id_ not in todo and id_ not in removed and (
                    not links.names.isdisjoint(names) or (anything_new and links.problems)):
                todo[id_] = (parsed.items(links.rel_path), links.digest)
    new = {id_: resolve_item(item, digest, memo.world, config) for id_, (item, digest) in sorted(todo.items())}
    changed = {key("L", n.partition(":")[2]) for n in names if n.startswith(("id:", "short:"))}
    changed.update(key("P", n.partition(":")[2]) for n in names if n.startswith(("path:", "media:")))
    if any(n.startswith("media:") for n in names):
        changed.add(key("M", ALL))  # the set of media files (each one a route)
    changed.update(media_keys(names))
    changed.update(update_dates(memo.world, dates or {}))
    old = {id_: memo.links.get(id_) for id_ in removed | new.keys()}
    changed.update(_update_items(memo, new, removed))
    changed.update(image_keys(old, new))
    changed.update(_update_tables(memo, new, old))
    changed.update(update_cards(memo.world, memo.tables, config.publish))
    problems = tuple(d for found in memo.problems.values() for d in found)
    if not any(h.why == UNREADABLE for h in memo.world.held.values()):  # else what cites or mentions is unknown
        problems += tuple(d for found in memo.tables.warnings.values() for d in found)
    item_of = dated_items(parsed.items, memo.world.dates)
    index = Index(config, urls, memo.links, memo.tables, memo.world, lambda links: item_of(links.rel_path), shown)
    return Linked(index, frozenset(changed), problems)


def _changed_items(parsed: Parsed, memo: LinkMemo, shown: Shown):
    """The visible items of changed files ({id: (item, digest)}), the ids of items no longer there, and for
    each changed file, why it is held back (a Held), or None."""
    fresh: dict[str, tuple] = {}
    before: set[str] = set()
    held: dict[str, Held | None] = {}
    for rel in parsed.changed:
        old_id = memo.world.by_path.get(rel)
        if old_id is not None:
            before.add(old_id)
        held[rel] = None
        sf = parsed.content.get(rel)
        if sf is None:
            continue
        item = parsed.items(rel)
        if item is None:
            if any(d.severity == "error" for d in parsed.items.parsed(rel).problems):
                held[rel] = Held(_id_from_path(sf), sf.kind == "fact", UNREADABLE)
        elif shown.held_back(item):
            held[rel] = Held(item.id, False, shown.held_back(item))
        else:
            fresh[item.id] = (item, sf.digest)
    return fresh, before - fresh.keys(), held


def _unread_changes(world: World, parsed: Parsed, unread: dict[str, SourceFile]) -> dict[str, Held | None]:
    """Files discovery could not read are held back as unreadable, as long as they stay so."""
    out: dict[str, Held | None] = {rel: Held(_id_from_path(sf), sf.kind == "fact", UNREADABLE)
                                   for rel, sf in unread.items()}
    for rel, held in world.held.items():
        if held.why == UNREADABLE and rel not in unread and rel not in parsed.content:
            out[rel] = None
    return out


def _id_from_path(sf: SourceFile) -> str:
    """The id a file's item would have: its type's folder (or explainers/, pages/) and its file name."""
    slug = posixpath.splitext(posixpath.basename(sf.rel_path))[0]
    return f"{sf.type_folder}/{slug}" if sf.kind == "fact" else f"{sf.kind}s/{slug}"


def _update_world(memo: LinkMemo, fresh: dict, removed: set[str], media: frozenset[str]) -> set[str]:
    """Make the world what exists now; the names whose answer changed."""
    world = memo.world
    names: set[str] = set()
    short_before: dict[str, tuple[str, ...]] = {}

    def move(slug: str, id_: str, add: bool) -> None:
        short_before.setdefault(slug, world.short.get(slug, ()))
        ids = set(world.short.get(slug, ()))
        ids.add(id_) if add else ids.discard(id_)
        if ids:
            world.short[slug] = tuple(sorted(ids))
        else:
            world.short.pop(slug, None)

    for id_ in removed:
        links = memo.links[id_]
        del world.ids[id_]
        world.by_path.pop(links.rel_path, None)
        world.paths.pop(id_, None)
        names.update((f"id:{id_}", f"path:{links.rel_path}"))
        if links.kind == "fact":
            move(links.slug, id_, False)
        if world.facts.pop(id_, None) is not None:
            names.update((f"date:{id_}", f"host:{id_}"))
    for id_, (item, _) in fresh.items():
        if id_ not in world.ids:
            names.update((f"id:{id_}", f"path:{item.rel_path}"))
            if isinstance(item, FactSheet):
                move(item.slug, id_, True)
        world.ids[id_] = item.type if isinstance(item, FactSheet) else item.kind
        world.by_path[item.rel_path] = id_
        world.paths[id_] = item.rel_path
        names.update(_facts_changed(world, id_, world_facts(item)))
    names.update(f"short:{slug}" for slug, was in short_before.items() if world.short.get(slug, ()) != was)
    names.update(f"media:{m}" for m in media.symmetric_difference(world.media))
    world.media = media
    return names


def _facts_changed(world: World, id_: str, facts: tuple) -> set[str]:
    """Keep what other items' checks read of an item (its date, its hosts); the names whose answer changed."""
    before = world.facts.get(id_, (None, ()))
    if facts == (None, ()):
        world.facts.pop(id_, None)
    else:
        world.facts[id_] = facts
    changed = set()
    if before[0] != facts[0]:
        changed.add(f"date:{id_}")
    if before[1] != facts[1]:
        changed.add(f"host:{id_}")
    return changed


def _update_items(memo: LinkMemo, new: dict[str, Links], removed: set[str]) -> set[str]:
    """Put the new links in; the keys of what a page may have read of each item that changed."""
    changed: set[str] = set()
    for id_ in removed:
        old = memo.links.pop(id_)
        memo.problems.pop(id_, None)
        memo.site_links.pop(id_, None)
        changed.update(key(t, id_) for t in "LHICO")
        if old.kind == "fact":
            changed.add(key("F", ALL))
    for id_, links in new.items():
        old = memo.links.get(id_)
        memo.links[id_] = links
        if links.problems:
            memo.problems[id_] = links.problems
        else:
            memo.problems.pop(id_, None)
        if links.site_links:
            memo.site_links[id_] = (links.rel_path, links.site_links)
        else:
            memo.site_links.pop(id_, None)
        if old is None:
            changed.update(key(t, id_) for t in "LHICO")
            if links.kind == "fact":
                changed.add(key("F", ALL))
            continue
        if old.digest != links.digest:
            changed.add(key("I", id_))
        if old.head != links.head:
            changed.add(key("H", id_))
        if old.card != links.card:
            changed.add(key("C", id_))
        if old.out != links.out:
            changed.add(key("O", id_))
    return changed


# Each site-wide list: which of an item's links put it in which lists, and how a list is sorted.
def _rank(links: Links):
    return links.rank()


def _order(links: Links):
    return links.order


def _kind_order(links: Links):
    return links.order if links.kind == "explainer" else (links.slug,)


def _correction_order(links: Links):
    return tuple(-n for n in links.corrected) + links.rank()


LISTS = {  # table -> (what an item's links put it in, sort key of the members)
    "backlinks": (lambda links: links.out, _rank),
    "citers": (lambda links: links.cited, _rank),
    "events": (lambda links: links.about, _order),
    "tags": (lambda links: links.tags, _order),
    "kinds": (lambda links: (links.kind,) if links.kind != "fact" and not links.language else (), _kind_order),
    "docs": (lambda links: ("all",) if links.kind != "fact" else (), _order),
    "types": (lambda links: (links.type,) if links.kind == "fact" else (), _order),
    "corrected": (lambda links: (ALL,) if links.corrected else (), _correction_order),
    "versions": (lambda links: (links.base,) if links.language else (), lambda links: (links.language,)),
    "translated": (lambda links: links.languages if links.kind == "fact" else (), _order),
    "redirects": (lambda links: tuple(path for path, _, _ in links.redirects), _rank),
}


def _update_tables(memo: LinkMemo, new: dict[str, Links], old: dict[str, Links | None]) -> set[str]:
    """Move each changed item's entries in the site-wide lists; only lists it left, joined or moved in change."""
    tables = memo.tables
    leaving: dict[tuple[str, str], set[str]] = {}
    joining: dict[tuple[str, str], list[str]] = {}
    for name, (entries, sort_key) in LISTS.items():
        for id_, before in old.items():
            after = new.get(id_)
            was = entries(before) if before is not None else ()
            now = entries(after) if after is not None else ()
            if was == now and (not now or sort_key(before) == sort_key(after)):
                continue  # in the same lists, at the same place
            for k in was:
                leaving.setdefault((name, k), set()).add(id_)
            for k in now:
                joining.setdefault((name, k), []).append(id_)
    changed: set[str] = set()
    for name, k in leaving.keys() | joining.keys():
        table = getattr(tables, name)
        before = table.get(k, ())
        value = _moved(before, leaving.get((name, k), set()), joining.get((name, k), []), memo, LISTS[name][1])
        if value != before:
            changed.add(key(Tables.NAMES[name], k))
            if value:
                table[k] = value
            else:
                del table[k]
    if any(k.startswith("T\x00") for k in changed):
        changed.add(key("T", ALL))
    if any(k.startswith("K\x00") for k in changed):
        changed.add(key("K", ALL))
    if any(k.startswith("A\x00") for k in changed):
        changed.add(key("A", ALL))  # the old addresses there are (each one a route)
    _update_warnings(memo, new, {id_ for id_, before in old.items() if id_ not in new}, changed)
    return changed


def _moved(members: tuple[str, ...], leaving: set[str], joining: list[str], memo: LinkMemo, sort_key) -> tuple:
    """A sorted list with some ids taken out and others put in at their place.

    Putting a few in looks at a few members' sort keys only (a command-line build decodes the links of
    those alone); many at once are sorted with the rest."""
    kept = [i for i in members if i not in leaving] if leaving else list(members)
    if len(joining) * 8 > len(kept):
        return tuple(sorted(kept + joining, key=lambda i: sort_key(memo.links[i])))
    for id_ in joining:
        bisect.insort(kept, id_, key=lambda i: sort_key(memo.links[i]))
    return tuple(kept)


def _update_warnings(memo: LinkMemo, new: dict[str, Links], removed: set[str], changed: set[str]) -> None:
    """The site-wide warnings of sheets that changed or whose backlinks or citers did."""
    warnings = memo.tables.warnings
    for id_ in removed:
        warnings.pop(id_, None)
    ids = set(new)
    ids.update(k.partition("\x00")[2] for k in changed if k.startswith(("B\x00", "W\x00")))
    for id_ in ids:
        links = memo.links.get(id_)
        if links is None:
            continue
        found = site_warnings(links, id_ in memo.tables.citers, id_ in memo.tables.backlinks)
        if found:
            warnings[id_] = found
        else:
            warnings.pop(id_, None)
