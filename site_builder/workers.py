"""Work spread over forked worker processes when there is enough of it, for parsing and rendering.

Workers are forked, so they start with the parent's memory (the parsed site, the linked index,
the compiled templates) at no cost. What a job needs is handed to each worker once, by the pool's
initializer, and each job is then only an argument; with one process the same function is called
with the same context directly, as it is in the parent for its own share of the chunks. Forking
is safe only while the parent runs a single thread.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Iterable, Iterator

from .i18n import locales

_context = None  # in a worker process only: what the pool's initializer handed over


def worker_count(jobs: int, minimum: int) -> int:
    """How many processes to use: one for small jobs, on one core, or where forking is not safe."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs < minimum or cpus < 2 or threading.active_count() > 1:
        return 1
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 8)


def _start(context) -> None:
    global _context
    _context = context


def _run_chunk(job: tuple[Callable, list]) -> tuple[list, dict]:
    fn, chunk = job
    return [fn(_context, item) for item in chunk], locales.learned()  # (and what Babel told this worker)


def run(fn: Callable, context, items: list, minimum: int) -> Iterator[list]:
    """fn(context, item) for every item, in order, yielded a chunk of results at a time.

    In worker processes when there are at least `minimum` items and it is safe; fn must be a
    module-level function (it travels to the workers by name) and its results picklable. The parent
    is one of the processes: it takes every so many chunks itself (in turn with the workers, so the
    chunks still come out in order) rather than wait, which spares one copy of the site in memory.
    """
    workers = worker_count(len(items), minimum)
    if workers == 1:
        for item in items:
            yield [fn(context, item)]
        return
    size = max(8, min(128, len(items) // (workers * 8)))
    chunks = [items[n:n + size] for n in range(0, len(items), size)]
    theirs: Iterable = ((fn, chunk) for n, chunk in enumerate(chunks) if n % workers)
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(workers - 1, initializer=_start, initargs=(context,)) as pool:
        done = pool.imap(_run_chunk, theirs)
        for n, chunk in enumerate(chunks):
            if n % workers == 0:
                yield [fn(context, item) for item in chunk]
                continue
            results, answers = next(done)
            locales.recall(answers)  # so the parent's build state keeps them for the next process
            yield results
