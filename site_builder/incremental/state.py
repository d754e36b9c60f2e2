"""What one build leaves for the next: a part for each stage, and the file the command line keeps them in.

`BuildState` is the stages' memory, one part each:
  files   the stat cache (discover): every file's stat signature, and the problems at each path;
  parsed  the parse cache (parse): parsed files by path and digest, and each file's problems;
  links   linking's memory (link): the world, every item's links, the site-wide lists;
  pages   the page records (render): per page, what it read, its templates and the digest of its bytes;
  search  the search index (search): per page the digest of its indexed part, per shard its key and files;
  process what lives only in one running process (the preview, or a test): the compiled templates,
          and what this process's last write left on disk.
The saved file also keeps what Babel answered (dates, language names: i18n/locales.py), so the next
process need not load it.
The preview keeps one in memory between builds. A command-line build loads the one the last good
build saved (`load`), and saves its own after writing (`save`, a section at a time: see sections.py,
which adds only what changed): then the next `site-builder build`
finds what changed by comparing stat signatures and takes the same path as the preview. Any
change of settings (builder code, site.yml, options) starts every part over.
"""

from __future__ import annotations

import dataclasses
import functools
from array import array
import marshal
import os
from pathlib import Path

from ..files import Kept
from ..i18n import locales
from ..output.write import Written
from ..pages.render import PageRecord, PageRecords
from ..read.discover import Entry, FileTable
from ..read.parse import ParseCache
from ..search.memory import SearchMemory
from ..site.index import Links, Tables
from ..site.link import LinkMemo
from ..model import SourceFile
from ..site.world import Held
from ..site.routes import Planned, Route
from . import codec, sections
from .cache import CACHE_DIR
from .lazy import LazyDict

STATE_FILE = "state"
_FORMAT = b"sb-state-19\n"
# how each section is saved (see sections.py): every "world." and "tables." section is kept in buckets too
# (below); every other section is saved whole when its bytes change
_KINDS = {"files": sections.TABLE, "links": sections.BUCKETS, "pages": sections.BUCKETS, "page_digests": sections.TABLE,
          "dependents": sections.BUCKETS, "key_names": sections.LIST, "page_names": sections.LIST, "ids": sections.TABLE,
          "spare_ids": sections.TABLE, "plan": sections.FROZEN, "world.held": sections.TABLE, "locales": sections.TABLE}


class Numbering:
    """Names by number, for saving sets of names as arrays of numbers (the numbers never change meaning)."""

    def __init__(self, names=()):
        self._names = names if callable(names) else list(names)  # (callable: the saved list, read when first used)
        self.number: dict[str, int] | None = None  # made when first packing (a build that only reads needs none)

    @property
    def names(self) -> list[str]:
        if callable(self._names):
            self._names = list(self._names())  # (a copy: names are added to it, never to the list as saved)
        return self._names

    def pack(self, names) -> bytes:
        if self.number is None:
            self.number = dict(zip(self.names, range(len(self.names))))
        names = names if isinstance(names, (list, tuple)) else list(names)
        numbers = list(map(self.number.get, names))
        if None in numbers:  # names first packed now: numbered after the others, in their order
            for name in names:
                if name not in self.number:
                    self.number[name] = len(self.names)
                    self.names.append(name)
            numbers = list(map(self.number.get, names))
        numbers.sort()
        return array("I", numbers).tobytes()

    def unpack(self, blob: bytes) -> list[str]:
        numbers = array("I")
        numbers.frombytes(blob)
        return [self.names[n] for n in numbers]


class _Names:
    """A page's keys or templates as saved, read when the page needs them (see PageRecord)."""

    __slots__ = ("blob", "numbering")

    def __init__(self, blob: bytes, numbering: Numbering):
        self.blob, self.numbering = blob, numbering

    def split(self, sep=None) -> list[str]:
        return self.numbering.unpack(self.blob)


class Loaded:
    """The saved form of the parts a loaded state was made from, beside what was made of them: saving
    again takes an entry's saved form as it was while the entry is still the very object made from it
    (entries are replaced, never changed in place, so the same object means the same value)."""

    def __init__(self, files=None, plan=None, disk=None):
        self.files = files or ({}, {})  # (rel -> Entry made, rel -> its saved form)
        self.plan = plan or (None, None)  # (Planned made, its saved form)
        self.disk = disk  # sections.OnDisk: what the state file holds now, section by section


def _again(table: dict, loaded: tuple[dict, dict], encode) -> dict:
    """Each entry's saved form: as loaded while the entry is the one made from it, else encoded now."""
    made, saved = loaded
    if not made:
        return {k: encode(v) for k, v in table.items()}
    return {k: saved[k] if made.get(k) is v else encode(v) for k, v in table.items()}


class ProcessMemory:
    """What is worth keeping only while the process runs: compiled templates, and the last write."""

    def __init__(self):
        self.templates_key = None  # the site templates the environment was made from
        self.env = None
        self.template_deps = None
        self.written = None  # output.write.Written: what this process's last write left on disk


class BuildState:
    """The memory of the last build, in one part per stage (see the module's docstring)."""

    def __init__(self):
        self.settings = None
        self.files = FileTable()
        self.parsed = ParseCache()
        self.links = LinkMemo()
        self.plan = None  # build.Planned: the routes of the last build
        self.git = None  # (HEAD commit, {rel_path: date}) of the last look at git (updated_from_git)
        self.pages = PageRecords()
        self.search = SearchMemory()
        self.process = ProcessMemory()
        self.numbers = (Numbering(), Numbering())  # for the saved state: keys, pages
        self.loaded = Loaded()  # what the saved state this one was loaded from held, in its saved form

    def start(self, settings) -> None:
        """Begin a build: with other settings than the last build's, every part starts over."""
        if settings != self.settings:
            self.__init__()
            self.settings = settings

    def forget(self) -> None:
        """Start over at the next build (after a build that raised part way)."""
        self.settings = None


def save(state: BuildState, path: Path) -> None:
    """Keep the state for the next command-line build (best effort: written whole or not at all). A part of the
    loaded state found damaged only now (one this build had no need to read) means none is kept."""
    try:
        _save(state, path)
    except sections.Damaged:
        _forget(path)
    state.loaded.disk = None  # (the sections just saved are this state's own tables, changed in place by the
    # next build: a state saved again, by the same process, is saved whole)


def _save(state: BuildState, path: Path) -> None:
    links, world, pages = state.links, state.links.world, state.pages
    keys, outs = state.numbers = _renumbered(state)  # (renumbered: every record was read, so is saved anew)
    records = _saved(pages.records, lambda r: (r.route_key, r.digest, *(_packed(names, keys) for names in r.names())))
    loaded = state.loaded
    plan = loaded.plan[1] if state.plan is not None and state.plan is loaded.plan[0] else _saved_plan(state.plan)
    plain = {
        "settings": state.settings,
        "files": _again(state.files.entries, state.loaded.files,
                        lambda e: (e.signature, e.file.kind, e.file.digest, e.file.type_folder)),
        "notes": {rel: codec.encode(found) for rel, found in state.files.notes.items()},
        "named": codec.encode(state.files.named) if state.files.named is not None else None,
        "problems": {rel: (digest, codec.encode(found)) for rel, (digest, found) in state.parsed.problems.items()},
        **{f"world.{name}": _saved(getattr(world, name), _same) for name in _WORLD},
        "world.media": world.media,
        "world.held": {rel: (h.id, h.fact, h.why) for rel, h in world.held.items()},
        "media": {rel: codec.encode(info) for rel, info in world.info.items()},
        "dates": {rel: codec.encode(date) for rel, date in world.dates.items()},
        "git": state.git,
        "locales": locales.answers(),
        "cards": world.cards,
        "links": _saved(links.links, _encode_links),
        "link_problems": {id_: codec.encode(found) for id_, found in links.problems.items()},
        "site_links": links.site_links,
        **{f"tables.{name}": _saved(getattr(links.tables, name), _same) for name in _TABLES},
        "warnings": {id_: codec.encode(found) for id_, found in links.tables.warnings.items()},
        "pages": records,
        "page_digests": _page_digests(pages),
        "found": {out: codec.encode(found) for out, found in pages.faulty.items()},
        "dependents": _saved(pages.dependents, outs.pack),
        "key_names": keys.names,
        "page_names": outs.names,
        "templates": pages.templates,
        "reach": pages.reach,
        "sitemap": pages.sitemap,
        "search": state.search.plain(),
        "plan": plan,
    }
    written = state.process.written.identity() if state.process.written is not None else None
    plain["written"], plain["ids"], plain["spare_ids"], plain["listed"] = (written[:3], *written[3:]) if written \
        else (None, None, None, None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sections.write(path, _FORMAT, plain, _KINDS, loaded.disk)
    except (OSError, ValueError, TypeError):
        pass


def _page_digests(pages: PageRecords) -> dict[str, str]:
    """Each page's digest as the output folder holds it: as the last render left the pages, or as loaded."""
    if pages.outputs is None:
        return dict(pages.digests or {})
    return {out: str(data) if isinstance(data, Kept) else pages.records[out].digest
            for out, data in pages.outputs.items()}


def _renumbered(state: BuildState) -> tuple[Numbering, Numbering]:
    """The numberings to save with; numbered afresh when names no longer used make up most of them."""
    keys, outs = state.numbers
    if len(keys.names) < 2 * len(state.pages.dependents) + 1000 and len(outs.names) < 2 * len(state.pages.records) + 1000:
        return keys, outs
    for record in state.pages.records.values():  # every saved form read once, before its numbers go
        record.deps, record.templates  # noqa: B018
    state.pages.dependents.items()
    return Numbering(), Numbering()


def _packed(names, numbering: Numbering) -> bytes:
    if isinstance(names, _Names) and names.numbering is numbering:
        return names.blob
    return numbering.pack(names if not isinstance(names, _Names) else names.split())


def _saved(table: dict, encode) -> dict | sections.Changes:
    if isinstance(table, LazyDict):
        return sections.Changes(*table.changes(encode), lambda: table.saved(encode))
    return {k: encode(v) for k, v in table.items()}


def _encode_links(links: Links) -> bytes:
    return marshal.dumps((*(getattr(links, f) for f in _LINK_FIELDS[:-1]), codec.encode(links.problems)))


def _decode_links(data: bytes) -> Links:
    values = marshal.loads(data)
    return Links(*values[:-1], codec.decode(values[-1]))


def started_over_if_damaged(build):
    """`build_site`, run once more without the saved state when a part of it read mid-build (a bucket of a
    table, read when first looked up) turns out damaged: as if there had been none."""
    @functools.wraps(build)
    def run(root: Path, *args, **kwargs):
        try:
            return build(root, *args, **kwargs)
        except sections.Damaged:  # (once: found again, the command line says so)
            _forget(Path(root) / CACHE_DIR / STATE_FILE)
            return build(root, *args, **kwargs)
    return run


def _forget(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def load(path: Path) -> BuildState:
    """The state the last command-line build saved, or a fresh one when there is none that can be read."""
    state = BuildState()
    found = sections.read(path, _FORMAT)
    if found is None:
        return state
    try:
        _fill(state, found[0])
    except (sections.Damaged, *sections.UNREADABLE):
        return BuildState()  # damaged, or from another version: start clean
    state.loaded.disk = found[1]
    return state


def _fill(state: BuildState, plain: dict) -> None:
    state.settings = plain["settings"]
    state.files.entries = {rel: Entry(sig, SourceFile(kind, rel, None, digest, folder))
                           for rel, (sig, kind, digest, folder) in plain["files"].items()}
    state.files.notes = {rel: codec.decode(found) for rel, found in plain["notes"].items()}
    state.files.named = codec.decode(plain["named"]) if plain["named"] is not None else None
    state.parsed.problems = {rel: (digest, codec.decode(found)) for rel, (digest, found) in plain["problems"].items()}
    world = state.links.world
    for name in _WORLD:  # an entry is read from its bucket when a build first looks it up
        setattr(world, name, LazyDict(_raw(plain[f"world.{name}"]), tuple if name == "short" else _same))
    world.media = frozenset(plain["world.media"])
    world.info = {rel: codec.decode(info) for rel, info in plain["media"].items()}
    world.dates = {rel: codec.decode(date) for rel, date in plain["dates"].items()}
    state.git = plain["git"]
    locales.recall(plain["locales"])
    world.cards = plain["cards"]
    for rel, (id_, fact, why) in plain["world.held"].items():
        world.hold(rel, Held(id_, fact, why))
    state.links.links = LazyDict(_raw(plain["links"]), _decode_links)  # an entry is decoded when a build reads it
    state.links.problems = {id_: codec.decode(found) for id_, found in plain["link_problems"].items()}
    state.links.site_links = {id_: (rel, tuple(map(tuple, found))) for id_, (rel, found) in plain["site_links"].items()}
    tables = Tables(**{name: LazyDict(_raw(plain[f"tables.{name}"]), tuple) for name in _TABLES})
    tables.warnings = {id_: codec.decode(found) for id_, found in plain["warnings"].items()}
    state.links.tables = tables
    keys, outs = state.numbers = Numbering(plain["key_names"]), Numbering(plain["page_names"])

    def record(saved: tuple, found: tuple = ()) -> PageRecord:
        route_key, digest, deps, templates = saved
        return PageRecord(route_key, None, found, _Names(deps, keys), _Names(templates, keys), digest)
    state.pages.records = LazyDict(_raw(plain["pages"]), record)  # a record is decoded when a build reads it
    state.pages.faulty = {out: codec.decode(found) for out, found in plain["found"].items()}
    for out, found in state.pages.faulty.items():
        state.pages.records[out] = record(plain["pages"][out], found)
    state.pages.digests = plain["page_digests"]
    state.pages.dependents = LazyDict(_raw(plain["dependents"]), lambda blob: set(outs.unpack(blob)))
    state.pages.templates, state.pages.sitemap = dict(plain["templates"]), plain["sitemap"]
    state.pages.reach = dict(plain["reach"])
    state.search = SearchMemory.from_plain(plain["search"])
    if plain["written"] is not None:
        state.process.written = Written.again(*plain["written"], plain["ids"], plain["spare_ids"], plain["listed"])
    if plain["plan"] is not None:
        routes, copies, problems, statics = plain["plan"]
        state.plan = Planned([Route(*fields) for fields in routes], {out: Path(p) for out, p in copies.items()},
                             codec.decode(problems), tuple(statics))
    state.loaded = Loaded((dict(state.files.entries), plain["files"]), (state.plan, plain["plan"]))


def _same(value):
    return value


def _raw(table) -> dict | sections.Buckets:
    """A lazily read table's saved entries, never the table as read (kept as it was, for saving what changed)."""
    return table if isinstance(table, sections.Buckets) else dict(table)


def _saved_plan(planned) -> tuple | None:
    if planned is None:
        return None
    routes = [tuple(getattr(r, name) for name in _ROUTE_FIELDS) for r in planned.routes]
    return routes, {out: str(p) for out, p in planned.copies.items()}, codec.encode(planned.problems), planned.statics


_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(Links))
_ROUTE_FIELDS = tuple(f.name for f in dataclasses.fields(Route))  # every field, so a new one is saved too
_WORLD = ("ids", "short", "by_path", "paths", "facts")  # (and media, a set, and held, saved apart)
_TABLES = ("backlinks", "citers", "events", "tags", "kinds", "types", "docs", "corrected", "versions", "translated",
           "redirects")
_KINDS.update({f"world.{name}": sections.BUCKETS for name in _WORLD} | {f"tables.{name}": sections.BUCKETS for name in _TABLES})
