"""Link the parsed site: ids, references, citations, file links, backlinks, events per entity."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field

from ..config import SiteConfig
from ..diagnostics import Location, Problems, did_you_mean, suggest
from ..model import PartialDate, CiteSlot, Document, FactSheet, FieldValue, Fragment, LinkSlot, RefSlot, RefValue
from .urls import Urls


@dataclass
class Index:
    """The whole site, linked. Built once per build; read by routes and render."""

    config: SiteConfig
    urls: Urls
    docs: dict[str, Document]
    facts: dict[str, FactSheet]
    media: set[str]
    by_path: dict[str, str] = field(default_factory=dict)
    short: dict[str, list[str]] = field(default_factory=dict)
    outgoing: dict[str, set[str]] = field(default_factory=dict)
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    events_for: dict[str, list[str]] = field(default_factory=dict)
    citers: dict[str, list[str]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    type_counts: dict[str, int] = field(default_factory=dict)  # fact sheets per type name

    def lookup(self, target: str) -> str | None:
        """The full id for a written id or a unique short id."""
        if target in self.facts or target in self.docs:
            return target
        found = self.short.get(target)
        if found and len(found) == 1:
            return found[0]
        return None

    def get(self, id_: str):
        return self.facts.get(id_) or self.docs.get(id_)

    def title(self, id_: str) -> str:
        item = self.get(id_)
        return item.name if isinstance(item, FactSheet) else item.title

    def url(self, id_: str) -> str:
        item = self.get(id_)
        if isinstance(item, FactSheet):
            return self.urls.fact(item.id)
        if item.kind == "explainer":
            return self.urls.explainer(item.slug)
        return self.urls.page(item.slug)

    def url_for_path(self, rel_path: str) -> str | None:
        if rel_path in self.media:
            return self.urls.media(rel_path)
        id_ = self.by_path.get(rel_path)
        return self.url(id_) if id_ else None

    def type_of(self, id_: str) -> str:
        item = self.get(id_)
        return item.type if isinstance(item, FactSheet) else item.kind

    def kind_of(self, id_: str) -> tuple[str, str]:
        """('fact', type name) or ('doc', 'explainer' or 'page')."""
        item = self.get(id_)
        return ("fact", item.type) if isinstance(item, FactSheet) else ("doc", item.kind)

    # Lists and cards. A card shows an item's "card fields" only (see card_fields), so a page of
    # cards need not change when an item's body does; incremental builds rely on that.
    def card_item(self, id_: str):
        """The item behind a card: read only its card fields from it."""
        return self.get(id_)

    def ids_of_kind(self, kind: str) -> list[str]:
        """Explainers (newest first) or pages (by slug)."""
        docs = [d for d in self.docs.values() if d.kind == kind]
        docs.sort(key=doc_key if kind == "explainer" else (lambda d: d.slug))
        return [d.id for d in docs]

    def ids_of_type(self, type_name: str) -> list[str]:
        """The fact sheets of a type: events by date, the rest by name."""
        sheets = [s for s in self.facts.values() if s.type == type_name]
        sheets.sort(key=event_key if type_name == "event" else (lambda s: (s.name.lower(), s.id)))
        return [s.id for s in sheets]


def card_fields(item) -> tuple:
    """What a card or a list may show of an item; ids_of_kind/ids_of_type sort by these too."""
    if isinstance(item, FactSheet):
        date = item.field("date")
        return ("fact", item.name, item.type, item.summary, date.value if date is not None else None)
    return ("doc", item.title, item.kind, item.slug, item.summary, item.date, item.updated, tuple(item.authors),
            tuple(item.tags), item.draft)


def fragments_of(item) -> list[Fragment]:
    """Every rendered Markdown piece of a document or fact sheet, in display order."""
    out: list[Fragment] = []
    if isinstance(item, Document):
        return [item.body]
    if item.summary is not None:
        out.append(item.summary)
    for fv in item.fields:
        out.extend(_value_fragments(fv.value))
        if fv.note is not None:
            out.append(fv.note)
    for fact in item.facts:
        out.append(fact.value)
        if fact.note is not None:
            out.append(fact.note)
    if item.body is not None:
        out.append(item.body)
    return out


def _value_fragments(value) -> list[Fragment]:
    if isinstance(value, Fragment):
        return [value]
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, Fragment)]
    return []


def ref_values_of(item) -> list[tuple[RefValue, FieldValue | None]]:
    if isinstance(item, Document):
        return [(r, None) for r in item.about]
    out = []
    for fv in item.fields:
        values = fv.value if isinstance(fv.value, tuple) else (fv.value,)
        out.extend((v, fv) for v in values if isinstance(v, RefValue))
    return out


def resolve_site(config: SiteConfig, urls: Urls, docs: list[Document], facts: list[FactSheet],
                 media: set[str], problems: Problems, memo: dict | None = None) -> Index:
    """Link the parsed site: every reference, citation and file link checked, backlinks and lists made.

    `memo` (kept by the caller between builds, updated in place) lets an incremental build skip
    checking an item again: what one item refers to, cites and gets wrong depends only on the item
    itself and on which ids and media files exist, so while those are the same as last time the
    very same parsed item gives the same answers.
    """
    index = Index(config, urls, {}, {}, set(media))
    for doc in docs:
        index.docs[doc.id] = doc
        index.by_path[doc.rel_path] = doc.id
    short = defaultdict(list)
    for sheet in facts:
        index.facts[sheet.id] = sheet
        index.by_path[sheet.rel_path] = sheet.id
        short[sheet.slug].append(sheet.id)
    index.short = {k: sorted(v) for k, v in short.items()}
    counts: dict[str, int] = defaultdict(int)
    for sheet in facts:
        counts[sheet.type] += 1
    index.type_counts = dict(counts)
    all_ids = sorted(set(index.facts) | set(index.docs))
    world = (all_ids, sorted(index.by_path), sorted(index.media))
    kept: dict = {}
    if memo is not None:
        if memo.get("world") == world:
            kept = memo.get("items", {})
        memo.clear()
        memo["world"], memo["items"] = world, {}
    outgoing: dict[str, set[str]] = {}
    citers = defaultdict(set)
    for id_, item in sorted(list(index.docs.items()) + list(index.facts.items())):
        found = kept.get(id_)
        if found is None or found[0] is not item:
            found = (item, *_resolve_item(id_, item, index, all_ids))
        if memo is not None:
            memo["items"][id_] = found
        _, out, cited, item_problems = found
        problems.extend(item_problems)
        for source_id in cited:
            citers[source_id].add(id_)
        outgoing[id_] = set(out)
    index.outgoing = outgoing
    backlinks = defaultdict(set)
    for src, targets in outgoing.items():
        for t in targets:
            backlinks[t].add(src)
    keys: dict[str, tuple] = {}

    def sort_key(id_: str) -> tuple:  # explainers, then pages, then fact sheets, each by title
        found = keys.get(id_)
        if found is None:
            found = keys[id_] = _sort_key(index, id_)
        return found
    index.backlinks = {k: sorted(v, key=sort_key) for k, v in backlinks.items()}
    index.citers = {k: sorted(v, key=sort_key) for k, v in citers.items()}
    events = defaultdict(list)
    for sheet in index.facts.values():
        if sheet.type == "event":
            for ref, _ in ref_values_of(sheet):
                target = index.lookup(ref.target)
                if target:
                    events[target].append(sheet.id)
    index.events_for = {k: sorted(v, key=lambda i: event_key(index.facts[i])) for k, v in events.items()}
    tags = defaultdict(list)
    for doc in index.docs.values():
        for tag in doc.tags:
            tags[tag].append(doc.id)
    index.tags = {k: sorted(v, key=lambda i: doc_key(index.docs[i])) for k, v in sorted(tags.items())}
    warnings = {sheet.id: tuple(_sheet_warnings(index, sheet)) for sheet in index.facts.values()}
    for found in warnings.values():
        problems.extend(found)
    if memo is not None:
        memo["warnings"] = warnings
    return index


def link_signature(item) -> tuple:
    """What the whole-site tables and the routes read of an item itself, beside what it refers to and cites.

    Ids, slugs, kinds and types (the "world"), names and dates (how lists of ids are sorted), tags,
    and the entities an event is about. Two versions of an item with the same signature that refer
    to and cite the same things leave every table of the index, and every route, as they were.
    """
    if isinstance(item, FactSheet):
        date = item.field("date")
        events = tuple(ref.target for ref, _ in ref_values_of(item)) if item.type == "event" else ()
        return ("fact", item.id, item.rel_path, item.type, item.name, date.value if date is not None else None,
                events)
    return ("doc", item.id, item.rel_path, item.kind, item.slug, item.title, item.date, item.tags, item.draft)


def relink(index: Index, changes: list, memo: dict, problems: Problems) -> tuple[Index, set] | None:
    """The index of the last build with some items swapped for new versions, without linking the site again.

    `changes` pairs each old item with its new version (same id); `memo` is what resolve_site (or an earlier
    relink) left. Returns None unless every new version has the old one's link_signature: then the world (ids,
    paths, media) and every sort key are as they were, so every other item's links and problems are too, and
    only the entries of the tables that the swapped items' own references and citations feed can move:
    outgoing of the item, backlinks of what it refers to now or did before, citers of what it cites now or
    did before, and the warnings of those sheets. Those entries are made again exactly as resolve_site makes
    them; the other entries are shared with `index`. Returns (the new index, the (table, key) pairs that
    changed). The problems of the whole site are added to `problems` in the order resolve_site adds them.
    """
    items, warnings = memo.get("items"), memo.get("warnings")
    if items is None or warnings is None:
        return None
    all_ids = memo["world"][0]
    fresh = {}
    for old, new in changes:
        found = items.get(old.id)
        if found is None or found[0] is not old or new.id != old.id or link_signature(new) != link_signature(old):
            return None
        out, cited, item_problems = _resolve_item(new.id, new, index, all_ids)
        fresh[new.id] = (new, out, cited, item_problems, found[1], found[2])
    linked = copy.copy(index)
    docs, facts = dict(dict.items(index.docs)), dict(dict.items(index.facts))
    for id_, found in fresh.items():
        (facts if id_ in facts else docs)[id_] = found[0]
    linked.docs, linked.facts = docs, facts
    touched: set = set()
    linking = {id_: f for id_, f in fresh.items() if f[1] != f[4] or f[2] != f[5]}
    if linking:
        outgoing, backlinks, citers = (dict(dict.items(t)) for t in (index.outgoing, index.backlinks, index.citers))
        keys: dict[str, tuple] = {}

        def sort_key(id_: str) -> tuple:
            found = keys.get(id_)
            if found is None:
                found = keys[id_] = _sort_key(linked, id_)
            return found

        def move(table: dict, name: str, target: str, owner: str, add: bool) -> None:
            now = set(table.get(target, ()))
            if add:
                now.add(owner)
            else:
                now.discard(owner)
            if now:
                table[target] = sorted(now, key=sort_key)
            else:
                table.pop(target, None)
            touched.add((name, target))

        for id_, (_, out, cited, _, old_out, old_cited) in linking.items():
            if out != old_out:
                outgoing[id_] = set(out)
                touched.add(("outgoing", id_))
                for target in out - old_out:
                    move(backlinks, "backlinks", target, id_, True)
                for target in old_out - out:
                    move(backlinks, "backlinks", target, id_, False)
            for source in set(cited) - set(old_cited):
                move(citers, "citers", source, id_, True)
            for source in set(old_cited) - set(cited):
                move(citers, "citers", source, id_, False)
        linked.outgoing, linked.backlinks, linked.citers = outgoing, backlinks, citers
    for id_, found in fresh.items():
        items[id_] = found[:4]
    for name, key in touched | {("", id_) for id_ in fresh}:
        if key in warnings:  # a sheet whose backlinks or citers changed, or that changed itself
            warnings[key] = tuple(_sheet_warnings(linked, facts[key]))
    for found in items.values():
        problems.extend(found[3])
    for found in warnings.values():
        problems.extend(found)
    return linked, touched


def _resolve_item(id_: str, item, index: Index, all_ids: list[str]) -> tuple[frozenset, tuple, tuple]:
    """What one item refers to, the sources it cites, and its problems."""
    config = index.config
    problems = Problems()
    citers = defaultdict(set)
    out: set[str] = set()
    for frag in fragments_of(item):
        for slot in frag.slots:
            _check_slot(slot, id_, index, all_ids, out, citers, problems)
    for ref, fv in ref_values_of(item):
        target = _lookup(ref.target, ref.location, index, all_ids, problems)
        if target is None:
            continue
        if fv is not None:
            spec = config.type(item.type).field(fv.name)
            allowed = (spec.of or spec).to if spec else ()
            if allowed and index.type_of(target) not in allowed:
                problems.error(f"'{ref.target}' is a {index.type_of(target)}, but '{fv.name}' must refer to "
                               f"a {' or '.join(allowed)}", ref.location)
                continue
        out.add(target)
    if isinstance(item, FactSheet):
        _check_sources(item, index, citers, problems)
        publisher = item.field("publisher")
        if publisher is not None and isinstance(publisher.value, Fragment):
            target = index.lookup(publisher.value.source.strip())
            if target and "/" in publisher.value.source:
                out.add(target)
    image = item.image
    if image is not None and image.src not in index.media:
        problems.error(f"image '{image.src.removeprefix('content/')}' does not exist", image.location,
                       _media_hint(image.src, index.media))
    out.discard(id_)
    return frozenset(out), tuple(sorted(citers)), tuple(problems.items)


def _sort_key(index: Index, id_: str) -> tuple:
    kind_rank = 0 if id_.startswith("explainers/") else 1 if id_.startswith("pages/") else 2
    return (kind_rank, index.title(id_).lower(), id_)


def event_key(sheet: FactSheet) -> tuple:
    date = sheet.field("date")
    value = date.value if date is not None and isinstance(date.value, PartialDate) else PartialDate(0)
    return (value, sheet.id)


def doc_key(doc: Document) -> tuple:
    """Newest first."""
    date = doc.date
    return (-(date.year if date else 0), -(date.month if date else 0), -(date.day if date else 0), doc.slug)


def _media_hint(src: str, media: set[str]) -> str:
    names = did_you_mean(src.removeprefix("content/"), [m.removeprefix("content/") for m in media])
    return ("files go in content/media/" + names) if names else "files go in content/media/"


def _lookup(target: str, loc: Location, index: Index, all_ids: list[str], problems: Problems) -> str | None:
    found = index.lookup(target)
    if found:
        return found
    matches = index.short.get(target)
    if matches and len(matches) > 1:
        problems.error(f"'{target}' is ambiguous: it could be " + " or ".join(f"'{m}'" for m in matches), loc,
                       "write the full id with its folder")
        return None
    candidates = all_ids if "/" in target else list(index.short)
    problems.error(f"unknown reference '{target}'{did_you_mean(target, candidates)}", loc)
    return None


def _check_slot(slot, owner: str, index: Index, all_ids: list[str], out: set, citers, problems: Problems) -> None:
    if isinstance(slot, RefSlot):
        target = _lookup(slot.target, slot.location, index, all_ids, problems)
        if target:
            out.add(target)
    elif isinstance(slot, CiteSlot):
        for item in slot.items:
            _check_source(item.source, item.location, owner, index, citers, problems)
    elif isinstance(slot, LinkSlot):
        if slot.target in index.media or slot.target.startswith("/"):
            return
        target = index.by_path.get(slot.target)
        if target is None:
            folder, _, name = slot.target.rpartition("/")
            siblings = {p.rpartition("/")[2]: p for p in list(index.by_path) + list(index.media)
                        if p.rpartition("/")[0] == folder}
            close = suggest(name, siblings)
            hint = (" (did you mean " + " or ".join(f"'{siblings[c]}'" for c in close) + "?)") if close else ""
            problems.error(f"link to missing file '{slot.target}'{hint}", slot.location)
        else:
            out.add(target)


def _check_source(source: str, loc: Location, owner: str, index: Index, citers, problems: Problems) -> None:
    sheet = index.facts.get(f"sources/{source}")
    if sheet is None:
        sources = [i.split("/", 1)[1] for i in index.facts if i.startswith("sources/")]
        problems.error(f"unknown source '{source}'{did_you_mean(source, sources)}", loc,
                       "sources are the fact sheets in content/facts/sources/")
        return
    citers[sheet.id].add(owner)


def _check_sources(sheet: FactSheet, index: Index, citers, problems: Problems) -> None:
    for fv in sheet.fields:
        for ref in fv.sources:
            _check_source(ref.source, ref.location, sheet.id, index, citers, problems)
        if fv.kind == "sources":
            for ref in fv.value:
                _check_source(ref.source, ref.location, sheet.id, index, citers, problems)
    for fact in sheet.facts:
        for ref in fact.sources:
            _check_source(ref.source, ref.location, sheet.id, index, citers, problems)


def _cites(fragment: Fragment | None) -> bool:
    return fragment is not None and any(isinstance(s, CiteSlot) for s in fragment.slots)


def _sheet_warnings(index: Index, sheet: FactSheet) -> list:
    """Warnings about one fact sheet (--strict turns them into errors)."""
    problems = Problems()
    if sheet.type == "source":
        if sheet.id not in index.citers:
            problems.warning(f"source '{sheet.slug}' is not cited anywhere", sheet.location,
                             "cite it with [@" + sheet.slug + "] or remove it")
        return problems.items
    if sheet.type == "event":
        if sheet.field("source") is None and not any(_cites(f) for f in fragments_of(sheet)):
            problems.warning("event has no source", sheet.location, "add source: <source-id>")
        return problems.items
    for fv in sheet.fields:
        if not fv.sources and not any(_cites(f) for f in _value_fragments(fv.value)):
            problems.warning(f"unsourced fact '{fv.name}'", fv.location,
                             "write it long-hand: {value: ..., source: <source-id>}")
    for fact in sheet.facts:
        if not fact.sources and not _cites(fact.value):
            problems.warning(f"unsourced fact '{fact.label}'", fact.location, "add source: <source-id>")
    if sheet.id not in index.backlinks:
        problems.warning(f"nothing mentions '{sheet.id}'", sheet.location,
                         f"refer to it with [[{sheet.id}]] from an explainer or another fact sheet")
    return problems.items
