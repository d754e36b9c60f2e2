"""Render routes to bytes through Jinja: the site's templates first, then the built-in theme."""

from __future__ import annotations

import html
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..config import SiteConfig
from ..diagnostics import Location
from ..read.markup import CLOSE, OPEN, PLACEHOLDER_RE
from ..model import CiteSlot, Fragment, LinkSlot, PartialDate, RefSlot, SourceRef
from ..site.resolve import Index
from ..site.routes import Route

THEME_DIR = Path(__file__).parent / "theme"


class TemplateProblem(Exception):
    def __init__(self, message: str, location: Location, hint: str = ""):
        super().__init__(message)
        self.message, self.location, self.hint = message, location, hint


_SPACE_BEFORE_SLOT_RE = re.compile(r"[ \t\n]+(?=" + OPEN + r"(\d+)" + CLOSE + ")")


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

    def __init__(self, index: Index):
        self.index = index
        self.numbers: dict[str, int] = {}
        self.uses: dict[int, list[tuple[str, str]]] = defaultdict(list)  # n -> [(anchor, locator)]

    def ref(self, target: str, text: str | None = None) -> Markup:
        id_ = self.index.lookup(target)
        if id_ is None:
            raise KeyError(target)
        label = html.escape(text) if text is not None else html.escape(self.index.title(id_))
        return Markup(f'<a class="ref" href="{html.escape(self.index.url(id_))}" data-ref="{id_}">{label}</a>')

    def cite(self, source: str, locator: str = "") -> str:
        n = self.numbers.setdefault(source, len(self.numbers) + 1)
        anchor = f"cite-{n}-{len(self.uses[n]) + 1}"
        self.uses[n].append((anchor, locator))
        title = html.escape(self.index.title(f"sources/{source}"), quote=True)
        return f'<a href="#source-{n}" id="{anchor}" class="cite" title="{title}" aria-label="Source {n}">{n}</a>'

    def group(self, items: list[tuple[str, str]]) -> str:
        """One citation marker for sources cited together: [1, 2, 3], each number a link to its entry."""
        if not items:
            return ""
        links = ", ".join(self.cite(source, locator) for source, locator in items)
        return f'<sup class="cites">[{links}]</sup>'

    def markers(self, sources: tuple[SourceRef, ...]) -> Markup:
        return Markup(self.group([(s.source, "") for s in sources if f"sources/{s.source}" in self.index.facts]))

    def later_markers(self, sources: tuple[SourceRef, ...]) -> Deferred:
        """markers(), made when the template shows them."""
        known = any(f"sources/{s.source}" in self.index.facts for s in sources)
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
                                   if f"sources/{i.source}" in self.index.facts])
            if isinstance(slot, LinkSlot):
                if slot.target.startswith("/"):
                    url = self.index.urls.path(slot.target[1:])
                else:
                    url = self.index.url_for_path(slot.target) or "#"
                return html.escape(url + ("#" + slot.fragment if slot.fragment else ""), quote=True)
            return ""  # pragma: no cover

        def attach(m) -> str:  # a citation hangs on the word before it: no space, no line break
            return "" if isinstance(fragment.slots[int(m.group(1))], CiteSlot) else m.group(0)

        text = _SPACE_BEFORE_SLOT_RE.sub(attach, fragment.html)
        return Markup(PLACEHOLDER_RE.sub(replace, text))

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
        url = sheet.field("url")
        address = url.value if url is not None else ""
        return {"publisher": shown, "date": date.value if date is not None else None,
                "address": address, "host": _host(address)}

    def entries(self) -> list[dict]:
        """The page's source list: each cited source with links back to every place that cites it."""
        out = []
        for source, n in self.numbers.items():
            sheet = self.index.facts[f"sources/{source}"]
            out.append({"number": n, "id": sheet.id, "sheet": sheet, "url": self.index.url(sheet.id),
                        "abs_url": self.index.urls.absolute(self.index.url(sheet.id)),
                        "uses": [{"anchor": a, "locator": loc, "mark": _letters(i)}
                                 for i, (a, loc) in enumerate(self.uses[n])]} | self.describe(sheet))
        return out

    def later_entries(self) -> SourceEntries:
        """entries(), read when the template reaches the source list."""
        return SourceEntries(self)


def _host(address: str) -> str:
    """The host name a source's address is shown by on screen: 'www.reuters.com/...' -> 'reuters.com'."""
    if not address:
        return ""
    try:
        host = urlsplit(address).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.") or address


def make_environment(root: Path | None, template_files: dict[str, str], config: SiteConfig) -> jinja2.Environment:
    """Site templates override the built-in theme file by file; autoescaping and StrictUndefined always."""
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / "templates").is_dir():
        site_templates = {
            rel.removeprefix("templates/"): text for rel, text in template_files.items() if text is not None
        }
        loaders.append(_DictLoader(site_templates, "templates/"))
    loaders.append(jinja2.FileSystemLoader(str(THEME_DIR)))
    env = SandboxedEnvironment(  # site templates may not reach Python internals (no __globals__, no os)
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = _date_filter
    env.filters["iso"] = lambda d: d.iso() if isinstance(d, PartialDate) else str(d)
    return env


class _DictLoader(jinja2.BaseLoader):
    """The site's own templates, from text already read by discover (so the build sees one snapshot)."""

    def __init__(self, mapping: dict[str, str], prefix: str):
        self.mapping, self.prefix = mapping, prefix

    def get_source(self, environment, template):
        if template not in self.mapping:
            raise jinja2.TemplateNotFound(template)
        return self.mapping[template], self.prefix + template, lambda: True

    def list_templates(self):
        return sorted(self.mapping)


def _date_filter(value) -> str:
    if isinstance(value, PartialDate):
        return value.display()
    return "" if value is None else str(value)


def template_location(exc: BaseException, default: str) -> Location:
    """The template file and line where a render failed, from Jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Location(_template_name(exc.filename or exc.name or default), exc.lineno or 0)
    tb = exc.__traceback__
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            found = Location(_template_name(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found or Location(_template_name(default))


def _template_name(filename: str) -> str:
    if filename.startswith("templates/"):
        return filename
    try:
        return "(built-in theme) " + Path(filename).relative_to(THEME_DIR).as_posix()
    except ValueError:
        return filename


def render_template(env: jinja2.Environment, names: list[str], context: dict) -> bytes:
    """Render the first template that exists; template mistakes become TemplateProblem."""
    try:
        template = env.select_template(names)
        return template.render(context).encode("utf-8")
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template '{exc.name}' not found", template_location(exc, names[0]),
                              "add it to templates/ or use a built-in template name") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax: {exc.message}", template_location(exc, names[0])) from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template error: {exc.message}", template_location(exc, names[0]),
                              "check the variable name; the site builders' guide lists what each page gets") from None
    except TemplateProblem:
        raise
    except Exception as exc:  # a template mistake (wrong filter argument, bad call): show where it happened
        loc = template_location(exc, names[0])
        if loc.rel_path.startswith("(built-in theme)") and not isinstance(exc, (KeyError, jinja2.TemplateError)):
            raise
        message = f"unknown reference '{exc.args[0]}'" if isinstance(exc, KeyError) else f"template error: {exc}"
        raise TemplateProblem(message, loc).with_traceback(sys.exc_info()[2]) from None
