"""Work spread over forked worker processes when there is enough of it, for parsing and rendering.

Workers are forked, so they start with the parent's memory (the parsed site, the linked index,
the compiled templates, the function and the items) at no cost: nothing is sent to a worker but the
number of its next chunk, taken from a shared counter; only results travel back. With one process
the same function is called with the same context directly, as it is in the parent for the chunks
it takes itself. Forking is safe only while the parent runs a single thread.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Iterator

from .i18n import locales


def worker_count(jobs: int, minimum: int) -> int:
    """How many processes to use: one for small jobs, on one core, or where forking is not safe."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs < minimum or cpus < 2 or threading.active_count() > 1:
        return 1
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 8)


def _serve(fn, context, chunks: list, turn, results) -> None:
    """A worker: take the next chunk no process has taken yet, until none is left; send each chunk's results
    (with what Babel told this worker) to the parent. A failure is sent too, and ends the worker."""
    import pickle
    try:
        while (n := _take(turn)) < len(chunks):
            done = [fn(context, item) for item in chunks[n]]
            results.put((n, pickle.dumps((done, locales.learned()), pickle.HIGHEST_PROTOCOL)))  # (pickled here:
            # what cannot travel is then this worker's failure; the queue's own thread would print it, lose the chunk)
    except BaseException as exc:  # (the parent raises it; one that cannot travel is sent as its text)
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        results.put((None, exc))
    finally:
        results.close()
        results.join_thread()  # (every result is in the pipe before the worker ends)


def _take(turn) -> int:
    with turn.get_lock():
        n = turn.value
        turn.value = n + 1
    return n


def run(fn: Callable, context, items: list, minimum: int) -> Iterator[list]:
    """fn(context, item) for every item, in order, yielded a chunk of results at a time.

    In worker processes when there are at least `minimum` items and it is safe; fn must be a
    module-level function and its results picklable. Workers are forked, so fn and context reach them
    as they are in memory. The parent is one of the processes, which spares one copy of the site in
    memory: every process takes the next chunk no one has taken yet, so a process that runs slower
    (a worker also pickles what it sends; the parent takes in what it is sent) takes fewer. The parent
    yields the chunks in order, and waits for a worker's only when it has none left to take.
    """
    workers = worker_count(len(items), minimum)
    if workers == 1:
        for item in items:
            yield [fn(context, item)]
        return
    size = max(4, min(128, len(items) // (workers * 16)))
    chunks = [items[n:n + size] for n in range(0, len(items), size)]
    import multiprocessing
    forking = multiprocessing.get_context("fork")
    turn, results = forking.Value("q", 0), forking.Queue()
    helpers = [forking.Process(target=_serve, args=(fn, context, chunks, turn, results), daemon=True)
               for _ in range(workers - 1)]
    for helper in helpers:
        helper.start()
    ready: dict[int, list] = {}
    left, finished = True, False  # (left: chunks no process has taken yet)
    try:
        for following in range(len(chunks)):
            while following not in ready:
                if _arrived(results, ready, helpers, wait=False):
                    continue
                n = _take(turn) if left else len(chunks)
                if n < len(chunks):
                    ready[n] = [fn(context, item) for item in chunks[n]]
                else:
                    left = False
                    _arrived(results, ready, helpers, wait=True)
            yield ready.pop(following)
        finished = True
    finally:
        for helper in helpers:  # (finished: each ends once it finds no chunk left; else they are stopped)
            if not finished:
                helper.terminate()
            helper.join()
        results.close()


def _arrived(results, ready: dict, helpers: list, wait: bool) -> bool:
    """Take in a worker's results if one has arrived (with `wait`, once one arrives); whether one did.
    A worker's failure is raised here, and so is a worker that ended before sending what it took."""
    import pickle  # (both loaded with multiprocessing already)
    import queue
    while True:
        try:
            n, out = results.get(timeout=0.5) if wait else results.get_nowait()
        except queue.Empty:
            if not wait:
                return False
            if any(h.exitcode not in (None, 0) for h in helpers):
                raise RuntimeError("a worker process ended without finishing its work") from None
            continue
        if n is None:
            raise out
        ready[n], answers = pickle.loads(out)
        locales.recall(answers)  # so the parent's build state keeps them for the next process
        return True
