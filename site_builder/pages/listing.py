"""Long lists: type, tag and timeline pages split into pages of `per_page` items, with a jump list.

Page 1 of a list keeps its address (/sources/); page n is /sources/page/n/ (site/extra_routes.py
plans them). Each page gets `pagination`: its number, every page's address, the previous and next
page (also `page.prev` and `page.next`, for <link rel="prev|next">), and `jump`: a link to where each
letter (lists by name) or year (lists by date) starts, on whichever page that is. A list on one page
gets a jump list too once it is long (JUMP_MIN items).
"""

from __future__ import annotations

import unicodedata
from typing import Callable

from ..i18n.catalogs import gettext
from ..model import PartialDate
from ..site.extra_routes import numbered_url, page_count, split_page

JUMP_MIN = 50  # a list on one page this long gets a jump list as well
UNDATED = "Undated"  # the group of items without a date; its anchor stays jump-undated in every language


def by_letter(index) -> Callable[[str], str]:
    """Group items by the first letter of their name: A to Z (accents dropped), other letters as they are, '#'."""
    def letter(id_: str) -> str:
        name = index.title(id_)
        for ch in name:
            if ch.isalnum():
                base = unicodedata.normalize("NFKD", ch)[0]
                if base.isascii():
                    return base.upper() if base.isalpha() else "#"
                return ch.upper() if ch.isalpha() else "#"
        return "#"
    return letter


def by_year(index) -> Callable[[str], str]:
    """Group items by the year of their date (UNDATED for none)."""
    def year(id_: str) -> str:
        date = index.card_item(id_).date  # a fact sheet's date field, or an explainer's date
        return str(date.year) if isinstance(date, PartialDate) else UNDATED
    return year


GROUPS = {"letter": by_letter, "year": by_year}


def anchor_for(label: str) -> str:
    """The id of the list item where a group starts: jump-a, jump-2024, jump-other, jump-u416 (Cyrillic A)."""
    if label == "#":
        return "jump-other"
    if label.isascii() and label.isalnum():
        return "jump-" + label.lower()
    return "jump-" + "".join(f"u{ord(ch):x}" for ch in label)


def paginate(index, route, ids: list[str], group: str, anchor=None) -> dict:
    """This page's share of a list, and the pagination data its template gets (see the module's docstring).

    `ids` is the whole list, in order, grouped by `group` (a name in GROUPS); `anchor(label, id)` names the
    element where a group starts (default: anchor_for(label), which the cards carry as `anchor`)."""
    _, number = split_page(route.key)
    per_page = index.config.publish.per_page
    count = page_count(len(ids), per_page)
    first = route.url if number == 1 else route.url[:-len(f"page/{number}/")]
    pages = [{"number": n, "url": numbered_url(first, n), "current": n == number} for n in range(1, count + 1)]
    start = (number - 1) * per_page
    data = {"number": number, "count": count, "pages": pages,
            "prev": numbered_url(first, number - 1) if number > 1 else "",
            "next": numbered_url(first, number + 1) if number < count else "",
            "ids": ids[start:start + per_page], "jump": [], "anchors": {}}
    if count > 1 or len(ids) >= JUMP_MIN:
        for i, label, id_ in index.derived(("groups", group, tuple(ids)), lambda: starts(ids, GROUPS[group](index))):
            name = anchor(label, id_) if anchor is not None else anchor_for(label)
            data["jump"].append({"label": label, "url": numbered_url(first, i // per_page + 1) + "#" + name,
                                 "current": i // per_page + 1 == number})
            data["anchors"][id_] = name
    return data


def starts(ids: list[str], group: Callable[[str], str]) -> tuple[tuple[int, str, str], ...]:
    """(place, label, id) of the first item of each group of a list: made once a build for a list, which
    each of its pages shows (see Index.derived)."""
    seen: set[str] = set()
    out = []
    for i, id_ in enumerate(ids):
        label = group(id_)
        if label not in seen:
            seen.add(label)
            out.append((i, label, id_))
    return tuple(out)


def paged_context(ctx: dict, data: dict, title: str) -> None:
    """Put a list page's pagination in its context: `pagination`, page.prev and page.next, a title per page;
    the words in them (the undated group's label, the title's "page n of m") in the page's language."""
    language = ctx["page"]["language"]
    ctx["pagination"] = {k: v for k, v in data.items() if k not in ("ids", "anchors")}
    ctx["pagination"]["jump"] = [j | {"label": gettext(language, "Undated")} if j["label"] == UNDATED else j
                                 for j in data["jump"]]
    ctx["page"]["prev"], ctx["page"]["next"] = data["prev"], data["next"]
    if data["number"] > 1:
        ctx["page"]["title"] = gettext(language, "%(title)s, page %(number)d of %(count)d",
                                       title=title, number=data["number"], count=data["count"])


def with_anchors(cards: list[dict], data: dict) -> list[dict]:
    """Cards with `anchor`: the id of the card where a jump-list group starts ("" elsewhere)."""
    return [c | {"anchor": data["anchors"].get(c["id"], "")} for c in cards]
