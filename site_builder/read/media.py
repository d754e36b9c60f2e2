"""Media are data, not pages: with `markdown: {raw_html: escape}`, an HTML or SVG file that could run
script when a reader opens it is refused, at the place it would do so.

Such a file is published as it is and served from the site's own address, so a script in it would
run with the site's rights. The check is deliberately wary: it reads the text as written and again
with character references decoded, and refuses anything that looks like a script element, an event
handler attribute, a `javascript:`-style address, an `srcdoc` frame, a refresh, an XSLT style sheet
or an XML entity declaration, even where a browser might not run it (text that only mentions them).
"""

from __future__ import annotations

import bisect
import gzip
import html
import io
import re

from ..diagnostics import Diagnostic, Location

ACTIVE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".xht", ".xml", ".xsl", ".xslt", ".svg", ".svgz",
                   ".mht", ".mhtml")
MAX_UNPACKED = 50_000_000  # an .svgz is unpacked this far at most

_AS_WRITTEN = [
    (re.compile(r"<\s*(?:[\w.-]+:)?script\b", re.I), "a script element"),
    (re.compile(r"[\s\"'/;]on[a-z][\w.-]*\s*=", re.I), "an event handler attribute (on...=)"),
    (re.compile(r"\bsrcdoc\s*=", re.I), "a frame with srcdoc"),
    (re.compile(r"http-equiv", re.I), "a meta http-equiv (a refresh can run an address)"),
    (re.compile(r"<\?\s*xml-stylesheet", re.I), "an XSLT style sheet"),
    (re.compile(r"<!\s*entity", re.I), "an XML entity declaration"),
]
_DECODED = re.compile(r"(?:java|vb|live)script\s*:|mocha\s*:", re.I)
_IGNORED = re.compile(r"[\t\n\r\x00]")


def is_active(rel_path: str) -> bool:
    """Whether a media file is of a kind a browser opens as a document (HTML, SVG, XML)."""
    return rel_path.lower().endswith(ACTIVE_SUFFIXES)


def check_active(rel_path: str, data: bytes) -> Diagnostic | None:
    """The first thing in an HTML, SVG or XML media file that could run script, as a located error."""
    text = _text(rel_path, data)
    if text is None:
        return _refused(rel_path, 1, 1, "a file in an encoding the builder cannot check",
                        "save it as UTF-8 (an .svgz as gzip of UTF-8)")
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    found = []
    for pattern, what in _AS_WRITTEN:
        m = pattern.search(text)
        if m:
            found.append((m.start() + (text[m.start()] in " \t\n\r\"'/;"), what))
    if found:
        at, what = min(found)
        line = bisect.bisect_right(starts, at)
        return _refused(rel_path, line, at - starts[line - 1] + 1, what)
    if _DECODED.search(_IGNORED.sub("", html.unescape(text))):
        line = _first_line(text, starts)
        return _refused(rel_path, line, 1, "an address that runs script (javascript:, vbscript:)")
    return None


def _refused(rel_path: str, line: int, col: int, what: str, hint: str = "") -> Diagnostic:
    return Diagnostic("error", f"this media file could run script in a reader's browser: {what}",
                      Location(rel_path, line, col),
                      hint or "remove it from the file (the site says markdown: {raw_html: escape}, "
                              "so media must not run script)")


def _text(rel_path: str, data: bytes) -> str | None:
    """The file as text for the check (ASCII-compatible encodings all show their markup), or None."""
    if rel_path.lower().endswith(".svgz") or data.startswith(b"\x1f\x8b"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                data = f.read(MAX_UNPACKED + 1)
        except (OSError, EOFError):
            return None
        if len(data) > MAX_UNPACKED:
            return None
    if data.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff")) or b"\x00" in data[:1024]:
        return None  # UTF-16 or UTF-32: markup the check would not see
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _first_line(text: str, starts: list[int]) -> int:
    """The line where the decoded text first shows an active address (the shortest prefix that does)."""
    lo, hi = 1, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        end = starts[mid] if mid < len(starts) else len(text)
        if _DECODED.search(_IGNORED.sub("", html.unescape(text[:end]))):
            hi = mid
        else:
            lo = mid + 1
    return lo
