"""The live preview: a rebuild loop, an in-memory WSGI app, and the livereload adapter (the only livereload user).

Three parts, each usable alone:

- `Preview` builds the site in memory and holds the latest `Snapshot`. A new snapshot replaces the old one in a
  single assignment, and only after a build has finished, so a request never sees a half-built site. A failed build
  keeps the last good pages and records its errors.
- `PreviewApp` is a plain WSGI app (environ in, bytes out) that serves a snapshot under base_url's path, with an
  error overlay on every HTML response while the latest build has errors. It never touches a file the build did not
  name, so a request path cannot reach anything outside the site.
- `serve()` wires them to livereload. Kernel file notifications (`NotifyFeed`, through watchfiles) report which
  files under content/ and templates/ changed, and site.yml is looked at a few times a second; where the kernel's
  watch cannot be had, a scan of those folders (`PreviewWatcher`) finds the same. A rebuild thread waits for a
  burst of saves to settle, rebuilds once, told which files changed (so an edit costs what it touches, not what
  the site holds), and only then asks the browser to reload.
"""

from __future__ import annotations

import html
import ipaddress
import mimetypes
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import quote

from livereload import Server
from livereload.handlers import LiveReloadHandler
from livereload.server import LiveScriptContainer
from livereload.watcher import Watcher
from tornado import httputil, web
from tornado.ioloop import IOLoop

from .. import build as _build
from ..read import discover as _discover
from ..build import BuildOptions, BuildResult, BuildState, build_site
from ..diagnostics import Diagnostic, Location
from ..pages.templates import THEME_DIR

MAX_PATH = 2048
OVERLAY_ID = "site-builder-errors"
OVERLAY_LIMIT = 50

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
}
KIND_TYPES = {"feed": "application/atom+xml; charset=utf-8"}


def content_type(out_path: str, kind: str = "") -> str:
    """A fixed table first (the system's MIME files vary between machines), then the standard library's guess."""
    if kind in KIND_TYPES:
        return KIND_TYPES[kind]
    suffix = Path(out_path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(out_path, strict=False)
    return guessed or "application/octet-stream"


# --- the latest build, in memory -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the server shows: the last good output plus the errors of the latest build (none when it was good)."""

    generation: int = 0
    base: str = "/"
    files: Mapping[str, bytes | Path] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)  # where the file name does not tell (the feed)
    errors: tuple[Diagnostic, ...] = ()
    built: bool = False  # False until a first build has succeeded


Builder = Callable[..., BuildResult]


def new_build_state():
    """What one rebuild leaves for the next: the builder's incremental state."""
    return BuildState()


class Preview:
    """Builds a site in memory and keeps the latest snapshot; safe to read from any thread at any time."""

    def __init__(self, root: Path, options: BuildOptions = BuildOptions(), build: Builder = build_site,
                 log=None):
        self.root = Path(root)
        self.options = options
        self._build = build
        self._state = new_build_state()
        self._lock = threading.Lock()
        self._log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.snapshot = Snapshot()
        self.allowed = (self.root.resolve(), THEME_DIR.resolve())

    def rebuild(self, changed: set[str] | None = None) -> Snapshot:
        """Build, then swap the snapshot in one step. Never raises for a problem in the site.

        `changed`: the paths a watcher saw change since the last rebuild (None: unknown, look at every file).
        """
        with self._lock:
            started = time.perf_counter()
            told = {} if changed is None else {"changed": changed}
            try:
                result = self._build(self.root, self.options, write=False, cache=self._state, **told)
            except Exception as exc:  # a bug in the builder must not stop the preview
                self._log(traceback.format_exc().rstrip())
                self._state = new_build_state()  # whatever it kept may be half-updated: start the next one clean
                result = BuildResult([Diagnostic("error", f"internal error while building: {exc!r}",
                                                 Location("site.yml"), "please report this")], False)
            old = self.snapshot
            if result.ok and result.index is not None:
                types = {r.out_path: KIND_TYPES[r.kind] for r in result.routes if r.kind in KIND_TYPES}
                new = Snapshot(old.generation + 1, result.index.urls.base, dict(result.outputs), types, (), True)
            else:
                errors = tuple(d for d in result.diagnostics if d.severity == "error")
                new = Snapshot(old.generation + 1, old.base, old.files, old.types, errors, old.built)
            self.snapshot = new
            self._report(result, time.perf_counter() - started)
            return new

    def _report(self, result: BuildResult, seconds: float) -> None:
        for diag in result.diagnostics:
            self._log(diag.format())
        if result.ok:
            pages = sum(1 for r in result.routes if r.kind != "asset")
            rendered = getattr(result, "rendered", None)
            anew = f" ({len(rendered)} rendered anew)" if rendered is not None else ""
            self._log(f"built {pages} pages{anew} in {seconds:.3f} s")
        else:
            count = sum(1 for d in result.diagnostics if d.severity == "error")
            self._log(f"build failed with {count} error{'s' if count != 1 else ''}; "
                      "the preview shows them over the last good pages")

    def read(self, value: bytes | Path) -> bytes | None:
        """The bytes of one output; a copied file must still lie inside the site or the theme."""
        if isinstance(value, bytes):
            return value
        try:
            real = Path(value).resolve(strict=True)
            if not any(real.is_relative_to(base) for base in self.allowed) or not real.is_file():
                return None
            return real.read_bytes()
        except (OSError, RuntimeError):
            return None


# --- the WSGI app ------------------------------------------------------------------------------------------------


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def request_path(environ: dict) -> str:
    """The decoded request path, or BadRequest for anything a browser would not send for a page of the site."""
    raw = environ.get("PATH_INFO", "")
    if environ.get("SCRIPT_NAME"):
        raw = environ["SCRIPT_NAME"] + raw
    try:
        path = raw.encode("latin-1").decode("utf-8")  # WSGI hands over the path bytes as latin-1 text
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadRequest(400, "the path is not valid UTF-8")
    if len(path) > MAX_PATH:
        raise BadRequest(414, "the path is too long")
    if not path.startswith("/"):
        raise BadRequest(400, "the path must start with /")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path) or "\\" in path:
        raise BadRequest(400, "the path contains a control character or a backslash")
    segments = path[1:].split("/")
    if any(seg in (".", "..") for seg in segments) or "" in segments[:-1]:
        raise BadRequest(400, "the path contains '.', '..' or an empty segment")
    return path


def host_name(header: str) -> str:
    """The name part of a Host header: '[::1]:8000' -> '::1', 'Localhost.:80' -> 'localhost'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0].rstrip(".") if header.count(":") <= 1 else header


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    location: str = ""


REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           414: "URI Too Long", 500: "Internal Server Error"}


class PreviewApp:
    """WSGI: serves `preview.snapshot` under its base path. `live_script` is added to HTML pages (the reload hook)."""

    def __init__(self, preview: Preview, live_script: bytes = b"", allowed_hosts: frozenset[str] | None = None):
        self.preview = preview
        self.live_script = live_script
        self.allowed_hosts = allowed_hosts  # None: any Host header

    def __call__(self, environ: dict, start_response):
        try:
            response = self.respond(environ)
        except Exception:  # a bug here must cost one request, not the server
            traceback.print_exc()
            response = Response(500, b"internal error in the preview server\n", "text/plain; charset=utf-8")
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
        if response.location:
            headers.append(("Location", response.location))
        if response.status == 405:
            headers.append(("Allow", "GET, HEAD"))
        start_response(f"{response.status} {REASONS.get(response.status, 'Error')}", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.body]

    def respond(self, environ: dict) -> Response:
        snap = self.preview.snapshot  # read once: the whole request sees one build
        method = environ.get("REQUEST_METHOD", "")
        try:
            path = request_path(environ)
        except BadRequest as exc:
            return Response(exc.status, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        if self.allowed_hosts is not None and host_name(environ.get("HTTP_HOST", "")) not in self.allowed_hosts:
            # a page elsewhere that points its own domain name at 127.0.0.1 (DNS rebinding) reads nothing
            return Response(400, b"unexpected Host header: open the preview at its 127.0.0.1 address\n",
                            "text/plain; charset=utf-8")
        if method not in ("GET", "HEAD"):
            return Response(405, b"the preview only answers GET and HEAD\n", "text/plain; charset=utf-8")
        query = environ.get("QUERY_STRING", "")
        suffix = "?" + query if query else ""
        if not snap.built:
            return self._finish(snap, Response(500, _PAGE.format(title="The site did not build").encode()))
        if path + "/" == snap.base or (path == "/" and snap.base != "/"):
            return Response(302, b"", location=quote(snap.base, safe="/%") + suffix)
        if not path.startswith(snap.base):
            return self._not_found(snap)
        rel = path[len(snap.base):]
        key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        if key in snap.files:
            body = self.preview.read(snap.files[key])
            if body is None:
                return self._not_found(snap)
            return self._finish(snap, Response(200, body, snap.types.get(key) or content_type(key)))
        if rel + "/index.html" in snap.files:
            return Response(302, b"", location=quote(path + "/", safe="/") + suffix)
        return self._not_found(snap)

    def _not_found(self, snap: Snapshot) -> Response:
        page = snap.files.get("404.html")
        body = self.preview.read(page) if page is not None else None
        return self._finish(snap, Response(404, body or _PAGE.format(title="Not found").encode()))

    def _finish(self, snap: Snapshot, response: Response) -> Response:
        if not response.content_type.startswith("text/html"):
            return response
        body = response.body
        if snap.errors:
            body = insert_before(body, b"</body>", error_overlay(snap.errors))
        if self.live_script:
            body = insert_before(body, b"</head>", self.live_script)
        response.body = body
        return response


_PAGE = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body></body></html>\n"


def insert_before(body: bytes, marker: bytes, insert: bytes) -> bytes:
    """Insert before the last `marker` (case-insensitive), or append when the page has none."""
    at = body.lower().rfind(marker)
    return body + insert if at < 0 else body[:at] + insert + body[at:]


def error_overlay(errors: tuple[Diagnostic, ...]) -> bytes:
    """A fixed panel over the page listing file:line:col, message and hint, every part escaped."""
    esc = html.escape
    items = []
    for diag in errors[:OVERLAY_LIMIT]:
        hint = f'<div style="color:#ffd479;margin-top:.2em">hint: {esc(diag.hint)}</div>' if diag.hint else ""
        items.append(f'<li style="margin:0 0 1em"><code style="color:#9cdcfe">{esc(str(diag.location))}</code>'
                     f'<div style="white-space:pre-wrap">{esc(diag.message)}</div>{hint}</li>')
    if len(errors) > OVERLAY_LIMIT:
        items.append(f"<li>... and {len(errors) - OVERLAY_LIMIT} more (see the terminal)</li>")
    count = len(errors)
    panel = (
        f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;inset:0;z-index:2147483647;overflow:auto;'
        'box-sizing:border-box;padding:2rem;background:rgba(24,4,4,.94);color:#f4f4f4;'
        'font:15px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left">'
        f'<h2 style="margin:0 0 .5em;font-size:1.3em;color:#ff8080">The site did not build: '
        f'{count} error{"s" if count != 1 else ""}</h2>'
        '<p style="margin:0 0 1.5em">Behind this panel is the last good build. Fix the file and save: '
        'the page reloads by itself after the next good build.</p>'
        f'<ol style="margin:0;padding-left:1.5em">{"".join(items)}</ol></div>'
    )
    return panel.encode("utf-8")


# --- change detection and the rebuild loop -----------------------------------------------------------------------


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
    site; a failed build whose errors the browser already shows does not reload it again.
    """
    return not new.errors or new.errors != shown.errors


def watch_paths(root: Path) -> list[str]:
    """What a rebuild depends on: the files under content/ and templates/, and site.yml (even if made later)."""
    base = Path(root).resolve()
    return [str(base / "content"), str(base / "templates"), str(base / "site.yml")]


def file_signatures(path: str) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every visible file at or under `path`; dot files and linked folders are left out."""
    found: dict[str, tuple[int, int]] = {}
    if os.path.isfile(path):
        st = os.stat(path)
        return {path: (st.st_mtime_ns, st.st_size)}
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
                        found[entry.path] = (st.st_mtime_ns, st.st_size)
                except OSError:
                    continue
    return found


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
                traceback.print_exc()
                wait = 1.0
            if self.wake is not None:
                self.wake.wait(wait)
                self.wake.clear()  # before the next poll: news that comes after it wakes us again
            else:
                self.stop.wait(wait)


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


def site_relative(root: Path, paths) -> set[str]:
    """Changed paths as the build knows files (relative to the site), without the files it never reads.

    Names discover_sources skips (editor backups, hidden files, anything under such a folder) are dropped,
    so an editor's temporary file does not count as a change; folders and unknown files stay, and make the
    build walk the site. Paths outside the site are dropped.
    """
    return {rel for rel in _build.relative_paths(root, paths)
            if not rel.startswith(("../", "/")) and not any(_discover.ignored(part) for part in rel.split("/"))}


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
        try:
            st = os.stat(self.root / "site.yml")
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

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
        import watchfiles
        restarted = False
        while not self.stop.is_set():
            folders = self._folders
            try:
                for batch in watchfiles.watch(*folders, watch_filter=None, step=self.step_ms,
                                              rust_timeout=int(self.tick * 1000), yield_on_timeout=True,
                                              stop_event=self.stop, raise_interrupt=False) if folders else ():
                    self.ready.set()  # the first answer comes once the watch is in place
                    if restarted:  # a new watch, for other folders: what changed before it began is not known
                        restarted = False
                        self.add(True)
                    if batch:
                        self.add({path for _, path in batch})
                    if self._look():
                        restarted = True
                        break
                else:
                    if not folders:
                        self.ready.set()
                        self.stop.wait(self.tick)
                        restarted = self._look() or restarted
            except Exception as exc:  # the watch failed (e.g. no watches left): say so once, then poll instead
                self.error = exc
                self.add(True)
                self.ready.set()
                return

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


# --- the livereload adapter --------------------------------------------------------------------------------------


class PreviewWatcher(Watcher):
    """livereload's watcher (its task list and examine()), driven by our rebuild thread instead of its 0.8 s timer.

    livereload calls start() once the server is set up; we hand over to `on_start` and return True so that it
    starts no timer of its own (its timer would reload the browser as soon as a file changes, before any build).
    The scan itself is one os.scandir pass comparing (mtime, size) of every file: on a 10,000-file site it costs
    about a sixth of livereload's glob-and-stat walk, and a file moved in with an old mtime still counts as new.
    """

    on_start: Callable[[], None] | None = None

    def start(self, callback) -> bool:
        if self.on_start is not None:
            self.on_start()
        return True

    def is_changed(self, path, ignore=None) -> bool:
        now = file_signatures(path)
        before = self._task_mtimes  # examine() points this at the task's own record
        changed = now != before
        if changed:
            self.changed_paths.update(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
        before.clear()
        before.update(now)
        return changed

    def take(self) -> set[str]:
        """The paths seen to change since the last call."""
        taken, self.changed_paths = self.changed_paths, set()
        return taken


def make_watcher(root: Path, on_change: Callable[[], None], scan: bool = True) -> PreviewWatcher:
    """A watcher over content/, templates/ and site.yml that already knows the current files.

    With scan=False it watches nothing (kernel notifications do the watching); livereload still needs
    the object to start the server.
    """
    watcher = PreviewWatcher()
    watcher.changed_paths = set()
    primed = threading.Event()

    def task(changed=None) -> None:
        if primed.is_set():
            on_change()

    task.name = "rebuild"  # how livereload's log names it
    for path in watch_paths(root) if scan else ():
        watcher.watch(path, task, delay="forever")
    watcher.examine()  # remember what is there now: only later edits count
    watcher.take()
    primed.set()
    return watcher


class _Container(LiveScriptContainer):
    """Calls the WSGI app; a malformed Host header gets 400 (tornado's WSGI bridge would fail on it with a 500)."""

    def __call__(self, request):
        parts = request.host.split(":")
        if len(parts) == 2:
            try:
                int(parts[1])
            except ValueError:
                body = b"malformed Host header\n"
                headers = httputil.HTTPHeaders({"Content-Type": "text/plain; charset=utf-8",
                                                "Content-Length": str(len(body)), "Cache-Control": "no-store"})
                request.connection.write_headers(httputil.ResponseStartLine("HTTP/1.1", 400, "Bad Request"),
                                                 headers, chunk=body)
                request.connection.finish()
                return
        super().__call__(request)


class _PreviewServer(Server):
    """livereload's server with our app behind it; the app, not livereload, adds the reload script to HTML."""

    def get_web_handlers(self, script):
        self.app.live_script = script  # livereload's own snippet
        return [(r".*", web.FallbackHandler, {"fallback": _Container(self.app, b"")})]


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str:
    line = "!" * 78
    return (f"{line}\n"
            f"WARNING: the preview listens on {host}:{port}, not on 127.0.0.1.\n"
            "Anyone who can reach this machine on that address can read the preview, drafts included.\n"
            "Use --host only on a network you trust; leave it out to keep the preview on this machine.\n"
            f"{line}")


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          open_browser: bool = False) -> int:
    """Run the live preview until Ctrl-C. Returns the exit code."""
    try:
        return _serve(Path(root), host, port, drafts, open_browser)
    except KeyboardInterrupt:  # Ctrl-C during the first build
        return 0


def _serve(root: Path, host: str, port: int, drafts: bool, open_browser: bool) -> int:
    host = host.strip("[]")  # an IPv6 address may come in URL brackets
    if not is_loopback(host):
        print(exposure_warning(host, port), file=sys.stderr, flush=True)
    if not (1 <= port <= 65535):
        print(f"site-builder: error: --port must be between 1 and 65535, not {port}", file=sys.stderr)
        return 2
    if not (root / "site.yml").is_file():
        print(f"{Location('site.yml')}: error: no site.yml here: is this the site's folder?\n"
              "    hint: run the command in the site's folder, or give the folder: site-builder serve SITE",
              file=sys.stderr)
        return 1

    preview = Preview(Path(root), BuildOptions(drafts=drafts))
    app = PreviewApp(preview, allowed_hosts=LOOPBACK_NAMES | {host_name(host)} if is_loopback(host) else None)
    wake = threading.Event()
    watcher = make_watcher(root, lambda: None)  # a scan of content/, templates/ and site.yml, as they are now
    preview.rebuild()  # the first build, while this is the one thread: it may fork workers on a large site
    feed = notify_feed(root, wake)  # the kernel's watch, set up before it returns
    if feed is not None:
        watcher.examine()  # what changed during the first build and before the watch began
        missed = watcher.take()
        if missed:
            feed.add(missed)
    scanning = [feed is None]

    def poll() -> set[str] | bool:
        if scanning[0]:
            watcher.examine()  # edits, new files, removals since the last scan
            return site_relative(root, watcher.take())
        taken = feed.take()
        if feed.error is not None:  # the kernel's watch failed: scan from now on
            print(f"file notifications stopped ({feed.error}); looking for changes by scanning instead",
                  file=sys.stderr, flush=True)
            watcher.examine()
            watcher.take()
            scanning[0] = True
            return True
        return True if taken is True else site_relative(root, taken)

    def start_rebuilds() -> None:  # called by livereload on the server's thread, just before its loop starts
        loop = IOLoop.current()
        shown = [preview.snapshot]

        def notify(snapshot: Snapshot) -> None:  # on the rebuild thread; the reload goes out on the server's loop
            if should_reload(shown[0], snapshot):
                loop.add_callback(LiveReloadHandler.reload_waiters, "*")
            shown[0] = snapshot

        if feed is None:
            rebuilds = RebuildLoop(poll, preview.rebuild, notify)
        else:  # the feed hands over settled bursts and wakes the loop: no second wait, no polling rhythm
            rebuilds = RebuildLoop(poll, preview.rebuild, notify, quiet=0.0, wake=wake)
        threading.Thread(target=rebuilds.run, name="site-builder-rebuild", daemon=True).start()

    watcher.on_start = start_rebuilds
    display = f"[{host}]" if ":" in host else host
    print(f"serving the preview at http://{display}:{port}{preview.snapshot.base} (Ctrl-C to stop)",
          file=sys.stderr, flush=True)
    server = _PreviewServer(app, watcher)
    try:
        server.serve(port=port, host=host, debug=False, open_url_delay=0.5 if open_browser else None,
                     restart_delay=0)
    except OSError as exc:
        print(f"site-builder: error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
