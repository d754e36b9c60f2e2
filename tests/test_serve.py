"""The preview's WSGI app without a socket: pages, types, mount, overlay, recovery, swaps, hostile paths, debounce."""

from __future__ import annotations

import ast
import errno
import importlib
import io
import logging
import os
import socket
import shutil
import textwrap
import threading
import time
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.cli import main
from site_builder.preview.app import (LOOPBACK_NAMES, OVERLAY_ID, Preview, PreviewApp, Snapshot, content_type,
                                      refusal)
from site_builder.preview.server import LogLimit, exposure_warning, is_loopback
from site_builder.preview.watch import Debounce, NotifyFeed, RebuildLoop, Scanner, should_reload, site_changes

SITE = {
    "site.yml": """
        title: Lighthouses
        base_url: https://example.org/docs/
        types:
          keeper:
            folder: keepers
            label: [Keeper, Keepers]
            fields:
              station: {type: text, required: true}
        """,
    "content/explainers/hello.md": """
        ---
        title: Hello lights
        summary: Why lighthouses blink.
        date: 2024-03-01
        tags: [light]
        ---

        The first keeper was [[ada]]. VERSION-ONE
        """,
    "content/facts/keepers/ada.yml": """
        name: Ada Keeper
        summary: Kept the northern light.
        station: North Point
        """,
    "content/media/beam.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
}

SECRET = "TOP-SECRET-OUTSIDE-THE-SITE"


@pytest.fixture
def site(make_site, tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET)
    return make_site(dict(SITE))


@pytest.fixture
def preview(site):
    p = Preview(site, log=lambda text: None)
    assert p.rebuild().built
    return p


def get(app, path, method="GET", query="", **extra):
    """One request through the WSGI app; returns (status, headers, body)."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http", **extra}
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def edit(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def clean_outputs(root: Path) -> dict[str, bytes]:
    result = build_site(root, BuildOptions(), write=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return {k: v if isinstance(v, bytes) else Path(v).read_bytes() for k, v in result.outputs.items()}


# --- pages, types, mount ---------------------------------------------------------------------------------------


def test_every_output_is_served_under_the_base_path_byte_for_byte(site, preview):
    app = PreviewApp(preview)
    outputs = clean_outputs(site)
    assert "explainers/hello/index.html" in outputs and "media/beam.svg" in outputs
    for out_path, data in outputs.items():
        url = "/docs/" + (out_path.removesuffix("index.html"))
        status, headers, body = get(app, url)
        assert (status, body) == (200, data), url
        assert headers["Content-Length"] == str(len(data))


@pytest.mark.parametrize("path, expected", [
    ("/docs/", "text/html; charset=utf-8"),
    ("/docs/explainers/hello/", "text/html; charset=utf-8"),
    ("/docs/static/style.css", "text/css; charset=utf-8"),
    ("/docs/media/beam.svg", "image/svg+xml"),
    ("/docs/feed.xml", "application/atom+xml; charset=utf-8"),
    ("/docs/sitemap.xml", "application/xml; charset=utf-8"),
    ("/docs/data/facts.json", "application/json"),  # (no robots.txt: a site below the root of its host)
])
def test_content_types(preview, path, expected):
    status, headers, _ = get(PreviewApp(preview), path)
    assert status == 200
    assert headers["Content-Type"] == expected
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_content_type_table_and_fallback():
    assert content_type("a/b.woff2") == "font/woff2"
    assert content_type("a/b.JPG") == "image/jpeg"
    assert content_type("a/b.unknown-ext") == "application/octet-stream"


@pytest.mark.parametrize("path, query, location", [
    ("/", "", "/docs/"),
    ("/docs", "", "/docs/"),
    ("/docs/explainers/hello", "", "/docs/explainers/hello/"),
    ("/docs/explainers/hello", "a=1", "/docs/explainers/hello/?a=1"),
])
def test_redirects_to_the_mount_and_to_pretty_urls(preview, path, query, location):
    status, headers, body = get(PreviewApp(preview), path, query=query)
    assert status == 302 and headers["Location"] == location and body == b""


def test_root_is_served_directly_when_base_path_is_slash(make_site):
    root = make_site({**SITE, "site.yml": SITE["site.yml"].replace("/docs/", "/")})
    p = Preview(root, log=lambda text: None)
    p.rebuild()
    status, _, body = get(PreviewApp(p), "/")
    assert status == 200 and b"Lighthouses" in body


@pytest.mark.parametrize("path", ["/docs/no-such-page/", "/docs/nope.css", "/elsewhere/", "/docsx/"])
def test_not_found_serves_the_sites_404_page_with_status_404(site, preview, path):
    status, headers, body = get(PreviewApp(preview), path)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert body == clean_outputs(site)["404.html"]


def test_development_responses_are_never_cached_and_never_304(preview):
    app = PreviewApp(preview)
    for path in ("/docs/", "/docs/static/style.css", "/docs/nope/", "/"):
        status, headers, _ = get(app, path, HTTP_IF_NONE_MATCH="*", HTTP_IF_MODIFIED_SINCE="Sun, 01 Jan 2090 00:00:00 GMT")
        assert status != 304
        assert headers["Cache-Control"] == "no-store"
        assert "ETag" not in headers and "Last-Modified" not in headers


def test_head_has_headers_but_no_body_and_other_methods_get_405(preview):
    app = PreviewApp(preview)
    status, headers, body = get(app, "/docs/", method="HEAD")
    assert (status, body) == (200, b"") and int(headers["Content-Length"]) > 0
    status, headers, _ = get(app, "/docs/", method="POST", CONTENT_LENGTH="0")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_live_script_goes_into_html_only(preview):
    app = PreviewApp(preview, live_script=b"<script>LIVE</script>")
    _, _, page = get(app, "/docs/")
    assert page.count(b"<script>LIVE</script></head>") == 1
    _, _, css = get(app, "/docs/static/style.css")
    assert b"LIVE" not in css


# --- hostile and malformed requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("path, status", [
    ("/docs/../site.yml", 400),                 # plain ..
    ("/docs/../../secret.txt", 400),
    ("/../secret.txt", 400),
    ("/docs/./index.html", 400),
    ("//etc/passwd", 400),                      # an absolute path smuggled in
    ("/docs//etc/passwd", 400),
    ("/docs/..\\site.yml", 400),                # Windows separators
    ("/docs/a\x00b", 400),                      # NUL
    ("/docs/a\nb", 400),                        # control characters
    ("http://evil.example/etc/passwd", 400),    # absolute-form target
    ("etc/passwd", 400),
    ("/docs/\xff\xfe", 400),                    # bytes that are not UTF-8
    ("/docs/%2e%2e/site.yml", 404),             # double-encoded: a literal name, which no output has
    ("/docs/%252e%252e/secret.txt", 404),
    ("/docs/site.yml", 404),                    # a site file that is not an output
    ("/docs/content/explainers/hello.md", 404),
    ("/" + "a" * 5000, 414),
])
def test_traversal_and_malformed_paths_never_reach_a_file(preview, path, status):
    got, headers, body = get(PreviewApp(preview), path)
    assert got == status
    assert SECRET.encode() not in body and b"base_url" not in body
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("LOCALHOST.", 200), ("[::1]:8000", 200),
    ("evil.example:8000", 400), ("evil.example", 400), ("127.0.0.1.evil.example", 400), ("", 400),
])
def test_a_loopback_preview_answers_only_to_loopback_host_names(preview, host, status):
    """A page elsewhere that points its own domain at 127.0.0.1 (DNS rebinding) must not read the drafts."""
    app = PreviewApp(preview, allowed_hosts=LOOPBACK_NAMES)
    got, _, body = get(app, "/docs/", HTTP_HOST=host)
    assert got == status
    assert (b"Lighthouses" in body) == (status == 200)


def test_an_output_swapped_for_a_symlink_to_outside_is_not_followed(site, preview, tmp_path):
    media = site / "content/media/beam.svg"
    media.unlink()
    media.symlink_to(tmp_path / "secret.txt")  # after the build: the snapshot still names this path
    status, _, body = get(PreviewApp(preview), "/docs/media/beam.svg")
    assert status == 404 and SECRET.encode() not in body


def test_a_build_naming_a_file_outside_the_site_cannot_leak_it(site, tmp_path):
    def build_naming_secret(root, options, write, cache):
        result = build_site(root, options, write=write, cache=cache)
        result.outputs["leak.txt"] = tmp_path / "secret.txt"
        return result

    p = Preview(site, build=build_naming_secret, log=lambda text: None)
    p.rebuild()
    status, _, body = get(PreviewApp(p), "/docs/leak.txt")
    assert status == 404 and SECRET.encode() not in body


# --- errors, recovery, swaps ---------------------------------------------------------------------------------------


BROKEN_FACT = """\
name: Ada Keeper
summary: Kept the northern light.
station: North Point
"<img src=x onerror=alert(1)>": 3
"""


def test_a_failed_build_keeps_the_last_good_pages_under_an_escaped_overlay(site, preview):
    app = PreviewApp(preview)
    good = {path: get(app, path)[2] for path in ("/docs/", "/docs/explainers/hello/", "/docs/static/style.css")}
    edit(site, "content/facts/keepers/ada.yml", BROKEN_FACT)
    snap = preview.rebuild()
    assert snap.errors and snap.built
    status, _, page = get(app, "/docs/explainers/hello/")
    assert status == 200
    assert page.count(f'id="{OVERLAY_ID}"'.encode()) == 1
    assert b"content/facts/keepers/ada.yml:4:1" in page
    assert b"&lt;img src=x onerror=alert(1)&gt;" in page and b"<img src=x" not in page
    assert b"hint:" in page
    # the page under the overlay is the last good page, byte for byte
    start = page.index(f'<div id="{OVERLAY_ID}"'.encode())
    end = page.index(b"</ol></div>", start) + len(b"</ol></div>")
    assert page[:start] + page[end:] == good["/docs/explainers/hello/"]
    # every HTML response carries it, the 404 page too; other types are untouched
    assert OVERLAY_ID.encode() in get(app, "/docs/")[2]
    status, _, missing = get(app, "/docs/nope/")
    assert status == 404 and OVERLAY_ID.encode() in missing
    assert get(app, "/docs/static/style.css")[2] == good["/docs/static/style.css"]


def test_fixing_the_file_brings_the_page_back_with_the_edit(site, preview):
    app = PreviewApp(preview)
    edit(site, "content/facts/keepers/ada.yml", BROKEN_FACT)
    preview.rebuild()
    fixed = BROKEN_FACT.replace('"<img src=x onerror=alert(1)>": 3\n', "").replace("Ada Keeper", "Ada Lightkeeper")
    edit(site, "content/facts/keepers/ada.yml", fixed)
    snap = preview.rebuild()
    assert snap.errors == ()
    status, _, page = get(app, "/docs/explainers/hello/")
    assert status == 200 and OVERLAY_ID.encode() not in page
    assert b"Ada Lightkeeper" in page
    assert page == clean_outputs(site)["explainers/hello/index.html"]


def test_a_site_that_never_built_shows_its_errors_then_recovers(make_site):
    root = make_site({**SITE, "content/explainers/hello.md": SITE["content/explainers/hello.md"].replace(
        "[[ada]]", "[[adaa]]")})
    p = Preview(root, log=lambda text: None)
    assert not p.rebuild().built
    app = PreviewApp(p)
    status, _, page = get(app, "/docs/explainers/hello/")
    assert status == 500 and OVERLAY_ID.encode() in page
    assert b"content/explainers/hello.md:" in page and b"adaa" in page
    edit(root, "content/explainers/hello.md", (root / "content/explainers/hello.md").read_text().replace(
        "[[adaa]]", "[[ada]]"))
    p.rebuild()
    status, _, page = get(app, "/docs/explainers/hello/")
    assert status == 200 and OVERLAY_ID.encode() not in page


def test_no_half_built_site_is_ever_served(site):
    """While a build runs, every response comes from the previous complete build."""
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow_build(root, options, write, cache):
        result = build_site(root, options, write=write, cache=cache)
        calls.append(1)
        if len(calls) > 1:
            entered.set()
            assert release.wait(20)
        return result

    p = Preview(site, build=slow_build, log=lambda text: None)
    p.rebuild()
    app = PreviewApp(p)
    before = {out: get(app, "/docs/" + out.removesuffix("index.html"))[2] for out in p.snapshot.files}
    edit(site, "content/explainers/hello.md", SITE["content/explainers/hello.md"].replace("VERSION-ONE", "VERSION-TWO"))
    edit(site, "content/explainers/second.md", "---\ntitle: Second\nsummary: New.\ndate: 2024-04-01\n---\n\nHi.\n")
    worker = threading.Thread(target=p.rebuild)
    worker.start()
    try:
        assert entered.wait(20)
        during = {out: get(app, "/docs/" + out.removesuffix("index.html"))[2] for out in before}
        assert during == before
        assert get(app, "/docs/explainers/second/")[0] == 404
    finally:
        release.set()
        worker.join(20)
    assert b"VERSION-TWO" in get(app, "/docs/explainers/hello/")[2]
    assert get(app, "/docs/explainers/second/")[0] == 200


def test_a_crash_in_the_builder_becomes_an_overlay_and_the_server_keeps_serving(site):
    state = {"crash": False}

    def build(root, options, write, cache):
        if state["crash"]:
            raise RuntimeError("boom <b>")
        return build_site(root, options, write=write, cache=cache)

    logged = []
    p = Preview(site, build=build, log=logged.append)
    p.rebuild()
    state["crash"] = True
    snap = p.rebuild()
    assert snap.built and snap.errors
    status, _, page = get(PreviewApp(p), "/docs/")
    assert status == 200 and b"internal error while building" in page and b"boom &lt;b&gt;" in page
    assert any("RuntimeError" in line for line in logged)
    state["crash"] = False
    assert p.rebuild().errors == ()
    assert OVERLAY_ID.encode() not in get(PreviewApp(p), "/docs/")[2]


# --- debounce, rebuild loop, watcher ----------------------------------------------------------------------------


def test_debounce_waits_for_the_burst_to_settle():
    d = Debounce(quiet=0.1)
    assert not d.due(0.0)
    for t in (0.0, 0.05, 0.09):
        d.changed(t)
    assert not d.due(0.15)
    assert d.due(0.19)
    d.done()
    assert not d.due(5.0)


def test_rebuild_loop_makes_one_rebuild_per_burst_and_notifies_after_it():
    now = [0.0]
    changes = iter([{"a.md"}, {"b.md"}, {"a.md", "c.md"}, set(), set(), set(), True, {"d.md"}, set(), set(),
                    {"e.md"}, set(), set()])
    events = []
    snap = Snapshot(generation=7)

    def rebuild(changed):
        events.append(("build", changed))
        return snap

    loop = RebuildLoop(lambda: next(changes), rebuild, lambda s: events.append(("notify", s.generation)),
                       quiet=0.1, clock=lambda: now[0])
    for _ in range(13):
        loop.step()
        now[0] += 0.06
    # a burst's paths are gathered into one rebuild; an unknown change (True) makes the build look at everything
    assert events == [("build", {"a.md", "b.md", "c.md"}), ("notify", 7), ("build", None), ("notify", 7),
                      ("build", {"e.md"}), ("notify", 7)]


def test_rebuild_loop_with_a_wake_event_rebuilds_as_soon_as_news_comes():
    wake = threading.Event()
    news: list = []
    built = []
    done = threading.Event()

    def poll():
        return news.pop() if news else set()

    def rebuild(changed):
        built.append(changed)
        done.set()
        return Snapshot(generation=len(built))

    loop = RebuildLoop(poll, rebuild, lambda s: None, quiet=0.0, wake=wake)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        news.append({"content/explainers/hello.md"})
        wake.set()
        assert done.wait(5)
        assert built == [{"content/explainers/hello.md"}]
    finally:
        loop.stop.set()
        wake.set()
        thread.join(5)


def test_changed_paths_outside_the_site_and_editor_scratch_files_are_dropped(site):
    root = site.resolve()
    paths = [root / "content/explainers/hello.md", root / "content/explainers/.hello.md.swp",
             root / "content/explainers/hello.md~", root / "content/explainers/#hello.md#", root / "site.yml",
             root / "content/new-folder", root / ".git/index", root, "/elsewhere/file.md", root / "../outside.md"]
    assert site_changes(site, paths) == {str(root / "content/explainers/hello.md"), str(root / "site.yml"),
                                         str(root / "content/new-folder")}
    assert site_changes(site, ["content/explainers/hello.md"]) == {str(site.absolute() / "content/explainers/hello.md")}


def test_the_scanner_tells_which_files_changed(site):
    scanner = Scanner(site)
    _bump(site / "content/explainers/hello.md")
    assert site_changes(site, scanner.changes()) == {str(site.resolve() / "content/explainers/hello.md")}
    new = site / "content/explainers/second.md"
    new.write_text("---\ntitle: Two\n---\nText.\n")
    assert site_changes(site, scanner.changes()) == {str(site.resolve() / "content/explainers/second.md")}
    assert scanner.changes() == set()


def _wait_for(feed, wake, want: set[str], timeout: float = 10.0) -> set[str] | bool:
    got: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wake.wait(0.2)
        wake.clear()
        taken = feed.take()
        if taken is True:
            return True
        got |= taken
        if want <= {p for p in got}:
            return got
    return got


def test_kernel_notifications_hand_over_a_burst_of_saves_at_once(site):
    pytest.importorskip("watchfiles")
    wake = threading.Event()
    feed = NotifyFeed(site, wake, step_ms=300)  # a long quiet period: the three saves are one burst
    feed.start()
    try:
        assert feed.ready.wait(10) and feed.error is None
        folder = site.resolve() / "content/explainers"
        paths = [folder / f"burst-{n}.md" for n in range(3)]
        for path in paths:
            path.write_text("---\ntitle: Burst\n---\nText.\n")
        assert wake.wait(10)
        assert {str(p) for p in paths} <= feed.take()
    finally:
        feed.stop.set()


def test_kernel_notifications_tell_edits_site_yml_and_new_folders(site):
    pytest.importorskip("watchfiles")
    wake = threading.Event()
    feed = NotifyFeed(site, wake, tick=0.1)
    feed.start()
    try:
        assert feed.ready.wait(10) and feed.error is None  # the watch is in place
        path = site.resolve() / "content/explainers/hello.md"
        path.write_text(path.read_text() + "\nMore.\n")
        assert str(path) in _wait_for(feed, wake, {str(path)})
        config = site.resolve() / "site.yml"
        config.write_text(config.read_text() + "\n")
        assert str(config) in _wait_for(feed, wake, {str(config)})
        if (site / "templates").is_dir():
            shutil.rmtree(site / "templates")
        else:
            (site / "templates").mkdir()
        assert _wait_for(feed, wake, {"never"}, timeout=3) is True  # a folder made: unknown, walk the site
        assert feed.error is None
    finally:
        feed.stop.set()


def _bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_the_scanner_sees_edits_new_files_removals_and_site_yml_but_not_output(site):
    scanner = Scanner(site)

    def changed() -> bool:
        return bool(scanner.changes())

    assert not changed()
    _bump(site / "content/explainers/hello.md")
    assert changed() and not changed()
    new = site / "templates/partials/extra.html"  # a folder that did not exist when watching began
    new.parent.mkdir(parents=True)
    new.write_text("x")
    os.utime(new, (1_000_000, 1_000_000))  # an old mtime, as a moved-in file keeps
    assert changed()
    new.unlink()
    assert changed()
    _bump(site / "site.yml")
    assert changed()
    (site / "output").mkdir()
    (site / "output/index.html").write_text("x")
    assert not changed()


def test_loopback_detection_and_the_warning():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))
    text = exposure_warning("0.0.0.0", 8000)
    assert "WARNING" in text and "0.0.0.0:8000" in text and "drafts" in text


def test_the_browser_reloads_after_good_builds_and_after_new_errors_only():
    from site_builder.diagnostics import Diagnostic, Location

    good = Snapshot(1, built=True)
    bad = Snapshot(2, built=True, errors=(Diagnostic("error", "x", Location("a.md", 1, 1)),))
    worse = Snapshot(3, built=True, errors=bad.errors * 2)
    assert should_reload(good, Snapshot(2, built=True))
    assert should_reload(good, bad)
    assert not should_reload(bad, Snapshot(3, built=True, errors=bad.errors))
    assert should_reload(bad, worse)
    assert should_reload(bad, good)


def test_serve_on_another_host_warns_loudly_before_anything_else(site, capsys):
    assert main(["serve", str(site), "--host", "0.0.0.0", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.index("WARNING: the preview listens on 0.0.0.0:70000") < err.index("--port must be between")


def test_serve_outside_a_site_says_so_and_exits(tmp_path, capsys):
    assert main(["serve", str(tmp_path), "--port", "8000"]) == 1
    err = capsys.readouterr().err
    assert "site.yml: error: no site.yml here" in err and "hint:" in err


def test_a_busy_port_is_told_first_with_a_hint(site, capsys):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert main(["serve", str(site), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} is busy" in err and f"--port {port + 1}" in err
    assert "serving the preview at" not in err and "Traceback" not in err


def test_an_address_that_is_not_this_machines_is_told_without_a_traceback(site, capsys):
    # 192.0.2.1 is reserved for documentation: no machine has it, and binding to it sends nothing
    assert main(["serve", str(site), "--host", "192.0.2.1", "--port", "8000"]) == 2
    err = capsys.readouterr().err
    assert "cannot listen on 192.0.2.1:8000" in err and "hint:" in err
    assert "serving the preview at" not in err and "Traceback" not in err
    assert main(["serve", str(site), "--host", ""]) == 2
    assert "--host must name an address" in capsys.readouterr().err


# --- who may ask: Host and Origin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host, origin, status", [
    ("127.0.0.1:8000", None, None),
    ("localhost:8000", "http://localhost:8000", None),
    ("LOCALHOST.:8000", "http://localhost.:8000", None),
    ("[::1]:8000", "http://[::1]:8000", None),
    ("127.0.0.1", "http://127.0.0.1", None),                    # the default port on both sides
    ("evil.example", None, 400),                                 # DNS rebinding
    ("127.0.0.1.evil.example:8000", None, 400),
    ("127.0.0.1:notaport", None, 400),
    ("[::1", None, 400),
    ("", None, 400),
    (None, None, 400),                                           # no Host at all
    ("127.0.0.1:8000", "http://evil.example", 403),              # a page elsewhere
    ("127.0.0.1:8000", "http://evil.example:8000", 403),
    ("127.0.0.1:8000", "http://127.0.0.1:9000", 403),            # another program on this machine
    ("127.0.0.1:8000", "null", 403),                             # a sandboxed frame, a file:// page
    ("127.0.0.1:8000", "file://", 403),
    ("127.0.0.1:8000", "http://127.0.0.1:8000@evil.example", 403),
    ("127.0.0.1:8000", "http://[::1", 403),
])
def test_the_host_and_origin_check(host, origin, status):
    refused = refusal(host, origin, LOOPBACK_NAMES)
    assert (refused.status if refused else None) == status


def test_a_preview_on_another_host_checks_the_origin_only():
    assert refusal("192.168.1.5:8000", None, None) is None
    assert refusal("192.168.1.5:8000", "http://192.168.1.5:8000", None) is None
    assert refusal("192.168.1.5:8000", "http://evil.example", None).status == 403


def test_a_cross_origin_request_for_a_page_is_refused(preview):
    app = PreviewApp(preview, allowed_hosts=LOOPBACK_NAMES)
    status, _, body = get(app, "/docs/", HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://evil.example")
    assert status == 403 and b"Lighthouses" not in body
    status, _, body = get(app, "/docs/", HTTP_HOST="127.0.0.1:8000", HTTP_ORIGIN="http://127.0.0.1:8000")
    assert status == 200 and b"Lighthouses" in body


# --- files that vanish during a rebuild ---------------------------------------------------------------------------


def test_files_that_vanish_during_a_rebuild_cost_one_line_and_the_next_build_looks_at_everything(site, caplog):
    told = []

    def build(root, options, write, cache, changed=None):
        told.append(changed)
        if len(told) == 2:  # as when a file is deleted between the build listing it and reading it
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(root / "content/explainers/x.md"))
        return build_site(root, options, write=write, cache=cache, changed=changed)

    logged = []
    p = Preview(site, build=build, log=logged.append)
    first = p.rebuild()
    logged.clear()
    with caplog.at_level(logging.DEBUG):
        after = p.rebuild({"content/explainers/hello.md"})
    assert len(logged) == 1 and "content/explainers/x.md" in logged[0]
    assert "Traceback" not in logged[0] and "report" not in logged[0] and caplog.records == []
    assert after is first and not after.errors  # the last good pages, and no overlay
    assert OVERLAY_ID.encode() not in get(PreviewApp(p), "/docs/explainers/hello/")[2]
    assert not should_reload(first, after)
    edit(site, "content/explainers/hello.md", SITE["content/explainers/hello.md"].replace("VERSION-ONE", "VERSION-TWO"))
    again = p.rebuild({"content/explainers/hello.md"})
    assert told[2] is None  # the next build looks at every file
    assert again.built and not again.errors and b"VERSION-TWO" in get(PreviewApp(p), "/docs/explainers/hello/")[2]


# --- no log flood --------------------------------------------------------------------------------------------------


def test_repeated_log_records_are_held_back_and_counted():
    now = [0.0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogLimit(burst=3, window=10.0, clock=lambda: now[0]))
    logger = logging.getLogger("site_builder.test_log_limit")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(1000):
            try:
                raise OSError(errno.EMFILE, "Too many open files")
            except OSError:
                logger.exception("Exception in callback %s", n)
        logger.error("another kind")
        lines = stream.getvalue().count("Exception in callback")
        assert lines == 3 and "another kind" in stream.getvalue()
        now[0] = 10.5  # a new window: the next one gets through, and says how many were held back
        try:
            raise OSError(errno.EMFILE, "Too many open files")
        except OSError:
            logger.exception("Exception in callback %s", "late")
        assert "Exception in callback late (997 more like this were held back)" in stream.getvalue()
        assert stream.getvalue().count("Exception in callback") == 4
    finally:
        logger.removeHandler(handler)


# --- the layout -----------------------------------------------------------------------------------------------------


BUILDER_API = {"BuildOptions", "BuildResult", "BuildState", "build_site", "index_search", "skipped"}


def test_the_preview_is_three_modules_and_only_the_server_touches_livereload_and_tornado():
    import site_builder.preview as package

    folder = Path(package.__file__).parent
    assert sorted(p.name for p in folder.glob("*.py")) == ["__init__.py", "app.py", "server.py", "watch.py"]
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("site_builder.preview.serve")
    for name in ("app", "watch", "server"):
        module = importlib.import_module(f"site_builder.preview.{name}")
        source = Path(module.__file__).read_text(encoding="utf-8")
        tree = ast.parse(source)
        assert len(source.splitlines()) < 400, name
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 < 60, f"{name}.{node.name}"
        imported = _imports(tree)
        third_party = {m.split(".")[0] for m, _ in imported if m.split(".")[0] in ("livereload", "tornado")}
        assert third_party == ({"livereload", "tornado"} if name == "server" else set()), name
        assert all(not n.startswith("_") for m, n in imported if m.startswith(("livereload", "tornado"))), name
        builder = {n for m, n in imported if m == "..build"}
        assert builder <= BUILDER_API, name
        assert not [m for m, _ in imported if m.startswith(("..incremental", "..site", "..pages", "..read"))], name
    server = ast.parse(Path(folder / "server.py").read_text(encoding="utf-8"))
    private = {n.attr for n in ast.walk(server) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
               and not n.attr.startswith("__")}
    assert private == set()  # nothing private of livereload or tornado (nor of anything else)


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    """(module, name) for every import; a relative module keeps its dots."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [("." * node.level + (node.module or ""), alias.name) for alias in node.names]
    return found
