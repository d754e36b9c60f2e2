"""Helper programs (the search indexers) run within a budget of memory, and never outlive the build.

Each child gets its own process group, a memory limit, and a request to the kernel to kill it when
the builder dies (Linux), so a builder killed with SIGTERM or SIGKILL leaves no indexer running; the
builder ends a child by killing its whole group. Their scratch folders live in a folder of the site's
cache named after the builder's process; the next build removes the folders of builders that are no
longer running.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from ..files import real_folder
from ..output.trees import clear

_PR_SET_PDEATHSIG = 1


def _prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def in_child(memory: int | None):
    """What the child does before it starts (Popen's preexec_fn): die with the builder, and stay within
    `memory` bytes of address space. Only system calls run in the child, nothing that takes a lock."""
    prctl = _prctl()  # found before the fork: the child only calls it
    parent = os.getpid()

    def limit() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the builder died before the request was made
                os._exit(1)
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return limit


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the child started with start_new_session=True and everything it started, and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextmanager
def scratch(cache: Path, name: str):
    """A new folder `<cache>/<name>-<pid>` for this process, removed after; leftovers of builders that are
    no longer running (killed ones) are removed first. Links are removed as links, never followed."""
    if not real_folder(cache):
        raise OSError(f"cannot make the folder {cache}")
    for entry in os.scandir(cache):
        pid = entry.name.removeprefix(f"{name}-")
        if entry.name.startswith(f"{name}-") and pid.isdigit() and (int(pid) == os.getpid() or not _running(int(pid))):
            clear(Path(entry.path))
    folder = Path(os.path.abspath(cache / f"{name}-{os.getpid()}"))  # whole: a tool run inside it is given it
    folder.mkdir()
    try:
        yield folder
    finally:
        clear(folder)


class Folders:
    """Scratch folders for helper processes run at once, one each: `<cache>/<name>-<pid>/<n>/`, or in a
    temporary folder when there is no cache (the preview). Nothing is made until the first is asked for;
    `close()` removes them all."""

    def __init__(self, cache: Path | None, name: str):
        self.cache, self.name = cache, name
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._made = None  # the context that made the root, closed by close()
        self._count = 0

    def new(self) -> str:
        """A new empty folder (OSError when it cannot be made)."""
        with self._lock:
            if self._root is None:
                made = scratch(self.cache, self.name) if self.cache is not None else \
                    tempfile.TemporaryDirectory(prefix=f"site-{self.name}-")
                self._root = Path(made.__enter__())
                self._made = made
            self._count += 1
            folder = self._root / str(self._count)
        folder.mkdir()
        return str(folder)

    def close(self) -> None:
        with self._lock:
            made, self._made, self._root = self._made, None, None
        if made is not None:
            made.__exit__(None, None, None)

    def __enter__(self) -> "Folders":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
