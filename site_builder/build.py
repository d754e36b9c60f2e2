"""The pipeline: discover -> parse -> link -> plan routes -> render -> search -> write.

There is one path through a build. Each stage is given what changed since the last build (from
the `BuildState` it keeps its memory in) and does the work that change calls for; a cold build is
the same path with an empty state, where everything changed. Who says what changed is the only
difference between callers: the preview passes the paths its file watcher saw (`changed`); a
command-line build loads the state the last good build saved and lets discovery compare every
file's stat signature with it. Nothing is written unless the build is good.
"""

from __future__ import annotations

import datetime
import functools
import gc
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from . import __version__
from .config import BASE_URL_RULE, SiteConfig, load_config, valid_base_url
from .diagnostics import Diagnostic, Location, Problems
from .files import Kept, digest_bytes, file_digest, real_folder
from .incremental import state as saved_state
from .incremental.cache import CACHE_DIR, DiskCache, code_digest, settings_digest
from .incremental.state import BuildState  # noqa: F401 (callers keep one between builds)
from .output.write import WriteStats, build_lock, check_output_dir, kept_reader, on_disk, write_output
from .pages import THEME_DIR
from .pages.render import render_pages
from .incremental.images import ImageStore
from .model import SourceFile
from .read.discover import Discovery, classify, decode, discover, ignored, read_text
from .read.gitdates import git_dates
from .read.images import probe_media
from .read.parse import CONTENT_KINDS, parse
from .read.portable import check_names
from .site.index import ALL, key
from .site.link import Shown, link
from .site.world import UNREADABLE
from .site.routes import Planned, Route, plan_routes, robots_note
from .site.sitelinks import check_site_links
from .site.urls import Urls

if TYPE_CHECKING:
    from .search.stage import Searched


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False  # publish explainers dated after today
    preview: bool = False  # a build for the live preview: explainers dated after today are shown, marked as scheduled
    base_url: str | None = None
    strict: bool = False
    out: Path | None = None
    disk_cache: bool = True  # keep parsed files and the build state in SITE/.site-builder-cache/ (builds that write)


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    ok: bool
    index: object = None  # site.index.Index
    routes: list[Route] = field(default_factory=list)
    outputs: dict[str, bytes | Path | Kept] = field(default_factory=dict)
    stats: WriteStats | None = None
    seconds: float = 0.0
    rendered: list[str] | None = None  # the out_paths rendered anew
    indexed: list[str] | None = None  # the search index's shards indexed anew (None: no index this time)
    notes: tuple[str, ...] = ()  # things the site builder should know that are not problems (the CLI prints them)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


@saved_state.started_over_if_damaged
def build_site(root: Path, options: BuildOptions = BuildOptions(), write: bool = True, cache: BuildState | None = None,
               progress=None, changed: Iterable[str] | None = None) -> BuildResult:
    """Run the pipeline. With write=False this is `check`: nothing touches the disk.

    `cache`: a BuildState kept between calls (the preview's); `changed`: the paths that may have
    changed since the last build with it, as a file watcher reports them (relative to root, or
    absolute), or None to look at every file. A build that writes and is given no state keeps its
    state in the site's cache folder for the next one.
    """
    started, root = time.perf_counter(), Path(root)
    config, problems = read_config(root, options)
    if config is None:
        return BuildResult(problems.sorted(), False)
    with _one_build(lambda: Run.begin(root, options, write, cache, changed, config)) as run:
        found = discover(root, {t.folder: t.name for t in config.types}, run.state.files, run.told,
                         check_media=config.raw_html == "escape")
        parsed = parse(root, found, config, run.state.parsed, run.disk, progress)
        shown = Shown(options.drafts, options.future or options.preview,
                      datetime.date.fromisoformat(run.state.settings[-1]), marked=options.preview)
        media = probe_media(root, found.part("media"), run.state.links.world.info)
        dates = _git_dates(root, config, run.state, problems)
        linked = link(config, Urls(config.base_url), parsed, media, run.state.links, shown, _unread(found, config), dates)
        linked.index.store = ImageStore(root, root / CACHE_DIR, options.disk_cache and (write or cache is not None))
        named = portable_names(found, run.state.files)
        planned, replanned = plan(root, found, linked, run.state, {d.location.rel_path for d in named})
        site_links = Problems()  # every build: the links may be new, the routes the last build's
        check_site_links(config, run.state.links.site_links, planned.out_paths, site_links)
        rendered = render(root, found, config, linked, planned, replanned, run, progress)
        problems.extend(found.problems + named + parsed.problems + linked.problems + planned.problems
                        + tuple(site_links.items) + rendered.problems)
        outputs = {**rendered.outputs, **planned.copies}
        ok = not problems.has_errors(options.strict)
        searched = index_search(planned.routes, outputs, config, run.state, run.out, cache=root / CACHE_DIR,
                                changing=bool(found.changed)) if ok and write else None
        if searched is not None:
            outputs.update(searched.outputs)
            problems.extend(searched.problems)
        stats = _write(root, run, outputs, found, searched) if ok and write else None
        if ok and run.saved and (found.read or found.changed or rendered.rendered or stats.changed):
            saved_state.save(run.state, run.saved)  # (nothing read, rendered, written or learned: the saved state is this)
    return BuildResult(problems.sorted(causes(found, run.state.links.world)), ok, linked.index, planned.routes,
                       outputs, stats, time.perf_counter() - started, list(rendered.rendered),
                       list(searched.indexed) if searched is not None and searched.outputs else None,
                       tuple(n for n in (robots_note(linked.index.urls),) if n))


def portable_names(found: Discovery, table) -> tuple[Diagnostic, ...]:
    """The problems with the site's file names (read/portable.py), checked again when a file came or went."""
    if table.named is None or any(rel not in found.replaced or found.get(rel) is None for rel in found.changed):
        table.named = tuple(check_names((rel, rel) for rel in found.files))
    return table.named


def causes(found: Discovery, world) -> set[str]:
    """The files whose problems come first (after site.yml's): the files that could not be read, on which
    the problems of other files may follow."""
    out = {rel for rel, held in world.held.items() if held.why == UNREADABLE}
    out.update(d.location.rel_path for d in found.problems if d.severity == "error")
    return out


@dataclass(frozen=True)
class Run:
    """Where one build keeps its state and writes its output, and what it was told changed."""

    state: BuildState
    out: Path
    saved: Path | None  # the saved state's file (a command-line build that writes), else None
    told: set[str] | None  # paths that may have changed (relative to the site), or None: look at every file
    disk: DiskCache | None  # the parse cache on disk (builds that write)
    kept: bool = False  # the state outlives the build (saved, or the caller's): a write makes a spare tree too

    @classmethod
    def begin(cls, root: Path, options: BuildOptions, write: bool, cache: BuildState | None, changed, config) -> "Run":
        out = Path(options.out) if options.out else root / "output"
        saved = root / CACHE_DIR / saved_state.STATE_FILE if cache is None and write and options.disk_cache else None
        state = cache if cache is not None else saved_state.load(saved) if saved else BuildState()
        state.start(_settings(root, options, out if saved else None))
        told = relative_paths(root, changed) if changed is not None and state.files.entries else None
        disk = DiskCache(root / CACHE_DIR, settings_digest(config)) if write and options.disk_cache else None
        return cls(state, out, saved, told, disk, saved is not None or cache is not None)


# What the routes depend on besides site.yml and the static files: which explainers and pages there
# are and in what order, which fact sheets, which tags, which media files, whether anything has
# corrections (the corrections page), which fact sheets are translated into each further language; the
# old addresses, which items have their own image, images' sizes and whether the site makes share cards
# (extra_routes.py). (Planning reads the index's tables for what exists, never what an item shows, so
# these keys and not the ones its reads note.)
PLAN_KEYS = frozenset({key("D", "all"), key("F", ALL), key("T", ALL), key("M", ALL), key("Q", ALL), key("A", ALL),
                       key("J", ALL), key("G", ALL), key("S", ALL)})


def plan_keys(config: SiteConfig) -> frozenset[str]:
    return PLAN_KEYS | {key("X", language) for language in config.published[1:]}


def plan(root: Path, found: Discovery, linked, state: BuildState, unportable: set) -> tuple[Planned, bool]:
    """Every route of the site, and the files copied as they are (media, theme and site assets): the last
    build's plan while nothing it depends on changed. Also whether the routes were planned anew."""
    statics = static_files(root, found)
    last = state.plan
    if last is not None and last.statics == tuple(statics) and linked.changed.isdisjoint(plan_keys(linked.index.config)):
        return last, False
    problems = Problems()
    routes = plan_routes(linked.index, {k: str(v) for k, v in statics.items()}, problems)
    # every file it publishes has a portable name (read/portable.py); those of a misnamed file are told there
    problems.extend(check_names((r.out_path, r.origin) for r in routes if r.origin not in unportable))
    copies = {r.out_path: statics.get(r.out_path) or root / r.key for r in routes if r.spec.copied}
    state.plan = Planned(routes, copies, tuple(problems.items), tuple(statics))
    return state.plan, True


def render(root: Path, found: Discovery, config: SiteConfig, linked, planned: Planned, replanned: bool, run: Run,
           progress):
    """The pages, rendered again where what they read changed (see pages/render.py)."""
    site = {rel.removeprefix("templates/"): sf for rel, sf in found.part("templates").items()
            if sf.text is not None or rel.endswith((".html", ".xml", ".txt", ".j2"))}
    digests = {name: sf.digest for name, sf in site.items()}
    on_disk = _kept_on_disk(run.out, run.state.process.written, bool(found.changed)) if run.saved else None
    try:
        return render_pages(linked.index, planned, replanned, lambda: _jinja(root, site, digests, config, run.state),
                            run.state.pages, linked.changed, digests, on_disk, progress)
    finally:
        linked.index.drop_derived()


def _git_dates(root: Path, config: SiteConfig, state: BuildState, problems: Problems) -> dict:
    """The content files' last commit dates, when site.yml asks for them (one git call, kept while HEAD is)."""
    if not config.publish.updated_from_git:
        return {}
    dates, state.git, found = git_dates(root, config.publish.git_at or Location("site.yml"), state.git)
    problems.extend(found)
    return dates


def _unread(found: Discovery, config: SiteConfig) -> dict[str, SourceFile]:
    """The content files discovery could not read (a fact sheet named .yaml too), as the files they would have
    been, without text."""
    folders = {t.folder: t.name for t in config.types}
    out = {}
    for d in found.problems:
        rel = d.location.rel_path
        kind = classify(rel.removesuffix(".yaml") + ".yml" if rel.endswith(".yaml") else rel, folders) \
            if d.severity == "error" else None
        if isinstance(kind, tuple) and kind[0] in CONTENT_KINDS:
            out[d.location.rel_path] = SourceFile(kind[0], d.location.rel_path, None, "", kind[1])
    return out


def read_config(root: Path, options: BuildOptions) -> tuple[SiteConfig | None, Problems]:
    """site.yml, with the command line's base URL in place of its own."""
    problems = Problems()
    path = root / "site.yml"
    if not path.is_file():
        problems.error("no site.yml here: is this the site's folder?", Location("site.yml"),
                       "run the command in the site's folder, or give the folder: site-builder build SITE")
        return None, problems
    if path.is_symlink() and not os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
        problems.error("site.yml is a symbolic link to a file outside the site", Location("site.yml"),
                       "make site.yml a real file inside the site's folder")
        return None, problems
    text = decode(path.read_bytes(), "site.yml", problems)
    config = None
    if text is not None:
        config, found = _config_of(text)
        problems.extend(found)
    if config is not None and options.base_url:
        if not valid_base_url(options.base_url):
            problems.error(f"--base-url: {BASE_URL_RULE.removeprefix('base_url ')}", Location("site.yml"))
        config = replace(config, base_url=options.base_url)
    return config, problems


@functools.lru_cache(maxsize=2)
def _config_of(text: str) -> tuple[SiteConfig | None, tuple[Diagnostic, ...]]:
    """site.yml's settings from its text, and their problems (once a process while the text is the same:
    the settings are frozen)."""
    found = Problems()
    return load_config(text, "site.yml", found), tuple(found.items)


def _settings(root: Path, options: BuildOptions, out: Path | None) -> tuple:
    """What every part of the state depends on: a change of any of these starts the state over."""
    memo = root / CACHE_DIR / "code" if out is not None and real_folder(root / CACHE_DIR) else None
    return (__version__, code_digest(memo), str(root.resolve()), file_digest(root / "site.yml"), repr(options),
            str(out.resolve()) if out is not None else "", datetime.date.today().isoformat())  # see link.Shown


@contextmanager
def _one_build(begin):
    """Begin a build (`begin` loads its state) and run it. No cycle collection meanwhile: it would walk the
    large, long-lived site again and again, the saved state as it is loaded too. A build that raises leaves
    its state to start over, never half brought up to date."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        run = begin()
        try:
            yield run
        except BaseException:
            run.state.forget()
            raise
    finally:
        if collecting:
            gc.enable()


def skipped(rel_path: str) -> bool:
    """Whether the build never reads this path (relative to the site): hidden files, editors' scratch files."""
    return any(ignored(part) for part in rel_path.replace(os.sep, "/").split("/"))


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


def static_files(root: Path, found: Discovery) -> dict[str, Path]:
    """Theme assets, overridden file by file by the site's templates/static/."""
    out = dict(_theme_statics())
    for rel in found.part("templates"):
        if rel.startswith("templates/static/"):
            out[rel.removeprefix("templates/")] = root / rel
    return out


@functools.cache
def _theme_statics() -> tuple[tuple[str, Path], ...]:
    """The theme's assets (listed once a process: they come with the builder's code)."""
    base = THEME_DIR / "static"
    return tuple(("static/" + path.relative_to(base).as_posix(), path) for path in sorted(base.rglob("*"))
                 if path.is_file())


def _jinja(root: Path, site: dict, digests: dict[str, str], config: SiteConfig, state: BuildState):
    """The Jinja environment for the site's templates and what each reaches (kept while none of them changes)."""
    from .pages.templates import TemplateDeps, ThemeCode, make_environment  # Jinja only when a page is made
    memory = state.process
    if memory.env is None or memory.templates_key != digests:
        texts = {f"templates/{name}": (sf if sf.text is not None else read_text(root, sf) or sf).text
                 for name, sf in site.items()}
        compiled = ThemeCode(THEME_DIR.parent / "__pycache__" / "theme", f"{code_digest()} {sys.version}")
        memory.env = make_environment(root, texts, config, compiled)
        memory.template_deps = TemplateDeps(memory.env, state.pages.reach if state.pages.templates == digests else None)
        state.pages.reach, memory.templates_key = memory.template_deps.reached, digests
    return memory.env, memory.template_deps


def _kept_on_disk(out: Path, written, changing: bool = True):
    """Whether the output folder still holds a page the last write made (by the manifest it wrote).
    `changing`: files changed since, so the build will most likely write (see output.written.on_disk)."""
    return on_disk(out, written, changing)


def index_search(routes: list[Route], outputs: dict, config: SiteConfig, state: BuildState,
                 out: Path | None = None, processes: int | None = None, cache: Path | None = None,
                 changing: bool = True) -> Searched | None:
    """The search index over the pages search reads, brought up to date (None with 'search: off').

    `out`: the output folder the last write filled (pages kept from it are read there), or None for a
    build held in memory (the preview), whose pages are all bytes; `processes`: indexers at most; `cache`:
    the site's cache folder, where the indexers' scratch folders go (None: a temporary folder, for the preview);
    `changing`: as render's (see output.written.on_disk).
    """
    if config.search == "off":
        return None
    from .search.stage import Sources, update_index  # the indexer and its processes: loaded only when search is on

    pages = {r.out_path: outputs[r.out_path] for r in routes if r.spec.searched and r.out_path in outputs}
    records = state.pages.records

    def page_digest(out_path: str, data) -> str:
        record = records.get(out_path)
        if isinstance(data, Kept):
            return str(data)
        return record.digest if record is not None and record.data is data else digest_bytes(data)

    read_kept = kept_reader(out, state.process.written) if out is not None else None
    on_disk = _kept_on_disk(out, state.process.written, changing) if out is not None else None
    language = config.language if len(config.published) == 1 else None  # several: each page's <html lang>
    return update_index(pages, state.search, language, Sources(page_digest, read_kept, on_disk),
                        processes=processes, cache=cache)


def _write(root: Path, run: Run, outputs: dict, found: Discovery, searched: Searched | None = None) -> WriteStats:
    """Bring the output folder up to date, trusting what the last write left there while its manifests hold."""
    state, out = run.state, run.out
    memory = state.process
    written = memory.written
    check_output_dir(root, out, written)
    with build_lock(out.resolve()):
        known = {}  # the digests of the pages made in this process (those held as bytes)
        for path, data in outputs.items():
            record = state.pages.records.get(path) if isinstance(data, bytes) else None
            if record is not None and record.data is data:
                known[path] = record.digest
        media = found.part("media")
        known.update((r.out_path, media[r.key].digest) for r in state.plan.routes  # media: read already
                     if r.kind == "asset" and r.key in media)
        if searched is not None:
            known.update(searched.digests)
        memory.written = None
        stats = write_output(out, outputs, known, written, spare_wanted=run.kept)
        memory.written = stats.written_state
    return stats
