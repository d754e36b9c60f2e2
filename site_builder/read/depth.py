"""Bounded work per input: Markdown may nest blocks and tags only so deep.

Nothing a reader needs is nested a hundred levels deep, but 100,000 nested blockquotes are 200 KB of
text whose page then costs every later stage (the HTML parser that cleans raw HTML, the search
indexer, the browser) time that grows faster than the text. The converted fragment's depth is
measured before anything else reads it, and a deeper one is a located error.
"""

from __future__ import annotations

import re

from ..diagnostics import Location, Problems

MAX_DEPTH = 100
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr"}
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^>]*)>")  # (end?, name, the rest: ends in / if self-closing)
_START_RE = re.compile(r"<[A-Za-z]")  # where a start tag may begin
# the container markers that open a line: blockquotes and list items, nested
_PREFIX_RE = re.compile(r"^(?:[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])))+", re.M)
_MARKER_RE = re.compile(r">|[-+*]|\d{1,9}[.)]")


class TooDeep(Exception):
    """A converted fragment nested deeper than MAX_DEPTH."""


def check_depth(fragment: str) -> None:
    """Raise TooDeep when the HTML fragment's elements nest deeper than MAX_DEPTH.

    An end tag counts only against an open element of its name, so stray end tags hide nothing. A
    fragment with no more places where a start tag may begin than MAX_DEPTH cannot be deeper (most)."""
    if len(_START_RE.findall(fragment)) <= MAX_DEPTH:
        return
    open_by_name: dict[str, int] = {}
    depth = 0
    for closing, name, rest in _TAG_RE.findall(fragment):
        name = name.lower()
        if closing:
            count = open_by_name.get(name, 0)
            if count > 0:
                open_by_name[name] = count - 1
                depth -= 1
        elif name not in VOID and not rest.endswith("/"):
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep()


def report(text: str, rel_path: str, problems: Problems, line0: int) -> None:
    """The error, at the source line with the most nested blockquote and list markers (else the first)."""
    best, best_at = 0, 0
    for m in _PREFIX_RE.finditer(text):
        prefix = m.group(0)
        count = len(_MARKER_RE.findall(prefix)) + (len(prefix) - len(prefix.lstrip(" \t"))) // 2  # indented lists
        if count > best:
            best, best_at = count, m.start()
    if best == 0:  # nested tags, not blocks: the first line with text
        best_at = len(text) - len(text.lstrip())
    best_line = text.count("\n", 0, best_at)
    problems.error(f"Markdown nested more than {MAX_DEPTH} levels deep", Location(rel_path, line0 + best_line, 1),
                   "blockquotes, lists and HTML tags may nest only so deep: flatten this part")
