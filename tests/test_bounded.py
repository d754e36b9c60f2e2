"""Bounded work per input: deep Markdown is a located error in moments, and the search indexer runs
within a budget, is killed with the builder, and leaves no scratch files behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.diagnostics import Problems
from site_builder.pages import search
from site_builder.read import markup
from site_builder.read.markup import MarkdownRenderer

from conftest import MINIMAL_SITE_YML, build, messages, write_site


@pytest.mark.parametrize("body, line", [
    ("> " * 100_000 + "deep\n", 5),
    ("".join(" " * (2 * i) + "- item\n" for i in range(150)), 154),
    ("<div>" * 20_000 + "x\n", 5),
    ("</x>" * 1_000 + "<div>" * 200 + "x\n", 5),
])
def test_deeply_nested_markdown_is_a_located_error_before_any_later_stage_reads_it(make_site, monkeypatch, body,
                                                                                   line):
    """What costs more than linear time in the depth (the HTML parser, the indexer) never sees the page."""
    seen: list[int] = []
    for name in ("no_controls", "_heading_ids", "clean_raw_html", "_safe_urls"):
        later = getattr(markup, name)
        monkeypatch.setattr(markup, name, lambda html, later=later: seen.append(_depth_of(html)) or later(html))
    root = make_site({"content/pages/deep.md": f"---\ntitle: Deep\n---\n\n{body}",
                      "content/pages/plain.md": "---\ntitle: Plain\n---\n\n> quoted\n\n- listed\n"})
    result = build(root)
    assert seen and max(seen) <= 2  # the plain page went on; the deep one stopped at the check
    assert f"content/pages/deep.md:{line}:1: error: Markdown nested more than 100 levels deep" in \
        [m.splitlines()[0] for m in messages(result)]


def _depth_of(html: str) -> int:
    return max(html.count("<blockquote"), html.count("<li"), html.count("<div"))


def test_ordinary_nesting_is_fine():
    problems = Problems()
    html = MarkdownRenderer().render("> " * 40 + "quoted\n\n" + "".join(" " * (2 * i) + "- x\n" for i in range(30)),
                                     "content/pages/x.md", problems).html
    assert not problems.items and html.count("<blockquote>") == 40


def fake_indexer(tmp_path: Path, body: str) -> str:
    """A stand-in for the pagefind binary: a Python script that does what body says."""
    script = tmp_path / "fake-pagefind"
    script.write_text(f"#!{sys.executable}\nimport os, sys, time\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


def children_named(word: str) -> list[int]:
    """Processes whose command line mentions word (this machine's /proc)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if word.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


def test_an_indexer_over_its_time_budget_is_killed_with_its_children(tmp_path, monkeypatch):
    marker = f"sleeper-{os.getpid()}"
    binary = fake_indexer(tmp_path, f"""
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}])
        time.sleep(60)
    """)
    monkeypatch.setattr(search, "budget", lambda pages: (1.0, None))
    with pytest.raises(search.SearchError, match="budget of 1 s"):  # killed, not waited for
        search.build_index([("a/index.html", b"<html><body>x</body></html>")], "en", binary, cache=tmp_path / "c")
    for _ in range(100):  # the group's last process may take a moment to go
        if not children_named(marker):
            break
        time.sleep(0.05)
    assert children_named(marker) == []
    assert list((tmp_path / "c").iterdir()) == []  # the scratch folder went with it


def test_an_indexer_over_its_memory_budget_fails_and_the_site_is_built_without_search(tmp_path, monkeypatch):
    binary = fake_indexer(tmp_path, """
        hog = bytearray(3_000_000_000)
        sys.exit(0)
    """)
    monkeypatch.setattr(search, "executable", lambda: binary)
    monkeypatch.setattr(search, "budget", lambda pages: (60.0, 500_000_000))
    root = write_site(tmp_path / "site", {"site.yml": MINIMAL_SITE_YML,
                                          "content/pages/about.md": "---\ntitle: About\n---\nHello.\n"})
    result = build_site(root, BuildOptions())
    assert result.ok
    assert any(d.message.startswith("search index not built") for d in result.diagnostics)
    assert not [p for p in (root / ".site-builder-cache").iterdir() if p.name.startswith("search-")]


@pytest.mark.skipif(not search.available(), reason="needs the search indexer (installed with the test extras)")
def test_a_site_named_by_a_relative_path_gets_its_search_index(tmp_path, monkeypatch, capsys):
    """`site-builder build .`: the indexer runs inside its scratch folder, so it must be told whole paths."""
    from site_builder.cli import main
    root = searched_site(tmp_path / "site", pages=3)
    monkeypatch.chdir(root)
    assert main(["build", "."]) == 0
    assert "search index not built" not in capsys.readouterr().err
    assert (root / "output/pagefind/pagefind.js").is_file()
    assert [p.name for p in (root / ".site-builder-cache").iterdir() if p.name.startswith("search-")] == []


def test_the_budget_grows_with_the_site():
    small = search.budget([("a", b"x" * 1000)])
    large = search.budget([(str(i), b"x" * 100_000) for i in range(5000)])
    assert small[0] < large[0] and small[1] < large[1]
    assert small[0] <= 61 and large[0] >= 300


SITE_YML = "title: Search\nbase_url: https://example.org/\n"


def searched_site(root: Path, pages: int = 400) -> Path:
    files = {"site.yml": SITE_YML}
    for i in range(pages):
        files[f"content/pages/p{i:03d}.md"] = (f"---\ntitle: Page {i}\n---\n\n"
                                               + " ".join(f"word{j} thing{i}" for j in range(400)) + "\n")
    return write_site(root, files)


def _wait_for_child(parent: int, name: str, seconds: float = 120) -> int | None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and name in stat.split(")")[0]:
                return int(pid)
        time.sleep(0.005)
    return None


@pytest.mark.slow
@pytest.mark.skipif(not search.available(), reason="pagefind is not installed")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_build_leaves_no_indexer_running_and_no_scratch_files(tmp_path, sig):
    root = searched_site(tmp_path / "site")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    proc = subprocess.Popen([sys.executable, "-m", "site_builder", "build", str(root), "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    indexer = _wait_for_child(proc.pid, "pagefind")
    assert indexer is not None, "the indexer never started"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    time.sleep(0.5)
    assert not Path(f"/proc/{indexer}").exists() or "Z" in Path(f"/proc/{indexer}/stat").read_text().split()[2]
    assert list(tmpdir.iterdir()) == []  # nothing in TMPDIR, ever
    left = [p.name for p in (root / ".site-builder-cache").iterdir() if p.name.startswith("search-")]
    assert left == [f"search-{proc.pid}"]  # the scratch folder is in the site's cache folder...
    done = subprocess.run([sys.executable, "-m", "site_builder", "build", str(root)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    assert not [p for p in (root / ".site-builder-cache").iterdir() if p.name.startswith("search-")]  # ...cleaned
    assert (root / "output/pagefind/pagefind.js").is_file() and list(tmpdir.iterdir()) == []
