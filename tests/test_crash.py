"""Interrupted and concurrent builds: the published folder is always a whole build, never a mix.

A real `site-builder build` runs in a child process and is killed with SIGKILL after a random
delay; whatever moment the kill lands on, the output folder must be byte-identical to either
the build before or the build that was running, never anything in between.
"""

from __future__ import annotations

import os
import shutil
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.output.write import build_lock
from site_builder import search

from conftest import files_of, write_site

PAGES = 300
KILLS = 10

SITE_YML = """\
title: Crash test
base_url: https://example.org/crash/
search: off
types:
  thing:
    folder: things
    fields:
      size: {type: number}
"""


def big_site(root: Path, version: str, search_on: bool = False) -> Path:
    """PAGES fact sheets plus explainers; every page's text depends on `version`."""
    files = {"site.yml": SITE_YML.replace("search: off\n", "") if search_on else SITE_YML,
             "content/facts/sources/s.yml": f"title: The source ({version})\n"}
    for i in range(PAGES):
        files[f"content/facts/things/t{i:03d}.yml"] = (
            f"name: Thing {i}\nsummary: Thing number {i}, version {version} [@s].\n"
            f"size: {{value: {i}, source: s}}\nbody: |\n  Next is [[things/t{(i + 1) % PAGES:03d}]].\n")
    for i in range(20):
        refs = " ".join(f"[[things/t{j:03d}]]" for j in range(i, PAGES, 20))
        files[f"content/explainers/e{i:02d}.md"] = (
            f"---\ntitle: Explainer {i}\nsummary: About things, {version}.\ndate: 2024-01-{i + 1:02d}\n---\n"
            f"Version {version}: {refs} [@s].\n")
    return write_site(root, files)


def snapshot(folder: Path) -> dict[str, bytes]:
    return files_of(folder)


def cli_build(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "site_builder", "build", str(root), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_whole_output(tmp_path):
    root = tmp_path / "site"
    out = root / "output"
    whole: dict[str, dict[str, bytes]] = {}
    durations = []
    for version in ("a", "b", "a"):  # the last run proves a rebuild returns to the same bytes
        big_site(root, version)
        started = time.monotonic()
        proc = cli_build(root)
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        durations.append(time.monotonic() - started)
        snap = snapshot(out)
        assert snap and (version not in whole or whole[version] == snap)
        whole[version] = snap
    assert whole["a"] != whole["b"]
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    longest = max(durations)
    current, outcomes = "a", []
    for n in range(KILLS):
        target = "b" if current == "a" else "a"
        big_site(root, target)
        proc = cli_build(root)
        # mostly inside the build, sometimes near or past its end, where the swap happens
        time.sleep(rng.uniform(0.05, 1.1) * longest)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        snap = snapshot(out)
        matches = [v for v in (current, target) if whole[v] == snap]
        assert matches, f"kill {n} (seed {seed}) left a mixed output folder"
        outcomes.append(proc.returncode)
        current = matches[-1]
    # after all the kills a normal build still works and leaves no half-made trees behind
    proc = cli_build(root)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    assert snapshot(out) == whole[target]
    assert not list(root.glob(".output.staging-*"))
    assert -signal.SIGKILL in outcomes  # at least one kill landed on a running build


WRITE_KILLS = 16


def _children(parent: int) -> dict[int, str]:
    """The running children of a process, by pid, with their names (this machine's /proc)."""
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if int(rest[1]) == parent and rest[0] != "Z":
                found[int(pid)] = name
    return found


def _after_the_indexer(proc: subprocess.Popen, seconds: float = 300) -> float | None:
    """Wait until the build's search indexer has run and exited: what follows is the write phase.
    Returns the moment it exited (time.monotonic), or None when the build ended first."""
    end, seen = time.monotonic() + seconds, False
    while time.monotonic() < end and proc.poll() is None:
        running = any("pagefind" in name for name in _children(proc.pid).values())
        if running:
            seen = True
        elif seen:
            return time.monotonic()
        time.sleep(0.0005)
    return None


def _output_changes(out: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    """Wait until the output folder, or one of its first and last files, is not what it was."""
    names = sorted(p.name for p in out.iterdir())
    watched = [out, out / names[0], out / names[-1], out / "index.html"]

    def look():
        found = []
        for path in watched:
            try:
                st = os.stat(path)
                found.append((st.st_ino, st.st_mtime_ns, st.st_size))
            except OSError:
                found.append(None)
        return found
    before, end = look(), time.monotonic() + seconds
    while look() == before and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.0002)


@pytest.mark.slow
@pytest.mark.skipif(not search.available(), reason="pagefind is not installed")
def test_sigkill_in_the_write_phase_with_search_on_leaves_a_whole_output(tmp_path):
    """Kills aimed at the write phase, with search on: anywhere between the indexer's exit and the build's,
    or just after the published folder first changes. A file-by-file copy in place of the atomic swap
    leaves a mixed folder here within a few kills."""
    root = tmp_path / "site"
    out = root / "output"
    whole, phases = {}, []
    for version in ("a", "b", "a"):
        big_site(root, version, search_on=True)
        proc = cli_build(root)
        indexed = _after_the_indexer(proc)
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        assert indexed is not None, "the indexer never ran"
        phases.append(time.monotonic() - indexed)
        snap = snapshot(out)
        assert "pagefind/pagefind.js" in snap and (version not in whole or whole[version] == snap)
        whole[version] = snap
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    write_phase = max(phases)  # from the indexer's exit to the build's: the write, then the saved state
    current, landed = "a", 0
    for n in range(WRITE_KILLS):
        target = "b" if current == "a" else "a"
        big_site(root, target, search_on=True)
        proc = cli_build(root)
        if _after_the_indexer(proc) is not None:
            if n % 2:  # the first moment the published folder changes, and a few milliseconds on
                _output_changes(out, proc)
                time.sleep(rng.uniform(0, 0.02))
            else:  # anywhere in the write phase
                time.sleep(rng.uniform(0, write_phase))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        landed += proc.returncode == -signal.SIGKILL
        snap = snapshot(out)
        matches = [v for v in (current, target) if whole[v] == snap]
        assert matches, f"kill {n} in the write phase (seed {seed}) left a mixed output folder"
        current = matches[-1]
    assert landed >= WRITE_KILLS // 2  # most kills landed on a running build, in its write phase
    proc = cli_build(root)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    assert snapshot(out) == whole[target]


def test_a_second_build_at_the_same_time_is_refused_with_a_clear_message(tmp_path, capsys):
    root = big_site(tmp_path / "site", "a")
    assert cli.main(["build", str(root), "-q"]) == 0
    before = snapshot(root / "output")
    big_site(root, "b")
    # another process holds the build lock, as a running build does while it writes
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\nfrom site_builder.output.write import build_lock\n"
         f"with build_lock(Path({str((root / 'output').resolve())!r})):\n"
         "    print('locked', flush=True)\n    sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert cli.main(["build", str(root), "-q"]) == 2
        err = capsys.readouterr().err
        assert err == "site-builder: error: another build is writing 'output' right now; try again when it ends\n"
        assert snapshot(root / "output") == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert cli.main(["build", str(root), "-q"]) == 0
    assert snapshot(root / "output") != before


def test_the_lock_is_held_in_process_too(tmp_path, capsys):
    root = big_site(tmp_path / "site", "a")
    with build_lock((root / "output").resolve()):
        assert cli.main(["build", str(root), "-q"]) == 2
    assert "another build is writing" in capsys.readouterr().err
    assert not (root / "output").exists()


# --- output-folder safety ----------------------------------------------------------

SMALL = {"site.yml": "title: T\nbase_url: https://example.org/\nsearch: off\n",
         "content/pages/about.md": "---\ntitle: About\n---\nHello.\n",
         "templates/page.html": "{% extends 'base.html' %}{% block main %}{{ page.title }}{% endblock %}\n"}


def tree(folder: Path) -> dict[str, tuple]:
    """Every file and folder under folder, with each file's bytes and modification time.

    The site's parse cache (its own working data, beside the sources) is left out.
    """
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if ".site-builder-cache" in rel.split("/"):
            continue
        out[rel] = (p.read_bytes(), p.lstat().st_mtime_ns) if p.is_file() and not p.is_symlink() else p.is_dir()
    return out


@pytest.mark.parametrize("out, message", [
    (".", "the output folder 'site' is the site itself"),
    ("content", "the output folder must not be inside content/"),
    ("content/pages/out", "the output folder must not be inside content/"),
    ("templates", "the output folder must not be inside templates/"),
    ("templates/out", "the output folder must not be inside templates/"),
    ("..", "contains the site"),
    ("../..", "contains the site"),
    ("link-to-site", "the output folder 'site' is the site itself"),
    ("content/pages/about.md", "the output folder must not be inside content/"),
    ("site.yml", "the output path 'site.yml' is a file, not a folder"),
    ("../precious", "holds files this builder did not write (notes.txt, sub/deep.txt)"),
])
def test_unsafe_output_folders_are_refused_and_left_untouched(tmp_path, capsys, out, message):
    root = write_site(tmp_path / "site", SMALL)
    (root / "link-to-site").symlink_to(root, target_is_directory=True)
    precious = tmp_path / "precious"
    (precious / "sub").mkdir(parents=True)
    (precious / "notes.txt").write_text("mine")
    (precious / "sub/deep.txt").write_text("also mine")
    before = tree(tmp_path)
    capsys.readouterr()
    assert cli.main(["build", str(root), "-o", str(root / out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("site-builder: error: ") and message in err, err
    assert err.count("\n") == 1
    assert tree(tmp_path) == before


def test_an_output_folder_we_wrote_is_reused(tmp_path):
    root = write_site(tmp_path / "site", SMALL)
    out = tmp_path / "public"
    assert cli.main(["build", str(root), "-o", str(out), "-q"]) == 0
    first = snapshot(out)
    assert cli.main(["build", str(root), "-o", str(out), "-q"]) == 0
    assert snapshot(out) == first
    (out / "stray.txt").write_text("someone else's")
    # the next build trusts what its own last write left (its manifests are the files it wrote):
    # a file put in the folder meanwhile is not looked for, and never deleted or overwritten
    (root / "content/pages").mkdir(exist_ok=True)
    (root / "content/pages/late.md").write_text(
        "---\ntitle: Late\n---\n\nText.\n")
    assert cli.main(["build", str(root), "-o", str(out), "-q"]) == 0
    kept = [p for p in (out / "stray.txt", tmp_path / ".public.spare/stray.txt") if p.exists()]
    assert [p.read_text() for p in kept] == ["someone else's"]  # in the output or its spare, as they trade places
    # without that memory (no saved state), the folder is looked through and the build refused
    shutil.rmtree(root / ".site-builder-cache")
    (out / "mine.txt").write_text("someone else's too")
    assert cli.main(["build", str(root), "-o", str(out), "-q"]) == 2
    assert (out / "mine.txt").read_text() == "someone else's too" and kept[0].read_text() == "someone else's"
