"""Language codes, their names and direction, and dates written as each language writes them (Babel).

A language is written as a BCP 47 tag such as `en`, `de`, `ko` or `pt-BR` (the form `lang` and
`hreflang` attributes take) and must be one Babel knows, so that its dates can be formatted.

What Babel answers is remembered (`answers`), and a build's state keeps it for the next process
(`recall`; the state starts over when Babel's version changes): loading Babel and a language's data
costs about 40 ms, more than the rest of rendering an edited page. Forked workers send back what they
learned (`learned`).
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ANSWERS: dict[tuple, object] = {}  # (question, arguments...) -> what Babel answered
_NEW: list[tuple] = []  # the questions answered by Babel in this process since `learned` was last asked


def answers() -> dict[tuple, object]:
    """Every answer known to this process (for a build state to keep)."""
    return _ANSWERS


def recall(known_answers: dict) -> None:
    """Take answers given in another process (a saved build state, or a worker)."""
    _ANSWERS.update(known_answers)


def learned() -> dict[tuple, object]:
    """The answers Babel gave this process since the last call (a worker sends them to its parent)."""
    found = {question: _ANSWERS[question] for question in _NEW}
    _NEW.clear()
    return found


def _asked(question: tuple, ask):
    answer = _ANSWERS.get(question)
    if answer is None:
        answer = _ANSWERS[question] = ask()
        _NEW.append(question)
    return answer


@lru_cache(maxsize=None)
def babel_locale(code: str) -> Locale | None:
    """Babel's locale for a language tag, or None when the tag is not one Babel knows."""
    if not CODE_RE.match(code or ""):
        return None
    from babel import Locale, UnknownLocaleError  # loaded only when a language is looked up (a build may need none)

    try:
        return Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def known(code: str) -> bool:
    return _asked(("known", code), lambda: babel_locale(code) is not None)


def direction(code: str) -> str:
    """'rtl' for languages written right to left (Arabic, Hebrew, Persian, Urdu...), else 'ltr'."""
    return _asked(("direction", code), lambda: _direction(code))


def _direction(code: str) -> str:
    locale = babel_locale(code)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def language_name(code: str, in_language: str | None = None, regional: bool = False) -> str:
    """A language's name, in its own language (for a language switcher) or in another (`in_language`).

    Without `regional` the name is the language's alone ('English' for en-GB); capitalised, as it
    starts a menu entry ('Русский', 'Français')."""
    return _asked(("name", code, in_language, regional), lambda: _language_name(code, in_language, regional))


def _language_name(code: str, in_language: str | None, regional: bool) -> str:
    locale = babel_locale(code)
    if locale is None:
        return code
    from babel import Locale

    shown = locale if regional else Locale(locale.language, script=locale.script)
    name = shown.get_display_name(babel_locale(in_language or code) or locale) or code
    return name[:1].upper() + name[1:] if not in_language else name


def format_partial(year: int, month: int, day: int, language: str) -> str:
    """A date known to the day, the month or the year only, as the language writes it; it stays partial:
    '1 March 2024' (en-GB), 'März 2024' (de), '2024년 3월' (ko), '2024년' (ko, a year alone)."""
    return _asked(("date", year, month, day, language), lambda: _format_partial(year, month, day, language))


def _format_partial(year: int, month: int, day: int, language: str) -> str:
    from babel.dates import format_date, format_skeleton  # loaded only when a date is shown

    locale = babel_locale(language) or babel_locale("en")
    if day:
        return format_date(datetime.date(year, month, day), "long", locale=locale)
    if month:
        return format_skeleton("yMMMM", datetime.date(year, month, 1), locale=locale)
    if not 1 <= year <= 9999:
        return str(year)
    return format_skeleton("y", datetime.date(year, 1, 1), locale=locale)
