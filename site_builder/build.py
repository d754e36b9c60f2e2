"""The pipeline: read -> parse -> resolve -> plan routes -> render -> write. Nothing is written unless all is well."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from . import __version__
from .incremental.cache import CACHE_DIR, DiskCache, code_digest, settings_digest
from .config import SiteConfig, load_config
from .pages.context import CONTEXTS, template_names
from .diagnostics import Diagnostic, Location, Problems
from .read.discover import decode, digest_bytes, discover_sources, rediscover
from .read.documents import parse_document, parse_factsheet
from .read.markup import MarkdownRenderer, OPEN
from .model import SourceFile
from .pages.render import THEME_DIR, PageRefs, TemplateProblem, make_environment, render_template
from .site.resolve import Index, relink, resolve_site
from .site.routes import Route, plan_routes
from .pages import search
from .incremental import stamp
from .pages.structured import data_file
from .site.urls import Urls
from .incremental.depgraph import BuildState, ParseCache, update_key_digests  # noqa: F401 (ParseCache: the older name)
from .output.write import WriteStats, build_lock, check_output_dir, write_output

HTML_KINDS = {"home", "explainer", "page", "fact", "type-index", "timeline", "tag", "tags"}


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    base_url: str | None = None
    strict: bool = False
    out: Path | None = None
    disk_cache: bool = True  # keep parsed files in SITE/.site-builder-cache/ (used by builds that write)


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    ok: bool
    index: Index | None = None
    routes: list[Route] = field(default_factory=list)
    outputs: dict[str, bytes | Path] = field(default_factory=dict)
    stats: WriteStats | None = None
    seconds: float = 0.0
    rendered: list[str] | None = None  # with a BuildState: the out_paths rendered anew (else every page)
    relinked: bool = False  # told which files changed, it updated the last build instead of linking the whole site

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def load_site_config(root: Path, options: BuildOptions, problems: Problems) -> SiteConfig | None:
    path = root / "site.yml"
    if not path.is_file():
        problems.error("no site.yml here: is this the site's folder?", Location("site.yml"),
                       "run the command in the site's folder, or give the folder: site-builder build SITE")
        return None
    text = decode(path.read_bytes(), "site.yml", problems)
    if text is None:
        return None
    config = load_config(text, "site.yml", problems)
    if config is not None and options.base_url:
        config = replace(config, base_url=options.base_url)
    return config


STATE_FILE = "state.pickle"
PARALLEL_MIN = 200  # files to parse before worker processes pay for themselves
_work: tuple | None = None  # (config, folders, renderer), inherited by forked workers


def _parse_one(sf: SourceFile, config: SiteConfig, folders: dict, md: MarkdownRenderer):
    local = Problems()
    if sf.kind == "fact":
        parsed = parse_factsheet(sf.text, sf.rel_path, folders[sf.type_folder], config, md, local)
    else:
        parsed = parse_document(sf.kind, sf.text, sf.rel_path, config, md, local)
    return (parsed, tuple(local.items))


def _parse_chunk(chunk: list[SourceFile]) -> list[bytes]:
    config, folders, md, disk = _work
    out = []
    for sf in chunk:
        data = pickle.dumps(_parse_one(sf, config, folders, md), protocol=pickle.HIGHEST_PROTOCOL)
        if disk is not None:  # the worker writes its own cache entries: the parent only unpacks
            disk.put_bytes(disk.key(sf.rel_path, sf.digest), data)
        out.append(data)
    return out


def _workers(count: int, minimum: int | None = None) -> int:
    """How many processes to work with: one for small jobs, or where forking is not safe.

    Workers are forked, so they start with the parent's memory (the parsed site, the index,
    the compiled templates) at no cost; forking is safe only while this is the one thread.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if count < (PARALLEL_MIN if minimum is None else minimum) or cpus < 2 or threading.active_count() > 1:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 8)


def parse_sources(files: list[SourceFile], config: SiteConfig, problems: Problems, cache: ParseCache | None,
                  disk: DiskCache | None = None, found_by_path: dict | None = None):
    """Parse every content file; each result (and its problems) is cached by digest.

    Lookups go to the in-memory cache, then the disk cache; what is left is parsed, in
    worker processes when there is a lot of it. Results keep the order of `files`.
    """
    global _work
    md = MarkdownRenderer(config.raw_html)
    folders = {t.folder: t for t in config.types}
    settings = (__version__, settings_digest(config))
    content = [sf for sf in files if sf.kind in ("explainer", "page", "fact")]
    results: list = [None] * len(content)
    missing: list[int] = []
    for i, sf in enumerate(content):
        key = (sf.rel_path, sf.digest, settings)
        hit = cache.get(key) if cache is not None else None
        if disk is not None:
            disk_key = disk.key(sf.rel_path, sf.digest)
            disk.used.add(disk_key)
        if hit is None and disk is not None:
            hit = disk.get(disk_key)
            if hit is not None and cache is not None:
                cache.put(key, hit)
        if hit is None:
            missing.append(i)
        results[i] = hit
    workers = _workers(len(missing))
    if workers > 1:
        _work = (config, folders, md, disk)
        try:
            size = max(8, min(64, len(missing) // (workers * 8)))
            chunks = [[content[i] for i in missing[n:n + size]] for n in range(0, len(missing), size)]
            todo = iter(missing)
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part in pool.imap(_parse_chunk, chunks):  # each chunk is unpacked as it comes: less memory
                    for data in part:
                        results[next(todo)] = pickle.loads(data)
        finally:
            _work = None
    else:
        for i in missing:
            sf = content[i]
            results[i] = _parse_one(sf, config, folders, md)
            if disk is not None:
                disk.put(disk.key(sf.rel_path, sf.digest), results[i])
    docs, facts = [], []
    for i in missing:
        if cache is not None:
            sf = content[i]
            cache.put((sf.rel_path, sf.digest, settings), results[i])
    for sf, (parsed, found) in zip(content, results):
        problems.extend(found)
        if found_by_path is not None:  # each file's problems, kept for a later build of a few changed files
            found_by_path[sf.rel_path] = found
        if parsed is None:
            continue
        (facts if sf.kind == "fact" else docs).append(parsed)
    return docs, facts


def _file_digest(path: Path) -> str:
    try:
        return digest_bytes(path.read_bytes())
    except OSError:
        return ""


def static_files(root: Path, files: list[SourceFile]) -> dict[str, Path]:
    """Theme assets, overridden file by file by the site's templates/static/."""
    out: dict[str, Path] = {}
    for path in sorted((THEME_DIR / "static").rglob("*")):
        if path.is_file():
            out["static/" + path.relative_to(THEME_DIR / "static").as_posix()] = path
    for sf in files:
        if sf.kind == "template" and sf.rel_path.startswith("templates/static/"):
            out[sf.rel_path.removeprefix("templates/")] = root / sf.rel_path
    return out


RENDER_PARALLEL_MIN = 400  # pages to render before worker processes pay for themselves
_render_work: tuple | None = None  # (index, env, sitemap, pages, record), inherited by forked workers


def _render_one(n: int) -> tuple:
    from .incremental.depgraph import recording
    index, env, sitemap, pages, record = _render_work
    if not record:
        return (*render_route(index, pages[n], env, sitemap), None)
    with recording() as deps:
        data, found = render_route(index, pages[n], env, sitemap)
    return data, found, frozenset(deps)


def _render_some(numbers: list[int]) -> bytes:
    return pickle.dumps([_render_one(n) for n in numbers], protocol=pickle.HIGHEST_PROTOCOL)


def render_many(index: Index, pages: list[Route], env, sitemap: list[Route], record: bool = False,
                progress=None, done_before: int = 0, total: int | None = None) -> list[tuple]:
    """(bytes or None, problems, keys read or None) for each route, in order; in worker processes
    when there are many. With record, the keys of the index each route read are collected."""
    global _render_work
    total = len(pages) if total is None else total
    workers = _workers(len(pages), RENDER_PARALLEL_MIN)
    if workers == 1:
        _render_work = (index, env, sitemap, pages, record)
        try:
            results = []
            for n in range(len(pages)):
                if progress is not None:  # progress(stage, done, total), e.g. for a terminal progress line
                    progress("render", done_before + n + 1, total)
                results.append(_render_one(n))
            return results
        finally:
            _render_work = None
    size = max(16, min(128, len(pages) // (workers * 8)))
    chunks = [list(range(n, min(n + size, len(pages)))) for n in range(0, len(pages), size)]
    _render_work = (index, env, sitemap, pages, record)
    results = []
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_render_some, chunks):
                results.extend(pickle.loads(part))
                if progress is not None:
                    progress("render", done_before + len(results), total)
    finally:
        _render_work = None
    return results


def render_routes(index: Index, routes: list[Route], env, problems: Problems, progress=None) -> dict[str, bytes]:
    """Bytes for every page route; template mistakes become diagnostics."""
    outputs: dict[str, bytes] = {}
    sitemap = [r for r in routes if r.kind in HTML_KINDS]
    pages = [r for r in routes if r.kind != "asset"]
    reported: set = set()
    for route, (data, found, _) in zip(pages, render_many(index, pages, env, sitemap, progress=progress)):
        report(found, reported, problems)
        if data is not None:
            outputs[route.out_path] = data
    return outputs


def report(found: list, reported: set, problems: Problems) -> None:
    """Add one route's problems; a template mistake shared by many routes is reported once."""
    for key, diagnostic in found:
        if key is not None:
            if key in reported:
                continue
            reported.add(key)
        problems.extend([diagnostic])


def render_route(index: Index, route: Route, env, sitemap: list[Route]) -> tuple[bytes | None, list]:
    """One route's bytes (None when its template failed) and its problems as (dedupe key, Diagnostic)."""
    if route.kind == "robots":
        sitemap_url = index.urls.absolute(index.urls.path("sitemap.xml"))
        return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode(), []
    if route.kind == "data":
        return data_file(index, route.key), []
    refs = PageRefs(index)
    context = CONTEXTS[route.kind](index, route, refs)
    if route.kind == "sitemap":
        context["entries"] = [{"loc": index.urls.absolute(r.url)} for r in sitemap]
    try:
        data = render_template(env, template_names(route), context)
    except TemplateProblem as exc:
        key = (str(exc.location), exc.message)
        return None, [(key, Diagnostic("error", f"{exc.message} (rendering {route.url})", exc.location,
                                       exc.hint))]
    if OPEN.encode() in data:  # a placeholder must never reach a reader
        return data, [(None, Diagnostic("error", "internal: an unresolved reference placeholder reached the output",
                                        Location(route.origin), "please report this"))]
    return data, []


@dataclass
class LastBuild:
    """What an in-process build keeps for the next one, when that one is told which files changed."""

    files: list[SourceFile]  # as discover_sources gave them
    positions: dict[str, int]  # rel_path -> place in files
    found: dict[str, tuple]  # per content file, in file order: its parse problems
    discovered: list[Diagnostic]  # the problems of discovery
    planned: list[Diagnostic]  # and of planning routes
    index: Index
    routes: list[Route]
    pages: list[Route]  # routes rendered from the index (not copied files)
    sitemap: list[Route]
    outputs: dict[str, bytes | Path]
    file_digests: dict[str, str]


CONTENT_KINDS = ("explainer", "page", "fact")


def relative_paths(root: Path, paths: Iterable[str]) -> set[str]:
    """POSIX paths relative to root, which absolute paths may name as given or with links resolved
    (as file watchers report them). Absolute paths outside it are kept as they are: they match no file."""
    bases = (os.path.realpath(root), os.path.abspath(root))
    out = set()
    for path in paths:
        path = os.fspath(path)
        if os.path.isabs(path):
            for base in bases:
                rel = os.path.relpath(path, base)
                if not rel.startswith(".."):
                    path = rel
                    break
        out.add(path.replace(os.sep, "/"))
    return out


def _build_everything(root: Path, config: SiteConfig, options: BuildOptions, write: bool, state, cache, saved,
                      problems: Problems, progress):
    """The whole-site path: discover, parse (cached), link, plan and render (incrementally with a state)."""
    before = len(problems.items)
    files = discover_sources(root, {t.folder: t.name for t in config.types}, problems,
                             known=state.known if state is not None else None)
    discovered = problems.items[before:]
    disk = DiskCache(root / CACHE_DIR, settings_digest(config)) if options.disk_cache and write else None
    found: dict[str, tuple] = {}
    docs, facts = parse_sources(files, config, problems, cache, disk, found)
    if state is not None:
        state.finish_parse()
    if saved is not None:  # a one-shot build: the texts of parsed files are not needed again
        state.known.clear()
        files = [replace(sf, text=None) if sf.kind in CONTENT_KINDS else sf for sf in files]
    if disk is not None and disk.misses:  # the whole site was read: entries not used now are stale
        disk.prune()
    if not options.drafts:
        docs = [d for d in docs if not d.draft]
    media = {sf.rel_path for sf in files if sf.kind == "media"}
    urls = Urls(config.base_url)
    index = resolve_site(config, urls, docs, facts, media, problems,
                         memo=state.resolve_memo if state is not None else None)
    statics = static_files(root, files)
    before = len(problems.items)
    routes = plan_routes(index, statics, problems)
    planned = problems.items[before:]
    template_files = {sf.rel_path: sf.text for sf in files if sf.kind == "template"}
    rendered = None
    file_digests = {sf.rel_path: sf.digest for sf in files}
    if state is None:
        env = make_environment(root, template_files, config)
        outputs: dict[str, bytes | Path] = dict(render_routes(index, routes, env, problems, progress=progress))
    else:
        site_templates = {sf.rel_path.removeprefix("templates/"): sf.digest for sf in files
                          if sf.kind == "template" and sf.text is not None}
        env = state.environment(site_templates, lambda: make_environment(root, template_files, config))
        pages, rendered = state.render(index, routes, env, file_digests, site_templates, render_many, report,
                                       problems, HTML_KINDS, progress)
        outputs = dict(pages)
    for route in routes:
        if route.kind == "asset":
            outputs[route.out_path] = statics.get(route.out_path) or root / route.key
    if state is not None:
        state.last = None
        if saved is None:  # in memory between builds: what a build told which files changed starts from
            state.last = LastBuild(files, {sf.rel_path: i for i, sf in enumerate(files)}, found, discovered,
                                   planned, index, routes, [r for r in routes if r.kind != "asset"],
                                   [r for r in routes if r.kind in HTML_KINDS], dict(outputs), file_digests)
    return index, routes, outputs, rendered


def _build_changed(root: Path, config: SiteConfig, options: BuildOptions, state: BuildState, last: LastBuild,
                   changed: set[str], problems: Problems):
    """The last build brought up to date with edits of a few content files, or None for the whole-site path.

    Every step is checked to give what the whole-site path would: files are edits in place
    (rediscover), each edited item keeps its id, name, date and tags (relink), so the routes and
    the problems of every other file are the last build's, and only the index entries its own
    references and citations feed are made again; digests and pages follow.
    """
    edited = rediscover(root, changed, state.known, {d.location.rel_path for d in last.discovered})
    if edited is None or any(sf.kind not in CONTENT_KINDS for sf in edited.values()):
        return None
    settings = (__version__, settings_digest(config))
    md = MarkdownRenderer(config.raw_html) if edited else None
    folders = {t.folder: t for t in config.types}
    pairs, visible = [], lambda item: item is not None and (options.drafts or not getattr(item, "draft", False))
    parsed: dict[str, tuple] = {}
    for rel, sf in edited.items():
        old_sf = last.files[last.positions[rel]]
        before = state.entries.get((rel, old_sf.digest, settings))
        if before is None:
            return None
        key = (rel, sf.digest, settings)
        now = state.get(key)
        if now is None:
            now = _parse_one(sf, config, folders, md)
            state.put(key, now)
        parsed[rel] = now
        old_item, new_item = before[0], now[0]
        if visible(old_item) and visible(new_item):
            pairs.append((old_item, new_item))
        elif visible(old_item) or visible(new_item):
            return None
    resolved = Problems()
    relinked = relink(last.index, pairs, state.resolve_memo, resolved)
    if relinked is None:
        return None
    index, touched = relinked
    # From here on the build goes through: bring the kept build up to date.
    files = list(last.files)
    for rel, sf in edited.items():
        old_sf = files[last.positions[rel]]
        if old_sf.digest != sf.digest:
            state.entries.pop((rel, old_sf.digest, settings), None)
        files[last.positions[rel]] = sf
        last.found[rel] = parsed[rel][1]
        last.file_digests[rel] = sf.digest
    last.files = files
    problems.extend(last.discovered)
    for found in last.found.values():
        if found:
            problems.extend(found)
    problems.extend(resolved.items)
    problems.extend(last.planned)
    keys = update_key_digests(state.digests, state.digest_memo, index, [new for _, new in pairs],
                              last.file_digests, touched)
    fresh, rendered = state.render_changed(index, last.pages, last.sitemap, keys, state.env, render_many, report,
                                           problems)
    outputs = dict(last.outputs)
    for path, data in fresh.items():
        if data is None:
            outputs.pop(path, None)
        else:
            outputs[path] = data
    last.index, last.outputs = index, outputs
    state.last = last
    return index, last.routes, dict(outputs), rendered


def build_site(root: Path, options: BuildOptions = BuildOptions(), write: bool = True,
               cache: BuildState | None = None, progress=None, changed: Iterable[str] | None = None) -> BuildResult:
    """Run the whole pipeline. With write=False this is `check`: nothing touches the disk.

    With `cache` (a BuildState kept between calls) the build is incremental: only changed files
    are read and parsed again and only routes whose inputs changed are rendered again
    (result.rendered lists them); the result is byte for byte what a clean build makes.

    `changed` (with `cache`) names the files that may have changed since the last build with that
    state, as a file watcher saw them (paths relative to root, or absolute). Then only those are
    looked at: nothing else in the site is even stat'ed. When all of them are edits in place of
    content files that keep the site's links as they were (the usual edit: a sentence, a summary,
    a field), the last build's linked index, routes and digests are updated rather than made
    again, so the build costs what the edit touches, not what the site holds. Anything more (a
    file added or removed, a template, a new reference or name) takes the whole-site path.
    """
    # A build makes many small objects that refcounting frees at once; the cycle collector would
    # only walk the whole (large, long-lived) site again and again. It runs once afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_site(root, options, write, cache, progress, changed)
    except BaseException:
        if isinstance(cache, BuildState):  # what it holds may be half brought up to date: the next build starts over
            cache.forget()
        raise
    finally:
        if collecting:
            gc.enable()


def _build_site(root: Path, options: BuildOptions, write: bool, cache: BuildState | None, progress,
                changed: Iterable[str] | None = None) -> BuildResult:
    started = time.perf_counter()
    root = Path(root)
    problems = Problems()
    config = load_site_config(root, options, problems)
    if config is None:
        return BuildResult(problems.sorted(), False)
    state = cache if isinstance(cache, BuildState) else None
    out = Path(options.out) if options.out else root / "output"
    saved = scanned = None
    settings = (__version__, code_digest(), str(root.resolve()), _file_digest(root / "site.yml"), options)
    if state is None and cache is None and write and options.disk_cache:
        scanned = stamp.scan(root)  # before anything is read: a file changed during the build shows next time
        kept = stamp.unchanged(root / CACHE_DIR / stamp.STAMP_FILE, settings, scanned, out.resolve())
        if kept is not None:  # nothing changed since the last good build, and its output is whole
            result = BuildResult(kept["diagnostics"], True, None, kept["summary"]["routes"], {},
                                 stats=WriteStats(unchanged=kept["summary"]["outputs"]), rendered=[])
            result.seconds = time.perf_counter() - started
            return result
        saved = root / CACHE_DIR / STATE_FILE  # the last command-line build's state, if it can be read
        state = cache = BuildState.load(saved, out.resolve())
    if state is not None:
        state.start(settings)
    quick = last = None
    if state is not None:  # taken, and put back only by a build that gets through (not one that raises)
        last, state.last = state.last, None
    if last is not None and changed is not None and saved is None:
        quick = _build_changed(root, config, options, state, last, relative_paths(root, changed), problems)
    if quick is not None:
        index, routes, outputs, rendered = quick
    else:
        index, routes, outputs, rendered = _build_everything(root, config, options, write, state, cache, saved,
                                                             problems, progress)
    ok = not problems.has_errors(options.strict)
    if ok and write and config.search != "off" and search.available():  # optional: pages work without it
        pages = [(r.out_path, outputs[r.out_path]) for r in routes
                 if r.kind in search.INDEXED_KINDS and isinstance(outputs.get(r.out_path), bytes)]
        try:
            outputs.update(search.build_index(pages, config.language))
        except search.SearchError as exc:  # the site is fine; only its search index is missing
            problems.warning(f"search index not built: {exc}", Location("site.yml"),
                             "reinstall pagefind, or set 'search: off' in site.yml")
    result = BuildResult(problems.sorted(), ok, index, routes, outputs, rendered=rendered, relinked=quick is not None)
    if ok and write:
        trusted = state.written if state is not None and saved is None else None  # this process's last write
        check_output_dir(root, out, trusted)
        with build_lock(out.resolve()):
            known = None
            if state is not None:  # pages kept from the last build: their digests are known
                known = {path: record.data_digest() for path, record in state.records.items()
                         if record.data is not None and outputs.get(path) is record.data}
                state.written = None
            result.stats = write_output(out, outputs, known, trusted)
            if state is not None:
                state.written = result.stats.written_state
            if saved is not None:  # a one-shot build: what only a next build in this process would use goes first
                state.digest_memo.clear()
                state.resolve_memo.clear()
                state.save(saved)
                stamp.save(root / CACHE_DIR / stamp.STAMP_FILE, settings, scanned, out.resolve(), result.diagnostics,
                           {"routes": routes, "outputs": len(outputs)})
    elif saved is not None:
        stamp.remove(root / CACHE_DIR / stamp.STAMP_FILE)
    result.seconds = time.perf_counter() - started
    return result
