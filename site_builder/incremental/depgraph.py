"""Explicit dependencies between output routes and their inputs, for incremental builds.

A page depends on more than its own file: the fact sheets it refers to (their
names and URLs are shown), the sources it cites, the files that mention it
(backlinks), the lists it shows (every explainer, every sheet of a type), the
templates it renders through, and site.yml. Rather than guess these from the
page kind, the builder *records* them: while a route renders, every read of the
linked site (:class:`~site_builder.resolve.Index`) goes through
:class:`TrackedDict`, which notes the key read, or the marker :data:`ALL` when a
whole table is walked. A later build computes a digest per key of the new index,
compares it with the last one, and re-renders exactly the routes whose recorded
keys changed. A key that was looked up and missing is recorded too (a negative
dependency), so adding the file it names re-renders the page.

Templates are handled statically: the template a route renders through, every
template it extends, includes or imports (``jinja2.meta``), and the names tried
before the one found (a site template added later with that name overrides a
built-in one). A dynamic include (a name computed at render time) makes the
route depend on every template.

site.yml, the build options and the builder's version are not tracked here:
a change to any of them starts over with a clean build.

Using it (the preview server does this)::

    from site_builder.build import BuildOptions, BuildState, build_site

    state = BuildState()                     # one per site and options; not thread-safe
    result = build_site(root, options, write=False, cache=state)   # first build: everything
    ...                                      # files change on disk
    result = build_site(root, options, write=False, cache=state)   # only what changed
    result.ok, result.diagnostics            # as for any build
    result.outputs                           # {out_path: bytes | Path}: the whole site, every time
    result.rendered                          # out_paths rendered anew by this build (a list)
    result = build_site(root, options, write=False, cache=state, changed={"content/explainers/a.md"})
                                             # told which files changed (as a watcher reports them):
                                             # only those are read; an edit that links as before
                                             # updates the last build (result.relinked)

``write=True`` with a state also writes the output, touching only files whose bytes
changed (``result.stats``). The outputs of an incremental build are byte for byte those
of a clean build of the same files; a failed build keeps the state usable.

A build that writes and is given no state keeps one on disk
(``SITE/.site-builder-cache/state.pickle``, see :meth:`BuildState.load`), so the next
command-line build renders only what changed since, reading unchanged pages back from
the output folder after checking their digests.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Iterable

import jinja2
import jinja2.meta

from ..model import FactSheet
from ..site.resolve import card_fields

ALL = "\x00all"  # the key recorded when a whole table is read
ANY_TEMPLATE = "\x00any"  # a route whose templates cannot be known statically

_local = threading.local()

# The Index tables that rendering reads. Each gets a TrackedDict while a route renders.
TRACKED = ("docs", "facts", "by_path", "short", "outgoing", "backlinks", "events_for", "citers", "tags",
           "type_counts")


def _record(name: str, key) -> None:
    deps = getattr(_local, "deps", None)
    if deps is not None:
        deps.add((name, key))


class TrackedDict(dict):
    """A dict that notes which keys the current route reads (no cost when nothing is recording)."""

    __slots__ = ("name",)

    def __init__(self, name: str, data: dict):
        super().__init__(data)
        self.name = name

    def __getitem__(self, key):
        _record(self.name, key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        _record(self.name, key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        _record(self.name, key)
        return dict.__contains__(self, key)

    def _all(self):
        _record(self.name, ALL)

    def __iter__(self):
        self._all()
        return dict.__iter__(self)

    def __len__(self):
        self._all()
        return dict.__len__(self)

    def keys(self):
        self._all()
        return dict.keys(self)

    def values(self):
        self._all()
        return dict.values(self)

    def items(self):
        self._all()
        return dict.items(self)

    def copy(self):
        self._all()
        return dict(dict.items(self))

    def __eq__(self, other):
        self._all()
        return dict.__eq__(self, other)

    __hash__ = None

    def __reduce__(self):  # pickles as a plain dict
        return (dict, (dict(dict.items(self)),))


class recording:
    """``with recording() as deps:`` collects the (table, key) pairs read inside the block."""

    def __enter__(self) -> set:
        self.previous = getattr(_local, "deps", None)
        _local.deps = set()
        return _local.deps

    def __exit__(self, *exc) -> None:
        _local.deps = self.previous


def _untracked(index, id_: str):
    item = dict.get(index.facts, id_)
    return item if item is not None else dict.get(index.docs, id_)


def _tracked_index_class(base: type) -> type:
    """A subclass of the index's class whose lookups record finer keys than a whole document.

    A page that links to another shows only its title and URL: it depends on the other's
    "head" (title, kind, slug), not on its body. Lookups by id depend only on the id existing.
    """
    found = _TRACKED_CLASSES.get(base)
    if found is not None:
        return found

    class TrackedIndex(base):
        def lookup(self, target: str):
            _record("ids", target)
            if dict.__contains__(self.facts, target) or dict.__contains__(self.docs, target):
                return target
            _record("short", target)
            matches = dict.get(self.short, target)
            if matches and len(matches) == 1:
                return matches[0]
            return None

        def title(self, id_: str) -> str:
            _record("heads", id_)
            item = _untracked(self, id_)
            return item.name if isinstance(item, FactSheet) else item.title

        def url(self, id_: str) -> str:
            _record("heads", id_)
            item = _untracked(self, id_)
            if isinstance(item, FactSheet):
                return self.urls.fact(item.id)
            if item.kind == "explainer":
                return self.urls.explainer(item.slug)
            return self.urls.page(item.slug)

        def type_of(self, id_: str) -> str:
            _record("heads", id_)
            item = _untracked(self, id_)
            return item.type if isinstance(item, FactSheet) else item.kind

        def kind_of(self, id_: str) -> tuple[str, str]:
            _record("heads", id_)
            item = _untracked(self, id_)
            return ("fact", item.type) if isinstance(item, FactSheet) else ("doc", item.kind)

        def card_item(self, id_: str):
            _record("cards", id_)
            return _untracked(self, id_)

        def ids_of_kind(self, kind: str) -> list[str]:
            _record("cards", ALL)  # which items there are, and how they sort, is in their card fields
            return base.ids_of_kind(_Plain(self), kind)

        def ids_of_type(self, type_name: str) -> list[str]:
            _record("cards", ALL)
            return base.ids_of_type(_Plain(self), type_name)

    TrackedIndex.__name__ = TrackedIndex.__qualname__ = "Tracked" + base.__name__
    _TRACKED_CLASSES[base] = TrackedIndex
    return TrackedIndex


_TRACKED_CLASSES: dict[type, type] = {}


class _Values:
    """A table's values() without recording (and without copying the table)."""

    __slots__ = ("table",)

    def __init__(self, table: dict):
        self.table = table

    def values(self):
        return dict.values(self.table)


class _Plain:
    """The index's docs and facts without recording, for code that records a coarser key itself."""

    __slots__ = ("docs", "facts")

    def __init__(self, index):
        self.docs, self.facts = _Values(index.docs), _Values(index.facts)


def _same_methods() -> bool:
    """The finer lookups above restate Index's own; use them only while Index's are the ones they restate."""
    import inspect

    from ..site import resolve
    digest = hashlib.blake2b(digest_size=8)
    for name in ("lookup", "title", "url", "type_of", "kind_of", "card_item", "ids_of_kind", "ids_of_type"):
        digest.update(inspect.getsource(getattr(resolve.Index, name)).encode())
    return digest.hexdigest() == INDEX_METHODS_DIGEST


INDEX_METHODS_DIGEST = "556eb28a6c6ebe2a"  # update with the methods above when Index changes
_checked: list[bool] = []


def track_index(index) -> None:
    """Swap the index's tables for tracked ones, in place (values are shared, not copied)."""
    for name in TRACKED:
        value = getattr(index, name, None)
        if isinstance(value, dict) and not isinstance(value, TrackedDict):
            setattr(index, name, TrackedDict(name, value))
    if not _checked:
        _checked.append(_same_methods())
    if _checked[0] and not getattr(type(index), "__name__", "").startswith("Tracked"):
        index.__class__ = _tracked_index_class(type(index))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


SUM_MOD = 1 << 96


def _part(key: str, digest: str) -> int:
    """One key's share of its table's whole digest: the sum of the shares, so one key can be swapped alone."""
    data = f"{key}\x00{digest}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=12).digest(), "big")


def _whole(total: int) -> str:
    return f"{total % SUM_MOD:024x}"


def _item_digests(item) -> tuple[str, str]:
    """The digests of an item's head (what a link to it shows) and of its card fields."""
    head = (item.name, item.type) if isinstance(item, FactSheet) else (item.title, item.kind, item.slug)
    return _digest(repr(head)), _digest(repr(card_fields(item)))


def _file_key(item, file_digests: dict[str, str]) -> str:
    return file_digests.get(item.rel_path, "") + ("/draft" if getattr(item, "draft", False) else "")


def key_digests(index, file_digests: dict[str, str], memo: dict | None = None) -> dict[tuple[str, str], str]:
    """One digest per (table, key) of the index, and per table for the ALL marker.

    Parsed documents and sheets are named by their source file's digest (parsing is a
    pure function of the file and the settings); the derived tables by their value.
    `memo` (kept by the caller between builds, updated in place) holds each value with its
    digest: a value equal to last time's, or the very same parsed item, is not hashed again.
    A table's ALL digest is a sum over its keys (see update_key_digests).
    """
    old = memo if memo is not None else {}
    new: dict = {}
    out: dict[tuple[str, str], str] = {}
    for name in TRACKED:
        table = getattr(index, name, None)
        if table is None:
            continue
        total = 0
        for key in dict.keys(table):
            value = dict.__getitem__(table, key)
            kept = old.get((name, key))
            if name in ("docs", "facts"):
                d = _file_key(value, file_digests)
                part = kept[2] if kept is not None and kept[1] == d else _part(key, d)
            elif kept is not None and kept[0] == value:
                d, part = kept[1], kept[2]
            else:
                d = _digest(repr(sorted(value) if isinstance(value, set) else value))
                part = _part(key, d)
            new[(name, key)] = (None if name in ("docs", "facts") else value, d, part)
            out[(name, key)] = d
            total += part
        new[("sum", name)] = total
        out[(name, ALL)] = _whole(total)
    cards = 0
    for table in (index.docs, index.facts):
        for key in dict.keys(table):
            item = dict.__getitem__(table, key)
            out[("ids", key)] = "1"
            kept = old.get(("item", key))
            if kept is not None and kept[0] is item:  # the same parsed object: nothing in it changed
                head, card, part = kept[1], kept[2], kept[3]
            else:
                head, card = _item_digests(item)
                part = _part(key, card)
            new[("item", key)] = (item, head, card, part)
            out[("heads", key)] = head
            out[("cards", key)] = card
            cards += part
    new[("sum", "cards")] = cards
    out[("cards", ALL)] = _whole(cards)
    if memo is not None:
        memo.clear()
        memo.update(new)
    return out


def update_key_digests(digests: dict, memo: dict, index, items: list, file_digests: dict[str, str],
                       touched: set = frozenset()) -> set:
    """Bring the last build's digests (in place) up to date after some parsed items were swapped.

    Only for an index made by resolve.relink: its derived tables are the ones key_digests saw last
    time except for the `touched` (table, key) entries, so only those, the swapped items' own keys
    and the sums over their tables can move. Returns the keys whose digest changed; the result
    equals a fresh key_digests.
    """
    changed: set = set()
    for name, key in touched:
        value = dict.get(getattr(index, name), key)
        before = digests.get((name, key))
        kept = memo.pop((name, key), None)
        total = memo[("sum", name)] - (kept[2] if kept is not None else 0)
        if value is None:
            digests.pop((name, key), None)
        else:
            d = _digest(repr(sorted(value) if isinstance(value, set) else value))
            part = _part(key, d)
            memo[(name, key)] = (value, d, part)
            digests[(name, key)] = d
            total += part
        memo[("sum", name)] = total
        digests[(name, ALL)] = _whole(total)
        if digests.get((name, key)) != before:
            changed.update(((name, key), (name, ALL)))

    def swap(name: str, key: str, digest: str) -> int:
        before = digests[(name, key)]
        part = _part(key, digest)
        if before != digest:
            memo[("sum", name)] = memo[("sum", name)] - _part(key, before) + part
            digests[(name, key)] = digest
            digests[(name, ALL)] = _whole(memo[("sum", name)])
            changed.update(((name, key), (name, ALL)))
        return part

    for item in items:
        key = item.id
        table = "facts" if isinstance(item, FactSheet) else "docs"
        d = _file_key(item, file_digests)
        memo[(table, key)] = (None, d, swap(table, key, d))
        head, card = _item_digests(item)
        if digests[("heads", key)] != head:
            digests[("heads", key)] = head
            changed.add(("heads", key))
        memo[("item", key)] = (item, head, card, swap("cards", key, card))
    return changed


def changed_keys(old: dict, new: dict) -> set:
    """Keys whose digest differs, appeared or disappeared."""
    changed = {k for k, v in new.items() if old.get(k) != v}
    changed.update(k for k in old if k not in new)
    return changed


class TemplateDeps:
    """The template names each route's rendering can reach, found statically through jinja2.meta."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._reach: dict[str, frozenset[str]] = {}
        self._exists_memo: dict[str, bool] = {}
        self._names: dict[tuple, frozenset[str]] = {}

    def _exists(self, name: str) -> bool:
        found = self._exists_memo.get(name)
        if found is None:
            try:
                self.env.loader.get_source(self.env, name)
                found = True
            except jinja2.TemplateNotFound:
                found = False
            self._exists_memo[name] = found
        return found

    def reach(self, name: str) -> frozenset[str]:
        """name and everything it extends, includes or imports, transitively."""
        found = self._reach.get(name)
        if found is not None:
            return found
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            try:
                source, _, _ = self.env.loader.get_source(self.env, current)
                referenced = jinja2.meta.find_referenced_templates(self.env.parse(source))
            except jinja2.TemplateNotFound:
                continue  # missing: the name stays a dependency (adding it changes the page)
            except jinja2.TemplateSyntaxError:
                continue  # reported when the page renders
            for ref in referenced:
                if ref is None:
                    seen.add(ANY_TEMPLATE)
                else:
                    todo.append(ref)
        result = frozenset(seen)
        self._reach[name] = result
        return result

    def for_names(self, names: Iterable[str]) -> frozenset[str]:
        """select_template(names): the names tried up to the first that exists, and all it reaches."""
        names = tuple(names)
        memo = self._names.get(names)
        if memo is not None:
            return memo
        out: set[str] = set()
        for name in names:
            if self._exists(name):
                out |= self.reach(name)
                break
            out.add(name)
        self._names[names] = frozenset(out)
        return self._names[names]


def template_changes(old: dict[str, str], new: dict[str, str]) -> set[str]:
    """Site template names (without the templates/ prefix) added, removed or edited."""
    return changed_keys(old, new)


def affected_by_templates(reach: frozenset[str], changed: set[str]) -> bool:
    if not changed:
        return False
    return ANY_TEMPLATE in reach or not reach.isdisjoint(changed)


def _route_fields(route) -> tuple:
    from dataclasses import fields
    return tuple(getattr(route, f.name) for f in fields(route))


class RouteRecord:
    """What the last build made of one route, and what it read to make it.

    data is the bytes (None when the template failed, or when the record was loaded from
    disk: then digest names the bytes the output folder should hold).
    """

    __slots__ = ("route", "data", "found", "deps", "templates", "digest")

    def __init__(self, route, data, found, deps, templates, digest=None):
        self.route, self.data, self.found, self.deps, self.templates = route, data, found, deps, templates
        self.digest = digest

    def data_digest(self) -> str | None:
        """The digest of the bytes (as the output manifest keeps it), computed once per record."""
        if self.digest is None and self.data is not None:
            self.digest = hashlib.blake2b(self.data, digest_size=16).hexdigest()
        return self.digest

    def __getstate__(self):
        return (self.route, None, self.found, self.deps, self.templates, self.data_digest())

    def __setstate__(self, state):
        self.route, self.data, self.found, self.deps, self.templates, self.digest = state


STATE_FORMAT = "sb-state-3"

# Routes whose bytes come from code that reads the index outside the tracked tables: always made again.
# (None now: the data files read the index through the tracked tables and card lookups like pages.)
UNTRACKED_KINDS: frozenset = frozenset()
SITEMAP_KEY = ("routes", ALL)  # the sitemap lists every page route
MEDIA_KEY = ("media", ALL)  # file links and images read the set of media files


class BuildState:
    """The previous build, kept between builds to make the next one incremental.

    Pass one object to successive ``build_site(root, options, write=..., cache=state)`` calls
    for the same site. It holds the files read (by stat signature and digest), the parsed
    files (by path, digest and settings), each route's bytes with the keys it read, and the
    digests of those keys. Not thread-safe: one build at a time per state.
    """

    def __init__(self):
        self.settings = None  # (builder version, site.yml digest, build options)
        self.known: dict = {}  # rel_path -> (stat signature, SourceFile) for discover
        self.entries: dict = {}  # parse cache: (rel_path, digest, settings) -> (parsed, problems)
        self.used: set = set()
        self.digests: dict = {}  # (table, key) -> digest, for the index of the last build
        self.templates: dict[str, str] = {}  # site template name -> digest
        self.records: dict[str, RouteRecord] = {}  # out_path -> record
        self.env = None  # the Jinja environment, kept while the site's templates stay the same
        self.env_key = None
        self.template_deps: TemplateDeps | None = None
        self.out = None  # the output folder that kept pages may be read back from (a loaded state)
        self.digest_memo: dict = {}  # key_digests' values and digests from the last build (in memory only)
        self.resolve_memo: dict = {}  # resolve_site's answers per parsed item (in memory only)
        self.last = None  # what the last build made, for a build told which files changed (in memory only)
        self.written = None  # what the last build that wrote left on disk (write.Written; in memory only)
        self.builds = 0

    # The parse-cache protocol used by parse_sources.
    def get(self, key):
        hit = self.entries.get(key)
        if hit is not None:
            self.used.add(key)
        return hit

    def put(self, key, value) -> None:
        self.entries[key] = value
        self.used.add(key)

    def start(self, settings) -> None:
        """Begin a build; different settings (site.yml, options, builder version) start over."""
        if settings != self.settings:
            self.known.clear()
            self.entries.clear()
            self.digests = {}
            self.digest_memo = {}
            self.resolve_memo = {}
            self.templates = {}
            self.records = {}
            self.env = self.env_key = self.template_deps = None
            self.last = None
            self.settings = settings
        self.used = set()

    def forget(self) -> None:
        """Start over at the next build (after a build that raised part way)."""
        self.settings = None
        self.last = self.written = None

    def finish_parse(self) -> None:
        """Forget parsed files this build did not use (edited away or deleted)."""
        for key in [k for k in self.entries if k not in self.used]:
            del self.entries[key]

    def _restore(self, record: RouteRecord) -> bool:
        """Read a kept page back from the output folder; False unless its bytes are the recorded ones."""
        if record.digest is None or self.out is None:
            return False
        try:
            data = (self.out / record.route.out_path).read_bytes()
        except OSError:
            return False
        if hashlib.blake2b(data, digest_size=16).hexdigest() != record.digest:
            return False
        record.data = data
        return True

    def save(self, path) -> None:
        """Keep the state on disk for the next process (best effort; written whole or not at all).

        The big parts (a digest per index key, a record per page) are written with marshal, which
        needs far less memory than pickle for many small tuples; the rest is pickled.
        """
        import marshal
        import os
        import pickle
        from pathlib import Path
        path = Path(path)
        head = {"format": STATE_FORMAT, "settings": self.settings, "templates": self.templates}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            records = [(_route_fields(r.route), pickle.dumps(r.found) if r.found else b"", r.deps, r.templates,
                        r.data_digest()) for r in self.records.values()]
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                pickle.dump(head, f, protocol=pickle.HIGHEST_PROTOCOL)
                marshal.dump(self.digests, f)
                marshal.dump(records, f)
            os.replace(tmp, path)
        except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError):
            try:
                tmp.unlink()
            except OSError:
                pass

    @classmethod
    def load(cls, path, out) -> "BuildState":
        """A state saved by an earlier build, or a fresh one when there is none that can be read.

        Loaded records hold digests, not bytes: a page kept from the last build is read back
        from `out` and used only if its digest matches, else rendered again.
        """
        import marshal
        import pickle
        from ..site.routes import Route
        state = cls()
        state.out = out
        try:
            with open(path, "rb") as f:
                head = pickle.load(f)
                if not isinstance(head, dict) or head.get("format") != STATE_FORMAT:
                    return state
                digests = marshal.load(f)
                records = {}
                for fields, found, deps, templates, digest in marshal.load(f):
                    route = Route(*fields)
                    records[route.out_path] = RouteRecord(route, None, pickle.loads(found) if found else [],
                                                          deps, templates, digest)
        except Exception:  # missing, damaged, or from another version: start clean
            return cls._fresh(out)
        state.settings, state.digests = head["settings"], digests
        state.templates, state.records = head["templates"], records
        return state

    @classmethod
    def _fresh(cls, out) -> "BuildState":
        state = cls()
        state.out = out
        return state

    def environment(self, templates: dict[str, str], make):
        """The Jinja environment for these site templates (reused while none changes: compiled once)."""
        key = tuple(sorted(templates.items()))
        if self.env is None or key != self.env_key:
            self.env, self.env_key = make(), key
            self.template_deps = TemplateDeps(self.env)
        return self.env

    def render(self, index, routes, env, file_digests, templates, render_many, report, problems,
               sitemap_kinds, progress=None) -> tuple[dict[str, bytes], list[str]]:
        """Bytes for every page route, re-rendering only routes whose inputs changed.

        render_many(index, routes, env, sitemap, record=True, ...) renders a list of routes and
        returns (bytes, problems, keys read) for each. Returns (outputs, re-rendered out_paths).
        Problems of routes kept from the last build are reported again, in route order,
        exactly as a clean build reports them.
        """
        from ..pages.context import template_names  # the names select_template tries
        track_index(index)
        digests = key_digests(index, file_digests, self.digest_memo)
        sitemap = [r for r in routes if r.kind in sitemap_kinds]
        digests[SITEMAP_KEY] = _digest(repr([(r.url, r.kind) for r in sitemap]))
        digests[MEDIA_KEY] = _digest(repr(sorted(index.media)))
        changed = changed_keys(self.digests, digests)
        changed_templates = template_changes(self.templates, templates)
        tdeps = self.template_deps if self.template_deps is not None and self.env is env else TemplateDeps(env)
        pages = [r for r in routes if r.kind != "asset"]
        chosen: list = [None] * len(pages)  # the record of each route, kept or made anew
        reaches: list = [None] * len(pages)
        todo: list[int] = []
        for i, route in enumerate(pages):
            old = self.records.get(route.out_path)
            reach = None
            if route.kind not in ("robots", "data"):
                reach = tdeps.for_names(template_names(route))
            reaches[i] = reach
            if (old is not None and old.route == route and route.kind not in UNTRACKED_KINDS
                    and changed.isdisjoint(old.deps) and old.templates == reach
                    and not (reach and affected_by_templates(reach, changed_templates))
                    and (old.data is not None or self._restore(old))):
                chosen[i] = old
            else:
                todo.append(i)
        kept = len(pages) - len(todo)
        if progress is not None and kept:
            progress("render", kept, len(pages))
        made = render_many(index, [pages[i] for i in todo], env, sitemap, record=True, progress=progress,
                           done_before=kept, total=len(pages))
        for i, (data, found, deps) in zip(todo, made):
            route = pages[i]
            deps = set(deps)
            deps.add(MEDIA_KEY)
            if route.kind == "sitemap":
                deps.add(SITEMAP_KEY)
            chosen[i] = RouteRecord(route, data, found, frozenset(deps), reaches[i])
        outputs: dict[str, bytes] = {}
        records: dict[str, RouteRecord] = {}
        reported: set = set()
        for route, record in zip(pages, chosen):
            records[route.out_path] = record
            report(record.found, reported, problems)
            if record.data is not None:
                outputs[route.out_path] = record.data
        self.records = records
        self.digests = digests
        self.templates = dict(templates)
        self.builds += 1
        return outputs, [pages[i].out_path for i in todo]

    def render_changed(self, index, pages: list, sitemap: list, changed: set, env, render_many, report, problems,
                       progress=None):
        """Like render, for the routes and templates of the last build: the routes that read a changed key.

        Only for an index made by resolve.relink (the last build's routes, of which `pages` are rendered,
        the same site templates and environment); `changed` is what update_key_digests returned. Returns (page outputs changed, re-rendered out_paths).
        """
        track_index(index)
        records = self.records
        todo = [i for i, route in enumerate(pages)
                if not changed.isdisjoint(records[route.out_path].deps)
                or (records[route.out_path].data is None and not self._restore(records[route.out_path]))]
        made = render_many(index, [pages[i] for i in todo], env, sitemap, record=True, progress=progress,
                           done_before=len(pages) - len(todo), total=len(pages))
        fresh: dict[str, bytes | None] = {}
        for i, (data, found, deps) in zip(todo, made):
            route = pages[i]
            old = records[route.out_path]
            deps = set(deps)
            deps.add(MEDIA_KEY)
            if route.kind == "sitemap":
                deps.add(SITEMAP_KEY)
            records[route.out_path] = RouteRecord(route, data, found, frozenset(deps), old.templates)
            fresh[route.out_path] = data
        reported: set = set()
        for record in records.values():  # in route order, as a clean build reports them
            if record.found:
                report(record.found, reported, problems)
        self.builds += 1
        return fresh, [pages[i].out_path for i in todo]


# The name the first callers used; a BuildState is a parse cache and more.
ParseCache = BuildState
