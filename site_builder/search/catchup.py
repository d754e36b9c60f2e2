"""Search in the preview: the index brought up to date on a thread of its own, after the edited page is served.

The preview's builds never wait for the indexer. After each good build the preview's rebuild thread
hands the result to `SearchCatchUp` and goes back to watching; the catch-up thread updates the index (only the
shards whose indexed text changed, with one indexer process, so a core stays free for the next
rebuild) and swaps the new index files into the snapshot. Until then the snapshot serves the index
of the build before, and after the swap it still serves the files of that previous index that the
new one no longer has (their names are their contents' digests), so a search begun on the previous
index finishes on it: a search made while the index catches up gets the previous results, never an
error. Builds that come while the index is being made are folded into one: the latest is indexed next.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Callable

FOLDER = "pagefind/"
log = logging.getLogger("site_builder.preview")


class SearchCatchUp:
    """Keeps a preview's search index up to date, one build behind at most."""

    def __init__(self, index: Callable, swap_in: Callable, report: Callable[[str], None], processes: int = 1):
        self.index = index  # build.index_search
        self.swap_in = swap_in  # swap_in(make): replaces the preview's snapshot with make(snapshot), atomically
        self.report = report
        self.processes = processes
        self.current: dict = {}  # the index files swapped in last
        self._previous: dict = {}  # the ones before them, still served
        self._wanted = None  # (result, state) of the latest build not yet indexed
        self._busy = False
        self._said: set[str] = set()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, result, state) -> None:
        """Index this build's pages next (a build not yet indexed is dropped for it)."""
        with self._cond:
            self._wanted = (result, state)
            self._cond.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="site-builder-search", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every build handed over is indexed (True), or the timeout passes (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._wanted is None and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted is not None)
                (result, state), self._wanted = self._wanted, None
                self._busy = True
            try:
                self._index(result, state)
            except Exception:  # the index stays as it was; the next build tries again
                log.exception("the search index could not be brought up to date")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _index(self, result, state) -> None:
        searched = self.index(result.routes, result.outputs, result.index.config, state, None, self.processes)
        if searched is None:  # search: off
            files = {}
        elif searched.problems:  # the indexer failed: keep what the preview has, and say so once
            for problem in searched.problems:
                if problem.message not in self._said:
                    self._said.add(problem.message)
                    self.report(problem.format())
            return
        else:
            files = searched.outputs
        self._previous, self.current = self.current, dict(files)
        kept = {path: data for path, data in self._previous.items() if path not in files and _named_by_content(path)}
        self.swap_in(lambda snapshot: dataclasses.replace(snapshot, files=_with_index(snapshot.files, files, kept)))


def _with_index(files: dict, index: dict, kept: dict) -> dict:
    return {**{path: data for path, data in files.items() if not path.startswith(FOLDER)}, **kept, **index}


def _named_by_content(path: str) -> bool:
    """Index files whose names change with their contents: a search begun on the previous index asks for these."""
    return path.endswith((".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter"))
