"""The render stage: bytes for every page route, made again only where something the page read changed.

Each page rendered is recorded with the keys of everything it read from the index (see
site.index), the templates it can reach, and a digest of its bytes. The next build renders a
page again when its route, its templates, or one of its keys changed, and otherwise keeps it:
its bytes if they are in memory, or the file the last write left in the output folder. A cold
build is this with no records, so every page is rendered. Many pages render in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import workers
from ..diagnostics import Diagnostic, Location
from ..files import Kept, digest_bytes
from ..read.markup import OPEN
from ..site.index import ALL, Index, Unreadable, key
from ..site.routes import Route

PARALLEL_MIN = 400  # pages to render before worker processes pay for themselves
ROUTES_KEY = key("R", ALL)  # the sitemap lists every page


class PageRecord:
    """What the last build made of one route, and what making it read.

    `deps` and `templates` may still be in a saved form (anything with a `split()` that gives the names)
    until read: a command-line build reads few of them."""

    __slots__ = ("route_key", "data", "found", "_deps", "_templates", "_digest")

    def __init__(self, route_key: str, data: bytes | None, found: tuple, deps: frozenset[str] | str,
                 templates: frozenset[str] | str, digest: str | None = None):
        self.route_key, self.data, self.found, self._deps, self._templates = route_key, data, found, deps, templates
        self._digest = digest

    @property
    def deps(self) -> frozenset[str]:
        if not isinstance(self._deps, frozenset):
            self._deps = frozenset(self._deps.split())
        return self._deps

    @property
    def templates(self) -> frozenset[str]:
        if not isinstance(self._templates, frozenset):
            self._templates = frozenset(self._templates.split())
        return self._templates

    def names(self) -> tuple:
        """deps and templates as they are held: read, or still in their saved form."""
        return self._deps, self._templates

    @property
    def digest(self) -> str | None:
        """The digest of the bytes (as the output manifest keeps it), computed once, when first asked for."""
        if self._digest is None and self.data is not None:
            self._digest = digest_bytes(self.data)
        return self._digest


def route_key(route: Route) -> str:
    """A route in one string, to tell whether a page's route is the one its record was made for."""
    return "\x1f".join((route.url, route.kind, route.key, route.template, route.origin, route.language))


class PageRecords:
    """The render stage's memory: a record per page, which pages read each key, and what they were made with."""

    def __init__(self):
        self.records: dict[str, PageRecord] = {}  # out_path -> record
        self.dependents: dict[str, set[str]] = {}  # key -> out_paths of the pages that read it
        self.templates: dict[str, str] = {}  # site template name -> digest
        self.reach: dict[str, frozenset[str]] = {}  # template name -> the names it reaches, with those templates
        self.sitemap: str = ""  # a digest of the pages the sitemap lists
        self.outputs: dict[str, bytes | Kept] | None = None  # every page's output as of the last build (this process)
        self.faulty: dict[str, tuple] = {}  # out_path -> the problems of pages that have any
        self.digests: dict[str, str | None] | None = None  # out_path -> digest, as a state read back from disk
        # names them (read without decoding the records): for its first build, which has no `outputs`

    def note(self, out_path: str, old: PageRecord | None, new: PageRecord | None) -> None:
        """Move a page from the keys its old record read to the keys its new one read (only those that differ:
        a page rendered again mostly reads what it read before, and the lists of a key read by every page
        are long)."""
        before = old.deps if old is not None else frozenset()
        after = new.deps if new is not None else frozenset()
        for k in before - after:
            readers = self.dependents.get(k)
            if readers is not None:
                readers.discard(out_path)
                if not readers:
                    del self.dependents[k]
        for k in after - before:
            self.dependents.setdefault(k, set()).add(out_path)


@dataclass(frozen=True)
class Rendered:
    outputs: dict[str, bytes | Kept]  # every page route's bytes (or, kept from the last write, its digest)
    rendered: tuple[str, ...]  # out_paths rendered anew
    problems: tuple[Diagnostic, ...]


def render_pages(index: Index, planned, replanned: bool, jinja, memory: PageRecords, changed: frozenset[str],
                 templates: dict[str, str], on_disk=None, progress=None) -> Rendered:
    """Render what changed. `planned`: the routes (site.routes.Planned); `replanned`: whether they may differ
    from the last build's.

    `jinja()` gives the Jinja environment and its TemplateDeps (made only when something is rendered or
    a site template changed); `templates` are the site templates' digests; `on_disk(out_path, digest)`
    tells whether the output folder holds a page kept from the last write (output.written.KeptTest).
    """
    pages = planned.pages
    sitemap_digest = _sitemap_digest(planned.sitemap) if replanned else memory.sitemap
    changed = set(changed) | ({ROUTES_KEY} if sitemap_digest != memory.sitemap else set())
    affected = set().union(*(memory.dependents.get(k, ()) for k in changed))
    edited = {n for n in templates.keys() | memory.templates.keys() if templates.get(n) != memory.templates.get(n)}
    # Which pages to look at: every one when the pages, the templates or this process's memory are new;
    # else only those that read a changed key (every other one is as the last build made it).
    if memory.outputs is None and not (replanned or edited):  # a state read back from disk: its pages are in
        affected |= _outputs_on_disk(memory, planned, on_disk)  # the output folder, but for those missing
    whole = replanned or bool(edited) or memory.outputs is None
    looked_at = range(len(pages)) if whole else sorted(planned.position[p] for p in affected if p in planned.position)
    records = {} if whole else memory.records
    todo = []
    for i in looked_at:
        route = pages[i]
        old = memory.records.get(route.out_path)
        keep = (old is not None and route.out_path not in affected
                and (not replanned or old.route_key == route_key(route))
                and (not edited or (old.templates == _reach(jinja, route) and not _affects(old.templates, edited)))
                and (old.data is not None or (on_disk is not None and on_disk(route.out_path, old.digest))))
        if keep:
            records[route.out_path] = old
        else:
            todo.append(route)
    made = _render_all(index, jinja()[0], planned.sitemap, todo, progress, len(pages)) if todo else []
    for route, (data, found, deps) in zip(todo, made):
        record = PageRecord(route_key(route), data, found, deps | ({ROUTES_KEY} if route.kind == "sitemap" else set()),
                            _reach(jinja, route))
        memory.note(route.out_path, memory.records.get(route.out_path), record)
        records[route.out_path] = record
    if whole:
        for out_path in [p for p in memory.records if p not in planned.position]:  # pages no longer planned
            memory.note(out_path, memory.records[out_path], None)
        records = {route.out_path: records[route.out_path] for route in pages}  # in route order
    memory.records, memory.templates, memory.sitemap = records, dict(templates), sitemap_digest
    memory.digests = None  # (outputs, from now on)
    outputs = {} if whole else memory.outputs
    for route in (pages if whole else todo):
        _put(outputs, route.out_path, records[route.out_path])
    memory.outputs = outputs
    return Rendered(dict(outputs), tuple(r.out_path for r in todo), _problems(records, planned, whole, todo, memory))


def _outputs_on_disk(memory: PageRecords, planned, on_disk) -> set[str]:
    """Every page as the last write left it (`memory.outputs`), for a build whose records were read back from
    disk, when the output folder can tell in bulk which pages it holds as written; the pages it does not hold
    (to render again). `memory.outputs` stays None when only a look at each page can tell."""
    digests, memory.digests = memory.digests, None
    if digests is None or on_disk is None or digests.keys() != planned.position.keys():
        return set()
    missing = on_disk.missing(digests)
    if missing is None:
        return set()
    missing.update(path for path, digest in digests.items() if digest is None)
    memory.outputs = {path: Kept(digest) for path, digest in digests.items() if path not in missing}
    return missing


def _sitemap_digest(sitemap: list[Route]) -> str:
    return digest_bytes("\n".join(f"{r.url} {r.kind}" for r in sitemap).encode())


def _put(outputs: dict, out_path: str, record: PageRecord) -> None:
    if record.data is not None:
        outputs[out_path] = record.data
    elif record.digest is not None:
        outputs[out_path] = Kept(record.digest)
    else:
        outputs.pop(out_path, None)


def _problems(records: dict, planned, whole: bool, todo: list[Route], memory: PageRecords) -> tuple[Diagnostic, ...]:
    """Every page's problems, in route order; a template mistake shared by many pages is reported once."""
    faulty = {} if whole else memory.faulty
    for out_path in (records if whole else [r.out_path for r in todo]):
        if records[out_path].found:
            faulty[out_path] = records[out_path].found
        else:
            faulty.pop(out_path, None)
    memory.faulty = faulty
    problems: list[Diagnostic] = []
    reported: set = set()
    for out_path in sorted(faulty, key=planned.position.__getitem__):
        for dedupe, diagnostic in faulty[out_path]:
            if dedupe is not None:
                if dedupe in reported:
                    continue
                reported.add(dedupe)
            problems.append(diagnostic)
    return tuple(problems)


def _affects(reach: frozenset[str], edited: set[str]) -> bool:
    from .templates import affects
    return affects(reach, edited)


def _reach(jinja, route: Route) -> frozenset[str]:
    """The template names a route's rendering can reach (see TemplateDeps)."""
    names = route.template_names()
    return jinja()[1].for_names(names) if names else frozenset()


def _render_all(index: Index, env, sitemap: list[Route], todo: list[Route], progress, total: int) -> list:
    made: list = []
    kept = total - len(todo)
    for chunk in workers.run(render_one, (index, env, sitemap), todo, PARALLEL_MIN):
        made.extend(chunk)
        if progress is not None:
            progress("render", kept + len(made), total)
    return made


def render_one(context: tuple, route: Route) -> tuple[bytes | None, tuple, frozenset[str]]:
    """One route's bytes (None when its template failed), its problems, and the keys it read."""
    index, env, sitemap = context
    with index.recording() as deps:
        data, found = render_route(index, route, env, sitemap)
    return data, tuple(found), frozenset(deps)


def render_route(index: Index, route: Route, env, sitemap: list[Route]) -> tuple[bytes | None, list]:
    """One route's bytes and its problems as (dedupe key or None, Diagnostic)."""
    from .citations import PageRefs  # the page-making code, loaded when a page is made
    from .context import CONTEXTS
    from .export import data_file
    from .feeds import sitemap_entries  # with each page's versions (languages.py) and lastmod
    from .templates import TemplateProblem, for_language, render_template
    if route.kind == "robots":
        sitemap_url = index.urls.absolute(index.urls.path("sitemap.xml"))
        return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode(), []
    if route.kind == "data":
        return data_file(index, route.key), []
    if route.kind in ("card", "resized"):  # images the build makes (pages/images.py)
        from .images import made_image
        return made_image(index, route)
    refs = PageRefs(index, route.language)
    try:
        context = CONTEXTS[route.kind](index, route, refs)
        if route.kind == "sitemap":
            context["entries"] = sitemap_entries(index, sitemap)
        data = render_template(for_language(env, route.language), route.template_names(), context)
    except Unreadable:  # the page needs a file that could not be read: its error is the one to fix
        return None, []
    except TemplateProblem as exc:
        dedupe = (str(exc.location), exc.message)
        return None, [(dedupe, Diagnostic("error", f"{exc.message} (rendering {route.url})", exc.location,
                                          exc.hint))]
    if OPEN.encode() in data:  # a placeholder must never reach a reader
        return data, [(None, Diagnostic("error", "internal: an unresolved reference placeholder reached the output",
                                        Location(route.origin), "please report this"))]
    return data, []
