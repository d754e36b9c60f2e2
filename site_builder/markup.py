"""Markdown with references, citations and file links.

Python-Markdown never sees source positions, so refs ``[[id|text]]``, citations
``[@id, locator]`` and links to site files are scanned here first, with their
line and column, and replaced by placeholders that Markdown carries through
untouched. ``resolve``/``render`` later fill the placeholders in for each page.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
import threading
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor

from .diagnostics import Location, Problems
from .model import CiteItem, CiteSlot, Fragment, LinkSlot, RefSlot

OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER_RE = re.compile(OPEN + r"(\d+)" + CLOSE)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_REF_RE = re.compile(r"(?<!\\)\[\[([^\[\]\n]*)\]\]")
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

    __slots__ = ("text", "slots")

    def __init__(self, text: str, slots: list):
        self.text = text
        self.slots = slots


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
        add(m.start(), m.end(), RefSlot(target, label.strip() or None, loc))
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
    return Scanned("".join(out), slots)


class _SafeUrls(Treeprocessor):
    """Drops active URLs (javascript:, data:, ...) that raw Markdown might still produce."""

    def run(self, root: Element) -> None:
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is None:
                    continue
                if not is_safe_link(value):
                    del el.attrib[attr]


class MarkdownRenderer:
    """One configured Python-Markdown per thread; converts scanned text to Fragments."""

    def __init__(self, raw_html: str = "allow"):
        self.raw_html = raw_html
        self._local = threading.local()

    def _md(self) -> markdown.Markdown:
        md = getattr(self._local, "md", None)
        if md is None:
            md = markdown.Markdown(
                extensions=["tables", "fenced_code", "footnotes", "toc", "sane_lists", "smarty"],
                extension_configs={"toc": {"permalink": False}},
                output_format="html",
            )
            if self.raw_html == "escape":
                md.preprocessors.deregister("html_block")
                md.inlinePatterns.deregister("html")
            md.treeprocessors.register(_SafeUrls(md), "safe_urls", -10)  # after backslash escapes are restored
            self._local.md = md
        md.reset()
        return md

    def render(self, text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
               indent: int = 0, inline: bool = False, exact: bool = True) -> Fragment:
        scanned = scan(text, rel_path, problems, line0, col0, indent, exact)
        html = self._md().convert(scanned.text)
        if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Fragment(html, tuple(scanned.slots), text)
