"""Raw HTML in `markdown: {raw_html: allow}` mode: no active URL in any attribute, however it is spelled.

The fragment is parsed as a browser parses HTML (html5ever, through nh3, the Python binding of the
Ammonia sanitiser) and written out again. In this mode raw HTML is trusted, so every element and
attribute is kept, scripts and event handlers included; what goes is any URL-bearing attribute whose
value, read as a browser reads it (character references decoded, case folded, tabs and newlines
dropped, either quote or none), uses a scheme other than http, https, mailto or tel. Attribute names
are matched after parsing, so `HREF=`, `href =`, `href='...'` and `xlink:href` are all the same.
"""

from __future__ import annotations

import html
import re

SAFE_SCHEMES = {"http", "https", "mailto", "tel"}

# Attributes whose value a browser follows as a URL (besides those Ammonia itself checks).
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "ping", "background", "cite",
                  "codebase", "lowsrc", "dynsrc", "longdesc", "manifest", "icon", "xlink:href", "archive"}
# Every tag name that may open an element: the parser decides which are tags; a name left out would only
# lose its tag (its text stays), never keep an attribute.
_TAG_NAME_RE = re.compile(r"<\s*/?\s*([A-Za-z][^\t\n\f\r />\x00]*)")
_ATTRIBUTE_STARTS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:@.-")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_URL_EDGE = "".join(chr(c) for c in range(0x21))
_URL_IGNORED_RE = re.compile(r"[\t\n\r]")


def scheme_of(url: str) -> str:
    """The scheme of an attribute value as a browser reads it ('' for a relative URL)."""
    text = _URL_IGNORED_RE.sub("", html.unescape(url).strip(_URL_EDGE))
    m = _SCHEME_RE.match(text)
    return m.group(1).lower() if m else ""


def safe_url(url: str) -> bool:
    """Relative, or http, https, mailto, tel; checked once more decoded, so doubly encoded forms go too."""
    return all(not scheme_of(v) or scheme_of(v) in SAFE_SCHEMES for v in (url, html.unescape(url)))


def _keep_attribute(element: str, name: str, value: str) -> str | None:
    local = name.lower().rpartition(":")[2]
    if (name.lower() in URL_ATTRIBUTES or local in URL_ATTRIBUTES) and not safe_url(value):
        return None
    return value


def clean_raw_html(fragment: str) -> str:
    """The fragment as the HTML parser reads it, with every active URL attribute removed."""
    import nh3  # loaded only when a page has raw HTML
    tags = {m.group(1).lower() for m in _TAG_NAME_RE.finditer(fragment)} | set(nh3.ALLOWED_TAGS)
    return nh3.clean(fragment, tags=tags, clean_content_tags=set(), attributes={"*": set()},
                     generic_attribute_prefixes=_ATTRIBUTE_STARTS, attribute_filter=_keep_attribute,
                     strip_comments=False, link_rel=None, url_schemes=SAFE_SCHEMES)


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_controls(fragment: str) -> str:
    """Control characters a character reference made (&#27; is ESC) shown as U+FFFD: none reaches a page."""
    return _CONTROL_RE.sub("\ufffd", fragment) if _CONTROL_RE.search(fragment) else fragment
