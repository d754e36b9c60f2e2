"""The preview's server: the one module that imports tornado and livereload.

tornado serves; livereload is used only through its public API: its three request handlers (`/livereload`, the
WebSocket that speaks the livereload protocol to livereload.js; `/livereload.js`; `/forcereload`) and
`LiveReloadHandler.reload_waiters`, which tells every connected browser to reload. Everything else is ours:

- every request, to any endpoint, passes `refusal()` (Host, and Origin) before a handler sees it;
- a request's headers must arrive within `Limits.header_timeout`, which is also how long a kept-alive connection
  may sit idle; a body has `body_timeout`;
- at most `Limits.max_connections` connections are open: a new one closes the one idle longest, so sockets that
  send half a request and stop cannot shut anyone out, nor run the process out of file descriptors;
- log records of one kind are let through a few at a time (`LogLimit`), so no client can flood the terminal.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import socket
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher
from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.netutil import bind_sockets
from tornado.wsgi import WSGIContainer

from ..build import BuildOptions
from ..diagnostics import Location
from .app import LOOPBACK_NAMES, REASONS, Preview, PreviewApp, Snapshot, host_name, refusal
from .watch import Changes, should_reload

log = logging.getLogger("site_builder.preview")

# livereload.js, loaded from the address the page came from (as livereload's own snippet does it)
LIVE_SCRIPT = (b'<script>(function(){var s=document.createElement("script");'
               b'var p=window.location.port||(window.location.protocol=="https:"?443:80);'
               b's.src="//"+window.location.hostname+":"+p+"/livereload.js?port="+p;'
               b'document.head.appendChild(s);})();</script>')


@dataclass(frozen=True)
class Limits:
    header_timeout: float = 10.0  # seconds for a request's headers to arrive; also the idle time allowed
    body_timeout: float = 10.0
    max_connections: int = 200  # fewer where the open-file limit is low: see connection_cap()
    max_header_size: int = 64 * 1024
    max_body_size: int = 1024 * 1024  # the preview answers GET and HEAD only
    max_message_size: int = 64 * 1024  # one WebSocket message from livereload.js


def connection_cap(wanted: int) -> int:
    """No more connections than half the open-file limit, so the build and the watcher keep room for theirs."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft // 2))


# --- logging without floods --------------------------------------------------------------------------------------


class LogLimit(logging.Filter):
    """Lets through `burst` records of one kind per `window` seconds, holding back the rest.

    The first record of a kind after a window in which some were held back says how many.
    """

    def __init__(self, burst: int = 5, window: float = 10.0, clock=time.monotonic):
        super().__init__()
        self.burst, self.window, self.clock = burst, window, clock
        self.kinds: dict[tuple, list] = {}  # kind -> [when its window began, records seen in it]
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, record.levelno, str(record.msg)[:200], record.exc_info[0] if record.exc_info else None)
        now = self.clock()
        with self.lock:
            seen = self.kinds.get(kind)
            if seen is not None and now - seen[0] < self.window:
                seen[1] += 1
                return seen[1] <= self.burst
            held = seen[1] - self.burst if seen is not None and seen[1] > self.burst else 0
            if len(self.kinds) >= 1000:  # many kinds: forget them rather than grow
                self.kinds.clear()
            self.kinds[kind] = [now, 1]
        if held:
            record.msg, record.args = f"{record.getMessage()} ({held} more like this were held back)", ()
        return True


_handler: logging.Handler | None = None


def configure_logging(stream=None) -> logging.Handler:
    """One rate-limited handler for livereload's, tornado's, asyncio's and the preview's own records."""
    global _handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(LogLimit())
    levels = {"livereload": logging.INFO, "tornado": logging.WARNING, "tornado.access": logging.ERROR,
              "asyncio": logging.WARNING, "site_builder": logging.WARNING}
    for name, level in levels.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if name != "tornado.access":
            if _handler is not None:
                logger.removeHandler(_handler)
            logger.addHandler(handler)
            logger.propagate = False
    _handler = handler
    return handler


# --- the guarded server ------------------------------------------------------------------------------------------


class Connections:
    """The open connections, the one idle longest first; each is idle (awaiting a request's headers) or busy."""

    def __init__(self, cap: int):
        self.cap = cap
        self.open: dict[IOStream, bool] = {}  # stream -> busy; in the order they became idle (or busy)

    def admit(self, stream: IOStream) -> bool:
        """Make room for a new connection by closing the one idle longest; False when every one is busy."""
        for gone in [s for s in self.open if s.closed()]:
            del self.open[gone]
        if len(self.open) >= self.cap:
            idle = next((s for s, busy in self.open.items() if not busy), None)
            if idle is None:
                log.warning("%d connections are open and busy: a new one was refused", len(self.open))
                return False
            log.warning("%d connections are open: the one idle longest was closed", len(self.open))
            del self.open[idle]
            idle.close()
        self.open[stream] = False
        return True

    def mark(self, stream: IOStream, busy: bool) -> None:
        if stream in self.open:
            del self.open[stream]
            self.open[stream] = busy


class _Gate(httputil.HTTPMessageDelegate):
    """In front of every endpoint: a request refused for its Host or Origin never reaches a handler."""

    def __init__(self, inner: httputil.HTTPMessageDelegate, request_conn: httputil.HTTPConnection,
                 allowed_hosts: frozenset[str] | None, on_headers):
        self.inner, self.request_conn, self.allowed_hosts = inner, request_conn, allowed_hosts
        self.on_headers = on_headers
        self.refused = False

    def headers_received(self, start_line, headers: httputil.HTTPHeaders):
        self.on_headers()
        response = refusal(headers.get("Host"), headers.get("Origin"), self.allowed_hosts)
        if response is None:
            return self.inner.headers_received(start_line, headers)
        self.refused = True
        fields = httputil.HTTPHeaders({"Content-Type": response.content_type, "Cache-Control": "no-store",
                                       "Content-Length": str(len(response.body))})
        body = b"" if getattr(start_line, "method", "") == "HEAD" else response.body
        start = httputil.ResponseStartLine("HTTP/1.1", response.status, REASONS.get(response.status, "Refused"))
        self.request_conn.write_headers(start, fields, body)
        self.request_conn.finish()
        return None

    def data_received(self, chunk: bytes):
        return None if self.refused else self.inner.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.inner.on_connection_close()


class GuardedServer(HTTPServer):
    """tornado's HTTP server with timeouts, a cap on open connections and the Host and Origin check."""

    def initialize(self, request_callback, allowed_hosts: frozenset[str] | None = None,
                   limits: Limits = Limits(), **kwargs) -> None:
        super().initialize(request_callback, idle_connection_timeout=limits.header_timeout,
                           body_timeout=limits.body_timeout, max_header_size=limits.max_header_size,
                           max_body_size=limits.max_body_size, **kwargs)
        self.allowed_hosts = allowed_hosts
        self.connections = Connections(connection_cap(limits.max_connections))

    def handle_stream(self, stream: IOStream, address: tuple) -> None:
        if not self.connections.admit(stream):
            stream.close()
            return
        super().handle_stream(stream, address)

    def start_request(self, server_conn, request_conn: httputil.HTTPConnection) -> httputil.HTTPMessageDelegate:
        stream = server_conn.stream  # a new request on this connection: it is idle until its headers are in
        self.connections.mark(stream, busy=False)
        return _Gate(super().start_request(server_conn, request_conn), request_conn, self.allowed_hosts,
                     lambda: self.connections.mark(stream, busy=True))


def make_server(app: PreviewApp, allowed_hosts: frozenset[str] | None, limits: Limits = Limits()) -> GuardedServer:
    """livereload's endpoints, then the preview app for every other path; not yet listening."""
    LiveReloadHandler.watcher = Watcher()  # as livereload's Server sets it: its log names the watcher's last path
    LiveReloadHandler.live_css = True
    routes = [(r"/livereload", LiveReloadHandler), (r"/forcereload", ForceReloadHandler),
              (r"/livereload.js", LiveReloadJSHandler), (r".*", web.FallbackHandler, {"fallback": WSGIContainer(app)})]
    application = web.Application(routes, websocket_max_message_size=limits.max_message_size)
    return GuardedServer(application, allowed_hosts=allowed_hosts, limits=limits)


def reload_browsers() -> None:
    """On the server's loop: every browser connected to /livereload reloads its page."""
    LiveReloadHandler.reload_waiters("*")


# --- the command -------------------------------------------------------------------------------------------------


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


def listen_error(host: str, port: int, exc: OSError) -> str:
    """What to tell when the preview cannot listen on host:port."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    other = port + 1 if port < 65535 else 8000
    if exc.errno == errno.EADDRINUSE:
        return (f"site-builder: error: port {port} is busy: another program is listening on {where}\n"
                f"    hint: stop that program, or choose another port: site-builder serve --port {other}")
    if exc.errno == errno.EACCES:
        return (f"site-builder: error: not allowed to listen on {where}\n"
                f"    hint: ports below 1024 need special rights; choose another: site-builder serve --port {8000}")
    return (f"site-builder: error: cannot listen on {where}: {exc.strerror or exc}\n"
            "    hint: --host must be an address of this machine; --port chooses another port")


class Session:
    """One running preview: its build, where its changes come from, and the snapshot the browsers last saw."""

    def __init__(self, root: Path, host: str, drafts: bool):
        self.preview = Preview(root, BuildOptions(drafts=drafts, preview=True), search=True)  # the index catches up after each build
        allowed = LOOPBACK_NAMES | {host_name(host)} if is_loopback(host) else None
        self.app = PreviewApp(self.preview, LIVE_SCRIPT, allowed_hosts=allowed)
        self.changes = Changes(root, lambda text: print(text, file=sys.stderr, flush=True))  # knows the files now
        self.shown: Snapshot = self.preview.snapshot
        self.loop: IOLoop | None = None

    def first_build(self) -> None:
        """While this is the one thread: a large site's build may fork workers."""
        self.shown = self.preview.rebuild()
        self.changes.start()  # the kernel's watch, set up before it returns

    def notify(self, snapshot: Snapshot) -> None:
        """On the rebuild thread, after a rebuild; the reload goes out on the server's loop."""
        if self.loop is not None and should_reload(self.shown, snapshot):
            self.loop.add_callback(reload_browsers)
        self.shown = snapshot

    async def run(self, sockets: list[socket.socket], limits: Limits, open_url: str | None) -> None:
        server = make_server(self.app, self.app.allowed_hosts, limits)
        server.add_sockets(sockets)
        self.loop = IOLoop.current()
        rebuilds = self.changes.loop(self.preview.rebuild, self.notify)
        threading.Thread(target=rebuilds.run, name="site-builder-rebuild", daemon=True).start()
        if open_url:
            threading.Timer(0.5, webbrowser.open, (open_url,)).start()
        await asyncio.Event().wait()  # until Ctrl-C


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          open_browser: bool = False) -> int:
    """Run the live preview until Ctrl-C. Returns the exit code."""
    try:
        return _serve(Path(root), host, port, drafts, open_browser)
    except KeyboardInterrupt:  # Ctrl-C
        return 0


def _serve(root: Path, host: str, port: int, drafts: bool, open_browser: bool) -> int:
    host = host.strip().strip("[]")  # an IPv6 address may come in URL brackets
    if not host:
        print("site-builder: error: --host must name an address, such as 127.0.0.1", file=sys.stderr)
        return 2
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
    try:
        sockets = bind_sockets(port, address=host)  # first: a busy port is told before anything else
    except OSError as exc:
        print(listen_error(host, port, exc), file=sys.stderr)
        return 2
    try:
        configure_logging()
        session = Session(root, host, drafts)
        session.first_build()
        url = f"http://{f'[{host}]' if ':' in host else host}:{port}{session.preview.snapshot.base}"
        print(f"serving the preview at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        asyncio.run(session.run(sockets, Limits(), url if open_browser else None))
    finally:
        for sock in sockets:
            sock.close()
    return 0
