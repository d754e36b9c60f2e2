"""One definition of each small piece of text handling: slugs, plain text from HTML, web addresses."""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

_NOT_SLUG_RE = re.compile(r"[^a-z0-9]+")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_CITES_RE = re.compile(r'<sup class="cites">.*?</sup>', re.S)


def slugify(text: str, limit: int = 0) -> str:
    """Lower-case a-z, 0-9 and '-' from any text: accents dropped, everything else a '-'.

    With a limit, a long slug is cut at a word boundary. May be "" (text with no letters or digits).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG_RE.sub("-", ascii_text.lower()).strip("-")
    if limit and len(slug) > limit:
        head = slug[:limit + 1]
        slug = (head.rsplit("-", 1)[0] if "-" in head else slug[:limit]).strip("-")
    return slug


def plain_text(markup: str) -> str:
    """The text a reader sees in an HTML fragment: no tags, no citation markers, entities decoded,
    runs of white space made one space."""
    text = _TAG_RE.sub("", _CITES_RE.sub("", markup))
    return _SPACE_RE.sub(" ", html.unescape(text)).strip()


def is_web_url(text: str) -> bool:
    """An absolute http(s) address with a host (and a port, if any, that is a number)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:  # a broken [IPv6] host or port
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in text)
