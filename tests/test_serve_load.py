"""Bounded load tests on loopback: 2,000 requests from 50 concurrent keep-alive clients, every answer checked;
and 1,100 slow clients that send half a request and stop, while a normal request must still be answered."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import write_site
from test_serve import SITE, clean_outputs
from test_serve_e2e import DEADLINE, ServerProcess

CLIENTS = 50
PER_CLIENT = 40  # 50 x 40 = 2,000 requests


def expected_answers(root: Path, live_script: bytes) -> list[tuple[str, str, int, bytes, str]]:
    """(method, path, status, body, Location) for a mix of pages, assets, redirects, misses and hostile paths."""
    outputs = clean_outputs(root)

    def served(data: bytes, out_path: str) -> bytes:
        if not out_path.endswith(".html"):
            return data
        at = data.rfind(b"</head>")
        return data[:at] + live_script + data[at:]

    answers = [("GET", "/docs/" + out.removesuffix("index.html"), 200, served(data, out), "")
               for out, data in sorted(outputs.items())]
    not_found = served(outputs["404.html"], "404.html")
    answers += [
        ("GET", "/", 302, b"", "/docs/"),
        ("GET", "/docs/explainers/hello", 302, b"", "/docs/explainers/hello/"),
        ("GET", "/docs/no-such-page/", 404, not_found, ""),
        ("GET", "/docs/../site.yml", 400, None, ""),
        ("GET", "/docs/%2e%2e/%2e%2e/etc/passwd", 400, None, ""),
        ("GET", "//etc/passwd", 400, None, ""),
        ("HEAD", "/docs/", 200, b"", ""),
    ]
    return answers


@pytest.mark.slow
def test_two_thousand_requests_from_fifty_clients_all_answered_correctly(tmp_path):
    root = write_site(tmp_path / "site", dict(SITE))
    server = ServerProcess(root, tmp_path / "server.log")
    try:
        server.wait_ready()
        home = server.get("/docs/")[2]
        raw_home = clean_outputs(root)["index.html"]
        at = raw_home.rfind(b"</head>")
        live_script = home[at:at + len(home) - len(raw_home)]
        assert live_script.startswith(b"<script") and home == raw_home[:at] + live_script + raw_home[at:]
        answers = expected_answers(root, live_script)
        assert len(answers) > 20

        start = threading.Barrier(CLIENTS)
        failures: list[str] = []
        done = [0] * CLIENTS

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=DEADLINE)
            try:
                start.wait(DEADLINE)
                for i in range(PER_CLIENT):
                    method, path, status, body, location = answers[(n * PER_CLIENT + i) % len(answers)]
                    conn.request(method, path)
                    response = conn.getresponse()
                    got = response.read()
                    problem = ""
                    if response.status != status:
                        problem = f"status {response.status}"
                    elif body is not None and got != body:
                        problem = f"body of {len(got)} bytes differs"
                    elif (response.getheader("Location") or "") != location:
                        problem = f"Location {response.getheader('Location')!r}"
                    elif response.getheader("Cache-Control") != "no-store":
                        problem = "missing Cache-Control: no-store"
                    if problem:
                        failures.append(f"{method} {path}: {problem}")
                    done[n] += 1
            except Exception as exc:  # a refused or dropped connection is a failure too
                failures.append(f"client {n}: {exc!r}")
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(DEADLINE * 2)
        assert not any(t.is_alive() for t in threads), "some clients never finished"
        assert failures == []
        assert sum(done) == CLIENTS * PER_CLIENT == 2000
        assert server.proc.poll() is None and server.get("/docs/")[0] == 200
    finally:
        server.stop()


SLOW_CLIENTS = 1100
SERVER_FILES = 1024  # the usual default limit on open files, under which the red team's server failed


def _limit_files():
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FILES, hard))


@contextlib.contextmanager
def _room_for_sockets(count: int):
    """This process may open `count` sockets (and more): the soft limit raised, for this test only."""
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"this system allows {hard} open files; the test needs {wanted}")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
def test_slow_clients_holding_half_a_request_do_not_shut_out_a_new_one(tmp_path):
    root = write_site(tmp_path / "site", dict(SITE))
    server = ServerProcess(root, tmp_path / "server.log", preexec_fn=_limit_files)
    slow: list[socket.socket] = []
    try:
        server.wait_ready()
        with _room_for_sockets(SLOW_CLIENTS):
            end = time.monotonic() + DEADLINE
            while len(slow) < SLOW_CLIENTS and time.monotonic() < end:
                try:
                    sock = socket.create_connection(("127.0.0.1", server.port), timeout=2)
                except OSError:  # the server's queue is full (as it was before the fix): go on trying
                    continue
                slow.append(sock)
                with contextlib.suppress(OSError):  # the server may already have closed it to make room
                    sock.sendall(b"GET /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")
            assert len(slow) == SLOW_CLIENTS
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)  # a hang guard, no more
            try:
                conn.request("GET", "/docs/")
                response = conn.getresponse()
                assert response.status == 200 and b"Lighthouses" in response.read()
            finally:
                conn.close()
        log = server.log.read_text(errors="replace")
        assert "Too many open files" not in log and "Traceback" not in log
        assert len(log) < 20_000  # a few lines, not a flood
        assert server.proc.poll() is None
    finally:
        for sock in slow:
            sock.close()
        server.stop()
