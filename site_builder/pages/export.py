"""The files under /data/: the facts export (/data/facts.json) and the cards behind reference previews.

Both are pure functions of the linked site (the Index), so a site gives the same bytes every build.
A field with competing values is exported with all of them ("disputed": true, "values": [...]).
"""

from __future__ import annotations

import json

from ..model import Competing, FactSheet, Fragment, Money, Passage, PartialDate, RefValue, SourceRef
from ..site.index import Index
from .citations import fragment_text
from .structured import sources_of

EXPORT_FORMAT = "site-builder facts export"
EXPORT_VERSION = 1


def export_value(index: Index, value):
    """A field value as plain JSON: dates as ISO text (partial stays partial), refs as ids, Markdown as text."""
    if isinstance(value, Fragment):
        return fragment_text(index, value)
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency}
    if isinstance(value, RefValue):
        return index.lookup(value.target) or value.target
    if isinstance(value, SourceRef):
        return f"sources/{value.source}"
    if isinstance(value, Passage):
        return {"source": f"sources/{value.source.source}", "locator": value.locator}
    if isinstance(value, tuple):
        return [export_value(index, v) for v in value]
    return value


def export_field(index: Index, fv) -> dict:
    """One field: its value, sources and note; competing values each with their own, marked disputed."""
    if isinstance(fv.value, Competing):
        values = [export_field(index, alt) for alt in fv.value.values]
        entry = {"disputed": True, "values": values,
                 "sources": list(dict.fromkeys(s for v in values for s in v["sources"]))}
    else:
        passages = [v.source for v in (fv.value if isinstance(fv.value, tuple) else (fv.value,)) if isinstance(v, Passage)]
        entry = {"value": export_value(index, fv.value),
                 "sources": list(dict.fromkeys(f"sources/{s.source}" for s in list(fv.sources) + passages))}
    if fv.note is not None:
        entry["note"] = fragment_text(index, fv.note)
    return entry


def export_sheet(index: Index, sheet: FactSheet) -> dict:
    tspec = index.config.type(sheet.type)
    fields = {fv.name: export_field(index, fv) for fv in sheet.fields if not (tspec.builtin and fv.name == "title")}
    record = {
        "id": sheet.id, "type": sheet.type, "name": sheet.name,
        "url": index.urls.absolute(index.url(sheet.id)),
        "summary": fragment_text(index, sheet.summary), "aliases": list(sheet.aliases), "fields": fields,
        "facts": [{"label": f.label, "value": fragment_text(index, f.value),
                   "sources": [f"sources/{s.source}" for s in f.sources]}
                  | ({"note": fragment_text(index, f.note)} if f.note is not None else {}) for f in sheet.facts],
        "sources": [f"sources/{s}" for s in sources_of(sheet) if index.has(f"sources/{s}")],
    }
    if sheet.body is not None:
        record["body"] = fragment_text(index, sheet.body)
    if sheet.image is not None:
        record["image"] = {"url": index.urls.absolute(index.urls.media(sheet.image.src)),
                           "alt": sheet.image.alt, "credit": sheet.image.credit}
    if sheet.corrections:
        record["corrections"] = [{"date": c.date.iso(), "text": fragment_text(index, c.text)}
                                 for c in sheet.corrections]
    return record


def facts_export(index: Index) -> bytes:
    """/data/facts.json: every fact sheet with its fields and sources, sorted by id; same site, same bytes."""
    config = index.config
    types = [{"name": t.name, "folder": t.folder, "label": t.singular, "plural": t.plural,
              "schema_org": t.schema_org, "description": t.description,
              "fields": [{"name": f.name, "type": f.type, "label": f.display_label}
                         | ({"to": list(f.to)} if f.to else {})
                         | ({"of": f.of.type} if f.of is not None else {}) for f in t.fields]}
             for t in config.types]
    data = {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
        "site": {"title": config.title, "url": index.urls.absolute(index.urls.home()), "language": config.language},
        "types": types,
        "facts": [export_sheet(index, index.item(i)) for i in index.fact_ids()],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def cards_export(index: Index) -> bytes:
    """/data/cards.json: name, kind and summary of everything a reference can point at, for hover cards.

    A small subset of the facts export (plus explainers and pages), so the first card a reader opens
    costs one short download."""
    cards = {}
    fact_ids = [i for t in index.config.types for i in index.ids_of_type(t.name)]
    for id_ in sorted(fact_ids):  # card fields only, so editing a body leaves this file as it is
        sheet = index.card_item(id_)
        cards[id_] = {"name": sheet.name, "kind": index.config.type(sheet.type).singular,
                      "summary": fragment_text(index, sheet.summary)}
    for id_ in sorted(index.ids_of_kind("explainer") + index.ids_of_kind("page")):
        doc = index.card_item(id_)
        cards[id_] = {"name": doc.title, "kind": "Explainer" if doc.kind == "explainer" else "Page",
                      "summary": doc.summary}
    return (json.dumps({"cards": cards}, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def data_file(index: Index, name: str) -> bytes:
    """The files under /data/: 'facts' (the export) or 'cards' (for reference cards)."""
    return cards_export(index) if name == "cards" else facts_export(index)
