"""Linking one item: its references, citations and file links checked against what exists.

What one item refers to, cites and gets wrong depends only on the item and on which ids, paths
and media files exist (the `World`). Resolving notes every name it looks up, so that a later
change to what exists links again exactly the items that looked up a name that changed.
"""

from __future__ import annotations

import sys
import unicodedata

from ..files import digest_bytes
from ..diagnostics import Location, Problems, phrase, suggest
from ..model import (CiteSlot, Competing, Document, FactSheet, FieldValue, Fragment, LinkSlot, PartialDate, Passage,
                     RefSlot, RefValue, SourceRef)
from .checks import check_dates, check_via, party_types
from .index import Links
from .media import image_problems
from .sitelinks import links_into_site
from .world import DRAFT, UNREADABLE, Held, Lookups, World


def card_fields(item) -> tuple:
    """What a card or a list may show of an item; lists sort by these too."""
    if isinstance(item, FactSheet):
        return ("fact", item.name, item.type, item.summary, item.date,
                tuple((t.language, t.name, t.summary) for t in item.translations))
    return ("doc", item.title, item.kind, item.slug, item.summary, item.date, item.updated, tuple(item.authors),
            tuple(item.tags), item.draft, item.language)


def order_of(item) -> tuple:
    """An item's place in the lists of its kind or type: explainers newest first, events by date, by name."""
    if isinstance(item, Document):
        date = item.date
        return (-(date.year if date else 0), -(date.month if date else 0), -(date.day if date else 0), item.slug)
    if item.type == "event":
        date = item.date if isinstance(item.date, PartialDate) else PartialDate(0)
        return (date.year, date.month, date.day, item.id)
    return (name_key(item.name), item.id)


def name_key(name: str) -> str:
    """A name as lists sort it: from its first letter or digit (a "[" or quote mark before it does not
    count), accents dropped, case folded; so a list by name runs in the order of its jump list's letters."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()
    start = next((i for i, ch in enumerate(folded) if ch.isalnum()), len(folded))
    return folded[start:]


def fragments_of(item) -> list[Fragment]:
    """Every rendered Markdown piece of a document or fact sheet, in display order."""
    if isinstance(item, Document):
        return [item.body] + [c.text for c in item.corrections]
    out: list[Fragment] = [item.summary] if item.summary is not None else []
    for fv in item.fields:
        out.extend(value_fragments(fv.value))
        if fv.note is not None:
            out.append(fv.note)
    for fact in item.facts:
        out.append(fact.value)
        if fact.note is not None:
            out.append(fact.note)
    if item.body is not None:
        out.append(item.body)
    for translation in item.translations:
        out.extend(f for f in (translation.summary, translation.body) if f is not None)
    return out + [c.text for c in item.corrections]


def value_fragments(value) -> list[Fragment]:
    if isinstance(value, Fragment):
        return [value]
    if isinstance(value, Competing):
        out = []
        for fv in value.values:
            out.extend(value_fragments(fv.value))
            if fv.note is not None:
                out.append(fv.note)
        return out
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, Fragment)]
    return []


def field_values(fv: FieldValue) -> list[FieldValue]:
    """A field as its values: itself, or each of its competing values."""
    return list(fv.value.values) if isinstance(fv.value, Competing) else [fv]


def ref_values_of(item) -> list[tuple[RefValue, FieldValue | None]]:
    if isinstance(item, Document):
        return [(r, None) for r in item.about]
    out = []
    for field in item.fields:
        for fv in field_values(field):
            values = fv.value if isinstance(fv.value, tuple) else (fv.value,)
            out.extend((v, fv) for v in values if isinstance(v, RefValue))
    return out


def value_sources(fv: FieldValue) -> list[SourceRef]:
    """The sources a value gives itself: a `sources` field's, a passage's."""
    values = fv.value if isinstance(fv.value, tuple) else (fv.value,)
    out = [v for v in values if isinstance(v, SourceRef)]
    out.extend(v.source for v in values if isinstance(v, Passage))
    return out


def _digest(value) -> str:
    return digest_bytes(repr(value).encode("utf-8", "surrogatepass"))


def resolve_item(item, digest: str, world: World, config) -> Links:
    """Link one (visible) item: what it refers to and cites, its problems, and the names it looked up."""
    ask = Lookups(world)
    problems = Problems()
    out: set[str] = set()
    cited: dict[str, None] = {}
    folders = {t.folder for t in config.types} | {"explainers", "pages"}
    for frag in fragments_of(item):
        for slot in frag.slots:
            _check_slot(slot, ask, out, cited, problems, folders)
    for ref, fv in ref_values_of(item):
        target = _lookup(ref.target, ref.location, ask, problems, folders)
        if target is None:
            continue
        if fv is not None:
            allowed = _allowed(config, item.type, fv.name)
            if allowed and world.ids[target] not in allowed:
                problems.error(f"'{ref.target}' is {_a(world.ids[target])}, but '{fv.name}' must refer to "
                               f"{' or '.join(_a(t) for t in allowed)}", ref.location)
                continue
        out.add(target)
    about: tuple[str, ...] = ()
    if isinstance(item, FactSheet):
        _check_sources(item, ask, cited, problems)
        publisher = item.field("publisher")
        target = None
        if publisher is not None and isinstance(publisher.value, Fragment) and "/" in publisher.value.source:
            target = ask.lookup(publisher.value.source.strip())
            if target:
                out.add(target)
        if item.type == "source" and config.require_via:
            problems.extend(check_via(item, target, ask))
        if item.type == "event":
            about = tuple(t for t in (ask.lookup(ref.target) for ref, _ in ref_values_of(item)) if t)
        problems.extend(sheet_warnings(item, config))
    else:
        problems.extend(check_dates(item, _first_citations(item), ask))
    if isinstance(item, Document) and item.language and ask.path(item.original_path) is None:
        problems.error(f"this translates '{item.original_path}', which is not part of the site",
                       Location(item.rel_path, 1, 1), "a translation is named after the file it translates: "
                       f"{item.slug}.{item.language}.md translates {item.slug}.md (a draft's translation is a draft too)")
    if item.image is not None and not ask.medium(item.image.src):
        close = suggest(item.image.src.removeprefix("content/"), [m.removeprefix("content/") for m in world.media])
        problems.error(f"image '{item.image.src.removeprefix('content/')}' does not exist", item.image.location,
                       "files go in content/media/" + phrase(close), suggestions=close)
    image_problems(item, fragments_of(item), ask, problems)
    out.discard(item.id)
    fact = isinstance(item, FactSheet)
    newest = max((c.date for c in item.corrections), key=PartialDate.last_day, default=None)
    return Links(item.id, item.rel_path, digest, "fact" if fact else item.kind, item.type if fact else item.kind,
                 item.name if fact else item.title, item.slug, order_of(item), () if fact else tuple(item.tags),
                 _digest(card_fields(item)), frozenset(map(sys.intern, out)), tuple(sorted(cited)), about,
                 frozenset(map(sys.intern, ask.names)), newest.last_day() if newest else (),
                 "" if fact else item.language, item.id if fact else item.base_id,
                 tuple((t.language, t.name) for t in item.translations) if fact else (),
                 tuple((r.path, r.location.line, r.location.col) for r in item.redirect_from),
                 item.image.src if item.image is not None else "",
                 links_into_site(item, fragments_of(item), config.base_url), tuple(problems.items))


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _allowed(config, type_name: str, field: str) -> tuple[str, ...]:
    """The types a ref (or party) field may refer to; empty: any."""
    spec = config.type(type_name).field(field)
    if spec is None:
        return ()
    spec = spec.of or spec
    return party_types(config, spec) if spec.type == "party" else spec.to


def _first_citations(doc: Document) -> dict[str, Location]:
    """Each source a document cites (by id), with the place it is first cited."""
    found: dict[str, Location] = {}
    for frag in fragments_of(doc):
        for slot in frag.slots:
            for cite in getattr(slot, "items", ()) if isinstance(slot, CiteSlot) else ():
                found.setdefault(f"sources/{cite.source}", cite.location)
    return found


def _lookup(target: str, loc: Location, ask: Lookups, problems: Problems, folders=()) -> str | None:
    found = ask.lookup(target)
    if found:
        return found
    world = ask.world
    held = ask.held(target)
    if held is not None:
        _held_problem(held, f"'{target}'", loc, problems)
        return None
    matches = world.short.get(target)
    if matches and len(matches) > 1:
        problems.error(f"'{target}' is ambiguous: it could be " + " or ".join(f"'{m}'" for m in matches), loc,
                       "write the full id with its folder")
        return None
    folder = target.partition("/")[0] if "/" in target else None
    if folder in folders:  # a folder that exists: suggest only what is in it
        candidates = [i for i in world.ids if i.startswith(folder + "/")]
    else:
        candidates = world.ids if "/" in target else world.short
    close = suggest(target, candidates)
    problems.error(f"unknown reference '{target}'{phrase(close)}", loc, suggestions=close)
    return None


def _held_problem(held: Held, what: str, loc: Location, problems: Problems) -> None:
    """A reference or link to a file that is not in the site: nothing to add when the file could not be read
    (its own error says why), else why it is not published."""
    if held.why == UNREADABLE:
        return
    if held.why == DRAFT:
        problems.error(f"{what} is a draft, so it is not published", loc,
                       "remove 'draft: true' from it to publish it, or build with --drafts")
    else:
        problems.error(f"{what} is scheduled for {held.why}, so it is not published yet", loc,
                       "build with --future to publish it now, or add the link once it is out")


def _check_slot(slot, ask: Lookups, out: set, cited: dict, problems: Problems, folders=()) -> None:
    if isinstance(slot, RefSlot):
        target = _lookup(slot.target, slot.location, ask, problems, folders)
        if target:
            out.add(target)
    elif isinstance(slot, CiteSlot):
        for item in slot.items:
            _check_source(item.source, item.location, ask, cited, problems)
    elif isinstance(slot, LinkSlot):
        if slot.target.startswith("/"):
            return
        target = ask.path(slot.target)
        if target is None:
            held = ask.world.held.get(slot.target)
            if held is not None:
                _held_problem(held, f"the link to '{slot.target}'", slot.location, problems)
                return
            folder, _, name = slot.target.rpartition("/")
            world = ask.world
            siblings = {p.rpartition("/")[2]: p for p in list(world.by_path) + list(world.media)
                        if p.rpartition("/")[0] == folder}
            close = [siblings[c] for c in suggest(name, siblings)]
            problems.error(f"link to missing file '{slot.target}'{phrase(close)}", slot.location, suggestions=close)
        elif target != slot.target:
            out.add(target)


def _check_source(source: str, loc: Location, ask: Lookups, cited: dict, problems: Problems) -> None:
    if not ask.has(f"sources/{source}"):
        held = ask.held(f"sources/{source}")
        if held is not None:
            _held_problem(held, f"source '{source}'", loc, problems)
            return
        close = suggest(source, [i.split("/", 1)[1] for i in ask.world.ids if i.startswith("sources/")])
        problems.error(f"unknown source '{source}'{phrase(close)}", loc,
                       "sources are the fact sheets in content/facts/sources/", suggestions=close)
        return
    cited[f"sources/{source}"] = None


def _check_sources(sheet: FactSheet, ask: Lookups, cited: dict, problems: Problems) -> None:
    for field in sheet.fields:
        for fv in field_values(field):
            for ref in list(fv.sources) + value_sources(fv):
                _check_source(ref.source, ref.location, ask, cited, problems)
    for fact in sheet.facts:
        for ref in fact.sources:
            _check_source(ref.source, ref.location, ask, cited, problems)


def _cites(fragment: Fragment | None) -> bool:
    return fragment is not None and any(isinstance(s, CiteSlot) for s in fragment.slots)


def sheet_warnings(sheet: FactSheet, config) -> list:
    """Warnings about a fact sheet that depend on it alone (--strict turns them into errors)."""
    problems = Problems()
    if sheet.type == "source":
        return []
    if sheet.type == "event":
        if sheet.field("source") is None and not any(_cites(f) for f in fragments_of(sheet)):
            problems.warning("event has no source", sheet.location, "add source: <source-id>")
        return problems.items
    for field in sheet.fields:
        for fv in field_values(field):
            if not fv.sources and not value_sources(fv) and not any(_cites(f) for f in value_fragments(fv.value)):
                problems.warning(f"unsourced fact '{fv.name}'", fv.location,
                                 "write it long-hand: {value: ..., source: <source-id>}")
            if fv.kind == "party" and isinstance(fv.value, Fragment):
                allowed = list(_allowed(config, sheet.type, fv.name))
                either = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else "".join(allowed)
                problems.warning(f"'{fv.name}' is free text, not the id of a fact sheet ({either or 'any type'})",
                                 fv.location,
                                 "write the id of who said it, e.g. {value: organizations/x, source: ..., "
                                 "note: ...}, and say more in the note")
    for fact in sheet.facts:
        if not fact.sources and not _cites(fact.value):
            problems.warning(f"unsourced fact '{fact.label}'", fact.location, "add source: <source-id>")
    return problems.items


def site_warnings(links: Links, cited: bool, mentioned: bool) -> tuple:
    """Warnings about a fact sheet that depend on the rest of the site: a source nobody cites, a sheet
    nothing mentions."""
    if links.kind != "fact" or links.type == "event":
        return ()
    problems = Problems()
    location = Location(links.rel_path, 1, 1)
    if links.type == "source":
        if not cited:
            problems.warning(f"source '{links.slug}' is not cited anywhere", location,
                             "cite it with [@" + links.slug + "] or remove it")
    elif not mentioned:
        problems.warning(f"nothing mentions '{links.id}'", location,
                         f"refer to it with [[{links.id}]] from an explainer or another fact sheet")
    return tuple(problems.items)
