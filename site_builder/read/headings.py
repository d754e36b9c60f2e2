"""Headings: an id for each, a visible link to itself, and the list a table of contents is made from.

A heading's link sits beside it, not in it, so a heading that holds a link never nests one link
in another, and a screen reader reads the heading by its own words; the link is named
"Link to section: <heading>" and shows a '#'.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Callable

from ..model import TocEntry

_HEADING_RE = re.compile(r'<h([1-6])((?:\s+[a-zA-Z-]+="[^"]*")*)>(.*?)</h\1>', re.S)
_ID_ATTR_RE = re.compile(r' id="([^"]*)"')  # a literal start: searched fast (both engines write ' id="')
_OTHER_ID_RE = re.compile(r' id="(?!fnref-\d|fn-\d)([^"]*)"')  # not numbered footnotes' (reserved below)
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_SLUG_DROP_RE = re.compile(r"[^\w\s-]")
_SLUG_JOIN_RE = re.compile(r"[-\s]+")
_PLACEHOLDER_RE = re.compile("\ue000[0-9]+\ue001|\ue002[0-9]+\ue003")  # references, citations, links; maths
# ids the theme's pages use around a body: a heading never takes one of them
RESERVED_IDS = frozenset({"main", "toc-heading", "about-heading", "mentions-heading", "sources-heading",
                          "events-heading", "facts-heading", "cited-heading", "notes-heading", "site-search-q"})
_RESERVED_RE = re.compile(r"^(?:source-\d+|cite-\d+-\d+|fn-\d+|fnref-\d+(?:-\d+)?)$")


def slugify(text: str) -> str:
    """A heading's anchor: its text in lower case, words joined by '-' (as Python-Markdown's toc did)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _SLUG_DROP_RE.sub("", text).strip().lower()
    return _SLUG_JOIN_RE.sub("-", text)


_PLAIN_RE = re.compile(r"[^<&\ue000-\ue003\s]+(?: [^<&\ue000-\ue003\s]+)*")  # words and single spaces only


def heading_text(inner_html: str, placeholder_text: Callable[[str], str]) -> str:
    """The words of a heading: tags dropped, each placeholder as placeholder_text gives it."""
    if _PLAIN_RE.fullmatch(inner_html):  # most headings: nothing to drop or decode
        return inner_html
    text = _PLACEHOLDER_RE.sub(lambda m: placeholder_text(m.group(0)), _TAG_RE.sub("", inner_html))
    return _SPACE_RE.sub(" ", html.unescape(text)).strip()


def headings(html_text: str, placeholder_text: Callable[[str], str], links: bool = True, language: str = "en"
             ) -> tuple[str, list[TocEntry]]:
    """Give every heading an id (unique within the fragment: a second 'Notes' is notes_1) and, with
    links, a link to itself named in the text's language; and list them, in order, as (level, id,
    text) entries."""
    from ..i18n.catalogs import gettext  # Babel, loaded when a heading is found

    seen: dict[str, int] = {}
    entries: list[TocEntry] = []
    for m in _OTHER_ID_RE.finditer(html_text):  # ids the text gives itself stay; new ones avoid them
        seen.setdefault(m.group(1), 0)

    def unique(base: str) -> str:
        slug = base
        while slug in seen or slug in RESERVED_IDS or _RESERVED_RE.match(slug):
            seen[base] = seen.get(base, 0) + 1
            slug = f"{base}_{seen[base]}"
        seen.setdefault(slug, 0)
        return slug

    def one(m: re.Match) -> str:
        level, attrs, inner = m.group(1), m.group(2), m.group(3)
        text = heading_text(inner, placeholder_text)
        given = _ID_ATTR_RE.search(attrs)
        if given:
            anchor = given.group(1)
        else:  # references and citations are left out of the anchor (as they always were)
            words = heading_text(inner, lambda p: "" if p[0] == "\ue000" else placeholder_text(p)) \
                if "\ue000" in inner else text
            anchor = unique(slugify(words) or "section")
            attrs += f' id="{anchor}"'
        entries.append(TocEntry(int(level), anchor, text))
        heading = f"<h{level}{attrs}>{inner}</h{level}>"
        if not links:
            return heading
        label = html.escape(gettext(language, "Link to section: %(heading)s", heading=text), quote=True)
        return (f'<div class="heading heading-{level}">{heading}<a class="self-link" href="#{anchor}" '
                f'aria-label="{label}" data-pagefind-ignore><span aria-hidden="true">#</span></a></div>')
    return _HEADING_RE.sub(one, html_text), entries


def contents(entries: list[TocEntry], max_level: int) -> tuple[TocEntry, ...]:
    """The entries of a table of contents: headings down to max_level, each with its depth in the list
    (1 for the top; never more than one deeper than the entry before it)."""
    out: list[TocEntry] = []
    stack: list[int] = []  # the levels of the lists open at this entry
    for entry in entries:
        if entry.level > max_level:
            continue
        while stack and stack[-1] >= entry.level:
            stack.pop()
        stack.append(entry.level)
        out.append(TocEntry(entry.level, entry.id, entry.text, len(stack)))
    return tuple(out)
