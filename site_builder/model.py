"""The parsed site: plain frozen data, no behaviour beyond display helpers."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from html import escape
from typing import Any

from .diagnostics import Location

@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A date that may be known only to the year or the month; it stays that way."""

    year: int
    month: int = 0
    day: int = 0

    def iso(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text

    def display(self, language: str = "en") -> str:
        """As a reader of `language` writes it (Babel), as precise as it is: '1 March 2024', 'März 2024'."""
        from .i18n.locales import format_partial
        return format_partial(self.year, self.month, self.day, language)

    def full_iso(self) -> str:
        """A complete date for machine formats (first day of a partial period)."""
        return f"{self.year:04d}-{self.month or 1:02d}-{self.day or 1:02d}"

    def first_day(self) -> tuple[int, int, int]:
        """The first day the date may mean: 2024-05 may be 1 May 2024 at the earliest."""
        return (self.year, self.month or 1, self.day or 1)

    def last_day(self) -> tuple[int, int, int]:
        """The last day the date may mean: 2024-05 may be 31 May 2024 at the latest."""
        if self.day:
            return (self.year, self.month, self.day)
        month = self.month or 12
        return (self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True, slots=True)
class Money:
    amount: float | int
    currency: str

    def display(self) -> str:
        amount = self.amount
        if isinstance(amount, float) and amount.is_integer():
            amount = int(amount)
        text = f"{amount:,}" if isinstance(amount, int) else f"{amount:,.2f}"
        return f"{text} {self.currency}"

    def __str__(self) -> str:
        return self.display()


# Slots: things written in Markdown that are resolved after Markdown has run.
@dataclass(frozen=True, slots=True)
class RefSlot:
    target: str
    text: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class CiteItem:
    source: str
    locator: str
    location: Location


@dataclass(frozen=True, slots=True)
class CiteSlot:
    items: tuple[CiteItem, ...]


@dataclass(frozen=True, slots=True)
class LinkSlot:
    target: str  # rel_path of the linked file in the site
    fragment: str
    location: Location


@dataclass(frozen=True, slots=True)
class Fragment:
    """Markdown rendered to HTML, with placeholders where refs, citations and links go."""

    html: str
    slots: tuple = ()
    source: str = ""  # the Markdown as written (for search, summaries and feeds)
    urls: tuple = ()  # (address, Location) of each http(s) link written in it (links into the site are checked)


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A heading, as a table of contents lists it."""

    level: int  # 1 to 6, from <h1> to <h6>
    id: str  # the heading's anchor
    text: str  # its words, as plain text
    depth: int = 1  # how deep the contents nest it (1 at the top; never more than one below the entry before)


@dataclass(frozen=True, slots=True)
class Contents:
    """A table of contents: its entries as data (iterate it, index it, take its length) and, written out
    in a template ({{ doc.toc }}), nested ordered lists of links to the headings."""

    entries: tuple[TocEntry, ...] = ()

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i):
        return self.entries[i]

    def __html__(self) -> str:
        out = ["<ol>"]
        for n, entry in enumerate(self.entries):
            after = self.entries[n + 1].depth if n + 1 < len(self.entries) else 1
            out.append(f'\n<li><a href="#{escape(entry.id)}">{escape(entry.text)}</a>')
            out.append("<ol>" if after > entry.depth else "</li>" + "</ol></li>" * (entry.depth - after))
        out.append("\n</ol>")
        return "".join(out)


@dataclass(frozen=True, slots=True)
class RefValue:
    target: str
    location: Location


@dataclass(frozen=True, slots=True)
class SourceRef:
    source: str
    location: Location


@dataclass(frozen=True, slots=True)
class FieldValue:
    name: str
    kind: str  # the field type
    value: Any  # str | float | PartialDate | Money | Fragment | RefValue | Passage | Competing | tuple
    sources: tuple[SourceRef, ...] = ()
    note: Fragment | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Competing:
    """Several sourced values of one field where the sources disagree: none of them is shown as settled.

    Each value is a FieldValue of the same field, with its own sources and note."""

    values: tuple[FieldValue, ...]


@dataclass(frozen=True, slots=True)
class Passage:
    """Where something appeared: a source, and the place in it (a paragraph, a page, the passage)."""

    source: SourceRef
    locator: str


@dataclass(frozen=True, slots=True)
class Correction:
    """A dated note of what was wrong on a page and what was changed."""

    date: PartialDate
    text: Fragment
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: Fragment
    sources: tuple[SourceRef, ...] = ()
    note: Fragment | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Image:
    src: str  # rel_path in the site (content/media/...)
    alt: str
    credit: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    """A fact sheet's name, summary and body in another of the site's languages."""

    language: str
    name: str
    summary: Fragment | None = None
    body: Fragment | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    """An old address of a page (`redirect_from:`): a site path such as /old-name/, under the base path."""

    path: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a media file is, as far as pages need to know: an image's size in CSS pixels, or why it cannot be read."""

    digest: str
    format: str = ""  # "png", "jpeg", "gif", "webp", "avif", "svg"; "" for a file that is not an image
    width: int = 0
    height: int = 0
    problem: str = ""  # why the image cannot be read ("" when it can)


@dataclass(frozen=True, slots=True)
class FactSheet:
    id: str
    type: str
    rel_path: str
    name: str
    summary: Fragment | None
    aliases: tuple[str, ...] = ()
    fields: tuple[FieldValue, ...] = ()
    facts: tuple[Fact, ...] = ()
    body: Fragment | None = None
    image: Image | None = None
    location: Location | None = None
    corrections: tuple[Correction, ...] = ()
    translations: tuple[Translation, ...] = ()
    redirect_from: tuple[Redirect, ...] = ()

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]

    def translation(self, language: str) -> Translation | None:
        for t in self.translations:
            if t.language == language:
                return t
        return None

    def field(self, name: str) -> FieldValue | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def date(self):
        """The value of its 'date' field (a PartialDate where the field is a date), or None."""
        found = self.field("date")
        return found.value if found is not None else None


@dataclass(frozen=True, slots=True)
class Document:
    """An explainer or a standalone page."""

    kind: str  # "explainer" or "page"
    slug: str
    rel_path: str
    title: str
    body: Fragment
    summary: str = ""
    date: PartialDate | None = None
    updated: PartialDate | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    about: tuple[RefValue, ...] = ()
    image: Image | None = None
    draft: bool = False
    corrections: tuple[Correction, ...] = ()  # `updated` is never earlier than the newest of them
    toc: Contents = Contents()  # the table of contents shown with it: empty when it has none
    language: str = ""  # a translation's language (the file's name says it: the-gift.ko.md); "" for an original
    redirect_from: tuple[Redirect, ...] = ()

    @property
    def id(self) -> str:
        """explainers/<slug> or pages/<slug>; a translation's is its original's with the language: explainers/the-gift.ko"""
        return f"{self.base_id}.{self.language}" if self.language else self.base_id

    @property
    def base_id(self) -> str:
        """The original's id (its own, for an original)."""
        return f"{self.kind}s/{self.slug}" if self.kind == "explainer" else f"pages/{self.slug}"

    @property
    def original_path(self) -> str:
        """The file a translation translates: content/explainers/the-gift.ko.md -> content/explainers/the-gift.md."""
        folder = self.rel_path.rpartition("/")[0]
        return f"{folder}/{self.slug}.md"


@dataclass(frozen=True, slots=True)
class SourceFile:
    kind: str  # "config", "explainer", "page", "fact", "media", "template"
    rel_path: str
    text: str | None
    digest: str
    type_folder: str = ""
