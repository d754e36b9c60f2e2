"""Dates from git (`updated_from_git: true`) as linking applies them.

The date of the last commit that touched a content file (read/gitdates.py) is its explainer's or
page's `updated` when the file has none written and the commit is later than its `date`; for a
fact sheet it is only its `lastmod` in the sitemap. A file's date is kept in the World by path; a
page that read an item whole (`I`), as a card (`C`) or its file date (`U`) is rendered again when it
changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from ..model import Document, PartialDate
from .index import key


def update_dates(world, dates: dict[str, PartialDate]) -> set[str]:
    """Make the world's file dates these; the keys of the items whose date changed."""
    old = world.dates
    changed: set[str] = set()
    for rel in old.keys() | dates.keys():
        if old.get(rel) != dates.get(rel):
            id_ = world.by_path.get(rel)
            if id_ is not None:
                changed.update(key(table, id_) for table in "ICU")
    world.dates = dict(dates)
    return changed


def dated(item, date: PartialDate | None):
    """The item as pages show it: an explainer or page without a written `updated` takes a later commit's date."""
    if date is None or not isinstance(item, Document) or item.updated is not None:
        return item
    if item.date is not None and date.full_iso() <= item.date.full_iso():
        return item
    return replace(item, updated=date)


def dated_items(items: Callable[[str], object], dates: dict[str, PartialDate]) -> Callable[[str], object]:
    """`items` (rel_path -> parsed item) with each item's git date applied; `items` itself when there are none."""
    if not dates:
        return items
    return lambda rel: dated(items(rel), dates.get(rel))
