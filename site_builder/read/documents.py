"""Parse one source file into a model object: pure functions of (text, rel_path, config)."""

from __future__ import annotations

import posixpath
import re

from ..config import BUILTIN_FIELDS, SHEET_KEYS, SiteConfig, TypeSpec
from ..diagnostics import Location, Problems, did_you_mean, suggest
from .fields import FieldContext, parse_corrections, parse_date, parse_field, parse_sources
from .frontmatter import split_front_matter
from .headings import contents
from .markup import ID_RE, MarkdownRenderer
from .redirects import parse_redirects
from ..text import slugify
from ..model import Contents, Document, Fact, FactSheet, Image, PartialDate, RefValue
from .translations import check_shared, missing_hint, parse_sheet_translations, required_keys, split_language
from .yamlio import Marks, load_yaml

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
DOC_KEYS = ("title", "summary", "date", "updated", "authors", "tags", "about", "image", "draft", "toc", "corrections",
            "redirect_from")
FACT_KEYS = ("label", "value", "source", "note")


def check_slug(slug: str, rel_path: str, problems: Problems) -> bool:
    if SLUG_RE.match(slug):
        return True
    problems.error(f"file name '{slug}' is not a valid id", Location(rel_path, 1, 1),
                   f"use lower-case letters, digits and '-', e.g. rename it to '{slugify(slug) or 'untitled'}'")
    return False


def parse_document(kind: str, text: str, rel_path: str, config: SiteConfig, md: MarkdownRenderer,
                   problems: Problems) -> Document | None:
    """An explainer (title, summary and date required) or a page (title required), or a translation of one."""
    name = posixpath.splitext(posixpath.basename(rel_path))[0]
    slug, language, ok = split_language(name, rel_path, config, problems)
    ok = check_slug(slug, rel_path, problems) and ok
    split = split_front_matter(text)
    if split.error:
        problems.error(split.error, Location(rel_path, 1, 1), "close it with a line of three dashes")
        return None
    if split.front is None:
        problems.error("missing front matter", Location(rel_path, 1, 1),
                       "start the file with '---', then title: ..., then '---'")
        return None
    before = len(problems.items)
    data, marks = load_yaml(split.front, rel_path, problems, line_offset=split.front_line - 1)
    if data is None and len(problems.items) > before:
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error("front matter must be a mapping of keys to values", Location(rel_path, split.front_line, 1))
        return None
    for key in data:
        if key not in DOC_KEYS:
            problems.error(f"unknown front-matter key '{key}'{did_you_mean(key, DOC_KEYS)}", marks.key((key,)),
                           suggestions=suggest(key, DOC_KEYS))
    for key in required_keys(kind, language):
        if data.get(key) in (None, ""):
            problems.error(f"missing required key '{key}'", Location(rel_path, split.front_line, 1),
                           missing_hint(language))
    if language:
        check_shared(data, marks, f"{rel_path.rpartition('/')[0]}/{slug}.md", problems)
    title = _plain(data, "title", marks, problems)
    summary = _plain(data, "summary", marks, problems)
    date = _date(data, "date", marks, problems)
    updated = _date(data, "updated", marks, problems)
    authors = _names(data, "authors", marks, problems)
    tags = _names(data, "tags", marks, problems)
    for i, tag in enumerate(tags):
        if not SLUG_RE.match(tag):
            problems.error(f"tag '{tag}' must be lower-case letters, digits and '-'", marks.at(("tags", i)),
                           f"write '{slugify(tag) or 'untitled'}'")
    about = _refs(data, "about", marks, problems)
    image = parse_image(data.get("image"), ("image",), marks, problems)
    draft = _flag(data, "draft", False, marks, problems)
    toc = _flag(data, "toc", None, marks, problems)
    corrections = parse_corrections(data.get("corrections"), FieldContext(rel_path, marks, problems, md))
    redirects = parse_redirects(data.get("redirect_from"), marks, problems)
    body, headings = md.for_config(config, language).render_with_headings(split.body, rel_path, problems, split.body_line,
                                                                keep_source=False)  # the file has the text
    if not ok or not title:
        return None
    return Document(kind, slug, rel_path, title, body, summary or "", date, corrected(date, updated, corrections),
                    tuple(authors), tuple(tags), tuple(about), image, draft, corrections,
                    _contents(headings, toc, config), language, redirects)


def corrected(date: PartialDate | None, updated: PartialDate | None, corrections: tuple) -> PartialDate | None:
    """The date a page was last updated: a correction dated later than `updated` (or than `date`, when
    there is no `updated`) moves it forward to the correction's date."""
    if not corrections:
        return updated
    newest = max((c.date for c in corrections), key=PartialDate.last_day)
    since = updated or date
    if since is None or newest.first_day() > since.last_day():
        return newest
    return updated


def _flag(data: dict, key: str, default, marks: Marks, problems: Problems):
    value = data.get(key, default)
    if value is not default and not isinstance(value, bool):
        problems.error(f"{key} must be true or false", marks.at((key,)))
        return default
    return value


def _contents(headings: list, toc: bool | None, config: SiteConfig) -> Contents:
    """The table of contents: on with enough headings when the site has contents on, unless the
    front matter says (toc: true shows one for even a single heading; toc: false none)."""
    if toc is False or (toc is None and not config.toc):
        return Contents()
    entries = contents(headings, config.toc_max_level)
    if toc is None and len(entries) < config.toc_min_headings:
        return Contents()
    return Contents(entries)


def _plain(data: dict, key: str, marks: Marks, problems: Problems) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.error(f"'{key}' must be text", marks.at((key,)))
        return ""
    return str(value).strip()


def _date(data: dict, key: str, marks: Marks, problems: Problems):
    if data.get(key) is None:
        return None
    date, reason = parse_date(data[key])
    if date is None:
        problems.error(f"'{key}': {reason}", marks.at((key,)))
    return date


def _names(data: dict, key: str, marks: Marks, problems: Problems) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        problems.error(f"'{key}' must be a list of names", marks.at((key,)))
        return []
    return [str(v).strip() for v in value]


def _refs(data: dict, key: str, marks: Marks, problems: Problems) -> list[RefValue]:
    out = []
    for i, item in enumerate(_names(data, key, marks, problems)):
        if not ID_RE.match(item):
            problems.error(f"'{item}' is not a fact-sheet id", marks.at((key, i)), "an id is folder/name: the fact sheet's folder under content/facts/ and its file name without .yml")
            continue
        out.append(RefValue(item, marks.at((key, i))))
    return out


def parse_image(raw, path: tuple, marks: Marks, problems: Problems) -> Image | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("src"), str):
        problems.error("image must be {src: media/file.jpg, alt: ..., credit: ...}", marks.at(path))
        return None
    for key in raw:
        if key not in ("src", "alt", "credit"):
            problems.error(f"unknown image key '{key}'{did_you_mean(key, ['src', 'alt', 'credit'])}",
                           marks.key(path + (key,)), suggestions=suggest(key, ['src', 'alt', 'credit']))
    if not isinstance(raw.get("alt"), str) or not raw["alt"].strip():
        problems.error("image needs 'alt': a text alternative for readers who cannot see it", marks.at(path))
        return None
    src = posixpath.normpath(posixpath.join("content", raw["src"].strip().lstrip("/")))
    if not src.startswith("content/media/"):
        problems.error(f"image '{raw['src']}' must be under media/", marks.at(path + ("src",)),
                       "put images in content/media/ and write src: media/<file>")
        return None
    return Image(src, raw["alt"].strip(), str(raw.get("credit", "")).strip(), marks.at(path + ("src",)))


def parse_factsheet(text: str, rel_path: str, tspec: TypeSpec, config: SiteConfig, md: MarkdownRenderer,
                    problems: Problems) -> FactSheet | None:
    """One YAML fact sheet of a declared type."""
    slug = posixpath.splitext(posixpath.basename(rel_path))[0]
    ok = check_slug(slug, rel_path, problems)
    top = Location(rel_path, 1, 1)
    before = len(problems.items)
    data, marks = load_yaml(text, rel_path, problems)
    if data is None:
        if len(problems.items) == before:
            problems.error("the fact sheet is empty", top, f"give it at least a {tspec.title_key}")
        return None
    if not isinstance(data, dict):
        problems.error("a fact sheet must be a mapping of fields to values", top)
        return None
    ctx = FieldContext(rel_path, marks, problems, md.for_config(config))
    known = [f.name for f in tspec.fields] + list(SHEET_KEYS) + list(tspec.broken_fields)
    if tspec.builtin:
        known.remove("name")
        known.remove("summary")
    for key in data:
        if key not in known:
            problems.error(f"unknown field '{key}' for type '{tspec.name}'{did_you_mean(key, known)}",
                           marks.key((key,)), f"fields of '{tspec.name}' are declared in site.yml",
                           suggestions=suggest(key, known))
    name = ""
    summary = None
    if not tspec.builtin:
        for key in ("name", "summary"):
            if data.get(key) in (None, ""):
                problems.error(f"missing required field '{key}'", top, f"every fact sheet needs '{key}'")
        name = _plain(data, "name", marks, problems)
        if isinstance(data.get("summary"), (str, int, float)) and not isinstance(data.get("summary"), bool):
            summary = ctx.text(str(data["summary"]), ("summary",), inline=True)
        elif data.get("summary") is not None:
            problems.error("'summary' must be text", marks.at(("summary",)))
    fields = _sheet_fields(data, tspec, ctx, top)
    if tspec.builtin:
        name = _plain(data, "title", marks, problems)
        summary = next((f.value for f in fields if f.name == "summary"), None)
    aliases = _names(data, "aliases", marks, problems)
    facts = _facts(data.get("facts"), ctx)
    body = None
    if data.get("body") is not None:
        if isinstance(data["body"], str):
            body = ctx.text(data["body"], ("body",), inline=False)
        else:
            problems.error("'body' must be Markdown text", marks.at(("body",)))
    image = parse_image(data.get("image"), ("image",), marks, problems)
    corrections = parse_corrections(data.get("corrections"), ctx)
    redirects = parse_redirects(data.get("redirect_from"), marks, problems)
    translations = parse_sheet_translations(data.get("translations"), tspec, config, ctx)
    written = data.get(tspec.title_key)
    if not name and isinstance(written, str) and (tspec.builtin or written != ""):  # blank: never drop it silently
        problems.error(f"missing required field '{tspec.title_key}'", top, f"the {tspec.title_key} must not be blank")
    if not ok or not name:
        return None
    return FactSheet(f"{tspec.folder}/{slug}", tspec.name, rel_path, name, summary, tuple(aliases),
                     tuple(fields), tuple(facts), body, image, top, corrections, translations, redirects)


def _sheet_fields(data: dict, tspec: TypeSpec, ctx: FieldContext, top: Location) -> list:
    """The values of a sheet's declared fields, in the type's order; a missing required field is an error."""
    fields = []
    for spec in tspec.fields:
        if spec.name not in data:
            if spec.required:
                ctx.problems.error(f"missing required field '{spec.name}'", top,
                                   f"every '{tspec.name}' needs '{spec.name}'")
            continue
        value = parse_field(spec, data[spec.name], (spec.name,), ctx, holds_several(tspec, spec.name))
        if value is not None:
            fields.append(value)
    return fields


def holds_several(tspec: TypeSpec, name: str) -> bool:
    """Whether a field may hold competing values: any but the built-in fields of `source` and `event`."""
    return not (tspec.builtin and any(f.name == name for f in BUILTIN_FIELDS[tspec.name]))


def _facts(raw, ctx: FieldContext) -> list[Fact]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.error("'facts' must be a list of {label, value, source}", ("facts",))
        return []
    out = []
    for i, item in enumerate(raw):
        path = ("facts", i)
        if not isinstance(item, dict):
            ctx.error("each fact needs 'label' and 'value'", path, "write - {label: ..., value: ..., source: ...}")
            continue
        for key in item:
            if key not in FACT_KEYS:
                ctx.problems.error(f"unknown fact key '{key}'{did_you_mean(key, FACT_KEYS)}",
                                   ctx.marks.key(path + (key,)), suggestions=suggest(key, FACT_KEYS))
        label, value = item.get("label"), item.get("value")
        if not isinstance(label, (str, int)) or isinstance(label, bool) or value is None or isinstance(value, (dict, list, bool)):
            ctx.error("each fact needs a text 'label' and a text 'value'", path)
            continue
        note = None
        if isinstance(item.get("note"), str):
            note = ctx.text(item["note"], path + ("note",), inline=True)
        sources = parse_sources(item.get("source"), path + ("source",), ctx)
        out.append(Fact(str(label), ctx.text(str(value), path + ("value",), inline=True), sources, note,
                        ctx.marks.at(path)))
    return out
