"""site.yml -> SiteConfig: the site's settings and its fact-sheet types, validated with locations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .diagnostics import Location, Problems, did_you_mean, suggest
from .read.engines import load_markdown_settings
from .i18n.settings import load_languages
from .read.markup import is_safe_link
from .publish_settings import KEYS as PUBLISH_KEYS, PublishSettings, load_publish
from .read.yamlio import Marks, load_yaml
from .text import is_web_url

FIELD_TYPES = ("text", "markdown", "number", "date", "money", "url", "ref", "list", "party", "passage")
RESERVED_FOLDERS = {"explainers", "pages", "tags", "timeline", "media", "static", "data", "assets", "404.html",
                    "search", "pagefind"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\Z")
SITE_KEYS = ("title", "description", "base_url", "language", "languages", "types", "markdown", "markdown_extensions",
             "author", "copyright", "nav", "search", "toc", "sources") + PUBLISH_KEYS
SOURCES_KEYS = ("require_via",)
TOC_KEYS = ("min_headings", "max_level")
SEARCH_CHOICES = ("pagefind", "off")
TYPE_KEYS = ("folder", "label", "fields", "schema_org", "description")
FIELD_KEYS = ("type", "required", "to", "of", "choices", "description", "label")
# every fact sheet may carry these
SHEET_KEYS = ("name", "summary", "aliases", "facts", "body", "image", "corrections", "translations", "redirect_from")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    to: tuple[str, ...] = ()  # ref targets (type names); empty = any type
    of: "FieldSpec | None" = None  # list item spec
    choices: tuple[str, ...] = ()
    description: str = ""
    label: str = ""

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    folder: str
    singular: str
    plural: str
    fields: tuple[FieldSpec, ...]
    builtin: bool = False
    schema_org: str = ""
    description: str = ""
    broken_fields: tuple[str, ...] = ()  # declared with an error in site.yml (reported there): values unchecked

    @property
    def title_key(self) -> str:
        """The key that holds the display name: 'title' for built-ins, 'name' otherwise."""
        return "title" if self.builtin else "name"

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    base_url: str
    types: tuple[TypeSpec, ...]
    description: str = ""
    language: str = "en"
    raw_html: str = "allow"
    author: str = ""
    copyright: str = ""
    nav: tuple[tuple[str, str], ...] = ()  # (label, url or ref id)
    search: str = "pagefind"  # "pagefind": a static search index when the pagefind package is installed; "off"
    nav_at: tuple[Location, ...] = field(default=(), compare=False, repr=False)  # where each nav url is written
    require_via: bool = False  # sources: a url off its publisher's host must say which copy was read (via:)
    markdown_engine: str = "cmark-gfm"  # or "python-markdown"
    markdown_extensions: tuple[tuple[str, str], ...] = ()  # Python-Markdown's: (name, its options as JSON)
    toc: bool = True  # a table of contents on explainers and pages with enough headings
    toc_min_headings: int = 3
    toc_max_level: int = 3  # the contents list headings down to <h3>
    languages: tuple[str, ...] = ()  # every language published, `language` first; () for a site in one language
    publish: PublishSettings = PublishSettings()  # share cards, feeds, long lists, git dates
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def published(self) -> tuple[str, ...]:
        """Every language the site publishes, its own `language` first."""
        return self.languages or (self.language,)

    @property
    def base_path(self) -> str:
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def type(self, name: str) -> TypeSpec | None:
        for spec in self.types:
            if spec.name == name:
                return spec
        return None

    def type_by_folder(self, folder: str) -> TypeSpec | None:
        for spec in self.types:
            if spec.folder == folder:
                return spec
        return None


def _f(name, type_, required=False, **kw) -> FieldSpec:
    return FieldSpec(name, type_, required, **kw)


BUILTIN_FIELDS = {
    "source": (
        _f("title", "text", True), _f("publisher", "text"), _f("date", "date"), _f("url", "url"),
        _f("via", "url", label="Read via"), _f("archive", "url", label="Archived copy"),
        _f("author", "text"), _f("kind", "text"), _f("accessed", "date"),
        _f("archive_url", "url", label="Archived copy", description="The older name of `archive`."),
        _f("language", "text"),
    ),
    "event": (
        _f("date", "date", True), _f("title", "text", True), _f("summary", "text"),
        _f("involves", "list", of=FieldSpec("item", "ref")), _f("place", "text"),
        _f("source", "sources"),
    ),
}
BUILTIN_LABELS = {"source": ("sources", "Source", "Sources", "CreativeWork"),
                  "event": ("events", "Event", "Events", "Event")}


BASE_URL_RULE = "base_url must be an absolute http(s) URL such as https://example.org/aurus/"


def valid_base_url(value: str) -> bool:
    """'/' (a site that works from any folder) or an absolute http(s) address: site.yml and --base-url alike."""
    return value == "/" or is_web_url(value)


def load_config(text: str, rel_path: str, problems: Problems) -> SiteConfig | None:
    """Validate site.yml text. Returns None when it cannot be used at all."""
    data, marks = load_yaml(text, rel_path, problems)
    top = Location(rel_path, 1, 1)
    if data is None:
        if not problems.has_errors():
            problems.error("site.yml is empty", top, "give the site at least a title and a base_url")
        return None
    if not isinstance(data, dict):
        problems.error("site.yml must be a mapping of settings", top)
        return None
    for key in data:
        if key not in SITE_KEYS:
            problems.error(f"unknown setting '{key}'{did_you_mean(key, SITE_KEYS)}", marks.key((key,)),
                           suggestions=suggest(key, SITE_KEYS))
    title = _text(data, "title", marks, problems, required=True)
    base_url = _text(data, "base_url", marks, problems) or "/"
    if not valid_base_url(base_url):
        problems.error(BASE_URL_RULE, marks.at(("base_url",)))
        base_url = "/"  # the build fails anyway; the rest of the checks still run
    raw_html, engine, extensions = load_markdown_settings(data, marks, problems)
    toc, min_headings, max_level = _toc(data, marks, problems)
    from .fact_types import check_ref_targets, load_types  # they read this module's specs

    types = check_ref_targets(load_types(data.get("types"), marks, problems), marks, problems)
    nav, nav_at = _load_nav(data.get("nav"), marks, problems)
    language, languages = load_languages(data, marks, problems)
    return SiteConfig(
        title=title or "Untitled site",
        base_url=base_url,
        types=types,
        description=_text(data, "description", marks, problems) or "",
        language=language,
        languages=languages,
        raw_html=raw_html,
        author=_text(data, "author", marks, problems) or "",
        copyright=_text(data, "copyright", marks, problems) or "",
        nav=nav,
        search=_search(data, marks, problems),
        nav_at=nav_at,
        require_via=_require_via(data.get("sources"), marks, problems),
        publish=load_publish(data, marks, problems),
        markdown_engine=engine,
        markdown_extensions=extensions,
        toc=toc,
        toc_min_headings=min_headings,
        toc_max_level=max_level,
    )


def _require_via(raw, marks: Marks, problems: Problems) -> bool:
    """sources: {require_via: true}: a source whose url is not on its publisher's host must give via:."""
    if raw is None:
        return False
    if not isinstance(raw, dict):
        problems.error("sources must be a mapping, e.g. {require_via: true}", marks.at(("sources",)))
        return False
    for key in raw:
        if key not in SOURCES_KEYS:
            problems.error(f"unknown sources setting '{key}'{did_you_mean(str(key), SOURCES_KEYS)}",
                           marks.key(("sources", key)), suggestions=suggest(str(key), SOURCES_KEYS))
    value = raw.get("require_via", False)
    if not isinstance(value, bool):
        problems.error("sources.require_via must be true or false", marks.at(("sources", "require_via")))
        return False
    return value


def _search(data: dict, marks: Marks, problems: Problems) -> str:
    value = data.get("search", "pagefind")
    if value is False:
        return "off"
    if value not in SEARCH_CHOICES:
        problems.error(f"search must be one of: {', '.join(SEARCH_CHOICES)}{did_you_mean(str(value), SEARCH_CHOICES)}",
                       marks.at(("search",)), "search: pagefind builds a static search index; search: off leaves it out",
                       suggestions=suggest(str(value), SEARCH_CHOICES))
        return "off"
    return value


def _toc(data: dict, marks: Marks, problems: Problems) -> tuple[bool, int, int]:
    """(on, fewest headings, deepest level) from `toc: true`, `toc: false` or `toc: {min_headings, max_level}`."""
    raw = data.get("toc", True)
    if isinstance(raw, bool):
        return raw, 3, 3
    if not isinstance(raw, dict):
        problems.error("toc must be true, false or {min_headings: 3, max_level: 3}", marks.at(("toc",)))
        return True, 3, 3
    for key in raw:
        if key not in TOC_KEYS:
            problems.error(f"unknown toc setting '{key}'{did_you_mean(str(key), TOC_KEYS)}", marks.key(("toc", key)),
                           suggestions=suggest(str(key), TOC_KEYS))
    min_headings, max_level = raw.get("min_headings", 3), raw.get("max_level", 3)
    if isinstance(min_headings, bool) or not isinstance(min_headings, int) or min_headings < 1:
        problems.error("toc.min_headings must be a whole number from 1", marks.at(("toc", "min_headings")))
        min_headings = 3
    if isinstance(max_level, bool) or not isinstance(max_level, int) or not 1 <= max_level <= 6:
        problems.error("toc.max_level must be a heading level from 1 to 6", marks.at(("toc", "max_level")),
                       "2 lists the ## headings only, 3 (the default) the ### ones too")
        max_level = 3
    return True, min_headings, max_level


def _text(data: dict, key: str, marks: Marks, problems: Problems, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.error(f"missing required setting '{key}'", marks.at(()))
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.error(f"'{key}' must be text", marks.at((key,)))
        return None
    return str(value)


def _load_nav(raw, marks: Marks, problems: Problems) -> tuple[tuple, tuple]:
    """The nav's (label, url) items, and where each url is written."""
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        problems.error("nav must be a list of {label, url} items", marks.at(("nav",)))
        return (), ()
    items, where = [], []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str) or not isinstance(item.get("url"), str):
            problems.error("each nav item needs 'label' and 'url' (a path such as /timeline/)", marks.at(("nav", i)))
            continue
        if not is_safe_link(item["url"]):
            problems.error(f"nav link '{item['url'][:40]}' uses an address type browsers would run",
                           marks.at(("nav", i, "url")), "nav links may be site paths such as /timeline/, or http(s)")
            continue
        items.append((item["label"], item["url"]))
        where.append(marks.at(("nav", i, "url")))
    return tuple(items), tuple(where)
