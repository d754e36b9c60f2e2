#!/usr/bin/env python3
"""What search costs: site-builder with its default config (search on) against Hugo followed by Pagefind.

    python benchmarks/search_cost.py [--sizes 1000,10000] [--runs 1] [--edits 3] [--work DIR]
                                     [--peer-scripts DIR] [--no-peers] [--search-off]

On the article corpus of run.py (the peers' generator, turned into a site in the default config, search on)
it times whole `site-builder build` processes:

* cold: no output folder and no cache;
* no change: the same build again;
* one edited explainer: a sentence appended to one explainer, then `site-builder build` (median of
  --edits edits, each on another file, restored after);

with --preview, the preview's edit-to-page time without and with search, and how long its index takes
to catch up; and, where the peers' Hugo is installed, Hugo followed by Pagefind over Hugo's output (what a user
would run instead). Memory is the peak of the memory of every process of the build added up (the
builder, its workers and its indexers), sampled every 20 ms from /proc: the proportional set size
(shared pages counted once) and the resident set size. With --search-off the cold and no-change
builds are also timed with `search: off`, for the cost of search alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

BUILDER = [sys.executable, "-m", "site_builder"]
ENV = dict(os.environ)


def freeze(work: Path) -> None:
    """Run a copy of the builder's code taken now: code edited during a run would make its cached builds cold."""
    code = work / "frozen-code"
    shutil.rmtree(code, ignore_errors=True)
    shutil.copytree(PROJECT / "site_builder", code / "site_builder", ignore=shutil.ignore_patterns("__pycache__"))
    ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as f:
                todo.extend(int(child) for child in f.read().split())
        except OSError:
            pass
    return found


def memory_of(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) in KiB, summed over the processes."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def timed(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, float, float]:
    """Run a command: (wall seconds, CPU seconds, peak PSS MiB, peak RSS MiB), CPU and memory of all its processes.
    (Run the builder in the site's folder: `python -m` looks in the working folder first, not in the frozen copy.)"""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0, 0]
    done = threading.Event()
    err: list[bytes] = []

    def sample():
        while not done.is_set():
            pss, rss = memory_of(tree(proc.pid))
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            done.wait(0.02)

    threads = [threading.Thread(target=sample, daemon=True),
               threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)]
    for thread in threads:
        thread.start()
    _, status, usage = os.wait4(proc.pid, 0)  # the usage of the process and of every process it waited for
    wall = time.perf_counter() - started
    done.set()
    for thread in threads:
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(f"  ! {' '.join(map(str, cmd))} exited {proc.returncode}: {b''.join(err).decode(errors='replace')[-500:]}",
              file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, peak[0] / 1024, peak[1] / 1024


def search_site(generator: Path, n: int, work: Path, search: bool = True) -> Path:
    """The article corpus as a site of its own (run.py's copy keeps `search: off`)."""
    plain = work / f"peers-{n}" / "plain"
    if not plain.is_dir() or len(list(plain.glob("*.md"))) != n:
        subprocess.run([sys.executable, str(generator), str(n), str(work / f"peers-{n}")], check=True,
                       stdout=subprocess.DEVNULL)
    site = work / f"search-{n}"
    if not (site / "content" / "explainers").is_dir() or len(list((site / "content" / "explainers").glob("*.md"))) != n:
        corpus.article_site(plain, site)
    corpus.set_search(site, search)
    return site


def clean(site: Path) -> None:
    shutil.rmtree(site / "output", ignore_errors=True)
    shutil.rmtree(site / ".site-builder-cache", ignore_errors=True)


def builder(site: Path, runs: int, edits: int) -> dict:
    measured: dict[str, list] = {"cold": [], "warm": [], "edit": []}
    for _ in range(runs):
        clean(site)
        measured["cold"].append(timed([*BUILDER, "build", str(site)], cwd=site))
        measured["warm"].append(timed([*BUILDER, "build", str(site)], cwd=site))
    files = sorted((site / "content" / "explainers").glob("*.md"))
    for k in range(edits):
        path = files[(k * 7919) % len(files)]
        original = path.read_bytes()
        path.write_bytes(original + f"\n\nAn added sentence number {k}.\n".encode())
        try:
            measured["edit"].append(timed([*BUILDER, "build", str(site)], cwd=site))
        finally:
            path.write_bytes(original)
        timed([*BUILDER, "build", str(site)], cwd=site)  # back to the corpus as it was
    row = {}
    for name, values in measured.items():
        if values:
            row[name] = statistics.median(v[0] for v in values)
            row[name + "_cpu"] = statistics.median(v[1] for v in values)
    every = [v for values in measured.values() for v in values]
    row["pss"], row["rss"] = max(v[2] for v in every), max(v[3] for v in every)
    return row


PREVIEW_SCRIPT = r"""
import statistics, sys, time
from pathlib import Path
from site_builder.preview.app import Preview
site, edits = Path(sys.argv[1]), int(sys.argv[2])
files = sorted((site / "content" / "explainers").glob("*.md"))
out = []
for search in (False, True):
    preview = Preview(site, log=lambda text: None, search=search)
    preview.rebuild()
    if search:
        started = time.perf_counter()
        assert preview.search.wait(3600)
        first = time.perf_counter() - started
    pages, caught = [], []
    for k in range(edits):
        path = files[(k * 7919) % len(files)]
        original = path.read_bytes()
        path.write_bytes(original + f"\n\nAn added sentence number {k}.\n".encode())
        try:
            started = time.perf_counter()
            preview.rebuild({str(path)})
            pages.append(time.perf_counter() - started)
            if search:
                assert preview.search.wait(3600)
                caught.append(time.perf_counter() - started)
        finally:
            path.write_bytes(original)
        preview.rebuild({str(path)})
        if search:
            preview.search.wait(3600)
    out.append(statistics.median(pages))
    if search:
        out += [statistics.median(caught), first]
print(*out)
"""


def preview(site: Path, edits: int) -> dict:
    """The preview, in one process as `site-builder serve` keeps it: edit-to-page time (the rebuild after an
    edit, told the file) without and with search, and with search the time until the index has caught up."""
    done = subprocess.run([sys.executable, "-c", PREVIEW_SCRIPT, str(site), str(edits)], capture_output=True,
                          text=True, cwd=site, env=ENV)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return {}
    off, on, caught, first = map(float, done.stdout.split())
    return {"page_search_off": off, "page_search_on": on, "index_caught_up": caught, "first_index": first}


def hugo_then_pagefind(peers_corpus: Path, cache: Path, runs: int) -> dict:
    """Hugo's build of the same articles, then Pagefind over Hugo's output (as a Hugo user adds search)."""
    hugo = sorted(cache.glob("venv/lib/python3*/site-packages/hugo/binaries/hugo"))
    sys.path.insert(0, str(PROJECT))
    from site_builder.search import executable
    pagefind = executable()
    if not hugo or pagefind is None:
        return {}
    site = peers_corpus / "hugo"
    walls, mems = [], []
    for n in range(runs + 1):  # one untimed build first, as run.py does
        shutil.rmtree(site / "public", ignore_errors=True)
        wall, cpu, pss, rss = timed([str(hugo[0]), "--quiet", "--destination", "public"], cwd=site)
        with tempfile.TemporaryDirectory(prefix="bench-pagefind-") as scratch:
            more, cpu2, pss2, rss2 = timed([pagefind, "--site", str(site / "public"), "--output-path",
                                            str(Path(scratch) / "pagefind"), "--silent"], cwd=scratch)
        if n:
            walls.append((wall + more, cpu + cpu2, wall, more))
            mems.append((max(pss, pss2), max(rss, rss2)))
    return {"cold": statistics.median(w[0] for w in walls), "cold_cpu": statistics.median(w[1] for w in walls),
            "hugo": statistics.median(w[2] for w in walls), "pagefind": statistics.median(w[3] for w in walls),
            "pss": max(m[0] for m in mems), "rss": max(m[1] for m in mems)}


def fmt(value, unit="s") -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f}" if value < 1 else f"{value:.2f}"
    return f"{value:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=1, help="cold + no-change builds per size (median)")
    ap.add_argument("--edits", type=int, default=3, help="one-explainer edits to time (median)")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", str(PROJECT / ".bench")))
    ap.add_argument("--peer-scripts", default=os.environ.get("PEER_BENCH", str(PROJECT.parent / "shared" / "bench")))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--search-off", action="store_true", help="also time cold and no-change builds with search off")
    ap.add_argument("--preview", action="store_true", help="also time the preview's edits, with search off and on")
    ap.add_argument("--no-builds", action="store_true", help="skip the command-line builds (time only the others)")
    args = ap.parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    freeze(work)
    scripts = Path(args.peer_scripts).resolve()
    cache = Path(os.environ.get("BENCH_CACHE", scripts / ".cache"))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cpus} cores; memory is summed over every process of a build (PSS, and RSS)", flush=True)
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        site = search_site(scripts / "gen_corpus.py", n, work)
        if not args.no_builds:
            print(f"site-builder, {n:,} articles, search on ...", flush=True)
            rows.append((n, "site-builder (search on)", builder(site, args.runs, args.edits)))
        if args.search_off and not args.no_builds:
            search_site(scripts / "gen_corpus.py", n, work, search=False)
            print(f"site-builder, {n:,} articles, search off ...", flush=True)
            rows.append((n, "site-builder (search off)", builder(site, args.runs, 0)))
            search_site(scripts / "gen_corpus.py", n, work)
        if args.preview:
            print(f"the preview, {n:,} articles ...", flush=True)
            rows.append((n, "site-builder preview", preview(site, args.edits)))
        if not args.no_peers:
            print(f"Hugo + Pagefind, {n:,} articles ...", flush=True)
            peer = hugo_then_pagefind(work / f"peers-{n}", cache, args.runs)
            if peer:
                rows.append((n, "Hugo + Pagefind", peer))
        print(f"  {rows[-1]}", flush=True)
    print("\n| articles | tool | cold s | no-change s | one edited explainer s | peak memory, all processes: PSS MiB "
          "| RSS MiB | cold / (Hugo + Pagefind) | CPU s: cold, no-change, edit |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for n, tool, row in rows:
        if "cold" not in row:
            continue
        peer = next((r["cold"] for m, t, r in rows if m == n and t == "Hugo + Pagefind"), None)
        ratio = f"{row['cold'] / peer:.2f}x" if peer else "-"
        cpu = ", ".join(fmt(row.get(f"{k}_cpu")) for k in ("cold", "warm", "edit"))
        print(f"| {n:,} | {tool} | {fmt(row['cold'])} | {fmt(row.get('warm'))} | {fmt(row.get('edit'))} | "
              f"{fmt(row['pss'], 'MiB')} | {fmt(row['rss'], 'MiB')} | {ratio} | {cpu} |")
    for n, tool, row in rows:
        if "page_search_on" in row:
            print(f"\npreview, {n:,} articles: edit to page {fmt(row['page_search_off'])} s with search off, "
                  f"{fmt(row['page_search_on'])} s with search on; the index caught up {fmt(row['index_caught_up'])} s "
                  f"after the edit; the first index took {fmt(row['first_index'])} s after the first build")


if __name__ == "__main__":
    main()
