"""Translations as writers write them, read and checked file by file.

An explainer or page is translated by a file beside it named with the language before `.md`
(`the-gift.ko.md` translates `the-gift.md`); a fact sheet carries its translations inside it,
`translations: {ko: {name, summary, body}}`. What a translation needs that only the rest of the
site can tell (that its original exists) is checked when it is linked (site/resolve.py).
"""

from __future__ import annotations

from ..diagnostics import Location, Problems, did_you_mean
from ..i18n.locales import known
from ..model import Translation

SHARED_KEYS = ("tags", "about")  # a translation shows its original's; it may not set its own


def split_language(name: str, rel_path: str, config, problems: Problems) -> tuple[str, str, bool]:
    """(slug, language, ok) of a content file's name without '.md': 'the-gift.ko' -> ('the-gift', 'ko', True);
    not ok for a language the site does not publish (then read as a translation, to report what else is wrong).

    A name whose last part is no language tag is all slug ('the-gift.v2' is then not a valid id)."""
    slug, dot, tag = name.rpartition(".")
    if not dot or not slug:
        return name, "", True
    folder = rel_path.rpartition("/")[0]
    if tag in config.published[1:]:
        return slug, tag, True
    if tag == config.language:
        problems.error(f"'{tag}' is the site's own language, which the original is written in",
                       Location(rel_path, 1, 1), f"the original is {folder}/{slug}.md; a translation into another "
                       f"of the site's languages is named {slug}.<language>.md")
        return slug, tag, False
    if known(tag):
        others = config.published[1:]
        listed = ", ".join(config.published)
        problems.error(f"'{tag}' is not one of the site's languages ({listed}){did_you_mean(tag, others)}",
                       Location(rel_path, 1, 1), "add it to languages: in site.yml, or rename the file")
        return slug, tag, False
    return name, "", True


def required_keys(kind: str, language: str) -> tuple[str, ...]:
    """An explainer needs a title, a summary and a date; a translation has its original's date."""
    if kind == "explainer":
        return ("title", "summary") if language else ("title", "summary", "date")
    return ("title",)


def missing_hint(language: str) -> str:
    return "a translation has its own title and summary, in its language" if language else ""


def check_shared(data: dict, marks, original: str, problems: Problems) -> None:
    """Tags and `about` belong to the original; a translation shows them as they are there."""
    for key in SHARED_KEYS:
        if key in data:
            problems.error(f"'{key}' is shared with the original: a translation shows the original's",
                           marks.key((key,)), f"set it in {original}")


def parse_sheet_translations(raw, tspec, config, ctx) -> tuple[Translation, ...]:
    """A fact sheet's `translations:`: {language: {name (or title), summary, body}}."""
    if raw is None:
        return ()
    title = tspec.title_key
    if not isinstance(raw, dict):
        ctx.error(f"translations must be a mapping of languages to {{{title}, summary, body}}", ("translations",),
                  f"e.g. translations: {{ko: {{{title}: ..., summary: ...}}}}")
        return ()
    out = []
    for language, value in raw.items():
        path = ("translations", language)
        if not _language(str(language), config, ctx, path):
            continue
        if not isinstance(value, dict):
            ctx.error(f"a translation must be a mapping such as {{{title}: ..., summary: ...}}", path)
            continue
        found = _one(str(language), value, path, tspec, ctx)
        if found is not None:
            out.append(found)
    return tuple(out)


def _language(language: str, config, ctx, path: tuple) -> bool:
    if language in config.published[1:]:
        return True
    listed = ", ".join(config.published)
    if language == config.language:
        ctx.problems.error(f"'{language}' is the site's own language: the fact sheet itself is written in it",
                           ctx.marks.key(path), "translations are into the site's other languages")
    else:
        ctx.problems.error(f"'{language}' is not one of the site's languages ({listed})"
                           f"{did_you_mean(language, config.published[1:])}", ctx.marks.key(path),
                           "add it to languages: in site.yml")
    return False


def _one(language: str, value: dict, path: tuple, tspec, ctx) -> Translation | None:
    title = tspec.title_key
    keys = (title, "summary", "body")
    for key in value:
        if key not in keys:
            ctx.problems.error(f"unknown translation key '{key}'{did_you_mean(str(key), keys)}",
                               ctx.marks.key(path + (key,)), f"a translation has {', '.join(keys)}")
    needed = (title,) if tspec.builtin else (title, "summary")
    for key in needed:
        if value.get(key) in (None, ""):
            ctx.error(f"the '{language}' translation needs its own '{key}'", path,
                      f"a translation has its own {key}, in its language")
    texts = {}
    for key in keys:
        item = value.get(key)
        if item is None or item == "":
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            ctx.error(f"'{key}' must be text", path + (key,))
            continue
        texts[key] = item if key == title else ctx.text(str(item), path + (key,), inline=key == "summary")
    if title not in texts or (not tspec.builtin and "summary" not in texts):
        return None
    return Translation(language, str(texts[title]).strip(), texts.get("summary"), texts.get("body"),
                       ctx.marks.key(path))
