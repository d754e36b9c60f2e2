"""A bounded load test on loopback: 2,000 requests from 50 concurrent keep-alive clients, every answer checked."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

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
