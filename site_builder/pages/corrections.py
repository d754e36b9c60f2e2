"""Corrections as pages show them: at the foot of the page corrected, on the site's corrections page, in the feed."""

from __future__ import annotations

from ..i18n.catalogs import gettext
from ..model import FactSheet
from ..site.index import Index
from ..site.routes import Route
from .citations import PageRefs, fragment_text
from .languages import kind_label


def anchors(corrections) -> list[str]:
    """The fragment id of each correction on its page: correction-2024-03-01 (then -2, -3 for the same day)."""
    seen: dict[str, int] = {}
    out = []
    for c in corrections:
        base = f"correction-{c.date.iso()}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def correction_notes(refs: PageRefs, item) -> list[dict]:
    """An item's corrections for the foot of its page, oldest first: `date`, `anchor`, `html`."""
    return [{"date": c.date, "anchor": anchor, "html": refs.later(c.text)}
            for c, anchor in zip(item.corrections, anchors(item.corrections))]


def site_corrections(index: Index, refs: PageRefs) -> list[dict]:
    """Every correction on the site, newest first: the date, what was corrected (`name`, `kind`, `url` of the
    correction on its page, `page_url`, its fragment id `anchor`, `abs_url`), the note as `html` and as plain `text`."""
    out = []
    for id_ in index.corrected():
        item = index.item(id_)
        page = index.url(id_)
        if isinstance(item, FactSheet):
            name, kind = item.name, index.config.type(item.type).singular
        else:
            name, kind = item.title, kind_label(refs.language, item.kind)
        for c, anchor in zip(item.corrections, anchors(item.corrections)):
            url = f"{page}#{anchor}"
            out.append({"date": c.date, "name": name, "kind": kind, "url": url, "page_url": page, "anchor": anchor,
                        "abs_url": index.urls.absolute(url), "html": refs.later(c.text),
                        "text": fragment_text(index, c.text)})
    out.sort(key=lambda entry: entry["date"].last_day(), reverse=True)  # the same day: the index's order
    return out


def corrections_context(index: Index, route: Route, refs: PageRefs) -> dict:
    """The site's corrections page: the page `pages/corrections` (its text first) when there is one."""
    from .context import common, explainer_context

    if route.key:
        ctx = explainer_context(index, route, refs)
    else:
        ctx = common(index, route, refs, gettext(refs.language, "Corrections"),
                     gettext(refs.language, "Every correction made to %(site)s.", site=index.config.title))
        ctx.update({"doc": None, "body": "", "about": [], "tags": [], "mentions": [], "image": None,
                    "corrections": [], "sources": refs.later_entries()})
    log: list[dict] = []
    for entry in site_corrections(index, refs):
        if not log or log[-1]["date"] != entry["date"]:
            log.append({"date": entry["date"], "entries": []})
        log[-1]["entries"].append(entry)
    ctx["log"] = log
    return ctx
