"""The search stage's part of the build state: what the last index was made of, kept without the indexer.

A build with search off still loads and saves this part, so it lives apart from the stage (stage.py),
which brings in the indexer and its processes.
"""

from __future__ import annotations


class Bundle:
    """One Pagefind index as last made (a shard, or a routing index): its key, the folder its files went to,
    their digests, their bytes (kept in memory by the preview only) and, for a shard of a sharded index,
    its words by routing bucket; for a routing index, what its records stand for."""

    __slots__ = ("key", "folder", "files", "data", "words", "ids")

    def __init__(self, key: str, folder: str, files: dict[str, str], data: dict[str, bytes] | None = None,
                 words: dict[int, str] | None = None, ids: dict[str, str] | None = None):
        self.key, self.folder, self.files, self.data = key, folder, files, data
        self.words = words or {}  # a shard's words by routing bucket, joined by spaces
        self.ids = ids or {}  # a routing index's records: {id: the shard it stands for}

    def plain(self) -> tuple:
        """As the saved state keeps it, the files as one string: a few large strings load fast, many small ones do not."""
        files = "\n".join(f"{rel}\t{digest}" for rel, digest in self.files.items())
        return (self.key, self.folder, files, self.words, self.ids)


class SearchMemory:
    """The search stage's part of the build state."""

    def __init__(self):
        # out_path -> (page digest, indexed digest, region, size, has an <html> element)
        self.pages: dict[str, tuple[str, str, bool, int, bool]] = {}
        self.shards: dict[str, Bundle] = {}
        self.routes: dict[int, Bundle] = {}  # routing bucket -> its routing index

    def plain(self) -> dict:
        return {"pages": self.pages, "shards": {name: b.plain() for name, b in self.shards.items()},
                "routes": {which: b.plain() for which, b in self.routes.items()}}

    @classmethod
    def from_plain(cls, plain: dict) -> "SearchMemory":
        memory = cls()
        memory.pages = {path: tuple(values) for path, values in plain["pages"].items()}
        memory.shards = {name: _bundle(values) for name, values in plain["shards"].items()}
        memory.routes = {which: _bundle(values) for which, values in plain["routes"].items()}
        return memory


def _bundle(values) -> Bundle:
    key, folder, files, words, ids = values
    files = dict(line.split("\t") for line in files.split("\n")) if files else {}
    return Bundle(key, folder, files, None, dict(words), dict(ids))
