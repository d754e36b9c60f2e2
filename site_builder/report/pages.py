"""Pages whose text changed between two snapshots: how many paragraphs, and the first change in context."""

from __future__ import annotations

import difflib
import re
from urllib.parse import quote, urldefrag, urljoin

from .snapshot import Snapshot

KINDS = {"explainer": "explainer", "fact": "fact sheet", "type-index": "list", "timeline": "timeline",
         "home": "home page", "tags": "list of tags", "tag": "tag page", "page": "page"}
ORDER = list(KINDS)
CITES = re.compile(r"\[\d+(?:, \d+)*\]")  # the theme's citation marks, [3] or [2, 8], as they read in the text


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
        count, renumbered, first = paragraph_changes(old, new)
        changed.append({**summary(head, path), "paragraphs_changed": count, "citations_renumbered": renumbered,
                        "first_change": first})
    changed.sort(key=lambda p: (ORDER.index(p["kind"]), p["path"]))
    added = [summary(head, p) for p in sorted(set(head.digests) - set(base.digests))]
    removed = [summary(base, p) for p in sorted(set(base.digests) - set(head.digests))]
    return {"changed": changed, "added": added, "removed": removed}


def paragraph_changes(old: list[str], new: list[str]) -> tuple[int, int, dict]:
    """How many paragraphs changed, how many of them only in their citation numbers, and the first change
    that is more than that: the paragraph before it, what went, what came, and the paragraph after."""
    blocks = []  # (i1, i2, j1, j2); a run of replaced paragraphs is taken pair by pair when it can be
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            blocks += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        elif tag != "equal":
            blocks.append((i1, i2, j1, j2))
    renumbered = [b for b in blocks if b[1] - b[0] == b[3] - b[2] == 1
                  and CITES.sub("", old[b[0]]) == CITES.sub("", new[b[2]])]
    count = sum(max(i2 - i1, j2 - j1) for i1, i2, j1, j2 in blocks)
    i1, i2, j1, j2 = next((b for b in blocks if b not in renumbered), blocks[0])
    first = {"before": old[i1 - 1] if i1 > 0 else "", "removed": old[i1:i2][:3], "added": new[j1:j2][:3],
             "after": old[i2] if i2 < len(old) else ""}
    return count, len(renumbered), first
