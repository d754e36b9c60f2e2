"""What the search indexer reads of a page: the indexed part, cut out as a small page of its own.

Pagefind reads a page marked with `data-pagefind-body` (the theme marks `<main>`) as: the text and
anchors inside that region, less its `data-pagefind-ignore` parts; metadata, filters and sort keys
from `data-pagefind-*` attributes anywhere; the first `<h1>` as the title and the first `<img>` after
it as the image; the `<html>` tag's attributes; and the attributes of the region's ancestors (an
exclusion selector or a sentence break there applies to the whole region). Text outside the region,
and ids anywhere, change nothing in the index.

`indexed_page()` keeps exactly that: the `<html>` tag, the region's ancestors' tags, and the region
without the ignored parts that hold nothing Pagefind reads, blank text between tags made one space (as
Pagefind reads it). That small page is what is sent to the
indexer and what is hashed to tell whether a page's indexed text changed, so a change to the site's
header, footer, head or navigation re-indexes nothing. Where a page does anything else (no region, two
regions, an `<h1>`, image or `data-pagefind-` attribute outside the region, markup this reader does not
follow), the whole page is sent and hashed: never wrong, only less frugal.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..files import digest_bytes

BODY = b"data-pagefind-body"
IGNORE = b"data-pagefind-ignore"
# Elements Pagefind drops whole, with all they hold (its REMOVE_SELECTORS), and raw-text elements
_DROPPED = ("head", "style", "script", "noscript", "label", "form", "svg", "footer", "nav", "iframe", "template")
_VOID = frozenset(b"area base br col embed hr img input link meta param source track wbr".split())
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_HTML = re.compile(rb"<html[\s/>]", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_DROP = re.compile(rb"<(" + "|".join(_DROPPED).encode() + rb")\b.*?</\1\s*>", re.S | re.I)
# Blank text between tags that Pagefind reads as one space (a newline, or two blanks or more): made one space,
# so lines a template leaves empty when a part is left out, or dropped here, change nothing
_BLANK = re.compile(rb">[ \t\r\f]*\n[ \t\r\n\f]*<|>[ \t\r\n\f]{2,}<")
_ENDS: dict[bytes, re.Pattern] = {}  # tag name -> its start and end tags
_ANCESTORS: dict[bytes, list | None] = {}  # the markup before a region -> the elements open there (pages share it)


class Indexed(NamedTuple):
    page: bytes  # what the indexer is given
    digest: str  # its digest
    region: bool  # the page marks an indexed region (pages without one are left out when others have one)
    rooted: bool  # the page has an <html> element (the indexer skips a page without one)


def indexed_page(html: bytes) -> Indexed:
    """The part of a rendered page the indexer reads, as a page of its own (see the module's docstring)."""
    cut = _cut(html)
    if cut is None:
        return Indexed(html, digest_bytes(html), BODY in html, _HTML.search(html) is not None)
    return Indexed(cut, digest_bytes(cut), True, True)  # (a cut page begins with the page's <html> tag)


def _cut(html: bytes) -> bytes | None:
    at = html.find(BODY)
    if at < 0 or html.find(BODY, at + 1) >= 0:
        return None
    start = html.rfind(b"<", 0, at)
    if start < 0 or b">" in html[start:at]:
        return None
    open_tag = _TAG.match(html, start)
    if open_tag is None or open_tag.group(1):
        return None
    end = _close_of(html, open_tag)
    if end is None:
        return None
    prefix, suffix = html[:start], html[end:]
    if not _plain_outside(prefix, suffix):
        return None
    ancestors = _ancestors(prefix)
    if ancestors is None or not _closed_after(suffix, ancestors[2]):
        return None
    region = _without_ignored(html[start:end])
    if region is None:
        return None
    opening, closing, _ = ancestors
    return _BLANK.sub(b"> <", opening + region + closing)


def _plain_outside(prefix: bytes, suffix: bytes) -> bool:
    """Nothing outside the region that Pagefind reads: no data-pagefind- attribute, title heading or late image."""
    low_prefix, low_suffix = prefix.lower(), suffix.lower()
    if b"data-pagefind-" in low_prefix or b"data-pagefind-" in low_suffix:
        return False
    if b"<h1" in low_prefix or b"<h1" in low_suffix or b"<img" in low_suffix:
        return False
    head_end = low_prefix.find(b"</head")
    return b"<title" not in (low_prefix[head_end:] if head_end >= 0 else low_prefix) and b"<title" not in low_suffix


def _close_of(html: bytes, open_tag: re.Match) -> int | None:
    """Where the element that opens with this tag ends (after its end tag), or None."""
    name = open_tag.group(2)
    if name.lower() in _VOID or open_tag.group(3).rstrip().endswith(b"/"):
        return None
    pattern = _ENDS.get(name)
    if pattern is None:
        pattern = _ENDS[name] = re.compile(rb"<(/?)" + re.escape(name) + rb"\b[^>]*>", re.I)
    depth = 0
    for m in pattern.finditer(html, open_tag.start()):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.end()
    return None


def _ancestors(prefix: bytes) -> tuple[bytes, bytes, list[bytes]] | None:
    """The <html> tag and the tags of the elements open where the region begins; their end tags; their names."""
    low = prefix.lower()
    at = low.find(b"<html")
    html_tag = _TAG.match(prefix, at) if at >= 0 else None
    if html_tag is None:
        return None
    head_end = low.find(b"</head", at)
    head_end = low.find(b">", head_end) + 1 if head_end >= 0 else html_tag.end()
    rest = prefix[head_end:]
    if rest not in _ANCESTORS:
        if len(_ANCESTORS) > 512:
            _ANCESTORS.clear()
        _ANCESTORS[rest] = _open_elements(rest)
    stack = _ANCESTORS[rest]
    if stack is None:
        return None
    closes = b"".join(b"</" + name + b">" for name, _ in reversed(stack))
    return (html_tag.group(0) + b"<head></head>" + b"".join(tag for _, tag in stack), closes + b"</html>",
            [name for name, _ in stack])


def _closed_after(suffix: bytes, names: list[bytes]) -> bool:
    """Whether the markup after the region ends those elements, each by its own end tag, innermost first."""
    stack = list(names)
    rest = _DROP.sub(b"", _COMMENT.sub(b"", suffix))
    for m in _TAG.finditer(rest):
        name = m.group(2).lower()
        if m.group(1):
            if stack and stack[-1] == name:
                stack.pop()
            elif stack or name != b"html":
                return False
        elif name not in _VOID and not m.group(3).rstrip().endswith(b"/"):
            stack.append(name)
    return not stack


def _open_elements(rest: bytes) -> list[tuple[bytes, bytes]] | None:
    """The elements still open at the end of this markup: (name, opening tag). None if unclear (an end tag
    left implied, or markup this reader does not take apart)."""
    rest = _DROP.sub(b"", _COMMENT.sub(b"", rest))
    stack: list[tuple[bytes, bytes]] = []
    for m in _TAG.finditer(rest):
        name = m.group(2).lower()
        if m.group(1):
            if not stack or stack[-1][0] != name:
                return None  # an end tag left implied, or markup this reader does not follow
            stack.pop()
        elif name not in _VOID and not m.group(3).rstrip().endswith(b"/"):
            stack.append((name, m.group(0)))
    if b"<" in _TAG.sub(b"", rest).replace(b"<!doctype", b"").replace(b"<!DOCTYPE", b""):
        return None  # a stray '<' (or a tag this reader did not take apart)
    return stack


def _without_ignored(region: bytes) -> bytes | None:
    """The region less its data-pagefind-ignore parts that hold nothing Pagefind reads."""
    out, pos = [], 0
    while True:
        at = region.find(IGNORE, pos)
        if at < 0:
            break
        start = region.rfind(b"<", pos, at)
        open_tag = _TAG.match(region, start) if start >= 0 else None
        if open_tag is None or open_tag.end() <= at:
            return None
        end = _close_of(region, open_tag)
        if end is None:
            return None
        out.append(region[pos:start])
        out.append(region[start:end] if _read_when_ignored(region[start:end]) else b"")
        pos = end
    out.append(region[pos:])
    return b"".join(out)


def _read_when_ignored(part: bytes) -> bool:
    """What Pagefind reads even in an ignored part: a title heading, an image, a data-pagefind- attribute."""
    low = part.lower()
    return (b"<h1" in low or b"<img" in low or b"<title" in low
            or low.count(b"data-pagefind-") != low.count(b"data-pagefind-ignore"))
