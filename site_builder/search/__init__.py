"""The static search index: Pagefind, kept up to date one shard at a time.

Optional by design. When the `pagefind` package (with its bundled binary) is installed and the site
does not say `search: off`, the explainers, pages and fact sheets are indexed as they will be
published, and the index files join the build's outputs under pagefind/. Without the package the
build warns and goes on, and the search page falls back to plain links.

- extract.py: the part of a page the indexer reads, cut out (hashed, and sent to the indexer);
- shards.py: which shard each page belongs to, and where each shard's files go;
- indexer.py: the indexer processes, fed pages from memory, several at once within a memory budget;
- stage.py: the stage itself, and its part of the build state.

The same pages give the same index files, so builds stay reproducible.
"""

from .indexer import SearchError, available, executable  # noqa: F401
from .stage import FOLDER, SearchMemory, Searched, Sources, update_index  # noqa: F401
