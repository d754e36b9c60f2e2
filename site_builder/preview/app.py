"""The preview's pages: the latest build in memory (`Preview`) and a plain WSGI app that serves it (`PreviewApp`).

- `Preview` builds the site in memory and holds the latest `Snapshot`. A new snapshot replaces the old one in a
  single assignment, and only after a build has finished, so a request never sees a half-built site. A failed build
  keeps the last good pages and records its errors.
- `PreviewApp` (environ in, bytes out) serves a snapshot under base_url's path, with an error overlay on every HTML
  response while the latest build has errors. It never touches a file the build did not name, so a request path
  cannot reach anything outside the site.
- `refusal()` is the check every request passes first, in this app and in front of the server's other endpoints:
  the Host header must name this preview, and an Origin, when a browser sends one, must be the preview itself.
"""

from __future__ import annotations

import errno
import html
import logging
import mimetypes
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import quote, urlsplit

from ..build import BuildOptions, BuildResult, BuildState, build_site, index_search
from ..diagnostics import Diagnostic, Location
from ..search.catchup import SearchCatchUp

MAX_PATH = 2048
OVERLAY_ID = "site-builder-errors"
OVERLAY_LIMIT = 50
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the built-in theme's files are copied from in here
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
log = logging.getLogger("site_builder.preview")

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
GONE = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ESTALE}


def went_away(exc: BaseException) -> bool:
    """True for an error that means a file changed or vanished under the build: a normal event while editing."""
    return isinstance(exc, OSError) and exc.errno in GONE


class Preview:
    """Builds a site in memory and keeps the latest snapshot; safe to read from any thread at any time."""

    def __init__(self, root: Path, options: BuildOptions = BuildOptions(preview=True), build: Builder = build_site,
                 log=None, search: bool = False):
        self.root = Path(root)
        self.options = options
        self._build = build
        self._state = BuildState()
        self._whole_site = True  # the next build looks at every file (a fresh state knows none)
        self._lock = threading.Lock()
        self._log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.snapshot = Snapshot()
        self.allowed = (self.root.resolve(), PACKAGE_DIR)
        self._swap = threading.Lock()  # the snapshot is replaced by the rebuild thread and the search thread
        # search: the index brought up to date after each good build, off the rebuild thread (search/catchup.py)
        self.search = SearchCatchUp(index_search, self.swap_in, self._log) if search else None

    def swap_in(self, make: Callable[[Snapshot], Snapshot]) -> Snapshot:
        """Replace the snapshot with make(snapshot), in one step."""
        with self._swap:
            self.snapshot = make(self.snapshot)
            return self.snapshot

    def rebuild(self, changed: set[str] | None = None) -> Snapshot:
        """Build, then swap the snapshot in one step. Never raises for a problem in the site.

        `changed`: the paths a watcher saw change since the last rebuild (None: unknown, look at every file).
        A build during which files went away keeps the snapshot as it was; the next one looks at every file.
        """
        with self._lock:
            started = time.perf_counter()
            told = {} if changed is None or self._whole_site else {"changed": changed}
            try:
                result = self._build(self.root, self.options, write=False, cache=self._state, **told)
            except Exception as exc:  # a bug in the builder, or files that vanished, must not stop the preview
                self._state, self._whole_site = BuildState(), True  # what it kept may be half-updated
                if went_away(exc):
                    self._log(f"files changed while the site was being built ({exc.filename or exc}); "
                              "the next change rebuilds it")
                    return self.snapshot
                log.exception("the build failed with an internal error")
                crash = Diagnostic("error", f"internal error while building: {exc!r}", Location("site.yml"),
                                   "please report this")
                self._log(crash.format())
                return self.swap_in(lambda old: self._failed(old, (crash,)))
            self._whole_site = False
            snapshot = self.swap_in(lambda old: self._next(old, result))
            self._report(result, time.perf_counter() - started)
            if self.search is not None and result.ok:
                self.search.submit(result, self._state)
            return snapshot

    def _next(self, old: Snapshot, result: BuildResult) -> Snapshot:
        if result.ok and result.index is not None:
            types = {r.out_path: KIND_TYPES[r.kind] for r in result.routes if r.kind in KIND_TYPES}
            index = {p: data for p, data in old.files.items() if p.startswith("pagefind/")}  # until it catches up
            return Snapshot(old.generation + 1, result.index.urls.base, {**result.outputs, **index}, types, (), True)
        return self._failed(old, tuple(d for d in result.diagnostics if d.severity == "error"))

    @staticmethod
    def _failed(old: Snapshot, errors: tuple[Diagnostic, ...]) -> Snapshot:
        return Snapshot(old.generation + 1, old.base, old.files, old.types, errors, old.built)

    def _report(self, result: BuildResult, seconds: float) -> None:
        for diag in result.diagnostics:
            self._log(diag.format())
        if result.ok:
            pages = sum(1 for r in result.routes if not r.spec.copied)
            rendered = getattr(result, "rendered", None)
            anew = f" ({len(rendered)} rendered anew)" if rendered is not None else ""
            self._log(f"built {pages} pages{anew} in {seconds:.3f} s")
        else:
            count = sum(1 for d in result.diagnostics if d.severity == "error")
            self._log(f"build failed with {count} error{'s' if count != 1 else ''}; "
                      "the preview shows them over the last good pages")

    def read(self, value: bytes | Path) -> bytes | None:
        """The bytes of one output; a copied file must still lie inside the site or the built-in theme."""
        if isinstance(value, bytes):
            return value
        try:
            real = Path(value).resolve(strict=True)
            if not any(real.is_relative_to(base) for base in self.allowed) or not real.is_file():
                return None
            return real.read_bytes()
        except (OSError, RuntimeError):
            return None


# --- who may ask -------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    location: str = ""


def _text(status: int, message: str) -> Response:
    return Response(status, f"{message}\n".encode(), "text/plain; charset=utf-8")


def host_and_port(header: str, default_port: int = 80) -> tuple[str, int] | None:
    """'[::1]:8000' -> ('::1', 8000), 'LocalHost.' -> ('localhost', 80); None for a malformed value."""
    header = header.strip().lower()
    if header.startswith("["):
        name, bracket, rest = header[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif header.count(":") > 1:  # an IPv6 address without brackets carries no port
        name, port = header, ""
    else:
        name, _, port = header.partition(":")
    name = name.rstrip(".")
    if not name or (port and not (port.isascii() and port.isdigit() and len(port) <= 5)):
        return None
    return name, int(port) if port else default_port


def host_name(header: str) -> str:
    """The name part of a Host header ('' when it is malformed)."""
    parsed = host_and_port(header)
    return parsed[0] if parsed else ""


def same_origin(origin: str, host: str) -> bool:
    """True when a browser's Origin header names the very address the request was sent to (its Host)."""
    try:
        parts = urlsplit(origin.strip())
    except ValueError:  # e.g. an unclosed '[' in the address
        return False
    defaults = {"http": 80, "https": 443}
    if parts.scheme not in defaults or parts.path or parts.query or not parts.netloc or "@" in parts.netloc:
        return False
    return host_and_port(parts.netloc, defaults[parts.scheme]) == host_and_port(host, defaults[parts.scheme])


def refusal(host: str | None, origin: str | None, allowed_hosts: frozenset[str] | None) -> Response | None:
    """Why a request must not be answered, as the response to give; None when it may be.

    - Host must parse, and (with `allowed_hosts`, for a preview on loopback) name this machine, so a page elsewhere
      that points its own domain name at 127.0.0.1 (DNS rebinding) reads nothing.
    - Origin, when there is one (a browser always sends it for a WebSocket), must be the preview itself, so a page
      elsewhere cannot open the reload socket or trigger a reload.
    """
    if host is not None and host_and_port(host) is None:
        return _text(400, "malformed Host header")
    if allowed_hosts is not None and host_name(host or "") not in allowed_hosts:
        return _text(400, "unexpected Host header: open the preview at its 127.0.0.1 address")
    if origin is not None and not same_origin(origin, host or ""):
        return _text(403, "cross-origin request refused: only the preview's own pages may ask this")
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


REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 414: "URI Too Long", 500: "Internal Server Error"}


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
            log.exception("the preview failed to answer a request")
            response = _text(500, "internal error in the preview server")
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
        try:
            path = request_path(environ)
        except BadRequest as exc:
            return _text(exc.status, str(exc))
        refused = refusal(environ.get("HTTP_HOST"), environ.get("HTTP_ORIGIN"), self.allowed_hosts)
        if refused is not None:
            return refused
        if environ.get("REQUEST_METHOD", "") not in ("GET", "HEAD"):
            return _text(405, "the preview only answers GET and HEAD")
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
