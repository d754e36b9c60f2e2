"""site.yml's `language` and `languages`: the site's own language, and every language it publishes."""

from __future__ import annotations

from ..diagnostics import Problems
from .locales import known

HINT = "write a language tag such as en, en-GB, de, fr, ru, ko or pt-BR"


def load_languages(data: dict, marks, problems: Problems) -> tuple[str, tuple[str, ...]]:
    """(the site's language, every language it publishes with that one first)."""
    language = _tag(data.get("language"), ("language",), marks, problems)
    raw = data.get("languages")
    if raw is None:
        return language or "en", ()
    if not isinstance(raw, list) or not raw:
        problems.error("languages must be a list of language tags, the site's own language first",
                       marks.at(("languages",)), "e.g. languages: [en, ko]")
        return language or "en", ()
    tags: list[str] = []
    for i, value in enumerate(raw):
        tag = _tag(value, ("languages", i), marks, problems)
        if tag and tag in tags:
            problems.error(f"language '{tag}' is listed twice", marks.at(("languages", i)))
        elif tag:
            tags.append(tag)
    if not tags:
        return language or "en", ()
    if language and tags[0] != language:
        problems.error(f"the first of languages must be the site's language, '{language}'", marks.at(("languages", 0)),
                       f"write languages: [{', '.join([language] + [t for t in tags if t != language])}]")
        tags = [language] + [t for t in tags if t != language]
    return tags[0], tuple(tags) if len(tags) > 1 else ()


def _tag(value, path: tuple, marks, problems: Problems) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not known(value.strip()):
        problems.error(f"unknown language '{value}'", marks.at(path), HINT)
        return ""
    return value.strip()
