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
from .citations import PageRefs
from .context import CONTEXTS
from .structured import data_file
from .templates import TemplateDeps, TemplateProblem, affects, render_template

PARALLEL_MIN = 400  # pages to render before worker processes pay for themselves
ROUTES_KEY = key("R", ALL)  # the sitemap lists every page


class PageRecord:
    """What the last build made of one route, and what making it read."""

    __slots__ = ("route", "data", "found", "deps", "templates", "_digest")

    def __init__(self, route: Route, data: bytes | None, found: tuple, deps: frozenset[str],
                 templates: frozenset[str], digest: str | None = None):
        self.route, self.data, self.found, self.deps, self.templates = route, data, found, deps, templates
        self._digest = digest

    @property
    def digest(self) -> str | None:
        """The digest of the bytes (as the output manifest keeps it), computed once, when first asked for."""
        if self._digest is None and self.data is not None:
            self._digest = digest_bytes(self.data)
        return self._digest


class PageRecords:
    """The render stage's memory: a record per page, the site templates and page list they were made with."""

    def __init__(self):
        self.records: dict[str, PageRecord] = {}  # out_path -> record, in route order
        self.templates: dict[str, str] = {}  # site template name -> digest
        self.sitemap: str = ""  # a digest of the pages the sitemap lists


@dataclass(frozen=True)
class Rendered:
    outputs: dict[str, bytes | Kept]  # every page route's bytes (or, kept from the last write, its digest)
    rendered: tuple[str, ...]  # out_paths rendered anew
    problems: tuple[Diagnostic, ...]


def render_pages(index: Index, routes: list[Route], env, tdeps: TemplateDeps, memory: PageRecords,
                 changed: frozenset[str], templates: dict[str, str], on_disk=None, progress=None) -> Rendered:
    """Render what changed. `on_disk(out_path, digest)` tells whether the output folder holds a kept page."""
    pages = [r for r in routes if not r.spec.copied]
    sitemap = [r for r in routes if r.spec.html]
    sitemap_digest = digest_bytes(repr([(r.url, r.kind) for r in sitemap]).encode())
    changed = set(changed)
    if sitemap_digest != memory.sitemap:
        changed.add(ROUTES_KEY)
    edited = {n for n in templates.keys() | memory.templates.keys() if templates.get(n) != memory.templates.get(n)}
    chosen: list[PageRecord | None] = []
    todo: list[int] = []
    for i, route in enumerate(pages):
        old = memory.records.get(route.out_path)
        reach = tdeps.for_names(route.template_names()) if route.template_names() else frozenset()
        keep = (old is not None and old.route == route and changed.isdisjoint(old.deps) and old.templates == reach
                and not affects(reach, edited)
                and (old.data is not None or (on_disk is not None and on_disk(route.out_path, old.digest))))
        chosen.append(old if keep else None)
        if not keep:
            todo.append(i)
    made = _render_all(index, env, sitemap, [pages[i] for i in todo], progress, len(pages))
    for i, (data, found, deps) in zip(todo, made):
        route = pages[i]
        if route.kind == "sitemap":
            deps = deps | {ROUTES_KEY}
        reach = tdeps.for_names(route.template_names()) if route.template_names() else frozenset()
        chosen[i] = PageRecord(route, data, found, deps, reach)
    memory.records = {route.out_path: record for route, record in zip(pages, chosen)}
    memory.templates, memory.sitemap = dict(templates), sitemap_digest
    outputs: dict[str, bytes | Kept] = {}
    problems: list[Diagnostic] = []
    reported: set = set()
    for route, record in zip(pages, chosen):
        _report(record.found, reported, problems)
        if record.data is not None:
            outputs[route.out_path] = record.data
        elif record.digest is not None:
            outputs[route.out_path] = Kept(record.digest)
    return Rendered(outputs, tuple(pages[i].out_path for i in todo), tuple(problems))


def _render_all(index: Index, env, sitemap: list[Route], todo: list[Route], progress, total: int) -> list:
    made: list = []
    kept = total - len(todo)
    for chunk in workers.run(render_one, (index, env, sitemap), todo, PARALLEL_MIN):
        made.extend(chunk)
        if progress is not None:
            progress("render", kept + len(made), total)
    return made


def _report(found: tuple, reported: set, problems: list) -> None:
    """Add one route's problems; a template mistake shared by many routes is reported once."""
    for dedupe, diagnostic in found:
        if dedupe is not None:
            if dedupe in reported:
                continue
            reported.add(dedupe)
        problems.append(diagnostic)


def render_one(context: tuple, route: Route) -> tuple[bytes | None, tuple, frozenset[str]]:
    """One route's bytes (None when its template failed), its problems, and the keys it read."""
    index, env, sitemap = context
    with index.recording() as deps:
        data, found = render_route(index, route, env, sitemap)
    return data, tuple(found), frozenset(deps)


def render_route(index: Index, route: Route, env, sitemap: list[Route]) -> tuple[bytes | None, list]:
    """One route's bytes and its problems as (dedupe key or None, Diagnostic)."""
    if route.kind == "robots":
        sitemap_url = index.urls.absolute(index.urls.path("sitemap.xml"))
        return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode(), []
    if route.kind == "data":
        return data_file(index, route.key), []
    refs = PageRefs(index)
    try:
        context = CONTEXTS[route.kind](index, route, refs)
        if route.kind == "sitemap":
            context["entries"] = [{"loc": index.urls.absolute(r.url)} for r in sitemap]
        data = render_template(env, route.template_names(), context)
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
