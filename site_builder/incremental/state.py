"""What one build leaves for the next: a part for each stage, and the file the command line keeps them in.

`BuildState` is the stages' memory, one part each:
  files   the stat cache (discover): every file's stat signature, and the problems at each path;
  parsed  the parse cache (parse): parsed files by path and digest, and each file's problems;
  links   linking's memory (link): the world, every item's links, the site-wide lists;
  pages   the page records (render): per page, what it read, its templates and the digest of its bytes;
  process what lives only in one running process (the preview, or a test): the compiled templates,
          and what this process's last write left on disk.
The preview keeps one in memory between builds. A command-line build loads the one the last good
build saved (`load`), and saves its own after writing (`save`): then the next `site-builder build`
finds what changed by comparing stat signatures and takes the same path as the preview. Any
change of settings (builder code, site.yml, options) starts every part over.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..files import atomic_write
from ..output.write import Written
from ..pages.render import PageRecord, PageRecords
from ..read.discover import Entry, FileTable
from ..read.parse import ParseCache
from ..site.index import Links, Tables
from ..site.link import LinkMemo
from ..site.resolve import Held
from ..site.routes import Route
from . import codec
from .cache import read_regular

STATE_FILE = "state"
_FORMAT = b"sb-state-5\n"


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
        self.pages = PageRecords()
        self.process = ProcessMemory()

    def start(self, settings) -> None:
        """Begin a build: with other settings than the last build's, every part starts over."""
        if settings != self.settings:
            self.__init__()
            self.settings = settings

    def forget(self) -> None:
        """Start over at the next build (after a build that raised part way)."""
        self.settings = None


def save(state: BuildState, path: Path) -> None:
    """Keep the state for the next command-line build (best effort: written whole or not at all)."""
    links, world = state.links, state.links.world
    plain = {
        "settings": state.settings,
        "files": {rel: (e.signature, e.file.kind, e.file.digest, e.file.type_folder)
                  for rel, e in state.files.entries.items()},
        "notes": {rel: codec.encode(found) for rel, found in state.files.notes.items()},
        "problems": {rel: (digest, codec.encode(found)) for rel, (digest, found) in state.parsed.problems.items()},
        "world": (world.ids, world.short, world.by_path, world.media,
                  {rel: (h.id, h.fact, h.why) for rel, h in world.held.items()}),
        "links": {id_: (*(getattr(links_, f) for f in _LINK_FIELDS[:-1]), codec.encode(links_.problems))
                  for id_, links_ in links.links.items()},
        "tables": {name: getattr(links.tables, name) for name in _TABLES},
        "warnings": {id_: codec.encode(found) for id_, found in links.tables.warnings.items()},
        "pages": [(_route_fields(r.route), codec.encode(r.found), r.deps, r.templates, r.digest)
                  for r in state.pages.records.values()],
        "templates": state.pages.templates,
        "sitemap": state.pages.sitemap,
        "written": state.process.written.identity() if state.process.written is not None else None,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, codec.pack(_FORMAT, plain))
    except (OSError, ValueError, TypeError):
        pass


def load(path: Path) -> BuildState:
    """The state the last command-line build saved, or a fresh one when there is none that can be read."""
    state = BuildState()
    data = read_regular(path)
    if data is None:
        return state
    try:
        _fill(state, codec.unpack(_FORMAT, data))
    except (codec.Refused, KeyError, TypeError, ValueError, IndexError):
        return BuildState()  # damaged, or from another version: start clean
    return state


def _fill(state: BuildState, plain: dict) -> None:
    from ..model import SourceFile
    state.settings = plain["settings"]
    state.files.entries = {rel: Entry(sig, SourceFile(kind, rel, None, digest, folder))
                           for rel, (sig, kind, digest, folder) in plain["files"].items()}
    state.files.notes = {rel: codec.decode(found) for rel, found in plain["notes"].items()}
    state.parsed.problems = {rel: (digest, codec.decode(found)) for rel, (digest, found) in plain["problems"].items()}
    world = state.links.world
    world.ids, world.short, world.by_path, world.media, held = plain["world"]
    for rel, (id_, fact, why) in held.items():
        world.hold(rel, Held(id_, fact, why))
    world.short = {k: tuple(v) for k, v in world.short.items()}
    world.media = frozenset(world.media)
    state.links.links = {id_: Links(*values[:-1], codec.decode(values[-1])) for id_, values in plain["links"].items()}
    tables = Tables(**{name: {k: tuple(v) for k, v in plain["tables"][name].items()} for name in _TABLES})
    tables.warnings = {id_: codec.decode(found) for id_, found in plain["warnings"].items()}
    state.links.tables = tables
    records = {}
    for fields, found, deps, templates, digest in plain["pages"]:
        route = Route(*fields)
        records[route.out_path] = PageRecord(route, None, tuple(codec.decode(found)), deps, templates, digest)
    state.pages.records, state.pages.templates = records, dict(plain["templates"])
    state.pages.sitemap = plain["sitemap"]
    if plain["written"] is not None:
        state.process.written = Written.again(*plain["written"])


_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(Links))
_TABLES = ("backlinks", "citers", "events", "tags", "kinds", "types")


def _route_fields(route: Route) -> tuple:
    return (route.url, route.out_path, route.kind, route.key, route.template, route.origin)
