"""The search stage: bring the search index up to date with the pages, re-indexing only the shards whose text changed.

For every page search reads, the stage keeps (in `SearchMemory`, its part of the build state) the
digest of the page's bytes and the digest of its indexed part (see extract.py): a page whose bytes
did not change is not looked at again. Each shard (see shards.py) is keyed by the indexer's identity
and settings and the indexed digests of its pages, in order; a shard whose key is the one it was
last indexed with, and whose files are still where the last write put them (or in memory, for the
preview), is kept as it is. The others are indexed again, in parallel (see indexer.py), from the
pages in memory or, for a page kept from the last write, from the output folder. A sharded index
also has routing indexes (see routing.py), made again only for the buckets whose words changed.

If the indexer is missing or fails, the site is built without an index, with a warning that says
how to fix it; the next build tries again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..diagnostics import Diagnostic, Location
from ..files import Kept, digest_bytes
from . import routing, shards
from .extract import indexed_page
from .bounded import Folders
from .indexer import Job, SearchError, executable, index_shards
from .memory import Bundle, SearchMemory

FOLDER = "pagefind"
# Page furniture that would only clutter results: citation markers, back-links, type labels, hidden captions.
EXCLUDED = ["sup.cites", ".backref", ".kicker", "caption.visually-hidden", ".skip"]
INDEXER_MEMORY = 512 * 2**20  # for the indexer processes together, as estimated from the pages they are fed
_BASE_MEMORY, _PER_BYTE = 24 * 2**20, 40  # an indexer's memory: a base, and this much per byte of pages fed


@dataclass(frozen=True)
class Searched:
    outputs: dict[str, bytes | Kept]  # the index's files under their output paths
    digests: dict[str, str]  # the digest of every one of them (for the writer)
    indexed: tuple[str, ...]  # the shards indexed anew (routing indexes as 'r<bucket>')
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Sources:
    """Where the stage finds what it needs of the build: each page's digest, a kept page's bytes, the last write."""

    page_digest: Callable[[str, object], str]  # (out_path, bytes or Kept) -> the digest of the page's bytes
    read_kept: Callable[[str], bytes]  # out_path -> the bytes of a page kept from the last write
    on_disk: Callable[[str, str], bool] | None  # (output path, digest) -> the output folder holds it; None: no folder


@dataclass(frozen=True)
class _Run:
    """What every bundle of one update shares."""

    binary: str
    config: dict
    identity: tuple
    folder: str
    primary: str
    sources: Sources
    budget: int
    processes: int | None
    scratch: Folders


def update_index(pages: dict[str, bytes | Kept], memory: SearchMemory, language: str | None, sources: Sources,
                 binary: str | None = None, limit: int | None = None, budget: int | None = None,
                 folder: str = FOLDER, processes: int | None = None, cache: Path | None = None) -> Searched:
    """The search index over these pages (out_path -> bytes, or Kept), in `folder`.

    `language`: the one language of every page, or None for a site in several, whose pages each say
    theirs in `<html lang>`: Pagefind then keeps an index per language, each with its own stemming. Such
    a site is indexed as one index, not in shards (routing indexes are made for one language).

    `limit`: pages in one shard at most (shards.LIMIT); `budget`: memory for the indexers (INDEXER_MEMORY);
    `processes`: indexer processes at most (default: one per core); `cache`: the site's cache folder, where
    the indexers' scratch folders go (`search-<pid>/`, see bounded.py), or None for a temporary folder.
    """
    binary = binary or executable()
    if binary is None:
        return _without(memory, "the pagefind package is not installed",
                        "install it with: pip install 'site-builder[search]'; or set 'search: off' in site.yml")
    if not os.access(binary, os.X_OK):
        return _without(memory, f"the indexer {binary} cannot be run", _REINSTALL)
    records = _records(pages, memory, sources)
    if records and not any(record[4] for record in records.values()):
        return _without(memory, "no page has an <html> element, and the indexer skips a page without one",
                        "the base template (templates/base.html, or the template that replaces it) needs <html> "
                        "and <body> elements around the page; or set 'search: off' in site.yml", "templates/base.html")
    any_region = any(record[2] for record in records.values())
    one_index = len(records) + 1 if language is None else None
    planned = shards.plan([p for p, record in records.items() if record[2] or not any_region],
                          one_index or limit or shards.LIMIT)
    config = {"exclude_selectors": EXCLUDED}
    if language is not None:
        config["force_language"] = language or "en"
    with Folders(cache, "search") as scratch:  # made when the first indexer starts, removed with everything in it
        run = _Run(binary, config, (_binary_identity(binary), sorted(config.items())), folder,
                   next(iter(planned), ""), sources, budget or INDEXER_MEMORY, processes, scratch)
        try:
            indexed = _update_shards(planned, records, pages, memory, run)
            routed = _update_routes(memory, run) if len(planned) > 1 else []
            if len(planned) <= 1:
                memory.routes = {}  # one index: nothing to route
        except SearchError as exc:
            return _without(memory, str(exc), _REINSTALL)
    return _assemble(memory, run, indexed + [f"r{which}" for which in routed])


_REINSTALL = "reinstall it: pip install --force-reinstall 'site-builder[search]'; or set 'search: off' in site.yml"


def _without(memory: SearchMemory, why: str, hint: str, where: str = "site.yml") -> Searched:
    """No index this time (the next build indexes every shard again), and a warning that says why."""
    memory.shards, memory.routes = {}, {}
    warning = Diagnostic("warning", f"search index not built: {why}", Location(where), hint)
    return Searched({}, {}, (), (warning,))


def _records(pages: dict, memory: SearchMemory, sources: Sources) -> dict[str, tuple[str, str, bool, int, bool]]:
    """Every page's (page digest, indexed digest, region, size, rooted), looked at again only where its bytes changed."""
    records = {}
    for out_path, data in pages.items():
        digest = sources.page_digest(out_path, data)
        old = memory.pages.get(out_path)
        if old is None or old[0] != digest:
            html = data if isinstance(data, bytes) else sources.read_kept(out_path)
            found = indexed_page(html)
            old = (digest, found.digest, found.region, len(found.page), found.rooted)
        records[out_path] = old
    memory.pages = records
    return records


def _update_shards(planned: dict[str, list[str]], records: dict, pages: dict, memory: SearchMemory,
                   run: _Run) -> list[str]:
    """Index again the shards whose key changed or whose files are gone; the shards indexed."""
    sharded = len(planned) > 1
    jobs = {}
    for name, members in planned.items():
        key = digest_bytes(repr((run.identity, name if sharded else "", [(m, records[m][1]) for m in members]))
                           .encode("utf-8"))
        where = shards.folder(name, run.primary, run.folder)
        old = memory.shards.get(name)
        if old is None or old.key != key or old.folder != where or not _still_there(old, name == run.primary, run):
            size = sum(records[m][3] for m in members)
            jobs[name] = (key, where, Job(_BASE_MEMORY + _PER_BYTE * size, size,
                                          _feeder(members, pages, run.sources, name if sharded else None)))
    made = index_shards({name: job[2] for name, job in jobs.items()}, run.binary, run.config, run.budget,
                        processes=run.processes, after=routing.shard_words if sharded else None, folders=run.scratch)
    for name, (key, where, _) in jobs.items():
        files, words = made[name]
        memory.shards[name] = Bundle(key, where, {rel: digest_bytes(data) for rel, data in files.items()}, files, words)
    memory.shards = {name: memory.shards[name] for name in planned}
    return sorted(jobs)


def _update_routes(memory: SearchMemory, run: _Run) -> list[int]:
    """Make again the routing indexes of the buckets whose words changed; the buckets made."""
    words = {name: shard.words for name, shard in memory.shards.items()}
    buckets = sorted({which for by_bucket in words.values() for which in by_bucket})
    jobs = {}
    for which in buckets:
        records = routing.routing_records(words, which, run.config["force_language"])
        key = digest_bytes(repr((run.identity, which, records)).encode("utf-8"))
        where = f"{run.folder}/r{which}/"
        old = memory.routes.get(which)
        if old is None or old.key != key or old.folder != where or not _still_there(old, False, run):
            size = sum(len(r["content"]) for r in records)
            jobs[which] = (key, where, Job(_BASE_MEMORY + _PER_BYTE * size, size, lambda records=records: records))
    made = index_shards({str(which): job[2] for which, job in jobs.items()}, run.binary, run.config, run.budget,
                        processes=run.processes, after=routing.record_ids, folders=run.scratch)
    for which, (key, where, _) in jobs.items():
        files, ids = made[str(which)]
        memory.routes[which] = Bundle(key, where, {rel: digest_bytes(data) for rel, data in files.items()}, files,
                                      ids=ids)
    memory.routes = {which: memory.routes[which] for which in buckets}
    return sorted(jobs)


def _feeder(members: list[str], pages: dict, sources: Sources, shard: str | None):
    """The pages of one shard as the indexer takes them: (URL, indexed part), read when it asks; in a sharded
    index each with its filters (see routing.py)."""
    def feed():
        for out_path in members:
            data = pages[out_path]
            html = data if isinstance(data, bytes) else sources.read_kept(out_path)
            part = indexed_page(html).page
            yield page_url(out_path), part if shard is None else routing.with_filters(part, shard)
    return feed


def page_url(out_path: str) -> str:
    """The result's address, relative to the site's root (the search script adds the site's base path)."""
    return "/" + (out_path[:-len("index.html")] if out_path == "index.html" or out_path.endswith("/index.html")
                  else out_path)


def _still_there(old: Bundle, library: bool, run: _Run) -> bool:
    """Whether a bundle's files are still at hand: in memory, or in the output folder as the last write left them."""
    if old.data is not None:
        return True
    on_disk = run.sources.on_disk
    return on_disk is not None and all(on_disk(path, digest)
                                       for path, digest in shards.placed(old.files, old.folder, library).items())


def _assemble(memory: SearchMemory, run: _Run, indexed: list[str]) -> Searched:
    """The index's files under their output paths: kept ones as the last write left them (or from memory)."""
    outputs: dict[str, bytes | Kept] = {}
    digests: dict[str, str] = {}
    bundles = [(b, name == run.primary) for name, b in memory.shards.items()] + [(b, False) for b in memory.routes.values()]
    for bundle, library in bundles:
        data = bundle.data or {rel: Kept(digest) for rel, digest in bundle.files.items()}
        outputs.update(shards.placed(data, bundle.folder, library))
        digests.update(shards.placed(bundle.files, bundle.folder, library))
    if memory.shards:
        base = f"{run.folder}/"
        listing = shards.listing([b.folder.removeprefix(base) for name, b in memory.shards.items() if name != run.primary],
                                 {which: {"path": b.folder.removeprefix(base), "ids": b.ids}
                                  for which, b in memory.routes.items()})
        outputs[base + shards.SHARDS_FILE] = listing
        digests[base + shards.SHARDS_FILE] = digest_bytes(listing)
    if run.sources.on_disk is not None:  # a build that writes: the bytes are on disk from now on
        for bundle in [*memory.shards.values(), *memory.routes.values()]:
            bundle.data = None
    return Searched(outputs, digests, tuple(indexed), ())


def _binary_identity(binary: str) -> tuple:
    """The indexer, as far as its output may depend on it: its path, size and modification time."""
    try:
        st = os.stat(binary)
    except OSError:
        return (binary,)
    return (binary, st.st_size, st.st_mtime_ns)
