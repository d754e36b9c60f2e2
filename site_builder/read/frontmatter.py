"""Split a Markdown file into its YAML front matter and body, remembering line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN_RE = re.compile(r"^---[ \t]*\r?\n")
_CLOSE_RE = re.compile(r"^(---|\.\.\.)[ \t]*\r?$", re.M)


@dataclass(frozen=True, slots=True)
class Split:
    front: str | None  # the YAML text, or None when the file has no front matter
    body: str
    front_line: int  # 1-based line of the first YAML line
    body_line: int  # 1-based line of the first body line
    error: str = ""


def split_front_matter(text: str) -> Split:
    """Front matter is a YAML block between a first line '---' and a closing '---' (or '...')."""
    if not _OPEN_RE.match(text):
        return Split(None, text, 0, 1)
    start = _OPEN_RE.match(text).end()
    close = _CLOSE_RE.search(text, start)
    if close is None:
        return Split(None, text, 2, 1, "front matter starts with '---' but is never closed by a '---' line")
    front = text[start:close.start()]
    after = close.end()
    if text.startswith("\r\n", after):
        after += 2
    elif text.startswith("\n", after):
        after += 1
    body_line = text.count("\n", 0, after) + 1
    return Split(front, text[after:], 2, body_line)
