"""Markdown with references, citations and file links.

The Markdown converter never sees source positions, so refs ``[[id|text]]``, citations
``[@id, locator]`` and links to site files are scanned here first, with their
line and column, and replaced by placeholders that Markdown carries through
untouched. ``resolve``/``render`` later fill the placeholders in for each page.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
import unicodedata
from urllib.parse import quote


from ..diagnostics import Location, Problems
from ..model import CiteItem, CiteSlot, Fragment, LinkSlot, RefSlot

OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER_RE = re.compile(OPEN + r"(\d+)" + CLOSE)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
# A ref's target stays on one line; its text may wrap onto the next line, as prose does, but not
# across a blank line (that would join two paragraphs).
_REF_RE = re.compile(r"(?<!\\)\[\[([^\[\]\n|]*(?:\|(?:[^\[\]\n]|\n(?![ \t]*\n))*)?)\]\]")
_CITE_RE = re.compile(r"(?<!\\)\[(@[^\[\]\n]*)\](?!\()")
_LINK_RE = re.compile(r"\]\(\s*<?([^()\s<>]+(?:\([^()\s]*\)[^()\s<>]*)*)>?(\s+\"[^\"]*\")?\s*\)")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
_URL_EDGE = "".join(chr(c) for c in range(0x21))  # C0 controls and space: browsers strip them at both ends
_URL_IGNORED_RE = re.compile(r"[\t\n\r]")  # browsers drop tabs and line breaks anywhere in a URL


def link_scheme(url: str) -> str:
    """The scheme of a link as a browser would read it from an attribute ('' for a relative link).

    Character references are decoded and ignored characters dropped first, so
    'jav&#x61;script:', '&#106;avascript:', 'java&Tab;script:' and ' JavaScript:' all read 'javascript'.
    """
    text = _URL_IGNORED_RE.sub("", html.unescape(url).strip(_URL_EDGE))
    m = _SCHEME_RE.match(text)
    return m.group(1).lower() if m else ""


def is_safe_link(url: str) -> bool:
    """Relative links and http, https, mailto and tel links; never javascript:, data:, vbscript: ..."""
    scheme = link_scheme(url)
    return not scheme or scheme in SAFE_SCHEMES
SITE_SUFFIXES = (".md", ".yml")


class Scanned:
    """Markdown text with placeholders, and the slots they stand for."""

    __slots__ = ("text", "slots", "urls")

    def __init__(self, text: str, slots: list):
        self.text = text
        self.slots = slots
        self.urls: tuple = ()  # (address, Location) of each http(s) link: see open_forms


def _masked_ranges(text: str) -> list[tuple[int, int]]:
    """Spans of fenced code blocks and inline code, where nothing is scanned."""
    ranges = []
    pos = 0
    while True:
        m = _FENCE_RE.search(text, pos)
        if not m:
            break
        fence = m.group(1)
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", re.M)
        end_m = close.search(text, m.end())
        end = end_m.end() if end_m else len(text)
        ranges.append((m.start(), end))
        pos = end
    spans = []
    last = 0
    for start, end in ranges + [(len(text), len(text))]:
        for cm in _CODE_SPAN_RE.finditer(text, last, start):
            spans.append((cm.start(), cm.end()))
        last = end
    return sorted(ranges + spans)


class _Positions:
    def __init__(self, text: str, rel_path: str, line0: int, col0: int, indent: int, exact: bool = True):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.rel_path, self.line0, self.col0, self.indent = rel_path, line0, col0, indent
        self.exact = exact

    def at(self, offset: int) -> Location:
        if not self.exact:  # text that YAML unfolded or unescaped: point at where it starts
            return Location(self.rel_path, self.line0, self.col0 + 1)
        i = bisect.bisect_right(self.starts, offset) - 1
        col = offset - self.starts[i] + 1
        col += self.col0 if i == 0 else self.indent
        return Location(self.rel_path, self.line0 + i, col)


def scan(text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
         indent: int = 0, exact: bool = True) -> Scanned:
    """Find refs, citations and site-file links; replace them by placeholders."""
    text = text.replace(OPEN, "\ufffd").replace(CLOSE, "\ufffd")
    masked = _masked_ranges(text)
    pos = _Positions(text, rel_path, line0, col0, indent, exact)
    found: list[tuple[int, int, str]] = []  # (start, end, replacement)
    slots: list = []

    def is_masked(offset: int) -> bool:
        i = bisect.bisect_right(masked, (offset, float("inf"))) - 1
        return i >= 0 and masked[i][0] <= offset < masked[i][1]

    def add(start: int, end: int, slot) -> None:
        found.append((start, end, f"{OPEN}{len(slots)}{CLOSE}"))
        slots.append(slot)

    for m in _REF_RE.finditer(text):
        if is_masked(m.start()):
            continue
        inner = m.group(1)
        target, _, label = inner.partition("|")
        target = target.strip()
        loc = pos.at(m.start())
        if not ID_RE.match(target):
            problems.error(f"'[[{inner}]]' is not a valid reference", loc,
                           "write [[folder/id]] or [[folder/id|text]], ids are lower-case a-z, 0-9 and '-'")
            continue
        add(m.start(), m.end(), RefSlot(target, " ".join(label.split()) or None, loc))
    for m in _CITE_RE.finditer(text):
        if is_masked(m.start()):
            continue
        items = []
        ok = True
        offset = m.start() + 1
        for part in m.group(1).split(";"):
            lead = len(part) - len(part.lstrip())
            loc = pos.at(offset + lead)
            offset += len(part) + 1
            part = part.strip()
            key, _, locator = part.partition(",")
            key = key.strip()
            if not key.startswith("@") or not ID_RE.match(key[1:].strip()):
                problems.error(f"'{part}' is not a valid citation", loc,
                               "write [@source-id], [@source-id, p. 4] or [@a; @b]")
                ok = False
                continue
            items.append(CiteItem(key[1:].strip(), locator.strip(), loc))
        if ok and items:
            add(m.start(), m.end(), CiteSlot(tuple(items)))
    for m in _LINK_RE.finditer(text):
        if is_masked(m.start()):
            continue
        target = m.group(1)
        loc = pos.at(m.start(1))
        if link_scheme(target):
            if not is_safe_link(target):
                problems.error(f"unsafe link '{target[:40]}'", loc, "links may use http, https, mailto or tel")
            continue
        if target.startswith("/") and not target.startswith("//") and OPEN not in target:
            path, _, frag = target.partition("#")  # a root-relative site URL: moved under the base path
            add(m.start(1), m.end(1), LinkSlot(path, frag, loc))
            continue
        if target.startswith(("/", "#")) or OPEN in target:
            continue
        path, _, frag = target.partition("#")
        if not (path.endswith(SITE_SUFFIXES) or "/media/" in "/" + path):
            continue
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel_path), path))
        if resolved.startswith("../") or resolved == ".." or not resolved.startswith("content/"):
            problems.error(f"link '{target}' points outside the site's content", loc)
            continue
        add(m.start(1), m.end(1), LinkSlot(resolved, frag, loc))
    found.sort()
    out, last = [], 0
    for start, end, rep in found:
        if start < last:  # overlapping constructs: keep the first
            continue
        out.append(text[last:start])
        out.append(rep)
        last = end
    out.append(text[last:])
    scanned = Scanned("".join(out), slots)
    scanned.urls = open_forms(text, is_masked, pos, problems)
    return scanned


_FORM_START_RE = re.compile(r"(?<!\\)\[(?=[\[@])")
_SPACED_CITE_RE = re.compile(r"(?:^|;)\s*@\s")


def open_forms(text: str, is_masked, pos: _Positions, problems: Problems) -> tuple:
    """Warn about what looks like a reference or citation but is not one, so would show as typed: '[['
    never closed in its paragraph, '[@' never closed on its line, and '[@ x]' (a space after '@'). Returns
    the address and location of every http(s) link (the build checks those into the site itself)."""
    done = sorted(m.span() for rx in (_REF_RE, _CITE_RE) for m in rx.finditer(text) if not is_masked(m.start()))
    starts = [a for a, _ in done]
    for m in _FORM_START_RE.finditer(text):
        at = m.start()
        i = bisect.bisect_right(starts, at) - 1
        if is_masked(at) or (i >= 0 and done[i][0] <= at < done[i][1]):
            continue
        line_end = text.find("\n", at)
        rest = text[at:line_end if line_end >= 0 else len(text)]
        if text.startswith("[[[", at):
            continue  # '[[[': what the last two brackets start is looked at next
        if re.match(r"\[@[^\[\]]*\]", rest):
            continue  # a link whose text starts with '@' ([@name](...)): a citation would be in `done`
        ends = "a reference ends with ']]' in its paragraph" if text.startswith("[[", at) else \
            "a citation ends with ']' on its line"
        problems.warning(f"'{rest.split()[0][:40]}' is not closed: {ends}", pos.at(at),
                         "write [[folder/id]] or [@source-id]; to show the brackets as they are, write \\[")
    for start, end in done:
        if text.startswith("[@", start) and _SPACED_CITE_RE.search(text[start + 1:end - 1]):
            problems.warning(f"'{text[start:end][:40]}': a citation has no space after '@'", pos.at(start),
                             "write [@source-id]")
    return tuple((m.group(1), pos.at(m.start(1))) for m in _LINK_RE.finditer(text)
                 if m.group(1).startswith(("http://", "https://")) and not is_masked(m.start()))


_ATTR_URL_RE = re.compile(r'(\s(?:href|src))="([^"]*)"')
_HEADING_RE = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG_RE = re.compile(r"<[^>]*>")
_SLUG_DROP_RE = re.compile(r"[^\w\s-]")
_SLUG_JOIN_RE = re.compile(r"[-\s]+")
# A '<' that would open raw HTML in CommonMark: a tag, a closing tag, a comment, a declaration or an
# instruction; not an autolink (<https://...>, <name@host>) and not a link destination in <...>.
_RAW_OPEN_RE = re.compile(r"(?<!\\)<(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)(?![^\s<>@]+@[^\s<>]+>)")
_DEST_BEFORE_RE = re.compile(r"(?:\]\(|\]:)[ \t]*$")


def _escape_raw_html(text: str) -> str:
    """Backslash every '<' that would start raw HTML, outside code; CommonMark then prints it as text."""
    masked = _masked_ranges(text)
    out, last = [], 0
    for m in _RAW_OPEN_RE.finditer(text):
        at = m.start()
        i = bisect.bisect_right(masked, (at, float("inf"))) - 1
        if i >= 0 and masked[i][0] <= at < masked[i][1]:
            continue
        if _DEST_BEFORE_RE.search(text, max(0, at - 40), at):
            continue
        out.append(text[last:at])
        out.append("\\<")
        last = at + 1
    out.append(text[last:])
    return "".join(out)


def _safe_urls(html_text: str) -> str:
    """Drop href and src attributes with active URLs (javascript:, data:, ...) wherever they came from."""
    def check(m: re.Match) -> str:  # decoded once more than a browser would: refuse the doubly encoded too
        value = m.group(2)
        return m.group(0) if is_safe_link(value) and is_safe_link(html.unescape(value)) else ""
    return _ATTR_URL_RE.sub(check, html_text)


def slugify(text: str) -> str:
    """A heading's anchor: its text in lower case, words joined by '-' (as Python-Markdown's toc did)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _SLUG_DROP_RE.sub("", text).strip().lower()
    return _SLUG_JOIN_RE.sub("-", text)


def _heading_ids(html_text: str) -> str:
    """Give every heading an id from its text, unique within the fragment (a second 'Notes' is notes_1)."""
    seen: dict[str, int] = {}

    def anchor(m: re.Match) -> str:
        text = PLACEHOLDER_RE.sub("", html.unescape(_TAG_RE.sub("", m.group(2))))
        base = slugify(text) or "section"
        slug = base
        while slug in seen:
            seen[base] += 1
            slug = f"{base}_{seen[base]}"
        seen.setdefault(slug, 0)
        return f'<h{m.group(1)} id="{slug}">{m.group(2)}</h{m.group(1)}>'
    return _HEADING_RE.sub(anchor, html_text)


_EXTENSIONS = ["table", "strikethrough", "autolink"]
_HREF_OPEN, _HREF_CLOSE = quote(OPEN), quote(CLOSE)  # how a placeholder reads once put in a link's URL


class MarkdownRenderer:
    """CommonMark with GitHub's tables, strikethrough and autolinks, footnotes and smart punctuation.

    The conversion is cmark-gfm's (C): Markdown was most of a build's time with a pure-Python
    converter. Raw HTML passes through (markdown.raw_html: allow) or is shown as text (escape);
    active URLs are dropped either way, and every heading gets an anchor.
    """

    def __init__(self, raw_html: str = "allow"):
        import cmarkgfm  # the C converter, loaded when something is parsed
        from cmarkgfm import cmark
        self.raw_html = raw_html
        self._to_html = cmarkgfm.markdown_to_html_with_extensions
        options = cmark.Options
        self._options = (options.CMARK_OPT_FOOTNOTES | options.CMARK_OPT_SMART
                         | options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
                         | (options.CMARK_OPT_UNSAFE if raw_html == "allow" else 0))

    def convert(self, text: str) -> str:
        if self.raw_html != "allow":
            text = _escape_raw_html(text)
        out = self._to_html(text, self._options, _EXTENSIONS)
        if _HREF_OPEN in out:
            out = out.replace(_HREF_OPEN, OPEN).replace(_HREF_CLOSE, CLOSE)
        if "<h" in out:
            out = _heading_ids(out)
        if "href=" in out or "src=" in out:
            out = _safe_urls(out)
        return out.rstrip("\n")

    def render(self, text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
               indent: int = 0, inline: bool = False, exact: bool = True, keep_source: bool = True) -> Fragment:
        """The Fragment for Markdown text; keep_source=False leaves out the text as written (a whole
        explainer body is not needed twice in memory)."""
        scanned = scan(text, rel_path, problems, line0, col0, indent, exact)
        html_text = self.convert(scanned.text)
        if inline and html_text.startswith("<p>") and html_text.endswith("</p>") and html_text.count("<p>") == 1:
            html_text = html_text[3:-4]
        return Fragment(html_text, tuple(scanned.slots), text if keep_source else "", scanned.urls)
