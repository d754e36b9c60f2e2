"""The text a reader sees on a built page, as paragraphs, with the page's title, kind and links.

Only the page's <main> counts (the header, navigation and footer are the same on every page).
A paragraph is the text of one block: a paragraph, list item, table row, heading, term or
definition. Scripts and styles are skipped, white space is collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCKS = {"p", "li", "dt", "dd", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figcaption",
          "caption", "div", "section", "article", "header", "footer", "ul", "ol", "dl", "table", "thead",
          "tbody", "figure", "details", "summary", "nav", "aside", "form", "main", "body", "hr"}
SKIPPED = {"script", "style", "template", "noscript", "svg"}
CELLS = {"td", "th"}
VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "col", "embed", "track"}


@dataclass
class PageText:
    title: str = ""
    kind: str = ""  # from <body class="kind-...">, when the theme says it
    paragraphs: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # every href in <main>, as written


class _Reader(HTMLParser):
    def __init__(self, within: str = "main") -> None:
        super().__init__(convert_charrefs=True)
        self.within = within
        self.page = PageText()
        self.buffer: list[str] = []
        self.in_main = 0  # depth inside <main>
        self.seen_main = False
        self.skipping = 0
        self.in_title = False
        self.title: list[str] = []
        self.cell_header = False  # the last table cell was a <th>

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text:
            self.page.paragraphs.append(text)

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "body":
            kinds = [c[5:] for c in (attrs.get("class") or "").split() if c.startswith("kind-")]
            self.page.kind = kinds[0] if kinds else ""
        if tag == "title":
            self.in_title = True
        if tag == self.within:
            self.in_main += 1
            self.seen_main = True
        if tag in SKIPPED and tag not in VOID:
            self.skipping += 1
        if not self.in_main or self.skipping:
            return
        if tag == "a" and attrs.get("href"):
            self.page.links.append(attrs["href"])
        if tag in BLOCKS:
            self.flush()
            if tag == "tr":
                self.cell_header = False
        elif tag in CELLS:
            so_far = "".join(self.buffer).rstrip()
            if so_far:
                self.buffer = [so_far, ": " if self.cell_header else " | "]
            self.cell_header = tag == "th"
        elif tag == "br":
            self.buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1
            return
        if self.in_main and not self.skipping and tag in BLOCKS:
            if tag == "h1" and not self.page.title:
                self.page.title = " ".join("".join(self.buffer).split())
            self.flush()
        if tag == self.within and self.in_main:
            self.in_main -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.in_main and not self.skipping:
            self.buffer.append(data)


def read_page(html: bytes | str) -> PageText:
    """Title, kind, paragraphs and links of one built page; a page without <main> uses its whole body."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if not reader.seen_main:  # a site's own template without <main>: read the body instead
        reader = _Reader("body")
        reader.feed(text)
        reader.close()
    reader.flush()
    page = reader.page
    if not page.title:
        page.title = " ".join("".join(reader.title).split()).split(" · ")[0]
    return page
