"""Which shard of the search index each page belongs to, and where each shard's files go.

A page's place is fixed by a hash of its output path, read as a string of bits. The shards are the
leaves of a binary split of those bits: all pages start in one shard, and a shard holding more than
`limit` pages is split in two by its next bit, again and again. The shards depend only on the set of
pages, never on the order they came in, and adding a page moves no other page, except when its shard
grows past the limit: then that one shard splits in two (and only its pages move). A site with no
more pages than the limit has one shard, which is exactly today's single index.

Each shard is a Pagefind index of its own. The first shard (in bit order) is the primary: its files
sit at the top of the index folder (`pagefind/`) with Pagefind's script and WebAssembly, which the
browser loads once; every other shard sits in `pagefind/s<bits>/` with its data files only (the search
script relies on that name), listed in `pagefind/shards.json`, and the search script merges them
(`mergeIndex`): all of them for one index without routing, else each once a query leads to it. A hash spreads every kind
of page over every shard, so each shard's word statistics (which rank results) stay close to the
whole site's.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from typing import Iterable

LIMIT = 256  # pages in one shard at most (10,000 pages: 64 shards of about 160)
BITS = 32
SHARDS_FILE = "shards.json"
# A shard's files that only the primary's folder needs: the browser loads them once, from there
LIBRARY = ("pagefind.js", "pagefind-worker.js", "wasm.")


def slot(out_path: str) -> int:
    """The page's place in the hash space: a 32-bit number from its output path."""
    return int.from_bytes(hashlib.blake2b(out_path.encode("utf-8"), digest_size=4).digest(), "big")


def plan(out_paths: Iterable[str], limit: int = LIMIT) -> dict[str, list[str]]:
    """{shard name (its bits, "" for a single shard): its output paths, sorted}, in bit order; no empty shards."""
    placed = sorted((slot(path), path) for path in out_paths)
    slots = [s for s, _ in placed]
    shards: dict[str, list[str]] = {}
    todo = [("", 0, len(placed))]
    while todo:
        bits, lo, hi = todo.pop()
        if hi - lo <= limit or len(bits) >= BITS:
            if hi > lo:
                shards[bits] = sorted(path for _, path in placed[lo:hi])
            continue
        base = int(bits, 2) << (BITS - len(bits)) if bits else 0
        mid = bisect.bisect_left(slots, base + (1 << (BITS - len(bits) - 1)), lo, hi)
        todo.append((bits + "1", mid, hi))
        todo.append((bits + "0", lo, mid))
    return dict(sorted(shards.items()))


def folder(name: str, primary: str, root: str) -> str:
    """Where a shard's files go: the index folder itself for the primary, else a folder of its own."""
    return f"{root}/" if name == primary else f"{root}/s{name}/"


def placed(files: dict, base: str, library: bool) -> dict[str, object]:
    """A bundle's files under their output paths in `base`; Pagefind's script and WebAssembly only with `library`."""
    return {base + rel: value for rel, value in files.items() if library or not rel.startswith(LIBRARY)}


def listing(merged: list[str], routes: dict[int, object]) -> bytes:
    """pagefind/shards.json: the folders the search script merges into the primary index (relative to the
    index folder), and the routing index of each bucket (see routing.py)."""
    data = {"merge": merged, **({"route": {str(b): path for b, path in sorted(routes.items())}} if routes else {})}
    return (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8")
