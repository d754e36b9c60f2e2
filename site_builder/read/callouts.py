"""Callouts: GitHub's alert block quotes (> [!NOTE], [!TIP], [!IMPORTANT], [!WARNING], [!CAUTION]).

Both engines write such a quote as a block quote whose first paragraph starts with the marker; it
becomes an aside with the note role, a name and a visible title, styled by the theme.
"""

from __future__ import annotations

import re
from typing import Callable

from ..diagnostics import Location, Problems, phrase, suggest

KINDS = ("note", "tip", "important", "warning", "caution")
_START_RE = re.compile(r"<blockquote>\n?<p>\[!([A-Za-z]+)\](\n|</p>\n?)")
_QUOTE_TAG_RE = re.compile(r"<(/?)blockquote>")
SOURCE_MARK_RE = re.compile(r"^[ \t]*(?:>[ \t]*)+\[!([A-Za-z]+)\][ \t]*$", re.M)


def _closing(html_text: str, start: int) -> int:
    """Where the block quote open at start closes (the start of its '</blockquote>'), or -1."""
    depth = 0
    for m in _QUOTE_TAG_RE.finditer(html_text, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.start()
    return -1


def title_of(kind: str, language: str) -> str:
    """A callout's title in the text's language (the theme's catalogs)."""
    from ..i18n.catalogs import gettext

    titles = {"note": gettext(language, "Note"), "tip": gettext(language, "Tip"),
              "important": gettext(language, "Important"), "warning": gettext(language, "Warning"),
              "caution": gettext(language, "Caution")}
    return titles[kind]


def callouts(html_text: str, problems: Problems, locate: Callable[[str], Location], language: str = "en") -> str:
    """Alert block quotes as asides; locate(marker) finds a marker in the source, for a misspelt kind."""
    out, last = [], 0
    for m in _START_RE.finditer(html_text):
        if m.start() < last:  # inside a callout already made: its own quotes are found below
            continue
        kind = m.group(1).lower()
        if kind not in KINDS:
            close = suggest(m.group(1).upper(), [k.upper() for k in KINDS])
            problems.warning(f"unknown callout '[!{m.group(1)}]'{phrase(close)}",
                             locate(m.group(1)), "callouts are [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] and [!CAUTION]",
                             suggestions=close)
            continue
        end = _closing(html_text, m.start())
        if end == -1:  # pragma: no cover - both engines close what they open
            continue
        title = title_of(kind, language)
        rest = "<p>" if m.group(2) == "\n" else ""
        inner = callouts(html_text[m.end():end], problems, locate, language)
        out.append(html_text[last:m.start()])
        out.append(f'<aside class="callout {kind}" role="note" aria-label="{title}">\n'
                   f'<p class="callout-title">{title}</p>\n{rest}{inner}</aside>')
        last = end + len("</blockquote>")
    out.append(html_text[last:])
    return "".join(out)
