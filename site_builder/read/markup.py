"""Markdown with references, citations, file links and maths.

The Markdown converter never sees source positions, so refs ``[[id|text]]``, citations
``[@id, locator]``, links to site files and maths (``$...$``) are scanned here first, with their
line and column, and replaced by placeholders that Markdown carries through
untouched. Maths becomes MathML right after Markdown; ``resolve``/``render`` later fill the
other placeholders in for each page.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
from urllib.parse import quote

from ..diagnostics import Location, Problems
from ..model import CiteItem, CiteSlot, Fragment, LinkSlot, RefSlot, TocEntry
from .callouts import SOURCE_MARK_RE, callouts
from .depth import TooDeep, check_depth, report as report_depth
from .engines import make_engine
from .headings import headings
from .highlight import Highlighter
from .maths import MATH_CLOSE, MATH_OPEN, MathItem, fill_maths, find_maths, tex_words
from .sanitize import clean_raw_html, no_controls

OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER_RE = re.compile(OPEN + r"(\d+)" + CLOSE)
_PRIVATE_USE = (OPEN, CLOSE, "\ue002", "\ue003")  # the characters placeholders are made of
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?\Z")

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
# Each pattern that must not follow a backslash starts with its bracket and looks back past it
# ("[(?<!\\\[)" rather than "(?<!\\)\["): a pattern that starts with a literal is searched for fast,
# one that starts with a look-behind is tried at every character (25 times slower on an article).
# A ref's target stays on one line; its text may wrap onto the next line, as prose does, but not
# across a blank line (that would join two paragraphs).
_REF_RE = re.compile(r"\[(?<!\\\[)\[([^\[\]\n|]*(?:\|(?:[^\[\]\n]|\n(?![ \t]*\n))*)?)\]\]")
_CITE_RE = re.compile(r"\[(?<!\\\[)(@[^\[\]\n]*)\](?!\()")
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
    """Markdown text with placeholders, the slots and the maths they stand for, and where the text is."""

    __slots__ = ("text", "slots", "maths", "positions", "urls")

    def __init__(self, text: str, slots: list, maths: list | None = None, positions: "_Positions | None" = None):
        self.text = text
        self.slots = slots
        self.maths = maths or []
        self.positions = positions
        self.urls: tuple = ()  # (address, Location) of each http(s) link: see open_forms

    def placeholder_text(self, placeholder: str) -> str:
        """A placeholder as plain words: a reference's text (or its id's last part), maths' TeX, else ''."""
        n = int(placeholder[1:-1])
        if placeholder[0] == MATH_OPEN:
            return tex_words(self.maths[n].tex)
        slot = self.slots[n]
        if isinstance(slot, RefSlot):
            return slot.text or slot.target.rsplit("/", 1)[-1].replace("-", " ").title()
        return ""


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


def _ref_slot(m: re.Match, pos: _Positions, problems: Problems, rel_path: str) -> RefSlot | None:
    inner = m.group(1)
    target, _, label = inner.partition("|")
    target = target.strip()
    loc = pos.at(m.start())
    if not ID_RE.match(target):
        problems.error(f"'[[{inner}]]' is not a valid reference", loc,
                       "write [[folder/id]] or [[folder/id|text]], ids are lower-case a-z, 0-9 and '-'")
        return None
    return RefSlot(target, " ".join(label.split()) or None, loc)  # its text may wrap onto the next line


def _cite_slot(m: re.Match, pos: _Positions, problems: Problems, rel_path: str) -> CiteSlot | None:
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
    return CiteSlot(tuple(items)) if ok and items else None


def _link_slot(m: re.Match, pos: _Positions, problems: Problems, rel_path: str) -> LinkSlot | None:
    target = m.group(1)
    loc = pos.at(m.start(1))
    if link_scheme(target):
        if not is_safe_link(target):
            problems.error(f"unsafe link '{target[:40]}'", loc, "links may use http, https, mailto or tel")
        return None
    if target.startswith("/") and not target.startswith("//") and OPEN not in target:
        path, _, frag = target.partition("#")  # a root-relative site URL: moved under the base path
        return LinkSlot(path, frag, loc)
    if target.startswith(("/", "#")) or OPEN in target:
        return None
    path, _, frag = target.partition("#")
    if not (path.endswith(SITE_SUFFIXES) or "/media/" in "/" + path):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel_path), path))
    if resolved.startswith("../") or resolved == ".." or not resolved.startswith("content/"):
        problems.error(f"link '{target}' points outside the site's content", loc)
        return None
    return LinkSlot(resolved, frag, loc)


# What scan looks for, in order (the order numbers the slots), and the group a placeholder replaces
_CONSTRUCTS = ((_REF_RE, _ref_slot, 0), (_CITE_RE, _cite_slot, 0), (_LINK_RE, _link_slot, 1))


def scan(text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
         indent: int = 0, exact: bool = True) -> Scanned:
    """Find maths, refs, citations and site-file links; replace them by placeholders."""
    for private in _PRIVATE_USE:  # the placeholders' own characters are never taken from a writer
        if private in text:
            text = text.replace(private, "\ufffd")
    masked = _masked_ranges(text)
    pos = _Positions(text, rel_path, line0, col0, indent, exact)
    found: list[tuple[int, int, str]] = []  # (start, end, replacement)
    slots: list = []
    maths: list[MathItem] = []

    def is_masked(offset: int) -> bool:
        i = bisect.bisect_right(masked, (offset, float("inf"))) - 1
        return i >= 0 and masked[i][0] <= offset < masked[i][1]

    if "$" in text:  # maths first: nothing in it is a reference, a citation or a link
        for span in find_maths(text, is_masked):
            found.append((span.start, span.end, f"{MATH_OPEN}{len(maths)}{MATH_CLOSE}"))
            maths.append(MathItem(text[span.start:span.end], span.tex, span.display, pos.at(span.start)))
        masked = sorted(masked + [(start, end) for start, end, _ in found])
    for pattern, make, group in _CONSTRUCTS:
        for m in pattern.finditer(text):
            if is_masked(m.start()):
                continue
            slot = make(m, pos, problems, rel_path)
            if slot is not None:
                found.append((m.start(group), m.end(group), f"{OPEN}{len(slots)}{CLOSE}"))
                slots.append(slot)
    found.sort()
    out, last = [], 0
    for start, end, rep in found:
        if start < last:  # overlapping constructs: keep the first
            continue
        out.append(text[last:start])
        out.append(rep)
        last = end
    out.append(text[last:])
    scanned = Scanned("".join(out), slots, maths, pos)
    scanned.urls = open_forms(text, is_masked, pos, problems)
    return scanned


_FORM_START_RE = re.compile(r"\[(?<!\\\[)(?=[\[@])")
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
# A '<' that would open raw HTML in CommonMark: a tag, a closing tag, a comment, a declaration or an
# instruction; not an autolink (<https://...>, <name@host>) and not a link destination in <...>.
_RAW_OPEN_RE = re.compile(r"<(?<!\\<)(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)(?![^\s<>@]+@[^\s<>]+>)")
_DEST_BEFORE_RE = re.compile(r"(?:\]\(|\]:)[ \t]*$")
# A fence in the source, inside quotes and list items too: where a warning about its language points
_FENCE_INFO_RE = re.compile(r"^(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))*[ \t]*(`{3,}|~{3,})[ \t]*\{?\.?([^\s`{}]*)", re.M)


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


_HREF_OPEN, _HREF_CLOSE = quote(OPEN), quote(CLOSE)  # how a placeholder reads once put in a link's URL


def _locator(text: str, pos: _Positions, pattern: re.Pattern, group: int, back: int = 0):
    """locate(name): where the next match of pattern with that name (group) is in the source, for a
    warning about it; the match's first group starts the place, moved back by `back` characters."""
    used: dict[str, int] = {}

    def locate(name: str) -> Location:
        nth = used[name] = used.get(name, -1) + 1
        found = [m for m in pattern.finditer(text) if m.group(group) == name]
        return pos.at(found[nth].start(1) - back if nth < len(found) else 0)
    return locate


class MarkdownRenderer:
    """Markdown to HTML: references, citations, file links and maths found first, then the engine's HTML
    (cmark-gfm by default, or Python-Markdown), then code highlighted, callouts made, headings
    given ids, self-links and a list for the contents, and maths made MathML.

    Raw HTML passes through (markdown.raw_html: allow) or is shown as text (escape); active URLs
    are dropped either way.
    """

    def __init__(self, raw_html: str = "allow", engine: str = "cmark-gfm", extensions: tuple = (),
                 language: str = "en", code: Highlighter | None = None):
        self.raw_html, self.engine, self.extensions = raw_html, engine, tuple(extensions)
        self.language = language  # of the words the builder adds: heading links' names, callouts' titles
        self._engine = make_engine(engine, raw_html, self.extensions)
        self.code = code or Highlighter()  # one for every variant: code is coloured alike in all of them
        self._others: dict[tuple, MarkdownRenderer] = {}

    def for_config(self, config, language: str = "") -> "MarkdownRenderer":
        """The renderer for a site's settings and a text's language (the site's unless given): this
        one, or one made (once) for another engine or language."""
        return self._variant((config.raw_html, config.markdown_engine, config.markdown_extensions,
                              language or config.language))

    def in_language(self, language: str) -> "MarkdownRenderer":
        """This renderer's settings for a text in another language (a fact sheet's translation)."""
        return self._variant((self.raw_html, self.engine, self.extensions, language))

    def _variant(self, key: tuple) -> "MarkdownRenderer":
        if key == (self.raw_html, self.engine, self.extensions, self.language):
            return self
        if key not in self._others:
            self._others[key] = MarkdownRenderer(*key, code=self.code)
        return self._others[key]

    def convert(self, text: str) -> str:
        """The engine's HTML for Markdown text (placeholders kept), with raw HTML as the site allows."""
        if self.raw_html != "allow" and self.engine == "cmark-gfm":
            text = _escape_raw_html(text)
        out = self._engine.convert(text)
        check_depth(out)  # TooDeep before anything else reads the fragment (depth.py)
        out = no_controls(out)
        if _HREF_OPEN in out:
            out = out.replace(_HREF_OPEN, OPEN).replace(_HREF_CLOSE, CLOSE)
        if self.raw_html == "allow" and "<" in text:
            out = clean_raw_html(out)  # raw HTML: parsed as a browser would, active URLs removed (sanitize.py)
        return out

    def render(self, text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
               indent: int = 0, inline: bool = False, exact: bool = True, keep_source: bool = True) -> Fragment:
        """The Fragment for Markdown text; keep_source=False leaves out the text as written (a whole
        explainer body is not needed twice in memory)."""
        return self.render_with_headings(text, rel_path, problems, line0, col0, indent, inline, exact,
                                         keep_source)[0]

    def render_with_headings(self, text: str, rel_path: str, problems: Problems, line0: int = 1, col0: int = 0,
                             indent: int = 0, inline: bool = False, exact: bool = True,
                             keep_source: bool = True) -> tuple[Fragment, list[TocEntry]]:
        """render(), and the fragment's headings in order (level, id and text), for a table of contents."""
        scanned = scan(text, rel_path, problems, line0, col0, indent, exact)
        try:
            html_text = self.convert(scanned.text)
        except TooDeep:
            report_depth(text, rel_path, problems, line0)
            html_text = ""
        if "href=" in html_text or "src=" in html_text:  # the writer's links; what follows adds only #anchors
            html_text = _safe_urls(html_text)
        entries: list[TocEntry] = []
        if "<pre><code class=" in html_text:
            html_text = self.code.blocks(html_text, problems, _locator(text, scanned.positions, _FENCE_INFO_RE, 2))
        if "[!" in html_text:
            html_text = callouts(html_text, problems, _locator(text, scanned.positions, SOURCE_MARK_RE, 1, 2),
                                 self.language)
        if "<h" in html_text:
            html_text, entries = headings(html_text, scanned.placeholder_text, links=not inline,
                                          language=self.language)
        if scanned.maths:
            html_text = fill_maths(html_text, scanned.maths, problems)
        html_text = html_text.rstrip("\n")
        if inline and html_text.startswith("<p>") and html_text.endswith("</p>") and html_text.count("<p>") == 1:
            html_text = html_text[3:-4]
        return Fragment(html_text, tuple(scanned.slots), text if keep_source else "", scanned.urls), entries
