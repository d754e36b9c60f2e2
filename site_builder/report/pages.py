"""Pages whose text changed between two snapshots: how many paragraphs, and the first change in context."""

from __future__ import annotations

import difflib
from urllib.parse import quote, urldefrag, urljoin

from .snapshot import Snapshot

KINDS = {"explainer": "explainer", "fact": "fact sheet", "type-index": "list", "timeline": "timeline",
         "home": "home page", "tags": "list of tags", "tag": "tag page", "page": "page"}
ORDER = list(KINDS)


def page_url(snap: Snapshot, path: str) -> str:
    """The address a page is published at, from the site's URL and its output path."""
    rel = path[: -len("index.html")] if path.endswith("index.html") else path
    return urljoin(snap.site.get("url") or "/", quote(rel))


def resolve_link(here: str, href: str) -> str:
    """Where a link on the page at `here` goes, without its #fragment."""
    return urldefrag(urljoin(here, href))[0]


def page_kind(snap: Snapshot, path: str) -> str:
    """explainer, fact, type-index, timeline, home, tags, tag or page: as the theme marks the page, else by path."""
    kind = snap.page(path).kind
    if kind in KINDS:
        return kind
    parts = path.split("/")
    folders = {t["folder"] for t in snap.types.values()}
    if path == "index.html":
        return "home"
    if parts[0] == "explainers" and len(parts) == 3:
        return "explainer"
    if parts[0] in folders:
        return "fact" if len(parts) == 3 else "type-index"
    if parts[0] in ("timeline", "tags"):
        return "timeline" if parts[0] == "timeline" else ("tags" if len(parts) == 2 else "tag")
    return "page"


def summary(snap: Snapshot, path: str) -> dict:
    kind = page_kind(snap, path)
    return {"path": path, "url": page_url(snap, path), "kind": kind, "kind_name": KINDS[kind],
            "title": snap.page(path).title}


def compare_pages(base: Snapshot, head: Snapshot) -> dict:
    """Pages on both sides whose text differs; pages only one side has. Pages with equal bytes are not read."""
    changed = []
    for path in sorted(set(base.digests) & set(head.digests)):
        if base.digests[path] == head.digests[path]:
            continue
        old, new = base.page(path).paragraphs, head.page(path).paragraphs
        if old == new:  # only the markup changed, not what readers read
            continue
        count, first = paragraph_changes(old, new)
        changed.append({**summary(head, path), "paragraphs_changed": count, "first_change": first})
    changed.sort(key=lambda p: (ORDER.index(p["kind"]), p["path"]))
    added = [summary(head, p) for p in sorted(set(head.digests) - set(base.digests))]
    removed = [summary(base, p) for p in sorted(set(base.digests) - set(head.digests))]
    return {"changed": changed, "added": added, "removed": removed}


def paragraph_changes(old: list[str], new: list[str]) -> tuple[int, dict]:
    """How many paragraphs changed, and the first change: the paragraph before it, what went, what came, the next."""
    opcodes = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    count = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in opcodes)
    _, i1, i2, j1, j2 = opcodes[0]
    first = {"before": old[i1 - 1] if i1 > 0 else "", "removed": old[i1:i2][:3], "added": new[j1:j2][:3],
             "after": old[i2] if i2 < len(old) else ""}
    return count, first
