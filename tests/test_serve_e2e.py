"""`site-builder serve` for real: a server process on loopback, an HTTP client, a livereload websocket client,
raw malformed requests, and (when chromium is installed) a headless browser that reloads by itself."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from conftest import MINIMAL_SITE_YML, write_site
from test_serve import BROKEN_FACT, SITE

DEADLINE = 30  # seconds; a bound so that a broken server fails the test instead of hanging it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`python -m site_builder serve ROOT --port P` in a child process, stopped on exit."""

    def __init__(self, root: Path, log: Path, *args: str, preexec_fn=None):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", str(root), "--port",
                                      str(self.port), *args], stdout=subprocess.DEVNULL,
                                     stderr=log.open("wb"), env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                     preexec_fn=preexec_fn)

    def wait_ready(self) -> None:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(OSError):
                self.get("/")
                return
            time.sleep(0.05)
        pytest.fail(f"the server did not answer within {DEADLINE} s:\n{self.log.read_text()}")

    def get(self, path: str, method: str = "GET", headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def raw(self, data: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=DEADLINE) as s:
            s.sendall(data)
            answer = b""
            while b"\r\n\r\n" not in answer and (chunk := s.recv(65536)):  # the status line and headers
                answer += chunk
        return answer

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def served(tmp_path):
    root = write_site(tmp_path / "site", dict(SITE))
    server = ServerProcess(root, tmp_path / "server.log")
    try:
        server.wait_ready()
        yield root, server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server for the tests that do not edit the site."""
    folder = tmp_path_factory.mktemp("shared")
    server = ServerProcess(write_site(folder / "site", dict(SITE)), folder / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def save(root: Path, rel: str, text: str) -> None:
    """Write a file as an editor would, with an mtime that surely differs from the last one."""
    path = root / rel
    before = path.stat().st_mtime_ns if path.exists() else 0
    write_site(root, {rel: text})
    now = path.stat().st_mtime_ns
    if now <= before:
        os.utime(path, ns=(now, before + 1_000_000))


class LiveReloadClient:
    """Speaks the livereload protocol as livereload.js does: hello, info, then waits for commands."""

    def __init__(self, port: int, page_url: str):
        self.port, self.page_url = port, page_url

    async def __aenter__(self):
        self.ws = await websocket_connect(f"ws://127.0.0.1:{self.port}/livereload")
        await self.ws.write_message(json.dumps({"command": "hello",
                                                "protocols": ["http://livereload.com/protocols/official-7"]}))
        hello = json.loads(await asyncio.wait_for(self.ws.read_message(), DEADLINE))
        assert hello["command"] == "hello"
        await self.ws.write_message(json.dumps({"command": "info", "url": self.page_url, "plugins": {}}))
        return self

    async def next_command(self) -> dict:
        message = await asyncio.wait_for(self.ws.read_message(), DEADLINE)
        assert message is not None, "the server closed the livereload connection"
        return json.loads(message)

    async def __aexit__(self, *exc):
        self.ws.close()


def test_edits_reach_the_browser_only_after_a_finished_build(served):
    root, server = served
    page = "/docs/explainers/hello/"
    status, headers, body = server.get(page)
    assert status == 200 and b"VERSION-ONE" in body
    assert b"livereload.js" in body and headers["Cache-Control"] == "no-store"

    async def scenario():
        async with LiveReloadClient(server.port, f"http://127.0.0.1:{server.port}{page}") as client:
            server.get(page)  # by now the server has read the client's info message: it is a waiter
            save(root, "content/explainers/hello.md", SITE["content/explainers/hello.md"].replace(
                "VERSION-ONE", "VERSION-TWO"))
            assert (await client.next_command())["command"] == "reload"
            # the reload is sent after the swap, so the very first request sees the new page
            status, _, body = server.get(page)
            assert status == 200 and b"VERSION-TWO" in body and b"site-builder-errors" not in body

            save(root, "content/facts/keepers/ada.yml", BROKEN_FACT)
            assert (await client.next_command())["command"] == "reload"
            status, _, body = server.get(page)
            assert status == 200 and b"VERSION-TWO" in body
            assert b"site-builder-errors" in body and b"content/facts/keepers/ada.yml:4:1" in body

            save(root, "content/facts/keepers/ada.yml", SITE["content/facts/keepers/ada.yml"].replace(
                "Ada Keeper", "Ada Lightkeeper"))
            assert (await client.next_command())["command"] == "reload"
            status, _, body = server.get(page)
            assert status == 200 and b"Ada Lightkeeper" in body and b"site-builder-errors" not in body

            save(root, "content/explainers/new-one.md",
                 "---\ntitle: A new one\nsummary: Added while serving.\ndate: 2024-05-01\n---\n\nNEW-PAGE\n")
            assert (await client.next_command())["command"] == "reload"
            status, _, body = server.get("/docs/explainers/new-one/")
            assert status == 200 and b"NEW-PAGE" in body

            (root / "content/explainers/new-one.md").unlink()
            assert (await client.next_command())["command"] == "reload"
            assert server.get("/docs/explainers/new-one/")[0] == 404

    asyncio.run(scenario())
    assert server.proc.poll() is None
    log = server.log.read_text()
    assert "serving the preview at http://127.0.0.1:" in log and "WARNING" not in log


def test_it_listens_on_loopback_only(shared):
    server = shared
    table = Path("/proc/net/tcp")
    if not table.exists():
        pytest.skip("no /proc/net/tcp on this system to read the listening address from")
    port = f"{server.port:04X}"
    listening = [line.split()[1] for line in table.read_text().splitlines()[1:]
                 if line.split()[1].endswith(":" + port) and line.split()[3] == "0A"]
    assert listening == ["0100007F:" + port]  # 127.0.0.1, and no 0.0.0.0 socket


@pytest.mark.parametrize("request_bytes, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1:notaport\r\n\r\n", 400),
    (b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nthis line has no colon\r\n\r\n", 400),
    (b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n", 400),
    (b"GET /docs/../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET /docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET /docs/..%2f..%2fsite.yml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET /docs/%c0%ae%c0%ae/site.yml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),  # overlong UTF-8 dots
    (b"GET http://127.0.0.1/etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET /docs/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"GET //etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    (b"DELETE /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
    (b"GET /docs/ HTTP/1.1\r\nHost: rebound.example\r\n\r\n", 400),
    (b"GET /docs/ HTTP/1.1\r\nHost: localhost\r\n\r\n", 200),
    (b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: *\r\n"
     b"If-Modified-Since: Sun, 01 Jan 2090 00:00:00 GMT\r\n\r\n", 200),
])
def test_raw_requests_on_the_wire(shared, request_bytes, status):
    server = shared
    answer = server.raw(request_bytes)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert b"root:" not in answer and b"base_url" not in answer
    assert server.get("/docs/")[0] == 200  # and the server is still fine


UPGRADE = ("GET /livereload HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n")


@pytest.mark.parametrize("request_text, status", [
    # livereload's own endpoints answer this preview's address...
    ("GET /forcereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", 200),
    ("GET /livereload.js HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n", 200),
    (UPGRADE.format(host="127.0.0.1:{port}", origin="Origin: http://127.0.0.1:{port}\r\n"), 101),
    (UPGRADE.format(host="127.0.0.1:{port}", origin=""), 101),  # not a browser: no Origin
    # ...and nobody else: a rebound domain name, a page elsewhere, a sandboxed frame
    ("GET /forcereload HTTP/1.1\r\nHost: evil.example\r\n\r\n", 400),
    ("GET /forcereload?path=x HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n", 400),
    ("GET /forcereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n\r\n", 403),
    ("GET /livereload.js HTTP/1.1\r\nHost: evil.example\r\n\r\n", 400),
    ("HEAD /livereload.js HTTP/1.1\r\nHost: evil.example\r\n\r\n", 400),
    ("GET /livereload.js HTTP/1.1\r\nHost: 127.0.0.1:notaport\r\n\r\n", 400),
    (UPGRADE.format(host="127.0.0.1:{port}", origin="Origin: http://evil.example\r\n"), 403),
    (UPGRADE.format(host="127.0.0.1:{port}", origin="Origin: null\r\n"), 403),
    (UPGRADE.format(host="evil.example", origin="Origin: http://evil.example\r\n"), 400),
    (UPGRADE.format(host="evil.example", origin=""), 400),
    ("GET /no-such-endpoint HTTP/1.1\r\nHost: evil.example\r\n\r\n", 400),
])
def test_livereloads_endpoints_check_host_and_origin(shared, request_text, status):
    server = shared
    answer = server.raw(request_text.replace("{port}", str(server.port)).encode())
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert server.get("/docs/")[0] == 200


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed: the headless-browser reload check "
                    "needs it (the websocket-client test above covers the reload protocol)")
@pytest.mark.slow
def test_a_real_browser_reloads_by_itself(served, tmp_path):
    root, server = served
    browser = subprocess.Popen([_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
                                "--no-first-run", "--remote-debugging-port=0",
                                f"--user-data-dir={tmp_path / 'profile'}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        asyncio.run(_browser_scenario(browser, root, server))
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait(10)


async def _browser_scenario(browser, root: Path, server: ServerProcess) -> None:
    loop = asyncio.get_running_loop()
    endpoint = await asyncio.wait_for(loop.run_in_executor(None, _devtools_endpoint, browser), DEADLINE)
    port = endpoint.split(":")[2].split("/")[0]
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=DEADLINE)
    conn.request("GET", "/json/list")
    pages = [t for t in json.loads(conn.getresponse().read()) if t["type"] == "page"]
    conn.close()
    ws = await websocket_connect(pages[0]["webSocketDebuggerUrl"], max_message_size=64 << 20)
    ids = iter(range(1, 10_000))

    async def call(method: str, **params):
        mine = next(ids)
        await ws.write_message(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.read_message(), DEADLINE))
            if message.get("id") == mine:
                return message.get("result", {})

    async def evaluate(expression: str):
        return (await call("Runtime.evaluate", expression=expression, returnByValue=True))["result"].get("value")

    async def until(expression: str) -> None:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if await evaluate(expression):
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"the browser never got to: {expression}")

    await call("Page.navigate", url=f"http://127.0.0.1:{server.port}/")  # redirected to /docs/
    await until("location.pathname === '/docs/' && document.readyState === 'complete'")
    await call("Page.navigate", url=f"http://127.0.0.1:{server.port}/docs/explainers/hello/")
    await until("document.body && document.body.innerText.includes('VERSION-ONE')")
    end = time.monotonic() + DEADLINE  # livereload.js has finished its handshake once the server logs it
    while "Browser Connected: http://127.0.0.1" not in server.log.read_text() and time.monotonic() < end:
        await asyncio.sleep(0.05)
    await evaluate("window.__marker = 'before the edit'")

    save(root, "content/explainers/hello.md", SITE["content/explainers/hello.md"].replace(
        "VERSION-ONE", "VERSION-TWO"))
    # only a reload both clears the marker and brings the new text
    await until("window.__marker === undefined && document.body && document.body.innerText.includes('VERSION-TWO')")

    save(root, "content/facts/keepers/ada.yml", BROKEN_FACT)
    await until("document.getElementById('site-builder-errors') !== null")
    assert "ada.yml:4:1" in await evaluate("document.getElementById('site-builder-errors').innerText")
    assert await evaluate("document.body.innerText.includes('VERSION-TWO')")  # the last good page is underneath

    save(root, "content/facts/keepers/ada.yml", SITE["content/facts/keepers/ada.yml"])
    await until("document.readyState === 'complete' && document.getElementById('site-builder-errors') === null"
                " && document.body.innerText.includes('VERSION-TWO')")
    ws.close()


def _devtools_endpoint(browser) -> str:
    for raw in browser.stderr:
        line = raw.decode(errors="replace")
        if "DevTools listening on " in line:
            threading.Thread(target=browser.stderr.read, daemon=True).start()  # keep the pipe from filling up
            return line.split("DevTools listening on ", 1)[1].strip()
    raise AssertionError("chromium exited without opening its debugging port")


def test_a_site_yml_that_does_not_load_is_reported_and_served_as_an_error(tmp_path):
    root = write_site(tmp_path / "site", {"site.yml": MINIMAL_SITE_YML + "bogus: [\n"})
    server = ServerProcess(root, tmp_path / "server.log")
    try:
        server.wait_ready()
        status, _, body = server.get("/anything/")
        assert status == 500 and b"site-builder-errors" in body and b"site.yml:" in body
        save(root, "site.yml", MINIMAL_SITE_YML)
        end = time.monotonic() + DEADLINE
        while server.get("/")[0] != 200 and time.monotonic() < end:
            time.sleep(0.05)
        status, _, body = server.get("/")
        assert status == 200 and b"site-builder-errors" not in body
    finally:
        server.stop()
