"""Change detection for the preview, and the rebuild loop it drives.

Kernel file notifications (`NotifyFeed`, through watchfiles) report which files under content/ and templates/
changed, and site.yml is looked at a few times a second. Where the kernel's watch cannot be had, or once it fails,
a scan of those places (`Scanner`) finds the same. `Changes` picks one and falls back from the first to the second.
A rebuild thread (`RebuildLoop`) waits for a burst of saves to settle, rebuilds once, told which files changed (so
an edit costs what it touches, not what the site holds), and only then asks the browser to reload.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from .app import Snapshot
from ..files import signature_of, stat_signature
from ..build import skipped

log = logging.getLogger("site_builder.preview")



class Debounce:
    """A burst of changes becomes one rebuild: due once no change has been seen for `quiet` seconds."""

    def __init__(self, quiet: float = 0.05):
        self.quiet = quiet
        self.last_change: float | None = None

    def changed(self, now: float) -> None:
        self.last_change = now

    def due(self, now: float) -> bool:
        return self.last_change is not None and now - self.last_change >= self.quiet

    def done(self) -> None:
        self.last_change = None


def should_reload(shown: Snapshot, new: Snapshot) -> bool:
    """Reload after a good build, or after a failed one with new errors to show (over the last good pages).

    Either way the build has finished and the snapshot is already in place, so the reload never sees a half-built
    site; a failed build whose errors the browser already shows does not reload it again, and neither does a
    rebuild that left the snapshot as it was (files went away under it).
    """
    if new.generation == shown.generation:
        return False
    return not new.errors or new.errors != shown.errors


def watch_paths(root: Path) -> list[str]:
    """What a rebuild depends on: the files under content/ and templates/, and site.yml (even if made later)."""
    base = Path(root).resolve()
    return [str(base / "content"), str(base / "templates"), str(base / "site.yml")]


def site_changes(root: Path, paths: Iterable) -> set[str]:
    """The changed paths a rebuild is told of: those inside the site, without editors' scratch files.

    Paths stay absolute (the build takes them so; a relative one is taken as relative to the site). A path
    outside the site, or with a part that is an editor's scratch name, is dropped; folders and other unknown
    paths stay, and make the build look further.
    """
    bases = (os.path.realpath(root), os.path.abspath(root))  # a watcher may report either form
    kept = set()
    for path in map(os.fspath, paths):
        path = os.path.join(bases[1], path)
        rel = next((r for r in (os.path.relpath(path, base) for base in bases)
                    if r != ".." and not r.startswith(".." + os.sep)), None)
        if rel is None or rel == ".":
            continue
        if not skipped(rel):  # names the build never reads (editors' scratch files)
            kept.add(path)
    return kept


def file_signatures(path: str) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every visible file at or under `path`; dot files and linked folders are left out."""
    found: dict[str, tuple] = {}
    if os.path.isfile(path):
        try:
            st = os.stat(path)
        except OSError:  # gone while we looked
            return found
        return {path: stat_signature(st)}
    folders = [path]
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except OSError:  # missing, or gone while we looked
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        st = entry.stat()
                        found[entry.path] = stat_signature(st)
                except OSError:
                    continue
    return found


class Scanner:
    """Finds changes by scanning content/, templates/ and site.yml, comparing (mtime, size) of every file.

    It knows the files as they are when made: only later edits count. One os.scandir pass; a file moved in
    with an old mtime still counts as new, and a removed file counts too.
    """

    def __init__(self, root: Path):
        self.paths = watch_paths(root)
        self.known = {path: file_signatures(path) for path in self.paths}

    def changes(self) -> set[str]:
        """The paths that changed since the last call (or since the scanner was made)."""
        changed: set[str] = set()
        for path in self.paths:
            now, before = file_signatures(path), self.known[path]
            if now != before:
                changed.update(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
                self.known[path] = now
        return changed


class RebuildLoop:
    """Takes changes, debounces them, rebuilds, then notifies (the browser reload), all on one thread.

    `poll()` returns what changed since it was last called: a set of paths (empty: nothing), or True when
    something changed but not what. The paths of a burst are gathered and handed to `rebuild(changed)`
    (None when any of them was unknown), so the build looks at those files only. With `wake` (an Event a
    watching thread sets when it has news) the loop sleeps until then instead of polling on a rhythm.
    """

    def __init__(self, poll: Callable[[], set[str] | bool], rebuild: Callable[[set[str] | None], Snapshot],
                 notify: Callable[[Snapshot], None], quiet: float = 0.05, min_interval: float = 0.05,
                 clock: Callable[[], float] = time.monotonic, wake: threading.Event | None = None):
        self.poll, self.rebuild, self.notify = poll, rebuild, notify
        self.debounce = Debounce(quiet)
        self.min_interval = min_interval
        self.clock = clock
        self.stop = threading.Event()
        self.wake = wake
        self.pending: set[str] | None = set()  # what changed since the last rebuild; None: not known

    def step(self) -> float:
        """One round: take changes, rebuild when a burst has settled. Returns how long to wait next."""
        started = self.clock()
        seen = self.poll()
        if seen:
            self.debounce.changed(self.clock())
            if seen is True or self.pending is None:
                self.pending = None
            else:
                self.pending |= seen
        cost = self.clock() - started
        if self.debounce.due(self.clock()):
            self.debounce.done()
            changed, self.pending = self.pending, set()
            self.notify(self.rebuild(changed))
        if self.debounce.last_change is not None:
            return self.debounce.quiet  # a burst is on: look again once it may have settled
        if self.wake is not None:
            return 1.0  # the watching thread wakes us
        # polling a big site costs time: keep it to a small share of one core
        return max(self.min_interval, 4 * cost)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                wait = self.step()
            except Exception:  # keep watching whatever happens
                log.exception("the rebuild loop failed; it goes on")
                wait = 1.0
            if self.wake is not None:
                self.wake.wait(wait)
                self.wake.clear()  # before the next poll: news that comes after it wakes us again
            else:
                self.stop.wait(wait)


class Changes:
    """Where the preview's changes come from: kernel notifications where they can be had, else scanning.

    Make it before the first build (the scanner then knows the files as they were), and `start()` it after:
    what changed during the build and before the kernel's watch began is handed over then.
    """

    def __init__(self, root: Path, log_line: Callable[[str], None]):
        self.root = Path(root).resolve()
        self.log_line = log_line
        self.scanner = Scanner(self.root)
        self.wake = threading.Event()
        self.feed: NotifyFeed | None = None

    def start(self) -> None:
        self.feed = notify_feed(self.root, self.wake)
        if self.feed is not None:
            missed = self.scanner.changes()
            if missed:
                self.feed.add(missed)

    def poll(self) -> set[str] | bool:
        if self.feed is None:
            return site_changes(self.root, self.scanner.changes())  # edits, new files, removals since the last scan
        taken = self.feed.take()
        if self.feed.error is not None:  # the kernel's watch failed: scan from now on
            self.log_line(f"file notifications stopped ({self.feed.error}); looking for changes by scanning instead")
            self.feed = None
            self.scanner.changes()
            return True
        return True if taken is True else site_changes(self.root, taken)

    def loop(self, rebuild: Callable[[set[str] | None], Snapshot], notify: Callable[[Snapshot], None]) -> RebuildLoop:
        if self.feed is None:
            return RebuildLoop(self.poll, rebuild, notify)
        # the feed hands over settled bursts and wakes the loop: no second wait, no polling rhythm
        return RebuildLoop(self.poll, rebuild, notify, quiet=0.0, wake=self.wake)


def notify_feed(root: Path, wake: threading.Event) -> "NotifyFeed | None":
    """Kernel file notifications for the preview, started; None where they are not to be had (then: scanning).

    SITE_BUILDER_WATCH=scan asks for scanning.
    """
    if os.environ.get("SITE_BUILDER_WATCH", "") == "scan":
        return None
    try:
        feed = NotifyFeed(root, wake)
    except ImportError:
        return None
    feed.start()
    if not feed.ready.wait(10) or feed.error is not None:  # the watch could not be set up: scan instead
        feed.stop.set()
        return None
    return feed


class NotifyFeed:
    """Changes as the kernel reports them (inotify and its kin, through watchfiles), gathered on a thread.

    content/ and templates/ are watched as they are when the feed starts; site.yml, and whether those
    folders exist, are looked at every `tick` seconds (a folder made or removed restarts the watch and
    counts as an unknown change). `take()` returns what was gathered since the last call; `wake` is set
    whenever there is news. A burst is handed over once it has been quiet for `step_ms`.
    """

    def __init__(self, root: Path, wake: threading.Event, step_ms: int = 25, tick: float = 0.25):
        import watchfiles  # noqa: F401 (fails here, not on the thread, when it is missing)
        self.root = Path(root).resolve()
        self.wake = wake
        self.step_ms, self.tick = step_ms, tick
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._pending: set[str] | bool = set()
        self._folders = self._present()
        self._site_yml = self._signature()
        self.error: BaseException | None = None
        self.ready = threading.Event()  # set once the watch is in place (or has failed)

    def _present(self) -> tuple[str, ...]:
        return tuple(os.fspath(self.root / sub) for sub in ("content", "templates") if (self.root / sub).is_dir())

    def _signature(self):
        return signature_of(self.root / "site.yml")

    def add(self, paths) -> None:
        """Count these paths (absolute, or True: unknown) as changed."""
        with self._lock:
            if paths is True or self._pending is True:
                self._pending = True
            else:
                self._pending |= paths
        self.wake.set()

    def take(self) -> set[str] | bool:
        with self._lock:
            pending, self._pending = self._pending, set()
        return pending

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="site-builder-watch", daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        restarted = False
        while not self.stop.is_set():
            try:
                restarted = self._watch(self._folders, restarted)
            except Exception as exc:  # the watch failed (e.g. no watches left): say so once, then poll instead
                self.error = exc
                self.add(True)
                self.ready.set()
                return

    def _watch(self, folders: tuple[str, ...], restarted: bool) -> bool:
        """Watch these folders until they change (returns True then) or the feed stops."""
        import watchfiles
        if not folders:
            self.ready.set()
            self.stop.wait(self.tick)
            return self._look() or restarted
        for batch in watchfiles.watch(*folders, watch_filter=None, step=self.step_ms,
                                      rust_timeout=int(self.tick * 1000), yield_on_timeout=True,
                                      stop_event=self.stop, raise_interrupt=False):
            self.ready.set()  # the first answer comes once the watch is in place
            if restarted:  # a new watch, for other folders: what changed before it began is not known
                restarted = False
                self.add(True)
            if batch:
                self.add({path for _, path in batch})
            if self._look():
                return True
        return restarted

    def _look(self) -> bool:
        """site.yml and the folders; True when the watch must start again."""
        signature = self._signature()
        if signature != self._site_yml:
            self._site_yml = signature
            self.add({os.fspath(self.root / "site.yml")})
        folders = self._present()
        if folders != self._folders:
            self._folders = folders
            self.add(True)
            return True
        return False
