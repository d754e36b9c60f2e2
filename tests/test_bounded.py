"""Bounded work per input: deep Markdown is a located error in moments, and the search indexers run
within a budget, are killed with the builder, and leave no scratch files behind."""

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
from site_builder import search
from site_builder.search import bounded, indexer, shards
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
    for name in ("no_controls", "clean_raw_html", "_safe_urls", "headings", "callouts", "fill_maths"):
        later = getattr(markup, name)
        monkeypatch.setattr(markup, name, lambda html, *args, later=later, **kwargs:
                            seen.append(_depth_of(html)) or later(html, *args, **kwargs))
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


def scratch_folders(root: Path) -> list[str]:
    cache = root / ".site-builder-cache"
    return sorted(p.name for p in cache.iterdir() if p.name.startswith("search-")) if cache.is_dir() else []


ABOUT = {"site.yml": MINIMAL_SITE_YML, "content/pages/about.md": "---\ntitle: About\n---\nHello.\n"}


def test_an_indexer_over_its_time_budget_is_killed_with_its_children(tmp_path, monkeypatch):
    marker = f"sleeper-{os.getpid()}"
    binary = fake_indexer(tmp_path, f"""
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}])
        time.sleep(60)
    """)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", binary)
    monkeypatch.setattr(indexer, "budget", lambda pages, size: (1.0, None))
    root = write_site(tmp_path / "site", ABOUT)
    result = build_site(root, BuildOptions())  # killed, not waited for: its sleep is a minute long
    assert result.ok and result.indexed is None
    warning = next(d for d in result.diagnostics if d.message.startswith("search index not built"))
    assert "took longer than its budget of 1 s" in warning.message, warning.message
    for _ in range(100):  # the group's last process may take a moment to go
        if not children_named(marker):
            break
        time.sleep(0.05)
    assert children_named(marker) == []  # its child went with it: the whole process group is killed
    assert scratch_folders(root) == []  # and so did the scratch folder
    assert (root / "output/about/index.html").is_file()


def test_an_indexer_over_its_memory_budget_fails_and_the_site_is_built_without_search(tmp_path, monkeypatch):
    binary = fake_indexer(tmp_path, """
        hog = bytearray(3_000_000_000)
        sys.exit(0)
    """)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", binary)
    monkeypatch.setattr(indexer, "budget", lambda pages, size: (60.0, 500_000_000))
    root = write_site(tmp_path / "site", ABOUT)
    result = build_site(root, BuildOptions())
    assert result.ok and result.indexed is None
    warning = next(d for d in result.diagnostics if d.message.startswith("search index not built"))
    assert "the indexer stopped" in warning.message, warning.message
    assert scratch_folders(root) == []
    assert not any(p.startswith("pagefind/") for p in result.outputs)


def test_the_memory_limit_is_set_in_the_indexer_and_its_own_process_group(tmp_path, monkeypatch):
    """What the indexer is started with, seen from inside it: a memory limit, a session of its own, a death signal."""
    said = tmp_path / "said"
    binary = fake_indexer(tmp_path, f"""
        import ctypes, resource
        sig = ctypes.c_int()
        ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG
        open({str(said)!r}, "w").write(repr((resource.getrlimit(resource.RLIMIT_AS)[0], os.getsid(0) == os.getpid(),
                                             sig.value, os.getcwd())))
    """)
    monkeypatch.setattr(indexer, "budget", lambda pages, size: (60.0, 700_000_000 + size))
    with bounded.Folders(tmp_path / "cache", "search") as folders:
        with pytest.raises(search.SearchError, match="the indexer stopped"):
            indexer.index_shards({"a": indexer.Job(1, 5, lambda: [("/a/", b"<html><body>a</body></html>")])},
                                 binary, {}, 1 << 30, folders=folders)
    limit, own_session, death_signal, cwd = eval(said.read_text())
    assert limit == 700_000_005 and own_session and death_signal == signal.SIGKILL
    assert Path(cwd).parent == tmp_path / "cache" / f"search-{os.getpid()}"
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.skipif(not search.available(), reason="needs the search indexer (installed with the test extras)")
def test_a_site_named_by_a_relative_path_gets_its_search_index(tmp_path, monkeypatch, capsys):
    """`site-builder build .`: each indexer runs inside its scratch folder, which is named by a whole path."""
    from site_builder.cli import main
    root = searched_site(tmp_path / "site", pages=3)
    monkeypatch.chdir(root)
    assert main(["build", "."]) == 0
    assert "search index not built" not in capsys.readouterr().err
    assert (root / "output/pagefind/pagefind.js").is_file()
    assert scratch_folders(root) == []


@pytest.mark.skipif(not search.available(), reason="needs the search indexer (installed with the test extras)")
def test_each_indexer_runs_in_a_folder_of_its_own_in_the_sites_cache_never_in_tmpdir(tmp_path, monkeypatch):
    import tempfile
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(shards, "LIMIT", 2)
    monkeypatch.setattr(indexer, "cpu_count", lambda: 3)
    workdirs = []
    real = indexer.launch
    monkeypatch.setattr(indexer, "launch", lambda *args: workdirs.append(args[1]) or real(*args))
    root = searched_site(tmp_path / "site", pages=6)
    result = build_site(root, BuildOptions())
    assert result.ok and result.indexed and not [d for d in result.diagnostics if "search" in d.message]
    assert len(workdirs) > 1 and len(set(workdirs)) == len(workdirs)  # several at once, each in its own
    assert {Path(w).parent for w in workdirs} == {root / ".site-builder-cache" / f"search-{os.getpid()}"}
    assert scratch_folders(root) == [] and list(tmpdir.iterdir()) == []


def test_the_budget_grows_with_the_site():
    small = indexer.budget(1, 1000)
    large = indexer.budget(5000, 5000 * 100_000)
    assert small[0] < large[0] and small[1] < large[1]
    assert small[0] <= 61 and large[0] >= 300


def test_the_scratch_folders_of_builders_no_longer_running_are_removed(tmp_path):
    cache = tmp_path / "cache"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (cache / f"search-{dead.pid}/1").mkdir(parents=True)
    (cache / f"search-{os.getppid()}/1").mkdir(parents=True)  # a builder still running: left alone
    with bounded.Folders(cache, "search") as folders:
        assert scratch_folders(tmp_path / "x") == []
        first, second = Path(folders.new()), Path(folders.new())
        assert first != second and first.parent == second.parent == cache / f"search-{os.getpid()}"
        assert sorted(p.name for p in cache.iterdir()) == sorted([f"search-{os.getppid()}", f"search-{os.getpid()}"])
    assert [p.name for p in cache.iterdir()] == [f"search-{os.getppid()}"]


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
    indexer_pid = _wait_for_child(proc.pid, "pagefind")
    assert indexer_pid is not None, "the indexer never started"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    for _ in range(200):  # the kernel's signal to the indexer may take a moment to land
        if not Path(f"/proc/{indexer_pid}").exists() or "Z" in Path(f"/proc/{indexer_pid}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{indexer_pid}").exists() or "Z" in Path(f"/proc/{indexer_pid}/stat").read_text().split()[2]
    assert list(tmpdir.iterdir()) == []  # nothing in TMPDIR, ever
    assert scratch_folders(root) == [f"search-{proc.pid}"]  # the scratch folder is in the site's cache folder...
    assert list((root / f".site-builder-cache/search-{proc.pid}").iterdir())  # (one for each indexer inside)
    done = subprocess.run([sys.executable, "-m", "site_builder", "build", str(root)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    assert scratch_folders(root) == []  # ...and the next build removes it
    assert (root / "output/pagefind/pagefind.js").is_file() and list(tmpdir.iterdir()) == []
