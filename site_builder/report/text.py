"""Short forms of long text for the report: a change in context, a cut at a word, a counted noun."""

from __future__ import annotations

import os

CONTEXT = 60  # characters of unchanged text kept on each side of a change


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def shorten(text: str, limit: int, keep: str = "start") -> str:
    """At most about `limit` characters, cut at a word, with '…' where text was left out."""
    if len(text) <= limit:
        return text
    if keep == "end":
        tail = text[-limit:]
        return "…" + (tail.split(" ", 1)[1] if " " in tail[:20] else tail)
    head = text[:limit]
    return (head.rsplit(" ", 1)[0] if " " in head[-20:] else head) + "…"


def excerpt(text: str, other: str, context: int = CONTEXT) -> str:
    """The part of `text` that differs from `other`, with some unchanged words around it."""
    if text == other:
        return shorten(text, 2 * context)
    start = len(os.path.commonprefix([text, other]))
    end = len(os.path.commonprefix([text[start:][::-1], other[start:][::-1]]))
    stop = len(text) - end
    left = max(0, start - context)
    right = min(len(text), stop + context)
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", stop, right)
        right = space if space > stop else right
    return ("…" if left > 0 else "") + text[left:right] + ("…" if right < len(text) else "")
