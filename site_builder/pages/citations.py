"""A page's references and citations: links by name, citation numbers in reading order, the source list."""

from __future__ import annotations

import html
from collections import defaultdict
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from ..i18n.catalogs import gettext
from ..model import CiteSlot, Fragment, LinkSlot, RefSlot, SourceRef
from ..read.markup import PLACEHOLDER_RE
from ..site.index import Index
from ..text import plain_text
from .images import img_attributes

class Deferred:
    """HTML made the first time a template shows it (or reads it as text).

    Citation numbers are given out as markers are made, so making them when the template shows them
    numbers the sources in the order a reader meets them, and a marker a template leaves out takes
    no number and leaves no dangling link in the source list. Truth needs no rendering: it is whether
    there is anything to show.
    """

    __slots__ = ("_make", "_empty", "_html")

    def __init__(self, make, empty: bool):
        self._make, self._empty, self._html = make, empty, None

    def __html__(self) -> Markup:
        if self._html is None:
            self._html = Markup(self._make())
        return self._html

    def __str__(self) -> str:
        return str(self.__html__())

    def __bool__(self) -> bool:
        return not self._empty

    def __len__(self) -> int:
        return len(self.__html__())

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __add__(self, other):
        return self.__html__() + other

    def __radd__(self, other):
        return Markup.escape(other) + self.__html__()

    def __getattr__(self, name):  # Markup's methods (striptags, unescape, ...) on the made HTML
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__html__(), name)


class SourceEntries:
    """A page's source list, read when the template reaches it: every source cited above that point."""

    def __init__(self, refs: "PageRefs"):
        self.refs = refs

    def __iter__(self):
        return iter(self.refs.entries())

    def __len__(self) -> int:
        return len(self.refs.numbers)

    def __bool__(self) -> bool:
        return bool(self.refs.numbers)

    def __getitem__(self, i):
        return self.refs.entries()[i]


def _letters(i: int) -> str:
    """a, b, ..., z, aa, ab, ...: the mark of the i-th (from 0) place that cites a source."""
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


class PageRefs:
    """Citation numbers and reference links for one page, numbered in order of first use."""

    def __init__(self, index: Index, language: str = ""):
        self.index = index
        self.numbers: dict[str, int] = {}
        self.uses: dict[int, list[tuple[str, str]]] = defaultdict(list)  # n -> [(anchor, locator)]
        self.default = index.config.language
        self.language = language or self.default  # the page's
        self.one_language = len(index.config.published) == 1

    def version(self, id_: str) -> tuple[str, str]:
        """(id, language) of the version of an item this page links to: the one in the page's language
        where there is one, else the original."""
        if self.one_language:
            return id_, self.default
        return self.index.version(id_, self.language)

    def ref(self, target: str, text: str | None = None) -> Markup:
        id_ = self.index.known(target)  # a KeyError is shown as a located template error
        shown, language = self.version(id_)
        label = html.escape(text) if text is not None else html.escape(self.index.title(shown, language))
        url = html.escape(self.index.url(shown, language))
        other = ""
        if language != self.language:  # a link to a page in another language, with its name in it unless given
            other = f' hreflang="{language}"' + (f' lang="{language}"' if text is None else "")
        return Markup(f'<a class="ref" href="{url}" data-ref="{id_}"{other}>{label}</a>')

    def cite(self, source: str, locator: str = "") -> str:
        n = self.numbers.setdefault(source, len(self.numbers) + 1)
        anchor = f"cite-{n}-{len(self.uses[n]) + 1}"
        self.uses[n].append((anchor, locator))
        title = html.escape(self.index.title(f"sources/{source}", self.language), quote=True)
        label = html.escape(gettext(self.language, "Source %(number)d", number=n), quote=True)
        return f'<a href="#source-{n}" id="{anchor}" class="cite" title="{title}" aria-label="{label}">{n}</a>'

    def group(self, items: list[tuple[str, str]]) -> str:
        """One citation marker for sources cited together: [1, 2, 3], each number a link to its entry."""
        if not items:
            return ""
        links = ", ".join(self.cite(source, locator) for source, locator in items)
        return f'<sup class="cites">[{links}]</sup>'

    def markers(self, sources: tuple[SourceRef, ...]) -> Markup:
        return Markup(self.group([(s.source, "") for s in sources if self.index.has(f"sources/{s.source}")]))

    def later_markers(self, sources: tuple[SourceRef, ...]) -> Deferred:
        """markers(), made when the template shows them."""
        known = any(self.index.has(f"sources/{s.source}") for s in sources)
        return Deferred(lambda: self.markers(sources), empty=not known)

    def later(self, fragment: Fragment | None) -> Deferred:
        """fill(), made when the template shows it."""
        return Deferred(lambda: self.fill(fragment), empty=fragment is None or not fragment.html.strip())

    def fill(self, fragment: Fragment | None) -> Markup:
        if fragment is None:
            return Markup("")
        if not fragment.slots:
            return Markup(fragment.html)

        def replace(m) -> str:
            slot = fragment.slots[int(m.group(1))]
            if isinstance(slot, RefSlot):  # unknown targets were reported by resolve; show the text
                if self.index.lookup(slot.target) is None:
                    return html.escape(slot.text or slot.target)
                return str(self.ref(slot.target, slot.text))
            if isinstance(slot, CiteSlot):
                return self.group([(i.source, i.locator) for i in slot.items
                                   if self.index.has(f"sources/{i.source}")])
            if isinstance(slot, LinkSlot):
                if slot.target.startswith("/"):  # an address in the site, as written: moved under the base path
                    path, mark, query = slot.target[1:].partition("?")
                    url = self.index.urls.path(unquote(path)) + mark + query
                else:
                    url = self.index.url_for_path(slot.target) or "#"
                url = html.escape(url + ("#" + slot.fragment if slot.fragment else ""), quote=True)
                if m.string.endswith('<img src="', 0, m.start()) and slot.target in self.index.media:
                    url += img_attributes(self.index, slot.target)  # size, srcset, lazy (pages/images.py)
                return url
            return ""  # pragma: no cover

        text, parts, last = fragment.html, [], 0
        for m in PLACEHOLDER_RE.finditer(text):
            before = text[last:m.start()]
            if isinstance(fragment.slots[int(m.group(1))], CiteSlot):
                before = before.rstrip(" \t\n")  # a citation hangs on the word before it: no space, no break
            parts += (before, replace(m))
            last = m.end()
        parts.append(text[last:])
        return Markup("".join(parts))

    def describe(self, sheet) -> dict:
        """A source's publisher (linked where it names a fact sheet), date and address, for source lists."""
        publisher = sheet.field("publisher")
        shown = Markup("")
        if publisher is not None:
            text = publisher.value.source.strip()
            target = self.index.lookup(text) if "/" in text else None
            shown = Markup(f'<a href="{html.escape(self.index.url(target))}">{html.escape(self.index.title(target))}</a>'
                           ) if target else Markup(html.escape(text))
        date = sheet.field("date")
        address, via, archive, older = (_address(sheet, name) for name in ("url", "via", "archive", "archive_url"))
        archive = archive or older
        return {"publisher": shown, "date": date.value if date is not None else None,
                "address": address, "host": _host(address), "via": via, "via_host": _host(via), "archive": archive}

    def entries(self) -> list[dict]:
        """The page's source list: each cited source with links back to every place that cites it."""
        out = []
        for source, n in self.numbers.items():
            sheet = self.index.item(f"sources/{source}")
            out.append({"number": n, "id": sheet.id, "sheet": sheet, "url": self.index.url(sheet.id),
                        "abs_url": self.index.urls.absolute(self.index.url(sheet.id)),
                        "uses": [{"anchor": a, "locator": loc, "mark": _letters(i)}
                                 for i, (a, loc) in enumerate(self.uses[n])]} | self.describe(sheet))
        return out

    def later_entries(self) -> SourceEntries:
        """entries(), read when the template reaches the source list."""
        return SourceEntries(self)


def _address(sheet, name: str) -> str:
    """A source's address field (`url`, the original; `via`, the copy read; `archive`), or ""."""
    found = sheet.field(name)
    return found.value if found is not None and isinstance(found.value, str) else ""


def _host(address: str) -> str:
    """The host name a source's address is shown by on screen: 'www.reuters.com/...' -> 'reuters.com'."""
    if not address:
        return ""
    try:
        host = urlsplit(address).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.") or address




def fragment_text(index: Index, fragment: Fragment | None) -> str:
    """A Markdown fragment as the plain text a reader sees: references by name, no citation markers."""
    if fragment is None:
        return ""
    return plain_text(str(PageRefs(index).fill(fragment)))
