"""The search stage: bring the search index up to date with the pages, re-indexing only the shards whose text changed.

For every page search reads, the stage keeps (in `SearchMemory`, its part of the build state) the
digest of the page's bytes and the digest of its indexed part (see extract.py): a page whose bytes
did not change is not looked at again. Each shard (see shards.py) is keyed by the indexer's identity
and settings and the indexed digests of its pages, in order; a shard whose key is the one it was
last indexed with, and whose files are still where the last write put them (or in memory, for the
preview), is kept as it is. The others are indexed again, in parallel (see indexer.py), from the
pages in memory or, for a page kept from the last write, from the output folder.

If the indexer is missing or fails, the site is built without an index, with a warning that says
how to fix it; the next build tries again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from ..diagnostics import Diagnostic, Location
from ..files import Kept, digest_bytes
from . import shards
from .extract import indexed_page
from .indexer import SearchError, executable, index_shards

FOLDER = "pagefind"
# Page furniture that would only clutter results: citation markers, back-links, type labels, hidden captions.
EXCLUDED = ["sup.cites", ".backref", ".kicker", "caption.visually-hidden", ".skip"]
INDEXER_MEMORY = 512 * 2**20  # for the indexer processes together, as estimated from the pages they are fed
_BASE_MEMORY, _PER_BYTE = 24 * 2**20, 40  # an indexer's memory: a base, and this much per byte of pages fed


class Shard:
    """One shard as last indexed: its key, the folder its files went to, their digests, and (preview) their bytes."""

    __slots__ = ("key", "folder", "files", "data")

    def __init__(self, key: str, folder: str, files: dict[str, str], data: dict[str, bytes] | None = None):
        self.key, self.folder, self.files, self.data = key, folder, files, data


class SearchMemory:
    """The search stage's part of the build state."""

    def __init__(self):
        self.pages: dict[str, tuple[str, str, bool, int]] = {}  # out_path -> (page digest, indexed digest, region, size)
        self.shards: dict[str, Shard] = {}

    def plain(self) -> dict:
        return {"pages": self.pages, "shards": {name: (s.key, s.folder, s.files) for name, s in self.shards.items()}}

    @classmethod
    def from_plain(cls, plain: dict) -> "SearchMemory":
        memory = cls()
        memory.pages = {path: tuple(values) for path, values in plain["pages"].items()}
        memory.shards = {name: Shard(key, folder, dict(files)) for name, (key, folder, files) in plain["shards"].items()}
        return memory


@dataclass(frozen=True)
class Searched:
    outputs: dict[str, bytes | Kept]  # the index's files under their output paths
    digests: dict[str, str]  # the digest of every one of them (for the writer)
    indexed: tuple[str, ...]  # the shards indexed anew
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Sources:
    """Where the stage finds what it needs of the build: each page's digest, a kept page's bytes, the last write."""

    page_digest: Callable[[str, object], str]  # (out_path, bytes or Kept) -> the digest of the page's bytes
    read_kept: Callable[[str], bytes]  # out_path -> the bytes of a page kept from the last write
    on_disk: Callable[[str, str], bool] | None  # (output path, digest) -> the output folder holds it; None: no folder


def update_index(pages: dict[str, bytes | Kept], memory: SearchMemory, language: str, sources: Sources,
                 binary: str | None = None, limit: int | None = None, budget: int | None = None,
                 folder: str = FOLDER) -> Searched:
    """The search index over these pages (out_path -> bytes, or Kept), in `folder`, for one language.

    `limit`: pages in one shard at most (shards.LIMIT); `budget`: memory for the indexers (INDEXER_MEMORY).
    """
    binary = binary or executable()
    if binary is None:
        return _without(memory, "the pagefind package is not installed",
                        "install it with: pip install 'site-builder[search]'; or set 'search: off' in site.yml")
    if not os.access(binary, os.X_OK):
        return _without(memory, f"the indexer {binary} cannot be run", _REINSTALL)
    records = _records(pages, memory, sources)
    any_region = any(record[2] for record in records.values())
    planned = shards.plan([p for p, record in records.items() if record[2] or not any_region], limit or shards.LIMIT)
    primary = next(iter(planned), "")
    config = {"force_language": language or "en", "exclude_selectors": EXCLUDED}
    identity = (_binary_identity(binary), sorted(config.items()))
    kept, jobs = {}, {}
    for name, members in planned.items():
        key = digest_bytes(repr((identity, [(m, records[m][1]) for m in members])).encode("utf-8"))
        where = shards.folder(name, primary, folder)
        old = memory.shards.get(name)
        if old is not None and old.key == key and old.folder == where and _still_there(old, where, name, primary,
                                                                                     folder, sources.on_disk):
            kept[name] = old
        else:
            size = sum(records[m][3] for m in members)
            jobs[name] = (key, where, members, _BASE_MEMORY + _PER_BYTE * size)
    try:
        made = index_shards({name: (job[3], _feeder(job[2], pages, sources)) for name, job in jobs.items()},
                            binary, config, budget or INDEXER_MEMORY)
    except SearchError as exc:
        return _without(memory, str(exc), _REINSTALL)
    for name, (key, where, _, _) in jobs.items():
        files = made[name]
        memory.shards[name] = Shard(key, where, {rel: digest_bytes(data) for rel, data in files.items()},
                                    files if sources.on_disk is None else None)
    memory.shards = {name: memory.shards[name] for name in planned}
    return _assemble(memory, primary, folder, set(jobs), made)


_REINSTALL = "reinstall it: pip install --force-reinstall 'site-builder[search]'; or set 'search: off' in site.yml"


def _without(memory: SearchMemory, why: str, hint: str) -> Searched:
    """No index this time (the next build indexes every shard again), and a warning that says why."""
    memory.shards = {}
    warning = Diagnostic("warning", f"search index not built: {why}", Location("site.yml"), hint)
    return Searched({}, {}, (), (warning,))


def _records(pages: dict, memory: SearchMemory, sources: Sources) -> dict[str, tuple[str, str, bool, int]]:
    """Every page's (page digest, indexed digest, region, size), looked at again only where its bytes changed."""
    records = {}
    for out_path, data in pages.items():
        digest = sources.page_digest(out_path, data)
        old = memory.pages.get(out_path)
        if old is None or old[0] != digest:
            html = data if isinstance(data, bytes) else sources.read_kept(out_path)
            found = indexed_page(html)
            old = (digest, found.digest, found.region, len(found.page))
        records[out_path] = old
    memory.pages = records
    return records


def _feeder(members: list[str], pages: dict, sources: Sources):
    """The pages of one shard as the indexer takes them: (URL, indexed part), read when it asks."""
    def feed():
        for out_path in members:
            data = pages[out_path]
            html = data if isinstance(data, bytes) else sources.read_kept(out_path)
            yield page_url(out_path), indexed_page(html).page
    return feed


def page_url(out_path: str) -> str:
    """The result's address, relative to the site's root (the search script adds the site's base path)."""
    return "/" + (out_path[:-len("index.html")] if out_path == "index.html" or out_path.endswith("/index.html")
                  else out_path)


def _still_there(old: Shard, where: str, name: str, primary: str, folder: str, on_disk) -> bool:
    """Whether a shard's files are still at hand: in memory, or in the output folder as the last write left them."""
    if old.data is not None:
        return True
    if on_disk is None:
        return False
    return all(on_disk(path, digest) for path, digest in shards.placed_files(old.files, name, primary, folder).items())


def _assemble(memory: SearchMemory, primary: str, folder: str, indexed: set[str], made: dict) -> Searched:
    outputs: dict[str, bytes | Kept] = {}
    digests: dict[str, str] = {}
    for name, shard in memory.shards.items():
        data = made.get(name) or shard.data or {rel: Kept(digest) for rel, digest in shard.files.items()}
        outputs.update(shards.placed_files(data, name, primary, folder))
        digests.update(shards.placed_files(shard.files, name, primary, folder))
    if memory.shards:
        listing = shards.shard_list(list(memory.shards), primary)
        outputs[f"{folder}/{shards.SHARDS_FILE}"] = listing
        digests[f"{folder}/{shards.SHARDS_FILE}"] = digest_bytes(listing)
    return Searched(outputs, digests, tuple(sorted(indexed)), ())


def _binary_identity(binary: str) -> tuple:
    """The indexer, as far as its output may depend on it: its path, size and modification time."""
    try:
        st = os.stat(binary)
    except OSError:
        return (binary,)
    return (binary, st.st_size, st.st_mtime_ns)
