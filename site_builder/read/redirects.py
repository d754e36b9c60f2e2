"""`redirect_from:` in front matter and fact sheets: the old site paths a page was published at."""

from __future__ import annotations

import re

from ..diagnostics import Problems
from ..model import Redirect
from .yamlio import Marks

# A site path: '/' then segments of URL characters, ending in '/' (a folder) or in a file name ending in .html.
# No '.' or '..' segments, no query or fragment. (The editor schemas use the same pattern.)
_SEGMENT = r"(?:[A-Za-z0-9._~+-]|%[0-9A-Fa-f]{2})+"
PATH_PATTERN = rf"^(?!.*/\.{{1,2}}(?:/|$))/(?:{_SEGMENT}/)*(?:{_SEGMENT}\.html)?$"
PATH_RE = re.compile(PATH_PATTERN)
RULE_HINT = "write old addresses as site paths such as /old-name/ or /2019/05/story.html"


def parse_redirects(raw, marks: Marks, problems: Problems, key: str = "redirect_from") -> tuple[Redirect, ...]:
    """The old paths written under `key`: one path or a list of them, each checked."""
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        problems.error(f"'{key}' must be a list of old site paths", marks.at((key,)), RULE_HINT)
        return ()
    out: list[Redirect] = []
    for i, item in enumerate(items):
        path = (key, i) if not isinstance(raw, str) else (key,)
        if not isinstance(item, str) or not PATH_RE.match(item):
            shown = item if isinstance(item, str) else type(item).__name__
            problems.error(f"'{shown}' is not a site path for redirect_from", marks.at(path),
                           RULE_HINT + " (a path ends in / or .html)")
            continue
        out.append(Redirect(item, marks.at(path)))
    return tuple(out)
