"""Links into the site itself, checked against the planned routes once they are known.

A link to a content file (`../explainers/x.md`) is checked when an item is linked. A link written as an
address of the site (`/explainers/x/`, `/media/photo.jpg`, or the site's whole address) can only be
told good or broken once every route is planned: it names a page or file the build will write, or
nothing. The links come from three places: Markdown (root-relative, or with the site's own address),
fact sheets' url fields that point into the site, and site.yml's nav.
"""

from __future__ import annotations

import difflib
from urllib.parse import unquote, urlsplit

from ..config import SiteConfig
from ..diagnostics import Location, Problems
from ..model import Competing, FactSheet, LinkSlot

NAV_HINT = ("a nav url that starts with / is an address in the site, such as /timeline/, /<page>/ (a page's file "
            "name) or /<folder>/ (a type's list)")
HINT = ("the site's addresses are /explainers/<file name>/, /<page>/, /<folder>/<id>/ and /media/<file>; "
        "or link to the file itself, such as ../explainers/x.md, which is checked and rewritten for you")


def check_site_links(config: SiteConfig, site_links: dict[str, tuple[str, tuple]], have: frozenset[str],
                     problems: Problems) -> None:
    """An error at each link into the site that names no page or file the build writes (`have`: the out_paths
    of every route). `site_links`: the links into the site of each item that has any, as linking keeps them
    (id -> (rel_path, links)), so a build reads no item's links for this; it runs on every build, as the
    routes may be the last build's."""
    searched = config.search != "off"  # the search index (pagefind/) is written after planning
    for rel_path, links in site_links.values():
        for prefix, path, line, col in links:
            if not exists(path, have, searched):
                problems.error(f"link to '{prefix + path}': the site has no page or file there"
                               + _did_you_mean(prefix, path, have), Location(rel_path, line, col), HINT)
    prefix = site_prefix(config.base_url)
    for (label, url), where in zip(config.nav, config.nav_at):
        written = url.partition("#")[0]
        if written.startswith("/") and not written.startswith("//"):
            start = "/"
        elif prefix and written.startswith(prefix):
            start = prefix
        else:
            continue  # another site's address, mailto: or tel:
        path = written[len(start):]
        if not exists(path, have, searched):
            problems.error(f"nav link '{url}' ({label}): the site has no page or file there"
                           + _did_you_mean(start, path, have), where, NAV_HINT)


def exists(path: str, have: frozenset[str], searched: bool = False) -> bool:
    """Whether an address under the base (without its leading '/': '', 'timeline/', 'media/a.png') is a page
    or file of the site; '/timeline' stands for '/timeline/', as hosts redirect it."""
    path = unquote(path.partition("?")[0])
    if searched and path.startswith("pagefind/"):
        return True
    if path == "" or path.endswith("/"):
        return path + "index.html" in have
    return path in have or path + "/index.html" in have


def _did_you_mean(prefix: str, path: str, have: frozenset[str]) -> str:
    """The closest addresses the site has, compared without the part every address shares: pages for a
    link to a page, files (an image, a share card, a feed) for a link to a file."""
    wanted = unquote(path.partition("?")[0])
    page = wanted.endswith("/") or "." not in wanted.rpartition("/")[2]
    cards = wanted.endswith("card.png")  # the share cards beside pages are offered only for a link to one
    shown = sorted({out.removesuffix("index.html") for out in have
                    if out.endswith("index.html") == page and (cards or not out.endswith("/card.png"))})
    close = difflib.get_close_matches(wanted, shown, n=3, cutoff=0.6)
    return " (did you mean " + " or ".join(f"'{prefix + c}'" for c in close) + "?)" if close else ""


def links_into_site(item, fragments: list, base_url: str) -> tuple:
    """The links of an item that point into the site itself, which only the planned routes can tell are good:
    (prefix, path under the base, line, col) for each root-relative link in Markdown ('/', 'explainers/x/'),
    each link written with the site's own address, and each url field that points into the site."""
    prefix = site_prefix(base_url)
    out = []
    for frag in fragments:
        for slot in frag.slots:
            if isinstance(slot, LinkSlot) and slot.target.startswith("/"):
                out.append(("/", slot.target[1:], slot.location.line, slot.location.col))
        for url, loc in frag.urls:
            if prefix and url.startswith(prefix):
                out.append((prefix, url[len(prefix):].partition("#")[0], loc.line, loc.col))
    for fv in _plain_values(item.fields if isinstance(item, FactSheet) else ()):
        for value in fv.value if isinstance(fv.value, tuple) else (fv.value,):
            if isinstance(value, str) and prefix and value.startswith(prefix):  # str values are url fields'
                out.append((prefix, value[len(prefix):].partition("#")[0], fv.location.line, fv.location.col))
    return tuple(out)


def _plain_values(fields):
    """Each field value, with each of competing values in its place."""
    for fv in fields:
        if isinstance(fv.value, Competing):
            yield from fv.value.values
        else:
            yield fv


def site_prefix(base_url: str) -> str | None:
    """The address every page of the site starts with (https://example.org/engines/), or None for a site
    built for '/' alone (no host: no address can be told to be the site's)."""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"
