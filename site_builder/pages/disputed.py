"""Competing values, as pages, lists and cards show them: side by side and marked disputed, never one
of them as if it were settled."""

from __future__ import annotations

import html

from markupsafe import Markup

from ..i18n.catalogs import gettext, ngettext
from ..model import Competing, FieldValue, Money, PartialDate
from .citations import Deferred, PageRefs


def competing_rows(refs: PageRefs, fv: FieldValue, show) -> list[dict]:
    """Each competing value as a row of its own: `html`, `sources` (markers), `note` and `value`.
    `show(refs, kind, value)` makes a value's HTML (context._format)."""
    return [{"html": Deferred(lambda alt=alt: show(refs, alt.kind, alt.value), empty=False),
             "sources": refs.later_markers(alt.sources), "note": refs.later(alt.note), "value": alt.value}
            for alt in fv.value.values]


def competing_html(refs: PageRefs, fv: FieldValue, show) -> Deferred:
    """The values side by side under the word "Disputed" (in the page's language), each with its sources and note."""

    def make() -> Markup:
        items = []
        for row in competing_rows(refs, fv, show):
            note = f' <span class="note">{row["note"]}</span>' if row["note"] else ""
            items.append(f'<li><span class="value">{row["html"]}</span>{row["sources"]}{note}</li>')
        word = html.escape(gettext(refs.language, "Disputed"))
        label = html.escape(ngettext(refs.language, "%(num)d competing value", "%(num)d competing values", len(items)))
        return Markup(f'<span class="disputed">{word}</span><ul class="competing" aria-label="{label}">'
                      f'{"".join(items)}</ul>')

    return Deferred(make, empty=False)


def competing_text(value: Competing, language: str = "en") -> str:
    """What a list or card shows: the range of the values where they can be ordered, else "disputed" (in `language`)."""
    values = [fv.value for fv in value.values]
    disputed = gettext(language, "disputed")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return _span(disputed, _number(min(values)), _number(max(values)))
    if all(isinstance(v, Money) for v in values) and len({v.currency for v in values}) == 1:
        low, high = min(v.amount for v in values), max(v.amount for v in values)
        return _span(disputed, _number(low), _number(high), " " + values[0].currency)
    if all(isinstance(v, PartialDate) for v in values):
        low = min(values, key=PartialDate.first_day)
        high = max(values, key=PartialDate.last_day)
        return _span(disputed, low.display(), high.display())
    return disputed


def competing_markup(value: Competing, language: str = "en") -> Markup:
    return Markup(f'<span class="disputed-range">{html.escape(competing_text(value, language))}</span>')


def _span(disputed: str, low: str, high: str, unit: str = "") -> str:
    return disputed if low == high else f"{low}–{high}{unit}"


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if abs(value) >= 10000 else str(value)
