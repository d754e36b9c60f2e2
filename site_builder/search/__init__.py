"""The static search index: Pagefind, kept up to date one shard at a time.

Optional by design. When the `pagefind` package (with its bundled binary) is installed and the site
does not say `search: off`, the explainers, pages and fact sheets are indexed as they will be
published, and the index files join the build's outputs under pagefind/. Without the package the
build warns and goes on, and the search page falls back to plain links.

- extract.py: the part of a page the indexer reads, cut out (hashed, and sent to the indexer);
- shards.py: which shard each page belongs to, and where each shard's files go;
- indexer.py: the indexer processes, fed pages from memory, several at once within a memory budget;
- stage.py: the stage itself;
- memory.py: its part of the build state.

The same pages give the same index files, so builds stay reproducible.
"""

import importlib

_FROM = {"SearchError": "indexer", "available": "indexer", "executable": "indexer", "FOLDER": "stage",
         "SearchMemory": "memory", "Searched": "stage", "Sources": "stage", "update_index": "stage"}


def __getattr__(name: str):
    """The names above, each loaded from its module when first asked for: the indexer brings in process
    handling that a build with search off never uses."""
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_FROM[name]}", __name__), name)
