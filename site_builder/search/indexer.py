"""The indexer process: Pagefind's binary run as a service, given pages from memory, answering with the index.

The `pagefind` Python package brings the binary (`pagefind --service`), which reads requests on its
standard input and answers on its standard output, each a base64-encoded JSON message ended by a
comma. The package's own client waits a tenth of a second per answer, which would cost minutes on a
large site, so this module speaks the same protocol itself: one new index per shard, an AddFile
request per page (the page's bytes, never a file on disk), GetFiles for the finished index, and
DeleteIndex to free the service's memory before the next shard. Requests are written as the service
takes them and answers read as they come, under one deadline; a service that exits, answers with an
error or overruns its budget raises `SearchError`, and the process is ended.

`launch()` is the one place an indexer process is started: in a process group of its own, with a
memory limit and a request to die with the builder (see bounded.py), in a scratch folder of its own
inside the site's cache folder. Its time budget grows with the pages it is fed (`budget`); over it,
or when it fails or is closed, its whole process group is killed.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import select
import subprocess
import tempfile
import threading
import time
from typing import Callable, Iterable, Iterator, NamedTuple

from . import bounded

# Pagefind's own ready-made interfaces; the theme brings its own small, accessible one instead.
ENTRY = "pagefind-entry.json"
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
_CHUNK = 1 << 16


class SearchError(Exception):
    """The indexer could not index the site (the build goes on without search)."""


def executable() -> str | None:
    """The pagefind binary that the pagefind package brings, or None."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        found = get_executable()
    except Exception:  # a broken install counts as missing: search is optional
        return None
    return str(found) if found else None


def available() -> bool:
    """True when the pagefind package and a pagefind binary are both there."""
    return executable() is not None


def budget(pages: int, size: int) -> tuple[float, int | None]:
    """Seconds an index of `pages` pages of `size` bytes in all may take, and bytes of address space for a
    process that makes it: both grow with the pages (virtual memory: the service's threads reserve much)."""
    return 60 + 0.05 * pages + size / 1_000_000, 4_000_000_000 + 64 * size


def launch(binary: str, workdir: str, errors, memory: int | None = None) -> subprocess.Popen:
    """Start one indexer process (Pagefind as a service) in an empty working folder, so no configuration
    file of the user's changes the index; what it says on its error stream goes to `errors` (a file).
    It runs in a process group of its own, within `memory` bytes, and dies with the builder."""
    try:
        return subprocess.Popen([binary, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errors, cwd=workdir, close_fds=True, start_new_session=True,
                                preexec_fn=bounded.in_child(memory))
    except (OSError, subprocess.SubprocessError) as exc:
        raise SearchError(f"could not start {binary}: {getattr(exc, 'strerror', None) or exc}") from None


class Indexer:
    """One running indexer process; `index()` makes one index (a shard) at a time. Use as a context manager.

    `workdir`: an empty folder of its own to run in (None: a temporary one, removed on close);
    `memory`: its limit in bytes of address space (None: none)."""

    def __init__(self, binary: str, config: dict, workdir: str | None = None, memory: int | None = None):
        self.config = config
        self._scratch = tempfile.TemporaryDirectory(prefix="site-search-") if workdir is None else None
        workdir = self._scratch.name if self._scratch is not None else workdir
        try:
            self._errors = tempfile.TemporaryFile(dir=workdir)  # unnamed, in its own folder
        except OSError as exc:
            self._cleanup()
            raise SearchError(f"could not make the indexer's scratch file in {workdir}: {exc.strerror or exc}") from None
        try:
            self._proc = launch(binary, workdir, self._errors, memory)
        except SearchError:
            self._errors.close()
            self._cleanup()
            raise
        os.set_blocking(self._proc.stdin.fileno(), False)
        self._buffer = bytearray()
        self._next_id = 0

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the process (it exits when its input closes) and whatever is left of its process group
        (killed), and remove its folder."""
        proc = self._proc
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        bounded.kill_group(proc)
        proc.stdout.close()
        self._errors.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()

    def index(self, pages: Iterable[tuple[str, bytes] | dict]) -> dict[str, bytes]:
        """Index (url, html) pairs, or records (dicts of url, content, language, meta, filters, sort), in the
        order given; {file path in the bundle: bytes}, Pagefind's UI left out.

        Its time budget (`budget`) grows with the pages as they are sent; over it, the process is killed."""
        deadline = _Deadline()
        index_id = self._ask([{"type": "NewIndex", "config": self.config}], deadline)[0]["index_id"]
        adds = (deadline.fed(({"type": "AddRecord", "index_id": index_id, **page} if isinstance(page, dict) else
                              {"type": "AddFile", "index_id": index_id, "url": page[0], "file_path": None,
                               "file_contents": page[1].decode("utf-8", "replace")})) for page in pages)
        answers = self._ask(_then(adds, {"type": "GetFiles", "index_id": index_id}), deadline)
        try:
            files = {f["path"]: base64.b64decode(f["content"]) for f in answers[-1]["files"]}
        except (KeyError, TypeError, ValueError):
            raise self._failed("the indexer gave an index that could not be read") from None
        self._ask([{"type": "DeleteIndex", "index_id": index_id}], deadline)
        return {path: steady_entry(data) if path.endswith(ENTRY) else data
                for path, data in sorted(files.items()) if not path.startswith(UNUSED)}

    def _ask(self, requests: Iterable[dict], deadline: "_Deadline") -> list[dict]:
        """Send the requests as the process takes them and return its answers (payloads), in order."""
        sent, answers = 0, []
        pending = bytearray()
        todo = iter(requests)
        more = True
        stdin, stdout = self._proc.stdin.fileno(), self._proc.stdout.fileno()
        while more or pending or len(answers) < sent:
            while more and len(pending) < _CHUNK:
                request = next(todo, None)
                if request is None:
                    more = False
                    break
                sent += 1
                self._next_id += 1
                message = {"message_id": self._next_id, "payload": request}
                pending += base64.b64encode(json.dumps(message).encode("utf-8")) + b","
            left = deadline.left()
            if left <= 0:
                raise self._failed(f"the indexer took longer than its budget of {deadline.seconds():.0f} s "
                                   "and was killed")
            readable, writable, _ = select.select([stdout], [stdin] if pending else [], [], left)
            if writable:
                try:
                    written = os.write(stdin, pending[:_CHUNK])
                except BlockingIOError:
                    written = 0
                except OSError:
                    raise self._failed("the indexer stopped") from None
                del pending[:written]
            if readable:
                answers.extend(self._read(stdout))
        return answers

    def _read(self, stdout: int) -> Iterator[dict]:
        chunk = os.read(stdout, 1 << 20)
        if not chunk:
            raise self._failed("the indexer stopped")
        self._buffer += chunk
        while True:
            end = self._buffer.find(b",")
            if end < 0:
                return
            raw = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            try:
                payload = json.loads(base64.b64decode(raw))["payload"]
            except (ValueError, KeyError, TypeError):
                raise self._failed("the indexer gave an answer that could not be read") from None
            if payload.get("type") == "Error":
                raise self._failed(f"the indexer reported: {payload.get('message', 'an error')}")
            yield payload

    def _failed(self, message: str) -> SearchError:
        """The error to raise, with what the process said on its error stream; its process group is killed."""
        bounded.kill_group(self._proc)
        code = self._proc.returncode
        self._errors.seek(0)
        said = self._errors.read()[-2000:].decode("utf-8", "replace").strip()
        if code and "stopped" in message:
            message += f" (exit status {code})"
        return SearchError(f"{message}: {said}" if said else message)


class _Deadline:
    """The moment one index is due: its budget for the pages sent so far, from when it began."""

    def __init__(self):
        self.start = time.monotonic()
        self.pages = self.size = 0

    def fed(self, request: dict) -> dict:
        self.pages += 1
        self.size += len(request.get("file_contents") or request.get("content") or "")
        return request

    def seconds(self) -> float:
        return budget(self.pages, self.size)[0]

    def left(self) -> float:
        return self.start + self.seconds() - time.monotonic()


def steady_entry(data: bytes) -> bytes:
    """An index's entry file with its languages in order of name. Pagefind writes them in no set order (from
    one run to the next), and a page picks its language's index by name, so only the order of the bytes
    changed: the same site now gives the same file, which a host that uploads changed files does not send again."""
    try:
        entry = json.loads(data)
        entry["languages"] = dict(sorted(entry["languages"].items()))
    except (ValueError, KeyError, TypeError, AttributeError):
        return data  # not the shape it has had: left as it is
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()


def _then(items: Iterator[dict], last: dict) -> Iterator[dict]:
    yield from items
    yield last


class Job(NamedTuple):
    """One index to make: the memory its process is estimated to need (for how many run at once), the bytes
    of pages it is fed (for the memory limit), and its pages (a function that yields them)."""

    estimate: int
    size: int
    feed: Callable[[], Iterable]


def index_shards(jobs: dict[str, Job], binary: str, config: dict, memory_budget: int,
                 processes: int | None = None, after: Callable[[dict[str, bytes]], object] | None = None,
                 folders: bounded.Folders | None = None) -> dict[str, tuple[dict[str, bytes], object]]:
    """Index several shards at once: {name: Job} -> {name: (files, after(files))}.

    As many indexer processes as there are cores (at most `processes`), fewer when the largest shard's
    estimate times the count would pass `memory_budget` (at least one); each takes the next shard, largest
    first, when it is done with one, and runs `after` on what it made (on its own thread, while the others
    index). Each process runs in a folder of its own from `folders` (None: a temporary one), within the
    memory `budget` allows the largest shard. The first error stops every process after the shard it is
    making, and is raised.
    """
    order = sorted(jobs, key=lambda name: (-jobs[name].estimate, name))
    if not order:
        return {}
    count = min(process_count([job.estimate for job in jobs.values()], memory_budget), processes or len(order))
    limit = budget(0, max(job.size for job in jobs.values()))[1]
    todo = queue.SimpleQueue()
    for name in order:
        todo.put(name)
    done: dict[str, tuple[dict[str, bytes], object]] = {}
    failed: list[BaseException] = []

    def work() -> None:
        try:
            with Indexer(binary, config, _folder(folders), limit) as indexer:
                while not failed:
                    try:
                        name = todo.get_nowait()
                    except queue.Empty:
                        return
                    files = indexer.index(jobs[name].feed())
                    done[name] = (files, _after(after, files))
        except BaseException as exc:  # noqa: B902 (handed to the calling thread)
            failed.append(exc)

    if count == 1:
        work()
    else:
        threads = [threading.Thread(target=work, name=f"site-search-{n}", daemon=True) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failed:
        raise failed[0]
    return done


def _folder(folders: bounded.Folders | None) -> str | None:
    if folders is None:
        return None
    try:
        return folders.new()
    except OSError as exc:
        raise SearchError(f"could not make the indexer's scratch folder: {exc.strerror or exc}") from None


def _after(after, files: dict[str, bytes]):
    """What `after` makes of an index; an index it cannot read is the indexer's failure, not the build's."""
    if after is None:
        return None
    try:
        return after(files)
    except (ValueError, KeyError, TypeError, EOFError, OSError) as exc:  # gzip, JSON, a missing field
        raise SearchError(f"the indexer gave an index that could not be read ({exc})") from None


def process_count(estimates: list[int], budget: int) -> int:
    """How many indexer processes to run at once: one per core and per shard, as many as the budget holds
    each at the largest shard's estimate, and at least one."""
    return max(1, min(cpu_count(), len(estimates), budget // max(max(estimates, default=1), 1)))


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
