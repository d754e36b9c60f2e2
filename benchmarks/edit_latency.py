#!/usr/bin/env python3
"""Edit-to-updated-page time of the live preview (a benchmark, not a test).

For each site (a copy of the bundled site, and run.py's explainer-shaped corpus at about 10,000 pages) it
measures, over N edits of one explainer:

* rebuild: the in-memory build after the edit (`Preview.rebuild`), without file watching or debounce, told the
  edited file's path as the server's watcher tells it;
* rescan:  the same, not told: every file of the site is looked at;
* reload:  the real server (`site-builder serve` in a child process): from writing the file to the livereload
  "reload" message reaching a websocket client, i.e. change noticed, burst settled, site rebuilt and swapped;
* page:    from writing the file to the first HTTP response carrying the edit;
* in-server: the server's own rebuild times, read from its log, and per edit the overhead: reload minus
  in-server, i.e. noticing the change, waiting for the burst to settle and sending the message.

and prints the median, minimum and maximum of each, the server's start-up to its first page, and
whether the preview serves a search index (pagefind/pagefind.js).

Both sites are timed in the default config, search on (`--search off` times them without search).
The server watches with kernel notifications where it can; SITE_BUILDER_WATCH=scan in the
environment times the scanning watcher instead.

    python benchmarks/edit_latency.py                 # both sites, 5 edits each
    python benchmarks/edit_latency.py --edits 9 --pages 2000
    python benchmarks/edit_latency.py --only bundled --search off
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from tornado.websocket import websocket_connect  # noqa: E402  (a dependency of livereload)

import corpus  # noqa: E402  (the benchmark corpora)
from site_builder.build import BuildOptions  # noqa: E402

PREVIEW_MODULES = ("site_builder.preview.app", "site_builder.preview.serve", "site_builder.preview",
                   "site_builder.serve")


def preview_class():
    """The preview's Preview class, wherever this revision of the package keeps it."""
    for module in PREVIEW_MODULES:
        try:
            return getattr(importlib.import_module(module), "Preview")
        except (ImportError, AttributeError):
            continue
    raise SystemExit(f"no Preview class in {', '.join(PREVIEW_MODULES)}: edit_latency.py needs updating")


def generate_site(out: Path, pages: int) -> Path:
    """The explainer-shaped corpus of run.py, at about `pages` pages (a tenth of them explainers)."""
    e = max(1, pages // 10)
    return corpus.explainer_site(out, explainers=e, people=5 * e, orgs=e, sources=2 * e, events=e)


def bundled_copy(out: Path) -> Path:
    out.mkdir(parents=True)
    shutil.copy2(REPO / "site.yml", out / "site.yml")
    for sub in ("content", "templates"):
        if (REPO / sub).is_dir():
            shutil.copytree(REPO / sub, out / sub)
    return out


def base_path(root: Path) -> str:
    """The URL path of the site's root, from base_url, ending in '/'."""
    import yaml

    path = urlsplit(yaml.safe_load((root / "site.yml").read_text("utf-8"))["base_url"]).path.strip("/")
    return f"/{path}/" if path else "/"


def pick_explainer(root: Path) -> tuple[Path, str]:
    """An explainer to edit and the URL path of its page (under base_url's path)."""
    path = sorted((root / "content" / "explainers").glob("*.md"))[0]
    return path, base_path(root) + f"explainers/{path.stem}/"


def write_edit(path: Path, original: str, token: str) -> None:
    """Append a paragraph carrying a unique token, the way an editor saves (write then rename)."""
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(original + f"\n\n{token}\n", "utf-8")
    os.replace(tmp, path)


def measure_rebuild(root: Path, edits: int, told: bool) -> list[float]:
    """Rebuild times after an edit; told: the build is given the edited file's path, as the server's watcher gives it."""
    preview = preview_class()(root, BuildOptions(), log=lambda text: None)
    preview.rebuild()
    path, _ = pick_explainer(root)
    rel = path.relative_to(root).as_posix()
    original = path.read_text("utf-8")
    times = []
    try:
        for i in range(edits):
            write_edit(path, original, f"REBUILD-{i}")
            started = time.perf_counter()
            snap = preview.rebuild({rel} if told else None)
            times.append(time.perf_counter() - started)
            assert not snap.errors, snap.errors[:3]
            assert f"REBUILD-{i}".encode() in snap.files[f"explainers/{path.stem}/index.html"]
    finally:
        path.write_text(original, "utf-8")
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


async def measure_server(root: Path, edits: int, settle: float):
    port = free_port()
    log = open(root.parent / "server.log", "wb")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", str(root), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
    path, url = pick_explainer(root)
    original = path.read_text("utf-8")
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited; see {root.parent / 'server.log'}")
            try:
                status, _ = http_get(port, url)
                break
            except OSError:
                await asyncio.sleep(0.05)
        startup = time.perf_counter() - started
        assert status == 200, status
        search_status = http_get(port, base_path(root) + "pagefind/pagefind.js")[0]
        ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
        await ws.write_message(json.dumps({"command": "hello",
                                           "protocols": ["http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        await ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}{url}"}))
        reloads, pages = [], []
        for i in range(edits):
            await asyncio.sleep(settle)  # let the watcher's poll rhythm drift: edits land at random moments
            token = f"EDIT-{i}-{random.randrange(10**9)}"
            began = time.perf_counter()
            write_edit(path, original, token)
            message = json.loads(await asyncio.wait_for(ws.read_message(), 600))
            assert message["command"] == "reload", message
            reloads.append(time.perf_counter() - began)
            while token.encode() not in http_get(port, url)[1]:
                await asyncio.sleep(0.002)
            pages.append(time.perf_counter() - began)
        ws.close()
        builds = [float(m) for m in re.findall(r"^built .* in ([0-9.]+) s$",
                                               (root.parent / "server.log").read_text("utf-8"), re.M)][1:]
        return reloads, pages, startup, builds, search_status
    finally:
        path.write_text(original, "utf-8")
        proc.terminate()
        proc.wait(30)
        log.close()


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{name:<9} median {statistics.median(ms):8.1f} ms   min {min(ms):8.1f}   max {max(ms):8.1f}"


def run(label: str, root: Path, edits: int, settle: float, search: bool) -> None:
    corpus.set_search(root, search)
    pages = sum(1 for _ in (root / "content").rglob("*.*"))
    print(f"\n== {label}: {pages} content files, {edits} edits, search {'on' if search else 'off'}")
    print(summary("rebuild", measure_rebuild(root, edits, told=True))
          + "   (told the edited path, as the watcher tells it)", flush=True)
    print(summary("rescan", measure_rebuild(root, edits, told=False))
          + "   (not told: every file looked at)", flush=True)
    reloads, served, startup, builds, search_status = asyncio.run(measure_server(root, edits, settle))
    print(summary("reload", reloads))
    print(summary("page", served))
    if len(builds) == len(reloads):
        print(summary("in-server", builds) + "   (the server's own rebuilds, from its log)")
        print(summary("overhead", [r - b for r, b in zip(reloads, builds)])
              + "   (reload minus in-server: noticing the change, debounce, messaging)")
    print(f"server start to first page: {startup:.1f} s", flush=True)
    print(f"search index served by the preview: {'yes' if search_status == 200 else 'no'} "
          f"(pagefind/pagefind.js: HTTP {search_status})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=5, help="edits per site (default 5)")
    parser.add_argument("--pages", type=int, default=10_000, help="size of the generated site (default 10000)")
    parser.add_argument("--only", choices=["bundled", "generated"], help="time one site only")
    parser.add_argument("--settle", type=float, default=0.3, help="seconds between edits (default 0.3)")
    parser.add_argument("--search", choices=["on", "off"], default="on", help="search on (the default config) or off")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="edit-latency-") as tmp:
        if args.only in (None, "bundled"):
            run("bundled site", bundled_copy(Path(tmp) / "bundled" / "site"), args.edits, args.settle,
                args.search == "on")
        if args.only in (None, "generated"):
            started = time.perf_counter()
            root = generate_site(Path(tmp) / "generated" / "site", args.pages)
            print(f"\n(generated {args.pages} pages in {time.perf_counter() - started:.1f} s)")
            run(f"generated site, {args.pages} pages", root, args.edits, args.settle, args.search == "on")


if __name__ == "__main__":
    main()
