"""Field validators: one per field type, each turning a YAML value into model data or a located problem."""

from __future__ import annotations

import calendar
import math
import re

from ..config import FieldSpec
from ..diagnostics import Problems, did_you_mean, suggest
from .markup import ID_RE, MarkdownRenderer
from ..text import is_web_url
from ..model import Competing, Correction, FieldValue, Fragment, Money, PartialDate, Passage, RefValue, SourceRef
from .yamlio import Marks

DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\Z")
CURRENCY_RE = re.compile(r"^[A-Z]{3}\Z")
LONGHAND_KEYS = {"value", "source", "note"}
COMPETING_KEYS = ("values", "note")
PASSAGE_KEYS = {"source", "locator"}
CORRECTION_KEYS = ("date", "text")


class FieldContext:
    """What a validator needs besides the value: where it was written and how to render text."""

    __slots__ = ("rel_path", "marks", "problems", "md")

    def __init__(self, rel_path: str, marks: Marks, problems: Problems, md: MarkdownRenderer):
        self.rel_path, self.marks, self.problems, self.md = rel_path, marks, problems, md

    def error(self, message: str, path: tuple, hint: str = "") -> None:
        self.problems.error(message, self.marks.at(path), hint)

    def text(self, value: str, path: tuple, inline: bool) -> Fragment:
        loc = self.marks.at(path)
        if path in self.marks.block_lines:
            indent = self.marks.block_indents.get(path, self.marks.key(path).col + 1)
            return self.md.render(value, self.rel_path, self.problems, self.marks.block_lines[path], indent,
                                  indent, inline)
        # a plain or quoted scalar: columns count from the value's first character (+1 for a quote);
        # text that YAML folded or unescaped is located at its start
        return self.md.render(value, self.rel_path, self.problems, loc.line, loc.col - 1, loc.col - 1, inline,
                              exact=path not in self.marks.inexact)


def parse_date(raw) -> tuple[PartialDate | None, str]:
    """A partial date from YYYY, YYYY-MM or YYYY-MM-DD; (None, reason) when it is not one."""
    if isinstance(raw, bool) or raw is None:
        return None, "expected a date such as 2024, 2024-02 or 2024-02-18"
    text = str(raw).strip()
    m = DATE_RE.match(text)
    if not m:
        return None, "expected a date such as 2024, 2024-02 or 2024-02-18"
    year = int(m.group(1))
    month = int(m.group(2) or 0)
    day = int(m.group(3) or 0)
    if m.group(2) is not None and not 1 <= month <= 12:
        return None, f"impossible date '{text}': there is no month {month}"
    if m.group(3) is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None, f"impossible date '{text}': {calendar.month_name[month]} {year} has no day {day}"
    return PartialDate(year, month, day), ""


def parse_field(spec: FieldSpec, raw, path: tuple, ctx: FieldContext, several: bool = True) -> FieldValue | None:
    """Validate one field; long-hand values ({value, source, note}) carry their own sources, and
    competing values ({values: [long-hand, ...]}) each their own (`several`: whether the field may)."""
    sources: tuple[SourceRef, ...] = ()
    note = None
    value_path = path
    if isinstance(raw, dict) and "values" in raw and "value" in raw:
        ctx.error(f"'{spec.name}' has both 'value' and 'values'", path + ("values",),
                  "one value is {value, source, note}; values that sources disagree on are {values: [...]}")
        return None
    if isinstance(raw, dict) and "values" in raw:
        if several:
            return _competing(spec, raw, path, ctx)
        ctx.error(f"'{spec.name}' cannot hold competing values here", path + ("values",),
                  "a built-in field holds one value: give the others in its note" if len(path) == 1
                  else "competing values do not nest: give each one {value, source, note}")
        return None
    if isinstance(raw, dict) and "value" in raw and set(raw) <= LONGHAND_KEYS:
        sources = parse_sources(raw.get("source"), path + ("source",), ctx)
        note = _note(raw, path, ctx)
        raw = raw["value"]
        value_path = path + ("value",)
    elif isinstance(raw, dict) and ("value" in raw or (spec.type not in ("money", "passage")
                                                       and ("source" in raw or "note" in raw))):
        _longhand_problem(spec, raw, path, ctx)
        return None
    value = parse_value(spec, raw, value_path, ctx)
    if value is None:
        return None
    return FieldValue(spec.name, spec.type, value, sources, note, ctx.marks.at(value_path))


def _longhand_problem(spec: FieldSpec, raw: dict, path: tuple, ctx: FieldContext) -> None:
    """What is wrong with a long-hand value that has keys other than value, source and note, or no value."""
    extra = sorted(str(k) for k in raw if k not in LONGHAND_KEYS)
    where = ctx.marks.key(path + (extra[0],)) if extra else ctx.marks.at(path)
    if "value" not in raw:
        ctx.problems.error("a long-hand value needs 'value'" + (f" (unknown keys: {', '.join(extra)})" if extra else ""),
                           where, "write {value: ..., source: source-id, note: ...}")
    elif extra and all(k.isdigit() for k in extra) and not isinstance(raw["value"], (dict, list)):
        shown = f"{raw['value']},{extra[0]}"  # {value: 46,328}: YAML reads 46, then a key '328'
        ctx.problems.error(f"'{spec.name}': in {{...}} a comma ends the value, so {shown} is read as "
                           f"{raw['value']} and a key '{extra[0]}'", where,
                           f"write the number without its comma ({shown.replace(',', '')}), or quote it if it is text")
    else:
        ctx.problems.error(f"'{spec.name}': unknown key{'s' if len(extra) > 1 else ''} in a long-hand value: "
                           f"{', '.join(extra)}", where, "a long-hand value has only value, source and note")


def _note(raw: dict, path: tuple, ctx: FieldContext) -> Fragment | None:
    if raw.get("note") is None:
        return None
    if isinstance(raw["note"], str):
        return ctx.text(raw["note"], path + ("note",), inline=True)
    ctx.error("note must be text", path + ("note",))
    return None


def _competing(spec: FieldSpec, raw: dict, path: tuple, ctx: FieldContext) -> FieldValue | None:
    """{values: [{value, source, note}, ...], note}: values that sources give and that disagree."""
    for key in raw:
        if key not in COMPETING_KEYS:
            ctx.problems.error(f"unknown key '{key}' beside 'values'{did_you_mean(str(key), COMPETING_KEYS)}",
                               ctx.marks.key(path + (key,)),
                               "competing values are {values: [...], note: ...}; each value gives its own source",
                               suggestions=suggest(str(key), COMPETING_KEYS))
    items = raw["values"]
    if not isinstance(items, list) or len(items) < 2:
        ctx.error(f"'values' of '{spec.name}' must list at least two values", path + ("values",),
                  "one value is written long-hand: {value: ..., source: <source-id>, note: ...}")
        return None
    found = []
    for i, item in enumerate(items):
        ipath = path + ("values", i)
        if not isinstance(item, dict) or "value" not in item:
            ctx.error("each competing value needs 'value' and its 'source'", ipath,
                      "write - {value: ..., source: <source-id>, note: ...}")
            continue
        found.append(parse_field(spec, item, ipath, ctx, several=False))
    note = _note(raw, path, ctx)
    if len(found) < len(items) or None in found:
        return None  # each refusal said why
    return FieldValue(spec.name, spec.type, Competing(tuple(found)), (), note, ctx.marks.at(path + ("values",)))


def parse_corrections(raw, ctx: FieldContext) -> tuple[Correction, ...]:
    """corrections: [{date, text}, ...], oldest first; the text is Markdown."""
    if raw is None:
        return ()
    hint = "write - {date: 2024-03-01, text: What was wrong, and what we changed.}"
    if not isinstance(raw, list):
        ctx.error("'corrections' must be a list of {date, text}", ("corrections",), hint)
        return ()
    out = []
    for i, item in enumerate(raw):
        path = ("corrections", i)
        if not isinstance(item, dict):
            ctx.error("each correction needs 'date' and 'text'", path, hint)
            continue
        for key in item:
            if key not in CORRECTION_KEYS:
                ctx.problems.error(f"unknown correction key '{key}'{did_you_mean(str(key), CORRECTION_KEYS)}",
                                   ctx.marks.key(path + (key,)), suggestions=suggest(str(key), CORRECTION_KEYS))
        date, reason = parse_date(item.get("date"))
        if date is None:
            if "date" in item:
                ctx.error(f"correction date: {reason}", path + ("date",))
            else:
                ctx.error("each correction needs a 'date': the day it was made", path, hint)
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            ctx.error("each correction needs 'text': what was wrong, and what was changed",
                      path + ("text",) if "text" in item else path)
            continue
        out.append(Correction(date, ctx.text(text, path + ("text",), inline=False), ctx.marks.at(path)))
    return tuple(sorted(out, key=lambda c: c.date.first_day()))


def parse_sources(raw, path: tuple, ctx: FieldContext) -> tuple[SourceRef, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for i, item in enumerate(items):
        ipath = path + (i,) if isinstance(raw, list) else path
        if not isinstance(item, str) or not ID_RE.match(item.strip().removeprefix("sources/")):
            ctx.error(f"'{item}' is not a source id", ipath, "a source id is the name of a file in content/facts/sources/, without .yml")
            continue
        out.append(SourceRef(item.strip().removeprefix("sources/"), ctx.marks.at(ipath)))
    return tuple(out)


def parse_value(spec: FieldSpec, raw, path: tuple, ctx: FieldContext, what: str = ""):
    """The value of one field type, or None after reporting why not. `what` names it in messages
    ("'born'", or "item 2 of 'makers'" for an item of a list)."""
    kind = spec.type
    what = what or f"'{spec.name}'"
    if raw is None:
        ctx.error(f"{what} has no value", path, _fill_in(spec, what))
        return None
    if kind in ("text", "markdown"):
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            ctx.error(f"{what} must be text, not {_what(raw)}", path)
            return None
        raw = str(raw)
        if spec.choices and raw not in spec.choices:
            ctx.error(f"'{raw}' is not one of the choices for {what}", path,
                      "choose one of: " + ", ".join(spec.choices))
            return None
        return ctx.text(raw, path, inline=(kind == "text"))
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            ctx.error(f"{what} must be a number, not {_what(raw)}", path, "write digits only, e.g. 4200")
            return None
        if not math.isfinite(raw):
            ctx.error(f"{what} must be a finite number", path, "write digits only, e.g. 4200")
            return None
        return raw
    if kind == "date":
        date, reason = parse_date(raw)
        if date is None:
            ctx.error(f"{what}: {reason}", path)
        return date
    if kind in ("money", "party", "passage"):
        return {"money": _money, "party": _party, "passage": _passage}[kind](what, raw, path, ctx)
    if kind == "url":
        if not isinstance(raw, str) or not is_web_url(raw.strip()):
            ctx.error(f"{what} must be an http(s) address", path, "e.g. https://example.org/page")
            return None
        return raw.strip()
    if kind == "ref":
        if not isinstance(raw, str) or not ID_RE.match(raw.strip()):
            ctx.error(f"{what} must be the id of a fact sheet", path,
                      "an id is folder/name: the fact sheet's folder under content/facts/ and its file name without .yml")
            return None
        return RefValue(raw.strip(), ctx.marks.at(path))
    if kind == "sources":
        refs = parse_sources(raw, path, ctx)
        return refs or None
    if kind == "list":
        items = raw if isinstance(raw, list) else None
        if items is None:
            ctx.error(f"{what} must be a list", path, "write [a, b] or one '- item' per line")
            return None
        out = []
        for i, item in enumerate(items):
            value = parse_value(spec.of, item, path + (i,), ctx, f"item {i + 1} of '{spec.name}'")
            if value is not None:
                out.append(value)
        return tuple(out)
    ctx.error(f"unknown field type '{kind}'", path)  # pragma: no cover - config rejects these
    return None


def _fill_in(spec: FieldSpec, what: str) -> str:
    """What to do about a key or list item written without a value."""
    if what.startswith("item"):
        return "give it a value, or remove the empty item"
    if spec.required:
        return "give it a value: the field is required, so it cannot be left out"
    return "give it a value, or remove the line"


def _party(what: str, raw, path: tuple, ctx: FieldContext):
    """Who said or did something: a fact-sheet id (folder/name) is a reference; other text stays text."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        ctx.error(f"{what} must be the id of a fact sheet, not {_what(raw)}", path,
                  "e.g. organizations/daily-news")
        return None
    text = str(raw).strip()
    if "/" in text and ID_RE.match(text):
        return RefValue(text, ctx.marks.at(path))
    return ctx.text(str(raw), path, inline=True)  # free text: linking warns


def _passage(what: str, raw, path: tuple, ctx: FieldContext) -> Passage | None:
    """Where something appeared: {source: <source-id>, locator: <the place in it>}."""
    hint = "e.g. {source: daily-news-2024-02-20, locator: third paragraph}"
    if not isinstance(raw, dict) or "source" not in raw or not set(raw) <= PASSAGE_KEYS:
        ctx.error(f"{what} must be {{source: <source-id>, locator: <the place in it>}}", path, hint)
        return None
    if not isinstance(raw["source"], str):
        ctx.error(f"{what} names one source", path + ("source",), hint)
        return None
    refs = parse_sources(raw["source"], path + ("source",), ctx)
    locator = raw.get("locator")
    if isinstance(locator, bool) or not isinstance(locator, (str, int, float)) or not str(locator).strip():
        ctx.error(f"{what} needs a locator: the place in the source where it appeared",
                  path + ("locator",) if "locator" in raw else path, hint)
        return None
    return Passage(refs[0], str(locator).strip()) if refs else None


def _money(what: str, raw, path: tuple, ctx: FieldContext) -> Money | None:
    if not isinstance(raw, dict) or set(raw) != {"amount", "currency"}:
        ctx.error(f"{what} must be {{amount: NUMBER, currency: CODE}}", path,
                  "e.g. {amount: 18000000, currency: RUB}")
        return None
    amount, currency = raw["amount"], raw["currency"]
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        ctx.error(f"amount of {what} must be a number, not {_what(amount)}", path + ("amount",))
        return None
    if not math.isfinite(amount):
        ctx.error(f"amount of {what} must be a finite number", path + ("amount",))
        return None
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        ctx.error(f"currency of {what} must be a three-letter code such as USD", path + ("currency",))
        return None
    return Money(amount, currency)


def _what(raw) -> str:
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, (int, float)):
        return "a number"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list):
        return "a list"
    return "text"
