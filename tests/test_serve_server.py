"""The preview's server in this process, with small limits: header timeout, the cap on connections, the gate."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import socket
import threading
import time

import pytest
from tornado.netutil import bind_sockets
from tornado.websocket import websocket_connect

from conftest import write_site
from site_builder.preview.app import LOOPBACK_NAMES, Preview, PreviewApp
from site_builder.preview.server import Limits, make_server
from test_serve import SITE

GUARD = 10  # seconds: a bound so that a broken server fails the test instead of hanging it
PARTIAL = b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # and then nothing: the headers never end


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    preview = Preview(write_site(tmp_path_factory.mktemp("server") / "site", dict(SITE)), log=lambda text: None)
    assert preview.rebuild().built
    return PreviewApp(preview, allowed_hosts=LOOPBACK_NAMES)


@contextlib.contextmanager
def running(app: PreviewApp, limits: Limits):
    """The server on a loopback port, its loop on a thread of its own; yields the port."""
    sockets = bind_sockets(0, "127.0.0.1")
    started, state = threading.Event(), {}

    async def main():
        server = make_server(app, LOOPBACK_NAMES, limits)
        server.add_sockets(sockets)
        state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
        started.set()
        await state["stop"].wait()
        server.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(GUARD)
    try:
        yield sockets[0].getsockname()[1]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(GUARD)


def get(port: int, path: str = "/docs/") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def closed_by_server(sock: socket.socket, within: float = GUARD) -> bool:
    """True when the server closes this socket (it reads end of file) before `within` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_headers_that_never_end_are_cut_off_after_the_header_timeout(app):
    with running(app, Limits(header_timeout=0.5)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=GUARD) as slow:
            slow.sendall(PARTIAL)
            assert closed_by_server(slow)
        with socket.create_connection(("127.0.0.1", port), timeout=GUARD) as idle:  # sends nothing at all
            assert closed_by_server(idle)
        assert get(port) == 200


def test_the_connection_idle_longest_makes_room_for_a_new_one(app):
    with running(app, Limits(max_connections=8)) as port:
        slow = [socket.create_connection(("127.0.0.1", port), timeout=GUARD) for _ in range(20)]
        try:
            for sock in slow:
                with contextlib.suppress(OSError):  # the server may have closed it already
                    sock.sendall(PARTIAL)
                time.sleep(0.01)
            assert get(port) == 200  # answered at once, though 20 half-requests came first
            assert all(closed_by_server(sock) for sock in slow[:12])  # the oldest made room
            assert not any(closed_by_server(sock, within=0.2) for sock in slow[-6:])  # the newest are still open
        finally:
            for sock in slow:
                sock.close()


def test_a_livereload_socket_is_never_the_one_closed_to_make_room(app):
    async def scenario(port: int) -> dict:
        ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
        slow = [socket.create_connection(("127.0.0.1", port), timeout=GUARD) for _ in range(20)]
        try:
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(PARTIAL)
            await asyncio.get_running_loop().run_in_executor(None, get, port)
            await ws.write_message(json.dumps({"command": "hello", "protocols": []}))
            message = await asyncio.wait_for(ws.read_message(), GUARD)
            assert message is not None, "the livereload socket was closed"
            return json.loads(message)
        finally:
            ws.close()
            for sock in slow:
                sock.close()

    with running(app, Limits(max_connections=8)) as port:
        assert asyncio.run(scenario(port))["command"] == "hello"


def test_every_endpoint_is_behind_the_host_and_origin_check(app):
    with running(app, Limits()) as port:
        for path in ("/forcereload", "/livereload.js", "/livereload", "/docs/"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD)
            conn.request("GET", path, headers={"Host": "evil.example"})
            assert conn.getresponse().status == 400, path
            conn.close()
        assert get(port, "/livereload.js") == 200 and get(port, "/forcereload") == 200

        async def upgrade(origin: str):
            await websocket_connect(http_request(port, origin))

        from tornado.httpclient import HTTPClientError
        with pytest.raises(HTTPClientError) as refused:
            asyncio.run(upgrade("http://evil.example"))
        assert refused.value.code == 403


def http_request(port: int, origin: str):
    from tornado.httpclient import HTTPRequest
    return HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers={"Origin": origin}, request_timeout=GUARD)
